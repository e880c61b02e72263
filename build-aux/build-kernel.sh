#!/usr/bin/env bash
# Build the guest kernel from Debian's kernel source (binary package
# linux-source-X.Y, fetched through the private apt configuration) with
# allnoconfig plus guest/kernel.config, and print the path of its bzImage.
# Cached under $CXL_FABRIC_CACHE/kernel, keyed by version and config.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
load_pins

pkg="linux-source-$KERNEL_SERIES"
ver=$KERNEL_DEBIAN_VERSION
fragment="$top/guest/kernel.config"
kdir="$CXL_FABRIC_CACHE/kernel"
key=$(sha1sum < "$fragment" | cut -c1-12)
out="$kdir/build-$ver-$key"
image="$out/arch/x86/boot/bzImage"

if [ -f "$image" ]; then
    echo "$image"
    exit 0
fi

deb="$kdir/${pkg}_${ver}_all.deb"
src="$kdir/src-$ver"
if [ ! -f "$src/.complete" ]; then
    if [ ! -f "$deb" ]; then
        private_apt_sources "$QEMU_DEBIAN_SUITE" deb
        mkdir -p "$kdir"
        if ! (cd "$kdir" &&
              private_apt "$QEMU_DEBIAN_SUITE" -q download "$pkg=$ver" >&2); then
            die "Debian's archive did not serve $pkg=$ver from $QEMU_DEBIAN_SUITE.
  Pick the newest linux-source-X.Y >= 6.15 it serves and override, e.g.:
    KERNEL_SERIES=<X.Y> KERNEL_DEBIAN_VERSION=<version> make check-guest
  (or change build-aux/pins.mk)."
        fi
    fi
    rm -rf "$src" "$kdir/deb"
    mkdir -p "$src"
    dpkg-deb --fsys-tarfile "$deb" |
        tar -x -O "./usr/src/$pkg.tar.xz" | tar -C "$src" -xJ --strip-components=1
    touch "$src/.complete"
fi

echo "build-kernel: configuring $pkg $ver in $out" >&2
# Start from the latest build of this version: kbuild then rebuilds only
# what the configuration change touches.
if [ ! -d "$out" ]; then
    last=$(ls -dt "$kdir/build-$ver-"* 2>/dev/null | head -n 1 || true)
    if [ -n "$last" ]; then
        cp -a "$last" "$out.tmp" && mv "$out.tmp" "$out"
    fi
fi
mkdir -p "$out"
make -C "$src" O="$out" KCONFIG_ALLCONFIG="$fragment" allnoconfig >/dev/null
# Every option asked for must have made it (missing dependencies drop
# them silently).
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$fragment" | while read -r line; do
    grep -qxF "$line" "$out/.config" || echo "$line"
done)
if [ -n "$missing" ]; then
    die "guest kernel config lacks (unmet dependencies?):
$missing"
fi
echo "build-kernel: building (this takes a few minutes)" >&2
make -C "$src" O="$out" -j"$(nproc)" bzImage >&2
echo "$image"
