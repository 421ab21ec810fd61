#!/usr/bin/env bash
# Golden tests of 'v2v inspect' on OVA files and unpacked OVF packages.
#
# Each case is tests/inspect-ova/NAME.ovf with NAME.setup (run by bash -e
# in a directory holding a copy of NAME.ovf: it makes the disks and the
# manifest, and usually packs them into NAME.ova) and NAME.expected (the
# JSON, with the case's directory written as @DIR@).  NAME.args names the
# source (NAME.ova, or the directory itself); default: NAME.ovf.  See
# inspect_golden_dir in functions.sh.
#
#   VMSHIFT_UPDATE_EXPECTED=1 ./run tests/test-v2v-inspect-ova.sh
#
# rewrites the .expected files from the current output (review the diff).

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)
cases=$srcdir/inspect-ova

. "$srcdir/functions.sh"

requires v2v qemu-img tar gzip sha1sum sha256sum diff sed

inspect_golden_dir "$cases" ovf
