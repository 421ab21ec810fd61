#!/usr/bin/env bash
# p2v live turns the kernel command line's p2v.* settings into the
# capture command (only those given), refuses a bad one naming it, and
# without p2v.server= asks on the console, passing --hostkey ask.
source "$(dirname "$0")/functions.sh"
requires p2v
work=$(scratch)
cd "$work"

echo 'BOOT_IMAGE=/boot/vmlinuz console=ttyS0 p2v.server=conv p2v.port=2222'\
' "p2v.o=/srv/my vms" p2v.format=raw p2v.retries=3 p2v.identity=/etc/p2v/id'\
' p2v.hostkey=SHA256:abc p2v.remote=/opt/p2v p2v.colour=red' > cmdline
got=$(p2v live --cmdline cmdline --dry-run 2>/dev/null)
want="p2v capture --server conv --port 2222 --identity /etc/p2v/id"
want+=" --hostkey SHA256:abc -o '/srv/my vms' -O raw"
want+=" --remote-command /opt/p2v --retries 3"
[ "$got" = "$want" ] || fail "headless: got '$got', want '$want'"

bad_cmd="p2v live --dry-run"
printf 'p2v.server=h p2v.port=70000\n' > bad-port
bad "a bad port" "p2v.port=70000" --cmdline bad-port
printf 'p2v.server=h p2v.format=vmdk\n' > bad-format
bad "a bad format" "qcow2 or raw" --cmdline bad-format
printf 'p2v.server="h\n' > unterminated
bad "an unterminated quote" "unterminated" --cmdline unterminated
bad_done

# The dialog: a refused answer is asked again.
: > empty
got=$(printf 'conv.example\n2222\nadmin\n\n\nsda,,sdb\nsda,sdb\ny\n' |
      p2v live --cmdline empty --dry-run 2>/dev/null | tail -n 1)
want="p2v capture --server conv.example --port 2222 --user admin"
want+=" --hostkey ask --disks sda,sdb"
[ "${got##*: }" = "$want" ] || fail "dialog: got '$got', want '$want'"
# No to the last question: nothing runs.
if printf 'h\n\n\n\n\n\nn\n' | p2v live --cmdline empty --dry-run \
     > out 2>&1; then
  fail "p2v live went on after 'n'"
fi
grep -q 'p2v capture --server' out &&
  fail "p2v live printed a capture after 'n'"
echo "$test_name: OK"
