/* vmshift: typed growable vectors, in the manner of nbdkit's vector.h.
 *
 *   DEFINE_VECTOR_TYPE (string_vector, char *);
 *   string_vector v = empty_vector;
 *   if (string_vector_append (&v, s) == -1) ...
 *   ... v.ptr[i], v.len ...
 *   free (v.ptr);
 */
#ifndef VMSHIFT_VECTOR_H
#define VMSHIFT_VECTOR_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Grows *ptr (of *cap elements of itemsize bytes) to hold at least
 * n more than len.  Returns -1 with errno set on overflow or ENOMEM.
 */
extern int generic_vector_reserve (void **ptr, size_t *cap, size_t len,
                                   size_t n, size_t itemsize);

#define DEFINE_VECTOR_TYPE(name, type)                                        \
  typedef struct {                                                            \
    type *ptr;                                                                \
    size_t len;                                                               \
    size_t cap;                                                               \
  } name;                                                                     \
                                                                              \
  static inline int __attribute__ ((__unused__))                              \
  name##_reserve (name *v, size_t n)                                          \
  {                                                                           \
    return generic_vector_reserve ((void **) &v->ptr, &v->cap, v->len, n,     \
                                   sizeof (type));                            \
  }                                                                           \
                                                                              \
  static inline int __attribute__ ((__unused__))                              \
  name##_append (name *v, type elem)                                          \
  {                                                                           \
    if (v->len >= v->cap && name##_reserve (v, 1) == -1)                      \
      return -1;                                                              \
    v->ptr[v->len++] = elem;                                                  \
    return 0;                                                                 \
  }                                                                           \
                                                                              \
  static inline void __attribute__ ((__unused__))                             \
  name##_iter (name *v, void (*f) (type elem))                                \
  {                                                                           \
    for (size_t i = 0; i < v->len; ++i)                                       \
      f (v->ptr[i]);                                                          \
  }                                                                           \
                                                                              \
  static inline void __attribute__ ((__unused__)) name##_reset (name *v)      \
  {                                                                           \
    free (v->ptr);                                                            \
    v->ptr = NULL;                                                            \
    v->len = v->cap = 0;                                                      \
  }

#define empty_vector                                                          \
  {                                                                           \
    .ptr = NULL, .len = 0, .cap = 0                                           \
  }

DEFINE_VECTOR_TYPE (string_vector, char *);

/* Frees every string in *v, then the vector's storage; *v is empty. */
extern void free_string_vector (string_vector *v);

/* Appends a formatted string to *v.  Never fails: a string that cannot
 * be made or stored is dropped (for warnings, which must not turn into
 * errors).
 */
extern void string_vector_appendf (string_vector *v, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
extern void string_vector_vappendf (string_vector *v, const char *fmt,
                                    va_list args)
    __attribute__ ((format (printf, 2, 0)));

#endif /* VMSHIFT_VECTOR_H */
