#!/usr/bin/env python3
"""Start qemu-system-x86_64 with the seed's CXL switch topology and print
the PCI/CXL device tree the guest would enumerate, read over QMP."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import QEMU, wait_for  # noqa: E402

CLASS_NAMES = {
    0x0502: "CXL memory device",
    0x0604: "PCI bridge",
    0x0600: "host bridge",
    0x0c03: "USB controller",
    0x0c0b: "CXL switch CCI",
}


def topology(workdir):
    """The seed cover letter's command line, with sparse backing files."""
    # TCG, so that SeaBIOS enumerates the PCI hierarchy (bus numbers)
    # as a guest's firmware would; there is nothing to boot.
    # The USB host controller comes first, so that it lands on pcie.0.
    args = ["-machine", "q35,cxl=on", "-accel", "tcg", "-display", "none",
            "-nodefaults", "-m", "1G", "-boot", "strict=on",
            "-device", "usb-ehci,id=ehci"]
    for n in range(1, 5):
        size = "256M" if n <= 2 else "2G"   # DCDs: 8 regions of 256 MiB
        args += ["-object",
                 "memory-backend-file,id=cxl-mem%d,share=on,"
                 "mem-path=%s/t3_cxl%d.raw,size=%s" % (n, workdir, n, size),
                 "-object",
                 "memory-backend-file,id=cxl-lsa%d,share=on,"
                 "mem-path=%s/t3_lsa%d.raw,size=1M" % (n, workdir, n)]
    args += [
        "-object", "cxl-vcs-switch,id=vcs0,usp-ppbs=2,dsp-ppbs=4,local-fm=true",
        "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0,hdm_for_passthrough=true",
        "-device", "cxl-rp,port=0,bus=cxl.0,id=root_port1,chassis=0,slot=1",
        "-device", "pxb-cxl,bus_nr=22,bus=pcie.0,id=cxl.1,hdm_for_passthrough=true",
        "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port2,chassis=1,slot=1",
        "-device", "cxl-upstream,port=0,sn=1234,bus=root_port1,id=us0,addr=0.0,"
                   "multifunction=on,vcs=vcs0,usppb=0",
        "-device", "cxl-upstream,port=0,sn=5678,bus=root_port2,id=us1,addr=0.0,"
                   "multifunction=on,vcs=vcs0,usppb=1",
        "-device", "cxl-switch-mailbox-cci,bus=root_port1,addr=0.3,target=vcs0",
        "-device", "usb-cxl-mctp,bus=ehci.0,id=usb0,target=vcs0",
    ]
    for i in range(8):
        args += ["-device", "cxl-downstream,port=%d,bus=us%d,id=swport%d,slot=%d"
                 % (i % 4, i // 4, i, i + 3)]
    args += [
        "-device", "cxl-type3,persistent-memdev=cxl-mem1,id=cxl-ep1,"
                   "lsa=cxl-lsa1,sn=99,vcs=vcs0,dsppb=0",
        "-device", "cxl-type3,persistent-memdev=cxl-mem2,id=cxl-ep2,"
                   "lsa=cxl-lsa2,sn=100,vcs=vcs0,dsppb=1",
        "-device", "cxl-type3,volatile-dc-memdev=cxl-mem3,id=cxl-dcd1,"
                   "lsa=cxl-lsa3,num-dc-regions=8,sn=101,vcs=vcs0,dsppb=2",
        "-device", "cxl-type3,volatile-dc-memdev=cxl-mem4,id=cxl-dcd2,"
                   "lsa=cxl-lsa4,num-dc-regions=8,sn=102,vcs=vcs0,dsppb=3",
        "-machine", "cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=8G,"
                    "cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.size=8G",
    ]
    return args


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
