/*
 * CXL multi-VCS switch object (cxl-vcs-switch)
 *
 * A physical CXL switch whose upstream PPBs each form one Virtual CXL
 * Switch (VCS).  Numbering, as FM-API commands see it:
 *
 *  - physical downstream ports are 0 .. dsp-ppbs - 1: a device's dsppb=;
 *  - the upstream ports follow them: dsp-ppbs .. dsp-ppbs + usp-ppbs - 1,
 *    VCS n being the cxl-upstream with usppb=n;
 *  - a VCS's vPPBs are the cxl-downstream ports below its upstream port,
 *    vPPB n being the one with port=n.
 *
 * Devices on physical downstream ports are hidden at startup.  Binding a
 * port to a vPPB realizes the device below that vPPB's cxl-downstream
 * port, which the host sees as a PCIe hot-add; unbinding removes it.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "qom/object_interfaces.h"
#include "monitor/qdev.h"
#include "system/system.h"
#include "hw/pci/pci_bridge.h"
#include "hw/sysbus.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_port.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_vcs_switch.h"
#include "trace.h"

/* Time from Bind vPPB to the device being attached: link training */
#define CXL_VCS_LINK_UP_MS 100
/* How long an unbind waits for the host to take the link down */
#define CXL_VCS_UNBIND_TIMEOUT_MS 30000

static QTAILQ_HEAD(, CXLVCSSwitch) cxl_vcs_switches =
    QTAILQ_HEAD_INITIALIZER(cxl_vcs_switches);

static const char *cxl_vcs_id(CXLVCSSwitch *s)
{
    return object_get_canonical_path_component(OBJECT(s));
}

const char *cxl_vcs_device_id(CXLVCSPhysPort *p)
{
    if (p->dev) {
        return p->dev->id;
    }
    return p->opts ? qdict_get_try_str(p->opts, "id") : NULL;
}

/* The switch after @s, or the first one if @s is NULL */
CXLVCSSwitch *cxl_vcs_switch_next(CXLVCSSwitch *s)
{
    return s ? QTAILQ_NEXT(s, next) : QTAILQ_FIRST(&cxl_vcs_switches);
}

CXLVCSSwitch *cxl_vcs_from_cci(CXLCCI *cci)
{
    CXLVCSSwitch *s;

    QTAILQ_FOREACH(s, &cxl_vcs_switches, next) {
        if (cci == &s->mbox_cci || g_slist_find(s->ccis, cci)) {
            return s;
        }
    }
    return NULL;
}

static void cxl_vcs_count_dsp(PCIBus *bus, PCIDevice *dev, void *opaque)
{
    unsigned *count = opaque;

    if (object_dynamic_cast(OBJECT(dev), TYPE_CXL_DSP)) {
        (*count)++;
    }
}

static PCIBus *cxl_vcs_usp_bus(CXLVCSSwitch *s, unsigned vcs)
{
    if (vcs >= s->num_usp || !s->usp[vcs]) {
        return NULL;
    }
    return pci_bridge_get_sec_bus(PCI_BRIDGE(s->usp[vcs]));
}

unsigned cxl_vcs_num_vppbs(CXLVCSSwitch *s, unsigned vcs)
{
    PCIBus *bus = cxl_vcs_usp_bus(s, vcs);
    unsigned count = 0;

    if (bus) {
        pci_for_each_device_under_bus(bus, cxl_vcs_count_dsp, &count);
    }
    return count;
}

/*
 * The cxl-downstream port of a vPPB; NULL if there is none, which the
 * checks at startup rule out for vPPB ids below cxl_vcs_num_vppbs()
 * unless ports are hot-plugged later.
 */
PCIDevice *cxl_vcs_vppb_port(CXLVCSSwitch *s, unsigned vcs, unsigned vppb)
{
    PCIBus *bus = cxl_vcs_usp_bus(s, vcs);
    PCIDevice *dsp = bus && vppb < cxl_vcs_num_vppbs(s, vcs) ?
        pcie_find_port_by_pn(bus, vppb) : NULL;

    return dsp && object_dynamic_cast(OBJECT(dsp), TYPE_CXL_DSP) ? dsp : NULL;
}

CXLVCSPhysPort *cxl_vcs_vppb_binding(CXLVCSSwitch *s, unsigned vcs,
                                     unsigned vppb)
{
    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];

        if (p->state != CXL_VCS_UNBOUND && p->vcs == vcs && p->vppb == vppb) {
            return p;
        }
    }
    return NULL;
}

/* Finish the FM-API command in progress on @p with @rc */
static void cxl_vcs_complete(CXLVCSSwitch *s, CXLVCSPhysPort *p,
                             CXLRetCode rc)
{
    CXLCCI *cci = p->cci;

    timer_del(p->timer);
    p->cci = NULL;
    p->waiting = false;
    trace_cxl_vcs_complete(cxl_vcs_id(s), p - s->ports, p->state, rc);
    cxl_vcs_event_binding(s, p, rc == CXL_MBOX_SUCCESS);
    if (rc == CXL_MBOX_SUCCESS) {
        /* The physical port's link came up or went down with it */
        cxl_vcs_event_port(s, p - s->ports, false);
    }
    if (cci) {
        cxl_cci_bg_complete(cci, rc);
    }
}

/*
 * PERST# of bound port @p: the link below the vPPB's port goes down or
 * comes back up, the device is reset on either edge so that it leaves
 * reset in its initial state, whatever was written to it meanwhile.
 */
static void cxl_vcs_set_perst(CXLVCSSwitch *s, CXLVCSPhysPort *p, bool perst)
{
    PCIDevice *dsp = cxl_vcs_vppb_port(s, p->vcs, p->vppb);
    uint8_t *lnksta = dsp->config + dsp->exp.exp_cap + PCI_EXP_LNKSTA;

    trace_cxl_vcs_perst(cxl_vcs_id(s), p - s->ports, perst);
    pci_device_reset(PCI_DEVICE(p->dev));
    if (perst) {
        pci_word_test_and_clear_mask(lnksta, PCI_EXP_LNKSTA_DLLLA);
    } else {
        pci_word_test_and_set_mask(lnksta, PCI_EXP_LNKSTA_DLLLA);
    }
    cxl_vcs_event_port(s, p - s->ports, false);
}

/* Attach the device on @p below the vPPB it is being bound to */
static void cxl_vcs_attach(CXLVCSSwitch *s, CXLVCSPhysPort *p)
{
    PCIDevice *dsp = cxl_vcs_vppb_port(s, p->vcs, p->vppb);
    BusState *bus;
    QDict *opts;
    DeviceState *dev;
    Error *err = NULL;

    if (!dsp) {
        error_setg(&err, "vPPB %u of VCS %u is gone", p->vppb, p->vcs);
        goto fail;
    }
    bus = BUS(pci_bridge_get_sec_bus(PCI_BRIDGE(dsp)));
    opts = qdict_clone_shallow(p->opts);
    qdict_put_str(opts, "bus", bus->name);
    s->replaying = opts;
    dev = qdev_device_add_from_qdict(opts, p->from_json, &err);
    s->replaying = NULL;
    qobject_unref(opts);
    if (!dev) {
        goto fail;
    }
    object_unref(OBJECT(dev));
    p->dev = dev;
    p->state = CXL_VCS_BOUND;
    if (p->perst) {
        cxl_vcs_set_perst(s, p, true);
    }
    cxl_vcs_complete(s, p, CXL_MBOX_SUCCESS);
    return;

fail:
    error_prepend(&err, "cxl-vcs-switch '%s': binding physical port %td to "
                  "vPPB %u of VCS %u: ", cxl_vcs_id(s), p - s->ports, p->vppb,
                  p->vcs);
    warn_report_err(err);
    p->state = CXL_VCS_UNBOUND;
    cxl_vcs_complete(s, p, CXL_MBOX_INTERNAL_ERROR);
}

/* Start the removal of the device on @p for the unbind in progress */
static void cxl_vcs_detach(CXLVCSSwitch *s, CXLVCSPhysPort *p)
{
    PCIDevice *dsp = cxl_vcs_vppb_port(s, p->vcs, p->vppb);
    Error *err = NULL;

    switch (p->unbind_option) {
    case CXL_VCS_UNBIND_SURPRISE:
        /* Unrealizes the device: cxl_vcs_device_unrealize() completes */
        pcie_cap_slot_surprise_unplug(dsp);
        return;
    case CXL_VCS_UNBIND_MANAGED:
        qdev_unplug(p->dev, &err);
        if (err) {
            /* e.g. the host is busy with the slot: try again later */
            warn_report_err(err);
            p->state = CXL_VCS_BOUND;
            cxl_vcs_complete(s, p, CXL_MBOX_RETRY_REQUIRED);
            return;
        }
        trace_cxl_vcs_unbind_requested(cxl_vcs_id(s), p->vcs, p->vppb);
        break;
    case CXL_VCS_UNBIND_WAIT_LINK_DOWN:
        break;
    }
    /* The device is gone already if the slot was powered off */
    if (p->state == CXL_VCS_UNBIND_IN_PROGRESS) {
        p->waiting = true;
        if (p->cci) {
            p->cci->bg.complete_pct = 50;
        }
        timer_mod(p->timer, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) +
                  CXL_VCS_UNBIND_TIMEOUT_MS);
    }
}

static void cxl_vcs_port_timer(void *opaque)
{
    CXLVCSPhysPort *p = opaque;
    CXLVCSSwitch *s = p->sw;

    if (p->state == CXL_VCS_BIND_IN_PROGRESS) {
        cxl_vcs_attach(s, p);
    } else if (!p->waiting) {
        cxl_vcs_detach(s, p);
    } else {
        /* The host did not take the link down: the vPPB stays bound */
        trace_cxl_vcs_unbind_timeout(cxl_vcs_id(s), p->vcs, p->vppb);
        p->state = CXL_VCS_BOUND;
        cxl_vcs_complete(s, p, CXL_MBOX_RETRY_REQUIRED);
    }
}

CXLRetCode cxl_vcs_bind(CXLVCSSwitch *s, CXLCCI *cci, unsigned vcs,
                        unsigned vppb, unsigned port, unsigned ld_id)
{
    CXLVCSPhysPort *p, *bound;

    if (!cxl_vcs_vppb_port(s, vcs, vppb) || port >= s->num_dsp) {
        return CXL_MBOX_INVALID_INPUT;
    }
    p = &s->ports[port];
    /* Only single logical devices: nothing to bind on an empty port */
    if (ld_id != CXL_VCS_LD_ID_NONE || !p->opts) {
        return CXL_MBOX_INVALID_INPUT;
    }
    bound = cxl_vcs_vppb_binding(s, vcs, vppb);
    if (p->state == CXL_VCS_BIND_IN_PROGRESS ||
        p->state == CXL_VCS_UNBIND_IN_PROGRESS ||
        (bound && bound->state != CXL_VCS_BOUND)) {
        return CXL_MBOX_BUSY;
    }
    if (p->state == CXL_VCS_BOUND || bound) {
        return CXL_MBOX_INVALID_INPUT;
    }

    trace_cxl_vcs_bind(cxl_vcs_id(s), vcs, vppb, port);
    p->state = CXL_VCS_BIND_IN_PROGRESS;
    p->vcs = vcs;
    p->vppb = vppb;
    p->cci = cci;
    cxl_cci_bg_await(cci);
    timer_mod(p->timer,
              qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + CXL_VCS_LINK_UP_MS);
    return CXL_MBOX_BG_STARTED;
}

CXLRetCode cxl_vcs_unbind(CXLVCSSwitch *s, CXLCCI *cci, unsigned vcs,
                          unsigned vppb, unsigned option)
{
    CXLVCSPhysPort *p;

    if (!cxl_vcs_vppb_port(s, vcs, vppb) || option > CXL_VCS_UNBIND_SURPRISE) {
        return CXL_MBOX_INVALID_INPUT;
    }
    p = cxl_vcs_vppb_binding(s, vcs, vppb);
    if (!p) {
        return CXL_MBOX_INVALID_INPUT;
    }
    if (p->state != CXL_VCS_BOUND) {
        return CXL_MBOX_BUSY;
    }

    trace_cxl_vcs_unbind(cxl_vcs_id(s), vcs, vppb, p - s->ports, option);
    p->state = CXL_VCS_UNBIND_IN_PROGRESS;
    p->unbind_option = option;
    p->cci = cci;
    cxl_cci_bg_await(cci);
    /* Act once the command has returned Background Command Started */
    timer_mod(p->timer, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL));
    return CXL_MBOX_BG_STARTED;
}

/*
 * Physical Port Control (5102h).  PERST# is the downstream side's signal,
 * so only reset applies to upstream ports.  On an unbound port the device
 * is held in reset anyway; the PERST# setting applies once it is bound.
 */
CXLRetCode cxl_vcs_port_control(CXLVCSSwitch *s, unsigned port,
                                unsigned opcode)
{
    CXLVCSPhysPort *p = port < s->num_dsp ? &s->ports[port] : NULL;
    bool bound = p && p->state == CXL_VCS_BOUND;

    if (port >= s->num_dsp + s->num_usp || opcode > CXL_VCS_PORT_RESET ||
        (!p && (opcode != CXL_VCS_PORT_RESET || !s->usp[port - s->num_dsp]))) {
        return CXL_MBOX_INVALID_INPUT;
    }
    if (p && (p->state == CXL_VCS_BIND_IN_PROGRESS ||
              p->state == CXL_VCS_UNBIND_IN_PROGRESS)) {
        return CXL_MBOX_BUSY;
    }
    trace_cxl_vcs_port_control(cxl_vcs_id(s), port, opcode);
    switch (opcode) {
    case CXL_VCS_PORT_ASSERT_PERST:
    case CXL_VCS_PORT_DEASSERT_PERST:
        if (p->perst != (opcode == CXL_VCS_PORT_ASSERT_PERST)) {
            p->perst = !p->perst;
            if (bound) {
                cxl_vcs_set_perst(s, p, p->perst);
            }
        }
        break;
    case CXL_VCS_PORT_RESET:
        if (!p) {
            /* The upstream PPB and, below it, its whole VCS */
            pci_device_reset(PCI_DEVICE(s->usp[port - s->num_dsp]));
        } else if (bound && !p->perst) {
            pci_device_reset(PCI_DEVICE(p->dev));
        }
        break;
    }
    return CXL_MBOX_SUCCESS;
}

/* A bound device was unrealized: by an unbind, or by its host */
static void cxl_vcs_device_unrealize(DeviceListener *listener,
                                     DeviceState *dev)
{
    CXLVCSSwitch *s = container_of(listener, CXLVCSSwitch, listener);

    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];
        bool unbinding = p->state == CXL_VCS_UNBIND_IN_PROGRESS;

        if (p->dev != dev) {
            continue;
        }
        trace_cxl_vcs_released(cxl_vcs_id(s), i, p->vcs, p->vppb);
        p->dev = NULL;
        p->state = CXL_VCS_UNBOUND;
        if (unbinding) {
            cxl_vcs_complete(s, p, CXL_MBOX_SUCCESS);
        } else {
            cxl_vcs_event_binding(s, p, true);
            cxl_vcs_event_port(s, i, false);
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

static bool cxl_vcs_hide_device(DeviceListener *listener,
                                const QDict *opts, bool from_json,
                                Error **errp)
{
    CXLVCSSwitch *s = container_of(listener, CXLVCSSwitch, listener);
    const char *driver = qdict_get_try_str(opts, "driver");
    const char *vcs = qdict_get_try_str(opts, "vcs");
    const char *id = qdict_get_try_str(opts, "id");
    ObjectClass *oc;
    CXLVCSPhysPort *p;
    uint64_t dsppb;

    if (!driver || !vcs || opts == s->replaying ||
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
    if (p->opts) {
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
    p->opts = qdict_clone_shallow(opts);
    p->from_json = from_json;
    trace_cxl_vcs_hide(cxl_vcs_id(s), dsppb, id);
    if (phase_check(PHASE_MACHINE_READY)) {
        /* device_add at run time: a hot-add to the physical port */
        cxl_vcs_event_port(s, dsppb, true);
    }
    return true;
}

bool cxl_vcs_usp_realize(CXLUpstreamPort *usp, Error **errp)
{
    CXLVCSSwitch *s = usp->vcs;
    const char *id = DEVICE(usp)->id ?: "";

    if (!s) {
        if (usp->usppb != CXL_VCS_PPB_UNSET) {
            error_setg(errp, "cxl-upstream '%s': usppb=%u needs vcs=",
                       id, usp->usppb);
            return false;
        }
        return true;
    }
    if (usp->usppb == CXL_VCS_PPB_UNSET) {
        error_setg(errp, "cxl-upstream '%s': vcs=%s needs usppb= (0-%u)",
                   id, cxl_vcs_id(s), s->num_usp - 1);
        return false;
    }
    if (usp->usppb >= s->num_usp) {
        error_setg(errp, "cxl-upstream '%s': usppb %u out of range (0-%u)",
                   id, usp->usppb, s->num_usp - 1);
        return false;
    }
    if (s->usp[usp->usppb]) {
        error_setg(errp, "cxl-upstream '%s': usppb %u of cxl-vcs-switch '%s' "
                   "is already used by '%s'", id, usp->usppb, cxl_vcs_id(s),
                   DEVICE(s->usp[usp->usppb])->id ?: "");
        return false;
    }
    s->usp[usp->usppb] = usp;
    return true;
}

void cxl_vcs_usp_exit(CXLUpstreamPort *usp)
{
    CXLVCSSwitch *s = usp->vcs;

    if (s && usp->usppb < s->num_usp && s->usp[usp->usppb] == usp) {
        s->usp[usp->usppb] = NULL;
    }
}

bool cxl_vcs_endpoint_realize(DeviceState *dev, CXLVCSSwitch *vcs,
                              uint32_t dsppb, Error **errp)
{
    if (!vcs && dsppb != CXL_VCS_PPB_UNSET) {
        error_setg(errp, "%s '%s': dsppb=%u needs vcs=",
                   object_get_typename(OBJECT(dev)), dev->id ?: "", dsppb);
        return false;
    }
    return true;
}

CXLCCI *cxl_vcs_mailbox_cci(CXLVCSSwitch *s, DeviceState *mbox,
                            Error **errp)
{
    if (s->mbox) {
        error_setg(errp, "cxl-vcs-switch '%s' already has a mailbox CCI",
                   cxl_vcs_id(s));
        return NULL;
    }
    s->mbox = mbox;
    return &s->mbox_cci;
}

/* Commands in progress from @cci finish without anyone to tell */
static void cxl_vcs_forget_cci(CXLVCSSwitch *s, CXLCCI *cci)
{
    for (unsigned i = 0; i < s->num_dsp; i++) {
        if (s->ports[i].cci == cci) {
            s->ports[i].cci = NULL;
        }
    }
    timer_free(cci->bg.timer);
    cxl_destroy_cci(cci);
}

void cxl_vcs_mailbox_cci_release(DeviceState *mbox)
{
    CXLVCSSwitch *s;

    QTAILQ_FOREACH(s, &cxl_vcs_switches, next) {
        if (s->mbox == mbox) {
            s->mbox = NULL;
            cxl_vcs_forget_cci(s, &s->mbox_cci);
        }
    }
}

void cxl_vcs_add_cci(CXLVCSSwitch *s, CXLCCI *cci, DeviceState *intf,
                     size_t payload_max)
{
    cxl_vcs_init_cci(s, cci, intf, payload_max);
    s->ccis = g_slist_prepend(s->ccis, cci);
}

void cxl_vcs_remove_cci(CXLVCSSwitch *s, CXLCCI *cci)
{
    s->ccis = g_slist_remove(s->ccis, cci);
    cxl_vcs_forget_cci(s, cci);
}

typedef struct CXLVCSBusName {
    const char *name;
    unsigned count;
} CXLVCSBusName;

static int cxl_vcs_count_bus_name(BusState *bus, void *opaque)
{
    CXLVCSBusName *b = opaque;

    b->count += !strcmp(bus->name, b->name);
    return 0;
}

/* A bind finds the bus below a vPPB by name, as bus= does */
static bool cxl_vcs_bus_name_unique(BusState *bus)
{
    CXLVCSBusName b = { .name = bus->name };

    qbus_walk_children(sysbus_get_default(), NULL, cxl_vcs_count_bus_name,
                       NULL, NULL, &b);
    return b.count == 1;
}

static void cxl_vcs_check_vppbs(CXLVCSSwitch *s, unsigned vcs)
{
    PCIBus *bus = cxl_vcs_usp_bus(s, vcs);
    const char *usp_id = DEVICE(s->usp[vcs])->id ?: "";
    unsigned n = cxl_vcs_num_vppbs(s, vcs);
    g_autofree bool *seen = g_new0(bool, MAX(n, 1));

    if (n > CXL_VCS_MAX_VPPBS) {
        error_report("cxl-vcs-switch '%s': VCS %u (cxl-upstream '%s') has %u "
                     "vPPBs; FM-API can address at most %u", cxl_vcs_id(s),
                     vcs, usp_id, n, CXL_VCS_MAX_VPPBS);
        exit(1);
    }
    for (int devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *dev = bus->devices[devfn];
        PCIBus *sec;
        unsigned port;

        if (!dev || !object_dynamic_cast(OBJECT(dev), TYPE_CXL_DSP)) {
            continue;
        }
        port = PCIE_PORT(dev)->port;
        sec = pci_bridge_get_sec_bus(PCI_BRIDGE(dev));
        if (port >= n || seen[port]) {
            error_report("cxl-downstream '%s': port %u below VCS %u "
                         "(cxl-upstream '%s') is %s; vPPB ids are the "
                         "ports 0-%u of its %u cxl-downstream ports",
                         DEVICE(dev)->id ?: "", port, vcs, usp_id,
                         port >= n ? "beyond the vPPB count" : "used twice",
                         n - 1, n);
            exit(1);
        }
        seen[port] = true;
        if (!cxl_vcs_bus_name_unique(BUS(sec))) {
            error_report("cxl-downstream below VCS %u (cxl-upstream '%s'), "
                         "port %u: needs an id, by which a bind finds its "
                         "bus", vcs, usp_id, port);
            exit(1);
        }
        for (int fn = 0; fn < ARRAY_SIZE(sec->devices); fn++) {
            if (sec->devices[fn]) {
                error_report("'%s' is attached below vPPB %u of VCS %u: "
                             "devices reach a VCS's vPPBs by an FM-API bind; "
                             "give it vcs=%s and dsppb=",
                             DEVICE(sec->devices[fn])->id ?: "", port, vcs,
                             cxl_vcs_id(s));
                exit(1);
            }
        }
    }
}

/* All devices of the command line exist: check the VCSs' vPPBs */
static void cxl_vcs_machine_done(Notifier *notifier, void *data)
{
    CXLVCSSwitch *s = container_of(notifier, CXLVCSSwitch, machine_done);

    for (unsigned vcs = 0; vcs < s->num_usp; vcs++) {
        if (s->usp[vcs]) {
            cxl_vcs_check_vppbs(s, vcs);
        }
    }
}

/* The switch's shape is fixed once complete() has sized it */
static bool cxl_vcs_check_unset(Object *obj, const char *name, Error **errp)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(obj);

    if (s->ports) {
        error_setg(errp, "cxl-vcs-switch '%s': %s cannot change after "
                   "creation", cxl_vcs_id(s), name);
        return false;
    }
    return true;
}

static void cxl_vcs_get_u32(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    uint32_t *field = (void *)obj + (uintptr_t)opaque;

    visit_type_uint32(v, name, field, errp);
}

static void cxl_vcs_set_u32(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    uint32_t *field = (void *)obj + (uintptr_t)opaque;
    uint32_t value;

    if (cxl_vcs_check_unset(obj, name, errp) &&
        visit_type_uint32(v, name, &value, errp)) {
        *field = value;
    }
}

static bool cxl_vcs_get_local_fm(Object *obj, Error **errp)
{
    return CXL_VCS_SWITCH(obj)->local_fm;
}

static void cxl_vcs_set_local_fm(Object *obj, bool value, Error **errp)
{
    if (cxl_vcs_check_unset(obj, "local-fm", errp)) {
        CXL_VCS_SWITCH(obj)->local_fm = value;
    }
}

static void cxl_vcs_switch_complete(UserCreatable *uc, Error **errp)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(uc);
    const char *id = cxl_vcs_id(s);

    if (s->num_usp < 1 || s->num_usp > CXL_VCS_MAX_VCS) {
        error_setg(errp, "cxl-vcs-switch '%s': usp-ppbs %u out of range "
                   "(1-%u)", id, s->num_usp, CXL_VCS_MAX_VCS);
        return;
    }
    if (s->num_dsp < 1 ||
        s->num_dsp > CXL_VCS_MAX_PHYS_PORTS - s->num_usp) {
        error_setg(errp, "cxl-vcs-switch '%s': dsp-ppbs %u out of range "
                   "(1-%u with usp-ppbs=%u: at most %u physical ports)",
                   id, s->num_dsp, CXL_VCS_MAX_PHYS_PORTS - s->num_usp,
                   s->num_usp, CXL_VCS_MAX_PHYS_PORTS);
        return;
    }
    if (!s->local_fm) {
        error_setg(errp, "cxl-vcs-switch '%s': local-fm=false (a fabric "
                   "manager in another QEMU process) is not supported", id);
        return;
    }

    s->usp = g_new0(CXLUpstreamPort *, s->num_usp);
    s->ports = g_new0(CXLVCSPhysPort, s->num_dsp);
    for (unsigned i = 0; i < s->num_dsp; i++) {
        s->ports[i].sw = s;
        s->ports[i].timer = timer_new_ms(QEMU_CLOCK_VIRTUAL,
                                         cxl_vcs_port_timer, &s->ports[i]);
    }
    cxl_event_init(&s->events, CXL_VCS_EVENT_MSIX_FIRST);
    s->listener.hide_device = cxl_vcs_hide_device;
    s->listener.unrealize = cxl_vcs_device_unrealize;
    device_listener_register(&s->listener);
    s->machine_done.notify = cxl_vcs_machine_done;
    qemu_add_machine_init_done_notifier(&s->machine_done);
    QTAILQ_INSERT_TAIL(&cxl_vcs_switches, s, next);
}

static bool cxl_vcs_switch_can_be_deleted(UserCreatable *uc)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(uc);

    if (s->mbox || s->ccis) {
        return false;
    }
    for (unsigned i = 0; i < s->num_usp; i++) {
        if (s->usp[i]) {
            return false;
        }
    }
    for (unsigned i = 0; i < s->num_dsp; i++) {
        if (s->ports[i].opts) {
            return false;
        }
    }
    return true;
}

static void cxl_vcs_switch_instance_init(Object *obj)
{
    CXL_VCS_SWITCH(obj)->local_fm = true;
}

static void cxl_vcs_switch_finalize(Object *obj)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(obj);

    if (!s->ports) {
        return; /* complete() failed or was not reached */
    }
    QTAILQ_REMOVE(&cxl_vcs_switches, s, next);
    qemu_remove_machine_init_done_notifier(&s->machine_done);
    device_listener_unregister(&s->listener);
    for (unsigned i = 0; i < s->num_dsp; i++) {
        timer_free(s->ports[i].timer);
    }
    cxl_discard_all_event_records(&s->events);
    for (unsigned i = 0; i < CXL_EVENT_TYPE_MAX; i++) {
        qemu_mutex_destroy(&s->events.event_logs[i].lock);
    }
    g_free(s->ports);
    g_free(s->usp);
}

static void cxl_vcs_switch_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = cxl_vcs_switch_complete;
    ucc->can_be_deleted = cxl_vcs_switch_can_be_deleted;
    object_class_property_add(oc, "usp-ppbs", "uint32", cxl_vcs_get_u32,
                              cxl_vcs_set_u32, NULL,
                              (void *)offsetof(CXLVCSSwitch, num_usp));
    object_class_property_set_description(oc, "usp-ppbs",
        "number of upstream PPBs, one Virtual CXL Switch each (1-254)");
    object_class_property_add(oc, "dsp-ppbs", "uint32", cxl_vcs_get_u32,
                              cxl_vcs_set_u32, NULL,
                              (void *)offsetof(CXLVCSSwitch, num_dsp));
    object_class_property_set_description(oc, "dsp-ppbs",
        "number of physical downstream PPBs (with usp-ppbs at most 255)");
    object_class_property_add_bool(oc, "local-fm", cxl_vcs_get_local_fm,
                                   cxl_vcs_set_local_fm);
    object_class_property_set_description(oc, "local-fm",
        "the fabric manager's CCIs for this switch live in this process");
}

static const TypeInfo cxl_vcs_switch_info = {
    .name = TYPE_CXL_VCS_SWITCH,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(CXLVCSSwitch),
    .instance_init = cxl_vcs_switch_instance_init,
    .instance_finalize = cxl_vcs_switch_finalize,
    .class_init = cxl_vcs_switch_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void cxl_vcs_switch_register_types(void)
{
    type_register_static(&cxl_vcs_switch_info);
}

type_init(cxl_vcs_switch_register_types)
