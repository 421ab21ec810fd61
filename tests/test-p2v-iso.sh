#!/usr/bin/env bash
# p2v iso builds a hybrid BIOS/UEFI LiveCD under 100 MB holding p2v, ssh,
# busybox, the AHCI and e1000 drivers and the keys given; booted by UEFI
# firmware under QEMU (TCG, q35, AHCI disk, e1000 NIC) its init gets a DHCP address and
# starts 'p2v live' with the settings from the kernel command line.
source "$(dirname "$0")/functions.sh"
requires p2v grub-mkrescue xorriso mformat ssh-keygen cpio zstd gzip \
  qemu-system-x86_64 qemu-img
work=$(scratch)
cd "$work"
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"

ssh-keygen -q -t ed25519 -N '' -C p2v-test -f id
ssh-keygen -q -t ed25519 -N '' -C host-test -f hostkey

start=$(date +%s)
p2v iso -o p2v.iso --server 10.0.2.2 --port 2222 --user conv \
  --identity id --hostkey hostkey.pub --name 'test vm' --disks sda \
  --output /srv/vms
secs=$(($(date +%s) - start))
[ -f p2v.iso ] || fail "no ISO written"
[ ! -e p2v.iso.tmp ] || fail "p2v.iso.tmp left behind"
[ -z "$(ls -A "$TMPDIR")" ] || fail "work files left: $(ls -A "$TMPDIR")"
size=$(stat -c %s p2v.iso)
echo "p2v.iso: $((size / 1048576)) MiB, built in ${secs}s"
[ "$size" -lt $((100 * 1024 * 1024)) ] || fail "the ISO is over 100 MB"

# Hybrid: an El Torito image for BIOS and one for UEFI.
xorriso -indev p2v.iso -report_el_torito plain 2>/dev/null > eltorito
grep -q 'El Torito boot img : *[0-9]* *BIOS' eltorito ||
  fail "no BIOS boot image: $(cat eltorito)"
grep -q 'El Torito boot img : *[0-9]* *UEFI' eltorito ||
  fail "no UEFI boot image: $(cat eltorito)"

xorriso -osirrox on -indev p2v.iso -extract /boot/initrd.img initrd.img \
  -extract /boot/grub/grub.cfg grub.cfg 2>/dev/null
chmod u+w initrd.img grub.cfg
case $(head -c 4 initrd.img | od -An -tx1 | tr -d ' ') in
  28b52ffd) unpack=(zstd -dc) ;;
  1f8b*) unpack=(gzip -dc) ;;
  *) fail "the initramfs is neither zstd nor gzip" ;;
esac
mkdir root
(cd root && "${unpack[@]}" < ../initrd.img | cpio -id --quiet)
for f in init usr/bin/p2v usr/bin/ssh usr/bin/ssh-keygen bin/busybox \
         bin/sh sbin/modprobe etc/passwd etc/p2v/id etc/p2v/hostkey.pub \
         lib64/ld-linux-x86-64.so.2; do
  [ -e "root/$f" ] || [ -L "root/$f" ] || fail "the initramfs has no /$f"
done
for m in ahci e1000 sd_mod; do
  find root/lib/modules -name "$m.ko" | grep -q . ||
    fail "the initramfs has no $m.ko"
done
[ -f root/lib/modules/*/modules.dep ] || fail "no modules.dep"
[ "$(stat -c %a root/etc/p2v/id)" = 600 ] || fail "the key is not 0600"
cmp -s id root/etc/p2v/id || fail "the identity key differs"
grep -q "'p2v.server=10.0.2.2'" grub.cfg || fail "no p2v.server in grub.cfg"
grep -q "'p2v.name=test vm'" grub.cfg || fail "no p2v.name in grub.cfg"
grep -q "'p2v.identity=/etc/p2v/id'" grub.cfg || fail "no p2v.identity"

# One VM at a time on this machine: wait for other boots to end.
for ((i = 0; i < 1800; i += 5)); do
  pgrep -f qemu-system >/dev/null || break
  sleep 5
done
pgrep -f qemu-system >/dev/null && skip "another QEMU kept running"

# Booted by UEFI firmware here (test-p2v-livecd-boots boots it by BIOS).
qemu-img create -q -f qcow2 disk.qcow2 64M
cp /usr/share/OVMF/OVMF_VARS_4M.fd vars.fd
log=$work/console.log
: > "$log"
qemu-system-x86_64 -accel tcg -machine q35 -m 1024 -nodefaults \
  -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
  -drive if=pflash,format=raw,file=vars.fd \
  -display none -serial file:"$log" -cdrom p2v.iso \
  -drive file=disk.qcow2,format=qcow2,if=none,id=d0 \
  -device ahci,id=ahci0 -device ide-hd,drive=d0,bus=ahci0.0 \
  -netdev user,id=n0 -device e1000,netdev=n0,mac=52:54:00:12:34:56 &
pid=$!
cleanup_fn "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
net='p2v: network up: eth0 10.0.2.15/24'
live='p2v: live: capturing this machine for 10.0.2.2'
start=$(date +%s)
while [ $(($(date +%s) - start)) -lt 180 ]; do
  if grep -qF "$net" "$log" && grep -qF "$live" "$log"; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 2
done
secs=$(($(date +%s) - start))
kill "$pid" 2>/dev/null || :
wait "$pid" 2>/dev/null || :
if ! grep -qF "$net" "$log" || ! grep -qF "$live" "$log"; then
  echo "--- serial console (last 40 lines) ---" >&2
  tr -d '\r' < "$log" | tail -n 40 >&2
  fail "the LiveCD did not bring up the network and start p2v live"
fi
echo "booted by UEFI to 'p2v live' in ${secs}s (TCG)"
echo "$test_name: OK"
