/*
 * CXL multi-VCS switch: its FM-API command set and the CCIs that serve
 * it, CXL r3.2 sections 8.2.10.1.1 and 7.6.7.
 *
 * Transports (the switch mailbox CCI, MCTP) open a CCI here.  Upstream's
 * switch command set answers Identify, Identify Switch Device, Get
 * Physical Port State, Tunnel Management, the Events, Timestamp and Logs
 * commands through the operations below; this file adds Physical Port
 * Control, Send PPB CXL.io Configuration Request and the virtual switch
 * commands.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "system/memory.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_aer.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_mailbox.h"
#include "cxl-vcs.h"
#include "trace.h"

/* Command sets and commands added to upstream's switch command set */
enum {
    PHYSICAL_SWITCH = 0x51,
        #define PHYSICAL_PORT_CONTROL 0x02
        #define SEND_PPB_CONFIG_REQUEST 0x03
    VIRTUAL_SWITCH = 0x52,
        #define GET_VIRTUAL_CXL_SWITCH_INFO 0x00
        #define BIND_VPPB 0x01
        #define UNBIND_VPPB 0x02
        #define GENERATE_AER_EVENT 0x03
    MLD_PORT = 0x53,
        #define SEND_LD_CONFIG_REQUEST 0x01
        #define SEND_LD_MEMORY_REQUEST 0x02
};

/* Get Virtual CXL Switch Info, CXL r3.2 Tables 7-51 and 7-52 */
#define CXL_VCS_STATE_DISABLED 0x00
#define CXL_VCS_STATE_ENABLED 0x01
#define CXL_VCS_STATE_INVALID 0xFF
#define CXL_VPPB_UNBOUND 0x00
#define CXL_VPPB_IN_PROGRESS 0x01
#define CXL_VPPB_BOUND_PORT 0x02
#define CXL_VPPB_BOUND_LD 0x03
#define CXL_VPPB_NO_ID 0xFF

/* Identify, Identify Switch Device: the switch as its first USP is */
static void cxl_vcs_switch_info(CXLCCI *cci, CXLSwitchInfo *info)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    PCIDevice *intf = (PCIDevice *)object_dynamic_cast(OBJECT(cci->intf),
                                                       TYPE_PCI_DEVICE);
    PCIDevice *id_dev = intf;

    info->num_ports = s->num_dsp + s->num_usp;
    info->num_vcss = s->num_usp;
    info->hdm_decoders = CXL_HDM_DECODER_COUNT;
    for (unsigned i = 0; i < s->num_dsp; i++) {
        if (cxl_vcs_port_present(&s->ports[i])) {
            info->active_ports[i / 8] |= 1 << (i % 8);
        }
        info->bound_vppbs += cxl_vcs_port_bound(&s->ports[i]);
    }
    for (int vcs = s->num_usp - 1; vcs >= 0; vcs--) {
        unsigned port = cxl_vcs_usp_port_id(s, vcs);
        PCIDevice *usp = s->vcss[vcs].usp ? PCI_DEVICE(s->vcss[vcs].usp) : NULL;
        CxlFabricVcs *remote = &s->vcss[vcs].remote;

        if (!cxl_vcs_present(s, vcs)) {
            continue;
        }
        info->active_ports[port / 8] |= 1 << (port % 8);
        info->active_vcss[vcs / 8] |= 1 << (vcs % 8);
        info->total_vppbs += cxl_vcs_num_vppbs(s, vcs);
        if (!usp) {
            /* In a host process, which registered its identity */
            id_dev = NULL;
            info->sn = remote->sn;
            info->vendor_id = remote->vendor_id;
            info->device_id = remote->device_id;
            continue;
        }
        id_dev = usp;
        info->sn = s->vcss[vcs].usp->sn;
        /* The mailbox CCI sits beside the upstream port it is reached by */
        if (intf && pci_get_bus(usp) == pci_get_bus(intf)) {
            info->ingress_port = port;
        }
    }
    if (id_dev) {
        info->vendor_id = pci_get_word(id_dev->config + PCI_VENDOR_ID);
        info->device_id = pci_get_word(id_dev->config + PCI_DEVICE_ID);
    }
}

static bool cxl_vcs_switch_port(CXLCCI *cci, uint8_t port, CXLSwitchPort *st)
{
    return cxl_vcs_port_state(cxl_vcs_from_cci(cci), port, st);
}

/*
 * Tunnel Management Command (5300h) to the device on a physical
 * downstream port, bound or not: its FM-owned LD CCI (DCD management
 * among others); to a switch there, while it is bound: its own CCI.
 */
static CXLCCI *cxl_vcs_tunnel_target(CXLCCI *cci, uint8_t port,
                                     uint8_t target_type)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLCCI *target = target_type == 0 ? cxl_vcs_port_cci(s, port) : NULL;

    /* An SLD a host process holds is that process's to answer */
    if (target && !cxl_vcs_port_is_mld(&s->ports[port]) &&
        cxl_vcs_binding_remote(s, &s->ports[port].ld[0])) {
        return cxl_vcs_remote_cci(s, port, 0);
    }
    return target;
}

static const CXLCCIOps cxl_vcs_cci_ops = {
    .switch_info = cxl_vcs_switch_info,
    .switch_port = cxl_vcs_switch_port,
    .tunnel_target = cxl_vcs_tunnel_target,
};

/* CXL r3.2 Table 7-25: Physical Port Control Request Payload */
typedef struct CXLPhysPortControlIn {
    uint8_t ppb_id;
    uint8_t opcode;
} QEMU_PACKED CXLPhysPortControlIn;
QEMU_BUILD_BUG_ON(sizeof(CXLPhysPortControlIn) != 2);

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

/*
 * CXL r3.2 Tables 7-26 and 7-63: what a Send PPB or LD CXL.io
 * Configuration Request accesses, bytes 1 to 3 of either
 */
typedef struct CXLConfigRequest {
    uint8_t register_number;
    uint8_t ext_register_byte_enables;  /* 3:0 ext. register, 7:4 BE */
    uint8_t transaction_type;           /* bit 7: write */
} QEMU_PACKED CXLConfigRequest;
QEMU_BUILD_BUG_ON(sizeof(CXLConfigRequest) != 3);


/* CXL r3.2 Table 7-26: Send PPB CXL.io Configuration Request */
typedef struct CXLPPBConfigIn {
    uint8_t ppb_id;
    CXLConfigRequest req;
    uint32_t data;
} QEMU_PACKED CXLPPBConfigIn;
QEMU_BUILD_BUG_ON(sizeof(CXLPPBConfigIn) != 8);

/* bytes 1 to 3 of a Send PPB or LD CXL.io Configuration Request */
static uint32_t cxl_vcs_request_bytes(const CXLConfigRequest *req)
{
    return req->register_number | req->ext_register_byte_enables << 8 |
           req->transaction_type << 16;
}

/*
 * Send PPB CXL.io Configuration Request (5103h): to the PPB in this
 * process, or to the host process of a VCS's upstream port or of a vPPB
 * an SLD is bound to there
 */
static CXLRetCode cmd_vcs_ppb_config(const struct cxl_cmd *cmd,
                                     uint8_t *payload_in, size_t len_in,
                                     uint8_t *payload_out, size_t *len_out,
                                     CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLPPBConfigIn *in = (void *)payload_in;
    uint32_t request = cxl_vcs_request_bytes(&in->req);
    uint32_t data = ldl_le_p(&in->data), out;
    unsigned port = in->ppb_id;
    CXLVCSBinding *b = port < s->num_dsp ? &s->ports[port].ld[0] : NULL;
    PCIDevice *ppb;
    CXLRetCode rc;

    if (b && !cxl_vcs_port_is_mld(&s->ports[port]) &&
        b->state == CXL_VCS_BOUND && cxl_vcs_binding_remote(s, b)) {
        rc = cxl_vcs_remote_config(s, b->vcs, b->vppb, request, data, &out);
    } else if (!b && port < s->num_dsp + s->num_usp &&
               s->vcss[port - s->num_dsp].link) {
        rc = cxl_vcs_remote_config(s, port - s->num_dsp, -1, request, data,
                                   &out);
    } else {
        ppb = cxl_vcs_ppb(s, port);
        if (!ppb) {
            return CXL_MBOX_INVALID_INPUT;
        }
        rc = CXL_MBOX_SUCCESS;
        out = cxl_vcs_config_request(ppb, request, data);
    }
    if (rc == CXL_MBOX_SUCCESS) {
        stl_le_p(payload_out, out);
        *len_out = 4;
    }
    return rc;
}

/*
 * LD @ld_id of the MLD on port @port, realized for a CXL.io request
 * from the FM; NULL with @rc Invalid Input: no such LD, or held in
 * reset; Unsupported: a host process holds it
 */
static PCIDevice *cxl_vcs_request_ld(CXLVCSSwitch *s, unsigned port,
                                     unsigned ld_id, CXLRetCode *rc)
{
    CXLVCSPhysPort *p = port < s->num_dsp ? &s->ports[port] : NULL;
    Error *err = NULL;

    *rc = CXL_MBOX_INVALID_INPUT;
    if (!p || !cxl_vcs_port_is_mld(p) || p->perst ||
        !cxl_vcs_port_target(p, ld_id)) {
        return NULL;
    }
    if (cxl_vcs_binding_remote(s, &p->ld[ld_id])) {
        *rc = CXL_MBOX_UNSUPPORTED;
        return NULL;
    }
    if (!cxl_vcs_fabric_realize_device(s, port, ld_id, &err)) {
        warn_report_err(err);
        return NULL;
    }
    return cxl_vcs_port_target(p, ld_id);
}

/* CXL r3.2 Table 7-63: Send LD CXL.io Configuration Request */
typedef struct CXLLDConfigIn {
    uint8_t ppb_id;
    CXLConfigRequest req;
    uint16_t ld_id;
    uint8_t rsvd[2];
    uint32_t data;
} QEMU_PACKED CXLLDConfigIn;
QEMU_BUILD_BUG_ON(sizeof(CXLLDConfigIn) != 12);

/*
 * Send LD CXL.io Configuration Request (5301h): to the configuration
 * space of an LD of the MLD on a port, bound or not
 */
static CXLRetCode cmd_vcs_ld_config(const struct cxl_cmd *cmd,
                                    uint8_t *payload_in, size_t len_in,
                                    uint8_t *payload_out, size_t *len_out,
                                    CXLCCI *cci)
{
    CXLLDConfigIn *in = (void *)payload_in;
    CXLRetCode rc;
    PCIDevice *ld = cxl_vcs_request_ld(cxl_vcs_from_cci(cci), in->ppb_id,
                                       lduw_le_p(&in->ld_id), &rc);

    if (!ld) {
        return rc;
    }
    stl_le_p(payload_out,
             cxl_vcs_config_request(ld, cxl_vcs_request_bytes(&in->req),
                                    ldl_le_p(&in->data)));
    *len_out = 4;
    return CXL_MBOX_SUCCESS;
}

/* CXL r3.2 Tables 7-64 and 7-65: Send LD CXL.io Memory Request */
typedef struct CXLLDMemIn {
    uint8_t port_id;
    uint16_t request;       /* 3:0 first DW BE, 7:4 last DW BE, 15 write */
    uint16_t ld_id;
    uint16_t length;        /* bytes, whole DWs */
    uint64_t address;
    uint8_t data[];
} QEMU_PACKED CXLLDMemIn;
QEMU_BUILD_BUG_ON(sizeof(CXLLDMemIn) != 15);

typedef struct CXLLDMemOut {
    uint16_t length;
    uint8_t rsvd[2];
    uint8_t data[];
} QEMU_PACKED CXLLDMemOut;
QEMU_BUILD_BUG_ON(sizeof(CXLLDMemOut) != 4);

#define CXL_LD_MEM_FIRST_BE(r) ((r) & 0xf)
#define CXL_LD_MEM_LAST_BE(r) (((r) >> 4) & 0xf)
#define CXL_LD_MEM_WRITE BIT(15)

/*
 * Send LD CXL.io Memory Request (5302h): to the memory space of an LD
 * (its BARs, where requests through 5301h put them), in whole dwords at
 * a dword-aligned address, with PCIe's byte enable rules: the first
 * dword's must not be 0, the last's must be 0 for a one-dword request
 * and must not be otherwise.  What does not decode reads all ones.
 */
static CXLRetCode cmd_vcs_ld_mem(const struct cxl_cmd *cmd,
                                 uint8_t *payload_in, size_t len_in,
                                 uint8_t *payload_out, size_t *len_out,
                                 CXLCCI *cci)
{
    CXLLDMemIn *in = (void *)payload_in;
    CXLLDMemOut *out = (void *)payload_out;
    uint16_t request, length;
    uint64_t addr;
    bool write;
    g_autofree uint8_t *data = NULL;
    PCIDevice *ld;
    AddressSpace *as;
    CXLRetCode rc;

    if (len_in < sizeof(*in)) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    request = lduw_le_p(&in->request);
    length = lduw_le_p(&in->length);
    addr = ldq_le_p(&in->address);
    write = request & CXL_LD_MEM_WRITE;
    if (len_in != sizeof(*in) + (write ? length : 0)) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    if (!length || length % 4 || addr % 4 ||
        sizeof(*out) + length > cci->payload_max ||
        !CXL_LD_MEM_FIRST_BE(request) ||
        !CXL_LD_MEM_LAST_BE(request) != (length == 4)) {
        return CXL_MBOX_INVALID_INPUT;
    }
    ld = cxl_vcs_request_ld(cxl_vcs_from_cci(cci), in->port_id,
                            lduw_le_p(&in->ld_id), &rc);
    if (!ld) {
        return rc;
    }
    as = cxl_vcs_fabric_ld_as(cxl_vcs_from_cci(cci), in->port_id);
    /* The output overwrites the request */
    data = g_memdup2(in->data, write ? length : 0);
    for (unsigned i = 0; i < length / 4; i++) {
        uint8_t be = i == 0 ? CXL_LD_MEM_FIRST_BE(request) :
                     i == length / 4 - 1 ? CXL_LD_MEM_LAST_BE(request) : 0xf;
        hwaddr a = addr + 4 * i;

        if (!write) {
            if (address_space_read(as, a, MEMTXATTRS_UNSPECIFIED,
                                   out->data + 4 * i, 4) != MEMTX_OK) {
                memset(out->data + 4 * i, 0xff, 4);
            }
            continue;
        }
        if (be == 0xf) {
            address_space_write(as, a, MEMTXATTRS_UNSPECIFIED, data + 4 * i,
                                4);
            continue;
        }
        for (int b = 0; b < 4; b++) {
            if (be & BIT(b)) {
                address_space_write(as, a + b, MEMTXATTRS_UNSPECIFIED,
                                    data + 4 * i + b, 1);
            }
        }
    }
    stw_le_p(&out->length, write ? 0 : length);
    out->rsvd[0] = out->rsvd[1] = 0;
    *len_out = sizeof(*out) + (write ? 0 : length);
    return CXL_MBOX_SUCCESS;
}

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
    g_autofree uint8_t *vcs_ids = NULL;
    uint8_t start, limit, num_vcs;
    size_t size = 4;

    if (len_in < sizeof(*in) || len_in != sizeof(*in) + in->num_vcs) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    if (in->num_vcs == 0 || in->vppb_list_limit == 0) {
        return CXL_MBOX_INVALID_INPUT;
    }
    /* The output overwrites the request */
    start = in->start_vppb;
    limit = in->vppb_list_limit;
    num_vcs = in->num_vcs;
    vcs_ids = g_memdup2(in->vcs_ids, num_vcs);
    for (unsigned i = 0; i < num_vcs; i++) {
        uint8_t vcs = vcs_ids[i];
        unsigned total = cxl_vcs_num_vppbs(s, vcs);
        unsigned n = MIN(total > start ? total - start : 0, limit);
        CXLVCSInfo *info = (void *)(payload_out + size);

        if (size + sizeof(*info) + n * sizeof(info->vppbs[0]) >
            cci->payload_max) {
            return CXL_MBOX_INVALID_INPUT;
        }
        *info = (CXLVCSInfo) {
            .vcs_id = vcs,
            .state = CXL_VCS_STATE_INVALID,
        };
        if (vcs < s->num_usp) {
            info->state = cxl_vcs_present(s, vcs) ? CXL_VCS_STATE_ENABLED
                                                  : CXL_VCS_STATE_DISABLED;
            info->usp_id = cxl_vcs_usp_port_id(s, vcs);
            info->num_vppbs = total;
        }
        for (unsigned j = 0; j < n; j++) {
            unsigned ld;
            int port = cxl_vcs_vppb_binding(s, vcs, start + j, &ld);
            CXLVPPBInfo *e = &info->vppbs[j];

            *e = (CXLVPPBInfo) {
                .binding_status = CXL_VPPB_UNBOUND,
                .bound_port_id = CXL_VPPB_NO_ID,
                .bound_ld_id = CXL_VPPB_NO_ID,
            };
            if (port >= 0) {
                CXLVCSPhysPort *p = &s->ports[port];

                e->bound_port_id = port;
                e->binding_status = CXL_VPPB_BOUND_PORT;
                if (cxl_vcs_port_is_mld(p)) {
                    e->binding_status = CXL_VPPB_BOUND_LD;
                    e->bound_ld_id = ld;
                }
                if (p->ld[ld].state != CXL_VCS_BOUND) {
                    e->binding_status = CXL_VPPB_IN_PROGRESS;
                }
            }
        }
        size += sizeof(*info) + n * sizeof(info->vppbs[0]);
    }
    memset(payload_out, 0, 4);
    payload_out[0] = num_vcs;
    *len_out = size;
    return CXL_MBOX_SUCCESS;
}

/* CXL r3.2 Table 7-53: Bind vPPB Request Payload */
typedef struct CXLBindVPPBIn {
    uint8_t vcs_id;
    uint8_t vppb_id;
    uint8_t port_id;
    uint8_t rsvd;
    uint16_t ld_id;
} QEMU_PACKED CXLBindVPPBIn;
QEMU_BUILD_BUG_ON(sizeof(CXLBindVPPBIn) != 6);

/* Bind vPPB (5201h) */
static CXLRetCode cmd_vcs_bind_vppb(const struct cxl_cmd *cmd,
                                    uint8_t *payload_in, size_t len_in,
                                    uint8_t *payload_out, size_t *len_out,
                                    CXLCCI *cci)
{
    CXLBindVPPBIn *in = (void *)payload_in;

    return cxl_vcs_bind(cxl_vcs_from_cci(cci), cci, in->vcs_id, in->vppb_id,
                        in->port_id, lduw_le_p(&in->ld_id));
}

/* CXL r3.2 Table 7-54: Unbind vPPB Request Payload */
typedef struct CXLUnbindVPPBIn {
    uint8_t vcs_id;
    uint8_t vppb_id;
    uint8_t option;
} QEMU_PACKED CXLUnbindVPPBIn;
QEMU_BUILD_BUG_ON(sizeof(CXLUnbindVPPBIn) != 3);

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


/*
 * Generate AER Event (5203h): the error as the vPPB would signal it to
 * the host bound to the VCS, in this process or in a host process
 */
static CXLRetCode cmd_vcs_generate_aer(const struct cxl_cmd *cmd,
                                       uint8_t *payload_in, size_t len_in,
                                       uint8_t *payload_out,
                                       size_t *len_out, CXLCCI *cci)
{
    CXLVCSSwitch *s = cxl_vcs_from_cci(cci);
    CXLGenerateAERIn *in = (void *)payload_in;
    uint32_t error = ldl_le_p(&in->error);

    if (in->vcs_id < s->num_usp && s->vcss[in->vcs_id].link) {
        return cxl_vcs_remote_aer(s, in->vcs_id, in->vppb_instance, error,
                                  in->tlp_header_log,
                                  sizeof(in->tlp_header_log));
    }
    return cxl_vcs_aer(s, in->vcs_id, in->vppb_instance, error,
                       in->tlp_header_log);
}

static const struct cxl_cmd cxl_cmd_set_vcs[256][256] = {
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
    [MLD_PORT][SEND_LD_CONFIG_REQUEST] = { "SEND_LD_CXL_IO_CONFIG_REQUEST",
        cmd_vcs_ld_config, sizeof(CXLLDConfigIn),
        CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [MLD_PORT][SEND_LD_MEMORY_REQUEST] = { "SEND_LD_CXL_IO_MEMORY_REQUEST",
        cmd_vcs_ld_mem, ~0, CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
};

CXLCCI *cxl_vcs_open_cci(CXLVCSSwitch *s, DeviceState *intf,
                         size_t payload_max, const CXLCCITransport *t,
                         Error **errp)
{
    CXLVCSCCI *c;

    if (!s->local_fm) {
        error_setg(errp, "cxl-vcs-switch '%s' has local-fm=false: the "
                   "fabric manager's CCIs are in the process with "
                   "local-fm=true", cxl_vcs_id(s));
        return NULL;
    }
    c = g_new0(CXLVCSCCI, 1);
    c->sw = s;
    cxl_cci_event_policy_init(&c->events, t);
    cxl_initialize_switch_cci(&c->cci, intf, &cxl_vcs_cci_ops, &s->events,
                              payload_max);
    cxl_add_cci_commands(&c->cci, cxl_cmd_set_vcs, payload_max);
    cxl_cci_event_policy_add_commands(&c->cci, t, payload_max);
    QTAILQ_INSERT_TAIL(&s->ccis, c, next);
    return &c->cci;
}

CXLCCIEventPolicy *cxl_vcs_cci_event_policy(CXLCCI *cci)
{
    return &container_of(cci, CXLVCSCCI, cci)->events;
}

void cxl_vcs_close_cci(CXLCCI *cci)
{
    CXLVCSCCI *c = container_of(cci, CXLVCSCCI, cci);

    QTAILQ_REMOVE(&c->sw->ccis, c, next);
    cxl_vcs_forget_cci(c->sw, cci);
    cxl_destroy_cci(cci);
    g_free(c);
}
