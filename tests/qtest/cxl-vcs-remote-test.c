/*
 * QTest for a cxl-vcs-switch shared by several QEMU processes: the
 * fabric manager's process (local-fm=true) holds the switch, the seed's
 * VCSs 0 and 1 and its devices; host processes (local-fm=false) register
 * VCSs of their own over socket chardevs, and the fabric manager binds
 * devices to them.
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
#include "qobject/qjson.h"
#include "qapi/error.h"
#include "standard-headers/linux/pci_regs.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include "cxl-vcs-fixture.h"

/* The fabric manager's switch: VCSs 0 and 1 here, the others in hosts */
#define FM_SWITCH(vcss, fabric) \
    "usp-ppbs=" vcss ",dsp-ppbs=4,local-fm=true,fabric=" fabric

/* The state of a device nothing was done to */
#define EMPTY_LOG "{\"next-handle\": 1, \"overflow-count\": 0, " \
    "\"first-overflow\": 0, \"last-overflow\": 0, \"records\": []}"
#define NO_STATE "{\"event-logs\": [" EMPTY_LOG ", " EMPTY_LOG ", " \
    EMPTY_LOG ", " EMPTY_LOG ", " EMPTY_LOG "], \"dc-regions\": [], " \
    "\"extents\": [], \"pending\": [], \"extent-generation\": 0}"

/* The fabric manager's process with @n chardevs for host processes */
static void fm_start(Fixture *f, const char *switch_args, unsigned n,
                     const char *extra)
{
    g_autofree char *fabric = fabric_fm_args(n);
    g_autofree char *args = g_strdup_printf("%s %s", fabric, extra);

    fixture_start(f, switch_args, args);
}

static char *fm_sock(Fixture *f, unsigned i)
{
    return g_strdup_printf("%s/fab%u", f->dir, i);
}

/* A host process of VCS @vcs, connected to fab@sock and registered */
static void host_up(HostProcess *hp, Fixture *f, unsigned sock,
                    unsigned vcs, const char *extra)
{
    g_autofree char *name = g_strdup_printf("fab%u", sock);

    host_start(hp, f->dir, name, vcs, extra);
    wait_vcs_present(f->qts, vcs, true);
}

/* Bind, let the link come up and the host process attach the device */
static void fm_bind_remote(Fixture *f, uint8_t vcs, uint8_t vppb,
                           uint8_t port)
{
    fm_bind_start(f, vcs, vppb, port);
    qtest_clock_step(f->qts, BIND_NS);
    bg_wait(f, CXL_OP_BIND, CXL_RC_SUCCESS);
}

static QDict *qmp_vcs_switch(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-cxl-vcs'}");
    QDict *sw = qobject_to(QDict,
                           qlist_peek(qdict_get_qlist(resp, "return")));

    qobject_ref(sw);
    qobject_unref(resp);
    return sw;
}

/* A host registers its VCS; the fabric manager reports it with its own */
static void test_register(void)
{
    Fixture f;
    HostProcess hp;
    uint8_t sw[0x49] = {
        [0x00] = 4,     /* ingress: us0's port, next to the mailbox */
        [0x02] = 7,     /* 4 downstream + 3 upstream physical ports */
        [0x03] = 3,     /* VCSs */
        [0x04] = 0x7f,  /* ports 0-3 have devices, 4-6 are USPs */
        [0x24] = 0x07,  /* VCSs 0 to 2 have upstream ports */
        [0x44] = 12,    /* total vPPBs */
        [0x46] = 0,     /* bound vPPBs */
        [0x48] = 4,     /* HDM decoders per USP */
    };
    /* VCS 2: enabled, its USP is port 6, 4 vPPBs, all unbound */
    static const uint8_t info_req[] = { 0, 4, 1, 2 };
    static const uint8_t info_rsp[] = {
        1, 0, 0, 0, 2, 1, 6, 4,
        0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0,
        0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0,
    };
    /* Port 6, VCS 2's USP: as the host process's cxl-upstream, x16 */
    static const uint8_t port_req[] = { 1, 6 };
    static const uint8_t port_rsp[] = {
        1, 0, 0, 0,
        6, 4, 2, 0, 0, 2, 16, 16, 0x1f, 5, 5, 4, 0, 0x04, 0x00, 0,
    };
    static const uint8_t disabled_rsp[] = {
        1, 0, 0, 0, 2, 0, 6, 0,
    };
    QDict *sw_info;
    QList *vcss;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    /* Before any host process registers, VCS 2 is disabled */
    fm_expect(&f, CXL_OP_VCS_INFO, info_req, sizeof(info_req),
              CXL_RC_SUCCESS, disabled_rsp, sizeof(disabled_rsp));

    host_up(&hp, &f, 0, 2, "");
    fm_expect(&f, CXL_OP_IDENTIFY_SWITCH, NULL, 0, CXL_RC_SUCCESS, sw,
              sizeof(sw));
    fm_expect(&f, CXL_OP_VCS_INFO, info_req, sizeof(info_req),
              CXL_RC_SUCCESS, info_rsp, sizeof(info_rsp));
    fm_expect(&f, CXL_OP_PHYS_PORT_STATE, port_req, sizeof(port_req),
              CXL_RC_SUCCESS, port_rsp, sizeof(port_rsp));

    /* The fabric manager shows where VCS 2 is */
    sw_info = qmp_vcs_switch(f.qts);
    vcss = qdict_get_qlist(sw_info, "vcss");
    g_assert_cmpint(qlist_size(vcss), ==, 3);
    g_assert_cmpstr(qdict_get_str(qobject_to(QDict, qlist_peek(vcss)),
                                  "usp"), ==, "/machine/peripheral/us0");
    qobject_unref(sw_info);

    /* The host process shows its own VCS only, registered */
    sw_info = qmp_vcs_switch(hp.qts);
    g_assert_false(qdict_get_bool(sw_info, "local-fm"));
    g_assert_true(qdict_get_bool(sw_info, "registered"));
    vcss = qdict_get_qlist(sw_info, "vcss");
    g_assert_cmpint(qlist_size(vcss), ==, 1);
    g_assert_cmpint(qdict_get_int(qobject_to(QDict, qlist_peek(vcss)),
                                  "usp-port"), ==, 6);
    g_assert_cmpint(qlist_size(qdict_get_qlist(sw_info, "ports")), ==, 4);
    qobject_unref(sw_info);

    host_stop(&hp);
    wait_vcs_present(f.qts, 2, false);
    fm_expect(&f, CXL_OP_VCS_INFO, info_req, sizeof(info_req),
              CXL_RC_SUCCESS, disabled_rsp, sizeof(disabled_rsp));
    fixture_stop(&f);
}

/* Bind to a host process's VCS, and each way of unbinding */
static void test_bind_unbind(void)
{
    Fixture f;
    HostProcess hp;
    int port;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    host_up(&hp, &f, 0, 2, "");

    /* Managed: the host's OS is asked, and powers the slot off */
    fm_bind_start(&f, 2, 0, 0);
    vppb_expect(&f, 2, 0, 0x01, 0);
    qtest_clock_step(f.qts, BIND_NS);
    bg_wait(&f, CXL_OP_BIND, CXL_RC_SUCCESS);
    vppb_expect(&f, 2, 0, 0x02, 0);
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    g_assert_false(device_bound(&f, "cxl-ep1"));
    host_os_hot_add(&hp.h, "hport0");
    port = cxl_fm_find_id(&hp.h, "hport0");
    fm_unbind_start(&f, 2, 0, CXL_UNBIND_MANAGED);
    bg_expect(&f, CXL_OP_UNBIND, 50, 0);
    while (!(cxl_fm_slot_status(&hp.h, port) & PCI_EXP_SLTSTA_ABP)) {
        g_usleep(1000);
    }
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    cxl_fm_slot_power(&hp.h, port, false);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    vppb_expect(&f, 2, 0, 0x00, 0xff);
    g_assert_false(qts_device_bound(hp.qts, "cxl-ep1"));

    /* Surprise: gone at once */
    fm_bind_remote(&f, 2, 1, 1);
    host_os_hot_add(&hp.h, "hport1");
    fm_unbind_start(&f, 2, 1, CXL_UNBIND_SURPRISE);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    g_assert_false(qts_device_bound(hp.qts, "cxl-ep2"));
    g_assert_false(host_os_sees_device(&hp.h, "hport1"));
    vppb_expect(&f, 2, 1, 0x00, 0xff);

    /* Wait for link down: until the host powers the slot off */
    fm_bind_remote(&f, 2, 3, 1);
    host_os_hot_add(&hp.h, "hport3");
    fm_unbind_start(&f, 2, 3, CXL_UNBIND_WAIT_LINK_DOWN);
    bg_expect(&f, CXL_OP_UNBIND, 50, 0);
    cxl_fm_slot_power(&hp.h, cxl_fm_find_id(&hp.h, "hport3"), false);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    vppb_expect(&f, 2, 3, 0x00, 0xff);

    /* The same device, now to the fabric manager's own VCS 0 */
    fm_bind(&f, 0, 0, 1);
    g_assert_true(device_bound(&f, "cxl-ep2"));
    fm_unbind_start(&f, 0, 0, CXL_UNBIND_SURPRISE);
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);

    /* A managed unbind the host never answers times out as ever */
    fm_bind_remote(&f, 2, 2, 0);
    host_os_hot_add(&hp.h, "hport2");
    fm_unbind_start(&f, 2, 2, CXL_UNBIND_MANAGED);
    bg_expect(&f, CXL_OP_UNBIND, 50, 0);
    qtest_clock_step(f.qts, UNBIND_TIMEOUT_NS);
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_RETRY_REQUIRED);
    vppb_expect(&f, 2, 2, 0x02, 0);
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    fm_unbind_start(&f, 2, 2, CXL_UNBIND_SURPRISE);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    g_assert_false(qts_device_bound(hp.qts, "cxl-ep1"));

    host_stop(&hp);
    fixture_stop(&f);
}

/* Get Event Records of log @log: the number of records, and the first */
static unsigned fm_events(Fixture *f, uint8_t log, uint8_t *first)
{
    uint8_t out[0x20 + 3 * 128];
    size_t len = sizeof(out);

    g_assert_cmphex(cxl_fm_mbox_cmd(&f->mb, CXL_OP_GET_EVENT_RECORDS, &log, 1,
                                    out, &len), ==, CXL_RC_SUCCESS);
    if (first && lduw_le_p(out + 0x14)) {
        memcpy(first, out + 0x20, 128);
    }
    return lduw_le_p(out + 0x14);
}

static void fm_clear_events(Fixture *f, uint8_t log)
{
    uint8_t clear[6] = { log, 1 };

    g_assert_cmphex(cxl_fm_mbox_cmd(&f->mb, CXL_OP_CLEAR_EVENT_RECORDS, clear,
                                    sizeof(clear), NULL, NULL), ==,
                    CXL_RC_SUCCESS);
}

/* A bind to a host process of a device it does not have fails */
static void test_bind_undeclared(void)
{
    Fixture f;
    HostProcess hp;
    g_autoptr(GString) args = NULL;
    uint8_t rec[128];

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    /* This host process has no device on physical port 3 */
    args = host_args(f.dir, "fab0", 2, "");
    args_replace(args, "-device cxl-type3,volatile-dc-memdev=cxl-mem4,"
                     "id=cxl-dcd2,lsa=cxl-lsa4,num-dc-regions=8,sn=102,"
                     "vcs=vcs0,dsppb=3", "", 1);
    host_start_args(&hp, args->str, 2);
    wait_vcs_present(f.qts, 2, true);
    fm_clear_events(&f, 1);
    fm_bind_start(&f, 2, 0, 3);
    qtest_clock_step(f.qts, BIND_NS);
    bg_wait(&f, CXL_OP_BIND, CXL_RC_INTERNAL_ERROR);
    vppb_expect(&f, 2, 0, 0x00, 0xff);
    /* A failed bind: a VCS Event Record in the warning log */
    g_assert_cmpuint(fm_events(&f, 1, rec), ==, 1);
    g_assert_cmphex(rec[0x30], ==, 2);
    g_assert_cmphex(rec[0x33], ==, 0);
    /* The switch works on */
    fm_bind_remote(&f, 2, 0, 2);
    g_assert_true(qts_device_bound(hp.qts, "cxl-dcd1"));
    host_stop(&hp);
    fixture_stop(&f);
}

/* Run a QEMU in the background, its stderr going to file @err */
static GPid spawn_qemu(const char *args, const char *err)
{
    g_autofree char *cmd = g_strdup_printf("exec %s -display none "
                                           "-nodefaults -accel qtest "
                                           "-qtest null %s 2>%s",
                                           qtest_qemu_binary(NULL), args,
                                           err);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    g_autoptr(GError) gerr = NULL;
    GPid pid;

    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                &gerr));
    return pid;
}

/* Whether file @path comes to hold @text within seconds */
static bool file_gets(const char *path, const char *text)
{
    gint64 end = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
    g_autofree char *got = NULL;

    while (g_get_monotonic_time() < end) {
        g_free(got);
        got = NULL;
        if (g_file_get_contents(path, &got, NULL, NULL) &&
            strstr(got, text)) {
            return true;
        }
        g_usleep(10 * 1000);
    }
    g_test_message("%s: %s", path, got ?: "");
    return false;
}

static void kill_qemu(GPid pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    g_spawn_close_pid(pid);
}

/*
 * A host process whose device does not match the fabric manager's is
 * refused, with an error naming the device and the field
 */
static void test_mismatch(void)
{
    static const struct {
        const char *from, *to, *field;
    } cases[] = {
        { "sn=99,", "sn=98,", "sn 98 in the host process, 99" },
        { "cxl-mem2,share=on,mem-path=$DIR/t3_cxl2.raw,size=256M",
          "cxl-mem2,share=on,mem-path=$DIR/t3_other.raw,size=512M",
          "persistent 536870912 in the host process, 268435456" },
        { "cxl-type3,volatile-dc-memdev=cxl-mem4,id=cxl-dcd2,lsa=cxl-lsa4,"
          "num-dc-regions=8", "cxl-type3,volatile-memdev=cxl-mem4,"
          "id=cxl-dcd2,lsa=cxl-lsa4",
          "volatile 2147483648 in the host process, 0" },
    };
    Fixture f;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autoptr(GString) args = host_args(f.dir, "fab0", 2, "");
        g_autoptr(GString) from = g_string_new(cases[i].from);
        g_autoptr(GString) to = g_string_new(cases[i].to);
        g_autofree char *err = g_strdup_printf("%s/stderr", f.dir);
        g_autofree char *expected = NULL;
        GPid pid;

        args_replace(from, "$DIR", f.dir, 0);
        args_replace(to, "$DIR", f.dir, 0);
        args_replace(args, from->str, to->str, 1);
        pid = spawn_qemu(args->str, err);
        expected = g_strdup_printf("the fabric manager's process refused "
                                   "this one: device '%s' on physical port "
                                   "%d: %s in the fabric manager's", i == 0 ?
                                   "cxl-ep1" : i == 1 ? "cxl-ep2" :
                                   "cxl-dcd2", i == 0 ? 0 : i == 1 ? 1 : 3,
                                   cases[i].field);
        g_assert_true(file_gets(err, expected));
        kill_qemu(pid);
        /* VCS 2 is not the switch's */
        vppb_expect(&f, 0, 0, 0x00, 0xff);
        wait_vcs_present(f.qts, 2, false);
    }
    fixture_stop(&f);
}

/* Connect to the fabric manager's chardev @sock as a host would */
static int raw_connect(Fixture *f, unsigned sock)
{
    g_autofree char *path = fm_sock(f, sock);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==,
                    0);
    return fd;
}

/* Whether the peer closes the connection within seconds */
static bool closed_by_peer(int fd)
{
    gint64 end = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;
    char buf[4096];

    while (g_get_monotonic_time() < end) {
        GPollFD pfd = { .fd = fd, .events = G_IO_IN };
        ssize_t n;

        if (g_poll(&pfd, 1, 100) <= 0) {
            continue;
        }
        n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            return true;
        }
    }
    return false;
}

/* Send @text; it seeds the fuzz target of the fabric socket too */
static void raw_send(int fd, const char *text)
{
    size_t len = strlen(text);

    cxl_fm_fuzz_record("cxl-vcs-fabric", CXL_FUZZ_FABRIC_SEND, text,
                       MIN(len, UINT16_MAX), NULL, 0);
    g_assert_cmpint(write(fd, text, len), ==, len);
}

/* A registration of VCS @vcs with device cxl-ep1 */
static char *raw_register(unsigned vcs)
{
    return g_strdup_printf(
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"evil\", "
        "\"vcss\": [{\"vcs\": %u, \"vppbs\": 1, \"sn\": 1, \"vendor-id\": 1, "
        "\"device-id\": 1, \"lnkcap\": 0, \"lnkcap2\": 0, \"lnksta\": 0}], "
        "\"devices\": [{\"port\": 0, \"id\": \"cxl-ep1\", \"sn\": 99, "
        "\"volatile\": 0, \"persistent\": 268435456, \"dynamic\": 0, "
        "\"lds\": 1}], \"bindings\": []}\n", vcs);
}

/*
 * A client that is no well-behaved host: what it sends is refused and
 * closes its connection; the switch and the other host carry on
 */
static void test_malformed(void)
{
    g_autofree char *reg3 = raw_register(3);
    g_autofree char *big = g_strnfill(300 * 1024, 'x');
    g_autofree char *oversized = g_strdup_printf("{\"type\": \"%s\"}", big);
    const char *garbage[] = {
        "xyz\n",
        "[1, 2]\n",
        "{\"type\": \"nosuch\"}\n",
        /* The JSON parser once kept the value of a duplicate key */
        "{\"type\": \"register\", \"version\": 1, \"version\": 1}\n",
        "{\"type\": \"bound\", \"vcs\": 3, \"vppb\": 0, "
        "\"link-control\": 0, \"slot-control\": 0}\n",
        "{\"type\": \"register\", \"version\": 2, \"switch\": \"x\", "
        "\"vcss\": [], \"devices\": [], \"bindings\": []}\n",
        "{\"type\": \"register\", \"version\": 1}\n",
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"x\", "
        "\"vcss\": [], \"devices\": [], \"bindings\": [], \"extra\": 1}\n",
        oversized,
    };
    /* After a registration: what only a fabric manager may send */
    const char *after_register[] = {
        "{\"type\": \"bind\", \"vcs\": 2, \"vppb\": 0, \"port\": 0, "
        "\"ld\": 0, \"perst\": false}\n",
        "{\"type\": \"unbind\", \"vcs\": 2, \"vppb\": 0, "
        "\"option\": \"surprise\"}\n",
        "{\"type\": \"aer\", \"id\": 1, \"vcs\": 2, \"instance\": 1, "
        "\"error\": 0, \"tlp-header-log\": \"\"}\n",
        "{\"type\": \"cci\", \"id\": 1, \"port\": 0, \"opcode\": 1, "
        "\"payload\": \"\"}\n",
        "{\"type\": \"config\", \"id\": 1, \"vcs\": 2, \"request\": 0, "
        "\"data\": 0}\n",
        "{\"type\": \"removed\", \"vcs\": 2, \"vppb\": 0, "
        "\"link-control\": 0, \"slot-control\": 0, \"state\": "
        NO_STATE "}\n",
        "{\"type\": \"bound\", \"vcs\": 3, \"vppb\": 0, "
        "\"link-control\": 0, \"slot-control\": 0}\n",
        "{\"type\": \"reply\", \"id\": 7, \"rc\": 0}\n",
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"x\", "
        "\"vcss\": [], \"devices\": [], \"bindings\": []}\n",
    };
    const char *bad_register[] = {
        /* VCS 0 is the fabric manager's own, VCS 2 the other host's */
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"x\", "
        "\"vcss\": [{\"vcs\": 0, \"vppbs\": 1, \"sn\": 1, \"vendor-id\": 1, "
        "\"device-id\": 1, \"lnkcap\": 0, \"lnkcap2\": 0, \"lnksta\": 0}], "
        "\"devices\": [], \"bindings\": []}\n",
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"x\", "
        "\"vcss\": [{\"vcs\": 2, \"vppbs\": 1, \"sn\": 1, \"vendor-id\": 1, "
        "\"device-id\": 1, \"lnkcap\": 0, \"lnkcap2\": 0, \"lnksta\": 0}], "
        "\"devices\": [], \"bindings\": []}\n",
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"x\", "
        "\"vcss\": [{\"vcs\": 9, \"vppbs\": 1, \"sn\": 1, \"vendor-id\": 1, "
        "\"device-id\": 1, \"lnkcap\": 0, \"lnkcap2\": 0, \"lnksta\": 0}], "
        "\"devices\": [], \"bindings\": []}\n",
        /* A device the fabric manager's process has not there */
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"x\", "
        "\"vcss\": [], \"devices\": [{\"port\": 3, \"id\": \"x\", "
        "\"sn\": 99, \"volatile\": 0, \"persistent\": 268435456, "
        "\"dynamic\": 0, \"lds\": 1}], \"bindings\": []}\n",
        /* A binding of what it did not register */
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"x\", "
        "\"vcss\": [], \"devices\": [], \"bindings\": [{\"vcs\": 2, "
        "\"vppb\": 0, \"port\": 0, \"ld\": 0}]}\n",
    };
    Fixture f;
    HostProcess hp;

    fm_start(&f, FM_SWITCH("4", "fab0:fab1"), 2, "");
    host_up(&hp, &f, 0, 2, "");
    fm_bind_remote(&f, 2, 0, 0);

    for (int i = 0; i < ARRAY_SIZE(garbage); i++) {
        int fd = raw_connect(&f, 1);

        raw_send(fd, garbage[i]);
        g_assert_true(closed_by_peer(fd));
        close(fd);
    }
    for (int i = 0; i < ARRAY_SIZE(bad_register); i++) {
        int fd = raw_connect(&f, 1);

        raw_send(fd, bad_register[i]);
        g_assert_true(closed_by_peer(fd));
        close(fd);
    }
    for (int i = 0; i < ARRAY_SIZE(after_register); i++) {
        int fd = raw_connect(&f, 1);

        raw_send(fd, reg3);
        wait_vcs_present(f.qts, 3, true);
        raw_send(fd, after_register[i]);
        g_assert_true(closed_by_peer(fd));
        close(fd);
        wait_vcs_present(f.qts, 3, false);
    }

    /* The other host's binding was not touched, and the switch works */
    vppb_expect(&f, 2, 0, 0x02, 0);
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    fm_unbind_start(&f, 2, 0, CXL_UNBIND_SURPRISE);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    fm_bind_remote(&f, 2, 0, 0);
    host_stop(&hp);
    fixture_stop(&f);
}

/*
 * A host process killed while a device is bound to it: the device is
 * unbound, with the records of that, and can be bound elsewhere; the
 * host process registers again when it comes back
 */
static void test_host_killed(void)
{
    Fixture f;
    HostProcess hp;
    g_autoptr(GString) args = NULL;
    g_autofree char *err = NULL;
    uint8_t rec[128];
    GPid pid;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    args = host_args(f.dir, "fab0", 2, "");
    err = g_strdup_printf("%s/stderr", f.dir);
    pid = spawn_qemu(args->str, err);
    wait_vcs_present(f.qts, 2, true);
    fm_bind_remote(&f, 2, 1, 0);
    vppb_expect(&f, 2, 1, 0x02, 0);
    fm_clear_events(&f, 0);

    kill_qemu(pid);
    wait_vcs_present(f.qts, 2, false);
    /* VCS 2 is disabled; port 0 is unbound */
    fm_expect(&f, CXL_OP_VCS_INFO, (uint8_t[]){ 0, 1, 1, 2 }, 4,
              CXL_RC_SUCCESS, (uint8_t[]){ 1, 0, 0, 0, 2, 0, 6, 0 }, 8);
    /* A VCS Event Record: vPPB 1 of VCS 2 unbound; then a Physical Switch */
    g_assert_cmpuint(fm_events(&f, 0, rec), ==, 2);
    g_assert_cmphex(rec[0x30], ==, 2);      /* VCS */
    g_assert_cmphex(rec[0x31], ==, 1);      /* vPPB */
    g_assert_cmphex(rec[0x33], ==, 0);      /* unbound */
    g_assert_cmphex(rec[0x34], ==, 0xff);

    /* The device is free: bind it to the fabric manager's VCS 0 */
    fm_bind(&f, 0, 0, 0);
    g_assert_true(device_bound(&f, "cxl-ep1"));
    fm_unbind_start(&f, 0, 0, CXL_UNBIND_SURPRISE);
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);

    /* The host process comes back */
    host_up(&hp, &f, 0, 2, "");
    fm_bind_remote(&f, 2, 0, 0);
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    host_stop(&hp);
    fixture_stop(&f);
}

/*
 * The fabric manager's process goes away: host processes keep what is
 * bound; a new one takes the bindings on when they register again
 */
static void test_fm_restart(void)
{
    Fixture f;
    HostProcess hp;
    g_autofree char *dir = NULL;
    g_autofree char *fabric = fabric_fm_args(1);
    QDict *sw;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    host_up(&hp, &f, 0, 2, "");
    fm_bind_remote(&f, 2, 0, 0);
    host_os_hot_add(&hp.h, "hport0");

    /* The fabric manager goes; the host keeps the device */
    dir = g_strdup(f.dir);
    fixture_quit(&f);
    for (;;) {
        bool registered;

        sw = qmp_vcs_switch(hp.qts);
        registered = qdict_get_bool(sw, "registered");
        qobject_unref(sw);
        if (!registered) {
            break;
        }
        g_usleep(10 * 1000);
    }
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    g_assert_true(host_os_sees_device(&hp.h, "hport0"));

    /* A new one, on the same socket, takes the binding on */
    fixture_start_in(&f, dir, FM_SWITCH("3", "fab0"), fabric);
    wait_vcs_present(f.qts, 2, true);
    vppb_expect(&f, 2, 0, 0x02, 0);
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));

    /* ... and unbinds it */
    fm_unbind_start(&f, 2, 0, CXL_UNBIND_SURPRISE);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    g_assert_false(qts_device_bound(hp.qts, "cxl-ep1"));
    host_stop(&hp);
    fixture_stop(&f);
}

/* A socket a host process connects to, played by the test */
static int fake_fm_listen(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

/* The next message on @fd, one line of JSON */
static QDict *fake_fm_receive(int fd)
{
    g_autoptr(GString) line = g_string_new("");
    char c;

    while (read(fd, &c, 1) == 1 && c != '\n') {
        g_string_append_c(line, c);
    }
    return qobject_to(QDict, qobject_from_json(line->str, &error_abort));
}

/*
 * A host process as a fabric manager sees it: it registers with what it
 * has bound, drops the bindings the fabric manager says it does not
 * have, and refuses what a fabric manager would not send
 */
static void test_host_side(void)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);
    g_autofree char *path = g_strdup_printf("%s/fab0", dir);
    int lfd = fake_fm_listen(path);
    static const char registered[] =
        "{\"type\": \"registered\", \"version\": 1, \"usp-ppbs\": 3, "
        "\"dsp-ppbs\": 4, \"drop\": []}\n";
    static const char bind[] =
        "{\"type\": \"bind\", \"vcs\": 2, \"vppb\": 1, \"port\": 0, "
        "\"ld\": 0, \"perst\": false, \"state\": " NO_STATE "}\n";
    static const char drop[] =
        "{\"type\": \"registered\", \"version\": 1, \"usp-ppbs\": 3, "
        "\"dsp-ppbs\": 4, \"drop\": [{\"vcs\": 2, \"vppb\": 1}]}\n";
    const char *refused[] = {
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"x\", "
        "\"vcss\": [], \"devices\": [], \"bindings\": []}\n",
        "{\"type\": \"bind\", \"vcs\": 0, \"vppb\": 0, \"port\": 0, "
        "\"ld\": 0, \"perst\": false}\n",
        "{\"type\": \"unbind\", \"vcs\": 2, \"vppb\": 3, "
        "\"option\": \"managed\"}\n",
        "{\"type\": \"cci\", \"id\": 1, \"port\": 1, \"opcode\": 1, "
        "\"payload\": \"\"}\n",
        "{\"type\": \"aer\", \"id\": 1, \"vcs\": 2, \"instance\": 1, "
        "\"error\": 0, \"tlp-header-log\": \"AAAA\"}\n",
    };
    HostProcess hp;
    QDict *msg;
    QList *bindings;
    int fd;

    host_start(&hp, dir, "fab0", 2, "");
    fd = accept(lfd, NULL, NULL);
    msg = fake_fm_receive(fd);
    g_assert_cmpstr(qdict_get_str(msg, "type"), ==, "register");
    g_assert_cmpint(qlist_size(qdict_get_qlist(msg, "devices")), ==, 4);
    g_assert_cmpint(qlist_size(qdict_get_qlist(msg, "bindings")), ==, 0);
    qobject_unref(msg);
    raw_send(fd, registered);
    raw_send(fd, bind);
    msg = fake_fm_receive(fd);
    g_assert_cmpstr(qdict_get_str(msg, "type"), ==, "bound");
    g_assert_cmpint(qdict_get_int(msg, "vppb"), ==, 1);
    qobject_unref(msg);
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));

    /* Each of these closes the connection; the host connects again */
    for (int i = 0; i < ARRAY_SIZE(refused); i++) {
        raw_send(fd, refused[i]);
        g_assert_true(closed_by_peer(fd));
        close(fd);
        fd = accept(lfd, NULL, NULL);
        msg = fake_fm_receive(fd);
        bindings = qdict_get_qlist(msg, "bindings");
        g_assert_cmpint(qlist_size(bindings), ==, 1);
        qobject_unref(msg);
        raw_send(fd, registered);
        g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    }

    /* A fabric manager that does not have the binding: it goes */
    close(fd);
    fd = accept(lfd, NULL, NULL);
    qobject_unref(fake_fm_receive(fd));
    raw_send(fd, drop);
    while (qts_device_bound(hp.qts, "cxl-ep1")) {
        g_usleep(1000);
    }
    close(fd);
    close(lfd);
    host_stop(&hp);
    unlink(path);
    rmdir(dir);
}

/* A TCP port nothing listens on, for now */
static int free_tcp_port(void)
{
    struct sockaddr_in addr = {
        .sin_family = AF_INET,
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&addr, &len), ==, 0);
    close(fd);
    return ntohs(addr.sin_port);
}

/* The control path over TCP: registration, a bind, a request and reply */
static void test_tcp(void)
{
    Fixture f;
    HostProcess hp;
    int port = free_tcp_port();
    g_autofree char *fm_chr = g_strdup_printf(
        "-chardev socket,id=fab0,host=127.0.0.1,port=%d,server=on,wait=off",
        port);
    g_autofree char *host_chr = g_strdup_printf(
        "socket,id=fabric,host=127.0.0.1,port=%d,reconnect-ms=100", port);
    g_autoptr(GString) args = NULL;
    uint8_t aer[40] = { 2, 1 };

    fixture_start(&f, FM_SWITCH("3", "fab0"), fm_chr);
    args = host_args_chardev(f.dir, host_chr, 2, "");
    host_start_args(&hp, args->str, 2);
    wait_vcs_present(f.qts, 2, true);
    fm_bind_remote(&f, 2, 0, 0);
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    fm_expect_rc(&f, CXL_OP_GENERATE_AER, aer, sizeof(aer), CXL_RC_SUCCESS);
    fm_unbind_start(&f, 2, 0, CXL_UNBIND_SURPRISE);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    g_assert_false(qts_device_bound(hp.qts, "cxl-ep1"));
    host_stop(&hp);
    fixture_stop(&f);
}

/* Generate AER Event reaches the host process's vPPB */
static void test_aer(void)
{
    Fixture f;
    HostProcess hp;
    uint8_t req[40] = { 2, 1 };
    int port;
    uint16_t aer;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    host_up(&hp, &f, 0, 2, "");
    port = cxl_fm_find_id(&hp.h, "hport0");
    aer = cxl_fm_find_ext_cap(&hp.h, port, PCI_EXT_CAP_ID_ERR);
    g_assert_cmpuint(aer, !=, 0);

    /* Correctable: Receiver Error (bit 0) */
    stl_le_p(req + 4, 0);
    fm_expect_rc(&f, CXL_OP_GENERATE_AER, req, sizeof(req),
                 CXL_RC_SUCCESS);
    g_assert_cmphex(cxl_fm_ext_read(&hp.h, port, aer + PCI_ERR_COR_STATUS) &
                    PCI_ERR_COR_RCVR, ==, PCI_ERR_COR_RCVR);
    /* No such vPPB instance in the host process */
    req[1] = 9;
    fm_expect_rc(&f, CXL_OP_GENERATE_AER, req, sizeof(req),
                 CXL_RC_INVALID_INPUT);
    host_stop(&hp);
    fixture_stop(&f);
}

/* Whether the link below port @id of host process @hp is up */
static bool host_link_up(HostProcess *hp, const char *id)
{
    int port = cxl_fm_find_id(&hp->h, id);
    uint8_t exp = cxl_fm_find_cap(&hp->h, port, PCI_CAP_ID_EXP);

    return cxl_fm_cfg_read(&hp->h, port, exp + PCI_EXP_LNKSTA, 2) &
           PCI_EXP_LNKSTA_DLLLA;
}

static void wait_link(HostProcess *hp, const char *id, bool up)
{
    gint64 end = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;

    while (host_link_up(hp, id) != up) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
}

/*
 * Physical Port Control of a port bound to a host process's VCS: PERST#
 * takes the link below its vPPB down there and brings it back, and the
 * host's device is reset
 */
static void test_port_control(void)
{
    Fixture f;
    HostProcess hp;
    uint8_t req[2] = { 0, 0 };
    static const uint8_t state_req[] = { 1, 0 };
    uint8_t out[64];
    size_t len = sizeof(out);

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    host_up(&hp, &f, 0, 2, "");
    fm_bind_remote(&f, 2, 1, 0);
    host_os_hot_add(&hp.h, "hport1");
    wait_link(&hp, "hport1", true);

    /* Assert PERST#: the FM's port shows it, the host's link goes down */
    fm_expect_rc(&f, CXL_OP_PORT_CONTROL, req, sizeof(req), CXL_RC_SUCCESS);
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_PHYS_PORT_STATE, state_req,
                                    sizeof(state_req), out, &len), ==,
                    CXL_RC_SUCCESS);
    g_assert_cmphex(out[4 + 13] & 0x02, ==, 0x02);     /* PERST# */
    wait_link(&hp, "hport1", false);
    /* Deassert it: up again */
    req[1] = 1;
    fm_expect_rc(&f, CXL_OP_PORT_CONTROL, req, sizeof(req), CXL_RC_SUCCESS);
    wait_link(&hp, "hport1", true);
    /* Reset the port's device, and the host's upstream port (port 6) */
    req[1] = 2;
    fm_expect_rc(&f, CXL_OP_PORT_CONTROL, req, sizeof(req), CXL_RC_SUCCESS);
    req[0] = 6;
    fm_expect_rc(&f, CXL_OP_PORT_CONTROL, req, sizeof(req), CXL_RC_SUCCESS);
    /* The host process is alive and the device still bound */
    g_assert_true(qts_device_bound(hp.qts, "cxl-ep1"));
    vppb_expect(&f, 2, 1, 0x02, 0);
    host_stop(&hp);
    fixture_stop(&f);
}

/*
 * Send PPB CXL.io Configuration Request to a host process's upstream
 * port and to the vPPB of a device bound there
 */
static void test_ppb_config(void)
{
    Fixture f;
    HostProcess hp;
    /* Read dword 0, all bytes: vendor and device id */
    uint8_t req[8] = { 6, 0, 0xf0, 0 };
    uint8_t rsp[4];

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    host_up(&hp, &f, 0, 2, "");
    stl_le_p(rsp, cxl_fm_cfg_read(&hp.h, cxl_fm_find_id(&hp.h, "hus"), 0,
                                  4));
    fm_expect(&f, CXL_OP_PPB_CONFIG, req, sizeof(req), CXL_RC_SUCCESS, rsp,
              sizeof(rsp));
    fm_bind_remote(&f, 2, 3, 1);
    req[0] = 1;
    stl_le_p(rsp, cxl_fm_cfg_read(&hp.h, cxl_fm_find_id(&hp.h, "hport3"), 0,
                                  4));
    fm_expect(&f, CXL_OP_PPB_CONFIG, req, sizeof(req), CXL_RC_SUCCESS, rsp,
              sizeof(rsp));
    host_stop(&hp);
    fixture_stop(&f);
}

/* Tunnel to a device a host process holds: its instance answers */
static void test_tunnel(void)
{
    Fixture f;
    HostProcess hp;
    uint8_t out[512];
    size_t out_len;
    uint8_t before[512];
    size_t before_len;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    host_up(&hp, &f, 0, 2, "");
    g_assert_cmphex(fm_tunnel(&f, 2, CXL_OP_IDENTIFY, NULL, 0, before,
                              &before_len), ==, CXL_RC_SUCCESS);
    fm_bind_remote(&f, 2, 0, 2);
    g_assert_cmphex(fm_tunnel(&f, 2, CXL_OP_IDENTIFY, NULL, 0, out,
                              &out_len), ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(out, out_len, before, before_len);
    host_stop(&hp);
    fixture_stop(&f);
}

/* A DC extent @dpa + @len of region 0, in Initiate DC Add/Release */
static void dc_request(uint8_t *req, uint8_t policy, uint64_t dpa,
                       uint64_t len)
{
    memset(req, 0, 0x20 + 40);
    req[2] = policy;
    stq_le_p(req + 4, len);
    stl_le_p(req + 0x1c, 1);
    stq_le_p(req + 0x20, dpa);
    stq_le_p(req + 0x20 + 8, len);
}

/* Get DC Extent Lists through the tunnel: the extents, and their DPAs */
static unsigned fm_dc_list(Fixture *f, uint8_t port, uint64_t *dpa)
{
    static const uint8_t list_req[12] = { 0, 0, 0, 0, 16 };
    uint8_t out[512];
    size_t len;

    g_assert_cmphex(fm_tunnel(f, port, CXL_OP_DC_EXTENT_LISTS, list_req,
                              sizeof(list_req), out, &len), ==, 0);
    if (ldl_le_p(out + 8) && dpa) {
        *dpa = ldq_le_p(out + 24);
    }
    return ldl_le_p(out + 8);
}

/*
 * Dynamic capacity across processes: capacity the FM offers an unbound
 * DCD goes with it to the host process it binds it to, which accepts
 * it; what the FM asks while the host has the device reaches the host's;
 * the extents come back with the device
 */
static void test_dcd(void)
{
    Fixture f;
    HostProcess hp;
    CXLFMMailbox t3;
    uint8_t req[0x20 + 40], out[512];
    uint64_t dpa = 0;
    size_t len;
    int dev;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    host_up(&hp, &f, 0, 2, "");

    /* Offered before any host has the DCD */
    dc_request(req, 2, 0, 128 * 1024 * 1024);
    g_assert_cmphex(fm_tunnel(&f, 2, CXL_OP_DC_ADD, req, sizeof(req), out,
                              &len), ==, 0);
    g_assert_cmpuint(fm_dc_list(&f, 2, NULL), ==, 0);

    /* Bound to the host process, whose OS accepts it */
    fm_bind_remote(&f, 2, 0, 2);
    dev = host_os_hot_add(&hp.h, "hport0");
    dev = cxl_fm_enumerate_slot(&hp.h, cxl_fm_find_id(&hp.h, "hport0"));
    cxl_fm_mbox_init(&t3, &hp.h, dev, 2);
    host_dc_respond(&t3, 0, CXL_OP_ADD_DC_RESPONSE, 0, 128 * 1024 * 1024);
    /* The FM sees it through the tunnel, which reaches the host's DCD */
    g_assert_cmpuint(fm_dc_list(&f, 2, &dpa), ==, 1);
    g_assert_cmphex(dpa, ==, 0);

    /* More, offered while the host has it, and accepted there */
    dc_request(req, 2, 256 * 1024 * 1024, 128 * 1024 * 1024);
    g_assert_cmphex(fm_tunnel(&f, 2, CXL_OP_DC_ADD, req, sizeof(req), out,
                              &len), ==, 0);
    host_dc_respond(&t3, 0, CXL_OP_ADD_DC_RESPONSE, 256 * 1024 * 1024,
                    128 * 1024 * 1024);
    g_assert_cmpuint(fm_dc_list(&f, 2, NULL), ==, 2);

    /* Unbound: the extents are the FM's device's again */
    fm_unbind_start(&f, 2, 0, CXL_UNBIND_SURPRISE);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    g_assert_cmpuint(fm_dc_list(&f, 2, NULL), ==, 2);

    /* ... and go with it to the fabric manager's own VCS 0 */
    fm_bind(&f, 0, 1, 2);
    dev = os_hot_add(&f, "swport1");
    dev = cxl_fm_enumerate_slot(&f.h, cxl_fm_find_id(&f.h, "swport1"));
    cxl_fm_mbox_init(&t3, &f.h, dev, 2);
    {
        static const uint8_t list_req[8] = { 16 };
        uint8_t list[512];
        size_t list_len = sizeof(list);

        g_assert_cmphex(cxl_fm_mbox_cmd(&t3, CXL_OP_GET_DC_EXTENT_LIST,
                                        list_req, sizeof(list_req), list,
                                        &list_len), ==, CXL_RC_SUCCESS);
        g_assert_cmpuint(ldl_le_p(list + 4), ==, 2);
    }
    host_stop(&hp);
    fixture_stop(&f);
}

#define MLD_DEVICE "-object memory-backend-file,id=mld-mem,share=on," \
    "mem-path=$DIR/mld.raw,size=1G " \
    "-object memory-backend-file,id=mld-lsa,share=on," \
    "mem-path=$DIR/mld-lsa.raw,size=1M " \
    "-device cxl-type3,id=mld0,persistent-memdev=mld-mem,lsa=mld-lsa," \
    "num-lds=2,sn=300,vcs=vcs0,dsppb=4"

/*
 * The LDs of an MLD bound to VCSs of two processes at once: each process
 * presents its LD, with the allocation the FM set; a tunnel to an LD
 * reaches the process that has it
 */
static void test_mld(void)
{
    Fixture f;
    HostProcess hp;
    /* LD 0 gets 256 MiB, LD 1 768 MiB */
    static const uint8_t alloc[4 + 32] = {
        2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    uint8_t out[512];
    size_t len;

    fm_start(&f, "usp-ppbs=3,dsp-ppbs=5,local-fm=true,fabric=fab0", 1,
             MLD_DEVICE);
    host_up(&hp, &f, 0, 2, MLD_DEVICE);
    g_assert_cmphex(fm_tunnel(&f, 4, CXL_OP_SET_LD_ALLOCATIONS, alloc,
                              sizeof(alloc), out, &len), ==, 0);

    fm_bind_ld(&f, 0, 0, 4, 0);
    fm_bind_ld_start(&f, 2, 1, 4, 1);
    qtest_clock_step(f.qts, BIND_NS);
    bg_wait(&f, CXL_OP_BIND, CXL_RC_SUCCESS);
    g_assert_true(device_bound(&f, "mld0/ld[0]"));
    g_assert_false(device_bound(&f, "mld0/ld[1]"));
    g_assert_false(qts_device_bound(hp.qts, "mld0/ld[0]"));
    g_assert_true(qts_device_bound(hp.qts, "mld0/ld[1]"));
    vppb_expect_ld(&f, 2, 1, 0x03, 4, 1);

    /* The host process's LD 1 has the FM's allocation: 768 MiB */
    {
        QDict *sw = qmp_vcs_switch(hp.qts);
        QList *ports = qdict_get_qlist(sw, "ports");
        QListEntry *e;

        QLIST_FOREACH_ENTRY(ports, e) {
            QDict *port = qobject_to(QDict, qlist_entry_obj(e));
            QList *lds;

            if (qdict_get_int(port, "phys-port") != 4) {
                continue;
            }
            lds = qdict_get_qlist(port, "lds");
            g_assert_cmpuint(qdict_get_int(qobject_to(QDict,
                qlist_peek(lds)), "capacity"), ==, 256 * 1024 * 1024);
            g_assert_cmpuint(qdict_get_int(qobject_to(QDict,
                qlist_entry_obj(qlist_next(qlist_first(lds)))),
                "capacity"), ==, 768 * 1024 * 1024);
        }
        qobject_unref(sw);
    }

    /* Identify of LD 1 through the MLD: the host process's LD answers */
    g_assert_cmphex(fm_tunnel_ld(&f, 4, 1, CXL_OP_IDENTIFY, NULL, 0, out,
                                 &len), ==, 0);
    g_assert_cmphex(ldq_le_p(out + 8), ==, 301);

    /* A bound LD's allocation cannot change */
    memcpy(out, alloc, sizeof(alloc));
    out[4] = 2;
    out[20] = 2;
    g_assert_cmphex(fm_tunnel(&f, 4, CXL_OP_SET_LD_ALLOCATIONS, out,
                              sizeof(alloc), out, &len), ==, CXL_RC_BUSY);
    fm_unbind_start(&f, 2, 1, CXL_UNBIND_SURPRISE);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    g_assert_false(qts_device_bound(hp.qts, "mld0/ld[1]"));
    g_assert_true(device_bound(&f, "mld0/ld[0]"));

    /* Bound there again, its tunnel reaches it again */
    fm_bind_ld_start(&f, 2, 0, 4, 1);
    qtest_clock_step(f.qts, BIND_NS);
    bg_wait(&f, CXL_OP_BIND, CXL_RC_SUCCESS);
    g_assert_cmphex(fm_tunnel_ld(&f, 4, 1, CXL_OP_IDENTIFY, NULL, 0, out,
                                 &len), ==, 0);
    g_assert_cmphex(ldq_le_p(out + 8), ==, 301);
    host_stop(&hp);
    fixture_stop(&f);
}

/*
 * Four processes: the fabric manager's and three hosts, each with a
 * device of its own bound; each sees its own only
 */
static void test_four_processes(void)
{
    Fixture f;
    HostProcess hp[3];
    static const char *const ids[] = { "cxl-ep1", "cxl-ep2", "cxl-dcd1" };

    fm_start(&f, FM_SWITCH("5", "fab0:fab1:fab2"), 3, "");
    for (int i = 0; i < 3; i++) {
        host_up(&hp[i], &f, i, 2 + i, "");
    }
    for (int i = 0; i < 3; i++) {
        fm_bind_remote(&f, 2 + i, i, i);
    }
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            g_assert_cmpint(qts_device_bound(hp[i].qts, ids[j]), ==, i == j);
        }
        vppb_expect(&f, 2 + i, i, 0x02, i);
    }
    /* One goes; the others keep theirs */
    host_stop(&hp[1]);
    wait_vcs_present(f.qts, 3, false);
    vppb_expect(&f, 2, 0, 0x02, 0);
    vppb_expect(&f, 4, 2, 0x02, 2);
    fm_unbind_start(&f, 4, 2, CXL_UNBIND_SURPRISE);
    bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
    g_assert_false(qts_device_bound(hp[2].qts, "cxl-dcd1"));
    host_stop(&hp[0]);
    host_stop(&hp[2]);
    fixture_stop(&f);
}

/*
 * The documentation's topology: the fabric manager's process holds the
 * switch and its devices but no VCS; host A has VCS 0, host B VCS 1
 */
static void test_docs_topology(void)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);
    static const char *const files[] = {
        "fabric-fm.args", "fabric-host-a.args", "fabric-host-b.args",
    };
    QTestState *qts[3];
    CXLFMHost h[3];
    Fixture f = { .num_dsp = 4 };
    int cci;

    for (int i = 0; i < 3; i++) {
        g_autofree char *topology = topology_file(files[i]);
        g_autoptr(GString) args = g_string_new(machine_args());

        g_string_append(args, topology);
        args_replace(args, "$DIR", dir, 0);

        qts[i] = qtest_init(args->str);
        cxl_fm_host_init(&h[i], qts[i]);
    }
    cxl_fm_enumerate(&h[0], 0);
    cxl_fm_enumerate(&h[1], ROOT_BUS0);
    cxl_fm_enumerate(&h[2], ROOT_BUS1);
    f.qts = qts[0];
    cci = cxl_fm_find(&h[0], MBOX_CCI_VID, MBOX_CCI_DID, 0);
    g_assert_cmpint(cci, >=, 0);
    cxl_fm_mbox_init(&f.mb, &h[0], cci, 0);
    wait_vcs_present(f.qts, 0, true);
    wait_vcs_present(f.qts, 1, true);

    /* cxl-ep1 to host A's VCS 0, cxl-ep2 to host B's VCS 1 */
    fm_bind_remote(&f, 0, 0, 0);
    fm_bind_remote(&f, 1, 3, 1);
    g_assert_true(qts_device_bound(qts[1], "cxl-ep1"));
    g_assert_false(qts_device_bound(qts[1], "cxl-ep2"));
    g_assert_true(qts_device_bound(qts[2], "cxl-ep2"));
    g_assert_false(qts_device_bound(qts[2], "cxl-ep1"));
    host_os_hot_add(&h[1], "swport0");
    host_os_hot_add(&h[2], "swport7");
    vppb_expect(&f, 0, 0, 0x02, 0);
    vppb_expect(&f, 1, 3, 0x02, 1);

    for (int i = 2; i >= 0; i--) {
        cxl_fm_host_cleanup(&h[i]);
        qtest_quit(qts[i]);
    }
    for (const char *const *n = (const char *const[]) {
             "t3_cxl1.raw", "t3_lsa1.raw", "t3_cxl2.raw", "t3_lsa2.raw",
             "t3_cxl3.raw", "t3_lsa3.raw", "t3_cxl4.raw", "t3_lsa4.raw",
             "host-a.sock", "host-b.sock", NULL }; *n; n++) {
        g_autofree char *path = g_build_filename(dir, *n, NULL);

        unlink(path);
    }
    rmdir(dir);
}

/* What a host process's command line may not have */
static void test_bad_cli(void)
{
    static const struct {
        const char *from, *to, *expected;
    } cases[] = {
        { "fabric=fabric", "fabric=nosuch",
          "cxl-vcs-switch 'vcs0': fabric: no chardev 'nosuch'" },
        { "fabric=fabric", "fabric=fabric:other",
          "cxl-vcs-switch 'vcs0': fabric=fabric:other: a host process "
          "(local-fm=false) connects to one fabric manager, through one "
          "chardev" },
        { "local-fm=false,fabric=fabric", "local-fm=false",
          "cxl-vcs-switch 'vcs0': local-fm=false needs fabric=, the "
          "chardev to the fabric manager's process" },
        { "local-fm=false,", "local-fm=false,usp-ppbs=3,",
          "cxl-vcs-switch 'vcs0': needs dsp-ppbs= (1-252 with "
          "usp-ppbs=3); a host process (local-fm=false) takes both "
          "usp-ppbs and dsp-ppbs, or neither" },
        { "-chardev socket,id=fabric,", "-chardev null,id=fabric "
          "-chardev socket,id=unused,",
          "cxl-vcs-switch 'vcs0': fabric: chardev 'fabric' is not a socket "
          "chardev (unix or tcp)" },
        { "usppb=2", "usppb=2 -device cxl-switch-mailbox-cci,bus=hrp,"
          "addr=0.3,target=vcs0",
          "target 'vcs0': cxl-vcs-switch 'vcs0' has local-fm=false: the "
          "fabric manager's CCIs are in the process with local-fm=true" },
    };
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);

    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autoptr(GString) args = host_args(dir, "fab0", 2, "");

        args_replace(args, cases[i].from, cases[i].to, 1);
        assert_startup_fails(args->str, cases[i].expected);
    }
    rmdir(dir);
}

static int cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The median of the times of @n Send PPB CXL.io Configuration Requests */
static double ppb_config_median(Fixture *f, uint8_t port, unsigned n)
{
    uint8_t req[8] = { port, 0, 0xf0, 0 }, out[4];
    g_autofree double *t = g_new(double, n);
    g_autoptr(GTimer) timer = g_timer_new();

    for (unsigned i = 0; i < n; i++) {
        size_t len = sizeof(out);

        g_timer_start(timer);
        g_assert_cmphex(cxl_fm_mbox_cmd(&f->mb, CXL_OP_PPB_CONFIG, req,
                                        sizeof(req), out, &len), ==,
                        CXL_RC_SUCCESS);
        t[i] = g_timer_elapsed(timer, NULL);
    }
    qsort(t, n, sizeof(*t), cmp_double);
    return t[n / 2];
}

/*
 * Benchmark, with -m perf only: bind + surprise unbind cycles per second
 * to the fabric manager's own VCS and to a host process's, and what one
 * protocol message's round trip adds to an FM-API command
 */
static void perf_remote(void)
{
    Fixture f;
    HostProcess hp;
    g_autoptr(GTimer) timer = g_timer_new();
    double rate[2], local, remote;

    fm_start(&f, FM_SWITCH("3", "fab0"), 1, "");
    host_up(&hp, &f, 0, 2, "");
    for (int i = 0; i < 2; i++) {
        uint8_t vcs = i ? 2 : 0;
        unsigned cycles = 0;

        g_timer_start(timer);
        while (g_timer_elapsed(timer, NULL) < 3.0) {
            fm_bind_start(&f, vcs, 0, 0);
            qtest_clock_step(f.qts, BIND_NS);
            bg_wait(&f, CXL_OP_BIND, CXL_RC_SUCCESS);
            fm_unbind_start(&f, vcs, 0, CXL_UNBIND_SURPRISE);
            bg_wait(&f, CXL_OP_UNBIND, CXL_RC_SUCCESS);
            cycles++;
        }
        rate[i] = cycles / g_timer_elapsed(timer, NULL);
    }
    /* Read the ID registers of us1 here, and of the host's upstream port */
    local = ppb_config_median(&f, 5, 2001);
    remote = ppb_config_median(&f, 6, 2001);
    g_test_maximized_result(rate[0], "bind+unbind cycles per second, VCS in "
                            "the fabric manager's process: %.1f", rate[0]);
    g_test_maximized_result(rate[1], "bind+unbind cycles per second, VCS in "
                            "a host process: %.1f", rate[1]);
    g_test_minimized_result(remote - local, "protocol round trip (median "
                            "Send PPB CXL.io Configuration Request to a host "
                            "process's port, less one to a local port): "
                            "%.1f us (%.1f us vs %.1f us)",
                            (remote - local) * 1e6, remote * 1e6,
                            local * 1e6);
    host_stop(&hp);
    fixture_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (g_test_perf()) {
        qtest_add_func("/cxl-vcs-switch/remote/perf", perf_remote);
        return g_test_run();
    }
    qtest_add_func("/cxl-vcs-switch/remote/register", test_register);
    qtest_add_func("/cxl-vcs-switch/remote/bind-unbind", test_bind_unbind);
    qtest_add_func("/cxl-vcs-switch/remote/mismatch", test_mismatch);
    qtest_add_func("/cxl-vcs-switch/remote/malformed", test_malformed);
    qtest_add_func("/cxl-vcs-switch/remote/host-killed", test_host_killed);
    qtest_add_func("/cxl-vcs-switch/remote/fm-restart", test_fm_restart);
    qtest_add_func("/cxl-vcs-switch/remote/host-side", test_host_side);
    qtest_add_func("/cxl-vcs-switch/remote/bind-undeclared",
                   test_bind_undeclared);
    qtest_add_func("/cxl-vcs-switch/remote/aer", test_aer);
    qtest_add_func("/cxl-vcs-switch/remote/tcp", test_tcp);
    qtest_add_func("/cxl-vcs-switch/remote/port-control", test_port_control);
    qtest_add_func("/cxl-vcs-switch/remote/ppb-config", test_ppb_config);
    qtest_add_func("/cxl-vcs-switch/remote/tunnel", test_tunnel);
    qtest_add_func("/cxl-vcs-switch/remote/dcd", test_dcd);
    qtest_add_func("/cxl-vcs-switch/remote/mld", test_mld);
    qtest_add_func("/cxl-vcs-switch/remote/four-processes",
                   test_four_processes);
    qtest_add_func("/cxl-vcs-switch/remote/bad-cli", test_bad_cli);
    qtest_add_func("/cxl-vcs-switch/remote/docs-topology",
                   test_docs_topology);
    return g_test_run();
}
