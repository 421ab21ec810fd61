/* vmshift: fixed-size bitmaps (bitmap.h). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "errors.h"

#define WORDS(bits) (((bits) + 63) / 64)

int
bitmap_init (struct bitmap *b, uint64_t bits)
{
  b->bits = bits;
  b->w = calloc (WORDS (bits) ? WORDS (bits) : 1, sizeof *b->w);
  if (b->w == NULL) {
    set_error (errno, "out of memory for a %llu-bit bitmap",
               (unsigned long long) bits);
    return -1;
  }
  return 0;
}

void
bitmap_free (struct bitmap *b)
{
  free (b->w);
  b->w = NULL;
  b->bits = 0;
}

void
bitmap_clear_all (struct bitmap *b)
{
  memset (b->w, 0, WORDS (b->bits) * sizeof *b->w);
}

void
bitmap_set_range (struct bitmap *b, uint64_t first, uint64_t n)
{
  uint64_t end;

  if (first >= b->bits)
    return;
  end = n > b->bits - first ? b->bits : first + n;
  while (first < end && first % 64)
    b->w[first / 64] |= UINT64_C (1) << (first % 64), ++first;
  while (first + 64 <= end)
    b->w[first / 64] = ~UINT64_C (0), first += 64;
  while (first < end)
    b->w[first / 64] |= UINT64_C (1) << (first % 64), ++first;
}

bool
bitmap_test (const struct bitmap *b, uint64_t i)
{
  return i < b->bits && (b->w[i / 64] >> (i % 64) & 1);
}

static uint64_t
next (const struct bitmap *b, uint64_t i, uint64_t flip)
{
  while (i < b->bits) {
    uint64_t w = (b->w[i / 64] ^ flip) >> (i % 64);
    if (w) {
      i += (uint64_t) __builtin_ctzll (w);
      return i < b->bits ? i : b->bits;
    }
    i = (i / 64 + 1) * 64;
  }
  return b->bits;
}

uint64_t
bitmap_next_set (const struct bitmap *b, uint64_t i)
{
  return next (b, i, 0);
}

uint64_t
bitmap_next_clear (const struct bitmap *b, uint64_t i)
{
  return next (b, i, ~UINT64_C (0));
}

uint64_t
bitmap_count (const struct bitmap *b)
{
  uint64_t n = 0;

  for (uint64_t i = 0; i < WORDS (b->bits); ++i)
    n += (uint64_t) __builtin_popcountll (b->w[i]);
  return n;
}

void
bitmap_or (struct bitmap *dst, const struct bitmap *src)
{
  for (uint64_t i = 0; i < WORDS (dst->bits); ++i)
    dst->w[i] |= src->w[i];
}

void
bitmap_and (struct bitmap *dst, const struct bitmap *src)
{
  for (uint64_t i = 0; i < WORDS (dst->bits); ++i)
    dst->w[i] &= src->w[i];
}

void
bitmap_and_not (struct bitmap *dst, const struct bitmap *src)
{
  for (uint64_t i = 0; i < WORDS (dst->bits); ++i)
    dst->w[i] &= ~src->w[i];
}

void
bitmap_copy (struct bitmap *dst, const struct bitmap *src)
{
  memcpy (dst->w, src->w, WORDS (dst->bits) * sizeof *dst->w);
}
