#!/usr/bin/env bash
# Hot P2V end to end.  The BIOS Debian test guest's disk becomes a
# running "physical machine" under QEMU (AHCI disk, e1000 NIC with a
# known MAC); a boot service there runs p2v agent against its own
# mounted root, through QEMU's user networking to a real sshd on the
# host's loopback: pre-copy rounds, a frozen final round, and p2v
# receive converting on the host.  The result boots on virtio with root
# by UUID and the NIC up under its configured name with the e1000's MAC.
# A second disk holds an LVM volume group with room: its mounted LV is
# read from an LVM snapshot, not frozen, while a writer goes on; the
# captured LV is fsck clean, holds every file the writer had synced
# before the snapshot, and the captured VG names no snapshot: neither
# the agent's nor a stale one (a killed agent's), which it removes.
# The fixture is unchanged.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
requires qemu-system-x86_64 qemu-img guestfish xmllint ldd lvm

fx=$(fixture bios) || fail "no bios fixture"
# shellcheck disable=SC1091
. "$fx/fixture.env"
mac=52:54:00:a1:b2:c5
out=$tmp/vms
recv=$tmp/recv
before=$(md5_of "$fx/$VMDK")
qemu-img create -q -f qcow2 -b "$fx/$VMDK" -F vmdk "$tmp/phys.qcow2"
start_sshd "$tmp/ssh"

# The agent's kit, with its own loader and libraries (the machine has
# no ssh client), and a boot service that runs it and powers off.
kit=$tmp/kit
mkdir -p "$kit/opt/vmshift/bin" "$kit/opt/vmshift/lib" "$kit/root" \
  "$kit/etc/systemd/system/multi-user.target.wants"
# lvm too: the machine has none (lvm looks at its own name: the real
# binaries keep theirs, in real/).
mkdir -p "$kit/opt/vmshift/real" "$kit/opt/vmshift/etc/lvm"
for b in "$top/p2v/p2v" "$(command -v ssh)" "$(command -v lvm)"; do
  cp "$b" "$kit/opt/vmshift/real/$(basename "$b")"
  ldd "$b" | awk '/=> \// { print $3 } /ld-linux/ { print $1 }' |
    xargs cp -L -t "$kit/opt/vmshift/lib"
  cat > "$kit/opt/vmshift/bin/$(basename "$b")" <<EOS
#!/bin/sh
exec /opt/vmshift/lib/ld-linux-x86-64.so.2 --library-path /opt/vmshift/lib \
  /opt/vmshift/real/$(basename "$b") "\$@"
EOS
  chmod 755 "$kit/opt/vmshift/bin/$(basename "$b")"
done
# No udev rules for device-mapper there: lvm makes its own nodes.
cat > "$kit/opt/vmshift/etc/lvm/lvm.conf" <<EOS
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
devices { obtain_device_list_from_udev = 0 }
EOS
install -m 600 "$ssh_id" "$kit/root/agent-id"
cp "$ssh_hostkey" "$kit/root/conv-host.pub"
cat > "$kit/opt/vmshift/bin/run-agent" <<EOS
#!/bin/sh
# Only on the "physical machine" (an e1000, PCI 8086:100e, whether its
# driver is bound yet or not): the service travels with the capture,
# and must do nothing once converted.
grep -qs '^PCI_ID=8086:100E\$' /sys/bus/pci/devices/*/uevent || exit 0
# The second serial port: a getty takes over the console's.
exec > /dev/ttyS1 2>&1
# The NIC is not the one the VMware guest's config names: configure it.
for i in \$(seq 1 60); do
  nic=\$(ls /sys/class/net | grep -v '^lo\$' | head -n 1)
  [ -n "\$nic" ] && break
  sleep 1
done
ip link set "\$nic" up
ip addr add 10.0.2.15/24 dev "\$nic" 2>/dev/null || :
ip route add default via 10.0.2.2 2>/dev/null || :
PATH=/opt/vmshift/bin:\$PATH
LVM_SYSTEM_DIR=/opt/vmshift/etc/lvm
export PATH LVM_SYSTEM_DIR
modprobe dm-mod
lvm vgchange -ay vgdata
mkdir -p /srv/data
mount /dev/mapper/vgdata-data /srv/data
# What an agent killed mid-round would leave: the agent removes it.
lvm lvcreate --snapshot --yes --name vmshift-agent-data-999999 --size 8m \
  vgdata/data
# The writer: a file every 0.1 s, synced, then logged with its md5, the
# time it was begun and the time it was synced.
touch /run/writing
( n=0
  while [ -e /run/writing ]; do
    n=\$((n + 1))
    begun=\$(date +%s.%N)
    head -c 65536 /dev/urandom > /srv/data/w\$n
    sync /srv/data/w\$n
    echo "VMSHIFT-W \$n \$(md5sum < /srv/data/w\$n | cut -c1-32) \$begun \$(date +%s.%N)"
    sleep 0.1
  done ) &
echo "VMSHIFT-AGENT start"
p2v agent --to ssh://root@10.0.2.2:$ssh_port --identity /root/agent-id \
  --hostkey /root/conv-host.pub --remote-command $top/p2v/p2v \
  --receive-dir $recv --disks sda,vda --name hotguest -o $out \
  --state-dir /run/vmshift-agent --machine-readable -v
echo "VMSHIFT-AGENT rc=\$?"
rm -f /run/writing
wait
lvm lvs
umount /srv/data
sync
poweroff -f
EOS
chmod 755 "$kit/opt/vmshift/bin/run-agent"
cat > "$kit/etc/systemd/system/vmshift-agent.service" <<EOS
[Unit]
Description=vmshift test: p2v agent captures this running machine
After=local-fs.target systemd-udev-settle.service

[Service]
Type=oneshot
ExecStart=/opt/vmshift/bin/run-agent
TimeoutStartSec=0

[Install]
WantedBy=multi-user.target
EOS
ln -s ../vmshift-agent.service \
  "$kit/etc/systemd/system/multi-user.target.wants/vmshift-agent.service"
tar -C "$kit" -cf "$tmp/kit.tar" .
[ "$(kvm_or_tcg)" = tcg ] && export LIBGUESTFS_BACKEND_SETTINGS=force_tcg
# The data disk: a PV on its first partition, a 96 MiB LV with ext4
# and a file, and room for a snapshot in the VG.  The machine has it on
# virtio (vda): a second AHCI disk could be probed first and take sda,
# the name the machine's root is mounted by.
qemu-img create -q -f qcow2 "$tmp/data.qcow2" 256M
head -c $((8 << 20)) /dev/urandom > "$tmp/ref"
guestfish -a "$tmp/phys.qcow2" -a "$tmp/data.qcow2" -i <<EOG ||
tar-in $tmp/kit.tar /
part-disk /dev/sdb mbr
part-set-mbr-id /dev/sdb 1 0x8e
pvcreate /dev/sdb1
vgcreate vgdata /dev/sdb1
lvcreate data vgdata 96
mkfs ext4 /dev/vgdata/data
mkdir /data
mount /dev/vgdata/data /data
upload $tmp/ref /data/ref
umount /data
rmdir /data
EOG
  fail "cannot set up the machine"
unset LIBGUESTFS_BACKEND_SETTINGS

# Boot the machine; it powers off when the agent is done.
log=$tmp/phys.log
qemu-system-x86_64 -accel "$(kvm_or_tcg)" -machine q35 -cpu max -m 1024 \
  -smp 2 -nodefaults -display none -vga none -no-reboot \
  -drive file="$tmp/phys.qcow2",format=qcow2,if=none,id=d0 \
  -drive file="$tmp/data.qcow2",format=qcow2,if=none,id=d1 \
  -device ahci,id=ahci0 -device ide-hd,drive=d0,bus=ahci0.0 \
  -device virtio-blk-pci,drive=d1 \
  -netdev user,id=n0 -device e1000,netdev=n0,mac=$mac \
  -serial file:"$log" -serial file:"$tmp/agent.log" &
qpid=$!
cleanup_fn "kill $qpid 2>/dev/null"
run_machine $qpid "$log" "the machine"
alog=$tmp/agent.log
tr -d '\r' < "$alog" | grep -v '"event": "progress"' || :
tr -d '\r' < "$alog" | grep -q "VMSHIFT-AGENT rc=0" ||
  { tail -n 60 "$log" | tr -d '\r' >&2; fail "the agent failed"; }
tr -d '\r' < "$alog" | grep -q '"event": "freeze"' ||
  fail "no frozen round"
tr -d '\r' < "$alog" | grep -q '"event": "done".*"frozen": [1-9]' ||
  fail "the agent froze no filesystem"
freeze=$(tr -d '\r' < "$alog" | grep '"event": "freeze"')
case $freeze in
  *'"frozen": 1, "snapshots": 1,'*) ;;
  *) fail "not root frozen and the LV snapshotted: $freeze" ;;
esac
snap_at=$(sed -n 's/.*"started": \([0-9.]*\).*/\1/p' <<< "$freeze")
snap_took=$(sed -n 's/.*"snapshot_seconds": \([0-9.]*\).*/\1/p' <<< "$freeze")
tr -d '\r' < "$alog" |
  grep -q 'removed vgdata/vmshift-agent-data-999999, a snapshot left by' ||
  fail "the stale snapshot was not removed"
# Round 0 read the live root's used blocks, not the whole 3 GiB disk.
r0=$(tr -d '\r' < "$alog" |
  sed -n 's/.*"round": 0,.*"examined": \([0-9]*\).*/\1/p')
echo "round 0 read $r0 bytes"
[ -n "$r0" ] && [ "$r0" -lt $((1536 << 20)) ] ||
  fail "round 0 read $r0 bytes: not just the used blocks"
[ "$(md5_of "$fx/$VMDK")" = "$before" ] || fail "the fixture changed"

xml=$out/hotguest.xml
disk=$out/hotguest-sda.qcow2
[ -f "$xml" ] && [ -f "$disk" ] || fail "no converted guest in $out"
x () { xmllint --xpath "$1" "$xml"; }
[ "$(x 'string(/domain/devices/interface/mac/@address)')" = $mac ] ||
  fail "the guest does not have the e1000's MAC $mac"

# The captured LV: clean, the VG without the snapshot, the reference
# file, every file synced before the snapshot with its md5, and none
# begun after it: the LV was read from the snapshot, not live.
data=$out/hotguest-sdb.qcow2 # vda on the machine; the output names it sdb
[ -f "$data" ] || fail "no converted data disk"
tr -d '\r' < "$alog" | awk -v t="$snap_at" \
  '$1 == "VMSHIFT-W" && $5 < t { print $2, $3 }' > "$tmp/synced"
tr -d '\r' < "$alog" | awk -v t="$snap_at" -v d="$snap_took" \
  '$1 == "VMSHIFT-W" && $4 > t + d { print $2 }' > "$tmp/later"
echo "$(wc -l < "$tmp/synced") file(s) synced before the snapshot," \
  "$(wc -l < "$tmp/later") begun after it"
[ -s "$tmp/synced" ] || fail "the writer synced nothing before the snapshot"
[ -s "$tmp/later" ] || fail "the writer began nothing after the snapshot"
guestfish --ro -a "$data" <<EOG > "$tmp/lv.out" || fail "cannot read the LV"
run
lvs
fsck ext4 /dev/vgdata/data
mount-ro /dev/vgdata/data /
checksums-out md5 / $tmp/sums
EOG
cat "$tmp/lv.out"
[ "$(head -n 1 "$tmp/lv.out")" = /dev/vgdata/data ] &&
  [ "$(sed -n 2p "$tmp/lv.out")" = 0 ] ||
  fail "the captured VG is not vgdata/data alone, fsck clean"
grep -q "^$(md5sum < "$tmp/ref" | cut -c1-32)  \./ref\$" "$tmp/sums" ||
  fail "the reference file is not in the captured LV"
while read -r n sum; do
  grep -q "^$sum  \./w$n\$" "$tmp/sums" ||
    fail "w$n, synced before the snapshot, is missing or differs"
done < "$tmp/synced"
while read -r n; do
  ! grep -q "  \./w$n\$" "$tmp/sums" ||
    fail "w$n, begun after the snapshot, is in the captured LV"
done < "$tmp/later"

boots_as_captured "$disk" $mac
echo "$test_name: OK"
