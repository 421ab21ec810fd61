#!/usr/bin/env bash
# p2v agent on a mounted ext4 (a loop device) while a writer creates,
# rewrites and fsyncs files at a steady rate: pre-copy rounds, a frozen
# final round, through a real sshd on loopback.  The received image is
# fsck clean and holds every file the writer had fsynced before the
# freeze, with the checksums it logged; the rounds after the first send
# far less than the first; the filesystem is writable after.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"
requires losetup mount python3 debugfs

start_sshd "$tmp/ssh"
truncate -s 512M "$tmp/disk.img"
mkfs.ext4 -q -F -L agentfs "$tmp/disk.img"
loop=$(losetup -f --show "$tmp/disk.img") || skip "no loop device"
cleanup_fn losetup -d "$loop"
mkdir "$tmp/mnt"
mount "$loop" "$tmp/mnt" || skip "cannot mount ext4 here"
cleanup_fn umount "$tmp/mnt"
# Data that is there from the start: round 0 carries it.
head -c 100M /dev/urandom > "$tmp/mnt/base.bin"
sync

python3 "$top/tests/agent-writer.py" "$tmp/mnt" "$tmp/writer.log" 2048 &
writer=$!
cleanup_fn "kill $writer 2>/dev/null"
sleep 2

rc=0
p2v agent --to "ssh://root@127.0.0.1:$ssh_port" --identity "$ssh_id" \
  --hostkey "$ssh_hostkey" --remote-command "$top/p2v/p2v" \
  --receive-dir "$tmp/recv" --state-dir "$tmp/state" --disks "$loop" \
  --name agent1 -o none --max-dirty 1 --max-rounds 5 --machine-readable -v \
  > "$tmp/events" 2> "$tmp/err" || rc=$?
cat "$tmp/err"
cat "$tmp/events"
[ $rc -eq 0 ] || fail "p2v agent failed (exit $rc)"

# Still writable, and the writer still running.
sleep 1
kill -0 $writer || fail "the writer died"
touch "$tmp/mnt/after" || fail "the filesystem is not writable after"
kill $writer; wait $writer 2>/dev/null || :

grep -q '"event": "freeze"' "$tmp/events" || fail "no freeze event"
frozen_at=$(sed -n 's/.*"event": "freeze".*"started": \([0-9.]*\).*/\1/p' "$tmp/events")
freeze=$(sed -n 's/.*"event": "freeze".*"seconds": \([0-9.]*\),.*/\1/p' "$tmp/events")
echo "frozen at $frozen_at for $freeze s"
rounds=$(grep -c '"event": "round"' "$tmp/events")
[ "$rounds" -ge 2 ] || fail "only $rounds round(s)"
first=$(grep '"event": "round"' "$tmp/events" | head -1 | sed 's/.*"changed": \([0-9]*\).*/\1/')
last=$(grep '"event": "round"' "$tmp/events" | tail -1 | sed 's/.*"changed": \([0-9]*\).*/\1/')
echo "round 0 sent $first changed bytes, the final round $last"
[ "$first" -gt $((100 << 20)) ] || fail "round 0 sent only $first bytes"
[ "$last" -lt $((first / 10)) ] || fail "the final round sent $last bytes"

got=$tmp/recv/agent1/disk-0.raw
e2fsck -fn "$got" > "$tmp/fsck.log" 2>&1 ||
  { cat "$tmp/fsck.log"; fail "the received ext4 is not clean"; }
mkdir "$tmp/tree"
debugfs -R "rdump / $tmp/tree" "$got" > /dev/null 2>&1
python3 "$top/tests/agent-check.py" "$tmp/tree" "$tmp/writer.log" "$frozen_at" ||
  fail "the received filesystem lacks what the writer had fsynced"
cmp "$tmp/tree/base.bin" "$tmp/mnt/base.bin" || fail "base.bin differs"
grep -q 'done 1' "$tmp/recv/agent1/disk-0.state" ||
  fail "the replica is not marked consistent"
echo "$test_name: OK"
