#!/usr/bin/env bash
# v2v migrate --postcopy: a guest that rewrites its memory faster than
# the --bandwidth allows cannot converge by pre-copy; after the first
# full pass v2v switches to post-copy (an event says so), the guest runs
# on the destination and fetches the rest, and arrives whole (its
# console goes on there).  Post-copy needs userfaultfd, which this host
# gives unprivileged QEMUs (the session daemons' users) only with
# vm.unprivileged_userfaultfd=1: set for the test, restored after.
source "$(dirname "$0")/functions.sh"
source "$(dirname "$0")/migrate-functions.sh"

uffd=/proc/sys/vm/unprivileged_userfaultfd
if [ -e "$uffd" ]; then
  old=$(cat "$uffd")
  echo 1 > "$uffd" 2>/dev/null || skip "cannot allow unprivileged userfaultfd"
  cleanup_fn "echo $old > $uffd"
fi
mig_host a 16661
mig_host b 16662
A=$(uri a) B=$(uri b)

DIRTY=96 tiny_guest a pc 52:54:00:9c:00:01 512
wait_ticks "$shared/pc.log" 2
v2v migrate pc --from "$A" --to "$B" --postcopy --bandwidth 16 \
  --machine-readable > "$tmp/events" 2> "$tmp/err" ||
  fail "migrate --postcopy failed: $(cat "$tmp/err")"
grep '"event": "migrated"' "$tmp/events" || fail "no migrated event"
grep -q '"postcopy": true' "$tmp/events" || fail "it never switched to post-copy"
[ "$(state b pc)" = running ] || fail "the guest is not running on B"
[ "$(state a pc)" = none ] || fail "the guest is still on A"
wait_ticks "$shared/pc.log" 3
echo "$test_name: OK"
