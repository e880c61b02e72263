# shellcheck shell=bash
# What the build-aux/ shell scripts share; source it, don't run it:
#   - the download cache and die();
#   - the pinned versions of build-aux/pins.mk (load_pins);
#   - the patch series (patch_series), the prepared tree's tags and git in
#     it with the identity its commits are made with (tree_git,
#     tree_has_changes);
#   - Debian's archive: its keyrings, the machine's own mirror
#     (apt_mirror_uri) and a private apt configuration (private_apt,
#     private_apt_sources).

lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

: "${CXL_FABRIC_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/cxl-fabric}"

die() {
    echo "error: $*" >&2
    exit 1
}

# Set the NAME=value pins of pins.mk as shell variables, except those the
# environment already sets (e.g. QEMU_DEBIAN_VERSION=... make check).
load_pins() {
    eval "$(grep -E '^[A-Z_]+=' "$lib_dir/pins.mk" |
            sed 's/^\([A-Z_]*\)=\(.*\)$/: "${\1:=\2}"/')"
}

# Print the patch file names of patches/series in order, one a line:
# comments and blank lines are skipped.
patch_series() {
    grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' \
        "$lib_dir/../patches/series" || true
}

# In the prepared tree, Debian's unpacked source is the commit tagged
# $tree_base_tag; $tree_exported_tag marks the last commit that
# patches/ holds.
# shellcheck disable=SC2034 # used by the scripts that source this file
tree_base_tag=debian-base
# shellcheck disable=SC2034
tree_exported_tag=cxl-fabric-exported

# git in the prepared tree DIR, as the identity its commits are made with.
# usage: tree_git DIR GIT-ARGS...
tree_git() {
    local dir=$1
    shift
    git -C "$dir" -c user.name="cxl-fabric build" \
        -c user.email="cxl-fabric@localhost" -c commit.gpgsign=false "$@"
}

# Whether the prepared tree DIR has uncommitted changes to tracked files.
tree_has_changes() {
    [ -n "$(tree_git "$1" status --porcelain --untracked-files=no)" ]
}

# Debian's archive.  The machine's own apt sources name the mirror to use;
# we never name an archive host ourselves.  Anything from suites newer
# than bookworm goes through a private apt configuration under the
# download cache so the system itself stays on bookworm.

# What Debian's archive is signed with.
debian_archive_keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# A HOME whose gpg trusts the pinned suite's debian-keyring (uploaders'
# keys): fetch-qemu.sh sets it up, dpkg-source in prepare-tree.sh uses it.
# shellcheck disable=SC2034
keyring_home="$CXL_FABRIC_CACHE/keyring-home"

# Print the first URI of a bookworm "deb" entry in the system sources, or
# fail with an error message.
apt_mirror_uri() {
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri=$(awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && suites ~ /(^| )bookworm( |$)/ &&
                    uris != "" && !found) {
                    split(uris, u, " "); print u[1]; found = 1
                }
                types = ""; suites = ""; uris = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^Types:/  { sub(/^Types:[ \t]*/, ""); types = $0 }
            /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
            /^URIs:/   { sub(/^URIs:[ \t]*/, ""); uris = $0 }
            END { flush() }' "$f")
        if [ -n "$uri" ]; then
            echo "$uri"
            return 0
        fi
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        uri=$(awk '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                if ($(i + 1) == "bookworm") { print $i; exit }
            }' "$f")
        if [ -n "$uri" ]; then
            echo "$uri"
            return 0
        fi
    done
    die "no bookworm 'deb' entry found in /etc/apt/sources.list{,.d}"
}

# Run apt-get against a private configuration whose only source list
# is "$CXL_FABRIC_CACHE/apt/$name/sources.list".  State, lists and the
# package cache live beside it; the system's own apt state is untouched.
private_apt() {
    local name=$1
    shift
    local dir="$CXL_FABRIC_CACHE/apt/$name"
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    apt-get -o Dir::Etc::sourcelist="$dir/sources.list" \
            -o Dir::Etc::sourceparts=/dev/null \
            -o Dir::State::Lists="$dir/lists" \
            -o Dir::Cache="$dir/cache" \
            -o APT::Sandbox::User=root \
            "$@"
}

# Write the private source list of Debian's SUITE: an entry of each TYPE
# (deb, deb-src) for its main component, from the machine's mirror.
# Refreshes its package lists when they are missing or older than a day.
# usage: private_apt_sources SUITE TYPE...
private_apt_sources() {
    local suite=$1
    shift
    local dir="$CXL_FABRIC_CACHE/apt/$suite"
    local mirror
    mirror=$(apt_mirror_uri) || exit 1
    mkdir -p "$dir"
    : > "$dir/sources.list.new"
    local type
    for type in "$@"; do
        echo "$type [signed-by=$debian_archive_keyring] $mirror $suite main" \
            >> "$dir/sources.list.new"
    done
    if ! cmp -s "$dir/sources.list.new" "$dir/sources.list" ||
       [ -z "$(find "$dir/lists" -maxdepth 1 -name '*Release' -mtime -1 2>/dev/null)" ]; then
        mv "$dir/sources.list.new" "$dir/sources.list"
        private_apt "$suite" -q update >&2 ||
            die "apt-get update for the private '$suite' sources failed"
    else
        rm -f "$dir/sources.list.new"
    fi
}
