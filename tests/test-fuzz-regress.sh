#!/usr/bin/env bash
# Every libFuzzer harness replays its seed corpus (tests/fuzz/corpus/NAME)
# and the inputs that once crashed it (tests/fuzz/regress/NAME) once, with
# ASan and UBSan: a parser bug fixed stays fixed.  Builds the harnesses
# (make fuzz-build) if needed; skips without clang's libFuzzer runtime.

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires clang
echo 'int LLVMFuzzerTestOneInput (const char *d, unsigned long n) { return 0; }' \
  > "$tmp/t.c"
clang -fsanitize=fuzzer "$tmp/t.c" -o "$tmp/t" 2> /dev/null ||
  skip "clang cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev)"

cd "$top"
make -s fuzz-build > "$tmp/build.log" 2>&1 || {
  cat "$tmp/build.log"
  fail "make fuzz-build failed"
}

failures=0
for b in tests/fuzz/bin/fuzz-*; do
  case $b in *.d) continue ;; esac
  name=${b#tests/fuzz/bin/fuzz-}
  inputs=()
  for dir in tests/fuzz/corpus/"$name" tests/fuzz/regress/"$name"; do
    [ -d "$dir" ] && for f in "$dir"/*; do [ -f "$f" ] && inputs+=("$f"); done
  done
  if [ ${#inputs[@]} -eq 0 ]; then
    echo "$name: no inputs"
    continue
  fi
  if TMPDIR=$tmp "$b" "${inputs[@]}" > "$tmp/$name.log" 2>&1; then
    echo "$name: ${#inputs[@]} inputs ok"
  else
    echo "$name: FAILED"
    grep -E '^==[0-9]+==ERROR|SUMMARY|Running: ' "$tmp/$name.log" | tail -n 20
    failures=$((failures + 1))
  fi
done
[ $failures -eq 0 ] || fail "$failures harness(es) failed on their inputs"
