/*
 * Number properties of the CXL switch's devices whose errors name their
 * range
 *
 * QEMU's integer properties answer a value that is no number with the
 * type they expect ("expects integer").  These say which device, which
 * property and what it takes; the range itself is checked where it is
 * known (the switch's realize hooks, cxl_mld_prepare()).
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/cxl/cxl_props.h"
#include "hw/core/qdev-prop-internal.h"

static void cxl_prop_get(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    uint32_t *ptr = object_field_prop_ptr(obj, opaque);

    visit_type_uint32(v, name, ptr, errp);
}

static void cxl_prop_set(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    const Property *prop = opaque;
    uint32_t *ptr = object_field_prop_ptr(obj, prop);

    if (!visit_type_uint32(v, name, ptr, NULL)) {
        /* No id yet: QEMU's message names the -device option */
        error_setg(errp, "%s: %s expects a number: %s",
                   object_get_typename(obj), prop->name,
                   prop->info->description);
    }
}

/* A uint32_t property whose errors say it takes @what */
#define CXL_PROP_NUMBER(what) {                                  \
    .type = "uint32",                                            \
    .description = what,                                         \
    .get = cxl_prop_get,                                         \
    .set = cxl_prop_set,                                         \
    .set_default_value = qdev_propinfo_set_default_value_uint,   \
}

const PropertyInfo cxl_prop_usppb = CXL_PROP_NUMBER(
    "an upstream PPB of the cxl-vcs-switch that vcs= names "
    "(0 to its usp-ppbs - 1)");
const PropertyInfo cxl_prop_dsppb = CXL_PROP_NUMBER(
    "a downstream PPB of the cxl-vcs-switch that vcs= names "
    "(0 to its dsp-ppbs - 1)");
const PropertyInfo cxl_prop_num_lds = CXL_PROP_NUMBER(
    "the logical devices of a multi-logical device (1-16)");
