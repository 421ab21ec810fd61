#!/bin/sh
# Installs what vmshift needs to build, run and test, from Debian's
# archive only.  Run as root on Debian 12.  Idempotent.
set -e

BUILD="gcc make pkg-config libguestfs-dev libvirt-dev libxml2-dev
  libarchive-dev libzstd-dev libnbd-dev nettle-dev libxxhash-dev
  libext2fs-dev"
RUN="libguestfs-tools linux-image-amd64 qemu-system-x86 qemu-utils ovmf
  libvirt-daemon-system libvirt-clients openssh-client openssh-server
  busybox-static grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools
  lvm2"
TEST="debootstrap zstd libxml2-utils valgrind python3 fdisk xfsprogs dosfstools
  cpio procps bc clang libclang-rt-14-dev"
BENCH="virt-v2v libnbd-bin time"

missing=
for p in $BUILD $RUN $TEST $BENCH; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "install-deps: installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi

# libguestfs builds its appliance from the host kernel: it must be
# readable (Debian installs it 0600).
chmod 0644 /boot/vmlinuz-* 2>/dev/null || :
echo "install-deps: done"
