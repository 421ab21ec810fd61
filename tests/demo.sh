#!/usr/bin/env bash
# make demo: build the demo VMware VM (a debootstrap Debian guest, cached),
# convert it with v2v, boot the result under QEMU on virtio, and show what
# the guest says about itself.
source "$(dirname "$0")/functions.sh"
test_name=demo

echo "demo: building (or reusing) the demo VMware VM..."
fx=$(fixture bios)
# shellcheck disable=SC1091
. "$fx/fixture.env"
work=$(scratch)
echo "demo: source: $fx/debian-bios.vmx"
v2v inspect "$fx/debian-bios.vmx"
echo
v2v convert "$fx/debian-bios.vmx" --to kvm -o "$work/vms" -v
echo
echo "demo: booting the converted guest ($(kvm_or_tcg)), about a minute..."
boot_probe "$work/vms/debian-bios-sda.qcow2" qcow2 "$MAC" bios \
  "$work/serial.log"
echo "demo: the guest reports:"
tr -d '\r' < "$work/serial.log" | grep '^VMSHIFT-PROBE' | sed 's/^/  /'
echo "demo: root by UUID, $IFNAME up with MAC $MAC, VMware Tools gone: done."
