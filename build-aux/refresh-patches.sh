#!/usr/bin/env bash
# Export the commits made in the prepared tree on top of Debian's base
# to patches/ (git format-patch) and rewrite patches/series to match.
# See README.md, "Changing upstream files".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
tree=${1:?usage: refresh-patches.sh TREE}
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

[ -d "$tree/.git" ] || die "$tree is not prepared; run ./configure first"
if tree_has_changes "$tree"; then
    die "$tree has uncommitted changes; commit them (git -C $tree commit) first"
fi

rm -f "$top"/patches/*.patch
tree_git "$tree" format-patch -q --no-signature --zero-commit --no-stat \
    -o "$top/patches" "$tree_base_tag..HEAD"
{
    echo "# Patches to upstream QEMU files, applied in this order with git am."
    (cd "$top/patches" && ls -1 -- *.patch 2>/dev/null || true)
} > "$top/patches/series"
tree_git "$tree" tag -f "$tree_exported_tag" >/dev/null
# The tree now matches patches/: record that so ./configure keeps it.
"$here/prepare-tree.sh" --stamp-only "$tree"
echo "refresh-patches: $(patch_series | wc -l) patch(es) in patches/"
