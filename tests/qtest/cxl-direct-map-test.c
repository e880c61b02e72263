/*
 * QTest for the direct mapping of CXL memory into the fixed memory
 * windows: a device decoded without interleaving is RAM in its host's
 * window, and memory interleaved in 4 KiB granules is the window's
 * interleave map (an IOMMU region that translates each page to a page of
 * device memory); neither is there any more the moment a device leaves
 * that host (each unbind option, PERST#, decoder uncommit), and the data
 * is the same through either and through the windows' MMIO decode.
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

static void set_decode_cache(Fixture *f, const char *path, bool on)
{
    qobject_unref(qtest_qmp_assert_success_ref(f->qts,
        "{'execute': 'qom-set', 'arguments': {'path': %s, "
        "'property': 'x-decode-cache', 'value': %i}}", path, on));
}

/*
 * The flat view and the MMIO decode of window @path agree at @addr: RAM
 * there or not (@ram), and it reads @val through either
 */
static void decode_expect(Fixture *f, const char *path, uint64_t addr,
                          bool ram, uint64_t val)
{
    g_assert_cmpint(flat_ram_at(f->qts, addr), ==, ram);
    g_assert_cmphex(qtest_readq(f->qts, addr), ==, val);
    set_direct_map(f, path, false);
    set_decode_cache(f, path, false);
    g_assert_cmphex(qtest_readq(f->qts, addr), ==, val);
    set_decode_cache(f, path, true);
    set_direct_map(f, path, true);
}

/*
 * The host bridges' and the switch's decoders take twice cxl-ep1's size
 * from the window's base, the device's decoder its first 256 MiB.  QEMU
 * does not lock a decoder's registers on commit (nor does Linux set Lock
 * On Commit): the base and size of a committed decoder take effect as
 * they are written, and the mapping follows.  ep1's decoder moved up by
 * its size is RAM there, and where it was reads all ones; the host
 * bridges' decoder shrunk to the first 256 MiB takes the second from it
 * too; moved back, it is where it was.
 */
static void test_decoder_rewrite(void)
{
    g_autofree char *path = NULL;
    Fixture f;
    uint64_t base, ep, up;

    fixture_start(&f, SEED_SWITCH, "");
    base = window(&f, &hosts[0]);
    up = base + EP_SIZE;
    path = fmw_path(&f, 0);
    ep = cxl_fm_bar(&f.h, host_decode(&f, 0), 0);
    qtest_writeq(f.qts, base + PATTERN_OFFSET, PATTERN);
    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_commit(f.qts, mtree_start(f.qts, "pxb-cxl-host", i), base,
                   2 * EP_SIZE, 0, true);
    }
    hdm_commit(f.qts, cxl_fm_bar(&f.h, cxl_fm_find_id(&f.h, "us0"), 0),
               base, 2 * EP_SIZE, 0, true);
    decode_expect(&f, path, base + PATTERN_OFFSET, true, PATTERN);
    decode_expect(&f, path, up + PATTERN_OFFSET, false, UINT64_MAX);

    hdm_write(f.qts, ep, 0, HDM_BASE_LO, up);
    hdm_write(f.qts, ep, 0, HDM_BASE_HI, up >> 32);
    decode_expect(&f, path, base + PATTERN_OFFSET, false, UINT64_MAX);
    decode_expect(&f, path, up + PATTERN_OFFSET, true, PATTERN);

    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_write(f.qts, mtree_start(f.qts, "pxb-cxl-host", i), 0,
                  HDM_SIZE_LO, EP_SIZE);
    }
    decode_expect(&f, path, up + PATTERN_OFFSET, false, UINT64_MAX);

    hdm_write(f.qts, ep, 0, HDM_BASE_LO, base);
    hdm_write(f.qts, ep, 0, HDM_BASE_HI, base >> 32);
    decode_expect(&f, path, base + PATTERN_OFFSET, true, PATTERN);
    fixture_stop(&f);
}

/* The interleave set of cxl-ep1 and cxl-ep2 */
#define SET_SIZE (2 * EP_SIZE)

/*
 * Start with cxl-ep1 and cxl-ep2 bound to vPPBs 0 and 1 of VCS 0 and the
 * host's decoders committed to interleave them 2 ways in 256 << @ig byte
 * granules at the switch (ep1 first): the window's base in *@base, the
 * devices' functions in @dev
 */
static void start_interleaved(Fixture *f, unsigned ig, uint64_t *base,
                              int dev[2])
{
    fixture_start(f, SEED_SWITCH, "");
    *base = window(f, &hosts[0]);
    for (int i = 0; i < 2; i++) {
        g_autofree char *vppb = g_strdup_printf("swport%d", i);

        fm_bind(f, 0, i, i);
        os_hot_add(f, vppb);
        dev[i] = cxl_fm_enumerate_slot(&f->h, cxl_fm_find_id(&f->h, vppb));
    }
    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_commit_n(f->qts, mtree_start(f->qts, "pxb-cxl-host", i), 0,
                     *base, SET_SIZE, 0, true);
    }
    hdm_commit_ig(f->qts, cxl_fm_bar(&f->h, cxl_fm_find_id(&f->h, "us0"), 0),
                  0, *base, SET_SIZE, 1, ig, 0x0100, true);
    for (int i = 0; i < 2; i++) {
        hdm_commit_ig(f->qts, cxl_fm_bar(&f->h, dev[i], 0), 0, *base,
                      SET_SIZE, 1, ig, 0, true);
    }
}

/*
 * All of the set is the window's interleave map (@pages) or its MMIO
 * decode, and nothing after it is mapped
 */
static void set_flat_expect(Fixture *f, uint64_t base, bool pages)
{
    for (uint64_t off = 0; off < SET_SIZE; off += SET_SIZE - 1) {
        g_assert_true(pages ? flat_iommu_at(f->qts, base + off) :
                              flat_mmio_at(f->qts, base + off));
    }
    g_assert_true(flat_mmio_at(f->qts, base + SET_SIZE));
}

/*
 * cxl-ep1 and cxl-ep2 interleaved 2 ways in 256 byte granules below VCS
 * 0's switch: neither RAM nor the interleave map in the window, each
 * access decoded.  Each granule reaches its device's memory (and the
 * next access to it the same); after ep2 is unbound its granules have no
 * target, ep1's still do.
 */
static void test_interleaved(void)
{
    Fixture f;
    uint64_t base;
    int dev[2];

    start_interleaved(&f, IG_256, &base, dev);
    set_flat_expect(&f, base, false);

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
 * ... 2 ways in 256 byte granules: the switch's target list rewritten
 * while its decoder is committed, ep2 first, takes effect at once, the
 * granule the window decoded last included
 */
static void test_interleaved_retarget(void)
{
    g_autofree char *path = NULL;
    Fixture f;
    uint64_t base;
    int dev[2];

    start_interleaved(&f, IG_256, &base, dev);
    path = fmw_path(&f, 0);
    /* Granule 0 is ep1's DPA 0, granule 1 ep2's */
    for (int k = 0; k < 2; k++) {
        qtest_writeq(f.qts, base + 256 * k, PATTERN + k);
    }
    g_assert_cmphex(qtest_readq(f.qts, base), ==, PATTERN);
    hdm_write(f.qts, cxl_fm_bar(&f.h, cxl_fm_find_id(&f.h, "us0"), 0), 0,
              HDM_TARGETS_LO, 0x0001);
    /* Now granule 0 is ep2's DPA 0, granule 1 ep1's */
    decode_expect(&f, path, base, false, PATTERN + 1);
    decode_expect(&f, path, base + 256, false, PATTERN);
    fixture_stop(&f);
}

/*
 * Where offset @off of the 2-way set of 4 KiB granules is: page k of the
 * set is ep1's (k even) or ep2's (k odd), at DPA (k / 2) * 4 KiB
 */
static const char *set_file(uint64_t off)
{
    return off / 4096 % 2 ? "t3_cxl2.raw" : "t3_cxl1.raw";
}

static uint64_t set_dpa(uint64_t off)
{
    return off / 8192 * 4096 + off % 4096;
}

/* A page of each device: ep1's and ep2's */
static const uint64_t set_page[] = { 0x100, 0x1100 };

/* Each device's page holds PATTERN + its index */
static void set_pages_write(Fixture *f, uint64_t base)
{
    for (int i = 0; i < 2; i++) {
        qtest_writeq(f->qts, base + set_page[i], PATTERN + i);
        g_assert_cmphex(file_of(f, set_file(set_page[i]),
                                set_dpa(set_page[i])), ==, PATTERN + i);
    }
}

/*
 * The interleave map is gone: device @gone has no target (reads all
 * ones, writes dropped), the other's page reads back through the MMIO
 * decode
 */
static void set_gone_expect(Fixture *f, uint64_t base, int gone)
{
    uint64_t page = set_page[gone], other = set_page[!gone];

    g_assert_false(flat_iommu_at(f->qts, base));
    g_assert_true(flat_mmio_at(f->qts, base));
    g_assert_cmphex(qtest_readq(f->qts, base + page), ==, UINT64_MAX);
    qtest_writeq(f->qts, base + page, ~PATTERN);
    g_assert_cmphex(file_of(f, set_file(page), set_dpa(page)), ==,
                    PATTERN + gone);
    g_assert_cmphex(qtest_readq(f->qts, base + other), ==, PATTERN + !gone);
}

/*
 * ... interleaved in 4 KiB granules: each page is one device's, and the
 * window's interleave map translates it.  Data reaches each device at the
 * interleave positions, across page boundaries too, and reads back.
 */
static void test_interleaved_pages(void)
{
    const uint64_t across = 2 * 4096 + 4088;
    uint8_t buf[16], got[16];
    Fixture f;
    uint64_t base;
    int dev[2];

    start_interleaved(&f, IG_4K, &base, dev);
    set_flat_expect(&f, base, true);

    /* 16 bytes across the end of page 2 (ep1's) into page 3 (ep2's) */
    for (int i = 0; i < sizeof(buf); i++) {
        buf[i] = 0xa0 + i;
    }
    qtest_memwrite(f.qts, base + across, buf, sizeof(buf));
    g_assert_cmphex(file_of(&f, "t3_cxl1.raw", 4096 + 4088), ==,
                    ldq_le_p(buf));
    g_assert_cmphex(file_of(&f, "t3_cxl2.raw", 4096), ==, ldq_le_p(buf + 8));
    qtest_memread(f.qts, base + across, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), buf, sizeof(buf));

    for (int k = 0; k < 8; k++) {
        qtest_writeq(f.qts, base + 4096 * k + 8 * k, PATTERN + k);
    }
    qtest_writeq(f.qts, base + SET_SIZE - 8, ~PATTERN);
    for (int k = 0; k < 8; k++) {
        uint64_t off = 4096 * k + 8 * k;

        g_assert_cmphex(file_of(&f, set_file(off), set_dpa(off)), ==,
                        PATTERN + k);
        g_assert_cmphex(qtest_readq(f.qts, base + off), ==, PATTERN + k);
    }
    /* The last page is ep2's, its last bytes at the end of its memory */
    g_assert_cmphex(file_of(&f, "t3_cxl2.raw", EP_SIZE - 8), ==, ~PATTERN);
    g_assert_cmphex(qtest_readq(f.qts, base + SET_SIZE - 8), ==, ~PATTERN);
    fixture_stop(&f);
}

/*
 * Each unbind option of ep2 removes the interleave map; bound again and
 * decoded, ep2 has kept its data
 */
static void test_pages_unbind(const void *opaque)
{
    uint8_t option = GPOINTER_TO_UINT(opaque);
    Fixture f;
    uint64_t base;
    int dev[2];

    start_interleaved(&f, IG_4K, &base, dev);
    set_pages_write(&f, base);
    fm_unbind_start(&f, 0, 1, option);
    if (option != CXL_UNBIND_SURPRISE) {
        /* The host still has the device until it powers the slot off */
        g_assert_true(flat_iommu_at(f.qts, base));
        cxl_fm_slot_power(&f.h, cxl_fm_find_id(&f.h, "swport1"), false);
    }
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
    set_gone_expect(&f, base, 1);

    fm_bind(&f, 0, 1, 1);
    os_hot_add(&f, "swport1");
    dev[1] = cxl_fm_enumerate_slot(&f.h, cxl_fm_find_id(&f.h, "swport1"));
    hdm_commit_ig(f.qts, cxl_fm_bar(&f.h, dev[1], 0), 0, base, SET_SIZE, 1,
                  IG_4K, 0, true);
    g_assert_true(flat_iommu_at(f.qts, base));
    g_assert_cmphex(qtest_readq(f.qts, base + set_page[1]), ==, PATTERN + 1);
    fixture_stop(&f);
}

/* PERST# resets ep2: its decoders, and so the interleave map, go */
static void test_pages_perst(void)
{
    static const uint8_t assert_perst[] = { 1, 0 };
    Fixture f;
    uint64_t base;
    int dev[2];

    start_interleaved(&f, IG_4K, &base, dev);
    set_pages_write(&f, base);
    fm_expect_rc(&f, CXL_OP_PORT_CONTROL, assert_perst, sizeof(assert_perst),
                 CXL_RC_SUCCESS);
    set_gone_expect(&f, base, 1);
    fixture_stop(&f);
}

/*
 * Uncommitting a decoder on the path removes the interleave map:
 * a device's, then the switch's; committing it again restores it
 */
static void test_pages_uncommit(void)
{
    Fixture f;
    uint64_t base, usp;
    int dev[2];

    start_interleaved(&f, IG_4K, &base, dev);
    usp = cxl_fm_bar(&f.h, cxl_fm_find_id(&f.h, "us0"), 0);
    set_pages_write(&f, base);
    hdm_commit_ig(f.qts, cxl_fm_bar(&f.h, dev[0], 0), 0, base, SET_SIZE, 1,
                  IG_4K, 0, false);
    set_gone_expect(&f, base, 0);
    hdm_commit_ig(f.qts, cxl_fm_bar(&f.h, dev[0], 0), 0, base, SET_SIZE, 1,
                  IG_4K, 0, true);
    g_assert_true(flat_iommu_at(f.qts, base));
    g_assert_cmphex(qtest_readq(f.qts, base + set_page[0]), ==, PATTERN);

    hdm_commit_ig(f.qts, usp, 0, base, SET_SIZE, 1, IG_4K, 0x0100, false);
    g_assert_true(flat_mmio_at(f.qts, base));
    for (int i = 0; i < 2; i++) {
        g_assert_cmphex(qtest_readq(f.qts, base + set_page[i]), ==,
                        UINT64_MAX);
    }
    hdm_commit_ig(f.qts, usp, 0, base, SET_SIZE, 1, IG_4K, 0x0100, true);
    g_assert_true(flat_iommu_at(f.qts, base));
    g_assert_cmphex(qtest_readq(f.qts, base + set_page[1]), ==, PATTERN + 1);
    fixture_stop(&f);
}

/*
 * What is written through the interleave map reads back through the
 * window's MMIO decode (x-direct-map=off), and the reverse
 */
static void test_pages_mmio_agrees(void)
{
    g_autofree char *path = NULL;
    Fixture f;
    uint64_t base;
    int dev[2];

    start_interleaved(&f, IG_4K, &base, dev);
    path = fmw_path(&f, 0);
    set_pages_write(&f, base);
    set_direct_map(&f, path, false);
    g_assert_true(flat_mmio_at(f.qts, base));
    for (int i = 0; i < 2; i++) {
        g_assert_cmphex(qtest_readq(f.qts, base + set_page[i]), ==,
                        PATTERN + i);
        qtest_writeq(f.qts, base + set_page[i] + 8, ~(PATTERN + i));
    }
    set_direct_map(&f, path, true);
    g_assert_true(flat_iommu_at(f.qts, base));
    for (int i = 0; i < 2; i++) {
        uint64_t off = set_page[i] + 8;

        g_assert_cmphex(qtest_readq(f.qts, base + off), ==, ~(PATTERN + i));
        g_assert_cmphex(file_of(&f, set_file(off), set_dpa(off)), ==,
                        ~(PATTERN + i));
    }
    fixture_stop(&f);
}

/*
 * The switch's decoder interleaves 4 ways in 256 byte granules to ports
 * {0, 1, 1, 0} (cxl-ep1, cxl-ep2, cxl-ep2, cxl-ep1), above devices whose
 * decoders are 1-way: each device takes the granules the switch sends it
 * at DPA = their offset in the window (CXL r3.1 8.2.4.20.13, 1 way), the
 * host bridges are 1-way.  Granule g is ep1's where g % 4 is 0 or 3,
 * ep2's otherwise; a page starts and ends with granules of ep1.
 */
static const uint8_t mixed_port[] = { 0, 1, 1, 0 };
#define MIXED_LEN (4 * 4096)

/*
 * Start it (@extra for QEMU), write @data through the window, from its
 * base, and read it back; @file gets what each device's backing file
 * holds there
 */
static void mixed_run(const char *extra, const uint8_t *data,
                      uint8_t *file[2])
{
    g_autofree uint8_t *got = g_malloc(MIXED_LEN);
    Fixture f;
    uint64_t base;
    int dev[2];

    fixture_start(&f, SEED_SWITCH, extra);
    base = window(&f, &hosts[0]);
    for (int i = 0; i < 2; i++) {
        g_autofree char *vppb = g_strdup_printf("swport%d", i);

        fm_bind(&f, 0, i, i);
        os_hot_add(&f, vppb);
        dev[i] = cxl_fm_enumerate_slot(&f.h, cxl_fm_find_id(&f.h, vppb));
    }
    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_commit(f.qts, mtree_start(f.qts, "pxb-cxl-host", i), base,
                   EP_SIZE, 0, true);
    }
    hdm_commit_ig(f.qts, cxl_fm_bar(&f.h, cxl_fm_find_id(&f.h, "us0"), 0),
                  0, base, EP_SIZE, 2, IG_256, ldl_le_p(mixed_port), true);
    for (int i = 0; i < 2; i++) {
        hdm_commit(f.qts, cxl_fm_bar(&f.h, dev[i], 0), base, EP_SIZE, 0,
                   true);
    }
    /* Granules of 256 bytes: the MMIO decode */
    g_assert_true(flat_mmio_at(f.qts, base));

    qtest_memwrite(f.qts, base, data, MIXED_LEN);
    qtest_memread(f.qts, base, got, MIXED_LEN);
    g_assert_cmpmem(got, MIXED_LEN, data, MIXED_LEN);
    for (int i = 0; i < 2; i++) {
        file[i] = g_malloc(MIXED_LEN);
        file_read(&f, i ? "t3_cxl2.raw" : "t3_cxl1.raw", 0, file[i],
                  MIXED_LEN);
    }
    fixture_stop(&f);
}

/*
 * What is written through the window with the decode cache lands where
 * the decode without it puts it, byte for byte, and where the interleave
 * rules say: the cache holds no more than every decoder's granule on the
 * way (a 1-way device's decoder made it hold a page, half of which was
 * ep2's, in ep1)
 */
static void test_mixed_granules(void)
{
    g_autofree uint8_t *data = g_malloc(MIXED_LEN);
    uint8_t *cached[2], *uncached[2];

    /* No byte is zero, which the other device's file holds */
    for (uint64_t off = 0; off < MIXED_LEN; off += 8) {
        stq_le_p(data + off, PATTERN ^ off);
    }
    mixed_run("", data, cached);
    mixed_run("-global cxl-fmw.x-decode-cache=off", data, uncached);
    for (uint64_t off = 0; off < MIXED_LEN; off++) {
        int ep = mixed_port[off / 256 % 4];

        g_assert_cmphex(uncached[ep][off], ==, data[off]);
        g_assert_cmphex(uncached[!ep][off], ==, 0);
    }
    for (int i = 0; i < 2; i++) {
        g_assert_cmpmem(cached[i], MIXED_LEN, uncached[i], MIXED_LEN);
        g_free(cached[i]);
        g_free(uncached[i]);
    }
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

/*
 * Commit decoder 0 of the host bridges (@at_switch false) or of VCS 0's
 * switch (true) over cxl-ep1's range: @iw ways (encoded) of 256 byte
 * granules, every target port 0, the way to cxl-ep1
 */
static void port_commit(Fixture *f, bool at_switch, uint64_t base,
                        unsigned iw)
{
    if (at_switch) {
        hdm_commit_ig(f->qts,
                      cxl_fm_bar(&f->h, cxl_fm_find_id(&f->h, "us0"), 0), 0,
                      base, EP_SIZE, iw, IG_256, 0, true);
        return;
    }
    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_commit_ig(f->qts, mtree_start(f->qts, "pxb-cxl-host", i), 0,
                      base, EP_SIZE, iw, IG_256, 0, true);
    }
}

/*
 * A host bridge's or a switch's decoder committed with interleave ways
 * it cannot decode takes its range to no device: reads all ones, writes
 * dropped, and QEMU goes on.  Its target list names 8 ports, and neither
 * advertises 3, 6, 12 or 16-way interleave (devices do): encodings 4
 * (16 ways), 8, 9, 10 (3, 6, 12 ways), and the reserved ones.  Granules
 * 8 to 15 are where it asserted.  Committed 1-way again, the device's
 * memory is there as it was.
 */
static void test_port_ways(const void *opaque)
{
    static const unsigned bad_iw[] = { 4, 8, 9, 10, 5, 6, 7, 11, 15 };
    bool at_switch = GPOINTER_TO_UINT(opaque);
    Fixture f;
    uint64_t base;

    fixture_start(&f, SEED_SWITCH, "");
    base = window(&f, &hosts[0]);
    host_decode(&f, 0);
    for (int k = 0; k < 16; k++) {
        qtest_writeq(f.qts, base + 256 * k, PATTERN + k);
    }
    for (int i = 0; i < ARRAY_SIZE(bad_iw); i++) {
        port_commit(&f, at_switch, base, bad_iw[i]);
        g_assert_true(flat_mmio_at(f.qts, base));
        for (int k = 0; k < 16; k++) {
            g_assert_cmphex(qtest_readq(f.qts, base + 256 * k), ==,
                            UINT64_MAX);
            qtest_writeq(f.qts, base + 256 * k, ~PATTERN);
            g_assert_cmphex(file_at(&f, 256 * k), ==, PATTERN + k);
        }
    }
    port_commit(&f, at_switch, base, 0);
    mapped_expect(&f, base);
    for (int k = 0; k < 16; k++) {
        g_assert_cmphex(qtest_readq(f.qts, base + 256 * k), ==, PATTERN + k);
    }
    fixture_stop(&f);
}

/*
 * cxl-ep1's decoder 0 committed with reserved interleave ways decodes
 * nothing, nor does its decoder 1 after it, whose DPAs would follow
 * decoder 0's: reads all ones, writes dropped, and QEMU goes on (an
 * access to decoder 1's range made it exit).  Committed 1-way again,
 * decoder 0 is the device's memory as it was.
 */
static void test_device_reserved_ways(void)
{
    static const unsigned bad_iw[] = { 5, 6, 7, 11, 12, 13, 14, 15 };
    static const uint64_t offs[] = { EP_SIZE + PATTERN_OFFSET, PATTERN_OFFSET };
    Fixture f;
    uint64_t base, ep;
    int dev;

    fixture_start(&f, SEED_SWITCH, "");
    base = window(&f, &hosts[0]);
    dev = host_decode(&f, 0);
    ep = cxl_fm_bar(&f.h, dev, 0);
    qtest_writeq(f.qts, base + PATTERN_OFFSET, PATTERN);
    /* The host bridges and the switch send it twice its size */
    for (int i = 0; i < ARRAY_SIZE(hosts); i++) {
        hdm_commit(f.qts, mtree_start(f.qts, "pxb-cxl-host", i), base,
                   2 * EP_SIZE, 0, true);
    }
    hdm_commit(f.qts, cxl_fm_bar(&f.h, cxl_fm_find_id(&f.h, "us0"), 0),
               base, 2 * EP_SIZE, 0, true);
    for (int i = 0; i < ARRAY_SIZE(bad_iw); i++) {
        hdm_commit_ig(f.qts, ep, 0, base, EP_SIZE, bad_iw[i], IG_256, 0,
                      true);
        hdm_commit_n(f.qts, ep, 1, base + EP_SIZE, EP_SIZE, 0, true);
        for (int j = 0; j < ARRAY_SIZE(offs); j++) {
            g_assert_cmphex(qtest_readq(f.qts, base + offs[j]), ==,
                            UINT64_MAX);
            qtest_writeq(f.qts, base + offs[j], ~PATTERN);
        }
        g_assert_cmphex(file_at(&f, PATTERN_OFFSET), ==, PATTERN);
    }
    hdm_commit(f.qts, ep, base, EP_SIZE, 0, true);
    g_assert_cmphex(qtest_readq(f.qts, base + PATTERN_OFFSET), ==, PATTERN);
    fixture_stop(&f);
}

/*
 * The DPA of offset @off of a device decoder of @ways ways of @gran byte
 * granules (CXL r3.1 8.2.4.20.13): the device takes every granule sent
 * to it, granule g to DPA granule g / @ways, bytes within it as they are
 */
static uint64_t device_dpa(uint64_t off, unsigned ways, uint64_t gran)
{
    return off / gran / ways * gran + off % gran;
}

/*
 * cxl-ep1's decoder committed with the interleave ways only devices
 * take, 3, 6, 12 and 16, the host bridge and the switch 1-way: each
 * granule reaches the DPA the spec gives, a granule of the same set at
 * another position reads the same, the last bytes too.  16 ways of
 * 4 KiB granules are the window's interleave map, page by page.
 */
static void test_device_ways(void)
{
    static const struct {
        unsigned iw, ways, ig;
    } sets[] = {
        { 8, 3, IG_256 }, { 9, 6, 1 }, { 10, 12, IG_256 }, { 4, 16, IG_256 },
        { 8, 3, IG_4K }, { 4, 16, IG_4K },
    };
    Fixture f;
    uint64_t base, ep;

    fixture_start(&f, SEED_SWITCH, "");
    base = window(&f, &hosts[0]);
    ep = cxl_fm_bar(&f.h, host_decode(&f, 0), 0);
    for (int i = 0; i < ARRAY_SIZE(sets); i++) {
        unsigned ways = sets[i].ways;
        uint64_t gran = 256 << sets[i].ig, last = EP_SIZE - 8;

        hdm_commit_ig(f.qts, ep, 0, base, EP_SIZE, sets[i].iw, sets[i].ig, 0,
                      true);
        if (ways == 16 && gran == 4096) {
            g_assert_true(flat_iommu_at(f.qts, base));
        }
        /* Set k: its granule at position k % ways, then the next one */
        for (uint64_t k = 0; k < 8; k++) {
            uint64_t off = (ways * k + k % ways) * gran + 8 * k;
            uint64_t other = (ways * k + (k + 1) % ways) * gran + 8 * k;
            uint64_t val = PATTERN + 16 * i + k;

            qtest_writeq(f.qts, base + off, val);
            g_assert_cmphex(file_at(&f, device_dpa(off, ways, gran)), ==,
                            val);
            g_assert_cmphex(qtest_readq(f.qts, base + off), ==, val);
            g_assert_cmphex(qtest_readq(f.qts, base + other), ==, val);
        }
        qtest_writeq(f.qts, base + last, ~(PATTERN + i));
        g_assert_cmphex(file_at(&f, device_dpa(last, ways, gran)), ==,
                        ~(PATTERN + i));
    }
    fixture_stop(&f);
}

/*
 * An arm64 CPU's accesses to a window where the device's own decoders
 * take nothing (its decoders as reset left them, uncommitted): a failed
 * transaction is a synchronous external abort to it, which qtest's own
 * accesses never see (they ignore the MemTxResult).  So a CPU runs under
 * TCG from a firmware image in flash: it loads the address and the value
 * from a parameter block in RAM, stores, loads back, and writes a marker
 * (1) and what it read after them; its exception vectors write marker 2
 * and the syndrome.  One host bridge with one root port (no HDM decoders
 * of its own) and one device: no enumeration, nothing to commit.
 */
#define PARAMS 0x44000000ULL

static const uint32_t no_target_code[] = {
    0xd2a88001,     /* movz x1, #0x4400, lsl #16 (PARAMS) */
    0xf9400020,     /* ldr  x0, [x1]         the address */
    0xf9400422,     /* ldr  x2, [x1, #8]     the value */
    0xf9000002,     /* str  x2, [x0] */
    0xf9400005,     /* ldr  x5, [x0] */
    0xf9001025,     /* str  x5, [x1, #32]    what it read */
    0xd2800023,     /* movz x3, #1 */
    0xf9000823,     /* str  x3, [x1, #16]    marker 1: no abort */
    0x14000000,     /* b    . */
};

static const uint32_t no_target_vector[] = {
    0xd2a88001,     /* movz x1, #0x4400, lsl #16 */
    0xd2800043,     /* movz x3, #2 */
    0xf9000823,     /* str  x3, [x1, #16]    marker 2: an exception */
    0xd5385204,     /* mrs  x4, esr_el1 */
    0xf9000c24,     /* str  x4, [x1, #24] */
    0x14000000,     /* b    . */
};

static void test_no_target_cpu(void)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-XXXXXX", NULL);
    g_autofree char *bios = g_build_filename(dir, "bios.bin", NULL);
    g_autofree uint8_t *image = g_malloc0(4096);
    QTestState *qts;
    uint64_t base, marker = 0;

    for (int i = 0; i < ARRAY_SIZE(no_target_code); i++) {
        stl_le_p(image + 4 * i, no_target_code[i]);
    }
    /* Synchronous, IRQ, FIQ and SError from the current EL with SP_ELx */
    for (int v = 0x200; v < 0x400; v += 0x80) {
        for (int i = 0; i < ARRAY_SIZE(no_target_vector); i++) {
            stl_le_p(image + v + 4 * i, no_target_vector[i]);
        }
    }
    g_assert_true(g_file_set_contents(bios, (char *)image, 4096, NULL));
    qts = qtest_initf("-machine virt,cxl=on -cpu max -accel tcg -S "
                      "-bios %s "
                      "-object memory-backend-ram,id=vmem0,size=256M "
                      "-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0 "
                      "-device cxl-rp,port=0,bus=cxl.0,id=rp0,chassis=0,"
                      "slot=1 "
                      "-device cxl-type3,bus=rp0,volatile-memdev=vmem0,"
                      "id=ep0 "
                      "-machine cxl-fmw.0.targets.0=cxl.0,"
                      "cxl-fmw.0.size=4G", bios);
    base = mtree_start(qts, "cxl-fixed-memory-region", 0);
    qtest_writeq(qts, PARAMS, base + PATTERN_OFFSET);
    qtest_writeq(qts, PARAMS + 8, PATTERN);
    qobject_unref(qtest_qmp_assert_success_ref(qts, "{'execute': 'cont'}"));
    for (int i = 0; i < 10000 && !marker; i++) {
        g_usleep(1000);
        marker = qtest_readq(qts, PARAMS + 16);
    }
    g_assert_cmphex(qtest_readq(qts, PARAMS + 24), ==, 0);
    g_assert_cmpint(marker, ==, 1);
    g_assert_cmphex(qtest_readq(qts, PARAMS + 32), ==, UINT64_MAX);
    qtest_quit(qts);
    unlink(bios);
    rmdir(dir);
}

/*
 * A cxl-type3 on a root port of its own (no switch), its memory read
 * and written through the window's direct map (@data true) or its MMIO
 * decode, then removed by device_del and its memory backend by
 * object-del: the window does not keep reaching that memory (neither
 * through an alias nor through the decode cache's last granule)
 */
static void test_plain_device_removed(const void *data)
{
    bool direct = GPOINTER_TO_UINT(data);
    g_autofree char *args = g_strdup_printf(
        "%s -device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0,"
        "hdm_for_passthrough=true "
        "-device cxl-rp,port=0,bus=cxl.0,id=rp0,chassis=0,slot=1 "
        "-object memory-backend-ram,id=plain-mem,size=256M "
        "-device cxl-type3,bus=rp0,volatile-memdev=plain-mem,id=plain "
        "-machine cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=4G",
        machine_args());
    QTestState *qts = qtest_init(args);
    g_autofree char *path = NULL;
    Fixture f = { .qts = qts };
    CXLFMHost h;
    uint64_t base;
    int rp, dev;

    cxl_fm_host_init(&h, qts);
    cxl_fm_enumerate(&h, 12);
    f.h = h;
    rp = cxl_fm_find_id(&h, "rp0");
    dev = CXL_FM_BDF(cxl_fm_secondary_bus(&h, rp), 0, 0);
    base = mtree_start(qts, "cxl-fixed-memory-region", 0);
    hdm_commit(qts, mtree_start(qts, "pxb-cxl-host", 0), base, EP_SIZE, 0,
               true);
    hdm_commit(qts, cxl_fm_bar(&h, dev, 0), base, EP_SIZE, 0, true);
    path = fmw_path(&f, 0);
    set_direct_map(&f, path, direct);
    g_assert(flat_ram_at(qts, base) == direct);
    qtest_writeq(qts, base + PATTERN_OFFSET, PATTERN);
    g_assert_cmphex(qtest_readq(qts, base + PATTERN_OFFSET), ==, PATTERN);

    /* The OS releases the device: it is gone, and so is its memory */
    qtest_qmp_device_del_send(qts, "plain");
    cxl_fm_slot_power(&h, rp, false);
    qtest_qmp_eventwait(qts, "DEVICE_DELETED");
    qtest_qmp_assert_success(qts, "{'execute': 'object-del', 'arguments': "
                             "{'id': 'plain-mem'}}");
    g_assert_false(flat_ram_at(qts, base));
    g_assert_cmphex(qtest_readq(qts, base + PATTERN_OFFSET), ==, UINT64_MAX);
    qtest_writeq(qts, base + PATTERN_OFFSET, ~PATTERN);
    g_assert_cmphex(qtest_readq(qts, base + PATTERN_OFFSET), ==, UINT64_MAX);
    cxl_fm_host_cleanup(&h);
    qtest_quit(qts);
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
    qtest_add_func("/cxl-vcs-switch/direct-map/decoder-rewrite",
                   test_decoder_rewrite);
    qtest_add_func("/cxl-vcs-switch/direct-map/interleaved",
                   test_interleaved);
    qtest_add_func("/cxl-vcs-switch/direct-map/interleaved/retarget",
                   test_interleaved_retarget);
    qtest_add_func("/cxl-vcs-switch/direct-map/interleaved-pages",
                   test_interleaved_pages);
    qtest_add_data_func(
        "/cxl-vcs-switch/direct-map/interleaved-pages/unbind-wait-link-down",
        GUINT_TO_POINTER(CXL_UNBIND_WAIT_LINK_DOWN), test_pages_unbind);
    qtest_add_data_func(
        "/cxl-vcs-switch/direct-map/interleaved-pages/unbind-managed",
        GUINT_TO_POINTER(CXL_UNBIND_MANAGED), test_pages_unbind);
    qtest_add_data_func(
        "/cxl-vcs-switch/direct-map/interleaved-pages/unbind-surprise",
        GUINT_TO_POINTER(CXL_UNBIND_SURPRISE), test_pages_unbind);
    qtest_add_func("/cxl-vcs-switch/direct-map/interleaved-pages/perst",
                   test_pages_perst);
    qtest_add_func("/cxl-vcs-switch/direct-map/interleaved-pages/uncommit",
                   test_pages_uncommit);
    qtest_add_func("/cxl-vcs-switch/direct-map/interleaved-pages/mmio-agrees",
                   test_pages_mmio_agrees);
    qtest_add_func("/cxl-vcs-switch/direct-map/interleaved/mixed-granules",
                   test_mixed_granules);
    qtest_add_func("/cxl-vcs-switch/direct-map/dc-extents", test_dc_extents);
    qtest_add_data_func("/cxl-vcs-switch/direct-map/ways/host-bridge",
                        GUINT_TO_POINTER(false), test_port_ways);
    qtest_add_data_func("/cxl-vcs-switch/direct-map/ways/switch",
                        GUINT_TO_POINTER(true), test_port_ways);
    qtest_add_data_func("/cxl-vcs-switch/direct-map/plain-device-removed/"
                        "mapped", GUINT_TO_POINTER(true),
                        test_plain_device_removed);
    qtest_add_data_func("/cxl-vcs-switch/direct-map/plain-device-removed/"
                        "decoded", GUINT_TO_POINTER(false),
                        test_plain_device_removed);
    qtest_add_func("/cxl-vcs-switch/direct-map/ways/device-reserved",
                   test_device_reserved_ways);
    qtest_add_func("/cxl-vcs-switch/direct-map/ways/device",
                   test_device_ways);
    if (is_arm()) {
        qtest_add_func("/cxl-vcs-switch/direct-map/no-target/cpu",
                       test_no_target_cpu);
    }
    return g_test_run();
}


