/* vmshift: reading little- and big-endian integers from byte buffers,
 * for the on-disk format parsers.
 */
#ifndef VMSHIFT_BYTE_ORDER_H
#define VMSHIFT_BYTE_ORDER_H

#include <stdint.h>

static inline uint16_t __attribute__ ((__unused__))
get_le16 (const unsigned char *p)
{
  return (uint16_t) (p[0] | p[1] << 8);
}

static inline uint32_t __attribute__ ((__unused__))
get_le32 (const unsigned char *p)
{
  return p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16
         | (uint32_t) p[3] << 24;
}

static inline uint16_t __attribute__ ((__unused__))
get_be16 (const unsigned char *p)
{
  return (uint16_t) (p[0] << 8 | p[1]);
}

static inline uint32_t __attribute__ ((__unused__))
get_be32 (const unsigned char *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8
         | p[3];
}

static inline uint64_t __attribute__ ((__unused__))
get_be64 (const unsigned char *p)
{
  return (uint64_t) get_be32 (p) << 32 | get_be32 (p + 4);
}

static inline uint64_t __attribute__ ((__unused__))
get_le64 (const unsigned char *p)
{
  return get_le32 (p) | (uint64_t) get_le32 (p + 4) << 32;
}

static inline void __attribute__ ((__unused__))
put_le16 (unsigned char *p, uint16_t v)
{
  p[0] = (unsigned char) v;
  p[1] = (unsigned char) (v >> 8);
}

static inline void __attribute__ ((__unused__))
put_le32 (unsigned char *p, uint32_t v)
{
  put_le16 (p, (uint16_t) v);
  put_le16 (p + 2, (uint16_t) (v >> 16));
}

static inline void __attribute__ ((__unused__))
put_le64 (unsigned char *p, uint64_t v)
{
  put_le32 (p, (uint32_t) v);
  put_le32 (p + 4, (uint32_t) (v >> 32));
}

#endif /* VMSHIFT_BYTE_ORDER_H */
