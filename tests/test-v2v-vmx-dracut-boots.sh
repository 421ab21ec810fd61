#!/usr/bin/env bash
# A BIOS Debian VMware guest whose initramfs dracut built (generic image
# without virtio; device-name fstab and grub, vmxnet3 ens160,
# open-vm-tools) converts and boots on virtio with its identity.
source "$(dirname "$0")/functions.sh"
variant=dracut
source "$top/tests/convert-and-boot.sh"
