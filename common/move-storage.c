/* vmshift: live storage migration by libvirt block copy
 * (move-storage.h).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/entities.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "domain-disks.h"
#include "errors.h"
#include "libvirt-util.h"
#include "move-storage.h"
#include "xml-util.h"

char *
move_storage_new_path (const char *dir, const char *old, const char *format)
{
  const char *base = strrchr (old, '/');
  const char *dot;
  size_t stem;
  char *r;

  base = base ? base + 1 : old;
  if (*base == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0) {
    set_error (EINVAL, "'%s' names no file", old);
    return NULL;
  }
  dot = strrchr (base, '.');
  stem = format && dot && dot != base ? (size_t) (dot - base) : strlen (base);
  if (asprintf (&r, "%s%s%.*s%s%s", dir,
                dir[0] && dir[strlen (dir) - 1] == '/' ? "" : "/", (int) stem,
                base, format ? "." : "", format ? format : "")
      == -1) {
    set_error (errno, "asprintf");
    return NULL;
  }
  return r;
}

struct mover {
  virConnectPtr conn;
  virDomainPtr dom;
  bool local;       /* the host is this machine: its files are ours */
  bool persistent;
  const struct move_options *o;
  string_vector *warnings;
};

/* Has the copy of disk reached the mirroring phase? */
static int
mirror_ready (struct mover *mv, const char *disk, bool *ready)
{
  CLEANUP_XMLFREEDOC xmlDocPtr doc = libvirt_domain_doc (mv->dom, 0);
  CLEANUP_XMLXPATHFREECONTEXT xmlXPathContextPtr ctx = NULL;
  CLEANUP_FREE char *xpath = NULL, *r = NULL;

  if (doc == NULL)
    return -1;
  ctx = xml_new_context (doc);
  if (ctx == NULL)
    return -1;
  if (asprintf (&xpath,
                "string(/domain/devices/disk[target/@dev='%s']"
                "/mirror/@ready)",
                disk)
      == -1) {
    set_error (ENOMEM, "mirror state");
    return -1;
  }
  if (xml_get_string (ctx, NULL, xpath, &r) == -1)
    return -1;
  *ready = r && strcmp (r, "yes") == 0;
  return 0;
}

/* Where the domain's XML (flags) says disk's file is, or NULL. */
static char *
disk_path (virDomainPtr dom, unsigned flags, const char *disk)
{
  domain_disk_vector v = empty_vector;
  char *r = NULL;

  if (domain_disks (dom, flags, &v) == -1)
    return NULL;
  for (size_t i = 0; i < v.len; ++i)
    if (strcmp (v.ptr[i].target, disk) == 0 && v.ptr[i].path) {
      r = strdup (v.ptr[i].path);
      break;
    }
  domain_disks_free (&v);
  return r;
}

static void
remove_file (struct mover *mv, const char *path, const char *why)
{
  virStorageVolPtr vol = virStorageVolLookupByPath (mv->conn, path);

  if (vol) {
    if (virStorageVolDelete (vol, 0) == -1)
      string_vector_appendf (mv->warnings, "%s '%s' was not removed: %s",
                             why, path, virGetLastErrorMessage ());
    virStorageVolFree (vol);
    return;
  }
  if (mv->local) {
    if (unlink (path) == -1 && errno != ENOENT)
      string_vector_appendf (mv->warnings, "%s '%s' was not removed: %m",
                             why, path);
    return;
  }
  string_vector_appendf (mv->warnings,
                         "%s '%s' is on another host and in no storage "
                         "pool: remove it there",
                         why, path);
}

/* The copy of one disk, up to the point where it mirrors.  0 ready, -1
 * failed or cancelled (the job abandoned; error set).
 */
static int
copy_until_ready (struct mover *mv, const char *disk, const char *dest,
                  move_progress_fn progress, void *opaque,
                  volatile sig_atomic_t *cancel)
{
  for (int tick = 0;; ++tick) {
    virDomainBlockJobInfo info;
    bool ready = false;
    int r;

    usleep (100000);
    if (cancel && *cancel) {
      virDomainBlockJobAbort (mv->dom, disk, 0);
      set_error (EINTR, "interrupted");
      return -1;
    }
    if (tick % 5 != 4)
      continue;
    r = virDomainGetBlockJobInfo (mv->dom, disk, &info, 0);
    if (r == -1) {
      set_libvirt_error ("copying %s to '%s'", disk, dest);
      return -1;
    }
    if (r == 0) {
      set_error (0, "copying %s to '%s': the block job ended by itself", disk,
                 dest);
      return -1;
    }
    if (progress)
      progress (opaque, disk, info.cur, info.end);
    if (info.end > 0 && info.cur == info.end) {
      if (mirror_ready (mv, disk, &ready) == -1)
        return -1;
      if (ready)
        return 0;
    }
  }
}

/* libvirt before 9.0 left the persistent definition naming the old
 * file: point it at the new one.
 */
static int
update_persistent (struct mover *mv, const char *disk, const char *old,
                   const char *dest, const char *format)
{
  CLEANUP_FREE char *now = disk_path (mv->dom, VIR_DOMAIN_XML_INACTIVE, disk);
  CLEANUP_XMLFREEDOC xmlDocPtr doc = NULL;
  CLEANUP_XMLXPATHFREECONTEXT xmlXPathContextPtr ctx = NULL;
  CLEANUP_FREE char *xpath = NULL;
  xmlXPathObjectPtr obj;
  xmlChar *xml = NULL;
  int len, r = -1;

  if (now == NULL || strcmp (now, old) != 0)
    return 0; /* libvirt did it */
  doc = libvirt_domain_doc (mv->dom, VIR_DOMAIN_XML_INACTIVE
                                         | VIR_DOMAIN_XML_SECURE);
  if (doc == NULL)
    return -1;
  ctx = xml_new_context (doc);
  if (ctx == NULL)
    return -1;
  if (asprintf (&xpath, "/domain/devices/disk[target/@dev='%s']", disk)
      == -1) {
    set_error (ENOMEM, "domain XML");
    return -1;
  }
  obj = xml_get_nodes (ctx, NULL, xpath);
  if (obj == NULL)
    return -1;
  if (obj->nodesetval && obj->nodesetval->nodeNr == 1) {
    xmlNodePtr d = obj->nodesetval->nodeTab[0];
    xmlNodePtr src = xml_child (d, "source");
    xmlNodePtr drv = xml_child (d, "driver");

    xmlSetProp (d, BAD_CAST "type", BAD_CAST "file");
    if (src) {
      xmlUnsetProp (src, BAD_CAST "dev");
      xmlSetProp (src, BAD_CAST "file", BAD_CAST dest);
    }
    if (drv && format)
      xmlSetProp (drv, BAD_CAST "type", BAD_CAST format);
    xmlDocDumpMemory (doc, &xml, &len);
    if (xml) {
      virDomainPtr nd = virDomainDefineXML (mv->conn, (const char *) xml);
      if (nd) {
        virDomainFree (nd);
        r = 0;
      }
      else
        set_libvirt_error ("updating the persistent definition");
      xmlFree (xml);
    }
    else
      set_error (ENOMEM, "domain XML");
  }
  else
    set_error (0, "disk %s is not in the persistent definition", disk);
  xmlXPathFreeObject (obj);
  return r;
}

static int
move_disk (struct mover *mv, const struct domain_disk *d, const char *dest,
           move_progress_fn progress, void *opaque,
           volatile sig_atomic_t *cancel)
{
  const char *format = mv->o->format ? mv->o->format : d->format;
  CLEANUP_FREE char *xml = NULL, *now = NULL;
  xmlChar *esc = xmlEncodeSpecialChars (NULL, BAD_CAST dest);
  virTypedParameterPtr params = NULL;
  int n = 0, max = 0, r;
  unsigned flags = mv->persistent ? VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB : 0;

  if (esc == NULL
      || asprintf (&xml,
                   "<disk type='file'><source file='%s'/>"
                   "<driver type='%s'/></disk>",
                   (const char *) esc, format ? format : "raw")
             == -1) {
    xmlFree (esc);
    set_error (ENOMEM, "block copy XML");
    return -1;
  }
  xmlFree (esc);
  if (mv->o->bandwidth
      && virTypedParamsAddULLong (&params, &n, &max,
                                  VIR_DOMAIN_BLOCK_COPY_BANDWIDTH,
                                  (unsigned long long) mv->o->bandwidth
                                      << 20)
             == -1) {
    set_libvirt_error ("block copy bandwidth");
    return -1;
  }
  r = virDomainBlockCopy (mv->dom, d->target, xml, params, n, flags);
  virTypedParamsFree (params, n);
  if (r == -1) {
    set_libvirt_error ("copying %s to '%s'", d->target, dest);
    return -1;
  }
  if (copy_until_ready (mv, d->target, dest, progress, opaque, cancel)
      == -1) {
    remove_file (mv, dest, "the partial copy");
    return -1;
  }
  if (virDomainBlockJobAbort (mv->dom, d->target,
                              VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
      == -1) {
    set_libvirt_error ("switching %s to '%s'", d->target, dest);
    virDomainBlockJobAbort (mv->dom, d->target, 0);
    remove_file (mv, dest, "the copy");
    return -1;
  }
  now = disk_path (mv->dom, 0, d->target);
  if (now == NULL || strcmp (now, dest) != 0) {
    set_error (0, "after the switch %s is at '%s', not '%s'", d->target,
               now ? now : "?", dest);
    return -1;
  }
  if (mv->persistent
      && update_persistent (mv, d->target, d->path, dest, format) == -1)
    return -1;
  if (!mv->o->keep_source)
    remove_file (mv, d->path, "the old disk");
  return 0;
}

/* Every disk's new path, checked before any copy starts. */
static int
plan_paths (struct mover *mv, const domain_disk_vector *disks,
            const char *dir, char **dests)
{
  for (size_t i = 0; i < disks->len; ++i) {
    const struct domain_disk *d = &disks->ptr[i];

    if (d->readonly || d->network || d->path == NULL)
      continue;
    dests[i] = move_storage_new_path (dir, d->path, mv->o->format);
    if (dests[i] == NULL)
      return -1;
    if (strcmp (dests[i], d->path) == 0) {
      free (dests[i]);
      dests[i] = NULL; /* already there */
      continue;
    }
    for (size_t j = 0; j < i; ++j)
      if (dests[j] && strcmp (dests[j], dests[i]) == 0) {
        set_error (EEXIST, "disks %s and %s would both be '%s'",
                   disks->ptr[j].target, d->target, dests[i]);
        return -1;
      }
    if (mv->local && access (dests[i], F_OK) == 0) {
      set_error (EEXIST, "'%s' exists already: remove it or choose another "
                 "directory", dests[i]);
      return -1;
    }
  }
  return 0;
}

/* move_storage on an open connection. */
static int
move_with (struct mover *mv, const char *domain, const char *dir,
           move_progress_fn progress, void *opaque,
           volatile sig_atomic_t *cancel, string_vector *moved)
{
  domain_disk_vector disks = empty_vector;
  CLEANUP_FREE char *host = NULL;
  char **dests = NULL;
  int r = -1;

  if (virDomainIsActive (mv->dom) != 1) {
    set_error (0, "domain '%s' is not running: move-storage moves a "
               "running guest's disks", domain);
    return -1;
  }
  mv->persistent = virDomainIsPersistent (mv->dom) == 1;
  host = virConnectGetHostname (mv->conn);
  mv->local = libvirt_is_this_host (host);
  if (domain_disks (mv->dom, 0, &disks) == -1)
    return -1;
  dests = calloc (disks.len ? disks.len : 1, sizeof *dests);
  if (dests == NULL)
    set_error (errno, "calloc");
  else if (plan_paths (mv, &disks, dir, dests) == 0) {
    r = 0;
    for (size_t i = 0; r == 0 && i < disks.len; ++i) {
      if (dests[i] == NULL)
        continue;
      r = move_disk (mv, &disks.ptr[i], dests[i], progress, opaque, cancel);
      if (r == 0)
        string_vector_appendf (moved, "%s: %s -> %s", disks.ptr[i].target,
                               disks.ptr[i].path, dests[i]);
    }
  }
  for (size_t i = 0; dests && i < disks.len; ++i)
    free (dests[i]);
  free (dests);
  domain_disks_free (&disks);
  return r;
}

int
move_storage (const char *uri, const char *domain, const char *dir,
              const struct move_options *o, move_progress_fn progress,
              void *opaque, volatile sig_atomic_t *cancel,
              string_vector *warnings, string_vector *moved)
{
  struct mover mv = { .o = o, .warnings = warnings };
  int r = -1;

  mv.conn = libvirt_connect (uri, "the host");
  if (mv.conn == NULL)
    return -1;
  mv.dom = virDomainLookupByName (mv.conn, domain);
  if (mv.dom == NULL)
    set_libvirt_error ("domain '%s'", domain);
  else {
    r = move_with (&mv, domain, dir, progress, opaque, cancel, moved);
    virDomainFree (mv.dom);
  }
  virConnectClose (mv.conn);
  return r;
}
