# Shared body of the "convert a Debian VMware fixture and boot it" tests.
# Sourced after functions.sh with $variant set (bios, uefi or dracut; the
# fixture to use), or with just $firmware (bios or uefi), which then names
# the variant too.  How the guest boots comes from the fixture's FIRMWARE.
# Proves:
#   - the source .vmx and .vmdk are unchanged (checksums);
#   - the output is NAME.xml + NAME-sda.qcow2 with the source's MAC, UUID,
#     memory and firmware, virtio disk and NIC;
#   - the converted guest boots on virtio under QEMU and reports, from
#     inside: root mounted by UUID (kernel cmdline and fstab), the NIC up
#     under its VMware name with its VMware MAC and a DHCP address, and
#     open-vm-tools gone.

requires qemu-system-x86_64 qemu-img guestfish xmllint

variant=${variant:-$firmware}
fx=$(fixture "$variant") || fail "no $variant fixture"
# shellcheck disable=SC1091
. "$fx/fixture.env"
if [ -n "${firmware:-}" ] && [ "$firmware" != "$FIRMWARE" ]; then
  fail "the $variant fixture boots by $FIRMWARE, not $firmware"
fi
firmware=$FIRMWARE
vmx=$fx/$VMX
work=$(scratch)
out=$work/vms
name=debian-$variant

before=$(md5_of "$fx"/*.vmx "$fx"/*.vmdk)
if ! v2v convert "$vmx" --to kvm -o "$out" -v > "$work/convert.log" 2>&1; then
  cat "$work/convert.log" >&2
  fail "v2v convert failed"
fi
cat "$work/convert.log"
after=$(md5_of "$fx"/*.vmx "$fx"/*.vmdk)
[ "$before" = "$after" ] || fail "the source changed: $before -> $after"

xml=$out/$name.xml
disk=$out/$name-sda.qcow2
[ -f "$xml" ] || fail "no $xml"
[ -f "$disk" ] || fail "no $disk"
ls -A "$out" | grep -q '^\.v2v-' && fail "work directory left in $out"

x () { xmllint --xpath "$1" "$xml"; }
[ "$(x 'string(/domain/devices/interface/mac/@address)')" = "$MAC" ] ||
  fail "the domain does not keep the MAC $MAC"
[ "$(x 'string(/domain/devices/interface/model/@type)')" = virtio ] ||
  fail "the NIC is not virtio"
[ "$(x 'string(/domain/devices/disk/target/@bus)')" = virtio ] ||
  fail "the disk is not virtio"
[ "$(x 'string(/domain/devices/disk/source/@file)')" = "$disk" ] ||
  fail "the domain does not point at $disk"
[ "$(x 'string(/domain/memory)')" = 1048576 ] || fail "memory not kept"
[ "$(x 'string(/domain/vcpu)')" = 2 ] || fail "vCPUs not kept"
[ -n "$(x 'string(/domain/uuid)')" ] || fail "UUID not kept"
if [ "$firmware" = uefi ]; then
  [ "$(x 'string(/domain/os/@firmware)')" = efi ] || fail "not UEFI"
fi
qemu-img check -q "$disk" || fail "the output disk is not a sound qcow2"

boot_probe "$disk" qcow2 "$MAC" "$firmware" "$work/serial.log"
tr -d '\r' < "$work/serial.log" | grep '^VMSHIFT-PROBE' || :

cmdline=$(probe_value "$work/serial.log" cmdline)
case $cmdline in
  *"root=UUID=$ROOT_UUID"*) ;;
  *) fail "kernel command line does not find root by UUID: $cmdline" ;;
esac
[ "$(probe_value "$work/serial.log" rootuuid)" = "$ROOT_UUID" ] ||
  fail "the root filesystem is not $ROOT_UUID"
[ "$(probe_value "$work/serial.log" fstab-root)" = "UUID=$ROOT_UUID" ] ||
  fail "fstab does not mount root by UUID"
tr -d '\r' < "$work/serial.log" |
  grep -Eq "^VMSHIFT-PROBE link $IFNAME $MAC (UP|UNKNOWN)" ||
  fail "$IFNAME is not up with MAC $MAC"
tr -d '\r' < "$work/serial.log" |
  grep -Eq "^VMSHIFT-PROBE addr $IFNAME 10\.0\.2\.[0-9]+/" ||
  fail "$IFNAME has no address from QEMU's DHCP"
[ "$(probe_value "$work/serial.log" vmtools)" = absent ] ||
  fail "open-vm-tools is still installed"
echo "$test_name: OK"
