/*
 * The CXL component a transport of CCI commands serves: resolving its
 * target= property and opening a CCI on it.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_cci_target.h"
#include "hw/cxl/cxl_vcs_switch.h"

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
        t->cci = cxl_vcs_open_cci(t->vcs, intf, payload_max, tr);
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
