#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the real clients the guest runs against the switch from their
# source snapshots (THIRD_PARTY_DIR, pinned in pins.mk): libcxlmi as a
# static library, CodeConstruct's `mctp` tool and `mctpd`.  Nothing of
# theirs is kept in the repository; the builds are cached under
# $CXL_FABRIC_CACHE/third-party, keyed by the snapshot's and this
# script's contents.  Prints the two install directories:
#
#   LIBCXLMI=<dir>    include/ and lib/ (libcxlmi.a, libccan.a)
#   MCTP=<dir>        bin/mctp, sbin/mctpd, share/mctpd-dbus.conf
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
load_pins

case "$THIRD_PARTY_DIR" in
    /*) src_dir=$THIRD_PARTY_DIR ;;
    *) src_dir=$top/$THIRD_PARTY_DIR ;;
esac
out_dir="$CXL_FABRIC_CACHE/third-party"

# The cache directory for snapshot $1: <snapshot>-<key>
cache_of() {
    local tarball="$src_dir/$1.tar.gz" key
    [ -f "$tarball" ] || die "no source snapshot $tarball.
  THIRD_PARTY_DIR (now $THIRD_PARTY_DIR) names the directory that holds
  $1.tar.gz; override it, e.g. THIRD_PARTY_DIR=/path make check-guest"
    key=$( (sha256sum < "$tarball"; cat "$0") | sha1sum | cut -c1-12)
    echo "$out_dir/$1-$key"
}

# Unpack snapshot $1 into a fresh work directory and print its path
unpack() {
    local work="$out_dir/work-$1"
    rm -rf "$work"
    mkdir -p "$work"
    tar -C "$work" -xzf "$src_dir/$1.tar.gz"
    echo "$work/$1"
}

build_libcxlmi() {
    local dest=$1 src
    src=$(unpack "$LIBCXLMI_SNAPSHOT")
    echo "build-third-party: building $LIBCXLMI_SNAPSHOT (static)" >&2
    # No D-Bus scan of mctpd's endpoints: programs open (net, EID)
    meson setup "$src/b" "$src" --default-library=static \
        --prefer-static -Dlibdbus=disabled -Dtests=false \
        --prefix="$dest.tmp" --libdir=lib >&2
    ninja -C "$src/b" >&2
    ninja -C "$src/b" install >/dev/null
    # libcxlmi.h includes these; libcxlmi.a needs the ccan helpers
    mkdir -p "$dest.tmp/include/cxlmi"
    cp "$src/src/cxlmi/api-types.h" "$src/src/cxlmi/log.h" \
        "$dest.tmp/include/cxlmi/"
    cp "$src/b/ccan/libccan.a" "$dest.tmp/lib/"
    rm -rf "$(dirname "$src")"
}

build_mctp() {
    local dest=$1 src
    src=$(unpack "$MCTP_SNAPSHOT")
    echo "build-third-party: building $MCTP_SNAPSHOT (mctp, mctpd)" >&2
    meson setup "$src/b" "$src" -Dtests=false >&2
    ninja -C "$src/b" mctp mctpd >&2
    mkdir -p "$dest.tmp/bin" "$dest.tmp/sbin" "$dest.tmp/share"
    cp "$src/b/mctp" "$dest.tmp/bin/"
    cp "$src/b/mctpd" "$dest.tmp/sbin/"
    cp "$src/conf/mctpd-dbus.conf" "$dest.tmp/share/"
    rm -rf "$(dirname "$src")"
}

# Build snapshot $2 with function $1 unless its cache is complete
cached() {
    local dest
    dest=$(cache_of "$2")
    if [ ! -f "$dest/.complete" ]; then
        rm -rf "$dest" "$dest.tmp"
        mkdir -p "$dest.tmp"
        "$1" "$dest"
        touch "$dest.tmp/.complete"
        mv "$dest.tmp" "$dest"
    fi
    echo "$dest"
}

pkg-config --exists libsystemd ||
    die "mctpd needs libsystemd's sd-bus: run build-aux/setup.sh"
echo "LIBCXLMI=$(cached build_libcxlmi "$LIBCXLMI_SNAPSHOT")"
echo "MCTP=$(cached build_mctp "$MCTP_SNAPSHOT")"
