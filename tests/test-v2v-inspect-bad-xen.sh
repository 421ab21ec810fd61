#!/usr/bin/env bash
# 'v2v inspect' refuses broken Xen input cleanly (xl.cfg/xm files and
# XVA exports): for each case it exits non-zero, prints nothing on
# stdout, and prints one message starting "v2v: error: " that names the
# offending file.  (Damaged disk data in an XVA is found only when the
# disk is imported: tests/test-input-xva.c.)

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img truncate python3

d=$(cd "$tmp" && pwd -P)
cd "$d"

truncate -s 64M disk.img

# cfg NAME LINE...: writes NAME.cfg (and a name, unless given).
cfg ()
{
  local name=$1
  shift
  printf '%s\n' "$@" > "$name.cfg"
}

# ---- xl.cfg ------------------------------------------------------------

cfg unterminated 'name = "web' "disk = [ 'disk.img,raw,xvda' ]"
bad "unterminated string" \
  "'unterminated.cfg' line 1: missing the closing '\"' of a string" \
  --from xen unterminated.cfg

cfg unterminated-list "name = 'web'" "disk = [ 'disk.img,raw,xvda',"
bad "unterminated list" "missing the ']' at the end of a list" \
  --from xen unterminated-list.cfg

cfg missing "name = 'web'" "disk = [ 'phy:missing.img,xvda,w' ]"
bad "missing disk" "disk 'xvda' file '$d/missing.img' does not exist" \
  missing.cfg

cfg memory "name = 'web'" "memory = 99999999999999999999"
bad "memory overflow" \
  "'memory.cfg' line 2: memory = 99999999999999999999 is not a number" \
  memory.cfg

cfg memory-big "name = 'web'" "memory = 0x10000000000"
bad "memory over 64 TiB" "memory = 0x10000000000 is not a number from 0" \
  memory-big.cfg

cfg vcpus "name = 'web'" "vcpus = 5000"
bad "too many vcpus" "vcpus = 5000 is not a number from 0 to 4096" vcpus.cfg

python3 -c "print('name = \"big\"'); print('disk = [' + \"'disk.img,raw,xvda',\" * 1025 + ']')" \
  > huge-list.cfg
bad "huge list" "'huge-list.cfg' line 2: a list has more than 1024 items" \
  --from xen huge-list.cfg

python3 -c "print('name = \"big\"'); print('#' * (1024 * 1024))" > huge.cfg
bad "huge file" "'huge.cfg': too large for an xl config file" \
  --from xen huge.cfg

cfg python "name = 'web'" "acpi = True"
bad "Python bare word" "bare words such as True are Python" \
  --from xen python.cfg

cfg type "name = 'web'" "type = 'hvm-ish'"
bad "unknown type" "'type.cfg' line 2: type = \"hvm-ish\" is not pv, pvh" \
  type.cfg

cfg novdev "name = 'web'" "disk = [ 'target=disk.img' ]"
bad "disk without vdev" "'novdev.cfg' line 2: disk 'target=disk.img' has no vdev" \
  novdev.cfg

cfg badvdev "name = 'web'" "disk = [ 'disk.img,raw,vda' ]"
bad "vdev not Xen's" "'vda' is not a Xen virtual device name" badvdev.cfg

cfg twice "name = 'web'" "disk = [ 'disk.img,raw,xvda', 'disk.img,raw,hda' ]"
bad "two disks on one vdev" "two disks are the guest's 'hda'" twice.cfg

cfg drbd "name = 'web'" "disk = [ 'drbd:r0,xvda,w' ]"
bad "block script" "is reached through the block script 'block-drbd'" \
  drbd.cfg

cfg prefix "name = 'web'" "disk = [ 'nfs:/srv/disk.img,xvda,w' ]"
bad "unknown prefix" "disk 'nfs:/srv/disk.img,xvda,w': unknown prefix 'nfs:'" \
  prefix.cfg

cfg notqcow "name = 'web'" "disk = [ 'disk.img,qcow2,xvda' ]"
bad "qcow2 that is raw" "'$d/disk.img' is not a qcow2 image" notqcow.cfg

qemu-img create -q -f qcow2 -u -b base.img -F raw child.qcow2 64M
cfg nobacking "name = 'web'" "disk = [ 'child.qcow2,qcow2,xvda' ]"
bad "missing backing file" "'$d/child.qcow2': backing file '$d/base.img'" \
  nobacking.cfg

mkdir dir.img
cfg dirdisk "name = 'web'" "disk = [ 'dir.img,raw,xvda' ]"
bad "disk is a directory" "'$d/dir.img': Is a directory" dirdisk.cfg

cfg badmac "name = 'web'" "vif = [ 'mac=00:16:3e:zz:00:01' ]"
bad "bad MAC" "'badmac.cfg' line 2: '00:16:3e:zz:00:01' is not a MAC" \
  badmac.cfg

cfg baduuid "name = 'web'" "uuid = 'abc'"
bad "bad uuid" "'baduuid.cfg' line 2: uuid: 'abc' is not a UUID" baduuid.cfg

# ---- XVA ---------------------------------------------------------------

# mkxva OUT MEMBER-NAME CONTENT-FILE [TYPE]: a tar of one member (TYPE
# "sym": a symbolic link).
mkxva ()
{
  python3 - "$@" <<'PY'
import io, sys, tarfile
out, name, content = sys.argv[1:4]
kind = sys.argv[4] if len(sys.argv) > 4 else "file"
data = open(content, "rb").read()
with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as t:
    i = tarfile.TarInfo(name)
    if kind == "sym":
        i.type = tarfile.SYMTYPE
        i.linkname = "/etc/passwd"
    else:
        i.size = len(data)
    t.addfile(i, io.BytesIO(data) if kind == "file" else None)
PY
}

python3 "$top/tests/fixtures/make-xva.py" disk.img good.xva --name g \
  --mac 00:16:3e:00:00:01
tar -xOf good.xva ova.xml > ova.xml

{ echo '<!DOCTYPE value [ <!ENTITY e SYSTEM "file:///etc/passwd"> ]>';
  cat ova.xml; } > doctype.xml
mkxva doctype.xva ova.xml doctype.xml
bad "ova.xml with a DOCTYPE" \
  "'$d/doctype.xva:ova.xml' has a DOCTYPE declaration; refusing it" \
  doctype.xva

mkxva dotdot.xva ../ova.xml ova.xml
bad "'..' member" "member '../ova.xml' has '..' in its name; refusing it" \
  --from xva dotdot.xva

mkxva abs.xva /ova.xml ova.xml
bad "absolute member" "member '/ova.xml' has an absolute name" \
  --from xva abs.xva

mkxva sym.xva ova.xml ova.xml sym
bad "symlink member" "member 'ova.xml' is a symbolic link; refusing it" \
  sym.xva

mkxva notfirst.xva Ref:1/00000000 ova.xml
bad "ova.xml not first" \
  "'$d/notfirst.xva': the first member is not ova.xml" --from xva notfirst.xva

head -c 4000 good.xva > trunc.xva
bad "truncated tar" "'$d/trunc.xva': 'ova.xml': Truncated tar archive" \
  trunc.xva

sed 's|<name>virtual_size</name><value>[0-9]*<|<name>virtual_size</name><value>184467440737095516160<|' \
  ova.xml > overflow.xml
mkxva overflow.xva ova.xml overflow.xml
bad "virtual_size overflow" \
  "virtual_size: '184467440737095516160' is not a number that fits" \
  overflow.xva

sed 's|<name>virtual_size</name><value>[0-9]*<|<name>virtual_size</name><value>18446744073709551615<|' \
  ova.xml > huge.xml
mkxva huge.xva ova.xml huge.xml
bad "virtual_size too large" "virtual_size: 18446744073709551615 is more than" \
  huge.xva

head -c 100000 /dev/urandom > random.xva
bad "not a tar" "'$d/random.xva'" random.xva

bad_done
