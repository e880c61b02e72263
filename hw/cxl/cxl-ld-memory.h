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

#ifndef HW_CXL_CXL_LD_MEMORY_H
#define HW_CXL_CXL_LD_MEMORY_H

#include "system/hostmem.h"

/*
 * A completed memory backend whose memory is @size bytes of @source, a
 * RAM region, from @offset on
 */
HostMemoryBackend *cxl_ld_memory_new(MemoryRegion *source, uint64_t offset,
                                     uint64_t size);

#endif
