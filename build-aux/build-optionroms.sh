#!/usr/bin/env bash
# Build the x86 option ROMs that -kernel and TCG need (linuxboot_dma.bin,
# kvmvapic.bin) from the prepared QEMU tree with the host compiler, which
# QEMU's configure does not use for them, and link them into the build
# tree's data directory.  Debian's +ds source ships no prebuilt ROMs.
#
# usage: build-optionroms.sh QEMU_BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
qbuild=$(cd "${1:?usage: build-optionroms.sh QEMU_BUILD_DIR}" && pwd)
tree=$(cd "$qbuild/.." && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
out="$qbuild/cxl-fabric-optionrom"
datadir=$(sed -n 's/^#define CONFIG_QEMU_DATADIR "\(.*\)"$/\1/p' \
              "$qbuild/config-host.h")
[ -n "$datadir" ] || die "no CONFIG_QEMU_DATADIR"

mkdir -p "$out" "$qbuild/qemu-bundle$datadir"
printf 'TOPSRC_DIR=%s\nCC=cc\nCCAS=cc\nLD=ld\nOBJCOPY=objcopy\nPYTHON=/usr/bin/python3\n' \
    "$tree" > "$out/config.mak"
make -s -C "$out" -f "$tree/pc-bios/optionrom/Makefile" \
    linuxboot_dma.bin kvmvapic.bin >/dev/null
for rom in linuxboot_dma.bin kvmvapic.bin; do
    ln -sfn "$out/$rom" "$qbuild/qemu-bundle$datadir/$rom"
done
