#!/usr/bin/env python3
"""Start qemu-system-x86_64 with the seed's CXL switch topology and print
the PCI/CXL device tree the guest would enumerate, read over QMP."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import QEMU, wait_for  # noqa: E402
from seed import seed_args  # noqa: E402

CLASS_NAMES = {
    0x0502: "CXL memory device",
    0x0604: "PCI bridge",
    0x0600: "host bridge",
    0x0c03: "USB controller",
    0x0c0b: "CXL switch CCI",
}


def topology(workdir):
    # TCG, so that SeaBIOS enumerates the PCI hierarchy (bus numbers)
    # as a guest's firmware would; there is nothing to boot.
    return ["-machine", "q35,cxl=on", "-accel", "tcg", "-display", "none",
            "-nodefaults", "-m", "1G", "-boot", "strict=on"] + \
        seed_args(workdir)


def describe(dev):
    cls = dev["class_info"]["class"]
    name = dev["class_info"].get("desc") or CLASS_NAMES.get(cls, "class %04x" % cls)
    ident = dev.get("qdev_id") or "-"
    return "%02x.%x %04x:%04x %-20s %s" % (
        dev["slot"], dev["function"], dev["id"]["vendor"], dev["id"]["device"],
        name, ident)


def print_bus(devices, bus, depth, out):
    for dev in devices:
        out.append("  " * depth + "%02x:%s" % (bus, describe(dev)))
        bridge = dev.get("pci_bridge")
        if bridge:
            sec = bridge["bus"]["secondary"]
            out[-1] += "  -> bus %02x" % sec
            print_bus(bridge.get("devices", []), sec, depth + 1, out)


def enumerated(vm):
    """True once firmware has given every bridge a secondary bus."""
    def walk(devices):
        for dev in devices:
            bridge = dev.get("pci_bridge")
            if bridge and (not bridge["bus"]["secondary"] or
                           not walk(bridge.get("devices", []))):
                return False
        return True
    return all(walk(root["devices"]) for root in vm.cmd("query-pci"))


def main():
    qbuild = sys.argv[1]
    binary = os.path.join(qbuild, "qemu-system-x86_64")
    with tempfile.TemporaryDirectory(prefix="cxl-demo-") as workdir:
        with QEMU(binary, topology(workdir)) as vm:
            ver = vm.cmd("query-version")["qemu"]
            print("== QEMU %d.%d.%d, machine q35 with a CXL switch topology"
                  % (ver["major"], ver["minor"], ver["micro"]))
            if not wait_for(lambda: enumerated(vm), timeout=60, interval=0.5):
                print("firmware did not enumerate the PCI hierarchy")
                return 1
            vcs = [o for o in vm.cmd("qom-list-types", implements="user-creatable")
                   if o["name"] == "cxl-vcs-switch"]
            print("== cxl-vcs-switch object type registered: %s"
                  % ("yes" if vcs else "no"))
            print("== PCI/CXL device tree as the firmware enumerated it")
            print("   (bus:dev.fn vendor:device class qdev-id)")
            out = []
            for root in vm.cmd("query-pci"):
                out.append("segment root bus %02x" % root["bus"])
                print_bus(root["devices"], root["bus"], 1, out)
            print("\n".join(out))
            print("== Virtual CXL Switches (HMP info cxl-vcs)")
            print(vm.hmp("info cxl-vcs").rstrip())
            switches = vm.cmd("query-cxl-vcs")
            hidden = [p for p in switches[0]["ports"]
                      if p["present"] and p["state"] == "unbound"]
            print("== %d VCSs, %d vPPBs, %d hidden endpoints waiting for an "
                  "FM-API bind" % (len(switches[0]["vcss"]),
                                   sum(len(v["vppbs"])
                                       for v in switches[0]["vcss"]),
                                   len(hidden)))
            if not vcs or len(hidden) != 4:
                return 1
    print("== demo: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
