/* vmshift: GRUB legacy (grub.conf / menu.lst) as pure text functions, so
 * they can be unit tested and fuzzed.  The Xen PV guests of the RHEL 5 /
 * SLES 11 era boot through pygrub from such a file, and their default
 * entry is often a Xen-only kernel.
 */
#ifndef VMSHIFT_GRUB_LEGACY_H
#define VMSHIFT_GRUB_LEGACY_H

#include <stdbool.h>

/* Kernels built only for Xen PV ("2.6.18-398.el5xen", "2.6.32-5-xen-amd64",
 * SLES "3.0.101-63-xen", "-xenU", the hypervisor "xen.gz") have no virtio
 * and cannot boot on KVM or bare hardware: true for a version or path
 * naming one.
 */
extern bool kernel_is_xen_only (const char *kver_or_path);

/* Decides whether a kernel (the path after "kernel") must never boot. */
typedef bool (*grub_kernel_filter) (const char *kernel_path);

/* If the entry "default=N" (or "default N"; 0 when absent) selects boots
 * a kernel that bad() refuses, points default at the first entry whose
 * kernel it accepts.  Returns a new string and sets *changes (0 or 1),
 * or NULL with the error set.  Leaves the text alone (no change) when
 * every entry is refused or "default saved" is used.
 */
extern char *grub_legacy_fix_default (const char *text, grub_kernel_filter bad,
                                      int *changes);

#endif /* VMSHIFT_GRUB_LEGACY_H */
