/* vmshift: what a physical machine is made of, as p2v sends it: disks,
 * NICs, CPUs, memory and firmware, read from sysfs and /proc, and the
 * libvirt domain XML that describes it to the conversion host.
 */
#ifndef VMSHIFT_MACHINE_H
#define VMSHIFT_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "vector.h"

struct machine_disk {
  char *name; /* "sda", "nvme0n1", or a file's basename; owned */
  char *path; /* "/dev/sda" or the file; owned */
  uint64_t size;
  char *model;  /* or NULL; owned */
  char *serial; /* or NULL; owned */
  bool skipped; /* removable, or the p2v boot medium */
};

struct machine_nic {
  char *name;   /* kernel name on the live system: "eth0"; owned */
  char *mac;    /* lowercase; owned */
  char *driver; /* "e1000e", or NULL; owned */
};

DEFINE_VECTOR_TYPE (machine_disk_vector, struct machine_disk);
DEFINE_VECTOR_TYPE (machine_nic_vector, struct machine_nic);

struct machine {
  machine_disk_vector disks;
  machine_nic_vector nics;
  unsigned cpus;
  uint64_t memory; /* bytes, rounded up to 128 MiB */
  bool uefi;
  char *uuid; /* SMBIOS product UUID, or NULL */
};

/* Reads the machine under root ("" for the running system; tests give a
 * fake tree holding sys/ and proc/).  Disks are whole block devices
 * (not loop, ram, zram, optical, device-mapper or md); removable ones
 * and the one holding an ISO 9660 image (the p2v medium) are marked
 * skipped.  NICs are those with a device (not lo, bridges, tunnels).
 * 0, or -1 with the error set; m is cleared by machine_clear.
 */
extern int machine_probe (const char *root, struct machine *m);

/* Adds a disk given by path (a block device or an image file), for
 * "p2v capture --disks /dev/loop0": 0, or -1 with the error set.
 */
extern int machine_add_disk (struct machine *m, const char *path);

extern void machine_clear (struct machine *m);

/* The domain XML describing the machine named name, with the selected
 * disks (indices into m->disks) as raw files "disk-N.raw" (N in the
 * order given), on SATA, and the NICs with their MACs.  Returns the XML
 * (caller frees), or NULL with the error set.
 */
extern char *machine_xml (const struct machine *m, const char *name,
                          const size_t *disks, size_t ndisks);

#endif /* VMSHIFT_MACHINE_H */
