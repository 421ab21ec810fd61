#!/usr/bin/env bash
# The Xen PV Debian guest's raw disk, given as a plain disk with --mac:
# xvdX names become UUIDs, console=hvc0 becomes ttyS0, the Xen-only
# initramfs gains virtio, and eth0 stays pinned to the vif's MAC.
source "$(dirname "$0")/functions.sh"
variant=xen
make_source ()
{
  src=$fx/$DISK
  name=debian-xen
  want_memory=$((2048 * 1024))
  want_uuid=no
  convert_args=(--mac "$MAC" --vcpus 2)
}
make_source=make_source
source "$top/tests/convert-and-boot.sh"
