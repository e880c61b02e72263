/*
 * CXL multi-VCS switch: the devices on its physical downstream ports
 *
 * A device given vcs= and dsppb= is not added where -device or
 * device_add would put it: a DeviceListener takes its options, creates it
 * with them and prepares its state (cxl_type3_prepare()), so that it
 * exists, and its fabric manager reaches it, before any host does.  It
 * stays on no bus until a binding needs it (cxl-vcs-attach.c).
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qom/object_interfaces.h"
#include "monitor/qdev.h"
#include "hw/cxl/cxl.h"
#include "cxl-vcs.h"
#include "trace.h"

/* dsppb= as given on the command line (string) or in JSON (number) */
static bool cxl_vcs_opts_dsppb(const QDict *opts, uint64_t *dsppb)
{
    QObject *obj = qdict_get(opts, "dsppb");
    QString *str = qobject_to(QString, obj);
    QNum *num = qobject_to(QNum, obj);

    if (str) {
        return !qemu_strtou64(qstring_get_str(str), NULL, 0, dsppb);
    }
    return num && qnum_get_try_uint(num, dsppb);
}

/*
 * The device of @opts, with its properties set and its state prepared,
 * on no bus.  It joins QOM where device_add would have put it (under
 * /machine/peripheral), but only once the machine is ready: until then
 * every device in QOM must be realized.
 */
static DeviceState *cxl_vcs_create_device(CXLVCSPhysPort *p,
                                          const QDict *opts, bool from_json,
                                          Error **errp)
{
    ERRP_GUARD();
    DeviceState *dev = qdev_new(qdict_get_str(opts, "driver"));
    g_autoptr(QDict) props = qdict_clone_shallow(opts);
    char *id = g_strdup(qdict_get_try_str(opts, "id"));

    qdict_del(props, "driver");
    qdict_del(props, "id");
    object_set_properties_from_keyval(OBJECT(dev), props, from_json, errp);
    if (*errp || !cxl_type3_prepare(CXL_TYPE3(dev), errp)) {
        goto fail;
    }
    if (!phase_check(PHASE_MACHINE_READY)) {
        p->pending_id = id;
    } else if (!qdev_set_id(dev, id, errp)) {
        goto fail;
    }
    return dev;

fail:
    g_free(id);
    object_unref(OBJECT(dev));
    return NULL;
}

void cxl_vcs_devices_machine_done(CXLVCSSwitch *s, Error **errp)
{
    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];

        if (p->dev && !OBJECT(p->dev)->parent &&
            !qdev_set_id(p->dev, g_steal_pointer(&p->pending_id), errp)) {
            return;
        }
    }
    cxl_vcs_subswitch_machine_done(s, errp);
}

static bool cxl_vcs_hide_device(DeviceListener *listener,
                                const QDict *opts, bool from_json,
                                Error **errp)
{
    ERRP_GUARD();
    CXLVCSSwitch *s = container_of(listener, CXLVCSSwitch, listener);
    const char *driver = qdict_get_try_str(opts, "driver");
    const char *vcs = qdict_get_try_str(opts, "vcs");
    const char *id = qdict_get_try_str(opts, "id");
    ObjectClass *oc;
    CXLVCSPhysPort *p;
    uint64_t dsppb;

    if (cxl_vcs_subswitch_hide(s, opts, from_json, errp) || *errp) {
        return !*errp;
    }
    if (!driver || !vcs ||
        object_resolve_path_type(vcs, TYPE_CXL_VCS_SWITCH, NULL) !=
        OBJECT(s)) {
        return false;
    }
    oc = object_class_by_name(driver);
    if (!oc || !object_class_dynamic_cast(oc, TYPE_CXL_TYPE3)) {
        return false;
    }
    id = id ? id : "";
    if (!qdict_haskey(opts, "dsppb")) {
        error_setg(errp, "%s '%s': vcs=%s needs dsppb= (0-%u)",
                   driver, id, vcs, s->num_dsp - 1);
        return false;
    }
    if (!cxl_vcs_opts_dsppb(opts, &dsppb) || dsppb >= s->num_dsp) {
        QObject *val = qdict_get(opts, "dsppb");
        QString *str = qobject_to(QString, val);
        g_autofree char *num = str ? NULL :
            qnum_to_string(qobject_to(QNum, val));

        error_setg(errp, "%s '%s': dsppb %s out of range (0-%u)", driver, id,
                   str ? qstring_get_str(str) : num, s->num_dsp - 1);
        return false;
    }
    p = &s->ports[dsppb];
    if (cxl_vcs_port_present(p)) {
        error_setg(errp, "%s '%s': dsppb %" PRIu64 " of cxl-vcs-switch '%s' "
                   "is already used by '%s'", driver, id, dsppb,
                   cxl_vcs_id(s), cxl_vcs_device_id(p) ?: "");
        return false;
    }
    if (!s->local_fm && phase_check(PHASE_MACHINE_READY)) {
        error_setg(errp, "%s '%s': cxl-vcs-switch '%s' has local-fm=false: "
                   "the devices a host process can host are given on its "
                   "command line", driver, id, vcs);
        return false;
    }
    if (qdict_haskey(opts, "bus")) {
        error_setg(errp, "%s '%s': bus= cannot be combined with vcs=: a "
                   "bind chooses the vPPB it is attached below", driver, id);
        return false;
    }
    p->dev = cxl_vcs_create_device(p, opts, from_json, errp);
    if (!p->dev) {
        return false;
    }
    trace_cxl_vcs_hide(cxl_vcs_id(s), dsppb, id);
    cxl_vcs_fabric_update_link(s, dsppb);
    if (phase_check(PHASE_MACHINE_READY)) {
        /* device_add at run time (fabric manager): a hot-add to the port */
        cxl_vcs_event_port(s, dsppb, true);
    }
    return true;
}

void cxl_vcs_devices_init(CXLVCSSwitch *s)
{
    s->listener.hide_device = cxl_vcs_hide_device;
    device_listener_register(&s->listener);
}

void cxl_vcs_devices_cleanup(CXLVCSSwitch *s)
{
    device_listener_unregister(&s->listener);
    for (unsigned i = 0; i < s->num_dsp; i++) {
        if (s->ports[i].dev) {
            object_unref(OBJECT(s->ports[i].dev));
        }
        cxl_vcs_subswitch_free(s->ports[i].sub);
        g_free(s->ports[i].pending_id);
    }
}
