#!/usr/bin/env bash
# make soak: the soak qtest (cxl-vcs-fmapi-test -m slow) for CYCLES
# bind/unbind cycles against the sanitizer build, whose QEMU reports any
# ASan or UBSan error and, at exit, any leak.  Prints its RSS figures
# and "N passed, N failed".  ASan keeps freed memory in a quarantine
# (256 MiB by default) before reusing it, which would grow RSS with no
# leak; the soak keeps 16 MiB of it, reached within the first cycles.
#
# usage: soak.sh SANITIZER_BUILD_DIR CYCLES
set -uo pipefail
qbuild=$(cd "${1:?usage: soak.sh SANITIZER_BUILD_DIR CYCLES}" && pwd)
log=$qbuild/cxl-fabric-logs/soak.log
mkdir -p "$(dirname "$log")"
(cd "$qbuild" &&
 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=16 \
 CXL_SOAK_CYCLES=${2:?} QTEST_QEMU_BINARY=./qemu-system-x86_64 \
 tests/qtest/cxl-vcs-fmapi-test -m slow --tap) > "$log" 2>&1
rc=$?
reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log")
sed -n 's/^# soak: /soak: /p' "$log"
echo "soak: $reports sanitizer reports (log: $log)"
if [ "$rc" = 0 ] && [ "$reports" = 0 ] && grep -q '^ok 1 ' "$log"; then
    echo "1 passed, 0 failed"
else
    grep -E '^not ok|ERROR|SUMMARY' "$log" | head -8 | sed 's/^/    /'
    echo "0 passed, 1 failed"
    exit 1
fi
