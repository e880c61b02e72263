/*
 * cxl-dc: the host side of dynamic capacity, through raw mailbox commands
 * (CONFIG_CXL_MEM_RAW_COMMANDS), for kernels without DCD support.
 *
 *   cxl-dc MEMDEV extents   Get Dynamic Capacity Extent List (4801h)
 *   cxl-dc MEMDEV accept    read the Add Capacity events of the DCD event
 *                           log, accept their extents with Add Dynamic
 *                           Capacity Response (4802h), clear the events
 *   cxl-dc MEMDEV release   likewise for Release Capacity events, with
 *                           Release Dynamic Capacity (4803h)
 *
 * MEMDEV is the character device, e.g. /dev/cxl/mem0.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/cxl_mem.h>

#define GET_EVENT_RECORDS 0x0100
#define CLEAR_EVENT_RECORDS 0x0101
#define GET_DC_EXTENT_LIST 0x4801
#define ADD_DC_RESPONSE 0x4802
#define RELEASE_DC 0x4803

#define DCD_EVENT_LOG 4
#define DC_EVENT_ADD 0
#define DC_EVENT_RELEASE 1
#define RECORD_SIZE 128
#define PAYLOAD_MAX 2048

static uint64_t ld64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static void st64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = v >> (8 * i);
    }
}

/* A raw mailbox command: its return code, or -1 if the ioctl failed */
static int raw(int fd, uint16_t opcode, const void *in, size_t in_len,
               void *out, size_t *out_len)
{
    struct cxl_send_command cmd = {
        .id = CXL_MEM_COMMAND_ID_RAW,
        .raw.opcode = opcode,
        .in.size = in_len,
        .in.payload = (uintptr_t)in,
        .out.size = out_len ? *out_len : 0,
        .out.payload = (uintptr_t)out,
    };

    if (ioctl(fd, CXL_MEM_SEND_COMMAND, &cmd) < 0) {
        fprintf(stderr, "cxl-dc: command %04xh: %s\n", opcode,
                strerror(errno));
        return -1;
    }
    if (out_len) {
        *out_len = cmd.out.size;
    }
    return cmd.retval;
}

static int list_extents(int fd)
{
    uint8_t in[8] = { 16 }, out[PAYLOAD_MAX];
    size_t len = sizeof(out);
    unsigned n;

    if (raw(fd, GET_DC_EXTENT_LIST, in, sizeof(in), out, &len) || len < 16) {
        return 1;
    }
    n = out[0] | out[1] << 8;
    printf("%u extent%s (generation %u)\n", n, n == 1 ? "" : "s",
           out[8] | out[9] << 8);
    for (unsigned i = 0; i < n && 16 + 40 * (i + 1) <= len; i++) {
        printf("  extent: DPA 0x%llx, length 0x%llx\n",
               (unsigned long long)ld64(out + 16 + 40 * i),
               (unsigned long long)ld64(out + 16 + 40 * i + 8));
    }
    return 0;
}

/* Answer the DCD log's events of @type with @opcode, then clear them */
static int respond(int fd, unsigned type, uint16_t opcode)
{
    uint8_t log = DCD_EVENT_LOG, out[PAYLOAD_MAX];
    uint8_t rsp[8 + 24 * 16] = { 0 }, clear[6 + 2 * 16] = { DCD_EVENT_LOG };
    size_t len = sizeof(out);
    unsigned records, n = 0;

    if (raw(fd, GET_EVENT_RECORDS, &log, 1, out, &len) || len < 32) {
        return 1;
    }
    records = out[20] | out[21] << 8;
    for (unsigned i = 0; i < records && i < 16; i++) {
        uint8_t *rec = out + 32 + RECORD_SIZE * i;
        uint8_t *ext = rec + 0x38;

        clear[6 + 2 * i] = rec[0x14];
        clear[7 + 2 * i] = rec[0x15];
        if (rec[0x30] != type) {
            continue;
        }
        printf("event: %s capacity, extent DPA 0x%llx, length 0x%llx\n",
               type == DC_EVENT_ADD ? "add" : "release",
               (unsigned long long)ld64(ext),
               (unsigned long long)ld64(ext + 8));
        st64(rsp + 8 + 24 * n, ld64(ext));
        st64(rsp + 8 + 24 * n + 8, ld64(ext + 8));
        n++;
    }
    if (!n) {
        fprintf(stderr, "cxl-dc: no %s event\n",
                type == DC_EVENT_ADD ? "add" : "release");
        return 1;
    }
    rsp[0] = n;
    if (raw(fd, opcode, rsp, 8 + 24 * n, NULL, NULL)) {
        fprintf(stderr, "cxl-dc: the device refused the response\n");
        return 1;
    }
    printf("%s %u extent%s\n", type == DC_EVENT_ADD ? "accepted" : "released",
           n, n == 1 ? "" : "s");
    clear[2] = records;
    return raw(fd, CLEAR_EVENT_RECORDS, clear, 6 + 2 * records, NULL, NULL) ?
        1 : 0;
}

int main(int argc, char **argv)
{
    int fd;

    if (argc != 3) {
        fprintf(stderr, "usage: cxl-dc MEMDEV extents|accept|release\n");
        return 2;
    }
    fd = open(argv[1], O_RDWR);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    if (!strcmp(argv[2], "extents")) {
        return list_extents(fd);
    }
    if (!strcmp(argv[2], "accept")) {
        return respond(fd, DC_EVENT_ADD, ADD_DC_RESPONSE);
    }
    if (!strcmp(argv[2], "release")) {
        return respond(fd, DC_EVENT_RELEASE, RELEASE_DC);
    }
    fprintf(stderr, "cxl-dc: unknown command %s\n", argv[2]);
    return 2;
}
