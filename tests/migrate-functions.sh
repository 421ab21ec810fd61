# vmshift migration test helpers, sourced after functions.sh.
#
# Two (or more) libvirt hosts on this one machine: each is a session
# libvirtd of its own system user, with its own host_uuid (libvirt
# refuses to migrate between hosts sharing one), listening on TCP on
# loopback without authentication, its state under the test's directory.
#
#   mig_host NAME PORT [--private DIR=OTHER] [--hostname H]
#                      starts host NAME (system user vmshift-mig-PORT,
#                      created if missing: tests running at once must
#                      use other ports) on PORT;
#                      prints nothing.  --private: the host sees OTHER at
#                      DIR (a mount namespace: storage that is not
#                      shared); --hostname: its own host name (UTS
#                      namespace).  Stopped (with its guests) at exit.
#   uri NAME           the host's URI, qemu+tcp://127.0.0.1:PORT/session
#   $shared            a directory every host can read and write
#   tiny_guest HOST NAME MAC MIB [DISK]
#                      starts a small real guest on HOST: this machine's
#                      kernel and a busybox initramfs whose init prints
#                      "TICK N UPTIME" on the serial console (the file
#                      $shared/NAME.log) every second, plus DISK (qcow2)
#                      as vda if given, MIB of memory.  With DIRTY=N set,
#                      the init also rewrites N MiB of its memory over
#                      and over, as a busy guest does.
#   ticks LOG          "COUNT LAST-UPTIME" of the TICK lines in LOG
#   wait_ticks LOG N   waits (60 s at most) for N more TICK lines
#   state HOST NAME    the domain's state on HOST ("running", "none")

requires virsh libvirtd qemu-system-x86_64 busybox cpio

[ "$(id -u)" = 0 ] || skip "needs root (creates users for the libvirt hosts)"

shared=$tmp/shared
mkdir -p "$shared"
chmod 755 "$tmp"
chmod 1777 "$shared"

declare -A _mig_port

mig_host ()
{
  local name=$1 port=$2 user=vmshift-mig-$2 dir private=
  local hn= uuid
  shift 2
  while [ $# -gt 0 ]; do
    case $1 in
      --private) private=$2; shift 2 ;;
      --hostname) hn=$2; shift 2 ;;
      *) fail "mig_host: bad argument '$1'" ;;
    esac
  done
  id "$user" >/dev/null 2>&1 ||
    useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$user" ||
    fail "cannot create user $user"
  pkill -KILL -u "$user" 2>/dev/null || :
  uuid=$(printf '7f3c0a5e-1d2b-4c6e-9a8f-%012x' "$port")
  # Short: libvirt's sockets (guest agent channels) live under it, and a
  # UNIX socket's path has at most 107 bytes.
  dir=$(mktemp -d /tmp/vmh.XXXX)
  chmod 755 "$dir"
  cleanup_fn rm -rf "$dir"
  mkdir -p "$dir"/{config/libvirt,data,cache,run}
  cat > "$dir/config/libvirt/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 1
listen_addr = "127.0.0.1"
tcp_port = "$port"
auth_tcp = "none"
host_uuid = "$uuid"
EOF
  # Hosts on one machine share its ports: give each its own range for
  # incoming migrations (libvirt's default is 49152-49215 on every host).
  cat > "$dir/config/libvirt/qemu.conf" <<EOF
migration_port_min = $((port * 2 + 10000))
migration_port_max = $((port * 2 + 10001))
EOF
  chown -R "$user" "$dir"
  chmod 700 "$dir/run"
  local env="HOME=$dir XDG_CONFIG_HOME=$dir/config XDG_DATA_HOME=$dir/data"
  env="$env XDG_CACHE_HOME=$dir/cache XDG_RUNTIME_DIR=$dir/run"
  local start="exec setpriv --reuid=$user --regid=$(id -g "$user") --clear-groups env $env libvirtd --listen --daemon"
  local pre=
  [ -n "$hn" ] && pre="hostname $hn; "
  if [ -n "$private" ]; then
    pre="$pre mount --bind '${private#*=}' '${private%%=*}'; "
  fi
  if [ -n "$pre" ]; then
    unshare -m -u --propagation private sh -c "$pre $start" ||
      fail "cannot start libvirtd for host $name"
  else
    sh -c "$start" || fail "cannot start libvirtd for host $name"
  fi
  cleanup_fn "pkill -KILL -u $user; sleep 0.5"
  _mig_port[$name]=$port
  for _ in $(seq 1 50); do
    virsh -c "$(uri "$name")" version >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "libvirtd for host $name did not answer on port $port"
}

uri ()
{
  echo "qemu+tcp://127.0.0.1:${_mig_port[$1]}/session"
}

_tiny_initrd ()
{
  local root=$tmp/tinyroot
  [ -f "$shared/tiny.initrd" ] && return 0
  mkdir -p "$root"/{bin,proc,sys,dev,tmp}
  cp "$(command -v busybox)" "$root/bin/busybox"
  cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
mount -t tmpfs -o size=90% tmp /tmp
mib=$(sed -n 's/.*vmshift.dirty=\([0-9]*\).*/\1/p' /proc/cmdline)
# Keep memory dirty all the time, as a busy guest does (a pause between
# rewrites would let a pass of the migration catch up): not zeros, which
# migration sends as almost nothing.
if [ "${mib:-0}" -gt 0 ]; then
  (j=0; while :; do
     j=$((j + 1))
     yes "vmshift $j" | head -c "${mib}m" > /tmp/dirty 2>/dev/null
   done) &
fi
i=0
while :; do
  i=$((i + 1))
  echo "TICK $i $(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
  sleep 1
done
EOF
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) \
    > "$shared/tiny.initrd"
  cp "$(ls /boot/vmlinuz-* | sort -V | tail -n 1)" "$shared/vmlinuz"
  chmod 644 "$shared/tiny.initrd" "$shared/vmlinuz"
}

tiny_guest ()
{
  local host=$1 name=$2 mac=$3 mib=$4 disk=${5:-} diskxml=
  _tiny_initrd
  : > "$shared/$name.log"
  chmod 666 "$shared/$name.log"
  if [ -n "$disk" ]; then
    diskxml="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$disk'/><target dev='vda' bus='virtio'/></disk>"
  fi
  cat > "$tmp/$name.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mib</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$shared/vmlinuz</kernel>
    <initrd>$shared/tiny.initrd</initrd>
    <cmdline>console=ttyS0 quiet vmshift.dirty=${DIRTY:-0}</cmdline>
  </os>
  <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
  <devices>
    $diskxml
    <serial type='file'><source path='$shared/$name.log' append='on'/>
      <target port='0'/></serial>
    <interface type='user'><mac address='$mac'/><model type='virtio'/></interface>
  </devices>
</domain>
EOF
  virsh -c "$(uri "$host")" create "$tmp/$name.xml" >/dev/null ||
    fail "cannot start guest $name on host $host"
}

ticks ()
{
  tr -d '\r' < "$1" |
    awk '$1 == "TICK" { n++; last = $3 } END { print n + 0, last + 0 }'
}

wait_ticks ()
{
  local log=$1 want=$2 n0 n
  read -r n0 _ < <(ticks "$log")
  for _ in $(seq 1 300); do
    read -r n _ < <(ticks "$log")
    [ "$n" -ge $((n0 + want)) ] && return 0
    sleep 0.2
  done
  fail "no more output from the guest in $log (had $n0 lines)"
}

state ()
{
  local s
  s=$(virsh -c "$(uri "$1")" domstate "$2" 2>/dev/null) || { echo none; return; }
  echo "${s%% *}"
}
