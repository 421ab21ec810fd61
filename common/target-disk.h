/* vmshift: the physical disk (or staging image) v2p restore writes to,
 * and the checks made before anything is written to it.
 */
#ifndef VMSHIFT_TARGET_DISK_H
#define VMSHIFT_TARGET_DISK_H

#include <stdbool.h>
#include <stdint.h>

struct target_disk {
  char *path;    /* as given; owned */
  bool block;    /* a block device (else a regular file) */
  bool exists;   /* false: a new image file, created by target_disk_create */
  uint64_t size; /* bytes */
  char *model;   /* from sysfs, or NULL; owned */
  char *serial;  /* from sysfs, or NULL; owned */
  char *busy;    /* why it is in use (mounted, held, swap), or NULL; owned */
  char *ptable;  /* "mbr"/"gpt" if it already has a partition table */
};

/* Looks at path: a block device, an existing regular file (a disk of its
 * size) or a new file (then size is new_size; 0 is an error).  Reads
 * what the checks need (size, model, serial, whether it is mounted, held
 * by LVM, MD or device-mapper, a swap area or backs a loop device, and
 * its partition table) and writes nothing.  Returns 0, or -1 with the
 * error set.  target_disk_free frees it in both cases.
 */
extern int target_disk_probe (const char *path, uint64_t new_size,
                              struct target_disk *t);

/* The refusals, in order: in use (always), smaller than needed (always),
 * an existing partition table (unless force).  Returns 0, or -1 with
 * the error set (saying what to do).
 */
extern int target_disk_check (const struct target_disk *t, uint64_t needed,
                              bool force);

/* One line for people: "/dev/sdb: ATA Samsung SSD (S3Z...), 500.1 GB". */
extern char *target_disk_describe (const struct target_disk *t);

/* Creates a new image file of t->size (sparse).  0, or -1. */
extern int target_disk_create (const struct target_disk *t);

extern void target_disk_free (struct target_disk *t);

#endif /* VMSHIFT_TARGET_DISK_H */
