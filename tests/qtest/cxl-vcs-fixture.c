/*
 * The seed topology of the multi-VCS switch qtests and the fabric
 * manager's and hosts' steps on it; see cxl-vcs-fixture.h
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

/* Relative to the build directory, where tests run */
#define TOPOLOGY_DIR "tests/data/cxl"

bool is_arm(void)
{
    return strcmp(qtest_get_arch(), "aarch64") == 0;
}

const char *machine_args(void)
{
    return is_arm() ? "-machine virt,cxl=on -cpu max" : "-machine q35,cxl=on";
}

/* The options of tests/data/cxl/@name, one a line, "\" ending it */
static GStrv topology_lines(const char *name)
{
    g_autofree char *path = g_build_filename(TOPOLOGY_DIR, name, NULL);
    g_autofree char *text = NULL;
    GStrv lines;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char *line = g_strstrip(*l);

        if (g_str_has_suffix(line, "\\")) {
            line[strlen(line) - 1] = 0;
        }
        g_strstrip(line);
    }
    return lines;
}

char *topology_file(const char *name)
{
    g_auto(GStrv) lines = topology_lines(name);
    GString *s = g_string_new(NULL);

    for (char **l = lines; *l; l++) {
        g_string_append_printf(s, " %s", *l);
    }
    return g_string_free(s, false);
}

GString *seed_args(const char *dir, const char *switch_args,
                   const char *extra)
{
    g_autofree char *seed = topology_file("seed-topology.args");
    GString *s = g_string_new(machine_args());
    const char *sw;
    gssize at;

    g_string_append(s, seed);
    sw = strstr(s->str, SEED_SWITCH);
    g_assert_nonnull(sw);
    at = sw - s->str;
    g_string_erase(s, at, strlen(SEED_SWITCH));
    g_string_insert(s, at, switch_args);
    g_string_append_printf(s, " %s", extra);
    /* The backing files' directory, which extra options may use too */
    args_replace(s, "$DIR", dir, 0);
    return s;
}

static void remove_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        unlink(path);
    }
    rmdir(dir);
}

/* The fixture in @dir, its second host bridge's root bus at @root_bus1 */
static void fixture_init(Fixture *f, const char *dir, const char *switch_args,
                         const char *extra, int slot_buses, int root_bus1)
{
    g_autoptr(GString) args = NULL;
    g_autofree char *bus_nr = g_strdup_printf("bus_nr=%d,", root_bus1);
    int cci;

    g_assert_cmpint(sscanf(strstr(switch_args, "dsp-ppbs="), "dsp-ppbs=%u",
                           &f->num_dsp), ==, 1);
    f->dir = g_strdup(dir);
    args = seed_args(f->dir, switch_args, extra);
    args_replace(args, "bus_nr=" stringify(ROOT_BUS1) ",", bus_nr, 1);
    f->qts = qtest_init(args->str);
    cxl_fm_host_init(&f->h, f->qts);
    f->h.slot_buses = slot_buses;
    cxl_fm_enumerate(&f->h, ROOT_BUS0);
    cxl_fm_enumerate(&f->h, root_bus1);
    cci = cxl_fm_find(&f->h, MBOX_CCI_VID, MBOX_CCI_DID, 0);
    g_assert_cmpint(cci, >=, 0);
    cxl_fm_mbox_init(&f->mb, &f->h, cci, 0);
}

void fixture_start_in(Fixture *f, const char *dir, const char *switch_args,
                      const char *extra)
{
    fixture_init(f, dir, switch_args, extra, 0, ROOT_BUS1);
}

void fixture_start_buses(Fixture *f, const char *switch_args,
                         const char *extra, int slot_buses, int root_bus1)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);

    g_assert_nonnull(dir);
    fixture_init(f, dir, switch_args, extra, slot_buses, root_bus1);
}

void fixture_start(Fixture *f, const char *switch_args, const char *extra)
{
    fixture_start_buses(f, switch_args, extra, 0, ROOT_BUS1);
}

void fixture_quit(Fixture *f)
{
    cxl_fm_host_cleanup(&f->h);
    qtest_quit(f->qts);
    g_free(f->dir);
}

void fixture_stop(Fixture *f)
{
    g_autofree char *dir = g_strdup(f->dir);

    fixture_quit(f);
    remove_dir(dir);
}

/* Send a command and check its return code and exact response payload */
void fm_expect(Fixture *f, uint16_t opcode, const void *in,
               size_t in_len, uint16_t rc, const void *out,
               size_t out_len)
{
    g_autofree uint8_t *buf = g_malloc0(f->mb.payload_max);
    size_t len = f->mb.payload_max;

    g_assert_cmphex(cxl_fm_mbox_cmd(&f->mb, opcode, in, in_len, buf, &len),
                    ==, rc);
    cxl_fm_assert_bytes(buf, len, out, out_len);
}

void fm_expect_rc(Fixture *f, uint16_t opcode, const void *in,
                  size_t in_len, uint16_t rc)
{
    fm_expect(f, opcode, in, in_len, rc, NULL, 0);
}

void bg_expect(Fixture *f, uint16_t opcode, uint8_t pct, uint16_t rc)
{
    uint16_t op, ret;
    uint8_t p;

    cxl_fm_mbox_bg(&f->mb, &op, &p, &ret);
    g_assert_cmphex(op, ==, opcode);
    g_assert_cmpuint(p, ==, pct);
    g_assert_cmphex(ret, ==, rc);
    g_assert_cmpint(cxl_fm_mbox_bg_running(&f->mb), ==, pct != 100);
}

void fm_bind_ld_start(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port,
                      uint16_t ld_id)
{
    uint8_t req[] = { vcs, vppb, port, 0, ld_id & 0xff, ld_id >> 8 };

    fm_expect_rc(f, CXL_OP_BIND, req, sizeof(req), CXL_RC_BG_STARTED);
}

void fm_bind_start(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port)
{
    fm_bind_ld_start(f, vcs, vppb, port, CXL_LD_ID_NONE);
}

void fm_bind_ld(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port,
                uint16_t ld_id)
{
    fm_bind_ld_start(f, vcs, vppb, port, ld_id);
    bg_expect(f, CXL_OP_BIND, 0, 0);
    qtest_clock_step(f->qts, BIND_NS);
    bg_expect(f, CXL_OP_BIND, 100, CXL_RC_SUCCESS);
}

/* Bind, and let the link come up */
void fm_bind(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port)
{
    fm_bind_ld(f, vcs, vppb, port, CXL_LD_ID_NONE);
}

void fm_unbind_start(Fixture *f, uint8_t vcs, uint8_t vppb,
                  uint8_t option)
{
    uint8_t req[] = { vcs, vppb, option };

    fm_expect_rc(f, CXL_OP_UNBIND, req, sizeof(req), CXL_RC_BG_STARTED);
    /* The switch acts once the command has returned */
    qtest_clock_step(f->qts, 1);
}

void vppb_expect_ld(Fixture *f, uint8_t vcs, uint8_t vppb,
                    uint8_t status, uint8_t port, uint8_t ld_id)
{
    uint8_t req[] = { vppb, 1, 1, vcs };
    uint8_t rsp[] = { 1, 0, 0, 0, vcs, 1, f->num_dsp + vcs, 4,
                      status, port, ld_id, 0 };

    fm_expect(f, CXL_OP_VCS_INFO, req, sizeof(req), CXL_RC_SUCCESS, rsp,
              sizeof(rsp));
}

/* One vPPB's 4-byte Get VCS Info entry */
void vppb_expect(Fixture *f, uint8_t vcs, uint8_t vppb,
                 uint8_t status, uint8_t port)
{
    vppb_expect_ld(f, vcs, vppb, status, port, 0xff);
}

/*
 * A Tunnel Management Command's payload in @req: @opcode with payload
 * @pl to @port_or_ld, tagged @tag.  Returns its length.
 */
static size_t tunnel_encode(uint8_t *req, uint8_t port_or_ld, uint8_t tag,
                            uint16_t opcode, const void *pl, size_t len)
{
    memset(req, 0, 16);
    req[0] = port_or_ld;
    stw_le_p(req + 2, 12 + len);
    req[5] = tag;
    req[7] = opcode & 0xff;
    req[8] = opcode >> 8;
    st24_le_p(req + 9, len);
    if (len) {
        memcpy(req + 16, pl, len);
    }
    return 16 + len;
}

/*
 * Check the response @rsp to tunnel_encode()'s request; returns the
 * inner return code with the inner payload in @out
 */
static uint16_t tunnel_decode(const uint8_t *rsp, size_t rlen, uint8_t tag,
                              uint16_t opcode, uint8_t *out,
                              size_t *out_len)
{
    g_assert_cmpuint(rlen, >=, 16);
    g_assert_cmpuint(lduw_le_p(rsp), ==, rlen - 4);
    g_assert_cmphex(rsp[4], ==, 1);
    g_assert_cmphex(rsp[5], ==, tag);
    g_assert_cmphex(rsp[7], ==, opcode & 0xff);
    g_assert_cmphex(rsp[8], ==, opcode >> 8);
    g_assert_cmpuint(ldl_le_p(rsp + 8) >> 8 & 0x1fffff, ==, rlen - 16);
    /* Background Operation: set for Background Command Started only */
    g_assert_cmpuint(rsp[11] >> 7, ==,
                     lduw_le_p(rsp + 12) == CXL_RC_BG_STARTED);
    memcpy(out, rsp + 16, rlen - 16);
    *out_len = rlen - 16;
    return lduw_le_p(rsp + 12);
}

uint16_t fm_tunnel(Fixture *f, uint8_t port, uint16_t opcode,
                   const void *pl, size_t len, uint8_t *out,
                   size_t *out_len)
{
    g_autofree uint8_t *req = g_malloc(16 + len);
    g_autofree uint8_t *rsp = g_malloc0(f->mb.payload_max);
    size_t rlen = f->mb.payload_max;

    g_assert_cmphex(cxl_fm_mbox_cmd(&f->mb, CXL_OP_TUNNEL, req,
                                    tunnel_encode(req, port, 0x5a, opcode,
                                                  pl, len),
                                    rsp, &rlen), ==, CXL_RC_SUCCESS);
    return tunnel_decode(rsp, rlen, 0x5a, opcode, out, out_len);
}

uint16_t fm_tunnel_ld(Fixture *f, uint8_t port, uint8_t ld, uint16_t opcode,
                      const void *pl, size_t len, uint8_t *out,
                      size_t *out_len)
{
    g_autofree uint8_t *inner = g_malloc(16 + len);
    g_autofree uint8_t *rsp = g_malloc0(f->mb.payload_max);
    size_t rlen;

    g_assert_cmphex(fm_tunnel(f, port, CXL_OP_TUNNEL, inner,
                              tunnel_encode(inner, ld, 0x5b, opcode, pl, len),
                              rsp, &rlen), ==, CXL_RC_SUCCESS);
    return tunnel_decode(rsp, rlen, 0x5b, opcode, out, out_len);
}

/* Set LSA / Get LSA through the type-3 device's own mailbox */
void lsa_access(Fixture *f, int dev, bool write, uint8_t *data,
                       size_t len)
{
    CXLFMMailbox mb;
    g_autofree uint8_t *req = g_malloc0(8 + len);
    size_t out_len = len;

    cxl_fm_mbox_init(&mb, &f->h, dev, 2);
    if (write) {
        memcpy(req + 8, data, len);
        g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_SET_LSA, req, 8 + len,
                                        NULL, NULL), ==, CXL_RC_SUCCESS);
    } else {
        stl_le_p(req + 4, len);
        g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_GET_LSA, req, 8, data,
                                        &out_len), ==, CXL_RC_SUCCESS);
        g_assert_cmpuint(out_len, ==, len);
    }
}

/* The host's side of dynamic capacity, through the DCD's own mailbox */
void host_dc_respond(CXLFMMailbox *t3, uint8_t event_type, uint16_t opcode,
                     uint64_t dpa, uint64_t len)
{
    uint8_t log = 4, out[512], rsp[8 + 24] = { 1 };
    uint8_t clear[8] = { 4, 0, 1 };
    size_t olen = sizeof(out);

    g_assert_cmphex(cxl_fm_mbox_cmd(t3, CXL_OP_GET_EVENT_RECORDS, &log, 1, out,
                                    &olen), ==, CXL_RC_SUCCESS);
    g_assert_cmpuint(lduw_le_p(out + 20), ==, 1);
    g_assert_cmphex(out[32 + 0x30], ==, event_type);
    g_assert_cmphex(ldq_le_p(out + 32 + 0x38), ==, dpa);
    g_assert_cmphex(ldq_le_p(out + 32 + 0x40), ==, len);
    stq_le_p(rsp + 8, dpa);
    stq_le_p(rsp + 16, len);
    g_assert_cmphex(cxl_fm_mbox_cmd(t3, opcode, rsp, sizeof(rsp), NULL,
                                    NULL), ==, CXL_RC_SUCCESS);
    memcpy(clear + 6, out + 32 + 0x14, 2);
    g_assert_cmphex(cxl_fm_mbox_cmd(t3, CXL_OP_CLEAR_EVENT_RECORDS, clear,
                                    sizeof(clear), NULL, NULL), ==,
                    CXL_RC_SUCCESS);
}

uint16_t fm_dc_extent(Fixture *f, uint8_t port, uint16_t opcode,
                      uint64_t dpa, uint64_t len)
{
    /* Prescriptive, region 0, one extent */
    uint8_t req[0x20 + 40] = { 0, 0, opcode == CXL_OP_DC_ADD ? 2 : 1, 0 };
    uint8_t out[64];
    size_t out_len;

    stq_le_p(req + 4, len);
    stl_le_p(req + 0x1c, 1);
    stq_le_p(req + 0x20, dpa);
    stq_le_p(req + 0x20 + 8, len);
    return fm_tunnel(f, port, opcode, req, sizeof(req), out, &out_len);
}

bool qts_device_bound(QTestState *qts, const char *id)
{
    g_autofree char *path =
        g_strdup_printf("/machine/peripheral/%s/host-function", id);
    QDict *resp = qtest_qmp(qts, "{'execute': 'qom-list', 'arguments': "
                            "{'path': %s}}", path);
    bool exists = !qdict_haskey(resp, "error");

    qobject_unref(resp);
    return exists;
}

/* Whether a host has a function presenting the device: it is bound */
bool device_bound(Fixture *f, const char *id)
{
    return qts_device_bound(f->qts, id);
}

int host_os_hot_add(CXLFMHost *h, const char *port_id)
{
    int port = cxl_fm_find_id(h, port_id);
    int dev = CXL_FM_BDF(cxl_fm_secondary_bus(h, port), 0, 0);

    g_assert_true(cxl_fm_slot_status(h, port) & PCI_EXP_SLTSTA_PDS);
    cxl_fm_slot_power(h, port, true);
    g_assert_true(cxl_fm_present(h, dev));
    g_assert_cmphex(cxl_fm_cfg_read(h, dev, PCI_VENDOR_ID, 2), ==, 0x8086);
    g_assert_cmphex(cxl_fm_cfg_read(h, dev, PCI_CLASS_DEVICE, 2), ==,
                    0x0502);
    return dev;
}

/* The OS powers the slot on after a hot-add, as pciehp does */
int os_hot_add(Fixture *f, const char *port_id)
{
    return host_os_hot_add(&f->h, port_id);
}

bool host_os_sees_device(CXLFMHost *h, const char *port_id)
{
    int port = cxl_fm_find_id(h, port_id);

    return cxl_fm_present(h, CXL_FM_BDF(cxl_fm_secondary_bus(h, port), 0, 0));
}

bool os_sees_device(Fixture *f, const char *port_id)
{
    return host_os_sees_device(&f->h, port_id);
}

void args_replace(GString *s, const char *from, const char *to,
                  unsigned limit)
{
    gsize at = 0;

    for (unsigned n = 0; !limit || n < limit; n++) {
        const char *p = strstr(s->str + at, from);

        if (!p) {
            return;
        }
        at = p - s->str;
        g_string_erase(s, at, strlen(from));
        g_string_insert(s, at, to);
        at += strlen(to);
    }
}

/* The seed's lines that start with @prefix, joined, $DIR being @dir */
static GString *seed_lines(const char *dir, const char *const *prefixes)
{
    g_auto(GStrv) lines = topology_lines("seed-topology.args");
    GString *s = g_string_new("");

    for (char **l = lines; *l; l++) {
        for (const char *const *p = prefixes; *p; p++) {
            if (g_str_has_prefix(*l, *p)) {
                g_string_append_printf(s, " %s", *l);
            }
        }
    }
    args_replace(s, "$DIR", dir, 0);
    return s;
}

char *fabric_fm_args(unsigned n)
{
    GString *s = g_string_new("");

    for (unsigned i = 0; i < n; i++) {
        g_string_append_printf(s, " -chardev socket,id=fab%u,path=$DIR/fab%u,"
                               "server=on,wait=off", i, i);
    }
    return g_string_free(s, false);
}

GString *host_args(const char *dir, const char *sock, unsigned vcs,
                   const char *extra)
{
    g_autofree char *chardev = g_strdup_printf("socket,id=fabric,path=%s/%s,"
                                               "reconnect-ms=100", dir, sock);

    return host_args_chardev(dir, chardev, vcs, extra);
}

GString *host_args_chardev(const char *dir, const char *chardev,
                           unsigned vcs, const char *extra)
{
    static const char *const prefixes[] = {
        "-object memory-backend-file", "-device cxl-type3", NULL
    };
    GString *s = g_string_new(machine_args());
    g_autoptr(GString) seed = seed_lines(dir, prefixes);

    g_string_append(s, seed->str);
    g_string_append_printf(s,
        " -chardev %s"
        " -object cxl-vcs-switch,id=vcs0,local-fm=false,fabric=fabric"
        " -device pxb-cxl,bus_nr=%u,bus=pcie.0,id=hcxl,"
        "hdm_for_passthrough=true"
        " -device cxl-rp,port=0,bus=hcxl,id=hrp,chassis=2,slot=1"
        " -device cxl-upstream,port=0,sn=%u,bus=hrp,id=hus,addr=0.0,"
        "multifunction=on,vcs=vcs0,usppb=%u", chardev, HOST_ROOT_BUS,
        HOST_USP_SN + vcs, vcs);
    for (unsigned i = 0; i < HOST_VPPBS; i++) {
        g_string_append_printf(s, " -device cxl-downstream,port=%u,bus=hus,"
                               "id=hport%u,slot=%u", i, i, 3 + i);
    }
    g_string_append_printf(s, " -machine cxl-fmw.0.targets.0=hcxl,"
                           "cxl-fmw.0.size=8G %s", extra);
    args_replace(s, "$DIR", dir, 0);
    return s;
}

void host_start_args(HostProcess *hp, const char *args, unsigned vcs)
{
    hp->vcs = vcs;
    hp->qts = qtest_init(args);
    cxl_fm_host_init(&hp->h, hp->qts);
    cxl_fm_enumerate(&hp->h, HOST_ROOT_BUS);
}

void host_start(HostProcess *hp, const char *dir, const char *sock,
                unsigned vcs, const char *extra)
{
    g_autoptr(GString) args = host_args(dir, sock, vcs, extra);

    host_start_args(hp, args->str, vcs);
}

void host_stop(HostProcess *hp)
{
    cxl_fm_host_cleanup(&hp->h);
    qtest_quit(hp->qts);
}

/* VCS @vcs of the first switch as query-cxl-vcs shows it, or NULL */
static QDict *query_vcs(QTestState *qts, unsigned vcs)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-cxl-vcs'}");
    QList *vcss = qdict_get_qlist(qobject_to(QDict,
        qlist_peek(qdict_get_qlist(resp, "return"))), "vcss");
    QDict *found = NULL;
    QListEntry *e;

    QLIST_FOREACH_ENTRY(vcss, e) {
        QDict *v = qobject_to(QDict, qlist_entry_obj(e));

        if (qdict_get_int(v, "vcs-id") == vcs) {
            found = qdict_clone_shallow(v);
        }
    }
    qobject_unref(resp);
    return found;
}

void wait_vcs_present(QTestState *fm, unsigned vcs, bool present)
{
    gint64 end = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;

    for (;;) {
        QDict *v = query_vcs(fm, vcs);
        bool enabled = v && qdict_get_bool(v, "enabled");

        qobject_unref(v);
        if (enabled == present) {
            return;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(10 * 1000);
    }
}

void bg_wait(Fixture *f, uint16_t opcode, uint16_t rc)
{
    gint64 end = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
    uint16_t op, ret;
    uint8_t pct;

    for (;;) {
        cxl_fm_mbox_bg(&f->mb, &op, &pct, &ret);
        g_assert_cmphex(op, ==, opcode);
        if (pct == 100) {
            g_assert_cmphex(ret, ==, rc);
            return;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
}

void assert_startup_fails(const char *args, const char *expected)
{
    g_autofree char *cmd = g_strdup_printf("%s -display none -nodefaults "
                                           "-accel qtest %s",
                                           qtest_qemu_binary(NULL), args);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status, &gerr));
    if (!strstr(err, expected)) {
        g_test_message("stderr: %s", err);
    }
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, expected));
}

void assert_topology_fails(const char *switch_args, const char *extra,
                           const char *expected)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);
    g_autoptr(GString) args = seed_args(dir, switch_args, extra);

    assert_startup_fails(args->str, expected);
    remove_dir(dir);
}

void assert_topology_edit_fails(const char *switch_args, const char *extra,
                                const char *from, const char *to,
                                const char *expected)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);
    g_autoptr(GString) args = seed_args(dir, switch_args, extra);

    g_assert_nonnull(strstr(args->str, from));
    args_replace(args, from, to, 1);
    assert_startup_fails(args->str, expected);
    remove_dir(dir);
}

/* The seed topology with one -device or -object option changed */
void assert_seed_fails(const char *from, const char *to,
                       const char *expected)
{
    assert_topology_edit_fails(SEED_SWITCH, "", from, to, expected);
}

/* CXL.cache/mem registers follow the first 4 KiB of a component block */
#define CACHE_MEM 0x1000
#define CXL_CAP_ID_HDM 5
/* HDM Decoder Capability: global control, then 32 bytes per decoder */
#define HDM_GLOBAL_CTRL 0x4
#define HDM_GLOBAL_ENABLE 0x2
#define HDM_DECODER(n) (0x10 + (n) * 0x20)
#define HDM_CTRL 0x10
#define HDM_CTRL_COMMIT (1 << 9)
#define HDM_CTRL_COMMITTED (1 << 10)

/* An HMP command's output lines */
gchar **hmp_lines(QTestState *qts, const char *cmd)
{
    g_autofree char *out = qtest_hmp(qts, "%s", cmd);

    return g_strsplit(out, "\n", -1);
}

/* Start of the @nth memory region named @name in the memory tree */
uint64_t mtree_start(QTestState *qts, const char *name, int nth)
{
    g_auto(GStrv) lines = hmp_lines(qts, "info mtree");
    g_autofree char *suffix = g_strdup_printf("): %s", name);

    for (char **l = lines; *l; l++) {
        if (g_str_has_suffix(g_strstrip(*l), suffix) && nth-- == 0) {
            return g_ascii_strtoull(*l, NULL, 16);
        }
    }
    g_assert_not_reached();
}

/*
 * Whether the line of the machine's flattened memory view that holds
 * @addr says @what: "ram)" for RAM, "): NAME" for the region NAME
 */
static bool flat_at(QTestState *qts, uint64_t addr, const char *what)
{
    g_auto(GStrv) lines = hmp_lines(qts, "info mtree -f");
    bool in_memory = false;

    for (char **l = lines; *l; l++) {
        uint64_t start, end;
        char *dash;

        if (g_str_has_prefix(*l, "FlatView") ||
            g_str_has_prefix(*l, " AS \"")) {
            in_memory = in_memory || strstr(*l, "AS \"memory\"");
            continue;
        }
        dash = strchr(*l, '-');
        if (!in_memory || !dash) {
            continue;
        }
        start = g_ascii_strtoull(*l, NULL, 16);
        end = g_ascii_strtoull(dash + 1, NULL, 16);
        if (addr >= start && addr <= end) {
            return strstr(*l, what) != NULL;
        }
    }
    return false;
}

/* RAM at @addr; the window's MMIO decode is "i/o" */
bool flat_ram_at(QTestState *qts, uint64_t addr)
{
    return flat_at(qts, addr, "ram)");
}

/* The window's interleave map at @addr */
bool flat_iommu_at(QTestState *qts, uint64_t addr)
{
    return flat_at(qts, addr, "): cxl-interleave-map");
}

/* The window's MMIO decode at @addr */
bool flat_mmio_at(QTestState *qts, uint64_t addr)
{
    return flat_at(qts, addr, "(prio 0, i/o): cxl-fixed-memory-region");
}

/* The HDM Decoder Capability of the component registers at @regs */
uint64_t hdm_regs(QTestState *qts, uint64_t regs)
{
    uint64_t cm = regs + CACHE_MEM;
    uint32_t hdr = qtest_readl(qts, cm);

    for (unsigned i = 1; i <= hdr >> 24; i++) {
        uint32_t cap = qtest_readl(qts, cm + 4 * i);

        if ((cap & 0xffff) == CXL_CAP_ID_HDM) {
            return cm + (cap >> 20);
        }
    }
    g_assert_not_reached();
}

/*
 * Commit (or uncommit) decoder @n: @base + @size, 2^@iw ways of
 * 256 << @ig byte granules to the ports in @targets, a byte each
 */
void hdm_commit_ig(QTestState *qts, uint64_t regs, int n, uint64_t base,
                   uint64_t size, unsigned iw, unsigned ig, uint32_t targets,
                   bool commit)
{
    uint64_t hdm = hdm_regs(qts, regs), d = hdm + HDM_DECODER(n);

    qtest_writel(qts, hdm + HDM_GLOBAL_CTRL, HDM_GLOBAL_ENABLE);
    qtest_writel(qts, d + 0x0, base);
    qtest_writel(qts, d + 0x4, base >> 32);
    qtest_writel(qts, d + 0x8, size);
    qtest_writel(qts, d + 0xc, size >> 32);
    qtest_writel(qts, d + 0x14, targets);
    qtest_writel(qts, d + 0x18, 0);
    qtest_writel(qts, d + HDM_CTRL,
                 (commit ? HDM_CTRL_COMMIT : 0) | iw << 4 | ig);
    g_assert_cmpint(!!(qtest_readl(qts, d + HDM_CTRL) & HDM_CTRL_COMMITTED),
                    ==, commit);
}

void hdm_commit_ways(QTestState *qts, uint64_t regs, int n, uint64_t base,
                     uint64_t size, unsigned iw, uint32_t targets, bool commit)
{
    hdm_commit_ig(qts, regs, n, base, size, iw, IG_256, targets, commit);
}

void hdm_commit_n(QTestState *qts, uint64_t regs, int n, uint64_t base,
                  uint64_t size, uint8_t target, bool commit)
{
    hdm_commit_ig(qts, regs, n, base, size, 0, IG_256, target, commit);
}

void hdm_commit(QTestState *qts, uint64_t regs, uint64_t base,
                uint64_t size, uint8_t target, bool commit)
{
    hdm_commit_n(qts, regs, 0, base, size, target, commit);
}

void hdm_write(QTestState *qts, uint64_t regs, int n, unsigned reg,
               uint32_t value)
{
    qtest_writel(qts, hdm_regs(qts, regs) + HDM_DECODER(n) + reg, value);
}

void file_read(Fixture *f, const char *name, uint64_t offset, uint8_t *buf,
               size_t len)
{
    g_autofree char *path = g_build_filename(f->dir, name, NULL);
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, offset), ==, len);
    close(fd);
}

uint64_t file_of(Fixture *f, const char *name, uint64_t offset)
{
    uint8_t buf[8];

    file_read(f, name, offset, buf, sizeof(buf));
    return ldq_le_p(buf);
}

void interleave_expect(Fixture *f, uint64_t base, const char *even,
                       const char *odd, uint64_t pattern)
{
    for (int k = 0; k < 8; k++) {
        qtest_writeq(f->qts, base + 256 * k, pattern + k);
        qtest_writeq(f->qts, base + 256 * k + 8, ~(pattern + k));
    }
    for (int k = 0; k < 8; k++) {
        const char *file = k % 2 ? odd : even;

        g_assert_cmphex(file_of(f, file, 256 * (k / 2)), ==, pattern + k);
        g_assert_cmphex(file_of(f, file, 256 * (k / 2) + 8), ==,
                        ~(pattern + k));
        g_assert_cmphex(qtest_readq(f->qts, base + 256 * k), ==, pattern + k);
        g_assert_cmphex(qtest_readq(f->qts, base + 256 * k + 8), ==,
                        ~(pattern + k));
    }
}
