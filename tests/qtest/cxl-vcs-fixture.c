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

GString *seed_args(const char *dir, const char *switch_args,
                   const char *extra)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) parts = NULL;
    g_autofree char *joined = NULL;
    GString *s = g_string_new(machine_args());
    const char *sw;
    gssize at;

    g_assert_true(g_file_get_contents(SEED_TOPOLOGY, &text, NULL, NULL));
    /* The backing files' directory; one option per line, "\" ending it */
    parts = g_strsplit(text, "$DIR", -1);
    joined = g_strjoinv(dir, parts);
    g_strfreev(g_steal_pointer(&parts));
    parts = g_strsplit(joined, "\n", -1);
    for (char **l = parts; *l; l++) {
        char *line = g_strstrip(*l);

        if (g_str_has_suffix(line, "\\")) {
            line[strlen(line) - 1] = 0;
        }
        g_string_append_printf(s, " %s", g_strstrip(line));
    }
    sw = strstr(s->str, SEED_SWITCH);
    g_assert_nonnull(sw);
    at = sw - s->str;
    g_string_erase(s, at, strlen(SEED_SWITCH));
    g_string_insert(s, at, switch_args);
    g_string_append_printf(s, " %s", extra);
    return s;
}

void fixture_start(Fixture *f, const char *switch_args,
                   const char *extra)
{
    g_autoptr(GString) args = NULL;
    int cci;

    g_assert_cmpint(sscanf(strstr(switch_args, "dsp-ppbs="), "dsp-ppbs=%u",
                           &f->num_dsp), ==, 1);
    f->dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    args = seed_args(f->dir, switch_args, extra);
    f->qts = qtest_init(args->str);
    cxl_fm_host_init(&f->h, f->qts);
    cxl_fm_enumerate(&f->h, ROOT_BUS0);
    cxl_fm_enumerate(&f->h, ROOT_BUS1);
    cci = cxl_fm_find(&f->h, MBOX_CCI_VID, MBOX_CCI_DID, 0);
    g_assert_cmpint(cci, >=, 0);
    cxl_fm_mbox_init(&f->mb, &f->h, cci, 0);
}

void fixture_stop(Fixture *f)
{
    g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
    const char *name;

    cxl_fm_host_cleanup(&f->h);
    qtest_quit(f->qts);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(f->dir, name, NULL);

        unlink(path);
    }
    rmdir(f->dir);
    g_free(f->dir);
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

void fm_bind_start(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port)
{
    uint8_t req[] = { vcs, vppb, port, 0, 0xff, 0xff };

    fm_expect_rc(f, CXL_OP_BIND, req, sizeof(req), CXL_RC_BG_STARTED);
}

/* Bind, and let the link come up */
void fm_bind(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port)
{
    fm_bind_start(f, vcs, vppb, port);
    bg_expect(f, CXL_OP_BIND, 0, 0);
    qtest_clock_step(f->qts, BIND_NS);
    bg_expect(f, CXL_OP_BIND, 100, CXL_RC_SUCCESS);
}

void fm_unbind_start(Fixture *f, uint8_t vcs, uint8_t vppb,
                  uint8_t option)
{
    uint8_t req[] = { vcs, vppb, option };

    fm_expect_rc(f, CXL_OP_UNBIND, req, sizeof(req), CXL_RC_BG_STARTED);
    /* The switch acts once the command has returned */
    qtest_clock_step(f->qts, 1);
}

/* One vPPB's 4-byte Get VCS Info entry */
void vppb_expect(Fixture *f, uint8_t vcs, uint8_t vppb,
                 uint8_t status, uint8_t port)
{
    uint8_t req[] = { vppb, 1, 1, vcs };
    uint8_t rsp[] = { 1, 0, 0, 0, vcs, 1, f->num_dsp + vcs, 4,
                      status, port, 0xff, 0 };

    fm_expect(f, CXL_OP_VCS_INFO, req, sizeof(req), CXL_RC_SUCCESS, rsp,
              sizeof(rsp));
}

/* Whether a host has a function presenting the device: it is bound */
bool device_bound(Fixture *f, const char *id)
{
    g_autofree char *path =
        g_strdup_printf("/machine/peripheral/%s/host-function", id);
    QDict *resp = qtest_qmp(f->qts, "{'execute': 'qom-list', 'arguments': "
                            "{'path': %s}}", path);
    bool exists = !qdict_haskey(resp, "error");

    qobject_unref(resp);
    return exists;
}

/* The OS powers the slot on after a hot-add, as pciehp does */
int os_hot_add(Fixture *f, const char *port_id)
{
    int port = cxl_fm_find_id(&f->h, port_id);
    int dev = CXL_FM_BDF(cxl_fm_secondary_bus(&f->h, port), 0, 0);

    g_assert_true(cxl_fm_slot_status(&f->h, port) & PCI_EXP_SLTSTA_PDS);
    cxl_fm_slot_power(&f->h, port, true);
    g_assert_true(cxl_fm_present(&f->h, dev));
    g_assert_cmphex(cxl_fm_cfg_read(&f->h, dev, PCI_VENDOR_ID, 2), ==,
                    0x8086);
    g_assert_cmphex(cxl_fm_cfg_read(&f->h, dev, PCI_CLASS_DEVICE, 2), ==,
                    0x0502);
    return dev;
}

bool os_sees_device(Fixture *f, const char *port_id)
{
    int port = cxl_fm_find_id(&f->h, port_id);

    return cxl_fm_present(&f->h,
                          CXL_FM_BDF(cxl_fm_secondary_bus(&f->h, port), 0, 0));
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

/* The seed topology with one -device or -object option changed */
void assert_seed_fails(const char *from, const char *to,
                       const char *expected)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);
    g_autoptr(GString) args = seed_args(dir, SEED_SWITCH, "");
    g_autofree char *path = NULL;
    const char *at = strstr(args->str, from);

    g_assert_nonnull(at);
    g_string_erase(args, at - args->str, strlen(from));
    g_string_insert(args, at - args->str, to);
    assert_startup_fails(args->str, expected);
    for (int n = 1; n <= 4; n++) {
        g_free(path);
        path = g_strdup_printf("%s/t3_cxl%d.raw", dir, n);
        unlink(path);
        g_free(path);
        path = g_strdup_printf("%s/t3_lsa%d.raw", dir, n);
        unlink(path);
    }
    rmdir(dir);
}
