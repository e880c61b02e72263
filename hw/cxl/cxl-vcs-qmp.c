/*
 * QMP query-cxl-vcs and HMP info cxl-vcs: the multi-VCS switches' VCSs,
 * vPPBs, physical downstream ports and bindings.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-cxl-vcs.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "cxl-vcs.h"

static const CxlVcsBindingState cxl_vcs_qapi_state[] = {
    [CXL_VCS_UNBOUND] = CXL_VCS_BINDING_STATE_UNBOUND,
    [CXL_VCS_BIND_IN_PROGRESS] = CXL_VCS_BINDING_STATE_BIND_IN_PROGRESS,
    [CXL_VCS_BOUND] = CXL_VCS_BINDING_STATE_BOUND,
    [CXL_VCS_UNBIND_IN_PROGRESS] = CXL_VCS_BINDING_STATE_UNBIND_IN_PROGRESS,
};

static CxlVcsInfo *cxl_vcs_info(CXLVCSSwitch *s, unsigned vcs)
{
    CxlVcsInfo *info = g_new0(CxlVcsInfo, 1);
    CxlVcsVppbInfoList **tail = &info->vppbs;
    unsigned n = cxl_vcs_num_vppbs(s, vcs);

    info->vcs_id = vcs;
    info->enabled = cxl_vcs_present(s, vcs);
    info->usp_port = cxl_vcs_usp_port_id(s, vcs);
    if (s->vcss[vcs].usp) {
        info->usp = object_get_canonical_path(OBJECT(s->vcss[vcs].usp));
    }
    if (s->vcss[vcs].link) {
        info->host = g_strdup(cxl_vcs_link_name(s->vcss[vcs].link));
    }
    for (unsigned vppb = 0; vppb < n; vppb++) {
        CxlVcsVppbInfo *v = g_new0(CxlVcsVppbInfo, 1);
        unsigned ld;
        int port = cxl_vcs_vppb_binding(s, vcs, vppb, &ld);
        CXLVCSPhysPort *p = port >= 0 ? &s->ports[port] : NULL;
        PCIDevice *dsp = cxl_vcs_vppb_port(s, vcs, vppb);

        v->vppb = vppb;
        v->port = dsp ? object_get_canonical_path(OBJECT(dsp)) : NULL;
        v->state = CXL_VCS_BINDING_STATE_UNBOUND;
        if (p) {
            v->state = cxl_vcs_qapi_state[p->ld[ld].state];
            v->has_phys_port = true;
            v->phys_port = port;
            v->device = g_strdup(cxl_vcs_device_id(p));
            if (cxl_vcs_port_is_mld(p)) {
                v->has_ld_id = true;
                v->ld_id = ld;
            }
        }
        QAPI_LIST_APPEND(tail, v);
    }
    return info;
}

static uint64_t cxl_vcs_capacity(CXLType3Dev *ct3d)
{
    return ct3d->cxl_dstate.static_mem_size + ct3d->dc.total_capacity;
}

static CxlVcsLdInfo *cxl_vcs_ld_info(CXLVCSPhysPort *p, unsigned ld)
{
    CxlVcsLdInfo *info = g_new0(CxlVcsLdInfo, 1);
    PCIDevice *target = cxl_vcs_port_target(p, ld);
    CXLVCSBinding *b = &p->ld[ld];

    info->ld_id = ld;
    info->capacity = target ? cxl_vcs_capacity(CXL_TYPE3(target)) : 0;
    info->realized = target && DEVICE(target)->realized;
    info->state = cxl_vcs_qapi_state[b->state];
    if (b->state != CXL_VCS_UNBOUND) {
        info->has_vcs_id = info->has_vppb = true;
        info->vcs_id = b->vcs;
        info->vppb = b->vppb;
    }
    return info;
}

/* The extents of the dynamic capacity of @ct3d: accepted and pending */
static void cxl_vcs_dc_info(CxlVcsPhysPortInfo *info, CXLType3Dev *ct3d)
{
    CXLDCExtentGroup *group;
    CXLDCExtent *ext;

    info->has_dc_extents = info->has_dc_pending_extents = true;
    QTAILQ_FOREACH(ext, &ct3d->dc.extents, node) {
        info->dc_extents++;
    }
    QTAILQ_FOREACH(group, &ct3d->dc.extents_pending, node) {
        QTAILQ_FOREACH(ext, &group->list, node) {
            info->dc_pending_extents++;
        }
    }
}

/* The downstream ports of the switch @sub, and what is below each */
static void cxl_vcs_switch_ports_info(CxlVcsPhysPortInfo *info,
                                      CXLVCSSubSwitch *sub)
{
    CxlVcsSwitchPortInfoList **tail = &info->switch_ports;
    const char *usp = cxl_vcs_subswitch_id(sub);
    CXLVCSMember *m, *below;

    info->has_switch_ports = true;
    QTAILQ_FOREACH(m, &sub->members, next) {
        CxlVcsSwitchPortInfo *port;

        if (!m->bus || strcmp(m->bus, usp)) {
            continue;
        }
        port = g_new0(CxlVcsSwitchPortInfo, 1);
        port->port = m->port;
        port->id = g_strdup(m->id);
        QTAILQ_FOREACH(below, &sub->members, next) {
            if (m->id && below->bus && !strcmp(below->bus, m->id)) {
                port->device = g_strdup(below->id);
            }
        }
        QAPI_LIST_APPEND(tail, port);
    }
}

static CxlVcsPhysPortInfo *cxl_vcs_port_info(CXLVCSSwitch *s, unsigned i)
{
    CxlVcsPhysPortInfo *info = g_new0(CxlVcsPhysPortInfo, 1);
    CXLVCSPhysPort *p = &s->ports[i];
    CxlVcsLdInfoList **tail = &info->lds;
    CXLType3Dev *ct3d = p->dev ? CXL_TYPE3(p->dev) : NULL;
    CXLVCSBindState state = CXL_VCS_UNBOUND;

    info->phys_port = i;
    info->present = cxl_vcs_port_present(p);
    info->device = g_strdup(cxl_vcs_device_id(p));
    if (!info->present) {
        info->state = CXL_VCS_BINDING_STATE_UNBOUND;
        return info;
    }
    if (p->sub) {
        cxl_vcs_switch_ports_info(info, p->sub);
    } else {
        info->has_capacity = true;
        info->capacity = cxl_vcs_capacity(ct3d);
    }
    if (ct3d && ct3d->dc.num_regions) {
        cxl_vcs_dc_info(info, ct3d);
    }
    if (!cxl_vcs_port_is_mld(p)) {
        info->has_realized = true;
        /* A switch exists while it is bound */
        info->realized = ct3d ? p->dev->realized : p->ld[0].function != NULL;
        state = p->ld[0].state;
        if (state != CXL_VCS_UNBOUND) {
            info->has_vcs_id = info->has_vppb = true;
            info->vcs_id = p->ld[0].vcs;
            info->vppb = p->ld[0].vppb;
        }
    } else {
        info->has_lds = true;
        for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
            QAPI_LIST_APPEND(tail, cxl_vcs_ld_info(p, ld));
        }
        if (s->cmd.port == i) {
            state = p->ld[s->cmd.ld].state;
        } else if (cxl_vcs_port_bound(p)) {
            state = CXL_VCS_BOUND;
        }
    }
    info->state = cxl_vcs_qapi_state[state];
    return info;
}

CxlVcsSwitchInfoList *qmp_query_cxl_vcs(Error **errp)
{
    CxlVcsSwitchInfoList *head = NULL, **tail = &head;
    CXLVCSSwitch *s = NULL;

    while ((s = cxl_vcs_switch_next(s))) {
        CxlVcsSwitchInfo *info = g_new0(CxlVcsSwitchInfo, 1);
        CxlVcsInfoList **vcs_tail = &info->vcss;
        CxlVcsPhysPortInfoList **port_tail = &info->ports;

        info->id = g_strdup(object_get_canonical_path_component(OBJECT(s)));
        info->local_fm = s->local_fm;
        if (!s->local_fm) {
            info->has_registered = true;
            info->registered = s->registered;
        }
        /* A host process shows its own VCSs and devices only */
        for (unsigned vcs = 0; vcs < s->num_usp; vcs++) {
            if (s->local_fm || s->vcss[vcs].usp) {
                QAPI_LIST_APPEND(vcs_tail, cxl_vcs_info(s, vcs));
            }
        }
        for (unsigned i = 0; i < s->num_dsp; i++) {
            if (s->local_fm || s->ports[i].dev) {
                QAPI_LIST_APPEND(port_tail, cxl_vcs_port_info(s, i));
            }
        }
        QAPI_LIST_APPEND(tail, info);
    }
    return head;
}

/* Last component of a QOM path: the id of a device that has one */
static const char *cxl_vcs_short(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;

    return slash ? slash + 1 : (path ? path : "-");
}

/* An LD of an MLD, below its port's line */
static void cxl_vcs_hmp_ld(Monitor *mon, CxlVcsLdInfo *ld)
{
    g_autofree char *name = g_strdup_printf("LD %u, %" PRIu64 " MiB",
                                            ld->ld_id, ld->capacity / MiB);
    g_autofree char *vcs = ld->has_vcs_id ?
        g_strdup_printf("%u", ld->vcs_id) : g_strdup("-");
    g_autofree char *vppb = ld->has_vppb ?
        g_strdup_printf("%u", ld->vppb) : g_strdup("-");
    const char *state = CxlVcsBindingState_str(ld->state);

    if (ld->state == CXL_VCS_BINDING_STATE_UNBOUND) {
        state = "hidden";
    }
    monitor_printf(mon, "      %-21s %-20s %-9s %s\n", name, state, vcs, vppb);
}

/* A downstream port of a switch on a physical port, below the port's line */
static void cxl_vcs_hmp_switch_port(Monitor *mon, CxlVcsSwitchPortInfo *sp)
{
    g_autofree char *name = g_strdup_printf("switch port %u", sp->port);

    monitor_printf(mon, "      %-21s %-20s %s\n", name, sp->id ?: "(no id)",
                   sp->device ?: "-");
}

void hmp_info_cxl_vcs(Monitor *mon, const QDict *qdict)
{
    g_autoptr(CxlVcsSwitchInfoList) list = qmp_query_cxl_vcs(NULL);

    if (!list) {
        monitor_printf(mon, "No cxl-vcs-switch objects\n");
        return;
    }
    for (CxlVcsSwitchInfoList *l = list; l; l = l->next) {
        CxlVcsSwitchInfo *sw = l->value;

        monitor_printf(mon, "cxl-vcs-switch %s%s\n", sw->id,
                       sw->local_fm ? "" : sw->registered ?
                       " (host process, registered)" :
                       " (host process, not registered)");
        for (CxlVcsInfoList *v = sw->vcss; v; v = v->next) {
            CxlVcsInfo *vcs = v->value;

            monitor_printf(mon, "  VCS %u: %s, upstream port %u (%s)\n",
                           vcs->vcs_id,
                           vcs->enabled ? "enabled" : "disabled",
                           vcs->usp_port, vcs->host ? vcs->host :
                           cxl_vcs_short(vcs->usp));
            if (!vcs->vppbs) {
                continue;
            }
            monitor_printf(mon, "    %-5s %-18s %-20s %-9s %s\n", "vPPB",
                           "port", "state", "phys-port", "device");
            for (CxlVcsVppbInfoList *e = vcs->vppbs; e; e = e->next) {
                CxlVcsVppbInfo *vppb = e->value;
                g_autofree char *phys = vppb->has_phys_port ?
                    g_strdup_printf("%u", vppb->phys_port) : g_strdup("-");

                monitor_printf(mon, "    %-5u %-18s %-20s %-9s %s\n",
                               vppb->vppb, cxl_vcs_short(vppb->port),
                               CxlVcsBindingState_str(vppb->state), phys,
                               vppb->device ?: "-");
            }
        }
        monitor_printf(mon, "  Physical downstream ports:\n");
        monitor_printf(mon, "    %-5s %-18s %-20s %-9s %s\n", "port",
                       "device", "state", "VCS", "vPPB");
        for (CxlVcsPhysPortInfoList *e = sw->ports; e; e = e->next) {
            CxlVcsPhysPortInfo *port = e->value;
            const char *state = CxlVcsBindingState_str(port->state);
            g_autofree char *vcs = port->has_vcs_id ?
                g_strdup_printf("%u", port->vcs_id) : g_strdup("-");
            g_autofree char *vppb = port->has_vppb ?
                g_strdup_printf("%u", port->vppb) : g_strdup("-");

            if (!port->present) {
                state = "empty";
            } else if (port->state == CXL_VCS_BINDING_STATE_UNBOUND) {
                state = "hidden";
            }
            monitor_printf(mon, "    %-5u %-18s %-20s %-9s %s\n",
                           port->phys_port,
                           port->device ?: (port->present ? "(no id)" : "-"),
                           state, vcs, vppb);
            for (CxlVcsLdInfoList *ld = port->lds; ld; ld = ld->next) {
                cxl_vcs_hmp_ld(mon, ld->value);
            }
            for (CxlVcsSwitchPortInfoList *sp = port->switch_ports; sp;
                 sp = sp->next) {
                cxl_vcs_hmp_switch_port(mon, sp->value);
            }
        }
    }
}
