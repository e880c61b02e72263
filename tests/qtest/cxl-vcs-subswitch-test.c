/*
 * QTest for a switch on a physical downstream port of the multi-VCS CXL
 * switch (cxl-vcs-switch): a two-level fabric.
 *
 * The topology is the seed's with a fifth physical port, and on it the
 * switch of tests/data/cxl/two-level-topology.args: cxl-upstream lsw0
 * (port 2) with cxl-downstream ports 0 and 1, cxl-ep3 and cxl-ep4 below
 * them.  The test plays the fabric manager through the switch mailbox
 * CCI and the hosts' OS: it powers a slot on after a hot-add and
 * enumerates what arrived, in bus numbers it kept free in each empty
 * slot as firmware that reserves them for hot-plug would.  Expected
 * payloads are written from the FM-API layouts (CXL r3.2 7.6.7).
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "standard-headers/linux/pci_regs.h"
#include "cxl-vcs-fixture.h"

#define TWO_LEVEL_SWITCH "usp-ppbs=2,dsp-ppbs=5,local-fm=true"
#define SWITCH_PORT 4
/* The switch's ports are 0 and 1 (cxl-downstream), 2 (cxl-upstream) */
#define LOWER_USP_PORT 2
/*
 * The hosts keep 3 bus numbers in each empty slot, for a switch with two
 * downstream ports: the second host bridge moves up to leave them room
 */
#define SLOT_BUSES 3
#define TWO_LEVEL_ROOT_BUS1 40

#define EP_SIZE (256 * 1024 * 1024)
#define PATTERN 0x0123456789abcdefULL

/* The switch's device ids and serial number, and its devices' */
#define USP_DID 0xa128
#define DSP_DID 0xa129
#define T3_VID 0x8086
#define T3_DID 0x0d93
#define LOWER_USP_SN 4000
#define EP3_SN 103

/* vPPB 0 of VCS 0 and of VCS 1, each behind a host bridge of its own */
static const char *const vppb0[] = { "swport0", "swport4" };

static void start(Fixture *f, const char *extra)
{
    g_autofree char *two_level = topology_file("two-level-topology.args");
    g_autofree char *args = g_strdup_printf("%s %s", two_level, extra);

    fixture_start_buses(f, TWO_LEVEL_SWITCH, args, SLOT_BUSES,
                        TWO_LEVEL_ROOT_BUS1);
}

/* Whether device @id exists (in QOM, realized) */
static bool device_exists(Fixture *f, const char *id)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);
    QDict *resp = qtest_qmp(f->qts, "{'execute': 'qom-get', 'arguments': "
                            "{'path': %s, 'property': 'realized'}}", path);
    bool exists = qdict_haskey(resp, "return") &&
                  qdict_get_bool(resp, "return");

    qobject_unref(resp);
    return exists;
}

/*
 * The OS powers the slot of @vppb on after the hot-add and enumerates
 * the switch that arrived: its upstream port, its downstream ports with
 * their slots on, populated and with no event pending, and a type-3
 * device below each
 */
static void os_hot_add_switch(Fixture *f, const char *vppb)
{
    int port = cxl_fm_find_id(&f->h, vppb);
    int usp, dsp;

    g_assert_true(cxl_fm_slot_status(&f->h, port) & PCI_EXP_SLTSTA_PDS);
    cxl_fm_slot_power(&f->h, port, true);
    cxl_fm_slot_ack(&f->h, port);
    usp = cxl_fm_enumerate_slot(&f->h, port);
    g_assert_cmphex(cxl_fm_cfg_read(&f->h, usp, PCI_VENDOR_ID, 2), ==,
                    MBOX_CCI_VID);
    g_assert_cmphex(cxl_fm_cfg_read(&f->h, usp, PCI_DEVICE_ID, 2), ==,
                    USP_DID);
    g_assert_cmphex(cxl_fm_cfg_read(&f->h, usp, PCI_CLASS_DEVICE, 2), ==,
                    0x0604);
    g_assert_cmpint(cxl_fm_find_id(&f->h, "lsw0"), ==, usp);
    for (int i = 0; i < 2; i++) {
        g_autofree char *dsp_id = g_strdup_printf("lsw0-dsp%d", i);
        g_autofree char *ep_id = g_strdup_printf("cxl-ep%d", 3 + i);
        uint8_t exp;
        int ep;

        dsp = cxl_fm_find_id(&f->h, dsp_id);
        g_assert_cmpint(dsp, >=, 0);
        g_assert_cmphex(cxl_fm_cfg_read(&f->h, dsp, PCI_DEVICE_ID, 2), ==,
                        DSP_DID);
        g_assert_cmphex(cxl_fm_slot_status(&f->h, dsp) &
                        (PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_ABP |
                         PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_CC), ==,
                        PCI_EXP_SLTSTA_PDS);
        exp = cxl_fm_find_cap(&f->h, dsp, PCI_CAP_ID_EXP);
        g_assert_cmphex(cxl_fm_cfg_read(&f->h, dsp, exp + PCI_EXP_SLTCTL, 2) &
                        PCI_EXP_SLTCTL_PCC, ==, PCI_EXP_SLTCTL_PWR_ON);
        ep = cxl_fm_find_id(&f->h, ep_id);
        g_assert_cmpint(ep, ==,
                        CXL_FM_BDF(cxl_fm_secondary_bus(&f->h, dsp), 0, 0));
        g_assert_cmphex(cxl_fm_cfg_read(&f->h, ep, PCI_VENDOR_ID, 2), ==,
                        T3_VID);
        g_assert_cmphex(cxl_fm_cfg_read(&f->h, ep, PCI_CLASS_DEVICE, 2), ==,
                        0x0502);
    }
}

/* The switch and its devices exist (bound) or not (unbound) */
static void switch_exists(Fixture *f, bool exists)
{
    static const char *const ids[] = {
        "lsw0", "lsw0-dsp0", "lsw0-dsp1", "cxl-ep3", "cxl-ep4",
    };

    for (int i = 0; i < ARRAY_SIZE(ids); i++) {
        g_assert_cmpint(device_exists(f, ids[i]), ==, exists);
    }
}

/* Bind the switch to vPPB 0 of @vcs; the host takes it */
static void bind_switch(Fixture *f, uint8_t vcs)
{
    fm_bind(f, vcs, 0, SWITCH_PORT);
    vppb_expect(f, vcs, 0, 2, SWITCH_PORT);
    switch_exists(f, true);
    os_hot_add_switch(f, vppb0[vcs]);
}

/*
 * Bind the switch with its two devices to VCS 0, unbind it with
 * @opaque's option, bind it to VCS 1: each time the whole switch arrives
 * and goes
 */
static void test_bind_unbind(const void *opaque)
{
    uint8_t option = GPOINTER_TO_UINT(opaque);
    Fixture f;
    int vppb;

    start(&f, "");
    switch_exists(&f, false);
    vppb_expect(&f, 0, 0, 0, 0xff);
    bind_switch(&f, 0);

    vppb = cxl_fm_find_id(&f.h, vppb0[0]);
    fm_unbind_start(&f, 0, 0, option);
    if (option != CXL_UNBIND_SURPRISE) {
        /* The host still has the switch until it powers the slot off */
        bg_expect(&f, CXL_OP_UNBIND, 50, 0);
        switch_exists(&f, true);
        g_assert_cmpint(!!(cxl_fm_slot_status(&f.h, vppb) &
                           PCI_EXP_SLTSTA_ABP), ==,
                        option == CXL_UNBIND_MANAGED);
        cxl_fm_slot_power(&f.h, vppb, false);
    }
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
    switch_exists(&f, false);
    g_assert_false(cxl_fm_present(&f.h,
        CXL_FM_BDF(cxl_fm_secondary_bus(&f.h, vppb), 0, 0)));
    vppb_expect(&f, 0, 0, 0, 0xff);

    bind_switch(&f, 1);
    fixture_stop(&f);
}

/*
 * A Tunnel Management Command (5300h) to port @port, Identify inside:
 * port, target type 0, its size, then the CCI request's 12 byte header
 * (tag 0x42, opcode 0001h, no payload)
 */
static size_t tunnel_identify_req(uint8_t *req, uint8_t port)
{
    static const uint8_t hdr[16] = {
        0, 0, 12, 0,
        0x00, 0x42, 0, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0,
    };

    memcpy(req, hdr, sizeof(hdr));
    req[0] = port;
    return sizeof(hdr);
}

/* Physical Port State of the switch's port, unbound and bound */
static void test_port_state(void)
{
    Fixture f;
    static const uint8_t req[] = { 1, SWITCH_PORT };
    /*
     * Port 4: a DSP (3) with a switch (3, Type 2 device or HBR switch)
     * in 68B flit VH mode (2), x16 up to 64 GT/s, trained with the x16
     * 32 GT/s cxl-upstream: L0, PRSNT#; no LDs
     */
    static const uint8_t rsp[4 + 16] = {
        1, 0, 0, 0,
        SWITCH_PORT, 3, 2, 0, 3, 2, 16, 16, 0x3f, 6, 5, 4, 0, 0x04, 0x00, 0,
    };
    uint8_t sw[0x49] = {
        [0x00] = 5,     /* ingress: us0's port */
        [0x02] = 7,     /* 5 downstream + 2 upstream physical ports */
        [0x03] = 2,
        [0x04] = 0x7f,  /* ports 0-4 have something, 5-6 are USPs */
        [0x24] = 0x03,
        [0x44] = 8,
        [0x46] = 0,
        [0x48] = 4,
    };

    start(&f, "");
    fm_expect(&f, CXL_OP_PHYS_PORT_STATE, req, sizeof(req), CXL_RC_SUCCESS,
              rsp, sizeof(rsp));
    fm_expect(&f, CXL_OP_IDENTIFY_SWITCH, NULL, 0, CXL_RC_SUCCESS, sw,
              sizeof(sw));
    bind_switch(&f, 0);
    /* Bound: the link below the vPPB's port, trained the same */
    fm_expect(&f, CXL_OP_PHYS_PORT_STATE, req, sizeof(req), CXL_RC_SUCCESS,
              rsp, sizeof(rsp));
    sw[0x46] = 1;
    fm_expect(&f, CXL_OP_IDENTIFY_SWITCH, NULL, 0, CXL_RC_SUCCESS, sw,
              sizeof(sw));
    fixture_stop(&f);
}

/*
 * The FM reaches the switch through Tunnel Management while it is bound,
 * and through its own tunnel the devices on its ports
 */
static void test_tunnel(void)
{
    /* Identify: the switch (0) as its cxl-upstream, a 2 KiB payload */
    static const uint8_t identify[18] = {
        0xe5, 0x19, USP_DID & 0xff, USP_DID >> 8, 0, 0, 0, 0,
        LOWER_USP_SN & 0xff, LOWER_USP_SN >> 8, 0, 0, 0, 0, 0, 0,
        11, 0x00,
    };
    /* Identify Switch Device: one VCS, ports 0-2 all bound */
    static const uint8_t sw[0x49] = {
        [0x00] = LOWER_USP_PORT,    /* ingress: its upstream port */
        [0x02] = 3,
        [0x03] = 1,
        [0x04] = 0x07,
        [0x24] = 0x01,
        [0x44] = 3,
        [0x46] = 3,
        [0x48] = 4,
    };
    /*
     * Identify of cxl-ep3: a Type 3 device (3) with QEMU's subsystem ids,
     * 512 byte payloads on its FM-owned LD
     */
    static const uint8_t ep3_identify[18] = {
        T3_VID & 0xff, T3_VID >> 8, T3_DID & 0xff, T3_DID >> 8,
        0xf4, 0x1a, 0x00, 0x11,
        EP3_SN, 0, 0, 0, 0, 0, 0, 0,
        9, 0x03,
    };
    static const uint8_t ports_req[] = { 3, 0, 1, LOWER_USP_PORT };
    /*
     * Ports 0 and 1: DSPs with a Type 3 SLD (4), x16 up to 64 GT/s,
     * trained at 32 GT/s, L0, PRSNT#.  Port 2: the USP, x16 32 GT/s
     */
    static const uint8_t ports[4 + 3 * 16] = {
        3, 0, 0, 0,
        0, 3, 2, 0, 4, 2, 16, 16, 0x3f, 6, 5, 4, 0, 0x04, 0x00, 0,
        1, 3, 2, 0, 4, 2, 16, 16, 0x3f, 6, 5, 4, 0, 0x04, 0x00, 0,
        LOWER_USP_PORT, 4, 2, 0, 0, 2, 16, 16, 0x1f, 5, 5, 4, 0, 0x04,
        0x00, 0,
    };
    uint8_t req[16], out[256];
    size_t len;
    Fixture f;

    start(&f, "");
    /* Unbound, the switch does not exist: Invalid Input */
    fm_expect_rc(&f, CXL_OP_TUNNEL, req,
                 tunnel_identify_req(req, SWITCH_PORT), CXL_RC_INVALID_INPUT);
    bind_switch(&f, 0);
    g_assert_cmphex(fm_tunnel(&f, SWITCH_PORT, CXL_OP_IDENTIFY, NULL, 0, out,
                              &len), ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(out, len, identify, sizeof(identify));
    g_assert_cmphex(fm_tunnel(&f, SWITCH_PORT, CXL_OP_IDENTIFY_SWITCH, NULL,
                              0, out, &len), ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(out, len, sw, sizeof(sw));
    g_assert_cmphex(fm_tunnel(&f, SWITCH_PORT, CXL_OP_PHYS_PORT_STATE,
                              ports_req, sizeof(ports_req), out, &len), ==,
                    CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(out, len, ports, sizeof(ports));

    /* Nested: to cxl-ep3 on the switch's port 0, its FM-owned LD */
    g_assert_cmphex(fm_tunnel_ld(&f, SWITCH_PORT, 0, CXL_OP_IDENTIFY, NULL, 0,
                                 out, &len), ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(out, len, ep3_identify, sizeof(ep3_identify));
    /* The switch's own port, no device port: the inner tunnel refuses */
    g_assert_cmphex(fm_tunnel(&f, SWITCH_PORT, CXL_OP_TUNNEL, req,
                              tunnel_identify_req(req, LOWER_USP_PORT), out,
                              &len), ==, CXL_RC_INVALID_INPUT);

    /* Unbound again, it is gone */
    fm_unbind_start(&f, 0, 0, CXL_UNBIND_SURPRISE);
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
    fm_expect_rc(&f, CXL_OP_TUNNEL, req,
                 tunnel_identify_req(req, SWITCH_PORT), CXL_RC_INVALID_INPUT);
    fixture_stop(&f);
}

/* query-cxl-vcs: port 4 and its switch */
static QDict *port_info(Fixture *f, QDict **resp)
{
    const QListEntry *e;
    QDict *sw;

    *resp = qtest_qmp(f->qts, "{'execute': 'query-cxl-vcs'}");
    sw = qobject_to(QDict, qlist_peek(qdict_get_qlist(*resp, "return")));
    QLIST_FOREACH_ENTRY(qdict_get_qlist(sw, "ports"), e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        if (qdict_get_int(p, "phys-port") == SWITCH_PORT) {
            return p;
        }
    }
    g_assert_not_reached();
}

static void port_info_expect(Fixture *f, const char *state, bool bound)
{
    QDict *resp, *p = port_info(f, &resp);
    QList *sp = qdict_get_qlist(p, "switch-ports");
    QDict *dsp;

    g_assert_true(qdict_get_bool(p, "present"));
    g_assert_cmpstr(qdict_get_str(p, "device"), ==, "lsw0");
    g_assert_cmpstr(qdict_get_str(p, "state"), ==, state);
    g_assert_cmpint(qdict_get_bool(p, "realized"), ==, bound);
    g_assert_false(qdict_haskey(p, "capacity"));
    g_assert_cmpint(qdict_haskey(p, "vcs-id"), ==, bound);
    g_assert_cmpuint(qlist_size(sp), ==, 2);
    for (int i = 0; i < 2; i++) {
        g_autofree char *id = g_strdup_printf("lsw0-dsp%d", i);
        g_autofree char *ep = g_strdup_printf("cxl-ep%d", 3 + i);

        dsp = qobject_to(QDict, qlist_pop(sp));
        g_assert_cmpint(qdict_get_int(dsp, "port"), ==, i);
        g_assert_cmpstr(qdict_get_str(dsp, "id"), ==, id);
        g_assert_cmpstr(qdict_get_str(dsp, "device"), ==, ep);
        qobject_unref(dsp);
    }
    qobject_unref(resp);
}

static void test_query(void)
{
    g_autofree char *hmp = NULL;
    Fixture f;

    start(&f, "");
    port_info_expect(&f, "unbound", false);
    hmp = qtest_hmp(f.qts, "info cxl-vcs");
    g_assert_nonnull(strstr(hmp, "lsw0               hidden"));
    g_assert_nonnull(strstr(hmp, "switch port 1         lsw0-dsp1"));
    bind_switch(&f, 0);
    port_info_expect(&f, "bound", true);
    fixture_stop(&f);
}

/*
 * The host's HDM decoders for a window of 2 * EP_SIZE at @base through
 * VCS 0's switch to the switch on its vPPB 0: both host bridges (each
 * sees only its own window's accesses), VCS 0's upstream port 1-way to
 * that vPPB (port 0)
 */
static uint64_t decode_to_switch(Fixture *f)
{
    uint64_t base = mtree_start(f->qts, "cxl-fixed-memory-region", 0);

    bind_switch(f, 0);
    for (int i = 0; i < ARRAY_SIZE(vppb0); i++) {
        hdm_commit(f->qts, mtree_start(f->qts, "pxb-cxl-host", i), base,
                   2 * EP_SIZE, 0, true);
    }
    hdm_commit(f->qts, cxl_fm_bar(&f->h, cxl_fm_find_id(&f->h, "us0"), 0),
               base, 2 * EP_SIZE, 0, true);
    return base;
}

static uint64_t regs_of(Fixture *f, const char *id)
{
    return cxl_fm_bar(&f->h, cxl_fm_find_id(&f->h, id), 0);
}

/*
 * 1-way at each level: the switch on the vPPB decodes the first half of
 * the window to cxl-ep3 (its port 0), the second to cxl-ep4 (port 1),
 * with a decoder each.  The window decodes each access (no direct
 * mapping): what is written lands in each device's backing file at the
 * offset in its half, and reads back.
 */
static void test_decode_1way(void)
{
    Fixture f;
    uint64_t base, lsw0;

    start(&f, "-global cxl-fmw.x-direct-map=off");
    base = decode_to_switch(&f);
    lsw0 = regs_of(&f, "lsw0");
    hdm_commit_n(f.qts, lsw0, 0, base, EP_SIZE, 0, true);
    hdm_commit_n(f.qts, lsw0, 1, base + EP_SIZE, EP_SIZE, 1, true);
    hdm_commit(f.qts, regs_of(&f, "cxl-ep3"), base, EP_SIZE, 0, true);
    hdm_commit(f.qts, regs_of(&f, "cxl-ep4"), base + EP_SIZE, EP_SIZE, 0,
               true);

    qtest_writeq(f.qts, base + 0x1000, PATTERN);
    qtest_writeq(f.qts, base + EP_SIZE + 0x2000, ~PATTERN);
    g_assert_cmphex(file_of(&f, "t3_cxl5.raw", 0x1000), ==, PATTERN);
    g_assert_cmphex(file_of(&f, "t3_cxl6.raw", 0x2000), ==, ~PATTERN);
    g_assert_cmphex(qtest_readq(f.qts, base + 0x1000), ==, PATTERN);
    g_assert_cmphex(qtest_readq(f.qts, base + EP_SIZE + 0x2000), ==,
                    ~PATTERN);

    /* Unbound, the window reaches neither: all ones, writes dropped */
    fm_unbind_start(&f, 0, 0, CXL_UNBIND_SURPRISE);
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
    g_assert_cmphex(qtest_readq(f.qts, base + 0x1000), ==, UINT64_MAX);
    qtest_writeq(f.qts, base + 0x1000, 0);
    g_assert_cmphex(file_of(&f, "t3_cxl5.raw", 0x1000), ==, PATTERN);
    fixture_stop(&f);
}

/*
 * 2-way across the switch's ports, in 256 byte granules: granule k goes
 * to cxl-ep3 (k even) or cxl-ep4 (k odd), at 256 * (k / 2) of it
 */
static void test_decode_2way(void)
{
    Fixture f;
    uint64_t base;

    start(&f, "");
    base = decode_to_switch(&f);
    hdm_commit_ways(f.qts, regs_of(&f, "lsw0"), 0, base, 2 * EP_SIZE, 1,
                    0x0100, true);
    hdm_commit_ways(f.qts, regs_of(&f, "cxl-ep3"), 0, base, 2 * EP_SIZE, 1,
                    0, true);
    hdm_commit_ways(f.qts, regs_of(&f, "cxl-ep4"), 0, base, 2 * EP_SIZE, 1,
                    0, true);
    g_assert_false(flat_ram_at(f.qts, base));

    interleave_expect(&f, base, "t3_cxl5.raw", "t3_cxl6.raw", PATTERN);
    fixture_stop(&f);
}

/*
 * A bind whose switch cannot be created in full: cxl-ep4's memory backend
 * is gone, so the switch's upstream port, its downstream ports and
 * cxl-ep3 are created and then removed again.  The bind completes with
 * Internal Error, the vPPB's slot is empty, and once the backend is back
 * the same bind works.
 */
static void test_replay_fails(void)
{
    g_autofree char *path = NULL;
    Fixture f;
    QDict *resp;
    int vppb;

    start(&f, "");
    qtest_qmp_assert_success(f.qts, "{'execute': 'object-del', "
                             "'arguments': {'id': 'cxl-mem6'}}");
    fm_bind_start(&f, 0, 0, SWITCH_PORT);
    qtest_clock_step(f.qts, BIND_NS);
    bg_expect(&f, CXL_OP_BIND, 100, CXL_RC_INTERNAL_ERROR);
    vppb_expect(&f, 0, 0, 0, 0xff);
    switch_exists(&f, false);
    vppb = cxl_fm_find_id(&f.h, vppb0[0]);
    g_assert_false(cxl_fm_slot_status(&f.h, vppb) & PCI_EXP_SLTSTA_PDS);
    port_info_expect(&f, "unbound", false);

    path = g_build_filename(f.dir, "t3_cxl6.raw", NULL);
    resp = qtest_qmp(f.qts, "{'execute': 'object-add', 'arguments': "
                     "{'qom-type': 'memory-backend-file', 'id': 'cxl-mem6', "
                     "'share': true, 'size': %d, 'mem-path': %s}}",
                     EP_SIZE, path);
    g_assert_true(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    bind_switch(&f, 0);
    fixture_stop(&f);
}

/*
 * device_add at run time: a second switch on physical port 5, which the
 * FM can bind at once; no device joins a switch that is bound
 */
static void test_device_add(void)
{
    Fixture f;
    QDict *resp;

    fixture_start_buses(&f, "usp-ppbs=2,dsp-ppbs=6,local-fm=true",
                        "-object memory-backend-ram,id=m7,size=256M",
                        SLOT_BUSES, TWO_LEVEL_ROOT_BUS1);
    qtest_qmp_device_add(f.qts, "cxl-upstream", "lsw1",
                         "{'vcs': 'vcs0', 'dsppb': 5, 'port': 2}");
    qtest_qmp_device_add(f.qts, "cxl-downstream", "lsw1-dsp0",
                         "{'bus': 'lsw1', 'port': 0, 'chassis': 3, "
                         "'slot': 1}");
    qtest_qmp_device_add(f.qts, "cxl-type3", "cxl-ep7",
                         "{'bus': 'lsw1-dsp0', 'volatile-memdev': 'm7'}");
    g_assert_false(device_exists(&f, "lsw1"));
    fm_bind(&f, 1, 1, 5);
    vppb_expect(&f, 1, 1, 2, 5);
    g_assert_true(device_exists(&f, "lsw1"));
    g_assert_true(device_exists(&f, "cxl-ep7"));

    resp = qtest_qmp(f.qts, "{'execute': 'device_add', 'arguments': "
                     "{'driver': 'cxl-downstream', 'id': 'lsw1-dsp1', "
                     "'bus': 'lsw1', 'port': 1, 'chassis': 3, 'slot': 2}}");
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    ==, "cxl-downstream 'lsw1-dsp1': the switch on physical "
                    "port 5 of cxl-vcs-switch 'vcs0' is bound; devices join "
                    "it while it is unbound");
    qobject_unref(resp);
    fixture_stop(&f);
}

/*
 * A wrong command line: the two-level topology with one option changed
 * (@from becomes @to), and what QEMU says before it exits with status 1
 */
static const struct {
    const char *from, *to, *expected;
} bad_cli[] = {
    { "vcs=vcs0,dsppb=4", "vcs=vcs0,dsppb=4,usppb=1",
      "cxl-upstream 'lsw0': usppb= (the upstream port of a VCS) and dsppb= "
      "(a switch on a physical downstream port) exclude each other" },
    { "vcs=vcs0,dsppb=4", "vcs=vcs0,dsppb=5",
      "cxl-upstream 'lsw0': dsppb 5 out of range (0-4)" },
    { "vcs=vcs0,dsppb=4", "vcs=vcs0,dsppb=0",
      "cxl-upstream 'lsw0': dsppb 0 of cxl-vcs-switch 'vcs0' is already "
      "used by 'cxl-ep1'" },
    { "vcs=vcs0,dsppb=4", "vcs=vcs0,dsppb=four",
      "cxl-upstream: dsppb expects a number: a downstream PPB of the "
      "cxl-vcs-switch that vcs= names (0 to its dsp-ppbs - 1)" },
    { "id=lsw0,vcs=vcs0", "vcs=vcs0",
      "cxl-upstream with vcs=vcs0 and dsppb=: needs an id, by which its "
      "cxl-downstream ports name it in bus=" },
    { "id=lsw0,vcs=vcs0", "id=lsw0,bus=root_port1,vcs=vcs0",
      "cxl-upstream 'lsw0': bus= cannot be combined with vcs=: a bind "
      "chooses the vPPB its switch is attached below" },
    { "vcs=vcs0,dsppb=4", "vcs=vcs0",
      "cxl-upstream 'lsw0': vcs=vcs0 needs usppb= (a VCS's upstream port, "
      "0-1) or dsppb= (a switch on a physical downstream port, 0-4)" },
    { "vcs=vcs0,dsppb=4", "dsppb=4",
      "cxl-upstream 'lsw0': dsppb=4 needs vcs=" },
    { "sn=104,bus=lsw0-dsp1", "sn=104,bus=lsw0-dsp1,vcs=vcs0,dsppb=3",
      "cxl-type3 'cxl-ep4': a device of the switch on physical port 4 of "
      "cxl-vcs-switch 'vcs0' takes no vcs=, usppb= or dsppb=" },
    { "sn=104,bus=lsw0-dsp1", "sn=104,bus=lsw0",
      "cxl-type3 'cxl-ep4': below cxl-upstream 'lsw0' go only "
      "cxl-downstream ports" },
    { "sn=104,bus=lsw0-dsp1", "sn=104,bus=lsw0-dsp0",
      "cxl-type3 'cxl-ep4': cxl-downstream 'lsw0-dsp0' already has "
      "'cxl-ep3' below it; a downstream port's link carries one device" },
    { "sn=104,bus=lsw0-dsp1", "sn=104,bus=cxl-ep3",
      "cxl-type3 'cxl-ep4': bus=cxl-ep3 is a cxl-type3 of the switch on "
      "physical port 4, which has no bus for devices" },
    { "port=1,bus=lsw0,", "port=2,bus=lsw0,",
      "cxl-downstream 'lsw0-dsp1': port 2 is that of its cxl-upstream "
      "'lsw0'; FM-API numbers the switch's ports by port=" },
    { "port=1,bus=lsw0,", "port=0,bus=lsw0,",
      "cxl-downstream 'lsw0-dsp1': port 0 of cxl-upstream 'lsw0' is "
      "already used by 'lsw0-dsp0'" },
    { "chassis=2,slot=2", "chassis=2,slot=1",
      "cxl-downstream 'lsw0-dsp1': chassis 2 slot 1 is already used by "
      "'lsw0-dsp0'" },
    { "persistent-memdev=cxl-mem6,", "",
      "at least one memdev property must be set" },
    { "persistent-memdev=cxl-mem6,", "persistent-memdev=cxl-mem5,",
      "cxl-type3 'cxl-ep4': memory backend cxl-mem5 can't be used multiple "
      "times." },
    /* (Found as it is given: cxl-ep1 holds its backend from start-up) */
    { "persistent-memdev=cxl-mem6,", "persistent-memdev=cxl-mem1,",
      "memory backend cxl-mem1 can't be used multiple times." },
    { "persistent-memdev=cxl-mem6,", "persistent-memdev=nosuch,",
      "Device 'nosuch' not found" },
    { "port=1,bus=lsw0,", "port=one,bus=lsw0,",
      "Parameter 'port' expects integer" },
    { "-device cxl-type3,persistent-memdev=cxl-mem6",
      "-device usb-cxl-mctp,bus=lsw0-dsp1,target=vcs0 -device cxl-type3,"
      "persistent-memdev=cxl-mem6",
      "usb-cxl-mctp '': a switch on a physical port takes PCI devices, "
      "named by their type" },
};

/*
 * Devices given later in JSON (which QEMU does not check for ids given
 * twice, as it does -device options) whose ids are taken
 */
static const struct {
    const char *device, *expected;
} taken_id[] = {
    { "{'driver': 'cxl-downstream', 'id': 'us0', 'bus': 'lsw0', 'port': 3, "
      "'chassis': 2, 'slot': 3}",
      "cxl-downstream 'us0': the id is already used" },
    { "{'driver': 'cxl-downstream', 'id': 'cxl-ep1', 'bus': 'lsw0', "
      "'port': 3, 'chassis': 2, 'slot': 3}",
      "cxl-downstream 'cxl-ep1': the id is already used on physical port 0 "
      "of cxl-vcs-switch 'vcs0'" },
    { "{'driver': 'cxl-downstream', 'id': 'cxl-ep3', 'bus': 'lsw0', "
      "'port': 3, 'chassis': 2, 'slot': 3}",
      "cxl-downstream 'cxl-ep3': the id is already used by a device of the "
      "switch on physical port 4 of cxl-vcs-switch 'vcs0'" },
    { "{'driver': 'pcie-root-port', 'id': 'lsw0-dsp1', 'chassis': 9, "
      "'slot': 9}",
      "pcie-root-port 'lsw0-dsp1': the id is already used by a device of "
      "the switch on physical port 4 of cxl-vcs-switch 'vcs0'" },
};

static void test_bad_cli(void)
{
    g_autofree char *two_level = topology_file("two-level-topology.args");

    for (int i = 0; i < ARRAY_SIZE(bad_cli); i++) {
        assert_topology_edit_fails(TWO_LEVEL_SWITCH, two_level,
                                   bad_cli[i].from, bad_cli[i].to,
                                   bad_cli[i].expected);
    }
    /* A device comes after what its bus= names */
    assert_topology_fails(TWO_LEVEL_SWITCH,
        "-device cxl-type3,volatile-memdev=cxl-mem5,id=early,bus=lsw0-dsp0 "
        "-device cxl-upstream,port=2,id=lsw0,vcs=vcs0,dsppb=4",
        "Bus 'lsw0-dsp0' not found");
    for (int i = 0; i < ARRAY_SIZE(taken_id); i++) {
        g_autofree char *json = g_strdelimit(g_strdup(taken_id[i].device),
                                             "'", '"');
        g_autofree char *extra = g_strdup_printf("%s -device '%s'",
                                                 two_level, json);

        assert_topology_fails(TWO_LEVEL_SWITCH, extra, taken_id[i].expected);
    }
}

int main(int argc, char **argv)
{
    /* Unbind vPPB's options, by number */
    static const char *const unbind[] = {
        "wait-link-down", "managed", "surprise",
    };

    g_test_init(&argc, &argv, NULL);
    for (int option = 0; option < ARRAY_SIZE(unbind); option++) {
        g_autofree char *path = g_strdup_printf(
            "/cxl-vcs-switch/subswitch/bind/unbind-%s", unbind[option]);

        qtest_add_data_func(path, GUINT_TO_POINTER(option), test_bind_unbind);
    }
    qtest_add_func("/cxl-vcs-switch/subswitch/port-state", test_port_state);
    qtest_add_func("/cxl-vcs-switch/subswitch/tunnel", test_tunnel);
    qtest_add_func("/cxl-vcs-switch/subswitch/query", test_query);
    qtest_add_func("/cxl-vcs-switch/subswitch/decode-1way", test_decode_1way);
    qtest_add_func("/cxl-vcs-switch/subswitch/decode-2way", test_decode_2way);
    qtest_add_func("/cxl-vcs-switch/subswitch/replay-fails",
                   test_replay_fails);
    qtest_add_func("/cxl-vcs-switch/subswitch/device-add", test_device_add);
    qtest_add_func("/cxl-vcs-switch/subswitch/bad-cli", test_bad_cli);
    return g_test_run();
}
