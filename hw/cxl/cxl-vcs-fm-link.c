/*
 * CXL multi-VCS switch: the host processes, as the fabric manager's
 * process sees them
 *
 * fabric= of a cxl-vcs-switch with local-fm=true names the socket
 * chardevs that host processes connect to, one each.  A host registers
 * its VCSs, the devices it can host (which must be the ones this process
 * has on the same physical ports) and what it has bound; from then on
 * its VCSs are part of the switch.  The bind commands (cxl-vcs-bind.c)
 * ask it to attach and detach devices, and it reports back.  A host is
 * not a fabric manager: it may register and report on its own VCSs,
 * nothing more; anything else it sends is refused and closes its
 * connection.  When it goes, its VCSs are not present any more and what
 * was bound to them is unbound.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qapi/qapi-types-cxl-vcs.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_mailbox.h"
#include "cxl-vcs.h"
#include "trace.h"

/* How long a request to a host process waits for its reply */
#define CXL_VCS_REMOTE_REQUEST_MS 5000

/* A host process: what it registered */
typedef struct CXLVCSRemote {
    CXLVCSSwitch *s;
    CXLVCSLink *link;
    bool registered;
    char *name;                 /* its cxl-vcs-switch's id */
    /* The physical ports of the devices it can host */
    DECLARE_BITMAP(ports, CXL_VCS_MAX_PHYS_PORTS);
} CXLVCSRemote;

static CXLVCSRemote *cxl_vcs_remote(CXLVCSLink *l)
{
    return cxl_vcs_link_opaque(l);
}

static CXLVCSLink *cxl_vcs_vcs_link(CXLVCSSwitch *s, unsigned vcs)
{
    return vcs < s->num_usp ? s->vcss[vcs].link : NULL;
}

static void cxl_vcs_remote_opened(CXLVCSLink *l)
{
    /* The host speaks first */
}

static bool cxl_vcs_remote_check_field(CxlFabricDevice *d, const char *id,
                                       const char *field, uint64_t theirs,
                                       uint64_t mine, Error **errp)
{
    if (theirs != mine) {
        error_setg(errp, "device '%s' on physical port %u: %s %" PRIu64
                   " in the host process, %" PRIu64 " in the fabric "
                   "manager's ('%s')", d->id, d->port, field, theirs, mine,
                   id);
        return false;
    }
    return true;
}

/* The device this process has on @d->port: does @d match it? */
static bool cxl_vcs_remote_check_device(CXLVCSSwitch *s,
                                        CxlFabricDevice *d, Error **errp)
{
    CXLVCSPhysPort *p = d->port < s->num_dsp ? &s->ports[d->port] : NULL;
    CXLType3Dev *ct3d;
    const char *id;

    if (!p || !p->dev) {
        error_setg(errp, "device '%s' on physical port %u: this switch has "
                   "no device there (physical ports 0-%u)", d->id, d->port,
                   s->num_dsp - 1);
        return false;
    }
    ct3d = CXL_TYPE3(p->dev);
    id = cxl_vcs_device_id(p) ?: "";
    return cxl_vcs_remote_check_field(d, id, "sn", d->sn, ct3d->sn, errp) &&
           cxl_vcs_remote_check_field(d, id, "volatile", d->q_volatile,
                                      ct3d->cxl_dstate.vmem_size, errp) &&
           cxl_vcs_remote_check_field(d, id, "persistent", d->persistent,
                                      ct3d->cxl_dstate.pmem_size, errp) &&
           cxl_vcs_remote_check_field(d, id, "dynamic", d->dynamic,
                                      ct3d->dc.total_capacity, errp) &&
           cxl_vcs_remote_check_field(d, id, "lds", d->lds,
                                      cxl_vcs_port_lds(p), errp);
}

static bool cxl_vcs_remote_check(CXLVCSRemote *r, CxlFabricRegister *reg,
                                 Error **errp)
{
    CXLVCSSwitch *s = r->s;
    DECLARE_BITMAP(vcss, CXL_VCS_MAX_VCS) = { 0 };

    if (reg->version != CXL_VCS_LINK_VERSION) {
        error_setg(errp, "protocol version %u; this process speaks %u",
                   reg->version, CXL_VCS_LINK_VERSION);
        return false;
    }
    if ((reg->has_usp_ppbs && reg->usp_ppbs != s->num_usp) ||
        (reg->has_dsp_ppbs && reg->dsp_ppbs != s->num_dsp)) {
        error_setg(errp, "usp-ppbs=%u and dsp-ppbs=%u here, the host "
                   "process's cxl-vcs-switch '%s' has other ones",
                   s->num_usp, s->num_dsp, reg->q_switch);
        return false;
    }
    for (CxlFabricVcsList *v = reg->vcss; v; v = v->next) {
        unsigned vcs = v->value->vcs;

        if (vcs >= s->num_usp) {
            error_setg(errp, "VCS %u: out of range (0-%u)", vcs,
                       s->num_usp - 1);
            return false;
        }
        if (s->vcss[vcs].usp || s->vcss[vcs].link || test_bit(vcs, vcss)) {
            error_setg(errp, "VCS %u: its upstream port is %s", vcs,
                       s->vcss[vcs].usp ? "in the fabric manager's process"
                                        : "registered already");
            return false;
        }
        set_bit(vcs, vcss);
    }
    bitmap_zero(r->ports, CXL_VCS_MAX_PHYS_PORTS);
    for (CxlFabricDeviceList *d = reg->devices; d; d = d->next) {
        if (!cxl_vcs_remote_check_device(s, d->value, errp)) {
            return false;
        }
        set_bit(d->value->port, r->ports);
    }
    for (CxlFabricBindingList *b = reg->bindings; b; b = b->next) {
        CxlFabricBinding *e = b->value;

        if (!test_bit(e->vcs, vcss) || !test_bit(e->port, r->ports) ||
            e->ld >= cxl_vcs_port_lds(&s->ports[e->port])) {
            error_setg(errp, "binding of physical port %u, LD %u to VCS %u: "
                       "not a VCS or device of the host process", e->port,
                       e->ld, e->vcs);
            return false;
        }
    }
    return true;
}

/*
 * What a host had bound when it registered again: the FM's own state
 * wins.  A binding the FM can take on is bound as it is; the others the
 * host drops.
 */
static CxlFabricVppbList *cxl_vcs_remote_adopt(CXLVCSRemote *r,
                                               CxlFabricBindingList *list)
{
    CXLVCSSwitch *s = r->s;
    CxlFabricVppbList *drop = NULL;

    for (CxlFabricBindingList *l = list; l; l = l->next) {
        CxlFabricBinding *e = l->value;
        CXLVCSPhysPort *p = &s->ports[e->port];
        CXLVCSBinding *b = &p->ld[e->ld];

        if (b->state != CXL_VCS_UNBOUND || e->vppb >= s->vcss[e->vcs].num_vppbs
            || cxl_vcs_vppb_binding(s, e->vcs, e->vppb, NULL) >= 0 ||
            (cxl_vcs_port_is_mld(p) && !cxl_vcs_port_target(p, e->ld))) {
            CxlFabricVppb *v = g_new0(CxlFabricVppb, 1);

            v->vcs = e->vcs;
            v->vppb = e->vppb;
            QAPI_LIST_PREPEND(drop, v);
            continue;
        }
        trace_cxl_vcs_remote_adopt(cxl_vcs_id(s), e->vcs, e->vppb, e->port,
                                   e->ld);
        *b = (CXLVCSBinding) {
            .state = CXL_VCS_BOUND,
            .vcs = e->vcs,
            .vppb = e->vppb,
        };
        if (cxl_vcs_port_is_mld(p)) {
            cxl_mld_set_bound(CXL_TYPE3(p->dev), e->ld, true);
            cxl_mld_set_elsewhere(CXL_TYPE3(p->dev), e->ld,
                                  cxl_vcs_remote_cci(s, e->port, e->ld));
        }
        cxl_vcs_event_binding(s, e->vcs, e->vppb, e->port,
                              cxl_vcs_ld_id(p, e->ld), true);
        cxl_vcs_event_port(s, e->port, false);
    }
    return drop;
}

static void cxl_vcs_remote_register(CXLVCSRemote *r, CxlFabricRegister *reg)
{
    CXLVCSSwitch *s = r->s;
    CxlFabricMessage msg = { .type = CXL_FABRIC_MESSAGE_TYPE_REGISTERED };
    Error *err = NULL;

    if (!cxl_vcs_remote_check(r, reg, &err)) {
        cxl_vcs_link_refuse(r->link, "%s", error_get_pretty(err));
        error_free(err);
        return;
    }
    r->registered = true;
    r->name = g_strdup(reg->q_switch);
    for (CxlFabricVcsList *v = reg->vcss; v; v = v->next) {
        CXLVCS *vcs = &s->vcss[v->value->vcs];

        vcs->link = r->link;
        vcs->num_vppbs = v->value->vppbs;
        vcs->remote = *v->value;
        vcs->vppb_regs = g_new0(CXLVPPBRegs, vcs->num_vppbs);
        trace_cxl_vcs_remote_vcs(cxl_vcs_id(s), r->name, v->value->vcs,
                                 v->value->vppbs);
    }
    msg.u.registered.version = CXL_VCS_LINK_VERSION;
    msg.u.registered.usp_ppbs = s->num_usp;
    msg.u.registered.dsp_ppbs = s->num_dsp;
    msg.u.registered.drop = cxl_vcs_remote_adopt(r, reg->bindings);
    cxl_vcs_link_send(r->link, &msg);
    qapi_free_CxlFabricVppbList(msg.u.registered.drop);
}

/* The binding of (@vcs, @vppb), a vPPB of @r's: its port, or -1 */
static int cxl_vcs_remote_binding(CXLVCSRemote *r, unsigned vcs,
                                  unsigned vppb, unsigned *ld)
{
    if (cxl_vcs_vcs_link(r->s, vcs) != r->link) {
        cxl_vcs_link_refuse(r->link, "VCS %u is not one the host process "
                            "registered", vcs);
        return -1;
    }
    return cxl_vcs_vppb_binding(r->s, vcs, vppb, ld);
}

/* The command in progress is on (@vcs, @vppb), in @state */
static bool cxl_vcs_remote_is_cmd(CXLVCSSwitch *s, int port, unsigned ld,
                                  CXLVCSBindState state)
{
    return port >= 0 && s->cmd.port == port && s->cmd.ld == ld &&
           s->ports[port].ld[ld].state == state;
}

/* A bind's outcome for (@vcs, @vppb): is a bind in progress there? */
static bool cxl_vcs_remote_bind_done(CXLVCSRemote *r, unsigned vcs,
                                     unsigned vppb, const char *type)
{
    unsigned ld = 0;
    int port = cxl_vcs_remote_binding(r, vcs, vppb, &ld);

    if (!cxl_vcs_remote_is_cmd(r->s, port, ld, CXL_VCS_BIND_IN_PROGRESS) ||
        !r->s->cmd.waiting) {
        cxl_vcs_link_refuse(r->link, "'%s' for vPPB %u of VCS %u, which no "
                            "bind is in progress on", type, vppb, vcs);
        return false;
    }
    return true;
}

/* The vPPB's registers the host reported, for the VCS Event Record */
static void cxl_vcs_remote_regs(CXLVCSSwitch *s, unsigned vcs, unsigned vppb,
                                uint16_t link_control, uint16_t slot_control)
{
    s->vcss[vcs].vppb_regs[vppb].link_control = link_control;
    s->vcss[vcs].vppb_regs[vppb].slot_control = slot_control;
}

/*
 * The host released binding @ld of @port: the device, and what the host
 * left of its state, are this process's again
 */
static void cxl_vcs_remote_removed(CXLVCSRemote *r, unsigned port,
                                   unsigned ld, CxlFabricRemoved *rm)
{
    CXLVCSPhysPort *p = &r->s->ports[port];
    Error *err = NULL;

    cxl_vcs_remote_regs(r->s, rm->vcs, rm->vppb, rm->link_control,
                        rm->slot_control);
    if (!cxl_vcs_state_load(CXL_TYPE3(cxl_vcs_port_target(p, ld)), rm->state,
                            &err)) {
        cxl_vcs_link_refuse(r->link, "the state of the device on physical "
                            "port %u it removed: %s", port,
                            error_get_pretty(err));
        error_free(err);
    }
    cxl_vcs_bind_released(r->s, port, ld);
}

static void cxl_vcs_remote_message(CXLVCSLink *l, CxlFabricMessage *msg)
{
    CXLVCSRemote *r = cxl_vcs_remote(l);
    CXLVCSSwitch *s = r->s;
    const char *type = CxlFabricMessageType_str(msg->type);
    Error *err = NULL;
    unsigned ld = 0;
    int port;

    if (!r->registered && msg->type != CXL_FABRIC_MESSAGE_TYPE_REGISTER) {
        cxl_vcs_link_refuse(l, "'%s' before 'register'", type);
        return;
    }
    switch (msg->type) {
    case CXL_FABRIC_MESSAGE_TYPE_REGISTER:
        if (r->registered) {
            cxl_vcs_link_refuse(l, "'register' again");
            return;
        }
        cxl_vcs_remote_register(r, &msg->u.q_register);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_BOUND:
        if (cxl_vcs_remote_bind_done(r, msg->u.bound.vcs, msg->u.bound.vppb,
                                     type)) {
            cxl_vcs_remote_regs(s, msg->u.bound.vcs, msg->u.bound.vppb,
                                msg->u.bound.link_control,
                                msg->u.bound.slot_control);
            cxl_vcs_bind_attached(s, NULL);
        }
        return;
    case CXL_FABRIC_MESSAGE_TYPE_BIND_FAILED:
        if (cxl_vcs_remote_bind_done(r, msg->u.bind_failed.vcs,
                                     msg->u.bind_failed.vppb, type)) {
            error_setg(&err, "in host process '%s': %s", r->name,
                       msg->u.bind_failed.message);
            cxl_vcs_bind_attached(s, err);
        }
        return;
    case CXL_FABRIC_MESSAGE_TYPE_REMOVED:
        port = cxl_vcs_remote_binding(r, msg->u.removed.vcs,
                                      msg->u.removed.vppb, &ld);
        if (port < 0 ||
            s->ports[port].ld[ld].state == CXL_VCS_BIND_IN_PROGRESS) {
            cxl_vcs_link_refuse(l, "'removed' for vPPB %u of VCS %u, which "
                                "has nothing bound", msg->u.removed.vppb,
                                msg->u.removed.vcs);
            return;
        }
        cxl_vcs_remote_removed(r, port, ld, &msg->u.removed);
        return;
    case CXL_FABRIC_MESSAGE_TYPE_UNBIND_REFUSED:
        port = cxl_vcs_remote_binding(r, msg->u.unbind_refused.vcs,
                                      msg->u.unbind_refused.vppb, &ld);
        /* It may come after the unbind timed out: nothing to do then */
        if (cxl_vcs_remote_is_cmd(s, port, ld, CXL_VCS_UNBIND_IN_PROGRESS)) {
            error_setg(&err, "in host process '%s': %s", r->name,
                       msg->u.unbind_refused.message);
            cxl_vcs_bind_refused(s, err);
        }
        return;
    case CXL_FABRIC_MESSAGE_TYPE_ERROR:
        cxl_vcs_link_refuse(l, "the host process refused a message: %s",
                            msg->u.error.message);
        return;
    default:
        /* Binding, resets, AER and FM-API are the fabric manager's */
        cxl_vcs_link_refuse(l, "a host process may not send '%s'", type);
        return;
    }
}

static void cxl_vcs_remote_closed(CXLVCSLink *l)
{
    CXLVCSRemote *r = cxl_vcs_remote(l);
    CXLVCSSwitch *s = r->s;

    if (!r->registered) {
        return;
    }
    trace_cxl_vcs_remote_gone(cxl_vcs_id(s), r->name);
    /* What was bound to its VCSs is unbound, with the records of that */
    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];

        for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
            CXLVCSBinding *b = &p->ld[ld];

            if (b->state != CXL_VCS_UNBOUND &&
                cxl_vcs_vcs_link(s, b->vcs) == l) {
                cxl_vcs_bind_released(s, i, ld);
            }
        }
    }
    for (unsigned vcs = 0; vcs < s->num_usp; vcs++) {
        if (s->vcss[vcs].link == l) {
            s->vcss[vcs].link = NULL;
            s->vcss[vcs].num_vppbs = 0;
            g_clear_pointer(&s->vcss[vcs].vppb_regs, g_free);
        }
    }
    r->registered = false;
    g_clear_pointer(&r->name, g_free);
}

static const CXLVCSLinkOps cxl_vcs_remote_ops = {
    .opened = cxl_vcs_remote_opened,
    .message = cxl_vcs_remote_message,
    .closed = cxl_vcs_remote_closed,
};

bool cxl_vcs_fm_links_create(CXLVCSSwitch *s, Error **errp)
{
    g_auto(GStrv) names = g_strsplit(s->fabric, ":", -1);

    for (char **name = names; *name; name++) {
        CXLVCSRemote *r = g_new0(CXLVCSRemote, 1);

        r->s = s;
        r->link = cxl_vcs_link_new(s, *name, &cxl_vcs_remote_ops, r, errp);
        if (!r->link) {
            g_free(r);
            return false;
        }
        s->links = g_list_append(s->links, r->link);
    }
    return true;
}

void cxl_vcs_fm_links_free(CXLVCSSwitch *s)
{
    for (unsigned i = 0; i < s->num_dsp; i++) {
        for (unsigned ld = 0; ld < CXL_MLD_MAX_LDS; ld++) {
            g_free(s->ports[i].proxy[ld]);
        }
    }
    for (GList *e = s->links; e; e = e->next) {
        CXLVCSRemote *r = cxl_vcs_remote(e->data);

        cxl_vcs_link_free(r->link);
        g_free(r->name);
        g_free(r);
    }
    g_list_free(s->links);
    s->links = NULL;
}

/* The VCS and vPPB of binding @ld of @port, as the host process has them */
static CxlFabricMessage *cxl_vcs_remote_msg(CxlFabricMessageType type)
{
    CxlFabricMessage *msg = g_new0(CxlFabricMessage, 1);

    msg->type = type;
    return msg;
}

void cxl_vcs_remote_attach(CXLVCSSwitch *s, unsigned port, unsigned ld)
{
    CXLVCSPhysPort *p = &s->ports[port];
    CXLVCSBinding *b = &p->ld[ld];
    CXLVCSLink *l = cxl_vcs_vcs_link(s, b->vcs);
    CXLVCSRemote *r = cxl_vcs_remote(l);
    g_autoptr(CxlFabricMessage) msg = NULL;
    Error *err = NULL;

    if (!test_bit(port, r->ports)) {
        error_setg(&err, "host process '%s' has no device on physical port "
                   "%u: it can only host devices it has on its command "
                   "line", r->name, port);
        cxl_vcs_bind_attached(s, err);
        return;
    }
    msg = cxl_vcs_remote_msg(CXL_FABRIC_MESSAGE_TYPE_BIND);
    msg->u.bind.vcs = b->vcs;
    msg->u.bind.vppb = b->vppb;
    msg->u.bind.port = port;
    msg->u.bind.ld = ld;
    msg->u.bind.perst = p->perst;
    msg->u.bind.state = cxl_vcs_state_save(CXL_TYPE3(cxl_vcs_port_target(p,
                                                                         ld)));
    if (cxl_vcs_port_is_mld(p)) {
        msg->u.bind.has_ld_sizes = true;
        for (int k = cxl_vcs_port_lds(p) - 1; k >= 0; k--) {
            PCIDevice *t = cxl_vcs_port_target(p, k);

            QAPI_LIST_PREPEND(msg->u.bind.ld_sizes,
                              t ? CXL_TYPE3(t)->cxl_dstate.static_mem_size
                                : 0);
        }
    }
    cxl_vcs_link_send(l, msg);
}

void cxl_vcs_remote_detach(CXLVCSSwitch *s, unsigned port, unsigned ld,
                           CXLVCSUnbindOption option)
{
    CXLVCSBinding *b = &s->ports[port].ld[ld];
    g_autoptr(CxlFabricMessage) msg =
        cxl_vcs_remote_msg(CXL_FABRIC_MESSAGE_TYPE_UNBIND);

    msg->u.unbind.vcs = b->vcs;
    msg->u.unbind.vppb = b->vppb;
    msg->u.unbind.option = (CxlFabricUnbindOption)option;
    cxl_vcs_link_send(cxl_vcs_vcs_link(s, b->vcs), msg);
}

/* For each host process with a binding of @port: @fn(link, vcs) */
static void cxl_vcs_remote_each(CXLVCSSwitch *s, unsigned port,
                                void (*fn)(CXLVCSLink *l, unsigned vcs,
                                           unsigned port, bool perst))
{
    CXLVCSPhysPort *p = &s->ports[port];
    GList *done = NULL;

    for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
        CXLVCSBinding *b = &p->ld[ld];
        CXLVCSLink *l = cxl_vcs_binding_remote(s, b) ?
                        cxl_vcs_vcs_link(s, b->vcs) : NULL;

        if (l && !g_list_find(done, l)) {
            done = g_list_prepend(done, l);
            fn(l, b->vcs, port, p->perst);
        }
    }
    g_list_free(done);
}

static void cxl_vcs_remote_send_perst(CXLVCSLink *l, unsigned vcs,
                                      unsigned port, bool perst)
{
    g_autoptr(CxlFabricMessage) msg =
        cxl_vcs_remote_msg(CXL_FABRIC_MESSAGE_TYPE_PERST);

    msg->u.perst.port = port;
    msg->u.perst.asserted = perst;
    cxl_vcs_link_send(l, msg);
}

void cxl_vcs_remote_perst(CXLVCSSwitch *s, unsigned port)
{
    cxl_vcs_remote_each(s, port, cxl_vcs_remote_send_perst);
}

static void cxl_vcs_remote_send_reset(CXLVCSLink *l, unsigned vcs,
                                      unsigned port, bool perst)
{
    g_autoptr(CxlFabricMessage) msg =
        cxl_vcs_remote_msg(CXL_FABRIC_MESSAGE_TYPE_RESET);

    msg->u.reset.vcs = vcs;
    msg->u.reset.has_port = true;
    msg->u.reset.port = port;
    cxl_vcs_link_send(l, msg);
}

void cxl_vcs_remote_reset_port(CXLVCSSwitch *s, unsigned port)
{
    cxl_vcs_remote_each(s, port, cxl_vcs_remote_send_reset);
}

void cxl_vcs_remote_reset_vcs(CXLVCSSwitch *s, unsigned vcs)
{
    g_autoptr(CxlFabricMessage) msg =
        cxl_vcs_remote_msg(CXL_FABRIC_MESSAGE_TYPE_RESET);

    msg->u.reset.vcs = vcs;
    cxl_vcs_link_send(cxl_vcs_vcs_link(s, vcs), msg);
}

void cxl_vcs_remote_unresponsive(CXLVCSSwitch *s, unsigned vcs)
{
    CXLVCSLink *l = cxl_vcs_vcs_link(s, vcs);

    cxl_vcs_link_refuse(l, "no answer to a bind in %d ms",
                        CXL_VCS_REMOTE_BIND_TIMEOUT_MS);
    cxl_vcs_link_close_refused(l);
}

/*
 * Send request @msg, whose id is @id, to the host process of VCS @vcs;
 * its reply, or NULL if it has none (the connection is then closed)
 */
static CxlFabricReply *cxl_vcs_remote_request(CXLVCSSwitch *s, unsigned vcs,
                                              CxlFabricMessage *msg,
                                              uint32_t id)
{
    return cxl_vcs_link_request(cxl_vcs_vcs_link(s, vcs), msg, id,
                                CXL_VCS_REMOTE_REQUEST_MS);
}

CXLRetCode cxl_vcs_remote_aer(CXLVCSSwitch *s, unsigned vcs,
                              unsigned instance, uint32_t error,
                              const uint8_t *tlp, size_t tlp_len)
{
    g_autoptr(CxlFabricMessage) msg =
        cxl_vcs_remote_msg(CXL_FABRIC_MESSAGE_TYPE_AER);
    g_autoptr(CxlFabricReply) reply = NULL;
    CxlFabricAer *aer = &msg->u.aer;

    aer->id = cxl_vcs_link_next_id(cxl_vcs_vcs_link(s, vcs));
    aer->vcs = vcs;
    aer->instance = instance;
    aer->error = error;
    aer->tlp_header_log = g_base64_encode(tlp, tlp_len);
    reply = cxl_vcs_remote_request(s, vcs, msg, aer->id);
    return reply ? reply->rc : CXL_MBOX_INTERNAL_ERROR;
}

CXLRetCode cxl_vcs_remote_config(CXLVCSSwitch *s, unsigned vcs, int vppb,
                                 uint32_t request, uint32_t data,
                                 uint32_t *out)
{
    g_autoptr(CxlFabricMessage) msg =
        cxl_vcs_remote_msg(CXL_FABRIC_MESSAGE_TYPE_CONFIG);
    g_autoptr(CxlFabricReply) reply = NULL;
    CxlFabricConfig *cfg = &msg->u.config;

    cfg->id = cxl_vcs_link_next_id(cxl_vcs_vcs_link(s, vcs));
    cfg->vcs = vcs;
    cfg->has_vppb = vppb >= 0;
    cfg->vppb = vppb >= 0 ? vppb : 0;
    cfg->request = request;
    cfg->data = data;
    reply = cxl_vcs_remote_request(s, vcs, msg, cfg->id);
    if (!reply) {
        return CXL_MBOX_INTERNAL_ERROR;
    }
    *out = reply->has_data ? reply->data : 0;
    return reply->rc;
}

/* A CCI of the FM's that passes its commands to a host process's */
typedef struct CXLVCSProxy {
    CXLCCI cci;
    CXLVCSSwitch *s;
    unsigned port, ld;
} CXLVCSProxy;

static int cxl_vcs_proxy_process(CXLCCI *cci, uint8_t set, uint8_t cmd,
                                 size_t len_in, uint8_t *pl_in,
                                 size_t *len_out, uint8_t *pl_out,
                                 bool *bg_started)
{
    CXLVCSProxy *x = container_of(cci, CXLVCSProxy, cci);
    CXLVCSSwitch *s = x->s;
    CXLVCSPhysPort *p = &s->ports[x->port];
    CXLVCSBinding *b = &p->ld[x->ld];
    g_autoptr(CxlFabricMessage) msg = NULL;
    g_autoptr(CxlFabricReply) reply = NULL;
    g_autofree uint8_t *out = NULL;
    gsize len = 0;

    /* Unbound meanwhile: the device is this process's again */
    if (!cxl_vcs_binding_remote(s, b)) {
        return CXL_MBOX_INTERNAL_ERROR;
    }
    msg = cxl_vcs_remote_msg(CXL_FABRIC_MESSAGE_TYPE_CCI);
    msg->u.cci.id = cxl_vcs_link_next_id(cxl_vcs_vcs_link(s, b->vcs));
    msg->u.cci.port = x->port;
    msg->u.cci.has_ld = cxl_vcs_port_is_mld(p);
    msg->u.cci.ld = x->ld;
    msg->u.cci.opcode = set << 8 | cmd;
    msg->u.cci.payload = g_base64_encode(pl_in, len_in);
    reply = cxl_vcs_remote_request(s, b->vcs, msg, msg->u.cci.id);
    if (!reply) {
        return CXL_MBOX_INTERNAL_ERROR;
    }
    if (reply->payload) {
        out = g_base64_decode(reply->payload, &len);
    }
    if (len > cci->payload_max) {
        return CXL_MBOX_INTERNAL_ERROR;
    }
    memcpy(pl_out, out, len);
    *len_out = len;
    return reply->rc;
}

static const CXLCCIOps cxl_vcs_proxy_ops = {
    .process = cxl_vcs_proxy_process,
};

CXLCCI *cxl_vcs_remote_cci(CXLVCSSwitch *s, unsigned port, unsigned ld)
{
    CXLVCSPhysPort *p = &s->ports[port];
    CXLVCSProxy *x;

    if (!p->proxy[ld]) {
        x = g_new0(CXLVCSProxy, 1);
        x->s = s;
        x->port = port;
        x->ld = ld;
        x->cci.ops = &cxl_vcs_proxy_ops;
        x->cci.payload_max = CXL_MAILBOX_MAX_PAYLOAD_SIZE;
        p->proxy[ld] = &x->cci;
    }
    return p->proxy[ld];
}

void cxl_vcs_fm_links_start(CXLVCSSwitch *s)
{
    for (GList *e = s->links; e; e = e->next) {
        cxl_vcs_link_start(e->data);
    }
}
