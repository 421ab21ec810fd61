/* vmshift: OVA manifests (.mf files).
 *
 * A manifest lists a checksum for files of the package, one a line:
 *
 *   SHA256(disk1.vmdk)= 3b5d...
 *   SHA1 (web01.ovf) = 8f1c...
 *
 * (VMware writes the first spelling, VirtualBox and older OVF tools
 * the first or the second; SHA512 comes from ovftool --shaAlgorithm).
 */
#ifndef VMSHIFT_OVA_MANIFEST_H
#define VMSHIFT_OVA_MANIFEST_H

#include <stddef.h>

#include <nettle/nettle-meta.h>

#include "vector.h"

#define OVA_MANIFEST_MAX_ENTRIES 4096
#define OVA_MANIFEST_MAX_DIGEST 64 /* bytes: SHA512 */

struct ova_manifest_entry {
  char *file;                     /* as written; owned */
  const char *alg;                /* "SHA1", "SHA256", "SHA512": static */
  const struct nettle_hash *hash; /* &nettle_sha1, ... */
  char hex[2 * OVA_MANIFEST_MAX_DIGEST + 1]; /* lowercase */
  int lineno;
};

DEFINE_VECTOR_TYPE (ova_manifest, struct ova_manifest_entry);

/* Parses the manifest text buf (len bytes; what names it in errors,
 * with the line).  Blank lines are skipped; anything else that is not
 * a checksum line of a known algorithm with a digest of the right
 * length is an error.  A pure function of its arguments.  Returns 0
 * and appends the entries to *out (the caller frees them with
 * ova_manifest_free), or -1 with the error set and *out as it was.
 */
extern int ova_manifest_parse (const char *buf, size_t len, const char *what,
                               ova_manifest *out);

/* Frees the entries and the vector; *m is empty. */
extern void ova_manifest_free (ova_manifest *m);

/* Writes digest (len bytes) as lowercase hex and a NUL to out, which
 * holds 2 * len + 1 bytes.
 */
extern void ova_hex (const unsigned char *digest, size_t len, char *out);

#endif /* VMSHIFT_OVA_MANIFEST_H */
