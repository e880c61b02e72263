/*
 * QTest for the multi-VCS CXL switch (cxl-vcs-switch): the object and its
 * properties, the ports and devices that join it, its QMP and HMP view,
 * and the errors a wrong command line gets.  Its FM-API commands are in
 * cxl-vcs-fmapi-test.c.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "cxl-vcs-fixture.h"

static void test_seed_query(void)
{
    Fixture f;
    QDict *resp;
    QList *switches, *vcss, *ports;
    QDict *sw;
    const QListEntry *e;
    int n = 0;

    fixture_start(&f, SEED_SWITCH, "");
    resp = qtest_qmp(f.qts, "{'execute': 'query-cxl-vcs'}");
    switches = qdict_get_qlist(resp, "return");
    g_assert_cmpuint(qlist_size(switches), ==, 1);
    sw = qobject_to(QDict, qlist_peek(switches));
    g_assert_cmpstr(qdict_get_str(sw, "id"), ==, "vcs0");
    vcss = qdict_get_qlist(sw, "vcss");
    g_assert_cmpuint(qlist_size(vcss), ==, 2);
    QLIST_FOREACH_ENTRY(vcss, e) {
        QDict *vcs = qobject_to(QDict, qlist_entry_obj(e));

        g_assert_cmpint(qdict_get_int(vcs, "vcs-id"), ==, n);
        g_assert_true(qdict_get_bool(vcs, "enabled"));
        g_assert_cmpint(qdict_get_int(vcs, "usp-port"), ==, 4 + n);
        g_assert_cmpuint(qlist_size(qdict_get_qlist(vcs, "vppbs")), ==, 4);
        n++;
    }
    ports = qdict_get_qlist(sw, "ports");
    g_assert_cmpuint(qlist_size(ports), ==, 4);
    n = 0;
    QLIST_FOREACH_ENTRY(ports, e) {
        QDict *port = qobject_to(QDict, qlist_entry_obj(e));
        static const char *const ids[] = {
            "cxl-ep1", "cxl-ep2", "cxl-dcd1", "cxl-dcd2"
        };

        g_assert_cmpint(qdict_get_int(port, "phys-port"), ==, n);
        g_assert_true(qdict_get_bool(port, "present"));
        g_assert_cmpstr(qdict_get_str(port, "device"), ==, ids[n]);
        g_assert_cmpstr(qdict_get_str(port, "state"), ==, "unbound");
        g_assert_false(qdict_haskey(port, "vcs-id"));
        g_assert_false(device_bound(&f, ids[n]));
        n++;
    }
    qobject_unref(resp);
    fixture_stop(&f);
}

static void test_hmp_info(void)
{
    Fixture f;
    g_autofree char *out = NULL;

    fixture_start(&f, SEED_SWITCH, "");
    fm_bind(&f, 1, 2, 1);
    out = qtest_hmp(f.qts, "info cxl-vcs");
    g_assert_nonnull(strstr(out, "cxl-vcs-switch vcs0\r\n"));
    g_assert_nonnull(strstr(out, "  VCS 1: enabled, upstream port 5 (us1)"));
    g_assert_nonnull(strstr(out, "    2     swport6            bound"
                                 "                1         cxl-ep2"));
    g_assert_nonnull(strstr(out, "    0     cxl-ep1            hidden"));
    fixture_stop(&f);
}

/* A cxl-upstream target works as upstream has it: one VCS, its ports */
static void test_usp_target(void)
{
    QTestState *qts;
    CXLFMHost h;
    CXLFMMailbox mb;
    uint8_t sw[0x49] = {
        [0x02] = 3,     /* two downstream ports and the upstream port */
        [0x03] = 1,
        [0x04] = 0x07,  /* ports 0 and 1 (DSPs), 2 (USP) */
        [0x24] = 0x01,
        [0x44] = 3,
        [0x46] = 3,
        [0x48] = 4,
    };
    uint8_t buf[0x49];
    size_t len = sizeof(buf);
    int cci;

    qts = qtest_initf("%s -device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0 "
                      "-device cxl-rp,port=0,bus=cxl.0,id=rp0,chassis=0,slot=1 "
                      "-device cxl-upstream,port=2,bus=rp0,id=us0,addr=0.0,"
                      "multifunction=on "
                      "-device cxl-switch-mailbox-cci,bus=rp0,addr=0.3,"
                      "target=us0 "
                      "-device cxl-downstream,port=0,bus=us0,id=d0,slot=3 "
                      "-device cxl-downstream,port=1,bus=us0,id=d1,slot=4",
                      machine_args());
    cxl_fm_host_init(&h, qts);
    cxl_fm_enumerate(&h, ROOT_BUS0);
    cci = cxl_fm_find(&h, MBOX_CCI_VID, MBOX_CCI_DID, 0);
    g_assert_cmpint(cci, >=, 0);
    cxl_fm_mbox_init(&mb, &h, cci, 0);
    g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_IDENTIFY_SWITCH, NULL, 0, buf,
                                    &len), ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(buf, len, sw, sizeof(sw));
    cxl_fm_host_cleanup(&h);
    qtest_quit(qts);
}

/*
 * A wrong command line: the seed topology with one option changed (@from
 * becomes @to), and what QEMU says before it exits with status 1
 */
static const struct {
    const char *from, *to, *expected;
} bad_cli[] = {
    { "cxl-upstream,port=0,sn=1234,bus=root_port1,id=us0,"
      "addr=0.0,multifunction=on,vcs=vcs0",
      "cxl-upstream,port=0,sn=1234,bus=root_port1,id=us0,"
      "addr=0.0,multifunction=on,vcs=nosuch",
      "Device 'nosuch' not found" },
    { "id=cxl-ep1,lsa=cxl-lsa1,sn=99,vcs=vcs0",
      "id=cxl-ep1,lsa=cxl-lsa1,sn=99,vcs=cxl-mem4",
      "Invalid parameter type for 'vcs', expected: "
      "cxl-vcs-switch" },
    { "vcs=vcs0,usppb=1", "vcs=vcs0,usppb=2",
      "cxl-upstream 'us1': usppb 2 out of range (0-1)" },
    { "vcs=vcs0,usppb=1", "vcs=vcs0,usppb=0",
      "cxl-upstream 'us1': usppb 0 of cxl-vcs-switch 'vcs0' "
      "is already used by 'us0'" },
    { "vcs=vcs0,usppb=1", "vcs=vcs0",
      "cxl-upstream 'us1': vcs=vcs0 needs usppb= (a VCS's upstream port, "
      "0-1) or dsppb= (a switch on a physical downstream port, 0-3)" },
    { "multifunction=on,vcs=vcs0,usppb=1",
      "multifunction=on,usppb=1",
      "cxl-upstream 'us1': usppb=1 needs vcs=" },
    { "sn=100,vcs=vcs0,dsppb=1", "sn=100,vcs=vcs0",
      "cxl-type3 'cxl-ep2': vcs=vcs0 needs dsppb= (0-3)" },
    { "sn=100,vcs=vcs0,dsppb=1", "sn=100,vcs=vcs0,dsppb=4",
      "cxl-type3 'cxl-ep2': dsppb 4 out of range (0-3)" },
    { "sn=100,vcs=vcs0,dsppb=1", "sn=100,vcs=vcs0,dsppb=x",
      "cxl-type3 'cxl-ep2': dsppb x out of range (0-3)" },
    { "sn=100,vcs=vcs0,dsppb=1", "sn=100,vcs=vcs0,dsppb=0",
      "cxl-type3 'cxl-ep2': dsppb 0 of cxl-vcs-switch 'vcs0' "
      "is already used by 'cxl-ep1'" },
    { "sn=100,vcs=vcs0,dsppb=1", "sn=100,dsppb=1,bus=pcie.0",
      "cxl-type3 'cxl-ep2': dsppb=1 needs vcs=" },
    { "sn=100,vcs=vcs0,dsppb=1",
      "sn=100,vcs=vcs0,dsppb=1,bus=swport1",
      "cxl-type3 'cxl-ep2': bus= cannot be combined with "
      "vcs=: a bind chooses the vPPB it is attached below" },
    { "port=3,bus=us1,id=swport7", "port=7,bus=us1,id=swport7",
      "cxl-downstream 'swport7': port 7 below VCS 1 "
      "(cxl-upstream 'us1') is beyond the vPPB count; vPPB "
      "ids are the ports 0-3 of its 4 cxl-downstream ports" },
    { "port=3,bus=us1,id=swport7", "port=2,bus=us1,id=swport7",
      "cxl-downstream 'swport7': port 2 below VCS 1 "
      "(cxl-upstream 'us1') is used twice" },
    { "port=3,bus=us1,id=swport7", "port=3,bus=us1",
      "cxl-downstream below VCS 1 (cxl-upstream 'us1'), "
      "port 3: needs an id, by which a bind finds its bus" },
    { "addr=0.3,target=vcs0", "addr=0.3,target=vcs9",
      "cxl-switch-mailbox-cci '': target 'vcs9' is not a "
      "cxl-vcs-switch or cxl-upstream" },
    { "addr=0.3,target=vcs0", "addr=0.3,id=mb",
      "cxl-switch-mailbox-cci 'mb': target= is required: a "
      "cxl-vcs-switch or cxl-upstream" },
    { SEED_SWITCH, "usp-ppbs=2,dsp-ppbs=4,local-fm=false",
      "cxl-vcs-switch 'vcs0': local-fm=false needs fabric=, the chardev "
      "to the fabric manager's process" },
    { SEED_SWITCH, "usp-ppbs=2,dsp-ppbs=254",
      "cxl-vcs-switch 'vcs0': dsp-ppbs 254 out of range "
      "(1-253 with usp-ppbs=2: at most 255 physical ports)" },
    { "slot=10", "slot=10 "
      "-object memory-backend-ram,id=mem9,size=256M "
      "-object memory-backend-ram,id=lsa9,size=1M "
      "-device cxl-type3,persistent-memdev=mem9,id=static,"
      "lsa=lsa9,bus=swport7",
      "'static' is attached below vPPB 3 of VCS 1: devices "
      "reach a VCS's vPPBs by an FM-API bind; give it "
      "vcs=vcs0 and dsppb=" },
    { "num-dc-regions=8,sn=101",
      "num-dc-regions=8,nosuch=1,sn=101",
      "Property 'cxl-type3.nosuch' not found" },
    { "num-dc-regions=8,sn=101", "num-dc-regions=3,sn=101",
      "num-dc-regions=3: volatile-dc-memdev 'cxl-mem3' holds 2 GiB, which "
      "does not divide into 3 regions of a multiple of 256 MiB each: its "
      "size must be a multiple of 3 x 256 MiB" },
    { "num-dc-regions=8,sn=101",
      "num-dc-regions=8,cdat=/nonexistent,sn=101",
      "CDAT: File read failed" },
    /* cxl-vcs-switch: out of range, wrong type, missing, duplicated */
    { SEED_SWITCH, "usp-ppbs=0,dsp-ppbs=4,local-fm=true",
      "cxl-vcs-switch 'vcs0': usp-ppbs 0 out of range (1-254)" },
    { SEED_SWITCH, "usp-ppbs=2,dsp-ppbs=0,local-fm=true",
      "cxl-vcs-switch 'vcs0': dsp-ppbs 0 out of range (1-253 with "
      "usp-ppbs=2: at most 255 physical ports)" },
    { SEED_SWITCH, "usp-ppbs=two,dsp-ppbs=4,local-fm=true",
      "Parameter 'usp-ppbs' expects a uint64 value" },
    { SEED_SWITCH, "usp-ppbs=2,dsp-ppbs=4294967296,local-fm=true",
      "Parameter 'dsp-ppbs' expects uint32_t" },
    { SEED_SWITCH, "usp-ppbs=2,local-fm=true",
      "cxl-vcs-switch 'vcs0': needs dsp-ppbs= (1-253 with usp-ppbs=2)" },
    { SEED_SWITCH, "dsp-ppbs=4,local-fm=true",
      "cxl-vcs-switch 'vcs0': needs usp-ppbs= (1-254)" },
    { SEED_SWITCH, "usp-ppbs=2,dsp-ppbs=4,local-fm=maybe",
      "Parameter 'local-fm' expects 'on' or 'off'" },
    { SEED_SWITCH, SEED_SWITCH ",nosuch=1", "Invalid parameter 'nosuch'" },
    { SEED_SWITCH, SEED_SWITCH " -object cxl-vcs-switch,id=vcs0,"
      SEED_SWITCH, "Duplicate ID 'vcs0' for object" },
    /* cxl-upstream and cxl-type3: wrong types */
    { "vcs=vcs0,usppb=1", "vcs=vcs0,usppb=one",
      "cxl-upstream: usppb expects a number: an upstream PPB of the "
      "cxl-vcs-switch that vcs= names (0 to its usp-ppbs - 1)" },
    { "vcs=vcs0,usppb=1", "vcs=vcs0,usppb=-1",
      "cxl-upstream: usppb expects a number: an upstream PPB of the "
      "cxl-vcs-switch that vcs= names (0 to its usp-ppbs - 1)" },
    { "sn=100,vcs=vcs0,dsppb=1", "sn=100,dsppb=one,bus=pcie.0",
      "cxl-type3: dsppb expects a number: a downstream PPB of "
      "the cxl-vcs-switch that vcs= names (0 to its dsp-ppbs - 1)" },
    { "sn=100,vcs=vcs0,dsppb=1", "sn=100,vcs=vcs0,dsppb=1,num-lds=two",
      "cxl-type3: num-lds expects a number: the logical "
      "devices of a multi-logical device (1-16)" },
    /* Dangling and wrong references */
    { "sn=100,vcs=vcs0", "sn=100,vcs=vcs9", "Device 'vcs9' not found" },
    { "addr=0.3,target=vcs0", "addr=0.3,target=cxl-ep1",
      "cxl-switch-mailbox-cci '': target 'cxl-ep1' is not a "
      "cxl-vcs-switch or cxl-upstream" },
    /* usb-cxl-mctp */
    { "id=usb0,target=vcs0", "id=usb0",
      "usb-cxl-mctp 'usb0': target= is required: a cxl-vcs-switch, "
      "cxl-upstream or cxl-type3" },
    { "id=usb0,target=vcs0", "id=usb0,target=vcs9",
      "usb-cxl-mctp 'usb0': target 'vcs9' is not a cxl-vcs-switch, "
      "cxl-upstream or cxl-type3" },
    { "id=usb0,target=vcs0", "id=usb0,target=cxl-mem1",
      "usb-cxl-mctp 'usb0': target 'cxl-mem1' is not a cxl-vcs-switch, "
      "cxl-upstream or cxl-type3" },
    { "id=usb0,target=vcs0", "id=usb0,target=vcs0,uuid=1",
      "Property 'usb-cxl-mctp.uuid' doesn't take value '1'" },
    { "id=usb0,target=vcs0", "id=usb0,target=vcs0,nosuch=1",
      "Property 'usb-cxl-mctp.nosuch' not found" },
    { "id=usb0,target=vcs0", "id=usb0,target=vcs0 "
      "-device usb-cxl-mctp,bus=ehci.0,id=usb0,target=vcs0",
      "Duplicate ID 'usb0' for device" },
};

static void test_bad_cli(void)
{
    for (int i = 0; i < ARRAY_SIZE(bad_cli); i++) {
        assert_seed_fails(bad_cli[i].from, bad_cli[i].to,
                          bad_cli[i].expected);
    }
}

static void test_properties(void)
{
    QTestState *qts;
    QDict *resp;

    qts = qtest_initf("%s -object cxl-vcs-switch,id=vcs0,usp-ppbs=2,"
                      "dsp-ppbs=4,local-fm=true", machine_args());
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': '/objects/vcs0', 'property': 'usp-ppbs'}}");
    g_assert_cmpint(qdict_get_int(resp, "return"), ==, 2);
    qobject_unref(resp);
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': '/objects/vcs0', 'property': 'dsp-ppbs'}}");
    g_assert_cmpint(qdict_get_int(resp, "return"), ==, 4);
    qobject_unref(resp);
    resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': '/objects/vcs0', 'property': 'local-fm'}}");
    g_assert_true(qdict_get_bool(resp, "return"));
    qobject_unref(resp);
    /* The switch's shape cannot change once it exists */
    resp = qtest_qmp(qts, "{'execute': 'qom-set', 'arguments': "
                     "{'path': '/objects/vcs0', 'property': 'dsp-ppbs', "
                     "'value': 200}}");
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"), ==,
                    "cxl-vcs-switch 'vcs0': dsp-ppbs cannot change after "
                    "creation");
    qobject_unref(resp);
    /* Nothing refers to it: it can go */
    resp = qtest_qmp(qts, "{'execute': 'object-del', 'arguments': "
                     "{'id': 'vcs0'}}");
    g_assert_false(qdict_haskey(resp, "error"));
    qobject_unref(resp);
    qtest_quit(qts);
}

/*
 * object-add a cxl-vcs-switch with the given property values (negative:
 * left out) and check the error message.
 */
static void assert_object_add_fails(QTestState *qts, int64_t usp, int64_t dsp,
                                    const char *expected)
{
    QDict *args = qdict_new();
    QDict *resp, *error;

    qdict_put_str(args, "qom-type", "cxl-vcs-switch");
    qdict_put_str(args, "id", "v");
    if (usp >= 0) {
        qdict_put_int(args, "usp-ppbs", usp);
    }
    if (dsp >= 0) {
        qdict_put_int(args, "dsp-ppbs", dsp);
    }
    resp = qtest_qmp(qts, "{'execute': 'object-add', 'arguments': %p}", args);
    error = qdict_get_qdict(resp, "error");
    g_assert_nonnull(error);
    g_assert_cmpstr(qdict_get_str(error, "desc"), ==, expected);
    qobject_unref(resp);
}

static void test_ranges_qmp(void)
{
    QTestState *qts = qtest_init(machine_args());

    assert_object_add_fails(qts, 0, 4,
        "cxl-vcs-switch 'v': usp-ppbs 0 out of range (1-254)");
    assert_object_add_fails(qts, 255, 4,
        "cxl-vcs-switch 'v': usp-ppbs 255 out of range (1-254)");
    assert_object_add_fails(qts, 2, 0,
        "cxl-vcs-switch 'v': dsp-ppbs 0 out of range "
        "(1-253 with usp-ppbs=2: at most 255 physical ports)");
    assert_object_add_fails(qts, 254, 2,
        "cxl-vcs-switch 'v': dsp-ppbs 2 out of range "
        "(1-1 with usp-ppbs=254: at most 255 physical ports)");
    assert_object_add_fails(qts, -1, 4,
                            "cxl-vcs-switch 'v': needs usp-ppbs= (1-254)");
    qtest_quit(qts);
}

static void test_ranges_cmdline(void)
{
    g_autofree char *a = g_strdup_printf("%s -object cxl-vcs-switch,id=vcs0,"
                                         "usp-ppbs=0,dsp-ppbs=4",
                                         machine_args());
    g_autofree char *b = g_strdup_printf("%s -object cxl-vcs-switch,id=vcs0,"
                                         "usp-ppbs=1,dsp-ppbs=256",
                                         machine_args());

    assert_startup_fails(a,
        "cxl-vcs-switch 'vcs0': usp-ppbs 0 out of range (1-254)");
    assert_startup_fails(b,
        "cxl-vcs-switch 'vcs0': dsp-ppbs 256 out of range "
        "(1-254 with usp-ppbs=1: at most 255 physical ports)");
}

/*
 * Benchmark, with -m perf only: bind + surprise unbind cycles per second
 * through the mailbox CCI, host side (no guest acts on the hot-plug).
 */
static void perf_bind_unbind(void)
{
    Fixture f;
    g_autoptr(GTimer) timer = g_timer_new();
    unsigned cycles = 0;

    fixture_start(&f, SEED_SWITCH, "");
    g_timer_start(timer);
    while (g_timer_elapsed(timer, NULL) < 3.0) {
        fm_bind(&f, cycles % 2, 0, 0);
        fm_unbind_start(&f, cycles % 2, 0, CXL_UNBIND_SURPRISE);
        bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
        cycles++;
    }
    g_test_maximized_result(cycles / g_timer_elapsed(timer, NULL),
                            "bind+unbind cycles per second: %.1f",
                            cycles / g_timer_elapsed(timer, NULL));
    fixture_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    if (g_test_perf()) {
        qtest_add_func("/cxl-vcs-switch/perf/bind-unbind", perf_bind_unbind);
        return g_test_run();
    }
    qtest_add_func("/cxl-vcs-switch/object/properties", test_properties);
    qtest_add_func("/cxl-vcs-switch/object/ranges-qmp", test_ranges_qmp);
    qtest_add_func("/cxl-vcs-switch/object/ranges-cmdline",
                   test_ranges_cmdline);
    qtest_add_func("/cxl-vcs-switch/seed/query", test_seed_query);
    qtest_add_func("/cxl-vcs-switch/usp-target", test_usp_target);
    if (is_arm()) {
        return g_test_run();
    }
    qtest_add_func("/cxl-vcs-switch/seed/hmp-info", test_hmp_info);
    qtest_add_func("/cxl-vcs-switch/seed/bad-cli", test_bad_cli);
    return g_test_run();
}
