/*
 * CXL multi-VCS switch: a host process's link to the fabric manager
 *
 * A cxl-vcs-switch with local-fm=false holds no switch state of its
 * own: the process with local-fm=true does, and its fabric manager binds
 * devices to the VCSs of this one.  Once the machine is ready, and each
 * time the connection (fabric=) comes up, this process registers its
 * VCSs (the cxl-upstream ports given its vcs= and usppb=), the devices
 * it can host (its cxl-type3 devices given vcs= and dsppb=) and what is
 * bound to it; then it does what the fabric manager asks of its VCSs
 * (cxl-vcs-attach.c) and reports what happens to them.  When the
 * connection goes, what is bound stays bound.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qapi/qapi-types-cxl-vcs.h"
#include "hw/pci/pcie.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_mailbox.h"
#include "cxl-vcs.h"
#include "trace.h"

static uint16_t cxl_vcs_host_exp_read(PCIDevice *port, unsigned reg, int len)
{
    return port->config_read(port, port->exp.exp_cap + reg, len);
}

static CxlFabricVcsList *cxl_vcs_host_vcss(CXLVCSSwitch *s)
{
    CxlFabricVcsList *head = NULL, **tail = &head;

    for (unsigned vcs = 0; vcs < s->num_usp; vcs++) {
        PCIDevice *usp = s->vcss[vcs].usp ? PCI_DEVICE(s->vcss[vcs].usp)
                                           : NULL;
        CxlFabricVcs *v;

        if (!usp) {
            continue;
        }
        v = g_new0(CxlFabricVcs, 1);
        v->vcs = vcs;
        v->vppbs = s->vcss[vcs].num_vppbs;
        v->sn = s->vcss[vcs].usp->sn;
        v->vendor_id = pci_get_word(usp->config + PCI_VENDOR_ID);
        v->device_id = pci_get_word(usp->config + PCI_DEVICE_ID);
        v->lnkcap = cxl_vcs_host_exp_read(usp, PCI_EXP_LNKCAP, 4);
        v->lnkcap2 = cxl_vcs_host_exp_read(usp, PCI_EXP_LNKCAP2, 4);
        v->lnksta = cxl_vcs_host_exp_read(usp, PCI_EXP_LNKSTA, 2);
        QAPI_LIST_APPEND(tail, v);
    }
    return head;
}

static CxlFabricDeviceList *cxl_vcs_host_devices(CXLVCSSwitch *s)
{
    CxlFabricDeviceList *head = NULL, **tail = &head;

    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];
        CXLType3Dev *ct3d = p->dev ? CXL_TYPE3(p->dev) : NULL;
        CxlFabricDevice *d;

        if (!ct3d) {
            continue;
        }
        d = g_new0(CxlFabricDevice, 1);
        d->port = i;
        d->id = g_strdup(cxl_vcs_device_id(p) ?: "");
        d->sn = ct3d->sn;
        d->q_volatile = ct3d->cxl_dstate.vmem_size;
        d->persistent = ct3d->cxl_dstate.pmem_size;
        d->dynamic = ct3d->dc.total_capacity;
        d->lds = cxl_vcs_port_lds(p);
        QAPI_LIST_APPEND(tail, d);
    }
    return head;
}

static CxlFabricBindingList *cxl_vcs_host_bindings(CXLVCSSwitch *s)
{
    CxlFabricBindingList *head = NULL, **tail = &head;

    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];

        for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
            CXLVCSBinding *b = &p->ld[ld];
            CxlFabricBinding *e;

            if (b->state == CXL_VCS_UNBOUND) {
                continue;
            }
            e = g_new0(CxlFabricBinding, 1);
            e->vcs = b->vcs;
            e->vppb = b->vppb;
            e->port = i;
            e->ld = ld;
            QAPI_LIST_APPEND(tail, e);
        }
    }
    return head;
}

/* Register with the fabric manager, once the machine is ready */
static void cxl_vcs_host_register(CXLVCSSwitch *s)
{
    g_autoptr(CxlFabricMessage) msg = g_new0(CxlFabricMessage, 1);
    CxlFabricRegister *reg = &msg->u.q_register;

    if (!s->ready || !cxl_vcs_link_connected(s->link)) {
        return;
    }
    msg->type = CXL_FABRIC_MESSAGE_TYPE_REGISTER;
    reg->version = CXL_VCS_LINK_VERSION;
    reg->q_switch = g_strdup(cxl_vcs_id(s));
    reg->has_usp_ppbs = reg->has_dsp_ppbs = s->sized;
    reg->usp_ppbs = s->num_usp;
    reg->dsp_ppbs = s->num_dsp;
    reg->vcss = cxl_vcs_host_vcss(s);
    reg->devices = cxl_vcs_host_devices(s);
    reg->bindings = cxl_vcs_host_bindings(s);
    trace_cxl_vcs_host_register(cxl_vcs_id(s));
    cxl_vcs_link_send(s->link, msg);
}

static void cxl_vcs_host_opened(CXLVCSLink *l)
{
    cxl_vcs_host_register(cxl_vcs_link_opaque(l));
}

/*
 * Tell the fabric manager that binding @b changed: @type, because of
 * @why, with @target's state if it is gone
 */
static void cxl_vcs_host_report(CXLVCSSwitch *s, CxlFabricMessageType type,
                                CXLVCSBinding *b, CXLType3Dev *target,
                                const char *why)
{
    g_autoptr(CxlFabricMessage) msg = g_new0(CxlFabricMessage, 1);
    PCIDevice *dsp = cxl_vcs_vppb_port(s, b->vcs, b->vppb);

    msg->type = type;
    if (type == CXL_FABRIC_MESSAGE_TYPE_BIND_FAILED ||
        type == CXL_FABRIC_MESSAGE_TYPE_UNBIND_REFUSED) {
        msg->u.bind_failed.vcs = b->vcs;
        msg->u.bind_failed.vppb = b->vppb;
        msg->u.bind_failed.message = g_strdup(why);
    } else if (type == CXL_FABRIC_MESSAGE_TYPE_BOUND) {
        msg->u.bound.vcs = b->vcs;
        msg->u.bound.vppb = b->vppb;
        msg->u.bound.link_control = cxl_vcs_host_exp_read(dsp, PCI_EXP_LNKCTL,
                                                          2);
        msg->u.bound.slot_control = cxl_vcs_host_exp_read(dsp, PCI_EXP_SLTCTL,
                                                          2);
    } else {
        msg->u.removed.vcs = b->vcs;
        msg->u.removed.vppb = b->vppb;
        msg->u.removed.link_control =
            cxl_vcs_host_exp_read(dsp, PCI_EXP_LNKCTL, 2);
        msg->u.removed.slot_control =
            cxl_vcs_host_exp_read(dsp, PCI_EXP_SLTCTL, 2);
        msg->u.removed.state = cxl_vcs_state_save(target);
    }
    cxl_vcs_link_send(s->link, msg);
}

/*
 * The function of binding @ld of @port went away: reported, unless the
 * fabric manager dropped the binding
 */
static void cxl_vcs_host_released(CXLVCSSwitch *s, unsigned port,
                                  unsigned ld)
{
    CXLVCSBinding *b = &s->ports[port].ld[ld];

    if (b->state == CXL_VCS_UNBOUND) {
        return;
    }
    cxl_vcs_release_binding(&s->ports[port], ld);
    cxl_vcs_host_report(s, CXL_FABRIC_MESSAGE_TYPE_REMOVED, b,
                        CXL_TYPE3(cxl_vcs_port_target(&s->ports[port], ld)),
                        NULL);
}

/* The binding of vPPB (@vcs, @vppb), or -1 */
static int cxl_vcs_host_binding(CXLVCSSwitch *s, unsigned vcs, unsigned vppb,
                                unsigned *ld)
{
    if (!cxl_vcs_vppb_port(s, vcs, vppb)) {
        cxl_vcs_link_refuse(s->link, "vPPB %u of VCS %u is none of this "
                            "process's", vppb, vcs);
        return -1;
    }
    return cxl_vcs_vppb_binding(s, vcs, vppb, ld);
}

static void cxl_vcs_host_registered(CXLVCSSwitch *s, CxlFabricRegistered *reg)
{
    if (reg->version != CXL_VCS_LINK_VERSION ||
        (s->sized && (reg->usp_ppbs != s->num_usp ||
                      reg->dsp_ppbs != s->num_dsp))) {
        cxl_vcs_link_refuse(s->link, "registered with protocol version %u, "
                            "usp-ppbs=%u, dsp-ppbs=%u", reg->version,
                            reg->usp_ppbs, reg->dsp_ppbs);
        return;
    }
    trace_cxl_vcs_host_registered(cxl_vcs_id(s), reg->usp_ppbs,
                                  reg->dsp_ppbs);
    s->registered = true;
    g_clear_pointer(&s->last_refusal, g_free);
    /* The numbering of the fabric manager's switch, for query-cxl-vcs */
    s->num_usp = reg->usp_ppbs;
    s->num_dsp = reg->dsp_ppbs;
    for (CxlFabricVppbList *e = reg->drop; e; e = e->next) {
        unsigned ld;
        int port = cxl_vcs_host_binding(s, e->value->vcs, e->value->vppb,
                                        &ld);

        if (port < 0) {
            continue;
        }
        trace_cxl_vcs_host_drop(cxl_vcs_id(s), e->value->vcs,
                                e->value->vppb, port, ld);
        cxl_vcs_release_binding(&s->ports[port], ld);
        if (s->ports[port].ld[ld].function) {
            cxl_vcs_detach(s, port, ld, CXL_VCS_UNBIND_SURPRISE,
                           &error_abort);
        }
    }
}

/*
 * The fabric manager binds @b: validated as a host sees its own VCSs
 * and devices, then attached
 */
static void cxl_vcs_host_bind(CXLVCSSwitch *s, CxlFabricBind *b)
{
    CXLVCSPhysPort *p = b->port < s->num_dsp ? &s->ports[b->port] : NULL;
    CXLVCSBinding failed = { .vcs = b->vcs, .vppb = b->vppb };
    Error *err = NULL;
    unsigned ld;

    if (cxl_vcs_host_binding(s, b->vcs, b->vppb, &ld) >= 0) {
        cxl_vcs_link_refuse(s->link, "bind to vPPB %u of VCS %u, which is "
                            "bound already", b->vppb, b->vcs);
        return;
    }
    if (!p || !p->dev || b->ld >= cxl_vcs_port_lds(p) ||
        p->ld[b->ld].state != CXL_VCS_UNBOUND) {
        cxl_vcs_host_report(s, CXL_FABRIC_MESSAGE_TYPE_BIND_FAILED, &failed,
                            NULL, "no such device or LD here, or bound "
                            "already");
        return;
    }
    if ((cxl_vcs_port_is_mld(p) &&
         !cxl_mld_set_ld_sizes(CXL_TYPE3(p->dev), b->ld_sizes, &err)) ||
        !cxl_vcs_port_target(p, b->ld) ||
        !cxl_vcs_state_load(CXL_TYPE3(cxl_vcs_port_target(p, b->ld)),
                            b->state, &err)) {
        cxl_vcs_host_report(s, CXL_FABRIC_MESSAGE_TYPE_BIND_FAILED, &failed,
                            NULL, err ? error_get_pretty(err) :
                            "that LD has no memory");
        error_free(err);
        return;
    }
    trace_cxl_vcs_host_bind(cxl_vcs_id(s), b->vcs, b->vppb, b->port, b->ld);
    p->ld[b->ld] = (CXLVCSBinding) {
        .state = CXL_VCS_BIND_IN_PROGRESS,
        .vcs = b->vcs,
        .vppb = b->vppb,
    };
    if (cxl_vcs_port_is_mld(p)) {
        cxl_mld_set_bound(CXL_TYPE3(p->dev), b->ld, true);
    }
    p->perst = b->perst;
    if (!cxl_vcs_attach(s, b->port, b->ld, &err)) {
        cxl_vcs_release_binding(p, b->ld);
        cxl_vcs_host_report(s, CXL_FABRIC_MESSAGE_TYPE_BIND_FAILED, &failed,
                            NULL, error_get_pretty(err));
        error_free(err);
        return;
    }
    p->ld[b->ld].state = CXL_VCS_BOUND;
    cxl_vcs_host_report(s, CXL_FABRIC_MESSAGE_TYPE_BOUND, &p->ld[b->ld],
                        NULL, NULL);
}

static void cxl_vcs_host_unbind(CXLVCSSwitch *s, CxlFabricUnbind *u)
{
    unsigned ld;
    int port = cxl_vcs_host_binding(s, u->vcs, u->vppb, &ld);
    CXLVCSBinding *b;
    Error *err = NULL;

    if (port < 0) {
        cxl_vcs_link_refuse(s->link, "unbind of vPPB %u of VCS %u, which "
                            "has nothing bound", u->vppb, u->vcs);
        return;
    }
    b = &s->ports[port].ld[ld];
    trace_cxl_vcs_host_unbind(cxl_vcs_id(s), u->vcs, u->vppb, u->option);
    b->state = CXL_VCS_UNBIND_IN_PROGRESS;
    if (!cxl_vcs_detach(s, port, ld, (CXLVCSUnbindOption)u->option, &err)) {
        b->state = CXL_VCS_BOUND;
        cxl_vcs_host_report(s, CXL_FABRIC_MESSAGE_TYPE_UNBIND_REFUSED, b,
                            NULL, error_get_pretty(err));
        error_free(err);
    }
}

static void cxl_vcs_host_perst(CXLVCSSwitch *s, CxlFabricPerst *perst)
{
    if (perst->port >= s->num_dsp || !s->ports[perst->port].dev) {
        cxl_vcs_link_refuse(s->link, "PERST# of physical port %u, which has "
                            "no device here", perst->port);
        return;
    }
    s->ports[perst->port].perst = perst->asserted;
    cxl_vcs_fabric_update_link(s, perst->port);
    cxl_vcs_attach_perst(s, perst->port);
}

static void cxl_vcs_host_reset(CXLVCSSwitch *s, CxlFabricReset *reset)
{
    CXLVCSPhysPort *p;

    if (reset->vcs >= s->num_usp || !s->vcss[reset->vcs].usp ||
        (reset->has_port && (reset->port >= s->num_dsp ||
                             !s->ports[reset->port].dev))) {
        cxl_vcs_link_refuse(s->link, "reset of what this process does not "
                            "have");
        return;
    }
    if (!reset->has_port) {
        pci_device_reset(PCI_DEVICE(s->vcss[reset->vcs].usp));
        return;
    }
    p = &s->ports[reset->port];
    for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
        if (p->ld[ld].state != CXL_VCS_UNBOUND &&
            p->ld[ld].vcs == reset->vcs) {
            cxl_vcs_reset_binding(s, reset->port, ld);
        }
    }
}

static void cxl_vcs_host_reply(CXLVCSSwitch *s, uint32_t id, CXLRetCode rc,
                               bool has_data, uint32_t data)
{
    g_autoptr(CxlFabricMessage) msg = g_new0(CxlFabricMessage, 1);

    msg->type = CXL_FABRIC_MESSAGE_TYPE_REPLY;
    msg->u.reply.id = id;
    msg->u.reply.rc = rc;
    msg->u.reply.has_data = has_data;
    msg->u.reply.data = data;
    cxl_vcs_link_send(s->link, msg);
}

static void cxl_vcs_host_aer(CXLVCSSwitch *s, CxlFabricAer *aer)
{
    gsize len = 0;
    g_autofree uint8_t *tlp = g_base64_decode(aer->tlp_header_log, &len);
    uint8_t log[CXL_VCS_AER_TLP_LOG] = { 0 };

    if (len != sizeof(log)) {
        cxl_vcs_link_refuse(s->link, "AER TLP header log of %zu bytes, not "
                            "%zu", (size_t)len, sizeof(log));
        return;
    }
    memcpy(log, tlp, len);
    cxl_vcs_host_reply(s, aer->id,
                       cxl_vcs_aer(s, aer->vcs, aer->instance, aer->error,
                                   log),
                       false, 0);
}

static void cxl_vcs_host_config(CXLVCSSwitch *s, CxlFabricConfig *cfg)
{
    PCIDevice *ppb = !cfg->has_vppb ?
        (cfg->vcs < s->num_usp && s->vcss[cfg->vcs].usp ?
         PCI_DEVICE(s->vcss[cfg->vcs].usp) : NULL) :
        cxl_vcs_vppb_port(s, cfg->vcs, cfg->vppb);

    if (!ppb) {
        cxl_vcs_host_reply(s, cfg->id, CXL_MBOX_INVALID_INPUT, false, 0);
        return;
    }
    cxl_vcs_host_reply(s, cfg->id, CXL_MBOX_SUCCESS, true,
                       cxl_vcs_config_request(ppb, cfg->request, cfg->data));
}

/*
 * A command of the fabric manager's tunnel to the FM-owned LD of a device
 * bound here, or to an LD of an MLD bound here
 */
static void cxl_vcs_host_cci(CXLVCSSwitch *s, CxlFabricCci *req)
{
    g_autoptr(CxlFabricMessage) msg = g_new0(CxlFabricMessage, 1);
    CXLVCSPhysPort *p = req->port < s->num_dsp ? &s->ports[req->port] : NULL;
    unsigned ld = req->has_ld ? req->ld : 0;
    g_autofree uint8_t *decoded = NULL;
    g_autofree uint8_t *in = NULL;
    g_autofree uint8_t *out = NULL;
    CXLType3Dev *target;
    CXLCCI *cci;
    size_t len_out = 0;
    gsize len_in = 0;
    bool bg_started;

    if (!p || !p->dev || req->has_ld != cxl_vcs_port_is_mld(p) ||
        ld >= cxl_vcs_port_lds(p) || p->ld[ld].state == CXL_VCS_UNBOUND) {
        cxl_vcs_link_refuse(s->link, "a command to physical port %u, "
                            "which nothing is bound here from", req->port);
        return;
    }
    decoded = g_base64_decode(req->payload, &len_in);
    if (len_in > CXL_MAILBOX_MAX_PAYLOAD_SIZE) {
        cxl_vcs_link_refuse(s->link, "a command payload of %zu bytes",
                            (size_t)len_in);
        return;
    }
    target = cxl_vcs_port_is_mld(p) ? cxl_mld_ld(CXL_TYPE3(p->dev), ld) :
                                      CXL_TYPE3(p->dev);
    cci = cxl_vcs_port_is_mld(p) ? &target->ld0_cci :
                                   &target->vdm_fm_owned_ld_mctp_cci;
    out = g_malloc0(MAX(cci->payload_max, CXL_MAILBOX_MAX_PAYLOAD_SIZE));
    msg->type = CXL_FABRIC_MESSAGE_TYPE_REPLY;
    msg->u.reply.id = req->id;
    /* Handlers may read the input up to the payload limit */
    in = g_malloc0(CXL_MAILBOX_MAX_PAYLOAD_SIZE);
    memcpy(in, decoded, len_in);
    msg->u.reply.rc = cxl_process_cci_message(cci, req->opcode >> 8,
                                              req->opcode & 0xff, len_in, in,
                                              &len_out, out, &bg_started);
    msg->u.reply.payload = g_base64_encode(out, len_out);
    cxl_vcs_link_send(s->link, msg);
}

static void cxl_vcs_host_message(CXLVCSLink *l, CxlFabricMessage *msg)
{
    CXLVCSSwitch *s = cxl_vcs_link_opaque(l);
    const char *type = CxlFabricMessageType_str(msg->type);

    if (!s->registered && msg->type != CXL_FABRIC_MESSAGE_TYPE_REGISTERED &&
        msg->type != CXL_FABRIC_MESSAGE_TYPE_ERROR) {
        cxl_vcs_link_refuse(l, "'%s' before 'registered'", type);
        return;
    }
    switch (msg->type) {
    case CXL_FABRIC_MESSAGE_TYPE_REGISTERED:
        if (s->registered) {
            cxl_vcs_link_refuse(l, "'registered' again");
            return;
        }
        cxl_vcs_host_registered(s, &msg->u.registered);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_ERROR:
        /* Said once, however often it is said again on reconnection */
        if (g_strcmp0(s->last_refusal, msg->u.error.message)) {
            error_report("cxl-vcs-switch '%s': the fabric manager's process "
                         "refused this one: %s", cxl_vcs_id(s),
                         msg->u.error.message);
            g_free(s->last_refusal);
            s->last_refusal = g_strdup(msg->u.error.message);
        }
        cxl_vcs_link_refuse(l, "the fabric manager's process refused this "
                            "one");
        return;
    case CXL_FABRIC_MESSAGE_TYPE_BIND:
        cxl_vcs_host_bind(s, &msg->u.bind);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_UNBIND:
        cxl_vcs_host_unbind(s, &msg->u.unbind);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_PERST:
        cxl_vcs_host_perst(s, &msg->u.perst);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_RESET:
        cxl_vcs_host_reset(s, &msg->u.reset);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_AER:
        cxl_vcs_host_aer(s, &msg->u.aer);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_CONFIG:
        cxl_vcs_host_config(s, &msg->u.config);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_CCI:
        cxl_vcs_host_cci(s, &msg->u.cci);
        return;
    default:
        cxl_vcs_link_refuse(l, "the fabric manager may not send '%s'", type);
        return;
    }
}

static void cxl_vcs_host_closed(CXLVCSLink *l)
{
    CXLVCSSwitch *s = cxl_vcs_link_opaque(l);

    /* What is bound stays so: it is told again on reconnection */
    s->registered = false;
}

static const CXLVCSLinkOps cxl_vcs_host_ops = {
    .opened = cxl_vcs_host_opened,
    .message = cxl_vcs_host_message,
    .closed = cxl_vcs_host_closed,
};

bool cxl_vcs_host_link_create(CXLVCSSwitch *s, Error **errp)
{
    if (strchr(s->fabric, ':')) {
        error_setg(errp, "cxl-vcs-switch '%s': fabric=%s: a host process "
                   "(local-fm=false) connects to one fabric manager, through "
                   "one chardev", cxl_vcs_id(s), s->fabric);
        return false;
    }
    s->link = cxl_vcs_link_new(s, s->fabric, &cxl_vcs_host_ops, s, errp);
    if (!s->link) {
        return false;
    }
    cxl_vcs_attach_init(s, cxl_vcs_host_released);
    return true;
}

void cxl_vcs_host_link_start(CXLVCSSwitch *s)
{
    cxl_vcs_link_start(s->link);
}

void cxl_vcs_host_link_free(CXLVCSSwitch *s)
{
    cxl_vcs_attach_cleanup(s);
    cxl_vcs_link_free(s->link);
    g_free(s->last_refusal);
}
