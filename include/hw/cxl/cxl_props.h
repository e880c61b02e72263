/*
 * Number properties of the CXL switch's devices whose errors name their
 * range
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef CXL_PROPS_H
#define CXL_PROPS_H

#include "hw/qdev-properties.h"

/* uint32_t: usppb= of cxl-upstream, dsppb= and num-lds= of cxl-type3 */
extern const PropertyInfo cxl_prop_usppb;
extern const PropertyInfo cxl_prop_dsppb;
extern const PropertyInfo cxl_prop_num_lds;

#endif
