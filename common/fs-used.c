/* vmshift: the used-range list (fs-used.h) and Linux swap areas.
 *
 * A swap area holds nothing worth copying but its header page (the
 * UUID and label that /etc/fstab and resume= name it by), unless a
 * hibernation image was written to it: then the signature at the end
 * of the header page is replaced by the hibernator's, and the whole
 * area is needed for the machine to resume.
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "errors.h"
#include "fs-used.h"

int
range_append (range_vector *v, uint64_t start, uint64_t len)
{
  struct byte_range r = { .start = start, .len = len };
  struct byte_range *last;

  if (len == 0)
    return 0;
  if (start > UINT64_MAX - len) {
    set_error (0, "byte range %" PRIu64 "+%" PRIu64 " overflows", start, len);
    return -1;
  }
  if (v->len > 0) {
    last = &v->ptr[v->len - 1];
    if (start < last->start) {
      set_error (0,
                 "byte range %" PRIu64 "+%" PRIu64
                 " is appended out of order (after %" PRIu64 ")",
                 start, len, last->start);
      return -1;
    }
    if (start <= last->start + last->len) {
      if (start + len > last->start + last->len)
        last->len = start + len - last->start;
      return 0;
    }
  }
  if (range_vector_append (v, r) == -1) {
    set_error (errno, "could not grow the used-range list");
    return -1;
  }
  return 0;
}

/* The signature sits in the last 10 bytes of the header page, whose
 * size is the page size of the machine that made the area.
 */
static const uint32_t swap_page_sizes[] = { 4096, 8192, 16384, 65536 };
#define SWAP_SIG_LEN 10

static bool
is_swap_sig (const char *sig)
{
  return memcmp (sig, "SWAPSPACE2", SWAP_SIG_LEN) == 0
         || memcmp (sig, "SWAP-SPACE", SWAP_SIG_LEN) == 0;
}

/* swsusp (in the kernel), uswsusp (s2disk) and the newer swsusp. */
static bool
is_hibernation_sig (const char *sig)
{
  return memcmp (sig, "S1SUSPEND", 9) == 0 || memcmp (sig, "S2SUSPEND", 9) == 0
         || memcmp (sig, "ULSUSPEND", 9) == 0
         || memcmp (sig, "LINHIB0001", SWAP_SIG_LEN) == 0;
}

/* TuxOnIce writes its own magic at the start of the area instead. */
static const char tuxonice_magic[8] = "\xed\xc3\x02\xe9\x98\x56\xe5\x0c";

int
swap_used (fs_read_fn rd, void *opaque, uint64_t size, range_vector *used)
{
  char head[sizeof tuxonice_magic];

  if (size < swap_page_sizes[0])
    return 0;
  if (rd (opaque, head, sizeof head, 0) == -1)
    return -1;
  if (memcmp (head, tuxonice_magic, sizeof head) == 0)
    return range_append (used, 0, size) == -1 ? -1 : 1;

  for (size_t i = 0; i < sizeof swap_page_sizes / sizeof *swap_page_sizes;
       ++i) {
    uint32_t page = swap_page_sizes[i];
    char sig[SWAP_SIG_LEN];

    if (page > size)
      break;
    if (rd (opaque, sig, sizeof sig, page - SWAP_SIG_LEN) == -1)
      return -1;
    if (is_swap_sig (sig))
      return range_append (used, 0, page) == -1 ? -1 : 1;
    if (is_hibernation_sig (sig))
      return range_append (used, 0, size) == -1 ? -1 : 1;
  }
  return 0;
}
