/* vmshift: what the libFuzzer harnesses (tests/fuzz/fuzz-*.c) share.
 *
 * Each harness defines LLVMFuzzerTestOneInput, calls one parser on the
 * fuzzer's bytes and frees everything, so that LeakSanitizer sees a
 * leak as a crash.  Errors are only recorded (errors.h), never printed.
 */
#ifndef VMSHIFT_FUZZ_HELPERS_H
#define VMSHIFT_FUZZ_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fs-used.h"

extern int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A NUL-terminated copy of data (for parsers of C strings; an embedded
 * NUL simply ends the text early).  Aborts when out of memory.
 */
extern char *fuzz_strndup (const uint8_t *data, size_t size);

/* A disk image held in memory: the fuzzer's bytes are its head, the
 * rest of its size bytes read as zeros (a sparse file).
 */
struct fuzz_image {
  const uint8_t *p;
  size_t len;
  uint64_t size;
};

/* The filesystem harnesses' input: a 4-byte little-endian size in
 * 4 KiB blocks (at most FUZZ_IMAGE_MAX bytes are taken), then the
 * image's head.  -1 if the input is too short.
 */
#define FUZZ_IMAGE_MAX (64ULL << 20)
extern int fuzz_image (const uint8_t *data, size_t size,
                       struct fuzz_image *img);

/* fs_read_fn over a struct fuzz_image. */
extern int fuzz_image_read (void *opaque, void *buf, size_t len,
                            uint64_t offset);

/* initramfs_reader over a struct fuzz_image (counts, short at the end). */
extern ssize_t fuzz_image_pread (void *opaque, void *buf, size_t n,
                                 uint64_t off);

/* Checks the used ranges a filesystem reader appended against fs-used.h's
 * promise (sorted, apart, not empty, within size) and plans p2v chunks
 * over them as p2v capture does; aborts if the promise is broken.
 */
extern void fuzz_check_used (const range_vector *used, uint64_t size);

/* Runs a filesystem reader over the image an input describes (see
 * fuzz_image) and checks what it appended.
 */
typedef int (*fuzz_fs_reader) (fs_read_fn rd, void *opaque, uint64_t size,
                               range_vector *used);
extern void fuzz_fs_used (fuzz_fs_reader reader, const uint8_t *data,
                          size_t size);

/* For parsers that only take a path: a scratch file in $TMPDIR (or
 * /tmp) named "vmshift-fuzz-PID" with suffix appended, made by the
 * first fuzz_scratch_reset and removed at exit:
 *
 *   static struct fuzz_scratch file = { .suffix = ".vhd" };
 *
 * fuzz_scratch_reset empties it and sets its size (zeros, sparse);
 * fuzz_scratch_put writes len bytes at offset.  Abort on failure: the
 * harness cannot go on without its file.
 */
struct fuzz_scratch {
  const char *suffix;
  char path[256]; /* "" until made */
  int fd;
};
extern void fuzz_scratch_reset (struct fuzz_scratch *s, uint64_t size);
extern void fuzz_scratch_put (struct fuzz_scratch *s, const void *data,
                              size_t len, uint64_t offset);

#endif /* VMSHIFT_FUZZ_HELPERS_H */
