/*
 * What the guest's fabric manager programs share.  They are written on
 * libcxlmi's API (built from its snapshot at test time, linked static)
 * and reach the switch as a CXL endpoint on an MCTP network:
 * cxlmi_open_mctp(NET, EID) after mctpd's SetupEndpoint gave it EID.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef GUEST_FM_COMMON_H
#define GUEST_FM_COMMON_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <linux/mctp.h>

#include <libcxlmi.h>

#include "../tools/tool-util.h"

#ifndef AF_MCTP
#define AF_MCTP 45
#endif

/* MCTP message type of CXL CCI messages (DSP0281) */
#define FM_MCTP_TYPE_CCI 0x08
/* Events (01h) commands, CXL r3.2 Table 8-37 */
#define FM_EVENTS_SET 0x01
#define FM_EVENT_NOTIFICATION 0x06
/* The logs the FM asks Event Notifications for: informational, warning */
#define FM_NOTIFY_LOGS 0x0003
/* How long a bind or unbind may take, in the guest's seconds */
#define FM_BACKGROUND_TIMEOUT_S 60
/* libcxlmi's wait for each response */
#define FM_RESPONSE_TIMEOUT_MS 5000
/* vPPBs a VCS has at most in one Get Virtual CXL Switch Info response */
#define FM_VPPB_LIMIT 64

typedef struct FMEndpoint {
    const char *tool;
    struct cxlmi_ctx *ctx;
    struct cxlmi_endpoint *ep;
    unsigned net;
    uint8_t eid;
} FMEndpoint;

static inline const char *fm_rc_name(int rc)
{
    if (rc < 0) {
        return "no valid response";
    }
    return cxlmi_cmd_retcode_tostr(rc);
}

/* Print what @what answered; true if it succeeded */
static inline bool fm_report(FMEndpoint *f, const char *what, int rc)
{
    printf("%s: %s (%d)\n", what, fm_rc_name(rc), rc);
    return rc == CXLMI_RET_SUCCESS;
}

/*
 * NET and EID from argv[1] and argv[2]: open the switch as libcxlmi
 * does, probing it (Identify) and so enabling FM-API on message type 7
 */
static inline void fm_open(FMEndpoint *f, const char *tool, int argc,
                           char **argv, int nargs, const char *usage)
{
    if (argc != 3 + nargs) {
        fprintf(stderr, "usage: %s NET EID %s\n", tool, usage);
        exit(2);
    }
    f->tool = tool;
    f->net = parse_num(tool, "NET", argv[1], 0xffffffffu);
    f->eid = parse_num(tool, "EID", argv[2], 0xfe);
    f->ctx = cxlmi_new_ctx(stderr, LOG_WARNING);
    if (!f->ctx) {
        fprintf(stderr, "%s: cxlmi_new_ctx failed\n", tool);
        exit(1);
    }
    f->ep = cxlmi_open_mctp(f->ctx, f->net, f->eid);
    if (!f->ep) {
        fprintf(stderr, "%s: cxlmi_open_mctp(net %u, EID %u) failed: %s\n",
                tool, f->net, f->eid, strerror(errno));
        exit(1);
    }
    cxlmi_endpoint_set_timeout(f->ep, FM_RESPONSE_TIMEOUT_MS);
    if (!cxlmi_endpoint_has_fmapi(f->ep)) {
        fprintf(stderr, "%s: EID %u does not take FM-API commands\n", tool,
                f->eid);
        exit(1);
    }
}

static inline void fm_close(FMEndpoint *f)
{
    cxlmi_close(f->ep);
    cxlmi_free_ctx(f->ctx);
}

static inline const char *fm_vppb_state(uint8_t status)
{
    static const char *const names[] = {
        "unbound", "in progress", "bound", "bound LD",
    };

    return status < 4 ? names[status] : "?";
}

/*
 * Get Virtual CXL Switch Info (5200h) of every VCS Identify Switch
 * Device counts, printed as the harness reads it:
 *   VCS n: enabled, USP port p, k vPPBs
 *     vPPB j: bound to port q
 * @bound, if not NULL, counts the vPPBs bound.  Returns libcxlmi's rc.
 */
static inline int fm_print_vcs(FMEndpoint *f, unsigned *bound)
{
    struct cxlmi_cmd_fmapi_identify_sw_device_rsp id;
    size_t rsp_len = sizeof(struct cxlmi_cmd_fmapi_get_vcs_info_rsp) +
        sizeof(struct cxlmi_cmd_fmapi_vcs_info_block) +
        FM_VPPB_LIMIT * sizeof(struct cxlmi_cmd_fmapi_vppb_info);
    struct cxlmi_cmd_fmapi_get_vcs_info_rsp *rsp = calloc(1, rsp_len);
    struct cxlmi_cmd_fmapi_get_vcs_info_req *req =
        calloc(1, sizeof(*req) + 1);
    int rc = cxlmi_cmd_fmapi_identify_sw_device(f->ep, NULL, &id);

    if (bound) {
        *bound = 0;
    }
    for (unsigned vcs = 0; !rc && vcs < id.num_vcs; vcs++) {
        struct cxlmi_cmd_fmapi_vcs_info_block *v = rsp->vcs_info_list;

        req->start_vppb = 0;
        req->vppb_list_limit = FM_VPPB_LIMIT;
        req->num_vcs = 1;
        req->vcs_id_list[0] = vcs;
        memset(rsp, 0, rsp_len);
        rc = cxlmi_cmd_fmapi_get_vcs_info(f->ep, NULL, req, rsp);
        if (rc) {
            break;
        }
        printf("VCS %u: %s, USP port %u, %u vPPBs\n", v->vcs_id,
               v->vcs_state == 1 ? "enabled" :
               v->vcs_state ? "invalid" : "disabled", v->usp_id,
               v->num_vppbs);
        for (unsigned j = 0; j < v->num_vppbs && j < FM_VPPB_LIMIT; j++) {
            struct cxlmi_cmd_fmapi_vppb_info *e = &v->vppbs[j];

            printf("  vPPB %u: %s", j, fm_vppb_state(e->binding_status));
            if (e->binding_status) {
                printf(" to port %u", e->bound_port_id);
            }
            if (e->binding_status == 3) {
                printf(", LD %u", e->bound_ld_id);
            }
            printf("\n");
            if (bound && e->binding_status >= 2) {
                (*bound)++;
            }
        }
    }
    free(req);
    free(rsp);
    fm_report(f, "Get Virtual CXL Switch Info", rc);
    return rc;
}

/*
 * A socket that receives the switch's requests to us: the Event
 * Notifications (CXL CCI message type) it sends once we set its MCTP
 * Event Interrupt Policy
 */
static inline int fm_listen(FMEndpoint *f)
{
    struct sockaddr_mctp addr = {
        .smctp_family = AF_MCTP,
        .smctp_network = f->net,
        .smctp_addr.s_addr = MCTP_ADDR_ANY,
        .smctp_type = FM_MCTP_TYPE_CCI,
    };
    int fd = socket(AF_MCTP, SOCK_DGRAM, 0);

    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        fprintf(stderr, "%s: cannot listen for Event Notifications: %s\n",
                f->tool, strerror(errno));
        exit(1);
    }
    return fd;
}

/*
 * Ask for Event Notifications of the informational and warning logs and
 * empty both, so that the next record in either is a first one
 */
static inline bool fm_notify_setup(FMEndpoint *f)
{
    struct cxlmi_cmd_set_mctp_event_interrupt_policy_req pol = {
        .event_interrupt_settings = FM_NOTIFY_LOGS,
    };
    int rc = cxlmi_cmd_set_mctp_event_interrupt_policy(f->ep, NULL, &pol);

    if (rc) {
        return fm_report(f, "Set MCTP Event Interrupt Policy", rc);
    }
    for (uint8_t log = 0; log < 2; log++) {
        struct cxlmi_cmd_clear_event_records_req clr = {
            .event_log = log,
            .clear_flags = 1,   /* Clear All Events */
        };

        rc = cxlmi_cmd_clear_event_records(f->ep, NULL, &clr);
        if (rc) {
            return fm_report(f, "Clear Event Records", rc);
        }
    }
    return true;
}

/*
 * Wait for the switch's Event Notification, answer it, and return the
 * logs it names (a bit each), or -1 when none came in time
 */
static inline int fm_wait_notification(FMEndpoint *f, int fd, int timeout_s)
{
    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        struct sockaddr_mctp from;
        socklen_t from_len = sizeof(from);
        struct cxlmi_cci_msg *msg;
        uint8_t buf[64];
        ssize_t n;
        int left;

        clock_gettime(CLOCK_MONOTONIC, &now);
        left = timeout_s * 1000 - (int)((now.tv_sec - start.tv_sec) * 1000 +
                                        (now.tv_nsec - start.tv_nsec) /
                                        1000000);
        if (left <= 0 || poll(&p, 1, left) <= 0) {
            return -1;
        }
        n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
                     &from_len);
        msg = (struct cxlmi_cci_msg *)buf;
        if (n < (ssize_t)sizeof(*msg) + 2 || msg->category != 0 ||
            msg->command_set != FM_EVENTS_SET ||
            msg->command != FM_EVENT_NOTIFICATION) {
            fprintf(stderr, "%s: ignored a request that is not an Event "
                    "Notification\n", f->tool);
            continue;
        }
        /* The response: same CCI tag, no payload, Success */
        msg->category = 1;
        memset(msg->pl_length, 0, sizeof(msg->pl_length));
        msg->return_code = 0;
        msg->vendor_ext_status = 0;
        from.smctp_tag &= ~MCTP_TAG_OWNER;
        if (sendto(fd, msg, sizeof(*msg), 0, (struct sockaddr *)&from,
                   sizeof(from)) < 0) {
            fprintf(stderr, "%s: answering the Event Notification: %s\n",
                    f->tool, strerror(errno));
        }
        return msg->payload[0] | msg->payload[1] << 8;
    }
}

/*
 * A background command @opcode (a bind or unbind) was started: learn of
 * its end from the Event Notification of its VCS Event Record, then read
 * how it ended from Background Operation Status.  Returns its return
 * code, or -1.
 */
static inline int fm_background_done(FMEndpoint *f, int fd, uint16_t opcode)
{
    struct cxlmi_cmd_bg_op_status_rsp st;
    int logs = fm_wait_notification(f, fd, FM_BACKGROUND_TIMEOUT_S);
    int rc;

    if (logs < 0) {
        fprintf(stderr, "%s: no Event Notification within %d s\n", f->tool,
                FM_BACKGROUND_TIMEOUT_S);
        return -1;
    }
    printf("Event Notification from EID %u: %s%s log\n", f->eid,
           logs & 1 ? "informational" : "",
           logs & 2 ? (logs & 1 ? " and warning" : "warning") : "");
    rc = cxlmi_cmd_bg_op_status(f->ep, NULL, &st);
    if (rc) {
        fm_report(f, "Background Operation Status", rc);
        return -1;
    }
    if (st.opcode != opcode || (st.status & 1) || st.status >> 1 != 100) {
        fprintf(stderr, "%s: Background Operation Status: opcode %04xh, "
                "%u%% done\n", f->tool, st.opcode, st.status >> 1);
        return -1;
    }
    return st.returncode;
}

#endif
