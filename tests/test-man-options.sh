#!/usr/bin/env bash
# For each command, every option its subcommands' --help lists is in its
# man page's OPTIONS sections, and every option the man page documents is
# in some --help.
source "$(dirname "$0")/functions.sh"

check ()
{
  local prog=$1 min=$2 man=$top/man/$1.1 help in_help in_man missing extra
  shift 2
  help=$(for sub in "$@"; do $prog $sub --help; done; $prog --help)
  in_help=$(grep -oE -- '--[a-z][a-z-]+' <<< "$help" | sort -u)
  # The man page writes \-\-name (and \-\-user\-net).
  # Every section whose title has OPTIONS (p2v: CAPTURE OPTIONS...).
  in_man=$(sed 's/\\-/-/g' "$man" | awk '/^\.SH /{on = /OPTIONS/} on' |
           grep -oE -- '--[a-z][a-z-]+' | sort -u)
  missing=$(comm -23 <(echo "$in_help") <(echo "$in_man"))
  extra=$(comm -13 <(echo "$in_help") <(echo "$in_man"))
  [ -z "$missing" ] || fail "in --help but not in man/$prog.1 OPTIONS: $missing"
  [ -z "$extra" ] || fail "in man/$prog.1 OPTIONS but not in --help: $extra"
  [ "$(echo "$in_help" | wc -l)" -ge "$min" ] ||
    fail "$prog: too few options found"
  echo "$prog: $(echo "$in_help" | wc -l) options match"
}

check v2v 25 convert inspect migrate evacuate move-storage
check v2p 10 restore
check p2v 20 iso live capture receive agent
echo "$test_name: OK"
