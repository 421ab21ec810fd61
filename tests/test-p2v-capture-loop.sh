#!/usr/bin/env bash
# p2v capture of a loop device through a real sshd on loopback, with the
# link cut in the middle: the capture reconnects, resumes after the last
# chunk the receiver had made durable, and the received disk holds every
# used block of the source (ext4 free space, full of random bytes, is not
# sent); the source is unchanged; the wire carries well under the disk.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
requires losetup pkill

start_sshd "$tmp/ssh"
make_p2v_disk "$tmp/disk.img"
loop=$(losetup -r -f --show "$tmp/disk.img") || skip "no loop device"
cleanup_fn losetup -d "$loop"
before=$(md5_of "$loop")

# shellcheck disable=SC2046
p2v capture $(capture_args) --disks "$loop" --name loop1 -o none \
  --bwlimit 20 --machine-readable -v > "$tmp/events" 2> "$tmp/err" &
pid=$!
cleanup_fn "kill $pid 2>/dev/null"
state=$tmp/recv/loop1/disk-0.state
for _ in $(seq 1 300); do
  grep -q 'next [1-9]' "$state" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
grep -q 'next [1-9]' "$state" || { cat "$tmp/err"; fail "no chunk became durable"; }
# Cut the link: kill the ssh client carrying the disk.
pkill -f "^ssh -T.* receive .*--disk" || fail "no ssh connection to cut"
rc=0
wait $pid || rc=$?
cat "$tmp/err"
[ $rc -eq 0 ] || fail "p2v capture failed after the link was cut (exit $rc)"
grep '"event": "disk"' "$tmp/events"
grep -q '"event": "disk".*"reconnects": [1-9].*"resumed_at": [1-9]' \
  "$tmp/events" || fail "the capture did not resume after the cut"
grep -q 'reconnecting' "$tmp/err" || fail "no reconnection reported"

got=$tmp/recv/loop1/disk-0.raw
[ -f "$got" ] || fail "nothing received"
check_received "$tmp/disk.img" "$got"
[ "$(md5_of "$loop")" = "$before" ] || fail "the source disk changed"

size=$(blockdev --getsize64 "$loop")
wire=$(sed -n 's/.*"event": "done".*"wire": \([0-9]*\).*/\1/p' "$tmp/events")
[ -n "$wire" ] || fail "no done event"
echo "disk $size bytes, on the wire $wire bytes"
[ "$wire" -lt $((size * 35 / 100)) ] ||
  fail "$wire bytes on the wire for a $size-byte disk"
grep -q 'complete and verified' "$tmp/recv/loop1.log" ||
  fail "the receiver did not verify the disk"
echo "$test_name: OK"
