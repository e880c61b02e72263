/*
 * Helpers for CXL fabric-management qtests: enumerate a PCI hierarchy
 * the way an OS does (bus numbers, BARs, bridge windows) and drive a
 * CXL mailbox CCI through its registers.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_QTEST_CXL_FM_UTILS_H
#define TESTS_QTEST_CXL_FM_UTILS_H

#include "libqtest.h"
#include "libqos/pci.h"
#include "cxl-fm-opcodes.h"

typedef struct CXLFMHost {
    QTestState *qts;
    QPCIBus *bus;
    uint64_t ecam;              /* extended configuration space */
    uint64_t mmio_next;
    uint64_t mmio_end;
    int next_bus;
    /* Bus numbers an empty hot-plug slot keeps for a switch to come */
    int slot_buses;
} CXLFMHost;

/* g_assert_cmpmem() that prints both sides when they differ */
void cxl_fm_assert_bytes(const void *got, size_t got_len, const void *want,
                         size_t want_len);

/* Bus/device/function as libqos addresses configuration space */
#define CXL_FM_BDF(bus, dev, fn) (((bus) << 8) | ((dev) << 3) | (fn))

void cxl_fm_host_init(CXLFMHost *h, QTestState *qts);
void cxl_fm_host_cleanup(CXLFMHost *h);

uint32_t cxl_fm_cfg_read(CXLFMHost *h, int bdf, uint8_t off, int size);
void cxl_fm_cfg_write(CXLFMHost *h, int bdf, uint8_t off, uint32_t val,
                      int size);

/*
 * Give the bridges below root bus @root_bus bus numbers, the devices
 * BARs and the bridges memory windows (each hot-plug slot keeps room for
 * a device to come), and enable memory decoding, as firmware would.
 */
void cxl_fm_enumerate(CXLFMHost *h, int root_bus);
/*
 * Enumerate what appeared below hot-plug slot @port, within the slot's
 * window and bus numbers: a device's BARs, or a switch's bus numbers,
 * BARs and windows and its devices'.  Returns the device (or the switch's
 * upstream port) in the slot.
 */
int cxl_fm_enumerate_slot(CXLFMHost *h, int port);

/* The @nth device (from 0) with this vendor and device id, or -1 */
int cxl_fm_find(CXLFMHost *h, uint16_t vid, uint16_t did, int nth);
/* The device with id @id, found by QMP query-pci, or -1 */
int cxl_fm_find_id(CXLFMHost *h, const char *id);
uint64_t cxl_fm_bar(CXLFMHost *h, int bdf, int bar);
int cxl_fm_secondary_bus(CXLFMHost *h, int bridge);
bool cxl_fm_present(CXLFMHost *h, int bdf);
/* Offset of capability @id in configuration space, or 0 */
uint8_t cxl_fm_find_cap(CXLFMHost *h, int bdf, uint8_t id);

/* Extended configuration space (offsets up to 4 KiB), through ECAM */
uint32_t cxl_fm_ext_read(CXLFMHost *h, int bdf, uint16_t off);
void cxl_fm_ext_write(CXLFMHost *h, int bdf, uint16_t off, uint32_t val);
/* Offset of extended capability @id, or 0 */
uint16_t cxl_fm_find_ext_cap(CXLFMHost *h, int bdf, uint16_t id);

/* The OS side of a PCIe hot-plug slot */
uint16_t cxl_fm_slot_status(CXLFMHost *h, int port);
void cxl_fm_slot_ack(CXLFMHost *h, int port);
void cxl_fm_slot_power(CXLFMHost *h, int port, bool on);

/* A CXL mailbox, found through the device's capability array */
/* Switch mailbox registers, CXL r3.2 8.2.8.4 */
#define CXL_MBOX_CAP 0x00
#define CXL_MBOX_CTRL 0x04
#define CXL_MBOX_CMD 0x08
#define CXL_MBOX_STS 0x10
#define CXL_MBOX_BG_STS 0x18
#define CXL_MBOX_PAYLOAD 0x20

typedef struct CXLFMMailbox {
    CXLFMHost *h;
    uint64_t regs;
    size_t payload_max;
} CXLFMMailbox;

void cxl_fm_mbox_init(CXLFMMailbox *mb, CXLFMHost *h, int bdf, int bar);
/*
 * Send a command; returns its return code, with the output payload in
 * @out (up to *@out_len bytes, updated to the length returned).
 */
uint16_t cxl_fm_mbox_cmd(CXLFMMailbox *mb, uint16_t opcode,
                         const void *in, size_t in_len,
                         void *out, size_t *out_len);
/* Background Command Status register: opcode, percentage, return code */
void cxl_fm_mbox_bg(CXLFMMailbox *mb, uint16_t *opcode, uint8_t *pct,
                    uint16_t *rc);
/* Whether the mailbox status register reports a background operation */
bool cxl_fm_mbox_bg_running(CXLFMMailbox *mb);

/*
 * The input of the fuzz targets in tests/qtest/fuzz/cxl_vcs_fuzz.c: a
 * sequence of records, each an action byte, a 16-bit little-endian body
 * length and the body.
 */
#define CXL_FUZZ_ACTION_MASK 0x0f
/* Opcode (16 bits) and payload; the length field is the payload's size */
#define CXL_FUZZ_MBOX 0
/* Offset in the mailbox BAR (16), log2 size and read bit (8), value (64) */
#define CXL_FUZZ_MBOX_REG 1
/* Downstream port, PCIe register or configuration offset, value (16) */
#define CXL_FUZZ_SLOT 2
/* Milliseconds to run the clock, less one (16) */
#define CXL_FUZZ_CLOCK 3
/* One bulk OUT transfer to usb-cxl-mctp, as is */
#define CXL_FUZZ_USB_OUT 4
/* MCTP destination EID, tag, MTU, message: framed into DSP0283 packets */
#define CXL_FUZZ_USB_MCTP 5
/* Bulk IN transfers to read (8) */
#define CXL_FUZZ_USB_IN 6
/* A control transfer: setup packet (8 bytes) and OUT data */
#define CXL_FUZZ_USB_CTRL 7
/* A USB bus reset */
#define CXL_FUZZ_USB_RESET 8
/* Bytes to the fabric manager's socket, as a host process sends them */
#define CXL_FUZZ_FABRIC_SEND 9
/* A registration of VCS 2 that fits, with bindings: 4 bytes each */
#define CXL_FUZZ_FABRIC_REGISTER 10
/* With CXL_FUZZ_MBOX, the payload's first 3 bytes give the length field */
#define CXL_FUZZ_RAW_LENGTH 0x80

/*
 * With CXL_FUZZ_CORPUS=DIR in the environment, append a record for fuzz
 * target @target (a body @a followed by @b) to the seed files in
 * DIR/@target; the qtests' own traffic so seeds the fuzz corpora.
 */
void cxl_fm_fuzz_record(const char *target, uint8_t action,
                        const void *a, size_t a_len,
                        const void *b, size_t b_len);

#endif
