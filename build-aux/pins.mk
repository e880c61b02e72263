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
# in THIRD_PARTY_DIR (relative paths are from the top of the tree),
# built at test time by build-aux/build-third-party.sh
THIRD_PARTY_DIR=../shared/third-party
LIBCXLMI_SNAPSHOT=libcxlmi-d2dd30c0dbba
MCTP_SNAPSHOT=mctp-798af679c99a
