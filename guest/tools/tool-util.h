/*
 * Helpers shared by the guest tools: command-line numbers and interface
 * indexes.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef GUEST_TOOL_UTIL_H
#define GUEST_TOOL_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/*
 * A whole decimal, 0x hexadecimal or 0 octal number from 0 to @max, or
 * exit with status 2 naming the argument and the range
 */
static inline unsigned long parse_num(const char *tool, const char *what,
                                      const char *s, unsigned long max)
{
    long val;
    int end = -1;

    if (sscanf(s, "%li%n", &val, &end) != 1 || s[end] || val < 0 ||
        (unsigned long)val > max) {
        fprintf(stderr, "%s: %s '%s' is not a number from 0 to %lu\n",
                tool, what, s, max);
        exit(2);
    }
    return val;
}

/*
 * The interface index from sysfs: glibc's if_nametoindex() needs an
 * AF_UNIX or AF_INET socket, which a minimal guest kernel may lack.
 */
static inline unsigned ifindex_of(const char *ifname)
{
    char path[128];
    unsigned index = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", ifname);
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%u", &index) != 1) {
            index = 0;
        }
        fclose(f);
    }
    return index;
}

#endif
