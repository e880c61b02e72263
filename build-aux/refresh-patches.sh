#!/usr/bin/env bash
# Export the commits made in the prepared tree on top of Debian's base
# to patches/ (git format-patch) and rewrite patches/series to match.
# See README.md, "Changing upstream files".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
tree=${1:?usage: refresh-patches.sh TREE}
. "$here/apt-env.sh"

[ -d "$tree/.git" ] || die "$tree is not prepared; run ./configure first"
if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
    die "$tree has uncommitted changes; commit them (git -C $tree commit) first"
fi

rm -f "$top"/patches/*.patch
git -C "$tree" format-patch -q --no-signature --zero-commit --no-stat \
    -o "$top/patches" debian-base..HEAD
{
    echo "# Patches to upstream QEMU files, applied in this order with git am."
    (cd "$top/patches" && ls -1 -- *.patch 2>/dev/null || true)
} > "$top/patches/series"
git -C "$tree" tag -f cxl-fabric-exported >/dev/null
# The tree now matches patches/: record that so ./configure keeps it.
"$here/prepare-tree.sh" --stamp-only "$tree"
echo "refresh-patches: $(grep -vc '^#' "$top/patches/series") patch(es) in patches/"
