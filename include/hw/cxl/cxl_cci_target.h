/*
 * The CXL component a transport of CCI commands (a switch mailbox CCI,
 * an MCTP endpoint) serves, named by its target= property
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_CCI_TARGET_H
#define HW_CXL_CXL_CCI_TARGET_H

#include "hw/cxl/cxl_device.h"

/*
 * How a transport signals the component's events: when one of its event
 * logs gains a record while that log's interrupt is enabled, and the
 * MSI/MSI-X vector of the first log it signals on (informational, then
 * warning, failure and fatal), or -1.
 */
typedef struct CXLCCITransport {
    void (*event_notify)(void *opaque, CXLEventLogType log);
    void *opaque;
    int event_vector;
} CXLCCITransport;

typedef struct CXLCCITarget CXLCCITarget;

/*
 * A CCI for transport device @intf on the component @target names: a
 * cxl-vcs-switch, a cxl-upstream port or, with @type3, the FM-owned LD
 * of a cxl-type3 device.  NULL, with @errp naming @intf's target=, when
 * it names none of these.
 */
CXLCCITarget *cxl_cci_target_open(const char *target, DeviceState *intf,
                                  size_t payload_max, bool type3,
                                  const CXLCCITransport *t, Error **errp);
/* The target's CCI, or NULL once the target is gone */
CXLCCI *cxl_cci_target_cci(CXLCCITarget *t);
void cxl_cci_target_close(CXLCCITarget *t);

#endif
