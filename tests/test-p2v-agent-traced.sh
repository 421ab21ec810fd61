#!/usr/bin/env bash
# The frozen round reads only what the block layer says was written
# since the last round: plain writes, discards and write-zeroes made
# between the rounds (here while the final round is held) all reach the
# replica, which then matches the source byte for byte, and the final
# round read a small part of the disk.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
source "$top/tests/agent-functions.sh"
requires losetup blkdiscard

start_sshd "$tmp/ssh"
# No partition table, no filesystem: every block counts as used.
head -c 64M /dev/urandom > "$tmp/disk.img"
loop=$(losetup -f --show "$tmp/disk.img") || skip "no loop device"
cleanup_fn losetup -d "$loop"

export P2V_AGENT_TEST_HOLD=3
agent_bg --disks "$loop" --name traced -o none --max-rounds 1 --max-freeze 20 \
  --machine-readable > "$tmp/events" 2> "$tmp/err"
pid=$!
unset P2V_AGENT_TEST_HOLD
cleanup_fn "kill -9 $pid 2>/dev/null"
for _ in $(seq 1 100); do
  grep -q "round 0 applied" "$tmp/recv/traced.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "round 0 applied" "$tmp/recv/traced.log" ||
  { cat "$tmp/err"; fail "round 0 did not finish"; }
# While the final round is held: a write, a discard, a write-zeroes.
head -c 1M /dev/urandom |
  dd of="$loop" bs=1M seek=5 conv=notrunc oflag=direct status=none
blkdiscard -o $((20 << 20)) -l $((2 << 20)) "$loop" 2>/dev/null || :
blkdiscard -z -o $((40 << 20)) -l $((3 << 20)) "$loop"
rc=0
wait $pid || rc=$?
cat "$tmp/err"
[ $rc -eq 0 ] || fail "the agent failed (exit $rc)"
grep -q 'no block tracing' "$tmp/err" && fail "block tracing was not used"
cmp "$loop" "$tmp/recv/traced/disk-0.raw" ||
  fail "the replica misses what was written before the final round"
examined=$(sed -n 's/.*"event": "round".*"final": true.*"examined": \([0-9]*\).*/\1/p' "$tmp/events")
echo "the final round read $examined bytes of $((64 << 20))"
[ -n "$examined" ] && [ "$examined" -lt $((16 << 20)) ] ||
  fail "the final round read $examined bytes: not only the written ones"
echo "$test_name: OK"
