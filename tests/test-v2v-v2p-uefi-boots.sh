#!/usr/bin/env bash
# Round trip, UEFI.  A UEFI Debian VMware guest (GPT + ESP, no
# \EFI\BOOT\BOOTX64.EFI) converts and boots under OVMF with empty NVRAM,
# on virtio, with its identity; then v2p restores the converted guest
# onto a larger loop device and it boots as a physical machine (OVMF,
# empty NVRAM, AHCI, e1000e) from the ESP's fallback path.
source "$(dirname "$0")/functions.sh"
firmware=uefi
source "$top/tests/convert-and-boot.sh"
target_kind=loop
source "$top/tests/restore-and-boot.sh"
