"""QEMU for the project's Python scripts, through QEMU's own Python
library in the prepared tree (python/): its QEMUMachine starts QEMU and
speaks QMP to it with qemu.qmp."""

import os
import sys


def qemu_machine(qbuild, args, qmp_socket, timeout):
    """A QEMUMachine, not launched yet, for qemu-system-x86_64 of the QEMU
    build directory @qbuild with the options @args.  QMP goes over the
    Unix socket @qmp_socket (in a directory of the caller's); connecting
    and each QMP command time out after @timeout seconds."""
    # The tree is the build directory's parent (build/qemu/build).
    python = os.path.join(os.path.dirname(os.path.abspath(qbuild)), "python")
    if python not in sys.path:
        sys.path.insert(0, python)
    # pylint: disable-next=import-outside-toplevel
    from qemu.machine.machine import AbnormalShutdown, QEMUMachine

    class Machine(QEMUMachine):
        """QEMUMachine times out connecting only; time out commands too,
        so that a QEMU that hangs fails the caller instead of blocking it"""

        def _post_launch(self):
            super()._post_launch()
            self._qmp.settimeout(timeout)

        def stop(self):
            """Quit QEMU, which may have exited by itself already (a guest
            that powered off); kill it if it does not quit in time"""
            try:
                self.shutdown(timeout=timeout)
            except AbnormalShutdown:
                pass

    return Machine(os.path.join(qbuild, "qemu-system-x86_64"), args,
                   monitor_address=qmp_socket, qmp_timer=timeout)
