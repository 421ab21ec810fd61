/* vmshift: guest conversion through libguestfs.
 *
 * One libguestfs handle is launched once on writable overlays (never on
 * the source) and a list of small steps edits the guest so that it boots
 * on its new hardware.  Each step is a function of struct guest; the
 * front end runs them in order, timing each (see guest_steps).
 */
#ifndef VMSHIFT_GUEST_H
#define VMSHIFT_GUEST_H

#include <stdbool.h>
#include <guestfs.h>

#include "netcfg.h"
#include "vector.h"
#include "vm.h"

enum guest_target {
  TARGET_KVM,      /* virtio disk and NIC */
  TARGET_PHYSICAL, /* generic drivers (v2p) */
};

struct guest {
  guestfs_h *g;
  const struct vm *vm; /* the source model (not owned) */
  enum guest_target target;
  /* v2p: --mac VMMAC=PHYSMAC as pairs "vm", "phys", ..., NULL-ended, MACs
   * normalised (not owned; set by the caller after guest_open).
   */
  char *const *mac_map;

  /* From inspection. */
  char *root;           /* root filesystem device */
  char *type;           /* "linux" */
  char *distro;         /* "debian", "fedora", "rhel", ... */
  char *package_format; /* "deb", "rpm", ... */
  int major, minor;
  bool systemd;       /* /run/systemd-style init in the guest */
  bool uefi;          /* converting a UEFI guest */
  char **devices;     /* appliance whole-disk devices, in
                         source order (owned, NULL-ended) */
  char **filesystems; /* guestfs_list_filesystems: device,
                         type, ... (owned, NULL-ended) */

  /* Filled by steps, reported by the front end. */
  string_vector kernels;  /* versions given virtio (owned) */
  netcfg_names nics;      /* NIC names pinned to MACs */
  string_vector notes;    /* what each step did, for -v (owned) */
  string_vector warnings; /* what the user must know (owned) */
};

/* Launches libguestfs on the given overlays (one per source disk, same
 * order), inspects and mounts the guest read-write.  The handle uses TCG
 * when KVM is not usable (accel.h).  verbose adds libguestfs debug.
 * Returns 0, or -1 with the error set (guest_close still needed).
 */
extern int guest_open (struct guest *gs, const struct vm *vm,
                       char *const *overlays, const char *const *formats,
                       enum guest_target target, bool verbose);

/* guest_open in two halves, for callers that change the disks' layout
 * in between (v2p): guest_launch starts the appliance on the disks and
 * checks that every filesystem is clean; guest_inspect_mount finds the
 * operating system and mounts it.  0, or -1 with the error set.
 */
extern int guest_launch (struct guest *gs, const struct vm *vm,
                         char *const *overlays, const char *const *formats,
                         enum guest_target target, bool verbose);
extern int guest_inspect_mount (struct guest *gs);

/* Fits disk i (gs->devices[i]) to new_size bytes before inspection
 * (guest-layout.c): the last data partition and its filesystem grow (or
 * an ext2/3/4 one shrinks), trailing swap moves to the end.  For growth
 * the device already has its new size; for a shrink the caller then
 * shrinks the image to new_size and launches again.  0, or -1 with the
 * error set (a filesystem that cannot shrink enough says so).
 */
extern int guest_fit_disk (struct guest *gs, size_t i, uint64_t new_size);

/* Unmounts, syncs and shuts down the appliance, then frees everything.
 * Returns 0, or -1 with the error set if the final sync failed (the
 * overlays may then be incomplete).
 */
extern int guest_close (struct guest *gs);

/* From a signal handler (async-signal-safe): removes the libguestfs
 * temporary directory of the handle open, if any.  Its appliance goes
 * by itself: libguestfs's recovery process kills it when we die.
 */
extern void guest_emergency_cleanup (void);

/* Records a line for -v output: "step: what was done". */
extern void guest_note (struct guest *gs, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Records a warning for the user (and a note for -v). */
extern void guest_warn (struct guest *gs, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* One conversion step. */
struct guest_step {
  const char *name;              /* "fstab", shown with -v */
  int (*run) (struct guest *gs); /* 0, or -1 with the error set */
};

/* The steps for a target, in order, ending with { NULL, NULL }. */
extern const struct guest_step *guest_steps (enum guest_target target);

/* The steps themselves (one file each). */
extern int guest_check (struct guest *gs); /* guest-check.c */
extern int guest_remove_vmware_tools (struct guest *gs);
extern int guest_fix_device_names (struct guest *gs); /* guest-devnames.c */
extern int guest_fix_bootloader (struct guest *gs);   /* guest-bootloader.c */
extern int guest_add_virtio (struct guest *gs);       /* guest-initramfs.c */
extern int guest_pin_nics (struct guest *gs);         /* guest-net.c */
extern int guest_uefi_fallback (struct guest *gs);    /* guest-uefi.c */
extern int guest_selinux_relabel (struct guest *gs);  /* guest-selinux.c */
extern int guest_trim (struct guest *gs);             /* guest-trim.c */
/* v2p (TARGET_PHYSICAL) steps. */
extern int
guest_add_generic_drivers (struct guest *gs); /* guest-initramfs.c */
extern int
guest_remove_vm_settings (struct guest *gs);  /* guest-vmsettings.c */
extern int guest_map_nics (struct guest *gs); /* guest-nicmap.c */
extern int
guest_install_bootloader (struct guest *gs); /* guest-bootinstall.c */

/* Helpers shared by the steps (guest-util.c). */

/* Reads a guest file (at most max bytes; larger is an error, as is a
 * file that is not a regular file after following no symlinks out of
 * the guest).  Returns a NUL-terminated buffer the caller frees, or
 * NULL with the error set.  *exists is set false (and NULL returned,
 * no error) when the file is absent, if exists is not NULL.
 */
extern char *guest_read_file (struct guest *gs, const char *path, size_t max,
                              bool *exists);

/* Reads a guest file of any content (at most max bytes) through
 * libguestfs' download, for files too large for read_file; checked as
 * guest_read_file checks before anything is copied.  Returns a buffer
 * the caller frees and sets *len, or NULL with the error set.
 */
extern char *guest_read_binary (struct guest *gs, const char *path, size_t max,
                                size_t *len);

/* An edit of a text file: returns the new text (the caller frees) and
 * sets *changes, or NULL with the error set.
 */
typedef char *(*guest_edit_fn) (const char *text, void *opaque, int *changes);

/* Reads the guest file path (at most max bytes) if it exists, applies
 * edit, and writes the result back if it changed anything.  Returns the
 * number of changes (0 also when there is no such file), or -1 with the
 * error set.
 */
extern int guest_edit_file (struct guest *gs, const char *path, size_t max,
                            guest_edit_fn edit, void *opaque);

/* Replaces a guest file's contents (keeping mode and owner). */
extern int guest_write_file (struct guest *gs, const char *path,
                             const char *content, size_t len);

/* Maps a guest device name ("/dev/sda2", "/dev/hdb1", "/dev/xvda1",
 * "/dev/nvme0n1p2", "/dev/disk/by-path/...-scsi-0:0:1:0-part1") to the
 * "UUID=..." of the filesystem or swap it names in this guest.  Returns a
 * new string, or NULL (no error set) when it is not such a name or has
 * no UUID.
 */
extern char *guest_device_to_uuid (struct guest *gs, const char *devname);

/* guest_device_to_uuid as a devname_mapper (devname.h): pass the
 * struct guest as opaque.
 */
extern char *guest_uuid_mapper (void *gs, const char *devname);

#endif /* VMSHIFT_GUEST_H */
