"""Minimal QMP client and QEMU launcher for the project's scripts."""

import json
import os
import socket
import subprocess
import tempfile
import time


class QMPError(Exception):
    pass


class QEMU:
    """Start QEMU with a QMP socket; use as a context manager."""

    def __init__(self, binary, args, timeout=30.0):
        self.binary = binary
        self.args = list(args)
        self.timeout = timeout
        self.tmpdir = tempfile.mkdtemp(prefix="cxl-fabric-")
        self.sock_path = os.path.join(self.tmpdir, "qmp.sock")
        self.proc = None
        self.sock = None
        self.buf = b""
        self.events = []

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.sock_path)
        listener.listen(1)
        listener.settimeout(self.timeout)
        self.log = open(os.path.join(self.tmpdir, "qemu.log"), "w+")
        cmd = [self.binary, "-qmp", "unix:%s" % self.sock_path] + self.args
        self.proc = subprocess.Popen(cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        try:
            self.sock, _ = listener.accept()
        except socket.timeout:
            self.proc.kill()
            raise QMPError("QEMU did not connect to QMP: " + self.output())
        finally:
            listener.close()
        self.sock.settimeout(self.timeout)
        greeting = self._recv()
        if "QMP" not in greeting:
            raise QMPError("no QMP greeting")
        self.cmd("qmp_capabilities")

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def _recv(self):
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                raise QMPError("QMP connection closed: " + self.output())
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            resp = self._recv()
            if "event" in resp:
                self.events.append(resp)
                continue
            if "error" in resp:
                raise QMPError("%s: %s" % (name, resp["error"]["desc"]))
            return resp["return"]

    def hmp(self, command_line):
        return self.cmd("human-monitor-command", **{"command-line": command_line})

    def stop(self):
        if self.proc is None:
            return
        try:
            if self.sock:
                self.cmd("quit")
        except (QMPError, OSError):
            pass
        try:
            self.proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.sock:
            self.sock.close()
        self.proc = None


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
