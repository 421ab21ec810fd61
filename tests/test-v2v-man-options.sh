#!/usr/bin/env bash
# Every option the subcommands' --help lists is in man/v2v.1, and every
# option the man page documents is in some --help.
source "$(dirname "$0")/functions.sh"

man=$top/man/v2v.1
help=$( (v2v convert --help; v2v inspect --help; v2v --help) )
in_help=$(grep -oE -- '--[a-z][a-z-]+' <<< "$help" | sort -u)
# The man page writes \-\-name (and \-\-user\-net).
in_man=$(sed 's/\\-/-/g' "$man" | sed -n '/^\.SH OPTIONS/,/^\.SH /p' |
         grep -oE -- '--[a-z][a-z-]+' | sort -u)

missing=$(comm -23 <(echo "$in_help") <(echo "$in_man"))
extra=$(comm -13 <(echo "$in_help") <(echo "$in_man"))
[ -z "$missing" ] || fail "in --help but not in man/v2v.1 OPTIONS: $missing"
[ -z "$extra" ] || fail "in man/v2v.1 OPTIONS but not in --help: $extra"
[ "$(echo "$in_help" | wc -l)" -ge 15 ] || fail "too few options found"
echo "$test_name: $(echo "$in_help" | wc -l) options match"
