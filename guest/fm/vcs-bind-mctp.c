/*
 * vcs-bind-mctp NET EID VCS VPPB PORT: Bind vPPB (5201h) through
 * libcxlmi, as the seed cover letter runs it: binds physical port PORT
 * to vPPB VPPB of VCS VCS on the switch at EID on MCTP network NET.
 *
 * The bind runs in the background; the switch's Event Notification of
 * the VCS Event Record tells when it ended (no polling), Background
 * Operation Status how.  Exit status 0 when the bind succeeded.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fm-common.h"

int main(int argc, char **argv)
{
    const char *tool = "vcs-bind-mctp";
    FMEndpoint f;
    struct cxlmi_cmd_fmapi_bind_vppb_req req = {
        .ld_id = 0xffff,        /* a single logical device */
    };
    int fd, rc;

    fm_open(&f, tool, argc, argv, 3, "VCS VPPB PORT");
    req.vcs_id = parse_num(tool, "VCS", argv[3], 0xff);
    req.vppb_id = parse_num(tool, "VPPB", argv[4], 0xff);
    req.port_id = parse_num(tool, "PORT", argv[5], 0xff);
    fd = fm_listen(&f);
    if (!fm_notify_setup(&f)) {
        return 1;
    }
    rc = cxlmi_cmd_fmapi_bind_vppb(f.ep, NULL, &req);
    printf("Bind vPPB: VCS %u vPPB %u to port %u: %s (%d)\n", req.vcs_id,
           req.vppb_id, req.port_id, fm_rc_name(rc), rc);
    if (rc == CXLMI_RET_BACKGROUND) {
        rc = fm_background_done(&f, fd, 0x5201);
        fm_report(&f, "Bind vPPB completed", rc);
    }
    fm_close(&f);
    return rc != CXLMI_RET_SUCCESS;
}
