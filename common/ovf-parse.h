/* vmshift: OVF descriptors (the .ovf of an OVA or OVF package).
 *
 * Reads what VMware (ovftool, vSphere, Workstation) and VirtualBox
 * export, OVF 1.x and 2.x, into the neutral model.  Every element and
 * attribute is matched by its local name, so either envelope namespace
 * and any prefix works.  The choices (defaults, what is ignored) are
 * listed in ovf-parse.c.
 */
#ifndef VMSHIFT_OVF_PARSE_H
#define VMSHIFT_OVF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vector.h"
#include "vm.h"

#define OVF_MAX_BYTES (16 * 1024 * 1024) /* a .ovf larger is refused */
#define OVF_MAX_DISKS 64
#define OVF_MAX_NICS 64

/* Where a disk's data is: a file of the package. */
struct ovf_file {
  char *href;    /* ovf:href, a relative name ("./" dropped); owned */
  char *disk_id; /* ovf:diskId (or the file's ovf:id), for errors; owned */
  bool gzip;     /* stored gzip-compressed (ovf:compression, ".gz") */
};

DEFINE_VECTOR_TYPE (ovf_file_vector, struct ovf_file);

struct ovf {
  struct vm vm;           /* the disks' path is NULL: see files */
  ovf_file_vector files;  /* files.ptr[i] holds vm.disks.ptr[i] */
  string_vector warnings; /* for input_warn; owned */
};

/* Parses the OVF descriptor buf (len bytes; what names it in errors)
 * with xml-util's untrusted parser.  A pure function of its arguments.
 * Returns 0 with *out filled (the caller frees it with ovf_free), or -1
 * with the error set and *out empty.
 */
extern int ovf_parse (const char *buf, size_t len, const char *what,
                      struct ovf *out);

extern void ovf_free (struct ovf *ovf);

/* Is name a safe relative name inside a package (not empty, not
 * absolute, no ".." component, no backslash)?  NULL if so, else why
 * not ("is absolute", ...), a static string.
 */
extern const char *ovf_unsafe_name (const char *name);

/* name without any leading "./" (a pointer into name). */
extern const char *ovf_skip_dot_slash (const char *name);

/* Parses CIM programmatic units ("byte", "byte * 2^30", "byte * 1024",
 * "MegaBytes") into a multiplier.  0, or -1 (no error set) if s is not
 * units of bytes or the multiplier does not fit in 64 bits.
 */
extern int ovf_parse_units (const char *s, uint64_t *mult);

#endif /* VMSHIFT_OVF_PARSE_H */
