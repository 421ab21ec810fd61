#!/usr/bin/env bash
# v2p restore interrupted (SIGINT onto a new image file, SIGTERM onto an
# existing disk) at random points of a run (timed first on this
# machine): the new file is gone; the existing disk is either as it was
# or has no partition table (its first and last MiB are zero), never
# one that looks complete; no temporary files and no process (the
# appliance, qemu-nbd) outlive it; the source is unchanged; the same
# command then succeeds.
source "$(dirname "$0")/functions.sh"
requires setsid cmp

fx=$(fixture bios) || fail "no bios fixture"
# shellcheck disable=SC1091
. "$fx/fixture.env"
src=$fx/$VMDK
disk=$tmp/disk.img
mkdir -p "$tmp/t"
before=$(md5_of "$src")

# exec: $! is v2p itself (setsid does not fork in a background job).
restore ()
{
  TMPDIR=$tmp/t exec setsid "$top/v2p/v2p" restore "$src" --to "$1" \
    --yes --force
}

# No partition table: the first and the last MiB are zero.
blank_ends ()
{
  local mib=$((1024 * 1024)) size
  size=$(stat -c %s "$1")
  cmp -s -n $mib "$1" /dev/zero &&
    cmp -s -n $mib -i $((size - mib)):0 "$1" /dev/zero
}

# A whole run first (it also makes the existing disk): interruptions
# fall at 5% to 85% of its length, whatever this machine's speed.
start=$(date +%s%N)
(restore "$disk") > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "the restore failed"; }
tenths=$((($(date +%s%N) - start) / 100000000))
echo "a whole restore: $((tenths / 10)).$((tenths % 10)) s"
blank_ends "$disk" && fail "the restored disk has no partition table"
whole=$(md5_of "$disk")

# After a run that ended before its signal: no new image, and the disk
# as that run left it.
cleared ()
{
  rm -f "$tmp/new.img"
  whole=$(md5_of "$disk")
}
restore_new () { restore "$tmp/new.img"; }
restore_disk () { restore "$disk"; }

RANDOM=$$
for sig in INT TERM; do
  target=$disk fn=restore_disk
  [ $sig = INT ] && target=$tmp/new.img fn=restore_new
  signal_at_random $sig $tenths cleared $fn
  interrupted_cleanly $sig restore
  if [ $sig = INT ]; then
    [ ! -e "$target" ] || fail "a new image file was left after SIG$sig"
  elif [ "$(md5_of "$disk")" = "$whole" ]; then
    echo "the disk was not touched yet"
  else
    blank_ends "$disk" || fail "a half-written disk has a partition table"
    echo "the half-written disk has no partition table"
  fi
done
[ "$(md5_of "$src")" = "$before" ] || fail "the source changed"
(restore "$disk") > "$tmp/log" 2>&1 ||
  { cat "$tmp/log"; fail "the restore failed afterwards"; }
blank_ends "$disk" && fail "the disk restored afterwards has no partition table"
[ -z "$(ls -A "$tmp/t")" ] || fail "temporary files left: $(ls -A "$tmp/t")"
echo "$test_name: OK"
