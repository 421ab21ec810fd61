/* vmshift: the neutral VM model.
 *
 * Every input driver fills a struct vm; every output consumes one.  The
 * model describes the source machine as it was (source buses, source
 * MACs, source PCI slots) so that conversion can keep its identity.
 */
#ifndef VMSHIFT_VM_H
#define VMSHIFT_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vector.h"

enum vm_firmware { FIRMWARE_UNKNOWN = 0, FIRMWARE_BIOS, FIRMWARE_UEFI };

enum vm_bus {
  BUS_UNKNOWN = 0,
  BUS_IDE,
  BUS_SCSI,
  BUS_SATA,
  BUS_NVME,
  BUS_VIRTIO,
  BUS_XEN,
};

struct vm_disk {
  char *path;             /* file QEMU opens (absolute); owned */
  char *format;           /* QEMU format name: "vmdk", "raw", ...; owned */
  enum vm_bus bus;        /* bus on the source */
  int controller;         /* X of scsiX:Y (-1 if none) */
  int unit;               /* Y of scsiX:Y (-1 if none) */
  char *controller_model; /* "pvscsi", "lsilogic", ... or NULL; owned */
  uint64_t capacity;      /* virtual size in bytes, 0 if not known */
  /* The data is not a file QEMU can open in place (a compressed OVA
   * member, XVA chunks, a remote volume): path then only names it for
   * people, and input_import_disk must write it to a local file (in
   * `format`) before anything reads it.
   */
  bool import;
};

struct vm_nic {
  char *mac;     /* "00:50:56:aa:bb:cc" lowercase, or NULL */
  char *model;   /* source model: "vmxnet3", "e1000", ...; owned */
  char *network; /* source network name or NULL; owned */
  int pci_slot;  /* source PCI slot number, -1 if not known */
};

DEFINE_VECTOR_TYPE (vm_disk_vector, struct vm_disk);
DEFINE_VECTOR_TYPE (vm_nic_vector, struct vm_nic);

struct vm {
  char *source_type; /* input driver: "vmx", ...; owned */
  char *name;        /* owned */
  char *uuid;        /* canonical lowercase 8-4-4-4-12, or NULL */
  uint64_t memory;   /* bytes */
  unsigned vcpus;
  enum vm_firmware firmware;
  char *os_hint; /* source's OS label (VMware guestOS) or NULL */
  vm_disk_vector disks;
  vm_nic_vector nics;
};

/* Frees everything the model owns (not the struct itself) and zeroes it. */
extern void vm_clear (struct vm *vm);

/* Names used in JSON and XML: "bios"/"uefi"/"unknown", "scsi"/... */
extern const char *vm_firmware_name (enum vm_firmware fw);
extern const char *vm_bus_name (enum vm_bus bus);

/* Writes the model as one JSON object (pretty, stable key order) to fp.
 * Returns 0, or -1 with the error set.
 */
extern int vm_write_json (const struct vm *vm, FILE *fp);

/* Normalises a MAC written with ':' or '-' to lowercase "aa:bb:..".
 * Returns a new string the caller frees, or NULL with the error set.
 */
extern char *vm_normalize_mac (const char *mac);

/* Normalises a UUID in any of the usual spellings (VMware's
 * "56 4d 12 ... -ab cd ...", plain hex, dashed) to 8-4-4-4-12 lowercase.
 * Returns a new string the caller frees, or NULL with the error set.
 */
extern char *vm_normalize_uuid (const char *uuid);

#endif /* VMSHIFT_VM_H */
