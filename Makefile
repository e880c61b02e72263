# CXL fabric management for QEMU: top-level driver.
#
#   make demo             set up, build and run the demonstration: the
#                         seed's scenario in a Linux guest, narrated
#   make check            set up, build and run all tests
#   make build            build qemu-system-{x86_64,aarch64} and the qtests
#   make check-guest      run the end-to-end scenarios in a Linux guest
#   make bench            print the benchmark figures
#   make refresh-patches  export commits made in build/qemu to patches/
#   make clean            remove QEMU's build directory
#   make distclean        remove build/ entirely (downloads stay cached)

include build-aux/pins.mk
export QEMU_DEBIAN_VERSION QEMU_DEBIAN_SUITE

# Let ccache share objects between clones in different directories
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

TREE := build/qemu
QBUILD := $(TREE)/build
TARGETS := x86_64 aarch64

# qtests we build and run: upstream's cxl-test as a regression guard,
# then the project's own.
QTESTS := cxl-test cxl-vcs-switch-test cxl-vcs-fmapi-test cxl-vcs-mld-test \
	cxl-direct-map-test \
	usb-cxl-mctp-test
BINARIES := $(addprefix qemu-system-,$(TARGETS)) \
	$(addprefix tests/qtest/,$(QTESTS))

.PHONY: all setup configure build guest check check-guest demo bench \
	refresh-patches clean distclean

all: build

setup:
	@build-aux/setup.sh

configure: setup
	@./configure

build: configure
	ninja -C $(QBUILD) $(BINARIES)
	@build-aux/build-optionroms.sh $(QBUILD)

# The guest for the end-to-end scenarios: Debian's kernel source built
# with guest/kernel.config (cached outside the repository), and an
# initramfs with Debian's busybox and ndctl and our own tools.
GUEST := build/guest
guest: setup
	@build-aux/build-kernel.sh > $(GUEST).kernel-path.tmp || \
		{ rm -f $(GUEST).kernel-path.tmp; exit 1; }
	@mv $(GUEST).kernel-path.tmp $(GUEST).kernel-path
	@build-aux/build-initramfs.sh $(GUEST) >/dev/null

GUEST_SCENARIOS := a b c d e f g h
check-guest: build guest
	@/usr/bin/python3 build-aux/guest.py $(QBUILD) "$$(cat $(GUEST).kernel-path)" \
		$(GUEST)/initramfs.cpio.gz $(GUEST_SCENARIOS)

check: build
	@build-aux/run-checks.sh $(QBUILD) "$(TARGETS)" "$(QTESTS)"

demo: build guest
	@/usr/bin/python3 build-aux/guest.py $(QBUILD) "$$(cat $(GUEST).kernel-path)" \
		$(GUEST)/initramfs.cpio.gz --demo a

bench: build guest
	@build-aux/bench.sh $(QBUILD) "$$(cat $(GUEST).kernel-path)" \
		$(GUEST)/initramfs.cpio.gz

refresh-patches:
	@build-aux/refresh-patches.sh $(TREE)

clean:
	rm -rf $(QBUILD)

distclean:
	rm -rf build
