/*
 * The CXL component a transport of CCI commands serves: resolving its
 * target= property and opening a CCI on it; and the event notification
 * policy each transport keeps for the component's event logs.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qapi/error.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_mailbox.h"
#include "hw/cxl/cxl_cci_target.h"
#include "hw/cxl/cxl_vcs_switch.h"
#include "trace.h"

struct CXLCCITarget {
    CXLCCI *cci;            /* NULL once the target is gone */
    CXLCCI own;             /* the CCI on a cxl-upstream target */
    CXLVCSSwitch *vcs;
    DeviceState *dev;       /* a cxl-upstream or cxl-type3 target */
    DeviceListener listener;
};

static void cxl_cci_target_unrealize(DeviceListener *listener,
                                     DeviceState *dev)
{
    CXLCCITarget *t = container_of(listener, CXLCCITarget, listener);

    if (dev == t->dev) {
        t->dev = NULL;
        t->cci = NULL;
        /* A transport that still uses it finds it answers nothing */
        t->own.num_cmd_tables = 0;
    }
}

CXLCCITarget *cxl_cci_target_open(const char *target, DeviceState *intf,
                                  size_t payload_max, bool type3,
                                  const CXLCCITransport *tr, Error **errp)
{
    const char *kinds = type3 ? "a cxl-vcs-switch, cxl-upstream or cxl-type3"
                              : "a cxl-vcs-switch or cxl-upstream";
    const char *type = object_get_typename(OBJECT(intf));
    const char *id = intf->id ?: "";
    Object *vcs, *usp, *t3;
    CXLCCITarget *t;

    if (!target) {
        error_setg(errp, "%s '%s': target= is required: %s", type, id,
                   kinds);
        return NULL;
    }
    vcs = object_resolve_path_type(target, TYPE_CXL_VCS_SWITCH, NULL);
    usp = object_resolve_path_type(target, TYPE_CXL_USP, NULL);
    t3 = type3 ? object_resolve_path_type(target, TYPE_CXL_TYPE3, NULL)
               : NULL;
    if (!vcs && !usp && !t3) {
        error_setg(errp, "%s '%s': target '%s' is not %s", type, id, target,
                   kinds);
        return NULL;
    }
    t = g_new0(CXLCCITarget, 1);
    if (vcs) {
        t->vcs = CXL_VCS_SWITCH(vcs);
        t->cci = cxl_vcs_open_cci(t->vcs, intf, payload_max, tr, errp);
        if (!t->cci) {
            error_prepend(errp, "%s '%s': target '%s': ", type, id, target);
            g_free(t);
            return NULL;
        }
    } else if (usp) {
        t->dev = DEVICE(usp);
        cxl_initialize_mailbox_swcci(&t->own, intf, t->dev, payload_max);
        t->cci = &t->own;
    } else {
        t->dev = DEVICE(t3);
        t->cci = &CXL_TYPE3(t3)->vdm_fm_owned_ld_mctp_cci;
    }
    if (t->dev) {
        t->listener.unrealize = cxl_cci_target_unrealize;
        device_listener_register(&t->listener);
    }
    return t;
}

CXLCCI *cxl_cci_target_cci(CXLCCITarget *t)
{
    return t->cci;
}

void cxl_cci_target_reset(CXLCCITarget *t)
{
    CXLCCIEventPolicy *p;

    if (t->vcs && t->cci) {
        p = cxl_vcs_cci_event_policy(t->cci);
        cxl_cci_event_policy_init(p, &p->transport);
    }
}

void cxl_cci_target_close(CXLCCITarget *t)
{
    if (t->vcs) {
        cxl_vcs_close_cci(t->cci);
    } else {
        device_listener_unregister(&t->listener);
        cxl_destroy_cci(&t->own);
    }
    g_free(t);
}

void cxl_cci_event_policy_init(CXLCCIEventPolicy *p,
                               const CXLCCITransport *t)
{
    *p = (CXLCCIEventPolicy) { .transport = *t };
}

void cxl_cci_event_policy_signal(CXLCCIEventPolicy *p, CXLEventLogType log)
{
    const CXLCCITransport *t = &p->transport;
    bool on = t->mctp ? p->mctp & BIT(log) :
        t->event_vector >= 0 && p->settings[log] == CXL_INT_MSI_MSIX;

    trace_cxl_cci_event_signal(log, t->mctp, on);
    if (on && t->event_notify) {
        t->event_notify(t->opaque, log);
    }
}

/*
 * Get Event Interrupt Policy (0102h), CXL r3.2 Table 8-67: a settings
 * byte for each of the five logs, Dynamic Capacity last.  With MSI/MSI-X
 * bits 7:4 are the vector the log signals on; Dynamic Capacity shares
 * the informational log's.
 */
static CXLRetCode cmd_cci_get_event_int_policy(const struct cxl_cmd *cmd,
                                               uint8_t *payload_in,
                                               size_t len_in,
                                               uint8_t *payload_out,
                                               size_t *len_out, CXLCCI *cci)
{
    CXLCCIEventPolicy *p = cxl_vcs_cci_event_policy(cci);
    int vector = p->transport.event_vector;

    QEMU_BUILD_BUG_ON(sizeof(CXLEventInterruptPolicy) != CXL_EVENT_TYPE_MAX);
    for (int i = 0; i < CXL_EVENT_TYPE_MAX; i++) {
        payload_out[i] = p->settings[i];
        if (p->settings[i] == CXL_INT_MSI_MSIX && vector >= 0) {
            payload_out[i] |= (vector + (i == CXL_EVENT_TYPE_DYNAMIC_CAP ?
                               CXL_EVENT_TYPE_INFO : i)) << 4;
        }
    }
    *len_out = CXL_EVENT_TYPE_MAX;
    return CXL_MBOX_SUCCESS;
}

/*
 * Set Event Interrupt Policy (0103h): four bytes, or five with the
 * Dynamic Capacity log's.  No interrupts or MSI/MSI-X: there is no
 * firmware to interrupt.  The vector bits are the device's to choose.
 */
static CXLRetCode cmd_cci_set_event_int_policy(const struct cxl_cmd *cmd,
                                               uint8_t *payload_in,
                                               size_t len_in,
                                               uint8_t *payload_out,
                                               size_t *len_out, CXLCCI *cci)
{
    CXLCCIEventPolicy *p = cxl_vcs_cci_event_policy(cci);

    if (len_in != CXL_EVENT_INT_SETTING_MIN_LEN &&
        len_in != CXL_EVENT_TYPE_MAX) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    for (size_t i = 0; i < len_in; i++) {
        uint8_t mode = payload_in[i] & CXL_EVENT_INT_MODE_MASK;

        if (mode != CXL_INT_NONE && mode != CXL_INT_MSI_MSIX) {
            return CXL_MBOX_INVALID_INPUT;
        }
    }
    for (size_t i = 0; i < len_in; i++) {
        p->settings[i] = payload_in[i] & CXL_EVENT_INT_MODE_MASK;
    }
    *len_out = 0;
    return CXL_MBOX_SUCCESS;
}

/* Get MCTP Event Interrupt Policy (0104h), CXL r3.2 Table 8-69 */
static CXLRetCode cmd_cci_get_mctp_event_policy(const struct cxl_cmd *cmd,
                                                uint8_t *payload_in,
                                                size_t len_in,
                                                uint8_t *payload_out,
                                                size_t *len_out, CXLCCI *cci)
{
    stw_le_p(payload_out, cxl_vcs_cci_event_policy(cci)->mctp);
    *len_out = 2;
    return CXL_MBOX_SUCCESS;
}

/*
 * Set MCTP Event Interrupt Policy (0105h): a bit per log, informational
 * (bit 0) to Dynamic Capacity (bit 4); reserved bits are ignored
 */
static CXLRetCode cmd_cci_set_mctp_event_policy(const struct cxl_cmd *cmd,
                                                uint8_t *payload_in,
                                                size_t len_in,
                                                uint8_t *payload_out,
                                                size_t *len_out, CXLCCI *cci)
{
    cxl_vcs_cci_event_policy(cci)->mctp = lduw_le_p(payload_in) &
                                          CXL_MCTP_EVENT_LOGS_MASK;
    *len_out = 0;
    return CXL_MBOX_SUCCESS;
}

enum {
    EVENTS = 0x01,
        #define GET_INTERRUPT_POLICY 0x02
        #define SET_INTERRUPT_POLICY 0x03
        #define GET_MCTP_INTERRUPT_POLICY 0x04
        #define SET_MCTP_INTERRUPT_POLICY 0x05
};

static const struct cxl_cmd cxl_cmd_set_event_policy[256][256] = {
    [EVENTS][GET_INTERRUPT_POLICY] = { "EVENTS_GET_INTERRUPT_POLICY",
        cmd_cci_get_event_int_policy, 0, 0 },
    [EVENTS][SET_INTERRUPT_POLICY] = { "EVENTS_SET_INTERRUPT_POLICY",
        cmd_cci_set_event_int_policy, ~0, CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
};

/* The same and the MCTP policy, in one table: a CCI has room for few */
static const struct cxl_cmd cxl_cmd_set_mctp_event_policy[256][256] = {
    [EVENTS][GET_INTERRUPT_POLICY] = { "EVENTS_GET_INTERRUPT_POLICY",
        cmd_cci_get_event_int_policy, 0, 0 },
    [EVENTS][SET_INTERRUPT_POLICY] = { "EVENTS_SET_INTERRUPT_POLICY",
        cmd_cci_set_event_int_policy, ~0, CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [EVENTS][GET_MCTP_INTERRUPT_POLICY] = {
        "EVENTS_GET_MCTP_INTERRUPT_POLICY", cmd_cci_get_mctp_event_policy,
        0, 0 },
    [EVENTS][SET_MCTP_INTERRUPT_POLICY] = {
        "EVENTS_SET_MCTP_INTERRUPT_POLICY", cmd_cci_set_mctp_event_policy,
        2, CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
};

void cxl_cci_event_policy_add_commands(CXLCCI *cci, const CXLCCITransport *t,
                                       size_t payload_max)
{
    cxl_add_cci_commands(cci, t->mctp ? cxl_cmd_set_mctp_event_policy
                                      : cxl_cmd_set_event_policy,
                         payload_max);
}
