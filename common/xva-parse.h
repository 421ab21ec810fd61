/* vmshift: reading the ova.xml of a XenServer / XCP-ng XVA export.
 *
 * An XVA is a tar: ova.xml first, then each disk as a directory named
 * after its VDI's id ("Ref:12/") of 1 MiB chunks.  ova.xml is XAPI's
 * database objects in XML-RPC form:
 *
 *   <value><struct>
 *     <member><name>version</name>...</member>
 *     <member><name>objects</name><value><array><data>
 *       <value><struct>
 *         <member><name>class</name><value>VM</value></member>
 *         <member><name>id</name><value>Ref:4</value></member>
 *         <member><name>snapshot</name><value><struct>
 *           ...the object's fields, by name...
 *
 * with objects of classes VM, VBD (a VM's disk slot: VM, VDI, type,
 * userdevice), VDI (a disk: virtual_size), VIF (a NIC: VM, MAC, device,
 * network) and network (name_label, bridge), linked by their ids.
 *
 * What is read, and the choices:
 *
 *   VM          the first VM object that is not a snapshot or the
 *               control domain.  name_label (empty: the file's name
 *               without ".xva"), uuid, memory_static_max (bytes),
 *               VCPUs_max (else VCPUs_at_startup).
 *   HVM or PV   domain_type "hvm" is HVM, "pv"/"pvh"/"pv_in_pvh" PV;
 *               without it (XenServer before 7.5) HVM_boot_policy
 *               empty is PV.  An HVM guest whose HVM_boot_params has
 *               firmware=uefi is UEFI, everything else BIOS.
 *   disks       the VM's VBDs of type Disk with a VDI, ordered by
 *               userdevice.  Each becomes a raw disk to import
 *               (import = true), path "SOURCE:Ref:N" for people,
 *               capacity the VDI's virtual_size.  Bus: a PV guest's
 *               are "xen"; an HVM guest's userdevice 0 to 3 are IDE
 *               (the emulated disks, controller N/2 unit N%2), others
 *               "xen".
 *   NICs        the VM's VIFs by device: MAC, the network's name_label
 *               (else its bridge) as network; model "xen-netfront" for
 *               PV, for HVM platform:nic_type or else "rtl8139" (what
 *               XenServer emulates).
 *
 * The input is untrusted: it is parsed with xml_parse_untrusted, sizes
 * are bounded and ids must be plain tokens.
 */
#ifndef VMSHIFT_XVA_PARSE_H
#define VMSHIFT_XVA_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "vector.h"
#include "vm.h"

#define XVA_MAX_OVA_XML (64 * 1024 * 1024) /* ova.xml, bytes */
#define XVA_CHUNK (1024 * 1024)            /* a data chunk, bytes */
/* Chunk names have 8 digits: the largest disk an XVA can hold. */
#define XVA_MAX_DISK_SIZE ((uint64_t) 100000000 * XVA_CHUNK)

/* Parses ova.xml, len bytes of buf (what names it in errors, source is
 * the XVA for the disks' paths), into *out (zeroed by the caller;
 * vm_clear it on failure).  refs gets the VDI id (the tar directory) of
 * each disk of out, in the same order; the caller frees it with
 * free_string_vector.  Returns 0, or -1 with the error set.
 */
extern int xva_parse_ova_xml (const char *buf, size_t len, const char *what,
                              const char *source, struct vm *out,
                              string_vector *refs);

#endif /* VMSHIFT_XVA_PARSE_H */
