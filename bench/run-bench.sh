#!/usr/bin/env bash
# make bench: v2v convert against virt-v2v on the same VMware fixture,
# as a .vmx and as an OVA (ovftool's layout, streamOptimized VMDK), side
# by side in one run: wall time, peak RSS (largest process, the appliance
# included), output size, and the ratios.  Then the XVA import's peak
# memory for a small and a large disk, and v2p restore against qemu-img
# convert onto the same disk, and p2v capture against dd | zstd | ssh
# and a full-disk read.  Not a test: nothing here passes
# or fails on time.
#
#   bench/run-bench.sh [bios|uefi]      (default bios)
#
# BENCH=vmx,ova,xva,v2p,p2v,agent,migrate (the default: all) picks the
# parts; agent is bench/agent.sh, migrate bench/migrate.sh.
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

# compare LABEL V2V-SOURCE VIRT-V2V-INPUT-ARGS...: one side-by-side table.
compare ()
{
  local label=$1 source=$2 v_s v_rss o_s o_rss v_size o_size
  shift 2
  read -r _ v_s v_rss < <(measure "v2v-$label" "$top/v2v/v2v" convert \
                            "$source" --to kvm -o "$work/v2v-$label" -q)
  mkdir -p "$work/virt-v2v-$label"
  read -r _ o_s o_rss < <(LIBGUESTFS_BACKEND_SETTINGS=$tcg measure \
                            "virt-v2v-$label" virt-v2v "$@" \
                            -o local -os "$work/virt-v2v-$label" -of qcow2)
  v_size=$(used_of "$work/v2v-$label"); o_size=$(used_of "$work/virt-v2v-$label")
  printf '\n%s\n%-10s %10s %14s %16s\n' "$label:" tool "wall (s)" \
    "peak RSS (MiB)" "output (MiB)"
  printf '%-10s %10.1f %14.0f %16.0f\n' v2v "$v_s" "$((v_rss / 1024))" \
    "$((v_size / 1024))"
  printf '%-10s %10.1f %14.0f %16.0f\n' virt-v2v "$o_s" "$((o_rss / 1024))" \
    "$((o_size / 1024))"
  printf '%-10s %10s %14s %16s\n' "v2v/virt" "$(ratio "$v_s" "$o_s")" \
    "$(ratio "$v_rss" "$o_rss")" "$(ratio "$v_size" "$o_size")"
  rm -rf "$work/v2v-$label" "$work/virt-v2v-$label"
}

# virt-v2v does not probe for a usable KVM: tell it, as v2v finds out.
tcg=
[ "$("$top/v2v/v2v" --accel)" = kvm ] || tcg=force_tcg
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

parts=${BENCH:-vmx,ova,xva,v2p,p2v,agent,migrate}
want () { case ",$parts," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

want vmx && compare vmx "$vmx" -i vmx "$vmx"

. "$fx/fixture.env"
if want ova; then
"$top/tests/fixtures/make-ova.sh" vmware "$fx/$VMDK" "$work/debian.ova" \
  --name "debian-$firmware" --mac "$MAC" \
  $([ "$firmware" = uefi ] && echo --uefi) >/dev/null
echo
echo "bench: OVA $(du -h "$work/debian.ova" | cut -f1) (streamOptimized VMDK)"
compare ova "$work/debian.ova" -i ova "$work/debian.ova"
rm -f "$work/debian.ova"
fi

# XVA import: peak RSS of the import alone, for two disk sizes.
if want xva; then
echo
printf '%-10s %12s %12s %14s\n' "xva" "disk (MiB)" "data (MiB)" "peak RSS (MiB)"
for mib in 1024 8192; do
  data=$((mib / 4))
  truncate -s "${mib}M" "$work/x.raw"
  head -c "${data}M" /dev/urandom |
    dd of="$work/x.raw" conv=notrunc bs=1M status=none
  python3 "$top/tests/fixtures/make-xva.py" "$work/x.raw" "$work/x.xva" \
    --name x --mac 00:16:3e:00:00:01 >/dev/null
  read -r _ rss < <("$top/bench/xva-import" "$work/x.xva" "$work/x.out")
  printf '%-10s %12d %12d %14.1f\n' "" "$mib" "$data" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')"
  rm -f "$work/x.raw" "$work/x.xva" "$work/x.out"
done
fi
# v2p restore against qemu-img convert -O raw onto the same target: a
# loop device over a 4 GiB file (the disk grows), bytes written counted
# by the block layer (/sys/block/loopN/stat, discards apart).
if want v2p; then
  img=$work/target.img
  truncate -s 4G "$img"
  loop=$(losetup --show -f "$img")
  dev=${loop#/dev/}
  written () { awk '{ print $7 * 512 }' "/sys/block/$dev/stat"; }
  w0=$(written)
  read -r _ q_s _ < <(measure qemu-img qemu-img convert -n -f vmdk -O raw \
                        "$fx/$VMDK" "$loop")
  sync; w1=$(written)
  read -r _ p_s _ < <(measure v2p "$top/v2p/v2p" restore "$fx/$VMDK" \
                        --to "$loop" --yes --force --machine-readable)
  sync; w2=$(written)
  losetup -d "$loop"
  copy_s=$(sed -n 's/.*"event": "copied".*"seconds": \([0-9.]*\).*/\1/p' \
             "$work/v2p.log")
  q_w=$(( (w1 - w0) >> 20 )); p_w=$(( (w2 - w1) >> 20 ))
  echo
  echo "v2p restore of $VMDK onto a 4 GiB loop device:"
  printf '%-12s %10s %12s %14s\n' tool "wall (s)" "copy (s)" "written (MiB)"
  printf '%-12s %10.1f %12.1f %14d\n' v2p "$p_s" "$copy_s" "$p_w"
  printf '%-12s %10.1f %12.1f %14d\n' qemu-img "$q_s" "$q_s" "$q_w"
  printf '%-12s %10s %12s %14s\n' v2p/qemu-img "$(ratio "$p_s" "$q_s")" \
    "$(ratio "$copy_s" "$q_s")" "$(ratio "$p_w" "$q_w")"
  data=$(sed -n 's/.*"event": "copied".*"written": \([0-9]*\).*/\1/p' \
           "$work/v2p.log")
  echo "(v2p's wall time includes its appliance: layout, drivers, GRUB;"
  echo " the block layer counts write-zeroes as writes: v2p wrote"
  echo " $((data >> 20)) MiB of data, the rest of its figure is zeroing)"
  rm -f "$img"
fi
if want p2v; then
  # A 4 GiB disk whose ext4 is 25% used (half random, half text), sent
  # to a real sshd on loopback three ways; page cache dropped each time.
  (
    tmp=$work/p2v
    mkdir -p "$tmp"
    cleanup_fn () { :; }
    fail () { echo "bench: $*" >&2; exit 1; }
    requires () { :; }
    # shellcheck disable=SC1091
    source "$top/tests/p2v-functions.sh"
    start_sshd "$tmp/ssh" > /dev/null
    trap 'pkill -f "sshd -D -f $tmp/ssh" || :' EXIT
    img=$tmp/disk.img
    mkdir -p "$tmp/tree"
    head -c 500M /dev/urandom > "$tmp/tree/random.bin"
    for i in 1 2 3 4 5; do seq $((i * 10000000)) $(((i + 1) * 10000000)) \
      > "$tmp/tree/seq$i.txt"; done
    truncate -s 4G "$img"
    printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q "$img"
    mkfs.ext4 -q -F -E offset=1048576,nodiscard -d "$tmp/tree" "$img" \
      $((4095 * 1024))k
    rm -rf "$tmp/tree"
    ssh_to=(ssh -T -p "$ssh_port" -i "$ssh_id" -oBatchMode=yes
            -oUserKnownHostsFile=/dev/null -oStrictHostKeyChecking=no
            -oLogLevel=ERROR root@127.0.0.1)
    drop () { sync; echo 3 > /proc/sys/vm/drop_caches; }
    drop
    read -r _ p_s _ < <(measure p2v "$top/p2v/p2v" capture \
      --server 127.0.0.1 --port "$ssh_port" --identity "$ssh_id" \
      --hostkey "$ssh_hostkey" --remote-command "$top/p2v/p2v" \
      --receive-dir "$tmp/recv" --disks "$img" --name bench -o none \
      --machine-readable)
    p_w=$(sed -n 's/.*"event": "done".*"wire": \([0-9]*\).*/\1/p' \
      "$work/p2v.log")
    rm -rf "$tmp/recv"
    drop
    read -r _ z_s _ < <(measure ddzstd bash -c \
      "dd if='$img' bs=4M status=none | zstd -q -c | tee >(wc -c > '$tmp/z') |
       ${ssh_to[*]} 'cat > /dev/null'")
    sleep 1; z_w=$(cat "$tmp/z")
    drop
    read -r _ f_s _ < <(measure full bash -c \
      "dd if='$img' bs=4M status=none | ${ssh_to[*]} 'cat > /dev/null'")
    f_w=$(stat -c %s "$img")
    echo
    echo "p2v capture of a 4 GiB disk, ext4 25% used, over ssh on loopback:"
    printf '%-14s %10s %16s %12s\n' method "wall (s)" "on wire (MiB)" \
      "wire/disk"
    printf '%-14s %10.1f %16d %12s\n' "p2v capture" "$p_s" $((p_w >> 20)) \
      "$(ratio "$p_w" "$f_w")"
    printf '%-14s %10.1f %16d %12s\n' "dd|zstd|ssh" "$z_s" $((z_w >> 20)) \
      "$(ratio "$z_w" "$f_w")"
    printf '%-14s %10.1f %16d %12s\n' "full read" "$f_s" $((f_w >> 20)) \
      "1.00x"
    echo "p2v/dd|zstd: time $(ratio "$p_s" "$z_s"), wire $(ratio "$p_w" "$z_w")"
    rm -f "$img"
  )
fi
if want agent; then
  echo
  "$top/bench/agent.sh"
fi
if want migrate; then
  echo
  "$top/bench/migrate.sh"
fi
want vmx || exit 0
echo
echo "bench: v2v step timings (-v on a second run are in its log):"
"$top/v2v/v2v" convert "$vmx" --to kvm -o "$work/v2v-verbose" -v -q 2>&1 |
  grep -E 'step|appliance|copy' || :
