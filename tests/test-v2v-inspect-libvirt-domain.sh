#!/usr/bin/env bash
# 'v2v inspect libvirt:URI/DOMAIN' reads a domain defined (never started)
# in the system libvirtd: by name, by UUID and through the default URI,
# with a file disk and a volume disk looked up in its (transient) pool.
# The domain and pool are removed at exit.

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img virsh jq
need_libvirtd

uri=qemu:///system
name=vmshift-test-inspect-$$
pool=vmshift-test-pool-$$
uuid=$(cat /proc/sys/kernel/random/uuid)
d=$(cd "$tmp" && pwd -P)

qemu-img create -q -f qcow2 "$d/system.qcow2" 64M
mkdir "$d/pool"
virsh -q -c "$uri" pool-create-as "$pool" dir --target "$d/pool" >/dev/null ||
  fail "could not create the pool"
cleanup_fn "virsh -q -c $uri pool-destroy $pool >/dev/null 2>&1"
virsh -q -c "$uri" vol-create-as "$pool" data.raw 16M --format raw \
  >/dev/null || fail "could not create the volume"

cat > "$d/domain.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <memory unit='MiB'>768</memory>
  <vcpu>3</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$d/system.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw'/>
      <source pool='$pool' volume='data.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:5e:a1:7c'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
XML
virsh -q -c "$uri" define "$d/domain.xml" >/dev/null ||
  fail "could not define the domain"
cleanup_fn "virsh -q -c $uri undefine $name --nvram >/dev/null 2>&1"

# check JSON-FILE JQ-EXPRESSION WANT
check ()
{
  local got
  got=$(jq -r "$2" "$1")
  [ "$got" = "$3" ] || fail "$2 is '$got', not '$3'"
}

for source in "libvirt:$uri/$name" "libvirt:$uri/$uuid"; do
  $VG v2v inspect "$source" > "$d/out.json" 2> "$d/err" ||
    fail "v2v inspect $source failed: $(cat "$d/err")"
  [ ! -s "$d/err" ] || fail "v2v inspect $source warned: $(cat "$d/err")"
  check "$d/out.json" .source_type libvirt
  check "$d/out.json" .name "$name"
  check "$d/out.json" .uuid "$uuid"
  check "$d/out.json" .memory $((768 << 20))
  check "$d/out.json" .vcpus 3
  check "$d/out.json" .os_hint qemu
  check "$d/out.json" '.disks | length' 2
  check "$d/out.json" '.disks[0].path' "$d/system.qcow2"
  check "$d/out.json" '.disks[0].format' qcow2
  check "$d/out.json" '.disks[1].path' "$d/pool/data.raw"
  check "$d/out.json" '.disks[1].capacity' $((16 << 20))
  check "$d/out.json" '.nics[0].mac' 52:54:00:5e:a1:7c
  check "$d/out.json" '.nics[0].model' virtio
  echo "ok: $source"
done

LIBVIRT_DEFAULT_URI=$uri $VG v2v inspect "libvirt:/$name" > "$d/out.json" ||
  fail "v2v inspect libvirt:/$name failed"
check "$d/out.json" .name "$name"
echo "ok: libvirt:/$name through the default URI"

# The domain was read, never started.
[ "$(virsh -q -c "$uri" domstate "$name")" = "shut off" ] ||
  fail "the domain is not shut off"
