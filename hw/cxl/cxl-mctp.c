/*
 * MCTP endpoint (DMTF DSP0236) for CXL FM-API and CCI messages
 *
 * Packets are reassembled into messages (SOM/EOM, sequence numbers,
 * tags), control messages are answered here, and CXL messages go to the
 * target's CCI:
 *
 *  - message type 7 (FM-API, DSP0234) carries the FM-API command sets
 *    51h-56h: physical switch, virtual switch, MLD port, MLD components,
 *    multi-headed device and DCD management.  56h is an FM-API set
 *    (CXL r3.2 7.6.7.6) and libcxlmi sends it on type 7;
 *  - message type 8 (CXL CCI, DSP0281) carries every other command set,
 *    Identify among them, for switches too.
 *
 * A command on the other message type is answered with Unsupported, so
 * that a client that mixes them up learns so instead of timing out.
 *
 * When one of the target's event logs gains a record and the FM asked
 * for it with Set MCTP Event Interrupt Policy, the endpoint sends that FM
 * an Event Notification (0106h), a CCI request of its own; the FM's
 * response to it is taken and otherwise ignored.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/cxl/cxl_mailbox.h"
#include "hw/cxl/cxl_mctp.h"
#include "trace.h"

/* Transport header, DSP0236 8.1 */
#define MCTP_VERSION 0x01
#define MCTP_EID_NULL 0x00
#define MCTP_EID_BROADCAST 0xff
#define MCTP_EID_FIRST_UNICAST 0x08
#define MCTP_FLAG_SOM 0x80
#define MCTP_FLAG_EOM 0x40
#define MCTP_SEQ_SHIFT 4
#define MCTP_FLAG_TO 0x08
#define MCTP_TAG_MASK 0x07

/* Message types, DSP0239 */
#define MCTP_MSG_CONTROL 0x00
#define MCTP_MSG_CXL_FMAPI 0x07
#define MCTP_MSG_CXL_CCI 0x08
#define MCTP_MSG_IC 0x80

/* Control messages, DSP0236 12 */
#define MCTP_CTRL_RQ 0x80
#define MCTP_CTRL_D 0x40
#define MCTP_CTRL_IID_MASK 0x1f
#define MCTP_CTRL_SET_EID 0x01
#define MCTP_CTRL_GET_EID 0x02
#define MCTP_CTRL_GET_UUID 0x03
#define MCTP_CTRL_GET_VERSION 0x04
#define MCTP_CTRL_GET_MSG_TYPES 0x05
#define MCTP_CC_SUCCESS 0x00
#define MCTP_CC_INVALID_DATA 0x02
#define MCTP_CC_INVALID_LENGTH 0x03
#define MCTP_CC_UNSUPPORTED 0x05
#define MCTP_CC_TYPE_UNSUPPORTED 0x80
#define MCTP_SET_EID_SET 0
#define MCTP_SET_EID_FORCE 1
#define MCTP_SET_EID_DISCOVERED 3

/* Largest packet payload a DSP0283 1.0 packet can carry: 255 - 4 - 4 */
#define CXL_MCTP_TX_PAYLOAD_MAX 247

/* Generic component commands, CXL r3.2 Table 8-37 */
#define CXL_CCI_EVENTS 0x01
#define CXL_CCI_SET_MCTP_EVENT_POLICY 0x05
#define CXL_CCI_EVENT_NOTIFICATION 0x06

static void cxl_mctp_event_notify(void *opaque, CXLEventLogType log);

bool cxl_mctp_init(CXLMCTPEndpoint *ep, const char *name, const char *target,
                   DeviceState *intf, CXLMCTPSendFn *send,
                   CXLMCTPBusyFn *busy, void *opaque, Error **errp)
{
    ep->transport = (CXLCCITransport) {
        .event_notify = cxl_mctp_event_notify,
        .opaque = ep,
        .event_vector = -1,
        .mctp = true,
    };
    ep->target = cxl_cci_target_open(target, intf, CXL_MCTP_PAYLOAD_MAX, true,
                                     &ep->transport, errp);
    if (!ep->target) {
        return false;
    }
    ep->name = name;
    ep->send = send;
    ep->busy = busy;
    ep->opaque = opaque;
    cxl_mctp_reset(ep);
    return true;
}

void cxl_mctp_cleanup(CXLMCTPEndpoint *ep)
{
    cxl_cci_target_close(ep->target);
    ep->target = NULL;
}

void cxl_mctp_reset(CXLMCTPEndpoint *ep)
{
    if (ep->target) {
        cxl_cci_target_reset(ep->target);
    }
    ep->eid = MCTP_EID_NULL;
    ep->notify_eid = MCTP_EID_NULL;
    ep->rx_active = false;
    ep->tx_payload = CXL_MCTP_BTU;
}

static bool cxl_mctp_eid_valid(uint8_t eid)
{
    return eid >= MCTP_EID_FIRST_UNICAST && eid != MCTP_EID_BROADCAST;
}

/*
 * Send @msg to @dst with @tag, in as many packets as needed: a response,
 * or with MCTP_FLAG_TO in @tag a request
 */
static void cxl_mctp_send(CXLMCTPEndpoint *ep, uint8_t dst, uint8_t tag,
                          const uint8_t *msg, size_t len)
{
    uint8_t pkt[CXL_MCTP_HDR_LEN + CXL_MCTP_TX_PAYLOAD_MAX];
    uint8_t seq = 0;
    size_t off = 0;

    trace_cxl_mctp_send(ep->name, dst, tag, len, ep->tx_payload);
    do {
        size_t n = MIN(ep->tx_payload, len - off);

        pkt[0] = MCTP_VERSION;
        pkt[1] = dst;
        pkt[2] = ep->eid;
        pkt[3] = (off == 0 ? MCTP_FLAG_SOM : 0) |
                 (off + n == len ? MCTP_FLAG_EOM : 0) |
                 seq << MCTP_SEQ_SHIFT | tag;
        memcpy(pkt + CXL_MCTP_HDR_LEN, msg + off, n);
        ep->send(ep->opaque, pkt, CXL_MCTP_HDR_LEN + n, tag & MCTP_FLAG_TO);
        seq = (seq + 1) & 3;
        off += n;
    } while (off < len);
}

/* DSP0236 Table 13: version numbers in "F-prefixed" BCD */
static const uint8_t mctp_version_base[] = { 0xf1, 0xf3, 0xf1, 0x00 };
static const uint8_t mctp_version_cxl[] = { 0xf1, 0xf0, 0xf0, 0x00 };

static void cxl_mctp_control(CXLMCTPEndpoint *ep, const uint8_t *msg,
                             size_t len, uint8_t src, uint8_t tag)
{
    uint8_t rsp[4 + 1 + 4 * 2 + 16] = { MCTP_MSG_CONTROL };
    size_t rsp_len = 4;
    uint8_t cmd;

    if (len < 3 || !(msg[1] & MCTP_CTRL_RQ)) {
        trace_cxl_mctp_drop(ep->name, "control message is not a request");
        return;
    }
    cmd = msg[2];
    rsp[1] = msg[1] & MCTP_CTRL_IID_MASK;
    rsp[2] = cmd;
    rsp[3] = MCTP_CC_SUCCESS;
    trace_cxl_mctp_control(ep->name, cmd, src);

    switch (cmd) {
    case MCTP_CTRL_SET_EID:
        if (len < 5) {
            rsp[3] = MCTP_CC_INVALID_LENGTH;
            break;
        }
        switch (msg[3] & 3) {
        case MCTP_SET_EID_SET:
        case MCTP_SET_EID_FORCE:
            if (!cxl_mctp_eid_valid(msg[4])) {
                rsp[3] = MCTP_CC_INVALID_DATA;
                break;
            }
            ep->eid = msg[4];
            trace_cxl_mctp_eid(ep->name, ep->eid);
            /* fall through */
        case MCTP_SET_EID_DISCOVERED:
            rsp[4] = 0x00;  /* accepted, no EID pool */
            rsp[5] = ep->eid;
            rsp[6] = 0;     /* pool size */
            rsp_len = 7;
            break;
        default:
            /* Reset EID: there is no static EID to go back to */
            rsp[3] = MCTP_CC_INVALID_DATA;
        }
        break;
    case MCTP_CTRL_GET_EID:
        rsp[4] = ep->eid;
        rsp[5] = 0x00;      /* simple endpoint, dynamic EID */
        rsp[6] = 0x00;      /* medium-specific */
        rsp_len = 7;
        break;
    case MCTP_CTRL_GET_UUID:
        memcpy(rsp + 4, ep->uuid.data, sizeof(ep->uuid.data));
        rsp_len = 4 + sizeof(ep->uuid.data);
        break;
    case MCTP_CTRL_GET_VERSION: {
        const uint8_t *ver = NULL;

        if (len < 4) {
            rsp[3] = MCTP_CC_INVALID_LENGTH;
            break;
        }
        if (msg[3] == 0xff || msg[3] == MCTP_MSG_CONTROL) {
            ver = mctp_version_base;
        } else if (msg[3] == MCTP_MSG_CXL_FMAPI ||
                   msg[3] == MCTP_MSG_CXL_CCI) {
            ver = mctp_version_cxl;
        }
        if (!ver) {
            rsp[3] = MCTP_CC_TYPE_UNSUPPORTED;
            break;
        }
        rsp[4] = 1;
        memcpy(rsp + 5, ver, 4);
        rsp_len = 9;
        break;
    }
    case MCTP_CTRL_GET_MSG_TYPES:
        rsp[4] = 2;
        rsp[5] = MCTP_MSG_CXL_FMAPI;
        rsp[6] = MCTP_MSG_CXL_CCI;
        rsp_len = 7;
        break;
    default:
        rsp[3] = MCTP_CC_UNSUPPORTED;
        break;
    }
    if (!(msg[1] & MCTP_CTRL_D)) {
        cxl_mctp_send(ep, src, tag, rsp, rsp_len);
    }
}

static bool cxl_mctp_is_fmapi_set(uint8_t set)
{
    return set >= 0x51 && set <= 0x56;
}

static void cxl_mctp_cci(CXLMCTPEndpoint *ep, const uint8_t *msg, size_t len,
                         uint8_t src, uint8_t tag)
{
    const CXLCCIMessage *req = (const void *)(msg + 1);
    g_autofree uint8_t *rsp = g_malloc0(1 + sizeof(CXLCCIMessage) +
                                        CXL_MCTP_PAYLOAD_MAX);
    CXLCCIMessage *hdr = (void *)(rsp + 1);
    CXLCCI *cci = cxl_cci_target_cci(ep->target);
    uint8_t type = msg[0];
    size_t pl_len, len_out = 0;
    bool bg_started = false;
    uint16_t rc;

    if (len < 1 + sizeof(*req) ||
        (req->category & CXL_CCI_CAT_MASK) != CXL_CCI_CAT_REQ) {
        trace_cxl_mctp_drop(ep->name, "CCI message is not a request");
        return;
    }
    if (!cci) {
        trace_cxl_mctp_drop(ep->name, "the target is gone");
        return;
    }
    /* Devices send Event Notifications; one sent to a device is discarded */
    if (req->command_set == CXL_CCI_EVENTS &&
        req->command == CXL_CCI_EVENT_NOTIFICATION) {
        trace_cxl_mctp_drop(ep->name, "Event Notification sent to a device");
        return;
    }
    pl_len = cxl_cci_msg_payload_len(req);
    trace_cxl_mctp_cci(ep->name, type, req->command_set << 8 | req->command,
                       pl_len);
    if (1 + sizeof(*req) + pl_len != len) {
        rc = CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    } else if (cxl_mctp_is_fmapi_set(req->command_set) !=
               (type == MCTP_MSG_CXL_FMAPI)) {
        rc = CXL_MBOX_UNSUPPORTED;
    } else {
        /* Handlers may read a whole payload's worth: zeroes past ours */
        g_autofree uint8_t *in = g_malloc0(CXL_MAILBOX_MAX_PAYLOAD_SIZE);

        memcpy(in, req->payload, pl_len);
        rc = cxl_process_cci_message(cci, req->command_set, req->command,
                                     pl_len, in, &len_out, hdr->payload,
                                     &bg_started);
    }
    if (rc == CXL_MBOX_SUCCESS && req->command_set == CXL_CCI_EVENTS &&
        req->command == CXL_CCI_SET_MCTP_EVENT_POLICY) {
        ep->notify_eid = src;
    }
    rsp[0] = type;
    cxl_cci_msg_set_response(hdr, req, rc, len_out, bg_started);
    cxl_mctp_send(ep, src, tag, rsp, 1 + sizeof(*hdr) + len_out);
}

/* Event Notification (0106h), CXL r3.2 Table 8-71: the log, as a bit */
static void cxl_mctp_event_notify(void *opaque, CXLEventLogType log)
{
    CXLMCTPEndpoint *ep = opaque;
    uint8_t msg[1 + sizeof(CXLCCIMessage) + 2] = { MCTP_MSG_CXL_CCI };
    CXLCCIMessage *hdr = (void *)(msg + 1);

    if (ep->eid == MCTP_EID_NULL || ep->notify_eid == MCTP_EID_NULL) {
        trace_cxl_mctp_drop(ep->name, "Event Notification: no EID to send to");
        return;
    }
    hdr->category = CXL_CCI_CAT_REQ;
    hdr->tag = ep->notify_cci_tag++;
    hdr->command = CXL_CCI_EVENT_NOTIFICATION;
    hdr->command_set = CXL_CCI_EVENTS;
    st24_le_p(hdr->pl_length, 2);
    stw_le_p(hdr->payload, BIT(log));
    trace_cxl_mctp_notify(ep->name, ep->notify_eid, log);
    cxl_mctp_send(ep, ep->notify_eid, MCTP_FLAG_TO | ep->notify_tag, msg,
                  sizeof(msg));
    ep->notify_tag = (ep->notify_tag + 1) & MCTP_TAG_MASK;
}

static void cxl_mctp_message(CXLMCTPEndpoint *ep)
{
    uint8_t type = ep->rx_msg[0];

    if (ep->busy(ep->opaque)) {
        trace_cxl_mctp_drop(ep->name, "a response is still being sent");
        return;
    }
    if (type & MCTP_MSG_IC) {
        trace_cxl_mctp_drop(ep->name, "integrity check not supported");
        return;
    }
    switch (type) {
    case MCTP_MSG_CONTROL:
        cxl_mctp_control(ep, ep->rx_msg, ep->rx_len, ep->rx_src, ep->rx_tag);
        break;
    case MCTP_MSG_CXL_FMAPI:
    case MCTP_MSG_CXL_CCI:
        cxl_mctp_cci(ep, ep->rx_msg, ep->rx_len, ep->rx_src, ep->rx_tag);
        break;
    default:
        trace_cxl_mctp_drop(ep->name, "unknown message type");
        break;
    }
}

/* The FM's response to an Event Notification, in one packet */
static bool cxl_mctp_is_notify_response(const uint8_t *msg, size_t len,
                                        uint8_t flags)
{
    const CXLCCIMessage *rsp = (const void *)(msg + 1);

    return (flags & (MCTP_FLAG_SOM | MCTP_FLAG_EOM)) ==
           (MCTP_FLAG_SOM | MCTP_FLAG_EOM) &&
           len >= 1 + sizeof(*rsp) && msg[0] == MCTP_MSG_CXL_CCI &&
           (rsp->category & CXL_CCI_CAT_MASK) == CXL_CCI_CAT_RSP &&
           rsp->command_set == CXL_CCI_EVENTS &&
           rsp->command == CXL_CCI_EVENT_NOTIFICATION;
}

void cxl_mctp_receive(CXLMCTPEndpoint *ep, const uint8_t *pkt, size_t len)
{
    uint8_t dst, src, flags, tag, seq;
    size_t n;

    if (len < CXL_MCTP_HDR_LEN + 1) {
        trace_cxl_mctp_drop(ep->name, "packet too short");
        return;
    }
    dst = pkt[1];
    src = pkt[2];
    flags = pkt[3];
    tag = flags & MCTP_TAG_MASK;
    seq = (flags >> MCTP_SEQ_SHIFT) & 3;
    n = len - CXL_MCTP_HDR_LEN;
    if ((pkt[0] & 0xf) != MCTP_VERSION) {
        trace_cxl_mctp_drop(ep->name, "unknown MCTP header version");
        return;
    }
    /* Physical addressing (EID 0) always works, the own EID once set */
    if (dst != MCTP_EID_NULL && (ep->eid == MCTP_EID_NULL || dst != ep->eid)) {
        trace_cxl_mctp_drop(ep->name, "destination is not this endpoint");
        return;
    }
    if (!(flags & MCTP_FLAG_TO)) {
        if (cxl_mctp_is_notify_response(pkt + CXL_MCTP_HDR_LEN, n, flags)) {
            trace_cxl_mctp_notify_ack(ep->name, src, tag);
        } else {
            trace_cxl_mctp_drop(ep->name, "not a request (tag owner clear)");
        }
        return;
    }

    if (flags & MCTP_FLAG_SOM) {
        if (ep->rx_active) {
            trace_cxl_mctp_drop(ep->name, "new message before the last ended");
        }
        ep->rx_active = true;
        ep->rx_len = 0;
        ep->rx_dst = dst;
        ep->rx_src = src;
        ep->rx_tag = tag;
    } else if (!ep->rx_active || src != ep->rx_src || tag != ep->rx_tag ||
               seq != ((ep->rx_seq + 1) & 3)) {
        trace_cxl_mctp_drop(ep->name, "packet out of sequence");
        ep->rx_active = false;
        return;
    }
    ep->rx_seq = seq;
    if (ep->rx_len + n > sizeof(ep->rx_msg)) {
        trace_cxl_mctp_drop(ep->name, "message over the size limit");
        ep->rx_active = false;
        return;
    }
    memcpy(ep->rx_msg + ep->rx_len, pkt + CXL_MCTP_HDR_LEN, n);
    ep->rx_len += n;
    /* The host sends packets its MTU allows: send that size back */
    ep->tx_payload = MIN(MAX(ep->tx_payload, n), CXL_MCTP_TX_PAYLOAD_MAX);

    if (flags & MCTP_FLAG_EOM) {
        ep->rx_active = false;
        cxl_mctp_message(ep);
    }
}
