/*
 * CXL fixed memory windows: direct mapping of non-interleaved decode
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_DIRECT_MAP_H
#define HW_CXL_CXL_DIRECT_MAP_H

#include "hw/cxl/cxl.h"

/*
 * The decode from the fixed memory windows to their devices may have
 * changed (an HDM decoder committed, uncommitted or its registers
 * rewritten, a component reset, a device leaving its host, dynamic
 * capacity accepted or released): map again the ranges that are decoded
 * by one device through non-interleaved decoders only, as RAM, and the
 * interleaved ranges of which every page is a page of one device's RAM,
 * page by page; leave the rest to the windows' MMIO decode.
 */
void cxl_direct_map_update(void);

/*
 * @d is being unrealized: map again as cxl_direct_map_update() does, as
 * if it were gone already, so that no window keeps its memory
 */
void cxl_direct_map_device_gone(PCIDevice *d);

/*
 * The address space of @ct3d's volatile or persistent memory that holds
 * all of DPA [@dpa, @dpa + @len), and the offset of @dpa in it; NULL if
 * neither does (dynamic capacity is not RAM throughout)
 */
AddressSpace *cxl_type3_ram(CXLType3Dev *ct3d, uint64_t dpa, uint64_t len,
                            uint64_t *offset);

/*
 * The MMIO decode of window @fw: an access of @size bytes at @addr (from
 * the window's base) to the interleave granule it decoded last goes to
 * the device's memory at once; true if it did.  cxl_fmw_cache_fill()
 * remembers the granule of @addr, which decoded to @d.
 */
bool cxl_fmw_cache_access(CXLFixedWindow *fw, hwaddr addr, uint64_t *data,
                          unsigned size, bool write);
void cxl_fmw_cache_fill(CXLFixedWindow *fw, hwaddr addr, PCIDevice *d);

#endif
