/* vmshift: the block manifest of p2v agent's rounds.
 *
 * A disk is cut into fixed-size blocks (the last may be short); the
 * manifest holds the XXH3-128 of each block as the receiver has it, so
 * the agent sends a block only when its hash changed.  Both ends keep
 * one, and they must match: the digest, a sum over the blocks of
 * XXH3-64 (entry, seed = block number), is updated block by block and
 * compared after every round.
 *
 * File: a 64-byte header, then 16 bytes per block.
 *   0  "VMSMANI1"
 *   8  block size (le32), 12 zero (le32)
 *  16  disk size (le64)
 *  24  rounds committed (le64)
 *  32  digest (le64), 40..63 zero
 */
#ifndef VMSHIFT_BLOCK_MANIFEST_H
#define VMSHIFT_BLOCK_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define MANIFEST_HEADER 64
#define MANIFEST_ENTRY 16
#define MANIFEST_MIN_BLOCK 4096u
#define MANIFEST_MAX_BLOCK (4u << 20)

struct manifest_header {
  uint32_t block_size;
  uint64_t disk_size;
  uint64_t rounds;
  uint64_t digest;
};

extern void manifest_header_encode (const struct manifest_header *h,
                                    uint8_t out[MANIFEST_HEADER]);
/* Checks the magic, a power-of-two block size in range, a disk size.
 * 0, or -1 with the error set.
 */
extern int manifest_header_decode (const uint8_t in[MANIFEST_HEADER],
                                   struct manifest_header *h);

extern uint64_t manifest_blocks (uint64_t disk_size, uint32_t block_size);

/* The entry for len bytes of a block. */
extern void manifest_entry (const void *buf, size_t len,
                            uint8_t out[MANIFEST_ENTRY]);

/* Block number block's share of the digest. */
extern uint64_t manifest_term (uint64_t block,
                               const uint8_t entry[MANIFEST_ENTRY]);

/* Creates (replaces) path: a disk of zeros, no round committed.
 * 0, or -1 with the error set.
 */
extern int manifest_create (const char *path, uint64_t disk_size,
                            uint32_t block_size);

extern int manifest_read_header (int fd, struct manifest_header *h);
extern int manifest_write_header (int fd, const struct manifest_header *h);

/* Reads the whole file and checks its length and digest against its
 * header, which it returns.  0, or -1 with the error set.
 */
extern int manifest_check (int fd, struct manifest_header *h);

/* Entries first .. first+n-1 into out, or from in; 0 or -1. */
extern int manifest_get (int fd, uint64_t first, size_t n, uint8_t *out);
extern int manifest_put (int fd, uint64_t first, size_t n, const uint8_t *in);

#endif /* VMSHIFT_BLOCK_MANIFEST_H */
