#!/usr/bin/env bash
# The BIOS Debian guest exported by "ovftool" as an OVA (streamOptimized
# VMDK used in place inside the tar, SHA256 manifest checked, vmxnet3
# MAC from the OVF) converts and boots on virtio with its identity.
source "$(dirname "$0")/functions.sh"
variant=bios
make_source ()
{
  "$top/tests/fixtures/make-ova.sh" vmware "$fx/$VMDK" "$work/debian-bios.ova" \
    --name debian-bios --mac "$MAC" --memory 1024 --vcpus 2 ||
    fail "could not build the OVA"
  src=$work/debian-bios.ova
  want_uuid=no
}
make_source=make_source
source "$top/tests/convert-and-boot.sh"
grep -q "import" "$work/convert.log" && fail "the OVA's disk was unpacked"
:
