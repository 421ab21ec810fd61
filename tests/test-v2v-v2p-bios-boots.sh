#!/usr/bin/env bash
# Round trip, BIOS.  A BIOS Debian VMware guest (device-name fstab and
# grub, resume on /dev/sda2, initramfs without virtio, vmxnet3 ens160,
# open-vm-tools) converts and boots on virtio with its identity; then
# v2p restores the converted guest onto a larger raw image (root grows,
# the trailing swap partition moves to the end) and it boots as a
# physical machine on AHCI and e1000e, ens160 mapped to the new MAC.
source "$(dirname "$0")/functions.sh"
firmware=bios
source "$top/tests/convert-and-boot.sh"
target_kind=file
source "$top/tests/restore-and-boot.sh"
