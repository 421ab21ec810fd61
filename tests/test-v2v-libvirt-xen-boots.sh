#!/usr/bin/env bash
# The Xen PV Debian guest described by a libvirt Xen domain XML (as
# 'virsh -c xen:/// dumpxml' writes it: pygrub, an xvda file disk, a vif
# on a bridge) converts and boots on virtio: root by UUID,
# console=ttyS0, eth0 up with the vif's MAC.
source "$(dirname "$0")/functions.sh"
variant=xen
make_source ()
{
  cat >"$work/debian-xen.xml" <<XML
<domain type='xen'>
  <name>debian-xen</name>
  <uuid>9b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <bootloader>/usr/lib/xen-4.17/bin/pygrub</bootloader>
  <os>
    <type arch='x86_64' machine='xenpv'>linux</type>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>restart</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$fx/$DISK'/>
      <target dev='xvda' bus='xen'/>
    </disk>
    <interface type='bridge'>
      <mac address='$MAC'/>
      <source bridge='xenbr0'/>
      <script path='vif-bridge'/>
    </interface>
    <console type='pty'>
      <target type='xen' port='0'/>
    </console>
  </devices>
</domain>
XML
  src=$work/debian-xen.xml
  src_files=("$src" "$fx/$DISK")
}
make_source=make_source
source "$top/tests/convert-and-boot.sh"
