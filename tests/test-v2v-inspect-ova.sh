#!/usr/bin/env bash
# Golden tests of 'v2v inspect' on OVA files and unpacked OVF packages.
#
# Each case is tests/inspect-ova/NAME.ovf with NAME.setup (run by bash -e
# in a directory holding a copy of NAME.ovf: it makes the disks and the
# manifest, and usually packs them into NAME.ova) and NAME.expected (the
# JSON, with the case's directory written as @DIR@).  The source is the
# file named in a file "source" if the setup wrote one, else NAME.ova if
# there is one, else the directory itself.
#
#   VMSHIFT_UPDATE_EXPECTED=1 ./run tests/test-v2v-inspect-ova.sh
#
# rewrites the .expected files from the current output (review the diff).

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)
cases=$srcdir/inspect-ova

. "$srcdir/functions.sh"

requires v2v qemu-img tar gzip sha1sum sha256sum diff sed

tmp=$(cd "$tmp" && pwd -P)          # v2v reports canonical paths

failed=()
for ovf in "$cases"/*.ovf; do
  name=$(basename "$ovf" .ovf)
  dir=$tmp/$name
  mkdir "$dir"
  cp "$ovf" "$dir/"

  if ! (cd "$dir" && bash -e "$cases/$name.setup"); then
    echo "$name: FAIL: $name.setup failed"
    failed+=("$name")
    continue
  fi
  if [ -f "$dir/source" ]; then
    source=$dir/$(cat "$dir/source")
  elif [ -f "$dir/$name.ova" ]; then
    source=$dir/$name.ova
  else
    source=$dir
  fi

  # The setup already ran (it says what the source is).
  inspect_golden "$name" "$dir" "$source" "$cases/$name.expected" "" ||
    failed+=("$name")
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "failed cases: ${failed[*]}" >&2
  exit 1
fi
