#!/usr/bin/env bash
# The freeze is held past --max-freeze: the watchdog thaws at the limit
# while the agent is still frozen, the agent fails with a clear error
# and does not commit the round: the replica is not marked consistent,
# nothing is converted.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
source "$top/tests/agent-functions.sh"
requires losetup mount timeout

start_sshd "$tmp/ssh"
agent_fs 256M
echo data > "$tmp/mnt/file"

start=$(date +%s)
rc=0
P2V_AGENT_TEST_HOLD=8 agent --disks "$loop" --name limit -o none \
  --max-freeze 2 2> "$tmp/err" || rc=$?
cat "$tmp/err"
[ $rc -ne 0 ] || fail "the agent succeeded past its freeze limit"
grep -q "error: .*--max-freeze" "$tmp/err" || fail "no clear error"
grep -q "watchdog" "$tmp/err" || fail "the watchdog did not thaw"
writable "$tmp/mnt" 2 || fail "the filesystem is still frozen"
! grep -q 'done 1' "$tmp/recv/limit/disk-0.state" 2>/dev/null ||
  fail "the replica is marked consistent"
[ ! -e "$tmp/recv/limit/disk-0.journal" ] ||
  fail "the uncommitted round is still in the journal"
echo "$test_name: OK"
