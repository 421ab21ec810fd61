/* Unit tests for common/migrate-plan.c (evacuate's placement) and the
 * job statistics reader of common/migrate.c.
 */
#include <config.h>

#include <libvirt/libvirt.h>

#include "unit-test.h"
#include "libvirt-util.h"
#include "migrate-plan.h"
#include "migrate.h"

#define MiB (1ULL << 20)

static void
spreads_by_free_memory (void)
{
  struct plan_guest g[] = {
    { "small", 256 * MiB, 9 },
    { "big", 4096 * MiB, 9 },
    { "mid", 1024 * MiB, 9 },
    { "mid2", 1024 * MiB, 9 },
  };
  uint64_t avail[] = { 4608 * MiB, 3072 * MiB };

  migrate_plan (g, 4, avail, 2);
  /* Largest first; ties keep their order. */
  assert (strcmp (g[0].name, "big") == 0);
  assert (strcmp (g[1].name, "mid") == 0);
  assert (strcmp (g[2].name, "mid2") == 0);
  assert (strcmp (g[3].name, "small") == 0);
  assert (g[0].dest == 0);  /* 4608 -> 512 left */
  assert (g[1].dest == 1);  /* 3072 -> 2048 */
  assert (g[2].dest == 1);  /* 2048 -> 1024 */
  assert (g[3].dest == 1);  /* 1024 > 512 */
  assert (avail[0] == 4608 * MiB); /* not modified */
}

static void
unplaceable_does_not_stop_others (void)
{
  struct plan_guest g[] = {
    { "huge", 64000 * MiB, 9 },
    { "a", 512 * MiB, 9 },
    { "b", 512 * MiB, 9 },
  };
  uint64_t avail[] = { 1024 * MiB };

  migrate_plan (g, 3, avail, 1);
  assert (strcmp (g[0].name, "huge") == 0 && g[0].dest == -1);
  assert (g[1].dest == 0 && g[2].dest == 0);
}

static void
no_destination_or_guest (void)
{
  struct plan_guest g[] = { { "a", 1, 9 } };

  migrate_plan (g, 1, NULL, 0);
  assert (g[0].dest == -1);
  migrate_plan (NULL, 0, NULL, 0);
}

static void
stats_from_params (void)
{
  virTypedParameterPtr p = NULL;
  int n = 0, max = 0;
  struct migrate_stats s;

  assert (virTypedParamsAddULLong (&p, &n, &max, VIR_DOMAIN_JOB_DATA_TOTAL,
                                   1000) == 0);
  assert (virTypedParamsAddULLong (&p, &n, &max,
                                   VIR_DOMAIN_JOB_DATA_PROCESSED, 400) == 0);
  assert (virTypedParamsAddULLong (&p, &n, &max,
                                   VIR_DOMAIN_JOB_MEMORY_REMAINING, 600) == 0);
  assert (virTypedParamsAddULLong (&p, &n, &max,
                                   VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, 77) == 0);
  assert (virTypedParamsAddULLong (&p, &n, &max,
                                   VIR_DOMAIN_JOB_MEMORY_ITERATION, 3) == 0);
  assert (virTypedParamsAddULLong (&p, &n, &max, VIR_DOMAIN_JOB_DOWNTIME,
                                   42) == 0);
  /* A field of another type under a known name is ignored, not read. */
  assert (virTypedParamsAddInt (&p, &n, &max, VIR_DOMAIN_JOB_DISK_TOTAL, 5)
          == 0);

  migrate_stats_from_params (&s, VIR_DOMAIN_JOB_UNBOUNDED, p, n);
  assert (s.active);
  assert (s.data_total == 1000 && s.data_processed == 400);
  assert (s.mem_remaining == 600 && s.dirty_rate == 77);
  assert (s.iteration == 3);
  assert (s.has_downtime && s.downtime_ms == 42);
  assert (s.disk_total == 0 && !s.postcopy);

  migrate_stats_from_params (&s, VIR_DOMAIN_JOB_COMPLETED, p, n);
  assert (!s.active && s.downtime_ms == 42);

  migrate_stats_from_params (&s, VIR_DOMAIN_JOB_NONE, NULL, 0);
  assert (!s.active && !s.has_downtime && s.data_total == 0);
  virTypedParamsFree (p, n);
}

int
main (void)
{
  assert (virInitialize () == 0);
  libvirt_quiet ();
  spreads_by_free_memory ();
  unplaceable_does_not_stop_others ();
  no_destination_or_guest ();
  stats_from_params ();
  printf ("test-migrate-plan: OK\n");
  return 0;
}
