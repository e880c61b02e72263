/*
 * CXL fixed memory windows: interleaved memory mapped page by page
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_INTERLEAVE_MAP_H
#define HW_CXL_CXL_INTERLEAVE_MAP_H

#include "hw/cxl/cxl.h"

/*
 * The interleave map of window @fw: an IOMMU region of the window's size
 * that translates each page at an offset in the window to the page of
 * device memory the window's decode takes it to, made on first use.
 * Map aliases of it only where every page decodes to RAM.
 */
MemoryRegion *cxl_interleave_map_get(CXLFixedWindow *fw);

/* The decode has changed: CPUs forget every page they translated */
void cxl_interleave_map_unmap_all(void);

#endif
