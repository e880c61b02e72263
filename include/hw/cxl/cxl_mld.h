/*
 * CXL multi-logical devices: a type-3 device with num-lds > 1
 *
 * An MLD splits its memory into logical devices (LDs), each bound to a
 * host of its own through a switch.  The fabric manager sets the split
 * up through the MLD's FM-owned LD (the MLD Component command set, 54xxh,
 * CXL r3.2 section 7.6.7.4); each LD is a cxl-type3 of its own, backed
 * by its part of the MLD's memory.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CXL_CXL_MLD_H
#define HW_CXL_CXL_MLD_H

#include "hw/cxl/cxl_device.h"
#include "qapi/qapi-builtin-types.h"

/* An MLD has at most 16 LDs, CXL r3.2 section 2.4 */
#define CXL_MLD_MAX_LDS 16

typedef struct CXLMLD CXLMLD;

/*
 * Check num-lds and, for an MLD, split the memory cxl_type3_prepare()
 * has claimed into LDs and answer the MLD Component commands on the
 * FM-owned LD's CCI @fm_cci.  Undone by cxl_mld_finalize().
 */
bool cxl_mld_prepare(CXLType3Dev *ct3d, CXLCCI *fm_cci, Error **errp);
void cxl_mld_finalize(CXLType3Dev *ct3d);

/*
 * LD @ld of the MLD @ct3d, a cxl-type3 that is prepared but not
 * realized until it is first needed; NULL if it has no memory allocated.
 */
CXLType3Dev *cxl_mld_ld(CXLType3Dev *ct3d, unsigned ld);

/*
 * A switch binds LD @ld to a host, or has unbound it: while it is
 * bound, Set LD Allocations may not change its memory.
 */
void cxl_mld_set_bound(CXLType3Dev *ct3d, unsigned ld, bool bound);

/*
 * LD @ld, bound, is in another QEMU process: a tunnel to it reaches
 * @cci, which passes the commands on, until it is unbound
 */
void cxl_mld_set_elsewhere(CXLType3Dev *ct3d, unsigned ld, CXLCCI *cci);

/*
 * Give the LDs the sizes in bytes of @sizes, one per LD, as another
 * process's MLD has them; false if they do not fit or would change an LD
 * that is bound
 */
bool cxl_mld_set_ld_sizes(CXLType3Dev *ct3d, const sizeList *sizes,
                          Error **errp);

#endif
