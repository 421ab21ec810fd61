/* libFuzzer harness: MBR and GPT partition tables
 * (common/partition-table.c), the head of a 1 TiB disk.
 */
#include <config.h>

#include <stdlib.h>

#include "helpers.h"
#include "partition-table.h"

#define DISK_SIZE (1ULL << 40)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ptable *pt = malloc (sizeof *pt);

  if (pt == NULL)
    abort ();
  if (ptable_parse (data, size, DISK_SIZE, pt) == 0) {
    if (pt->nparts > PTABLE_MAX_PARTS)
      abort ();
    ptable_find (pt, PART_ESP);
  }
  free (pt);
  return 0;
}
