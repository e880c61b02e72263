#!/usr/bin/env bash
# make fuzz: run each of the switch's fuzz targets (tests/qtest/fuzz/
# cxl_vcs_fuzz.c) for FUZZ_SECONDS under libFuzzer, ASan and UBSan, and
# print the inputs executed and the crashes found per target.
#
# The corpora start from what the qtests send (CXL_FUZZ_CORPUS, written
# once per build of the qtests) and grow in build/fuzz/corpus; a crash's
# input is saved in build/fuzz/crashes.
#
# usage: fuzz.sh SANITIZER_BUILD_DIR SECONDS
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
qbuild=$(cd "${1:?usage: fuzz.sh SANITIZER_BUILD_DIR SECONDS}" && pwd)
seconds=${2:?}
out=$top/build/fuzz
targets=(cxl-vcs-mailbox cxl-vcs-tunnel cxl-vcs-mctp cxl-vcs-fabric)
seed_tests=(cxl-vcs-fmapi-test cxl-vcs-mld-test usb-cxl-mctp-test
            cxl-vcs-remote-test)
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

seeds=$out/seeds
stamp=$seeds/.stamp
if [ ! -f "$stamp" ] || [ -n "$(find "${seed_tests[@]/#/$qbuild/tests/qtest/}" \
                                   -newer "$stamp" 2>/dev/null)" ]; then
    rm -rf "$seeds"
    mkdir -p "$seeds"
    for t in "${seed_tests[@]}"; do
        (cd "$qbuild" &&
         CXL_FUZZ_CORPUS=$seeds QTEST_QEMU_BINARY=./qemu-system-x86_64 \
         "tests/qtest/$t" > "$seeds/$t.log" 2>&1) ||
            echo "fuzz: seeding from $t failed (log: $seeds/$t.log)"
    done
    touch "$stamp"
fi

passed=0
failed=0
mkdir -p "$out/crashes"
for t in "${targets[@]}"; do
    mkdir -p "$out/corpus/$t" "$seeds/$t"
    log=$out/$t.log
    rm -f "$out/crashes/$t-"*
    "$qbuild/qemu-fuzz-x86_64" --fuzz-target="$t" \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=8192 \
        -artifact_prefix="$out/crashes/$t-" \
        "$out/corpus/$t" "$seeds/$t" > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    crashes=$(find "$out/crashes" -name "$t-*" | wc -l)
    if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then
        crashes=1
    fi
    printf 'fuzz %-16s %9s inputs in %s s, %d crashes (log: %s)\n' \
        "$t" "${runs:-0}" "$seconds" "$crashes" "$log"
    if [ "$crashes" = 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        # What the crash printed (assertion, sanitizer report, stack),
        # and the input, so that a CI log alone reproduces it
        grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED|RELOAD)' \
            "$log" | grep -A40 -m1 -E 'ERROR|runtime error|Assertion|\*\*' |
            head -40 | sed 's/^/    /'
        for c in "$out/crashes/$t-"*; do
            [ -f "$c" ] || continue
            echo "    input $c:"
            od -An -tx1 -v "$c" | head -64 | sed 's/^/    /'
        done
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
