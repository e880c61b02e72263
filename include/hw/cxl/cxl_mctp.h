/*
 * MCTP endpoint (DMTF DSP0236) carrying CXL FM-API (message type 7) and
 * CXL CCI (message type 8) messages, independent of the MCTP transport.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_MCTP_H
#define HW_CXL_CXL_MCTP_H

#include "qemu/uuid.h"
#include "hw/cxl/cxl_device.h"
#include "hw/cxl/cxl_cci_target.h"

/* MCTP transport header: version, destination, source, flags/tag */
#define CXL_MCTP_HDR_LEN 4
/* Baseline transmission unit: packet payload bytes every medium carries */
#define CXL_MCTP_BTU 64
/* Largest CCI payload over MCTP: a response message limit of 2^10 */
#define CXL_MCTP_PAYLOAD_MAX 1024
/* CCI message: message type, CCI header, payload */
#define CXL_MCTP_MSG_MAX (1 + 12 + CXL_MCTP_PAYLOAD_MAX)

/*
 * Send one MCTP packet (transport header and payload) toward the host:
 * part of a response or, with @request, of a request the endpoint makes
 * (an Event Notification)
 */
typedef void CXLMCTPSendFn(void *opaque, const uint8_t *pkt, size_t len,
                           bool request);
/* Whether packets of an earlier response are still waiting to be sent */
typedef bool CXLMCTPBusyFn(void *opaque);

typedef struct CXLMCTPEndpoint {
    CXLCCITarget *target;   /* the component whose CCI serves the messages */
    const char *name;       /* for trace events */
    QemuUUID uuid;
    uint8_t eid;            /* 0 until the bus owner assigns one */
    size_t tx_payload;      /* packet payload size toward the host */
    CXLCCITransport transport;

    /*
     * Event Notifications go to the EID that last set the MCTP Event
     * Interrupt Policy (0: none did), each with the next MCTP tag and
     * CCI message tag of ours
     */
    uint8_t notify_eid;
    uint8_t notify_tag;
    uint8_t notify_cci_tag;

    /* Reassembly of the request being received */
    bool rx_active;
    uint8_t rx_dst, rx_src, rx_tag, rx_seq;
    size_t rx_len;
    uint8_t rx_msg[CXL_MCTP_MSG_MAX];

    CXLMCTPSendFn *send;
    CXLMCTPBusyFn *busy;
    void *opaque;
} CXLMCTPEndpoint;

/*
 * An endpoint of transport device @intf for the component @target names
 * (see cxl_cci_target_open()); false with @errp set if it names none.
 */
bool cxl_mctp_init(CXLMCTPEndpoint *ep, const char *name, const char *target,
                   DeviceState *intf, CXLMCTPSendFn *send,
                   CXLMCTPBusyFn *busy, void *opaque, Error **errp);
void cxl_mctp_cleanup(CXLMCTPEndpoint *ep);
/*
 * The transport was reset: forget the EID, any partial message and what
 * the FM asked to be signalled
 */
void cxl_mctp_reset(CXLMCTPEndpoint *ep);
/* One MCTP packet from the host, transport header first */
void cxl_mctp_receive(CXLMCTPEndpoint *ep, const uint8_t *pkt, size_t len);

#endif
