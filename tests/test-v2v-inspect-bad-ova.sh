#!/usr/bin/env bash
# 'v2v inspect' refuses hostile or broken OVAs and OVF packages cleanly:
# for each case it exits non-zero, prints nothing on stdout, and prints
# one message starting "v2v: error: " that says what is wrong.

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img tar gzip sha256sum python3 truncate

d=$(cd "$tmp" && pwd -P)
cd "$d"


# good WHAT V2V-INSPECT-ARGS...: must succeed (the JSON is in out).
good ()
{
  local what=$1
  shift

  if $VG v2v inspect "$@" > out 2> err; then
    echo "ok: $what"
  else
    echo "FAIL: $what: v2v inspect failed:"
    cat err
    failures=$((failures + 1))
  fi
}

# mktar OUT SPEC...: a tar whose members are given as NAME=FILE (a
# regular file with FILE's bytes), NAME@TARGET (a symbolic link) or
# NAME#TARGET (a hard link), in order, names kept exactly.
mktar ()
{
  python3 - "$@" <<'EOT'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as t:
    for spec in sys.argv[2:]:
        for sep, kind in (("=", tarfile.REGTYPE), ("@", tarfile.SYMTYPE),
                          ("#", tarfile.LNKTYPE)):
            if sep in spec:
                name, arg = spec.split(sep, 1)
                break
        i = tarfile.TarInfo(name)
        i.type = kind
        if kind == tarfile.REGTYPE:
            data = open(arg, "rb").read()
            i.size = len(data)
            t.addfile(i, io.BytesIO(data))
        else:
            i.linkname = arg
            t.addfile(i)
EOT
}

qemu-img create -q -f vmdk -o subformat=streamOptimized disk.vmdk 16M
make_ovf vm.ovf disk.vmdk

# ---- hostile tar members (the whole OVA is refused) ----
make_ovf up.ovf ../disk.vmdk
mktar up.ova vm.ovf=vm.ovf ../disk.vmdk=disk.vmdk
bad "'../' member" "member '../disk.vmdk' goes up a directory" up.ova
mktar abs.ova vm.ovf=vm.ovf /tmp/disk.vmdk=disk.vmdk
bad "absolute member" "member '/tmp/disk.vmdk' is absolute" abs.ova
mktar sym.ova vm.ovf=vm.ovf disk.vmdk@/etc/passwd
bad "symlink member" "member 'disk.vmdk' is a symbolic link" sym.ova
mktar hard.ova vm.ovf=vm.ovf other=disk.vmdk disk.vmdk#/etc/passwd
bad "hardlink member" "member 'disk.vmdk' is a hard link" hard.ova
mktar dup.ova vm.ovf=vm.ovf disk.vmdk=disk.vmdk ./disk.vmdk=vm.ovf
bad "member twice" "member './disk.vmdk' is there twice" dup.ova
mktar two.ova vm.ovf=vm.ovf b.ovf=vm.ovf disk.vmdk=disk.vmdk
bad "two descriptors" "holds 2 .ovf descriptors" two.ova

# ---- the descriptor ----
echo "top secret" > secret.txt
make_ovf doctype.ovf disk.vmdk "" "&x;" \
  '<!DOCTYPE Envelope [<!ENTITY x SYSTEM "secret.txt">]>'
tar --format=ustar -cf doctype.ova doctype.ovf disk.vmdk
bad "DOCTYPE, external entity" \
  "'doctype.ovf' has a DOCTYPE declaration; refusing it" doctype.ova
if grep -q "top secret" err; then
  echo "FAIL: the entity was read"
  failures=$((failures + 1))
fi
xi='xmlns:xi="http://www.w3.org/2001/XInclude"'
make_ovf xinclude.ovf disk.vmdk "" \
  "<xi:include $xi href=\"secret.txt\" parse=\"text\"/>"
tar --format=ustar -cf xinclude.ova xinclude.ovf disk.vmdk
good "XInclude is not processed" xinclude.ova
if grep -q "top secret" out || ! grep -q '"name": "vm"' out; then
  echo "FAIL: XInclude: the name is not the ovf:id:"
  head -n 3 out
  failures=$((failures + 1))
fi
make_ovf overflow.ovf disk.vmdk \
  'ovf:capacity="17179869184" ovf:capacityAllocationUnits="byte * 2^30"'
tar --format=ustar -cf overflow.ova overflow.ovf disk.vmdk
bad "capacity overflow" \
  "disk 'd1': capacity 17179869184 * byte * 2^30 overflows 64 bits" \
  overflow.ova
{ head -n 1 vm.ovf; echo "<!--"; head -c 17M /dev/zero | tr '\0' x
  echo "-->"; tail -n +2 vm.ovf; } > huge.ovf
tar --format=ustar -cf huge.ova huge.ovf disk.vmdk
bad "huge descriptor" "'huge.ovf' is too large (" huge.ova
printf '<Envelope><broken>' > broken.ovf
tar --format=ustar -cf broken.ova broken.ovf disk.vmdk
bad "not XML" "'broken.ovf' is not valid XML" broken.ova

# ---- the tar itself ----
tar --format=ustar -cf trunc.ova vm.ovf disk.vmdk
truncate -s 20000 trunc.ova
bad "truncated tar" "member 'disk.vmdk' is truncated or corrupt" trunc.ova
head -c 700 trunc.ova > trunc2.ova
bad "tar cut in the descriptor" "'vm.ovf' is truncated or corrupt" trunc2.ova
head -c 65536 /dev/urandom > random.ova
bad "not a tar" "random.ova' is not a tar file" --from ova random.ova
bad "not a tar, detected" "'random.ova': cannot tell what kind" random.ova

# ---- the manifest ----
cp disk.vmdk disk.orig
echo "SHA256(vm.ovf)= $(sha256sum vm.ovf | cut -d' ' -f1)" > vm.mf
echo "SHA256(disk.vmdk)= $(sha256sum disk.vmdk | cut -d' ' -f1)" >> vm.mf
printf 'x' | dd of=disk.vmdk bs=1 seek=40000 conv=notrunc status=none
tar --format=ustar -cf mismatch.ova vm.ovf vm.mf disk.vmdk
want=$(sha256sum disk.orig | cut -d' ' -f1)
have=$(sha256sum disk.vmdk | cut -d' ' -f1)
msg="SHA256 checksum mismatch (manifest says $want, file has $have)"
bad "manifest mismatch" "'disk.vmdk': $msg" mismatch.ova
good "manifest mismatch, --no-verify" --no-verify mismatch.ova
cp disk.orig disk.vmdk
echo "SHA1(gone.vmdk)= 0000000000000000000000000000000000000000" >> vm.mf
tar --format=ustar -cf gone.ova vm.ovf vm.mf disk.vmdk
bad "manifest names a missing member" \
  "'gone.vmdk' is named by the manifest 'vm.mf' but is not in '$d/gone.ova'" \
  gone.ova
echo "SHA1(../../etc/passwd)= 0000000000000000000000000000000000000000" \
  > vm.mf
tar --format=ustar -cf mfup.ova vm.ovf vm.mf disk.vmdk
bad "manifest names ../" \
  "'vm.mf' line 1: file name '../../etc/passwd' goes up" mfup.ova
echo "MD5(vm.ovf)= d41d8cd98f00b204e9800998ecf8427e" > vm.mf
tar --format=ustar -cf md5.ova vm.ovf vm.mf disk.vmdk
bad "unknown algorithm" "'vm.mf' line 1: unknown checksum algorithm 'MD5'" \
  md5.ova
rm vm.mf

# ---- the disks ----
tar --format=ustar -cf nodisk.ova vm.ovf
bad "disk named by the OVF is missing" \
  "'vm.ovf': disk 'd1': 'disk.vmdk' is not in '$d/nodisk.ova'" nodisk.ova
printf '%s\n' 'createType="monolithicFlat"' 'RW 32768 FLAT "/etc/passwd" 0' \
  > flat.vmdk
make_ovf flat.ovf flat.vmdk
tar --format=ustar -cf flat.ova flat.ovf flat.vmdk
bad "descriptor naming another file" \
  "disk 'd1': 'flat.vmdk': not a single-file sparse VMDK" flat.ova
qemu-img create -q -f vmdk base.vmdk 16M
qemu-img create -q -f vmdk -b "$d/base.vmdk" -F vmdk snap.vmdk
make_ovf snap.ovf snap.vmdk
tar --format=ustar -cf snap.ova snap.ovf snap.vmdk
bad "snapshot disk" "'snap.vmdk' is a snapshot (it names a parent disk)" \
  snap.ova
make_ovf notgz.ovf disk.vmdk
sed -i 's/ovf:href="disk.vmdk"/ovf:href="disk.vmdk" ovf:compression="gzip"/' \
  notgz.ovf
tar --format=ustar -cf notgz.ova notgz.ovf disk.vmdk
bad "gzip that is not" "'disk.vmdk' is not gzip-compressed" notgz.ova
head -c 4096 /dev/zero > zero.vmdk
gzip -c zero.vmdk > zero.vmdk.gz
make_ovf zgz.ovf zero.vmdk.gz
tar --format=ustar -cf zgz.ova zgz.ovf zero.vmdk.gz
bad "gzipped non-VMDK" "'zero.vmdk.gz': not a single-file sparse VMDK" \
  zgz.ova

# ---- unpacked packages ----
mkdir pkg outside
cp disk.vmdk outside/disk.vmdk
make_ovf pkg/up.ovf ../outside/disk.vmdk
bad "href going up" "file name '../outside/disk.vmdk' goes up a directory" \
  pkg/up.ovf
make_ovf pkg/abs.ovf "$d/outside/disk.vmdk"
bad "absolute href" "file name '$d/outside/disk.vmdk' is absolute" pkg/abs.ovf
ln -s ../outside/disk.vmdk pkg/link.vmdk
make_ovf pkg/link.ovf link.vmdk
bad "href through a symlink out" \
  "'$d/pkg/link.vmdk' is '$d/outside/disk.vmdk', outside the directory" \
  pkg/link.ovf
bad "directory with several .ovf" "holds more than one .ovf file" \
  --from ova pkg
mkdir empty
bad "directory without .ovf" "'empty' holds no .ovf file" --from ova empty
make_ovf pkg2.ovf missing.vmdk
mkdir pkg2 && mv pkg2.ovf pkg2/
bad "missing disk file" \
  "disk 'd1': could not open '$d/pkg2/missing.vmdk': No such file" pkg2

bad_done
