/*
 * CXL multi-VCS switch: what the process a VCS is in does for a binding
 *
 * A binding's device is attached below a vPPB of a VCS in this process:
 * realized below its physical port's PPB the first time, then presented
 * to the host by a function hot-added below the vPPB's cxl-downstream
 * port.  Detaching removes that function, with the host's help
 * (managed), by waiting for the host to power the slot off, or at once
 * (surprise); when it is gone, whoever drives the binding hears of it
 * through s->released: the fabric manager's bind commands
 * (cxl-vcs-bind.c), or in a host process the link to the fabric
 * manager (cxl-vcs-host-link.c).  PERST# and resets of a port reach the
 * bindings this process holds.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_aer.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "cxl-vcs.h"
#include "trace.h"

bool cxl_vcs_attach(CXLVCSSwitch *s, unsigned port, unsigned ld,
                    Error **errp)
{
    CXLVCSPhysPort *p = &s->ports[port];
    CXLVCSBinding *b = &p->ld[ld];
    PCIDevice *dsp = cxl_vcs_vppb_port(s, b->vcs, b->vppb);

    if (!dsp) {
        error_setg(errp, "vPPB %u of VCS %u is gone", b->vppb, b->vcs);
        return false;
    }
    if (p->sub) {
        b->function = cxl_vcs_subswitch_attach(s, port, dsp, errp);
    } else if (cxl_vcs_fabric_realize_device(s, port, ld, errp)) {
        b->function = cxl_vcs_function_add(cxl_vcs_port_target(p, ld),
            pci_bridge_get_sec_bus(PCI_BRIDGE(dsp)), errp);
    }
    if (!b->function) {
        return false;
    }
    trace_cxl_vcs_attached(cxl_vcs_id(s), port, ld, b->vcs, b->vppb);
    if (p->perst) {
        cxl_vcs_attach_perst(s, port);
    }
    return true;
}

bool cxl_vcs_detach(CXLVCSSwitch *s, unsigned port, unsigned ld,
                    CXLVCSUnbindOption option, Error **errp)
{
    CXLVCSBinding *b = &s->ports[port].ld[ld];
    Error *err = NULL;

    switch (option) {
    case CXL_VCS_UNBIND_SURPRISE:
        /* Unrealizes the function: s->released() hears of it now */
        pcie_cap_slot_surprise_unplug(cxl_vcs_vppb_port(s, b->vcs, b->vppb));
        break;
    case CXL_VCS_UNBIND_MANAGED:
        qdev_unplug(DEVICE(b->function), &err);
        if (err) {
            /* e.g. the host is busy with the slot: try again later */
            error_propagate(errp, err);
            return false;
        }
        trace_cxl_vcs_unbind_requested(cxl_vcs_id(s), b->vcs, b->vppb);
        break;
    case CXL_VCS_UNBIND_WAIT_LINK_DOWN:
        break;
    }
    return true;
}

void cxl_vcs_reset_binding(CXLVCSSwitch *s, unsigned port, unsigned ld)
{
    CXLVCSPhysPort *p = &s->ports[port];
    PCIDevice *target = cxl_vcs_port_target(p, ld);

    if (p->ld[ld].function) {
        pci_device_reset(p->ld[ld].function);
    } else if (!cxl_vcs_binding_remote(s, &p->ld[ld]) && target &&
               DEVICE(target)->realized) {
        pci_device_reset(target);
    }
}

/*
 * The device (each LD of an MLD) is reset on either edge of PERST#, so
 * that it leaves reset in its initial state whatever was written to it
 * meanwhile; a bound device's link is the one below its vPPB's port, as
 * its host sees it.  A device another process holds is that one's.
 */
void cxl_vcs_attach_perst(CXLVCSSwitch *s, unsigned port)
{
    CXLVCSPhysPort *p = &s->ports[port];

    for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
        CXLVCSBinding *b = &p->ld[ld];
        PCIDevice *dsp;
        uint8_t *lnksta;

        cxl_vcs_reset_binding(s, port, ld);
        if (!b->function) {
            continue;
        }
        dsp = cxl_vcs_vppb_port(s, b->vcs, b->vppb);
        lnksta = dsp->config + dsp->exp.exp_cap + PCI_EXP_LNKSTA;
        if (p->perst) {
            pci_word_test_and_clear_mask(lnksta, PCI_EXP_LNKSTA_DLLLA);
        } else {
            pci_word_test_and_set_mask(lnksta, PCI_EXP_LNKSTA_DLLLA);
        }
    }
}

#define CXL_AER_BIT_MASK 0x1f
#define CXL_AER_UNCORRECTABLE (1u << 31)

/*
 * vPPB instance @instance of VCS @vcs: 0 is its upstream port, 1.. its
 * downstream ports in device/function order.
 */
static PCIDevice *cxl_vcs_vppb_instance(CXLVCSSwitch *s, unsigned vcs,
                                        unsigned instance)
{
    PCIBus *bus;

    if (vcs >= s->num_usp || !s->vcss[vcs].usp) {
        return NULL;
    }
    if (instance == 0) {
        return PCI_DEVICE(s->vcss[vcs].usp);
    }
    bus = pci_bridge_get_sec_bus(PCI_BRIDGE(s->vcss[vcs].usp));
    for (int devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *dev = bus->devices[devfn];

        if (dev && object_dynamic_cast(OBJECT(dev), TYPE_CXL_DSP) &&
            --instance == 0) {
            return dev;
        }
    }
    return NULL;
}

/*
 * Generate AER Event (5203h) here: the error as the vPPB would signal it
 * to the host bound to the VCS, through QEMU's AER injection, which
 * honours that host's mask and severity registers.
 */
CXLRetCode cxl_vcs_aer(CXLVCSSwitch *s, unsigned vcs, unsigned instance,
                       uint32_t error, const uint8_t *tlp)
{
    PCIDevice *dev = cxl_vcs_vppb_instance(s, vcs, instance);
    PCIEAERErr err = {
        .status = 1u << (error & CXL_AER_BIT_MASK),
        .flags = error & CXL_AER_UNCORRECTABLE ? 0 :
                 PCIE_AER_ERR_IS_CORRECTABLE,
    };
    int ret;

    if (!dev) {
        return CXL_MBOX_INVALID_INPUT;
    }
    err.source_id = pci_requester_id(dev);
    /*
     * The log holds the TLP's bytes in order.  QEMU's AER model stores
     * each DW big-endian in the Header Log, so reading the bytes
     * little-endian puts TLP byte 0 in bits 31:24 of the register, as
     * PCIe has it.
     */
    for (int i = 0; i < 4; i++) {
        err.header[i] = ldl_le_p(tlp + 4 * i);
        err.prefix[i] = ldl_le_p(tlp + 16 + 4 * i);
        if (err.header[i]) {
            err.flags |= PCIE_AER_ERR_HEADER_VALID;
        }
        if (err.prefix[i]) {
            err.flags |= PCIE_AER_ERR_TLP_PREFIX_PRESENT;
        }
    }
    /* A TLP's prefix is logged with its header, never alone */
    if ((err.flags & PCIE_AER_ERR_TLP_PREFIX_PRESENT) &&
        !(err.flags & PCIE_AER_ERR_HEADER_VALID)) {
        return CXL_MBOX_INVALID_INPUT;
    }
    ret = pcie_aer_inject_error(dev, &err);
    trace_cxl_vcs_aer(cxl_vcs_id(s), vcs, instance, error, ret);
    /* -EINVAL: not an error bit of that severity that PCIe defines */
    return !ret ? CXL_MBOX_SUCCESS :
        ret == -EINVAL ? CXL_MBOX_INVALID_INPUT : CXL_MBOX_INTERNAL_ERROR;
}


#define CXL_CONFIG_REQUEST_WRITE 0x80

uint32_t cxl_vcs_config_request(PCIDevice *dev, uint32_t request,
                                uint32_t data)
{
    uint8_t reg = request, ext_be = request >> 8, type = request >> 16;
    uint32_t addr = (ext_be & 0xf) << 8 | (reg & ~3);
    uint8_t be = ext_be >> 4;
    uint32_t result = 0;

    /* Every 12-bit address is in a PCIe function's space */
    for (int i = 0; i < 4; i++) {
        if (!(be & BIT(i))) {
            continue;
        }
        if (type & CXL_CONFIG_REQUEST_WRITE) {
            dev->config_write(dev, addr + i, (data >> (8 * i)) & 0xff, 1);
        } else {
            result |= dev->config_read(dev, addr + i, 1) << (8 * i);
        }
    }
    return result;
}

/* A host's function went away: by an unbind, or by its host */
static void cxl_vcs_function_unrealize(DeviceListener *listener,
                                       DeviceState *dev)
{
    CXLVCSSwitch *s = container_of(listener, CXLVCSSwitch, attach_listener);

    for (unsigned i = 0; i < s->num_dsp; i++) {
        CXLVCSPhysPort *p = &s->ports[i];

        for (unsigned ld = 0; ld < cxl_vcs_port_lds(p); ld++) {
            CXLVCSBinding *b = &p->ld[ld];

            if (!b->function || DEVICE(b->function) != dev) {
                continue;
            }
            trace_cxl_vcs_released(cxl_vcs_id(s), i, ld, b->vcs, b->vppb);
            b->function = NULL;
            if (p->sub) {
                cxl_vcs_subswitch_detached(s, i);
            }
            s->released(s, i, ld);
        }
    }
}

void cxl_vcs_attach_init(CXLVCSSwitch *s,
                         void (*released)(CXLVCSSwitch *s, unsigned port,
                                          unsigned ld))
{
    s->released = released;
    s->attach_listener.unrealize = cxl_vcs_function_unrealize;
    device_listener_register(&s->attach_listener);
}

void cxl_vcs_attach_cleanup(CXLVCSSwitch *s)
{
    device_listener_unregister(&s->attach_listener);
}
