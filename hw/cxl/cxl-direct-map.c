/*
 * CXL fixed memory windows: direct mapping of non-interleaved decode
 *
 * A fixed memory window decodes every access through its MMIO callbacks:
 * the host bridge's, the switch's and the device's HDM decoders, then the
 * device's memory.  Where all of them are 1-way (the window has one
 * target and every committed decoder on the path has one), a range of
 * the window is the device's memory, byte for byte from some DPA on: an
 * alias of the device's memory backend placed over the window, so that
 * the CPU reaches it as RAM (TCG's fast path; a KVM memory slot).
 *
 * The aliases are rebuilt from the decoders' state whenever it may have
 * changed, within one memory transaction, so no CPU sees a range mapped
 * to a device that no longer decodes it: an unbound device's host falls
 * back to the MMIO decode, which finds no target.  Dynamic capacity is
 * mapped extent by extent, as the host has accepted it; an LD of a
 * multi-logical device maps its own part of the MLD's memory.
 *
 * Interleaved decode stays with the windows' MMIO callbacks, which keep
 * the last interleave granule they decoded (cxl_fmw_cache_access()):
 * the next access to it goes straight to the device's memory.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/range.h"
#include "hw/qdev-core.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/pcie_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_direct_map.h"
#include "hw/cxl/cxl_host.h"
#include "system/hostmem.h"
#include "trace.h"

/* One mapped range: an alias of device memory over a window */
typedef struct CXLDirectMap {
    MemoryRegion alias;
    CXLFixedWindow *fw;
    QLIST_ENTRY(CXLDirectMap) next;
} CXLDirectMap;

static QLIST_HEAD(, CXLDirectMap) cxl_direct_maps =
    QLIST_HEAD_INITIALIZER(cxl_direct_maps);

/* The machine's fixed memory windows (cxl-fmw), in index order */
static GSList *cxl_windows;

/* What a window's cache holds at most: a page */
#define CXL_FMW_CACHE_MAX 4096

/* Counts the changes of decode: a window's cache is valid until the next */
static unsigned cxl_decode_generation;

/*
 * The interleave granule a window decoded last: HPA [lob, upb) is the
 * device's memory at @host on, in @mr
 */
struct CXLFMWCache {
    unsigned generation;
    hwaddr lob, upb;
    uint8_t *host;
    MemoryRegion *mr;
    uint64_t offset;
};

/* A committed HDM decoder of @cache_mem: its range, target and control */
typedef struct CXLDecoder {
    uint64_t base, size;
    uint8_t target;
    uint32_t ctrl;
} CXLDecoder;

static bool cxl_decoder_read(uint32_t *cache_mem, int i, CXLDecoder *dec)
{
    int inc = R_CXL_HDM_DECODER1_BASE_LO - R_CXL_HDM_DECODER0_BASE_LO;

    dec->ctrl = ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_CTRL + i * inc);
    dec->base = (ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_BASE_LO + i * inc) &
                 0xf0000000) |
                (uint64_t)ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_BASE_HI +
                                   i * inc) << 32;
    dec->size = (ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_SIZE_LO + i * inc) &
                 0xf0000000) |
                (uint64_t)ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_SIZE_HI +
                                   i * inc) << 32;
    dec->target = ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_TARGET_LIST_LO +
                           i * inc) & 0xff;
    return FIELD_EX32(dec->ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED) &&
           dec->size != 0;
}

/* ... and 1-way */
static bool cxl_decoder_1way(uint32_t *cache_mem, int i, CXLDecoder *dec)
{
    return cxl_decoder_read(cache_mem, i, dec) &&
           !FIELD_EX32(dec->ctrl, CXL_HDM_DECODER0_CTRL, IW);
}

static unsigned cxl_decoder_count(uint32_t *cache_mem)
{
    uint32_t cap = ldl_le_p(cache_mem + R_CXL_HDM_DECODER_CAPABILITY);

    return cxl_decoder_count_dec(FIELD_EX32(cap, CXL_HDM_DECODER_CAPABILITY,
                                            DECODER_COUNT));
}

/* [*@lob, *@upb) narrowed to @dec's range; false if nothing is left */
static bool cxl_narrow(uint64_t *lob, uint64_t *upb, const CXLDecoder *dec)
{
    *lob = MAX(*lob, dec->base);
    *upb = MIN(*upb, dec->base + dec->size);
    return *lob < *upb;
}

/* Map @size bytes of @mr from @offset at @hpa of @fw */
static void cxl_direct_map_add(CXLFixedWindow *fw, uint64_t hpa,
                               MemoryRegion *mr, uint64_t offset,
                               uint64_t size)
{
    CXLDirectMap *m = g_new0(CXLDirectMap, 1);

    m->fw = fw;
    memory_region_init_alias(&m->alias, OBJECT(fw), "cxl-direct-map", mr,
                             offset, size);
    /* Over the window's MMIO decode */
    memory_region_add_subregion_overlap(&fw->mr, hpa - fw->base, &m->alias,
                                        1);
    QLIST_INSERT_HEAD(&cxl_direct_maps, m, next);
    trace_cxl_direct_map(fw->index, hpa, size, memory_region_name(mr),
                         offset);
}

/*
 * The part of [@dpa, @dpa + @len) of @ct3d at @hpa that is backed by
 * @mr, whose memory is DPA [@mr_dpa, @mr_dpa + its size)
 */
static void cxl_direct_map_part(CXLFixedWindow *fw, uint64_t hpa,
                                uint64_t dpa, uint64_t len,
                                MemoryRegion *mr, uint64_t mr_dpa,
                                uint64_t mr_len)
{
    uint64_t lob = MAX(dpa, mr_dpa), upb = MIN(dpa + len, mr_dpa + mr_len);

    if (lob < upb) {
        cxl_direct_map_add(fw, hpa + (lob - dpa), mr, lob - mr_dpa,
                           upb - lob);
    }
}

/* HPA [@lob, @upb) of @fw reaches @ct3d: map what its decoders map 1:1 */
static void cxl_direct_map_device(CXLFixedWindow *fw, CXLType3Dev *ct3d,
                                  uint64_t lob, uint64_t upb)
{
    uint32_t *cache_mem = ct3d->cxl_cstate.crb.cache_mem_registers;
    uint64_t vmem = ct3d->cxl_dstate.vmem_size;
    uint64_t pmem = ct3d->cxl_dstate.pmem_size;

    for (unsigned i = 0; i < cxl_decoder_count(cache_mem); i++) {
        uint64_t l = lob, u = upb, dpa;
        CXLDecoder dec;
        CXLDCExtent *ext;

        if (!cxl_decoder_1way(cache_mem, i, &dec) ||
            !cxl_narrow(&l, &u, &dec) || !cxl_type3_dpa(ct3d, l, &dpa)) {
            continue;
        }
        if (ct3d->hostvmem) {
            cxl_direct_map_part(fw, l, dpa, u - l,
                host_memory_backend_get_memory(ct3d->hostvmem), 0, vmem);
        }
        if (ct3d->hostpmem) {
            cxl_direct_map_part(fw, l, dpa, u - l,
                host_memory_backend_get_memory(ct3d->hostpmem), vmem, pmem);
        }
        /* Dynamic capacity: what the host has accepted */
        QTAILQ_FOREACH(ext, &ct3d->dc.extents, node) {
            MemoryRegion *dc = host_memory_backend_get_memory(ct3d->dc.host_dc);
            uint64_t e_lob = MAX(dpa, ext->start_dpa);
            uint64_t e_upb = MIN(dpa + (u - l), ext->start_dpa + ext->len);

            if (e_lob < e_upb) {
                cxl_direct_map_add(fw, l + (e_lob - dpa), dc,
                                   e_lob - (vmem + pmem), e_upb - e_lob);
            }
        }
    }
}

/* The type-3 device a host sees below @port, if any */
static CXLType3Dev *cxl_direct_map_type3(PCIDevice *port)
{
    PCIDevice *d = port ? cxl_endpoint_below(PCI_BRIDGE(port)) : NULL;

    return d ? (CXLType3Dev *)object_dynamic_cast(OBJECT(d), TYPE_CXL_TYPE3) :
               NULL;
}

/* HPA [@lob, @upb) of @fw goes to root port @rp: follow it down */
static void cxl_direct_map_port(CXLFixedWindow *fw, PCIDevice *rp,
                                uint64_t lob, uint64_t upb)
{
    PCIDevice *d = rp ? cxl_endpoint_below(PCI_BRIDGE(rp)) : NULL;
    CXLComponentState *usp;
    uint32_t *cache_mem;

    if (cxl_direct_map_type3(rp)) {
        cxl_direct_map_device(fw, cxl_direct_map_type3(rp), lob, upb);
        return;
    }
    if (!d || !object_dynamic_cast(OBJECT(d), TYPE_CXL_USP)) {
        return;
    }
    usp = cxl_usp_to_cstate(CXL_USP(d));
    cache_mem = usp->crb.cache_mem_registers;
    for (unsigned i = 0; i < cxl_decoder_count(cache_mem); i++) {
        uint64_t l = lob, u = upb;
        CXLDecoder dec;
        PCIDevice *dsp;

        if (!cxl_decoder_1way(cache_mem, i, &dec) ||
            !cxl_narrow(&l, &u, &dec)) {
            continue;
        }
        dsp = pcie_find_port_by_pn(pci_bridge_get_sec_bus(PCI_BRIDGE(d)),
                                   dec.target);
        if (cxl_direct_map_type3(dsp)) {
            cxl_direct_map_device(fw, cxl_direct_map_type3(dsp), l, u);
        }
    }
}

static void cxl_direct_map_window(CXLFixedWindow *fw)
{
    PCIHostState *hb;
    CXLComponentState *hb_cstate;
    uint32_t *cache_mem;

    /* An interleaved window is decoded access by access */
    if (fw->no_direct_map || fw->num_targets != 1 || !fw->target_hbs[0]) {
        return;
    }
    hb = PCI_HOST_BRIDGE(fw->target_hbs[0]->cxl_host_bridge);
    if (!hb || !hb->bus || !pci_bus_is_cxl(hb->bus)) {
        return;
    }
    if (cxl_get_hb_passthrough(hb)) {
        cxl_direct_map_port(fw, pcie_find_port_first(hb->bus), fw->base,
                            fw->base + fw->size);
        return;
    }
    hb_cstate = cxl_get_hb_cstate(hb);
    if (!hb_cstate) {
        return;
    }
    cache_mem = hb_cstate->crb.cache_mem_registers;
    for (unsigned i = 0; i < cxl_decoder_count(cache_mem); i++) {
        uint64_t lob = fw->base, upb = fw->base + fw->size;
        CXLDecoder dec;

        if (cxl_decoder_1way(cache_mem, i, &dec) &&
            cxl_narrow(&lob, &upb, &dec)) {
            cxl_direct_map_port(fw, pcie_find_port_by_pn(hb->bus, dec.target),
                                lob, upb);
        }
    }
}

void cxl_direct_map_update(void)
{
    CXLDirectMap *m, *next;

    /* Until the machine is ready, nothing is committed */
    if (!phase_check(PHASE_MACHINE_READY)) {
        return;
    }
    /* No window may keep what it decoded: it may have changed */
    cxl_decode_generation++;
    memory_region_transaction_begin();
    QLIST_FOREACH_SAFE(m, &cxl_direct_maps, next, next) {
        QLIST_REMOVE(m, next);
        memory_region_del_subregion(&m->fw->mr, &m->alias);
        /* Aliases may go at any time; the memory with the region */
        OBJECT(&m->alias)->free = g_free;
        object_unparent(OBJECT(&m->alias));
    }
    /* The machine's windows are fixed once it is ready: find them once */
    if (!cxl_windows) {
        cxl_windows = cxl_fmws_get_all_sorted();
    }
    for (GSList *l = cxl_windows; l; l = l->next) {
        CXLFixedWindow *fw = l->data;

        if (memory_region_size(&fw->mr)) {
            cxl_direct_map_window(fw);
        }
    }
    memory_region_transaction_commit();
}

/*
 * The device memory of HPA [@lob, @upb) of @ct3d, if it is one range
 * of its volatile or persistent memory (dynamic capacity is checked
 * access by access)
 */
static bool cxl_fmw_cache_target(CXLType3Dev *ct3d, hwaddr lob, hwaddr upb,
                                 MemoryRegion **mr, uint64_t *offset)
{
    uint64_t vmem = ct3d->cxl_dstate.vmem_size;
    uint64_t pmem = ct3d->cxl_dstate.pmem_size;
    uint64_t dpa, dpa_last;

    if (!cxl_type3_dpa(ct3d, lob, &dpa) ||
        !cxl_type3_dpa(ct3d, upb - 1, &dpa_last) ||
        dpa_last - dpa != upb - 1 - lob) {
        return false;
    }
    if (ct3d->hostvmem && dpa_last < vmem) {
        *mr = host_memory_backend_get_memory(ct3d->hostvmem);
        *offset = dpa;
        return true;
    }
    if (ct3d->hostpmem && dpa >= vmem && dpa_last < vmem + pmem) {
        *mr = host_memory_backend_get_memory(ct3d->hostpmem);
        *offset = dpa - vmem;
        return true;
    }
    return false;
}

void cxl_fmw_cache_fill(CXLFixedWindow *fw, hwaddr addr, PCIDevice *d)
{
    CXLType3Dev *ct3d = CXL_TYPE3(d);
    uint32_t *cache_mem = ct3d->cxl_cstate.crb.cache_mem_registers;
    hwaddr hpa = fw->base + addr;
    uint64_t granule = 0;
    struct CXLFMWCache *c;
    hwaddr lob, upb;
    MemoryRegion *mr;
    uint64_t offset;

    /*
     * The interleave granule: the device's decoder's, or a page if it is
     * not interleaved; no larger than the window's if that is
     */
    for (unsigned i = 0; i < cxl_decoder_count(cache_mem); i++) {
        CXLDecoder dec;

        if (cxl_decoder_read(cache_mem, i, &dec) && hpa >= dec.base &&
            hpa - dec.base < dec.size) {
            granule = FIELD_EX32(dec.ctrl, CXL_HDM_DECODER0_CTRL, IW) ?
                cxl_decode_ig(FIELD_EX32(dec.ctrl, CXL_HDM_DECODER0_CTRL,
                                         IG)) :
                CXL_FMW_CACHE_MAX;
            break;
        }
    }
    if (fw->num_targets > 1) {
        granule = MIN(granule, cxl_decode_ig(fw->enc_int_gran));
    }
    if (!granule || fw->no_decode_cache) {
        return;
    }
    lob = QEMU_ALIGN_DOWN(hpa, granule);
    upb = lob + granule;
    /* All of the granule goes to the device, in one range of its memory */
    if (lob < fw->base || upb > fw->base + fw->size ||
        cxl_fmws_find_device(fw, lob - fw->base) != d ||
        cxl_fmws_find_device(fw, upb - 1 - fw->base) != d ||
        !cxl_fmw_cache_target(ct3d, lob, upb, &mr, &offset)) {
        return;
    }
    if (!fw->cache) {
        fw->cache = g_new0(struct CXLFMWCache, 1);
    }
    c = fw->cache;
    c->generation = cxl_decode_generation;
    c->lob = lob;
    c->upb = upb;
    c->mr = mr;
    c->offset = offset;
    c->host = (uint8_t *)memory_region_get_ram_ptr(mr) + offset;
}

bool cxl_fmw_cache_access(CXLFixedWindow *fw, hwaddr addr, uint64_t *data,
                          unsigned size, bool write)
{
    struct CXLFMWCache *c = fw->cache;
    hwaddr hpa = fw->base + addr;

    if (!c || c->generation != cxl_decode_generation || hpa < c->lob ||
        hpa + size > c->upb) {
        return false;
    }
    if (write) {
        stn_le_p(c->host + (hpa - c->lob), size, *data);
        memory_region_set_dirty(c->mr, c->offset + (hpa - c->lob), size);
    } else {
        *data = ldn_le_p(c->host + (hpa - c->lob), size);
    }
    return true;
}
