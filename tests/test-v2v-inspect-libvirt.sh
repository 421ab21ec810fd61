#!/usr/bin/env bash
# Golden tests of 'v2v inspect' on libvirt domain XML files.
#
# Each case is tests/inspect-libvirt/NAME.xml ("@DIR@" replaced by the
# case's directory), NAME.setup (makes its disks) and NAME.expected (and
# NAME.warnings): see functions.sh's inspect_golden_dir.
#
#   VMSHIFT_UPDATE_EXPECTED=1 ./run tests/test-v2v-inspect-libvirt.sh
#
# rewrites the .expected and .warnings files from the current output
# (review the diff).

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img truncate diff sed

inspect_golden_dir "$srcdir/inspect-libvirt" xml
