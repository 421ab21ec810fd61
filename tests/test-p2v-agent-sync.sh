#!/usr/bin/env bash
# p2v agent --sync keeps a replica current: the first run sends the
# disk's data, the next sends exactly the blocks that changed (counted),
# a run with no local state fetches the replica's manifest and sends
# nothing, and a run killed in the middle of a round leaves the replica
# as it was (the round is applied atomically, or not at all); each time
# the replica matches the source byte for byte.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
source "$top/tests/agent-functions.sh"
requires losetup

BS=16384
start_sshd "$tmp/ssh"
# 64 MiB, no partition table: all of it counts as used; the second half
# is zeros, which match the replica's and are not sent.
head -c 32M /dev/urandom > "$tmp/disk.img"
truncate -s 64M "$tmp/disk.img"
loop=$(losetup -f --show "$tmp/disk.img") || skip "no loop device"
cleanup_fn losetup -d "$loop"
replica=$tmp/recv/sync1/disk-0.raw

changed () # the changed bytes of the last run's round
{
  sed -n 's/.*"event": "round".*"changed": \([0-9]*\).*/\1/p' "$tmp/events" |
    tail -1
}
sync_run ()
{
  agent --disks "$loop" --name sync1 --sync --block-size $BS --machine-readable "$@" \
    > "$tmp/events" 2> "$tmp/err" || { cat "$tmp/err"; fail "sync failed"; }
}

sync_run
[ "$(changed)" -eq $((32 << 20)) ] || fail "the first sync sent $(changed) bytes"
cmp "$loop" "$replica" || fail "the replica differs after the first sync"
! grep -q 'done 1' "$tmp/recv/sync1/disk-0.state" ||
  fail "a sync round is marked consistent"

# Seven blocks in the data, one in the zeros.
for b in 3 100 101 555 1024 1999 2047 3500; do
  head -c $BS /dev/urandom |
    dd of="$loop" bs=$BS seek=$b conv=notrunc oflag=direct status=none
done
sync_run
[ "$(changed)" -eq $((8 * BS)) ] ||
  fail "the second sync sent $(changed) bytes for 8 changed blocks"
cmp "$loop" "$replica" || fail "the replica differs after the second sync"

# The agent's state is gone (a reboot empties /run): it fetches the
# replica's manifest, checks it, and finds nothing to send.
rm -rf "$tmp/state"
sync_run
[ -s "$tmp/state/sync1/disk-0.blocks" ] || fail "the manifest was not fetched"
[ "$(changed)" -eq 0 ] || fail "an unchanged disk sent $(changed) bytes"

# A round killed half way: the replica is the previous round's.
before=$(md5_of "$replica")
head -c 24M /dev/urandom |
  dd of="$loop" bs=1M seek=4 conv=notrunc oflag=direct status=none
agent_bg --disks "$loop" --name sync1 --sync --bwlimit 4 2> "$tmp/err"
pid=$!
cleanup_fn "kill -9 $pid 2>/dev/null"
sleep 2
kill -0 $pid || { cat "$tmp/err"; fail "the slow sync ended early"; }
kill -9 $pid
wait $pid 2>/dev/null || :
for _ in $(seq 1 50); do
  pgrep -f "receive .*--session sync1" > /dev/null || break
  sleep 0.1
done
[ "$(md5_of "$replica")" = "$before" ] || fail "a killed round changed the replica"
grep -q "thrown away" "$tmp/recv/sync1.log" || fail "the receiver did not throw the round away"
sync_run
cmp "$loop" "$replica" || fail "the replica differs after the interrupted sync"
echo "$test_name: OK"
