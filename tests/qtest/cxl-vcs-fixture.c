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
#define SEED_TOPOLOGY "tests/data/cxl/seed-topology.args"

bool is_arm(void)
{
    return strcmp(qtest_get_arch(), "aarch64") == 0;
}

const char *machine_args(void)
{
    return is_arm() ? "-machine virt,cxl=on -cpu max" : "-machine q35,cxl=on";
}

GString *topology_args(const char *file, const char *dir)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) parts = NULL;
    GString *s = g_string_new("");

    g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
    /* One option per line, "\\" ending it */
    parts = g_strsplit(text, "\n", -1);
    for (char **l = parts; *l; l++) {
        char *line = g_strstrip(*l);

        if (g_str_has_suffix(line, "\\")) {
            line[strlen(line) - 1] = 0;
        }
        g_string_append_printf(s, " %s", g_strstrip(line));
    }
    args_replace(s, "$DIR", dir, 0);
    return s;
}

GString *seed_args(const char *dir, const char *switch_args,
                   const char *extra)
{
    g_autoptr(GString) topology = topology_args(SEED_TOPOLOGY, dir);
    GString *s = g_string_new(machine_args());
    const char *sw;
    gssize at;

    g_string_append(s, topology->str);
    sw = strstr(s->str, SEED_SWITCH);
    g_assert_nonnull(sw);
    at = sw - s->str;
    g_string_erase(s, at, strlen(SEED_SWITCH));
    g_string_insert(s, at, switch_args);
    g_string_append_printf(s, " %s", extra);
    /* Extra options may put backing files in the directory too */
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

void fixture_start_in(Fixture *f, const char *dir, const char *switch_args,
                      const char *extra)
{
    g_autoptr(GString) args = NULL;
    int cci;

    g_assert_cmpint(sscanf(strstr(switch_args, "dsp-ppbs="), "dsp-ppbs=%u",
                           &f->num_dsp), ==, 1);
    f->dir = g_strdup(dir);
    args = seed_args(f->dir, switch_args, extra);
    f->qts = qtest_init(args->str);
    cxl_fm_host_init(&f->h, f->qts);
    cxl_fm_enumerate(&f->h, ROOT_BUS0);
    cxl_fm_enumerate(&f->h, ROOT_BUS1);
    cci = cxl_fm_find(&f->h, MBOX_CCI_VID, MBOX_CCI_DID, 0);
    g_assert_cmpint(cci, >=, 0);
    cxl_fm_mbox_init(&f->mb, &f->h, cci, 0);
}

void fixture_start(Fixture *f, const char *switch_args,
                   const char *extra)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);

    g_assert_nonnull(dir);
    fixture_start_in(f, dir, switch_args, extra);
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
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GString *s = g_string_new("");

    g_assert_true(g_file_get_contents(SEED_TOPOLOGY, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char *line = g_strstrip(*l);

        if (g_str_has_suffix(line, "\\")) {
            line[strlen(line) - 1] = 0;
        }
        for (const char *const *p = prefixes; *p; p++) {
            if (g_str_has_prefix(line, *p)) {
                g_string_append_printf(s, " %s", g_strstrip(line));
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

/* The seed topology with one -device or -object option changed */
void assert_seed_fails(const char *from, const char *to,
                       const char *expected)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);
    g_autoptr(GString) args = seed_args(dir, SEED_SWITCH, "");
    const char *at = strstr(args->str, from);

    g_assert_nonnull(at);
    g_string_erase(args, at - args->str, strlen(from));
    g_string_insert(args, at - args->str, to);
    assert_startup_fails(args->str, expected);
    remove_dir(dir);
}
