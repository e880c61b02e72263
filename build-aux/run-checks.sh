#!/usr/bin/env bash
# Run the project's checks and print one summary line
# "N passed, N failed[, N skipped]":
#   - every qtest in QTESTS against every target in TARGETS (each TAP
#     test case counts once);
#   - QEMU's scripts/checkpatch.pl over each of our new C files at QEMU
#     paths (not the guest tools) and each patch in patches/ (each file
#     counts once; any ERROR fails it);
#   - MAINTAINERS against the section the patches add, and our rST pages.
#
# usage: run-checks.sh QEMU_BUILD_DIR "TARGETS" "QTESTS"
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
qbuild=$(cd "${1:?usage: run-checks.sh QEMU_BUILD_DIR TARGETS QTESTS}" && pwd)
targets=${2:?}
qtests=${3:?}
tree=$(cd "$qbuild/.." && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
logdir="$qbuild/cxl-fabric-logs"
mkdir -p "$logdir"

passed=0
failed=0
skipped=0
failures=()

count_tap() {
    local name=$1 log=$2 rc=$3
    local p f s
    p=$(grep -cE '^ok [0-9]+' "$log")
    s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log")
    f=$(grep -cE '^not ok [0-9]+' "$log")
    p=$((p - s))
    if [ "$rc" = 0 ] && grep -q '^1\.\.0$' "$log"; then
        printf '%-44s no cases for this target\n' "$name"
        return
    fi
    # A crash or a timeout after the last reported case is a failure too.
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
    fi
    if [ "$((p + f + s))" = 0 ]; then
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    printf '%-44s %3d passed, %d failed%s\n' "$name" "$p" "$f" \
        "$([ "$s" != 0 ] && echo ", $s skipped")"
    if [ "$f" != 0 ]; then
        failures+=("$name (log: $log)")
        grep -E '^not ok|^# (Start of|End of)|ERROR|Bail out' "$log" | grep -v '^# ' | head -20 | sed 's/^/    /'
    fi
}

for arch in $targets; do
    bin="$qbuild/qemu-system-$arch"
    for t in $qtests; do
        log="$logdir/$t-$arch.log"
        (cd "$qbuild" &&
         QTEST_QEMU_BINARY="$bin" MALLOC_PERTURB_=$((RANDOM % 255 + 1)) \
         timeout 900 "tests/qtest/$t" --tap -k) > "$log" 2>&1
        count_tap "qtest $arch/$t" "$log" $?
    done
done

# checkpatch: our new C sources and headers, and every patch.
checkpatch="$tree/scripts/checkpatch.pl"
cp_log="$logdir/checkpatch.log"
: > "$cp_log"
cp_pass=0
cp_fail=0
# checkpatch one file (-f FILE) or patch; any ERROR fails it
run_checkpatch() {
    local name=$1 out
    shift
    if out=$(cd "$top" && perl "$checkpatch" --no-tree --terse "$@" 2>&1) &&
       ! grep -q 'ERROR' <<< "$out"; then
        cp_pass=$((cp_pass + 1))
    else
        cp_fail=$((cp_fail + 1))
        failures+=("checkpatch $name")
        echo "$out" | grep -E 'ERROR' | head -5 | sed 's/^/    /'
    fi
    echo "$out" >> "$cp_log"
}
while read -r f; do
    [ -n "$f" ] && run_checkpatch "$f" -f "$f"
done < <(cd "$top" && git ls-files --cached --others --exclude-standard -- \
             '*.c' '*.h' ':!guest/')
while read -r p; do
    [ -n "$p" ] && run_checkpatch "patches/$p" "patches/$p"
done < <(patch_series)
# Our MAINTAINERS section must be the one the patch series adds.
title=$(head -n 1 "$top/MAINTAINERS")
section=$(awk -v t="$title" '$0 == t { p = 1 } p && /^$/ { exit } p' "$tree/MAINTAINERS")
if [ "$section" = "$(cat "$top/MAINTAINERS")" ]; then
    cp_pass=$((cp_pass + 1))
else
    cp_fail=$((cp_fail + 1))
    failures+=("MAINTAINERS: not the section that patches/ adds to QEMU's file")
fi
# Our documentation pages must be valid reStructuredText.
while read -r f; do
    [ -n "$f" ] || continue
    if out=$(cd "$top" && /usr/bin/python3 "$here/check-rst.py" "$f" 2>&1); then
        cp_pass=$((cp_pass + 1))
    else
        cp_fail=$((cp_fail + 1))
        failures+=("rST $f")
        echo "$out" | tail -3 | sed 's/^/    /'
    fi
done < <(cd "$top" && git ls-files --cached --others --exclude-standard -- 'docs/*.rst')
warnings=$(grep -c 'WARNING' "$cp_log")

printf '%-44s %3d passed, %d failed (%d warnings, log: %s)\n' \
    "checkpatch, MAINTAINERS, rST" "$cp_pass" "$cp_fail" "$warnings" "$cp_log"
passed=$((passed + cp_pass))
failed=$((failed + cp_fail))

echo
if [ "${#failures[@]}" != 0 ]; then
    echo "Failed:"
    printf '  %s\n' "${failures[@]}"
fi
if [ "$skipped" != 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
