/* vmshift: a fixed-size bitmap (one bit per disk block), for p2v agent's
 * used, dirty and examined sets.
 */
#ifndef VMSHIFT_BITMAP_H
#define VMSHIFT_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

struct bitmap {
  uint64_t *w;
  uint64_t bits;
};

/* 0, or -1 with the error set (out of memory). */
extern int bitmap_init (struct bitmap *b, uint64_t bits);
extern void bitmap_free (struct bitmap *b);
extern void bitmap_clear_all (struct bitmap *b);
/* Sets bits [first, first + n), clipped to the bitmap. */
extern void bitmap_set_range (struct bitmap *b, uint64_t first, uint64_t n);
extern bool bitmap_test (const struct bitmap *b, uint64_t i);
/* The first set (or clear) bit at or after i, or b->bits. */
extern uint64_t bitmap_next_set (const struct bitmap *b, uint64_t i);
extern uint64_t bitmap_next_clear (const struct bitmap *b, uint64_t i);
extern uint64_t bitmap_count (const struct bitmap *b);
/* dst |= src, dst &= src, dst &= ~src (same sizes). */
extern void bitmap_or (struct bitmap *dst, const struct bitmap *src);
extern void bitmap_and (struct bitmap *dst, const struct bitmap *src);
extern void bitmap_and_not (struct bitmap *dst, const struct bitmap *src);
extern void bitmap_copy (struct bitmap *dst, const struct bitmap *src);

#endif /* VMSHIFT_BITMAP_H */
