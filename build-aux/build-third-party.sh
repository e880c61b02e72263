#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the real clients the guest runs against the switch from their
# source snapshots (THIRD_PARTY_DIR, pinned in pins.mk): libcxlmi as a
# static library, CodeConstruct's `mctp` tool and `mctpd`.  Nothing of
# theirs is kept in the repository; the builds are cached under
# $CXL_FABRIC_CACHE/third-party, keyed by the snapshot's pinned SHA-256
# and this script's contents (a cached build needs no snapshot).  Prints
# the two install directories:
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

out_dir="$CXL_FABRIC_CACHE/third-party"

# The snapshot $1's tarball: in THIRD_PARTY_DIR or, for a relative one,
# the same path below a parent directory of the tree; empty if none has it
tarball_of() {
    local dir=$top rel=${THIRD_PARTY_DIR#../}
    case "$THIRD_PARTY_DIR" in
        /*) [ -f "$THIRD_PARTY_DIR/$1.tar.gz" ] &&
                echo "$THIRD_PARTY_DIR/$1.tar.gz"
            return 0 ;;
    esac
    [ -f "$top/$THIRD_PARTY_DIR/$1.tar.gz" ] &&
        { echo "$top/$THIRD_PARTY_DIR/$1.tar.gz"; return 0; }
    while [ "$dir" != / ]; do
        dir=$(dirname "$dir")
        [ -f "$dir/$rel/$1.tar.gz" ] && { echo "$dir/$rel/$1.tar.gz"; return 0; }
    done
    return 0
}

# The cache directory for snapshot $1 of SHA-256 $2: <snapshot>-<key>,
# the key from the pinned checksum and this script
cache_of() {
    echo "$out_dir/$1-$( (echo "$2"; cat "$0") | sha1sum | cut -c1-12)"
}

# Unpack snapshot $1 of SHA-256 $2, checked, into a fresh work directory
# and print its path
unpack() {
    local work="$out_dir/work-$1" tarball
    tarball=$(tarball_of "$1")
    [ -n "$tarball" ] || die "no source snapshot $1.tar.gz in $THIRD_PARTY_DIR
  (nor in a parent directory of $top) and no build of it cached; set
  THIRD_PARTY_DIR to the directory that holds it, e.g.
  THIRD_PARTY_DIR=/path make check-guest"
    echo "$2  $tarball" | sha256sum -c --quiet - >&2 ||
        die "$tarball is not the pinned snapshot (SHA-256 $2)"
    rm -rf "$work"
    mkdir -p "$work"
    tar -C "$work" -xzf "$tarball"
    echo "$work/$1"
}

build_libcxlmi() {
    local dest=$1 src
    src=$(unpack "$LIBCXLMI_SNAPSHOT" "$LIBCXLMI_CHECKSUM")
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
    src=$(unpack "$MCTP_SNAPSHOT" "$MCTP_CHECKSUM")
    echo "build-third-party: building $MCTP_SNAPSHOT (mctp, mctpd)" >&2
    meson setup "$src/b" "$src" -Dtests=false >&2
    ninja -C "$src/b" mctp mctpd >&2
    mkdir -p "$dest.tmp/bin" "$dest.tmp/sbin" "$dest.tmp/share"
    cp "$src/b/mctp" "$dest.tmp/bin/"
    cp "$src/b/mctpd" "$dest.tmp/sbin/"
    cp "$src/conf/mctpd-dbus.conf" "$dest.tmp/share/"
    rm -rf "$(dirname "$src")"
}

# Build snapshot $2 (SHA-256 $3) with function $1 unless its cache is
# complete
cached() {
    local dest
    dest=$(cache_of "$2" "$3")
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
libcxlmi=$(cached build_libcxlmi "$LIBCXLMI_SNAPSHOT" "$LIBCXLMI_CHECKSUM")
mctp=$(cached build_mctp "$MCTP_SNAPSHOT" "$MCTP_CHECKSUM")
echo "LIBCXLMI=$libcxlmi"
echo "MCTP=$mctp"
