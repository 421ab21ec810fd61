#!/usr/bin/env bash
# p2v agent interrupted: SIGTERM during a pre-copy round, SIGINT while
# the filesystem is frozen.  Each time it dies of the signal, thawed at
# once (writable again), with no ssh or watchdog left, the replica not
# marked consistent; the next run completes the capture.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
source "$top/tests/agent-functions.sh"
requires losetup mount setsid

start_sshd "$tmp/ssh"
agent_fs 512M
head -c 200M /dev/urandom > "$tmp/mnt/data.bin"
sync
state=$tmp/recv/intr/disk-0.state

# no_leftovers PID: nothing of that agent's session still alive.
no_leftovers ()
{
  local left
  sleep 1
  left=$(ps -o pid=,stat= -s "$1" | awk '$2 !~ /^Z/ { print $1 }' || :)
  [ -z "$left" ] || { ps -o pid,cmd -p $left; fail "processes outlive p2v"; }
  ! grep -q 'done 1' "$state" 2>/dev/null || fail "the replica is marked consistent"
}

# SIGTERM in round 0 (slowed down by --bwlimit).
(exec setsid "$top/p2v/p2v" agent --to "ssh://root@127.0.0.1:$ssh_port" \
   --identity "$ssh_id" --hostkey "$ssh_hostkey" \
   --remote-command "$top/p2v/p2v" --receive-dir "$tmp/recv" \
   --state-dir "$tmp/state" --disks "$loop" --name intr -o none \
   --bwlimit 20) 2> "$tmp/err1" &
pid=$!
sleep 3
kill -0 $pid || { cat "$tmp/err1"; fail "round 0 ended early"; }
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ $rc -eq 143 ] || { cat "$tmp/err1"; fail "exit $rc after SIGTERM"; }
no_leftovers $pid

# SIGINT while frozen.
(export P2V_AGENT_TEST_HOLD=30
 exec setsid "$top/p2v/p2v" agent --to "ssh://root@127.0.0.1:$ssh_port" \
   --identity "$ssh_id" --hostkey "$ssh_hostkey" \
   --remote-command "$top/p2v/p2v" --receive-dir "$tmp/recv" \
   --state-dir "$tmp/state" --disks "$loop" --name intr -o none \
   --max-freeze 60) 2> "$tmp/err2" &
pid=$!
frozen=
for _ in $(seq 1 300); do
  kill -0 $pid 2>/dev/null || break
  if ! writable "$tmp/mnt" 0.5; then frozen=1; break; fi
done
[ -n "$frozen" ] || { cat "$tmp/err2"; fail "the agent never froze"; }
kill -INT $pid
rc=0; wait $pid || rc=$?
[ $rc -eq 130 ] || { cat "$tmp/err2"; fail "exit $rc after SIGINT"; }
writable "$tmp/mnt" 2 || fail "still frozen after SIGINT"
no_leftovers $pid

agent --disks "$loop" --name intr -o none 2> "$tmp/err3" ||
  { cat "$tmp/err3"; fail "the next run failed"; }
grep -q 'done 1' "$state" || fail "the replica is not marked consistent"
e2fsck -fn "$tmp/recv/intr/disk-0.raw" > /dev/null || fail "not fsck clean"
echo "$test_name: OK"
