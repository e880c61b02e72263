/*
 * CXL fixed memory windows: interleaved memory mapped page by page
 *
 * Where a window's decode interleaves in granules of a page or more, each
 * page of the window is one device's memory, a page of its memory
 * backend.  A window's interleave map is an IOMMU memory region of the
 * window's size, whose translate() decodes a page as the window's MMIO
 * callbacks do (cxl_fmws_find_device(), then the device's HPA to DPA) and
 * answers with the page of the device's backend.  cxl-direct-map.c places
 * aliases of it over the ranges of the window where every page decodes to
 * RAM that way, so TCG finds that RAM on a TLB miss and keeps the page in
 * its TLB as RAM: loads, stores and instruction fetches run at RAM speed.
 *
 * TCG keeps a notifier per CPU for every IOMMU region it has translated
 * through until the CPU goes, so each window has one interleave map for
 * the machine's life; only the aliases change with the decode.  Every
 * change of decode notifies the unmapping of the whole window, and TCG
 * forgets the pages it has cached.
 *
 * KVM cannot make a memory slot of an IOMMU region: under KVM, accesses to
 * the mapped ranges exit to QEMU, which translates them as above (correct,
 * not faster than the MMIO decode).  The regions offer no replay: a vfio
 * device that registers on one gets no mappings of it.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/main-loop.h"
#include "exec/target_page.h"
#include "system/address-spaces.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_direct_map.h"
#include "cxl-interleave-map.h"
#include "trace.h"

#define TYPE_CXL_INTERLEAVE_MAP "cxl-interleave-map"
OBJECT_DECLARE_SIMPLE_TYPE(CXLInterleaveMap, CXL_INTERLEAVE_MAP)

struct CXLInterleaveMap {
    IOMMUMemoryRegion parent_obj;

    CXLFixedWindow *fw;
    QLIST_ENTRY(CXLInterleaveMap) next;
};

static QLIST_HEAD(, CXLInterleaveMap) cxl_interleave_maps =
    QLIST_HEAD_INITIALIZER(cxl_interleave_maps);

/*
 * What a page reads that no device decodes when it is translated (a CPU
 * that has not yet seen the mapping go): all ones, and writes to it are
 * dropped, as through the windows' MMIO decode
 */
typedef struct CXLNoTarget {
    MemoryRegion mr;
    AddressSpace as;
} CXLNoTarget;

static CXLNoTarget *cxl_no_target;

static IOMMUTLBEntry cxl_interleave_map_translate(IOMMUMemoryRegion *iommu,
                                                  hwaddr addr,
                                                  IOMMUAccessFlags flag,
                                                  int iommu_idx)
{
    CXLFixedWindow *fw = CXL_INTERLEAVE_MAP(iommu)->fw;
    uint64_t page = qemu_target_page_size();
    IOMMUTLBEntry entry = {
        .target_as = &cxl_no_target->as,
        .iova = QEMU_ALIGN_DOWN(addr, page),
        .addr_mask = page - 1,
        .perm = IOMMU_RW,
    };
    AddressSpace *as = NULL;
    PCIDevice *d;
    uint64_t dpa;

    /* The decoders are the devices' state, read under the BQL */
    BQL_LOCK_GUARD();
    d = cxl_fmws_find_device(fw, entry.iova);
    if (d && cxl_type3_dpa(CXL_TYPE3(d), fw->base + entry.iova, &dpa)) {
        as = cxl_type3_ram(CXL_TYPE3(d), dpa, page, &entry.translated_addr);
    }
    if (as) {
        entry.target_as = as;
    }
    trace_cxl_interleave_map_translate(fw->index, fw->base + entry.iova,
                                       as ? memory_region_name(as->root) :
                                       "no target", entry.translated_addr);
    return entry;
}

static int cxl_interleave_map_attrs_to_index(IOMMUMemoryRegion *iommu,
                                             MemTxAttrs attrs)
{
    return 0;
}

/* Nothing to replay: the mapping is the decode, translated on demand */
static void cxl_interleave_map_replay(IOMMUMemoryRegion *iommu,
                                      IOMMUNotifier *notifier)
{
}

static void cxl_interleave_map_class_init(ObjectClass *klass,
                                          const void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = cxl_interleave_map_translate;
    imrc->attrs_to_index = cxl_interleave_map_attrs_to_index;
    imrc->replay = cxl_interleave_map_replay;
}

static const TypeInfo cxl_interleave_map_info = {
    .name = TYPE_CXL_INTERLEAVE_MAP,
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .instance_size = sizeof(CXLInterleaveMap),
    .class_init = cxl_interleave_map_class_init,
};

static void cxl_interleave_map_register_types(void)
{
    type_register_static(&cxl_interleave_map_info);
}

type_init(cxl_interleave_map_register_types)

MemoryRegion *cxl_interleave_map_get(CXLFixedWindow *fw)
{
    uint64_t page = qemu_target_page_size();
    CXLInterleaveMap *m;

    QLIST_FOREACH(m, &cxl_interleave_maps, next) {
        if (m->fw == fw) {
            return MEMORY_REGION(m);
        }
    }
    if (!cxl_no_target) {
        cxl_no_target = g_new0(CXLNoTarget, 1);
        memory_region_init_rom_nomigrate(&cxl_no_target->mr, NULL,
                                         "cxl-no-target", page, &error_fatal);
        memset(memory_region_get_ram_ptr(&cxl_no_target->mr), 0xff, page);
        address_space_init(&cxl_no_target->as, &cxl_no_target->mr,
                           "cxl-no-target");
    }
    m = g_new0(CXLInterleaveMap, 1);
    memory_region_init_iommu(m, sizeof(*m), TYPE_CXL_INTERLEAVE_MAP,
                             OBJECT(fw), TYPE_CXL_INTERLEAVE_MAP,
                             fw->size);
    m->fw = fw;
    QLIST_INSERT_HEAD(&cxl_interleave_maps, m, next);
    return MEMORY_REGION(m);
}

void cxl_interleave_map_unmap_all(void)
{
    CXLInterleaveMap *m;

    QLIST_FOREACH(m, &cxl_interleave_maps, next) {
        IOMMUTLBEvent event = {
            .type = IOMMU_NOTIFIER_UNMAP,
            .entry = {
                .target_as = &address_space_memory,
                .addr_mask = memory_region_size(MEMORY_REGION(m)) - 1,
                .perm = IOMMU_NONE,
            },
        };

        memory_region_notify_iommu(IOMMU_MEMORY_REGION(m), 0, event);
    }
}
