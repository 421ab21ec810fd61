/* Unit tests for partition-table.c: MBR and GPT heads built by hand. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "partition-table.h"

#define MiB (1024 * 1024ULL)
#define DISK (64 * MiB)

static uint8_t head[PTABLE_HEAD_BYTES];

static void
put32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    p[i] = v >> (8 * i);
}

static void
put64 (uint8_t *p, uint64_t v)
{
  put32 (p, (uint32_t) v);
  put32 (p + 4, (uint32_t) (v >> 32));
}

static void
mbr_entry (int i, uint8_t id, uint32_t lba, uint32_t sectors)
{
  uint8_t *e = head + 446 + 16 * i;
  e[4] = id;
  put32 (e + 8, lba);
  put32 (e + 12, sectors);
  head[510] = 0x55;
  head[511] = 0xaa;
}

/* GUID in on-disk order for the ESP, C12A7328-F81F-11D2-BA4B-... */
static const uint8_t esp_guid[16] = {
  0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
  0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b,
};
static const uint8_t linux_guid[16] = {
  0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
  0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4,
};

static void
gpt_entry (int i, const uint8_t guid[16], uint64_t first, uint64_t last)
{
  uint8_t *e = head + 2 * 512 + 128 * i;
  memcpy (e, guid, 16);
  memset (e + 16, 0x11, 16); /* unique GUID */
  put64 (e + 32, first);
  put64 (e + 40, last);
}

static void
gpt_header (uint32_t entries, uint32_t esize, uint64_t entries_lba)
{
  memset (head, 0, sizeof head);
  mbr_entry (0, 0xee, 1, DISK / 512 - 1);
  memcpy (head + 512, "EFI PART", 8);
  put64 (head + 512 + 72, entries_lba);
  put32 (head + 512 + 80, entries);
  put32 (head + 512 + 84, esize);
}

static void
test_none (void)
{
  struct ptable pt;

  memset (head, 0, sizeof head);
  assert (ptable_parse (head, sizeof head, DISK, &pt) == 0);
  assert (pt.type == PTABLE_NONE && pt.nparts == 0);
  assert (ptable_parse (head, 100, DISK, &pt) == 0);
  assert (pt.type == PTABLE_NONE);
}

static void
test_mbr (void)
{
  struct ptable pt;

  memset (head, 0, sizeof head);
  mbr_entry (0, 0x83, 2048, 100000);
  mbr_entry (1, 0x82, 102048, 20000);
  mbr_entry (3, 0x05, 122048, 1000);
  assert (ptable_parse (head, 512, DISK, &pt) == 0);
  assert (pt.type == PTABLE_MBR && pt.nparts == 3);
  assert (pt.parts[0].number == 1 && pt.parts[0].start == 2048 * 512ULL);
  assert (pt.parts[0].size == 100000 * 512ULL && pt.parts[0].mbr_id == 0x83);
  assert (pt.parts[1].role == PART_LINUX_SWAP);
  assert (pt.parts[2].number == 4 && pt.parts[2].role == PART_EXTENDED);
  assert (ptable_find (&pt, PART_ESP) == NULL);
  assert (ptable_find (&pt, PART_LINUX_SWAP) == &pt.parts[1]);

  /* A partition past the end of the disk. */
  mbr_entry (2, 0x83, 0xfffffff0, 0x100);
  assert (ptable_parse (head, 512, DISK, &pt) == -1);
  assert (strstr (get_error (), "partition 3") != NULL);
  clear_error ();
}

static void
test_gpt (void)
{
  struct ptable pt;

  gpt_header (128, 128, 2);
  gpt_entry (0, esp_guid, 2048, 34815);
  gpt_entry (2, linux_guid, 34816, DISK / 512 - 34);
  assert (ptable_parse (head, sizeof head, DISK, &pt) == 0);
  assert (pt.type == PTABLE_GPT && pt.nparts == 2);
  assert (pt.parts[0].number == 1 && pt.parts[0].role == PART_ESP);
  assert (
      strcmp (pt.parts[0].type_guid, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
      == 0);
  assert (pt.parts[0].size == (34815 - 2048 + 1) * 512ULL);
  assert (pt.parts[1].number == 3 && pt.parts[1].role == PART_OTHER);
  assert (
      strcmp (pt.parts[1].type_guid, "0FC63DAF-8483-4772-8E79-3D69D8477DE4")
      == 0);
  assert (ptable_find (&pt, PART_ESP) == &pt.parts[0]);

  /* The head is too short for the entries. */
  assert (ptable_parse (head, 1024, DISK, &pt) == -1);
  clear_error ();
  /* Entries claimed beyond the head. */
  gpt_header (128, 128, 40);
  assert (ptable_parse (head, sizeof head, DISK, &pt) == -1);
  clear_error ();
  /* A silly entry size. */
  gpt_header (4, 7, 2);
  assert (ptable_parse (head, sizeof head, DISK, &pt) == -1);
  clear_error ();
  /* More entries than the head holds. */
  gpt_header (100000, 128, 2);
  assert (ptable_parse (head, sizeof head, DISK, &pt) == 0);
  /* An entry that ends before it starts, or overflows. */
  gpt_header (4, 128, 2);
  gpt_entry (0, linux_guid, 5000, 4000);
  assert (ptable_parse (head, sizeof head, DISK, &pt) == -1);
  clear_error ();
  gpt_entry (0, linux_guid, 0, UINT64_MAX);
  assert (ptable_parse (head, sizeof head, DISK, &pt) == -1);
  clear_error ();
  /* Protective MBR without a header. */
  memset (head + 512, 0, 8);
  assert (ptable_parse (head, sizeof head, DISK, &pt) == -1);
  clear_error ();
}

int
main (void)
{
  test_none ();
  test_mbr ();
  test_gpt ();
  printf ("test-partition-table: ok\n");
  return 0;
}
