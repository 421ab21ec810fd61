#!/usr/bin/env bash
# v2p restore onto a target smaller than the VM's disk: the guest's data
# fits, so its last ext4 filesystem is shrunk (on an overlay; the source
# is only read) and the swap partition after it moves to the new end with
# its UUID.  The image written is a sound disk: partitions inside it,
# root fsck clean with its files, swap with the same UUID.
source "$(dirname "$0")/functions.sh"
requires guestfish
fx=$(fixture bios) || fail "no bios fixture"
# shellcheck disable=SC1091
. "$fx/fixture.env"
src=$fx/$VMDK
work=$(scratch)
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
before=$(md5_of "$src")
target=$work/small.img
size=$((2 * 1024 * 1024 * 1024))    # the source is 3 GiB

if ! v2p restore "$src" --to "$target" --size 2G --yes -v \
     > "$work/restore.log" 2>&1; then
  cat "$work/restore.log" >&2
  fail "v2p restore onto a smaller disk failed"
fi
cat "$work/restore.log"
[ "$(md5_of "$src")" = "$before" ] || fail "the source changed"
[ "$(stat -c %s "$target")" -eq "$size" ] || fail "the image is not 2 GiB"
[ -z "$(ls -A "$TMPDIR")" ] || fail "work files left: $(ls -A "$TMPDIR")"
grep -q "layout: /dev/sda1 (ext4) shrunk" "$work/restore.log" ||
  fail "root was not shrunk"

# The test's own guestfish, like the fixture builder's, must be told.
[ "$(kvm_or_tcg)" = tcg ] && export LIBGUESTFS_BACKEND_SETTINGS=force_tcg
guestfish --ro -a "$target" > "$work/check.log" 2>&1 <<GF || { cat "$work/check.log"; fail "the restored disk does not check out"; }
run
echo @fsck
fsck ext4 /dev/sda1
echo @swap
vfs-uuid /dev/sda2
echo @host
mount /dev/sda1 /
cat /etc/hostname
echo @parts
part-list /dev/sda
GF
cat "$work/check.log"
after () { sed -n "/^@$1\$/{n;p;q}" "$work/check.log"; }
[ "$(after fsck)" = 0 ] || fail "root is not fsck clean"
[ "$(after swap)" = "$SWAP_UUID" ] || fail "swap lost its UUID"
[ "$(after host)" = "$HOSTNAME" ] || fail "root lost its files"
end=$(sed -n 's/^ *part_end: //p' "$work/check.log" | sort -n | tail -n 1)
[ -n "$end" ] && [ "$end" -lt "$size" ] || fail "a partition ends past the disk ($end)"
echo "$test_name: OK"
