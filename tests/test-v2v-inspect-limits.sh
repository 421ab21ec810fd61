#!/usr/bin/env bash
# Resource limits: disks that declare huge sizes, a descriptor with a
# million extents, snapshot chains deeper than vmshift takes (VMDK and
# qcow2) and a qcow2 chain that loops.  For each, 'v2v inspect' exits
# non-zero with one clear error naming the file, its peak RSS stays
# under 256 MiB (under ASan too), and it does not hang.  30,000 extents,
# within the descriptor limit, are read in the same bounded memory.

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img truncate python3 timeout

d=$(cd "$tmp" && pwd -P)
cd "$d"
max_kib=$((256 * 1024))

# vmx NAME FILE: a VM whose one disk is scsi0:0 FILE.
vmx ()
{
  printf '%s\n' '.encoding = "UTF-8"' 'config.version = "8"' \
    "displayName = \"$1\"" 'scsi0.present = "TRUE"' \
    'scsi0:0.present = "TRUE"' "scsi0:0.fileName = \"$2\"" > "$1.vmx"
}

# peak WHAT ARGS...: v2v inspect ARGS again, under time(1): its peak
# RSS must stay under max_kib.
peak ()
{
  local what=$1 kib
  shift
  /usr/bin/time -f %M -o rss timeout 120 v2v inspect "$@" > /dev/null 2>&1 ||
    :
  kib=$(tail -n 1 rss)
  if [ "$kib" -ge "$max_kib" ]; then
    echo "FAIL: $what: peak RSS $kib KiB"
    failures=$((failures + 1))
  else
    echo "    peak RSS $((kib / 1024)) MiB"
  fi
}

# limit WHAT WANT ARGS...: bad, then peak.
limit ()
{
  bad "$1" "$2" "${@:3}"
  peak "$1" "${@:3}"
}

# extents N FILE: a twoGbMaxExtentFlat descriptor of N 16-sector extents
# of f-flat.vmdk.
extents ()
{
  python3 - "$1" "$2" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, 'w') as f:
    f.write('createType="twoGbMaxExtentFlat"\nCID=aaaaaaaa\n'
            'parentCID=ffffffff\n')
    f.writelines('RW 16 FLAT "f-flat.vmdk" %d\n' % (i * 16)
                 for i in range(n))
PY
}

# patched IN OUT FORMAT OFFSET VALUE: OUT is IN with the header field at
# OFFSET (a Python struct FORMAT) set to VALUE.
patched ()
{
  python3 - "$@" <<'PY'
import struct, sys
src, dst, fmt, off, val = sys.argv[1:]
d = bytearray(open(src, 'rb').read())
struct.pack_into(fmt, d, int(off), int(val))
open(dst, 'wb').write(d)
PY
}

# Huge declared sizes.
truncate -s 8M f-flat.vmdk
printf '%s\n' 'createType="monolithicFlat"' 'CID=aaaaaaaa' \
  'parentCID=ffffffff' 'RW 36028797018963967 FLAT "f-flat.vmdk" 0' \
  > huge-flat.vmdk
vmx huge-flat huge-flat.vmdk
limit "flat extent of 16 EiB" \
  "'$d/f-flat.vmdk': truncated: 8388608 bytes, but '$d/huge-flat.vmdk' line 4 needs" \
  huge-flat.vmx

qemu-img create -q -f vmdk sparse.vmdk 1G
patched sparse.vmdk huge-sparse.vmdk '<Q' 12 $((2 ** 61)) # sectors
vmx huge-sparse huge-sparse.vmdk
limit "sparse header of 1 ZiB" \
  "'$d/huge-sparse.vmdk': its header says 2305843009213693952 sectors" \
  huge-sparse.vmx

qemu-img create -q -f qcow2 small.qcow2 1G
patched small.qcow2 huge.qcow2 '>Q' 24 $((2 ** 62)) # bytes
limit "qcow2 of 4 EiB" \
  "'$d/huge.qcow2' (as qcow2): QEMU cannot open it: " --from disk huge.qcow2

# Millions of extents: the descriptor is refused by its size, unread.
extents 2000000 million.vmdk
vmx million million.vmdk
limit "two million extents" \
  "'$d/million.vmdk': not a VMDK file (no sparse header, and too large for a descriptor)" \
  million.vmx

# 30,000 extents fit in the limit (1 MiB) and are read.
extents 30000 many.vmdk
truncate -s $((30000 * 16 * 512)) f-flat.vmdk
vmx many many.vmdk
if timeout 120 v2v inspect many.vmx > out 2> err &&
     grep -q '"capacity": 245760000' out; then
  echo "ok: 30,000 extents"
else
  echo "FAIL: 30,000 extents:"
  cat err
  failures=$((failures + 1))
fi
peak "30,000 extents" many.vmx

# Deep snapshot chains: 71 VMDK descriptors, 101 qcow2 images.
printf '%s\n' 'createType="monolithicFlat"' 'CID=10000000' \
  'parentCID=ffffffff' 'RW 16384 FLAT "f-flat.vmdk" 0' > c0.vmdk
for i in $(seq 1 70); do
  printf '%s\n' 'createType="monolithicFlat"' "CID=$((10000000 + i))" \
    "parentCID=$((10000000 + i - 1))" "parentFileNameHint=\"c$((i - 1)).vmdk\"" \
    'RW 16384 FLAT "f-flat.vmdk" 0' > "c$i.vmdk"
done
vmx chain c70.vmdk
limit "VMDK chain of 71" \
  "'$d/c70.vmdk': the snapshot chain is more than 64 disks deep" chain.vmx

qemu-img create -q -f qcow2 q0.qcow2 1G
for i in $(seq 1 100); do
  qemu-img create -q -f qcow2 -b "q$((i - 1)).qcow2" -F qcow2 "q$i.qcow2"
done
limit "qcow2 chain of 101" \
  "'$d/q100.qcow2': its backing chain is longer than 64 images" \
  --from disk q100.qcow2

qemu-img create -q -f qcow2 la.qcow2 1G
qemu-img create -q -f qcow2 -b la.qcow2 -F qcow2 lb.qcow2
qemu-img rebase -q -u -b lb.qcow2 -F qcow2 la.qcow2
limit "qcow2 chain loop" \
  "'$d/lb.qcow2': its backing chain loops back to '$d/lb.qcow2'" \
  --from disk lb.qcow2

bad_done
echo "$test_name: OK"
