/*
 * membench: memory throughput of a mapping, as a workload sees it.
 *
 *   membench NAME PATH MIB     map MIB MiB of PATH (a device DAX node,
 *                              /dev/daxX.Y) and measure it
 *   membench NAME ram MIB      the same on anonymous memory (guest RAM)
 *
 * Prints one line "membench NAME: memset N MB/s, memcpy N MB/s, 8-byte
 * loads N MB/s".  Each figure repeats its operation over the whole
 * mapping until at least a second has passed (at least once).  memcpy
 * copies the first half of the mapping to the second half and counts
 * the bytes copied.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tool-util.h"

#define MIN_SECONDS 1.0

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum op { OP_MEMSET, OP_MEMCPY, OP_LOAD };

/* Bytes per second of @op over @len bytes at @p */
static double measure(enum op op, uint8_t *p, size_t len)
{
    double start = now(), elapsed;
    uint64_t bytes = 0, sum = 0;
    unsigned round = 0;

    do {
        switch (op) {
        case OP_MEMSET:
            memset(p, round & 0xff, len);
            bytes += len;
            break;
        case OP_MEMCPY:
            memcpy(p + len / 2, p, len / 2);
            bytes += len / 2;
            break;
        case OP_LOAD:
            for (size_t i = 0; i < len / 8; i++) {
                /* volatile: each load is done, none optimized away */
                sum += ((volatile uint64_t *)p)[i];
            }
            bytes += len;
            break;
        }
        round++;
        elapsed = now() - start;
    } while (elapsed < MIN_SECONDS);
    /* Keep the loads */
    if (sum == 1) {
        fprintf(stderr, "membench: sum %llu\n", (unsigned long long)sum);
    }
    return bytes / elapsed;
}

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *p;

    if (argc != 4) {
        fprintf(stderr, "usage: membench NAME PATH|ram MIB\n");
        return 2;
    }
    len = (size_t)parse_num("membench", "MiB", argv[3], 4096) << 20;
    if (!len) {
        fprintf(stderr, "membench: MiB must be at least 1\n");
        return 2;
    }
    if (!strcmp(argv[2], "ram")) {
        p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    } else {
        int fd = open(argv[2], O_RDWR);

        if (fd < 0) {
            perror(argv[2]);
            return 1;
        }
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
    }
    if (p == MAP_FAILED) {
        perror("membench: mmap");
        return 1;
    }
    printf("membench %s: memset %.1f MB/s, memcpy %.1f MB/s, "
           "8-byte loads %.1f MB/s\n", argv[1],
           measure(OP_MEMSET, p, len) / 1e6, measure(OP_MEMCPY, p, len) / 1e6,
           measure(OP_LOAD, p, len) / 1e6);
    return 0;
}
