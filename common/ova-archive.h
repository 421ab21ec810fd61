/* vmshift: the members of an OVA (a tar file), read with libarchive.
 *
 * The whole file is mapped and given to libarchive as one block of
 * memory (archive_read_open_memory).  For a member of an uncompressed
 * tar, the data blocks libarchive returns are then pointers into the
 * mapping, so their distance from its start is the member's offset in
 * the file: its data can be used in place, and no tar header is parsed
 * here.  A member whose data is not one range of the mapping (the tar
 * is gzip-compressed, the member is sparse) is streamed through
 * libarchive instead.
 *
 * Opening refuses the whole OVA if any member is a link, a device or
 * the like, or has a name that is absolute or goes up a directory, or
 * if two members have the same name.
 */
#ifndef VMSHIFT_OVA_ARCHIVE_H
#define VMSHIFT_OVA_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vector.h"

#define OVA_MAX_MEMBERS 4096

struct ova_member {
  char *name;    /* "./" dropped; owned */
  uint64_t size; /* bytes */
  bool in_place; /* the data is bytes [offset, offset + size) of the file */
  uint64_t offset;
  size_t entry; /* position among the tar's entries (directories too) */
};

DEFINE_VECTOR_TYPE (ova_member_vector, struct ova_member);

struct ova_archive {
  char *path;               /* canonical; owned */
  const unsigned char *map; /* the whole file, read-only */
  uint64_t size;
  ova_member_vector members; /* regular files, in tar order */
};

/* Opens and indexes the OVA at path.  Returns a handle for
 * ova_archive_close, or NULL with the error set (naming path).
 */
extern struct ova_archive *ova_archive_open (const char *path);

extern void ova_archive_close (struct ova_archive *ova);

/* The member called name ("./" ignored), or NULL. */
extern const struct ova_member *
ova_archive_find (const struct ova_archive *ova, const char *name);

/* A stream of bytes: a member's data, a plain file's, or another
 * stream's, gunzipped.
 */
struct ova_stream;

/* Streams member m of ova (which must outlive the stream).  NULL with
 * the error set on failure.
 */
extern struct ova_stream *ova_stream_member (const struct ova_archive *ova,
                                             const struct ova_member *m);

/* Streams the regular file at path.  NULL with the error set. */
extern struct ova_stream *ova_stream_file (const char *path);

/* Streams the gunzipped data of raw, which the new stream owns (and
 * closes, even on failure).  "not gzip-compressed" if raw is not.
 */
extern struct ova_stream *ova_stream_gunzip (struct ova_stream *raw);

/* Points *buf at the next block (valid until the next call) and returns
 * its length; 0 at the end; -1 with the error set (a read error, a
 * truncated member, corrupt compressed data).
 */
extern ssize_t ova_stream_read (struct ova_stream *s, const void **buf);

/* Reads up to max bytes into buf; returns how many (fewer at the end),
 * or -1 with the error set.
 */
extern ssize_t ova_stream_read_head (struct ova_stream *s, void *buf,
                                     size_t max);

/* How far the stream is through its stored bytes (for a gunzip
 * stream, the compressed ones): *done of *total.
 */
extern void ova_stream_progress (const struct ova_stream *s, uint64_t *done,
                                 uint64_t *total);

/* The stream's name for messages (static while it lives). */
extern const char *ova_stream_name (const struct ova_stream *s);

extern void ova_stream_close (struct ova_stream *s);

#endif /* VMSHIFT_OVA_ARCHIVE_H */
