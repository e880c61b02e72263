/*
 * QTest for usb-cxl-mctp: CXL FM-API over MCTP over USB (DSP0283)
 *
 * Through libqos's EHCI driver: resets the port, enumerates the device,
 * checks its descriptors, sets the configuration, and then runs MCTP the
 * way Linux's mctp-usb driver, mctpd and libcxlmi do.  Expected bytes
 * come from DSP0283/DSP0236 and the CXL FM-API layouts.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/ehci.h"
#include "cxl-fm-utils.h"

#define MEM_BASE 0x1000000
#define DEV_ADDR 1
#define EP_MCTP 1
#define IN_XFER 512

/* MCTP */
#define HOST_EID 8
#define DEV_EID 9
#define SOM 0x80
#define EOM 0x40
#define TO 0x08

#define UUID_STR "c0ffee00-1234-4abc-8def-0123456789ab"
static const uint8_t uuid_bytes[16] = {
    0xc0, 0xff, 0xee, 0x00, 0x12, 0x34, 0x4a, 0xbc,
    0x8d, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
};

typedef struct Host {
    QTestState *qts;
    CXLFMHost pci;
    QEHCI ehci;
    uint8_t dev_eid;        /* EID requests go to */
    uint8_t src_eid;        /* EID responses come from */
    uint8_t tag;
    uint8_t iid;
    char *dir;
} Host;

/* What the fuzz target cxl-vcs-mctp takes as its seeds */
#define FUZZ_TARGET "cxl-vcs-mctp"

static size_t control(Host *h, uint8_t type, uint8_t req, uint16_t value,
                      uint16_t index, void *data, uint16_t len)
{
    uint8_t setup[8] = { type, req };

    stw_le_p(setup + 2, value);
    stw_le_p(setup + 4, index);
    stw_le_p(setup + 6, len);
    cxl_fm_fuzz_record(FUZZ_TARGET, CXL_FUZZ_USB_CTRL, setup, 8, data,
                       type & 0x80 ? 0 : len);
    return qehci_control(&h->ehci, type, req, value, index, data, len);
}

static void bulk_out(Host *h, const void *buf, size_t len)
{
    cxl_fm_fuzz_record(FUZZ_TARGET, CXL_FUZZ_USB_OUT, buf, len, NULL, 0);
    qehci_bulk_out(&h->ehci, buf, len);
}

/* One IN transfer; 0 if the device had nothing to send within @ms */
static size_t bulk_in(Host *h, uint8_t *buf, int ms)
{
    static const uint8_t one;

    cxl_fm_fuzz_record(FUZZ_TARGET, CXL_FUZZ_USB_IN, &one, 1, NULL, 0);
    return qehci_bulk_in(&h->ehci, buf, IN_XFER, ms);
}

static void host_start(Host *h, const char *target, const char *extra)
{
    g_autofree char *args = NULL;
    uint8_t desc[8];
    int ehci;

    h->dir = g_dir_make_tmp("cxl-mctp-XXXXXX", NULL);
    args = g_strdup_printf(
        "-machine q35,cxl=on -m 256M -device usb-ehci,id=ehci,bus=pcie.0 "
        "-object memory-backend-file,id=mem0,share=on,"
        "mem-path=%s/mem0,size=256M "
        "-object memory-backend-file,id=lsa0,share=on,"
        "mem-path=%s/lsa0,size=1M "
        "-object cxl-vcs-switch,id=vcs0,usp-ppbs=2,dsp-ppbs=2 "
        "-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0 "
        "-device cxl-rp,port=0,bus=cxl.0,id=rp0,chassis=0,slot=1 "
        "-device pxb-cxl,bus_nr=22,bus=pcie.0,id=cxl.1 "
        "-device cxl-rp,port=0,bus=cxl.1,id=rp1,chassis=1,slot=1 "
        "-device cxl-upstream,port=0,sn=1234,bus=rp0,id=us0,vcs=vcs0,"
        "usppb=0 "
        "-device cxl-upstream,port=0,sn=5678,bus=rp1,id=us1,vcs=vcs0,"
        "usppb=1 "
        "-device cxl-downstream,port=0,bus=us0,id=swport0,slot=3 "
        "-device cxl-downstream,port=1,bus=us0,id=swport1,slot=4 "
        "-device cxl-downstream,port=0,bus=us1,id=swport2,slot=5 "
        "-device cxl-type3,persistent-memdev=mem0,lsa=lsa0,id=ep0,sn=99,"
        "vcs=vcs0,dsppb=0 "
        "%s -device usb-cxl-mctp,bus=ehci.0,id=mctp0,uuid=" UUID_STR
        ",target=%s", h->dir, h->dir, extra, target);
    h->qts = qtest_init(args);
    h->tag = 0;
    h->iid = 0;
    h->dev_eid = 0;
    h->src_eid = 0;

    /* The host controller, and the device on its first port */
    cxl_fm_host_init(&h->pci, h->qts);
    cxl_fm_enumerate(&h->pci, 0);
    ehci = cxl_fm_find(&h->pci, 0x8086, 0x24cd, 0);
    g_assert_cmpint(ehci, >=, 0);
    qehci_init(&h->ehci, h->qts, cxl_fm_bar(&h->pci, ehci, 0), MEM_BASE,
               DEV_ADDR, EP_MCTP, 512, desc);
}

/* Reset the controller and the port, so the device, and set it up again */
static void host_reset_usb(Host *h)
{
    int ehci = cxl_fm_find(&h->pci, 0x8086, 0x24cd, 0);
    uint8_t desc[8];

    cxl_fm_fuzz_record(FUZZ_TARGET, CXL_FUZZ_USB_RESET, NULL, 0, NULL, 0);
    qehci_init(&h->ehci, h->qts, cxl_fm_bar(&h->pci, ehci, 0), MEM_BASE,
               DEV_ADDR, EP_MCTP, 512, desc);
    h->tag = 0;
    h->iid = 0;
    h->dev_eid = 0;
    h->src_eid = 0;
}

static void host_configure(Host *h)
{
    control(h, 0x00, 9, 1, 0, NULL, 0);
}

static void host_stop(Host *h)
{
    g_autofree char *mem = g_build_filename(h->dir, "mem0", NULL);
    g_autofree char *lsa = g_build_filename(h->dir, "lsa0", NULL);

    cxl_fm_host_cleanup(&h->pci);
    qtest_quit(h->qts);
    unlink(mem);
    unlink(lsa);
    rmdir(h->dir);
    g_free(h->dir);
}

/* A DSP0283 packet around an MCTP packet */
static void frame(GByteArray *out, uint8_t dst, uint8_t flags,
                  const uint8_t *payload, size_t len)
{
    uint8_t hdr[8] = { 0x1a, 0xb4, 0x00, 8 + len, 0x01, dst, HOST_EID, flags };

    g_byte_array_append(out, hdr, sizeof(hdr));
    g_byte_array_append(out, payload, len);
}

/* Send @msg as a request, in packets of @mtu payload bytes each */
static uint8_t send_msg(Host *h, const uint8_t *msg, size_t len, size_t mtu)
{
    uint8_t tag = h->tag++ & 7;
    uint8_t seq = 0;

    for (size_t off = 0; off < len; off += mtu, seq++) {
        g_autoptr(GByteArray) out = g_byte_array_new();
        size_t n = MIN(mtu, len - off);

        frame(out, h->dev_eid, (off ? 0 : SOM) | (off + n == len ? EOM : 0) |
              (seq & 3) << 4 | TO | tag, msg + off, n);
        bulk_out(h, out->data, out->len);
    }
    return tag;
}

/*
 * Receive one response message for @tag; checks every DSP0283 and MCTP
 * header on the way and that no packet exceeds @mtu payload bytes.
 */
static GByteArray *recv_msg_mtu(Host *h, uint8_t tag, size_t mtu)
{
    GByteArray *msg = g_byte_array_new();
    uint8_t buf[IN_XFER];
    uint8_t seq = 0;
    bool eom = false;

    while (!eom) {
        size_t len = bulk_in(h, buf, 100), off = 0;

        g_assert_cmpuint(len, >, 0);
        while (off < len) {
            uint8_t *p = buf + off;
            uint8_t plen = p[3];

            g_assert_cmphex(lduw_be_p(p), ==, 0x1ab4);
            g_assert_cmpuint(plen, >=, 9);
            g_assert_cmpuint(off + plen, <=, len);
            g_assert_cmphex(p[4], ==, 0x01);
            g_assert_cmphex(p[5], ==, HOST_EID);
            g_assert_cmphex(p[6], ==, h->src_eid);
            g_assert_cmphex(p[7] & 0x0f, ==, tag);  /* TO clear */
            g_assert_cmpuint(!!(p[7] & SOM), ==, msg->len == 0);
            g_assert_cmpuint((p[7] >> 4) & 3, ==, seq++ & 3);
            eom = p[7] & EOM;
            if (!eom) {
                g_assert_cmpuint(plen - 8, ==, mtu);
            }
            g_assert_cmpuint(plen - 8, <=, mtu);
            g_byte_array_append(msg, p + 8, plen - 8);
            off += plen;
        }
        g_assert_true(eom || off == len);
    }
    return msg;
}

static GByteArray *recv_msg(Host *h, uint8_t tag)
{
    return recv_msg_mtu(h, tag, 64);
}

static void expect_no_response(Host *h)
{
    uint8_t buf[IN_XFER];

    g_assert_cmpuint(bulk_in(h, buf, 20), ==, 0);
}

static void assert_msg(GByteArray *msg, const uint8_t *want, size_t len)
{
    cxl_fm_assert_bytes(msg->data, msg->len, want, len);
    g_byte_array_unref(msg);
}

/* The payload of CCI response @msg is @len bytes @want */
static void assert_msg_payload(GByteArray *msg, const uint8_t *want,
                               size_t len)
{
    cxl_fm_assert_bytes(msg->data + 13, msg->len - 13, want, len);
    g_byte_array_unref(msg);
}

/* A control request; returns the response with IID and command checked */
static GByteArray *ctrl(Host *h, uint8_t cmd, const uint8_t *data,
                        size_t len)
{
    uint8_t req[16] = { 0x00, 0x80 | (h->iid & 0x1f), cmd };
    GByteArray *rsp;
    uint8_t tag;

    if (len) {
        memcpy(req + 3, data, len);
    }
    tag = send_msg(h, req, 3 + len, 64);
    rsp = recv_msg(h, tag);
    g_assert_cmpuint(rsp->len, >=, 4);
    g_assert_cmphex(rsp->data[1], ==, h->iid++ & 0x1f);
    g_assert_cmphex(rsp->data[2], ==, cmd);
    return rsp;
}

/* Send a CCI request on MCTP message type @type; returns its MCTP tag */
static uint8_t cci_send(Host *h, uint8_t type, uint16_t opcode,
                        const void *pl, size_t len)
{
    g_autofree uint8_t *req = g_malloc0(13 + len);

    req[0] = type;
    req[2] = (h->tag & 7) * 3 + 1;
    req[4] = opcode & 0xff;
    req[5] = opcode >> 8;
    st24_le_p(req + 6, len);
    if (len) {
        memcpy(req + 13, pl, len);
    }
    return send_msg(h, req, 13 + len, 64);
}

/*
 * The response to the request cci_send() sent with MCTP tag @tag, its
 * headers checked
 */
static GByteArray *cci_recv(Host *h, uint8_t tag, uint8_t type,
                            uint16_t opcode, uint16_t rc)
{
    GByteArray *rsp = recv_msg(h, tag);

    g_assert_cmpuint(rsp->len, >=, 13);
    g_assert_cmphex(rsp->data[0], ==, type);
    g_assert_cmphex(rsp->data[1], ==, 1);
    g_assert_cmphex(rsp->data[2], ==, tag * 3 + 1);
    g_assert_cmphex(rsp->data[4], ==, opcode & 0xff);
    g_assert_cmphex(rsp->data[5], ==, opcode >> 8);
    g_assert_cmpuint(ldl_le_p(rsp->data + 5) >> 8 & 0x1fffff, ==,
                     rsp->len - 13);
    g_assert_cmphex(lduw_le_p(rsp->data + 9), ==, rc);
    return rsp;
}

/* A CCI request on MCTP message type @type; returns the response */
static GByteArray *cci(Host *h, uint8_t type, uint16_t opcode,
                       const void *pl, size_t len, uint16_t rc)
{
    uint8_t tag = cci_send(h, type, opcode, pl, len);

    return cci_recv(h, tag, type, opcode, rc);
}

/* mctpd's SetupEndpoint: Get EID, Set EID, Get Message Type Support */
static void setup_endpoint(Host *h)
{
    static const uint8_t get_eid[] = { 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                                       0x00 };
    static const uint8_t set_eid_req[] = { 0x00, DEV_EID };
    static const uint8_t set_eid[] = { 0x00, 0x01, 0x01, 0x00, 0x00,
                                       DEV_EID, 0x00 };
    static const uint8_t types[] = { 0x00, 0x02, 0x05, 0x00, 0x02, 0x07,
                                     0x08 };

    assert_msg(ctrl(h, 0x02, NULL, 0), get_eid, sizeof(get_eid));
    /* The response to Set EID comes from the new EID */
    h->src_eid = DEV_EID;
    assert_msg(ctrl(h, 0x01, set_eid_req, 2), set_eid, sizeof(set_eid));
    h->dev_eid = DEV_EID;
    assert_msg(ctrl(h, 0x05, NULL, 0), types, sizeof(types));
}

static void test_descriptors(void)
{
    Host h;
    static const uint8_t dev_desc[18] = {
        18, 1, 0x00, 0x02, 0x00, 0x00, 0x00, 64,
        0xf4, 0x46, 0x06, 0x00, 0x00, 0x00, 1, 2, 3, 1,
    };
    static const uint8_t conf_desc[32] = {
        9, 2, 32, 0, 1, 1, 4, 0x80, 50,
        /* interface: MCTP class 14h, subclass 00h, protocol 01h */
        9, 4, 0, 0, 2, 0x14, 0x00, 0x01, 5,
        /* bulk OUT 01h and IN 81h, 512 bytes at high speed */
        7, 5, 0x01, 0x02, 0x00, 0x02, 0,
        7, 5, 0x81, 0x02, 0x00, 0x02, 0,
    };
    uint8_t buf[64];

    host_start(&h, "vcs0", "");
    g_assert_cmpuint(control(&h, 0x80, 6, 0x0100, 0, buf, 18), ==, 18);
    cxl_fm_assert_bytes(buf, 18, dev_desc, sizeof(dev_desc));
    g_assert_cmpuint(control(&h, 0x80, 6, 0x0200, 0, buf, 64), ==, 32);
    cxl_fm_assert_bytes(buf, 32, conf_desc, sizeof(conf_desc));
    /* The full-speed configuration, as other-speed configuration */
    g_assert_cmpuint(control(&h, 0x80, 6, 0x0700, 0, buf, 64), ==, 32);
    g_assert_cmphex(lduw_le_p(buf + 9 + 9 + 4), ==, 64);
    g_assert_cmphex(lduw_le_p(buf + 9 + 9 + 7 + 4), ==, 64);
    host_configure(&h);
    g_assert_cmpuint(control(&h, 0x80, 8, 0, 0, buf, 1), ==, 1);
    g_assert_cmpuint(buf[0], ==, 1);
    host_stop(&h);
}

static void test_control(void)
{
    Host h;
    /* IIDs 0-2 went to SetupEndpoint */
    static const uint8_t get_eid[] = { 0x00, 0x04, 0x02, 0x00, DEV_EID,
                                       0x00, 0x00 };
    static const uint8_t version_req[] = { 0xff };
    static const uint8_t version[] = { 0x00, 0x05, 0x04, 0x00, 0x01,
                                       0xf1, 0xf3, 0xf1, 0x00 };
    static const uint8_t version_cxl_req[] = { 0x07 };
    static const uint8_t version_cxl[] = { 0x00, 0x06, 0x04, 0x00, 0x01,
                                           0xf1, 0xf0, 0xf0, 0x00 };
    static const uint8_t version_bad_req[] = { 0x7e };
    static const uint8_t version_bad[] = { 0x00, 0x07, 0x04, 0x80 };
    static const uint8_t bad_eid_req[] = { 0x00, 0xff };
    static const uint8_t bad_eid[] = { 0x00, 0x08, 0x01, 0x02 };
    static const uint8_t vdm[] = { 0x00, 0x09, 0x06, 0x05 };
    uint8_t uuid[20] = { 0x00, 0x03, 0x03, 0x00 };

    host_start(&h, "vcs0", "");
    host_configure(&h);
    setup_endpoint(&h);
    memcpy(uuid + 4, uuid_bytes, 16);
    assert_msg(ctrl(&h, 0x03, NULL, 0), uuid, sizeof(uuid));
    /* Physical addressing still works once the EID is set */
    h.dev_eid = 0;
    assert_msg(ctrl(&h, 0x02, NULL, 0), get_eid, sizeof(get_eid));
    h.dev_eid = DEV_EID;
    assert_msg(ctrl(&h, 0x04, version_req, 1), version, sizeof(version));
    assert_msg(ctrl(&h, 0x04, version_cxl_req, 1), version_cxl,
               sizeof(version_cxl));
    assert_msg(ctrl(&h, 0x04, version_bad_req, 1), version_bad,
               sizeof(version_bad));
    assert_msg(ctrl(&h, 0x01, bad_eid_req, 2), bad_eid, sizeof(bad_eid));
    /* Get Vendor Defined Message Support: not supported */
    assert_msg(ctrl(&h, 0x06, NULL, 0), vdm, sizeof(vdm));
    host_stop(&h);
}

static void test_identify_vcs(void)
{
    Host h;
    static const uint8_t identify[18] = {
        0xe5, 0x19, 0x28, 0xa1, 0x00, 0x00, 0x00, 0x00,
        0xd2, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        10, 0x00,
    };
    static const uint8_t info_req[] = { 0, 4, 2, 0, 1 };
    static const uint8_t info[] = {
        2, 0, 0, 0,
        0, 1, 2, 2,   0, 0xff, 0xff, 0,   0, 0xff, 0xff, 0,
        1, 1, 3, 1,   0, 0xff, 0xff, 0,
    };
    static const uint8_t limit8[] = { 8 };
    static const uint8_t limit11[] = { 11 };
    g_autoptr(GByteArray) rsp = NULL;

    host_start(&h, "vcs0", "");
    host_configure(&h);
    setup_endpoint(&h);
    /* libcxlmi's open: Identify on type 8, exactly 18 bytes, a switch */
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_IDENTIFY, NULL, 0, 0);
    cxl_fm_assert_bytes(rsp->data + 13, rsp->len - 13, identify,
                    sizeof(identify));
    g_byte_array_unref(g_steal_pointer(&rsp));

    rsp = cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_VCS_INFO, info_req,
              sizeof(info_req), 0);
    cxl_fm_assert_bytes(rsp->data + 13, rsp->len - 13, info, sizeof(info));
    g_byte_array_unref(g_steal_pointer(&rsp));

    /* Wrong message type for the command set: Unsupported */
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_VCS_INFO, info_req,
                           sizeof(info_req), CXL_RC_UNSUPPORTED));
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_IDENTIFY, NULL, 0,
                           CXL_RC_UNSUPPORTED));

    /* Response Message Limit: 2^10 by default, and honoured when set */
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_RSP_MSG_LIMIT, NULL, 0, 0);
    g_assert_cmpuint(rsp->len, ==, 14);
    g_assert_cmpuint(rsp->data[13], ==, 10);
    g_byte_array_unref(g_steal_pointer(&rsp));
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_RSP_MSG_LIMIT, limit8, 1, 0);
    g_assert_cmpuint(rsp->len, ==, 14);
    g_assert_cmpuint(rsp->data[13], ==, 8);
    g_byte_array_unref(g_steal_pointer(&rsp));
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_RSP_MSG_LIMIT,
                           limit11, 1, CXL_RC_INVALID_INPUT));
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_IDENTIFY, NULL, 0, 0);
    g_assert_cmpuint(rsp->data[13 + 16], ==, 8);
    host_stop(&h);
}

/* Bind and unbind over MCTP; completion through Background Op Status */
static void test_bind_unbind(void)
{
    Host h;
    static const uint8_t bind_req[] = { 0, 1, 0, 0, 0xff, 0xff };
    static const uint8_t unbind_req[] = { 0, 1, 2 };
    static const uint8_t bg_bind_done[] = { 0x64 << 1, 0, 0x01, 0x52,
                                            0, 0, 0, 0 };
    static const uint8_t bg_unbind_done[] = { 0x64 << 1, 0, 0x02, 0x52,
                                              0, 0, 0, 0 };
    static const uint8_t info_req[] = { 1, 1, 1, 0 };
    static const uint8_t bound[] = { 1, 0, 0, 0, 0, 1, 2, 2,
                                     2, 0, 0xff, 0 };
    static const uint8_t info_log[1] = { 0 };
    static const uint8_t clear_all[6] = { 0, 0x01 };
    static const uint8_t msi_policy[4] = { 0x01 };
    /* VCS, vPPB, binding change, status, port, LD */
    static const uint8_t vcs_events[2][6] = {
        { 0, 1, 0, 2, 0, 0xff },
        { 0, 1, 0, 0, 0xff, 0xff },
    };
    g_autoptr(GByteArray) rsp = NULL;
    QDict *resp;

    host_start(&h, "vcs0", "");
    host_configure(&h);
    setup_endpoint(&h);

    rsp = cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_BIND, bind_req, sizeof(bind_req),
              CXL_RC_BG_STARTED);
    g_assert_cmpuint(rsp->len, ==, 13);
    g_assert_cmphex(rsp->data[8] & 0x80, ==, 0x80);  /* BO */
    g_byte_array_unref(g_steal_pointer(&rsp));
    qtest_clock_step(h.qts, 100 * 1000 * 1000);
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_BG_OP_STATUS, NULL, 0, 0);
    cxl_fm_assert_bytes(rsp->data + 13, rsp->len - 13, bg_bind_done,
                    sizeof(bg_bind_done));
    g_byte_array_unref(g_steal_pointer(&rsp));
    rsp = cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_VCS_INFO, info_req,
              sizeof(info_req), 0);
    cxl_fm_assert_bytes(rsp->data + 13, rsp->len - 13, bound, sizeof(bound));
    g_byte_array_unref(g_steal_pointer(&rsp));
    resp = qtest_qmp(h.qts, "{'execute': 'qom-list', 'arguments': "
                     "{'path': '/machine/peripheral/ep0/host-function'}}");
    g_assert_false(qdict_haskey(resp, "error"));
    qobject_unref(resp);

    rsp = cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_UNBIND, unbind_req,
              sizeof(unbind_req), CXL_RC_BG_STARTED);
    g_byte_array_unref(g_steal_pointer(&rsp));
    qtest_clock_step(h.qts, 1);
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_BG_OP_STATUS, NULL, 0, 0);
    cxl_fm_assert_bytes(rsp->data + 13, rsp->len - 13, bg_unbind_done,
                    sizeof(bg_unbind_done));
    resp = qtest_qmp(h.qts, "{'execute': 'qom-list', 'arguments': "
                     "{'path': '/machine/peripheral/ep0/host-function'}}");
    g_assert_true(qdict_haskey(resp, "error"));
    qobject_unref(resp);
    g_byte_array_unref(g_steal_pointer(&rsp));

    /*
     * Over MCTP too, the FM reads the bind's and the unbind's records in
     * the informational log (type 8, generic commands) and clears them
     */
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_EVENT_RECORDS, info_log, 1, 0);
    g_assert_cmpuint(rsp->len, ==, 13 + 0x20 + 4 * 0x80);
    g_assert_cmpuint(lduw_le_p(rsp->data + 13 + 0x14), ==, 4);
    for (int i = 0; i < 4; i++) {
        const uint8_t *rec = rsp->data + 13 + 0x20 + i * 0x80;

        /* A VCS record, then a Physical Switch record for port 0 */
        g_assert_cmphex(rec[0], ==, i % 2 ? 0x77 : 0x40);
        g_assert_cmpuint(lduw_le_p(rec + 0x14), ==, i + 1);
        if (i % 2) {
            g_assert_cmphex(rec[0x30], ==, 0);
        } else {
            cxl_fm_assert_bytes(rec + 0x30, 6, vcs_events[i / 2], 6);
        }
    }
    g_byte_array_unref(g_steal_pointer(&rsp));
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_CLEAR_EVENT_RECORDS, clear_all,
              sizeof(clear_all), 0);
    g_byte_array_unref(g_steal_pointer(&rsp));
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_EVENT_RECORDS, info_log, 1, 0);
    g_assert_cmpuint(rsp->len, ==, 13 + 0x20);
    g_byte_array_unref(g_steal_pointer(&rsp));

    /* The logs are the switch's: MCTP may ask for its interrupts too */
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_INT_POLICY, msi_policy,
              sizeof(msi_policy), CXL_RC_SUCCESS);
    host_stop(&h);
}

/*
 * The FM's two transports at once, the switch mailbox and MCTP: they
 * share the switch's one bind or unbind at a time (the other transport
 * gets Busy), each gets its own responses even when interleaved, and
 * both read the same event log.
 */
static void test_concurrent_fm(void)
{
    static const uint8_t bind_req[] = { 0, 1, 0, 0, 0xff, 0xff };
    static const uint8_t bind2_req[] = { 0, 0, 1, 0, 0xff, 0xff };
    static const uint8_t unbind_req[] = { 0, 1, 2 };
    static const uint8_t info_req[] = { 0, 2, 1, 0 };
    static const uint8_t info_log[1] = { 0 };
    /* VCS 0's two vPPBs while vPPB 1's bind is in progress, once bound */
    static const uint8_t binding[] = { 1, 0, 0, 0, 0, 1, 2, 2,
                                       0, 0xff, 0xff, 0, 1, 0, 0xff, 0 };
    static const uint8_t bound[] = { 1, 0, 0, 0, 0, 1, 2, 2,
                                     0, 0xff, 0xff, 0, 2, 0, 0xff, 0 };
    static const uint8_t both[] = { 1, 0, 0, 0, 0, 1, 2, 2,
                                    2, 1, 0xff, 0, 2, 0, 0xff, 0 };
    g_autofree uint8_t *mb_out = g_malloc(4096);
    g_autoptr(GByteArray) rsp = NULL;
    CXLFMMailbox mb;
    Host h;
    size_t len;
    uint16_t op, rc;
    uint8_t pct, tag;
    int dev;

    host_start(&h, "vcs0",
               "-object memory-backend-ram,id=mem1,size=256M "
               "-device cxl-type3,volatile-memdev=mem1,id=ep1,sn=100,"
               "vcs=vcs0,dsppb=1 "
               "-device cxl-switch-mailbox-cci,bus=pcie.0,target=vcs0");
    host_configure(&h);
    setup_endpoint(&h);
    dev = cxl_fm_find(&h.pci, 0x19e5, 0xa123, 0);
    g_assert_cmpint(dev, >=, 0);
    cxl_fm_mbox_init(&mb, &h.pci, dev, 0);

    /* The mailbox starts a bind; MCTP's bind and unbind are Busy */
    len = 4096;
    g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_BIND, bind_req,
                                    sizeof(bind_req), mb_out, &len),
                    ==, CXL_RC_BG_STARTED);
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_BIND, bind_req,
                           sizeof(bind_req), CXL_RC_BUSY));
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_UNBIND,
                           unbind_req, sizeof(unbind_req), CXL_RC_BUSY));

    /*
     * MCTP's Get VCS Info sees the bind in progress; its response waits
     * while the mailbox asks the same
     */
    tag = cci_send(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_VCS_INFO, info_req,
                   sizeof(info_req));
    len = 4096;
    g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_VCS_INFO, info_req,
                                    sizeof(info_req), mb_out, &len),
                    ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(mb_out, len, binding, sizeof(binding));
    assert_msg_payload(cci_recv(&h, tag, MCTP_TYPE_CXL_FMAPI,
                                CXL_OP_VCS_INFO, CXL_RC_SUCCESS),
                       binding, sizeof(binding));

    /* The bind completes on the mailbox's CCI only */
    qtest_clock_step(h.qts, 100 * 1000 * 1000);
    cxl_fm_mbox_bg(&mb, &op, &pct, &rc);
    g_assert_cmphex(op, ==, CXL_OP_BIND);
    g_assert_cmpuint(pct, ==, 100);
    g_assert_cmphex(rc, ==, CXL_RC_SUCCESS);
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_BG_OP_STATUS, NULL, 0, 0);
    g_assert_cmphex(lduw_le_p(rsp->data + 13 + 2), ==, 0);
    g_byte_array_unref(g_steal_pointer(&rsp));
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_VCS_INFO,
                           info_req, sizeof(info_req), CXL_RC_SUCCESS),
                       bound, sizeof(bound));

    /* MCTP binds the other device; the mailbox's unbind is Busy meanwhile */
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_BIND, bind2_req,
                           sizeof(bind2_req), CXL_RC_BG_STARTED));
    len = 4096;
    g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_UNBIND, unbind_req,
                                    sizeof(unbind_req), mb_out, &len),
                    ==, CXL_RC_BUSY);
    qtest_clock_step(h.qts, 100 * 1000 * 1000);
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_BG_OP_STATUS, NULL, 0, 0);
    g_assert_cmphex(lduw_le_p(rsp->data + 13 + 2), ==, CXL_OP_BIND);
    g_assert_cmpuint(rsp->data[13] >> 1, ==, 100);
    g_assert_cmphex(lduw_le_p(rsp->data + 13 + 4), ==, CXL_RC_SUCCESS);
    g_byte_array_unref(g_steal_pointer(&rsp));
    len = 4096;
    g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_VCS_INFO, info_req,
                                    sizeof(info_req), mb_out, &len),
                    ==, CXL_RC_SUCCESS);
    cxl_fm_assert_bytes(mb_out, len, both, sizeof(both));

    /*
     * One log for both: each bind's VCS record and link record, and none
     * for the commands refused as Busy
     */
    len = 4096;
    g_assert_cmphex(cxl_fm_mbox_cmd(&mb, CXL_OP_GET_EVENT_RECORDS, info_log,
                                    1, mb_out, &len), ==, CXL_RC_SUCCESS);
    g_assert_cmpuint(len, ==, 0x20 + 4 * 0x80);
    g_assert_cmpuint(lduw_le_p(mb_out + 0x14), ==, 4);
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_EVENT_RECORDS,
                           info_log, 1, CXL_RC_SUCCESS), mb_out, len);
    host_stop(&h);
}

/*
 * What libcxlmi reads of the switch over MCTP: Identify Switch Device
 * with the ingress port an index (0, the MCTP port), and Get/Set Event
 * Interrupt Policy in their five-byte layout, Dynamic Capacity last.
 * The MCTP transport keeps its own settings; it has no MSI/MSI-X vectors.
 */
static void test_event_policy(void)
{
    Host h;
    static const uint8_t ident_sw[0x49] = {
        [0x00] = 0,             /* ingress port: the MCTP port */
        [0x02] = 4,             /* physical ports */
        [0x03] = 2,             /* VCSs */
        [0x04] = 0x0d,          /* active ports: 0 (ep0), 2 and 3 (USPs) */
        [0x24] = 0x03,          /* active VCSs */
        [0x44] = 3,             /* total vPPBs */
        [0x48] = 4,             /* HDM decoders per USP */
    };
    static const uint8_t none[5];
    static const uint8_t dcd_msi[5] = { 0, 0, 0, 0, 0x01 };
    static const uint8_t info_msi_vec[4] = { 0xf1 };
    static const uint8_t info_msi[5] = { 0x01, 0, 0, 0, 0x01 };
    static const uint8_t fw[5] = { 0x02 };
    static const uint8_t info_warn[2] = { 0x03, 0x00 };
    static const uint8_t reserved[2] = { 0xe1, 0xff };
    g_autoptr(GByteArray) rsp = NULL;

    host_start(&h, "vcs0", "");
    host_configure(&h);
    setup_endpoint(&h);
    rsp = cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_IDENTIFY_SWITCH, NULL, 0, 0);
    cxl_fm_assert_bytes(rsp->data + 13, rsp->len - 13, ident_sw,
                        sizeof(ident_sw));
    g_byte_array_unref(g_steal_pointer(&rsp));

    /* Event Interrupt Policy: five bytes, each log's mode kept */
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_INT_POLICY,
                           NULL, 0, 0), none, sizeof(none));
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_INT_POLICY,
                           dcd_msi, 5, 0), NULL, 0);
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_INT_POLICY,
                           NULL, 0, 0), dcd_msi, sizeof(dcd_msi));
    /* Four bytes leave Dynamic Capacity's; vector bits are the device's */
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_INT_POLICY,
                           info_msi_vec, 4, 0), NULL, 0);
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_INT_POLICY,
                           NULL, 0, 0), info_msi, sizeof(info_msi));
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_INT_POLICY, fw,
                           5, CXL_RC_INVALID_INPUT));
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_INT_POLICY, fw,
                           3, CXL_RC_INVALID_PAYLOAD_LENGTH));
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_INT_POLICY,
                           NULL, 0, 0), info_msi, sizeof(info_msi));

    /* MCTP Event Interrupt Policy: a bit per log, reserved bits dropped */
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_MCTP_INT_POLICY,
                           NULL, 0, 0), none, 2);
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_MCTP_INT_POLICY,
                           info_warn, 2, 0), NULL, 0);
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_MCTP_INT_POLICY,
                           NULL, 0, 0), info_warn, 2);
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_MCTP_INT_POLICY,
                           reserved, 2, 0), NULL, 0);
    assert_msg_payload(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_MCTP_INT_POLICY,
                           NULL, 0, 0), (const uint8_t[]){ 0x01, 0x00 }, 2);
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_MCTP_INT_POLICY,
                           reserved, 1, CXL_RC_INVALID_PAYLOAD_LENGTH));
    host_stop(&h);
}

/*
 * The Event Notification a log's first record sends: one packet, a
 * request (tag owner set) from the device's EID to the FM's, CCI message
 * type, Events 01h command 06h, the log as a bit
 */
static void expect_notification(Host *h, uint8_t mctp_tag, uint8_t cci_tag,
                                uint8_t log)
{
    const uint8_t want[8 + 15] = {
        0x1a, 0xb4, 0x00, 8 + 15,
        0x01, HOST_EID, DEV_EID, SOM | EOM | TO | mctp_tag,
        0x08, 0x00, cci_tag, 0x00, 0x06, 0x01, 0x02, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 1 << log, 0x00,
    };
    uint8_t buf[IN_XFER];
    size_t len = bulk_in(h, buf, 100);

    cxl_fm_assert_bytes(buf, len, want, sizeof(want));
}

/* The FM's response to the Event Notification with @mctp_tag, @cci_tag */
static void ack_notification(Host *h, uint8_t mctp_tag, uint8_t cci_tag)
{
    const uint8_t rsp[13] = { 0x08, 0x01, cci_tag, 0x00, 0x06, 0x01 };
    g_autoptr(GByteArray) out = g_byte_array_new();

    frame(out, DEV_EID, SOM | EOM | mctp_tag, rsp, sizeof(rsp));
    bulk_out(h, out->data, out->len);
    expect_no_response(h);
}

/*
 * MCTP event notification: once the FM set the MCTP Event Interrupt
 * Policy, a log that gains its first record sends it an Event
 * Notification, so it learns of a bind's completion without polling
 */
static void test_event_notification(void)
{
    Host h;
    static const uint8_t bind_req[] = { 0, 1, 0, 0, 0xff, 0xff };
    static const uint8_t unbind_req[] = { 0, 1, 2 };
    static const uint8_t info_msi[4] = { 0x01 };
    static const uint8_t info[2] = { 0x01, 0x00 };
    static const uint8_t clear_all[6] = { 0, 0x01 };
    g_autoptr(GByteArray) rsp = NULL;

    host_start(&h, "vcs0", "");
    host_configure(&h);
    setup_endpoint(&h);

    /* Interrupts, but no MCTP notifications, asked for: nothing sent */
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_INT_POLICY,
                           info_msi, 4, 0));
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_BIND, bind_req,
                           sizeof(bind_req), CXL_RC_BG_STARTED));
    qtest_clock_step(h.qts, 100 * 1000 * 1000);
    expect_no_response(&h);
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_CLEAR_EVENT_RECORDS,
                           clear_all, sizeof(clear_all), 0));

    /* Asked for the informational log: the unbind's record notifies */
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_SET_MCTP_INT_POLICY,
                           info, 2, 0));
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_UNBIND,
                           unbind_req, sizeof(unbind_req),
                           CXL_RC_BG_STARTED));
    qtest_clock_step(h.qts, 1);
    expect_notification(&h, 0, 0, 0);
    /* The log was not empty for the link change's record: no second one */
    expect_no_response(&h);
    ack_notification(&h, 0, 0);

    /* An unread notification does not hold up the FM's next request */
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_CLEAR_EVENT_RECORDS,
                           clear_all, sizeof(clear_all), 0));
    g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_BIND, bind_req,
                           sizeof(bind_req), CXL_RC_BG_STARTED));
    qtest_clock_step(h.qts, 100 * 1000 * 1000);
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_BG_OP_STATUS, NULL, 0, 0);
    g_byte_array_unref(g_steal_pointer(&rsp));
    expect_notification(&h, 1, 1, 0);
    ack_notification(&h, 1, 1);

    /* Sent to the device, an Event Notification is discarded */
    send_msg(&h, (const uint8_t[]){ 0x08, 0, 0x33, 0, 0x06, 0x01, 2, 0, 0,
                                     0, 0, 0, 0, 0x01, 0x00 }, 15, 64);
    expect_no_response(&h);

    /* A USB reset forgets what the FM asked for */
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_MCTP_INT_POLICY, NULL, 0, 0);
    g_assert_cmpmem(rsp->data + 13, rsp->len - 13, info, sizeof(info));
    g_byte_array_unref(g_steal_pointer(&rsp));
    host_reset_usb(&h);
    host_configure(&h);
    setup_endpoint(&h);
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_GET_MCTP_INT_POLICY, NULL, 0, 0);
    g_assert_cmpmem(rsp->data + 13, rsp->len - 13, ((uint8_t[]){ 0, 0 }), 2);
    host_stop(&h);
}

/*
 * Get VCS Info for @n VCS ids (0, 1 and n - 2 invalid ones): a request
 * and a response larger than one packet.  The request goes in packets of
 * @mtu payload bytes; the device answers in packets of the largest size
 * it has received from the host.
 */
static void vcs_info_fragmented(Host *h, unsigned n, size_t mtu)
{
    g_autofree uint8_t *req = g_malloc0(13 + 3 + n);
    g_autoptr(GByteArray) rsp = NULL;
    uint8_t tag;

    req[0] = 0x07;
    req[5] = 0x52;
    st24_le_p(req + 6, 3 + n);
    req[14] = 4;
    req[15] = n;
    for (unsigned i = 0; i < n; i++) {
        req[16 + i] = i;
    }
    tag = send_msg(h, req, 16 + n, mtu);
    rsp = recv_msg_mtu(h, tag, mtu);
    /* 4 + (4 + 2 x 4) + (4 + 1 x 4) + (n - 2) x 4 */
    g_assert_cmpuint(rsp->len, ==, 13 + 4 + 12 + 8 + (n - 2) * 4);
    g_assert_cmphex(lduw_le_p(rsp->data + 9), ==, 0);
    g_assert_cmpuint(rsp->data[13], ==, n);
    for (unsigned i = 2; i < n; i++) {
        g_assert_cmpmem(rsp->data + 13 + 4 + 12 + 8 + (i - 2) * 4, 4,
                        ((uint8_t[]){ i, 0xff, 0, 0 }), 4);
    }
}

static void test_fragmentation(void)
{
    Host h;

    host_start(&h, "vcs0", "");
    host_configure(&h);
    setup_endpoint(&h);
    /* The baseline: 64 bytes a packet both ways */
    vcs_info_fragmented(&h, 70, 64);
    /* The host's MTU is larger: 200 bytes both ways from now on */
    vcs_info_fragmented(&h, 240, 200);
    host_stop(&h);
}

/* Bad input is dropped, and the next good request is answered */
static void test_bad_input(void)
{
    Host h;
    static const uint8_t get_eid_msg[] = { 0x00, 0x80, 0x02 };
    /* Responses to get_eid_msg (IID 0) and to ctrl() after SetupEndpoint */
    static const uint8_t get_eid[] = { 0x00, 0x00, 0x02, 0x00, DEV_EID,
                                       0x00, 0x00 };
    static const uint8_t get_eid3[] = { 0x00, 0x03, 0x02, 0x00, DEV_EID,
                                        0x00, 0x00 };
    static const uint8_t bad_len[] = { 0x08, 0x01, 0x07, 0x00, 0x01, 0x00,
                                       0x00, 0x00, 0x00, 0x16, 0x00, 0x00,
                                       0x00 };
    g_autoptr(GByteArray) out = g_byte_array_new();
    g_autofree uint8_t *big = g_malloc0(2048);
    uint8_t tag;

    host_start(&h, "vcs0", "");
    host_configure(&h);
    setup_endpoint(&h);

#define SEND_BAD(...) do {                                                 \
        static const uint8_t bad[] = { __VA_ARGS__ };                      \
        bulk_out(&h, bad, sizeof(bad));                                    \
    } while (0)
    /* Wrong DMTF ID */
    SEND_BAD(0x1a, 0xb5, 0, 11, 1, DEV_EID, HOST_EID, 0xc8, 0, 0x80, 2);
    /* Length shorter than the headers */
    SEND_BAD(0x1a, 0xb4, 0, 7, 1, DEV_EID, HOST_EID, 0xc8, 0, 0x80, 2);
    /* Length longer than the transfer */
    SEND_BAD(0x1a, 0xb4, 0, 12, 1, DEV_EID, HOST_EID, 0xc8, 0, 0x80, 2);
    /* MCTP header version 2 */
    SEND_BAD(0x1a, 0xb4, 0, 11, 2, DEV_EID, HOST_EID, 0xc8, 0, 0x80, 2);
    /* Another endpoint's EID */
    SEND_BAD(0x1a, 0xb4, 0, 11, 1, 10, HOST_EID, 0xc8, 0, 0x80, 2);
    /* Unknown message type */
    SEND_BAD(0x1a, 0xb4, 0, 11, 1, DEV_EID, HOST_EID, 0xc8, 0x7e, 0x80, 2);
    /* Integrity check flag */
    SEND_BAD(0x1a, 0xb4, 0, 11, 1, DEV_EID, HOST_EID, 0xc8, 0x80, 0x80, 2);
    /* A response (tag owner clear) */
    SEND_BAD(0x1a, 0xb4, 0, 11, 1, DEV_EID, HOST_EID, 0xc0, 0, 0x80, 2);
    /* Middle packet without a start, then sequence 0 then 2 */
    SEND_BAD(0x1a, 0xb4, 0, 11, 1, DEV_EID, HOST_EID, 0x18, 0, 0x80, 2);
    SEND_BAD(0x1a, 0xb4, 0, 9, 1, DEV_EID, HOST_EID, 0x88, 0x00);
    SEND_BAD(0x1a, 0xb4, 0, 10, 1, DEV_EID, HOST_EID, 0x68, 0x80, 0x02);
#undef SEND_BAD
    /* A message over the size limit, in 64-byte packets */
    big[0] = 0x08;
    send_msg(&h, big, 1 + 12 + 1024 + 64, 64);
    expect_no_response(&h);

    /* A good request after all that is answered */
    assert_msg(ctrl(&h, 0x02, NULL, 0), get_eid3, sizeof(get_eid3));

    /* Two packets in one transfer: a request split in two */
    frame(out, DEV_EID, SOM | TO | 1, get_eid_msg, 2);
    frame(out, DEV_EID, EOM | 1 << 4 | TO | 1, get_eid_msg + 2, 1);
    bulk_out(&h, out->data, out->len);
    assert_msg(recv_msg(&h, 1), get_eid, sizeof(get_eid));

    /* A request while the last response is still waiting: dropped */
    g_byte_array_set_size(out, 0);
    frame(out, DEV_EID, SOM | EOM | TO | 2, get_eid_msg, 3);
    frame(out, DEV_EID, SOM | EOM | TO | 3, get_eid_msg, 3);
    bulk_out(&h, out->data, out->len);
    assert_msg(recv_msg(&h, 2), get_eid, sizeof(get_eid));
    expect_no_response(&h);

    /* A repeated start restarts the message */
    g_byte_array_set_size(out, 0);
    frame(out, DEV_EID, SOM | TO | 4, get_eid_msg, 1);
    frame(out, DEV_EID, SOM | EOM | TO | 5, get_eid_msg, 3);
    bulk_out(&h, out->data, out->len);
    assert_msg(recv_msg(&h, 5), get_eid, sizeof(get_eid));

    /* A CCI message whose length field disagrees: Invalid Payload Length */
    tag = send_msg(&h, (uint8_t[]){ 0x08, 0, 7, 0, 0x01, 0x00, 5, 0, 0,
                                    0, 0, 0, 0 }, 13, 64);
    assert_msg(recv_msg(&h, tag), bad_len, sizeof(bad_len));
    host_stop(&h);
}

/* Other targets: a switch upstream port and a type-3 device */
static void test_targets(void)
{
    Host h;
    g_autoptr(GByteArray) rsp = NULL;

    host_start(&h, "us1", "");
    host_configure(&h);
    setup_endpoint(&h);
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_IDENTIFY, NULL, 0, 0);
    g_assert_cmpuint(rsp->len, ==, 13 + 18);
    g_assert_cmphex(ldq_le_p(rsp->data + 13 + 8), ==, 5678);
    g_assert_cmpuint(rsp->data[13 + 17], ==, 0x00);  /* switch */
    g_byte_array_unref(g_steal_pointer(&rsp));
    rsp = cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_IDENTIFY_SWITCH, NULL, 0, 0);
    g_assert_cmpuint(rsp->len, ==, 13 + 0x49);
    g_byte_array_unref(g_steal_pointer(&rsp));
    host_stop(&h);

    host_start(&h, "t3", "-object memory-backend-ram,id=mem9,size=256M "
               "-object memory-backend-ram,id=lsa9,size=1M "
               "-device cxl-rp,port=1,bus=cxl.0,id=rp9,chassis=2,slot=9 "
               "-device cxl-type3,persistent-memdev=mem9,lsa=lsa9,id=t3,"
               "sn=77,bus=rp9");
    host_configure(&h);
    setup_endpoint(&h);
    rsp = cci(&h, MCTP_TYPE_CXL_CCI, CXL_OP_IDENTIFY, NULL, 0, 0);
    g_assert_cmpuint(rsp->len, ==, 13 + 18);
    g_assert_cmphex(ldq_le_p(rsp->data + 13 + 8), ==, 77);
    g_assert_cmpuint(rsp->data[13 + 17], ==, 0x03);  /* type 3 */
    host_stop(&h);
}

static void test_bad_target(void)
{
    g_autofree char *cmd = g_strdup_printf(
        "%s -machine q35 -display none -nodefaults -accel qtest "
        "-device usb-ehci,id=ehci -device usb-cxl-mctp,bus=ehci.0,id=m,"
        "target=ehci", qtest_qemu_binary(NULL));
    g_autofree char *out = NULL, *err = NULL;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status, NULL));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, "usb-cxl-mctp 'm': target 'ehci' is not a "
                            "cxl-vcs-switch, cxl-upstream or cxl-type3"));
}

/* Benchmark, with -m perf only: FM-API round trips through the device */
static void perf_round_trips(void)
{
    Host h;
    static const uint8_t info_req[] = { 0, 4, 2, 0, 1 };
    g_autoptr(GTimer) timer = g_timer_new();
    unsigned n = 0;

    host_start(&h, "vcs0", "");
    host_configure(&h);
    setup_endpoint(&h);
    g_timer_start(timer);
    while (g_timer_elapsed(timer, NULL) < 3.0) {
        g_byte_array_unref(cci(&h, MCTP_TYPE_CXL_FMAPI, CXL_OP_VCS_INFO,
                               info_req, sizeof(info_req), 0));
        n++;
    }
    g_test_maximized_result(n / g_timer_elapsed(timer, NULL),
                            "FM-API round trips per second over MCTP/USB "
                            "(Get VCS Info, EHCI): %.1f",
                            n / g_timer_elapsed(timer, NULL));
    host_stop(&h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    /* The EHCI driver here knows q35's PCI and memory layout */
    if (strcmp(qtest_get_arch(), "x86_64") != 0) {
        return g_test_run();
    }
    if (g_test_perf()) {
        qtest_add_func("/usb-cxl-mctp/perf/round-trips", perf_round_trips);
        return g_test_run();
    }
    qtest_add_func("/usb-cxl-mctp/descriptors", test_descriptors);
    qtest_add_func("/usb-cxl-mctp/control", test_control);
    qtest_add_func("/usb-cxl-mctp/identify-vcs", test_identify_vcs);
    qtest_add_func("/usb-cxl-mctp/bind-unbind", test_bind_unbind);
    qtest_add_func("/usb-cxl-mctp/event-policy", test_event_policy);
    qtest_add_func("/usb-cxl-mctp/event-notification",
                   test_event_notification);
    qtest_add_func("/usb-cxl-mctp/fragmentation", test_fragmentation);
    qtest_add_func("/usb-cxl-mctp/concurrent-fm", test_concurrent_fm);
    qtest_add_func("/usb-cxl-mctp/bad-input", test_bad_input);
    qtest_add_func("/usb-cxl-mctp/targets", test_targets);
    qtest_add_func("/usb-cxl-mctp/bad-target", test_bad_target);
    return g_test_run();
}
