# Shared body of the v2p boot tests, sourced after convert-and-boot.sh
# (which converted the Debian fixture to $disk, booted it on virtio and
# checked it): the converted guest is restored with v2p onto a larger
# target ($target_kind: "file", a new raw image, or "loop", a loop
# device over a file), its NIC mapped to another MAC with --mac, then
# booted as a physical machine: AHCI disk, e1000e NIC with that MAC.
# Proves, from inside the guest: root found by UUID (kernel command line
# and fstab), on the AHCI disk, grown with the disk; the NIC up under
# its old name with the physical MAC and a DHCP address.  The restore's
# source (the converted disk) is unchanged and no work files are left.

requires qemu-system-x86_64 losetup
phys_mac=52:54:00:5e:a1:02
target_size=$((4 * 1024 * 1024 * 1024))
v2p_tmp=$work/tmp
mkdir -p "$v2p_tmp"

before=$(md5_of "$disk")
if [ "$target_kind" = loop ]; then
  img=$work/loop-backing.img
  truncate -s "$target_size" "$img"
  target=$(losetup --show -f "$img") || skip "no loop device"
  cleanup_fn "losetup -d $target 2>/dev/null"
else
  img=$work/physical.img
  target=$img
fi
if ! TMPDIR=$v2p_tmp v2p restore "$out" --to "$target" --size 4G --yes \
     --mac "$MAC=$phys_mac" -v > "$work/restore.log" 2>&1; then
  cat "$work/restore.log" >&2
  fail "v2p restore failed"
fi
cat "$work/restore.log"
[ "$(md5_of "$disk")" = "$before" ] || fail "v2p changed its source"
[ -z "$(ls -A "$v2p_tmp")" ] || fail "work files left: $(ls -A "$v2p_tmp")"
grep -q "bootloader-install: .*grub-install" "$work/restore.log" ||
  fail "the bootloader was not reinstalled"
if [ "$target_kind" = loop ]; then
  sync
  losetup -d "$target"
fi

boot_probe "$img" raw "$phys_mac" "$firmware" "$work/physical.log" physical
tr -d '\r' < "$work/physical.log" | grep 'VMSHIFT-PROBE' || :
log=$work/physical.log
case $(probe_value "$log" cmdline) in
  *"root=UUID=$ROOT_UUID"*) ;;
  *) fail "restored: the kernel does not find root by UUID" ;;
esac
[ "$(probe_value "$log" rootuuid)" = "$ROOT_UUID" ] ||
  fail "restored: the root filesystem is not $ROOT_UUID"
[ "$(probe_value "$log" fstab-root)" = "UUID=$ROOT_UUID" ] ||
  fail "restored: fstab does not mount root by UUID"
case $(probe_value "$log" diskpath) in
  */ata*) ;;
  *) fail "restored: root is not on the AHCI disk: $(probe_value "$log" diskpath)" ;;
esac
disk_bytes=$(( $(probe_value "$log" disksize) * 512 ))
root_bytes=$(probe_value "$log" rootsize)
[ "$disk_bytes" -eq "$target_size" ] || fail "restored: the disk is $disk_bytes bytes"
# Root fills the disk but for the ESP or swap (256 MiB) and ext4's own
# overhead (journal, inode tables: well under 10%).
[ "$root_bytes" -gt $((target_size * 85 / 100)) ] ||
  fail "restored: root ($root_bytes bytes) did not grow to fill the $target_size-byte disk"
tr -d '\r' < "$log" |
  grep -Eq "VMSHIFT-PROBE link $IFNAME $phys_mac (UP|UNKNOWN)" ||
  fail "restored: $IFNAME is not up with the physical MAC $phys_mac"
tr -d '\r' < "$log" |
  grep -Eq "VMSHIFT-PROBE addr $IFNAME 10\.0\.2\.[0-9]+/" ||
  fail "restored: $IFNAME has no address from DHCP"
echo "$test_name: restored and booted as a physical machine: OK"
