# CXL fabric management for QEMU: top-level driver.
#
#   make demo             set up, build and run the demonstration: the
#                         seed's scenario in a Linux guest, narrated
#   make check            set up, build and run all tests
#   make build            build qemu-system-{x86_64,aarch64} and the qtests
#   make check-guest      run the end-to-end scenarios in a Linux guest
#   make bench            print the benchmark figures
#   make check-asan       every qtest under ASan, LSan and UBSan (x86_64)
#   make soak             10,000 bind/unbind cycles under the sanitizers
#   make fuzz             run each fuzz target for FUZZ_SECONDS (60)
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
	cxl-direct-map-test cxl-vcs-remote-test cxl-vcs-subswitch-test \
	usb-cxl-mctp-test
BINARIES := $(addprefix qemu-system-,$(TARGETS)) \
	$(addprefix tests/qtest/,$(QTESTS))

.PHONY: all setup configure build guest check check-guest demo bench \
	build-san check-asan soak fuzz refresh-patches clean distclean

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

GUEST_SCENARIOS := a b c d e f g h i j k
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

# The sanitizer build (./configure --sanitizers): x86_64, clang with
# ASan, UBSan and libFuzzer's instrumentation, its own build directory.
SBUILD := $(TREE)/build-san
build-san: setup
	@./configure --sanitizers
	ninja -C $(SBUILD) qemu-system-x86_64 qemu-fuzz-x86_64 \
		$(addprefix tests/qtest/,$(QTESTS))

check-asan: build-san
	@build-aux/check-asan.sh $(SBUILD) "$(QTESTS)"

SOAK_CYCLES ?= 10000
soak: build-san
	@build-aux/soak.sh $(SBUILD) $(SOAK_CYCLES)

FUZZ_SECONDS ?= 60
fuzz: build-san
	@build-aux/fuzz.sh $(SBUILD) $(FUZZ_SECONDS)

refresh-patches:
	@build-aux/refresh-patches.sh $(TREE)

clean:
	rm -rf $(QBUILD) $(SBUILD)

distclean:
	rm -rf build
