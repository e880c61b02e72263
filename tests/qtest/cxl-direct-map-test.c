/*
 * QTest for the direct mapping of CXL memory into the fixed memory
 * windows: a device decoded without interleaving is RAM in its host's
 * window, and is no longer the moment it leaves that host (each unbind
 * option, PERST#, decoder uncommit); the data is the same through the
 * mapping and through the windows' MMIO decode.
 *
 * The host's part (HDM decoders of the host bridge, the switch's upstream
 * port and the device, committed as an OS does) is played by the test on
 * the seed topology: cxl-ep1 (256 MiB of persistent memory) bound to
 * VCS 0 or VCS 1, each behind a host bridge of its own with a window of
 * its own.
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
#include "cxl-vcs-fixture.h"

#define EP_SIZE (256 * 1024 * 1024)
#define PATTERN_OFFSET 0x1000
#define PATTERN 0x0123456789abcdefULL

typedef struct Host {
    const char *usp;        /* the VCS's upstream port */
    const char *vppb;       /* vPPB 0 of the VCS */
    int index;              /* its host bridge and window */
} Host;

static const Host hosts[] = {
    { "us0", "swport0", 0 },
    { "us1", "swport4", 1 },
};

static uint64_t window(Fixture *f, const Host *h)
{
    return mtree_start(f->qts, "cxl-fixed-memory-region", h->index);
}

/* cxl-ep1 bound to @vcs, and the host's decoders committed to it */
static int host_decode(Fixture *f, uint8_t vcs)
{
    const Host *h = &hosts[vcs];
    uint64_t base = window(f, h);
    int dev;

    fm_bind(f, vcs, 0, 0);
    os_hot_add(f, h->vppb);
    dev = cxl_fm_enumerate_slot(&f->h, cxl_fm_find_id(&f->h, h->vppb));
    /*
     * Both host bridges decode the window with decoder @h->index: each
     * sees only its own window's accesses (and the memory tree does not
     * say which register block is whose)
     */
    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_commit_n(f->qts, mtree_start(f->qts, "pxb-cxl-host", i),
                     h->index, base, EP_SIZE, 0, true);
    }
    hdm_commit(f->qts, cxl_fm_bar(&f->h, cxl_fm_find_id(&f->h, h->usp), 0),
               base, EP_SIZE, 0, true);
    hdm_commit(f->qts, cxl_fm_bar(&f->h, dev, 0), base, EP_SIZE, 0, true);
    return dev;
}

/* ... cxl-ep1's */
static uint64_t file_at(Fixture *f, uint64_t offset)
{
    return file_of(f, "t3_cxl1.raw", offset);
}

/* Bound to VCS 0 and decoded: RAM in the window, the device's memory */
static void mapped_expect(Fixture *f, uint64_t base)
{
    g_assert_true(flat_ram_at(f->qts, base));
    g_assert_true(flat_ram_at(f->qts, base + EP_SIZE - 1));
    g_assert_false(flat_ram_at(f->qts, base + EP_SIZE));
}

/* Gone from its old host: no RAM there, reads all ones, writes dropped */
static void unmapped_expect(Fixture *f, uint64_t base)
{
    g_assert_false(flat_ram_at(f->qts, base));
    g_assert_cmphex(qtest_readq(f->qts, base + PATTERN_OFFSET), ==,
                    UINT64_MAX);
    qtest_writeq(f->qts, base + PATTERN_OFFSET, ~PATTERN);
    g_assert_cmphex(file_at(f, PATTERN_OFFSET), ==, PATTERN);
}

static void rebind_expect(Fixture *f)
{
    uint64_t base = window(f, &hosts[1]);

    host_decode(f, 1);
    mapped_expect(f, base);
    g_assert_cmphex(qtest_readq(f->qts, base + PATTERN_OFFSET), ==, PATTERN);
}

static void start_mapped(Fixture *f, uint64_t *base)
{
    fixture_start(f, SEED_SWITCH, "");
    *base = window(f, &hosts[0]);
    g_assert_false(flat_ram_at(f->qts, *base));
    host_decode(f, 0);
    mapped_expect(f, *base);
    qtest_writeq(f->qts, *base + PATTERN_OFFSET, PATTERN);
    g_assert_cmphex(file_at(f, PATTERN_OFFSET), ==, PATTERN);
    g_assert_cmphex(qtest_readq(f->qts, *base + PATTERN_OFFSET), ==, PATTERN);
}

/* Each unbind option removes the mapping; the other host gets the data */
static void test_unbind(const void *opaque)
{
    uint8_t option = GPOINTER_TO_UINT(opaque);
    Fixture f;
    uint64_t base;

    start_mapped(&f, &base);
    fm_unbind_start(&f, 0, 0, option);
    if (option != CXL_UNBIND_SURPRISE) {
        /* The host still has the device until it powers the slot off */
        mapped_expect(&f, base);
        cxl_fm_slot_power(&f.h, cxl_fm_find_id(&f.h, "swport0"), false);
    }
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
    unmapped_expect(&f, base);
    rebind_expect(&f);
    fixture_stop(&f);
}

/* PERST# resets the device: its decoders, and so the mapping, go */
static void test_perst(void)
{
    static const uint8_t assert_perst[] = { 0, 0 };
    Fixture f;
    uint64_t base;

    start_mapped(&f, &base);
    fm_expect_rc(&f, CXL_OP_PORT_CONTROL, assert_perst, sizeof(assert_perst),
                 CXL_RC_SUCCESS);
    unmapped_expect(&f, base);
    fixture_stop(&f);
}

/* Uncommitting any decoder on the path removes it; committing restores */
static void test_uncommit(void)
{
    Fixture f;
    uint64_t base, usp;
    int dev;

    fixture_start(&f, SEED_SWITCH, "");
    base = window(&f, &hosts[0]);
    dev = host_decode(&f, 0);
    usp = cxl_fm_bar(&f.h, cxl_fm_find_id(&f.h, "us0"), 0);
    mapped_expect(&f, base);
    hdm_commit(f.qts, cxl_fm_bar(&f.h, dev, 0), base, EP_SIZE, 0, false);
    g_assert_false(flat_ram_at(f.qts, base));
    hdm_commit(f.qts, cxl_fm_bar(&f.h, dev, 0), base, EP_SIZE, 0, true);
    mapped_expect(&f, base);
    hdm_commit(f.qts, usp, base, EP_SIZE, 0, false);
    g_assert_false(flat_ram_at(f.qts, base));
    /* Decoders on the way that do not overlap map nothing */
    hdm_commit(f.qts, usp, base + EP_SIZE, EP_SIZE, 0, true);
    g_assert_false(flat_ram_at(f.qts, base));
    g_assert_false(flat_ram_at(f.qts, base + EP_SIZE));
    hdm_commit(f.qts, usp, base, EP_SIZE, 0, true);
    mapped_expect(&f, base);
    fixture_stop(&f);
}

/* The path of the window @index in QOM */
static char *fmw_path(Fixture *f, int index)
{
    QDict *resp = qtest_qmp(f->qts, "{'execute': 'qom-list', 'arguments': "
                            "{'path': '/machine/unattached'}}");
    QListEntry *e;
    char *path = NULL;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(resp, "return"), e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(p, "type"), "child<cxl-fmw>") &&
            index-- == 0) {
            path = g_strdup_printf("/machine/unattached/%s",
                                   qdict_get_str(p, "name"));
        }
    }
    qobject_unref(resp);
    g_assert_nonnull(path);
    return path;
}

static void set_direct_map(Fixture *f, const char *path, bool on)
{
    qobject_unref(qtest_qmp_assert_success_ref(f->qts,
        "{'execute': 'qom-set', 'arguments': {'path': %s, "
        "'property': 'x-direct-map', 'value': %i}}", path, on));
}

/*
 * What is written through the mapping reads back through the window's
 * MMIO decode, and the reverse
 */
static void test_mmio_agrees(void)
{
    g_autofree char *path = NULL;
    Fixture f;
    uint64_t base;

    start_mapped(&f, &base);
    path = fmw_path(&f, 0);
    set_direct_map(&f, path, false);
    g_assert_false(flat_ram_at(f.qts, base));
    g_assert_cmphex(qtest_readq(f.qts, base + PATTERN_OFFSET), ==, PATTERN);
    qtest_writeq(f.qts, base + PATTERN_OFFSET + 8, ~PATTERN);
    set_direct_map(&f, path, true);
    mapped_expect(&f, base);
    g_assert_cmphex(qtest_readq(f.qts, base + PATTERN_OFFSET + 8), ==,
                    ~PATTERN);
    g_assert_cmphex(file_at(&f, PATTERN_OFFSET + 8), ==, ~PATTERN);
    fixture_stop(&f);
}

/*
 * cxl-ep1 and cxl-ep2 interleaved 2 ways in 256 byte granules below VCS
 * 0's switch: no RAM in the window, each access decoded.  Each granule
 * reaches its device's memory (and the next access to it the same);
 * after ep2 is unbound its granules have no target, ep1's still do.
 */
static void test_interleaved(void)
{
    const uint64_t size = 2 * EP_SIZE;
    Fixture f;
    uint64_t base, usp;
    int dev[2];

    fixture_start(&f, SEED_SWITCH, "");
    base = window(&f, &hosts[0]);
    for (int i = 0; i < 2; i++) {
        g_autofree char *vppb = g_strdup_printf("swport%d", i);

        fm_bind(&f, 0, i, i);
        os_hot_add(&f, vppb);
        dev[i] = cxl_fm_enumerate_slot(&f.h, cxl_fm_find_id(&f.h, vppb));
    }
    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_commit_n(f.qts, mtree_start(f.qts, "pxb-cxl-host", i), 0, base,
                     size, 0, true);
    }
    usp = cxl_fm_bar(&f.h, cxl_fm_find_id(&f.h, "us0"), 0);
    hdm_commit_ways(f.qts, usp, 0, base, size, 1, 0x0100, true);
    for (int i = 0; i < 2; i++) {
        hdm_commit_ways(f.qts, cxl_fm_bar(&f.h, dev[i], 0), 0, base, size, 1,
                        0, true);
    }
    g_assert_false(flat_ram_at(f.qts, base));

    interleave_expect(&f, base, "t3_cxl1.raw", "t3_cxl2.raw", PATTERN);

    /* The last granule decoded was ep2's: it goes with ep2 */
    fm_unbind_start(&f, 0, 1, CXL_UNBIND_SURPRISE);
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
    g_assert_cmphex(qtest_readq(f.qts, base + 256 * 7 + 8), ==, UINT64_MAX);
    qtest_writeq(f.qts, base + 256 * 7, 0);
    g_assert_cmphex(file_of(&f, "t3_cxl2.raw", 256 * 3), ==, PATTERN + 7);
    g_assert_cmphex(qtest_readq(f.qts, base + 256 * 6), ==, PATTERN + 6);
    fixture_stop(&f);
}

/*
 * Dynamic capacity: only the extents the host has accepted are mapped,
 * and each only until it is released
 */
static void test_dc_extents(void)
{
    const uint64_t extent = 128 * 1024 * 1024;
    Fixture f;
    CXLFMMailbox t3;
    uint64_t base;
    int dev;

    fixture_start(&f, SEED_SWITCH, "");
    base = window(&f, &hosts[0]);
    fm_bind(&f, 0, 2, 2);
    os_hot_add(&f, "swport2");
    dev = cxl_fm_enumerate_slot(&f.h, cxl_fm_find_id(&f.h, "swport2"));
    cxl_fm_mbox_init(&t3, &f.h, dev, 2);
    /* DC region 0 is DPA 0 on: 256 MiB of it decoded at the window */
    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_commit(f.qts, mtree_start(f.qts, "pxb-cxl-host", i), base,
                   EP_SIZE, 0, true);
    }
    hdm_commit(f.qts, cxl_fm_bar(&f.h, cxl_fm_find_id(&f.h, "us0"), 0),
               base, EP_SIZE, 2, true);
    hdm_commit(f.qts, cxl_fm_bar(&f.h, dev, 0), base, EP_SIZE, 0, true);
    g_assert_false(flat_ram_at(f.qts, base));

    g_assert_cmphex(fm_dc_extent(&f, 2, CXL_OP_DC_ADD, 0, extent), ==,
                    CXL_RC_SUCCESS);
    /* Offered, not accepted yet */
    g_assert_false(flat_ram_at(f.qts, base));
    host_dc_respond(&t3, 0, CXL_OP_ADD_DC_RESPONSE, 0, extent);
    g_assert_true(flat_ram_at(f.qts, base));
    g_assert_true(flat_ram_at(f.qts, base + extent - 1));
    g_assert_false(flat_ram_at(f.qts, base + extent));
    qtest_writeq(f.qts, base + PATTERN_OFFSET, PATTERN);
    g_assert_cmphex(file_of(&f, "t3_cxl3.raw", PATTERN_OFFSET), ==, PATTERN);
    g_assert_cmphex(qtest_readq(f.qts, base + PATTERN_OFFSET), ==, PATTERN);

    g_assert_cmphex(fm_dc_extent(&f, 2, CXL_OP_DC_RELEASE, 0, extent), ==,
                    CXL_RC_SUCCESS);
    host_dc_respond(&t3, 1, CXL_OP_RELEASE_DC, 0, extent);
    g_assert_false(flat_ram_at(f.qts, base));
    qtest_writeq(f.qts, base + PATTERN_OFFSET, ~PATTERN);
    g_assert_cmphex(file_of(&f, "t3_cxl3.raw", PATTERN_OFFSET), ==, PATTERN);
    fixture_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/cxl-vcs-switch/direct-map/unbind-wait-link-down",
                        GUINT_TO_POINTER(CXL_UNBIND_WAIT_LINK_DOWN),
                        test_unbind);
    qtest_add_data_func("/cxl-vcs-switch/direct-map/unbind-managed",
                        GUINT_TO_POINTER(CXL_UNBIND_MANAGED), test_unbind);
    qtest_add_data_func("/cxl-vcs-switch/direct-map/unbind-surprise",
                        GUINT_TO_POINTER(CXL_UNBIND_SURPRISE), test_unbind);
    qtest_add_func("/cxl-vcs-switch/direct-map/perst", test_perst);
    qtest_add_func("/cxl-vcs-switch/direct-map/uncommit", test_uncommit);
    qtest_add_func("/cxl-vcs-switch/direct-map/mmio-agrees",
                   test_mmio_agrees);
    qtest_add_func("/cxl-vcs-switch/direct-map/interleaved",
                   test_interleaved);
    qtest_add_func("/cxl-vcs-switch/direct-map/dc-extents", test_dc_extents);
    return g_test_run();
}


