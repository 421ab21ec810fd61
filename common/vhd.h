/* vmshift: Hyper-V's disk files, VHD and VHDX.
 *
 * Reads just enough of a .vhd or .vhdx file to tell which QEMU driver
 * opens it, its virtual size, and whether it is a differencing disk (a
 * Hyper-V checkpoint, .avhd or .avhdx).  QEMU cannot read those: its
 * vhdx driver refuses them, and its vpc driver reads one without its
 * parent, as if the parent's data were zeroes.  Never writes.
 *
 * VHD: a 512 byte footer ("conectix", big-endian) at the end of the
 * file, copied at offset 0 in dynamic and differencing disks; QEMU reads
 * the copy at 0 first, and so do we.  VHDX: "vhdxfile" at offset 0, a
 * region table at 192 KiB (a copy at 256 KiB) locating the metadata
 * region, whose table holds the file parameters (the HasParent flag)
 * and the virtual disk size (little-endian, GUIDs in Microsoft's mixed
 * byte order).
 */
#ifndef VMSHIFT_VHD_H
#define VMSHIFT_VHD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct vhd_info {
  const char *format; /* QEMU's name: "vpc" or "vhdx" (static string) */
  uint64_t capacity;  /* virtual size in bytes */
  bool differencing;  /* has a parent: a checkpoint */
};

/* Reads the file at path as the format its name says: ".vhd" and
 * ".avhd" VHD, ".vhdx" and ".avhdx" VHDX (any case).  The name decides
 * and the content must agree: a fixed VHD's first sector is the guest's
 * to write and must not be able to pass for a VHDX.  Returns 0 with
 * *info set, or -1 with the error set ("'PATH' is not a VHDX file").
 */
extern int vhd_read_info (const char *path, struct vhd_info *info);

/* Where vhd_parse reads a file: read reads up to n bytes at offset
 * into buf and returns the count (0 at the end of the file), or -1 with
 * the error set; size is the file's size; what names it in errors.
 */
struct vhd_source {
  ssize_t (*read) (void *opaque, void *buf, size_t n, uint64_t offset);
  void *opaque;
  uint64_t size;
  const char *what;
};

/* The parser vhd_read_info runs once it has opened the file (and
 * fuzz-vhd.c runs on bytes in memory): reads src as a VHDX file if vhdx,
 * else as a VHD file.  Same return as vhd_read_info.
 */
extern int vhd_parse (const struct vhd_source *src, bool vhdx,
                      struct vhd_info *info);

/* Is name a Hyper-V disk file name (.vhd, .vhdx, .avhd, .avhdx)? */
extern bool vhd_is_disk_name (const char *name);

#endif /* VMSHIFT_VHD_H */
