#!/usr/bin/env bash
# Golden tests of 'v2v inspect' on Xen sources: xl.cfg/xm files and
# XenServer XVA exports.
#
# Each case in tests/inspect-xen/ is NAME.expected (the JSON, with the
# case's directory written as @DIR@) and either NAME.cfg (copied into
# the case's directory with @DIR@ replaced by it) or NAME.setup building
# NAME.xva there, which NAME.args names.  NAME.setup (optional for .cfg cases) runs by bash -e
# in the case's directory with $top set, to create the disks, which are
# never committed.  NAME.warnings, if present, is what v2v must write
# to stderr (@DIR@ as above); otherwise it must write nothing there.
#
#   VMSHIFT_UPDATE_EXPECTED=1 ./run tests/test-v2v-inspect-xen.sh
#
# rewrites the .expected files from the current output (review the diff).

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)
cases=$srcdir/inspect-xen

. "$srcdir/functions.sh"

requires v2v qemu-img truncate diff sed python3

export top   # the XVA setups run make-xva.py
inspect_golden_dir "$cases" cfg
