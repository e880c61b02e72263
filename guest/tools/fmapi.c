/*
 * fmapi: a small CXL fabric manager client over AF_MCTP sockets.
 *
 *   fmapi assign IFNAME EID          give the endpoint at physical
 *                                    address 0 on IFNAME the EID
 *   fmapi identify EID               Identify (0001h), MCTP type 8
 *   fmapi switch EID                 Identify Switch Device (5100h)
 *   fmapi ports EID PORT...          Get Physical Port State (5101h)
 *   fmapi vcs EID VCS...             Get Virtual CXL Switch Info (5200h)
 *   fmapi bind EID VCS VPPB PORT [LD]
 *                                    Bind vPPB (5201h) of the SLD on PORT,
 *                                    or of its LD LD; waits for it
 *   fmapi unbind EID VCS VPPB OPT    Unbind vPPB (5202h), waits for it
 *   fmapi cycle EID VCS VPPB PORT N  N times: bind the SLD on PORT,
 *                                    surprise-unbind it, each waited
 *                                    for, with Get Virtual CXL Switch
 *                                    Info every tenth cycle; fails on
 *                                    any other outcome than those a
 *                                    racing host allows
 *   fmapi aer EID VCS INSTANCE ERROR Generate AER Event (5203h): the
 *                                    error (bits 4:0 its status bit,
 *                                    bit 31 set: uncorrectable) as vPPB
 *                                    instance INSTANCE of VCS would
 *                                    signal it; libcxlmi has no command
 *                                    for this
 *   fmapi tunnel EID PORT OPCODE [BYTE...]
 *                                    Tunnel Management Command (5300h):
 *                                    send command OPCODE with the given
 *                                    payload bytes to the device behind
 *                                    physical port PORT
 *   fmapi tunnel-ld EID PORT LD OPCODE [BYTE...]
 *                                    the same to LD LD of the MLD on
 *                                    PORT, through its FM-owned LD
 *
 * FM-API command sets 51h-56h go on MCTP message type 7, the others on
 * type 8.  The kernel adds the message type byte to what a socket sends
 * and takes it off what it receives.  Exit status: 0 when the command
 * succeeded.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/mctp.h>

#include "tool-util.h"

#ifndef AF_MCTP
#define AF_MCTP 45
#endif
#ifndef SOL_MCTP
#define SOL_MCTP 285
#endif

#define MCTP_NET 1
#define MSG_MAX (1 + 12 + 1024)

static const char *const rc_names[] = {
    "Success", "Background Command Started", "Invalid Input",
    "Unsupported", "Internal Error", "Retry Required", "Busy",
};

static const char *rc_name(unsigned rc)
{
    return rc < sizeof(rc_names) / sizeof(rc_names[0]) ? rc_names[rc] :
        rc == 0x16 ? "Invalid Payload Length" : "error";
}

static int open_socket(void)
{
    struct timeval tv = { .tv_sec = 2 };
    int fd = socket(AF_MCTP, SOCK_DGRAM, 0);

    if (fd < 0) {
        perror("fmapi: socket(AF_MCTP)");
        exit(1);
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static size_t receive(int fd, uint8_t *buf, size_t size)
{
    ssize_t n = recv(fd, buf, size, 0);

    if (n < 0) {
        perror("fmapi: no response");
        exit(1);
    }
    return n;
}

/* Control request to the endpoint at physical address 0 on @ifindex */
static size_t control_physical(int ifindex, const uint8_t *req, size_t len,
                               uint8_t *rsp, size_t size)
{
    struct sockaddr_mctp_ext addr = {
        .smctp_base = {
            .smctp_family = AF_MCTP,
            .smctp_network = MCTP_NET,
            .smctp_addr.s_addr = MCTP_ADDR_NULL,
            .smctp_type = 0,
            .smctp_tag = MCTP_TAG_OWNER,
        },
        .smctp_ifindex = ifindex,
        .smctp_halen = 0,
    };
    int fd = open_socket(), one = 1;
    size_t n;

    if (setsockopt(fd, SOL_MCTP, MCTP_OPT_ADDR_EXT, &one, sizeof(one)) < 0 ||
        sendto(fd, req, len, 0, (struct sockaddr *)&addr,
               sizeof(addr)) < 0) {
        perror("fmapi: sendto");
        exit(1);
    }
    n = receive(fd, rsp, size);
    close(fd);
    return n;
}

static int cmd_assign(const char *ifname, uint8_t eid)
{
    int ifindex = ifindex_of(ifname);
    uint8_t get[] = { 0x80, 0x02 };
    uint8_t set[] = { 0x81, 0x01, 0x00, eid };
    uint8_t rsp[64];
    size_t n;

    if (!ifindex) {
        fprintf(stderr, "fmapi: no interface %s\n", ifname);
        return 1;
    }
    n = control_physical(ifindex, get, sizeof(get), rsp, sizeof(rsp));
    if (n < 6 || rsp[2]) {
        fprintf(stderr, "fmapi: Get Endpoint ID failed\n");
        return 1;
    }
    printf("Get Endpoint ID (physical address): EID %u\n", rsp[3]);
    n = control_physical(ifindex, set, sizeof(set), rsp, sizeof(rsp));
    if (n < 6 || rsp[2] || rsp[4] != eid) {
        fprintf(stderr, "fmapi: Set Endpoint ID failed\n");
        return 1;
    }
    printf("Set Endpoint ID: EID %u accepted\n", rsp[4]);
    return 0;
}

/*
 * Send a CCI request; returns its return code, with the payload in @out
 * and its length in *@out_len.
 */
static unsigned cci(uint8_t eid, uint16_t opcode, const uint8_t *in,
                    size_t in_len, uint8_t *out, size_t *out_len)
{
    uint8_t set = opcode >> 8;
    uint8_t type = set >= 0x51 && set <= 0x56 ? 7 : 8;
    struct sockaddr_mctp addr = {
        .smctp_family = AF_MCTP,
        .smctp_network = MCTP_NET,
        .smctp_addr.s_addr = eid,
        .smctp_type = type,
        .smctp_tag = MCTP_TAG_OWNER,
    };
    static uint8_t tag;
    uint8_t req[MSG_MAX] = { 0, ++tag, 0, opcode & 0xff, set,
                             in_len & 0xff, in_len >> 8, in_len >> 16 };
    uint8_t rsp[MSG_MAX];
    int fd = open_socket();
    size_t n, len;

    memcpy(req + 12, in, in_len);
    if (sendto(fd, req, 12 + in_len, 0, (struct sockaddr *)&addr,
               sizeof(addr)) < 0) {
        perror("fmapi: sendto");
        exit(1);
    }
    n = receive(fd, rsp, sizeof(rsp));
    close(fd);
    len = (rsp[5] | rsp[6] << 8 | rsp[7] << 16) & 0x1fffff;
    if (n < 12 || (rsp[0] & 0xf) != 1 || rsp[1] != tag ||
        rsp[3] != (opcode & 0xff) || rsp[4] != set || len != n - 12) {
        fprintf(stderr, "fmapi: malformed response to %04xh\n", opcode);
        exit(1);
    }
    memcpy(out, rsp + 12, len);
    *out_len = len;
    return rsp[8] | rsp[9] << 8;
}

/* Wait for the background command @opcode to finish; its return code */
static unsigned wait_background(uint8_t eid, uint16_t opcode)
{
    for (int i = 0; i < 600; i++) {
        uint8_t out[16];
        size_t len;
        struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };

        if (cci(eid, 0x0002, NULL, 0, out, &len) || len < 8) {
            fprintf(stderr, "fmapi: Background Operation Status failed\n");
            return 4;
        }
        if ((out[2] | out[3] << 8) == opcode && !(out[0] & 1) &&
            out[0] >> 1 == 100) {
            return out[4] | out[5] << 8;
        }
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "fmapi: %04xh did not finish in 60 s\n", opcode);
    return 4;
}

/* Issue a background command and wait for it: its final return code */
static unsigned background(uint8_t eid, uint16_t opcode, const uint8_t *in,
                           size_t in_len)
{
    uint8_t out[MSG_MAX];
    size_t len;
    unsigned rc = cci(eid, opcode, in, in_len, out, &len);

    return rc == 1 ? wait_background(eid, opcode) : rc;
}

/*
 * Bind and surprise-unbind @count times while the host's pciehp handles
 * each hot-add and removal.  A bind succeeds; its unbind succeeds, or
 * finds the vPPB unbound already (Invalid Input) when the host powered
 * the slot off first, as pciehp does after a removal.
 */
static int cmd_cycle(uint8_t eid, uint8_t vcs, uint8_t vppb, uint8_t port,
                     unsigned count)
{
    const uint8_t bind[6] = { vcs, vppb, port, 0, 0xff, 0xff };
    const uint8_t unbind[3] = { vcs, vppb, 2 };
    const uint8_t info[4] = { vppb, 1, 1, vcs };
    unsigned by_host = 0;

    for (unsigned i = 1; i <= count; i++) {
        uint8_t out[MSG_MAX];
        size_t len;
        unsigned rc = background(eid, 0x5201, bind, sizeof(bind));

        if (rc) {
            fprintf(stderr, "fmapi: cycle %u: bind: %s (%u)\n", i,
                    rc_name(rc), rc);
            return 1;
        }
        rc = background(eid, 0x5202, unbind, sizeof(unbind));
        if (rc && rc != 2) {
            fprintf(stderr, "fmapi: cycle %u: unbind: %s (%u)\n", i,
                    rc_name(rc), rc);
            return 1;
        }
        by_host += rc == 2;
        if (i % 10 == 0 &&
            (cci(eid, 0x5200, info, sizeof(info), out, &len) || len < 8 ||
             out[0] != 1 || out[4] != vcs || out[5] != 1)) {
            fprintf(stderr, "fmapi: cycle %u: Get Virtual CXL Switch Info "
                    "failed\n", i);
            return 1;
        }
        if (i % 100 == 0) {
            printf("cycle %u: bound and unbound; the host removed %u "
                   "first\n", i, by_host);
            fflush(stdout);
        }
    }
    return 0;
}

static int report(const char *what, unsigned rc)
{
    printf("%s: %s (%u)\n", what, rc_name(rc), rc);
    return rc != 0;
}

/* Argument @i of the command line, a number from 0 to @max */
#define NUM(what, i, max) parse_num("fmapi", what, argv[i], max)

int main(int argc, char **argv)
{
    uint8_t in[260], out[MSG_MAX];
    size_t len;
    unsigned rc, eid;
    int n = argc - 3;

    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of fmapi.c\n");
        return 2;
    }
    if (!strcmp(argv[1], "assign")) {
        if (argc != 4) {
            fprintf(stderr, "usage: fmapi assign IFNAME EID\n");
            return 2;
        }
        return cmd_assign(argv[2], NUM("EID", 3, 0xfe));
    }
    eid = NUM("EID", 2, 0xfe);

    if (!strcmp(argv[1], "identify")) {
        rc = cci(eid, 0x0001, NULL, 0, out, &len);
        if (!rc && len == 18) {
            printf("Identify: VID %04x DID %04x serial %llu, component %s\n",
                   out[0] | out[1] << 8, out[2] | out[3] << 8,
                   (unsigned long long)(out[8] | out[9] << 8 |
                                        out[10] << 16 |
                                        (uint64_t)out[11] << 24 |
                                        (uint64_t)out[12] << 32 |
                                        (uint64_t)out[13] << 40),
                   out[17] == 0 ? "switch" : out[17] == 3 ? "type 3" : "?");
        }
        return report("Identify", rc);
    }
    if (!strcmp(argv[1], "switch")) {
        rc = cci(eid, 0x5100, NULL, 0, out, &len);
        if (!rc && len == 0x49) {
            printf("Switch: %u physical ports, %u VCSs, %u vPPBs, %u bound\n",
                   out[2], out[3], out[0x44] | out[0x45] << 8,
                   out[0x46] | out[0x47] << 8);
        }
        return report("Identify Switch Device", rc);
    }
    if (!strcmp(argv[1], "ports") && n > 0 && n < 256) {
        static const char *const states[] = {
            "disabled", "bind in progress", "unbind in progress", "DSP",
            "USP",
        };
        in[0] = n;
        for (int i = 0; i < n; i++) {
            in[1 + i] = NUM("port", 3 + i, 0xff);
        }
        rc = cci(eid, 0x5101, in, 1 + n, out, &len);
        for (int i = 0; !rc && i < n && (size_t)(4 + 16 * i + 16) <= len;
             i++) {
            uint8_t *b = out + 4 + 16 * i;

            printf("port %u: %s, device %s, x%u, LTSSM %s\n", b[0],
                   b[1] < 5 ? states[b[1]] : "?",
                   b[4] == 4 ? "type-3 SLD" : b[4] == 5 ? "type-3 MLD" :
                   b[4] ? "other" : "none", b[7],
                   b[11] == 4 ? "L0" : "down");
            if (b[4] == 5) {
                printf("  %u LDs\n", b[15]);
            }
        }
        return report("Get Physical Port State", rc);
    }
    if (!strcmp(argv[1], "vcs") && n > 0 && n < 256) {
        size_t off = 4;

        in[0] = 0;
        in[1] = 255;
        in[2] = n;
        for (int i = 0; i < n; i++) {
            in[3 + i] = NUM("VCS", 3 + i, 0xff);
        }
        rc = cci(eid, 0x5200, in, 3 + n, out, &len);
        for (int i = 0; !rc && i < out[0] && off + 4 <= len; i++) {
            uint8_t *v = out + off;

            printf("VCS %u: %s, USP port %u, %u vPPBs\n", v[0],
                   v[1] == 1 ? "enabled" : v[1] ? "invalid" : "disabled",
                   v[2], v[3]);
            for (int j = 0; j < v[3]; j++) {
                uint8_t *e = v + 4 + 4 * j;

                printf("  vPPB %d: %s", j,
                       e[0] >= 2 ? "bound" : e[0] == 1 ? "in progress" :
                       "unbound");
                if (e[0]) {
                    printf(" to port %u", e[1]);
                }
                if (e[0] == 3) {
                    printf(" LD %u", e[2]);
                }
                printf("\n");
            }
            off += 4 + 4 * v[3];
        }
        return report("Get Virtual CXL Switch Info", rc);
    }
    if (!strcmp(argv[1], "bind") && (n == 3 || n == 4)) {
        unsigned ld = n == 4 ? NUM("LD", 6, 0xfffe) : 0xffff;
        uint8_t req[6] = { NUM("VCS", 3, 0xff), NUM("vPPB", 4, 0xff),
                           NUM("port", 5, 0xff), 0, ld & 0xff, ld >> 8 };

        rc = cci(eid, 0x5201, req, sizeof(req), out, &len);
        report("Bind vPPB", rc);
        if (rc == 1) {
            return report("Bind vPPB completed", wait_background(eid, 0x5201));
        }
        return 1;
    }
    if (!strcmp(argv[1], "unbind") && n == 3) {
        uint8_t req[3] = { NUM("VCS", 3, 0xff), NUM("vPPB", 4, 0xff),
                           NUM("option", 5, 0xf) };

        rc = cci(eid, 0x5202, req, sizeof(req), out, &len);
        report("Unbind vPPB", rc);
        if (rc == 1) {
            return report("Unbind vPPB completed",
                          wait_background(eid, 0x5202));
        }
        return 1;
    }
    if (!strcmp(argv[1], "cycle") && n == 4) {
        return cmd_cycle(eid, NUM("VCS", 3, 0xff), NUM("vPPB", 4, 0xff),
                         NUM("port", 5, 0xff), NUM("count", 6, 1000000));
    }
    if (!strcmp(argv[1], "aer") && n == 3) {
        /* VCS, vPPB instance, 2 reserved, error (LE), no TLP header */
        uint8_t req[40] = { NUM("VCS", 3, 0xff), NUM("instance", 4, 0xff) };
        unsigned long error = NUM("error", 5, 0xffffffff);

        for (int i = 0; i < 4; i++) {
            req[4 + i] = error >> (8 * i);
        }
        return report("Generate AER Event",
                      cci(eid, 0x5203, req, sizeof(req), out, &len));
    }
    if ((!strcmp(argv[1], "tunnel") && n >= 2 && n < 200) ||
        (!strcmp(argv[1], "tunnel-ld") && n >= 3 && n < 180)) {
        /*
         * Port (or LD), target type 0, size, then a whole CCI request
         * message; tunnel-ld puts one in the other
         */
        bool nested = !strcmp(argv[1], "tunnel-ld");
        unsigned first = nested ? 6 : 5;
        unsigned opcode = NUM("opcode", first - 1, 0xffff);
        unsigned pl = n - (nested ? 3 : 2);
        unsigned total = pl + (nested ? 16 : 0);
        uint8_t req[4 + 12 + 16 + 200] = {
            NUM("port", 3, 0xff), 0, (12 + total) & 0xff, (12 + total) >> 8,
            0, 1, 0, nested ? 0x00 : opcode & 0xff, nested ? 0x53 : opcode >> 8,
            total & 0xff, total >> 8, 0
        };
        uint8_t *msg = req + 16;
        unsigned inner = 0;

        if (nested) {
            uint8_t inner[16] = { NUM("LD", 4, 0xff), 0, (12 + pl) & 0xff,
                                  (12 + pl) >> 8, 0, 2, 0, opcode & 0xff,
                                  opcode >> 8, pl & 0xff, pl >> 8, 0 };

            memcpy(msg, inner, sizeof(inner));
            msg += 16;
        }
        for (unsigned i = 0; i < pl; i++) {
            msg[i] = NUM("payload byte", first + i, 0xff);
        }
        rc = cci(eid, 0x5300, req, 16 + total, out, &len);
        if (!rc && nested && len >= 16 && (out[12] | out[13] << 8)) {
            inner = out[12] | out[13] << 8;
            printf("tunnel to LD %s: %s\n", argv[4], rc_name(inner));
        } else if (!rc && len >= 16 + (nested ? 16 : 0)) {
            uint8_t *rsp = out + (nested ? 16 : 0);
            size_t rsp_len = len - (nested ? 16 : 0);
            inner = rsp[4 + 8] | rsp[4 + 9] << 8;
            printf("tunnelled %04xh: %s (%u), %zu payload bytes:", opcode,
                   rc_name(inner), inner, rsp_len - 16);
            for (size_t i = 16; i < rsp_len; i++) {
                printf(" %02x", rsp[i]);
            }
            printf("\n");
        }
        /* Succeeded if the tunnelled command did too */
        return report("Tunnel Management Command", rc) || inner;
    }
    fprintf(stderr, "fmapi: unknown command or arguments: %s\n", argv[1]);
    return 2;
}
