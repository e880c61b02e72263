/*
 * CXL multi-VCS switch: a physical CXL switch shared by several hosts,
 * each seeing one Virtual CXL Switch (VCS).
 *
 * This is what other devices see of it: the type, the hooks the ports and
 * devices that join the switch call, and the registry through which the
 * fabric manager's transports (mailbox, MCTP) get a CCI for it, by way of
 * cxl_cci_target_open().  The
 * switch's state is private to hw/cxl/cxl-vcs*.c.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_VCS_SWITCH_H
#define HW_CXL_CXL_VCS_SWITCH_H

#include "qom/object.h"
#include "hw/cxl/cxl_device.h"
#include "hw/cxl/cxl_cci_target.h"

#define TYPE_CXL_VCS_SWITCH "cxl-vcs-switch"
OBJECT_DECLARE_SIMPLE_TYPE(CXLVCSSwitch, CXL_VCS_SWITCH)

typedef struct CXLUpstreamPort CXLUpstreamPort;

/* "Not set" value of the usppb and dsppb properties */
#define CXL_VCS_PPB_UNSET UINT32_MAX

/* Hooks for cxl-upstream, cxl-downstream and cxl-type3 */
bool cxl_vcs_usp_realize(CXLUpstreamPort *usp, Error **errp);
void cxl_vcs_usp_exit(CXLUpstreamPort *usp);
bool cxl_vcs_dsp_realize(PCIDevice *dsp, Error **errp);
bool cxl_vcs_endpoint_realize(DeviceState *dev, CXLVCSSwitch *vcs,
                              uint32_t dsppb, Error **errp);

/*
 * A device presented to a host by the switch's function @d, for HDM
 * decode; NULL if @d is no such function
 */
PCIDevice *cxl_vcs_function_target(PCIDevice *d);

/*
 * A CCI of switch @s for transport @intf; its commands go to the switch.
 * NULL if the fabric manager of @s is in another process.
 */
CXLCCI *cxl_vcs_open_cci(CXLVCSSwitch *s, DeviceState *intf,
                         size_t payload_max, const CXLCCITransport *t,
                         Error **errp);
void cxl_vcs_close_cci(CXLCCI *cci);
/* The event notification policy of @cci, one cxl_vcs_open_cci() opened */
CXLCCIEventPolicy *cxl_vcs_cci_event_policy(CXLCCI *cci);

#endif
