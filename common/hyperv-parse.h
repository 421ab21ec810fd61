/* vmshift: Hyper-V virtual machine configuration files.
 *
 * Hyper-V 2008 R2 to 2012 R2 keep each VM's configuration in
 * "Virtual Machines/<VM GUID>.xml" (UTF-16), and Export-VM copies it
 * beside "Virtual Hard Disks/".  (2016 and later keep a binary .vmcx
 * instead, which input-hyperv.c handles without this module.)  What is
 * read, element names compared without regard to case:
 *
 *   <configuration>
 *     <_83F8638B-8DCA-4152-9EDA-2CA8B33039B4_>  the emulated IDE controllers
 *       <controller0> <drive0>                  IDE 0:0
 *         <pathname type="string">C:\...\x.vhdx</pathname>
 *         <type type="string">VHD</type>        ISO: a DVD; NONE: empty
 *     <_INSTANCE-GUID_>   a synthetic SCSI controller, by its instance:
 *       <ChannelInstanceGuid/> <controller0> <driveN>  (N: the LUN)
 *     <_INSTANCE-GUID_>   a network adapter, by its instance:
 *       <ChannelInstanceGuid/>  (synthetic adapters only: VMBus)
 *       <Connection> <AltSwitchName>  the virtual switch's name
 *       <MacAddress>00155D0107DC  <MacAddressIsStatic>False
 *     <_AC6B8DC1-3257-4A70-B1B2-A9C9215659AD_>  the firmware: <bios_guid>
 *     <manifest> <vdev001> <device>CLASS-GUID <instance>GUID <name>
 *     <properties> <name>  <subtype>: 0 generation 1, 1 generation 2
 *     <settings> <memory><bank> <size> (MiB) <dynamic_memory_enabled>
 *                <limit>;  <processors><count>
 *
 * Class GUIDs name the singleton devices (IDE, floppy, serial, BIOS);
 * controllers and adapters that a VM may have several of are elements
 * named for their instance, listed in the manifest in the order they
 * were added, which is their order here.  An adapter is any such element
 * with a MacAddress: synthetic when the manifest calls its class the
 * Synthetic Ethernet Port (2FC216B0-D2E2-4967-9B6D-B8A5C9CA2778), or
 * when, unlisted, it has a VMBus channel; else legacy (emulated).
 * Older exports' <address>/<is_static_address> spelling of an emulated
 * adapter's MAC is read too.  The floppy controller
 * (_8F0D2762-0B00-4E04-AF4F-19010527CB93_) holds no disks.
 */
#ifndef VMSHIFT_HYPERV_PARSE_H
#define VMSHIFT_HYPERV_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "vector.h"
#include "vm.h"

/* Reads the configuration doc (parsed by xml-util.h's functions; what
 * names it in errors) into *out, zeroed by the caller, who frees it with
 * vm_clear (on failure too).
 *
 *   name        properties/name, NULL if absent (the caller picks one)
 *   uuid        the firmware's bios_guid (the guest's SMBIOS UUID)
 *   memory      settings/memory/bank/size MiB; with dynamic memory on,
 *               that is the startup amount (the limit Hyper-V writes by
 *               default is 1 TiB), and a warning says so; 0 if absent
 *   vcpus       settings/processors/count, 0 if absent
 *   firmware    generation 2 UEFI; 1, or no subtype (Hyper-V before
 *               2012 R2 had generation 1 only), BIOS
 *   disks       path is the pathname as Hyper-V wrote it (a Windows
 *               path) and format NULL: the caller finds the files.  In
 *               boot order: generation 1 boots from IDE (its BIOS cannot
 *               boot from SCSI), so IDE first, then SCSI; generation 2
 *               has SCSI only.  Within a bus by controller, then unit.
 *               IDE: controller 0-1, unit 0-1, model "ide"; SCSI:
 *               controller = the controller's position, unit = LUN,
 *               model "hv_storvsc".  DVDs and empty drives are skipped.
 *   nics        model "hv_netvsc" (synthetic) or "tulip" (legacy: a DEC
 *               21140); network = the switch's name; mac only if
 *               static: a dynamic MAC is Hyper-V's to give to another VM,
 *               so it is dropped with a warning naming it
 *
 * Things the user should hear are appended to *warnings (the caller
 * frees them).  Returns 0, or -1 with the error set.
 */
extern int hyperv_parse (xmlDocPtr doc, const char *what, struct vm *out,
                         string_vector *warnings);

/* For probes: does tag (the root start tag and what follows it, as
 * xml_peek_root returns) look like a Hyper-V configuration: the root is
 * <configuration> and a device, <manifest>, <properties> or <settings>
 * element follows?
 */
extern bool hyperv_probe_text (const char *tag);

/* The file name in a Windows (or POSIX) path: after the last '\' or
 * '/'.  Points into path.
 */
extern const char *hyperv_basename (const char *path);

#endif /* VMSHIFT_HYPERV_PARSE_H */
