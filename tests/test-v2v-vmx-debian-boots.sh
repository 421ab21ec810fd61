#!/usr/bin/env bash
# A BIOS Debian VMware guest (device-name fstab and grub, resume on
# /dev/sda2, initramfs without virtio, vmxnet3 ens160, open-vm-tools)
# converts and boots on virtio with its identity.
source "$(dirname "$0")/functions.sh"
firmware=bios
source "$top/tests/convert-and-boot.sh"
