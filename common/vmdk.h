/* vmshift: VMDK descriptors and snapshot chains.
 *
 * A VMDK disk is a descriptor (a small text file, or text embedded in a
 * monolithicSparse or streamOptimized file after its sparse header)
 * that lists extents (the files holding the data) and, for a snapshot,
 * names its parent with parentFileNameHint.  This module reads the
 * descriptor and checks that a whole chain is there and can be read by
 * QEMU's vmdk driver before anything is converted.  It never writes.
 *
 * Relative extent and parent names are resolved against the directory
 * of the descriptor that names them; absolute names are kept.
 */
#ifndef VMSHIFT_VMDK_H
#define VMSHIFT_VMDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vector.h"

#define VMDK_MAX_DESCRIPTOR (1024 * 1024) /* bytes, as QEMU reads */
#define VMDK_MAX_CHAIN 64                 /* disks in a snapshot chain */
#define VMDK_NO_PARENT 0xffffffffU        /* parentCID of a base disk */

enum vmdk_access {
  VMDK_ACCESS_RW,
  VMDK_ACCESS_RDONLY,
  VMDK_ACCESS_NOACCESS,
};

enum vmdk_extent_type {
  VMDK_EXTENT_FLAT,               /* raw data at an offset in a file */
  VMDK_EXTENT_SPARSE,             /* hosted sparse ("KDMV") file */
  VMDK_EXTENT_ZERO,               /* no file: reads as zeroes */
  VMDK_EXTENT_VMFS,               /* ESXi flat file */
  VMDK_EXTENT_VMFSSPARSE,         /* ESXi "COWD" delta */
  VMDK_EXTENT_SESPARSE,           /* ESXi 6.5+ SE sparse delta */
  VMDK_EXTENT_VMFSRDM,            /* raw device mapping (virtual) */
  VMDK_EXTENT_VMFSRAW,            /* raw device */
  VMDK_EXTENT_VMFSPASSTHROUGHRAW, /* raw device mapping (physical) */
};

struct vmdk_extent {
  enum vmdk_access access;
  uint64_t sectors; /* size in 512 byte sectors */
  enum vmdk_extent_type type;
  char *file;      /* as written; NULL for ZERO; owned */
  char *path;      /* resolved; NULL for ZERO; owned */
  uint64_t offset; /* start in the file, in sectors */
  int lineno;      /* line in the descriptor */
};

DEFINE_VECTOR_TYPE (vmdk_extent_vector, struct vmdk_extent);

struct vmdk {
  char *name;    /* file the descriptor came from; owned */
  bool embedded; /* inside a sparse file's header */
  int version;   /* "version=", 1 if absent */
  bool has_cid;
  uint32_t cid;
  uint32_t parent_cid; /* VMDK_NO_PARENT if absent */
  char *create_type;   /* owned; never NULL */
  char *parent_hint;   /* parentFileNameHint or NULL; owned */
  char *parent_path;   /* resolved parent or NULL; owned */
  char *adapter_type;  /* ddb.adapterType or NULL; owned */
  vmdk_extent_vector extents;
  uint64_t capacity; /* sum of the extents, in bytes */
};

/* Parses descriptor text.  name is used in error messages; dir (may be
 * NULL: names are then kept as written) is the directory that relative
 * extent and parent names are resolved against.  Parsing stops at the
 * first NUL byte (embedded descriptors are NUL padded).  A pure
 * function of its arguments.  Returns a descriptor the caller frees
 * with vmdk_free, or NULL with the error set.
 */
extern struct vmdk *vmdk_parse_descriptor (const char *name, const char *dir,
                                           const char *text, size_t len);

/* Reads the descriptor of the VMDK file at path: either a text
 * descriptor or the one embedded in a sparse file ("'PATH': not a VMDK
 * file" otherwise).  Does not look at extents or parents.  Returns a
 * descriptor the caller frees with vmdk_free, or NULL with the error
 * set.
 */
extern struct vmdk *vmdk_open (const char *path);

/* Reads the descriptor embedded in a single-file sparse VMDK
 * (streamOptimized, monolithicSparse) from head, the first len bytes
 * of its data (size bytes in all); the descriptor must lie within
 * them.  name is used in errors and as the extent's path.  A pure
 * function of its arguments: it checks neither the grain tables nor a
 * parent.  Returns a descriptor (embedded set) the caller frees with
 * vmdk_free, or NULL with the error set ("not a single-file sparse
 * VMDK" for anything else, a text descriptor included).
 */
extern struct vmdk *vmdk_parse_sparse (const char *name, const void *head,
                                       size_t len, uint64_t size);

extern void vmdk_free (struct vmdk *vmdk);

/* The QEMU block driver that reads this disk: "vmdk" (a static string),
 * or NULL with the error set when the descriptor uses something QEMU's
 * vmdk driver cannot read (createType, RDONLY/NOACCESS/ZERO extents,
 * raw device mappings).
 */
extern const char *vmdk_qemu_format (const struct vmdk *vmdk);

/* Opens the VMDK at path and checks everything QEMU will need to read
 * it: every extent exists, is readable and is large enough (for sparse
 * extents the header agrees with the descriptor and the metadata is in
 * the file), every descriptor is accepted by vmdk_qemu_format, and the
 * parents named by parentFileNameHint (followed at most VMDK_MAX_CHAIN
 * deep, loops refused) pass the same checks and carry the CID their
 * child expects.  If a parent hint is an absolute path that does not
 * exist (a datastore path of a VM copied elsewhere), the same file
 * name is tried in the child's directory.
 *
 * On success returns 0 and sets *capacity_out (may be NULL) to the top
 * disk's virtual size in bytes; if files_out is not NULL every file of
 * the chain (descriptors and extents, top first, no duplicates) is
 * appended to it as a new string the caller frees.  On failure returns
 * -1 with the error set, naming the file at fault, and leaves
 * files_out as it was.
 */
extern int vmdk_check_chain (const char *path, uint64_t *capacity_out,
                             string_vector *files_out);

/* "RW", "FLAT", ...: static strings, for messages. */
extern const char *vmdk_access_name (enum vmdk_access access);
extern const char *vmdk_extent_type_name (enum vmdk_extent_type type);

#endif /* VMSHIFT_VMDK_H */
