/* vmshift: interface names in a guest's network configuration.
 *
 * Pure text parsers (no libguestfs), so they can be unit tested and
 * fuzzed.  Each adds the interface names a file configures, with the MAC
 * where the file says which hardware the name belongs to.
 */
#ifndef VMSHIFT_NETCFG_H
#define VMSHIFT_NETCFG_H

#include <stdbool.h>
#include <stddef.h>

#include "vector.h"

struct netcfg_name {
  char *name; /* "ens160"; owned */
  char *mac;  /* normalised "00:50:56:..." or NULL; owned */
};
DEFINE_VECTOR_TYPE (netcfg_names, struct netcfg_name);

enum netcfg_kind {
  NETCFG_IFUPDOWN,   /* /etc/network/interfaces(.d/) */
  NETCFG_NETPLAN,    /* /etc/netplan/ *.yaml files */
  NETCFG_NM,         /* NetworkManager keyfiles */
  NETCFG_IFCFG,      /* ifcfg-* (RHEL, SUSE: name from the file name) */
  NETCFG_UDEV_RULES, /* 70-persistent-net.rules */
};

/* Adds the names text (the file at path) configures to out, once each
 * (a MAC learnt later fills in a name known without one); "lo" and
 * invalid names are ignored.  0, or -1 with the error set.
 */
extern int netcfg_parse (enum netcfg_kind kind, const char *path,
                         const char *text, netcfg_names *out);

/* Replaces every occurrence of the MAC from (normalised lowercase
 * "aa:bb:..") in text, written in either case with ':' or '-', by to,
 * in the case the occurrence used.  Returns the new text (the caller
 * frees) and sets *changes, or NULL with the error set.
 */
extern char *netcfg_replace_mac (const char *text, const char *from,
                                 const char *to, int *changes);

/* Drops the lines of text for which keep returns false.  Returns the
 * new text (the caller frees) and sets *changes to the lines dropped,
 * or NULL with the error set.
 */
extern char *netcfg_drop_lines (const char *text,
                                bool (*keep) (const char *line, size_t len,
                                              void *opaque),
                                void *opaque, int *changes);

/* Frees the names and the vector. */
extern void netcfg_names_free (netcfg_names *v);

#endif /* VMSHIFT_NETCFG_H */
