/* vmshift: checks an input driver makes on a source's disk files.
 *
 * Every input driver promises (input.h) that the disks it describes
 * exist and can be read.  These helpers make the checks in one way with
 * one wording: errors read "'SOURCE': disk 'LABEL' ...", LABEL being how
 * the source names the disk ("scsi0:0", "IDE 0:1", "vda").
 */
#ifndef VMSHIFT_DISK_FILE_H
#define VMSHIFT_DISK_FILE_H

#include <stdint.h>

/* Fails with "'SOURCE': disk 'LABEL' file 'PATH' does not exist" if path
 * (followed through symlinks: a dangling one is missing too) is not
 * there.  Other stat failures are left for opening to report.  0 or -1.
 */
extern int disk_file_exists (const char *source, const char *label,
                             const char *path);

/* The directory part of path: "." if it has none.  Returns a string the
 * caller frees, or NULL with the error set.
 */
extern char *disk_file_dirname (const char *path);

#endif /* VMSHIFT_DISK_FILE_H */
