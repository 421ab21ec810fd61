#!/usr/bin/env bash
# Golden tests of 'v2v inspect' on VMware .vmx files.
#
# Each case is tests/inspect-vmx/NAME.vmx, with NAME.setup (optional: run
# by bash -e in the case's directory to create the disks, which are
# never committed) and NAME.expected (the JSON, with the case's
# directory written as @DIR@; "@DIR@" in the .vmx is replaced by that
# directory too, for absolute paths).
#
#   VMSHIFT_UPDATE_EXPECTED=1 ./run tests/test-v2v-inspect-vmx.sh
#
# rewrites the .expected files from the current output (review the diff).

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)
cases=$srcdir/inspect-vmx

. "$srcdir/functions.sh"

requires v2v qemu-img truncate diff sed

inspect_golden_dir "$cases" vmx
