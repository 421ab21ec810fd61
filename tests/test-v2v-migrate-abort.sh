#!/usr/bin/env bash
# Ctrl-C in the middle of v2v migrate: the job is aborted, the command
# says so and exits non-zero, and the guest keeps running on the source
# (its console goes on) and not on the destination.  Then the refusals,
# each before anything starts and with its own error: an unreachable
# destination, the source itself as destination, a guest that is not
# running, bad option values.
source "$(dirname "$0")/functions.sh"
source "$(dirname "$0")/migrate-functions.sh"

mig_host a 16631
mig_host b 16632
A=$(uri a) B=$(uri b)

# A guest that rewrites 48 MiB a second, moved at 4 MiB/s: it cannot
# finish before the interrupt.
DIRTY=48 tiny_guest a ab 52:54:00:ab:00:01 256
wait_ticks "$shared/ab.log" 2

v2v migrate ab --from "$A" --to "$B" --bandwidth 4 --machine-readable \
  > "$tmp/events" 2> "$tmp/err" &
pid=$!
for _ in $(seq 1 150); do
  grep -q '"data_processed": [1-9]' "$tmp/events" 2>/dev/null && break
  sleep 0.2
done
grep -q '"event": "migration"' "$tmp/events" || fail "no progress events"
[ "$(state b ab)" = paused ] || fail "B is not receiving: $(state b ab)"
kill -INT $pid
rc=0
wait $pid || rc=$?
cat "$tmp/err"
[ $rc -ne 0 ] || fail "an aborted migration exited 0"
grep -q "error: aborted: the guest keeps running on the source" "$tmp/err" ||
  fail "the error does not say the migration was aborted"
[ "$(state a ab)" = running ] || fail "the guest is not running on A"
for _ in $(seq 1 25); do
  [ "$(state b ab)" = none ] && break
  sleep 0.2
done
[ "$(state b ab)" = none ] || fail "the guest is left on B: $(state b ab)"
wait_ticks "$shared/ab.log" 2

# Refusals.
cd "$tmp"
bad_cmd="v2v migrate"
bad "unreachable destination" "cannot reach the destination" \
  ab --from "$A" --to qemu+tcp://127.0.0.1:1/session
bad "same host" "are the same host" ab --from "$A" --to "$A"
bad "no such guest" "domain 'nosuch'" nosuch --from "$A" --to "$B"
sed 's|<name>ab<|<name>off<|' "$tmp/ab.xml" > "$tmp/off.xml"
virsh -c "$A" define "$tmp/off.xml" >/dev/null
bad "guest not running" "is not running" off --from "$A" --to "$B"
bad "bad --copy-storage" "expected 'all' or 'inc'" ab --from "$A" --to "$B" \
  --copy-storage some
bad "bad --parallel" "expected a positive number" ab --from "$A" --to "$B" \
  --parallel -2
bad "no --to" "are both required" ab --from "$A"
[ "$failures" -eq 0 ] || fail "$failures refusal(s) wrong"
[ "$(state a ab)" = running ] || fail "the guest stopped on A"
echo "$test_name: OK"
