#!/usr/bin/env bash
# Download Debian's qemu source package named in pins.mk into the cache
# (outside the repository) and print the path of its .dsc.  A second
# call finds the files in the cache and downloads nothing.
#
# The files come through a private apt configuration for the pinned
# suite, so apt checks them against the suite's signed index.  The same
# suite's debian-keyring is fetched too: its keyring is set up as the
# trusted keyring of "$CXL_FABRIC_CACHE/keyring-home" so that
# `HOME=... dpkg-source --require-valid-signature -x` checks the
# uploader's signature on the .dsc (bookworm's keyring is too old).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
load_pins

ver=$QEMU_DEBIAN_VERSION
suite=$QEMU_DEBIAN_SUITE
upstream_ver=${ver#*:}
dir="$CXL_FABRIC_CACHE/src/qemu-$upstream_ver"
dsc="$dir/qemu_$upstream_ver.dsc"

if [ -f "$dsc" ] && [ -f "$dir/.complete" ] &&
   [ -s "$keyring_home/.gnupg/trustedkeys.gpg" ]; then
    echo "$dsc"
    exit 0
fi

private_apt_sources "$suite" deb deb-src

if [ ! -s "$keyring_home/.gnupg/trustedkeys.gpg" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && private_apt "$suite" -q download debian-keyring >&2) ||
        die "could not download debian-keyring from $suite"
    dpkg-deb -x "$tmp"/debian-keyring_*.deb "$tmp/x"
    mkdir -p "$keyring_home/.gnupg"
    cp "$tmp/x/usr/share/keyrings/debian-keyring.gpg" \
       "$keyring_home/.gnupg/trustedkeys.gpg"
    rm -rf "$tmp"
fi

if [ ! -f "$dsc" ] || [ ! -f "$dir/.complete" ]; then
    mkdir -p "$dir"
    rm -f "$dir/.complete"
    if ! (cd "$dir" &&
          private_apt "$suite" -q source --download-only "qemu=$ver" >&2); then
        listed=$(private_apt "$suite" showsrc qemu 2>/dev/null |
                 sed -n 's/^Version: //p' | tr '\n' ' ')
        die "Debian's archive did not serve source package qemu=$ver from $suite.
  Versions listed there now: ${listed:-none}
  Pick one that is served and override the pin, for example:
    QEMU_DEBIAN_VERSION=<version> make check
  (or change build-aux/pins.mk)."
    fi
    touch "$dir/.complete"
fi
echo "$dsc"
