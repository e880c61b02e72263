#!/usr/bin/env python3
"""Startup time and memory of a large multi-VCS switch topology: 8 VCSs
of 16 vPPBs each with 64 hidden endpoints, against the same topology
without the endpoints; and the memory of 64 realized cxl-type3 devices,
each on a root port of its own, against the root ports alone.  Prints
medians of several runs, and the cost of one device of each kind as the
difference of the medians."""

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_vm import qemu_machine  # noqa: E402

VCSS = 8
VPPBS = 16
ENDPOINTS = 64
RUNS = 5


def topology(endpoints):
    # QEMUMachine adds -display none and the QMP monitor.
    args = ["-machine", "q35,cxl=on", "-accel", "qtest",
            "-nodefaults", "-m", "512M",
            "-object", "cxl-vcs-switch,id=vcs0,usp-ppbs=%d,dsp-ppbs=%d"
            % (VCSS, ENDPOINTS)]
    for v in range(VCSS):
        # 1 root port + 1 upstream + VPPBS downstream secondary buses
        args += ["-device", "pxb-cxl,bus_nr=%d,bus=pcie.0,id=cxl.%d"
                 % (10 + 20 * v, v),
                 "-device", "cxl-rp,port=0,bus=cxl.%d,id=rp%d,chassis=%d,slot=0"
                 % (v, v, v + 1),
                 "-device", "cxl-upstream,port=0,bus=rp%d,id=us%d,addr=0.0,"
                 "multifunction=on,vcs=vcs0,usppb=%d" % (v, v, v)]
        for p in range(VPPBS):
            args += ["-device", "cxl-downstream,port=%d,bus=us%d,id=sw%d.%d,"
                     "chassis=%d,slot=%d" % (p, v, v, p, v + 1, p + 1)]
    args += ["-device", "cxl-switch-mailbox-cci,bus=rp0,addr=0.3,"
             "target=vcs0"]
    args += backends()
    for e in range(ENDPOINTS if endpoints else 0):
        args += ["-device", "cxl-type3,persistent-memdev=mem%d,lsa=lsa%d,"
                 "id=ep%d,vcs=vcs0,dsppb=%d" % (e, e, e, e)]
    return args


def backends():
    """The devices' memory, in both topologies compared: what a device
    costs is the device's"""
    args = []
    for e in range(ENDPOINTS):
        args += ["-object", "memory-backend-ram,id=mem%d,size=256M" % e,
                 "-object", "memory-backend-ram,id=lsa%d,size=1M" % e]
    return args


def realized_topology(endpoints):
    """64 root ports below 8 CXL host bridges, each with a device"""
    args = ["-machine", "q35,cxl=on", "-accel", "qtest",
            "-nodefaults", "-m", "512M"] + backends()
    per_bridge = ENDPOINTS // VCSS
    for b in range(VCSS):
        args += ["-device", "pxb-cxl,bus_nr=%d,bus=pcie.0,id=cxl.%d"
                 % (10 + 20 * b, b)]
        for r in range(per_bridge):
            e = b * per_bridge + r
            args += ["-device", "cxl-rp,port=%d,bus=cxl.%d,id=rp%d,"
                     "chassis=%d,slot=%d" % (r, b, e, b + 1, r)]
            if endpoints:
                args += ["-device", "cxl-type3,persistent-memdev=mem%d,"
                         "lsa=lsa%d,id=ep%d,bus=rp%d" % (e, e, e, e)]
    return args


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure_realized(qbuild, endpoints):
    """Median RSS in KiB of realized_topology(@endpoints)"""
    rss = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory(prefix="cxl-bench-") as tmp:
            vm = qemu_machine(qbuild, realized_topology(endpoints),
                              os.path.join(tmp, "qmp.sock"), 30)
            with vm:
                vm.launch()
                devices = [d for d in vm.cmd("qom-list",
                                             path="/machine/peripheral")
                           if d["name"].startswith("ep")]
                if len(devices) != (ENDPOINTS if endpoints else 0):
                    raise SystemExit("unexpected topology: %d devices"
                                     % len(devices))
                # Let start-up's transient allocations settle
                time.sleep(0.5)
                rss.append(rss_kib(vm.get_pid()))
    return statistics.median(rss)


def measure(qbuild, endpoints):
    times, rss = [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory(prefix="cxl-bench-") as tmp:
            start = time.monotonic()
            vm = qemu_machine(qbuild, topology(endpoints),
                              os.path.join(tmp, "qmp.sock"), 30)
            with vm:
                vm.launch()
                switches = vm.cmd("query-cxl-vcs")
                times.append(time.monotonic() - start)
                time.sleep(0.5)
                rss.append(rss_kib(vm.get_pid()))
        hidden = sum(p["present"] and p["state"] == "unbound"
                     for p in switches[0]["ports"])
        vppbs = sum(len(v["vppbs"]) for v in switches[0]["vcss"])
        if hidden != (ENDPOINTS if endpoints else 0) or \
           vppbs != VCSS * VPPBS:
            raise SystemExit("unexpected topology: %d hidden, %d vPPBs"
                             % (hidden, vppbs))
    return statistics.median(times) * 1000, statistics.median(rss) / 1024


def main():
    with_ep = measure(sys.argv[1], True)
    without = measure(sys.argv[1], False)
    label = "%d VCSs x %d vPPBs" % (VCSS, VPPBS)
    print("startup to QMP ready, %s, %d hidden endpoints: %.0f ms, "
          "RSS %.1f MiB" % (label, ENDPOINTS, with_ep[0], with_ep[1]))
    print("startup to QMP ready, %s, no endpoints:        %.0f ms, "
          "RSS %.1f MiB" % (label, without[0], without[1]))
    print("cost of %d hidden endpoints: %+.0f ms, %+.1f MiB (medians of %d)"
          % (ENDPOINTS, with_ep[0] - without[0], with_ep[1] - without[1],
             RUNS))
    realized = measure_realized(sys.argv[1], True)
    ports = measure_realized(sys.argv[1], False)
    print("RSS, %d root ports with a realized cxl-type3 each: %.1f MiB; "
          "without: %.1f MiB" % (ENDPOINTS, realized / 1024, ports / 1024))
    print("memory per device: realized %.0f KiB (target 1024), "
          "unbound %.0f KiB (target 64)"
          % ((realized - ports) / ENDPOINTS,
             (with_ep[1] - without[1]) * 1024 / ENDPOINTS))


if __name__ == "__main__":
    main()
