/*
 * vcs-get-virtual-switch-info-mctp NET EID: Get Virtual CXL Switch Info
 * (5200h) of every VCS of the switch at EID on MCTP network NET, through
 * libcxlmi, as the seed cover letter runs it.  Exit status 0 on success.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fm-common.h"

int main(int argc, char **argv)
{
    FMEndpoint f;
    int rc;

    fm_open(&f, "vcs-get-virtual-switch-info-mctp", argc, argv, 0, "");
    rc = fm_print_vcs(&f, NULL);
    fm_close(&f);
    return rc != CXLMI_RET_SUCCESS;
}
