#!/usr/bin/env bash
# Install what a Debian 12 (bookworm) machine lacks to build and test
# the project.  Safe to run again: it only does what is missing.
#
#   - build dependencies of our trimmed QEMU from bookworm;
#   - meson (>= 1.5) and python3-pycotap from bookworm-backports, whose
#     entry goes into its own file and is NotAutomatic, so the rest of
#     the system stays on bookworm;
#   - firmware (seabios, ipxe-qemu) and ccache;
#   - clang and its sanitizer and libFuzzer runtimes for the sanitizer
#     build (make check-asan, make soak, make fuzz);
#   - what the guest's mctpd needs: libsystemd's sd-bus to build it,
#     dbus-daemon for its bus and systemd's busctl to call it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

stamp_dir="$CXL_FABRIC_CACHE/stamps"
stamp="$stamp_dir/setup-$(sha1sum "$0" | cut -c1-12)"

BOOKWORM_PKGS=(
    build-essential pkg-config ninja-build git ccache dpkg-dev xz-utils
    python3 python3-venv libglib2.0-dev libpixman-1-dev zlib1g-dev
    libfdt-dev seabios ipxe-qemu perl python3-docutils
    flex bison bc libelf-dev busybox-static ndctl daxctl cpio
    libsystemd-dev dbus-daemon dbus-system-bus-common systemd
    clang libclang-rt-14-dev
)
BACKPORTS_PKGS=(meson python3-pycotap)
BACKPORTS_LIST=/etc/apt/sources.list.d/cxl-fabric-bookworm-backports.sources

all_pkgs=("${BOOKWORM_PKGS[@]}" "${BACKPORTS_PKGS[@]}")
installed=$(dpkg-query -W -f='${Status}\n' "${all_pkgs[@]}" 2>/dev/null |
            grep -c '^install ok installed$' || true)
if [ "$installed" != "${#all_pkgs[@]}" ]; then
    rm -f "$stamp"
fi
if [ -f "$stamp" ]; then
    exit 0
fi

SUDO=
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "setup needs root (or sudo) to install packages"
    SUDO=sudo
fi

mirror=$(apt_mirror_uri) || exit 1

want="Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: $debian_archive_keyring"
if [ "$(cat "$BACKPORTS_LIST" 2>/dev/null)" != "$want" ]; then
    echo "setup: adding bookworm-backports ($mirror) in $BACKPORTS_LIST"
    echo "$want" | $SUDO tee "$BACKPORTS_LIST" >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -q update
$SUDO apt-get -q -y --no-install-recommends install "${BOOKWORM_PKGS[@]}"
$SUDO apt-get -q -y --no-install-recommends -t bookworm-backports \
    install "${BACKPORTS_PKGS[@]}"

meson_version=$(/usr/bin/meson --version)
case "$meson_version" in
    0.*|1.[0-4].*) die "meson $meson_version is too old for QEMU 10.2 (need >= 1.5)" ;;
esac

mkdir -p "$stamp_dir"
touch "$stamp"
echo "setup: done (meson $meson_version)"
