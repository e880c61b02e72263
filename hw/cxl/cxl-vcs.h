/*
 * CXL multi-VCS switch: state shared by the files that implement it
 *
 *   cxl-vcs-switch.c    the object, its properties and topology (VCSs,
 *                       vPPBs, physical ports)
 *   cxl-vcs-devices.c   the devices on the physical ports
 *   cxl-vcs-bind.c      the fabric manager's bind, unbind and port
 *                       control
 *   cxl-vcs-attach.c    what the process a VCS is in does for them
 *   cxl-vcs-fabric.c    the physical ports' PPBs, where devices live
 *   cxl-vcs-function.c  the function through which a host reaches a
 *                       device bound to it
 *   cxl-vcs-subswitch.c a switch on a physical port, created anew by
 *                       each bind
 *   cxl-vcs-events.c    event records and the switch's event logs
 *   cxl-vcs-fmapi.c     the FM-API command set and its CCIs
 *   cxl-vcs-qmp.c       query-cxl-vcs and info cxl-vcs
 *   cxl-vcs-link.c      a connection between the fabric manager's
 *                       process and a host process
 *   cxl-vcs-fm-link.c   the host processes, in the fabric manager's
 *   cxl-vcs-host-link.c the fabric manager, in a host process
 *   cxl-vcs-state.c     a device's state, as it moves between them
 *
 * Calls go one way: fmapi -> bind -> (attach | fm-link -> link) ->
 * (subswitch, fabric, function, events) -> switch; what a host process
 * does is reported back to bind through cxl_vcs_bind_attached(),
 * cxl_vcs_bind_released() and cxl_vcs_bind_refused().  In a host
 * process: link -> host-link -> attach.  fmapi and qmp also query the
 * switch.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_VCS_H
#define HW_CXL_CXL_VCS_H

#include "qemu/queue.h"
#include "qemu/timer.h"
#include "qobject/qdict.h"
#include "hw/qdev-core.h"
#include "hw/pci/pci_device.h"
#include "hw/cxl/cxl_device.h"
#include "hw/cxl/cxl_mld.h"
#include "hw/cxl/cxl_vcs_switch.h"
#include "qapi/qapi-types-cxl-vcs.h"

/*
 * FM-API identifies physical ports, VCSs and vPPBs with 8-bit ids;
 * Identify Switch Device counts physical ports and Get Virtual CXL
 * Switch Info a VCS's vPPBs in 8 bits.
 */
#define CXL_VCS_MAX_PHYS_PORTS 255
/* Each VCS takes an upstream port; at least one downstream port is left */
#define CXL_VCS_MAX_VCS (CXL_VCS_MAX_PHYS_PORTS - 1)
#define CXL_VCS_MAX_VPPBS 255

/* CXL r3.2 Table 7-56: LD ID when binding a single logical device */
#define CXL_VCS_LD_ID_NONE 0xFFFF

/* Unbind vPPB options, CXL r3.2 Table 7-58 */
typedef enum CXLVCSUnbindOption {
    CXL_VCS_UNBIND_WAIT_LINK_DOWN = 0,
    CXL_VCS_UNBIND_MANAGED = 1,
    CXL_VCS_UNBIND_SURPRISE = 2,
} CXLVCSUnbindOption;

/* Physical Port Control (5102h) opcodes, CXL r3.2 Table 7-25 */
typedef enum CXLVCSPortOp {
    CXL_VCS_PORT_ASSERT_PERST = 0,
    CXL_VCS_PORT_DEASSERT_PERST = 1,
    CXL_VCS_PORT_RESET = 2,
} CXLVCSPortOp;

/* Binding state of a physical downstream port and of its vPPB */
typedef enum CXLVCSBindState {
    CXL_VCS_UNBOUND,
    CXL_VCS_BIND_IN_PROGRESS,
    CXL_VCS_BOUND,
    CXL_VCS_UNBIND_IN_PROGRESS,
} CXLVCSBindState;

/*
 * What a vPPB is bound to: the device on a physical port (an SLD), or
 * one of its LDs (an MLD).
 */
typedef struct CXLVCSBinding {
    CXLVCSBindState state;
    uint8_t vcs;            /* valid unless state == CXL_VCS_UNBOUND */
    uint8_t vppb;
    PCIDevice *function;    /* what the host sees, if it is in this process */
} CXLVCSBinding;

/*
 * A device of a switch on a physical port, as -device gave it: its
 * cxl-upstream port, the cxl-downstream ports plugged into that, the
 * devices plugged into those, and so on
 */
typedef struct CXLVCSMember {
    QDict *opts;
    bool from_json;
    const char *id;         /* in @opts; NULL if it has none */
    const char *bus;        /* in @opts: the member it is plugged into */
    ObjectClass *oc;
    int port;               /* a PCIe port's port=, else -1 */
    uint8_t chassis;        /* a slot's */
    uint16_t slot;
    QTAILQ_ENTRY(CXLVCSMember) next;
} CXLVCSMember;

/*
 * A switch connected to a physical port: the options of its members, its
 * cxl-upstream first, from which a bind creates it below the vPPB
 */
typedef struct CXLVCSSubSwitch {
    QTAILQ_HEAD(, CXLVCSMember) members;
    PCIExpLinkSpeed speed;  /* what its cxl-upstream's link supports */
    PCIExpLinkWidth width;
    CXLCCI cci;             /* its FM-owned CCI, while it is bound */
} CXLVCSSubSwitch;

/* The id of the cxl-upstream port of @sub */
static inline const char *cxl_vcs_subswitch_id(CXLVCSSubSwitch *sub)
{
    return QTAILQ_FIRST(&sub->members)->id;
}

/* Its FM-owned CCI, which Tunnel Management reaches; NULL while unbound */
static inline CXLCCI *cxl_vcs_subswitch_cci(CXLVCSSubSwitch *sub)
{
    return sub->cci.initialized ? &sub->cci : NULL;
}

/*
 * A physical downstream PPB, number n being s->ports[n].  The device
 * connected to it is given on the command line with vcs= and dsppb=.  It
 * exists from then on, prepared (its state set up) but seen by no host;
 * it is realized (an MLD: each LD) when first needed, and a bind gives
 * the host a function below the vPPB that presents it.
 */
typedef struct CXLVCSPhysPort {
    DeviceState *dev;       /* the device connected, or NULL */
    CXLVCSSubSwitch *sub;   /* or a switch, or NULL */
    char *pending_id;       /* its id, until it joins QOM at machine done */
    PCIDevice *ppb;         /* the port's PPB, once the machine is ready */
    PCIBus *ld_bus;         /* where an MLD's LDs are realized, once one is */
    AddressSpace ld_as;     /* its memory space, as the FM reaches it */
    bool perst;             /* PERST# asserted by Physical Port Control */
    /* An SLD's binding is [0]; LD k of an MLD's is [k] */
    CXLVCSBinding ld[CXL_MLD_MAX_LDS];
    /* The FM's way to each while a host process holds it, once needed */
    struct CXLCCI *proxy[CXL_MLD_MAX_LDS];
} CXLVCSPhysPort;

/*
 * The background command in progress, one at a time for the whole
 * switch: Bind or Unbind vPPB on a physical port, or an LD of it.
 */
typedef struct CXLVCSCommand {
    int port;               /* -1: none */
    unsigned ld;            /* the binding of the port it acts on */
    CXLCCI *cci;            /* where it came from; NULL once that is gone */
    CXLVCSUnbindOption unbind_option;
    bool waiting;           /* unbind: for the host to take the link down */
    QEMUTimer *timer;       /* bind delay or unbind timeout */
} CXLVCSCommand;

/* A CCI the switch serves, opened by a transport */
typedef struct CXLVCSCCI {
    CXLCCI cci;
    CXLVCSSwitch *sw;
    CXLCCIEventPolicy events;   /* how its transport signals the logs */
    QTAILQ_ENTRY(CXLVCSCCI) next;
} CXLVCSCCI;

typedef struct CXLVCSLink CXLVCSLink;

/* The registers of a vPPB in a host process, as it last reported them */
typedef struct CXLVPPBRegs {
    uint16_t link_control;
    uint16_t slot_control;
} CXLVPPBRegs;

/*
 * A Virtual CXL Switch: in this process, or for the fabric manager in
 * the host process that registered it
 */
typedef struct CXLVCS {
    CXLUpstreamPort *usp;   /* its upstream port, if it is in this process */
    uint8_t num_vppbs;      /* fixed when the machine is ready, or known */
    CXLVCSLink *link;       /* the host process it is in */
    CxlFabricVcs remote;    /* ... which registered it so */
    CXLVPPBRegs *vppb_regs; /* [num_vppbs] */
} CXLVCS;

struct CXLVCSSwitch {
    Object parent_obj;

    /* Properties */
    uint32_t num_usp;       /* usp-ppbs: one VCS per upstream PPB */
    uint32_t num_dsp;       /* dsp-ppbs: physical downstream PPBs */
    bool local_fm;
    char *fabric;           /* the chardevs to the other processes */

    /*
     * A host process that was not given usp-ppbs and dsp-ppbs counts what
     * it has until the fabric manager tells it; room is made for all
     */
    bool sized;
    CXLVCS *vcss;           /* [num_usp] */
    bool ready;             /* the vPPB counts are fixed */
    CXLVCSPhysPort *ports;  /* [num_dsp] */
    CXLVCSCommand cmd;

    QTAILQ_HEAD(, CXLVCSCCI) ccis;
    /*
     * Event logs and timestamp of the switch, shared by its CCIs; only
     * these parts of the device state are used
     */
    CXLDeviceState events;

    /* The fabric manager's process: the host processes' connections */
    GList *links;
    /* A host process: its connection to the fabric manager's */
    CXLVCSLink *link;
    bool registered;
    char *last_refusal;     /* what the fabric manager said last */

    DeviceListener listener;
    /* What this process does with its VCSs' bindings, and who hears of it */
    DeviceListener attach_listener;
    void (*released)(CXLVCSSwitch *s, unsigned port, unsigned ld);
    Notifier machine_done;
    QTAILQ_ENTRY(CXLVCSSwitch) next;
};

/* cxl-vcs-switch.c: the switch's topology */
const char *cxl_vcs_id(CXLVCSSwitch *s);
CXLVCSSwitch *cxl_vcs_switch_next(CXLVCSSwitch *s);
CXLVCSSwitch *cxl_vcs_from_cci(CXLCCI *cci);
/* Physical port id of the upstream port of VCS @vcs */
static inline unsigned cxl_vcs_usp_port_id(CXLVCSSwitch *s, unsigned vcs)
{
    return s->num_dsp + vcs;
}
unsigned cxl_vcs_num_vppbs(CXLVCSSwitch *s, unsigned vcs);
/* VCS @vcs is enabled: its upstream port is here, or in a host process */
bool cxl_vcs_present(CXLVCSSwitch *s, unsigned vcs);
bool cxl_vcs_vppb_exists(CXLVCSSwitch *s, unsigned vcs, unsigned vppb);
/* The cxl-downstream port of a vPPB in this process, or NULL */
PCIDevice *cxl_vcs_vppb_port(CXLVCSSwitch *s, unsigned vcs, unsigned vppb);
/* @b is bound, or being bound, to a VCS of a host process */
bool cxl_vcs_binding_remote(CXLVCSSwitch *s, CXLVCSBinding *b);
/*
 * The physical port bound (or being bound) to a vPPB, or -1; and in @ld,
 * if not NULL, which of its bindings
 */
int cxl_vcs_vppb_binding(CXLVCSSwitch *s, unsigned vcs, unsigned vppb,
                         unsigned *ld);
/* The PCI function that stands for physical port @port's PPB, or NULL */
PCIDevice *cxl_vcs_ppb(CXLVCSSwitch *s, unsigned port);
/* The id of what is connected: a device, or a switch's cxl-upstream */
const char *cxl_vcs_device_id(CXLVCSPhysPort *p);
/* Something is connected to @p: a device or a switch */
static inline bool cxl_vcs_port_present(CXLVCSPhysPort *p)
{
    return p->dev || p->sub;
}
/* The device connected is a multi-logical device */
bool cxl_vcs_port_is_mld(CXLVCSPhysPort *p);
/* How many bindings the port's device can have: its LDs, or 1 */
unsigned cxl_vcs_port_lds(CXLVCSPhysPort *p);
/* The LD ID FM-API gives binding @ld of @p: FFFFh for an SLD's */
unsigned cxl_vcs_ld_id(CXLVCSPhysPort *p, unsigned ld);
/* What binding @ld of @p presents to a host: the SLD, or the LD */
PCIDevice *cxl_vcs_port_target(CXLVCSPhysPort *p, unsigned ld);
/* How many of its bindings a host has, even while asked to give them up */
unsigned cxl_vcs_port_bound(CXLVCSPhysPort *p);
/* The FM-owned LD CCI of the device on @port, if it can be reached */
CXLCCI *cxl_vcs_port_cci(CXLVCSSwitch *s, unsigned port);
/* Get Physical Port State of port @port (false: no such port) */
bool cxl_vcs_port_state(CXLVCSSwitch *s, unsigned port, CXLSwitchPort *st);
/* For each CCI of @s */
#define CXL_VCS_FOREACH_CCI(c, s) QTAILQ_FOREACH(c, &(s)->ccis, next)

/*
 * A binding of @p is no longer bound or being bound: an MLD may change
 * that LD's allocation again
 */
void cxl_vcs_release_binding(CXLVCSPhysPort *p, unsigned ld);

/* cxl-vcs-devices.c: the devices on the physical ports */
void cxl_vcs_devices_init(CXLVCSSwitch *s);
/* The machine is ready: devices created until now may join QOM */
void cxl_vcs_devices_machine_done(CXLVCSSwitch *s, Error **errp);
void cxl_vcs_devices_cleanup(CXLVCSSwitch *s);

/* cxl-vcs-bind.c: the fabric manager's bind, unbind and port control */
void cxl_vcs_bind_init(CXLVCSSwitch *s);
void cxl_vcs_bind_cleanup(CXLVCSSwitch *s);
CXLRetCode cxl_vcs_bind(CXLVCSSwitch *s, CXLCCI *cci, unsigned vcs,
                        unsigned vppb, unsigned port, unsigned ld_id);
CXLRetCode cxl_vcs_unbind(CXLVCSSwitch *s, CXLCCI *cci, unsigned vcs,
                          unsigned vppb, unsigned option);
CXLRetCode cxl_vcs_port_control(CXLVCSSwitch *s, unsigned port,
                                unsigned opcode);
/* @cci is going away: a command it started completes without it */
void cxl_vcs_forget_cci(CXLVCSSwitch *s, CXLCCI *cci);
/*
 * What the process of the VCS of the command in progress did: attached
 * the device (@err NULL) or not; refused to let it go (@err says why);
 * and what any process did: the function of binding @ld of @port went
 */
void cxl_vcs_bind_attached(CXLVCSSwitch *s, Error *err);
void cxl_vcs_bind_refused(CXLVCSSwitch *s, Error *err);
void cxl_vcs_bind_released(CXLVCSSwitch *s, unsigned port, unsigned ld);

/* cxl-vcs-attach.c: what the process a VCS is in does for a binding */
void cxl_vcs_attach_init(CXLVCSSwitch *s,
                         void (*released)(CXLVCSSwitch *s, unsigned port,
                                          unsigned ld));
void cxl_vcs_attach_cleanup(CXLVCSSwitch *s);
/* Attach binding @ld of @port below its vPPB, a vPPB in this process */
bool cxl_vcs_attach(CXLVCSSwitch *s, unsigned port, unsigned ld,
                    Error **errp);
/*
 * Start to detach it with @option; false (@errp says why) if its host
 * refused.  s->released() tells when it is gone, maybe at once.
 */
bool cxl_vcs_detach(CXLVCSSwitch *s, unsigned port, unsigned ld,
                    CXLVCSUnbindOption option, Error **errp);
/* PERST# of @port changed: the bindings of it in this process follow */
void cxl_vcs_attach_perst(CXLVCSSwitch *s, unsigned port);
/*
 * Reset what binding @ld of @port presents: through the host's function
 * if it is bound here, else the device or LD itself if it was ever
 * realized and is not in a host process
 */
void cxl_vcs_reset_binding(CXLVCSSwitch *s, unsigned port, unsigned ld);
/* Generate AER Event on vPPB instance @instance of VCS @vcs, here */
#define CXL_VCS_AER_TLP_LOG 32
CXLRetCode cxl_vcs_aer(CXLVCSSwitch *s, unsigned vcs, unsigned instance,
                       uint32_t error, const uint8_t *tlp);
/*
 * A CXL.io configuration request to @dev: @request is bytes 1-3 of
 * Send PPB/LD CXL.io Configuration Request, little-endian.  Returns
 * what a read returns.
 */
uint32_t cxl_vcs_config_request(PCIDevice *dev, uint32_t request,
                                uint32_t data);

/* cxl-vcs-link.c: a connection between two processes of the switch */
#define CXL_VCS_LINK_VERSION 1
typedef struct CXLVCSLinkOps {
    void (*opened)(CXLVCSLink *l);
    /* @msg came; cxl_vcs_link_refuse() closes the connection */
    void (*message)(CXLVCSLink *l, CxlFabricMessage *msg);
    void (*closed)(CXLVCSLink *l);
} CXLVCSLinkOps;
CXLVCSLink *cxl_vcs_link_new(CXLVCSSwitch *s, const char *chardev,
                             const CXLVCSLinkOps *ops, void *opaque,
                             Error **errp);
/* Take what the chardev brings, from now on */
void cxl_vcs_link_start(CXLVCSLink *l);
void cxl_vcs_link_free(CXLVCSLink *l);
const char *cxl_vcs_link_name(CXLVCSLink *l);
void *cxl_vcs_link_opaque(CXLVCSLink *l);
bool cxl_vcs_link_connected(CXLVCSLink *l);
void cxl_vcs_link_send(CXLVCSLink *l, CxlFabricMessage *msg);
/*
 * What came is refused, for the reason given: the connection is closed
 * once the message is handled, or by cxl_vcs_link_close_refused()
 */
void G_GNUC_PRINTF(2, 3) cxl_vcs_link_refuse(CXLVCSLink *l,
                                             const char *fmt, ...);
void cxl_vcs_link_close_refused(CXLVCSLink *l);
/* An id for a request */
uint32_t cxl_vcs_link_next_id(CXLVCSLink *l);
/*
 * Send request @msg with id @id and wait up to @timeout_ms for its
 * reply; NULL if none came (the connection is then closed)
 */
CxlFabricReply *cxl_vcs_link_request(CXLVCSLink *l, CxlFabricMessage *msg,
                                     uint32_t id, int64_t timeout_ms);

/* cxl-vcs-fm-link.c: the host processes, in the fabric manager's */
/* How long a host process may take to attach a device */
#define CXL_VCS_REMOTE_BIND_TIMEOUT_MS 30000
bool cxl_vcs_fm_links_create(CXLVCSSwitch *s, Error **errp);
void cxl_vcs_fm_links_start(CXLVCSSwitch *s);
void cxl_vcs_fm_links_free(CXLVCSSwitch *s);
/*
 * Ask the host process of the binding @ld of @port to attach it, detach
 * it with @option; it answers through cxl_vcs_bind_*()
 */
void cxl_vcs_remote_attach(CXLVCSSwitch *s, unsigned port, unsigned ld);
void cxl_vcs_remote_detach(CXLVCSSwitch *s, unsigned port, unsigned ld,
                           CXLVCSUnbindOption option);
/* PERST# and reset of @port, for the host processes with a binding of it */
void cxl_vcs_remote_perst(CXLVCSSwitch *s, unsigned port);
void cxl_vcs_remote_reset_port(CXLVCSSwitch *s, unsigned port);
/* Reset the upstream port of VCS @vcs of a host process */
void cxl_vcs_remote_reset_vcs(CXLVCSSwitch *s, unsigned vcs);
/* The host process of VCS @vcs did not answer: it is taken for gone */
void cxl_vcs_remote_unresponsive(CXLVCSSwitch *s, unsigned vcs);
CXLRetCode cxl_vcs_remote_aer(CXLVCSSwitch *s, unsigned vcs,
                              unsigned instance, uint32_t error,
                              const uint8_t *tlp, size_t tlp_len);
/* A configuration request to vPPB @vppb of VCS @vcs, -1: its USP */
CXLRetCode cxl_vcs_remote_config(CXLVCSSwitch *s, unsigned vcs, int vppb,
                                 uint32_t request, uint32_t data,
                                 uint32_t *out);
/*
 * What the FM reaches the device (an SLD) or LD of binding @ld of @port
 * through while a host process holds it: a CCI that passes its commands
 * to that process's
 */
CXLCCI *cxl_vcs_remote_cci(CXLVCSSwitch *s, unsigned port, unsigned ld);

/* cxl-vcs-state.c: a device's state, as it moves between processes */
CxlFabricDeviceState *cxl_vcs_state_save(CXLType3Dev *ct3d);
/* Take @st on, or (@errp says why) leave @ct3d as it is */
bool cxl_vcs_state_load(CXLType3Dev *ct3d, CxlFabricDeviceState *st,
                        Error **errp);

/* cxl-vcs-host-link.c: the fabric manager, in a host process */
bool cxl_vcs_host_link_create(CXLVCSSwitch *s, Error **errp);
void cxl_vcs_host_link_start(CXLVCSSwitch *s);
void cxl_vcs_host_link_free(CXLVCSSwitch *s);

/* cxl-vcs-fabric.c: the physical ports' PPBs */
bool cxl_vcs_fabric_create(CXLVCSSwitch *s, unsigned seq, Error **errp);
void cxl_vcs_fabric_update_link(CXLVCSSwitch *s, unsigned port);
/*
 * The memory space of the bus the LDs of the MLD on @port are on: where
 * they decode the BARs the FM gives them (Send LD CXL.io Configuration
 * Request), bound or not; a host maps its own function's BARs.  NULL
 * until an LD has been realized.
 */
AddressSpace *cxl_vcs_fabric_ld_as(CXLVCSSwitch *s, unsigned port);
/* Realize what binding @ld of @port presents, if it is not yet */
bool cxl_vcs_fabric_realize_device(CXLVCSSwitch *s, unsigned port,
                                   unsigned ld, Error **errp);

/* cxl-vcs-function.c: the host's function of a bound device */
PCIDevice *cxl_vcs_function_add(PCIDevice *target, PCIBus *bus,
                                Error **errp);

/* cxl-vcs-subswitch.c: a switch on a physical port */
/*
 * Keep @opts if they are a switch on a physical port of @s or a device
 * of one, and return true; false for any other device, with @errp set
 * if it cannot be added
 */
bool cxl_vcs_subswitch_hide(CXLVCSSwitch *s, const QDict *opts,
                            bool from_json, Error **errp);
/*
 * The machine is ready: check that the devices of each switch on a port
 * can be created together, and with every other device
 */
bool cxl_vcs_subswitch_machine_done(CXLVCSSwitch *s, Error **errp);
/*
 * Create the switch on @port below @dsp, the cxl-downstream port of a
 * vPPB, and hot-add it: its upstream port, or NULL
 */
PCIDevice *cxl_vcs_subswitch_attach(CXLVCSSwitch *s, unsigned port,
                                    PCIDevice *dsp, Error **errp);
/* The switch on @port left its host: its upstream port is unrealized */
void cxl_vcs_subswitch_detached(CXLVCSSwitch *s, unsigned port);
/* Forget the switch @sub (NULL: none) */
void cxl_vcs_subswitch_free(CXLVCSSubSwitch *sub);

/* cxl-vcs-events.c: event records */
/*
 * A vPPB's binding changed, as @ok or failed: a VCS Event Record; @port
 * is what it is bound to now (-1: nothing), @ld_id its LD, or FFFFh
 */
void cxl_vcs_event_binding(CXLVCSSwitch *s, unsigned vcs, unsigned vppb,
                           int port, unsigned ld_id, bool ok);
/* A port's link changed, or with @hot_add its slot: a Physical Switch one */
void cxl_vcs_event_port(CXLVCSSwitch *s, unsigned port, bool hot_add);

/* cxl-vcs-fmapi.c: the FM-API command set */
void cxl_vcs_cci_init(CXLVCSSwitch *s, CXLCCI *cci, DeviceState *intf,
                      size_t payload_max);

#endif
