/* vmshift: MBR and GPT partition tables, parsed from bytes (no I/O), so
 * they can be unit tested and fuzzed.  Used to tell a disk's firmware
 * (an ESP means UEFI) and, for p2v and v2p, where the partitions are.
 */
#ifndef VMSHIFT_PARTITION_TABLE_H
#define VMSHIFT_PARTITION_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* What the first PTABLE_HEAD_BYTES of a disk (512-byte sectors) hold:
 * the MBR, the GPT header and 128 entries of 128 bytes.
 */
#define PTABLE_HEAD_BYTES (34 * 512)
#define PTABLE_MAX_PARTS 128

enum ptable_type { PTABLE_NONE = 0, PTABLE_MBR, PTABLE_GPT };

/* Partition types that matter to vmshift. */
enum ptable_role {
  PART_OTHER = 0,
  PART_ESP,       /* EFI system partition */
  PART_BIOS_BOOT, /* GPT BIOS boot partition (GRUB core.img) */
  PART_EXTENDED,  /* MBR extended container */
  PART_LINUX_SWAP,
  PART_LINUX_LVM,
};

struct ptable_part {
  int number;     /* 1-based as Linux numbers them */
  uint64_t start; /* bytes */
  uint64_t size;  /* bytes */
  enum ptable_role role;
  uint8_t mbr_id;     /* MBR type byte, 0 for GPT */
  char type_guid[37]; /* GPT type, upper-case 8-4-4-4-12, "" for MBR */
};

struct ptable {
  enum ptable_type type;
  size_t nparts;
  struct ptable_part parts[PTABLE_MAX_PARTS];
};

/* Parses the head of a disk (len bytes from offset 0; at least 512 for
 * MBR, PTABLE_HEAD_BYTES for GPT entries) of disk_size bytes.  Only
 * primary MBR partitions are listed (logical ones live in the extended
 * container, beyond the head).  Partitions that lie outside the disk
 * are an error.  A disk with no 0x55AA signature is PTABLE_NONE.
 * Returns 0, or -1 with the error set.
 */
extern int ptable_parse (const uint8_t *head, size_t len, uint64_t disk_size,
                         struct ptable *out);

/* The first partition with the role, or NULL. */
extern const struct ptable_part *ptable_find (const struct ptable *pt,
                                              enum ptable_role role);

#endif /* VMSHIFT_PARTITION_TABLE_H */
