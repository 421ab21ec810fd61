#!/usr/bin/env bash
# make bench, part migrate: live migration of a 1 GiB guest that keeps
# rewriting its memory, between two libvirt hosts on this machine
# (tests/migrate-functions.sh), with v2v migrate's defaults, with
# --parallel 4 and with --compress, side by side: total time, downtime,
# data moved, and the ratios to the default.  Each run starts a fresh
# guest.  Not a test: nothing passes or fails on time.
#
#   bench/migrate.sh [DIRTY-MIB]    (the guest rewrites DIRTY-MIB MiB a
#                                    second; default 128)
set -euo pipefail
export TMPDIR=${TMPDIR:-/var/tmp}
source "$(dirname "$0")/../tests/functions.sh"
source "$(dirname "$0")/../tests/migrate-functions.sh"

dirty=${1:-128}
mig_host a 16691
mig_host b 16692
A=$(uri a) B=$(uri b)
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
field () { sed -n "s/.*\"$1\": \\([0-9]*\\).*/\\1/p" "$2" | tail -n 1; }

run ()
{
  local label=$1 log=$tmp/$1.events
  shift
  DIRTY=$dirty tiny_guest a bench 52:54:00:be:00:01 1024
  wait_ticks "$shared/bench.log" 3
  v2v migrate bench --from "$A" --to "$B" --machine-readable "$@" \
    > "$log" 2> "$tmp/$label.err" ||
    { cat "$tmp/$label.err" >&2; fail "migrate $label failed"; }
  virsh -c "$B" destroy bench >/dev/null
  echo "$label $(field total_ms "$log") $(field downtime_ms "$log") \
$(field data_bytes "$log") $(field iterations "$log")"
}

table ()
{
  local cap=("$@") d_t d_dt d_b d_i p_t p_dt p_b p_i c_t c_dt c_b c_i
  read -r _ d_t d_dt d_b d_i < <(run default "${cap[@]}")
  read -r _ p_t p_dt p_b p_i < <(run parallel4 --parallel 4 "${cap[@]}")
  read -r _ c_t c_dt c_b c_i < <(run compress --compress "${cap[@]}")
  grep -h '"event": "compression"' "$tmp/compress.events" || :
  printf '%-12s %10s %14s %12s %7s %10s %10s\n' mode "total (s)" \
    "downtime (ms)" "moved (MiB)" passes "time/def" "down/def"
  for m in "default $d_t $d_dt $d_b $d_i" "parallel4 $p_t $p_dt $p_b $p_i" \
           "compress $c_t $c_dt $c_b $c_i"; do
    set -- $m
    printf '%-12s %10.1f %14d %12d %7d %10s %10s\n' "$1" \
      "$(awk -v t="$2" 'BEGIN { print t / 1000 }')" "$3" $(($4 >> 20)) "$5" \
      "$(ratio "$2" "$d_t")" "$(ratio "$3" "$d_dt")"
  done
}

echo "bench: migrating a 1 GiB TCG guest rewriting $dirty MiB/s, A -> B on loopback"
table
echo
echo "bench: the same over a link capped at 32 MiB/s (--bandwidth 32)"
table --bandwidth 32
