#!/usr/bin/env bash
# A disk stored plainly in an OVA is read in place: the json: path that
# 'v2v inspect' gives it is one QEMU opens, in exactly the way
# conversion does (qemu-img create -b PATH -F FORMAT, then the overlay
# is read), and it reads the disk's data.  Tried with the tar formats
# exporters write (ustar, GNU, pax with long names) and a directory
# name that needs escaping.

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img tar python3

d=$(cd "$tmp" && pwd -P)
cd "$d"

# 16 MiB whose first 5 MiB hold a known pattern, with a hole between.
python3 - <<'EOT'
with open("pattern.raw", "wb") as f:
    for i in range(5 * 256):
        if 2 * 256 <= i < 3 * 256:
            f.write(bytes(4096))
        else:
            f.write(bytes((i * 31 + j * 7) & 0xff for j in range(16)) * 256)
    f.truncate(16 * 1024 * 1024)
EOT
qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized \
  pattern.raw disk.vmdk

# field JSON-FILE KEY: the first disk's KEY.
field ()
{
  python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["disks"][0][sys.argv[2]])' "$1" "$2"
}

long=disk-with-a-name-longer-than-the-hundred-bytes-a-ustar-header-holds
long=$long-so-pax-or-gnu-headers-carry-it.vmdk
check ()
{
  local what=$1 ova=$2 path format

  v2v inspect "$ova" > "$what.json"
  path=$(field "$what.json" path)
  format=$(field "$what.json" format)
  case $path in
    json:*) ;;
    *) fail "$what: the disk is not read in place: $path" ;;
  esac
  # What conversion does: an overlay backed by the path.
  qemu-img create -q -f qcow2 -o compat=1.1 -b "$path" -F "$format" \
    "$what.qcow2"
  qemu-img compare -q "$what.qcow2" pattern.raw ||
    fail "$what: the overlay does not read the disk's data"
  qemu-img compare -q -f "$format" "$path" disk.vmdk ||
    fail "$what: the path does not read the same as the disk"
  qemu-img info --output=json -f "$format" "$path" > "$what.info"
  grep -q '"virtual-size": 16777216,' "$what.info" ||
    fail "$what: wrong virtual size"
  echo "ok: $what: $path"
}

make_ovf vm.ovf disk.vmdk
tar --format=ustar -cf ustar.ova vm.ovf disk.vmdk
check ustar ustar.ova
tar --format=gnu -cf gnu.ova vm.ovf disk.vmdk
check gnu gnu.ova

cp disk.vmdk "$long"
make_ovf long.ovf "$long"
tar --format=pax -cf pax.ova long.ovf "$long"
check pax pax.ova
tar --format=gnu -cf gnulong.ova long.ovf "$long"
check gnu-long-name gnulong.ova

weird="$d/a dir, with \"quotes\" and \\backslash"
mkdir "$weird"
cp ustar.ova "$weird/x y.ova"
check escaped "$weird/x y.ova"
