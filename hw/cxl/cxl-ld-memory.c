/*
 * The memory of a logical device of a CXL multi-logical device: a window
 * onto part of the MLD's memory backend, which cxl-type3 takes like any
 * memory backend.  Only cxl-mld.c makes them: "cxl-ld-memory" refuses
 * to be created on its own.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "cxl-ld-memory.h"

/*
 * Writes through it reach the MLD's backend, file included; they do not
 * mark the MLD backend's own region dirty (no migration of MLDs).
 */
#define TYPE_CXL_LD_MEMORY "cxl-ld-memory"
OBJECT_DECLARE_SIMPLE_TYPE(CXLLDMemory, CXL_LD_MEMORY)

struct CXLLDMemory {
    HostMemoryBackend parent_obj;

    MemoryRegion *source;
    uint64_t offset;
};

static void cxl_ld_memory_complete(UserCreatable *uc, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(uc);
    CXLLDMemory *m = CXL_LD_MEMORY(uc);

    if (!m->source) {
        error_setg(errp, "%s is the memory of an LD of a cxl-type3 with "
                   "num-lds; it cannot be created on its own",
                   TYPE_CXL_LD_MEMORY);
        return;
    }
    /*
     * A RAM region of its own on the MLD's host memory, not an alias: the
     * device writes it as RAM (memory_region_set_dirty() of the LSA),
     * and a host maps it as RAM
     */
    memory_region_init_ram_ptr(&backend->mr, OBJECT(backend), "cxl-ld-memory",
                               backend->size,
                               memory_region_get_ram_ptr(m->source) +
                               m->offset);
}

static void cxl_ld_memory_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = cxl_ld_memory_complete;
}

static const TypeInfo cxl_ld_memory_info = {
    .name = TYPE_CXL_LD_MEMORY,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(CXLLDMemory),
    .class_init = cxl_ld_memory_class_init,
};

static void cxl_ld_memory_register_types(void)
{
    type_register_static(&cxl_ld_memory_info);
}

type_init(cxl_ld_memory_register_types)

HostMemoryBackend *cxl_ld_memory_new(MemoryRegion *source, uint64_t offset,
                                     uint64_t size)
{
    CXLLDMemory *m = CXL_LD_MEMORY(object_new(TYPE_CXL_LD_MEMORY));

    m->source = source;
    m->offset = offset;
    m->parent_obj.size = size;
    user_creatable_complete(USER_CREATABLE(m), &error_abort);
    return MEMORY_BACKEND(m);
}
