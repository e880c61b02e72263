#!/usr/bin/env python3
"""Run the guest scenarios: a Linux guest with the seed topology is both
the fabric manager (FM-API over MCTP over USB) and the host of both VCSs.

usage: guest.py QEMU_BUILD_DIR KERNEL INITRAMFS [--demo] SCENARIO...

Each scenario passes when the guest reports "SCENARIO x: PASS".  When the
guest asks ("HOST: check-vcs"), the last Get Virtual CXL Switch Info it
printed is compared with QMP query-cxl-vcs.  --demo narrates scenario a.
"""

import os
import re
import select
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import QEMU  # noqa: E402
from seed import seed_args  # noqa: E402

TIMEOUT = 900


STATUS = {"unbound": "unbound", "in progress": "in-progress",
          "bound": "bound"}


def guest_vcs_view(lines):
    """{(vcs, vppb): (state, port)} from fmapi's Get VCS Info output"""
    view, vcs = {}, None
    for line in lines:
        m = re.match(r"VCS (\d+): ", line)
        if m:
            vcs = int(m.group(1))
            continue
        m = re.match(r"  vPPB (\d+): (unbound|in progress|bound)"
                     r"(?: to port (\d+))?", line)
        if m and vcs is not None:
            view[(vcs, int(m.group(1)))] = (
                STATUS[m.group(2)], int(m.group(3)) if m.group(3) else None)
    return view


def host_vcs_view(vm):
    view = {}
    for vcs in vm.cmd("query-cxl-vcs")[0]["vcss"]:
        for v in vcs["vppbs"]:
            state = {"bind-in-progress": "in-progress",
                     "unbind-in-progress": "in-progress"}.get(v["state"],
                                                              v["state"])
            view[(vcs["vcs-id"], v["vppb"])] = (state, v.get("phys-port"))
    return view


class Guest:
    def __init__(self, qbuild, kernel, initramfs, scenario, narrate):
        self.scenario = scenario
        self.narrate = narrate
        self.workdir = tempfile.mkdtemp(prefix="cxl-guest-")
        sock_path = os.path.join(self.workdir, "serial.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(sock_path)
        self.listener.listen(1)
        args = ["-machine", "q35,cxl=on", "-accel", "tcg",
                "-cpu", "max,hypervisor=off", "-m", "2G", "-smp", "1",
                "-display", "none", "-nodefaults", "-no-reboot",
                "-chardev", "socket,id=ser0,path=%s" % sock_path,
                "-serial", "chardev:ser0",
                "-kernel", kernel, "-initrd", initramfs,
                "-append", "console=ttyS0 panic=-1 cxlscenario=%s" % scenario]
        self.vm = QEMU(os.path.join(qbuild, "qemu-system-x86_64"),
                       args + seed_args(self.workdir), timeout=60)

    def say(self, text):
        if self.narrate:
            print(text, flush=True)

    def run(self):
        self.vm.start()
        self.listener.settimeout(30)
        serial, _ = self.listener.accept()
        self.say("== Host: the switch before anything is bound "
                 "(QMP query-cxl-vcs, HMP info cxl-vcs)")
        self.say(self.vm.hmp("info cxl-vcs").replace("\r", "").rstrip())
        buf, log, vcs_lines = b"", [], []
        deadline = time.monotonic() + TIMEOUT
        result = None
        while result is None and time.monotonic() < deadline:
            ready, _, _ = select.select([serial], [], [], 1)
            if not ready:
                continue
            data = serial.recv(4096)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode(errors="replace").rstrip("\r")
                log.append(line)
                self.say("guest| " + line)
                if line.startswith("$ fmapi vcs"):
                    vcs_lines = []
                else:
                    vcs_lines.append(line)
                if line == "HOST: check-vcs":
                    serial.sendall(self.check_vcs(vcs_lines).encode() + b"\n")
                m = re.match(r"SCENARIO (\w+): (.*)", line)
                if m:
                    result = m.group(2)
        if result == "PASS":
            self.say("== Host: the switch after the scenario")
            self.say(self.vm.hmp("info cxl-vcs").replace("\r", "").rstrip())
        self.vm.stop()
        serial.close()
        if result is None:
            result = "FAIL: no result (timeout or guest crash)"
        return result, log

    def check_vcs(self, lines):
        guest, host = guest_vcs_view(lines), host_vcs_view(self.vm)
        if guest == host:
            self.say("host| query-cxl-vcs agrees with the guest's view")
            return "ok"
        self.say("host| query-cxl-vcs differs: guest %s, host %s"
                 % (guest, host))
        return "mismatch"


def main():
    qbuild, kernel, initramfs = sys.argv[1:4]
    narrate = "--demo" in sys.argv
    scenarios = [a for a in sys.argv[4:] if not a.startswith("--")]
    failed = 0
    for scenario in scenarios:
        start = time.monotonic()
        result, log = Guest(qbuild, kernel, initramfs, scenario,
                            narrate).run()
        took = time.monotonic() - start
        if result != "PASS":
            failed += 1
            if not narrate:
                print("\n".join(log[-40:]))
        print("guest scenario %s: %s (%.0f s)" % (scenario, result, took),
              flush=True)
    print("%d passed, %d failed" % (len(scenarios) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
