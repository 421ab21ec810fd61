#!/usr/bin/env bash
# make bench, part agent: p2v agent on a mounted 4 GiB ext4 (1 GiB of
# data) over a real sshd on loopback, next to dd and a bdsync-style full
# re-read.  The loop device reads its backing file with direct I/O, page
# cache dropped before each read, so the disk is read for real.
#
#   1. an incremental round of an unchanged disk (p2v agent --sync with
#      no change) against a plain sequential read (dd iflag=direct) and
#      a bdsync-style full re-read (dd | md5sum);
#   2. bytes sent per round against bytes changed, for block sizes 4, 16
#      and 64 KiB, with random 4 KiB writes and with 1 MiB writes;
#   3. the freeze window of a full capture with a writer at 10 MB/s.
# Not a test: nothing here passes or fails on time.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/vmshift-bench-agent.XXXXXX")
loop= writer=
cleanup ()
{
  [ -z "$writer" ] || kill "$writer" 2>/dev/null || :
  umount "$tmp/mnt" 2>/dev/null || :
  [ -z "$loop" ] || losetup -d "$loop" 2>/dev/null || :
  pkill -f "sshd -D -f $tmp/ssh" 2>/dev/null || :
  rm -rf "$tmp"
}
trap cleanup EXIT
cleanup_fn () { :; }
fail () { echo "bench: $*" >&2; exit 1; }
requires () { :; }
# shellcheck disable=SC1091
source "$top/tests/p2v-functions.sh"
start_sshd "$tmp/ssh" > /dev/null

drop () { sync; echo 3 > /proc/sys/vm/drop_caches; }
ratio () { echo "$1 $2" | awk '{ printf "%.2fx", ($2 > 0 ? $1 / $2 : 0) }'; }
secs () { /usr/bin/time -f %e -o "$tmp/t" "$@" > /dev/null 2>&1; cat "$tmp/t"; }
agent ()
{
  "$top/p2v/p2v" agent --to "ssh://root@127.0.0.1:$ssh_port" \
    --identity "$ssh_id" --hostkey "$ssh_hostkey" \
    --remote-command "$top/p2v/p2v" --receive-dir "$tmp/recv" \
    --state-dir "$tmp/state" --disks "$loop" --machine-readable "$@" \
    > "$tmp/events" 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
}
# field EVENT KEY: KEY of the last EVENT in the last run's events
field ()
{
  sed -n "s/.*\"event\": \"$1\".*\"$2\": \\([0-9.]*\\).*/\\1/p" \
    "$tmp/events" | tail -1
}

truncate -s 4G "$tmp/disk.img"
mkfs.ext4 -q -F "$tmp/disk.img"
loop=$(losetup -f --show --direct-io=on "$tmp/disk.img")
mkdir "$tmp/mnt"
mount "$loop" "$tmp/mnt"
head -c 512M /dev/urandom > "$tmp/mnt/random.bin"
for i in 1 2 3; do seq $((i * 20000000)) $(((i + 1) * 20000000)) \
  > "$tmp/mnt/seq$i.txt"; done
sync

echo "p2v agent: a mounted 4 GiB ext4, $(df -m --output=used "$tmp/mnt" |
  tail -1 | tr -d ' ') MiB used, over ssh on loopback"
drop
dd_s=$(secs dd if="$loop" of=/dev/null bs=4M iflag=direct)
drop
md5_s=$(secs bash -c "dd if='$loop' bs=4M iflag=direct status=none | md5sum")
drop
agent --name b4k --sync --block-size 4096
r0_s=$(field round seconds); r0_w=$(field round wire)
drop
agent --name b4k --sync
inc_s=$(field round seconds); inc_read=$(field round examined)
inc_sent=$(field round changed)
echo
printf '%-34s %9s %12s\n' "1. unchanged disk" "wall (s)" "vs dd"
printf '%-34s %9.2f %12s\n' "dd iflag=direct (sequential read)" "$dd_s" 1.00x
printf '%-34s %9.2f %12s\n' "bdsync-style re-read (dd | md5sum)" "$md5_s" \
  "$(ratio "$md5_s" "$dd_s")"
printf '%-34s %9.2f %12s\n' "p2v agent round 0 (first copy)" "$r0_s" \
  "$(ratio "$r0_s" "$dd_s")"
printf '%-34s %9.2f %12s\n' "p2v agent incremental round" "$inc_s" \
  "$(ratio "$inc_s" "$dd_s")"
echo "   (the incremental round read $((inc_read >> 20)) MiB, the used blocks," \
  "and sent $inc_sent bytes; round 0 sent $((r0_w >> 20)) MiB)"

# 2. Changes of a known size, then one --sync round per block size.
echo
printf '%-26s %8s %12s %12s %10s %12s\n' "2. changed vs sent" block \
  "changed" "sent" "ratio" "manifest"
for kind in random4k seq1m; do
  for bs in 4096 16384 65536; do
    agent --name "c$bs" --sync --block-size $bs
    if [ $kind = random4k ]; then
      # 2048 random 4 KiB writes inside random.bin: 8 MiB
      python3 - "$tmp/mnt/random.bin" <<'PY'
import os, random, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
size = os.fstat(fd).st_size
random.seed(7)
for _ in range(2048):
    os.pwrite(fd, os.urandom(4096), random.randrange(size // 4096) * 4096)
os.fsync(fd)
PY
      changed=$((2048 * 4096))
    else
      # 8 MiB as 8 writes of 1 MiB
      for i in 0 1 2 3 4 5 6 7; do
        head -c 1M /dev/urandom | dd of="$tmp/mnt/random.bin" bs=1M \
          seek=$((i * 50)) conv=notrunc,fsync status=none
      done
      changed=$((8 << 20))
    fi
    sync
    agent --name "c$bs" --sync
    sent=$(field round changed)
    printf '%-26s %8s %12d %12d %10s %10s KiB\n' "$kind" "$bs" "$changed" \
      "$sent" "$(ratio "$sent" "$changed")" \
      "$(( $(stat -c %s "$tmp/state/c$bs/disk-0.blocks") >> 10 ))"
  done
done

# 3. The freeze window with a writer at 10 MB/s.
python3 "$top/tests/agent-writer.py" "$tmp/mnt" "$tmp/writer.log" 10240 &
writer=$!
sleep 2
agent --name cut -o none
kill "$writer"; writer=
echo
echo "3. full capture with a writer at 10 MB/s: $(field done rounds) rounds," \
  "the filesystem frozen for $(field freeze seconds) s;" \
  "CPU $(field done cpu_seconds) s in $(field done seconds) s," \
  "peak RSS $(field done max_rss_kib) KiB"
