#!/usr/bin/env bash
# p2v agent killed with SIGKILL while the filesystems are frozen: its
# watchdog thaws them at once, well within --max-freeze, and is gone; a
# new agent then captures the machine (the replica was not damaged).
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
source "$top/tests/agent-functions.sh"
requires losetup mount timeout fsfreeze

start_sshd "$tmp/ssh"
agent_fs 256M
echo data > "$tmp/mnt/file"

# Hold the freeze for a minute: only the watchdog can end it early.
export P2V_AGENT_TEST_HOLD=60
agent_bg --disks "$loop" --name frozen -o none --max-freeze 10 2> "$tmp/err"
pid=$!
unset P2V_AGENT_TEST_HOLD
cleanup_fn "kill -9 $pid 2>/dev/null"
# Frozen: the watchdog exists only then, and a write blocks.
watchdogs=
for _ in $(seq 1 100); do
  kill -0 $pid 2>/dev/null || break
  watchdogs=$(pgrep -f "^p2v agent .*--name frozen" | grep -vx "$pid" || :)
  [ -n "$watchdogs" ] && ! writable "$tmp/mnt" 1 && break
  watchdogs=
  sleep 0.2
done
[ -n "$watchdogs" ] || { cat "$tmp/err"; fail "the agent never froze the filesystem"; }

kill -9 $pid
start=$(date +%s.%N)
writable "$tmp/mnt" 10 || fail "still frozen 10 s after the agent was killed"
took=$(echo "$(date +%s.%N) - $start" | bc)
echo "writable again $took s after SIGKILL (--max-freeze 10)"
[ "$(echo "$took < 10" | bc)" = 1 ] || fail "thawed after $took s"
sleep 0.5
for w in $watchdogs; do
  # Exited: gone, or a zombie its new parent has not reaped yet.
  st=$(ps -o stat= -p "$w" || :)
  [ -z "$st" ] || [[ $st == Z* ]] || fail "the watchdog $w is still running"
done
grep -q "watchdog" "$tmp/err" || { cat "$tmp/err"; fail "the watchdog said nothing"; }

# The next agent finishes the job.
agent --disks "$loop" --name frozen -o none 2> "$tmp/err2" ||
  { cat "$tmp/err2"; fail "the second agent failed"; }
e2fsck -fn "$tmp/recv/frozen/disk-0.raw" > /dev/null ||
  fail "the received ext4 is not clean"
[ "$(debugfs -R "cat /file" "$tmp/recv/frozen/disk-0.raw" 2>/dev/null)" = data ] ||
  fail "the file did not arrive"
echo "$test_name: OK"
