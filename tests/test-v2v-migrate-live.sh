#!/usr/bin/env bash
# A converted Debian guest joins the KVM estate and moves like any other:
# v2v convert -o libvirt: defines it on host A (disk on storage both
# hosts share), it boots, and a service in it writes a numbered line
# with its uptime to the serial console and to a file on its disk (then
# syncs) every second.  Then, while it writes:
#   - v2v migrate --persistent --undefine-source moves it live to host
#     B: it keeps running there (its counter and uptime go on, no reboot)
#     with the same MAC and NIC name, and A no longer has it;
#   - v2v move-storage moves its disk to another directory on B: it keeps
#     running, the live and persistent XML name the new file, the old
#     one is gone;
# and after a power cut the moved disk's root is fsck clean (after its
# journal replays) and holds the lines written after both moves.
source "$(dirname "$0")/functions.sh"
source "$(dirname "$0")/migrate-functions.sh"
requires qemu-img guestfish xmllint python3

fx=$(fixture bios)
# shellcheck disable=SC1091
. "$fx/fixture.env"
[ "$(kvm_or_tcg)" = tcg ] && export LIBGUESTFS_BACKEND_SETTINGS=force_tcg

images=$tmp/images moved=$tmp/moved
mkdir -p "$images" "$moved"
chmod 1777 "$images" "$moved"
mig_host a 16641
mig_host b 16642
A=$(uri a) B=$(uri b)

before=$(md5_of "$fx/$VMX" "$fx/$VMDK")
v2v convert "$fx/$VMX" -o "libvirt:$A" --storage "$images" --user-net \
  -n deb -q || fail "v2v convert -o libvirt:$A failed"
[ "$(md5_of "$fx/$VMX" "$fx/$VMDK")" = "$before" ] || fail "the source changed"
disk=$images/deb-sda.qcow2
[ -f "$disk" ] || fail "no $disk"
chmod 666 "$disk"

# The writer: a numbered line a second, to the console and the disk.
cat > "$tmp/ticker.service" <<'UNIT'
[Unit]
Description=vmshift test writer
After=local-fs.target
[Service]
ExecStart=/bin/sh -c 'i=0; while :; do i=$((i+1)); l="TICK $i $(cut -d" " -f1 /proc/uptime)"; echo "$l" > /dev/ttyS0; echo "$l" >> /var/lib/vmshift-ticks; sync /var/lib/vmshift-ticks; sleep 1; done'
[Install]
WantedBy=multi-user.target
UNIT
guestfish -a "$disk" -i <<GF || fail "cannot add the writer to the guest"
upload $tmp/ticker.service /etc/systemd/system/vmshift-ticker.service
ln-sf /etc/systemd/system/vmshift-ticker.service /etc/systemd/system/multi-user.target.wants/vmshift-ticker.service
GF

# Serial console to a file both hosts can write.
virsh -c "$A" dumpxml --inactive deb > "$tmp/deb.xml"
python3 - "$tmp/deb.xml" "$shared/deb.log" <<'PY'
import sys, xml.etree.ElementTree as ET
path, log = sys.argv[1], sys.argv[2]
t = ET.parse(path)
dev = t.getroot().find('devices')
for tag in ('serial', 'console'):
    for e in dev.findall(tag):
        dev.remove(e)
s = ET.SubElement(dev, 'serial', type='file')
ET.SubElement(s, 'source', path=log, append='on')
ET.SubElement(s, 'target', port='0')
t.write(path)
PY
: > "$shared/deb.log"
chmod 666 "$shared/deb.log"
virsh -c "$A" define "$tmp/deb.xml" >/dev/null || fail "cannot redefine deb"
virsh -c "$A" start deb >/dev/null || fail "deb does not start on A"
for _ in $(seq 1 400); do
  grep -q 'VMSHIFT-PROBE done' "$shared/deb.log" && break
  sleep 1
done
grep -q 'VMSHIFT-PROBE done' "$shared/deb.log" ||
  { tail -n 30 "$shared/deb.log"; fail "deb did not boot on A"; }
wait_ticks "$shared/deb.log" 3
ifname=$(probe_value "$shared/deb.log" "link $IFNAME" || :)
grep -q "VMSHIFT-PROBE link $IFNAME $MAC UP" <(tr -d '\r' < "$shared/deb.log") ||
  fail "the NIC is not $IFNAME with $MAC on A"

# Live migration.
read -r n0 up0 < <(ticks "$shared/deb.log")
v2v migrate deb --from "$A" --to "$B" --persistent --undefine-source \
  --machine-readable > "$tmp/events" 2> "$tmp/err" ||
  fail "v2v migrate failed: $(cat "$tmp/err")"
grep '"event": "migrated"' "$tmp/events" || fail "no migrated event"
[ "$(state b deb)" = running ] || fail "deb is not running on B"
[ "$(state a deb)" = none ] || fail "deb is still defined on A: $(state a deb)"
info=$(virsh -c "$B" dominfo deb)
grep -q '^Persistent: *yes' <<< "$info" || fail "deb is not persistent on B: $info"
virsh -c "$B" dumpxml deb > "$tmp/b.xml"
[ "$(xmllint --xpath 'string(//interface/mac/@address)' "$tmp/b.xml")" = "$MAC" ] ||
  fail "the MAC changed"
wait_ticks "$shared/deb.log" 3
read -r n1 up1 < <(ticks "$shared/deb.log")
last=$(tr -d '\r' < "$shared/deb.log" | awk '$1 == "TICK" { print $2 }' | tail -n 1)
echo "before: $n0 lines, uptime $up0 s; after: $n1 lines, counter $last, uptime $up1 s"
awk -v a="$up1" -v b="$up0" 'BEGIN { exit !(a > b) }' ||
  fail "uptime went back from $up0 to $up1: the guest restarted"
[ "$last" -gt "$n0" ] || fail "the writer's counter restarted ($last)"
[ "$(grep -c 'VMSHIFT-PROBE done' "$shared/deb.log")" -eq 1 ] ||
  fail "the guest booted again"

# Live storage move on B.
v2v move-storage deb -c "$B" --to "$moved" --machine-readable \
  > "$tmp/mevents" 2> "$tmp/merr" ||
  fail "v2v move-storage failed: $(cat "$tmp/merr")"
grep -q '"event": "progress"' "$tmp/mevents" || fail "no progress events"
[ "$(state b deb)" = running ] || fail "deb stopped during move-storage"
blk=$(virsh -c "$B" domblklist deb)
grep -q " $moved/deb-sda.qcow2$" <<< "$blk" ||
  fail "the live XML does not name the moved disk: $blk"
inactive=$(virsh -c "$B" dumpxml --inactive deb)
grep -q "file='$moved/deb-sda.qcow2'" <<< "$inactive" ||
  fail "the persistent XML does not name the moved disk"
[ ! -e "$disk" ] || fail "the old disk is still there"
wait_ticks "$shared/deb.log" 3
last=$(tr -d '\r' < "$shared/deb.log" | awk '$1 == "TICK" { print $2 }' | tail -n 1)

# Power cut (this guest ignores ACPI under TCG) a few synced lines
# later; then, on an overlay, the journal replays at mount and e2fsck
# must find the root clean.
wait_ticks "$shared/deb.log" 3
virsh -c "$B" destroy deb >/dev/null || fail "cannot stop deb"
qemu-img create -q -f qcow2 -b "$moved/deb-sda.qcow2" -F qcow2 \
  "$tmp/check.qcow2"
printf '%s\n' run "mount $ROOTDEV /" \
  "download /var/lib/vmshift-ticks $tmp/ticks" "umount /" \
  "debug sh \"e2fsck -fn $ROOTDEV >/dev/null 2>&1; echo e2fsck=\$?\"" |
  guestfish -a "$tmp/check.qcow2" > "$tmp/fsck" ||
  fail "cannot check the moved disk"
cat "$tmp/fsck"
grep -q '^e2fsck=0$' "$tmp/fsck" || fail "the moved disk's root is not clean"
grep -q "^TICK $last " "$tmp/ticks" ||
  fail "line $last, written after both moves, is not on the disk"
[ "$(grep -c 'VMSHIFT-PROBE done' "$shared/deb.log")" -eq 1 ] ||
  fail "the guest booted again"
echo "$test_name: OK"
