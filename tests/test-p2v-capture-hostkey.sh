#!/usr/bin/env bash
# p2v capture checks the conversion host's ssh key: the right SHA256
# fingerprint connects; a wrong one, or a host ssh does not know (no
# --hostkey), is refused with one clear error before anything is sent.
source "$(dirname "$0")/functions.sh"
source "$top/tests/p2v-functions.sh"

start_sshd "$tmp/ssh"
truncate -s 64M "$tmp/d.img"
cd "$tmp"   # bad writes its out and err files here
common=(--server 127.0.0.1 --port "$ssh_port" --identity "$ssh_id"
        --remote-command "$top/p2v/p2v" --receive-dir "$tmp/recv"
        --disks "$tmp/d.img" -o none)
fp=$(ssh-keygen -l -E sha256 -f "$ssh_hostkey" | awk '{print $2}')

p2v capture "${common[@]}" --name good --hostkey "$fp" -q ||
  fail "the right fingerprint was refused"
[ -f "$tmp/recv/good/disk-0.raw" ] || fail "nothing received"

bad_cmd="p2v capture"
bad "wrong fingerprint" "did not show the expected host key" \
  "${common[@]}" --name wrong \
  --hostkey SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
HOME=$tmp/home bad "unknown host" "Host key verification failed" \
  "${common[@]}" --name unknown
grep -q reconnecting err && fail "a refused host key was retried"
[ ! -e "$tmp/recv/wrong" ] && [ ! -e "$tmp/recv/unknown" ] ||
  fail "a refused host received something"
[ "$failures" -eq 0 ] || fail "$failures case(s) failed"
echo "$test_name: OK"
