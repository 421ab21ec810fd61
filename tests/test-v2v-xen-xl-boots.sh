#!/usr/bin/env bash
# A Xen PV Debian guest (pygrub, /dev/xvdaN names, console=hvc0, an
# initramfs with only xen-blkfront/netfront, eth0 on a Xen MAC) described
# by an xl.cfg with both disk syntaxes converts and boots on virtio:
# root by UUID, console=ttyS0, eth0 up with the vif's MAC.
source "$(dirname "$0")/functions.sh"
variant=xen
make_source ()
{
  # A second, empty data disk in xl's key=value syntax, the system disk
  # in xm's positional one.
  truncate -s 64M "$work/data.img"
  cat >"$work/debian-xen.cfg" <<CFG
# Written by xen-tools for a pygrub-booted PV guest.
name        = 'debian-xen'
uuid        = '9b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'
memory      = 1024
vcpus       = 2
bootloader  = 'pygrub'
disk        = [ 'file:$fx/$DISK,xvda,w',
                'format=raw, vdev=xvdb, access=rw, target=data.img' ]
vif         = [ 'mac=$MAC,bridge=xenbr0' ]
on_poweroff = 'destroy'
on_reboot   = 'restart'
CFG
  src=$work/debian-xen.cfg
  src_files=("$src" "$fx/$DISK" "$work/data.img")
}
make_source=make_source
source "$top/tests/convert-and-boot.sh"
[ -f "$out/debian-xen-sdb.qcow2" ] || fail "the data disk was not converted"
