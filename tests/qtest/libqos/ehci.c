/*
 * A small EHCI driver for qtests, see ehci.h
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "ehci.h"

/* EHCI registers (EHCI r1.0 2.2, 2.3) */
#define EHCI_CAPLENGTH 0x00
#define EHCI_USBCMD 0x00
#define EHCI_USBCMD_RS (1 << 0)
#define EHCI_USBCMD_HCRESET (1 << 1)
#define EHCI_USBCMD_ASE (1 << 5)
#define EHCI_ASYNCLISTADDR 0x18
#define EHCI_CONFIGFLAG 0x40
#define EHCI_PORTSC 0x44
#define EHCI_PORTSC_CCS (1 << 0)
#define EHCI_PORTSC_PED (1 << 2)
#define EHCI_PORTSC_PRESET (1 << 8)
#define EHCI_PORTSC_POWER (1 << 12)

/* Queue heads and transfer descriptors (EHCI r1.0 3.5, 3.6) */
#define QH_TYPE (1 << 1)
#define LINK_T 1
#define QH_H (1 << 15)
#define QH_DTC (1 << 14)
#define QH_EPS_HIGH (2 << 12)
#define QH_MULT1 (1u << 30)
#define QTD_ACTIVE (1 << 7)
#define QTD_HALTED (1 << 6)
#define QTD_PID_OUT (0 << 8)
#define QTD_PID_IN (1 << 8)
#define QTD_PID_SETUP (2 << 8)
#define QTD_CERR3 (3 << 10)
#define QTD_IOC (1 << 15)
#define QTD_DT (1u << 31)

/* Layout of the driver's guest memory */
#define QH_CTRL(e) ((e)->mem + 0x000)
#define QH_OUT(e) ((e)->mem + 0x040)
#define QH_IN(e) ((e)->mem + 0x080)
#define QTD_BASE(e) ((e)->mem + 0x100)
#define QTD_COUNT 48
#define SETUP_BUF(e) ((e)->mem + 0x1000)
#define DATA_BUF(e) ((e)->mem + 0x2000)

static uint32_t op_read(QEHCI *e, unsigned reg)
{
    return qtest_readl(e->qts, e->op + reg);
}

static void op_write(QEHCI *e, unsigned reg, uint32_t val)
{
    qtest_writel(e->qts, e->op + reg, val);
}

static uint64_t qtd_alloc(QEHCI *e)
{
    return QTD_BASE(e) + 0x40 * (e->qtds++ % QTD_COUNT);
}

static void qtd_write(QEHCI *e, uint64_t qtd, uint64_t next, uint32_t token,
                      uint64_t buf)
{
    qtest_writel(e->qts, qtd, next ? next : LINK_T);
    qtest_writel(e->qts, qtd + 4, LINK_T);
    qtest_writel(e->qts, qtd + 8, token | QTD_CERR3 | QTD_ACTIVE);
    /* Page 0 starts at the buffer, pages 1-4 follow it */
    for (int i = 0; i < 5; i++) {
        uint64_t page = i ? (buf & ~0xfffULL) + 0x1000 * i : buf;

        qtest_writel(e->qts, qtd + 12 + 4 * i, buf ? page : 0);
    }
}

static void qh_write(QEHCI *e, uint64_t qh, uint64_t next, uint32_t epchar)
{
    qtest_writel(e->qts, qh, next | QH_TYPE);
    qtest_writel(e->qts, qh + 4, epchar);
    qtest_writel(e->qts, qh + 8, QH_MULT1);
    for (int i = 3; i < 12; i++) {
        qtest_writel(e->qts, qh + 4 * i, i == 4 || i == 5 ? LINK_T : 0);
    }
}

/*
 * Start the qTD chain @first on queue head @qh and wait for @last to
 * finish; returns false if it is still active after @ms milliseconds.
 */
static bool run_qtds(QEHCI *e, uint64_t qh, uint64_t first, uint64_t last,
                     int ms)
{
    qtest_writel(e->qts, qh + 16, first);   /* overlay: next qTD */
    qtest_writel(e->qts, qh + 24, 0);       /* overlay: token, idle */
    for (int i = 0; i < ms; i++) {
        if (!(qtest_readl(e->qts, last + 8) & QTD_ACTIVE)) {
            return true;
        }
        qtest_clock_step(e->qts, 1000 * 1000);
    }
    return !(qtest_readl(e->qts, last + 8) & QTD_ACTIVE);
}

/* Bytes a finished qTD moved out of @len */
static size_t qtd_done(QEHCI *e, uint64_t qtd, size_t len)
{
    uint32_t token = qtest_readl(e->qts, qtd + 8);

    g_assert_cmphex(token & (QTD_ACTIVE | QTD_HALTED), ==, 0);
    return len - ((token >> 16) & 0x7fff);
}

size_t qehci_control(QEHCI *e, uint8_t type, uint8_t req, uint16_t value,
                     uint16_t index, void *data, uint16_t len)
{
    uint8_t setup[8] = { type, req };
    uint64_t st = qtd_alloc(e), dt = qtd_alloc(e), sts = qtd_alloc(e);
    bool in = type & 0x80;
    size_t done = 0;

    g_assert_cmpuint(len, <=, QEHCI_XFER_MAX);
    stw_le_p(setup + 2, value);
    stw_le_p(setup + 4, index);
    stw_le_p(setup + 6, len);
    qtest_memwrite(e->qts, SETUP_BUF(e), setup, sizeof(setup));
    if (len && !in) {
        qtest_memwrite(e->qts, DATA_BUF(e), data, len);
    }
    qtd_write(e, sts, 0, (in && len ? QTD_PID_OUT : QTD_PID_IN) | QTD_DT |
              QTD_IOC, 0);
    qtd_write(e, dt, sts, (in ? QTD_PID_IN : QTD_PID_OUT) | QTD_DT |
              len << 16, DATA_BUF(e));
    qtd_write(e, st, len ? dt : sts, QTD_PID_SETUP | 8 << 16, SETUP_BUF(e));
    g_assert_true(run_qtds(e, QH_CTRL(e), st, sts, 100));
    if (len) {
        done = qtd_done(e, dt, len);
        if (in) {
            qtest_memread(e->qts, DATA_BUF(e), data, done);
        }
    }
    return done;
}

void qehci_bulk_out(QEHCI *e, const void *buf, size_t len)
{
    uint64_t qtd = qtd_alloc(e);

    g_assert_cmpuint(len, <=, QEHCI_XFER_MAX);
    qtest_memwrite(e->qts, DATA_BUF(e), buf, len);
    qtd_write(e, qtd, 0, QTD_PID_OUT | QTD_IOC | len << 16, DATA_BUF(e));
    g_assert_true(run_qtds(e, QH_OUT(e), qtd, qtd, 100));
    g_assert_cmpuint(qtd_done(e, qtd, len), ==, len);
}

size_t qehci_bulk_in(QEHCI *e, uint8_t *buf, size_t max, int ms)
{
    uint64_t qtd = qtd_alloc(e);
    size_t len;

    g_assert_cmpuint(max, <=, QEHCI_XFER_MAX);
    qtd_write(e, qtd, 0, QTD_PID_IN | QTD_IOC | max << 16, DATA_BUF(e));
    if (!run_qtds(e, QH_IN(e), qtd, qtd, ms)) {
        /* Still NAKing: take the qTD out again */
        qtest_writel(e->qts, QH_IN(e) + 16, LINK_T);
        qtest_writel(e->qts, QH_IN(e) + 24, 0);
        qtest_writel(e->qts, qtd + 8, 0);
        return 0;
    }
    len = qtd_done(e, qtd, max);
    qtest_memread(e->qts, DATA_BUF(e), buf, len);
    return len;
}

void qehci_init(QEHCI *e, QTestState *qts, uint64_t mmio, uint64_t mem,
                uint8_t addr, uint8_t bulk_ep, uint16_t bulk_mps,
                uint8_t desc[8])
{
    uint32_t bulk = QH_EPS_HIGH | bulk_mps << 16 | bulk_ep << 8 | addr;

    *e = (QEHCI) {
        .qts = qts,
        .op = mmio + qtest_readb(qts, mmio + EHCI_CAPLENGTH),
        .mem = mem,
        .addr = addr,
    };
    op_write(e, EHCI_USBCMD, EHCI_USBCMD_HCRESET);
    g_assert_cmphex(op_read(e, EHCI_USBCMD) & EHCI_USBCMD_HCRESET, ==, 0);
    op_write(e, EHCI_CONFIGFLAG, 1);

    /* Reset the port: a high-speed device is enabled right away */
    g_assert_true(op_read(e, EHCI_PORTSC) & EHCI_PORTSC_CCS);
    op_write(e, EHCI_PORTSC, EHCI_PORTSC_POWER | EHCI_PORTSC_PRESET);
    op_write(e, EHCI_PORTSC, EHCI_PORTSC_POWER);
    g_assert_true(op_read(e, EHCI_PORTSC) & EHCI_PORTSC_PED);

    /* Async schedule: control, bulk OUT and bulk IN queue heads */
    qh_write(e, QH_CTRL(e), QH_OUT(e), QH_H | QH_DTC | QH_EPS_HIGH | 64 << 16);
    qh_write(e, QH_OUT(e), QH_IN(e), bulk);
    qh_write(e, QH_IN(e), QH_CTRL(e), bulk);
    op_write(e, EHCI_ASYNCLISTADDR, QH_CTRL(e));
    op_write(e, EHCI_USBCMD, EHCI_USBCMD_RS | EHCI_USBCMD_ASE);

    /* Enumerate: the device descriptor's start, then the address */
    g_assert_cmpuint(qehci_control(e, 0x80, 6, 0x0100, 0, desc, 8), ==, 8);
    qehci_control(e, 0x00, 5, addr, 0, NULL, 0);
    qtest_writel(qts, QH_CTRL(e) + 4,
                 QH_H | QH_DTC | QH_EPS_HIGH | 64 << 16 | addr);
}
