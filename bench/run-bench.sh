#!/usr/bin/env bash
# make bench: v2v convert against virt-v2v on the same VMware fixture,
# side by side in one run: wall time, peak RSS (largest process, the
# appliance included), output size, and the ratios.  Not a test: nothing
# here passes or fails on time.
#
#   bench/run-bench.sh [bios|uefi]      (default bios)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
firmware=${1:-bios}
fx=$("$top/tests/fixtures/fixture.sh" get "$firmware")
vmx=$fx/debian-$firmware.vmx
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vmshift-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LIBGUESTFS_CACHEDIR=${LIBGUESTFS_CACHEDIR:-/var/tmp}

command -v /usr/bin/time >/dev/null ||
  { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }

# measure NAME CMD...: prints "NAME seconds maxrss_kib"
measure ()
{
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" \
    > "$work/$name.log" 2>&1 || {
      echo "bench: $name failed:" >&2; tail -20 "$work/$name.log" >&2
      return 1; }
  echo "$name $(cat "$work/$name.time")"
}

size_of () { du -sk --apparent-size "$1" | cut -f1; }
used_of () { du -sk "$1" | cut -f1; }

echo "bench: fixture $vmx ($(du -h "$fx"/*.vmdk | cut -f1) vmdk)"
# Warm the appliance cache for both, so neither pays supermin's build.
LIBGUESTFS_BACKEND_SETTINGS=force_tcg guestfish -a /dev/null run >/dev/null 2>&1 || :

read -r _ v_s v_rss < <(measure v2v "$top/v2v/v2v" convert "$vmx" --to kvm \
                          -o "$work/v2v" -q)
# virt-v2v does not probe for a usable KVM: tell it, as v2v finds out.
tcg=
(printf '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n' |
  qemu-system-x86_64 -accel kvm -nodefaults -display none -machine pc \
    -cpu host -m 16 -S -qmp stdio) >/dev/null 2>&1 || tcg=force_tcg
mkdir -p "$work/virt-v2v"
read -r _ o_s o_rss < <(LIBGUESTFS_BACKEND_SETTINGS=$tcg measure virt-v2v \
                          virt-v2v -i vmx "$vmx" -o local -os "$work/virt-v2v" \
                          -of qcow2)
v_size=$(used_of "$work/v2v"); o_size=$(used_of "$work/virt-v2v")

ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
printf '\n%-10s %10s %14s %16s\n' tool "wall (s)" "peak RSS (MiB)" "output (MiB)"
printf '%-10s %10.1f %14.0f %16.0f\n' v2v "$v_s" "$((v_rss / 1024))" "$((v_size / 1024))"
printf '%-10s %10.1f %14.0f %16.0f\n' virt-v2v "$o_s" "$((o_rss / 1024))" "$((o_size / 1024))"
printf '%-10s %10s %14s %16s\n' "v2v/virt" "$(ratio "$v_s" "$o_s")" \
  "$(ratio "$v_rss" "$o_rss")" "$(ratio "$v_size" "$o_size")"
echo
echo "bench: v2v step timings (-v on a second run are in its log):"
"$top/v2v/v2v" convert "$vmx" --to kvm -o "$work/v2v-verbose" -v -q 2>&1 |
  grep -E 'step|appliance|copy' || :
