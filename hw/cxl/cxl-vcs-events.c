/*
 * CXL multi-VCS switch: event records, CXL r3.2 sections 8.2.10.2 and
 * 7.6.8, Tables 7-58 (Physical Switch Event Record) and 7-59 (Virtual
 * CXL Switch Event Record).
 *
 * The records go to the switch's own event logs, which all its CCIs
 * share; upstream's Events commands read and clear them.  When a log
 * gains its first record, each CCI's transport signals it if the FM
 * asked that transport to (cxl_cci_event_policy_signal()).
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/pci/pcie.h"
#include "hw/cxl/cxl.h"
#include "cxl-vcs.h"
#include "trace.h"

static const QemuUUID cxl_vcs_event_uuid = {
    .data = UUID(0x40d26425, 0x3396, 0x4c4d,
                 0xa5, 0xda, 0x3d, 0x47, 0x26, 0x3a, 0xf4, 0x25),
};
static const QemuUUID cxl_phys_switch_event_uuid = {
    .data = UUID(0x77cf9271, 0x9c02, 0x470b,
                 0x9f, 0xe4, 0xbc, 0x7b, 0x75, 0xf2, 0xda, 0x97),
};

#define CXL_EVENT_SEVERITY_INFO 0
#define CXL_EVENT_SEVERITY_WARN 1

/* CXL r3.2 Table 7-59: Virtual CXL Switch Event Record */
typedef struct CXLVCSEventRecord {
    CXLEventRecordHdr hdr;
    uint8_t vcs_id;
    uint8_t vppb_id;
    uint8_t event_type;
    uint8_t binding_status;
    uint8_t port_id;
    uint8_t ld_id;
    uint16_t link_control;
    uint16_t slot_control;
    uint8_t rsvd[0x46];
} QEMU_PACKED CXLVCSEventRecord;
QEMU_BUILD_BUG_ON(sizeof(CXLVCSEventRecord) != CXL_EVENT_RECORD_SIZE);

/* CXL r3.2 Table 7-58: Physical Switch Event Record */
typedef struct CXLPhysSwitchEventRecord {
    CXLEventRecordHdr hdr;
    uint8_t port_id;
    uint8_t event_type;
    uint16_t slot_status;
    uint8_t rsvd;
    /* Get Physical Port State's port information from byte 1 on */
    uint8_t port_state[sizeof(CXLPortInfoBlock) - 1];
    uint8_t rsvd2[0x3c];
} QEMU_PACKED CXLPhysSwitchEventRecord;
QEMU_BUILD_BUG_ON(sizeof(CXLPhysSwitchEventRecord) != CXL_EVENT_RECORD_SIZE);

#define CXL_VCS_EVENT_BINDING_CHANGE 0x00
#define CXL_PHYS_SWITCH_EVENT_LINK_STATE 0x00
#define CXL_PHYS_SWITCH_EVENT_SLOT_STATUS 0x01
/* CXL r3.2 Table 7-52: binding status */
#define CXL_VPPB_UNBOUND 0x00
#define CXL_VPPB_BOUND_PORT 0x02
#define CXL_VPPB_BOUND_LD 0x03

static uint16_t cxl_vcs_exp_read(PCIDevice *port, unsigned reg)
{
    return port->config_read(port, port->exp.exp_cap + reg, 2);
}

static void cxl_vcs_event_insert(CXLVCSSwitch *s, CXLEventLogType log,
                                 const QemuUUID *uuid, void *record)
{
    CXLEventRecordHdr *hdr = record;
    CXLVCSCCI *c;

    hdr->id = *uuid;
    hdr->length = CXL_EVENT_RECORD_SIZE;
    hdr->flags[0] = log == CXL_EVENT_TYPE_INFO ? CXL_EVENT_SEVERITY_INFO :
                                                 CXL_EVENT_SEVERITY_WARN;
    trace_cxl_vcs_event(cxl_vcs_id(s), log, uuid == &cxl_vcs_event_uuid);
    /* The log was empty: each transport signals it if asked to */
    if (!cxl_event_insert(&s->events, log, record)) {
        return;
    }
    CXL_VCS_FOREACH_CCI(c, s) {
        cxl_cci_event_policy_signal(&c->events, log);
    }
}

void cxl_vcs_event_binding(CXLVCSSwitch *s, unsigned vcs, unsigned vppb,
                           int port, unsigned ld_id, bool ok)
{
    PCIDevice *dsp = cxl_vcs_vppb_port(s, vcs, vppb);
    bool ld = port >= 0 && ld_id != CXL_VCS_LD_ID_NONE;
    CXLVCSEventRecord rec = {
        .vcs_id = vcs,
        .vppb_id = vppb,
        .event_type = CXL_VCS_EVENT_BINDING_CHANGE,
        .binding_status = port < 0 ? CXL_VPPB_UNBOUND :
                          ld ? CXL_VPPB_BOUND_LD : CXL_VPPB_BOUND_PORT,
        .port_id = port >= 0 ? port : 0xff,
        .ld_id = ld ? ld_id : 0xff,
    };

    if (dsp) {
        stw_le_p(&rec.link_control, cxl_vcs_exp_read(dsp, PCI_EXP_LNKCTL));
        stw_le_p(&rec.slot_control, cxl_vcs_exp_read(dsp, PCI_EXP_SLTCTL));
    } else if (vcs < s->num_usp && s->vcss[vcs].vppb_regs &&
               vppb < s->vcss[vcs].num_vppbs) {
        /* In a host process: as it reported them */
        stw_le_p(&rec.link_control,
                 s->vcss[vcs].vppb_regs[vppb].link_control);
        stw_le_p(&rec.slot_control,
                 s->vcss[vcs].vppb_regs[vppb].slot_control);
    }
    cxl_vcs_event_insert(s, ok ? CXL_EVENT_TYPE_INFO : CXL_EVENT_TYPE_WARN,
                         &cxl_vcs_event_uuid, &rec);
}

/*
 * The record carries the port's state now, as Get Physical Port State
 * reports it; a hot-add also its slot, which a device was added to
 * (presence detected, and changed).
 */
void cxl_vcs_event_port(CXLVCSSwitch *s, unsigned port, bool hot_add)
{
    CXLPhysSwitchEventRecord rec = {
        .port_id = port,
        .event_type = hot_add ? CXL_PHYS_SWITCH_EVENT_SLOT_STATUS :
                                CXL_PHYS_SWITCH_EVENT_LINK_STATE,
    };
    CXLSwitchPort st;
    CXLPortInfoBlock blk;

    cxl_vcs_port_state(s, port, &st);
    if (port < s->num_dsp && st.ppb != s->ports[port].ppb) {
        stw_le_p(&rec.slot_status, cxl_vcs_exp_read(st.ppb, PCI_EXP_SLTSTA));
    } else if (hot_add) {
        stw_le_p(&rec.slot_status, PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_PDC);
    }
    cxl_switch_port_info_block(port, &st, &blk);
    memcpy(rec.port_state, (uint8_t *)&blk + 1, sizeof(rec.port_state));
    cxl_vcs_event_insert(s, CXL_EVENT_TYPE_INFO, &cxl_phys_switch_event_uuid,
                         &rec);
}
