/*
 * mctp-net: bring up an MCTP interface, give it a local EID and add
 * routes, over rtnetlink.  A minimal stand-in for the "mctp" tool, which
 * Debian does not package.
 *
 *   mctp-net up IFNAME
 *   mctp-net addr IFNAME EID
 *   mctp-net route IFNAME EID
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "tool-util.h"

#ifndef AF_MCTP
#define AF_MCTP 45
#endif

struct req {
    struct nlmsghdr nh;
    union {
        struct ifinfomsg ifi;
        struct ifaddrmsg ifa;
        struct rtmsg rt;
    };
    char attrs[64];
};

static void add_attr(struct req *r, unsigned short type, const void *data,
                     unsigned short len)
{
    struct rtattr *rta = (struct rtattr *)((char *)r +
                                           NLMSG_ALIGN(r->nh.nlmsg_len));

    rta->rta_type = type;
    rta->rta_len = RTA_LENGTH(len);
    memcpy(RTA_DATA(rta), data, len);
    r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send one request and wait for its acknowledgement */
static int talk(struct req *r)
{
    char buf[4096];
    struct nlmsghdr *nh = (struct nlmsghdr *)buf;
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    ssize_t n;

    if (fd < 0) {
        perror("socket");
        return -1;
    }
    r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    r->nh.nlmsg_seq = 1;
    if (send(fd, r, r->nh.nlmsg_len, 0) < 0) {
        perror("send");
        close(fd);
        return -1;
    }
    n = recv(fd, buf, sizeof(buf), 0);
    close(fd);
    if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
        nh->nlmsg_type != NLMSG_ERROR) {
        fprintf(stderr, "mctp-net: no acknowledgement\n");
        return -1;
    }
    errno = -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
    if (errno && errno != EEXIST) {
        perror("mctp-net");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct req r;
    unsigned ifindex;
    uint8_t eid;

    ifindex = argc < 3 ? 0 : ifindex_of(argv[2]);
    if (!ifindex) {
        fprintf(stderr, "usage: mctp-net up|addr|route IFNAME [EID]\n");
        return 2;
    }
    memset(&r, 0, sizeof(r));
    if (!strcmp(argv[1], "up")) {
        r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
        r.nh.nlmsg_type = RTM_NEWLINK;
        r.ifi.ifi_index = ifindex;
        r.ifi.ifi_flags = IFF_UP;
        r.ifi.ifi_change = IFF_UP;
        return talk(&r) ? 1 : 0;
    }
    if (argc < 4) {
        fprintf(stderr, "mctp-net: %s needs an EID\n", argv[1]);
        return 2;
    }
    eid = parse_num("mctp-net", "EID", argv[3], 0xfe);
    if (!strcmp(argv[1], "addr")) {
        r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifa));
        r.nh.nlmsg_type = RTM_NEWADDR;
        r.nh.nlmsg_flags = NLM_F_CREATE;
        r.ifa.ifa_family = AF_MCTP;
        r.ifa.ifa_index = ifindex;
        add_attr(&r, IFA_LOCAL, &eid, 1);
    } else if (!strcmp(argv[1], "route")) {
        r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.rt));
        r.nh.nlmsg_type = RTM_NEWROUTE;
        r.nh.nlmsg_flags = NLM_F_CREATE;
        r.rt.rtm_family = AF_MCTP;
        r.rt.rtm_table = RT_TABLE_DEFAULT;
        r.rt.rtm_type = RTN_UNICAST;
        add_attr(&r, RTA_DST, &eid, 1);
        add_attr(&r, RTA_OIF, &ifindex, sizeof(ifindex));
    } else {
        fprintf(stderr, "mctp-net: unknown command %s\n", argv[1]);
        return 2;
    }
    return talk(&r) ? 1 : 0;
}
