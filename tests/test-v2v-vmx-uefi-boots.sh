#!/usr/bin/env bash
# A UEFI Debian VMware guest (GPT + ESP, no \EFI\BOOT\BOOTX64.EFI) converts
# and boots under OVMF with empty NVRAM, on virtio, with its identity.
source "$(dirname "$0")/functions.sh"
firmware=uefi
source "$top/tests/convert-and-boot.sh"
