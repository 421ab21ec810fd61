/* vmshift: disk device names in guest configuration, as pure text
 * functions (no libguestfs), so they can be unit tested and fuzzed.
 */
#ifndef VMSHIFT_DEVNAME_H
#define VMSHIFT_DEVNAME_H

#include <stdbool.h>

/* A parsed device name. */
struct devname {
  char family[8]; /* "sd", "hd", "vd", "xvd", "nvme", "scsi" (by-path) */
  int nth;        /* disk index within the family (sdb: 1), or for
                     "scsi" the SCSI target */
  int part;       /* partition number, 0 for the whole disk */
};

/* Parses "/dev/sdb2", "/dev/hda1", "/dev/xvda", "/dev/nvme0n1p2",
 * "/dev/disk/by-path/...-scsi-0:0:1:0-part1".  Returns 0, or -1 (no
 * error set) if name is not such a device name.
 */
extern int devname_parse (const char *name, struct devname *out);

/* Maps a device name to its replacement ("UUID=..."), or NULL to leave
 * it.  The returned string is freed by the caller.
 */
typedef char *(*devname_mapper) (void *opaque, const char *devname);

/* Rewrites "root=/dev/..." and "resume=/dev/..." kernel parameters
 * (also KEY="/dev/..." in shell-style files) through map.  Returns a new
 * string and sets *changes, or NULL with the error set.
 */
extern char *rewrite_cmdline_refs (const char *text, devname_mapper map,
                                   void *opaque, int *changes);

/* Rewrites whitespace-separated field number `field` (0-based) of every
 * non-comment line when it is a /dev/ name that map replaces (fstab:
 * field 0; crypttab: field 1).  Returns a new string and sets *changes,
 * or NULL with the error set.
 */
extern char *rewrite_table_field (const char *text, int field,
                                  devname_mapper map, void *opaque,
                                  int *changes);

#endif /* VMSHIFT_DEVNAME_H */
