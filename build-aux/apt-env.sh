# shellcheck shell=bash
# Shared helpers for the scripts that talk to Debian's archive.
#
# The machine's own apt sources name the mirror to use; we never name
# an archive host ourselves.  Anything from suites newer than bookworm
# goes through a private apt configuration under the download cache so
# the system itself stays on bookworm.

: "${CXL_FABRIC_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/cxl-fabric}"

die() {
    echo "error: $*" >&2
    exit 1
}

# Print the first URI of a bookworm "deb" entry in the system sources.
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
    return 1
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

# Write the private source list $name with the given one-line entries.
# Refreshes its package lists when they are missing or older than a day.
private_apt_sources() {
    local name=$1
    shift
    local dir="$CXL_FABRIC_CACHE/apt/$name"
    local mirror
    mirror=$(apt_mirror_uri) ||
        die "no bookworm 'deb' entry found in /etc/apt/sources.list{,.d}"
    mkdir -p "$dir"
    : > "$dir/sources.list.new"
    local line
    for line in "$@"; do
        echo "${line//@MIRROR@/$mirror}" >> "$dir/sources.list.new"
    done
    if ! cmp -s "$dir/sources.list.new" "$dir/sources.list" ||
       [ -z "$(find "$dir/lists" -maxdepth 1 -name '*Release' -mtime -1 2>/dev/null)" ]; then
        mv "$dir/sources.list.new" "$dir/sources.list"
        private_apt "$name" -q update >&2 ||
            die "apt-get update for the private '$name' sources failed"
    else
        rm -f "$dir/sources.list.new"
    fi
}
