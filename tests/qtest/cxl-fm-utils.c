/*
 * Helpers for CXL fabric-management qtests
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "libqos/pci-pc.h"
#include "libqos/generic-pcihost.h"
#include "standard-headers/linux/pci_regs.h"
#include "cxl-fm-utils.h"

/* Room a hot-plug slot keeps in its window for a device to come */
#define CXL_FM_SLOT_WINDOW (16 * MiB)
#define CXL_FM_WINDOW_ALIGN (1 * MiB)

/* CXL device register layout, CXL r3.2 8.2.8 */
#define CXL_CAP_ARRAY_COUNT_SHIFT 32
#define CXL_CAP_ID_MAILBOX 0x0002

/* Records in one seed file of a fuzz corpus */
#define CXL_FUZZ_SEED_RECORDS 16

void cxl_fm_assert_bytes(const void *got, size_t got_len, const void *want,
                         size_t want_len)
{
    if (got_len != want_len || (got_len && memcmp(got, want, got_len))) {
        g_autoptr(GString) a = g_string_new(NULL);
        g_autoptr(GString) b = g_string_new(NULL);

        for (size_t i = 0; i < got_len; i++) {
            g_string_append_printf(a, " %02x", ((const uint8_t *)got)[i]);
        }
        for (size_t i = 0; i < want_len; i++) {
            g_string_append_printf(b, " %02x", ((const uint8_t *)want)[i]);
        }
        g_test_message("got:     %s", a->str);
        g_test_message("expected:%s", b->str);
    }
    g_assert_cmpmem(got, got_len, want, want_len);
}

void cxl_fm_host_init(CXLFMHost *h, QTestState *qts)
{
    *h = (CXLFMHost) { .qts = qts, .next_bus = 1 };
    if (strcmp(qtest_get_arch(), "aarch64") == 0) {
        QGenericPCIBus *gbus = g_new0(QGenericPCIBus, 1);

        qpci_init_generic(gbus, qts, NULL, false);
        h->bus = &gbus->bus;
        h->ecam = gbus->ecam_alloc_ptr;
        /* virt's 32-bit PCI MMIO window */
        h->mmio_next = 0x10000000;
        h->mmio_end = 0x3eff0000;
    } else {
        h->bus = qpci_new_pc(qts, NULL);
        /* Below the IOAPIC, above q35's MMCONFIG window */
        h->mmio_next = 0xe0000000;
        h->mmio_end = 0xfe000000;
    }
}

/* q35's MCH: PCIEXBAR at 0xb0000000 for 256 buses, as firmware sets it */
#define Q35_PCIEXBAR 0x60
#define Q35_PCIEXBAR_BASE 0xb0000000
#define Q35_PCIEXBAR_EN 1

static uint64_t cxl_fm_ecam_addr(CXLFMHost *h, int bdf, uint16_t off)
{
    if (!h->ecam) {
        cxl_fm_cfg_write(h, 0, Q35_PCIEXBAR,
                         Q35_PCIEXBAR_BASE | Q35_PCIEXBAR_EN, 4);
        h->ecam = Q35_PCIEXBAR_BASE;
    }
    return h->ecam + ((uint64_t)bdf << 12) + off;
}

uint32_t cxl_fm_ext_read(CXLFMHost *h, int bdf, uint16_t off)
{
    return qtest_readl(h->qts, cxl_fm_ecam_addr(h, bdf, off));
}

void cxl_fm_ext_write(CXLFMHost *h, int bdf, uint16_t off, uint32_t val)
{
    qtest_writel(h->qts, cxl_fm_ecam_addr(h, bdf, off), val);
}

uint16_t cxl_fm_find_ext_cap(CXLFMHost *h, int bdf, uint16_t id)
{
    uint16_t pos = 0x100;

    /* A list without an end (no function there reads all ones) stops */
    for (int n = 0; pos && n < (0x1000 - 0x100) / 4; n++) {
        uint32_t hdr = cxl_fm_ext_read(h, bdf, pos);

        if ((hdr & 0xffff) == id) {
            return pos;
        }
        pos = hdr >> 20;
    }
    return 0;
}

void cxl_fm_host_cleanup(CXLFMHost *h)
{
    if (strcmp(qtest_get_arch(), "aarch64") == 0) {
        g_free(container_of(h->bus, QGenericPCIBus, bus));
    } else {
        qpci_free_pc(h->bus);
    }
    h->bus = NULL;
}

uint32_t cxl_fm_cfg_read(CXLFMHost *h, int bdf, uint8_t off, int size)
{
    switch (size) {
    case 1:
        return h->bus->config_readb(h->bus, bdf, off);
    case 2:
        return h->bus->config_readw(h->bus, bdf, off);
    default:
        return h->bus->config_readl(h->bus, bdf, off);
    }
}

void cxl_fm_cfg_write(CXLFMHost *h, int bdf, uint8_t off, uint32_t val,
                      int size)
{
    switch (size) {
    case 1:
        h->bus->config_writeb(h->bus, bdf, off, val);
        break;
    case 2:
        h->bus->config_writew(h->bus, bdf, off, val);
        break;
    default:
        h->bus->config_writel(h->bus, bdf, off, val);
        break;
    }
}

bool cxl_fm_present(CXLFMHost *h, int bdf)
{
    return cxl_fm_cfg_read(h, bdf, PCI_VENDOR_ID, 2) != 0xffff;
}

uint8_t cxl_fm_find_cap(CXLFMHost *h, int bdf, uint8_t id)
{
    uint8_t pos = cxl_fm_cfg_read(h, bdf, PCI_CAPABILITY_LIST, 1);

    /* A list without an end (no function there reads all ones) stops */
    for (int n = 0; pos && n < (0x100 - 0x40) / 4; n++) {
        if (cxl_fm_cfg_read(h, bdf, pos, 1) == id) {
            return pos;
        }
        pos = cxl_fm_cfg_read(h, bdf, pos + 1, 1);
    }
    return 0;
}

static bool cxl_fm_is_hotplug_slot(CXLFMHost *h, int bdf)
{
    uint8_t exp = cxl_fm_find_cap(h, bdf, PCI_CAP_ID_EXP);
    uint16_t flags;

    if (!exp) {
        return false;
    }
    flags = cxl_fm_cfg_read(h, bdf, exp + PCI_EXP_FLAGS, 2);
    return (flags & PCI_EXP_FLAGS_SLOT) &&
        (cxl_fm_cfg_read(h, bdf, exp + PCI_EXP_SLTCAP, 4) & PCI_EXP_SLTCAP_HPC);
}

/* Size and place the memory BARs of a device, then enable it */
static void cxl_fm_assign_bars(CXLFMHost *h, int bdf, int nbars)
{
    for (int i = 0; i < nbars; i++) {
        uint8_t off = PCI_BASE_ADDRESS_0 + 4 * i;
        uint32_t val;
        uint64_t size, addr;
        bool is64;

        cxl_fm_cfg_write(h, bdf, off, 0xffffffff, 4);
        val = cxl_fm_cfg_read(h, bdf, off, 4);
        if (!val || (val & PCI_BASE_ADDRESS_SPACE_IO)) {
            continue;
        }
        is64 = (val & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
               PCI_BASE_ADDRESS_MEM_TYPE_64;
        size = (uint32_t)~(val & PCI_BASE_ADDRESS_MEM_MASK) + 1;
        addr = QEMU_ALIGN_UP(h->mmio_next, size);
        g_assert_cmphex(addr + size, <=, h->mmio_end);
        cxl_fm_cfg_write(h, bdf, off, addr, 4);
        if (is64) {
            cxl_fm_cfg_write(h, bdf, off + 4, 0, 4);
            i++;
        }
        h->mmio_next = addr + size;
    }
    cxl_fm_cfg_write(h, bdf, PCI_COMMAND,
                     PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static void cxl_fm_enumerate_bus(CXLFMHost *h, int bus)
{
    for (int dev = 0; dev < 32; dev++) {
        for (int fn = 0; fn < 8; fn++) {
            int bdf = CXL_FM_BDF(bus, dev, fn);
            uint64_t start, end;
            int sec;

            uint8_t hdr;

            if (!cxl_fm_present(h, bdf)) {
                if (fn == 0) {
                    break;
                }
                continue;
            }
            hdr = cxl_fm_cfg_read(h, bdf, PCI_HEADER_TYPE, 1);
            /* Single-function device: no functions 1-7 */
            if (fn == 0 && !(hdr & 0x80)) {
                fn = 7;
            }
            if ((hdr & 0x7f) != PCI_HEADER_TYPE_BRIDGE) {
                cxl_fm_assign_bars(h, bdf, 6);
                continue;
            }
            cxl_fm_assign_bars(h, bdf, 2);
            sec = h->next_bus++;
            cxl_fm_cfg_write(h, bdf, PCI_PRIMARY_BUS, bus, 1);
            cxl_fm_cfg_write(h, bdf, PCI_SECONDARY_BUS, sec, 1);
            cxl_fm_cfg_write(h, bdf, PCI_SUBORDINATE_BUS, 0xff, 1);
            start = QEMU_ALIGN_UP(h->mmio_next, CXL_FM_WINDOW_ALIGN);
            h->mmio_next = start;
            cxl_fm_enumerate_bus(h, sec);
            /* An empty hot-plug slot keeps room for what is to come */
            if (cxl_fm_is_hotplug_slot(h, bdf) &&
                !cxl_fm_present(h, CXL_FM_BDF(sec, 0, 0))) {
                h->mmio_next = MAX(h->mmio_next, start + CXL_FM_SLOT_WINDOW);
                h->next_bus = MAX(h->next_bus, sec + 1 + h->slot_buses);
            }
            end = QEMU_ALIGN_UP(h->mmio_next, CXL_FM_WINDOW_ALIGN);
            if (end > start) {
                cxl_fm_cfg_write(h, bdf, PCI_MEMORY_BASE,
                                 (start >> 16) & PCI_MEMORY_RANGE_MASK, 2);
                cxl_fm_cfg_write(h, bdf, PCI_MEMORY_LIMIT,
                                 ((end - 1) >> 16) & PCI_MEMORY_RANGE_MASK, 2);
            } else {
                cxl_fm_cfg_write(h, bdf, PCI_MEMORY_BASE, 0xfff0, 2);
                cxl_fm_cfg_write(h, bdf, PCI_MEMORY_LIMIT, 0, 2);
            }
            h->mmio_next = end;
            cxl_fm_cfg_write(h, bdf, PCI_SUBORDINATE_BUS, h->next_bus - 1, 1);
        }
    }
}

void cxl_fm_enumerate(CXLFMHost *h, int root_bus)
{
    h->next_bus = MAX(h->next_bus, root_bus + 1);
    cxl_fm_enumerate_bus(h, root_bus);
}

int cxl_fm_secondary_bus(CXLFMHost *h, int bridge)
{
    return cxl_fm_cfg_read(h, bridge, PCI_SECONDARY_BUS, 1);
}

int cxl_fm_enumerate_slot(CXLFMHost *h, int port)
{
    int sec = cxl_fm_secondary_bus(h, port);
    uint64_t saved = h->mmio_next;
    int saved_bus = h->next_bus;

    g_assert_true(cxl_fm_present(h, CXL_FM_BDF(sec, 0, 0)));
    /* In the slot's window and, for a switch, its bus numbers */
    h->mmio_next = (uint64_t)(cxl_fm_cfg_read(h, port, PCI_MEMORY_BASE, 2) &
                              PCI_MEMORY_RANGE_MASK) << 16;
    h->next_bus = sec + 1;
    cxl_fm_enumerate_bus(h, sec);
    g_assert_cmpint(h->next_bus - 1, <=,
                    cxl_fm_cfg_read(h, port, PCI_SUBORDINATE_BUS, 1));
    h->mmio_next = saved;
    h->next_bus = saved_bus;
    return CXL_FM_BDF(sec, 0, 0);
}

typedef struct CXLFMMatch {
    const char *id;         /* match the qdev id, or else: */
    uint16_t vid, did;      /* vendor and device id, */
    int nth;                /* skipping this many matches */
} CXLFMMatch;

static int cxl_fm_find_in(QList *devices, int bus, CXLFMMatch *m)
{
    const QListEntry *e;

    QLIST_FOREACH_ENTRY(devices, e) {
        QDict *dev = qobject_to(QDict, qlist_entry_obj(e));
        QDict *bridge = qdict_get_qdict(dev, "pci_bridge");
        QDict *ids = qdict_get_qdict(dev, "id");
        const char *qdev_id = qdict_get_try_str(dev, "qdev_id");
        bool match;
        int found;

        if (m->id) {
            match = qdev_id && !strcmp(qdev_id, m->id);
        } else {
            match = qdict_get_int(ids, "vendor") == m->vid &&
                    qdict_get_int(ids, "device") == m->did && m->nth-- == 0;
        }
        if (match) {
            return CXL_FM_BDF(bus, qdict_get_int(dev, "slot"),
                              qdict_get_int(dev, "function"));
        }
        if (bridge && qdict_haskey(bridge, "devices")) {
            found = cxl_fm_find_in(
                qdict_get_qlist(bridge, "devices"),
                qdict_get_int(qdict_get_qdict(bridge, "bus"), "secondary"), m);
            if (found >= 0) {
                return found;
            }
        }
    }
    return -1;
}

static int cxl_fm_find_match(CXLFMHost *h, CXLFMMatch *m)
{
    QDict *resp = qtest_qmp(h->qts, "{'execute': 'query-pci'}");
    const QListEntry *e;
    int found = -1;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(resp, "return"), e) {
        QDict *root = qobject_to(QDict, qlist_entry_obj(e));

        found = cxl_fm_find_in(qdict_get_qlist(root, "devices"),
                               qdict_get_int(root, "bus"), m);
        if (found >= 0) {
            break;
        }
    }
    qobject_unref(resp);
    return found;
}

int cxl_fm_find(CXLFMHost *h, uint16_t vid, uint16_t did, int nth)
{
    CXLFMMatch m = { .vid = vid, .did = did, .nth = nth };

    return cxl_fm_find_match(h, &m);
}

int cxl_fm_find_id(CXLFMHost *h, const char *id)
{
    CXLFMMatch m = { .id = id };

    return cxl_fm_find_match(h, &m);
}

uint64_t cxl_fm_bar(CXLFMHost *h, int bdf, int bar)
{
    uint8_t off = PCI_BASE_ADDRESS_0 + 4 * bar;
    uint32_t lo = cxl_fm_cfg_read(h, bdf, off, 4);
    uint64_t addr = lo & PCI_BASE_ADDRESS_MEM_MASK;

    if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
        addr |= (uint64_t)cxl_fm_cfg_read(h, bdf, off + 4, 4) << 32;
    }
    return addr;
}

uint16_t cxl_fm_slot_status(CXLFMHost *h, int port)
{
    uint8_t exp = cxl_fm_find_cap(h, port, PCI_CAP_ID_EXP);

    return cxl_fm_cfg_read(h, port, exp + PCI_EXP_SLTSTA, 2);
}

/* Clear the slot's event bits, as the OS's interrupt handler does */
void cxl_fm_slot_ack(CXLFMHost *h, int port)
{
    uint8_t exp = cxl_fm_find_cap(h, port, PCI_CAP_ID_EXP);

    cxl_fm_cfg_write(h, port, exp + PCI_EXP_SLTSTA,
                     PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PDC |
                     PCI_EXP_SLTSTA_CC, 2);
}

/* Power a slot on or off with its power indicator, as pciehp does */
void cxl_fm_slot_power(CXLFMHost *h, int port, bool on)
{
    uint8_t exp = cxl_fm_find_cap(h, port, PCI_CAP_ID_EXP);
    uint16_t ctl = cxl_fm_cfg_read(h, port, exp + PCI_EXP_SLTCTL, 2);

    ctl &= ~(PCI_EXP_SLTCTL_PCC | PCI_EXP_SLTCTL_PIC);
    ctl |= on ? PCI_EXP_SLTCTL_PWR_ON | PCI_EXP_SLTCTL_PWR_IND_ON
              : PCI_EXP_SLTCTL_PWR_OFF | PCI_EXP_SLTCTL_PWR_IND_OFF;
    cxl_fm_cfg_write(h, port, exp + PCI_EXP_SLTCTL, ctl, 2);
}

void cxl_fm_mbox_init(CXLFMMailbox *mb, CXLFMHost *h, int bdf, int bar)
{
    uint64_t base = cxl_fm_bar(h, bdf, bar);
    uint64_t array = qtest_readq(h->qts, base);
    unsigned count = (array >> CXL_CAP_ARRAY_COUNT_SHIFT) & 0xffff;

    mb->h = h;
    mb->regs = 0;
    for (unsigned i = 1; i <= count; i++) {
        uint64_t cap = base + 16 * i;

        if ((qtest_readl(h->qts, cap) & 0xffff) == CXL_CAP_ID_MAILBOX) {
            mb->regs = base + qtest_readl(h->qts, cap + 4);
        }
    }
    g_assert_cmphex(mb->regs, !=, 0);
    mb->payload_max = 1 << (qtest_readl(h->qts, mb->regs + CXL_MBOX_CAP) &
                            0x1f);
}

void cxl_fm_fuzz_record(const char *target, uint8_t action,
                        const void *a, size_t a_len,
                        const void *b, size_t b_len)
{
    static GHashTable *files;
    const char *corpus = g_getenv("CXL_FUZZ_CORPUS");
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    uint8_t hdr[3] = { action };
    unsigned n;
    FILE *f;

    if (!corpus || a_len + b_len > UINT16_MAX) {
        return;
    }
    if (!files) {
        files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    n = GPOINTER_TO_UINT(g_hash_table_lookup(files, target));
    g_hash_table_insert(files, g_strdup(target), GUINT_TO_POINTER(n + 1));
    dir = g_build_filename(corpus, target, NULL);
    g_mkdir_with_parents(dir, 0755);
    path = g_strdup_printf("%s/qtest-%d-%u", dir, getpid(),
                           n / CXL_FUZZ_SEED_RECORDS);
    f = fopen(path, "ab");
    g_assert_nonnull(f);
    stw_le_p(hdr + 1, a_len + b_len);
    g_assert_cmpuint(fwrite(hdr, 1, 3, f), ==, 3);
    g_assert_cmpuint(fwrite(a, 1, a_len, f), ==, a_len);
    g_assert_cmpuint(fwrite(b, 1, b_len, f), ==, b_len);
    fclose(f);
}

uint16_t cxl_fm_mbox_cmd(CXLFMMailbox *mb, uint16_t opcode,
                         const void *in, size_t in_len,
                         void *out, size_t *out_len)
{
    QTestState *qts = mb->h->qts;
    uint64_t cmd, sts;
    uint16_t le_opcode;
    size_t len;

    g_assert_cmpuint(in_len, <=, mb->payload_max);
    g_assert_cmphex(qtest_readl(qts, mb->regs + CXL_MBOX_CTRL) & 1, ==, 0);
    stw_le_p(&le_opcode, opcode);
    cxl_fm_fuzz_record(opcode == CXL_OP_TUNNEL ? "cxl-vcs-tunnel" :
                       "cxl-vcs-mailbox", CXL_FUZZ_MBOX, &le_opcode, 2,
                       in, in_len);
    if (in_len) {
        qtest_memwrite(qts, mb->regs + CXL_MBOX_PAYLOAD, in, in_len);
    }
    qtest_writeq(qts, mb->regs + CXL_MBOX_CMD,
                 (opcode & 0xff) | (opcode >> 8) << 8 |
                 (uint64_t)in_len << 16);
    qtest_writel(qts, mb->regs + CXL_MBOX_CTRL, 1);
    g_assert_cmphex(qtest_readl(qts, mb->regs + CXL_MBOX_CTRL) & 1, ==, 0);

    sts = qtest_readq(qts, mb->regs + CXL_MBOX_STS);
    cmd = qtest_readq(qts, mb->regs + CXL_MBOX_CMD);
    len = (cmd >> 16) & 0xfffff;
    if (out_len) {
        g_assert_cmpuint(len, <=, *out_len);
        if (len) {
            qtest_memread(qts, mb->regs + CXL_MBOX_PAYLOAD, out, len);
        }
        *out_len = len;
    }
    return sts >> 32;
}

void cxl_fm_mbox_bg(CXLFMMailbox *mb, uint16_t *opcode, uint8_t *pct,
                    uint16_t *rc)
{
    uint64_t bg = qtest_readq(mb->h->qts, mb->regs + CXL_MBOX_BG_STS);

    *opcode = bg & 0xffff;
    *pct = (bg >> 16) & 0x7f;
    *rc = bg >> 32;
}

bool cxl_fm_mbox_bg_running(CXLFMMailbox *mb)
{
    return qtest_readq(mb->h->qts, mb->regs + CXL_MBOX_STS) & 1;
}
