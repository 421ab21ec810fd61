#!/usr/bin/env bash
# Runs the libFuzzer harnesses (make fuzz): each for FUZZ_SECONDS from a
# scratch copy of its seed corpus (tests/fuzz/corpus/NAME), FUZZ_JOBS at
# a time, then prints a table: harness, executions, exec/s, result.
# Exits non-zero if any harness crashed, leaked or hung; the input that
# did it is kept in tests/fuzz/artifacts/.
#
#   tests/fuzz/run-fuzz.sh [NAME...]       (default: every harness built)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
bin=tests/fuzz/bin
artifacts=tests/fuzz/artifacts

# The longest input each harness is given: text formats 64 KiB unless
# said here.
max_len ()
{
  case $1 in
    fs-*) echo 1048576 ;;         # filesystem heads (sparse images)
    vhd) echo 262144 ;;           # VHDX region and metadata tables
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

run_one ()
{
  local name=$1 dir=$work/$1 dict=tests/fuzz/$1.dict opts=()

  mkdir -p "$dir/corpus"
  if [ -d "tests/fuzz/corpus/$name" ]; then
    cp tests/fuzz/corpus/"$name"/* "$dir/corpus/"
  fi
  [ -f "$dict" ] && opts+=("-dict=$dict")
  if TMPDIR=$dir "$bin/fuzz-$name" "$dir/corpus" "${opts[@]}" \
       -max_total_time="$seconds" -max_len="$(max_len "$name")" \
       -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/$name-" > "$dir/log" 2>&1; then
    echo ok > "$dir/result"
  else
    echo FAILED > "$dir/result"
  fi
}

echo "fuzz: ${#names[@]} harnesses, ${seconds}s each, $jobs at a time"
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
printf '%-18s %14s %10s  %s\n' harness executions exec/s result
for name in "${names[@]}"; do
  log=$work/$name/log
  result=$(cat "$work/$name/result")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  printf '%-18s %14s %10s  %s\n' "$name" "${execs:-?}" "${rate:-?}" \
    "$result"
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
