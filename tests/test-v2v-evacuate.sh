#!/usr/bin/env bash
# v2v evacuate --concurrency 2: three running guests leave host A for
# hosts B and C (three libvirt daemons on this machine), never more than
# two migrations at once (polled from A's job statistics, and at some
# point two), spread over both destinations; a fourth guest whose UUID
# already runs on B fails without stopping the others, the table says
# so and the exit status is non-zero.
source "$(dirname "$0")/functions.sh"
source "$(dirname "$0")/migrate-functions.sh"

mig_host a 16611
mig_host b 16612
mig_host c 16613
A=$(uri a)

for i in 1 2 3; do
  tiny_guest a "evac$i" "52:54:00:e0:00:0$i" 160
done
# "dup": the same guest (UUID) already runs on B and C.
tiny_guest b dup 52:54:00:e0:00:09 128
uuid=$(virsh -c "$(uri b)" domuuid dup)
sed -i "s|<name>dup</name>|<name>dup</name><uuid>$uuid</uuid>|" "$tmp/dup.xml"
virsh -c "$(uri c)" create "$tmp/dup.xml" >/dev/null || fail "cannot start dup on C"
virsh -c "$A" create "$tmp/dup.xml" >/dev/null || fail "cannot start dup on A"
for i in 1 2 3; do wait_ticks "$shared/evac$i.log" 2; done

# Watch A's migration jobs while evacuate runs.
(
  while :; do
    n=0
    for d in evac1 evac2 evac3 dup; do
      j=$(virsh -c "$A" domjobinfo "$d" 2>/dev/null || :)
      grep -q '^Job type: *Unbounded' <<< "$j" && n=$((n + 1))
    done
    echo "$n"
    sleep 0.2
  done
) > "$tmp/jobs" &
watcher=$!
cleanup_fn "kill $watcher 2>/dev/null"

rc=0
# 16 MiB/s: each guest takes a few seconds, so the overlap is visible.
v2v evacuate --from "$A" --to "$(uri b),$(uri c)" --concurrency 2 \
  --bandwidth 16 > "$tmp/table" 2> "$tmp/err" || rc=$?
kill $watcher
cat "$tmp/table" "$tmp/err"
[ $rc -ne 0 ] || fail "evacuate exited 0 although 'dup' could not move"
grep -q "1 of 4 guest(s) did not move" "$tmp/err" || fail "no failure summary"
grep -q "dup.*already running" "$tmp/err" || fail "dup's error not shown"

max=$(sort -n "$tmp/jobs" | tail -n 1)
echo "most migrations at once: $max ($(wc -l < "$tmp/jobs") samples)"
[ "$max" -le 2 ] || fail "$max migrations ran at once with --concurrency 2"
[ "$max" -eq 2 ] || fail "never two migrations at once: not concurrent"

onb=0 onc=0
for i in 1 2 3; do
  g=evac$i
  [ "$(state a $g)" = none ] || fail "$g is still on A: $(state a $g)"
  sb=$(state b $g) sc=$(state c $g)
  [ "$sb" = running ] && onb=$((onb + 1))
  [ "$sc" = running ] && onc=$((onc + 1))
  [ "$sb" = running ] || [ "$sc" = running ] || fail "$g is running nowhere"
  grep -Eq "^$g +qemu\+tcp://127.0.0.1:1661[23]/session +ok " "$tmp/table" ||
    fail "$g is not 'ok' in the table"
  wait_ticks "$shared/$g.log" 2
done
grep -Eq "^dup .* failed " "$tmp/table" || fail "dup is not 'failed' in the table"
[ "$(state a dup)" = running ] || fail "dup no longer runs on A"
wait_ticks "$shared/dup.log" 2
echo "on B: $onb, on C: $onc"
[ $onb -ge 1 ] && [ $onc -ge 1 ] || fail "not spread over both destinations"
echo "$test_name: OK"
