/*
 * CXL multi-VCS switch: the PCI function a bind gives a host
 *
 * A device on a physical port lives below the switch's own PPB
 * (cxl-vcs-fabric.c), where no host sees it.  Binding the port to a vPPB
 * hot-adds a cxl-vcs-function below that vPPB, which presents the device
 * to the host:
 *
 *  - the Command register and the BARs are the function's own, so the
 *    host maps the BARs in its address space; each BAR is an alias of the
 *    device's, so the host reaches the device's registers;
 *  - the rest of configuration space (identity, capabilities, MSI-X,
 *    DOE, AER, DVSECs) is the device's;
 *  - the device's MSI-X messages are written through the function's
 *    bus master address space, to its host;
 *  - a reset of the function resets the device;
 *  - HDM decode finds the device through cxl_vcs_function_target(), and
 *    so does the direct mapping of its memory (cxl-direct-map.c), which
 *    goes when the function does.
 *
 * Unbinding removes the function; the device, and everything it holds,
 * stays where it is until it is bound again, to any host.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_direct_map.h"
#include "cxl-vcs.h"

#define TYPE_CXL_VCS_FUNCTION "cxl-vcs-function"
OBJECT_DECLARE_SIMPLE_TYPE(CXLVCSFunction, CXL_VCS_FUNCTION)

struct CXLVCSFunction {
    PCIDevice parent_obj;

    PCIDevice *target;      /* the device presented; set before realize */
    bool leaving;           /* being unrealized: it presents nothing */
    MemoryRegion bars[PCI_NUM_REGIONS];
};

/* The function presenting each realized target, while it is bound */
static GHashTable *cxl_vcs_functions;

/* Configuration registers that are the function's own */
static bool cxl_vcs_function_owns(uint32_t addr)
{
    return (addr >= PCI_COMMAND && addr < PCI_STATUS) ||
           (addr >= PCI_BASE_ADDRESS_0 && addr < PCI_CARDBUS_CIS) ||
           (addr >= PCI_ROM_ADDRESS && addr < PCI_CAPABILITY_LIST);
}

/*
 * Every access is one of the function's own or one of the device's, but
 * for the dword at PCI_COMMAND: its low half is the function's Command
 * register, its high half the device's Status register.
 */
static uint32_t cxl_vcs_function_read(PCIDevice *d, uint32_t addr, int len)
{
    CXLVCSFunction *f = CXL_VCS_FUNCTION(d);
    PCIDevice *t = f->target;

    if (addr <= PCI_COMMAND + 1 && addr + len > PCI_STATUS) {
        return pci_default_read_config(d, addr, PCI_STATUS - addr) |
               t->config_read(t, PCI_STATUS, addr + len - PCI_STATUS) <<
               8 * (PCI_STATUS - addr);
    }
    if (cxl_vcs_function_owns(addr)) {
        return pci_default_read_config(d, addr, len);
    }
    return t->config_read(t, addr, len);
}

static void cxl_vcs_function_write(PCIDevice *d, uint32_t addr, uint32_t val,
                                   int len)
{
    CXLVCSFunction *f = CXL_VCS_FUNCTION(d);
    PCIDevice *t = f->target;

    if (addr <= PCI_COMMAND + 1 && addr + len > PCI_STATUS) {
        pci_default_write_config(d, addr, val, PCI_STATUS - addr);
        t->config_write(t, PCI_STATUS, val >> 8 * (PCI_STATUS - addr),
                        addr + len - PCI_STATUS);
    } else if (cxl_vcs_function_owns(addr)) {
        pci_default_write_config(d, addr, val, len);
    } else {
        t->config_write(t, addr, val, len);
    }
}

/* MSI and MSI-X messages of a target: to its host, if it has one */
static void cxl_vcs_function_msi_trigger(PCIDevice *t, MSIMessage msg)
{
    PCIDevice *d = g_hash_table_lookup(cxl_vcs_functions, t);
    MemTxAttrs attrs = {};

    if (!d) {
        return;
    }
    attrs.requester_id = pci_requester_id(d);
    address_space_stl_le(&d->bus_master_as, msg.address, msg.data, attrs,
                         NULL);
}

static void cxl_vcs_function_realize(PCIDevice *d, Error **errp)
{
    CXLVCSFunction *f = CXL_VCS_FUNCTION(d);
    PCIDevice *t = f->target;

    if (!t || !DEVICE(t)->realized) {
        error_setg(errp, "cxl-vcs-function: no realized device to present");
        return;
    }
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &t->io_regions[i];
        g_autofree char *name = NULL;

        if (!r->size) {
            continue;
        }
        name = g_strdup_printf("cxl-vcs-function-bar%d", i);
        memory_region_init_alias(&f->bars[i], OBJECT(f), name, r->memory, 0,
                                 r->size);
        pci_register_bar(d, i, r->type, &f->bars[i]);
    }
    /* Where the PCI core looks for the device's PCIe capability */
    d->exp.exp_cap = t->exp.exp_cap;
    if (!cxl_vcs_functions) {
        cxl_vcs_functions = g_hash_table_new(NULL, NULL);
    }
    g_hash_table_insert(cxl_vcs_functions, t, d);
    t->msi_trigger = cxl_vcs_function_msi_trigger;
}

static void cxl_vcs_function_exit(PCIDevice *d)
{
    CXLVCSFunction *f = CXL_VCS_FUNCTION(d);

    g_hash_table_remove(cxl_vcs_functions, f->target);
    /* The host no longer reaches the device's memory, not even as RAM */
    f->leaving = true;
    cxl_direct_map_update();
}

/* A reset from the host (a hot or secondary bus reset) reaches the device */
static void cxl_vcs_function_reset(DeviceState *dev)
{
    pci_device_reset(CXL_VCS_FUNCTION(dev)->target);
}

PCIDevice *cxl_vcs_function_target(PCIDevice *d)
{
    CXLVCSFunction *f = (CXLVCSFunction *)
        object_dynamic_cast(OBJECT(d), TYPE_CXL_VCS_FUNCTION);

    return f && !f->leaving ? f->target : NULL;
}

PCIDevice *cxl_vcs_function_add(PCIDevice *target, PCIBus *bus, Error **errp)
{
    DeviceState *dev = qdev_new(TYPE_CXL_VCS_FUNCTION);

    CXL_VCS_FUNCTION(dev)->target = target;
    object_property_add_child(OBJECT(target), "host-function", OBJECT(dev));
    if (!qdev_realize_and_unref(dev, BUS(bus), errp)) {
        object_unparent(OBJECT(dev));
        return NULL;
    }
    return PCI_DEVICE(dev);
}

static void cxl_vcs_function_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->realize = cxl_vcs_function_realize;
    pc->exit = cxl_vcs_function_exit;
    pc->config_read = cxl_vcs_function_read;
    pc->config_write = cxl_vcs_function_write;
    dc->desc = "host's function of a device behind a cxl-vcs-switch";
    /* A bind creates it */
    dc->user_creatable = false;
    device_class_set_legacy_reset(dc, cxl_vcs_function_reset);
}

static const TypeInfo cxl_vcs_function_info = {
    .name = TYPE_CXL_VCS_FUNCTION,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(CXLVCSFunction),
    .class_init = cxl_vcs_function_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void cxl_vcs_function_register_types(void)
{
    type_register_static(&cxl_vcs_function_info);
}

type_init(cxl_vcs_function_register_types)
