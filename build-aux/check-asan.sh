#!/usr/bin/env bash
# make check-asan: every qtest of QTESTS against the sanitizer build's
# qemu-system-x86_64 (ASan, LeakSanitizer, UBSan); any sanitizer report
# in QEMU or in the test fails the test.  Prints "N passed, N failed".
#
# usage: check-asan.sh SANITIZER_BUILD_DIR "QTESTS"
set -uo pipefail
qbuild=$(cd "${1:?usage: check-asan.sh SANITIZER_BUILD_DIR QTESTS}" && pwd)
qtests=${2:?}
logdir=$qbuild/cxl-fabric-logs
mkdir -p "$logdir"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
passed=0
failed=0
for t in $qtests; do
    log=$logdir/$t-asan.log
    (cd "$qbuild" && QTEST_QEMU_BINARY=./qemu-system-x86_64 \
     timeout 1800 "tests/qtest/$t" --tap -k) > "$log" 2>&1
    rc=$?
    p=$(grep -cE '^ok [0-9]+' "$log")
    f=$(grep -cE '^not ok [0-9]+' "$log")
    reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log")
    if [ "$rc" != 0 ] || [ "$reports" != 0 ]; then
        [ "$f" = 0 ] && f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    printf 'asan %-36s %3d passed, %d failed, %d sanitizer reports\n' \
        "$t" "$p" "$f" "$reports"
    if [ "$f" != 0 ]; then
        grep -E '^not ok|ERROR|runtime error:|SUMMARY' "$log" | head -8 | sed 's/^/    /'
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
