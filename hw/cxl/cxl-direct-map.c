/*
 * CXL fixed memory windows: direct mapping of their decode
 *
 * A fixed memory window decodes every access through its MMIO callbacks:
 * the host bridge's, the switch's and the device's HDM decoders, then the
 * device's memory.  Where all of them are 1-way (the window has one
 * target and every committed decoder on the path has one), a range of
 * the window is the device's memory, byte for byte from some DPA on: an
 * alias of the device's memory backend placed over the window, so that
 * the CPU reaches it as RAM (TCG's fast path; a KVM memory slot).
 *
 * Where the decode interleaves in granules of a page or more at every
 * level that interleaves, every interleave target on the way is there
 * and decodes the whole range, and the DPAs of the range are in one RAM
 * backend of each device, each page of the range is a page of one
 * device's RAM: an alias of the window's interleave map
 * (cxl-interleave-map.c) over the range translates it page by page,
 * which TCG caches as RAM.  The walk down the decode follows switches
 * below switches.
 *
 * The aliases are rebuilt from the decoders' state whenever it may have
 * changed, within one memory transaction, so no CPU sees a range mapped
 * to a device that no longer decodes it: an unbound device's host falls
 * back to the MMIO decode, which finds no target.  Dynamic capacity is
 * mapped extent by extent, as the host has accepted it, where it is not
 * interleaved; an LD of a multi-logical device maps its own part of the
 * MLD's memory.
 *
 * The rest (granules smaller than a page, dynamic capacity interleaved)
 * stays with the windows' MMIO callbacks, which keep the last interleave
 * granule they decoded (cxl_fmw_cache_access()): the next access to it
 * goes straight to the device's memory.  That granule is the smallest of
 * every decoder that interleaves on the way, which the same walk down the
 * decode measures.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/pcie_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_direct_map.h"
#include "hw/cxl/cxl_host.h"
#include "exec/target_page.h"
#include "system/hostmem.h"
#include "cxl-interleave-map.h"
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

/* A device being unrealized: it decodes nothing any more */
static PCIDevice *cxl_leaving;

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

/* An HDM decoder of @cache_mem: its range, targets and control */
typedef struct CXLDecoder {
    uint64_t base, size;
    uint64_t targets;           /* interleave way k's port: byte k */
    uint32_t ctrl;
} CXLDecoder;

/* Decoder @i of @cache_mem; true if it is committed and decodes a range */
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
    dec->targets = ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_TARGET_LIST_LO +
                            i * inc) |
                   (uint64_t)ldl_le_p(cache_mem +
                                      R_CXL_HDM_DECODER0_TARGET_LIST_HI +
                                      i * inc) << 32;
    return FIELD_EX32(dec->ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED) &&
           dec->size != 0;
}

static unsigned cxl_decoder_count(uint32_t *cache_mem)
{
    uint32_t cap = ldl_le_p(cache_mem + R_CXL_HDM_DECODER_CAPABILITY);

    return cxl_decoder_count_dec(FIELD_EX32(cap, CXL_HDM_DECODER_CAPABILITY,
                                            DECODER_COUNT));
}

static unsigned cxl_decoder_iw(const CXLDecoder *dec)
{
    return FIELD_EX32(dec->ctrl, CXL_HDM_DECODER0_CTRL, IW);
}

/* The interleave granule of @dec, in bytes */
static uint64_t cxl_decoder_ig(const CXLDecoder *dec)
{
    return cxl_decode_ig(FIELD_EX32(dec->ctrl, CXL_HDM_DECODER0_CTRL, IG));
}

/*
 * Whether @dec interleaves in granules of a page or more, so that a
 * page goes to one way whole
 */
static bool cxl_decoder_pages(const CXLDecoder *dec)
{
    return cxl_decoder_ig(dec) >= qemu_target_page_size();
}

/*
 * Committed decoder @i of @cache_mem and the part of [*@lob, *@upb) it
 * decodes; false if none.  The first decoder whose range holds an address
 * decodes it, committed or not: where a decoder before it holds some of
 * that part, the part is left to the MMIO decode.
 */
static bool cxl_decoder_take(uint32_t *cache_mem, int i, CXLDecoder *dec,
                             uint64_t *lob, uint64_t *upb)
{
    if (!cxl_decoder_read(cache_mem, i, dec)) {
        return false;
    }
    *lob = MAX(*lob, dec->base);
    *upb = MIN(*upb, dec->base + dec->size);
    if (*lob >= *upb) {
        return false;
    }
    for (int j = 0; j < i; j++) {
        CXLDecoder prev;

        cxl_decoder_read(cache_mem, j, &prev);
        if (prev.size && prev.base < *upb && *lob < prev.base + prev.size) {
            return false;
        }
    }
    return true;
}

/*
 * Ranges [lob, upb) of HPAs.  Decoder ranges and windows are multiples of
 * 256 MiB, so all of them are: whole pages, and whole interleave sets.
 */
typedef struct CXLHPARange {
    uint64_t lob, upb;
} CXLHPARange;

static GArray *cxl_ranges_new(void)
{
    return g_array_new(false, false, sizeof(CXLHPARange));
}

static void cxl_ranges_add(GArray *ranges, uint64_t lob, uint64_t upb)
{
    CXLHPARange r = { lob, upb };

    g_array_append_val(ranges, r);
}

/*
 * What @all and @some, lists of disjoint ranges, both hold (all of @some
 * when @all is NULL); both are consumed
 */
static GArray *cxl_ranges_intersect(GArray *all, GArray *some)
{
    GArray *both;

    if (!all) {
        return some;
    }
    both = cxl_ranges_new();
    for (unsigned i = 0; i < all->len; i++) {
        CXLHPARange *a = &g_array_index(all, CXLHPARange, i);

        for (unsigned j = 0; j < some->len; j++) {
            CXLHPARange *s = &g_array_index(some, CXLHPARange, j);

            if (MAX(a->lob, s->lob) < MIN(a->upb, s->upb)) {
                cxl_ranges_add(both, MAX(a->lob, s->lob),
                               MIN(a->upb, s->upb));
            }
        }
    }
    g_array_free(all, true);
    g_array_free(some, true);
    return both;
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

/*
 * HPA [@lob, @upb) of @fw is @ct3d's memory from @dpa on, byte for byte:
 * map what of it the device has memory for
 */
static void cxl_direct_map_range(CXLFixedWindow *fw, CXLType3Dev *ct3d,
                                 uint64_t lob, uint64_t upb, uint64_t dpa)
{
    uint64_t vmem = ct3d->cxl_dstate.vmem_size;
    uint64_t pmem = ct3d->cxl_dstate.pmem_size;
    CXLDCExtent *ext;

    if (ct3d->hostvmem) {
        cxl_direct_map_part(fw, lob, dpa, upb - lob,
            host_memory_backend_get_memory(ct3d->hostvmem), 0, vmem);
    }
    if (ct3d->hostpmem) {
        cxl_direct_map_part(fw, lob, dpa, upb - lob,
            host_memory_backend_get_memory(ct3d->hostpmem), vmem, pmem);
    }
    /* Dynamic capacity: what the host has accepted */
    QTAILQ_FOREACH(ext, &ct3d->dc.extents, node) {
        MemoryRegion *dc = host_memory_backend_get_memory(ct3d->dc.host_dc);
        uint64_t e_lob = MAX(dpa, ext->start_dpa);
        uint64_t e_upb = MIN(dpa + (upb - lob), ext->start_dpa + ext->len);

        if (e_lob < e_upb) {
            cxl_direct_map_add(fw, lob + (e_lob - dpa), dc,
                               e_lob - (vmem + pmem), e_upb - e_lob);
        }
    }
}

/*
 * The walk down a window's decode: HPA [@lob, @upb) of @w->fw reaches a
 * component.  Where every decoder on the way there and below is 1-way, it
 * maps the device memory it reaches directly.  Otherwise
 * (@w->interleaved: a decoder above interleaves) it adds to @w->pages the
 * ranges of which every page that reaches the component, whichever
 * interleave way it takes below, decodes to a page of one device's RAM.
 *
 * A walk that measures (@w->granule set, for the decode cache) maps and
 * adds nothing: it lowers *@w->granule to the interleave granule of each
 * decoder that takes the range and interleaves, below every interleave
 * way, the devices' decoders included.
 */
typedef struct CXLWalk {
    CXLFixedWindow *fw;
    bool interleaved;
    GArray *pages;
    uint64_t *granule;
} CXLWalk;

/* ... the component is type-3 device @ct3d */
static void cxl_map_device(const CXLWalk *w, CXLType3Dev *ct3d,
                           uint64_t lob, uint64_t upb)
{
    uint32_t *cache_mem = ct3d->cxl_cstate.crb.cache_mem_registers;

    for (unsigned i = 0; i < cxl_decoder_count(cache_mem); i++) {
        uint64_t l = lob, u = upb, dpa, last, offset;
        CXLDecoder dec;
        bool taken = cxl_decoder_take(cache_mem, i, &dec, &l, &u);

        /*
         * cxl_type3_dpa() decodes nothing from the first decoder on that
         * is uncommitted or of interleave ways it does not know
         */
        if (!FIELD_EX32(dec.ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED) ||
            !cxl_interleave_ways_dec(cxl_decoder_iw(&dec), NULL)) {
            return;
        }
        if (!taken || !cxl_type3_dpa(ct3d, l, &dpa)) {
            continue;
        }
        if (w->granule) {
            if (cxl_decoder_iw(&dec)) {
                *w->granule = MIN(*w->granule, cxl_decoder_ig(&dec));
            }
            continue;
        }
        if (!w->interleaved && !cxl_decoder_iw(&dec)) {
            cxl_direct_map_range(w->fw, ct3d, l, u, dpa);
            continue;
        }
        /*
         * Each page is the device's memory, if the device interleaves in
         * pages (its DPAs skip the other ways' granules), and the DPAs of
         * whole interleave sets are a range: [dpa(l), dpa(u - 1)]
         */
        if (cxl_decoder_iw(&dec) < 8 &&
            (!cxl_decoder_iw(&dec) || cxl_decoder_pages(&dec)) &&
            cxl_type3_dpa(ct3d, u - 1, &last) &&
            cxl_type3_ram(ct3d, dpa, last + 1 - dpa, &offset)) {
            cxl_ranges_add(w->pages, l, u);
        }
    }
}

static void cxl_map_port(const CXLWalk *w, PCIDevice *port, uint64_t lob,
                         uint64_t upb);

/*
 * ... the component is a host bridge or a switch's upstream port with
 * HDM decoders @cache_mem, which decode to the ports on @bus
 */
static void cxl_map_decoders(const CXLWalk *w, uint32_t *cache_mem,
                             PCIBus *bus, uint64_t lob, uint64_t upb)
{
    for (unsigned i = 0; i < cxl_decoder_count(cache_mem); i++) {
        uint64_t l = lob, u = upb;
        GArray *all = NULL;
        CXLDecoder dec;

        if (!cxl_decoder_take(cache_mem, i, &dec, &l, &u)) {
            continue;
        }
        if (!cxl_decoder_iw(&dec)) {
            cxl_map_port(w, pcie_find_port_by_pn(bus, dec.targets & 0xff),
                         l, u);
            continue;
        }
        /* Up to 8 ways, the target list's (no target beyond) */
        if (cxl_decoder_iw(&dec) > 3) {
            continue;
        }
        if (w->granule) {
            *w->granule = MIN(*w->granule, cxl_decoder_ig(&dec));
        } else if (!cxl_decoder_pages(&dec)) {
            /* A page to one way, or no page is mapped */
            continue;
        }
        for (unsigned k = 0; k < 1 << cxl_decoder_iw(&dec); k++) {
            CXLWalk way = {
                .fw = w->fw,
                .interleaved = true,
                .pages = w->granule ? NULL : cxl_ranges_new(),
                .granule = w->granule,
            };
            uint8_t port = (dec.targets >> (8 * k)) & 0xff;

            cxl_map_port(&way, pcie_find_port_by_pn(bus, port), l, u);
            if (way.pages) {
                all = cxl_ranges_intersect(all, way.pages);
            }
        }
        if (all) {
            g_array_append_vals(w->pages, all->data, all->len);
            g_array_free(all, true);
        }
    }
}

/* ... the component is the one below @port, if any */
static void cxl_map_port(const CXLWalk *w, PCIDevice *port, uint64_t lob,
                         uint64_t upb)
{
    PCIDevice *d = port ? cxl_endpoint_below(PCI_BRIDGE(port)) : NULL;

    if (d == cxl_leaving) {
        return;
    }
    if (d && object_dynamic_cast(OBJECT(d), TYPE_CXL_TYPE3)) {
        cxl_map_device(w, CXL_TYPE3(d), lob, upb);
    } else if (d && object_dynamic_cast(OBJECT(d), TYPE_CXL_USP)) {
        cxl_map_decoders(w, cxl_usp_to_cstate(CXL_USP(d))->
                                crb.cache_mem_registers,
                         pci_bridge_get_sec_bus(PCI_BRIDGE(d)), lob, upb);
    }
}

/* ... the component is host bridge @pxb */
static void cxl_map_host(const CXLWalk *w, PXBCXLDev *pxb, uint64_t lob,
                         uint64_t upb)
{
    PCIHostState *hb = pxb ? PCI_HOST_BRIDGE(pxb->cxl_host_bridge) : NULL;
    CXLComponentState *cstate;

    if (!hb || !hb->bus || !pci_bus_is_cxl(hb->bus)) {
        return;
    }
    if (cxl_get_hb_passthrough(hb)) {
        cxl_map_port(w, pcie_find_port_first(hb->bus), lob, upb);
        return;
    }
    cstate = cxl_get_hb_cstate(hb);
    if (cstate) {
        cxl_map_decoders(w, cstate->crb.cache_mem_registers, hb->bus, lob,
                         upb);
    }
}

/*
 * Map what @fw decodes to RAM: directly where it is not interleaved,
 * through the window's interleave map where every page is one device's
 */
static void cxl_map_window(CXLFixedWindow *fw)
{
    GArray *pages = NULL;

    if (fw->no_direct_map) {
        return;
    }
    if (fw->num_targets == 1) {
        CXLWalk w = { .fw = fw, .pages = cxl_ranges_new() };

        cxl_map_host(&w, fw->target_hbs[0], fw->base, fw->base + fw->size);
        pages = w.pages;
    } else if (cxl_decode_ig(fw->enc_int_gran) >= qemu_target_page_size()) {
        for (int t = 0; t < fw->num_targets; t++) {
            CXLWalk w = {
                .fw = fw, .interleaved = true, .pages = cxl_ranges_new(),
            };

            cxl_map_host(&w, fw->target_hbs[t], fw->base,
                         fw->base + fw->size);
            pages = cxl_ranges_intersect(pages, w.pages);
        }
    }
    for (unsigned i = 0; pages && i < pages->len; i++) {
        CXLHPARange *r = &g_array_index(pages, CXLHPARange, i);

        cxl_direct_map_add(fw, r->lob, cxl_interleave_map_get(fw),
                           r->lob - fw->base, r->upb - r->lob);
    }
    if (pages) {
        g_array_free(pages, true);
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
            cxl_map_window(fw);
        }
    }
    memory_region_transaction_commit();
    /* TCG may hold interleaved pages in its TLBs: they go too */
    cxl_interleave_map_unmap_all();
}

void cxl_direct_map_device_gone(PCIDevice *d)
{
    cxl_leaving = d;
    cxl_direct_map_update();
    cxl_leaving = NULL;
}

AddressSpace *cxl_type3_ram(CXLType3Dev *ct3d, uint64_t dpa, uint64_t len,
                            uint64_t *offset)
{
    uint64_t vmem = ct3d->cxl_dstate.vmem_size;
    uint64_t pmem = ct3d->cxl_dstate.pmem_size;

    if (ct3d->hostvmem && len <= vmem && dpa <= vmem - len) {
        *offset = dpa;
        return &ct3d->hostvmem_as;
    }
    if (ct3d->hostpmem && dpa >= vmem && len <= pmem &&
        dpa - vmem <= pmem - len) {
        *offset = dpa - vmem;
        return &ct3d->hostpmem_as;
    }
    return NULL;
}

/*
 * The device memory of HPA [@lob, @upb) of @ct3d, if it is one range
 * of its volatile or persistent memory (dynamic capacity is checked
 * access by access)
 */
static bool cxl_fmw_cache_target(CXLType3Dev *ct3d, hwaddr lob, hwaddr upb,
                                 MemoryRegion **mr, uint64_t *offset)
{
    AddressSpace *as;
    uint64_t dpa, dpa_last;

    if (!cxl_type3_dpa(ct3d, lob, &dpa) ||
        !cxl_type3_dpa(ct3d, upb - 1, &dpa_last) ||
        dpa_last - dpa != upb - 1 - lob) {
        return false;
    }
    as = cxl_type3_ram(ct3d, dpa, upb - lob, offset);
    if (!as) {
        return false;
    }
    *mr = as->root;
    return true;
}

/*
 * The interleave granule of @fw around @hpa: the smallest granule of the
 * decoders that interleave on the way to a device (the window's, the host
 * bridge's, each switch's and the device's), at most CXL_FMW_CACHE_MAX.
 * Each of them takes its way by the address's bits above its granule
 * (decoder ranges are whole 256 MiB), so every byte of the aligned
 * granule takes the way @hpa takes at every level, to the same device.
 * The walk measures below every way, not only the one @hpa takes: a
 * granule smaller than need be is still decoded right.
 */
static uint64_t cxl_fmw_granule(CXLFixedWindow *fw, hwaddr hpa)
{
    uint64_t granule = CXL_FMW_CACHE_MAX;
    CXLWalk w = { .fw = fw, .granule = &granule };

    if (fw->num_targets > 1) {
        granule = MIN(granule, cxl_decode_ig(fw->enc_int_gran));
    }
    for (int t = 0; t < fw->num_targets; t++) {
        cxl_map_host(&w, fw->target_hbs[t], hpa, hpa + 1);
    }
    return granule;
}

void cxl_fmw_cache_fill(CXLFixedWindow *fw, hwaddr addr, PCIDevice *d)
{
    hwaddr hpa = fw->base + addr;
    struct CXLFMWCache *c;
    uint64_t granule, offset;
    hwaddr lob, upb;
    MemoryRegion *mr;

    if (fw->no_decode_cache) {
        return;
    }
    granule = cxl_fmw_granule(fw, hpa);
    lob = QEMU_ALIGN_DOWN(hpa, granule);
    upb = lob + granule;
    /* All of the granule goes to @d: is it one range of its memory? */
    if (lob < fw->base || upb > fw->base + fw->size ||
        !cxl_fmw_cache_target(CXL_TYPE3(d), lob, upb, &mr, &offset)) {
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
