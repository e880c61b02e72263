/*
 * CXL multi-VCS switch: bind, unbind and port control
 *
 * A device given vcs= and dsppb= is not added where -device or
 * device_add would put it: a DeviceListener takes its options, creates it
 * with them and prepares its state (cxl_type3_prepare()), so that it
 * exists, and its fabric manager reaches it, before any host does.
 * Binding its port to a vPPB realizes it below the port's PPB the first
 * time, and hot-adds a function that presents it below the vPPB's
 * cxl-downstream port; unbinding removes that function, with the host's
 * help (managed), by waiting for the host to power the slot off, or at
 * once (surprise).  Bind and Unbind vPPB are background commands, one at
 * a time for the whole switch; cxl_vcs_complete() finishes them.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qom/object_interfaces.h"
#include "monitor/qdev.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie.h"
#include "hw/cxl/cxl.h"
#include "cxl-vcs.h"
#include "trace.h"

/* Time from Bind vPPB to the device being attached: link training */
#define CXL_VCS_LINK_UP_MS 100
/* How long an unbind waits for the host to take the link down */
#define CXL_VCS_UNBIND_TIMEOUT_MS 30000

/* The binding the background command in progress acts on */
static CXLVCSBinding *cxl_vcs_cmd_binding(CXLVCSSwitch *s)
{
    return &s->ports[s->cmd.port].ld[s->cmd.ld];
}

/*
 * A binding of @p is no longer bound or being bound: an MLD may change
 * that LD's allocation again
 */
static void cxl_vcs_release_binding(CXLVCSPhysPort *p, unsigned ld)
{
    p->ld[ld].state = CXL_VCS_UNBOUND;
    if (cxl_vcs_port_is_mld(p)) {
        cxl_mld_set_bound(CXL_TYPE3(p->dev), ld, false);
    }
}

/* Finish the background command in progress with @rc */
static void cxl_vcs_complete(CXLVCSSwitch *s, CXLRetCode rc)
{
    unsigned port = s->cmd.port, ld = s->cmd.ld;
    CXLVCSPhysPort *p = &s->ports[port];
    CXLVCSBinding *b = &p->ld[ld];
    CXLCCI *cci = s->cmd.cci;

    timer_del(s->cmd.timer);
    s->cmd.port = -1;
    s->cmd.cci = NULL;
    s->cmd.waiting = false;
    trace_cxl_vcs_complete(cxl_vcs_id(s), port, ld, b->state, rc);
    cxl_vcs_event_binding(s, b->vcs, b->vppb,
                          b->state == CXL_VCS_BOUND ? port : -1,
                          cxl_vcs_ld_id(p, ld), rc == CXL_MBOX_SUCCESS);
    if (rc == CXL_MBOX_SUCCESS) {
        /* The physical port's link came up or went down with it */
        cxl_vcs_event_port(s, port, false);
    }
    if (cci) {
        cxl_cci_bg_complete(cci, rc);
    }
}

/* Start the background command on @port's @ld, to act after @delay_ms */
static void cxl_vcs_start(CXLVCSSwitch *s, CXLCCI *cci, unsigned port,
                          unsigned ld, int64_t delay_ms)
{
    s->cmd.port = port;
    s->cmd.ld = ld;
    s->cmd.cci = cci;
    s->cmd.waiting = false;
    cxl_cci_bg_await(cci);
    timer_mod(s->cmd.timer,
              qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + delay_ms);
}

void cxl_vcs_forget_cci(CXLVCSSwitch *s, CXLCCI *cci)
{
    if (s->cmd.cci == cci) {
        s->cmd.cci = NULL;
    }
}

/*
 * Reset what binding @ld of @p presents: through the host's function if
 * it is bound, else the device or LD itself if it was ever realized
 */
static void cxl_vcs_reset_binding(CXLVCSPhysPort *p, unsigned ld)
{
    PCIDevice *target = cxl_vcs_port_target(p, ld);

    if (p->ld[ld].function) {
        pci_device_reset(p->ld[ld].function);
    } else if (target && DEVICE(target)->realized) {
        pci_device_reset(target);
    }
}

/*
 * PERST# of port @port: the link to the device goes down or comes back
 * up, and the device (each LD of an MLD) is reset on either edge, so that
 * it leaves reset in its initial state whatever was written to it
 * meanwhile.  A bound device's link is the one below its vPPB's port, as
 * its host sees it.
 */
static void cxl_vcs_set_perst(CXLVCSSwitch *s, unsigned port, bool perst)
{
    CXLVCSPhysPort *p = &s->ports[port];

    trace_cxl_vcs_perst(cxl_vcs_id(s), port, perst);
    p->perst = perst;
    cxl_vcs_fabric_update_link(s, port);
    for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
        CXLVCSBinding *b = &p->ld[ld];

        cxl_vcs_reset_binding(p, ld);
        if (b->function) {
            PCIDevice *dsp = cxl_vcs_vppb_port(s, b->vcs, b->vppb);
            uint8_t *lnksta = dsp->config + dsp->exp.exp_cap + PCI_EXP_LNKSTA;

            if (perst) {
                pci_word_test_and_clear_mask(lnksta, PCI_EXP_LNKSTA_DLLLA);
            } else {
                pci_word_test_and_set_mask(lnksta, PCI_EXP_LNKSTA_DLLLA);
            }
        }
    }
    cxl_vcs_event_port(s, port, false);
}

/* Attach the device (or LD) being bound below its vPPB */
static void cxl_vcs_attach(CXLVCSSwitch *s)
{
    unsigned port = s->cmd.port, ld = s->cmd.ld;
    CXLVCSPhysPort *p = &s->ports[port];
    CXLVCSBinding *b = &p->ld[ld];
    PCIDevice *dsp = cxl_vcs_vppb_port(s, b->vcs, b->vppb);
    Error *err = NULL;

    if (!dsp) {
        error_setg(&err, "vPPB %u of VCS %u is gone", b->vppb, b->vcs);
        goto fail;
    }
    if (p->sub) {
        b->function = cxl_vcs_subswitch_attach(s, port, dsp, &err);
    } else if (cxl_vcs_fabric_realize_device(s, port, ld, &err)) {
        b->function = cxl_vcs_function_add(cxl_vcs_port_target(p, ld),
            pci_bridge_get_sec_bus(PCI_BRIDGE(dsp)), &err);
    }
    if (!b->function) {
        goto fail;
    }
    b->state = CXL_VCS_BOUND;
    if (p->perst) {
        cxl_vcs_set_perst(s, port, true);
    }
    cxl_vcs_complete(s, CXL_MBOX_SUCCESS);
    return;

fail:
    if (cxl_vcs_port_is_mld(p)) {
        error_prepend(&err, "LD %u: ", ld);
    }
    error_prepend(&err, "cxl-vcs-switch '%s': binding physical port %u to "
                  "vPPB %u of VCS %u: ", cxl_vcs_id(s), port, b->vppb,
                  b->vcs);
    warn_report_err(err);
    cxl_vcs_release_binding(p, ld);
    cxl_vcs_complete(s, CXL_MBOX_INTERNAL_ERROR);
}

/* Start the removal of the device (or LD) being unbound */
static void cxl_vcs_detach(CXLVCSSwitch *s)
{
    CXLVCSBinding *b = cxl_vcs_cmd_binding(s);
    PCIDevice *dsp = cxl_vcs_vppb_port(s, b->vcs, b->vppb);
    Error *err = NULL;

    switch (s->cmd.unbind_option) {
    case CXL_VCS_UNBIND_SURPRISE:
        /* Unrealizes the device: cxl_vcs_device_unrealize() completes */
        pcie_cap_slot_surprise_unplug(dsp);
        return;
    case CXL_VCS_UNBIND_MANAGED:
        qdev_unplug(DEVICE(b->function), &err);
        if (err) {
            /* e.g. the host is busy with the slot: try again later */
            warn_report_err(err);
            b->state = CXL_VCS_BOUND;
            cxl_vcs_complete(s, CXL_MBOX_RETRY_REQUIRED);
            return;
        }
        trace_cxl_vcs_unbind_requested(cxl_vcs_id(s), b->vcs, b->vppb);
        break;
    case CXL_VCS_UNBIND_WAIT_LINK_DOWN:
        break;
    }
    /* The device is gone already if the slot was powered off */
    if (b->state == CXL_VCS_UNBIND_IN_PROGRESS) {
        s->cmd.waiting = true;
        if (s->cmd.cci) {
            s->cmd.cci->bg.complete_pct = 50;
        }
        timer_mod(s->cmd.timer, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) +
                  CXL_VCS_UNBIND_TIMEOUT_MS);
    }
}

static void cxl_vcs_cmd_timer(void *opaque)
{
    CXLVCSSwitch *s = opaque;
    CXLVCSBinding *b = cxl_vcs_cmd_binding(s);

    if (b->state == CXL_VCS_BIND_IN_PROGRESS) {
        cxl_vcs_attach(s);
    } else if (!s->cmd.waiting) {
        cxl_vcs_detach(s);
    } else {
        /* The host did not take the link down: the vPPB stays bound */
        trace_cxl_vcs_unbind_timeout(cxl_vcs_id(s), b->vcs, b->vppb);
        b->state = CXL_VCS_BOUND;
        cxl_vcs_complete(s, CXL_MBOX_RETRY_REQUIRED);
    }
}

/*
 * Bind vPPB (5201h).  @ld_id names an LD of an MLD, FFFFh an SLD: Invalid
 * Input for the other kind, for an LD the MLD does not have or has given
 * no memory, for an empty port, and for a vPPB or an LD (an SLD) bound
 * already; Busy while either has a command in progress, or another
 * command runs.
 */
CXLRetCode cxl_vcs_bind(CXLVCSSwitch *s, CXLCCI *cci, unsigned vcs,
                        unsigned vppb, unsigned port, unsigned ld_id)
{
    CXLVCSPhysPort *p, *bound;
    int bound_port;
    unsigned ld, bound_ld;

    if (!cxl_vcs_vppb_port(s, vcs, vppb) || port >= s->num_dsp) {
        return CXL_MBOX_INVALID_INPUT;
    }
    p = &s->ports[port];
    if (!cxl_vcs_port_present(p) ||
        (ld_id == CXL_VCS_LD_ID_NONE) == cxl_vcs_port_is_mld(p)) {
        return CXL_MBOX_INVALID_INPUT;
    }
    ld = cxl_vcs_port_is_mld(p) ? ld_id : 0;
    if (!p->sub && !cxl_vcs_port_target(p, ld)) {
        return CXL_MBOX_INVALID_INPUT;
    }
    bound_port = cxl_vcs_vppb_binding(s, vcs, vppb, &bound_ld);
    bound = bound_port < 0 ? NULL : &s->ports[bound_port];
    if (p->ld[ld].state == CXL_VCS_BIND_IN_PROGRESS ||
        p->ld[ld].state == CXL_VCS_UNBIND_IN_PROGRESS ||
        (bound && bound->ld[bound_ld].state != CXL_VCS_BOUND)) {
        return CXL_MBOX_BUSY;
    }
    if (p->ld[ld].state == CXL_VCS_BOUND || bound) {
        return CXL_MBOX_INVALID_INPUT;
    }
    if (s->cmd.port >= 0) {
        return CXL_MBOX_BUSY;
    }

    trace_cxl_vcs_bind(cxl_vcs_id(s), vcs, vppb, port, ld_id);
    p->ld[ld] = (CXLVCSBinding) {
        .state = CXL_VCS_BIND_IN_PROGRESS,
        .vcs = vcs,
        .vppb = vppb,
    };
    if (cxl_vcs_port_is_mld(p)) {
        cxl_mld_set_bound(CXL_TYPE3(p->dev), ld, true);
    }
    cxl_vcs_start(s, cci, port, ld, CXL_VCS_LINK_UP_MS);
    return CXL_MBOX_BG_STARTED;
}

CXLRetCode cxl_vcs_unbind(CXLVCSSwitch *s, CXLCCI *cci, unsigned vcs,
                          unsigned vppb, unsigned option)
{
    unsigned ld;
    int port;

    if (!cxl_vcs_vppb_port(s, vcs, vppb) || option > CXL_VCS_UNBIND_SURPRISE) {
        return CXL_MBOX_INVALID_INPUT;
    }
    port = cxl_vcs_vppb_binding(s, vcs, vppb, &ld);
    if (port < 0) {
        return CXL_MBOX_INVALID_INPUT;
    }
    if (s->ports[port].ld[ld].state != CXL_VCS_BOUND || s->cmd.port >= 0) {
        return CXL_MBOX_BUSY;
    }

    trace_cxl_vcs_unbind(cxl_vcs_id(s), vcs, vppb, port, ld, option);
    s->ports[port].ld[ld].state = CXL_VCS_UNBIND_IN_PROGRESS;
    s->cmd.unbind_option = option;
    /* Act once the command has returned Background Command Started */
    cxl_vcs_start(s, cci, port, ld, 0);
    return CXL_MBOX_BG_STARTED;
}

/*
 * Physical Port Control (5102h).  PERST# is the downstream side's signal,
 * so only reset applies to upstream ports.
 */
CXLRetCode cxl_vcs_port_control(CXLVCSSwitch *s, unsigned port,
                                unsigned opcode)
{
    CXLVCSPhysPort *p = port < s->num_dsp ? &s->ports[port] : NULL;

    if (port >= s->num_dsp + s->num_usp || opcode > CXL_VCS_PORT_RESET ||
        (!p && (opcode != CXL_VCS_PORT_RESET || !s->usp[port - s->num_dsp]))) {
        return CXL_MBOX_INVALID_INPUT;
    }
    if (p && s->cmd.port == port) {
        return CXL_MBOX_BUSY;
    }
    trace_cxl_vcs_port_control(cxl_vcs_id(s), port, opcode);
    switch (opcode) {
    case CXL_VCS_PORT_ASSERT_PERST:
    case CXL_VCS_PORT_DEASSERT_PERST:
        if (p->perst != (opcode == CXL_VCS_PORT_ASSERT_PERST)) {
            cxl_vcs_set_perst(s, port, !p->perst);
        }
        break;
    case CXL_VCS_PORT_RESET:
        if (!p) {
            /* The upstream PPB and, below it, its whole VCS */
            pci_device_reset(PCI_DEVICE(s->usp[port - s->num_dsp]));
        } else if (!p->perst) {
            /* (Held in reset, it is reset already) */
            for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
                cxl_vcs_reset_binding(p, ld);
            }
        }
        break;
    }
    return CXL_MBOX_SUCCESS;
}

/* A host's function went away: by an unbind, or by its host */
static void cxl_vcs_device_unrealize(DeviceListener *listener,
                                     DeviceState *dev)
{
    CXLVCSSwitch *s = container_of(listener, CXLVCSSwitch, listener);

    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];

        for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
            CXLVCSBinding *b = &p->ld[ld];
            bool unbinding = b->state == CXL_VCS_UNBIND_IN_PROGRESS;

            if (!b->function || DEVICE(b->function) != dev) {
                continue;
            }
            trace_cxl_vcs_released(cxl_vcs_id(s), i, ld, b->vcs, b->vppb);
            b->function = NULL;
            if (p->sub) {
                cxl_vcs_subswitch_detached(s, i);
            }
            cxl_vcs_release_binding(p, ld);
            if (unbinding) {
                cxl_vcs_complete(s, CXL_MBOX_SUCCESS);
            } else {
                cxl_vcs_event_binding(s, b->vcs, b->vppb, -1,
                                      CXL_VCS_LD_ID_NONE, true);
                cxl_vcs_event_port(s, i, false);
            }
        }
    }
}

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

void cxl_vcs_bind_machine_done(CXLVCSSwitch *s, Error **errp)
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
        /* device_add at run time: a hot-add to the physical port */
        cxl_vcs_event_port(s, dsppb, true);
    }
    return true;
}

void cxl_vcs_bind_init(CXLVCSSwitch *s)
{
    s->cmd.port = -1;
    s->cmd.timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, cxl_vcs_cmd_timer, s);
    s->listener.hide_device = cxl_vcs_hide_device;
    s->listener.unrealize = cxl_vcs_device_unrealize;
    device_listener_register(&s->listener);
}

void cxl_vcs_bind_cleanup(CXLVCSSwitch *s)
{
    device_listener_unregister(&s->listener);
    timer_free(s->cmd.timer);
    for (unsigned i = 0; i < s->num_dsp; i++) {
        if (s->ports[i].dev) {
            object_unref(OBJECT(s->ports[i].dev));
        }
        cxl_vcs_subswitch_free(s->ports[i].sub);
        g_free(s->ports[i].pending_id);
    }
}
