/*
 * CXL multi-VCS switch: the fabric manager's bind, unbind and port
 * control
 *
 * Bind and Unbind vPPB are background commands, one at a time for the
 * whole switch; cxl_vcs_complete() finishes them.  The process the VCS
 * is in does the work: this one (cxl-vcs-attach.c), or a host process
 * (cxl-vcs-fm-link.c), which reports back through the functions below:
 * cxl_vcs_bind_attached(), cxl_vcs_bind_released() and
 * cxl_vcs_bind_refused().
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
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
 * PERST# of port @port: the link to the device goes down or comes back
 * up, and the device is reset on either edge, by the process that holds
 * each binding of it.
 */
static void cxl_vcs_set_perst(CXLVCSSwitch *s, unsigned port, bool perst)
{
    trace_cxl_vcs_perst(cxl_vcs_id(s), port, perst);
    s->ports[port].perst = perst;
    cxl_vcs_fabric_update_link(s, port);
    cxl_vcs_attach_perst(s, port);
    cxl_vcs_remote_perst(s, port);
    cxl_vcs_event_port(s, port, false);
}

/* The device (or LD) being bound is attached below its vPPB, or not */
void cxl_vcs_bind_attached(CXLVCSSwitch *s, Error *err)
{
    unsigned port = s->cmd.port, ld = s->cmd.ld;
    CXLVCSPhysPort *p = &s->ports[port];
    CXLVCSBinding *b = &p->ld[ld];

    if (err) {
        if (cxl_vcs_port_is_mld(p)) {
            error_prepend(&err, "LD %u: ", ld);
        }
        error_prepend(&err, "cxl-vcs-switch '%s': binding physical port %u "
                      "to vPPB %u of VCS %u: ", cxl_vcs_id(s), port, b->vppb,
                      b->vcs);
        warn_report_err(err);
        cxl_vcs_release_binding(p, ld);
        cxl_vcs_complete(s, CXL_MBOX_INTERNAL_ERROR);
        return;
    }
    b->state = CXL_VCS_BOUND;
    if (cxl_vcs_port_is_mld(p) && cxl_vcs_binding_remote(s, b)) {
        cxl_mld_set_elsewhere(CXL_TYPE3(p->dev), ld,
                              cxl_vcs_remote_cci(s, port, ld));
    }
    if (p->perst) {
        cxl_vcs_event_port(s, port, false);
    }
    cxl_vcs_complete(s, CXL_MBOX_SUCCESS);
}

/* Attach the device (or LD) being bound below its vPPB */
static void cxl_vcs_start_attach(CXLVCSSwitch *s)
{
    Error *err = NULL;

    if (cxl_vcs_binding_remote(s, cxl_vcs_cmd_binding(s))) {
        s->cmd.waiting = true;
        timer_mod(s->cmd.timer, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) +
                  CXL_VCS_REMOTE_BIND_TIMEOUT_MS);
        cxl_vcs_remote_attach(s, s->cmd.port, s->cmd.ld);
        return;
    }
    cxl_vcs_attach(s, s->cmd.port, s->cmd.ld, &err);
    cxl_vcs_bind_attached(s, err);
}

/* The host refused to let the device (or LD) being unbound go */
void cxl_vcs_bind_refused(CXLVCSSwitch *s, Error *err)
{
    warn_report_err(err);
    cxl_vcs_cmd_binding(s)->state = CXL_VCS_BOUND;
    cxl_vcs_complete(s, CXL_MBOX_RETRY_REQUIRED);
}

/* Start the removal of the device (or LD) being unbound */
static void cxl_vcs_start_detach(CXLVCSSwitch *s)
{
    CXLVCSBinding *b = cxl_vcs_cmd_binding(s);
    Error *err = NULL;

    if (cxl_vcs_binding_remote(s, b)) {
        cxl_vcs_remote_detach(s, s->cmd.port, s->cmd.ld,
                              s->cmd.unbind_option);
    } else if (!cxl_vcs_detach(s, s->cmd.port, s->cmd.ld,
                               s->cmd.unbind_option, &err)) {
        cxl_vcs_bind_refused(s, err);
        return;
    }
    /* The device is gone already if the slot was powered off */
    if (s->cmd.port >= 0 && b->state == CXL_VCS_UNBIND_IN_PROGRESS) {
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

    if (!s->cmd.waiting) {
        if (b->state == CXL_VCS_BIND_IN_PROGRESS) {
            cxl_vcs_start_attach(s);
        } else {
            cxl_vcs_start_detach(s);
        }
    } else if (b->state == CXL_VCS_BIND_IN_PROGRESS) {
        /* A host process that does not answer is taken for gone */
        cxl_vcs_remote_unresponsive(s, b->vcs);
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

    if (!cxl_vcs_vppb_exists(s, vcs, vppb) || port >= s->num_dsp) {
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

    if (!cxl_vcs_vppb_exists(s, vcs, vppb) ||
        option > CXL_VCS_UNBIND_SURPRISE) {
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

/* Reset the upstream PPB of VCS @vcs and, below it, the whole VCS */
static void cxl_vcs_reset_vcs(CXLVCSSwitch *s, unsigned vcs)
{
    if (s->vcss[vcs].usp) {
        pci_device_reset(PCI_DEVICE(s->vcss[vcs].usp));
    } else {
        cxl_vcs_remote_reset_vcs(s, vcs);
    }
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
        (!p && (opcode != CXL_VCS_PORT_RESET ||
                !cxl_vcs_present(s, port - s->num_dsp)))) {
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
            cxl_vcs_reset_vcs(s, port - s->num_dsp);
        } else if (!p->perst) {
            /* (Held in reset, it is reset already) */
            for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
                cxl_vcs_reset_binding(s, port, ld);
            }
            cxl_vcs_remote_reset_port(s, port);
        }
        break;
    }
    return CXL_MBOX_SUCCESS;
}

/*
 * The host's function of binding @ld of @port went away, by an unbind or
 * by its host (its process going too)
 */
void cxl_vcs_bind_released(CXLVCSSwitch *s, unsigned port, unsigned ld)
{
    CXLVCSPhysPort *p = &s->ports[port];
    CXLVCSBinding *b = &p->ld[ld];
    CXLVCSBindState state = b->state;

    if (state == CXL_VCS_BIND_IN_PROGRESS) {
        /* Its process went away before it had attached the device */
        Error *err = NULL;

        error_setg(&err, "the host process went away");
        cxl_vcs_bind_attached(s, err);
        return;
    }
    cxl_vcs_release_binding(p, ld);
    if (state == CXL_VCS_UNBIND_IN_PROGRESS) {
        cxl_vcs_complete(s, CXL_MBOX_SUCCESS);
    } else {
        cxl_vcs_event_binding(s, b->vcs, b->vppb, -1, CXL_VCS_LD_ID_NONE,
                              true);
        cxl_vcs_event_port(s, port, false);
    }
}

void cxl_vcs_bind_init(CXLVCSSwitch *s)
{
    s->cmd.port = -1;
    s->cmd.timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, cxl_vcs_cmd_timer, s);
}

void cxl_vcs_bind_cleanup(CXLVCSSwitch *s)
{
    timer_free(s->cmd.timer);
}
