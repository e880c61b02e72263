/*
 * Stubs for builds without the multi-VCS switch (CONFIG_CXL_VCS_SWITCH)
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-cxl-vcs.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl_vcs_switch.h"

/* Without the object type, vcs= can never be set: nothing to check */
bool cxl_vcs_usp_realize(CXLUpstreamPort *usp, Error **errp)
{
    return true;
}

void cxl_vcs_usp_exit(CXLUpstreamPort *usp)
{
}

bool cxl_vcs_dsp_realize(PCIDevice *dsp, Error **errp)
{
    return true;
}

bool cxl_vcs_endpoint_realize(DeviceState *dev, CXLVCSSwitch *vcs,
                              uint32_t dsppb, Error **errp)
{
    return true;
}

PCIDevice *cxl_vcs_function_target(PCIDevice *d)
{
    return NULL;
}

/* No cxl-vcs-switch object can exist to be a CCI target */
CXLCCI *cxl_vcs_open_cci(CXLVCSSwitch *s, DeviceState *intf,
                         size_t payload_max, const CXLCCITransport *t,
                         Error **errp)
{
    g_assert_not_reached();
}

void cxl_vcs_close_cci(CXLCCI *cci)
{
    g_assert_not_reached();
}

CXLCCIEventPolicy *cxl_vcs_cci_event_policy(CXLCCI *cci)
{
    g_assert_not_reached();
}

CxlVcsSwitchInfoList *qmp_query_cxl_vcs(Error **errp)
{
    return NULL;
}

void hmp_info_cxl_vcs(Monitor *mon, const QDict *qdict)
{
    monitor_printf(mon, "No cxl-vcs-switch objects\n");
}
