/* vmshift: MBR and GPT parsing (partition-table.h).
 *
 * A protective MBR (one 0xEE partition) means GPT: the header at LBA 1
 * ("EFI PART") gives the entry array, which must lie in the head we were
 * given (LBA 2..33 is where every partitioner puts it).  The header's
 * CRC is not checked: vmshift only reads the table to learn the disk's
 * shape, and a disk whose CRC is wrong still boots on some firmware.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "partition-table.h"

#define SECTOR 512
#define GPT_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define GPT_BIOS_BOOT "21686148-6449-6E6F-744E-656564454649"
#define GPT_LINUX_SWAP "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"
#define GPT_LINUX_LVM "E6D6D379-F507-44C2-A23C-238F2A3DF928"

static uint32_t
le32 (const uint8_t *p)
{
  return p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16
         | (uint32_t) p[3] << 24;
}

static uint64_t
le64 (const uint8_t *p)
{
  return le32 (p) | (uint64_t) le32 (p + 4) << 32;
}

/* GPT GUIDs store the first three fields little-endian. */
static void
format_guid (const uint8_t *g, char out[37])
{
  snprintf (out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
            le32 (g), g[4] | g[5] << 8, g[6] | g[7] << 8, g[8], g[9], g[10],
            g[11], g[12], g[13], g[14], g[15]);
}

static int
add_part (struct ptable *pt, int number, uint64_t start, uint64_t size,
          uint64_t disk_size)
{
  struct ptable_part *p;

  if (start > disk_size || size > disk_size - start) {
    set_error (0,
               "partition %d (%" PRIu64 "+%" PRIu64
               " bytes) lies outside the %" PRIu64 "-byte disk",
               number, start, size, disk_size);
    return -1;
  }
  p = &pt->parts[pt->nparts++];
  memset (p, 0, sizeof *p);
  p->number = number;
  p->start = start;
  p->size = size;
  return 0;
}

static int
parse_mbr (const uint8_t *head, uint64_t disk_size, struct ptable *pt)
{
  pt->type = PTABLE_MBR;
  for (int i = 0; i < 4; ++i) {
    const uint8_t *e = head + 446 + 16 * i;
    uint8_t id = e[4];
    uint64_t start = (uint64_t) le32 (e + 8) * SECTOR;
    uint64_t size = (uint64_t) le32 (e + 12) * SECTOR;
    struct ptable_part *p;

    if (id == 0 || size == 0)
      continue;
    if (add_part (pt, i + 1, start, size, disk_size) == -1)
      return -1;
    p = &pt->parts[pt->nparts - 1];
    p->mbr_id = id;
    switch (id) {
      case 0xef: p->role = PART_ESP; break;
      case 0x05:
      case 0x0f:
      case 0x85: p->role = PART_EXTENDED; break;
      case 0x82: p->role = PART_LINUX_SWAP; break;
      case 0x8e: p->role = PART_LINUX_LVM; break;
      default: break;
    }
  }
  return 0;
}

static int
parse_gpt (const uint8_t *head, size_t len, uint64_t disk_size,
           struct ptable *pt)
{
  const uint8_t *h = head + SECTOR;
  uint64_t entries_lba;
  uint32_t count, esize;

  if (len < 2 * SECTOR || memcmp (h, "EFI PART", 8) != 0) {
    set_error (0, "protective MBR but no GPT header at LBA 1");
    return -1;
  }
  entries_lba = le64 (h + 72);
  count = le32 (h + 80);
  esize = le32 (h + 84);
  if (esize < 128 || esize > 4096 || esize % 8 != 0) {
    set_error (0, "GPT entry size %" PRIu32 " is not valid", esize);
    return -1;
  }
  if (count > PTABLE_MAX_PARTS)
    count = PTABLE_MAX_PARTS;
  if (entries_lba < 2 || entries_lba > len / SECTOR
      || (uint64_t) count * esize > len - entries_lba * SECTOR) {
    set_error (0,
               "GPT entries at LBA %" PRIu64 " lie beyond the first "
               "%zu bytes of the disk",
               entries_lba, len);
    return -1;
  }
  pt->type = PTABLE_GPT;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t *e = head + entries_lba * SECTOR + (size_t) i * esize;
    static const uint8_t zero[16];
    uint64_t first = le64 (e + 32), last = le64 (e + 40);
    struct ptable_part *p;

    if (memcmp (e, zero, 16) == 0)
      continue;
    if (last < first || last >= UINT64_MAX / SECTOR) {
      set_error (0, "GPT partition %" PRIu32 " ends before it starts", i + 1);
      return -1;
    }
    if (add_part (pt, (int) i + 1, first * SECTOR, (last - first + 1) * SECTOR,
                  disk_size)
        == -1)
      return -1;
    p = &pt->parts[pt->nparts - 1];
    format_guid (e, p->type_guid);
    if (strcmp (p->type_guid, GPT_ESP) == 0)
      p->role = PART_ESP;
    else if (strcmp (p->type_guid, GPT_BIOS_BOOT) == 0)
      p->role = PART_BIOS_BOOT;
    else if (strcmp (p->type_guid, GPT_LINUX_SWAP) == 0)
      p->role = PART_LINUX_SWAP;
    else if (strcmp (p->type_guid, GPT_LINUX_LVM) == 0)
      p->role = PART_LINUX_LVM;
  }
  return 0;
}

int
ptable_parse (const uint8_t *head, size_t len, uint64_t disk_size,
              struct ptable *out)
{
  memset (out, 0, sizeof *out);
  if (len < SECTOR || head[510] != 0x55 || head[511] != 0xaa)
    return 0;
  /* Protective MBR: GPT. */
  for (int i = 0; i < 4; ++i)
    if (head[446 + 16 * i + 4] == 0xee)
      return parse_gpt (head, len, disk_size, out);
  return parse_mbr (head, disk_size, out);
}

const struct ptable_part *
ptable_find (const struct ptable *pt, enum ptable_role role)
{
  for (size_t i = 0; i < pt->nparts; ++i)
    if (pt->parts[i].role == role)
      return &pt->parts[i];
  return NULL;
}
