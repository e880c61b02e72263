/*
 * CXL multi-VCS switch object (cxl-vcs-switch): its properties and its
 * topology
 *
 * A physical CXL switch whose upstream PPBs each form one Virtual CXL
 * Switch (VCS).  Numbering, as FM-API commands see it:
 *
 *  - physical downstream ports are 0 .. dsp-ppbs - 1: a device's dsppb=;
 *  - the upstream ports follow them: dsp-ppbs .. dsp-ppbs + usp-ppbs - 1,
 *    VCS n being the cxl-upstream with usppb=n;
 *  - a VCS's vPPBs are the cxl-downstream ports below its upstream port,
 *    vPPB n being the one with port=n.  Their number is fixed once the
 *    machine is ready.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qom/object_interfaces.h"
#include "system/system.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_port.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "cxl-vcs.h"

static QTAILQ_HEAD(, CXLVCSSwitch) cxl_vcs_switches =
    QTAILQ_HEAD_INITIALIZER(cxl_vcs_switches);

const char *cxl_vcs_id(CXLVCSSwitch *s)
{
    return object_get_canonical_path_component(OBJECT(s));
}

/* The switch after @s, or the first one if @s is NULL */
CXLVCSSwitch *cxl_vcs_switch_next(CXLVCSSwitch *s)
{
    return s ? QTAILQ_NEXT(s, next) : QTAILQ_FIRST(&cxl_vcs_switches);
}

/* @cci is one the switch opened (cxl_vcs_open_cci) */
CXLVCSSwitch *cxl_vcs_from_cci(CXLCCI *cci)
{
    return container_of(cci, CXLVCSCCI, cci)->sw;
}

const char *cxl_vcs_device_id(CXLVCSPhysPort *p)
{
    if (p->sub) {
        return cxl_vcs_subswitch_id(p->sub);
    }
    return p->dev ? p->dev->id ?: p->pending_id : NULL;
}

CXLCCI *cxl_vcs_port_cci(CXLVCSSwitch *s, unsigned port)
{
    CXLVCSPhysPort *p = port < s->num_dsp ? &s->ports[port] : NULL;

    /* A device held in reset does not answer */
    if (!p || p->perst) {
        return NULL;
    }
    /* A switch, while it is bound: only then does it exist */
    if (p->sub) {
        return cxl_vcs_subswitch_cci(p->sub);
    }
    return p->dev ? &CXL_TYPE3(p->dev)->vdm_fm_owned_ld_mctp_cci : NULL;
}

bool cxl_vcs_port_is_mld(CXLVCSPhysPort *p)
{
    return p->dev && CXL_TYPE3(p->dev)->mld;
}

unsigned cxl_vcs_port_lds(CXLVCSPhysPort *p)
{
    return cxl_vcs_port_is_mld(p) ? CXL_TYPE3(p->dev)->num_lds : 1;
}

unsigned cxl_vcs_ld_id(CXLVCSPhysPort *p, unsigned ld)
{
    return cxl_vcs_port_is_mld(p) ? ld : CXL_VCS_LD_ID_NONE;
}

PCIDevice *cxl_vcs_port_target(CXLVCSPhysPort *p, unsigned ld)
{
    if (!cxl_vcs_port_is_mld(p)) {
        return p->dev && ld == 0 ? PCI_DEVICE(p->dev) : NULL;
    }
    return PCI_DEVICE(cxl_mld_ld(CXL_TYPE3(p->dev), ld));
}

unsigned cxl_vcs_port_bound(CXLVCSPhysPort *p)
{
    unsigned n = 0;

    for (unsigned i = 0; i < cxl_vcs_port_lds(p); i++) {
        n += p->ld[i].state == CXL_VCS_BOUND ||
             p->ld[i].state == CXL_VCS_UNBIND_IN_PROGRESS;
    }
    return n;
}

void cxl_vcs_release_binding(CXLVCSPhysPort *p, unsigned ld)
{
    p->ld[ld].state = CXL_VCS_UNBOUND;
    if (cxl_vcs_port_is_mld(p)) {
        cxl_mld_set_bound(CXL_TYPE3(p->dev), ld, false);
    }
}

static PCIBus *cxl_vcs_usp_bus(CXLVCSSwitch *s, unsigned vcs)
{
    if (vcs >= s->num_usp || !s->vcss[vcs].usp) {
        return NULL;
    }
    return pci_bridge_get_sec_bus(PCI_BRIDGE(s->vcss[vcs].usp));
}

static void cxl_vcs_count_dsp(PCIBus *bus, PCIDevice *dev, void *opaque)
{
    unsigned *count = opaque;

    if (object_dynamic_cast(OBJECT(dev), TYPE_CXL_DSP)) {
        (*count)++;
    }
}

static unsigned cxl_vcs_count_vppbs(CXLVCSSwitch *s, unsigned vcs)
{
    PCIBus *bus = cxl_vcs_usp_bus(s, vcs);
    unsigned count = 0;

    if (bus) {
        pci_for_each_device_under_bus(bus, cxl_vcs_count_dsp, &count);
    }
    return count;
}

bool cxl_vcs_present(CXLVCSSwitch *s, unsigned vcs)
{
    return vcs < s->num_usp && (s->vcss[vcs].usp || s->vcss[vcs].link);
}

unsigned cxl_vcs_num_vppbs(CXLVCSSwitch *s, unsigned vcs)
{
    if (!cxl_vcs_present(s, vcs)) {
        return 0;
    }
    return s->ready || s->vcss[vcs].link ? s->vcss[vcs].num_vppbs :
           cxl_vcs_count_vppbs(s, vcs);
}

bool cxl_vcs_vppb_exists(CXLVCSSwitch *s, unsigned vcs, unsigned vppb)
{
    return s->vcss && vcs < s->num_usp && s->vcss[vcs].link ?
           vppb < s->vcss[vcs].num_vppbs : !!cxl_vcs_vppb_port(s, vcs, vppb);
}

bool cxl_vcs_binding_remote(CXLVCSSwitch *s, CXLVCSBinding *b)
{
    return b->state != CXL_VCS_UNBOUND && b->vcs < s->num_usp &&
           s->vcss[b->vcs].link;
}

PCIDevice *cxl_vcs_vppb_port(CXLVCSSwitch *s, unsigned vcs, unsigned vppb)
{
    PCIBus *bus = cxl_vcs_usp_bus(s, vcs);
    PCIDevice *dsp = bus && vppb < cxl_vcs_num_vppbs(s, vcs) ?
        pcie_find_port_by_pn(bus, vppb) : NULL;

    return dsp && object_dynamic_cast(OBJECT(dsp), TYPE_CXL_DSP) ? dsp : NULL;
}

int cxl_vcs_vppb_binding(CXLVCSSwitch *s, unsigned vcs, unsigned vppb,
                         unsigned *ld)
{
    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];

        for (unsigned k = 0; k < cxl_vcs_port_lds(p); k++) {
            CXLVCSBinding *b = &p->ld[k];

            if (b->state != CXL_VCS_UNBOUND && b->vcs == vcs &&
                b->vppb == vppb) {
                if (ld) {
                    *ld = k;
                }
                return i;
            }
        }
    }
    return -1;
}

/*
 * The PCI function of a physical port's PPB: an upstream port's
 * cxl-upstream; for a downstream port with an SLD bound to a vPPB, the
 * vPPB's cxl-downstream, which stands for both towards its host; for an
 * unbound downstream port, or one whose MLD's LDs several hosts share,
 * its own PPB.
 */
PCIDevice *cxl_vcs_ppb(CXLVCSSwitch *s, unsigned port)
{
    if (port < s->num_dsp) {
        CXLVCSPhysPort *p = &s->ports[port];

        return p->ld[0].state == CXL_VCS_UNBOUND || cxl_vcs_port_is_mld(p) ?
               p->ppb : cxl_vcs_vppb_port(s, p->ld[0].vcs, p->ld[0].vppb);
    }
    if (port < s->num_dsp + s->num_usp && s->vcss[port - s->num_dsp].usp) {
        return PCI_DEVICE(s->vcss[port - s->num_dsp].usp);
    }
    return NULL;
}

/* Get Physical Port State, CXL r3.2 Tables 7-22 and 7-23 */
#define CXL_PORT_CONFIG_DISABLED 0x0
#define CXL_PORT_CONFIG_BIND_IN_PROGRESS 0x1
#define CXL_PORT_CONFIG_UNBIND_IN_PROGRESS 0x2
#define CXL_PORT_CONFIG_DSP 0x3
#define CXL_PORT_CONFIG_USP 0x4
#define CXL_PORT_DEVICE_HBR_SWITCH 0x3
#define CXL_PORT_DEVICE_T3_SLD 0x4
#define CXL_PORT_DEVICE_T3_MLD 0x5
#define CXL_PORT_MODE_68B_VH 0x2
#define CXL_PORT_CXL_VERSIONS 0x2
#define CXL_PORT_LTSSM_DETECT 0x0
#define CXL_PORT_LTSSM_L0 0x4
#define CXL_PORT_LINK_PERST (1 << 1)
#define CXL_PORT_LINK_PRSNT (1 << 2)

static bool cxl_vcs_link_active(PCIDevice *port)
{
    return port->config_read(port, port->exp.exp_cap + PCI_EXP_LNKSTA, 2) &
           PCI_EXP_LNKSTA_DLLLA;
}

bool cxl_vcs_port_state(CXLVCSSwitch *s, unsigned port, CXLSwitchPort *st)
{
    *st = (CXLSwitchPort) {
        .ltssm_state = CXL_PORT_LTSSM_DETECT,
    };
    if (port < s->num_dsp) {
        CXLVCSPhysPort *p = &s->ports[port];
        static const uint8_t config[] = {
            [CXL_VCS_UNBOUND] = CXL_PORT_CONFIG_DSP,
            [CXL_VCS_BIND_IN_PROGRESS] = CXL_PORT_CONFIG_BIND_IN_PROGRESS,
            [CXL_VCS_BOUND] = CXL_PORT_CONFIG_DSP,
            [CXL_VCS_UNBIND_IN_PROGRESS] = CXL_PORT_CONFIG_UNBIND_IN_PROGRESS,
        };
        bool mld = cxl_vcs_port_is_mld(p);

        /* A command in progress on the port, for one of its bindings */
        st->config_state = config[s->cmd.port == port ?
                                  p->ld[s->cmd.ld].state : CXL_VCS_UNBOUND];
        st->cxl_versions = CXL_PORT_CXL_VERSIONS;
        if (cxl_vcs_port_present(p)) {
            st->connected_cxl_version = CXL_PORT_MODE_68B_VH;
            st->connected_device_type = p->sub ? CXL_PORT_DEVICE_HBR_SWITCH :
                                        mld ? CXL_PORT_DEVICE_T3_MLD :
                                              CXL_PORT_DEVICE_T3_SLD;
            st->supported_ld_count = mld ? cxl_vcs_port_lds(p) : 0;
            st->link_state |= CXL_PORT_LINK_PRSNT;
        }
        /* An SLD bound: the link is the one below the vPPB's port */
        st->ppb = p->ld[0].function && !mld ?
            cxl_vcs_vppb_port(s, p->ld[0].vcs, p->ld[0].vppb) : p->ppb;
        st->link_up = st->ppb && cxl_vcs_link_active(st->ppb);
        /* (Unbound, a switch does not exist) */
        if (st->link_up && (p->sub ? !p->ld[0].function :
                            mld || !p->dev->realized)) {
            /* Trained as the device would train: what both support */
            uint32_t lnkcap = st->ppb->config_read(st->ppb,
                st->ppb->exp.exp_cap + PCI_EXP_LNKCAP, 4);
            unsigned width = p->sub ? p->sub->width : CXL_TYPE3(p->dev)->width;
            unsigned speed = p->sub ? p->sub->speed : CXL_TYPE3(p->dev)->speed;

            st->negotiated_width = MIN(width,
                                       (lnkcap & PCI_EXP_LNKCAP_MLW) >> 4);
            st->current_speed = MIN(speed, lnkcap & PCI_EXP_LNKCAP_SLS);
        }
        if (p->perst) {
            st->link_state |= CXL_PORT_LINK_PERST;
        }
    } else if (port < s->num_dsp + s->num_usp) {
        CXLVCS *vcs = &s->vcss[port - s->num_dsp];

        st->ppb = cxl_vcs_ppb(s, port);
        if (!st->ppb && !vcs->link) {
            st->config_state = CXL_PORT_CONFIG_DISABLED;
            return true;
        }
        if (vcs->link) {
            /* As its host process registered it */
            st->has_link_regs = true;
            st->lnkcap = vcs->remote.lnkcap;
            st->lnkcap2 = vcs->remote.lnkcap2;
            st->lnksta = vcs->remote.lnksta;
        }
        st->config_state = CXL_PORT_CONFIG_USP;
        st->connected_cxl_version = CXL_PORT_MODE_68B_VH;
        st->cxl_versions = CXL_PORT_CXL_VERSIONS;
        st->link_state = CXL_PORT_LINK_PRSNT;
        st->link_up = true;
    } else {
        return false;
    }
    if (st->link_up) {
        st->ltssm_state = CXL_PORT_LTSSM_L0;
    }
    return true;
}

bool cxl_vcs_usp_realize(CXLUpstreamPort *usp, Error **errp)
{
    CXLVCSSwitch *s = usp->vcs;
    const char *id = DEVICE(usp)->id ?: "";

    if (!s) {
        bool vcs_usp = usp->usppb != CXL_VCS_PPB_UNSET;
        uint32_t ppb = vcs_usp ? usp->usppb : usp->dsppb;

        if (ppb != CXL_VCS_PPB_UNSET) {
            error_setg(errp, "cxl-upstream '%s': %s=%u needs vcs=", id,
                       vcs_usp ? "usppb" : "dsppb", ppb);
            return false;
        }
        return true;
    }
    /* (With dsppb=, the switch's DeviceListener keeps it) */
    if (usp->usppb == CXL_VCS_PPB_UNSET) {
        error_setg(errp, "cxl-upstream '%s': vcs=%s needs usppb= (a VCS's "
                   "upstream port, 0-%u) or dsppb= (a switch on a physical "
                   "downstream port, 0-%u)", id, cxl_vcs_id(s),
                   s->num_usp - 1, s->num_dsp - 1);
        return false;
    }
    if (usp->usppb >= s->num_usp) {
        error_setg(errp, "cxl-upstream '%s': usppb %u out of range (0-%u)",
                   id, usp->usppb, s->num_usp - 1);
        return false;
    }
    if (s->vcss[usp->usppb].usp) {
        error_setg(errp, "cxl-upstream '%s': usppb %u of cxl-vcs-switch '%s' "
                   "is already used by '%s'", id, usp->usppb, cxl_vcs_id(s),
                   DEVICE(s->vcss[usp->usppb].usp)->id ?: "");
        return false;
    }
    if (s->vcss[usp->usppb].link) {
        error_setg(errp, "cxl-upstream '%s': usppb %u of cxl-vcs-switch '%s' "
                   "is a VCS of the host process on '%s'", id, usp->usppb,
                   cxl_vcs_id(s), cxl_vcs_link_name(s->vcss[usp->usppb].link));
        return false;
    }
    s->vcss[usp->usppb].usp = usp;
    return true;
}

void cxl_vcs_usp_exit(CXLUpstreamPort *usp)
{
    CXLVCSSwitch *s = usp->vcs;

    if (s && usp->usppb < s->num_usp && s->vcss[usp->usppb].usp == usp) {
        s->vcss[usp->usppb].usp = NULL;
    }
}

/* The VCS whose upstream port @dsp is below, or -1 */
static int cxl_vcs_of_dsp(PCIDevice *dsp, CXLVCSSwitch **sp)
{
    PCIDevice *up = pci_bridge_get_device(pci_get_bus(dsp));
    CXLUpstreamPort *usp;

    if (!up || !object_dynamic_cast(OBJECT(up), TYPE_CXL_USP)) {
        return -1;
    }
    usp = CXL_USP(up);
    if (!usp->vcs || usp->usppb >= usp->vcs->num_usp ||
        usp->vcs->vcss[usp->usppb].usp != usp) {
        return -1;
    }
    *sp = usp->vcs;
    return usp->usppb;
}

/* Another cxl-downstream with the port number of @dsp below the same USP */
static void cxl_vcs_find_twin(PCIBus *bus, PCIDevice *dev, void *opaque)
{
    PCIDevice **twin = opaque;

    if (dev != twin[0] && !twin[1] &&
        object_dynamic_cast(OBJECT(dev), TYPE_CXL_DSP) &&
        PCIE_PORT(dev)->port == PCIE_PORT(twin[0])->port) {
        twin[1] = dev;
    }
}

bool cxl_vcs_dsp_realize(PCIDevice *dsp, Error **errp)
{
    const char *id = DEVICE(dsp)->id;
    unsigned port = PCIE_PORT(dsp)->port;
    PCIDevice *twin[2] = { dsp, NULL };
    CXLVCSSwitch *s;
    int vcs = cxl_vcs_of_dsp(dsp, &s);
    const char *usp_id;

    if (vcs < 0) {
        return true;
    }
    usp_id = DEVICE(s->vcss[vcs].usp)->id ?: "";
    /* A bind finds the bus below a vPPB by name, as bus= does */
    if (!id) {
        error_setg(errp, "cxl-downstream below VCS %d (cxl-upstream '%s'), "
                   "port %u: needs an id, by which a bind finds its bus",
                   vcs, usp_id, port);
        return false;
    }
    if (s->ready && port >= s->vcss[vcs].num_vppbs) {
        error_setg(errp, "cxl-downstream '%s': port %u below VCS %d "
                   "(cxl-upstream '%s') is beyond the vPPB count; vPPB ids "
                   "are the ports 0-%d of its %u cxl-downstream ports", id,
                   port, vcs, usp_id, s->vcss[vcs].num_vppbs - 1,
                   s->vcss[vcs].num_vppbs);
        return false;
    }
    pci_for_each_device_under_bus(pci_get_bus(dsp), cxl_vcs_find_twin, twin);
    if (twin[1]) {
        error_setg(errp, "cxl-downstream '%s': port %u below VCS %d "
                   "(cxl-upstream '%s') is used twice", id, port, vcs,
                   usp_id);
        return false;
    }
    return true;
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

/*
 * The vPPBs of VCS @vcs, now that every device of the command line
 * exists: ports 0 to n-1 below its upstream port, with nothing below them
 */
static bool cxl_vcs_check_vppbs(CXLVCSSwitch *s, unsigned vcs, Error **errp)
{
    PCIBus *bus = cxl_vcs_usp_bus(s, vcs);
    const char *usp_id = DEVICE(s->vcss[vcs].usp)->id ?: "";
    unsigned n = cxl_vcs_count_vppbs(s, vcs);

    if (n > CXL_VCS_MAX_VPPBS) {
        error_setg(errp, "cxl-vcs-switch '%s': VCS %u (cxl-upstream '%s') "
                   "has %u vPPBs; FM-API can address at most %u",
                   cxl_vcs_id(s), vcs, usp_id, n, CXL_VCS_MAX_VPPBS);
        return false;
    }
    for (int devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *dev = bus->devices[devfn];
        unsigned port;
        PCIBus *sec;

        if (!dev || !object_dynamic_cast(OBJECT(dev), TYPE_CXL_DSP)) {
            continue;
        }
        port = PCIE_PORT(dev)->port;
        if (port >= n) {
            error_setg(errp, "cxl-downstream '%s': port %u below VCS %u "
                       "(cxl-upstream '%s') is beyond the vPPB count; vPPB "
                       "ids are the ports 0-%u of its %u cxl-downstream "
                       "ports", DEVICE(dev)->id ?: "", port, vcs, usp_id,
                       n - 1, n);
            return false;
        }
        sec = pci_bridge_get_sec_bus(PCI_BRIDGE(dev));
        for (int fn = 0; fn < ARRAY_SIZE(sec->devices); fn++) {
            if (sec->devices[fn]) {
                error_setg(errp, "'%s' is attached below vPPB %u of VCS %u: "
                           "devices reach a VCS's vPPBs by an FM-API bind; "
                           "give it vcs=%s and dsppb=",
                           DEVICE(sec->devices[fn])->id ?: "", port, vcs,
                           cxl_vcs_id(s));
                return false;
            }
        }
    }
    s->vcss[vcs].num_vppbs = n;
    return true;
}

/*
 * A host process given no usp-ppbs and dsp-ppbs: the VCSs and physical
 * ports it knows of are those it has, until the fabric manager's process
 * tells it the switch's
 */
static void cxl_vcs_count_own(CXLVCSSwitch *s)
{
    unsigned usp = 0, dsp = 0;

    for (unsigned i = 0; i < s->num_usp; i++) {
        usp = s->vcss[i].usp ? i + 1 : usp;
    }
    for (unsigned i = 0; i < s->num_dsp; i++) {
        dsp = s->ports[i].dev ? i + 1 : dsp;
    }
    s->num_usp = MAX(usp, 1);
    s->num_dsp = MAX(dsp, 1);
}

static void cxl_vcs_machine_done(Notifier *notifier, void *data)
{
    CXLVCSSwitch *s = container_of(notifier, CXLVCSSwitch, machine_done);
    unsigned seq = 0;

    for (CXLVCSSwitch *o = cxl_vcs_switch_next(NULL); o != s;
         o = cxl_vcs_switch_next(o)) {
        seq++;
    }
    cxl_vcs_devices_machine_done(s, &error_fatal);
    if (!s->sized && !s->local_fm) {
        cxl_vcs_count_own(s);
    }
    cxl_vcs_fabric_create(s, seq, &error_fatal);
    for (unsigned vcs = 0; vcs < s->num_usp; vcs++) {
        if (s->vcss[vcs].usp) {
            cxl_vcs_check_vppbs(s, vcs, &error_fatal);
        }
    }
    s->ready = true;
    /* The chardevs are created after the objects */
    if (s->local_fm && s->fabric) {
        cxl_vcs_fm_links_create(s, &error_fatal);
        cxl_vcs_fm_links_start(s);
    } else if (!s->local_fm) {
        cxl_vcs_host_link_create(s, &error_fatal);
        cxl_vcs_host_link_start(s);
    }
}

/* usp-ppbs or dsp-ppbs not given */
#define CXL_VCS_UNSET UINT32_MAX

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

/* usp-ppbs and dsp-ppbs, required for the fabric manager's process */
static bool cxl_vcs_check_size(CXLVCSSwitch *s, Error **errp)
{
    const char *id = cxl_vcs_id(s);
    const char *host = s->local_fm ? "" : "; a host process (local-fm=false) "
                       "takes both usp-ppbs and dsp-ppbs, or neither";

    if (!s->local_fm && s->num_usp == CXL_VCS_UNSET &&
        s->num_dsp == CXL_VCS_UNSET) {
        /* Room for all until the fabric manager's process tells */
        s->num_usp = CXL_VCS_MAX_VCS;
        s->num_dsp = CXL_VCS_MAX_PHYS_PORTS;
        return true;
    }
    if (s->num_usp == CXL_VCS_UNSET) {
        error_setg(errp, "cxl-vcs-switch '%s': needs usp-ppbs= (1-%u)%s", id,
                   CXL_VCS_MAX_VCS, host);
        return false;
    }
    if (s->num_usp < 1 || s->num_usp > CXL_VCS_MAX_VCS) {
        error_setg(errp, "cxl-vcs-switch '%s': usp-ppbs %u out of range "
                   "(1-%u)", id, s->num_usp, CXL_VCS_MAX_VCS);
        return false;
    }
    if (s->num_dsp == CXL_VCS_UNSET) {
        error_setg(errp, "cxl-vcs-switch '%s': needs dsp-ppbs= (1-%u with "
                   "usp-ppbs=%u)%s", id, CXL_VCS_MAX_PHYS_PORTS - s->num_usp,
                   s->num_usp, host);
        return false;
    }
    if (s->num_dsp < 1 ||
        s->num_dsp > CXL_VCS_MAX_PHYS_PORTS - s->num_usp) {
        error_setg(errp, "cxl-vcs-switch '%s': dsp-ppbs %u out of range "
                   "(1-%u with usp-ppbs=%u: at most %u physical ports)",
                   id, s->num_dsp, CXL_VCS_MAX_PHYS_PORTS - s->num_usp,
                   s->num_usp, CXL_VCS_MAX_PHYS_PORTS);
        return false;
    }
    s->sized = true;
    return true;
}

static char *cxl_vcs_get_fabric(Object *obj, Error **errp)
{
    return g_strdup(CXL_VCS_SWITCH(obj)->fabric);
}

static void cxl_vcs_set_fabric(Object *obj, const char *value, Error **errp)
{
    if (cxl_vcs_check_unset(obj, "fabric", errp)) {
        g_free(CXL_VCS_SWITCH(obj)->fabric);
        CXL_VCS_SWITCH(obj)->fabric = g_strdup(value);
    }
}

static void cxl_vcs_switch_complete(UserCreatable *uc, Error **errp)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(uc);
    const char *id = cxl_vcs_id(s);

    if (!s->local_fm && !s->fabric) {
        error_setg(errp, "cxl-vcs-switch '%s': local-fm=false needs "
                   "fabric=, the chardev to the fabric manager's process",
                   id);
        return;
    }
    if (!cxl_vcs_check_size(s, errp)) {
        return;
    }
    s->vcss = g_new0(CXLVCS, s->num_usp);
    s->ports = g_new0(CXLVCSPhysPort, s->num_dsp);
    QTAILQ_INIT(&s->ccis);
    /* The vectors are those of the transports that signal on MSI-X */
    cxl_event_init(&s->events, 0);
    cxl_vcs_bind_init(s);
    cxl_vcs_devices_init(s);
    if (s->local_fm) {
        cxl_vcs_attach_init(s, cxl_vcs_bind_released);
    }
    s->machine_done.notify = cxl_vcs_machine_done;
    qemu_add_machine_init_done_notifier(&s->machine_done);
    QTAILQ_INSERT_TAIL(&cxl_vcs_switches, s, next);
}

static bool cxl_vcs_switch_can_be_deleted(UserCreatable *uc)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(uc);

    if (!QTAILQ_EMPTY(&s->ccis)) {
        return false;
    }
    for (unsigned i = 0; i < s->num_usp; i++) {
        if (s->vcss[i].usp) {
            return false;
        }
    }
    for (unsigned i = 0; i < s->num_dsp; i++) {
        if (cxl_vcs_port_present(&s->ports[i])) {
            return false;
        }
    }
    return true;
}

static void cxl_vcs_switch_instance_init(Object *obj)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(obj);

    s->local_fm = true;
    s->num_usp = s->num_dsp = CXL_VCS_UNSET;
}

static void cxl_vcs_switch_finalize(Object *obj)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(obj);

    g_free(s->fabric);
    if (!s->ports) {
        return; /* complete() failed or was not reached */
    }
    if (s->machine_done.notify) {
        QTAILQ_REMOVE(&cxl_vcs_switches, s, next);
        qemu_remove_machine_init_done_notifier(&s->machine_done);
    }
    if (s->local_fm) {
        cxl_vcs_fm_links_free(s);
        cxl_vcs_attach_cleanup(s);
    } else if (s->link) {
        cxl_vcs_host_link_free(s);
    }
    cxl_vcs_devices_cleanup(s);
    cxl_vcs_bind_cleanup(s);
    cxl_discard_all_event_records(&s->events);
    for (unsigned i = 0; i < CXL_EVENT_TYPE_MAX; i++) {
        qemu_mutex_destroy(&s->events.event_logs[i].lock);
    }
    for (unsigned i = 0; i < s->num_usp; i++) {
        g_free(s->vcss[i].vppb_regs);
    }
    g_free(s->ports);
    g_free(s->vcss);
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
    object_class_property_add_str(oc, "fabric", cxl_vcs_get_fabric,
                                  cxl_vcs_set_fabric);
    object_class_property_set_description(oc, "fabric",
        "socket chardev(s) to the switch's other QEMU processes: the one "
        "to the fabric manager's process (local-fm=false), or those the "
        "host processes connect to, separated by ':' (local-fm=true)");
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
