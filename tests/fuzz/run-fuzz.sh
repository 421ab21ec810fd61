#!/usr/bin/env bash
# Runs the libFuzzer harnesses (make fuzz): each for FUZZ_SECONDS from a
# scratch copy of its seed corpus (tests/fuzz/corpus/NAME), FUZZ_JOBS at
# a time, then prints a table: harness, executions, seconds, exec/s,
# result.  With FUZZ_MIN_RUNS, a harness that ran fewer executions goes
# on from the corpus it grew until it has that many, for at most
# FUZZ_MAX_SECONDS in all (default 4 x FUZZ_SECONDS): the slowest
# harnesses (XML parsers and libext2fs under ASan) run about 10,000 a
# second, the fastest a million.
# Exits non-zero if any harness crashed, leaked or hung; the input that
# did it is kept in tests/fuzz/artifacts/.
#
#   tests/fuzz/run-fuzz.sh [NAME...]       (default: every harness built)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
min_runs=${FUZZ_MIN_RUNS:-0}
max_seconds=${FUZZ_MAX_SECONDS:-$((4 * seconds))}
bin=tests/fuzz/bin
artifacts=tests/fuzz/artifacts

# The longest input each harness is given: text formats 64 KiB unless
# said here.
max_len ()
{
  case $1 in
    fs-*) echo 1048576 ;;         # filesystem heads (sparse images)
    vhd) echo 16384 ;;            # the parts of a VHDX (fuzz-vhd.c)
    partition-table) echo 17408 ;; # MBR, GPT header and entries
    p2v-proto|p2v-cmdline|ova-manifest) echo 16384 ;;
    block-manifest) echo 64 ;;
    *) echo 65536 ;;
  esac
}

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for b in "$bin"/fuzz-*; do
    case $b in *.d) continue ;; esac
    names+=("${b#"$bin"/fuzz-}")
  done
fi

# Scratch files of the harnesses that need a path go to memory if it can.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
work=$(mktemp -d "$shm/vmshift-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"

# The number in a libFuzzer log's final statistics line key (0 if none).
final_stat ()
{
  local n
  n=$(sed -n "s/^stat::$2: *//p" "$1" | tail -n 1)
  echo "${n:-0}"
}

# fuzz NAME SECONDS [OPTION...]: one libFuzzer run, its log appended to
# the harness's; the exit status is the harness's.
fuzz ()
{
  local name=$1 secs=$2 dir=$work/$1 dict=tests/fuzz/$1.dict opts=()
  shift 2
  [ -f "$dict" ] && opts+=("-dict=$dict")
  TMPDIR=$dir "$bin/fuzz-$name" "$dir/corpus" "${opts[@]}" "$@" \
    -max_total_time="$secs" -max_len="$(max_len "$name")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" > "$dir/run.log" 2>&1
  local rc=$?
  cat "$dir/run.log" >> "$dir/log"
  return $rc
}

run_one ()
{
  local name=$1 dir=$work/$1 start execs more=0 result=ok

  mkdir -p "$dir/corpus"
  if [ -d "tests/fuzz/corpus/$name" ]; then
    cp tests/fuzz/corpus/"$name"/* "$dir/corpus/"
  fi
  start=$(date +%s)
  fuzz "$name" "$seconds" || result=FAILED
  execs=$(final_stat "$dir/run.log" number_of_executed_units)
  if [ $result = ok ] && [ "$execs" -lt "$min_runs" ] &&
       [ "$max_seconds" -gt "$seconds" ]; then
    fuzz "$name" $((max_seconds - seconds)) -runs=$((min_runs - execs)) ||
      result=FAILED
    more=$(final_stat "$dir/run.log" number_of_executed_units)
  fi
  echo "$((execs + more)) $(($(date +%s) - start)) $result" > "$dir/result"
}

echo "fuzz: ${#names[@]} harnesses, ${seconds}s each$([ "$min_runs" -gt 0 ] &&
  echo " and until $min_runs runs (at most ${max_seconds}s)"), $jobs at a time"
running=0
for name in "${names[@]}"; do
  [ -x "$bin/fuzz-$name" ] || {
    echo "fuzz: no harness '$name' (make fuzz-build)" >&2
    exit 1
  }
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_one "$name" &
  running=$((running + 1))
done
wait

failed=0
printf '%-18s %14s %5s %10s  %s\n' harness executions s exec/s result
for name in "${names[@]}"; do
  log=$work/$name/log
  read -r execs secs result < "$work/$name/result"
  printf '%-18s %14s %5s %10s  %s\n' "$name" "$execs" "$secs" \
    "$((execs / (secs > 0 ? secs : 1)))" "$result"
  if [ "$result" != ok ]; then
    failed=$((failed + 1))
    sed -n '/^==[0-9]*==ERROR\|SUMMARY\|^artifact_prefix\|Test unit written/p' \
      "$log" | sed 's/^/    | /' >&2
    cp "$log" "$artifacts/$name.log"
  fi
done
if [ "$failed" -gt 0 ]; then
  echo "fuzz: $failed harness(es) failed; logs and inputs in $artifacts/" >&2
  exit 1
fi
