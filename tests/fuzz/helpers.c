/* vmshift: what the libFuzzer harnesses share (helpers.h). */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "byte-order.h"
#include "errors.h"
#include "helpers.h"
#include "p2v-proto.h"

char *
fuzz_strndup (const uint8_t *data, size_t size)
{
  char *s = malloc (size + 1);

  if (s == NULL)
    abort ();
  memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

static void
ignore_generic (void *ctx, const char *msg, ...)
{}

static void
ignore_structured (void *ctx, xmlErrorPtr error)
{}

/* libxml2 prints what it cannot parse unless told not to: no harness
 * wants that (per input, it slows fuzzing).
 */
static void __attribute__ ((constructor)) quiet_xml (void)
{
  xmlSetGenericErrorFunc (NULL, ignore_generic);
  xmlSetStructuredErrorFunc (NULL, ignore_structured);
}

int
fuzz_image (const uint8_t *data, size_t size, struct fuzz_image *img)
{
  uint64_t blocks;

  if (size < 4)
    return -1;
  blocks = get_le32 (data);
  img->p = data + 4;
  img->len = size - 4;
  img->size = blocks * 4096;
  if (img->size > FUZZ_IMAGE_MAX)
    img->size = FUZZ_IMAGE_MAX;
  if (img->size < img->len)
    img->size = img->len;
  return 0;
}

/* Copies [offset, offset+len) of the image, zeros past its head. */
static void
image_copy (const struct fuzz_image *img, void *buf, size_t len,
            uint64_t offset)
{
  size_t have = 0;

  if (offset < img->len) {
    have = img->len - offset < len ? img->len - offset : len;
    memcpy (buf, img->p + offset, have);
  }
  memset ((char *) buf + have, 0, len - have);
}

int
fuzz_image_read (void *opaque, void *buf, size_t len, uint64_t offset)
{
  const struct fuzz_image *img = opaque;

  if (offset > img->size || len > img->size - offset) {
    set_error (0, "read past the end of the image");
    return -1;
  }
  image_copy (img, buf, len, offset);
  return 0;
}

ssize_t
fuzz_image_pread (void *opaque, void *buf, size_t n, uint64_t off)
{
  const struct fuzz_image *img = opaque;

  if (off >= img->size)
    return 0;
  if (n > img->size - off)
    n = img->size - off;
  image_copy (img, buf, n, off);
  return n;
}

void
fuzz_check_used (const range_vector *used, uint64_t size)
{
  p2v_chunk_vector chunks = empty_vector;
  uint64_t end = 0;

  for (size_t i = 0; i < used->len; ++i) {
    const struct byte_range *r = &used->ptr[i];

    if (r->len == 0 || (i > 0 && r->start <= end) || r->start > size
        || r->len > size - r->start)
      abort ();
    end = r->start + r->len;
  }
  if (p2v_plan (used, size, &chunks) == 0)
    p2v_plan_hash (chunks.ptr, chunks.len, size);
  free (chunks.ptr);
}

void
fuzz_fs_used (fuzz_fs_reader reader, const uint8_t *data, size_t size)
{
  range_vector used = empty_vector;
  struct fuzz_image img;

  if (fuzz_image (data, size, &img) == -1)
    return;
  if (reader (fuzz_image_read, &img, img.size, &used) == 1)
    fuzz_check_used (&used, img.size);
  free (used.ptr);
}

/* The scratch files made, removed at exit. */
#define MAX_SCRATCH 4
static const char *scratch_paths[MAX_SCRATCH];
static size_t nscratch;

static void
remove_scratch (void)
{
  for (size_t i = 0; i < nscratch; ++i)
    unlink (scratch_paths[i]);
}

static void
scratch_open (struct fuzz_scratch *s)
{
  const char *dir = getenv ("TMPDIR");

  snprintf (s->path, sizeof s->path, "%s/vmshift-fuzz-%ld%s",
            dir && *dir ? dir : "/tmp", (long) getpid (), s->suffix);
  s->fd = open (s->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (s->fd == -1 || nscratch == MAX_SCRATCH) {
    perror (s->path);
    abort ();
  }
  if (nscratch == 0)
    atexit (remove_scratch);
  scratch_paths[nscratch++] = s->path;
}

void
fuzz_scratch_reset (struct fuzz_scratch *s, uint64_t size)
{
  if (s->path[0] == '\0')
    scratch_open (s);
  if (ftruncate (s->fd, 0) == -1 || ftruncate (s->fd, size) == -1) {
    perror (s->path);
    abort ();
  }
}

void
fuzz_scratch_put (struct fuzz_scratch *s, const void *data, size_t len,
                  uint64_t offset)
{
  if (len > 0 && pwrite (s->fd, data, len, offset) != (ssize_t) len) {
    perror (s->path);
    abort ();
  }
}
