/*
 * dc-extent-mctp: the FM's part in Dynamic Capacity, through libcxlmi
 * and the switch's Tunnel Management Command to the DCD on a physical
 * downstream port:
 *
 *   dc-extent-mctp NET EID PORT add DPA LEN      Initiate DC Add (5604h):
 *                                                one extent of region 0
 *                                                offered to host 0
 *   dc-extent-mctp NET EID PORT release DPA LEN  Initiate DC Release
 *                                                (5605h) of that extent
 *   dc-extent-mctp NET EID PORT list             Get DC Region Extent
 *                                                Lists (5603h) of host 0
 *
 * Prescriptive selection and removal: the extent given is the one added
 * or released.  Exit status 0 when the command succeeded.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fm-common.h"

#define DC_PRESCRIPTIVE_ADD 0x02
#define DC_PRESCRIPTIVE_RELEASE 0x01
#define DC_LIST_MAX 16

/* Both requests have this layout, one extent */
typedef struct DCExtentReq {
    union {
        struct cxlmi_cmd_fmapi_initiate_dc_add_req add;
        struct cxlmi_cmd_fmapi_initiate_dc_release_req release;
    };
    uint8_t extent[0x28];
} DCExtentReq;

static int list(FMEndpoint *f, struct cxlmi_tunnel_info *ti)
{
    struct cxlmi_cmd_fmapi_get_dc_region_ext_list_req req = {
        .host_id = 0, .extent_count = DC_LIST_MAX, .start_ext_index = 0,
    };
    struct cxlmi_cmd_fmapi_get_dc_region_ext_list_rsp *rsp =
        calloc(1, sizeof(*rsp) + DC_LIST_MAX * sizeof(rsp->extents[0]));
    int rc = cxlmi_cmd_fmapi_get_dc_region_ext_list(f->ep, ti, &req, rsp);

    if (!rc) {
        printf("%u extents of host 0, generation %u\n", rsp->total_extents,
               rsp->list_generation_num);
        for (unsigned i = 0; i < rsp->extents_returned && i < DC_LIST_MAX;
             i++) {
            printf("  DPA 0x%llx, length 0x%llx\n",
                   (unsigned long long)rsp->extents[i].start_dpa,
                   (unsigned long long)rsp->extents[i].len);
        }
    }
    free(rsp);
    return fm_report(f, "Get DC Region Extent Lists", rc) ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *tool = "dc-extent-mctp";
    bool is_list = argc == 5 && !strcmp(argv[4], "list");
    FMEndpoint f;
    DCExtentReq req = { 0 };
    unsigned port;
    int rc;

    fm_open(&f, tool, argc, argv, is_list ? 2 : 4,
            "PORT add|release DPA LEN, or PORT list");
    port = parse_num(tool, "PORT", argv[3], 0xff);
    DEFINE_CXLMI_TUNNEL_SWITCH(ti, port);
    if (is_list) {
        rc = list(&f, &ti);
        fm_close(&f);
        return rc;
    }
    /* The same fields, at the same offsets, in both requests */
    req.add.host_id = 0;
    req.add.region_num = 0;
    req.add.length = parse_num(tool, "LEN", argv[6], UINT64_MAX >> 1);
    req.add.ext_count = 1;
    req.add.extents[0].start_dpa = parse_num(tool, "DPA", argv[5],
                                             UINT64_MAX >> 1);
    req.add.extents[0].len = req.add.length;
    if (!strcmp(argv[4], "add")) {
        req.add.selection_policy = DC_PRESCRIPTIVE_ADD;
        rc = cxlmi_cmd_fmapi_initiate_dc_add(f.ep, &ti, &req.add);
        fm_report(&f, "Initiate DC Add", rc);
    } else if (!strcmp(argv[4], "release")) {
        req.release.flags = DC_PRESCRIPTIVE_RELEASE;
        rc = cxlmi_cmd_fmapi_initiate_dc_release(f.ep, &ti, &req.release);
        fm_report(&f, "Initiate DC Release", rc);
    } else {
        fprintf(stderr, "%s: '%s' is not add, release or list\n", tool,
                argv[4]);
        rc = 2;
    }
    fm_close(&f);
    return rc != 0;
}
