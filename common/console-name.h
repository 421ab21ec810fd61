/* vmshift: hypervisor consoles in guest configuration, as pure text
 * functions (no libguestfs), so they can be unit tested and fuzzed.
 *
 * Xen PV guests talk on hvc0 (xvc0 on old kernels); on KVM (and on real
 * hardware) the console is the first serial port, ttyS0.
 */
#ifndef VMSHIFT_CONSOLE_NAME_H
#define VMSHIFT_CONSOLE_NAME_H

/* Is name ("hvc0", "xvc0") a Xen PV console? */
extern int console_is_xen (const char *name, unsigned long len);

/* Rewrites every "console=hvc0" / "console=xvc0" (any options after a
 * comma are dropped) as "console=ttyS0" in kernel command lines and
 * files that hold them (grub.cfg, /etc/default/grub, BLS entries).
 * Returns a new string and sets *changes, or NULL with the error set.
 */
extern char *rewrite_cmdline_consoles (const char *text, int *changes);

/* Rewrites the terminal of getty lines in /etc/inittab ("co:2345:respawn:
 * /sbin/getty hvc0 9600 vt102") to ttyS0.  Same return.
 */
extern char *rewrite_inittab_consoles (const char *text, int *changes);

#endif /* VMSHIFT_CONSOLE_NAME_H */
