/*
 * CXL multi-VCS switch: its physical side, which no host enumerates
 *
 * Each physical downstream port is a cxl-downstream PPB on a PCIe root
 * bus of the switch's own, behind a host bridge that no CPU reaches: its
 * memory and I/O spaces are mapped nowhere and DMA from below it goes
 * nowhere.  A device on a port, once realized, is realized below its PPB;
 * hosts reach it only through the function a bind gives them
 * (cxl-vcs-function.c).  Fabric management sees these PPBs: Get Physical
 * Port State reports their link, Send PPB CXL.io Configuration Request
 * reaches their registers while the port is unbound.
 *
 * The physical PPBs take chassis 255 with slot numbers from 4096 on.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/sysbus.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_port.h"
#include "hw/cxl/cxl.h"
#include "cxl-vcs.h"
#include "trace.h"

#define TYPE_CXL_VCS_FABRIC "cxl-vcs-fabric"
OBJECT_DECLARE_SIMPLE_TYPE(CXLVCSFabric, CXL_VCS_FABRIC)

#define CXL_VCS_FABRIC_CHASSIS 255
#define CXL_VCS_FABRIC_SLOT_BASE 4096

struct CXLVCSFabric {
    PCIHostState parent_obj;

    MemoryRegion mem;       /* the root bus's address spaces, unmapped */
    MemoryRegion io;
    MemoryRegion dma_root;  /* where bus masters below it write: nowhere */
    AddressSpace dma_as;
};

static AddressSpace *cxl_vcs_fabric_dma_as(PCIBus *bus, void *opaque,
                                           int devfn)
{
    return &CXL_VCS_FABRIC(opaque)->dma_as;
}

static const PCIIOMMUOps cxl_vcs_fabric_iommu_ops = {
    .get_address_space = cxl_vcs_fabric_dma_as,
};

/*
 * INTx: no host enumerates the fabric and nothing is wired to its pins,
 * but its PPBs' Interrupt Disable bit may still be toggled (5103h)
 */
static void cxl_vcs_fabric_set_irq(void *opaque, int irq_num, int level)
{
}

static int cxl_vcs_fabric_map_irq(PCIDevice *pci_dev, int irq_num)
{
    return irq_num;
}

static void cxl_vcs_fabric_realize(DeviceState *dev, Error **errp)
{
    CXLVCSFabric *f = CXL_VCS_FABRIC(dev);
    PCIHostState *phb = PCI_HOST_BRIDGE(dev);
    g_autofree char *name = g_strdup_printf("%s.fabric",
        object_get_canonical_path_component(OBJECT(dev)->parent));

    memory_region_init(&f->mem, OBJECT(f), "cxl-vcs-fabric-mem", UINT64_MAX);
    memory_region_init(&f->io, OBJECT(f), "cxl-vcs-fabric-io", 0x10000);
    memory_region_init(&f->dma_root, OBJECT(f), "cxl-vcs-fabric-dma",
                       UINT64_MAX);
    address_space_init(&f->dma_as, &f->dma_root, "cxl-vcs-fabric-dma");
    phb->bus = pci_root_bus_new(dev, name, &f->mem, &f->io, 0, TYPE_PCIE_BUS);
    pci_setup_iommu(phb->bus, &cxl_vcs_fabric_iommu_ops, f);
    pci_bus_irqs(phb->bus, cxl_vcs_fabric_set_irq, f, PCI_NUM_PINS);
    pci_bus_map_irqs(phb->bus, cxl_vcs_fabric_map_irq);
}

static void cxl_vcs_fabric_unrealize(DeviceState *dev)
{
    pci_bus_irqs_cleanup(PCI_HOST_BRIDGE(dev)->bus);
}

static void cxl_vcs_fabric_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->realize = cxl_vcs_fabric_realize;
    dc->unrealize = cxl_vcs_fabric_unrealize;
    dc->desc = "physical side of a cxl-vcs-switch";
    /* A cxl-vcs-switch creates it once the machine is ready */
    dc->user_creatable = false;
    dc->hotpluggable = true;
}

static const TypeInfo cxl_vcs_fabric_info = {
    .name = TYPE_CXL_VCS_FABRIC,
    .parent = TYPE_PCI_HOST_BRIDGE,
    .instance_size = sizeof(CXLVCSFabric),
    .class_init = cxl_vcs_fabric_class_init,
};

static void cxl_vcs_fabric_register_types(void)
{
    type_register_static(&cxl_vcs_fabric_info);
}

type_init(cxl_vcs_fabric_register_types)

/* A root bus no CPU reaches, as child @name of @parent */
static PCIBus *cxl_vcs_fabric_new(Object *parent, const char *name,
                                  Error **errp)
{
    DeviceState *host = qdev_new(TYPE_CXL_VCS_FABRIC);

    object_property_add_child(parent, name, OBJECT(host));
    if (!sysbus_realize_and_unref(SYS_BUS_DEVICE(host), errp)) {
        object_unparent(OBJECT(host));
        return NULL;
    }
    return PCI_HOST_BRIDGE(host)->bus;
}

bool cxl_vcs_fabric_create(CXLVCSSwitch *s, unsigned seq, Error **errp)
{
    PCIBus *bus = cxl_vcs_fabric_new(OBJECT(s), "physical-ports", errp);

    if (!bus) {
        return false;
    }
    /* Function 0 of each slot last, as hot-plug wants it */
    for (int i = s->num_dsp - 1; i >= 0; i--) {
        DeviceState *ppb = qdev_new(TYPE_CXL_DSP);
        g_autofree char *name = g_strdup_printf("port[%d]", i);

        object_property_add_child(OBJECT(bus->qbus.parent), name,
                                  OBJECT(ppb));
        qdev_prop_set_uint8(ppb, "port", i);
        qdev_prop_set_int32(ppb, "addr", i);
        qdev_prop_set_bit(ppb, "multifunction", true);
        qdev_prop_set_uint8(ppb, "chassis", CXL_VCS_FABRIC_CHASSIS);
        qdev_prop_set_uint16(ppb, "slot", CXL_VCS_FABRIC_SLOT_BASE +
                             seq * CXL_VCS_MAX_PHYS_PORTS + i);
        /* No host powers its slot: it is always on */
        qdev_prop_set_bit(ppb, COMPAT_PROP_PCP, false);
        if (!qdev_realize_and_unref(ppb, BUS(bus), errp)) {
            error_prepend(errp, "cxl-vcs-switch '%s': physical port %d: ",
                          cxl_vcs_id(s), i);
            return false;
        }
        s->ports[i].ppb = PCI_DEVICE(ppb);
        cxl_vcs_fabric_update_link(s, i);
    }
    return true;
}

/*
 * The link of a port's PPB is up while a device is connected and not
 * held in reset; a device realized below the PPB brings it up as well.
 */
void cxl_vcs_fabric_update_link(CXLVCSSwitch *s, unsigned port)
{
    CXLVCSPhysPort *p = &s->ports[port];
    uint8_t *lnksta;

    if (!p->ppb) {
        return;
    }
    lnksta = p->ppb->config + p->ppb->exp.exp_cap + PCI_EXP_LNKSTA;
    if (cxl_vcs_port_present(p) && !p->perst) {
        pci_word_test_and_set_mask(lnksta, PCI_EXP_LNKSTA_DLLLA);
    } else {
        pci_word_test_and_clear_mask(lnksta, PCI_EXP_LNKSTA_DLLLA);
    }
}

AddressSpace *cxl_vcs_fabric_ld_as(CXLVCSSwitch *s, unsigned port)
{
    return s->ports[port].ld_bus ? &s->ports[port].ld_as : NULL;
}

/*
 * The bus of the LDs of the MLD on @port: the secondary bus of an
 * upstream port on a root bus of the port's own.  Not the root bus
 * itself, whose PCIe functions would be Root Complex Integrated
 * Endpoints, which a host does not take for devices behind a switch; not
 * below a downstream port either, whose link carries device 0 only.
 */
static PCIBus *cxl_vcs_fabric_ld_bus(CXLVCSSwitch *s, unsigned port,
                                     Error **errp)
{
    CXLVCSPhysPort *p = &s->ports[port];
    g_autofree char *name = NULL;
    DeviceState *usp;
    PCIBus *root;

    root = cxl_vcs_fabric_new(OBJECT(p->ppb), "lds", errp);
    if (!root) {
        return NULL;
    }
    usp = qdev_new(TYPE_CXL_USP);
    object_property_add_child(OBJECT(root->qbus.parent), "usp", OBJECT(usp));
    if (!qdev_realize_and_unref(usp, BUS(root), errp)) {
        object_unparent(OBJECT(usp));
        object_unparent(OBJECT(root->qbus.parent));
        return NULL;
    }
    name = g_strdup_printf("cxl-vcs-%s-port%u-lds", cxl_vcs_id(s), port);
    p->ld_bus = pci_bridge_get_sec_bus(PCI_BRIDGE(usp));
    address_space_init(&p->ld_as, p->ld_bus->address_space_mem, name);
    return p->ld_bus;
}

/*
 * Where binding @ld of @port is realized: an SLD below the port's PPB;
 * the LDs of an MLD on a bus of the port's own, LD k in slot k (an MLD
 * has up to 16 LDs)
 */
static BusState *cxl_vcs_target_bus(CXLVCSSwitch *s, unsigned port,
                                    unsigned ld, Error **errp)
{
    CXLVCSPhysPort *p = &s->ports[port];

    if (!cxl_vcs_port_is_mld(p)) {
        return BUS(pci_bridge_get_sec_bus(PCI_BRIDGE(p->ppb)));
    }
    if (!p->ld_bus && !cxl_vcs_fabric_ld_bus(s, port, errp)) {
        return NULL;
    }
    qdev_prop_set_int32(DEVICE(cxl_vcs_port_target(p, ld)), "addr",
                        PCI_DEVFN(ld, 0));
    return BUS(p->ld_bus);
}

/*
 * Realize what binding @ld of @port presents, the first time it is
 * needed: until then it is only prepared, which costs a fraction of the
 * memory.
 */
bool cxl_vcs_fabric_realize_device(CXLVCSSwitch *s, unsigned port,
                                   unsigned ld, Error **errp)
{
    DeviceState *dev = DEVICE(cxl_vcs_port_target(&s->ports[port], ld));
    bool hotplugged = dev->hotplugged;
    BusState *bus;

    if (dev->realized) {
        return true;
    }
    bus = cxl_vcs_target_bus(s, port, ld, errp);
    if (!bus) {
        return false;
    }
    if (!qdev_realize(dev, bus, errp)) {
        /* Take it off the bus again, and keep it for another try */
        Object *obj = OBJECT(dev), *parent = obj->parent;
        g_autofree char *name =
            g_strdup(object_get_canonical_path_component(obj));

        object_ref(obj);
        object_unparent(obj);
        object_property_add_child(parent, name, obj);
        object_unref(obj);
        return false;
    }
    /* A device created at startup is not reset by a late realize */
    if (!hotplugged) {
        device_cold_reset(dev);
    }
    trace_cxl_vcs_realized(cxl_vcs_id(s), port, ld);
    return true;
}
