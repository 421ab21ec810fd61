/* vmshift: what every output driver shares (output.h). */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel.h"
#include "cleanups.h"
#include "domain-xml.h"
#include "errors.h"
#include "output.h"

/* The name becomes file names and a libvirt name: refuse what would
 * escape the directory or confuse either.
 */
static int
check_name (const char *name)
{
  if (name[0] == '\0' || name[0] == '.' || strlen (name) > 200
      || strpbrk (name, "/\\\n\r\t") != NULL) {
    set_error (0, "'%s' cannot be used as a guest name (give --name)", name);
    return -1;
  }
  return 0;
}

struct output *
output_open (const char *spec, const struct output_settings *s)
{
  struct output *out;
  const struct output_ops *ops = &dir_output_ops;
  const char *target = spec;
  char tmpl[PATH_MAX];

  if (check_name (s->name) == -1)
    return NULL;
  if (strncmp (spec, "libvirt:", 8) == 0) {
    ops = &libvirt_output_ops;
    target = spec + 8;
  }
  out = calloc (1, sizeof *out);
  if (out == NULL) {
    set_error (errno, "calloc");
    return NULL;
  }
  out->ops = ops;
  out->s = *s;
  out->target = strdup (target);
  out->virt_type = strdup (accel_kvm_usable () ? "kvm" : "qemu");
  if (out->target == NULL || out->virt_type == NULL) {
    set_error (errno, "strdup");
    goto err;
  }
  if (ops->open (out, target) == -1)
    goto err;
  if (snprintf (tmpl, sizeof tmpl, "%s/.v2v-%s-XXXXXX", out->storage, s->name)
      >= (int) sizeof tmpl) {
    set_error (ENAMETOOLONG, "'%s'", out->storage);
    goto err;
  }
  if (mkdtemp (tmpl) == NULL) {
    set_error (errno, "could not create a work directory in '%s'",
               out->storage);
    goto err;
  }
  out->workdir = strdup (tmpl);
  if (out->workdir == NULL) {
    rmdir (tmpl);
    set_error (errno, "strdup");
    goto err;
  }
  return out;

err:
  output_close (out);
  return NULL;
}

int
output_plan_disks (struct output *out, const struct vm *vm)
{
  size_t n = vm->disks.len;

  out->disk_tmp = calloc (n + 1, sizeof (char *));
  out->disk_final = calloc (n + 1, sizeof (char *));
  if (!out->disk_tmp || !out->disk_final) {
    set_error (errno, "calloc");
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    char dev[8];
    if (i < 26)
      snprintf (dev, sizeof dev, "sd%c", (int) ('a' + i));
    else
      snprintf (dev, sizeof dev, "sd%c%c", (int) ('a' + i / 26 - 1),
                (int) ('a' + i % 26));
    if (asprintf (&out->disk_final[i], "%s/%s-%s.%s", out->storage,
                  out->s.name, dev, out->s.format)
            == -1
        || asprintf (&out->disk_tmp[i], "%s/%s-%s.%s", out->workdir,
                     out->s.name, dev, out->s.format)
               == -1) {
      set_error (errno, "asprintf");
      return -1;
    }
    if (access (out->disk_final[i], F_OK) == 0) {
      set_error (EEXIST,
                 "'%s' already exists; remove it or choose another "
                 "--name",
                 out->disk_final[i]);
      return -1;
    }
  }
  return 0;
}

int
output_commit (struct output *out, const struct vm *vm)
{
  struct domain_xml_opts xo = {
    .name = out->s.name,
    .virt_type = out->virt_type,
    .disk_paths = out->disk_final,
    .disk_format = out->s.format,
    .net_mode = out->s.net_mode,
    .net_name = out->s.net_name,
  };
  CLEANUP_FREE char *xml = domain_xml (vm, &xo);

  if (xml == NULL)
    return -1;
  for (size_t i = 0; out->disk_tmp[i]; ++i) {
    if (access (out->disk_final[i], F_OK) == 0) {
      set_error (EEXIST, "'%s' appeared during the conversion",
                 out->disk_final[i]);
      goto undo;
    }
    if (rename (out->disk_tmp[i], out->disk_final[i]) == -1) {
      set_error (errno, "could not rename '%s' to '%s'", out->disk_tmp[i],
                 out->disk_final[i]);
      goto undo;
    }
  }
  if (out->ops->commit (out, xml) == -1) {
    if (out->committed) /* defined, only --start failed: keep */
      return -1;
    goto undo;
  }
  out->committed = true;
  return 0;

undo:
  /* Put the disks back under their staging names so close removes them. */
  for (size_t i = 0; out->disk_tmp[i]; ++i)
    if (access (out->disk_tmp[i], F_OK) == -1)
      rename (out->disk_final[i], out->disk_tmp[i]);
  return -1;
}

/* Removes every file in the work directory, then the directory. */
static void
remove_workdir (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;

  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL) {
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      unlinkat (dirfd (d), e->d_name, 0);
  }
  closedir (d);
  rmdir (dir);
}

void
output_emergency_cleanup (struct output *out)
{
  if (out == NULL || out->committed)
    return;
  for (size_t i = 0; out->disk_tmp && out->disk_tmp[i]; ++i)
    unlink (out->disk_tmp[i]);
  if (out->workdir)
    remove_workdir (out->workdir);
}

void
output_close (struct output *out)
{
  if (out == NULL)
    return;
  if (!out->committed)
    output_emergency_cleanup (out);
  else if (out->workdir)
    remove_workdir (out->workdir);
  if (out->ops->close)
    out->ops->close (out);
  free_string_list (out->disk_tmp);
  free_string_list (out->disk_final);
  free (out->target);
  free (out->storage);
  free (out->workdir);
  free (out->virt_type);
  free (out);
}
