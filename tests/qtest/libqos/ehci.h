/*
 * A small EHCI driver for qtests: one high-speed device on port 0, its
 * control endpoint and one pair of bulk endpoints, all on the
 * asynchronous schedule.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_EHCI_H
#define LIBQOS_EHCI_H

#include "../libqtest.h"

/* Guest memory the driver takes for schedules and buffers */
#define QEHCI_MEM_SIZE 0x3000
/* Largest transfer on the data buffer */
#define QEHCI_XFER_MAX 0x1000

typedef struct QEHCI {
    QTestState *qts;
    uint64_t op;            /* operational registers */
    uint64_t mem;           /* QEHCI_MEM_SIZE bytes of guest memory */
    unsigned qtds;          /* next free transfer descriptor */
    uint8_t addr;
} QEHCI;

/*
 * Reset the controller whose capability registers are at @mmio (its BAR
 * 0), reset port 0, put the high-speed device found there at address
 * @addr and prepare queues for its bulk endpoint @bulk_ep (both
 * directions, @bulk_mps bytes per packet).  Returns the first 8 bytes of
 * the device descriptor in @desc.
 */
void qehci_init(QEHCI *e, QTestState *qts, uint64_t mmio, uint64_t mem,
                uint8_t addr, uint8_t bulk_ep, uint16_t bulk_mps,
                uint8_t desc[8]);
/* A control transfer; returns the bytes of the data stage moved */
size_t qehci_control(QEHCI *e, uint8_t type, uint8_t req, uint16_t value,
                     uint16_t index, void *data, uint16_t len);
void qehci_bulk_out(QEHCI *e, const void *buf, size_t len);
/*
 * One IN transfer of up to @max bytes; 0 if the device had nothing to
 * send (NAKed) within @ms milliseconds.
 */
size_t qehci_bulk_in(QEHCI *e, uint8_t *buf, size_t max, int ms);

#endif
