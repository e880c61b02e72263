/*
 * QTest for multi-logical devices behind a multi-VCS CXL switch: the MLD
 * Component commands through the tunnel, LDs bound to different VCSs at
 * once, and Send LD CXL.io Configuration and Memory Requests.
 *
 * The seed topology with a fifth physical port holding an MLD of two
 * LDs, 512 MiB each, and a label storage area of 512 KiB each.
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

#define MLD_SWITCH "usp-ppbs=2,dsp-ppbs=5"
#define MLD_PORT 4
#define MLD_DEVICE "-object memory-backend-file,id=mld-mem,share=on," \
    "mem-path=$DIR/mld.raw,size=1G " \
    "-object memory-backend-file,id=mld-lsa,share=on," \
    "mem-path=$DIR/mld-lsa.raw,size=1M " \
    "-device cxl-type3,id=mld0,persistent-memdev=mld-mem,lsa=mld-lsa," \
    "num-lds=2,sn=300,vcs=vcs0,dsppb=4"
#define LD_LSA_SIZE (512 * 1024)

#define CXL_OP_IDENTIFY_MEMDEV 0x4000

static void mld_start(Fixture *f)
{
    fixture_start(f, MLD_SWITCH, MLD_DEVICE);
}

/* @opcode to the MLD's FM-owned LD, through the switch's tunnel */
static void mld_expect(Fixture *f, uint16_t opcode, const void *in,
                       size_t in_len, uint16_t rc, const void *out,
                       size_t out_len)
{
    uint8_t buf[256];
    size_t len;

    g_assert_cmphex(fm_tunnel(f, MLD_PORT, opcode, in, in_len, buf, &len),
                    ==, rc);
    cxl_fm_assert_bytes(buf, len, out, out_len);
}

static void mld_expect_rc(Fixture *f, uint16_t opcode, const void *in,
                          size_t in_len, uint16_t rc)
{
    mld_expect(f, opcode, in, in_len, rc, NULL, 0);
}

/* Bind LD @ld to @vcs/@vppb; the host below @port_id powers it on */
static int mld_bind_host(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t ld,
                         const char *port_id)
{
    fm_bind_ld(f, vcs, vppb, MLD_PORT, ld);
    os_hot_add(f, port_id);
    return cxl_fm_enumerate_slot(&f->h, cxl_fm_find_id(&f->h, port_id));
}

/* The capacity a host sees through the LD's mailbox, in 256 MiB units */
static void capacity_expect(Fixture *f, int dev, uint64_t units)
{
    CXLFMMailbox mb;
    uint8_t out[0x45];
    size_t len = sizeof(out);

    cxl_fm_mbox_init(&mb, &f->h, dev, 2);
    g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_IDENTIFY_MEMDEV, NULL, 0, out,
                                    &len), ==, CXL_RC_SUCCESS);
    g_assert_cmpuint(ldq_le_p(out + 0x10), ==, units);      /* total */
    g_assert_cmpuint(ldq_le_p(out + 0x18), ==, 0);          /* volatile */
    g_assert_cmpuint(ldq_le_p(out + 0x20), ==, units);      /* persistent */
}

/* What the LSA backing file holds at @offset */
static void lsa_file_expect(Fixture *f, size_t offset, const uint8_t *data,
                            size_t len)
{
    g_autofree char *path = g_build_filename(f->dir, "mld-lsa.raw", NULL);
    g_autofree char *text = NULL;
    gsize size;

    g_assert_true(g_file_get_contents(path, &text, &size, NULL));
    g_assert_cmpuint(size, ==, 1024 * 1024);
    g_assert_cmpmem(text + offset, len, data, len);
}

static void test_ld_info(void)
{
    Fixture f;
    static const uint8_t info[] = {
        0, 0, 0, 0x40, 0, 0, 0, 0,      /* 1 GiB */
        2, 0,                           /* LDs */
        0x03,                           /* both kinds of QoS telemetry */
    };
    static const uint8_t all[] = { 0, 2 };
    static const uint8_t from1[] = { 1, 16 };
    static const uint8_t from2[] = { 2, 1 };
    uint8_t alloc[4 + 32] = { 2, 0, 0, 2, 2, [20] = 2 };
    static const uint8_t alloc1[4 + 16] = { 2, 0, 1, 1, 2 };
    static const uint8_t none[4] = { 2, 0, 0, 0 };
    static const uint8_t limit0[] = { 0, 0 };
    /* A Tunnel Management Command to LD 2 carrying Identify */
    static const uint8_t to_ld2[16] = { 2, 0, 12, 0, 0, 0x5b, 0, 0x01 };
    uint8_t out[64];
    size_t len;

    mld_start(&f);
    mld_expect(&f, CXL_OP_GET_LD_INFO, NULL, 0, CXL_RC_SUCCESS, info,
               sizeof(info));
    mld_expect(&f, CXL_OP_GET_LD_ALLOCATIONS, all, sizeof(all),
               CXL_RC_SUCCESS, alloc, sizeof(alloc));
    mld_expect(&f, CXL_OP_GET_LD_ALLOCATIONS, from1, sizeof(from1),
               CXL_RC_SUCCESS, alloc1, sizeof(alloc1));
    mld_expect(&f, CXL_OP_GET_LD_ALLOCATIONS, limit0, sizeof(limit0),
               CXL_RC_SUCCESS, none, sizeof(none));
    mld_expect_rc(&f, CXL_OP_GET_LD_ALLOCATIONS, from2, sizeof(from2),
                  CXL_RC_INVALID_INPUT);
    mld_expect_rc(&f, CXL_OP_GET_LD_ALLOCATIONS, all, 1,
                  CXL_RC_INVALID_PAYLOAD_LENGTH);

    /* The FM-owned LD's tunnel reaches LD 1's CCI: its own serial */
    g_assert_cmphex(fm_tunnel_ld(&f, MLD_PORT, 1, CXL_OP_IDENTIFY, NULL, 0,
                                 out, &len), ==, CXL_RC_SUCCESS);
    g_assert_cmpuint(len, ==, 18);
    g_assert_cmpuint(ldq_le_p(out + 8), ==, 301);
    g_assert_cmphex(out[17], ==, 0x03);
    /* ... and no LD 2 */
    g_assert_cmphex(fm_tunnel(&f, MLD_PORT, CXL_OP_TUNNEL, to_ld2,
                              sizeof(to_ld2), out, &len), ==,
                    CXL_RC_INVALID_INPUT);

    /* An SLD has no LD commands */
    g_assert_cmphex(fm_tunnel(&f, 0, CXL_OP_GET_LD_INFO, NULL, 0, alloc,
                              &(size_t){ 0 }), ==, CXL_RC_UNSUPPORTED);
    fixture_stop(&f);
}

static void test_set_ld_allocations(void)
{
    Fixture f;
    static const uint8_t all[] = { 0, 2 };
    uint8_t set[4 + 32] = { 2, 0, 0, 0, 1, [20] = 3 };
    uint8_t got[4 + 32] = { 2, 0, 0, 2, 1, [20] = 3 };
    uint8_t set1[4 + 16] = { 1, 1, 0, 0, 1 };
    uint8_t bad[4 + 32];
    int dev;

    mld_start(&f);
    mld_expect(&f, CXL_OP_SET_LD_ALLOCATIONS, set, sizeof(set),
               CXL_RC_SUCCESS, set, sizeof(set));
    mld_expect(&f, CXL_OP_GET_LD_ALLOCATIONS, all, sizeof(all),
               CXL_RC_SUCCESS, got, sizeof(got));

    /* All or nothing: none of these changes anything */
    memcpy(bad, set, sizeof(bad));
    bad[12] = 1;                        /* a Range 2 allocation */
    mld_expect_rc(&f, CXL_OP_SET_LD_ALLOCATIONS, bad, sizeof(bad),
                  CXL_RC_INVALID_INPUT);
    memcpy(bad, set, sizeof(bad));
    bad[20] = 4;                        /* 5 x 256 MiB of 1 GiB */
    mld_expect_rc(&f, CXL_OP_SET_LD_ALLOCATIONS, bad, sizeof(bad),
                  CXL_RC_INVALID_INPUT);
    memcpy(bad, set, sizeof(bad));
    bad[1] = 1;                         /* LDs 1 and 2 */
    mld_expect_rc(&f, CXL_OP_SET_LD_ALLOCATIONS, bad, sizeof(bad),
                  CXL_RC_INVALID_INPUT);
    bad[0] = 0;
    bad[1] = 0;
    mld_expect_rc(&f, CXL_OP_SET_LD_ALLOCATIONS, bad, 4,
                  CXL_RC_INVALID_INPUT);
    mld_expect_rc(&f, CXL_OP_SET_LD_ALLOCATIONS, set, sizeof(set) - 1,
                  CXL_RC_INVALID_PAYLOAD_LENGTH);
    mld_expect_rc(&f, CXL_OP_SET_LD_ALLOCATIONS, set, 3,
                  CXL_RC_INVALID_PAYLOAD_LENGTH);
    mld_expect(&f, CXL_OP_GET_LD_ALLOCATIONS, all, sizeof(all),
               CXL_RC_SUCCESS, got, sizeof(got));

    /* A bound LD keeps its memory: Busy; another LD may change */
    dev = mld_bind_host(&f, 0, 0, 0, "swport0");
    capacity_expect(&f, dev, 1);
    set[4] = 2;
    set[20] = 2;
    mld_expect_rc(&f, CXL_OP_SET_LD_ALLOCATIONS, set, sizeof(set),
                  CXL_RC_BUSY);
    mld_expect(&f, CXL_OP_SET_LD_ALLOCATIONS, set1, sizeof(set1),
               CXL_RC_SUCCESS, set1, sizeof(set1));
    got[20] = 1;
    mld_expect(&f, CXL_OP_GET_LD_ALLOCATIONS, all, sizeof(all),
               CXL_RC_SUCCESS, got, sizeof(got));

    /* Once unbound, it may; bound again, the host sees the new size */
    fm_unbind_start(&f, 0, 0, CXL_UNBIND_SURPRISE);
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
    mld_expect(&f, CXL_OP_SET_LD_ALLOCATIONS, set, sizeof(set),
               CXL_RC_SUCCESS, set, sizeof(set));
    dev = mld_bind_host(&f, 1, 0, 0, "swport4");
    capacity_expect(&f, dev, 2);
    fixture_stop(&f);
}

static void test_qos(void)
{
    Fixture f;
    /* Defaults: no telemetry, 10 % and 25 % congestion, 8 samples */
    static const uint8_t ctrl0[7] = { 0, 10, 25, 8, 0, 0, 0 };
    static const uint8_t ctrl[7] = { 3, 20, 50, 16, 0x34, 0x12, 5 };
    static const uint8_t bad_bits[7] = { 4, 20, 50, 16, 0, 0, 0 };
    static const uint8_t bad_pct[7] = { 1, 101, 50, 16, 0, 0, 0 };
    static const uint8_t status[1] = { 0 };
    static const uint8_t both[2] = { 2, 0 };
    static const uint8_t alloc0[4] = { 2, 0, 0, 0 };
    static const uint8_t alloc[4] = { 2, 0, 0x40, 0x80 };
    static const uint8_t limit0[4] = { 2, 0, 0xff, 0xff };
    static const uint8_t limit1[3] = { 1, 1, 0x10 };
    static const uint8_t limit[4] = { 2, 0, 0xff, 0x10 };
    static const uint8_t three[5] = { 3, 0 };
    static const uint8_t from2[3] = { 1, 2 };
    static const uint8_t none[2] = { 0, 0 };

    mld_start(&f);
    mld_expect(&f, CXL_OP_GET_QOS_CONTROL, NULL, 0, CXL_RC_SUCCESS, ctrl0,
               sizeof(ctrl0));
    mld_expect(&f, CXL_OP_SET_QOS_CONTROL, ctrl, sizeof(ctrl),
               CXL_RC_SUCCESS, ctrl, sizeof(ctrl));
    mld_expect_rc(&f, CXL_OP_SET_QOS_CONTROL, bad_bits, sizeof(bad_bits),
                  CXL_RC_INVALID_INPUT);
    mld_expect_rc(&f, CXL_OP_SET_QOS_CONTROL, bad_pct, sizeof(bad_pct),
                  CXL_RC_INVALID_INPUT);
    mld_expect_rc(&f, CXL_OP_SET_QOS_CONTROL, ctrl, 6,
                  CXL_RC_INVALID_PAYLOAD_LENGTH);
    mld_expect(&f, CXL_OP_GET_QOS_CONTROL, NULL, 0, CXL_RC_SUCCESS, ctrl,
               sizeof(ctrl));
    mld_expect(&f, CXL_OP_GET_QOS_STATUS, NULL, 0, CXL_RC_SUCCESS, status,
               sizeof(status));

    mld_expect(&f, CXL_OP_GET_QOS_ALLOCATED_BW, both, sizeof(both),
               CXL_RC_SUCCESS, alloc0, sizeof(alloc0));
    mld_expect(&f, CXL_OP_SET_QOS_ALLOCATED_BW, alloc, sizeof(alloc),
               CXL_RC_SUCCESS, alloc, sizeof(alloc));
    mld_expect(&f, CXL_OP_GET_QOS_ALLOCATED_BW, both, sizeof(both),
               CXL_RC_SUCCESS, alloc, sizeof(alloc));
    mld_expect(&f, CXL_OP_GET_QOS_BW_LIMIT, both, sizeof(both),
               CXL_RC_SUCCESS, limit0, sizeof(limit0));
    mld_expect(&f, CXL_OP_SET_QOS_BW_LIMIT, limit1, sizeof(limit1),
               CXL_RC_SUCCESS, limit1, sizeof(limit1));
    mld_expect(&f, CXL_OP_GET_QOS_BW_LIMIT, both, sizeof(both),
               CXL_RC_SUCCESS, limit, sizeof(limit));

    /* LDs the MLD does not have, or none; a Set carries one byte each */
    for (uint16_t op = CXL_OP_GET_QOS_ALLOCATED_BW;
         op <= CXL_OP_SET_QOS_BW_LIMIT; op++) {
        bool set = (op - CXL_OP_GET_QOS_ALLOCATED_BW) & 1;

        mld_expect_rc(&f, op, three, set ? 5 : 2, CXL_RC_INVALID_INPUT);
        mld_expect_rc(&f, op, from2, set ? 3 : 2, CXL_RC_INVALID_INPUT);
        mld_expect_rc(&f, op, none, 2, CXL_RC_INVALID_INPUT);
    }
    mld_expect_rc(&f, CXL_OP_SET_QOS_ALLOCATED_BW, alloc, 3,
                  CXL_RC_INVALID_PAYLOAD_LENGTH);
    mld_expect_rc(&f, CXL_OP_SET_QOS_BW_LIMIT, limit1, 2,
                  CXL_RC_INVALID_PAYLOAD_LENGTH);
    mld_expect(&f, CXL_OP_GET_QOS_ALLOCATED_BW, both, sizeof(both),
               CXL_RC_SUCCESS, alloc, sizeof(alloc));
    fixture_stop(&f);
}

/*
 * LD 0 to VCS 0 and LD 1 to VCS 1 at once: each host sees its LD's
 * capacity, and what it writes is its own; unbinding LD 0 leaves LD 1
 * running, and LD 0 bound to VCS 1 still holds its data.
 */
static void test_two_hosts(void)
{
    Fixture f;
    uint8_t a[64], b[64], got[64];
    static const uint8_t port_req[] = { 1, MLD_PORT };
    /*
     * An MLD of 2 LDs, CXL 68B flit VH mode, its link trained: x16 at
     * 32 GT/s, L0, PRSNT#
     */
    static const uint8_t port_rsp[4 + 16] = {
        1, 0, 0, 0,
        MLD_PORT, 3, 2, 0, 5, 2, 16, 16, 0x3f, 6, 5, 4, 0, 0x04, 0x00, 2,
    };
    uint8_t sw[0x49];
    size_t len = sizeof(sw);
    int dev0, dev1;

    for (int i = 0; i < sizeof(a); i++) {
        a[i] = 0xa5 ^ (i * 7);
        b[i] = 0x3c ^ (i * 13);
    }
    mld_start(&f);
    fm_expect(&f, CXL_OP_PHYS_PORT_STATE, port_req, sizeof(port_req),
              CXL_RC_SUCCESS, port_rsp, sizeof(port_rsp));

    dev0 = mld_bind_host(&f, 0, 0, 0, "swport0");
    dev1 = mld_bind_host(&f, 1, 0, 1, "swport4");
    vppb_expect_ld(&f, 0, 0, 0x03, MLD_PORT, 0);
    vppb_expect_ld(&f, 1, 0, 0x03, MLD_PORT, 1);
    g_assert_true(device_bound(&f, "mld0/ld[0]"));
    g_assert_true(device_bound(&f, "mld0/ld[1]"));
    fm_expect(&f, CXL_OP_PHYS_PORT_STATE, port_req, sizeof(port_req),
              CXL_RC_SUCCESS, port_rsp, sizeof(port_rsp));
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_IDENTIFY_SWITCH, NULL, 0, sw,
                                    &len), ==, CXL_RC_SUCCESS);
    g_assert_cmphex(sw[0x04], ==, 0x7f);
    g_assert_cmpuint(lduw_le_p(sw + 0x46), ==, 2);

    capacity_expect(&f, dev0, 2);
    capacity_expect(&f, dev1, 2);
    lsa_access(&f, dev0, true, a, sizeof(a));
    lsa_access(&f, dev1, true, b, sizeof(b));
    lsa_access(&f, dev0, false, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), a, sizeof(a));
    lsa_access(&f, dev1, false, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), b, sizeof(b));
    /* Each LD's part of the MLD's label storage area */
    lsa_file_expect(&f, 0, a, sizeof(a));
    lsa_file_expect(&f, LD_LSA_SIZE, b, sizeof(b));

    /* Managed unbind of LD 0; LD 1 runs on */
    fm_unbind_start(&f, 0, 0, CXL_UNBIND_MANAGED);
    cxl_fm_slot_power(&f.h, cxl_fm_find_id(&f.h, "swport0"), false);
    bg_expect(&f, CXL_OP_UNBIND, 100, CXL_RC_SUCCESS);
    vppb_expect(&f, 0, 0, 0x00, 0xff);
    g_assert_false(device_bound(&f, "mld0/ld[0]"));
    g_assert_true(device_bound(&f, "mld0/ld[1]"));
    lsa_access(&f, dev1, false, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), b, sizeof(b));

    /* LD 0 to VCS 1 as well: both LDs of the MLD in one host */
    dev0 = mld_bind_host(&f, 1, 1, 0, "swport5");
    vppb_expect_ld(&f, 1, 1, 0x03, MLD_PORT, 0);
    lsa_access(&f, dev0, false, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), a, sizeof(a));
    lsa_access(&f, dev1, false, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), b, sizeof(b));
    fixture_stop(&f);
}

static void test_bind_errors(void)
{
    Fixture f;
    static const struct {
        uint8_t req[6];
        uint16_t rc;
    } cases[] = {
        { { 0, 1, 4, 0, 0xff, 0xff }, CXL_RC_INVALID_INPUT },  /* MLD, FFFFh */
        { { 0, 1, 4, 0, 0x02, 0x00 }, CXL_RC_INVALID_INPUT },  /* no LD 2 */
        { { 0, 1, 4, 0, 0x00, 0x01 }, CXL_RC_INVALID_INPUT },  /* no LD 100h */
        { { 0, 1, 4, 0, 0x00, 0x00 }, CXL_RC_INVALID_INPUT },  /* LD 0 bound */
        { { 0, 1, 4, 0, 0x01, 0x00 }, CXL_RC_INVALID_INPUT },  /* no memory */
        { { 0, 0, 4, 0, 0x01, 0x00 }, CXL_RC_INVALID_INPUT },  /* vPPB bound */
        { { 0, 1, 0, 0, 0x00, 0x00 }, CXL_RC_INVALID_INPUT },  /* SLD, LD 0 */
    };
    static const uint8_t set[4 + 32] = { 2, 0, 0, 0, 1 };

    mld_start(&f);
    mld_expect(&f, CXL_OP_SET_LD_ALLOCATIONS, set, sizeof(set),
               CXL_RC_SUCCESS, set, sizeof(set));
    fm_bind_ld(&f, 0, 0, MLD_PORT, 0);
    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        fm_expect_rc(&f, CXL_OP_BIND, cases[i].req, 6, cases[i].rc);
    }
    bg_expect(&f, CXL_OP_BIND, 100, CXL_RC_SUCCESS);
    vppb_expect(&f, 0, 1, 0x00, 0xff);
    vppb_expect_ld(&f, 0, 0, 0x03, MLD_PORT, 0);
    fixture_stop(&f);
}

/* Send LD CXL.io Configuration Request (5301h) */
static uint32_t ld_config(Fixture *f, uint8_t port, uint8_t ld, uint16_t reg,
                          bool write, uint32_t data, uint16_t rc)
{
    uint8_t req[12] = { port, reg & 0xfc, 0xf0 | reg >> 8,
                        write ? 0x80 : 0, ld };
    uint8_t out[4];
    size_t len = sizeof(out);

    stl_le_p(req + 8, data);
    g_assert_cmphex(cxl_fm_mbox_cmd(&f->mb, CXL_OP_LD_CONFIG, req,
                                    sizeof(req), out, &len), ==, rc);
    if (rc) {
        return 0;
    }
    g_assert_cmpuint(len, ==, 4);
    return ldl_le_p(out);
}

/* A Send LD CXL.io Memory Request (5302h) header */
static size_t ld_mem_req(uint8_t *req, uint8_t ld, bool write, uint8_t be,
                         uint16_t length, uint64_t addr)
{
    req[0] = MLD_PORT;
    stw_le_p(req + 1, (write ? 0x8000 : 0) | be);
    stw_le_p(req + 3, ld);
    stw_le_p(req + 5, length);
    stq_le_p(req + 7, addr);
    return 15;
}

/*
 * The FM programs an unbound LD's BAR through 5301h and reads its
 * registers through 5302h; they are what a host reads through its own
 * BAR of another LD.
 */
static void test_ld_requests(void)
{
    Fixture f;
    const uint64_t bar = 0xe0000000, bar2 = 0xe0100000;
    uint8_t req[15 + 16], out[4 + 16], want[4 + 16] = { 16 };
    static const uint8_t data[16] = {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
    };
    static const uint8_t ones[4 + 4] = { 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
    size_t len, hdr;
    uint64_t host_bar;
    uint32_t mbox;
    int dev1;

    mld_start(&f);
    g_assert_cmphex(ld_config(&f, MLD_PORT, 0, PCI_VENDOR_ID, false, 0, 0),
                    ==, 0x0d938086);
    ld_config(&f, MLD_PORT, 0, PCI_BASE_ADDRESS_2, true, bar, 0);
    ld_config(&f, MLD_PORT, 0, PCI_BASE_ADDRESS_2 + 4, true, 0, 0);
    ld_config(&f, MLD_PORT, 0, PCI_COMMAND, true, PCI_COMMAND_MEMORY, 0);
    g_assert_cmphex(ld_config(&f, MLD_PORT, 0, PCI_BASE_ADDRESS_2, false, 0,
                              0), ==, bar | PCI_BASE_ADDRESS_MEM_TYPE_64);

    /*
     * The device capabilities array, as LD 1's host sees its own.  The
     * FM's view of a bound LD is its own: BARs the FM programs, apart
     * from its host's.
     */
    dev1 = mld_bind_host(&f, 1, 0, 1, "swport4");
    host_bar = cxl_fm_bar(&f.h, dev1, 2);
    for (int i = 0; i < 4; i++) {
        stl_le_p(want + 4 + 4 * i, qtest_readl(f.qts, host_bar + 4 * i));
    }
    hdr = ld_mem_req(req, 0, false, 0xff, 16, bar);
    len = sizeof(out);
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_LD_MEM, req, hdr, out,
                                    &len), ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(out, len, want, sizeof(want));
    g_assert_cmphex(ld_config(&f, MLD_PORT, 1, PCI_BASE_ADDRESS_2, false, 0,
                              0), ==, PCI_BASE_ADDRESS_MEM_TYPE_64);
    ld_config(&f, MLD_PORT, 1, PCI_BASE_ADDRESS_2, true, bar2, 0);
    ld_config(&f, MLD_PORT, 1, PCI_COMMAND, true, PCI_COMMAND_MEMORY, 0);
    hdr = ld_mem_req(req, 1, false, 0xff, 16, bar2);
    len = sizeof(out);
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_LD_MEM, req, hdr, out,
                                    &len), ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(out, len, want, sizeof(want));
    /* ... while its host still reaches it at its own address */
    g_assert_cmphex(qtest_readl(f.qts, host_bar), ==, ldl_le_p(want + 4));

    /*
     * Write the mailbox's payload registers (the primary mailbox is the
     * array's second capability), whole and then with only the first
     * DW's first byte and the last DW's last byte enabled
     */
    hdr = ld_mem_req(req, 0, false, 0xff, 8, bar + 0x20);
    len = sizeof(out);
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_LD_MEM, req, hdr, out,
                                    &len), ==, CXL_RC_SUCCESS);
    g_assert_cmpuint(len, ==, 4 + 8);
    g_assert_cmphex(lduw_le_p(out + 4), ==, 2);
    mbox = bar + ldl_le_p(out + 8) + 0x20;
    len = sizeof(out);
    hdr = ld_mem_req(req, 0, true, 0xff, 16, mbox);
    memcpy(req + hdr, data, sizeof(data));
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_LD_MEM, req, hdr + 16, out,
                                    &len), ==, CXL_RC_SUCCESS);
    g_assert_cmpuint(len, ==, 4);
    hdr = ld_mem_req(req, 0, true, 0x81, 16, mbox);
    memset(req + hdr, 0xee, 16);
    len = sizeof(out);
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_LD_MEM, req, hdr + 16, out,
                                    &len), ==, CXL_RC_SUCCESS);
    hdr = ld_mem_req(req, 0, false, 0xff, 16, mbox);
    len = sizeof(out);
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_LD_MEM, req, hdr, out,
                                    &len), ==, CXL_RC_SUCCESS);
    /* The first and last DWs as their byte enables say, all between */
    memcpy(want + 4, data, sizeof(data));
    memset(want + 4 + 4, 0xee, 8);
    want[4] = 0xee;
    want[4 + 15] = 0xee;
    cxl_fm_assert_bytes(out, len, want, sizeof(want));

    /* Nothing decodes there (BARs 0 and 4 are at 0): all ones */
    hdr = ld_mem_req(req, 0, false, 0x0f, 4, 0x100000);
    len = sizeof(out);
    g_assert_cmphex(cxl_fm_mbox_cmd(&f.mb, CXL_OP_LD_MEM, req, hdr, out,
                                    &len), ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(out, len, ones, sizeof(ones));
    fixture_stop(&f);
}

static void test_ld_request_errors(void)
{
    Fixture f;
    static const struct {
        uint8_t ld;
        bool write;
        uint8_t be;
        uint16_t length;
        uint64_t addr;
    } cases[] = {
        { 2, false, 0xff, 8, 0 },        /* no LD 2 */
        { 0, false, 0xff, 8, 2 },        /* not DW aligned */
        { 0, false, 0xff, 6, 0 },        /* not whole DWs */
        { 0, false, 0x00, 0, 0 },        /* nothing */
        { 0, false, 0x0f, 8, 0 },        /* two DWs, no last BE */
        { 0, false, 0xf0, 8, 0 },        /* no first BE */
        { 0, false, 0xff, 4, 0 },        /* one DW with a last BE */
        { 0, false, 0xff, 0x1000, 0 },   /* more than a payload holds */
    };
    uint8_t req[15 + 8];
    size_t hdr;

    mld_start(&f);
    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        hdr = ld_mem_req(req, cases[i].ld, cases[i].write, cases[i].be,
                         cases[i].length, cases[i].addr);
        fm_expect_rc(&f, CXL_OP_LD_MEM, req, hdr, CXL_RC_INVALID_INPUT);
    }
    /* A write without its data, a read with some */
    hdr = ld_mem_req(req, 0, true, 0xff, 8, 0);
    fm_expect_rc(&f, CXL_OP_LD_MEM, req, hdr, CXL_RC_INVALID_PAYLOAD_LENGTH);
    hdr = ld_mem_req(req, 0, false, 0xff, 8, 0);
    fm_expect_rc(&f, CXL_OP_LD_MEM, req, hdr + 8,
                 CXL_RC_INVALID_PAYLOAD_LENGTH);
    fm_expect_rc(&f, CXL_OP_LD_MEM, req, 14, CXL_RC_INVALID_PAYLOAD_LENGTH);
    /* An SLD, an empty port, a port beyond the switch */
    req[0] = 0;
    fm_expect_rc(&f, CXL_OP_LD_MEM, req, hdr, CXL_RC_INVALID_INPUT);
    ld_config(&f, 0, 0, PCI_VENDOR_ID, false, 0, CXL_RC_INVALID_INPUT);
    ld_config(&f, 5, 0, PCI_VENDOR_ID, false, 0, CXL_RC_INVALID_INPUT);
    ld_config(&f, MLD_PORT, 2, PCI_VENDOR_ID, false, 0,
              CXL_RC_INVALID_INPUT);
    fm_expect_rc(&f, CXL_OP_LD_CONFIG, req, 11,
                 CXL_RC_INVALID_PAYLOAD_LENGTH);
    fixture_stop(&f);
}

/* query-cxl-vcs and info cxl-vcs show the LDs and where each is bound */
static void test_query(void)
{
    Fixture f;
    QDict *resp, *port = NULL, *ld;
    QList *ports, *lds;
    QListEntry *e;
    char *hmp;
    int n = 0;

    mld_start(&f);
    mld_bind_host(&f, 1, 0, 1, "swport4");
    resp = qtest_qmp(f.qts, "{'execute': 'query-cxl-vcs'}");
    ports = qdict_get_qlist(qobject_to(QDict, qlist_peek(
        qdict_get_qlist(resp, "return"))), "ports");
    QLIST_FOREACH_ENTRY(ports, e) {
        if (n++ == MLD_PORT) {
            port = qobject_to(QDict, qlist_entry_obj(e));
        }
    }
    g_assert_nonnull(port);
    g_assert_cmpstr(qdict_get_str(port, "device"), ==, "mld0");
    g_assert_cmpstr(qdict_get_str(port, "state"), ==, "bound");
    g_assert_cmpuint(qdict_get_int(port, "capacity"), ==, 1024 * 1024 * 1024);
    g_assert_false(qdict_haskey(port, "vcs-id"));
    lds = qdict_get_qlist(port, "lds");
    g_assert_cmpuint(qlist_size(lds), ==, 2);
    ld = qobject_to(QDict, qlist_entry_obj(qlist_first(lds)));
    g_assert_cmpuint(qdict_get_int(ld, "ld-id"), ==, 0);
    g_assert_cmpuint(qdict_get_int(ld, "capacity"), ==, 512 * 1024 * 1024);
    g_assert_false(qdict_get_bool(ld, "realized"));
    g_assert_cmpstr(qdict_get_str(ld, "state"), ==, "unbound");
    g_assert_false(qdict_haskey(ld, "vcs-id"));
    ld = qobject_to(QDict, qlist_entry_obj(qlist_next(qlist_first(lds))));
    g_assert_cmpuint(qdict_get_int(ld, "ld-id"), ==, 1);
    g_assert_true(qdict_get_bool(ld, "realized"));
    g_assert_cmpstr(qdict_get_str(ld, "state"), ==, "bound");
    g_assert_cmpuint(qdict_get_int(ld, "vcs-id"), ==, 1);
    g_assert_cmpuint(qdict_get_int(ld, "vppb"), ==, 0);
    qobject_unref(resp);

    hmp = qtest_hmp(f.qts, "info cxl-vcs");
    g_assert_nonnull(strstr(hmp, "LD 0, 512 MiB"));
    g_assert_nonnull(strstr(hmp, "LD 1, 512 MiB"));
    g_free(hmp);
    fixture_stop(&f);
}

/* Each MLD property is checked when QEMU starts */
static void test_startup_errors(void)
{
    static const struct {
        const char *from, *to, *expected;
    } cases[] = {
        { "num-lds=2", "num-lds=17", "num-lds 17 out of range (1-16)" },
        { "num-lds=2", "num-lds=0", "num-lds 0 out of range (1-16)" },
        { "size=1G ", "size=256M ", "holds less than 256 MiB for each LD" },
        { "num-lds=2,sn=300,vcs=vcs0,dsppb=4",
          "num-lds=2,sn=300,bus=root_port2,addr=0.5",
          "num-lds=2 needs vcs= and dsppb=" },
        { "persistent-memdev=mld-mem", "persistent-memdev=mld-mem,"
          "volatile-memdev=mld-lsa", "takes one of volatile-memdev and "
          "persistent-memdev" },
        { "num-lds=2,", "num-lds=2,cdat=/nonexistent,",
          "cdat cannot be given to a multi-logical device" },
    };

    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autoptr(GString) extra = g_string_new(MLD_DEVICE);
        const char *at = strstr(extra->str, cases[i].from);

        g_assert_nonnull(at);
        g_string_erase(extra, at - extra->str, strlen(cases[i].from));
        g_string_insert(extra, at - extra->str, cases[i].to);
        assert_topology_fails(MLD_SWITCH, extra->str, cases[i].expected);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/cxl-vcs-switch/mld/ld-info", test_ld_info);
    qtest_add_func("/cxl-vcs-switch/mld/set-ld-allocations",
                   test_set_ld_allocations);
    qtest_add_func("/cxl-vcs-switch/mld/qos", test_qos);
    qtest_add_func("/cxl-vcs-switch/mld/two-hosts", test_two_hosts);
    qtest_add_func("/cxl-vcs-switch/mld/bind-errors", test_bind_errors);
    qtest_add_func("/cxl-vcs-switch/mld/ld-requests", test_ld_requests);
    qtest_add_func("/cxl-vcs-switch/mld/ld-request-errors",
                   test_ld_request_errors);
    qtest_add_func("/cxl-vcs-switch/mld/query", test_query);
    qtest_add_func("/cxl-vcs-switch/mld/startup-errors",
                   test_startup_errors);
    return g_test_run();
}
