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

#endif /* VMSHIFT_BYTE_ORDER_H */
