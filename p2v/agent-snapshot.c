/* p2v agent: LVM snapshots instead of a long freeze (agent.h).
 *
 * A filesystem on a logical volume whose volume group has room is not
 * frozen for the final round: lvcreate --snapshot suspends it (the
 * device-mapper freezes it for the few milliseconds the switch takes),
 * and the round reads the LV's blocks from the snapshot while the host
 * goes on writing.  Only LVs laid out linearly on the captured disks (a
 * disk or a partition of one) qualify: their device-mapper table maps
 * each LV byte to a disk byte, so the round reads the same disk blocks,
 * from the snapshot.  The snapshot's own traces on the disks are kept
 * out of the image: its copy-on-write extents are free space once it is
 * removed, and the PVs' label and metadata areas, which named it, are
 * read again after lvremove.
 *
 * lvm runs with archives and backups off: it must not write to the
 * filesystems being captured.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "cleanups.h"
#include "cli.h"
#include "command.h"
#include "errors.h"

#define LVM_CONFIG                                                            \
  "backup { backup = 0 archive = 0 } log { command_names = 0 }"
#define SNAP_PREFIX "vmshift-agent-"
#define MIN_COW (64ull << 20) /* a smaller room is no room */
#define MAX_SEGMENTS 256
#define LVM_FIELDS 7 /* in each report */
#define REPORT_MAX (4u << 20)

/* The live snapshots, for snapshot_remove_now (a signal handler):
 * "VG/NAME" each, and lvm's absolute path.
 */
#define MAX_LIVE 64
static struct {
  char name[NAME_MAX * 2 + 2];
  volatile int fd; /* the agent's, closed first: lvremove refuses an
                      open LV */
} live[MAX_LIVE];
static volatile sig_atomic_t nlive;
static char lvm_path[PATH_MAX];

extern char **environ;

/* lvm's absolute path from PATH into lvm_path ("" if none). */
static void
find_lvm (void)
{
  const char *path = getenv ("PATH");
  CLEANUP_FREE char *copy = strdup (path ? path : "/usr/sbin:/sbin");
  char *save = NULL;

  lvm_path[0] = '\0';
  for (char *dir = copy ? strtok_r (copy, ":", &save) : NULL; dir;
       dir = strtok_r (NULL, ":", &save)) {
    snprintf (lvm_path, sizeof lvm_path, "%s/lvm", dir);
    if (access (lvm_path, X_OK) == 0)
      return;
  }
  lvm_path[0] = '\0';
}

void
snapshot_remove_now (void)
{
  for (sig_atomic_t i = 0; i < nlive; ++i)
    if (live[i].fd >= 0)
      close (live[i].fd);
  for (sig_atomic_t i = 0; lvm_path[0] && i < nlive; ++i) {
    char *argv[] = { "lvm",      "lvremove",   "--yes", "--config",
                     LVM_CONFIG, live[i].name, NULL };
    pid_t pid = _Fork (); /* fork () is not async-signal-safe */
    if (pid == 0) {
      execve (lvm_path, argv, environ);
      _exit (127);
    }
    if (pid > 0)
      while (waitpid (pid, NULL, 0) == -1 && errno == EINTR)
        ;
  }
  nlive = 0;
}

/* Runs "lvm ARGS..." with our configuration; its stdout in *out if out.
 * 0 or -1 with the error set.
 */
static int
lvm (const char *const *args, char **out)
{
  const char *argv[24] = { "lvm" };
  size_t n = 1;

  argv[n++] = args[0];
  argv[n++] = "--config";
  argv[n++] = LVM_CONFIG;
  for (size_t i = 1; args[i] && n < 23; ++i)
    argv[n++] = args[i];
  argv[n] = NULL;
  setenv ("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
  return out ? run_command_output (argv, REPORT_MAX, out) : run_command (argv);
}

/* Splits a report line "a|b|c" (leading blanks dropped) into at most
 * max fields.  Returns how many.
 */
static size_t
fields (char *line, char **f, size_t max)
{
  size_t n = 0;

  line += strspn (line, " ");
  while (n < max) {
    f[n++] = line;
    line = strchr (line, '|');
    if (line == NULL)
      break;
    *line++ = '\0';
  }
  return n;
}

/* "lvm CMD" (lvs, pvs) reporting LVM_FIELDS fields, sizes in bytes: row (f,
 * ctx) for each object; -1 from it stops.  0 or -1 with the error set.
 */
static int
lvm_rows (const char *cmd, const char *fieldlist,
          int (*row) (char **f, void *ctx), void *ctx)
{
  const char *args[]
      = { cmd, "--noheadings", "--nosuffix", "--units", "b", "--separator",
          "|", "-o",           fieldlist,    NULL };
  CLEANUP_FREE char *out = NULL;
  char *save = NULL;

  if (lvm (args, &out) == -1)
    return -1;
  for (char *line = strtok_r (out, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    char *f[LVM_FIELDS];
    if (fields (line, f, LVM_FIELDS) == LVM_FIELDS && row (f, ctx) == -1)
      return -1;
  }
  return 0;
}

/* Where block device dev lies on the captured disks: the disk's index
 * and the byte at which dev begins on it.  false if it is none of them
 * nor a partition of one.
 */
static bool
on_captured (dev_t dev, const struct agent_disk *disks, size_t n,
             unsigned *disk, uint64_t *base)
{
  char sys[64], start[96], real[PATH_MAX], parent[PATH_MAX];
  CLEANUP_FCLOSE FILE *fp = NULL;
  unsigned long long sectors;

  for (size_t i = 0; i < n; ++i)
    if (disks[i].dev == dev) {
      *disk = (unsigned) i;
      *base = 0;
      return true;
    }
  snprintf (sys, sizeof sys, "/sys/dev/block/%u:%u", major (dev), minor (dev));
  snprintf (start, sizeof start, "%s/start", sys);
  if (realpath (sys, real) == NULL || (fp = fopen (start, "re")) == NULL
      || fscanf (fp, "%llu", &sectors) != 1)
    return false;
  for (size_t i = 0; i < n; ++i) {
    char link[64];
    snprintf (link, sizeof link, "/sys/dev/block/%u:%u/%s",
              major (disks[i].dev), minor (disks[i].dev),
              strrchr (real, '/') + 1);
    if (realpath (link, parent) && strcmp (parent, real) == 0) {
      *disk = (unsigned) i;
      *base = (uint64_t) sectors * 512;
      return true;
    }
  }
  return false;
}

/* dev's live device-mapper table into u.  0 or -1. */
union dm_table {
  struct dm_ioctl io;
  char buf[16384];
};

static int
dm_table (dev_t dev, union dm_table *u)
{
  int fd = open ("/dev/mapper/control", O_RDWR | O_CLOEXEC);
  int r;

  if (fd == -1)
    return -1;
  memset (u, 0, sizeof *u);
  u->io.version[0] = DM_VERSION_MAJOR;
  u->io.data_size = sizeof *u;
  u->io.data_start = sizeof u->io;
  u->io.flags = DM_STATUS_TABLE_FLAG;
  u->io.dev = (uint64_t) ((minor (dev) & 0xff) | (major (dev) << 8)
                          | ((uint64_t) (minor (dev) & ~0xffu) << 12));
  r = ioctl (fd, DM_TABLE_STATUS, u);
  close (fd);
  if (r == -1 || (u->io.flags & DM_BUFFER_FULL_FLAG) || u->io.target_count == 0
      || u->io.target_count > MAX_SEGMENTS || u->io.data_start >= sizeof *u)
    return -1;
  return 0;
}

/* Target i of u (at *next, which moves on): its type and parameters. */
static int
dm_target (const union dm_table *u, uint64_t *next,
           struct dm_target_spec *spec, const char **params)
{
  const char *data = u->buf + u->io.data_start;
  size_t room = sizeof *u - u->io.data_start;

  if (*next + sizeof *spec >= room)
    return -1;
  memcpy (spec, data + *next, sizeof *spec);
  *params = data + *next + sizeof *spec;
  if (memchr (*params, '\0', room - *next - sizeof *spec) == NULL)
    return -1;
  *next = spec->next > *next ? spec->next : room;
  return 0;
}

/* The LV at dev as extents on the captured disks, from its live
 * device-mapper table: linear targets only.  The origin of a snapshot
 * someone else made is not (its copy-on-write store would change under
 * the round while the LV is not frozen).  0, or -1 (not mapped so).
 */
static int
lv_extents (dev_t dev, const struct agent_disk *disks, size_t n,
            struct snapshot *s)
{
  union dm_table u;
  uint64_t next = 0;

  if (dm_table (dev, &u) == -1)
    return -1;
  for (uint32_t i = 0; i < u.io.target_count; ++i) {
    struct dm_target_spec spec;
    const char *params;
    unsigned ma, mi;
    unsigned long long at;
    struct lv_extent *e;
    if (dm_target (&u, &next, &spec, &params) == -1)
      return -1;
    e = realloc (s->ext, (s->next + 1) * sizeof *e);
    if (e == NULL)
      return -1;
    s->ext = e;
    e = &s->ext[s->next];
    if (strncmp (spec.target_type, "linear", sizeof spec.target_type) != 0
        || sscanf (params, "%u:%u %llu", &ma, &mi, &at) != 3
        || !on_captured (makedev (ma, mi), disks, n, &e->disk, &e->at))
      return -1;
    e->at += (uint64_t) at * 512;
    e->len = spec.length * 512;
    e->lv_at = spec.sector_start * 512;
    s->next++;
  }
  return 0;
}

/* One active LV, from "lvm lvs". */
struct lv_info {
  char *vg, *lv;
  dev_t dev;
  uint64_t size, vg_free;
  bool plain; /* not an origin, a snapshot, thin, a mirror... */
};

struct lv_list {
  struct lv_info *v;
  size_t n;
};

/* Do ranges r[0..nr) begin and end on their disks' block boundaries?
 * Otherwise a block would hold bytes read at two moments.
 */
static bool
aligned (const struct agent_disk *disks, const struct lv_extent *r, size_t nr)
{
  for (size_t i = 0; i < nr; ++i) {
    uint32_t bs = disks[r[i].disk].bs;
    if (r[i].at % bs != 0 || r[i].len % bs != 0)
      return false;
  }
  return true;
}

/* The filesystem's LV lv: a snapshot candidate?  Fills s.  The room it
 * takes, or 0.
 */
static uint64_t
plan_one (const struct agent_disk *disks, size_t n, const struct lv_info *lv,
          struct snapshot *s)
{
  uint64_t want = lv->size + lv->size / 32 + (4u << 20);
  uint64_t size = want < lv->vg_free ? want : lv->vg_free;

  if (!lv->plain || size < (want < MIN_COW ? want : MIN_COW))
    return 0;
  size &= ~((uint64_t) (1u << 20) - 1);
  s->size = size;
  s->fd = -1;
  s->vg = strdup (lv->vg);
  s->lv = strdup (lv->lv);
  if (asprintf (&s->name, SNAP_PREFIX "%s-%ld", lv->lv, (long) getpid ())
      == -1)
    s->name = NULL;
  if (s->vg == NULL || s->lv == NULL || s->name == NULL
      || lv_extents (lv->dev, disks, n, s) == -1
      || !aligned (disks, s->ext, s->next)) {
    free (s->vg);
    free (s->lv);
    free (s->name);
    free (s->ext);
    memset (s, 0, sizeof *s);
    return 0;
  }
  return size;
}

struct meta_ctx {
  const struct agent_disk *disks;
  size_t n;
  struct snapshot_set *ss;
};

/* A PV: its label and metadata areas (the first before its extents, a
 * second after them), if its VG is snapshotted.
 */
static int
meta_row (char **f, void *ctx)
{
  struct meta_ctx *c = ctx;
  struct snapshot_set *ss = c->ss;
  struct stat st;
  unsigned disk;
  uint64_t base, pe_start, pe_end, dev_size;
  bool ours = false;

  if (stat (f[0], &st) == -1 || !S_ISBLK (st.st_mode)
      || !on_captured (st.st_rdev, c->disks, c->n, &disk, &base))
    return 0;
  for (size_t i = 0; i < ss->n; ++i)
    ours |= strcmp (ss->s[i].vg, f[1]) == 0;
  if (!ours)
    return 0;
  if (ss->nmeta + 2 > sizeof ss->meta / sizeof ss->meta[0]) {
    set_error (0, "more than %zu PVs",
               sizeof ss->meta / sizeof ss->meta[0] / 2);
    return -1;
  }
  pe_start = strtoull (f[2], NULL, 10);
  pe_end = pe_start + strtoull (f[3], NULL, 10) * strtoull (f[4], NULL, 10);
  dev_size = strtoull (f[5], NULL, 10);
  ss->meta[ss->nmeta++]
      = (struct lv_extent){ .disk = disk, .at = base, .len = pe_start };
  /* A second metadata area is at the PV's end, after the extents. */
  if (atoi (f[6]) > 1 && dev_size > pe_end)
    ss->meta[ss->nmeta++] = (struct lv_extent){ .disk = disk,
                                                .at = base + pe_end,
                                                .len = dev_size - pe_end };
  return 0;
}

/* The PVs' label and metadata areas of the volume groups of ss. */
static int
plan_metadata (const struct agent_disk *disks, size_t n,
               struct snapshot_set *ss)
{
  struct meta_ctx c = { disks, n, ss };

  return lvm_rows ("pvs",
                   "pv_name,vg_name,pe_start,pv_pe_count,vg_extent_size,"
                   "dev_size,pv_mda_count",
                   meta_row, &c);
}

static void
free_lvs (struct lv_list *l)
{
  for (size_t i = 0; i < l->n; ++i) {
    free (l->v[i].vg);
    free (l->v[i].lv);
  }
  free (l->v);
  l->v = NULL;
  l->n = 0;
}

/* An LV, if active. */
static int
lv_row (char **f, void *ctx)
{
  struct lv_list *l = ctx;
  struct lv_info *v;

  if (atoi (f[4]) < 0)
    return 0;
  v = realloc (l->v, (l->n + 1) * sizeof *v);
  if (v == NULL) {
    set_error (errno, "out of memory");
    return -1;
  }
  l->v = v;
  v = &l->v[l->n++];
  v->vg = strdup (f[0]);
  v->lv = strdup (f[1]);
  v->size = strtoull (f[2], NULL, 10);
  v->vg_free = strtoull (f[3], NULL, 10);
  v->dev = makedev ((unsigned) atoi (f[4]), (unsigned) atoi (f[5]));
  v->plain = f[6][0] == '-';
  if (v->vg == NULL || v->lv == NULL) {
    set_error (errno, "out of memory");
    return -1;
  }
  return 0;
}

/* The active LVs, each with its VG's free bytes.  0, or -1 with the
 * error set and l empty.
 */
static int
list_lvs (struct lv_list *l)
{
  l->v = NULL;
  l->n = 0;
  if (lvm_rows ("lvs",
                "vg_name,lv_name,lv_size,vg_free,lv_kernel_major,"
                "lv_kernel_minor,lv_attr",
                lv_row, l)
      == 0)
    return 0;
  free_lvs (l);
  return -1;
}

/* Removes the snapshots an agent killed before it could left behind
 * (their names end with its PID).  true if there was one.
 */
static bool
remove_stale (const struct lv_list *l)
{
  const struct lv_info *lvs = l->v;
  bool any = false;

  for (size_t i = 0; i < l->n; ++i) {
    const char *dash = strrchr (lvs[i].lv, '-');
    long pid = dash ? strtol (dash + 1, NULL, 10) : 0;
    CLEANUP_FREE char *vglv = NULL;
    if (strncmp (lvs[i].lv, SNAP_PREFIX, strlen (SNAP_PREFIX)) != 0 || pid <= 0
        || pid == (long) getpid () || kill ((pid_t) pid, 0) == 0
        || errno != ESRCH
        || asprintf (&vglv, "%s/%s", lvs[i].vg, lvs[i].lv) == -1)
      continue;
    {
      const char *args[] = { "lvremove", "--yes", vglv, NULL };
      CLEANUP_FREE char *msg = NULL;
      int r = lvm (args, NULL);
      if (asprintf (&msg,
                    r == 0 ? "removed %s, a snapshot left by an agent "
                             "that was killed"
                           : "cannot remove %s, a snapshot left by "
                             "an agent that was killed: %s",
                    vglv, get_error ())
          != -1)
        warning (msg);
      any |= r == 0;
    }
  }
  return any;
}

int
snapshot_plan (const struct agent_disk *disks, size_t n, struct freeze_set *fs,
               struct snapshot_set *ss)
{
  struct lv_list lvs;
  bool any = false;

  memset (ss, 0, sizeof *ss);
  for (size_t i = 0; i < fs->n; ++i) {
    char uuid[DM_UUID_LEN + 32];
    CLEANUP_FCLOSE FILE *fp = NULL;
    snprintf (uuid, sizeof uuid, "/sys/dev/block/%u:%u/dm/uuid",
              major (fs->devs[i]), minor (fs->devs[i]));
    fp = fopen (uuid, "re");
    any |= fp && fgets (uuid, sizeof uuid, fp)
           && strncmp (uuid, "LVM-", 4) == 0 && strchr (uuid + 4, '-') == NULL;
  }
  if (!any)
    return 0;
  find_lvm ();
  if (list_lvs (&lvs) == 0 && remove_stale (&lvs)) {
    free_lvs (&lvs);
    list_lvs (&lvs);
  }
  if (lvs.n == 0) {
    debug ("no LVM snapshots: %s", get_error ());
    return 0;
  }
  ss->s = calloc (fs->n, sizeof *ss->s);
  if (ss->s == NULL) {
    free_lvs (&lvs);
    set_error (errno, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < fs->n; ++i)
    for (size_t j = 0; j < lvs.n && ss->n < MAX_LIVE; ++j) {
      uint64_t took;
      if (lvs.v[j].dev != fs->devs[i])
        continue;
      took = plan_one (disks, n, &lvs.v[j], &ss->s[ss->n]);
      if (took == 0) {
        debug ("%s: no LVM snapshot (no room in %s, or not a plain LV "
               "laid out linearly on the captured disks): frozen instead",
               fs->paths[i], lvs.v[j].vg);
        continue;
      }
      ss->s[ss->n].mount = fs->paths[i];
      ss->s[ss->n].fs_index = i;
      ss->n++;
      for (size_t k = 0; k < lvs.n; ++k)
        if (strcmp (lvs.v[k].vg, lvs.v[j].vg) == 0)
          lvs.v[k].vg_free -= took;
    }
  free_lvs (&lvs);
  if (ss->n && plan_metadata (disks, n, ss) == -1) {
    debug ("no LVM snapshots: %s", get_error ());
    snapshot_drop (ss);
  }
  else if (ss->n && !aligned (disks, ss->meta, ss->nmeta)) {
    debug ("no LVM snapshots: the PVs' metadata areas are not aligned to "
           "the blocks");
    snapshot_drop (ss);
  }
  return 0;
}

/* "/dev/dm-N" for the device-mapper device called name, or NULL with
 * the error set.
 */
static char *
dm_device_by_name (const char *name)
{
  DIR *d = opendir ("/sys/block");
  struct dirent *e;
  char *path = NULL;

  if (d == NULL) {
    set_error (errno, "/sys/block");
    return NULL;
  }
  while (path == NULL && (e = readdir (d)) != NULL) {
    char file[300], got[256];
    CLEANUP_FCLOSE FILE *fp = NULL;
    if (strncmp (e->d_name, "dm-", 3) != 0)
      continue;
    snprintf (file, sizeof file, "/sys/block/%s/dm/name", e->d_name);
    fp = fopen (file, "re");
    if (fp && fgets (got, sizeof got, fp)) {
      got[strcspn (got, "\n")] = '\0';
      if (strcmp (got, name) == 0
          && asprintf (&path, "/dev/%s", e->d_name) == -1)
        path = NULL;
    }
  }
  closedir (d);
  if (path == NULL)
    set_error (0, "no device-mapper device '%s'", name);
  return path;
}

/* The snapshot's device, read-only: /dev/dm-N, found by its
 * device-mapper name in sysfs (no udev needed).
 */
static int
open_snapshot (struct snapshot *s, bool direct)
{
  const char *args[]
      = { "lvs", "--noheadings", "-o", "lv_dm_path", NULL, NULL };
  CLEANUP_FREE char *vglv = NULL, *out = NULL;
  char *name, *nl;
  CLEANUP_FREE char *path = NULL;

  if (asprintf (&vglv, "%s/%s", s->vg, s->name) == -1)
    return -1;
  args[4] = vglv;
  if (lvm (args, &out) == -1)
    return -1;
  if ((nl = strchr (out, '\n')))
    *nl = '\0';
  name = strrchr (out, '/');
  if (name == NULL) {
    set_error (0, "lvs: no device for %s", vglv);
    return -1;
  }
  path = dm_device_by_name (name + 1);
  if (path == NULL)
    return -1;
  s->fd = open (path, O_RDONLY | O_CLOEXEC | (direct ? O_DIRECT : 0));
  if (s->fd == -1 && direct)
    s->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (s->fd == -1) {
    set_error (errno, "'%s'", path);
    return -1;
  }
  for (sig_atomic_t i = 0; i < nlive; ++i)
    if (strcmp (live[i].name, vglv) == 0)
      live[i].fd = s->fd;
  return 0;
}

int
snapshot_open (struct snapshot_set *ss, bool direct)
{
  for (size_t i = 0; i < ss->n; ++i)
    if (open_snapshot (&ss->s[i], direct) == -1) {
      prefix_error ("the LVM snapshot of %s/%s", ss->s[i].vg, ss->s[i].lv);
      return -1;
    }
  return 0;
}

void
snapshot_take (struct snapshot_set *ss, struct freeze_set *fs)
{
  double t0 = now_seconds ();
  size_t kept = 0;

  for (size_t i = 0; i < ss->n; ++i) {
    struct snapshot *s = &ss->s[i];
    char size[32];
    CLEANUP_FREE char *origin = NULL;
    const char *args[]
        = { "lvcreate", "--snapshot", "--yes", "--name", s->name,
            "--size",   size,         NULL,    NULL };
    snprintf (size, sizeof size, "%" PRIu64 "m", s->size >> 20);
    if (asprintf (&origin, "%s/%s", s->vg, s->lv) == -1)
      origin = NULL;
    args[7] = origin;
    if (nlive < MAX_LIVE) {
      snprintf (live[nlive].name, sizeof live[nlive].name, "%s/%s", s->vg,
                s->name);
      live[nlive].fd = -1;
      nlive = nlive + 1;
    }
    s->tried = origin != NULL;
    if (origin && lvm (args, NULL) == 0) {
      s->made = true;
      fs->snapshotted[s->fs_index] = true;
      ss->s[kept++] = *s;
      continue;
    }
    {
      CLEANUP_FREE char *msg = NULL;
      if (asprintf (&msg, "%s: no LVM snapshot (%s): frozen instead", s->mount,
                    get_error ())
          != -1)
        warning (msg);
    }
    if (snapshot_remove (s) == -1)
      warning (get_error ());
  }
  ss->n = kept;
  ss->seconds = now_seconds () - t0;
}

/* Off the list the signal handlers remove: lvremove follows. */
static void
forget_live (const char *vglv)
{
  sig_atomic_t n = nlive;

  for (sig_atomic_t i = 0; i < n; ++i)
    if (strcmp (live[i].name, vglv) == 0) {
      if (i != n - 1) {
        live[i].fd = -1;
        memcpy (live[i].name, live[n - 1].name, sizeof live[i].name);
        live[i].fd = live[n - 1].fd;
      }
      nlive = n - 1;
      return;
    }
}

int
snapshot_remove (struct snapshot *s)
{
  CLEANUP_FREE char *vglv = NULL;
  int r = 0;

  if (s->vg && s->name && asprintf (&vglv, "%s/%s", s->vg, s->name) != -1)
    forget_live (vglv);
  if (s->fd >= 0)
    close (s->fd);
  s->fd = -1;
  if (vglv && s->tried) {
    const char *args[] = { "lvremove", "--yes", vglv, NULL };
    const char *show[] = { "lvs", vglv, NULL };
    /* After a failed lvcreate, only if it made the LV all the same. */
    if ((s->made || lvm (show, NULL) == 0) && lvm (args, NULL) == -1) {
      prefix_error ("cannot remove the LVM snapshot %s (remove it with "
                    "lvremove)",
                    vglv);
      r = -1;
    }
  }
  free (s->vg);
  free (s->lv);
  free (s->name);
  free (s->ext);
  memset (s, 0, sizeof *s);
  s->fd = -1;
  return r;
}

int
snapshot_drop (struct snapshot_set *ss)
{
  int r = 0;

  for (size_t i = 0; i < ss->n; ++i)
    if (snapshot_remove (&ss->s[i]) == -1)
      r = -1;
  free (ss->s);
  memset (ss, 0, sizeof *ss);
  return r;
}

/* Sets in b the blocks of disk that ranges [r, r + nr) touch. */
static void
mark (struct bitmap *b, const struct agent_disk *d, unsigned disk,
      const struct lv_extent *r, size_t nr)
{
  for (size_t i = 0; i < nr; ++i)
    if (r[i].disk == disk && r[i].len) {
      uint64_t first = r[i].at / d->bs;
      uint64_t last = (r[i].at + r[i].len + d->bs - 1) / d->bs;
      bitmap_set_range (b, first, last - first);
    }
}

void
snapshot_blocks (const struct snapshot_set *ss, const struct agent_disk *d,
                 unsigned disk, struct bitmap *lv, struct bitmap *meta)
{
  bitmap_clear_all (lv);
  bitmap_clear_all (meta);
  for (size_t i = 0; i < ss->n; ++i)
    mark (lv, d, disk, ss->s[i].ext, ss->s[i].next);
  mark (meta, d, disk, ss->meta, ss->nmeta);
  bitmap_and_not (meta, lv);
}

ssize_t
snapshot_pread (const struct snapshot_set *ss, unsigned disk, int fd,
                void *buf, size_t len, uint64_t off)
{
  size_t done = 0;

  while (done < len) {
    uint64_t at = off + done, piece = len - done;
    int from = fd;
    uint64_t from_at = at;
    ssize_t got;
    /* The extent holding at, or the nearest one after it. */
    for (size_t i = 0; i < ss->n; ++i)
      for (size_t j = 0; j < ss->s[i].next; ++j) {
        const struct lv_extent *e = &ss->s[i].ext[j];
        if (e->disk != disk)
          continue;
        if (at >= e->at && at < e->at + e->len) {
          from = ss->s[i].fd;
          from_at = e->lv_at + (at - e->at);
          if (e->at + e->len - at < piece)
            piece = e->at + e->len - at;
        }
        else if (e->at > at && e->at - at < piece)
          piece = e->at - at;
      }
    got = pread (from, (char *) buf + done, (size_t) piece, (off_t) from_at);
    if (got <= 0)
      return got == 0 ? (ssize_t) done : -1;
    done += (size_t) got;
  }
  return (ssize_t) done;
}
