#!/usr/bin/env bash
# The Xen PV Debian guest exported as a XenServer XVA (1 MiB chunks with
# SHA1 checksums, empty chunks left out) imports with bounded memory,
# converts to a raw disk written once, and boots on virtio with root by
# UUID, console=ttyS0 and eth0 up with the VIF's MAC.
source "$(dirname "$0")/functions.sh"
requires python3
variant=xen
make_source ()
{
  python3 "$top/tests/fixtures/make-xva.py" "$fx/$DISK" "$work/debian-xen.xva" \
    --name debian-xen --mac "$MAC" --memory 1024 --vcpus 2 --pv ||
    fail "could not build the XVA"
  src=$work/debian-xen.xva
  out_format=raw
}
make_source=make_source
source "$top/tests/convert-and-boot.sh"
grep -q "imported disk moved into place" "$work/convert.log" ||
  fail "the imported raw disk was copied again instead of moved"
