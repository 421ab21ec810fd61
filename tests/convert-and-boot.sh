# Shared body of the "convert a Debian fixture and boot it" tests.
# Sourced after functions.sh with $variant set (bios, uefi, dracut or xen;
# the fixture to use), or with just $firmware (bios or uefi), which then
# names the variant too.  How the guest boots comes from the fixture's
# FIRMWARE.  By default the fixture's .vmx is converted; a test of
# another input sets make_source to a function that builds it (from
# $fx, in $work) and sets:
#   src          what to pass to v2v convert
#   src_files    the files that must stay unchanged (default: $src)
#   name         the guest's name in the output (default debian-VARIANT)
#   want_memory  KiB in the domain (default 1048576)
#   want_vcpus   (default 2)
#   want_uuid    yes if the source has a UUID the domain must keep
#   convert_args extra arguments to v2v convert (array)
#   out_format   qcow2 (default) or raw: -O
# Proves:
#   - the source files are unchanged (checksums);
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
work=$(scratch)
out=$work/vms
name=debian-$variant
want_memory=1048576
want_vcpus=2
want_uuid=yes
out_format=qcow2
convert_args=()
if [ -n "${make_source:-}" ]; then
  "$make_source"
  src_files=("${src_files[@]:-$src}")
else
  src=$fx/$VMX
  src_files=("$fx/$VMX" "$fx/$VMDK")
fi

before=$(md5_of "${src_files[@]}")
if ! v2v convert "$src" --to kvm -o "$out" -O "$out_format" -v \
     "${convert_args[@]}" \
     > "$work/convert.log" 2>&1; then
  cat "$work/convert.log" >&2
  fail "v2v convert failed"
fi
cat "$work/convert.log"
after=$(md5_of "${src_files[@]}")
[ "$before" = "$after" ] || fail "the source changed: $before -> $after"

xml=$out/$name.xml
disk=$out/$name-sda.$out_format
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
[ "$(x 'string(/domain/memory)')" = "$want_memory" ] ||
  fail "memory not kept: $(x 'string(/domain/memory)') KiB"
[ "$(x 'string(/domain/vcpu)')" = "$want_vcpus" ] || fail "vCPUs not kept"
if [ "$want_uuid" = yes ]; then
  [ -n "$(x 'string(/domain/uuid)')" ] || fail "UUID not kept"
fi
if [ "$firmware" = uefi ]; then
  [ "$(x 'string(/domain/os/@firmware)')" = efi ] || fail "not UEFI"
fi
if [ "$out_format" = qcow2 ]; then
  qemu-img check -q "$disk" || fail "the output disk is not a sound qcow2"
fi

boot_probe "$disk" "$out_format" "$MAC" "$firmware" "$work/serial.log"
tr -d '\r' < "$work/serial.log" | grep 'VMSHIFT-PROBE' || :

cmdline=$(probe_value "$work/serial.log" cmdline)
case $cmdline in
  *"root=UUID=$ROOT_UUID"*) ;;
  *) fail "kernel command line does not find root by UUID: $cmdline" ;;
esac
case $cmdline in
  *console=hvc0* | *console=xvc0*)
    fail "the Xen console is still on the command line: $cmdline" ;;
esac
if [ "$VARIANT" = xen ]; then
  case " $cmdline " in
    *" console=ttyS0 "*) ;;
    *) fail "console=hvc0 did not become console=ttyS0: $cmdline" ;;
  esac
fi
[ "$(probe_value "$work/serial.log" rootuuid)" = "$ROOT_UUID" ] ||
  fail "the root filesystem is not $ROOT_UUID"
[ "$(probe_value "$work/serial.log" fstab-root)" = "UUID=$ROOT_UUID" ] ||
  fail "fstab does not mount root by UUID"
tr -d '\r' < "$work/serial.log" |
  grep -Eq "VMSHIFT-PROBE link $IFNAME $MAC (UP|UNKNOWN)" ||
  fail "$IFNAME is not up with MAC $MAC"
tr -d '\r' < "$work/serial.log" |
  grep -Eq "VMSHIFT-PROBE addr $IFNAME 10\.0\.2\.[0-9]+/" ||
  fail "$IFNAME has no address from QEMU's DHCP"
[ "$(probe_value "$work/serial.log" vmtools)" = absent ] ||
  fail "open-vm-tools is still installed"
echo "$test_name: OK"
