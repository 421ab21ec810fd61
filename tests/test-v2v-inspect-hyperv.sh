#!/usr/bin/env bash
# Golden tests of 'v2v inspect' on Hyper-V exports.
#
# Each case is tests/inspect-hyperv/NAME.setup, which builds the export
# in the case's directory (from NAME.xml, when there is one, or with
# tests/fixtures/make-hyperv-export.sh), NAME.args (the source and any
# options), NAME.expected and NAME.warnings: see functions.sh's
# inspect_golden_dir.
#
#   VMSHIFT_UPDATE_EXPECTED=1 ./run tests/test-v2v-inspect-hyperv.sh
#
# rewrites the .expected and .warnings files from the current output
# (review the diff).

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img iconv diff sed md5sum

inspect_golden_dir "$srcdir/inspect-hyperv" xml
