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

static void cxl_prop_error(Object *obj, const Property *prop, Error **errp)
{
    /* No id yet: QEMU's message names the -device option */
    error_setg(errp, "%s: %s expects a number: %s", object_get_typename(obj),
               prop->name, prop->info->description);
}

static void cxl_prop_get_u32(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    uint32_t *ptr = object_field_prop_ptr(obj, opaque);

    visit_type_uint32(v, name, ptr, errp);
}

static void cxl_prop_set_u32(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    uint32_t *ptr = object_field_prop_ptr(obj, opaque);

    if (!visit_type_uint32(v, name, ptr, NULL)) {
        cxl_prop_error(obj, opaque, errp);
    }
}

static void cxl_prop_get_u8(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    uint8_t *ptr = object_field_prop_ptr(obj, opaque);

    visit_type_uint8(v, name, ptr, errp);
}

static void cxl_prop_set_u8(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    uint8_t *ptr = object_field_prop_ptr(obj, opaque);

    if (!visit_type_uint8(v, name, ptr, NULL)) {
        cxl_prop_error(obj, opaque, errp);
    }
}

const PropertyInfo cxl_prop_usppb = {
    .type = "uint32",
    .description = "an upstream PPB of the cxl-vcs-switch that vcs= names "
                   "(0 to its usp-ppbs - 1)",
    .get = cxl_prop_get_u32,
    .set = cxl_prop_set_u32,
    .set_default_value = qdev_propinfo_set_default_value_uint,
};

const PropertyInfo cxl_prop_dsppb = {
    .type = "uint32",
    .description = "a downstream PPB of the cxl-vcs-switch that vcs= names "
                   "(0 to its dsp-ppbs - 1)",
    .get = cxl_prop_get_u32,
    .set = cxl_prop_set_u32,
    .set_default_value = qdev_propinfo_set_default_value_uint,
};

const PropertyInfo cxl_prop_num_lds = {
    .type = "uint8",
    .description = "the logical devices of a multi-logical device (1-16)",
    .get = cxl_prop_get_u8,
    .set = cxl_prop_set_u8,
    .set_default_value = qdev_propinfo_set_default_value_uint,
};
