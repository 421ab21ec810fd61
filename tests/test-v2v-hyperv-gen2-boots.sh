#!/usr/bin/env bash
# The UEFI Debian guest as a Hyper-V 2012 R2 export (a generation 2
# configuration XML with a static MAC, the disk as VHDX) converts and
# boots on virtio under UEFI with its identity.
source "$(dirname "$0")/functions.sh"
variant=uefi
make_source ()
{
  qemu-img convert -O vhdx "$fx/$VMDK" "$work/debian-uefi.vhdx" ||
    fail "could not make the VHDX"
  "$top/tests/fixtures/make-hyperv-export.sh" "$work/debian-uefi.vhdx" \
    "$work/export" --name debian-uefi --mac "$MAC" --gen 2 --memory 1024 \
    --vcpus 2 >/dev/null || fail "could not make the Hyper-V export"
  src=$work/export
  src_files=("$work/export/Virtual Machines"/*.xml
             "$work/export/Virtual Hard Disks"/*)
}
make_source=make_source
source "$top/tests/convert-and-boot.sh"
