#!/usr/bin/env bash
# 'v2v inspect' refuses broken Hyper-V exports and libvirt domains
# cleanly: for each case it exits non-zero, prints nothing on stdout, and
# prints one message starting "v2v: error: " that says what is wrong.

set -e

srcdir=$(cd "$(dirname "$0")" && pwd)

. "$srcdir/functions.sh"

requires v2v qemu-img truncate

d=$(cd "$tmp" && pwd -P)
cd "$d"

# ---- Hyper-V -----------------------------------------------------------

# export DIR SETTINGS DEVICES: DIR/Virtual Machines/<GUID>.xml with the
# settings and device elements given (raw XML).
export_vm ()
{
  mkdir -p "$1/Virtual Machines" "$1/Virtual Hard Disks"
  cat > "$1/Virtual Machines/6B7A5C4D-3E2F-4A1B-9C8D-7E6F5A4B3C2D.xml" <<XML
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<configuration>
  $3
  <properties><name type="string">$1</name></properties>
  <settings>$2</settings>
</configuration>
XML
}

# ide0 PATH: an IDE controller with PATH at 0:0.
ide0 ()
{
  printf '%s' "<_83f8638b-8dca-4152-9eda-2ca8b33039b4_><controller0><drive0>" \
    "<pathname type=\"string\">$1</pathname><type type=\"string\">VHD</type>" \
    "</drive0></controller0></_83f8638b-8dca-4152-9eda-2ca8b33039b4_>"
}

vms="Virtual Machines"
vhds="Virtual Hard Disks"

export_vm nodisk "" "$(ide0 'C:\VMs\nodisk\Virtual Hard Disks\gone.vhdx')"
want="disk 'IDE 0:0' ('C:\\VMs\\nodisk\\Virtual Hard Disks\\gone.vhdx'):"
want+=" there is no 'gone.vhdx' in '$d/nodisk/$vhds' or '$d/nodisk/$vms'"
bad "Hyper-V disk not found" "$want" nodisk

export_vm bigmem \
  '<memory><bank><size type="integer">99999999999</size></bank></memory>'
bad "Hyper-V memory overflow" \
  "settings/memory/bank/size = 99999999999 is not an amount of memory" bigmem

export_vm doctype
sed -i '1a <!DOCTYPE configuration [\
<!ENTITY pw SYSTEM "file:///etc/passwd">]>' doctype/"$vms"/*.xml
sed -i 's|<name type="string">doctype|&\&pw;|' doctype/"$vms"/*.xml
bad "Hyper-V DOCTYPE with an external entity" \
  "has a DOCTYPE declaration; refusing it" doctype/"$vms"/*.xml

# A checkpoint: a differencing VHD (QEMU would read it without its parent).
export_vm checkpoint "" "$(ide0 'C:\VMs\SRV_4E2A.avhd')"
qemu-img create -q -f vpc "checkpoint/$vhds/SRV_4E2A.avhd" 64M
printf '\0\0\0\4' | dd of="checkpoint/$vhds/SRV_4E2A.avhd" bs=1 seek=60 \
  conv=notrunc status=none
want="file '$d/checkpoint/$vhds/SRV_4E2A.avhd' is a differencing disk"
bad "Hyper-V checkpoint" \
  "$want (a checkpoint), which QEMU cannot read" checkpoint

export_vm notvhdx "" "$(ide0 'C:\VMs\x.vhdx')"
head -c 65536 /dev/urandom > "notvhdx/$vhds/x.vhdx"
bad "Hyper-V disk that is not a VHDX" \
  "disk 'IDE 0:0': '$d/notvhdx/$vhds/x.vhdx' is not a VHDX file" notvhdx

mkdir notexport
bad "not a Hyper-V export" \
  "'$d/notexport' is not a Hyper-V export: it has no 'Virtual Machines'" \
  --from hyperv notexport

export_vm twovms
cp twovms/"$vms"/*.xml twovms/"$vms"/11111111-2222-4333-8444-555555555555.xml
bad "two VMs in one export" "holds several virtual machines" twovms

mkdir -p "vmcx/$vms" "vmcx/$vhds"
head -c 4096 /dev/zero > "vmcx/$vms/6B7A5C4D-3E2F-4A1B-9C8D-7E6F5A4B3C2D.vmcx"
bad "Hyper-V 2016 export without disks" \
  "no .vhd or .vhdx disk in '$d/vmcx/$vhds'" vmcx

# ---- libvirt -----------------------------------------------------------

# domain NAME DEVICES: NAME.xml, a KVM domain with those devices.
domain ()
{
  cat > "$1.xml" <<XML
<domain type='kvm'>
  <name>$1</name>
  <memory unit='MiB'>512</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>$2</devices>
</domain>
XML
}

domain missing "<disk type='file' device='disk'><driver type='qcow2'/>
  <source file='missing.qcow2'/><target dev='vda' bus='virtio'/></disk>"
bad "libvirt missing disk" \
  "disk 'vda' file '$d/missing.qcow2' does not exist" missing.xml

domain rbd "<disk type='network' device='disk'><driver type='raw'/>
  <source protocol='rbd' name='rbd/web1'><host name='mon1'/></source>
  <target dev='vda' bus='virtio'/></disk>"
bad "libvirt network disk" \
  "disk 'vda' is a network disk (rbd): network disks (rbd, iscsi" rbd.xml

domain volume "<disk type='volume' device='disk'>
  <source pool='default' volume='web1.qcow2'/><target dev='vda'/></disk>"
want="disk 'vda' is the volume 'web1.qcow2' of pool 'default':"
bad "libvirt volume disk in an XML file" \
  "$want volume disks need libvirt:URI/DOMAIN" volume.xml

domain ldoctype ""
sed -i '1i <!DOCTYPE domain [<!ENTITY sh SYSTEM "file:///etc/shadow">]>' \
  ldoctype.xml
sed -i 's|<name>ldoctype|&\&sh;|' ldoctype.xml
bad "libvirt DOCTYPE with an external entity" \
  "'ldoctype.xml' has a DOCTYPE declaration; refusing it" ldoctype.xml

domain bigmem2 ""
sed -i "s|<memory unit='MiB'>512|<memory unit='EiB'>20|" bigmem2.xml
bad "libvirt memory overflow" \
  "'bigmem2.xml': <memory>: 20 EiB is more than 16 EiB" bigmem2.xml

# libvirt's test driver (test:///default, in the client library: no
# daemon) has one domain, "test", running.
bad "unknown domain" \
  "there is no domain 'nosuch' at 'test:///default'" \
  libvirt:test:///default/nosuch
bad "running domain" \
  "domain 'test' is running: shut it down first" libvirt:test:///default/test
bad "libvirt: without a domain" \
  "'libvirt:test:///default/': no domain: write libvirt:URI/DOMAIN" \
  libvirt:test:///default/
bad "libvirt: with a malformed URI" \
  "'libvirt:default/test': 'default' is not a libvirt URI" \
  libvirt:default/test
bad "libvirt: nothing at all" "'libvirt:': no domain" libvirt:

bad_done
