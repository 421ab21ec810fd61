#!/usr/bin/env bash
# A KVM guest read through libvirt (libvirt:qemu:///system/NAME, a
# defined, shut-off domain whose SATA disk is the BIOS Debian guest's
# VMDK and whose e1000e NIC has its MAC) converts and boots on virtio
# with its identity; the source domain is left as it was.
source "$(dirname "$0")/functions.sh"
need_libvirtd
variant=bios
dom=vmshift-test-kvm-$$
make_source ()
{
  cat >"$work/dom.xml" <<XML
<domain type='qemu'>
  <name>$dom</name>
  <uuid>3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='vmdk'/>
      <source file='$fx/$VMDK'/>
      <target dev='sda' bus='sata'/>
    </disk>
    <interface type='user'>
      <mac address='$MAC'/>
      <model type='e1000e'/>
    </interface>
  </devices>
</domain>
XML
  virsh -q -c qemu:///system define "$work/dom.xml" >/dev/null ||
    fail "could not define $dom"
  cleanup_fn virsh -q -c qemu:///system undefine "$dom"
  src=libvirt:qemu:///system/$dom
  src_files=("$fx/$VMDK")
  name=$dom
}
make_source=make_source
source "$top/tests/convert-and-boot.sh"
[ "$(virsh -c qemu:///system domstate "$dom")" = "shut off" ] ||
  fail "the source domain is not shut off any more"
