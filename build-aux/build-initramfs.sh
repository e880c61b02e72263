#!/usr/bin/env bash
# Build the guest initramfs: busybox-static and ndctl's cxl/ndctl/daxctl
# (with their libraries) from Debian, our own static MCTP and FM-API tools
# from guest/tools, and guest/init.  Prints the path of the image.
#
# usage: build-initramfs.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${1:?usage: build-initramfs.sh OUTDIR}
mkdir -p "$out"
image="$out/initramfs.cpio.gz"
key=$( (cat "$top"/guest/init "$top"/guest/tools/*.[ch] "$0";
        dpkg-query -W busybox-static ndctl daxctl) | sha1sum | cut -c1-40)
if [ -f "$image" ] && [ "$(cat "$out/initramfs.key" 2>/dev/null)" = "$key" ]; then
    echo "$image"
    exit 0
fi

root="$out/initramfs"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,dev,proc,sys,tmp,run,etc,lib64}
cp /bin/busybox "$root/bin/busybox"
for tool in "$top"/guest/tools/*.c; do
    name=$(basename "$tool" .c)
    gcc -static -O2 -Wall -Wextra -Wno-unused-parameter -Werror \
        -o "$root/sbin/$name" "$tool"
done
for bin in /usr/bin/cxl /usr/bin/ndctl /usr/bin/daxctl; do
    cp "$bin" "$root$bin"
    ldd "$bin" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' |
        while read -r lib; do
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
        done
done
install -m 755 "$top/guest/init" "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$image.tmp"
mv "$image.tmp" "$image"
echo "$key" > "$out/initramfs.key"
echo "$image"
