/*
 * vcs-unbind-mctp NET EID VCS VPPB OPTION: Unbind vPPB (5202h) through
 * libcxlmi, as the seed cover letter runs it.  OPTION: 0 wait for the
 * link to go down, 1 managed hot-remove, 2 surprise hot-remove.
 *
 * The unbind runs in the background; the switch's Event Notification of
 * the VCS Event Record tells when it ended, Background Operation Status
 * how.  Exit status 0 when the unbind succeeded.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fm-common.h"

int main(int argc, char **argv)
{
    const char *tool = "vcs-unbind-mctp";
    FMEndpoint f;
    struct cxlmi_cmd_fmapi_unbind_vppb_req req;
    int fd, rc;

    fm_open(&f, tool, argc, argv, 3, "VCS VPPB OPTION");
    req.vcs_id = parse_num(tool, "VCS", argv[3], 0xff);
    req.vppb_id = parse_num(tool, "VPPB", argv[4], 0xff);
    req.option = parse_num(tool, "OPTION", argv[5], 2);
    fd = fm_listen(&f);
    if (!fm_notify_setup(&f)) {
        return 1;
    }
    rc = cxlmi_cmd_fmapi_unbind_vppb(f.ep, NULL, &req);
    printf("Unbind vPPB: VCS %u vPPB %u, option %u: %s (%d)\n", req.vcs_id,
           req.vppb_id, req.option, fm_rc_name(rc), rc);
    if (rc == CXLMI_RET_BACKGROUND) {
        rc = fm_background_done(&f, fd, 0x5202);
        fm_report(&f, "Unbind vPPB completed", rc);
    }
    fm_close(&f);
    return rc != CXLMI_RET_SUCCESS;
}
