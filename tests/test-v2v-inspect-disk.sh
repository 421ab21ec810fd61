#!/usr/bin/env bash
# 'v2v inspect' of plain disk images: the format comes from the image's
# magic, the firmware from its partition table (GPT with an ESP is UEFI,
# MBR or GPT with only a BIOS boot partition is BIOS), and what a disk
# cannot say is defaulted with a warning.
source "$(dirname "$0")/functions.sh"

requires v2v qemu-img sfdisk python3
cd "$tmp"

# field FILE KEY...: a value from the model, e.g. field out.json disks 0 format
field ()
{
  python3 - "$@" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)
PY
}

# check IMAGE FORMAT FIRMWARE [V2V-ARGS...]
check ()
{
  local img=$1 fmt=$2 fw=$3
  shift 3
  v2v inspect "$img" "$@" >out.json 2>err || { cat err; fail "inspect $img"; }
  [ "$(field out.json source_type)" = disk ] || fail "$img: not the disk input"
  [ "$(field out.json disks 0 format)" = "$fmt" ] ||
    fail "$img: format $(field out.json disks 0 format), expected $fmt"
  [ "$(field out.json firmware)" = "$fw" ] ||
    fail "$img: firmware $(field out.json firmware), expected $fw"
  # VHD rounds the size up to a whole CHS geometry.
  [ "$(field out.json disks 0 capacity)" -ge $((64 << 20)) ] ||
    fail "$img: capacity $(field out.json disks 0 capacity)"
  echo "ok: $img: $fmt, $fw"
}

# GPT with an ESP and a Linux root.
truncate -s 64M gpt-esp.img
sfdisk -q gpt-esp.img <<'SF'
label: gpt
start=2048, size=30M, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4
SF
# GPT with a BIOS boot partition only.
truncate -s 64M gpt-bios.img
sfdisk -q gpt-bios.img <<'SF'
label: gpt
start=2048, size=1M, type=21686148-6449-6E6F-744E-656564454649
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4
SF
# MBR.
truncate -s 64M mbr.img
printf 'label: dos\ntype=83, bootable\n' | sfdisk -q mbr.img

check gpt-esp.img raw uefi
check gpt-bios.img raw bios
check mbr.img raw bios
grep -q "warning: a plain disk has no configuration" err ||
  fail "no warning about the defaults"
[ "$(field out.json name)" = mbr ] || fail "name is not the file's"
[ "$(field out.json memory)" = $((2048 << 20)) ] || fail "default memory"

for f in qcow2 vhdx vpc vdi vmdk; do
  qemu-img convert -f raw -O $f gpt-esp.img "esp.$f"
  check "esp.$f" $f uefi
done
qemu-img convert -f raw -O vpc -o subformat=fixed gpt-esp.img fixed.vhd
check fixed.vhd vpc uefi

# --memory, --vcpus and --mac replace the defaults and set the NIC's MAC.
check mbr.img raw bios --memory 4G --vcpus 3 --mac 52-54-00-AA-BB-CC \
  --mac 52:54:00:aa:bb:cd
[ "$(field out.json memory)" = $((4 << 30)) ] || fail "--memory"
[ "$(field out.json vcpus)" = 3 ] || fail "--vcpus"
[ "$(field out.json nics 0 mac)" = 52:54:00:aa:bb:cc ] || fail "--mac"
[ "$(field out.json nics 1 mac)" = 52:54:00:aa:bb:cd ] || fail "2nd --mac"

# Not a disk image: a clear error.
echo "hello" >note.txt
if v2v inspect note.txt >out 2>err; then
  fail "inspect accepted a text file"
fi
grep -q "cannot tell what kind of VM" err || { cat err; fail "wrong error"; }
if v2v inspect --from disk note.txt >out 2>err; then
  fail "--from disk accepted a text file"
fi
grep -q "not a disk image" err || { cat err; fail "wrong --from disk error"; }
for bad in "--memory 0" "--memory 12Q" "--vcpus 0" "--vcpus x" "--mac zz"; do
  # shellcheck disable=SC2086
  if v2v inspect mbr.img $bad >out 2>err; then
    fail "accepted $bad"
  fi
  grep -q "^v2v: error: --" err || { cat err; fail "$bad: wrong error"; }
done
echo "$test_name: ok"
