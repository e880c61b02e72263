# Versions the project builds against: the only place they are named.
# This file is read both by make (include) and by the shell (load_pins
# in lib.sh), so it holds plain NAME=value lines only.  Override any of
# them from the environment, e.g.
# `QEMU_DEBIAN_VERSION=1:10.2.2+ds-2 make check`.
QEMU_DEBIAN_VERSION=1:10.2.2+ds-1
QEMU_DEBIAN_SUITE=sid
# Guest kernel: Debian's binary package linux-source-$(KERNEL_SERIES)
KERNEL_SERIES=7.2
KERNEL_DEBIAN_VERSION=7.2.13-1
# Clients the guest scenarios run against the switch: source snapshots
# in THIRD_PARTY_DIR (relative paths are from the top of the tree, and
# are looked for in its parent directories too: shared/third-party
# beside a clone anywhere below the workspace), checked against their
# SHA-256 (*_CHECKSUM) and built at test time by build-aux/build-third-party.sh
THIRD_PARTY_DIR=../shared/third-party
LIBCXLMI_SNAPSHOT=libcxlmi-d2dd30c0dbba
LIBCXLMI_CHECKSUM=10001ec7e913aa8e5be3960bb8110da2ce9fab7f7f9027304014a1bd88fb9217
MCTP_SNAPSHOT=mctp-798af679c99a
MCTP_CHECKSUM=b5ca72ff892f22096309d7e14e346768ac29cf38eeea750b6bfaa3d027141171
