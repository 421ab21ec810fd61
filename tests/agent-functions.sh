# Helpers for the p2v agent tests, sourced after p2v-functions.sh.
#
#   agent_fs SIZE          a loop device of SIZE with ext4, mounted at
#                          $tmp/mnt; sets loop
#   agent ARGS...          p2v agent through the test's sshd, replica in
#                          $tmp/recv, state in $tmp/state
#   agent_bg ARGS...       the same in the background: $! is p2v itself
#   writable DIR SECONDS   a file can be created in DIR within SECONDS
#                          (a multiple of 0.1)

agent_fs ()
{
  truncate -s "$1" "$tmp/disk.img"
  mkfs.ext4 -q -F -L agentfs "$tmp/disk.img"
  loop=$(losetup -f --show "$tmp/disk.img") || skip "no loop device"
  cleanup_fn losetup -d "$loop"
  mkdir -p "$tmp/mnt"
  mount "$loop" "$tmp/mnt" || skip "cannot mount ext4 here"
  # Thawed first, whatever the test did.
  cleanup_fn "fsfreeze -u $tmp/mnt 2>/dev/null; umount $tmp/mnt"
}

agent ()
{
  p2v agent --to "ssh://root@127.0.0.1:$ssh_port" --identity "$ssh_id" \
    --hostkey "$ssh_hostkey" --remote-command "$top/p2v/p2v" \
    --receive-dir "$tmp/recv" --state-dir "$tmp/state" "$@"
}

agent_bg ()
{
  ( exec p2v agent --to "ssh://root@127.0.0.1:$ssh_port" --identity "$ssh_id" \
      --hostkey "$ssh_hostkey" --remote-command "$top/p2v/p2v" \
      --receive-dir "$tmp/recv" --state-dir "$tmp/state" "$@" ) &
}

# A write to a frozen filesystem blocks uninterruptibly: not even
# timeout(1) can end it, so it is left to finish at the thaw.
writable ()
{
  local p i
  touch "$1/.writable-$RANDOM" 2>/dev/null &
  p=$!
  for i in $(seq 1 "$(echo "$2 * 10 / 1" | bc)"); do
    kill -0 $p 2>/dev/null || { wait $p; return; }
    sleep 0.1
  done
  return 1
}
