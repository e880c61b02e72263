/*
 * CXL multi-VCS switch: a physical CXL switch shared by several hosts,
 * each seeing one Virtual CXL Switch (VCS).
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_VCS_SWITCH_H
#define HW_CXL_CXL_VCS_SWITCH_H

#include "qom/object.h"

#define TYPE_CXL_VCS_SWITCH "cxl-vcs-switch"
OBJECT_DECLARE_SIMPLE_TYPE(CXLVCSSwitch, CXL_VCS_SWITCH)

/*
 * FM-API identifies physical ports, VCSs and vPPBs with 8-bit ids, and
 * Identify Switch Device reports active ports and VCSs in 256-bit maps.
 */
#define CXL_VCS_MAX_PHYS_PORTS 256
#define CXL_VCS_MAX_VCS 255

struct CXLVCSSwitch {
    Object parent_obj;

    /* Properties */
    uint32_t num_usp;       /* usp-ppbs: one VCS per upstream PPB */
    uint32_t num_dsp;       /* dsp-ppbs: physical downstream PPBs */
    bool local_fm;
};

#endif
