# Helpers for the p2v tests, sourced after functions.sh.
#
#   start_sshd DIR      a real sshd on 127.0.0.1 (a free port) that lets
#                       root in with a fresh key; sets ssh_port, ssh_id
#                       (private key) and ssh_hostkey (the host's .pub)
#   make_p2v_disk FILE  a 768 MiB raw disk, MBR: 1 ext4 (256 MiB, its free
#                       space full of random bytes, files from a tree),
#                       2 XFS (320 MiB, files from a proto file), 3 FAT
#                       ESP (32 MiB), 4 swap (32 MiB); sets part_start_N
#                       and part_size_N (bytes) and p2v_files (the tree)
#   capture_args        the p2v capture options reaching that sshd, with
#                       the receiver's staging in $tmp/recv
#   run_machine PID LOG WHAT
#                       waits for the QEMU machine PID to power off
#                       (\$P2V_TIMEOUT, 1500 s), else shows LOG and fails
#   boots_as_captured DISK MAC
#                       the converted BIOS test guest DISK (qcow2) boots
#                       on virtio: root by UUID ($ROOT_UUID), $IFNAME up
#                       with MAC and an address (fixture.env sourced)

requires sshd ssh ssh-keygen sfdisk mkfs.ext4 mkfs.xfs mkfs.fat mcopy \
  mkswap e2fsck e2image xfs_repair blkid

start_sshd ()
{
  local dir=$1 port pid
  mkdir -p "$dir" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/id"
  cp "$dir/id.pub" "$dir/authorized_keys"
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    cat > "$dir/sshd_config" <<EOC
Port $port
ListenAddress 127.0.0.1
HostKey $dir/hostkey
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
PidFile none
EOC
    /usr/sbin/sshd -D -f "$dir/sshd_config" -E "$dir/sshd.log" &
    pid=$!
    cleanup_fn "kill $pid 2>/dev/null"
    sleep 0.5
    if kill -0 "$pid" 2>/dev/null &&
       ssh -T -p "$port" -i "$dir/id" -oBatchMode=yes \
         -oUserKnownHostsFile=/dev/null -oStrictHostKeyChecking=no \
         -oLogLevel=ERROR root@127.0.0.1 true; then
      ssh_port=$port
      ssh_id=$dir/id
      ssh_hostkey=$dir/hostkey.pub
      return 0
    fi
    kill "$pid" 2>/dev/null || :
  done
  cat "$dir/sshd.log" >&2
  fail "could not start sshd on loopback"
}

capture_args ()
{
  echo --server 127.0.0.1 --port "$ssh_port" --user root \
    --identity "$ssh_id" --hostkey "$ssh_hostkey" \
    --remote-command "$top/p2v/p2v" --receive-dir "$tmp/recv"
}

make_p2v_disk ()
{
  local img=$1 MiB=1048576 src proto
  # Partitions at 1, 258, 579 and 612 MiB, 1 MiB gaps between them.
  part_start_1=$((1 * MiB)); part_size_1=$((256 * MiB))
  part_start_2=$((258 * MiB)); part_size_2=$((320 * MiB))
  part_start_3=$((579 * MiB)); part_size_3=$((32 * MiB))
  part_start_4=$((612 * MiB)); part_size_4=$((32 * MiB))

  # Random bytes everywhere first: free space that must not travel.
  head -c $((768 * MiB)) /dev/urandom > "$img"
  sfdisk -q "$img" <<EOS
label: dos
start=$((part_start_1 / 512)), size=$((part_size_1 / 512)), type=83
start=$((part_start_2 / 512)), size=$((part_size_2 / 512)), type=83
start=$((part_start_3 / 512)), size=$((part_size_3 / 512)), type=ef
start=$((part_start_4 / 512)), size=$((part_size_4 / 512)), type=82
EOS
  p2v_files=$(mktemp -d "$tmp/files.XXXXXX")
  mkdir -p "$p2v_files/etc" "$p2v_files/data"
  head -c $((40 * MiB)) /dev/urandom > "$p2v_files/data/random.bin"
  seq 1 1500000 > "$p2v_files/data/seq.txt"
  echo "p2v test $$" > "$p2v_files/etc/hostname"
  mkfs.ext4 -q -F -L p2vroot -E offset=$part_start_1,nodiscard -d "$p2v_files" \
    "$img" $((part_size_1 / 1024))k

  # XFS, FAT and swap are made in zeroed files and copied in.
  proto=$tmp/xfs.proto
  printf '/dummy\n0 0\nd--755 0 0\nrandom.bin ---644 0 0 %s\n$\n' \
    "$p2v_files/data/random.bin" > "$proto"
  truncate -s $part_size_2 "$tmp/xfs.img"
  mkfs.xfs -q -f -L p2vxfs -p "$proto" "$tmp/xfs.img"
  truncate -s $part_size_3 "$tmp/fat.img"
  mkfs.fat -n P2VESP "$tmp/fat.img" >/dev/null
  mcopy -i "$tmp/fat.img" "$p2v_files/etc/hostname" ::/hostname
  truncate -s $part_size_4 "$tmp/swap.img"
  mkswap -U 3b2c9d4e-5f60-4a71-8b92-a3b4c5d6e7f8 "$tmp/swap.img" \
    >/dev/null 2>&1
  dd if="$tmp/xfs.img" of="$img" bs=1M seek=258 conv=notrunc \
    status=none
  dd if="$tmp/fat.img" of="$img" bs=1M seek=579 conv=notrunc status=none
  dd if="$tmp/swap.img" of="$img" bs=1M seek=612 conv=notrunc status=none
  rm -f "$tmp/xfs.img" "$tmp/fat.img" "$tmp/swap.img" "$proto"
}

# part IMG N OUT: partition N of IMG copied to OUT.
part ()
{
  local s="part_start_$2" n="part_size_$2"
  dd if="$1" of="$3" bs=1M skip=$((${!s} / 1048576)) \
    count=$((${!n} / 1048576)) status=none
}

# check_received SRC GOT: GOT holds every used block of SRC: the ext4's
# e2image (metadata and data blocks) is the same and fsck finds nothing;
# the XFS, FAT and swap partitions (built on zeros) are byte-identical;
# so is the boot sector.  Free space is not: it was never sent.
check_received ()
{
  local src=$1 got=$2 d
  d=$(mktemp -d "$tmp/check.XXXXXX")
  cmp -n 446 "$src" "$got" || fail "the boot code differs"
  part "$src" 1 "$d/src1"; part "$got" 1 "$d/got1"
  e2fsck -fn "$d/got1" > "$d/fsck.log" 2>&1 ||
    { cat "$d/fsck.log"; fail "the received ext4 is not clean"; }
  e2image -ra "$d/src1" "$d/src1.e2i"
  e2image -ra "$d/got1" "$d/got1.e2i"
  cmp "$d/src1.e2i" "$d/got1.e2i" ||
    fail "the received ext4 differs in its used blocks"
  cmp -s "$d/src1" "$d/got1" &&
    fail "the ext4's free space (random bytes) was sent"
  rm -f "$d/src1" "$d/src1.e2i" "$d/got1.e2i"
  for n in 2 3 4; do
    part "$src" $n "$d/src"; part "$got" $n "$d/got"
    cmp "$d/src" "$d/got" || fail "partition $n differs"
  done
  part "$got" 2 "$d/got2"
  xfs_repair -n -f "$d/got2" > "$d/xfs.log" 2>&1 ||
    { cat "$d/xfs.log"; fail "the received XFS is not clean"; }
  [ "$(blkid -p -o value -s UUID -O $part_start_4 "$got")" = \
    3b2c9d4e-5f60-4a71-8b92-a3b4c5d6e7f8 ] || fail "the swap UUID is lost"
  rm -rf "$d"
}

boots_as_captured ()
{
  local disk=$1 mac=$2 log=$tmp/serial.log
  boot_probe "$disk" qcow2 "$mac" bios "$log"
  tr -d '\r' < "$log" | grep 'VMSHIFT-PROBE' || :
  [ "$(probe_value "$log" rootuuid)" = "$ROOT_UUID" ] ||
    fail "the root filesystem is not $ROOT_UUID"
  case $(probe_value "$log" cmdline) in
    *"root=UUID=$ROOT_UUID"*) ;;
    *) fail "the kernel does not find root by UUID" ;;
  esac
  tr -d '\r' < "$log" |
    grep -Eq "VMSHIFT-PROBE link $IFNAME $mac (UP|UNKNOWN)" ||
    fail "$IFNAME is not up with the machine's MAC $mac"
  tr -d '\r' < "$log" |
    grep -Eq "VMSHIFT-PROBE addr $IFNAME 10\.0\.2\.[0-9]+/" ||
    fail "$IFNAME has no address"
}

run_machine ()
{
  local pid=$1 log=$2 i timeout=${P2V_TIMEOUT:-1500}
  for ((i = 0; i < timeout; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 1
  done
  tail -n 60 "$log" | tr -d '\r' >&2
  fail "$3 did not finish within ${timeout}s"
}
