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
 * How a transport signals the component's events: called when one of its
 * event logs gains a record while the FM has asked this transport to
 * signal that log; the MSI/MSI-X vector of the first log it signals on
 * (informational, then warning, failure and fatal), or -1; and whether
 * it signals with MCTP Event Notifications instead.
 */
typedef struct CXLCCITransport {
    void (*event_notify)(void *opaque, CXLEventLogType log);
    void *opaque;
    int event_vector;
    bool mctp;
} CXLCCITransport;

/*
 * What the FM asked one transport to signal, CXL r3.2 8.2.10.2.4-7: the
 * interrupt settings of each log (Set Event Interrupt Policy, mode bits
 * only), and the logs it sends MCTP Event Notifications for (Set MCTP
 * Event Interrupt Policy).  Each CCI has its own: the FM on MCTP and a
 * host's driver on the mailbox do not switch each other's signals.
 */
typedef struct CXLCCIEventPolicy {
    CXLCCITransport transport;
    uint8_t settings[CXL_EVENT_TYPE_MAX];
    uint16_t mctp;
} CXLCCIEventPolicy;

/* Event Interrupt Settings of the MCTP policy: a bit per log */
#define CXL_MCTP_EVENT_LOGS_MASK ((1u << CXL_EVENT_TYPE_MAX) - 1)

void cxl_cci_event_policy_init(CXLCCIEventPolicy *p,
                               const CXLCCITransport *t);
/* Event log @log went from empty to holding a record */
void cxl_cci_event_policy_signal(CXLCCIEventPolicy *p, CXLEventLogType log);
/*
 * Add Get/Set Event Interrupt Policy (0102h, 0103h) and, on a transport
 * that sends MCTP Event Notifications, Get/Set MCTP Event Interrupt
 * Policy (0104h, 0105h) to @cci, a CCI of a cxl-vcs-switch that
 * cxl_vcs_cci_event_policy() knows the policy of.
 */
void cxl_cci_event_policy_add_commands(CXLCCI *cci, const CXLCCITransport *t,
                                       size_t payload_max);

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
/*
 * The transport was reset: what its FM asked it to signal is forgotten
 * (a switch's CCI: no event interrupts, no MCTP Event Notifications)
 */
void cxl_cci_target_reset(CXLCCITarget *t);
void cxl_cci_target_close(CXLCCITarget *t);

#endif
