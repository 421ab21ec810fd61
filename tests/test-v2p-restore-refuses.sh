#!/usr/bin/env bash
# v2p restore refuses, with a clear error and before writing anything:
# a mounted target, a file backing a loop device, a target with a
# partition table (without --force), an existing target without --yes
# when there is no terminal to ask on, the source's own disk, a wrong
# number of targets, a --mac for a NIC the VM does not have, and a
# target too small for the guest's data (found by trying to shrink its
# filesystem on an overlay).  Every target and the source are unchanged
# and no work files are left behind.
source "$(dirname "$0")/functions.sh"
requires losetup mkfs.ext4 sfdisk guestfish
fx=$(fixture bios) || fail "no bios fixture"
# shellcheck disable=SC1091
. "$fx/fixture.env"
src=$fx/$VMDK
work=$(scratch)
cd "$work"
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
bad_cmd="v2p restore"
src_before=$(md5_of "$src")

# A file with old data and no partition table, and one with a table.
head -c $((64 * 1024 * 1024)) /dev/urandom > plain.img
truncate -s 4G plain.img
truncate -s 4G parted.img
printf 'label: dos\n,1G,L\n' | sfdisk -q parted.img
small=small.img
head -c $((200 * 1024 * 1024)) /dev/urandom > "$small"
targets_before=$(md5_of plain.img parted.img "$small")

bad "the source's own disk" "the source's own disk" "$src" --to "$src" --yes
bad "two targets, one disk" "give one target per disk" \
  "$src" --to plain.img --to parted.img --yes
bad "a partition table" "already has a partition table" \
  "$src" --to parted.img --yes
bad "no --yes, no terminal" "give --yes" "$src" --to plain.img
bad "an unknown VM MAC" "the VM has no NIC with MAC 52:54:00:00:00:99" \
  "$src" --to plain.img --yes --mac 52:54:00:00:00:99=52:54:00:00:00:01
bad "not a disk" "neither a block device nor a regular file" \
  "$src" --to /dev/null --yes

loop=$(losetup --show -f plain.img) || skip "no loop device"
cleanup_fn "losetup -d $loop 2>/dev/null"
bad "a file behind a loop device" "backs $loop" "$src" --to plain.img --yes
losetup -d "$loop"
loop=$(losetup -P --show -f parted.img) || skip "no loop device"
cleanup_fn "losetup -d $loop 2>/dev/null"
udevadm settle 2>/dev/null || sleep 1
if [ -b "${loop}p1" ]; then
  bad "a partition" "is a partition" "$src" --to "${loop}p1" --yes
fi
losetup -d "$loop"

truncate -s 1G fs.img
mkfs.ext4 -q fs.img
loop=$(losetup --show -f fs.img) || skip "no loop device"
cleanup_fn "losetup -d $loop 2>/dev/null"
mkdir mnt
mount "$loop" mnt || skip "cannot mount ext4 here"
cleanup_fn "umount $work/mnt 2>/dev/null"
bad "a mounted disk" "is mounted" "$src" --to "$loop" --yes
umount mnt
losetup -d "$loop"

bad "too small for the data" "too small" "$src" --to "$small" --yes

[ "$(md5_of plain.img parted.img "$small")" = "$targets_before" ] ||
  fail "a refused target was changed"
[ "$(md5_of "$src")" = "$src_before" ] || fail "the source changed"
[ -z "$(ls -A "$TMPDIR")" ] || fail "work files left: $(ls -A "$TMPDIR")"
bad_done
echo "$test_name: OK"
