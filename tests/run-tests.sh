#!/usr/bin/env bash
# Runs tests and prints "N passed, N failed, N skipped" last.
#
#   tests/run-tests.sh                  every unit test and shell test
#   tests/run-tests.sh TEST...          just those (paths)
#
# A test passes with exit 0, is skipped with exit 77.  Each test's output
# goes to tests/logs/NAME.log, shown in full when it fails.  $VG, when
# set, wraps unit tests (make check-valgrind).

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
mkdir -p tests/logs

if [ $# -gt 0 ]; then
  tests=("$@")
else
  tests=()
  for t in tests/bin/test-*; do [ -x "$t" ] && tests+=("$t"); done
  for t in tests/test-*.sh; do tests+=("$t"); done
fi

passed=0 failed=0 skipped=0 failures=()
for t in "${tests[@]}"; do
  name=$(basename "$t" .sh)
  log=tests/logs/$name.log
  start=$(date +%s)
  case $t in
    *.sh) bash "$t" > "$log" 2>&1 ;;
    *) ${VG:-} "$t" > "$log" 2>&1 ;;
  esac
  rc=$?
  secs=$(( $(date +%s) - start ))
  case $rc in
    0) passed=$((passed + 1)); printf 'PASS: %s (%ds)\n' "$name" "$secs" ;;
    77) skipped=$((skipped + 1))
        printf 'SKIP: %s (%s)\n' "$name" "$(tail -n 1 "$log")" ;;
    *) failed=$((failed + 1)); failures+=("$name")
       printf 'FAIL: %s (exit %d, %ds)\n' "$name" "$rc" "$secs"
       sed 's/^/    | /' "$log" | tail -n 60 ;;
  esac
done

[ $failed -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[ $failed -eq 0 ]
