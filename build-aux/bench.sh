#!/usr/bin/env bash
# make bench: print the project's benchmark figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
qbuild=$(cd "${1:?usage: bench.sh QEMU_BUILD_DIR KERNEL INITRAMFS}" && pwd)
kernel=${2:?usage: bench.sh QEMU_BUILD_DIR KERNEL INITRAMFS}
initramfs=$(cd "$(dirname "${3:?}")" && pwd)/$(basename "$3")
cd "$qbuild"

echo "== multi-VCS switch (qemu-system-x86_64, qtest accelerator)"
QTEST_QEMU_BINARY=./qemu-system-x86_64 tests/qtest/cxl-vcs-switch-test \
    -m perf 2>/dev/null | sed -n 's/^# max perf: /  /p'
/usr/bin/python3 "$here/bench.py" "$qbuild" | sed 's/^/  /'
echo "== a switch shared by two QEMU processes (qtest accelerator)"
QTEST_QEMU_BINARY=./qemu-system-x86_64 tests/qtest/cxl-vcs-remote-test \
    -m perf 2>/dev/null | sed -n 's/^# m[a-z]* perf: /  /p'
echo "== usb-cxl-mctp (qemu-system-x86_64, qtest accelerator, EHCI)"
QTEST_QEMU_BINARY=./qemu-system-x86_64 tests/qtest/usb-cxl-mctp-test \
    -m perf 2>/dev/null | sed -n 's/^# max perf: /  /p'
echo "== CXL memory in a Linux guest (qemu-system-x86_64, TCG), membench"
/usr/bin/python3 "$here/guest.py" "$qbuild" "$kernel" "$initramfs" bench |
    grep -v '^guest scenario\|passed, ' | sed 's/^/  /'
