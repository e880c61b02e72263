#!/usr/bin/env python3
"""Run the guest scenarios: a Linux guest with the seed topology is both
the fabric manager (FM-API over MCTP over USB) and the host of both VCSs.

usage: guest.py QEMU_BUILD_DIR KERNEL INITRAMFS [--demo] SCENARIO...

CXL_GUEST_QEMU_ARGS in the environment adds QEMU options (e.g. traces),
CXL_GUEST_APPEND kernel command line options (e.g. dyndbg=...).

Each scenario passes when the guest reports "SCENARIO x: PASS" and its
console shows no kernel oops, BUG or warning.  When the guest asks
("HOST: check-vcs"), the last Get Virtual CXL Switch Info it printed is
compared with QMP query-cxl-vcs.  --demo narrates scenario a.
"""

import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_vm import qemu_machine  # noqa: E402
from seed import seed_args, split_seed  # noqa: E402

TIMEOUT = 900
# What the guest kernel prints when it oopses or warns
KERNEL_TROUBLE = re.compile(r"Oops|BUG:|WARNING:|Call Trace|"
                            r"general protection fault|Kernel panic")
# The one warning the scenarios cause on purpose: Linux warns once when a
# program sends a raw mailbox command, as guest/tools/cxl-dc does for the
# DCD commands Linux lacks.  Its report runs to the end-of-trace line.
EXPECTED_WARNING = re.compile(r"WARNING: drivers/cxl/core/mbox\.c:\d+ at "
                              r"cxl_send_cmd\+")


def kernel_trouble(log):
    """The first line of @log that reports an unexpected oops or warning"""
    expected = False
    for line in log:
        expected = expected or bool(EXPECTED_WARNING.search(line))
        if expected:
            expected = "---[ end trace" not in line
        elif KERNEL_TROUBLE.search(line):
            return line
    return None

# Scenarios on more than the seed topology: a switch property changed,
# and options added ($DIR: the directory of the backing files).
# f: an MLD of two 512 MiB LDs (1 GiB) on a fifth physical port.
MLD_ARGS = [
    "-object", "memory-backend-file,id=mld-mem,share=on,"
    "mem-path=$DIR/mld.raw,size=1G",
    "-object", "memory-backend-file,id=mld-lsa,share=on,"
    "mem-path=$DIR/mld-lsa.raw,size=1M",
    "-device", "cxl-type3,id=mld0,persistent-memdev=mld-mem,lsa=mld-lsa,"
    "num-lds=2,sn=300,vcs=vcs0,dsppb=4",
]
# j: a switch with two type-3 devices on a fifth physical port
# (tests/data/cxl/two-level-topology.args).
TOPOLOGY = {"f": (("dsp-ppbs=4", "dsp-ppbs=5"), MLD_ARGS),
            "j": (("dsp-ppbs=4", "dsp-ppbs=5"), "two-level-topology.args")}
# Scenarios whose guest reboots (the firmware then sets up what a bind
# hot-added): QEMU resets the machine rather than exiting
REBOOTS = {"j"}


def scenario_args(scenario, workdir):
    """The seed topology, as @scenario changes it"""
    args = seed_args(workdir)
    if scenario in TOPOLOGY:
        (old, new), extra = TOPOLOGY[scenario]
        args = [a.replace(old, new) if a.startswith("cxl-vcs-switch,")
                else a for a in args]
        if isinstance(extra, str):
            args += seed_args(workdir, extra)
        else:
            args += [a.replace("$DIR", workdir) for a in extra]
    return args


STATUS = {"unbound": "unbound", "in progress": "in-progress",
          "bound": "bound", "bound LD": "bound"}


def guest_vcs_view(lines):
    """{(vcs, vppb): (state, port, LD)} from the Get VCS Info output of
    vcs-get-virtual-switch-info-mctp or fmapi"""
    view, vcs = {}, None
    for line in lines:
        m = re.match(r"VCS (\d+): ", line)
        if m:
            vcs = int(m.group(1))
            continue
        m = re.match(r"  vPPB (\d+): (unbound|in progress|bound LD|bound)"
                     r"(?: to port (\d+))?(?:,? LD (\d+))?", line)
        if m and vcs is not None:
            view[(vcs, int(m.group(1)))] = (
                STATUS[m.group(2)], int(m.group(3)) if m.group(3) else None,
                int(m.group(4)) if m.group(4) else None)
    return view


def hmp(vm, command_line):
    """The output of an HMP command, without carriage returns"""
    return vm.cmd("human-monitor-command",
                  command_line=command_line).replace("\r", "").rstrip()


def host_vcs_view(vm):
    view = {}
    for vcs in vm.cmd("query-cxl-vcs")[0]["vcss"]:
        for v in vcs["vppbs"]:
            state = {"bind-in-progress": "in-progress",
                     "unbind-in-progress": "in-progress"}.get(v["state"],
                                                              v["state"])
            view[(vcs["vcs-id"], v["vppb"])] = (state, v.get("phys-port"),
                                                v.get("ld-id"))
    return view


PROBE_SECONDS = 30


def accelerator(qbuild, kernel, initramfs):
    """kvm if a guest boots to its init under KVM within PROBE_SECONDS
    (QEMU built with KVM, /dev/kvm usable, a host whose KVM runs Linux
    guests), else tcg"""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    with tempfile.TemporaryDirectory(prefix="cxl-probe-") as tmp:
        serial = os.path.join(tmp, "serial")
        cmd = [os.path.join(qbuild, "qemu-system-x86_64"), "-machine", "q35",
               "-accel", "kvm",
               "-cpu", "host", "-m", "512M", "-nodefaults", "-no-reboot",
               "-display", "none", "-serial", "file:" + serial,
               "-kernel", kernel, "-initrd", initramfs,
               "-append", "console=ttyS0 panic=-1 cxlscenario=probe"]
        try:
            subprocess.run(cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=PROBE_SECONDS,
                           check=False)
        except subprocess.TimeoutExpired:
            return "tcg"
        if not os.path.exists(serial):
            return "tcg"    # QEMU without KVM support
        with open(serial, errors="replace") as f:
            return "kvm" if "SCENARIO probe: PASS" in f.read() else "tcg"


class Guest:
    def __init__(self, qbuild, kernel, initramfs, scenario, narrate,
                 accel="tcg", workdir=None, topology=None, name=""):
        self.scenario = scenario
        self.narrate = narrate
        self.name = name
        self.figures = []   # membench lines
        self.workdir = workdir or tempfile.mkdtemp(prefix="cxl-guest-")
        sock_path = os.path.join(self.workdir, "serial%s.sock" % name)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(sock_path)
        self.listener.listen(1)
        # QEMUMachine adds -display none and the QMP monitor.
        args = ["-machine", "q35,cxl=on", "-accel", accel,
                "-cpu", "host" if accel == "kvm" else "max,hypervisor=off",
                "-m", "2G", "-smp", "1", "-nodefaults",
                "-chardev", "socket,id=ser0,path=%s" % sock_path,
                "-serial", "chardev:ser0",
                "-kernel", kernel, "-initrd", initramfs,
                "-append", "console=ttyS0 panic=-1 cxlscenario=%s %s %s"
                % (scenario, "quiet" if narrate else "",
                   os.environ.get("CXL_GUEST_APPEND", ""))]
        if scenario not in REBOOTS:
            args += ["-no-reboot"]
        # Extra QEMU options for debugging, e.g. "-trace cxl_mctp_*"
        args += os.environ.get("CXL_GUEST_QEMU_ARGS", "").split()
        if topology is None:
            topology = scenario_args(scenario, self.workdir)
        self.vm = qemu_machine(qbuild, args + topology,
                               os.path.join(self.workdir,
                                            "qmp%s.sock" % name), 60)
        self.serial = None
        self.buf = b""
        self.log = []
        self.vcs_lines = []
        self.result = None

    def say(self, text):
        if self.narrate:
            print(text, flush=True)

    def start(self):
        self.vm.launch()
        self.listener.settimeout(30)
        self.serial, _ = self.listener.accept()

    def lines(self):
        """The lines the guest printed since last asked; None once its
        serial line is closed"""
        data = self.serial.recv(4096)
        if not data:
            return None
        self.buf += data
        lines = []
        while b"\n" in self.buf:
            raw, self.buf = self.buf.split(b"\n", 1)
            line = raw.decode(errors="replace").rstrip("\r")
            self.log.append(line)
            self.say("guest%s| %s" % (self.name, line))
            lines.append(line)
        return lines

    def answer(self, text):
        self.serial.sendall(text.encode() + b"\n")

    def handle(self, line):
        """Act on a line of the guest's; False if it is none of ours"""
        if line.startswith(("$ fmapi vcs",
                            "$ vcs-get-virtual-switch-info-mctp",
                            "$ fm-walk")):
            self.vcs_lines = []
        else:
            self.vcs_lines.append(line)
        if line == "HOST: check-vcs":
            self.answer(self.check_vcs(self.vcs_lines))
        m = re.match(r"HOST: dc-(add|release) (\S+) (\d+) (\d+)", line)
        if m:
            self.answer(self.dc(*m.groups()))
        m = re.match(r"HOST: check-memory (\S+) (\d+) (\S+)", line)
        if m:
            self.answer(self.check_memory(*m.groups()))
        m = re.match(r"HOST: check-ram (\S+)", line)
        if m:
            self.answer(self.check_ram(m.group(1)))
        m = re.match(r"HOST: check-interleave-map (\S+)", line)
        if m:
            self.answer(self.check_interleave_map(m.group(1)))
        m = re.match(r"HOST: (direct-map|decode-cache) (on|off) (\d+)", line)
        if m:
            self.answer(self.window_knob(*m.groups()))
        if line.startswith("membench "):
            self.figures.append(line)
        m = re.match(r"SCENARIO (\w+): (.*)", line)
        if m:
            self.result = m.group(2)
        # (A guest that reboots would panic again and again)
        if "Kernel panic" in line:
            self.result = "FAIL: " + line

    def finish(self):
        """Stop QEMU; the scenario's result and the console log"""
        if self.result == "PASS":
            self.say("== Host: the switch after the scenario")
            self.say(hmp(self.vm, "info cxl-vcs"))
        self.vm.stop()
        if self.serial:
            self.serial.close()
        result = self.result
        if result is None:
            result = "FAIL: no result (timeout or guest crash)"
        trouble = kernel_trouble(self.log)
        if result == "PASS" and trouble:
            result = "FAIL: the kernel logged: " + trouble
        log = list(self.log)
        if result != "PASS":
            # What QEMU printed, and how it ended
            log += ["-- QEMU%s (exit code %s):" % (self.name,
                                                   self.vm.exitcode())]
            log += (self.vm.get_log() or "").splitlines()[-20:]
        return result, log

    def run(self):
        self.start()
        self.say("== Host: the switch before anything is bound "
                 "(QMP query-cxl-vcs, HMP info cxl-vcs)")
        self.say(hmp(self.vm, "info cxl-vcs"))
        deadline = time.monotonic() + TIMEOUT
        while self.result is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.serial], [], [], 1)
            if not ready:
                continue
            lines = self.lines()
            if lines is None:
                break
            for line in lines:
                self.handle(line)
        return self.finish()

    def flat_region(self, hpa):
        """The type and the name of what the machine's memory has at
        @hpa, from its flattened view; None if nothing"""
        addr, in_memory = int(hpa, 0), False
        for line in hmp(self.vm, "info mtree -f").splitlines():
            if line.startswith("FlatView") or line.startswith(' AS "'):
                in_memory = in_memory or 'AS "memory"' in line
                continue
            m = re.match(r"\s+([0-9a-f]+)-([0-9a-f]+) \(prio \d+, ([^)]*)\): "
                         r"(\S+)", line)
            if in_memory and m and \
               int(m.group(1), 16) <= addr <= int(m.group(2), 16):
                self.say("host| %#x is %s: %s" % (addr, m.group(3), line))
                return m.group(3), m.group(4)
        return None

    def check_ram(self, hpa):
        """Whether the machine's memory maps @hpa as RAM, directly"""
        region = self.flat_region(hpa)
        if not region:
            return "unmapped"
        return "ok" if region[0].endswith("ram") else "mmio"

    def check_interleave_map(self, hpa):
        """Whether @hpa is in a window's interleave map (page by page)"""
        region = self.flat_region(hpa)
        if not region:
            return "unmapped"
        return "ok" if region[1] == "cxl-interleave-map" else region[1]

    def window_knob(self, knob, state, index):
        """x-direct-map or x-decode-cache of fixed memory window @index"""
        windows = [p["name"] for p in
                   self.vm.cmd("qom-list", path="/machine/unattached")
                   if p["type"] == "child<cxl-fmw>"]
        self.vm.cmd("qom-set", path="/machine/unattached/" +
                    windows[int(index)], property="x-" + knob,
                    value=state == "on")
        self.say("host| window %s: x-%s=%s" % (index, knob, state))
        return "ok"

    def dc(self, action, dev, offset, length):
        """QMP cxl-add/release-dynamic-capacity of one extent of region 0"""
        args = {"path": "/machine/peripheral/" + dev, "host-id": 0,
                "region": 0,
                "extents": [{"offset": int(offset), "len": int(length)}]}
        if action == "add":
            args["selection-policy"] = "prescriptive"
        else:
            args["removal-policy"] = "prescriptive"
        try:
            self.vm.cmd("cxl-%s-dynamic-capacity" % action, **args)
        except Exception as e:  # noqa: BLE001 -- reported to the guest
            self.say("host| cxl-%s-dynamic-capacity: %s" % (action, e))
            return "error"
        self.say("host| QMP cxl-%s-dynamic-capacity %s: extent %#x+%#x"
                 % (action, dev, int(offset), int(length)))
        return "ok"

    def check_memory(self, backend, dpa, pattern):
        """Whether @pattern is at @dpa in @backend's file"""
        path = self.vm.cmd("qom-get", path="/objects/" + backend,
                           property="mem-path")
        with open(path, "rb") as f:
            f.seek(int(dpa))
            data = f.read(len(pattern))
        if data == pattern.encode():
            self.say("host| %s holds the pattern at DPA %#x"
                     % (path, int(dpa)))
            return "ok"
        self.say("host| %s starts with %r" % (path, data))
        return "mismatch"

    def check_vcs(self, lines):
        guest, host = guest_vcs_view(lines), host_vcs_view(self.vm)
        if guest == host:
            self.say("host| query-cxl-vcs agrees with the guest's view")
            return "ok"
        self.say("host| query-cxl-vcs differs: guest %s, host %s"
                 % (guest, host))
        return "mismatch"


class TwoGuests:
    """Scenario k: two QEMU processes share the switch, each with a guest
    of its own (build-aux/seed.py's split_seed()).  Guest A, in the
    fabric manager's process (the switch, VCS 0, the FM's CCIs), runs
    scenario k; guest B, in a host process with VCS 1, runs kb.  The
    harness passes A's pattern to B, lets B read it when A has bound the
    device to VCS 1, and kills B's process when A asks."""

    def __init__(self, qbuild, kernel, initramfs, narrate, accel):
        self.narrate = narrate
        self.workdir = tempfile.mkdtemp(prefix="cxl-guest-")
        fm, host = split_seed(self.workdir,
                              os.path.join(self.workdir, "fabric.sock"))
        self.a = Guest(qbuild, kernel, initramfs, "k", narrate, accel,
                       self.workdir, fm, "A")
        self.b = Guest(qbuild, kernel, initramfs, "kb", narrate, accel,
                       self.workdir, host, "B")
        self.figures = []
        self.pattern = None
        self.b_ready = False        # B waits to be let go
        self.a_waits = False        # A waits for B to read
        self.b_read = None          # whether B read A's pattern
        self.b_killed = False

    def say(self, text):
        if self.narrate:
            print(text, flush=True)

    def let_b_read(self):
        if self.b_ready and self.a_waits:
            self.say("host| guest B may read the pattern now")
            self.b_ready = False
            self.b.answer("ok")

    def handle_a(self, line):
        m = re.match(r"HOST: pattern (\S+)", line)
        if m:
            self.pattern = m.group(1)
            self.a.answer("ok")
        elif line == "HOST: guest-b-reads":
            self.a_waits = True
            self.let_b_read()
        elif line == "HOST: kill-b":
            self.say("host| kill -9 of process B (pid %d)"
                     % self.b.vm.get_pid())
            self.b.vm.kill()    # SIGKILL
            self.b_killed = True
            self.a.answer("ok")
        else:
            self.a.handle(line)

    def handle_b(self, line):
        m = re.match(r"HOST: check-pattern (\S*)", line)
        if line == "HOST: ready":
            self.b_ready = True
            self.let_b_read()
        elif m:
            self.b_read = m.group(1) == self.pattern
            self.say("host| guest B read %s pattern"
                     % ("A's" if self.b_read else "another"))
            self.b.answer("ok" if self.b_read else "mismatch")
            if self.a_waits:
                self.a_waits = False
                self.a.answer("ok" if self.b_read else "mismatch")
        else:
            self.b.handle(line)
            if self.b.result and self.a_waits:
                self.a_waits = False
                self.a.answer("guest B failed")

    def run(self):
        self.a.start()
        self.b.start()
        deadline = time.monotonic() + TIMEOUT
        while self.a.result is None and time.monotonic() < deadline:
            guests = [g for g in (self.a, self.b) if g.serial]
            ready, _, _ = select.select([g.serial for g in guests], [], [],
                                        1)
            for g in guests:
                if g.serial not in ready:
                    continue
                lines = g.lines()
                if lines is None:
                    g.serial.close()
                    g.serial = None
                    continue
                for line in lines:
                    (self.handle_a if g is self.a else self.handle_b)(line)
            if not self.a.serial:
                break
        result, log = self.a.finish()
        b_result, b_log = self.b.finish()
        if result == "PASS" and not self.b_read:
            result = "FAIL: guest B did not read guest A's pattern"
        if result == "PASS" and not self.b_killed:
            result = "FAIL: process B was not killed"
        trouble = kernel_trouble(self.b.log)
        if result == "PASS" and trouble:
            result = "FAIL: guest B's kernel logged: " + trouble
        if result != "PASS":
            log += ["-- guest B (%s):" % b_result] + b_log[-40:]
        return result, log


FIGURE = re.compile(r"membench (\S+): memset ([\d.]+) MB/s, memcpy "
                    r"([\d.]+) MB/s, 8-byte loads ([\d.]+) MB/s")


def print_figures(lines):
    """membench's figures, and each as a share of guest RAM's"""
    figures = {m.group(1): [float(x) for x in m.groups()[1:]]
               for m in map(FIGURE.match, lines) if m}
    ram = figures.get("ram")
    for name, values in figures.items():
        text = ", ".join("%s %.1f MB/s" % (what, v) for what, v in
                         zip(("memset", "memcpy", "8-byte loads"), values))
        if ram and name != "ram":
            text += " (%s of RAM)" % ", ".join(
                "%.0f %%" % (100 * v / r) for v, r in zip(values, ram))
        print("%-25s %s" % (name + ":", text), flush=True)
    inter = figures.get("cxl-interleaved")
    upstream = figures.get("cxl-interleaved-upstream")
    if inter and upstream:
        print("interleaved 4 KiB, page by page vs upstream's decode: " +
              ", ".join("%.1fx" % (i / u) for i, u in zip(inter, upstream)),
              flush=True)


def main():
    qbuild, kernel, initramfs = sys.argv[1:4]
    narrate = "--demo" in sys.argv
    if narrate:
        print("== CXL fabric demo: a Linux guest is the fabric manager (FM-API "
              "over MCTP over USB)\n   and the host of both VCSs; it binds "
              "cxl-ep1 to VCS 0, writes a pattern,\n   unbinds it (managed), "
              "binds it to VCS 1 and reads the pattern back.", flush=True)
    scenarios = [a for a in sys.argv[4:] if not a.startswith("--")]
    accel = accelerator(qbuild, kernel, initramfs)
    print("guest accelerator: %s%s" % (accel, "" if accel == "kvm" else
          " (a KVM guest did not boot here)" if
          os.access("/dev/kvm", os.R_OK | os.W_OK) else " (no /dev/kvm)"),
          flush=True)
    failed = 0
    for scenario in scenarios:
        start = time.monotonic()
        if scenario == "k":
            guest = TwoGuests(qbuild, kernel, initramfs, narrate, accel)
        else:
            guest = Guest(qbuild, kernel, initramfs, scenario, narrate,
                          accel)
        result, log = guest.run()
        print_figures(guest.figures)
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
