#!/usr/bin/env bash
# The UEFI Debian guest as an unpacked VirtualBox export (an .ovf with
# the MAC only in its vbox:Machine section, EFI firmware, SATA, a SHA1
# manifest) converts and boots on virtio with its identity.
source "$(dirname "$0")/functions.sh"
variant=uefi
make_source ()
{
  "$top/tests/fixtures/make-ova.sh" vbox "$fx/$VMDK" "$work/debian-uefi" \
    --name debian-uefi --mac "$MAC" --memory 1024 --vcpus 2 --uefi ||
    fail "could not build the OVF"
  src=$work/debian-uefi
  src_files=("$work/debian-uefi"/*)
}
make_source=make_source
source "$top/tests/convert-and-boot.sh"
