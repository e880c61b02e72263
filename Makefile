# CXL fabric management for QEMU: top-level driver.
#
#   make demo             set up, build and run the demonstration
#   make check            set up, build and run all tests
#   make build            build qemu-system-{x86_64,aarch64} and the qtests
#   make bench            print the benchmark figures
#   make refresh-patches  export commits made in build/qemu to patches/
#   make clean            remove QEMU's build directory
#   make distclean        remove build/ entirely (downloads stay cached)

include build-aux/pins.mk
export QEMU_DEBIAN_VERSION QEMU_DEBIAN_SUITE

TREE := build/qemu
QBUILD := $(TREE)/build
TARGETS := x86_64 aarch64

# qtests we build and run: upstream's cxl-test as a regression guard,
# then the project's own.
QTESTS := cxl-test cxl-vcs-switch-test usb-cxl-mctp-test
BINARIES := $(addprefix qemu-system-,$(TARGETS)) \
	$(addprefix tests/qtest/,$(QTESTS))

.PHONY: all setup configure build check demo bench refresh-patches \
	clean distclean

all: build

setup:
	@build-aux/setup.sh

configure: setup
	@./configure

build: configure
	ninja -C $(QBUILD) $(BINARIES)

check: build
	@build-aux/run-checks.sh $(QBUILD) "$(TARGETS)" "$(QTESTS)"

demo: build
	@build-aux/demo.sh $(QBUILD)

bench: build
	@build-aux/bench.sh $(QBUILD)

refresh-patches:
	@build-aux/refresh-patches.sh $(TREE)

clean:
	rm -rf $(QBUILD)

distclean:
	rm -rf build
