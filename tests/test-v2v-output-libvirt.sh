#!/usr/bin/env bash
# -o libvirt:qemu:///system --storage DIR --start: the converted guest is
# defined in libvirt (type matching this host, source MAC, virtio, disk in
# DIR as raw with -O raw) and starts and keeps running.  A second run with
# the same name is refused before anything is written.
source "$(dirname "$0")/functions.sh"
requires qemu-img guestfish
need_libvirtd

fx=$(fixture bios)
# shellcheck disable=SC1091
. "$fx/fixture.env"
name=vmshift-test-libvirt-$$
storage=$(scratch)
chmod 755 "$tmp" "$storage"
cleanup_fn "virsh -c qemu:///system destroy $name >/dev/null 2>&1; virsh -c qemu:///system undefine $name --nvram >/dev/null 2>&1"

v2v convert "$fx/debian-bios.vmx" -o libvirt:qemu:///system \
  --storage "$storage" -O raw -n "$name" --user-net --start -q ||
  fail "v2v convert -o libvirt failed"

virsh -c qemu:///system dumpxml "$name" > "$tmp/live.xml"
x () { xmllint --xpath "$1" "$tmp/live.xml"; }
want_type=kvm
[ "$(kvm_or_tcg)" = tcg ] && want_type=qemu
[ "$(x 'string(/domain/@type)')" = "$want_type" ] || fail "not type=$want_type"
[ "$(x 'string(/domain/devices/interface/mac/@address)')" = "$MAC" ] ||
  fail "MAC not kept"
[ "$(x 'string(/domain/devices/disk/source/@file)')" = "$storage/$name-sda.raw" ] ||
  fail "disk not in --storage"
[ "$(x 'string(/domain/devices/disk/driver/@type)')" = raw ] || fail "not raw"
sleep 10
[ "$(virsh -c qemu:///system domstate "$name")" = running ] ||
  fail "the guest is not running: $(virsh -c qemu:///system domstate "$name")"

# Same name again: refused, nothing new written.
before=$(ls -A "$storage")
if v2v convert "$fx/debian-bios.vmx" -o libvirt:qemu:///system \
     --storage "$storage" -n "$name" -q 2> "$tmp/err"; then
  fail "a second domain of the same name was accepted"
fi
grep -q "already exists" "$tmp/err" || fail "$(cat "$tmp/err")"
[ "$(ls -A "$storage")" = "$before" ] || fail "files left behind"
echo "$test_name: OK"
