#!/usr/bin/env bash
# p2v capture interrupted at random points, and its receiver killed at
# random points: after each interruption no temporary file is left, the
# disk is not marked as arrived, nothing was converted; the capture then
# completes with --resume, every used block checked against the source.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
requires losetup setsid

start_sshd "$tmp/ssh"
make_p2v_disk "$tmp/disk.img"
loop=$(losetup -r -f --show "$tmp/disk.img") || skip "no loop device"
cleanup_fn losetup -d "$loop"
state=$tmp/recv/intr/disk-0.state
touch "$tmp/start"
arrived () { grep -q 'done 1' "$state" 2>/dev/null; }

RANDOM=$$
resume=
for what in INT TERM receiver INT receiver; do
  ms=$((300 + RANDOM % 2500))
  # shellcheck disable=SC2046
  (exec setsid "$top/p2v/p2v" capture $(capture_args) --disks "$loop" \
     --name intr -o none --bwlimit 10 $resume) > "$tmp/log" 2>&1 &
  pid=$!
  sleep "$(echo "$ms / 1000" | bc -l)"
  kill -0 $pid 2>/dev/null || { cat "$tmp/log"; fail "the capture ended early"; }
  if [ $what = receiver ]; then
    for _ in $(seq 1 50); do
      pkill -TERM -f "p2v receive .*--session intr --disk" && break
      sleep 0.1
    done
  else
    kill -$what $pid
  fi
  rc=0
  wait $pid || rc=$?
  echo "$what after ${ms} ms: exit $rc: $(tail -n 1 "$tmp/log")"
  if [ $what = receiver ]; then
    # The capture reconnects and finishes, or fails cleanly.
    [ $rc -eq 0 ] && { arrived || fail "exit 0 but the disk did not arrive"; }
  else
    [ $rc -ne 0 ] || fail "the capture succeeded despite SIG$what"
    arrived && fail "the disk is marked arrived after SIG$what"
  fi
  sleep 1
  # Live ones: a zombie nobody reaped yet is gone.
  left=$(ps -o pid=,stat= -s $pid | awk '$2 !~ /^Z/ { print $1 }' || :)
  [ -z "$left" ] || { ps -o pid,cmd -p $left; fail "processes outlive p2v"; }
  t=$(find /tmp -maxdepth 1 -name 'p2v-capture.*' -newer "$tmp/start")
  [ -z "$t" ] || fail "temporary files left: $t"
  arrived && rm -rf "$tmp/recv"   # start over after a completed one
  resume=--resume
done
# shellcheck disable=SC2046
p2v capture $(capture_args) --disks "$loop" --name intr -o none --resume \
  > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "the resumed capture failed"; }
arrived || fail "the disk did not arrive"
check_received "$tmp/disk.img" "$tmp/recv/intr/disk-0.raw"
echo "$test_name: OK"
