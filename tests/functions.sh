# vmshift test helpers, sourced by every tests/test-*.sh.
#
#   requires CMD...          skip (exit 77) unless each command exists
#   skip "why"               skip with a reason
#   fail "why"               fail with a reason
#   cleanup_fn CMD ARGS...   run CMD at exit (last registered runs first)
#   $VG                      valgrind wrapper when the harness sets it
#   fixture bios|uefi|...    path of the cached Debian VMware guest
#   kvm_or_tcg               "kvm" if QEMU can run KVM guests here, else "tcg"
#   boot_probe DISK FMT MAC FIRMWARE LOG
#                            boot DISK as a KVM guest (q35, virtio disk,
#                            virtio-net with MAC on QEMU user networking,
#                            serial to LOG) until the guest's probe says
#                            "VMSHIFT-PROBE done"; fails on timeout
#   probe_value LOG KEY      the value of "VMSHIFT-PROBE KEY=..." in LOG
#   md5_of FILE...           checksums, to prove a source unchanged
#   fixture_snapshot FX DIR NAME
#                            DIR/NAME.vmdk, a delta over fixture FX's disk
#                            (as VMware writes a snapshot), and
#                            DIR/NAME.vmx using it, displayName NAME; FX's
#                            fixture.env must be sourced.  The test's own
#                            libguestfs is set up to run as the product's
#                            would here (TCG unless KVM runs guests).
#   inspect_golden_dir DIR EXT
#                            golden 'v2v inspect' cases in DIR (see there)
#   bad WHAT WANT ARGS...    'v2v inspect ARGS' must fail with one error
#                            line containing WANT (else counts $failures)
#   make_ovf FILE HREF [DISK-ATTRS] [NAME] [PROLOGUE]
#                            an OVF descriptor of a VM with one CPU, 512 MiB
#                            and one VMDK disk in file HREF (16 MiB unless
#                            DISK-ATTRS say otherwise); NAME is the Name
#                            element's content, PROLOGUE goes before the
#                            Envelope

set -e
set -o pipefail

top=${VMSHIFT_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
test_name=$(basename "$0" .sh)
VG=${VG:-}
export LIBGUESTFS_CACHEDIR=${LIBGUESTFS_CACHEDIR:-/var/tmp}

_cleanups=()
cleanup_fn ()
{
  _cleanups=("$*" "${_cleanups[@]}")
}
_run_cleanups ()
{
  local rc=$?
  for c in "${_cleanups[@]}"; do
    eval "$c" || :
  done
  exit $rc
}
trap _run_cleanups EXIT

skip ()
{
  echo "$test_name: SKIP: $*" >&2
  exit 77
}

fail ()
{
  echo "$test_name: FAIL: $*" >&2
  exit 1
}

requires ()
{
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"
  done
}

# The test's private directory, removed at exit; scratch makes another
# directory inside it (safe in $(...): nothing to register).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$test_name.XXXXXX")
cleanup_fn rm -rf "$tmp"
scratch ()
{
  mktemp -d "$tmp/scratch.XXXXXX"
}

# VMSHIFT_FIXTURE_<name>=DIR uses DIR instead (a developer's own build).
fixture ()
{
  local pinned="VMSHIFT_FIXTURE_$1"
  if [ -n "${!pinned:-}" ]; then
    echo "${!pinned}"
  else
    "$top/tests/fixtures/fixture.sh" get "$1"
  fi
}

kvm_or_tcg ()
{
  # What the product decided (common/accel.c: a KVM guest must really
  # run here, not just be created).
  "$top/v2v/v2v" --accel
}

# boot_probe DISK FORMAT MAC bios|uefi LOG [virtio|physical]: boots the
# disk under QEMU (q35) until the guest's vmshift-probe says "done".
# virtio (the default) is a KVM guest's hardware; physical is a real
# machine's: the disk on AHCI and an e1000e NIC.
boot_probe ()
{
  local disk=$1 fmt=$2 mac=$3 firmware=$4 log=$5 hw=${6:-virtio}
  local timeout=${BOOT_TIMEOUT:-400} accel cpu vars pid i fw=() dev=()

  accel=$(kvm_or_tcg)
  cpu=max
  [ "$accel" = kvm ] && cpu=host
  if [ "$firmware" = uefi ]; then
    vars=$(mktemp "${TMPDIR:-/tmp}/ovmf-vars.XXXXXX")
    cleanup_fn rm -f "$vars"
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"      # empty NVRAM
    fw=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
        -drive if=pflash,format=raw,file="$vars")
  fi
  if [ "$hw" = physical ]; then
    dev=(-drive file="$disk",format="$fmt",if=none,id=d0,snapshot=on
         -device ahci,id=ahci0 -device ide-hd,drive=d0,bus=ahci0.0
         -netdev user,id=n0 -device e1000e,netdev=n0,mac="$mac")
  else
    dev=(-drive file="$disk",format="$fmt",if=virtio,snapshot=on
         -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac="$mac")
  fi
  : > "$log"
  qemu-system-x86_64 -accel "$accel" -machine q35 -cpu "$cpu" -m 1024 \
    -smp 2 -nodefaults -display none -vga none -no-reboot \
    "${fw[@]}" \
    "${dev[@]}" \
    -serial file:"$log" &
  pid=$!
  cleanup_fn "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
  for ((i = 0; i < timeout; i++)); do
    if grep -q 'VMSHIFT-PROBE done' "$log"; then
      kill "$pid" 2>/dev/null || :
      wait "$pid" 2>/dev/null || :
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  kill "$pid" 2>/dev/null || :
  echo "--- serial console (last 40 lines) ---" >&2
  tail -n 40 "$log" | tr -d '\r' >&2
  fail "the guest did not finish booting within ${timeout}s"
}

probe_value ()
{
  # Not anchored: a kernel or systemd message can start the same line.
  tr -d '\r' < "$1" | sed -n "s/^.*VMSHIFT-PROBE $2=//p" | head -n 1
}

md5_of ()
{
  md5sum "$@" | awk '{print $1}' | tr '\n' ' '
}

fixture_snapshot ()
{
  local fx=$1 dir=$2 name=$3
  qemu-img create -q -f vmdk -b "$fx/$VMDK" -F vmdk "$dir/$name.vmdk"
  sed -e "s/$VMDK/$name.vmdk/" \
      -e "s/^displayName = .*/displayName = \"$name\"/" \
      "$fx/$VMX" > "$dir/$name.vmx"
  [ "$(kvm_or_tcg)" = tcg ] && export LIBGUESTFS_BACKEND_SETTINGS=force_tcg
  return 0
}

# signal_at_random SIG TENTHS CLEANUP FN: runs the function FN (which
# execs the command, so that $! is the command) in the background,
# logging to $tmp/log, and sends it SIG at a random point between 5% and
# 85% of TENTHS tenths of a second (a whole run's length, timed first).
# A run that ends before that (it was faster than the timed one) must
# have succeeded: CLEANUP (a function) then clears its output and the
# next try aims within its own length; three tries.  Sets sig_pid and
# sig_at (tenths of a second).
signal_at_random ()
{
  local sig=$1 tenths=$2 cleanup=$3 fn=$4 try i start
  for try in 1 2 3; do
    sig_at=$((tenths * (5 + RANDOM % 81) / 100))
    start=$(date +%s%N)
    ("$fn") > "$tmp/log" 2>&1 &
    sig_pid=$!
    for ((i = 0; i < sig_at; i++)); do
      kill -0 $sig_pid 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 $sig_pid 2>/dev/null; then
      kill -"$sig" $sig_pid
      return 0
    fi
    wait $sig_pid ||
      { cat "$tmp/log"; fail "a run ended before SIG$sig at $sig_at/10 s, and failed"; }
    tenths=$((($(date +%s%N) - start) / 100000000))
    echo "a run ended before SIG$sig at $sig_at/10 s, in $tenths/10 s: again"
    "$cleanup"
  done
  fail "three runs ended before SIG$sig"
}

# interrupted_cleanly SIG WHAT: the run signal_at_random interrupted
# failed, and 3 s later no process of its session lives on and its
# TMPDIR, $tmp/t, is empty.
interrupted_cleanly ()
{
  local sig=$1 what=$2 left
  wait $sig_pid 2>/dev/null && fail "the $what succeeded despite SIG$sig"
  sleep 3
  echo "SIG$sig after $((sig_at / 10)).$((sig_at % 10)) s: $(tail -n 1 "$tmp/log")"
  # Live ones: a zombie nobody reaped yet is gone.
  left=$(ps -o pid=,stat= -s $sig_pid | awk '$2 !~ /^Z/ { print $1 }' || :)
  [ -z "$left" ] ||
    { ps -o pid,cmd -p $left; fail "processes outlive the $what"; }
  [ -z "$(ls -A "$tmp/t")" ] ||
    fail "temporary files left after SIG$sig: $(ls -A "$tmp/t")"
}

failures=0

# bad WHAT WANT ARGS...: the command ($bad_cmd, default 'v2v inspect')
# must exit non-zero, print nothing on stdout and end with its one
# "PROG: error: " line, containing WANT (files out and err in the current directory);
# failures counts the cases that did not.
bad ()
{
  local what=$1 want=$2 rc=0 cmd prog
  shift 2
  read -r -a cmd <<< "${bad_cmd:-v2v inspect}"
  prog=${cmd[0]}

  $VG "${cmd[@]}" "$@" > out 2> err < /dev/null || rc=$?
  if [ $rc -eq 0 ]; then
    echo "FAIL: $what: ${cmd[*]} succeeded"
    failures=$((failures + 1))
  elif [ -s out ]; then
    echo "FAIL: $what: output on stdout:"
    head -n 5 out
    failures=$((failures + 1))
  elif [ "$(grep -c "^$prog: error: " err)" -ne 1 ] ||
       [ "$(tail -n 1 err | head -c $((${#prog} + 9)))" != "$prog: error: " ]; then
    echo "FAIL: $what: not one '$prog: error: ' line:"
    cat err
    failures=$((failures + 1))
  elif ! grep -qF -- "$want" err; then
    echo "FAIL: $what: the error does not say \"$want\":"
    cat err
    failures=$((failures + 1))
  else
    echo "ok: $what: $(cat err)"
  fi
}

# need_libvirtd: make sure the system libvirt daemon answers (starting
# libvirtd and virtlogd when this machine has no init to do it); skip if
# it cannot be had.
need_libvirtd ()
{
  requires virsh
  virsh -c qemu:///system version >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || skip "libvirtd is not running"
  command -v libvirtd >/dev/null || skip "libvirtd is not installed"
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 1 30); do
    virsh -c qemu:///system version >/dev/null 2>&1 && return 0
    sleep 1
  done
  skip "libvirtd did not start"
}

# make_ovf FILE HREF [DISK-ATTRS] [NAME] [PROLOGUE]: see the top.
make_ovf ()
{
  local ns=http://schemas.dmtf.org attrs=$3
  local mib='ovf:capacityAllocationUnits="byte * 2^20"'

  [ -n "$attrs" ] || attrs="ovf:capacity=\"16\" $mib"

  cat > "$1" <<EOF
<?xml version="1.0"?>
$5
<Envelope xmlns="$ns/ovf/envelope/1" xmlns:ovf="$ns/ovf/envelope/1"
    xmlns:rasd="$ns/wbem/wscim/1/cim-schema/2/\
CIM_ResourceAllocationSettingData">
  <References><File ovf:href="$2" ovf:id="f1"/></References>
  <DiskSection><Info/>
    <Disk ovf:diskId="d1" ovf:fileRef="f1" $attrs
      ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html"/>
  </DiskSection>
  <VirtualSystem ovf:id="vm"><Info/><Name>${4:-vm}</Name>
    <VirtualHardwareSection><Info/>
      <Item><rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>512</rasd:VirtualQuantity></Item>
      <Item><rasd:HostResource>ovf:/disk/d1</rasd:HostResource>
        <rasd:ResourceType>17</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
EOF
}

# inspect_golden_dir DIR EXT: golden tests of 'v2v inspect'.  Each case is
# DIR/NAME.expected, the JSON v2v must print, with the case's directory
# (made for it under $tmp, canonical) written as @DIR@, and optionally:
#   NAME.EXT       the source; copied to the case's directory with @DIR@
#                  replaced (for absolute paths)
#   NAME.setup     run by bash -e in the case's directory, with $CASES
#                  set to DIR, to make the disks (never committed)
#   NAME.args      v2v inspect's arguments, one a line, @DIR@ replaced;
#                  run in the case's directory (default: the NAME.EXT)
#   NAME.warnings  what v2v must print on stderr (default: nothing)
# VMSHIFT_UPDATE_EXPECTED=1 rewrites the .expected and .warnings files
# from the current output (review the diff).  Fails if any case fails.
inspect_golden_dir ()
{
  local cases=$1 ext=$2 expected want_warnings base top_tmp name dir args
  local failed=()

  top_tmp=$(cd "$tmp" && pwd -P)
  for expected in "$cases"/*.expected; do
    name=$(basename "$expected" .expected)
    dir=$top_tmp/$name
    mkdir "$dir"
    base=$cases/$name
    if [ -f "$base.$ext" ]; then
      sed "s|@DIR@|$dir|g" "$base.$ext" > "$dir/$name.$ext"
    fi
    if [ -f "$base.setup" ] &&
       ! (cd "$dir" && CASES=$cases bash -e "$base.setup"); then
      echo "$name: FAIL: $name.setup failed"
      failed+=("$name")
      continue
    fi
    if [ -f "$base.args" ]; then
      mapfile -t args < <(sed "s|@DIR@|$dir|g" "$base.args")
    else
      args=("$dir/$name.$ext")
    fi

    if ! (cd "$dir" && $VG v2v inspect "${args[@]}") > "$dir/out.json" \
         2> "$dir/err"; then
      echo "$name: FAIL: v2v inspect failed:"
      cat "$dir/err"
      failed+=("$name")
      continue
    fi
    sed "s|$dir|@DIR@|g" "$dir/out.json" > "$dir/actual.json"
    sed "s|$dir|@DIR@|g" "$dir/err" > "$dir/actual.warnings"
    if [ -n "${VMSHIFT_UPDATE_EXPECTED:-}" ]; then
      cp "$dir/actual.json" "$expected"
      if [ -s "$dir/actual.warnings" ]; then
        cp "$dir/actual.warnings" "$base.warnings"
      else
        rm -f "$base.warnings"
      fi
    fi
    want_warnings=$base.warnings
    [ -f "$want_warnings" ] || want_warnings=/dev/null
    if ! diff -u "$expected" "$dir/actual.json"; then
      echo "$name: FAIL: output differs from $name.expected"
      failed+=("$name")
    elif ! diff -u "$want_warnings" "$dir/actual.warnings"; then
      echo "$name: FAIL: stderr differs from ${want_warnings##*/}"
      failed+=("$name")
    else
      echo "$name: ok"
    fi
  done

  if [ ${#failed[@]} -gt 0 ]; then
    echo "failed cases: ${failed[*]}" >&2
    return 1
  fi
}

# bad_done: fails the test if any 'bad' case (or other count kept in
# $failures) failed.
bad_done ()
{
  if [ "$failures" -gt 0 ]; then
    echo "$failures case(s) failed" >&2
    exit 1
  fi
}
