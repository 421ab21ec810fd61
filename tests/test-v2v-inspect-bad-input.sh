#!/usr/bin/env bash
# 'v2v inspect' refuses broken VMware input cleanly: for each case it
# exits non-zero, prints nothing on stdout, and prints one message
# starting "v2v: error: " that names the offending file.

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img truncate

d=$(cd "$tmp" && pwd -P)
cd "$d"

# vmx NAME FILE: a VM whose one disk is scsi0:0 FILE.
vmx ()
{
  printf '%s\n' '.encoding = "UTF-8"' 'config.version = "8"' \
    "displayName = \"$1\"" 'scsi0.present = "TRUE"' \
    'scsi0:0.present = "TRUE"' "scsi0:0.fileName = \"$2\"" > "$1.vmx"
}

# A disk file that is not there.
vmx missing missing.vmdk
bad "missing disk" \
  "disk 'scsi0:0' file '$d/missing.vmdk' does not exist" \
  missing.vmx

# Not a .vmx at all.
head -c 4096 /dev/urandom > random.bin
bad "random bytes" "'random.bin'" --from vmx random.bin
printf '\377\330\377\340\000\020JFIF\000\001\001\000\000\001' > photo.jpg
head -c 2048 /dev/urandom >> photo.jpg
bad "JPEG as vmx" "'photo.jpg'" --from vmx photo.jpg
bad "JPEG, detected" \
  "'photo.jpg': cannot tell what kind of VM" photo.jpg
printf 'displayName = "x"\nthis is not a setting\n' > garbage.vmx
bad "malformed line" "'garbage.vmx' line 2: expected key = \"value\"" \
  garbage.vmx
bad "no such vmx" "could not open '$d/nope.vmx'" "$d/nope.vmx"

# A monolithicSparse disk truncated to 1 KiB.
qemu-img create -q -f vmdk trunc.vmdk 1G
truncate -s 1K trunc.vmdk
vmx trunc trunc.vmdk
bad "truncated sparse" "'$d/trunc.vmdk': truncated" trunc.vmx

# A sparse disk cut short of its metadata.
qemu-img create -q -f vmdk short.vmdk 1G
truncate -s 64K short.vmdk
vmx short short.vmdk
bad "sparse short of its metadata" \
  "'$d/short.vmdk': truncated" short.vmx

# A monolithicFlat descriptor whose -flat file is missing.
qemu-img create -q -f vmdk -o subformat=monolithicFlat noflat.vmdk 1G
rm noflat-flat.vmdk
vmx noflat noflat.vmdk
bad "missing flat extent" \
  "'$d/noflat.vmdk': extent 'noflat-flat.vmdk' is missing" noflat.vmx

# ... and one whose -flat file is too short.
qemu-img create -q -f vmdk -o subformat=monolithicFlat shortflat.vmdk 1G
truncate -s 100M shortflat-flat.vmdk
vmx shortflat shortflat.vmdk
bad "short flat extent" \
  "'$d/shortflat-flat.vmdk': truncated" shortflat.vmx

# A .vmdk that is not a VMDK.
head -c 65536 /dev/urandom > notvmdk.vmdk
vmx notvmdk notvmdk.vmdk
bad "not a VMDK" "'$d/notvmdk.vmdk': not a VMDK file" notvmdk.vmx

# Unreadable files (the tests run as root, so no chmod 000): a
# directory where the .vmx should be, a disk that is a dangling
# symlink, a disk that is a directory.
mkdir dir.vmx
bad "vmx is a directory" "'dir.vmx': Is a directory" dir.vmx
ln -s /nonexistent/disk.vmdk dangling.vmdk
vmx dangling dangling.vmdk
bad "dangling symlink disk" \
  "disk 'scsi0:0' file '$d/dangling.vmdk' does not exist" dangling.vmx
mkdir dirdisk.vmdk
vmx dirdisk dirdisk.vmdk
bad "disk is a directory" \
  "'$d/dirdisk.vmdk': Is a directory" dirdisk.vmx

# Snapshot chains: a parent loop, a missing parent, a parent changed
# after the snapshot was taken.
truncate -s 8M loop-flat.vmdk
printf '%s\n' 'createType="monolithicFlat"' 'CID=aaaaaaaa' \
  'parentCID=bbbbbbbb' 'parentFileNameHint="loop-b.vmdk"' \
  'RW 16384 FLAT "loop-flat.vmdk" 0' > loop-a.vmdk
printf '%s\n' 'createType="monolithicFlat"' 'CID=bbbbbbbb' \
  'parentCID=aaaaaaaa' 'parentFileNameHint="loop-a.vmdk"' \
  'RW 16384 FLAT "loop-flat.vmdk" 0' > loop-b.vmdk
vmx loop loop-a.vmdk
bad "parent loop" \
  "'$d/loop-b.vmdk': parent 'loop-a.vmdk' is already in this snapshot" \
  loop.vmx

qemu-img create -q -f vmdk orphan-base.vmdk 1G
qemu-img create -q -f vmdk -b orphan-base.vmdk -F vmdk orphan.vmdk
rm orphan-base.vmdk
vmx orphan orphan.vmdk
bad "missing parent" \
  "'$d/orphan.vmdk': parent 'orphan-base.vmdk' is missing" \
  orphan.vmx

truncate -s 8M cid-flat.vmdk
printf '%s\n' '# Disk DescriptorFile' 'version=1' 'CID=12345678' \
  'parentCID=ffffffff' 'createType="monolithicFlat"' \
  'RW 16384 FLAT "cid-flat.vmdk" 0' > cid-base.vmdk
qemu-img create -q -f vmdk -b cid-base.vmdk -F vmdk cid.vmdk
sed -i 's/^CID=12345678$/CID=87654321/' cid-base.vmdk
vmx cid cid.vmdk
bad "parent CID changed" \
  "'$d/cid.vmdk': its parent '$d/cid-base.vmdk' has CID 87654321" cid.vmx

bad_done
