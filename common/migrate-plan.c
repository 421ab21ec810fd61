/* vmshift: placing guests on destinations (migrate-plan.h). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "migrate-plan.h"

void
migrate_plan (struct plan_guest *g, size_t n, const uint64_t *avail,
              size_t ndest)
{
  uint64_t left[ndest ? ndest : 1];

  if (ndest)
    memcpy (left, avail, ndest * sizeof *avail);
  /* Insertion sort, stable, largest first: n is a host's guests. */
  for (size_t i = 1; i < n; ++i) {
    struct plan_guest t = g[i];
    size_t j = i;

    while (j > 0 && g[j - 1].memory < t.memory) {
      g[j] = g[j - 1];
      j--;
    }
    g[j] = t;
  }
  for (size_t i = 0; i < n; ++i) {
    int best = -1;

    for (size_t d = 0; d < ndest; ++d)
      if (left[d] >= g[i].memory && (best == -1 || left[d] > left[best]))
        best = (int) d;
    g[i].dest = best;
    if (best >= 0)
      left[best] -= g[i].memory;
  }
}
