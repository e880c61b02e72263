/*
 * CXL multi-VCS switch object (cxl-vcs-switch)
 *
 * A physical CXL switch whose upstream PPBs each form one Virtual CXL
 * Switch (VCS).  Physical downstream ports are numbered 0 .. dsp-ppbs - 1
 * and the upstream ports follow them, dsp-ppbs .. dsp-ppbs + usp-ppbs - 1.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object_interfaces.h"
#include "hw/cxl/cxl_vcs_switch.h"

static bool cxl_vcs_get_local_fm(Object *obj, Error **errp)
{
    return CXL_VCS_SWITCH(obj)->local_fm;
}

static void cxl_vcs_set_local_fm(Object *obj, bool value, Error **errp)
{
    CXL_VCS_SWITCH(obj)->local_fm = value;
}

static void cxl_vcs_switch_complete(UserCreatable *uc, Error **errp)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(uc);
    const char *id = object_get_canonical_path_component(OBJECT(uc));

    if (s->num_usp < 1 || s->num_usp > CXL_VCS_MAX_VCS) {
        error_setg(errp, "cxl-vcs-switch '%s': usp-ppbs %u out of range "
                   "(1-%u)", id, s->num_usp, CXL_VCS_MAX_VCS);
        return;
    }
    if (s->num_dsp < 1 ||
        s->num_dsp > CXL_VCS_MAX_PHYS_PORTS - s->num_usp) {
        error_setg(errp, "cxl-vcs-switch '%s': dsp-ppbs %u out of range "
                   "(1-%u with usp-ppbs=%u: FM-API port ids are 8-bit)",
                   id, s->num_dsp, CXL_VCS_MAX_PHYS_PORTS - s->num_usp,
                   s->num_usp);
        return;
    }
}

static void cxl_vcs_switch_instance_init(Object *obj)
{
    CXLVCSSwitch *s = CXL_VCS_SWITCH(obj);

    s->local_fm = true;
    object_property_add_uint32_ptr(obj, "usp-ppbs", &s->num_usp,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "dsp-ppbs", &s->num_dsp,
                                   OBJ_PROP_FLAG_READWRITE);
}

static void cxl_vcs_switch_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = cxl_vcs_switch_complete;
    object_class_property_add_bool(oc, "local-fm", cxl_vcs_get_local_fm,
                                   cxl_vcs_set_local_fm);
    object_class_property_set_description(oc, "local-fm",
        "the fabric manager's CCIs for this switch live in this process");
}

static const TypeInfo cxl_vcs_switch_info = {
    .name = TYPE_CXL_VCS_SWITCH,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(CXLVCSSwitch),
    .instance_init = cxl_vcs_switch_instance_init,
    .class_init = cxl_vcs_switch_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void cxl_vcs_switch_register_types(void)
{
    type_register_static(&cxl_vcs_switch_info);
}

type_init(cxl_vcs_switch_register_types)
