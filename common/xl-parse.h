/* vmshift: parser for Xen xl.cfg (and xm) domain configuration files.
 *
 * The syntax is libxl's (xl.cfg(5)): settings
 *
 *   KEY = VALUE          (or KEY += VALUE, which appends)
 *
 * ended by a newline or ';', where VALUE is a "string" or 'string'
 * (with C escapes: \n \t \\ \" \' \xHH \NNN ...), a number (decimal or
 * 0x hex), or a [ list, of, strings ] that may span lines and end with
 * a comma.  '#' starts a comment.  Keys are letters, digits, '_' and
 * '.', starting with a letter or '_'.  When a key appears twice the
 * later setting wins.  Bare words (Python's True, None...) are refused,
 * as xl refuses them.
 *
 * The disk and vif list items have their own syntax
 * (xl-disk-configuration(5), xl-network-configuration(5)):
 * xl_parse_disk and xl_parse_vif read one item.
 *
 * The input is untrusted: parsing is a pure function of the bytes,
 * bounded by the XL_MAX_* sizes.
 */
#ifndef VMSHIFT_XL_PARSE_H
#define VMSHIFT_XL_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define XL_MAX_SIZE (1024 * 1024) /* whole file, bytes */
#define XL_MAX_STRING (64 * 1024) /* one string, bytes after unescaping */
#define XL_MAX_LIST 1024          /* items in one list */

struct xl;

/* Parses len bytes of data.  name is used only in error messages
 * ("'NAME' line 3: ...").  Returns a handle the caller frees with
 * xl_free, or NULL with the error set.
 */
extern struct xl *xl_parse_string (const char *name, const char *data,
                                   size_t len);

/* Reads and parses the file at path (at most XL_MAX_SIZE bytes).
 * Returns a handle the caller frees with xl_free, or NULL with the
 * error set.
 */
extern struct xl *xl_parse_file (const char *path);

extern void xl_free (struct xl *xl);

/* Is key set (to anything)? */
extern bool xl_has (const struct xl *xl, const char *key);

/* The value of key if it is a string or a number (as written), or NULL
 * if the key is absent or a list.  The string belongs to xl.
 */
extern const char *xl_get (const struct xl *xl, const char *key);

/* Parses key's value (a number, or a string holding one) as a
 * decimal or 0x hex integer no greater than max.  Returns 1 and sets
 * *out, 0 (leaving *out alone) if the key is absent, or -1 with the
 * error set ("'NAME' line N: memory = ... is not ...").
 */
extern int xl_get_uint (const struct xl *xl, const char *key,
                        unsigned long long max, unsigned long long *out);

/* The items of a list (a single string counts as a list of one) in
 * *items, returning their number; 0 if the key is absent.  The array
 * and strings belong to xl.
 */
extern size_t xl_get_list (const struct xl *xl, const char *key,
                           char *const **items);

/* The line where key was (last) set, 0 if absent. */
extern int xl_line (const struct xl *xl, const char *key);

/* One item of a disk list. */
struct xl_disk {
  char *target; /* path, or NULL/"" for an empty CD-ROM; owned */
  char *format; /* "raw", "qcow2", "qcow", "vhd", "qed", "empty", or
                   NULL if not given; owned */
  char *vdev;   /* "xvda", "hdc", ...; owned (NULL if not given) */
  char *script; /* "block-drbd", ... or NULL; owned */
  bool cdrom;
  bool readonly;
};

/* Parses a disk specification ('phy:/dev/vg/lv,xvda,w',
 * '/img,raw,xvda,rw', 'format=raw, vdev=xvda, target=/img', ...) as
 * libxl does, with its deprecated prefixes (phy:, file:, tap:aio:,
 * tap:qcow2:, ioemu:, raw:, ...).  *out is zeroed first.  Returns 0, or
 * -1 with the error set (naming spec); free *out with xl_disk_clear
 * either way.
 */
extern int xl_parse_disk (const char *spec, struct xl_disk *out);
extern void xl_disk_clear (struct xl_disk *d);

/* A virtual device name parsed: "xvdb" is { "xvd", 1, 0 }, "hdc1" is
 * { "hd", 2, 1 }, "d3p2" is { "xvd", 3, 2 }.
 */
struct xl_vdev {
  char family[4]; /* "xvd", "hd" or "sd" */
  int disk;       /* 0 for xvda */
  int part;       /* 0 for a whole disk */
};

/* Parses vdev.  Returns 0, or -1 with the error set. */
extern int xl_parse_vdev (const char *vdev, struct xl_vdev *out);

/* One item of a vif list: comma-separated KEY=VALUE settings. */
struct xl_vif {
  char *mac;    /* as written, or NULL; owned */
  char *bridge; /* owned, or NULL */
  char *model;  /* owned, or NULL */
  char *type;   /* "ioemu", "vif"; owned, or NULL */
};

/* Parses a vif specification ('mac=00:16:3e:..,bridge=xenbr0').  Keys
 * other than those above are accepted and ignored.  *out is zeroed
 * first.  Returns 0, or -1 with the error set; free *out with
 * xl_vif_clear either way.
 */
extern int xl_parse_vif (const char *spec, struct xl_vif *out);
extern void xl_vif_clear (struct xl_vif *v);

#endif /* VMSHIFT_XL_PARSE_H */
