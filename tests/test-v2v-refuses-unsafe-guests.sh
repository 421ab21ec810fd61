#!/usr/bin/env bash
# Guests that cannot be converted safely are refused with a clear error
# and nothing is written: a filesystem that was not cleanly unmounted
# (the VM crashed or is running), a hibernated guest, a guest whose
# module index is too large to be real, and one whose /etc/fstab is a
# symlink out of the guest (to /proc/self/environ).  Each is a VMware snapshot (a
# vmdk delta over the fixture's disk, as VMware writes), so this also
# reads a snapshot chain; the fixture's own disk is never changed.
source "$(dirname "$0")/functions.sh"
requires qemu-img guestfish

fx=$(fixture bios)
# shellcheck disable=SC1091
. "$fx/fixture.env"
d=$(scratch)
before=$(md5_of "$fx"/*.vmdk "$fx"/*.vmx)

snapshot ()
{
  fixture_snapshot "$fx" "$d" "$1"
}

expect_refusal ()
{
  local name=$1 pattern=$2 rc=0
  v2v convert "$d/$name.vmx" -o "$d/out" > "$d/$name.out" 2>&1 || rc=$?
  cat "$d/$name.out"
  [ $rc -ne 0 ] || fail "$name: converted"
  grep -q "^v2v: error: .*$pattern" "$d/$name.out" ||
    fail "$name: no error matching '$pattern'"
  [ -z "$(ls -A "$d/out" 2>/dev/null)" ] ||
    fail "$name: output left: $(ls -A "$d/out")"
}

# A root filesystem still marked in use: mount it, then kill the
# appliance, as a crash would.
snapshot dirty
eval "$(guestfish --listen --format=vmdk -a "$d/dirty.vmdk")"
guestfish --remote -- run
guestfish --remote -- mount "$ROOTDEV" /
guestfish --remote -- touch /crashed-while-mounted
guestfish --remote -- sync
kill -9 "$(guestfish --remote -- get-pid)"
guestfish --remote -- exit 2>/dev/null || :
expect_refusal dirty "not cleanly unmounted"

# A hibernation image signature in swap.
snapshot hibernated
guestfish --format=vmdk -a "$d/hibernated.vmdk" run : \
  pwrite-device "$SWAPDEV" "S1SUSPEND" 4086 > /dev/null
expect_refusal hibernated "hibernated"

# A module index the initramfs needs, made an 8 GiB sparse file: refused
# from its size, before any of it is copied to this host.
snapshot hugeindex
guestfish --format=vmdk -a "$d/hugeindex.vmdk" run : mount "$ROOTDEV" / : \
  truncate-size "/lib/modules/$KERNEL/modules.symbols" 8G > /dev/null
expect_refusal hugeindex "modules.symbols' in the guest is too large"

# /etc/fstab pointing out of the guest: it names the symlink, and
# nothing of this host is read in its place.
snapshot fstablink
guestfish --format=vmdk -a "$d/fstablink.vmdk" run : mount "$ROOTDEV" / : \
  mv /etc/fstab /etc/fstab.real : ln-s /proc/self/environ /etc/fstab
expect_refusal fstablink \
  "'/etc/fstab' in the guest is a symlink to '/proc/self/environ', which is not a file in the guest"

[ "$(md5_of "$fx"/*.vmdk "$fx"/*.vmx)" = "$before" ] ||
  fail "the fixture's disk changed"
echo "$test_name: OK"
