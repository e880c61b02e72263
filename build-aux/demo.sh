#!/usr/bin/env bash
# make demo: run the demonstration against the freshly built QEMU.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
qbuild=$(cd "${1:?usage: demo.sh QEMU_BUILD_DIR}" && pwd)
exec /usr/bin/python3 "$here/demo.py" "$qbuild"
