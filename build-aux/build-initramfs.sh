#!/usr/bin/env bash
# Build the guest initramfs: busybox-static and ndctl's cxl/ndctl/daxctl
# (with their libraries) from Debian, our own static MCTP and FM-API tools
# from guest/tools, our fabric manager programs on libcxlmi (guest/fm,
# linked with the static libcxlmi that build-third-party.sh builds),
# CodeConstruct's mctp and mctpd, dbus-daemon and busctl from Debian for
# mctpd's D-Bus interface, and guest/init.  Prints the path of the image.
#
# usage: build-initramfs.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${1:?usage: build-initramfs.sh OUTDIR}
mkdir -p "$out"
image="$out/initramfs.cpio.gz"
third_party=$("$here/build-third-party.sh")
libcxlmi=$(echo "$third_party" | sed -n 's/^LIBCXLMI=//p')
mctp=$(echo "$third_party" | sed -n 's/^MCTP=//p')
key=$( (cat "$top"/guest/init "$top"/guest/tools/*.[ch] "$top"/guest/fm/*.[ch] \
            "$top"/guest/*.conf "$0"; echo "$third_party";
        dpkg-query -W busybox-static ndctl daxctl dbus-daemon systemd \
            libsystemd0) | sha1sum | cut -c1-40)
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
for prog in "$top"/guest/fm/*.c; do
    name=$(basename "$prog" .c)
    gcc -static -O2 -Wall -Wextra -Wno-unused-parameter -Werror \
        -I"$libcxlmi/include" -o "$root/sbin/$name" "$prog" \
        "$libcxlmi/lib/libcxlmi.a" "$libcxlmi/lib/libccan.a"
done
mkdir -p "$root/usr/sbin" "$root/etc/dbus-1" "$root/run/dbus"
cp "$mctp/bin/mctp" "$root/usr/bin/mctp"
cp "$mctp/sbin/mctpd" "$root/usr/sbin/mctpd"
cp "$top/guest/mctpd.conf" "$root/etc/mctpd.conf"
cp "$top/guest/dbus-system.conf" "$root/etc/dbus-1/system.conf"
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
for bin in /usr/bin/cxl /usr/bin/ndctl /usr/bin/daxctl /usr/bin/dbus-daemon \
           /usr/bin/busctl /usr/bin/mctp /usr/sbin/mctpd; do
    [ -e "$root$bin" ] || cp "$bin" "$root$bin"
    ldd "$root$bin" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' |
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
