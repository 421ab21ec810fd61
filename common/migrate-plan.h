/* vmshift: where each guest goes when a host is evacuated.
 *
 * Pure: no I/O.  Guests are placed largest first, each on the
 * destination with the most memory left after the guests already placed
 * there (so the load spreads by free memory); a guest that fits nowhere
 * is left unplaced, and the others still go.
 */
#ifndef VMSHIFT_MIGRATE_PLAN_H
#define VMSHIFT_MIGRATE_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct plan_guest {
  const char *name;
  uint64_t memory;   /* bytes the guest needs on a destination */
  int dest;          /* out: index into the destinations, -1: none fits */
};

/* Fills guests[i].dest for each of the n guests, given avail[j] bytes
 * on each of the ndest destinations.  Also reorders guests: largest
 * first, which is the order to start them in (ties keep their order).
 */
extern void migrate_plan (struct plan_guest *guests, size_t n,
                          const uint64_t *avail, size_t ndest);

#endif /* VMSHIFT_MIGRATE_PLAN_H */
