#!/usr/bin/env bash
# Prepare the QEMU tree we build in:
#   1. unpack Debian's source package with dpkg-source -x (checksums are
#      verified and Debian's own patch series is applied);
#   2. record that as the base commit of a git repository in the tree;
#   3. apply patches/*.patch in the order of patches/series with git am;
#   4. link (not copy) our new files to their QEMU paths.
#
# usage: prepare-tree.sh [--stamp-only] TREE
#
# --stamp-only records that TREE matches patches/ (refresh-patches.sh).
#
# The tree is kept as long as the pinned version and the patches are
# unchanged; only step 4 is redone, so new files appear without a
# rebuild of everything.  A tree with work that is not exported to
# patches/ (see README, "Changing upstream files") is never thrown away.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
stamp_only=false
if [ "${1:-}" = --stamp-only ]; then
    stamp_only=true
    shift
fi
tree=${1:?usage: prepare-tree.sh [--stamp-only] TREE}
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
load_pins

stamp_file=.cxl-fabric-stamp

inputs_hash() {
    {
        echo "$QEMU_DEBIAN_VERSION"
        local p
        for p in $(patch_series); do
            echo "$p"
            cat "$top/patches/$p"
        done
    } | sha1sum | cut -c1-40
}

want=$(inputs_hash)
if $stamp_only; then
    echo "$want" > "$tree/$stamp_file"
    exit 0
fi
if [ -d "$tree" ]; then
    have=$(cat "$tree/$stamp_file" 2>/dev/null || true)
    if [ "$have" != "$want" ]; then
        if [ -d "$tree/.git" ] && [ -n "$have" ]; then
            if tree_has_changes "$tree"; then
                die "$tree has uncommitted changes to upstream files and the
  patches or the pinned version changed.  Commit them and run
  'make refresh-patches', or discard them, then run this again."
            fi
            exported=$(tree_git "$tree" rev-parse -q --verify \
                           "refs/tags/$tree_exported_tag" || true)
            if [ -n "$exported" ] &&
               [ "$(tree_git "$tree" rev-parse HEAD)" != "$exported" ]; then
                die "$tree has commits that are not in patches/.  Run
  'make refresh-patches' to export them (or reset the tree) first."
            fi
        fi
        echo "prepare-tree: (re)creating $tree"
        rm -rf "$tree"
    fi
fi

if [ ! -d "$tree" ]; then
    dsc=$("$here/fetch-qemu.sh")
    tmp="$tree.tmp"
    rm -rf "$tmp"
    mkdir -p "$(dirname "$tree")"
    HOME="$keyring_home" \
        dpkg-source --require-valid-signature --no-copy -x "$dsc" "$tmp" >/dev/null ||
        die "dpkg-source could not verify or unpack $dsc"
    # Debian's packaging is not part of the QEMU tree we build.
    rm -rf "$tmp/debian" "$tmp/.pc"
    git -C "$tmp" init -q -b master
    git -C "$tmp" add -A -f .
    tree_git "$tmp" commit -q \
        -m "Debian qemu $QEMU_DEBIAN_VERSION (dpkg-source -x)"
    git -C "$tmp" tag "$tree_base_tag"
    mv "$tmp" "$tree"
    for p in $(patch_series); do
        [ -f "$top/patches/$p" ] || die "patches/series names $p, which does not exist"
        if ! tree_git "$tree" am -q --keep-cr "$top/patches/$p"; then
            tree_git "$tree" am --abort || true
            die "patch $p does not apply to qemu $QEMU_DEBIAN_VERSION"
        fi
    done
    tree_git "$tree" tag -f "$tree_exported_tag" >/dev/null
    echo "$want" > "$tree/$stamp_file"
fi

# Link our new files into the tree.  Only the top-level directories that
# QEMU itself has are QEMU paths; build-aux/, patches/ and .ci/ are ours.
links=$(mktemp)
trap 'rm -f "$links"' EXIT
for d in "$top"/*/; do
    d=$(basename "$d")
    [ -d "$tree/$d" ] || continue
    (cd "$top" && git ls-files --cached --others --exclude-standard -- "$d" 2>/dev/null ||
        find "$d" -type f) >> "$links"
done
sort -u -o "$links" "$links"
while read -r f; do
    [ -f "$top/$f" ] || continue
    dst="$tree/$f"
    if [ -e "$dst" ] && [ ! -L "$dst" ]; then
        die "$f exists in QEMU; change upstream files with a patch (see README)"
    fi
    mkdir -p "$(dirname "$dst")"
    ln -sfn "$top/$f" "$dst"
done < "$links"
# Drop links to files that were removed or renamed here.
find "$tree" -path "$tree/build" -prune -o -xtype l -lname "$top/*" -print0 |
    xargs -0 -r rm -f
{
    echo "# files linked from $top by prepare-tree.sh"
    sed 's|^|/|' "$links"
    echo "/$stamp_file"
} > "$tree/.git/info/exclude"
