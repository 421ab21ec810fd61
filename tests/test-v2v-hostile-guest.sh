#!/usr/bin/env bash
# A hostile guest converts without the conversion reaching outside it.
# The guest (a snapshot over the BIOS fixture, whose disk is never
# changed) carries, in files the conversion reads:
#   - network configs that are symlinks to /proc/self/environ, /dev/zero
#     and a file that exists only on the conversion host, a sparse file
#     of 8 GiB and a binary file: each is skipped (the host file's
#     interface is never seen), none is read whole;
#   - an interface named with a path ("../../../etc/evil0") in a netplan
#     file: not a name, no file written for it;
#   - shell commands in /etc/default/grub, grub.cfg and fstab, aimed at
#     the conversion host: they stay text, nothing runs them there.
# The conversion succeeds, the guest's own NIC is pinned, v2v's memory
# stays bounded, and nothing is left outside the output directory.
source "$(dirname "$0")/functions.sh"
requires qemu-img guestfish

fx=$(fixture bios)
# shellcheck disable=SC1091
. "$fx/fixture.env"
d=$(scratch)
before=$(md5_of "$fx"/*.vmdk "$fx"/*.vmx)
fixture_snapshot "$fx" "$d" hostile

# What the guest must never reach: a file of this host, and the host
# paths its commands would create.
printf 'auto leak0\niface leak0 inet dhcp\n' > "$d/host-only"
pwn=$d/pwned
printf 'auto bin0\niface bin0 inet dhcp\n\0\0\0binary\n' > "$d/binary"
cat > "$d/evil.yaml" <<EOF
network:
  version: 2
  ethernets:
    ../../../etc/evil0:
      match:
        macaddress: "$MAC"
      set-name: "../../../etc/evil0"
EOF
guestfish --format=vmdk -a "$d/hostile.vmdk" <<EOF ||
run
mount $ROOTDEV /
mkdir-p /etc/network/interfaces.d
ln-s /proc/self/environ /etc/network/interfaces.d/environ
ln-s /dev/zero /etc/network/interfaces.d/zero
ln-s $d/host-only /etc/network/interfaces.d/host
touch /etc/network/interfaces.d/huge
truncate-size /etc/network/interfaces.d/huge 8G
upload $d/binary /etc/network/interfaces.d/binary
mkdir-p /etc/netplan
upload $d/evil.yaml /etc/netplan/evil.yaml
ln-s /dev/zero /etc/udev/rules.d/70-persistent-net.rules
write-append /etc/default/grub "GRUB_CMDLINE_LINUX=\"quiet \$(touch $pwn-grub) \`touch $pwn-tick\`\"\n"
write-append /boot/grub/grub.cfg "menuentry 'x' { linux /vmlinuz root=$ROOTDEV \$(touch $pwn-cfg) ; insmod \`touch $pwn-cfg2\` }\n"
write-append /etc/fstab "LABEL=\$(touch\${IFS}$pwn-fstab) /mnt/x ext4 noauto,nofail 0 0\n"
EOF
  fail "cannot build the hostile guest"

# v2v's peak memory (VmHWM) is read while it runs: it holds no file of
# the guest whole beyond the readers' limits (1 MiB for a network config).
mkdir "$d/tmp" "$d/out"
TMPDIR=$d/tmp v2v convert "$d/hostile.vmx" -o "$d/out" -v \
  > "$d/convert.log" 2>&1 &
pid=$!
hwm=0
while kill -0 "$pid" 2>/dev/null; do
  k=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || k=
  [ -n "$k" ] && [ "$k" -gt "$hwm" ] && hwm=$k
  sleep 0.2
done
rc=0
wait "$pid" || rc=$?
cat "$d/convert.log"
[ $rc = 0 ] || fail "the conversion failed (exit $rc)"
echo "v2v peak memory: $((hwm / 1024)) MiB"
[ "$hwm" -gt 0 ] || fail "v2v's memory was never read"
[ "$hwm" -lt $((256 * 1024)) ] || fail "v2v used $((hwm / 1024)) MiB"

grep -q "interfaces.d/huge skipped: .*too large" "$d/convert.log" ||
  fail "the 8 GiB config was not refused as too large"
grep -q "interfaces.d/binary skipped: .*not a text file" "$d/convert.log" ||
  fail "the binary config was not refused"
for f in "$pwn"-*; do
  [ -e "$f" ] && fail "guest text ran on the host: $f exists"
done
[ -z "$(ls -A "$d/tmp")" ] || fail "left in TMPDIR: $(ls -A "$d/tmp")"
[ "$(ls "$d/out")" = "$(printf 'hostile-sda.qcow2\nhostile.xml')" ] ||
  fail "unexpected output: $(ls "$d/out")"
if grep -rlE "leak0|bin0|evil0" "$d/out/hostile.xml" "$d/convert.log"; then
  fail "a name from outside the guest or from a bad file was used"
fi

# What the conversion wrote in the guest: its own NIC pinned, nothing
# for the hostile names.
guestfish --ro -a "$d/out/hostile-sda.qcow2" -i > "$d/guest" 2>&1 <<EOF ||
cat /etc/systemd/network/10-vmshift-$IFNAME.link
glob-expand /etc/systemd/network/*
find /etc | grep evil0 || true
EOF
  fail "cannot read the converted guest: $(cat "$d/guest")"
cat "$d/guest"
grep -qi "MACAddress=$MAC" "$d/guest" || fail "$IFNAME is not pinned"
if grep -E "leak0|bin0|evil0" "$d/guest"; then
  fail "the converted guest has a file for a hostile name"
fi

[ "$(md5_of "$fx"/*.vmdk "$fx"/*.vmx)" = "$before" ] ||
  fail "the fixture's disk changed"
echo "$test_name: OK"
