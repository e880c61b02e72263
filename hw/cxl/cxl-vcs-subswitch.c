/*
 * CXL multi-VCS switch: a switch on a physical downstream port
 *
 * A cxl-upstream port given vcs= and dsppb= is the upstream port of
 * another CXL switch, connected to that physical downstream port of a
 * cxl-vcs-switch: a two-level fabric.  The cxl-downstream ports whose
 * bus= is its id are the ports of that switch, the device whose bus= is
 * one of those is below that port, and so on.  The switch's
 * DeviceListener hands every device to cxl_vcs_subswitch_hide(), which
 * checks the options of these as -device would and keeps them, in
 * command-line order, on the physical port.
 *
 * Nothing of the switch exists while the port is unbound.  A bind creates
 * the switch and its devices anew from their options below the vPPB's
 * cxl-downstream port, in one go: the host sees a switch with its
 * devices arrive with one PCIe hot-add.  The fabric manager then reaches
 * the switch's own CCI through the port with Tunnel Management, and
 * through that the devices on its ports.  An unbind removes the switch's
 * upstream port from the vPPB's slot, and everything below it goes with
 * it; what its devices' memory and label storage hold stays in their
 * memory backends.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qom/object_interfaces.h"
#include "monitor/qdev.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_port.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_direct_map.h"
#include "cxl-vcs.h"
#include "trace.h"

/* The member of a switch on a port of @s whose id is @id, and that port */
static CXLVCSMember *cxl_vcs_member_find(CXLVCSSwitch *s, const char *id,
                                         unsigned *port)
{
    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSSubSwitch *sub = s->ports[i].sub;
        CXLVCSMember *m;

        if (!sub) {
            continue;
        }
        QTAILQ_FOREACH(m, &sub->members, next) {
            if (m->id && !strcmp(m->id, id)) {
                *port = i;
                return m;
            }
        }
    }
    return NULL;
}

/*
 * Whether @id is free for a device of a switch on a port: no device has
 * it, no device on a physical port of a cxl-vcs-switch, and no other
 * device of a switch on a port
 */
static bool cxl_vcs_member_id_free(const char *driver, const char *id,
                                   Error **errp)
{
    CXLVCSSwitch *s = NULL;
    unsigned port;

    if (object_resolve_path_component(machine_get_container("peripheral"),
                                      id)) {
        error_setg(errp, "%s '%s': the id is already used", driver, id);
        return false;
    }
    while ((s = cxl_vcs_switch_next(s))) {
        for (unsigned i = 0; i < s->num_dsp; i++) {
            const char *used = cxl_vcs_device_id(&s->ports[i]);

            if (used && !strcmp(used, id)) {
                error_setg(errp, "%s '%s': the id is already used on "
                           "physical port %u of cxl-vcs-switch '%s'", driver,
                           id, i, cxl_vcs_id(s));
                return false;
            }
        }
        if (cxl_vcs_member_find(s, id, &port)) {
            error_setg(errp, "%s '%s': the id is already used by a device "
                       "of the switch on physical port %u of cxl-vcs-switch "
                       "'%s'", driver, id, port, cxl_vcs_id(s));
            return false;
        }
    }
    return true;
}

/*
 * The device of @opts with its properties set, on no bus, as -device
 * would create it; a cxl-type3 also sets up its memory and CDAT.  It
 * only checks the options: the caller drops it.
 */
static DeviceState *cxl_vcs_member_check(const QDict *opts, bool from_json,
                                         Error **errp)
{
    ERRP_GUARD();
    const char *driver = qdict_get_str(opts, "driver");
    ObjectClass *oc = object_class_by_name(driver);
    g_autoptr(QDict) props = qdict_clone_shallow(opts);
    DeviceState *dev;

    if (!oc || !object_class_dynamic_cast(oc, TYPE_PCI_DEVICE)) {
        error_setg(errp, "%s '%s': a switch on a physical port takes PCI "
                   "devices, named by their type", driver,
                   qdict_get_try_str(opts, "id") ?: "");
        return NULL;
    }
    dev = qdev_new(driver);
    qdict_del(props, "driver");
    qdict_del(props, "id");
    qdict_del(props, "bus");
    object_set_properties_from_keyval(OBJECT(dev), props, from_json, errp);
    if (!*errp && object_dynamic_cast(OBJECT(dev), TYPE_CXL_TYPE3)) {
        cxl_type3_prepare(CXL_TYPE3(dev), errp);
    }
    if (*errp) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    return dev;
}

/* Keep @opts, which @dev was created from, as the last member of @sub */
static void cxl_vcs_member_keep(CXLVCSSubSwitch *sub, const QDict *opts,
                                bool from_json, DeviceState *dev)
{
    CXLVCSMember *m = g_new0(CXLVCSMember, 1);

    m->opts = qdict_clone_shallow(opts);
    m->from_json = from_json;
    m->id = qdict_get_try_str(m->opts, "id");
    m->bus = qdict_get_try_str(m->opts, "bus");
    m->oc = object_get_class(OBJECT(dev));
    m->port = object_dynamic_cast(OBJECT(dev), TYPE_PCIE_PORT) ?
              PCIE_PORT(dev)->port : -1;
    if (object_dynamic_cast(OBJECT(dev), TYPE_PCIE_SLOT)) {
        m->chassis = PCIE_SLOT(dev)->chassis;
        m->slot = PCIE_SLOT(dev)->slot;
    }
    QTAILQ_INSERT_TAIL(&sub->members, m, next);
}

/*
 * @dev, a new member of @sub plugged into @parent: a switch's upstream
 * port takes downstream ports, each with a port number and slot of its
 * own; a downstream port one device
 */
static bool cxl_vcs_member_fits(CXLVCSSwitch *s, unsigned port,
                                CXLVCSMember *parent, DeviceState *dev,
                                const char *id, Error **errp)
{
    CXLVCSSubSwitch *sub = s->ports[port].sub;
    const char *driver = object_get_typename(OBJECT(dev));
    CXLVCSMember *m;

    if (object_class_dynamic_cast(parent->oc, TYPE_CXL_DSP)) {
        QTAILQ_FOREACH(m, &sub->members, next) {
            if (m->bus && !strcmp(m->bus, parent->id)) {
                error_setg(errp, "%s '%s': cxl-downstream '%s' already has "
                           "'%s' below it; a downstream port's link carries "
                           "one device", driver, id, parent->id,
                           m->id ?: "");
                return false;
            }
        }
        return true;
    }
    if (!object_class_dynamic_cast(parent->oc, TYPE_CXL_USP)) {
        error_setg(errp, "%s '%s': bus=%s is a %s of the switch on physical "
                   "port %u, which has no bus for devices", driver, id,
                   parent->id, object_class_get_name(parent->oc), port);
        return false;
    }
    if (!object_dynamic_cast(OBJECT(dev), TYPE_CXL_DSP)) {
        error_setg(errp, "%s '%s': below cxl-upstream '%s' go only "
                   "cxl-downstream ports", driver, id, parent->id);
        return false;
    }
    if (PCIE_PORT(dev)->port == parent->port) {
        error_setg(errp, "cxl-downstream '%s': port %u is that of its "
                   "cxl-upstream '%s'; FM-API numbers the switch's ports "
                   "by port=", id, parent->port, parent->id);
        return false;
    }
    QTAILQ_FOREACH(m, &sub->members, next) {
        if (!object_class_dynamic_cast(m->oc, TYPE_CXL_DSP)) {
            continue;
        }
        if (!strcmp(m->bus, parent->id) && m->port == PCIE_PORT(dev)->port) {
            error_setg(errp, "cxl-downstream '%s': port %u of cxl-upstream "
                       "'%s' is already used by '%s'", id, m->port,
                       parent->id, m->id ?: "");
            return false;
        }
        if (m->chassis == PCIE_SLOT(dev)->chassis &&
            m->slot == PCIE_SLOT(dev)->slot) {
            error_setg(errp, "cxl-downstream '%s': chassis %u slot %u is "
                       "already used by '%s'", id, m->chassis, m->slot,
                       m->id ?: "");
            return false;
        }
    }
    return true;
}

/* A device plugged into @parent, a member of the switch on @port of @s */
static bool cxl_vcs_member_add(CXLVCSSwitch *s, unsigned port,
                               CXLVCSMember *parent, const QDict *opts,
                               bool from_json, Error **errp)
{
    CXLVCSSubSwitch *sub = s->ports[port].sub;
    const char *driver = qdict_get_str(opts, "driver");
    const char *id = qdict_get_try_str(opts, "id");
    DeviceState *dev;
    bool ok;

    if (qdict_haskey(opts, "vcs") || qdict_haskey(opts, "usppb") ||
        qdict_haskey(opts, "dsppb")) {
        error_setg(errp, "%s '%s': a device of the switch on physical port "
                   "%u of cxl-vcs-switch '%s' takes no vcs=, usppb= or "
                   "dsppb=", driver, id ?: "", port, cxl_vcs_id(s));
        return false;
    }
    if (s->ports[port].ld[0].state != CXL_VCS_UNBOUND) {
        error_setg(errp, "%s '%s': the switch on physical port %u of "
                   "cxl-vcs-switch '%s' is bound; devices join it while it "
                   "is unbound", driver, id ?: "", port, cxl_vcs_id(s));
        return false;
    }
    if (id && !cxl_vcs_member_id_free(driver, id, errp)) {
        return false;
    }
    dev = cxl_vcs_member_check(opts, from_json, errp);
    if (!dev) {
        return false;
    }
    ok = cxl_vcs_member_fits(s, port, parent, dev, id ?: "", errp);
    if (ok) {
        cxl_vcs_member_keep(sub, opts, from_json, dev);
        trace_cxl_vcs_subswitch_member(cxl_vcs_id(s), port, id ?: "");
    }
    object_unref(OBJECT(dev));
    return ok;
}

/* The cxl-upstream port of a switch on a physical port of @s */
static bool cxl_vcs_subswitch_add(CXLVCSSwitch *s, const QDict *opts,
                                  bool from_json, Error **errp)
{
    ERRP_GUARD();
    const char *id = qdict_get_try_str(opts, "id");
    CXLUpstreamPort *usp;
    CXLVCSPhysPort *p;
    DeviceState *dev;
    unsigned port;

    if (!id) {
        error_setg(errp, "cxl-upstream with vcs=%s and dsppb=: needs an id, "
                   "by which its cxl-downstream ports name it in bus=",
                   cxl_vcs_id(s));
        return false;
    }
    if (!cxl_vcs_member_id_free(TYPE_CXL_USP, id, errp)) {
        return false;
    }
    dev = cxl_vcs_member_check(opts, from_json, errp);
    if (!dev) {
        return false;
    }
    usp = CXL_USP(dev);
    port = usp->dsppb;
    if (usp->usppb != CXL_VCS_PPB_UNSET) {
        error_setg(errp, "cxl-upstream '%s': usppb= (the upstream port of a "
                   "VCS) and dsppb= (a switch on a physical downstream "
                   "port) exclude each other", id);
    } else if (port >= s->num_dsp) {
        error_setg(errp, "cxl-upstream '%s': dsppb %u out of range (0-%u)",
                   id, port, s->num_dsp - 1);
    } else if (cxl_vcs_port_present(&s->ports[port])) {
        error_setg(errp, "cxl-upstream '%s': dsppb %u of cxl-vcs-switch '%s' "
                   "is already used by '%s'", id, port, cxl_vcs_id(s),
                   cxl_vcs_device_id(&s->ports[port]) ?: "");
    } else if (qdict_haskey(opts, "bus")) {
        error_setg(errp, "cxl-upstream '%s': bus= cannot be combined with "
                   "vcs=: a bind chooses the vPPB its switch is attached "
                   "below", id);
    }
    if (*errp) {
        object_unref(OBJECT(dev));
        return false;
    }
    p = &s->ports[port];
    p->sub = g_new0(CXLVCSSubSwitch, 1);
    QTAILQ_INIT(&p->sub->members);
    p->sub->speed = usp->speed;
    p->sub->width = usp->width;
    cxl_vcs_member_keep(p->sub, opts, from_json, dev);
    object_unref(OBJECT(dev));
    trace_cxl_vcs_subswitch_member(cxl_vcs_id(s), port, id);
    cxl_vcs_fabric_update_link(s, port);
    if (phase_check(PHASE_MACHINE_READY)) {
        /* device_add at run time: a hot-add to the physical port */
        cxl_vcs_event_port(s, port, true);
    }
    return true;
}

bool cxl_vcs_subswitch_hide(CXLVCSSwitch *s, const QDict *opts,
                            bool from_json, Error **errp)
{
    const char *driver = qdict_get_try_str(opts, "driver");
    const char *vcs = qdict_get_try_str(opts, "vcs");
    const char *bus = qdict_get_try_str(opts, "bus");
    const char *id = qdict_get_try_str(opts, "id");
    ObjectClass *oc = driver ? object_class_by_name(driver) : NULL;
    CXLVCSMember *parent;
    unsigned port;

    if (!driver) {
        return false;
    }
    parent = bus ? cxl_vcs_member_find(s, bus, &port) : NULL;
    if (parent) {
        return cxl_vcs_member_add(s, port, parent, opts, from_json, errp);
    }
    if (vcs && qdict_haskey(opts, "dsppb") && oc &&
        object_class_dynamic_cast(oc, TYPE_CXL_USP) &&
        object_resolve_path_type(vcs, TYPE_CXL_VCS_SWITCH, NULL) ==
        OBJECT(s)) {
        return cxl_vcs_subswitch_add(s, opts, from_json, errp);
    }
    /* Any other device: the switches' devices keep their ids */
    if (id && cxl_vcs_member_find(s, id, &port)) {
        error_setg(errp, "%s '%s': the id is already used by a device of the "
                   "switch on physical port %u of cxl-vcs-switch '%s'",
                   driver, id, port, cxl_vcs_id(s));
    }
    return false;
}

/*
 * Each device of a switch was checked on its own when it was given; now
 * all of them are created at once, on no bus, as a bind would create
 * them, so that a memory backend that two of them, or one of them and
 * any other device, would both use is found before the machine runs
 */
bool cxl_vcs_subswitch_machine_done(CXLVCSSwitch *s, Error **errp)
{
    ERRP_GUARD();

    for (unsigned i = 0; i < s->num_dsp; i++) {
        g_autoptr(GPtrArray) devs = NULL;
        CXLVCSMember *m;

        if (!s->ports[i].sub) {
            continue;
        }
        devs = g_ptr_array_new_with_free_func(object_unref);
        QTAILQ_FOREACH(m, &s->ports[i].sub->members, next) {
            DeviceState *dev = cxl_vcs_member_check(m->opts, m->from_json,
                                                    errp);

            if (!dev) {
                error_prepend(errp, "%s '%s': ",
                              object_class_get_name(m->oc), m->id ?: "");
                return false;
            }
            g_ptr_array_add(devs, dev);
        }
    }
    return true;
}

/* Create member @m from its options, plugged into @bus */
static DeviceState *cxl_vcs_member_create(CXLVCSMember *m, BusState *bus,
                                          Error **errp)
{
    ERRP_GUARD();
    g_autoptr(QDict) props = qdict_clone_shallow(m->opts);
    DeviceState *dev = qdev_new(qdict_get_str(m->opts, "driver"));

    /* The upstream port is the switch's only; it goes below the vPPB */
    qdict_del(props, "driver");
    qdict_del(props, "id");
    qdict_del(props, "bus");
    qdict_del(props, "vcs");
    qdict_del(props, "dsppb");
    if (qdev_set_id(dev, g_strdup(m->id), errp)) {
        object_set_properties_from_keyval(OBJECT(dev), props, m->from_json,
                                          errp);
    }
    if (*errp || !qdev_realize(dev, bus, errp)) {
        error_prepend(errp, "%s '%s': ", object_get_typename(OBJECT(dev)),
                      m->id ?: "");
        object_unparent(OBJECT(dev));
        object_unref(OBJECT(dev));
        return NULL;
    }
    object_unref(OBJECT(dev));
    return dev;
}

/*
 * Create the switch on @port below @dsp, the cxl-downstream port of the
 * vPPB it is being bound to, from the options of its members in their
 * order.  Each is realized where its bus= says (devices cannot be
 * hot-plugged onto the switch's internal bus, so qdev_device_add() does
 * not serve), and only the upstream port is hot-plugged, into @dsp's
 * slot: the host learns of the switch once the bind is done.  If one
 * cannot be created, what was is removed again, at once.
 */
PCIDevice *cxl_vcs_subswitch_attach(CXLVCSSwitch *s, unsigned port,
                                    PCIDevice *dsp, Error **errp)
{
    CXLVCSSubSwitch *sub = s->ports[port].sub;
    BusState *vppb_bus = BUS(pci_bridge_get_sec_bus(PCI_BRIDGE(dsp)));
    DeviceState *usp = NULL;
    CXLVCSMember *m;

    QTAILQ_FOREACH(m, &sub->members, next) {
        /* What a member's bus= names was created before it, below @dsp */
        DeviceState *parent = m->bus ? qdev_find_recursive(vppb_bus, m->bus)
                                     : NULL;
        BusState *bus = parent ?
            BUS(pci_bridge_get_sec_bus(PCI_BRIDGE(parent))) : vppb_bus;
        DeviceState *dev = cxl_vcs_member_create(m, bus, errp);

        if (!dev) {
            if (usp) {
                pcie_cap_slot_surprise_unplug(dsp);
            }
            return NULL;
        }
        usp = usp ?: dev;
    }
    /*
     * The switch leaves reset as a whole: its downstream ports power
     * their slots now that their devices are there, with no hot-plug
     * events pending
     */
    device_cold_reset(usp);
    cxl_initialize_mailbox_swcci(&sub->cci, usp, usp,
                                 CXL_MAILBOX_MAX_PAYLOAD_SIZE);
    trace_cxl_vcs_subswitch_attached(cxl_vcs_id(s), port, DEVICE(dsp)->id);
    return PCI_DEVICE(usp);
}

void cxl_vcs_subswitch_detached(CXLVCSSwitch *s, unsigned port)
{
    cxl_destroy_cci(&s->ports[port].sub->cci);
    /* Its devices are gone: no window may reach them any more */
    cxl_direct_map_update();
    trace_cxl_vcs_subswitch_detached(cxl_vcs_id(s), port);
}

void cxl_vcs_subswitch_free(CXLVCSSubSwitch *sub)
{
    CXLVCSMember *m, *next;

    if (!sub) {
        return;
    }
    cxl_destroy_cci(&sub->cci);
    QTAILQ_FOREACH_SAFE(m, &sub->members, next, next) {
        QTAILQ_REMOVE(&sub->members, m, next);
        qobject_unref(m->opts);
        g_free(m);
    }
    g_free(sub);
}
