/*
 * fm-walk NET EID: walk every FM-API and generic command the switch
 * answers through libcxlmi, and check each response: its layout is
 * libcxlmi's (it rejects a response of the wrong length), and the facts
 * in it agree with each other and with the seed topology.  The last
 * thing printed is the VCS table, which the harness compares with QMP
 * query-cxl-vcs.
 *
 * Expects the seed topology with nothing bound but VCS 1 vPPB 3 to
 * physical port 3 (guest/init's scenario d): physical ports 0-3 are
 * downstream ports with a type-3 device each (2 and 3 are DCDs), 4 and 5
 * the upstream ports of VCSs 0 and 1.  Leaves the bindings as it found
 * them; the timestamp, the interrupt policies and the event logs change.
 *
 * Not walked: Generate AER Event (5203h), which libcxlmi has no command
 * for (scenario d sends it with our own fmapi), the MLD commands (53xxh:
 * the seed has no MLD), and Initiate DC Add/Release (5604h/5605h), which
 * need a host that takes the extents (scenario e).  Event Notification
 * (0106h) is the switch's to send.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "fm-common.h"

#define NUM_PORTS 6
#define BOUND_PORT 3
#define DCD_PORT 2

static unsigned failures;

/* Report one check of @what: @ok, or a failure with @why */
static void check(bool ok, const char *what, const char *why)
{
    printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, ok ? "" : ": ",
           ok ? "" : why);
    failures += !ok;
}

/* @what answered @rc; true, and no failure, if that is @want */
static bool answered(const char *what, int rc, int want)
{
    char why[96];

    snprintf(why, sizeof(why), "%s (%d), expected %s", fm_rc_name(rc), rc,
             fm_rc_name(want));
    check(rc == want, what, why);
    return rc == want;
}

static void walk_generic(FMEndpoint *f)
{
    struct cxlmi_cmd_identify_rsp id;
    struct cxlmi_cmd_bg_op_status_rsp bg;
    struct cxlmi_cmd_get_response_msg_limit_rsp lim;
    struct cxlmi_cmd_set_response_msg_limit_req set_lim = { .limit = 10 };
    struct cxlmi_cmd_set_response_msg_limit_rsp set_lim_rsp;
    struct cxlmi_cmd_set_timestamp_req ts_set = { .timestamp = 1ull << 40 };
    struct cxlmi_cmd_get_timestamp_rsp ts;

    if (answered("Identify (0001h)", cxlmi_cmd_identify(f->ep, NULL, &id),
                 0)) {
        check(id.component_type == 0x00, "  component type: a switch",
              "not 00h");
        check(id.serial_num == 1234, "  serial number: us0's, 1234",
              "differs");
    }
    if (answered("Background Operation Status (0002h)",
                 cxlmi_cmd_bg_op_status(f->ep, NULL, &bg), 0)) {
        check(!(bg.status & 1), "  no operation in progress", "one is");
    }
    if (answered("Get Response Message Limit (0003h)",
                 cxlmi_cmd_get_response_msg_limit(f->ep, NULL, &lim), 0)) {
        check(lim.limit == 10, "  limit 2^10 bytes", "other limit");
    }
    if (answered("Set Response Message Limit (0004h)",
                 cxlmi_cmd_set_response_msg_limit(f->ep, NULL, &set_lim,
                                                  &set_lim_rsp), 0)) {
        check(set_lim_rsp.limit == 10, "  limit set: 2^10", "other limit");
    }
    answered("Set Timestamp (0301h)",
             cxlmi_cmd_set_timestamp(f->ep, NULL, &ts_set), 0);
    if (answered("Get Timestamp (0300h)",
                 cxlmi_cmd_get_timestamp(f->ep, NULL, &ts), 0)) {
        check(ts.timestamp >= ts_set.timestamp, "  timestamp runs from "
              "the one set", "earlier");
    }
}

/* Get Supported Logs (0400h), and the CEL (0401h) lists @opcodes */
static void walk_logs(FMEndpoint *f)
{
    static const uint8_t cel_uuid[16] = {
        0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
        0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17,
    };
    static const uint16_t opcodes[] = {
        0x0001, 0x0100, 0x0102, 0x0104, 0x5100, 0x5101, 0x5102, 0x5103,
        0x5200, 0x5201, 0x5202, 0x5203, 0x5300,
    };
    size_t len = sizeof(struct cxlmi_cmd_get_supported_logs_rsp) +
        CXLMI_MAX_SUPPORTED_LOGS * sizeof(struct cxlmi_supported_log_entry);
    struct cxlmi_cmd_get_supported_logs_rsp *logs = calloc(1, len);
    struct cxlmi_cmd_get_log_req req = { .offset = 0 };
    struct cxlmi_cmd_get_log_cel_rsp *cel;
    uint32_t cel_size = 0;

    if (answered("Get Supported Logs (0400h)",
                 cxlmi_cmd_get_supported_logs(f->ep, NULL, logs), 0)) {
        for (int i = 0; i < logs->num_supported_log_entries &&
             i < CXLMI_MAX_SUPPORTED_LOGS; i++) {
            if (!memcmp(logs->entries[i].uuid, cel_uuid, 16)) {
                cel_size = logs->entries[i].log_size;
            }
        }
        check(cel_size > 0, "  the Command Effects Log is one", "not listed");
    }
    free(logs);
    if (!cel_size) {
        return;
    }
    memcpy(req.uuid, cel_uuid, sizeof(cel_uuid));
    req.length = cel_size;
    cel = calloc(1, cel_size);
    if (answered("Get Log (0401h): the CEL",
                 cxlmi_cmd_get_log_cel(f->ep, NULL, &req, cel), 0)) {
        for (size_t i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); i++) {
            bool found = false;
            char what[64];

            for (size_t j = 0; j < cel_size / sizeof(*cel); j++) {
                found |= cel[j].opcode == opcodes[i];
            }
            snprintf(what, sizeof(what), "  CEL lists %04xh", opcodes[i]);
            check(found, what, "missing");
        }
    }
    free(cel);
}

/* Event logs and both interrupt policies */
static void walk_events(FMEndpoint *f)
{
    struct cxlmi_cmd_get_event_interrupt_policy_rsp pol;
    struct cxlmi_cmd_set_event_interrupt_policy_req set_pol = {
        .informational_settings = 0x01,     /* MSI/MSI-X */
        .dcd_settings = 0x01,
    };
    struct cxlmi_cmd_get_mctp_event_interrupt_policy_rsp mpol;
    struct cxlmi_cmd_set_mctp_event_interrupt_policy_req set_mpol = {
        .event_interrupt_settings = 0x0003,
    };
    struct cxlmi_cmd_set_event_interrupt_policy_req none = { 0 };
    struct cxlmi_cmd_get_event_records_req info = { .event_log = 0 };
    struct cxlmi_cmd_get_event_records_rsp *rec = calloc(1, 0x20 +
        CXLMI_MAX_SUPPORTED_EVENT_RECORDS * sizeof(struct cxlmi_event_record));
    struct cxlmi_cmd_clear_event_records_req clr = {
        .event_log = 0, .clear_flags = 1,
    };

    answered("Set Event Interrupt Policy (0103h), five bytes",
             cxlmi_cmd_set_event_interrupt_policy(f->ep, NULL, &set_pol), 0);
    if (answered("Get Event Interrupt Policy (0102h), five bytes",
                 cxlmi_cmd_get_event_interrupt_policy(f->ep, NULL, &pol),
                 0)) {
        check(pol.informational_settings == 0x01 && !pol.warning_settings &&
              !pol.failure_settings && !pol.fatal_settings &&
              pol.dcd_settings == 0x01, "  the settings made, DCD's too",
              "differ");
    }
    answered("Set Event Interrupt Policy (0103h): none",
             cxlmi_cmd_set_event_interrupt_policy(f->ep, NULL, &none), 0);
    answered("Set MCTP Event Interrupt Policy (0105h)",
             cxlmi_cmd_set_mctp_event_interrupt_policy(f->ep, NULL,
                                                       &set_mpol), 0);
    if (answered("Get MCTP Event Interrupt Policy (0104h)",
                 cxlmi_cmd_get_mctp_event_interrupt_policy(f->ep, NULL,
                                                           &mpol), 0)) {
        check(mpol.event_interrupt_settings == 0x0003,
              "  informational and warning logs", "differ");
    }
    if (answered("Get Event Records (0100h): informational log",
                 cxlmi_cmd_get_event_records(f->ep, NULL, &info, rec), 0)) {
        printf("  %u records\n", rec->record_count);
    }
    answered("Clear Event Records (0101h): all",
             cxlmi_cmd_clear_event_records(f->ep, NULL, &clr), 0);
    if (answered("Get Event Records (0100h): emptied",
                 cxlmi_cmd_get_event_records(f->ep, NULL, &info, rec), 0)) {
        check(rec->record_count == 0, "  no records", "some left");
    }
    free(rec);
}

/* 51xxh: the switch, its ports, port control, PPB configuration */
static void walk_physical(FMEndpoint *f, unsigned *total_vppbs,
                          unsigned *bound_vppbs)
{
    struct cxlmi_cmd_fmapi_identify_sw_device_rsp sw;
    size_t len = sizeof(struct cxlmi_cmd_fmapi_get_phys_port_state_rsp) +
        NUM_PORTS * sizeof(struct cxlmi_cmd_fmapi_port_state_info_block);
    struct cxlmi_cmd_fmapi_get_phys_port_state_rsp *st = calloc(1, len);
    struct cxlmi_cmd_fmapi_get_phys_port_state_req *req =
        calloc(1, sizeof(*req) + NUM_PORTS);
    struct cxlmi_cmd_fmapi_phys_port_control_req ctl = {
        .ppb_id = 1, .port_opcode = 1,      /* deassert PERST# */
    };
    struct cxlmi_cmd_fmapi_send_ppb_cxlio_config_request_req cfg = {
        .ppb_id = BOUND_PORT,
        .field_1 = { 0x00, 0xf0, 0x00 },    /* read DW 0, all bytes */
    };
    struct cxlmi_cmd_fmapi_send_ppb_cxlio_config_request_rsp cfg_rsp;

    if (answered("Identify Switch Device (5100h)",
                 cxlmi_cmd_fmapi_identify_sw_device(f->ep, NULL, &sw), 0)) {
        check(sw.ingress_port_id == 0, "  ingress port 0 (MCTP)",
              "not 0");
        check(sw.num_physical_ports == NUM_PORTS && sw.num_vcs == 2,
              "  6 physical ports, 2 VCSs", "other numbers");
        check(sw.active_port_bitmask[0] == 0x3f && sw.active_vcs_bitmask[0] ==
              0x03, "  ports 0-5 and VCSs 0-1 active", "other bitmasks");
        *total_vppbs = sw.num_total_vppb;
        *bound_vppbs = sw.num_active_vppb;
        printf("  %u vPPBs, %u bound\n", sw.num_total_vppb,
               sw.num_active_vppb);
    }
    req->num_ports = NUM_PORTS;
    for (int i = 0; i < NUM_PORTS; i++) {
        req->ports[i] = i;
    }
    if (answered("Get Physical Port State (5101h), ports 0-5",
                 cxlmi_cmd_fmapi_get_phys_port_state(f->ep, NULL, req, st),
                 0)) {
        check(st->num_ports == NUM_PORTS, "  six port blocks", "other count");
        for (int i = 0; i < NUM_PORTS && i < st->num_ports; i++) {
            struct cxlmi_cmd_fmapi_port_state_info_block *b = &st->ports[i];
            bool usp = i >= 4;
            char what[80];

            snprintf(what, sizeof(what), "  port %u: %s%s", b->port_id,
                     usp ? "USP" : "DSP", usp ? "" : " with a type-3 device");
            check(b->port_id == i && b->config_state == (usp ? 4 : 3) &&
                  (usp || b->conn_dev_type == 4), what, "differs");
        }
    }
    answered("Physical Port Control (5102h): deassert PERST# on port 1",
             cxlmi_cmd_fmapi_phys_port_control(f->ep, NULL, &ctl), 0);
    if (answered("Send PPB CXL.io Configuration Request (5103h)",
                 cxlmi_cmd_fmapi_send_ppb_cxlio_config_request(f->ep, NULL,
                                                               &cfg,
                                                               &cfg_rsp),
                 0)) {
        printf("  port %u's PPB: vendor %04x device %04x\n", BOUND_PORT,
               cfg_rsp.return_data & 0xffff, cfg_rsp.return_data >> 16);
        check((cfg_rsp.return_data & 0xffff) != 0xffff &&
              cfg_rsp.return_data, "  a vendor ID", "none");
    }
    free(req);
    free(st);
}

/* 5300h to the DCD on DCD_PORT: Identify and the 56xxh it answers */
static void walk_tunnel(FMEndpoint *f)
{
    DEFINE_CXLMI_TUNNEL_SWITCH(ti, DCD_PORT);
    struct cxlmi_cmd_identify_rsp id;
    struct cxlmi_cmd_fmapi_get_dcd_info_rsp dcd;
    struct cxlmi_cmd_fmapi_get_host_dc_region_config_req rreq = {
        .host_id = 0, .region_cnt = 8, .start_region_id = 0,
    };
    struct cxlmi_cmd_fmapi_get_host_dc_region_config_rsp *reg =
        calloc(1, sizeof(*reg));
    struct cxlmi_cmd_fmapi_get_dc_region_ext_list_req ereq = {
        .host_id = 0, .extent_count = 16, .start_ext_index = 0,
    };
    struct cxlmi_cmd_fmapi_get_dc_region_ext_list_rsp *ext =
        calloc(1, sizeof(*ext) + 16 * sizeof(ext->extents[0]));

    if (answered("Tunnel (5300h) to port 2: Identify",
                 cxlmi_cmd_identify(f->ep, &ti, &id), 0)) {
        check(id.component_type == 0x03 && id.serial_num == 101,
              "  cxl-dcd1, a type-3 device, serial 101", "differs");
    }
    if (answered("Tunnel to port 2: Get DCD Info (5600h)",
                 cxlmi_cmd_fmapi_get_dcd_info(f->ep, &ti, &dcd), 0)) {
        check(dcd.num_supported_dc_regions == 8, "  8 DC regions", "other");
    }
    if (answered("Tunnel to port 2: Get Host DC Region Configuration "
                 "(5601h)", cxlmi_cmd_fmapi_get_dc_reg_config(f->ep, &ti,
                                                              &rreq, reg),
                 0)) {
        check(reg->num_regions == 8 && reg->regions_returned == 8,
              "  8 regions returned", "other");
    }
    if (answered("Tunnel to port 2: Get DC Region Extent Lists (5603h)",
                 cxlmi_cmd_fmapi_get_dc_region_ext_list(f->ep, &ti, &ereq,
                                                        ext), 0)) {
        check(ext->total_extents == 0, "  no extents", "some");
    }
    free(reg);
    free(ext);
}

int main(int argc, char **argv)
{
    FMEndpoint f;
    struct cxlmi_cmd_fmapi_bind_vppb_req bad_bind = {
        .vcs_id = 7, .vppb_id = 0, .port_id = 0, .ld_id = 0xffff,
    };
    struct cxlmi_cmd_fmapi_unbind_vppb_req bad_unbind = {
        .vcs_id = 0, .vppb_id = 0, .option = 0,
    };
    unsigned total = 0, bound = 0, bound_vcs = 0;

    fm_open(&f, "fm-walk", argc, argv, 0, "");
    walk_generic(&f);
    walk_logs(&f);
    walk_events(&f);
    walk_physical(&f, &total, &bound);
    walk_tunnel(&f);
    answered("Bind vPPB (5201h) on VCS 7, which does not exist",
             cxlmi_cmd_fmapi_bind_vppb(f.ep, NULL, &bad_bind),
             CXLMI_RET_INPUT);
    answered("Unbind vPPB (5202h) of VCS 0 vPPB 0, which is unbound",
             cxlmi_cmd_fmapi_unbind_vppb(f.ep, NULL, &bad_unbind),
             CXLMI_RET_INPUT);
    answered("Get Virtual CXL Switch Info (5200h)",
             fm_print_vcs(&f, &bound_vcs), 0);
    check(bound == bound_vcs && bound == 1,
          "Identify Switch Device's bound vPPBs are VCS Info's: 1", "differ");
    check(total == 8, "8 vPPBs in all", "other");
    fm_close(&f);
    printf("fm-walk: %u failures\n", failures);
    return failures != 0;
}
