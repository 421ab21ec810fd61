/* vmshift: the p2v settings a LiveCD's kernel command line carries
 * (p2v.server=HOST p2v.port=22 ...), parsed without any I/O.
 *
 * p2v iso writes them into the ISO's boot menu; p2v live reads them
 * back from /proc/cmdline.  Both go through p2v_settings_set, so a value
 * the ISO accepts is one the LiveCD accepts.
 */
#ifndef VMSHIFT_P2V_CMDLINE_H
#define VMSHIFT_P2V_CMDLINE_H

#include <stdbool.h>

/* The longest value a p2v.* key may have, in bytes. */
#define P2V_VALUE_MAX 4096

/* Every string is owned (malloc'd) or NULL when not set; numbers are -1
 * when not set.
 */
struct p2v_settings {
  char *server;   /* p2v.server: the conversion host; set = headless */
  char *user;     /* p2v.user */
  char *identity; /* p2v.identity: private key path on the live system */
  char *hostkey;  /* p2v.hostkey: .pub/known_hosts path or SHA256:... */
  char *name;     /* p2v.name: the guest's name */
  char *disks;    /* p2v.disks: "sda,nvme0n1" or "all" */
  char *output;   /* p2v.o: directory or libvirt:URI on the host */
  char *format;   /* p2v.format: qcow2 or raw */
  char *remote;   /* p2v.remote: p2v's command on the host */
  char *receive_dir; /* p2v.receive_dir: p2v receive's staging there */
  int port;       /* p2v.port: 1..65535 */
  int poweroff;   /* p2v.poweroff: 0 or 1 */
  int retries;    /* p2v.retries: 0..P2V_RETRIES_MAX */
};

#define P2V_RETRIES_MAX 1000

/* All unset. */
extern void p2v_settings_init (struct p2v_settings *s);

/* Frees the strings; *s is all unset again. */
extern void p2v_settings_free (struct p2v_settings *s);

/* Sets one key (its name without "p2v.": "server", "o", ...) after
 * checking the value; an empty value unsets the key.  An unknown key is
 * an error here (the parser skips those itself).  0, or -1 with the
 * error set naming the key; *s is unchanged then.
 */
extern int p2v_settings_set (struct p2v_settings *s, const char *key,
                             const char *value);

/* Parses a kernel command line: words split on white space, double
 * quotes grouping ("p2v.name=a b" or p2v.name="a b", the quotes removed
 * as the kernel does).  p2v.* keys go through p2v_settings_set; other
 * words and unknown p2v.* keys are ignored; a repeated key's last value
 * wins.  A p2v.* word with an unterminated quote, a value over
 * P2V_VALUE_MAX bytes or a bad value is an error.  s must have been
 * initialised; on error it keeps what was set before the bad word.
 * 0, or -1 with the error set.
 */
extern int p2v_cmdline_parse (const char *cmdline, struct p2v_settings *s);

/* Headless: the command line names a server, so nothing is asked. */
extern bool p2v_settings_headless (const struct p2v_settings *s);

/* Whether to power off after a successful capture: p2v.poweroff, else
 * yes when headless.
 */
extern bool p2v_settings_poweroff (const struct p2v_settings *s);

#endif /* VMSHIFT_P2V_CMDLINE_H */
