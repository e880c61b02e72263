/*
 * CXL fixed memory windows: direct mapping of non-interleaved decode
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_DIRECT_MAP_H
#define HW_CXL_CXL_DIRECT_MAP_H

/*
 * The decode from the fixed memory windows to their devices may have
 * changed (an HDM decoder committed or uncommitted, a component reset, a
 * device leaving its host, dynamic capacity accepted or released): map
 * again the ranges that are decoded by one device through non-interleaved
 * decoders only, as RAM, and leave the rest to the windows' MMIO decode.
 */
void cxl_direct_map_update(void);

#endif
