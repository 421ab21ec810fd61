#!/usr/bin/env bash
# p2v capture killed outright (SIGKILL, as by a power cut on the
# LiveCD's side) and run again with --resume: the second run starts at
# the receiver's last durable chunk, not at 0, and the disk arrives
# whole.  Without --resume a capture starts over.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"

start_sshd "$tmp/ssh"
make_p2v_disk "$tmp/disk.img"
before=$(md5_of "$tmp/disk.img")

# shellcheck disable=SC2046
p2v capture $(capture_args) --disks "$tmp/disk.img" --name r1 -o none \
  --bwlimit 20 > /dev/null 2> "$tmp/err1" &
pid=$!
state=$tmp/recv/r1/disk-0.state
for _ in $(seq 1 300); do
  grep -q 'next [1-9]' "$state" 2>/dev/null && break
  sleep 0.1
done
kill -9 $pid
wait $pid 2>/dev/null || :
pkill -9 -f "^ssh -T.* receive .*--session r1" || :
durable=$(sed -n 's/.* next \([0-9]*\) .*/\1/p' "$state")
[ "${durable:-0}" -gt 0 ] || fail "nothing was durable before the kill"
echo "killed with $durable chunks durable"

# shellcheck disable=SC2046
p2v capture $(capture_args) --disks "$tmp/disk.img" --name r1 -o none \
  --resume --machine-readable > "$tmp/events" 2> "$tmp/err2" ||
  { cat "$tmp/err2"; fail "the resumed capture failed"; }
grep '"event": "disk"' "$tmp/events"
at=$(sed -n 's/.*"resumed_at": \([0-9]*\).*/\1/p' "$tmp/events")
[ "${at:-0}" -ge "$durable" ] ||
  fail "resumed at chunk ${at:-none}, $durable were durable"
check_received "$tmp/disk.img" "$tmp/recv/r1/disk-0.raw"
[ "$(md5_of "$tmp/disk.img")" = "$before" ] || fail "the source changed"

# A new capture of the same name, without --resume, starts over.
# shellcheck disable=SC2046
p2v capture $(capture_args) --disks "$tmp/disk.img" --name r1 -o none \
  --machine-readable > "$tmp/events2" 2> "$tmp/err3" ||
  { cat "$tmp/err3"; fail "the second capture failed"; }
grep -q '"resumed_at": 0' "$tmp/events2" ||
  fail "a capture without --resume did not start over"
echo "$test_name: OK"
