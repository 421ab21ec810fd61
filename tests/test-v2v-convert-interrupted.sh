#!/usr/bin/env bash
# v2v convert interrupted (SIGINT, then SIGTERM) at random points of a
# run (timed first on this machine): each time nothing is left that
# looks like output (no XML, no disk, no staging directory), no
# temporary files, no process (the appliance, qemu-nbd) outlives it;
# the source is unchanged; and the same command then succeeds.
source "$(dirname "$0")/functions.sh"
requires qemu-img setsid

fx=$(fixture bios) || fail "no bios fixture"
# shellcheck disable=SC1091
. "$fx/fixture.env"
src=$fx/$VMX
out=$tmp/out
mkdir -p "$out" "$tmp/t"
before=$(md5_of "$fx/$VMX" "$fx/$VMDK")

# exec: $! is v2v itself (setsid does not fork in a background job).
convert ()
{
  TMPDIR=$tmp/t exec setsid "$top/v2v/v2v" convert "$src" --to kvm -o "$out"
}

clear_output ()
{
  rm -rf "${out:?}"/* "$out"/.v2v-* 2>/dev/null || :
}

# A whole run first: the interruptions fall at random points of its
# length, whatever this machine's speed (5% to 85% of it).
start=$(date +%s%N)
(convert) > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "the conversion failed"; }
tenths=$((($(date +%s%N) - start) / 100000000))
clear_output
echo "a whole conversion: $((tenths / 10)).$((tenths % 10)) s"

RANDOM=$$
for sig in INT TERM; do
  signal_at_random $sig $tenths clear_output convert
  interrupted_cleanly $sig conversion
  [ -z "$(ls -A "$out")" ] || fail "output left after SIG$sig: $(ls -A "$out")"
done
[ "$(md5_of "$fx/$VMX" "$fx/$VMDK")" = "$before" ] || fail "the source changed"
(convert) > "$tmp/log" 2>&1 ||
  { cat "$tmp/log"; fail "the conversion failed afterwards"; }
[ -f "$out/debian-bios.xml" ] && [ -f "$out/debian-bios-sda.qcow2" ] ||
  fail "no output after the interrupted runs: $(ls -A "$out")"
[ -z "$(ls -A "$tmp/t")" ] || fail "temporary files left: $(ls -A "$tmp/t")"
echo "$test_name: OK"
