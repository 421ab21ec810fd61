/* p2v iso: building the LiveCD's root filesystem in a staging
 * directory.  Each function returns 0, or -1 with the error set.
 */
#ifndef P2V_ISO_H
#define P2V_ISO_H

#include <stddef.h>
#include <sys/types.h>

/* live-init.c: the scripts, NUL-terminated. */
extern const char p2v_live_init_sh[];
extern const char p2v_udhcpc_sh[];

/* iso-stage.c */

/* Makes root/dir and its missing parents (mode 0755). */
extern int iso_mkdirs (const char *root, const char *dir);

/* Writes text to root/dest (parents made) with mode. */
extern int iso_write_file (const char *root, const char *dest,
                           const char *text, mode_t mode);

/* Copies the file src (symlinks followed) to root/dest with mode. */
extern int iso_copy_file (const char *root, const char *src, const char *dest,
                          mode_t mode);

/* Copies the program src to root/dest and each shared library ldd says
 * it needs (with the dynamic loader) to the same path under root.
 */
extern int iso_copy_program (const char *root, const char *src,
                             const char *dest);

/* Copies the static busybox to root/bin/busybox with a symlink for each
 * of its applets where root has no file yet.  *applets gets their
 * number.
 */
extern int iso_stage_busybox (const char *root, size_t *applets);

/* iso-modules.c */

/* Copies to root/lib/modules/KVER the drivers a server needs to reach
 * its disks, CD, USB sticks and network (those this kernel has) with
 * what they depend on, decompressed, then runs depmod there.  *count
 * gets the number of modules.
 */
extern int iso_stage_modules (const char *root, const char *kver,
                              size_t *count);

#endif /* P2V_ISO_H */
