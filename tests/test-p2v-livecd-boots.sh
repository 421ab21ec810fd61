#!/usr/bin/env bash
# Cold P2V end to end.  The BIOS Debian test guest's disk becomes a
# "physical machine" under QEMU: AHCI disk, e1000 NIC with a known MAC,
# booted from the p2v LiveCD (p2v iso) whose kernel command line holds
# the settings, so the capture runs headless through QEMU's user
# networking to a real sshd on the host's loopback.  p2v receive there
# converts; the result boots on virtio with root by UUID and the NIC up
# under its old name with the e1000's MAC.  The machine's disk is
# unchanged.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
requires qemu-system-x86_64 qemu-img grub-mkrescue xorriso xmllint

fx=$(fixture bios) || fail "no bios fixture"
# shellcheck disable=SC1091
. "$fx/fixture.env"
mac=52:54:00:a1:b2:c3
out=$tmp/vms
recv=$tmp/recv

# The physical machine's disk: an overlay on the fixture's VMDK.
qemu-img create -q -f qcow2 -b "$fx/$VMDK" -F vmdk "$tmp/phys.qcow2"
before=$(md5_of "$tmp/phys.qcow2" "$fx/$VMDK")

start_sshd "$tmp/ssh"
p2v iso -o "$tmp/p2v.iso" --server 10.0.2.2 --port "$ssh_port" \
  --user root --identity "$ssh_id" --hostkey "$ssh_hostkey" \
  --name p2vphys --output "$out" --receive-dir "$recv" \
  --remote-command "$top/p2v/p2v" > "$tmp/iso.log" 2>&1 ||
  { cat "$tmp/iso.log"; fail "p2v iso failed"; }
ls -l "$tmp/p2v.iso"

# Boot the LiveCD on the "physical machine"; it powers off when done.
log=$tmp/livecd.log
qemu-system-x86_64 -accel "$(kvm_or_tcg)" -machine q35 -cpu max -m 1024 \
  -smp 2 -nodefaults -display none -vga none -no-reboot \
  -drive file="$tmp/p2v.iso",format=raw,if=none,id=cd,readonly=on \
  -device ahci,id=ahci0 -device ide-cd,drive=cd,bus=ahci0.1,bootindex=1 \
  -drive file="$tmp/phys.qcow2",format=qcow2,if=none,id=d0 \
  -device ide-hd,drive=d0,bus=ahci0.0,bootindex=2 \
  -netdev user,id=n0 -device e1000,netdev=n0,mac=$mac \
  -serial file:"$log" &
qpid=$!
cleanup_fn "kill $qpid 2>/dev/null"
run_machine $qpid "$log" "the LiveCD"
tr -d '\r' < "$log" | grep -E '^p2v' || :
tr -d '\r' < "$log" | grep -q "captured in" ||
  { tail -n 60 "$log" | tr -d '\r' >&2; fail "the capture did not finish"; }
[ "$(md5_of "$tmp/phys.qcow2" "$fx/$VMDK")" = "$before" ] ||
  fail "the physical machine's disk changed"

xml=$out/p2vphys.xml
disk=$out/p2vphys-sda.qcow2
[ -f "$xml" ] && [ -f "$disk" ] || fail "no converted guest in $out"
ls "$recv"
[ -f "$recv/p2vphys.log" ] || fail "no conversion log"
[ -d "$recv/p2vphys" ] && fail "the received disks were left behind"
x () { xmllint --xpath "$1" "$xml"; }
[ "$(x 'string(/domain/devices/interface/mac/@address)')" = $mac ] ||
  fail "the guest does not have the e1000's MAC $mac"
[ "$(x 'string(/domain/vcpu)')" = 2 ] || fail "not the machine's 2 CPUs"

boots_as_captured "$disk" $mac
echo "$test_name: OK"
