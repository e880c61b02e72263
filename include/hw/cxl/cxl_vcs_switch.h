/*
 * CXL multi-VCS switch: a physical CXL switch shared by several hosts,
 * each seeing one Virtual CXL Switch (VCS).
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_VCS_SWITCH_H
#define HW_CXL_CXL_VCS_SWITCH_H

#include "qom/object.h"
#include "qemu/queue.h"
#include "qemu/timer.h"
#include "qobject/qdict.h"
#include "hw/qdev-core.h"
#include "hw/cxl/cxl_device.h"

#define TYPE_CXL_VCS_SWITCH "cxl-vcs-switch"
OBJECT_DECLARE_SIMPLE_TYPE(CXLVCSSwitch, CXL_VCS_SWITCH)

typedef struct CXLUpstreamPort CXLUpstreamPort;

/*
 * FM-API identifies physical ports, VCSs and vPPBs with 8-bit ids;
 * Identify Switch Device counts physical ports and Get Virtual CXL
 * Switch Info a VCS's vPPBs in 8 bits.
 */
#define CXL_VCS_MAX_PHYS_PORTS 255
/* Each VCS takes an upstream port; at least one downstream port is left */
#define CXL_VCS_MAX_VCS (CXL_VCS_MAX_PHYS_PORTS - 1)
#define CXL_VCS_MAX_VPPBS 255

/* "Not set" value of the usppb and dsppb properties */
#define CXL_VCS_PPB_UNSET UINT32_MAX

/* CXL r3.2 Table 7-56: LD ID when binding a single logical device */
#define CXL_VCS_LD_ID_NONE 0xFFFF

/* Unbind vPPB options, CXL r3.2 Table 7-58 */
typedef enum CXLVCSUnbindOption {
    CXL_VCS_UNBIND_WAIT_LINK_DOWN = 0,
    CXL_VCS_UNBIND_MANAGED = 1,
    CXL_VCS_UNBIND_SURPRISE = 2,
} CXLVCSUnbindOption;

/* Binding state of a physical downstream port and of the vPPB it is on */
typedef enum CXLVCSBindState {
    CXL_VCS_UNBOUND,
    CXL_VCS_BIND_IN_PROGRESS,
    CXL_VCS_BOUND,
    CXL_VCS_UNBIND_IN_PROGRESS,
} CXLVCSBindState;

/*
 * A physical downstream PPB.  The device connected to it is given on the
 * command line with vcs= and dsppb=; it stays hidden (its options kept)
 * until an FM binds the port to a vPPB, which realizes it below the
 * vPPB's cxl-downstream port, and is unrealized again on unbind.
 */
typedef struct CXLVCSPhysPort {
    CXLVCSSwitch *sw;
    QDict *opts;            /* device options; NULL: nothing connected */
    bool from_json;
    DeviceState *dev;       /* the realized device while bound */

    CXLVCSBindState state;
    uint8_t vcs;            /* valid unless state == CXL_VCS_UNBOUND */
    uint8_t vppb;
    bool perst;             /* PERST# asserted by Physical Port Control */

    /* The FM-API command in progress on this port, if any */
    CXLCCI *cci;
    CXLVCSUnbindOption unbind_option;
    bool waiting;           /* unbind: for the host to take the link down */
    QEMUTimer *timer;       /* bind delay or unbind timeout */
} CXLVCSPhysPort;

struct CXLVCSSwitch {
    Object parent_obj;

    /* Properties */
    uint32_t num_usp;       /* usp-ppbs: one VCS per upstream PPB */
    uint32_t num_dsp;       /* dsp-ppbs: physical downstream PPBs */
    bool local_fm;

    CXLUpstreamPort **usp;  /* [num_usp], NULL where none registered */
    CXLVCSPhysPort *ports;  /* [num_dsp] */

    /* The CCI of a cxl-switch-mailbox-cci targeting this switch */
    CXLCCI mbox_cci;
    DeviceState *mbox;
    /* CCIs of other transports (MCTP) that serve this switch */
    GSList *ccis;

    /*
     * Event logs and timestamp of the switch, shared by its CCIs; only
     * these parts of the device state are used
     */
    CXLDeviceState events;

    /* Options being replayed by a bind, let through by hide_device */
    const QDict *replaying;

    DeviceListener listener;
    Notifier machine_done;
    QTAILQ_ENTRY(CXLVCSSwitch) next;
};

/* Physical port id of the upstream port of VCS @vcs */
static inline unsigned cxl_vcs_usp_port_id(CXLVCSSwitch *s, unsigned vcs)
{
    return s->num_dsp + vcs;
}

/* Hooks for cxl-upstream, cxl-type3 and cxl-switch-mailbox-cci */
bool cxl_vcs_usp_realize(CXLUpstreamPort *usp, Error **errp);
void cxl_vcs_usp_exit(CXLUpstreamPort *usp);
bool cxl_vcs_endpoint_realize(DeviceState *dev, CXLVCSSwitch *vcs,
                              uint32_t dsppb, Error **errp);
CXLCCI *cxl_vcs_mailbox_cci(CXLVCSSwitch *s, DeviceState *mbox,
                            Error **errp);
void cxl_vcs_mailbox_cci_release(DeviceState *mbox);
void cxl_vcs_add_cci(CXLVCSSwitch *s, CXLCCI *cci, DeviceState *intf,
                     size_t payload_max);
void cxl_vcs_remove_cci(CXLVCSSwitch *s, CXLCCI *cci);
void cxl_vcs_init_cci(CXLVCSSwitch *s, CXLCCI *cci, DeviceState *intf,
                      size_t payload_max);

/* Switch state, for the FM-API command sets and QMP */
CXLVCSSwitch *cxl_vcs_switch_next(CXLVCSSwitch *s);
CXLVCSSwitch *cxl_vcs_from_cci(CXLCCI *cci);
unsigned cxl_vcs_num_vppbs(CXLVCSSwitch *s, unsigned vcs);
PCIDevice *cxl_vcs_vppb_port(CXLVCSSwitch *s, unsigned vcs, unsigned vppb);
CXLVCSPhysPort *cxl_vcs_vppb_binding(CXLVCSSwitch *s, unsigned vcs,
                                     unsigned vppb);
CXLRetCode cxl_vcs_bind(CXLVCSSwitch *s, CXLCCI *cci, unsigned vcs,
                        unsigned vppb, unsigned port, unsigned ld_id);
CXLRetCode cxl_vcs_unbind(CXLVCSSwitch *s, CXLCCI *cci, unsigned vcs,
                          unsigned vppb, unsigned option);
/* Physical Port Control (5102h) opcodes */
enum {
    CXL_VCS_PORT_ASSERT_PERST = 0,
    CXL_VCS_PORT_DEASSERT_PERST = 1,
    CXL_VCS_PORT_RESET = 2,
};
CXLRetCode cxl_vcs_port_control(CXLVCSSwitch *s, unsigned port,
                                unsigned opcode);
const char *cxl_vcs_device_id(CXLVCSPhysPort *p);

/*
 * MSI-X vectors of a cxl-switch-mailbox-cci: the switch's event logs
 * signal on vectors 4 (informational) to 7 (fatal)
 */
#define CXL_SWCCI_MSIX_VECTORS 8
#define CXL_VCS_EVENT_MSIX_FIRST 4

/* Event records of the switch (cxl-vcs-fmapi.c) */
void cxl_vcs_event_binding(CXLVCSSwitch *s, CXLVCSPhysPort *p, bool ok);
void cxl_vcs_event_port(CXLVCSSwitch *s, unsigned port, bool hot_add);

#endif
