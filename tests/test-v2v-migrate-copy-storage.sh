#!/usr/bin/env bash
# v2v migrate --copy-storage all between hosts that share no storage:
# host B runs in its own mount and UTS namespaces, where the images
# directory is another directory and the host has another name.  The
# guest's disk holds a pattern.  Without --copy-storage the migration
# is refused before it starts (the disk is on A's local storage);
# with it, B gets its own copy (created there by libvirt in a pool
# vmshift starts and removes), identical to A's, and the guest keeps
# running there.  --copy-storage inc, for a disk whose backing file B
# already has: vmshift creates the top image there (libvirt will not),
# over the same backing file, and only the top's data travels.
source "$(dirname "$0")/functions.sh"
source "$(dirname "$0")/migrate-functions.sh"
requires qemu-img qemu-io

images=$tmp/images
mkdir -p "$images" "$tmp/images-b"
chmod 1777 "$images" "$tmp/images-b"
mig_host a 16621
mig_host b 16622 --private "$images=$tmp/images-b" --hostname vmshift-host-b
A=$(uri a) B=$(uri b)
[ "$(virsh -c "$B" hostname)" = vmshift-host-b ] || fail "B's hostname"

qemu-img create -q -f qcow2 "$images/data.qcow2" 256M
qemu-io -f qcow2 -c "write -P 0x5a 1M 24M" -c "write -P 0xc3 200M 8M" \
  "$images/data.qcow2" >/dev/null
chmod 666 "$images/data.qcow2"
tiny_guest a cs 52:54:00:c5:00:01 128 "$images/data.qcow2"
wait_ticks "$shared/cs.log" 2

# Refused: the disk is on A's local storage, and B cannot see it.
if v2v migrate cs --from "$A" --to "$B" > "$tmp/out" 2> "$tmp/err"; then
  fail "migrated a guest on local storage without --copy-storage"
fi
cat "$tmp/err"
grep -q "error: disk vda ('$images/data.qcow2') is on local storage" \
  "$tmp/err" || fail "not the local storage error"
grep -q -- "--copy-storage all" "$tmp/err" || fail "the error does not say what to do"
[ "$(state a cs)" = running ] || fail "the guest stopped on A"
[ "$(state b cs)" = none ] || fail "the guest appeared on B"
[ ! -e "$tmp/images-b/data.qcow2" ] || fail "a disk was made on B"

v2v migrate cs --from "$A" --to "$B" --copy-storage all \
  --machine-readable > "$tmp/events" 2> "$tmp/err" ||
  fail "migrate --copy-storage all failed: $(cat "$tmp/err")"
grep '"event": "migrated"' "$tmp/events" || fail "no migrated event"
grep -q '"disk_bytes": [1-9]' "$tmp/events" || fail "no disk data moved"
[ "$(state b cs)" = running ] || fail "the guest is not running on B"
[ "$(state a cs)" = none ] || fail "the guest is still on A"
[ -s "$tmp/images-b/data.qcow2" ] || fail "no disk on B's storage"
wait_ticks "$shared/cs.log" 2
[ "$(virsh -c "$B" pool-list --all --name | grep -c vmshift)" = 0 ] ||
  fail "the transient pool was left on B"
# B's copy is A's disk, block for block (as the guest sees them).
qemu-img compare -U "$images/data.qcow2" "$tmp/images-b/data.qcow2" ||
  fail "B's disk differs from A's"

# inc: base.qcow2 on both hosts, the guest's top.qcow2 over it on A.
qemu-img create -q -f qcow2 "$images/base.qcow2" 128M
qemu-io -f qcow2 -c "write -P 0x11 0 16M" "$images/base.qcow2" >/dev/null
cp "$images/base.qcow2" "$tmp/images-b/base.qcow2"
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 "$images/top.qcow2"
qemu-io -f qcow2 -c "write -P 0x22 32M 8M" "$images/top.qcow2" >/dev/null
chmod 666 "$images"/*.qcow2 "$tmp/images-b/base.qcow2"
tiny_guest a inc 52:54:00:c5:00:02 128 "$images/top.qcow2"
wait_ticks "$shared/inc.log" 2
v2v migrate inc --from "$A" --to "$B" --copy-storage inc \
  --machine-readable > "$tmp/ievents" 2> "$tmp/err" ||
  fail "migrate --copy-storage inc failed: $(cat "$tmp/err")"
grep '"event": "migrated"' "$tmp/ievents"
disk=$(sed -n 's/.*"disk_bytes": \([0-9]*\).*/\1/p' "$tmp/ievents")
[ "$disk" -gt 0 ] && [ "$disk" -le $((16 << 20)) ] ||
  fail "inc moved $disk disk bytes, not just the top's 8 MiB"
[ "$(state b inc)" = running ] || fail "the inc guest is not running on B"
wait_ticks "$shared/inc.log" 2
info=$(qemu-img info -U "$tmp/images-b/top.qcow2")
grep -q "^backing file: .*base.qcow2" <<< "$info" ||
  fail "B's top image is not over base.qcow2: $info"
qemu-img compare -U "$images/top.qcow2" "$tmp/images-b/top.qcow2" ||
  fail "B's disk (top over base) differs from A's"
echo "$test_name: OK"
