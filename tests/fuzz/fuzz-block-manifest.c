/* libFuzzer harness: p2v agent's block manifest header, as the agent
 * reads a manifest fetched from the conversion host
 * (common/block-manifest.c).  A header that decodes must encode back to
 * the same bytes (its reserved fields zero).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "block-manifest.h"
#include "helpers.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct manifest_header h;
  uint8_t again[MANIFEST_HEADER];

  if (size < MANIFEST_HEADER || manifest_header_decode (data, &h) == -1)
    return 0;
  if (manifest_blocks (h.disk_size, h.block_size) == 0)
    abort ();
  manifest_header_encode (&h, again);
  if (memcmp (again, data, 12) != 0 || memcmp (again + 16, data + 16, 24) != 0)
    abort ();
  return 0;
}
