/*
 * FM-API command set of the multi-VCS CXL switch: Identify, the physical
 * switch commands (51xxh), the virtual switch commands (52xxh) and Tunnel
 * Management (5300h), CXL r3.2 sections 8.2.10.1.1 and 7.6.7.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_aer.h"
#include "hw/pci/msix.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_mailbox.h"
#include "hw/cxl/cxl_vcs_switch.h"
#include "trace.h"

enum {
    INFOSTAT = 0x00,
        #define IS_IDENTIFY 0x01
    EVENTS = 0x01,
        #define GET_RECORDS 0x00
        #define CLEAR_RECORDS 0x01
        #define GET_INTERRUPT_POLICY 0x02
        #define SET_INTERRUPT_POLICY 0x03
    TIMESTAMP = 0x03,
        #define GET 0x00
        #define SET 0x01
    TUNNEL = 0x53,
        #define MANAGEMENT_COMMAND 0x00
    PHYSICAL_SWITCH = 0x51,
        #define IDENTIFY_SWITCH_DEVICE 0x00
        #define GET_PHYSICAL_PORT_STATE 0x01
        #define PHYSICAL_PORT_CONTROL 0x02
        #define SEND_PPB_CONFIG_REQUEST 0x03
    VIRTUAL_SWITCH = 0x52,
        #define GET_VIRTUAL_CXL_SWITCH_INFO 0x00
        #define BIND_VPPB 0x01
        #define UNBIND_VPPB 0x02
        #define GENERATE_AER_EVENT 0x03
};

/* Identify: component type of a switch */
#define CXL_COMPONENT_SWITCH 0x00

/* Get Physical Port State, CXL r3.2 Table 7-22 */
#define CXL_PORT_CONFIG_DISABLED 0x0
#define CXL_PORT_CONFIG_BIND_IN_PROGRESS 0x1
#define CXL_PORT_CONFIG_UNBIND_IN_PROGRESS 0x2
#define CXL_PORT_CONFIG_DSP 0x3
#define CXL_PORT_CONFIG_USP 0x4
#define CXL_PORT_DEVICE_NONE 0x0
#define CXL_PORT_DEVICE_T3_SLD 0x4
#define CXL_PORT_MODE_68B_VH 0x2
#define CXL_PORT_CXL_VERSIONS 0x2
#define CXL_PORT_LTSSM_DETECT 0x0
#define CXL_PORT_LTSSM_L0 0x4
#define CXL_PORT_LINK_PERST (1 << 1)
#define CXL_PORT_LINK_PRSNT (1 << 2)

/* Get Virtual CXL Switch Info, CXL r3.2 Tables 7-51 and 7-52 */
#define CXL_VCS_STATE_DISABLED 0x00
#define CXL_VCS_STATE_ENABLED 0x01
#define CXL_VCS_STATE_INVALID 0xFF
#define CXL_VPPB_UNBOUND 0x00
#define CXL_VPPB_IN_PROGRESS 0x01
#define CXL_VPPB_BOUND_PORT 0x02
#define CXL_VPPB_NO_ID 0xFF

/* CXL r3.2 Table 8-38: Identify Output Payload */
typedef struct CXLIdentifyOut {
    uint16_t pcie_vid;
    uint16_t pcie_did;
    uint16_t pcie_subsys_vid;
    uint16_t pcie_subsys_id;
    uint64_t sn;
    uint8_t max_message_size;
    uint8_t component_type;
} QEMU_PACKED CXLIdentifyOut;
QEMU_BUILD_BUG_ON(sizeof(CXLIdentifyOut) != 18);

/* CXL r3.2 Table 7-20: Identify Switch Device Response Payload */
typedef struct CXLIdentifySwitchOut {
    uint8_t ingress_port_id;
    uint8_t rsvd;
    uint8_t num_physical_ports;
    uint8_t num_vcss;
    uint8_t active_port_bitmask[32];
    uint8_t active_vcs_bitmask[32];
    uint16_t total_vppbs;
    uint16_t bound_vppbs;
    uint8_t num_hdm_decoders_per_usp;
} QEMU_PACKED CXLIdentifySwitchOut;
QEMU_BUILD_BUG_ON(sizeof(CXLIdentifySwitchOut) != 0x49);

/* CXL r3.2 Table 7-21: Get Physical Port State Request Payload */
typedef struct CXLPhysPortStateIn {
    uint8_t num_ports;
    uint8_t ports[];
} QEMU_PACKED CXLPhysPortStateIn;

/* CXL r3.2 Table 7-23: Port Information Block */
typedef struct CXLPortInfo {
    uint8_t port_id;
    uint8_t config_state;
    uint8_t connected_device_mode;
    uint8_t rsvd;
    uint8_t connected_device_type;
    uint8_t supported_cxl_modes;
    uint8_t max_link_width;
    uint8_t negotiated_link_width;
    uint8_t supported_link_speeds;
    uint8_t max_link_speed;
    uint8_t current_link_speed;
    uint8_t ltssm_state;
    uint8_t first_lane;
    uint16_t link_state;
    uint8_t supported_ld_count;
} QEMU_PACKED CXLPortInfo;
QEMU_BUILD_BUG_ON(sizeof(CXLPortInfo) != 16);

/* CXL r3.2 Table 7-22: Get Physical Port State Response Payload */
typedef struct CXLPhysPortStateOut {
    uint8_t num_ports;
    uint8_t rsvd[3];
    CXLPortInfo ports[];
} QEMU_PACKED CXLPhysPortStateOut;
QEMU_BUILD_BUG_ON(sizeof(CXLPhysPortStateOut) != 4);

/* CXL r3.2 Table 7-50: Get Virtual CXL Switch Info Request Payload */
typedef struct CXLVCSInfoIn {
    uint8_t start_vppb;
    uint8_t vppb_list_limit;
    uint8_t num_vcs;
    uint8_t vcs_ids[];
} QEMU_PACKED CXLVCSInfoIn;
QEMU_BUILD_BUG_ON(sizeof(CXLVCSInfoIn) != 3);

/* CXL r3.2 Table 7-52: VCS Information List entry, and its vPPB entries */
typedef struct CXLVPPBInfo {
    uint8_t binding_status;
    uint8_t bound_port_id;
    uint8_t bound_ld_id;
    uint8_t rsvd;
} QEMU_PACKED CXLVPPBInfo;
QEMU_BUILD_BUG_ON(sizeof(CXLVPPBInfo) != 4);

typedef struct CXLVCSInfo {
    uint8_t vcs_id;
    uint8_t state;
    uint8_t usp_id;
    uint8_t num_vppbs;
    CXLVPPBInfo vppbs[];
} QEMU_PACKED CXLVCSInfo;
QEMU_BUILD_BUG_ON(sizeof(CXLVCSInfo) != 4);

/* CXL r3.2 Table 7-53: Bind vPPB Request Payload */
typedef struct CXLBindVPPBIn {
    uint8_t vcs_id;
    uint8_t vppb_id;
    uint8_t port_id;
    uint8_t rsvd;
    uint16_t ld_id;
} QEMU_PACKED CXLBindVPPBIn;
QEMU_BUILD_BUG_ON(sizeof(CXLBindVPPBIn) != 6);

/* CXL r3.2 Table 7-54: Unbind vPPB Request Payload */
typedef struct CXLUnbindVPPBIn {
    uint8_t vcs_id;
    uint8_t vppb_id;
    uint8_t option;
} QEMU_PACKED CXLUnbindVPPBIn;
QEMU_BUILD_BUG_ON(sizeof(CXLUnbindVPPBIn) != 3);

static CXLUpstreamPort *cxl_vcs_first_usp(CXLVCSSwitch *s)
{
    for (unsigned i = 0; i < s->num_usp; i++) {
        if (s->usp[i]) {
            return s->usp[i];
        }
    }
    return NULL;
}

/* Identify (0001h): the switch, as its first upstream port identifies */
static CXLRetCode cmd_vcs_identify(const struct cxl_cmd *cmd,
                                   uint8_t *payload_in, size_t len_in,
                                   uint8_t *payload_out, size_t *len_out,
                                   CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLUpstreamPort *usp = cxl_vcs_first_usp(s);
    CXLIdentifyOut *out = (void *)payload_out;
    PCIDevice *pdev = usp ? PCI_DEVICE(usp) :
        (PCIDevice *)object_dynamic_cast(OBJECT(cci->intf), TYPE_PCI_DEVICE);

    *out = (CXLIdentifyOut) {
        .max_message_size = ctz64(cci->payload_max),
        .component_type = CXL_COMPONENT_SWITCH,
    };
    if (pdev) {
        out->pcie_vid = cpu_to_le16(pci_get_word(pdev->config +
                                                 PCI_VENDOR_ID));
        out->pcie_did = cpu_to_le16(pci_get_word(pdev->config +
                                                 PCI_DEVICE_ID));
    }
    if (usp) {
        out->sn = cpu_to_le64(usp->sn);
    }
    *len_out = sizeof(*out);
    return CXL_MBOX_SUCCESS;
}

/* The physical port a command arrived on: the USP beside the mailbox */
static uint8_t cxl_vcs_ingress_port(CXLVCSSwitch *s, CXLCCI *cci)
{
    PCIDevice *intf = (PCIDevice *)object_dynamic_cast(OBJECT(cci->intf),
                                                       TYPE_PCI_DEVICE);

    for (unsigned vcs = 0; intf && vcs < s->num_usp; vcs++) {
        if (s->usp[vcs] &&
            pci_get_bus(PCI_DEVICE(s->usp[vcs])) == pci_get_bus(intf)) {
            return cxl_vcs_usp_port_id(s, vcs);
        }
    }
    return 0xFF;
}

static bool cxl_vcs_port_bound(CXLVCSPhysPort *p)
{
    return p->state == CXL_VCS_BOUND || p->state == CXL_VCS_UNBIND_IN_PROGRESS;
}

/* Identify Switch Device (5100h) */
static CXLRetCode cmd_vcs_identify_switch(const struct cxl_cmd *cmd,
                                          uint8_t *payload_in, size_t len_in,
                                          uint8_t *payload_out,
                                          size_t *len_out, CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLIdentifySwitchOut *out = (void *)payload_out;
    unsigned total = 0, bound = 0;

    *out = (CXLIdentifySwitchOut) {
        .ingress_port_id = cxl_vcs_ingress_port(s, cci),
        .num_physical_ports = s->num_dsp + s->num_usp,
        .num_vcss = s->num_usp,
        .num_hdm_decoders_per_usp = CXL_HDM_DECODER_COUNT,
    };
    for (unsigned i = 0; i < s->num_dsp; i++) {
        if (s->ports[i].opts) {
            out->active_port_bitmask[i / 8] |= 1 << (i % 8);
        }
        bound += cxl_vcs_port_bound(&s->ports[i]);
    }
    for (unsigned vcs = 0; vcs < s->num_usp; vcs++) {
        unsigned port = cxl_vcs_usp_port_id(s, vcs);

        if (s->usp[vcs]) {
            out->active_port_bitmask[port / 8] |= 1 << (port % 8);
            out->active_vcs_bitmask[vcs / 8] |= 1 << (vcs % 8);
            total += cxl_vcs_num_vppbs(s, vcs);
        }
    }
    out->total_vppbs = cpu_to_le16(total);
    out->bound_vppbs = cpu_to_le16(bound);
    *len_out = sizeof(*out);
    return CXL_MBOX_SUCCESS;
}

/*
 * Link fields of a port block from a port's PCIe capability, read the
 * way the host reads them: a downstream port's link status follows the
 * device below it.
 */
static uint32_t cxl_vcs_exp_read(PCIDevice *port, unsigned reg, int len)
{
    return port->config_read(port, port->exp.exp_cap + reg, len);
}

static void cxl_vcs_port_link(CXLPortInfo *info, PCIDevice *port, bool up)
{
    uint32_t lnkcap = cxl_vcs_exp_read(port, PCI_EXP_LNKCAP, 4);
    uint32_t lnkcap2 = cxl_vcs_exp_read(port, PCI_EXP_LNKCAP2, 4);
    uint16_t lnksta = cxl_vcs_exp_read(port, PCI_EXP_LNKSTA, 2);

    info->max_link_width = (lnkcap & PCI_EXP_LNKCAP_MLW) >> 4;
    info->max_link_speed = lnkcap & PCI_EXP_LNKCAP_SLS;
    info->supported_link_speeds = (lnkcap2 & PCI_EXP_LNKCAP2_SLS) >> 1;
    if (up) {
        info->negotiated_link_width = (lnksta & PCI_EXP_LNKSTA_NLW) >> 4;
        info->current_link_speed = lnksta & PCI_EXP_LNKSTA_CLS;
        info->ltssm_state = CXL_PORT_LTSSM_L0;
    }
}

static void cxl_vcs_port_info(CXLVCSSwitch *s, uint8_t id, CXLPortInfo *info)
{
    *info = (CXLPortInfo) {
        .port_id = id,
        .ltssm_state = CXL_PORT_LTSSM_DETECT,
    };
    if (id < s->num_dsp) {
        CXLVCSPhysPort *p = &s->ports[id];
        static const uint8_t config[] = {
            [CXL_VCS_UNBOUND] = CXL_PORT_CONFIG_DSP,
            [CXL_VCS_BIND_IN_PROGRESS] = CXL_PORT_CONFIG_BIND_IN_PROGRESS,
            [CXL_VCS_BOUND] = CXL_PORT_CONFIG_DSP,
            [CXL_VCS_UNBIND_IN_PROGRESS] = CXL_PORT_CONFIG_UNBIND_IN_PROGRESS,
        };
        uint16_t flags = 0;

        info->config_state = config[p->state];
        info->supported_cxl_modes = CXL_PORT_CXL_VERSIONS;
        if (p->opts) {
            info->connected_device_mode = CXL_PORT_MODE_68B_VH;
            info->connected_device_type = CXL_PORT_DEVICE_T3_SLD;
            flags |= CXL_PORT_LINK_PRSNT;
        }
        if (p->dev) {
            /* Bound: the link is the one below the vPPB's port */
            PCIDevice *dsp = cxl_vcs_vppb_port(s, p->vcs, p->vppb);

            cxl_vcs_port_link(info, dsp, cxl_vcs_exp_read(dsp, PCI_EXP_LNKSTA,
                                                          2) &
                              PCI_EXP_LNKSTA_DLLLA);
        }
        if (p->perst || (p->opts && !p->dev)) {
            /* Unbound, the device is held in reset, its link down */
            flags |= CXL_PORT_LINK_PERST;
        }
        info->link_state = cpu_to_le16(flags);
    } else if (s->usp[id - s->num_dsp]) {
        info->config_state = CXL_PORT_CONFIG_USP;
        info->connected_device_mode = CXL_PORT_MODE_68B_VH;
        info->supported_cxl_modes = CXL_PORT_CXL_VERSIONS;
        info->link_state = cpu_to_le16(CXL_PORT_LINK_PRSNT);
        cxl_vcs_port_link(info, PCI_DEVICE(s->usp[id - s->num_dsp]), true);
    } else {
        info->config_state = CXL_PORT_CONFIG_DISABLED;
    }
}

/* Get Physical Port State (5101h) */
static CXLRetCode cmd_vcs_get_phys_port_state(const struct cxl_cmd *cmd,
                                              uint8_t *payload_in,
                                              size_t len_in,
                                              uint8_t *payload_out,
                                              size_t *len_out, CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLPhysPortStateIn *in = (void *)payload_in;
    CXLPhysPortStateOut *out = (void *)payload_out;
    size_t size;

    if (len_in < sizeof(*in) || len_in != sizeof(*in) + in->num_ports) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    size = sizeof(*out) + sizeof(out->ports[0]) * in->num_ports;
    if (size > cci->payload_max) {
        return CXL_MBOX_INVALID_INPUT;
    }
    for (unsigned i = 0; i < in->num_ports; i++) {
        if (in->ports[i] >= s->num_dsp + s->num_usp) {
            return CXL_MBOX_INVALID_INPUT;
        }
    }
    memset(out, 0, sizeof(*out));
    out->num_ports = in->num_ports;
    for (unsigned i = 0; i < in->num_ports; i++) {
        cxl_vcs_port_info(s, in->ports[i], &out->ports[i]);
    }
    *len_out = size;
    return CXL_MBOX_SUCCESS;
}

/* CXL r3.2 Table 7-25: Physical Port Control Request Payload */
typedef struct CXLPhysPortControlIn {
    uint8_t ppb_id;
    uint8_t opcode;
} QEMU_PACKED CXLPhysPortControlIn;

/* Physical Port Control (5102h) */
static CXLRetCode cmd_vcs_phys_port_control(const struct cxl_cmd *cmd,
                                            uint8_t *payload_in,
                                            size_t len_in,
                                            uint8_t *payload_out,
                                            size_t *len_out, CXLCCI *cci)
{
    CXLPhysPortControlIn *in = (void *)payload_in;

    return cxl_vcs_port_control(cxl_vcs_from_cci(cci), in->ppb_id,
                                in->opcode);
}

/* CXL r3.2 Tables 7-26 and 7-27: Send PPB CXL.io Configuration Request */
typedef struct CXLPPBConfigIn {
    uint8_t ppb_id;
    uint8_t register_number;
    uint8_t ext_register_byte_enables;  /* 3:0 ext. register, 7:4 BE */
    uint8_t transaction_type;           /* bit 7: write */
    uint32_t data;
} QEMU_PACKED CXLPPBConfigIn;
QEMU_BUILD_BUG_ON(sizeof(CXLPPBConfigIn) != 8);

#define CXL_PPB_CONFIG_WRITE 0x80

/*
 * The PCI function of a physical port's PPB: an upstream port's
 * cxl-upstream; for a downstream port bound to a vPPB, the vPPB's
 * cxl-downstream, which stands for both in this model.
 */
static PCIDevice *cxl_vcs_ppb(CXLVCSSwitch *s, unsigned port)
{
    if (port < s->num_dsp) {
        CXLVCSPhysPort *p = &s->ports[port];

        return p->state == CXL_VCS_UNBOUND ? NULL :
               cxl_vcs_vppb_port(s, p->vcs, p->vppb);
    }
    if (port < s->num_dsp + s->num_usp && s->usp[port - s->num_dsp]) {
        return PCI_DEVICE(s->usp[port - s->num_dsp]);
    }
    return NULL;
}

/* Send PPB CXL.io Configuration Request (5103h) */
static CXLRetCode cmd_vcs_ppb_config(const struct cxl_cmd *cmd,
                                     uint8_t *payload_in, size_t len_in,
                                     uint8_t *payload_out, size_t *len_out,
                                     CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLPPBConfigIn *in = (void *)payload_in;
    PCIDevice *ppb = cxl_vcs_ppb(s, in->ppb_id);
    uint32_t addr = (in->ext_register_byte_enables & 0xf) << 8 |
                    (in->register_number & ~3);
    uint8_t be = in->ext_register_byte_enables >> 4;
    uint32_t data = ldl_le_p(&in->data), result = 0;

    /* PPBs are PCIe functions: every 12-bit address is in their space */
    if (!ppb) {
        return CXL_MBOX_INVALID_INPUT;
    }
    for (int i = 0; i < 4; i++) {
        if (!(be & BIT(i))) {
            continue;
        }
        if (in->transaction_type & CXL_PPB_CONFIG_WRITE) {
            ppb->config_write(ppb, addr + i, (data >> (8 * i)) & 0xff, 1);
        } else {
            result |= ppb->config_read(ppb, addr + i, 1) << (8 * i);
        }
    }
    stl_le_p(payload_out, result);
    *len_out = 4;
    return CXL_MBOX_SUCCESS;
}

/*
 * Get Virtual CXL Switch Info (5200h).  "Number of vPPBs" is the VCS's
 * total; the entries returned are those from the start vPPB on, up to
 * the list limit: min(limit, total - start).
 */
static CXLRetCode cmd_vcs_get_info(const struct cxl_cmd *cmd,
                                   uint8_t *payload_in, size_t len_in,
                                   uint8_t *payload_out, size_t *len_out,
                                   CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLVCSInfoIn *in = (void *)payload_in;
    size_t size = 4;

    if (len_in < sizeof(*in) || len_in != sizeof(*in) + in->num_vcs) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    if (in->num_vcs == 0 || in->vppb_list_limit == 0) {
        return CXL_MBOX_INVALID_INPUT;
    }
    for (unsigned i = 0; i < in->num_vcs; i++) {
        uint8_t vcs = in->vcs_ids[i];
        unsigned total = vcs < s->num_usp ? cxl_vcs_num_vppbs(s, vcs) : 0;
        unsigned n = total > in->start_vppb ? total - in->start_vppb : 0;
        CXLVCSInfo *info = (void *)(payload_out + size);

        n = MIN(n, in->vppb_list_limit);
        if (size + sizeof(*info) + n * sizeof(info->vppbs[0]) >
            cci->payload_max) {
            return CXL_MBOX_INVALID_INPUT;
        }
        *info = (CXLVCSInfo) {
            .vcs_id = vcs,
            .state = CXL_VCS_STATE_INVALID,
        };
        if (vcs < s->num_usp) {
            info->state = s->usp[vcs] ? CXL_VCS_STATE_ENABLED
                                      : CXL_VCS_STATE_DISABLED;
            info->usp_id = cxl_vcs_usp_port_id(s, vcs);
            info->num_vppbs = total;
        }
        for (unsigned j = 0; j < n; j++) {
            unsigned vppb = in->start_vppb + j;
            CXLVCSPhysPort *p = cxl_vcs_vppb_binding(s, vcs, vppb);
            CXLVPPBInfo *e = &info->vppbs[j];

            *e = (CXLVPPBInfo) {
                .binding_status = CXL_VPPB_UNBOUND,
                .bound_port_id = CXL_VPPB_NO_ID,
                .bound_ld_id = CXL_VPPB_NO_ID,
            };
            if (p) {
                e->binding_status = p->state == CXL_VCS_BOUND ?
                    CXL_VPPB_BOUND_PORT : CXL_VPPB_IN_PROGRESS;
                e->bound_port_id = p - s->ports;
            }
        }
        size += sizeof(*info) + n * sizeof(info->vppbs[0]);
    }
    memset(payload_out, 0, 4);
    payload_out[0] = in->num_vcs;
    *len_out = size;
    return CXL_MBOX_SUCCESS;
}

/* Bind vPPB (5201h) */
static CXLRetCode cmd_vcs_bind_vppb(const struct cxl_cmd *cmd,
                                    uint8_t *payload_in, size_t len_in,
                                    uint8_t *payload_out, size_t *len_out,
                                    CXLCCI *cci)
{
    CXLBindVPPBIn *in = (void *)payload_in;

    return cxl_vcs_bind(cxl_vcs_from_cci(cci), cci, in->vcs_id, in->vppb_id,
                        in->port_id, le16_to_cpu(in->ld_id));
}

/* Unbind vPPB (5202h) */
static CXLRetCode cmd_vcs_unbind_vppb(const struct cxl_cmd *cmd,
                                      uint8_t *payload_in, size_t len_in,
                                      uint8_t *payload_out, size_t *len_out,
                                      CXLCCI *cci)
{
    CXLUnbindVPPBIn *in = (void *)payload_in;

    return cxl_vcs_unbind(cxl_vcs_from_cci(cci), cci, in->vcs_id,
                          in->vppb_id, in->option & 0xF);
}

/* CXL r3.2 Table 7-57: Generate AER Event Request Payload */
typedef struct CXLGenerateAERIn {
    uint8_t vcs_id;
    uint8_t vppb_instance;
    uint8_t rsvd[2];
    uint32_t error;             /* bits 4:0 status bit, bit 31 severity */
    uint8_t tlp_header_log[32];
} QEMU_PACKED CXLGenerateAERIn;
QEMU_BUILD_BUG_ON(sizeof(CXLGenerateAERIn) != 40);

#define CXL_AER_BIT_MASK 0x1f
#define CXL_AER_UNCORRECTABLE (1u << 31)

/*
 * vPPB instance @instance of VCS @vcs: 0 is its upstream port, 1.. its
 * downstream ports in device/function order.
 */
static PCIDevice *cxl_vcs_vppb_instance(CXLVCSSwitch *s, unsigned vcs,
                                        unsigned instance)
{
    PCIBus *bus;

    if (vcs >= s->num_usp || !s->usp[vcs]) {
        return NULL;
    }
    if (instance == 0) {
        return PCI_DEVICE(s->usp[vcs]);
    }
    bus = pci_bridge_get_sec_bus(PCI_BRIDGE(s->usp[vcs]));
    for (int devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *dev = bus->devices[devfn];

        if (dev && object_dynamic_cast(OBJECT(dev), TYPE_CXL_DSP) &&
            --instance == 0) {
            return dev;
        }
    }
    return NULL;
}

/*
 * Generate AER Event (5203h): the error as the vPPB would signal it to
 * the host bound to the VCS, through QEMU's AER injection, which honours
 * that host's mask and severity registers.
 */
static CXLRetCode cmd_vcs_generate_aer(const struct cxl_cmd *cmd,
                                       uint8_t *payload_in, size_t len_in,
                                       uint8_t *payload_out,
                                       size_t *len_out, CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLGenerateAERIn *in = (void *)payload_in;
    PCIDevice *dev = cxl_vcs_vppb_instance(s, in->vcs_id, in->vppb_instance);
    uint32_t error = ldl_le_p(&in->error);
    PCIEAERErr err = {
        .status = 1u << (error & CXL_AER_BIT_MASK),
        .flags = error & CXL_AER_UNCORRECTABLE ? 0 :
                 PCIE_AER_ERR_IS_CORRECTABLE,
    };
    int ret;

    if (!dev) {
        return CXL_MBOX_INVALID_INPUT;
    }
    err.source_id = pci_requester_id(dev);
    /*
     * The log holds the TLP's bytes in order.  QEMU's AER model stores
     * each DW big-endian in the Header Log, so reading the bytes
     * little-endian puts TLP byte 0 in bits 31:24 of the register, as
     * PCIe has it.
     */
    for (int i = 0; i < 4; i++) {
        err.header[i] = ldl_le_p(in->tlp_header_log + 4 * i);
        err.prefix[i] = ldl_le_p(in->tlp_header_log + 16 + 4 * i);
        if (err.header[i]) {
            err.flags |= PCIE_AER_ERR_HEADER_VALID;
        }
        if (err.prefix[i]) {
            err.flags |= PCIE_AER_ERR_TLP_PREFIX_PRESENT;
        }
    }
    ret = pcie_aer_inject_error(dev, &err);
    trace_cxl_vcs_aer(object_get_canonical_path_component(OBJECT(s)),
                      in->vcs_id, in->vppb_instance, error, ret);
    /* -EINVAL: not an error bit of that severity that PCIe defines */
    return !ret ? CXL_MBOX_SUCCESS :
        ret == -EINVAL ? CXL_MBOX_INVALID_INPUT : CXL_MBOX_INTERNAL_ERROR;
}

/* CXL r3.2 Tables 7-65 and 7-66: Tunnel Management Command */
typedef struct CXLTunnelIn {
    uint8_t port_or_ld_id;
    uint8_t target_type;
    uint16_t size;
    uint8_t msg[];
} QEMU_PACKED CXLTunnelIn;
QEMU_BUILD_BUG_ON(sizeof(CXLTunnelIn) != 4);

typedef struct CXLTunnelOut {
    uint16_t length;
    uint16_t rsvd;
    uint8_t msg[];
} QEMU_PACKED CXLTunnelOut;
QEMU_BUILD_BUG_ON(sizeof(CXLTunnelOut) != 4);

#define CXL_TUNNEL_TARGET_PORT 0
#define CXL_CCI_HDR_LEN 12
#define CXL_CCI_CAT_REQ 0
#define CXL_CCI_CAT_RSP 1
#define CXL_CCI_BO (1 << 23)

/*
 * Tunnel Management Command (5300h) to the device bound on a physical
 * downstream port: its FM-owned LD CCI (DCD management among others).
 * A device on an unbound port is not realized, so it cannot be reached.
 */
static CXLRetCode cmd_vcs_tunnel(const struct cxl_cmd *cmd,
                                 uint8_t *payload_in, size_t len_in,
                                 uint8_t *payload_out, size_t *len_out,
                                 CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLTunnelIn *in = (void *)payload_in;
    CXLTunnelOut *out = (void *)payload_out;
    g_autofree uint8_t *inner_in = NULL;
    g_autofree uint8_t *inner_out = NULL;
    uint8_t *req = in->msg, *rsp = out->msg;
    size_t pl_len, inner_len = 0;
    CXLCCI *target;
    bool bg = false;
    uint16_t rc;

    if (len_in < sizeof(*in) + CXL_CCI_HDR_LEN ||
        lduw_le_p(&in->size) != len_in - sizeof(*in)) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    pl_len = ldl_le_p(req + 4) >> 8 & 0x1fffff;
    if (CXL_CCI_HDR_LEN + pl_len != len_in - sizeof(*in)) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    if (in->target_type != CXL_TUNNEL_TARGET_PORT ||
        (req[0] & 0xf) != CXL_CCI_CAT_REQ ||
        in->port_or_ld_id >= s->num_dsp ||
        !s->ports[in->port_or_ld_id].dev) {
        return CXL_MBOX_INVALID_INPUT;
    }
    target = &CXL_TYPE3(s->ports[in->port_or_ld_id].dev)->
        vdm_fm_owned_ld_mctp_cci;
    /* A whole payload's worth, zeroed: handlers may read what they expect */
    inner_in = g_malloc0(MAX(pl_len, CXL_MAILBOX_MAX_PAYLOAD_SIZE));
    inner_out = g_malloc0(MAX(target->payload_max,
                              CXL_MAILBOX_MAX_PAYLOAD_SIZE));
    memcpy(inner_in, req + CXL_CCI_HDR_LEN, pl_len);
    rc = cxl_process_cci_message(target, req[4], req[3], pl_len, inner_in,
                                 &inner_len, inner_out, &bg);
    /* The inner response must fit in ours, behind two headers */
    if (sizeof(*out) + CXL_CCI_HDR_LEN + inner_len > cci->payload_max) {
        return CXL_MBOX_INVALID_INPUT;
    }
    memcpy(rsp + CXL_CCI_HDR_LEN, inner_out, inner_len);

    memset(rsp, 0, CXL_CCI_HDR_LEN);
    rsp[0] = CXL_CCI_CAT_RSP;
    rsp[1] = req[1];            /* tag */
    rsp[3] = req[3];            /* command */
    rsp[4] = req[4];            /* command set */
    st24_le_p(rsp + 5, inner_len | (bg ? CXL_CCI_BO : 0));
    stw_le_p(rsp + 8, rc);
    stw_le_p(&out->length, CXL_CCI_HDR_LEN + inner_len);
    out->rsvd = 0;
    *len_out = sizeof(*out) + CXL_CCI_HDR_LEN + inner_len;
    return CXL_MBOX_SUCCESS;
}

/*
 * Event records and logs of the switch: CXL r3.2 sections 8.2.10.2 and
 * 7.6.8, Tables 7-58 (Physical Switch Event Record) and 7-59 (Virtual CXL
 * Switch Event Record).  The logs are the switch's, shared by its CCIs.
 */
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

typedef struct CXLPhysSwitchEventRecord {
    CXLEventRecordHdr hdr;
    uint8_t port_id;
    uint8_t event_type;
    uint16_t slot_status;
    uint8_t rsvd;
    /* Get Physical Port State's port information from byte 1 on */
    uint8_t port_state[sizeof(CXLPortInfo) - 1];
    uint8_t rsvd2[0x3c];
} QEMU_PACKED CXLPhysSwitchEventRecord;
QEMU_BUILD_BUG_ON(sizeof(CXLPhysSwitchEventRecord) != CXL_EVENT_RECORD_SIZE);

#define CXL_VCS_EVENT_BINDING_CHANGE 0x00
#define CXL_PHYS_SWITCH_EVENT_LINK_STATE 0x00
#define CXL_PHYS_SWITCH_EVENT_SLOT_STATUS 0x01

static void cxl_vcs_event_insert(CXLVCSSwitch *s, CXLEventLogType log,
                                 const QemuUUID *uuid, void *record)
{
    CXLEventRecordHdr *hdr = record;

    hdr->id = *uuid;
    hdr->length = CXL_EVENT_RECORD_SIZE;
    hdr->flags[0] = log == CXL_EVENT_TYPE_INFO ? CXL_EVENT_SEVERITY_INFO :
                                                 CXL_EVENT_SEVERITY_WARN;
    /* The log was empty: signal it where the FM asked for that */
    if (cxl_event_insert(&s->events, log, record) && s->mbox &&
        s->events.event_logs[log].irq_enabled &&
        msix_enabled(PCI_DEVICE(s->mbox))) {
        msix_notify(PCI_DEVICE(s->mbox), s->events.event_logs[log].irq_vec);
    }
    trace_cxl_vcs_event(object_get_canonical_path_component(OBJECT(s)), log,
                        uuid == &cxl_vcs_event_uuid);
}

/*
 * A bind or unbind of @p completed, successfully or not, or the host
 * removed the device: the vPPB's binding and its port's controls now
 */
void cxl_vcs_event_binding(CXLVCSSwitch *s, CXLVCSPhysPort *p, bool ok)
{
    PCIDevice *dsp = cxl_vcs_vppb_port(s, p->vcs, p->vppb);
    bool bound = p->state == CXL_VCS_BOUND;
    CXLVCSEventRecord rec = {
        .vcs_id = p->vcs,
        .vppb_id = p->vppb,
        .event_type = CXL_VCS_EVENT_BINDING_CHANGE,
        .binding_status = bound ? CXL_VPPB_BOUND_PORT : CXL_VPPB_UNBOUND,
        .port_id = bound ? p - s->ports : 0xff,
        .ld_id = 0xff,
    };

    if (dsp) {
        stw_le_p(&rec.link_control, cxl_vcs_exp_read(dsp, PCI_EXP_LNKCTL, 2));
        stw_le_p(&rec.slot_control, cxl_vcs_exp_read(dsp, PCI_EXP_SLTCTL, 2));
    }
    cxl_vcs_event_insert(s, ok ? CXL_EVENT_TYPE_INFO : CXL_EVENT_TYPE_WARN,
                         &cxl_vcs_event_uuid, &rec);
}

/*
 * Physical port @port changed: its link, or with @hot_add, its slot, which
 * a device was added to (presence detected, and changed).  The record
 * carries the port's state now.
 */
void cxl_vcs_event_port(CXLVCSSwitch *s, unsigned port, bool hot_add)
{
    CXLVCSPhysPort *p = port < s->num_dsp ? &s->ports[port] : NULL;
    CXLPhysSwitchEventRecord rec = {
        .port_id = port,
        .event_type = hot_add ? CXL_PHYS_SWITCH_EVENT_SLOT_STATUS :
                                CXL_PHYS_SWITCH_EVENT_LINK_STATE,
    };
    CXLPortInfo info;

    if (p && p->state == CXL_VCS_BOUND) {
        PCIDevice *dsp = cxl_vcs_vppb_port(s, p->vcs, p->vppb);

        stw_le_p(&rec.slot_status, cxl_vcs_exp_read(dsp, PCI_EXP_SLTSTA, 2));
    } else if (hot_add) {
        stw_le_p(&rec.slot_status, PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_PDC);
    }
    cxl_vcs_port_info(s, port, &info);
    memcpy(rec.port_state, (uint8_t *)&info + 1, sizeof(rec.port_state));
    cxl_vcs_event_insert(s, CXL_EVENT_TYPE_INFO, &cxl_phys_switch_event_uuid,
                         &rec);
}

/*
 * Get Event Records (0100h), within this CCI's response limit.  "More
 * Event Records" only when some did not fit.
 */
static CXLRetCode cmd_vcs_get_events(const struct cxl_cmd *cmd,
                                     uint8_t *payload_in, size_t len_in,
                                     uint8_t *payload_out, size_t *len_out,
                                     CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLGetEventPayload *out = (void *)payload_out;
    size_t max_recs = (cci->payload_max - CXL_EVENT_PAYLOAD_HDR_SIZE) /
                      CXL_EVENT_RECORD_SIZE;
    unsigned count = 0;
    CXLEvent *ev;
    CXLRetCode rc;

    memset(out, 0, CXL_EVENT_PAYLOAD_HDR_SIZE);
    rc = cxl_event_get_records(&s->events, out, payload_in[0],
                               MIN(max_recs, UINT16_MAX), len_out);
    if (rc != CXL_MBOX_SUCCESS) {
        return rc;
    }
    QSIMPLEQ_FOREACH(ev, &s->events.event_logs[payload_in[0]].events, node) {
        count++;
    }
    if (count == le16_to_cpu(out->record_count)) {
        out->flags &= ~CXL_GET_EVENT_FLAG_MORE_RECORDS;
    }
    return CXL_MBOX_SUCCESS;
}

#define CXL_CLEAR_EVENT_ALL 0x01

/* Clear Event Records (0101h), by handle or all of a log */
static CXLRetCode cmd_vcs_clear_events(const struct cxl_cmd *cmd,
                                       uint8_t *payload_in, size_t len_in,
                                       uint8_t *payload_out, size_t *len_out,
                                       CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLClearEventPayload *in = (void *)payload_in;
    g_autofree CXLClearEventPayload *all = NULL;
    CXLEventLog *log;
    CXLEvent *ev;

    if (len_in < sizeof(*in)) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    if (in->event_log >= CXL_EVENT_TYPE_MAX) {
        return CXL_MBOX_INVALID_INPUT;
    }
    if (!(in->clear_flags & CXL_CLEAR_EVENT_ALL)) {
        if (len_in != sizeof(*in) + sizeof(in->handle[0]) * in->nr_recs) {
            return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
        }
        return cxl_event_clear_records(&s->events, in);
    }
    /* Clear all, whatever handles are given: every record, in order */
    log = &s->events.event_logs[in->event_log];
    all = g_malloc0(sizeof(*all) + sizeof(all->handle[0]) * UINT8_MAX);
    all->event_log = in->event_log;
    QSIMPLEQ_FOREACH(ev, &log->events, node) {
        all->handle[all->nr_recs++] = ev->data.hdr.handle;
    }
    return cxl_event_clear_records(&s->events, all);
}

/*
 * Get/Set Event Interrupt Policy (0102h/0103h) of the informational,
 * warning, failure and fatal logs.  MSI/MSI-X interrupts come from the
 * switch mailbox CCI's function, on the vectors Get reports; MCTP has no
 * interrupt, nor has a switch without a mailbox.  The switch has no
 * dynamic capacity log: its setting, if given, must be "no interrupts".
 */
static CXLRetCode cmd_vcs_get_int_policy(const struct cxl_cmd *cmd,
                                         uint8_t *payload_in, size_t len_in,
                                         uint8_t *payload_out,
                                         size_t *len_out, CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);

    for (int i = 0; i < CXL_EVENT_INT_SETTING_MIN_LEN; i++) {
        CXLEventLog *log = &s->events.event_logs[i];

        payload_out[i] = log->irq_enabled ?
                         CXL_EVENT_INT_SETTING(log->irq_vec) : CXL_INT_NONE;
    }
    *len_out = CXL_EVENT_INT_SETTING_MIN_LEN;
    return CXL_MBOX_SUCCESS;
}

static CXLRetCode cmd_vcs_set_int_policy(const struct cxl_cmd *cmd,
                                         uint8_t *payload_in, size_t len_in,
                                         uint8_t *payload_out,
                                         size_t *len_out, CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);

    if (len_in != CXL_EVENT_INT_SETTING_MIN_LEN &&
        len_in != sizeof(CXLEventInterruptPolicy)) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    for (size_t i = 0; i < len_in; i++) {
        uint8_t mode = payload_in[i] & CXL_EVENT_INT_MODE_MASK;

        if (mode != CXL_INT_NONE &&
            (mode != CXL_INT_MSI_MSIX || !s->mbox ||
             i >= CXL_EVENT_INT_SETTING_MIN_LEN)) {
            return CXL_MBOX_INVALID_INPUT;
        }
    }
    for (int i = 0; i < CXL_EVENT_INT_SETTING_MIN_LEN; i++) {
        s->events.event_logs[i].irq_enabled =
            (payload_in[i] & CXL_EVENT_INT_MODE_MASK) == CXL_INT_MSI_MSIX;
    }
    return CXL_MBOX_SUCCESS;
}

/* Get/Set Timestamp (0300h/0301h) of the switch, which event records carry */
static CXLRetCode cmd_vcs_get_timestamp(const struct cxl_cmd *cmd,
                                        uint8_t *payload_in, size_t len_in,
                                        uint8_t *payload_out, size_t *len_out,
                                        CXLCCI *cci)
{
    stq_le_p(payload_out,
             cxl_device_get_timestamp(&cxl_vcs_from_cci(cci)->events));
    *len_out = 8;
    return CXL_MBOX_SUCCESS;
}

static CXLRetCode cmd_vcs_set_timestamp(const struct cxl_cmd *cmd,
                                        uint8_t *payload_in, size_t len_in,
                                        uint8_t *payload_out, size_t *len_out,
                                        CXLCCI *cci)
{
    CXLDeviceState *ds = &cxl_vcs_from_cci(cci)->events;

    ds->timestamp.set = true;
    ds->timestamp.last_set = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    ds->timestamp.host_set = ldq_le_p(payload_in);
    return CXL_MBOX_SUCCESS;
}

static const struct cxl_cmd cxl_cmd_set_vcs[256][256] = {
    [INFOSTAT][IS_IDENTIFY] = { "IDENTIFY", cmd_vcs_identify, 0, 0 },
    [EVENTS][GET_RECORDS] = { "EVENTS_GET_RECORDS", cmd_vcs_get_events, 1, 0 },
    [EVENTS][CLEAR_RECORDS] = { "EVENTS_CLEAR_RECORDS", cmd_vcs_clear_events,
        ~0, CXL_MBOX_IMMEDIATE_LOG_CHANGE },
    [EVENTS][GET_INTERRUPT_POLICY] = { "EVENTS_GET_INTERRUPT_POLICY",
        cmd_vcs_get_int_policy, 0, 0 },
    [EVENTS][SET_INTERRUPT_POLICY] = { "EVENTS_SET_INTERRUPT_POLICY",
        cmd_vcs_set_int_policy, ~0, CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [TIMESTAMP][GET] = { "TIMESTAMP_GET", cmd_vcs_get_timestamp, 0, 0 },
    [TIMESTAMP][SET] = { "TIMESTAMP_SET", cmd_vcs_set_timestamp, 8,
        CXL_MBOX_IMMEDIATE_POLICY_CHANGE },
    [PHYSICAL_SWITCH][IDENTIFY_SWITCH_DEVICE] = { "IDENTIFY_SWITCH_DEVICE",
        cmd_vcs_identify_switch, 0, 0 },
    [PHYSICAL_SWITCH][GET_PHYSICAL_PORT_STATE] = { "GET_PHYSICAL_PORT_STATE",
        cmd_vcs_get_phys_port_state, ~0, 0 },
    [PHYSICAL_SWITCH][PHYSICAL_PORT_CONTROL] = { "PHYSICAL_PORT_CONTROL",
        cmd_vcs_phys_port_control, sizeof(CXLPhysPortControlIn),
        CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [PHYSICAL_SWITCH][SEND_PPB_CONFIG_REQUEST] = {
        "SEND_PPB_CXL_IO_CONFIG_REQUEST", cmd_vcs_ppb_config,
        sizeof(CXLPPBConfigIn), CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [VIRTUAL_SWITCH][GET_VIRTUAL_CXL_SWITCH_INFO] = {
        "GET_VIRTUAL_CXL_SWITCH_INFO", cmd_vcs_get_info, ~0, 0 },
    [VIRTUAL_SWITCH][BIND_VPPB] = { "BIND_VPPB", cmd_vcs_bind_vppb,
        sizeof(CXLBindVPPBIn),
        CXL_MBOX_BACKGROUND_OPERATION | CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [VIRTUAL_SWITCH][UNBIND_VPPB] = { "UNBIND_VPPB", cmd_vcs_unbind_vppb,
        sizeof(CXLUnbindVPPBIn),
        CXL_MBOX_BACKGROUND_OPERATION | CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [VIRTUAL_SWITCH][GENERATE_AER_EVENT] = { "GENERATE_AER_EVENT",
        cmd_vcs_generate_aer, sizeof(CXLGenerateAERIn), 0 },
    [TUNNEL][MANAGEMENT_COMMAND] = { "TUNNEL_MANAGEMENT_COMMAND",
        cmd_vcs_tunnel, ~0, 0 },
};

void cxl_vcs_init_cci(CXLVCSSwitch *s, CXLCCI *cci, DeviceState *intf,
                      size_t payload_max)
{
    /* Background status, timestamp, logs, and the switch commands */
    cxl_initialize_mailbox_swcci(cci, intf, intf, payload_max);
    cxl_add_cci_commands(cci, cxl_cmd_set_vcs, payload_max);
}
