/* vmshift: libvirt domain XML, read into the neutral model.
 *
 * Pure: reads a parsed document and touches no file and no libvirt
 * connection (input-libvirt.c does those).  What is read, after
 * https://libvirt.org/formatdomain.html:
 *
 *   <domain type='kvm'>           the hypervisor: os_hint is it ("kvm",
 *                                 "qemu", ...), or for type='xen' with
 *                                 os/type 'linux' or 'xen' "xen-pv",
 *                                 'xenpvh' "xen-pvh", 'hvm' "xen-hvm"
 *   <name> <uuid>
 *   <memory unit='KiB'>           in bytes (units b, bytes, KB, k, KiB,
 *                                 MB, M, MiB, ... as libvirt scales
 *                                 them; KiB by default); <currentMemory>
 *                                 (the balloon's target) is ignored
 *   <vcpu current='2'>4</vcpu>    current if given (what the guest ran
 *                                 with), else the count; absent, 1
 *   <os firmware='efi'>, <loader type='pflash'> or a loader path with
 *                                 OVMF, AAVMF or edk2 in it: UEFI; else BIOS
 *   <devices><disk>               device 'disk' or 'lun' (cdrom, floppy
 *                                 skipped); type 'file' (source file),
 *                                 'block' (source dev), 'volume' (source
 *                                 pool and volume: the caller resolves
 *                                 it); 'network' and the rest refused;
 *                                 driver type is the format (default
 *                                 raw; Xen's "aio" is raw, "vhd" QEMU's
 *                                 vpc); target bus (else guessed from
 *                                 the dev name, as libvirt does) and
 *                                 controller/unit from a drive address
 *                                 (else from the dev name's index, as
 *                                 libvirt assigns them); the SCSI
 *                                 controller's model from <controller
 *                                 type='scsi' index=N model=...>
 *   <devices><interface>          mac address; model type, else
 *                                 "netfront" on Xen, "e1000e" on a q35
 *                                 machine and "rtl8139" otherwise (what
 *                                 QEMU gives a NIC without a model);
 *                                 network: source network, bridge or
 *                                 dev; pci_slot: the slot of a PCI
 *                                 address on bus 0, but not on q35
 *                                 (Linux names a NIC ensSLOT on i440fx,
 *                                 enpBUSsSLOT on q35)
 *
 * Disks come in boot order: those with <boot order='N'/> by N, then the
 * rest by target dev ("hda" < "sda" < "vda" < "xvda"; "vdz" < "vdaa"),
 * so that the first is the boot disk whether the domain says it with
 * per-device boot orders or with <os><boot dev='hd'/>.
 */
#ifndef VMSHIFT_LIBVIRT_XML_PARSE_H
#define VMSHIFT_LIBVIRT_XML_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "vector.h"
#include "vm.h"

/* What the model has no room for, one per disk. */
struct libvirt_disk_source {
  char *target; /* "vda": how errors name the disk; owned */
  char *pool;   /* type='volume': pool and volume names, else NULL; */
  char *volume; /* owned */
  bool readonly;
};
DEFINE_VECTOR_TYPE (libvirt_disk_source_vector, struct libvirt_disk_source);

struct libvirt_domain {
  struct vm vm; /* disks' paths as written; a volume's NULL */
  libvirt_disk_source_vector sources; /* parallel to vm.disks */
};

/* Reads the domain doc (what names it in errors) into *out, zeroed by
 * the caller, who frees it with libvirt_domain_clear (on failure too).
 * vm.source_type is "libvirt".  Things the user should hear are
 * appended to *warnings (the caller frees them).  Returns 0, or -1 with
 * the error set.
 */
extern int libvirt_xml_parse (xmlDocPtr doc, const char *what,
                              struct libvirt_domain *out,
                              string_vector *warnings);

extern void libvirt_domain_clear (struct libvirt_domain *d);

/* Scales a libvirt amount with its unit attribute (NULL: KiB) to bytes.
 * Returns 0, or -1 with the error set (not a number, unknown unit,
 * overflow).
 */
extern int libvirt_scale (const char *value, const char *unit,
                          uint64_t *bytes);

#endif /* VMSHIFT_LIBVIRT_XML_PARSE_H */
