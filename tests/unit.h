/* vmshift: helpers for the unit tests (tests/test-*.c). */
#ifndef VMSHIFT_TESTS_UNIT_H
#define VMSHIFT_TESTS_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* Aborts unless the last error contains want. */
static inline void __attribute__ ((__unused__)) expect_error (const char *want)
{
  if (strstr (get_error (), want) == NULL) {
    fprintf (stderr, "error '%s' does not contain '%s'\n", get_error (), want);
    abort ();
  }
}

/* Little-endian stores, for building binary headers. */
static inline void __attribute__ ((__unused__))
put32 (unsigned char *b, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    b[i] = v >> (8 * i);
}

static inline void __attribute__ ((__unused__))
put64 (unsigned char *b, uint64_t v)
{
  for (int i = 0; i < 8; ++i)
    b[i] = v >> (8 * i);
}

#endif /* VMSHIFT_TESTS_UNIT_H */
