/* vmshift: VMDK descriptors and snapshot chains (vmdk.h).
 *
 * On-disk structures are decoded byte by byte as little-endian, never
 * through packed structs.  References: VMware "Virtual Disk Format 5.0"
 * and what QEMU's block/vmdk.c accepts, since QEMU reads the disks.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "disk-file.h"
#include "errors.h"
#include "file-util.h"
#include "vector.h"
#include "vmdk.h"

#define SECTOR 512
#define SPARSE_MAGIC 0x564d444bU /* "KDMV" */
#define COWD_MAGIC 0x44574f43U   /* "COWD": ESX vmfsSparse */
#define SESPARSE_MAGIC UINT64_C (0xcafebabe)
#define SESPARSE_VERSION UINT64_C (0x200000001)
#define GD_AT_END UINT64_MAX       /* streamOptimized: see footer */
#define FLAG_RGD (1U << 1)         /* redundant grain directory */
#define MAX_GRAIN_SECTORS 0x200000 /* QEMU's limit (1 GiB) */
#define MAX_GTES_PER_GT 512        /* QEMU's limit */
#define MARKER_FOOTER 3
#define MAX_L1_ENTRIES (32 * 1024 * 1024) /* QEMU's limit */

/* ---- little helpers ---------------------------------------------- */

static inline uint32_t
le32 (const unsigned char *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16
         | (uint32_t) p[3] << 24;
}

static inline uint64_t
le64 (const unsigned char *p)
{
  return (uint64_t) le32 (p) | (uint64_t) le32 (p + 4) << 32;
}

static inline uint16_t
le16 (const unsigned char *p)
{
  return (uint16_t) (p[0] | p[1] << 8);
}

static inline char
ascii_lower (char c)
{
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static inline bool
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

static bool
equal_ci_n (const char *a, size_t alen, const char *b)
{
  size_t blen = strlen (b);

  if (alen != blen)
    return false;
  for (size_t i = 0; i < alen; ++i) {
    if (ascii_lower (a[i]) != ascii_lower (b[i]))
      return false;
  }
  return true;
}

/* Strict unsigned decimal (no sign, no blanks, no overflow). */
static bool
parse_u64 (const char *s, size_t len, uint64_t *out)
{
  uint64_t n = 0;

  if (len == 0)
    return false;
  for (size_t i = 0; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    if (n > (UINT64_MAX - (s[i] - '0')) / 10)
      return false;
    n = n * 10 + (s[i] - '0');
  }
  *out = n;
  return true;
}

/* Hex, as in CID=fffffffe (at most 8 digits). */
static bool
parse_hex32 (const char *s, size_t len, uint32_t *out)
{
  uint32_t n = 0;

  if (len == 0 || len > 8)
    return false;
  for (size_t i = 0; i < len; ++i) {
    char c = ascii_lower (s[i]);

    if (c >= '0' && c <= '9')
      n = n << 4 | (uint32_t) (c - '0');
    else if (c >= 'a' && c <= 'f')
      n = n << 4 | (uint32_t) (c - 'a' + 10);
    else
      return false;
  }
  *out = n;
  return true;
}

static const char *
base_of (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash ? slash + 1 : path;
}

/* Reads up to n bytes at off.  Returns the count (short only at end of
 * file) or -1 with errno set.
 */
static ssize_t
read_at (int fd, void *buf, size_t n, uint64_t off)
{
  size_t done = 0;

  if (off > INT64_MAX) {
    errno = EINVAL;
    return -1;
  }
  while (done < n) {
    ssize_t r
        = pread (fd, (char *) buf + done, n - done, (off_t) (off + done));

    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1)
      return -1;
    if (r == 0)
      break;
    done += r;
  }
  return done;
}

/* Opens path read-only (regular file or block device) and finds its
 * size.  Returns the fd, or -1 with errno set (EISDIR for directories,
 * EINVAL for other kinds of file).
 */
static int
open_sized (const char *path, uint64_t *size)
{
  struct stat st;
  off_t end;
  int fd, saved;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1)
    return -1;
  if (fstat (fd, &st) == -1)
    goto err;
  if (S_ISDIR (st.st_mode)) {
    errno = EISDIR;
    goto err;
  }
  if (S_ISREG (st.st_mode))
    *size = st.st_size;
  else if (S_ISBLK (st.st_mode)) {
    end = lseek (fd, 0, SEEK_END);
    if (end == -1)
      goto err;
    *size = end;
  }
  else {
    errno = EINVAL;
    goto err;
  }
  return fd;

err:
  saved = errno;
  close (fd);
  errno = saved;
  return -1;
}

/* Error for a file named by a descriptor (kind "extent" or "parent")
 * that open_sized refused.
 */
static void
member_error (int err, const char *owner, const char *kind, const char *shown,
              const char *path)
{
  bool same = strcmp (shown, path) == 0;

  if (err == ENOENT)
    set_error (0, "'%s': %s '%s' is missing%s%s%s", owner, kind, shown,
               same ? "" : " (no file '", same ? "" : path, same ? "" : "')");
  else if (err == EISDIR)
    set_error (0, "'%s': %s '%s' is a directory", owner, kind, path);
  else if (err == EINVAL)
    set_error (0, "'%s': %s '%s' is not a regular file or block device", owner,
               kind, path);
  else
    set_error (err, "'%s': %s '%s': could not open '%s'", owner, kind, shown,
               path);
}

/* ---- the descriptor ---------------------------------------------- */

const char *
vmdk_access_name (enum vmdk_access access)
{
  switch (access) {
    case VMDK_ACCESS_RW: return "RW";
    case VMDK_ACCESS_RDONLY: return "RDONLY";
    case VMDK_ACCESS_NOACCESS: return "NOACCESS";
  }
  return "?";
}

static const struct {
  const char *name;
  enum vmdk_extent_type type;
} extent_types[] = {
  { "FLAT", VMDK_EXTENT_FLAT },
  { "SPARSE", VMDK_EXTENT_SPARSE },
  { "ZERO", VMDK_EXTENT_ZERO },
  { "VMFS", VMDK_EXTENT_VMFS },
  { "VMFSSPARSE", VMDK_EXTENT_VMFSSPARSE },
  { "SESPARSE", VMDK_EXTENT_SESPARSE },
  { "VMFSRDM", VMDK_EXTENT_VMFSRDM },
  { "VMFSRAW", VMDK_EXTENT_VMFSRAW },
  { "VMFSPASSTHROUGHRAW", VMDK_EXTENT_VMFSPASSTHROUGHRAW },
};
#define NR_EXTENT_TYPES (sizeof extent_types / sizeof extent_types[0])

const char *
vmdk_extent_type_name (enum vmdk_extent_type type)
{
  for (size_t i = 0; i < NR_EXTENT_TYPES; ++i) {
    if (extent_types[i].type == type)
      return extent_types[i].name;
  }
  return "?";
}

static bool
is_flat_type (enum vmdk_extent_type type)
{
  return type == VMDK_EXTENT_FLAT || type == VMDK_EXTENT_VMFS
         || type == VMDK_EXTENT_VMFSRDM || type == VMDK_EXTENT_VMFSRAW
         || type == VMDK_EXTENT_VMFSPASSTHROUGHRAW;
}

void
vmdk_free (struct vmdk *vmdk)
{
  if (vmdk == NULL)
    return;
  for (size_t i = 0; i < vmdk->extents.len; ++i) {
    free (vmdk->extents.ptr[i].file);
    free (vmdk->extents.ptr[i].path);
  }
  vmdk_extent_vector_reset (&vmdk->extents);
  free (vmdk->name);
  free (vmdk->create_type);
  free (vmdk->parent_hint);
  free (vmdk->parent_path);
  free (vmdk->adapter_type);
  free (vmdk);
}

/* Skips blanks; returns the start of the next word and its length. */
static const char *
next_word (const char **p, const char *end, size_t *len)
{
  const char *w;

  while (*p < end && is_blank (**p))
    (*p)++;
  w = *p;
  while (*p < end && !is_blank (**p))
    (*p)++;
  *len = *p - w;
  return w;
}

/* ACCESS SECTORS TYPE ["FILE" [OFFSET]] */
static int
parse_extent (struct vmdk *vmdk, const char *dir, int lineno, const char *p,
              const char *end)
{
  struct vmdk_extent e = { .lineno = lineno };
  const char *w, *name, *close;
  size_t wlen;
  size_t i;
  bool has_offset = false;

  w = next_word (&p, end, &wlen);
  if (equal_ci_n (w, wlen, "RW"))
    e.access = VMDK_ACCESS_RW;
  else if (equal_ci_n (w, wlen, "RDONLY"))
    e.access = VMDK_ACCESS_RDONLY;
  else
    e.access = VMDK_ACCESS_NOACCESS;

  w = next_word (&p, end, &wlen);
  if (!parse_u64 (w, wlen, &e.sectors) || e.sectors == 0) {
    set_error (0,
               "'%s' line %d: extent size '%.*s' is not a positive "
               "number of sectors",
               vmdk->name, lineno, (int) wlen, w);
    return -1;
  }
  if (e.sectors > UINT64_MAX / SECTOR
      || vmdk->capacity > UINT64_MAX - e.sectors * SECTOR) {
    set_error (0, "'%s' line %d: the disk size overflows 64 bits", vmdk->name,
               lineno);
    return -1;
  }

  w = next_word (&p, end, &wlen);
  for (i = 0; i < NR_EXTENT_TYPES; ++i) {
    if (equal_ci_n (w, wlen, extent_types[i].name))
      break;
  }
  if (i == NR_EXTENT_TYPES) {
    set_error (0, "'%s' line %d: unknown extent type '%.*s'", vmdk->name,
               lineno, (int) wlen, w);
    return -1;
  }
  e.type = extent_types[i].type;

  while (p < end && is_blank (*p))
    p++;
  if (e.type != VMDK_EXTENT_ZERO) {
    if (p == end || *p != '"'
        || (close = memchr (p + 1, '"', end - p - 1)) == NULL
        || close == p + 1) {
      set_error (0,
                 "'%s' line %d: expected the extent's file name in "
                 "double quotes",
                 vmdk->name, lineno);
      return -1;
    }
    name = p + 1;
    p = close + 1;
    w = next_word (&p, end, &wlen);
    if (wlen > 0) {
      if (!is_flat_type (e.type) || !parse_u64 (w, wlen, &e.offset)) {
        set_error (0,
                   "'%s' line %d: unexpected '%.*s' after the extent's "
                   "file name",
                   vmdk->name, lineno, (int) wlen, w);
        return -1;
      }
      has_offset = true;
    }
    if (e.type == VMDK_EXTENT_FLAT && !has_offset) {
      set_error (0,
                 "'%s' line %d: a FLAT extent needs an offset after "
                 "its file name",
                 vmdk->name, lineno);
      return -1;
    }
    if (e.offset > UINT64_MAX / SECTOR - e.sectors) {
      set_error (0, "'%s' line %d: the extent's offset overflows 64 bits",
                 vmdk->name, lineno);
      return -1;
    }
    e.file = strndup (name, close - name);
    if (e.file == NULL) {
      set_error (errno, "strndup");
      return -1;
    }
    e.path = path_join (dir, e.file);
    if (e.path == NULL) {
      free (e.file);
      return -1;
    }
  }
  w = next_word (&p, end, &wlen);
  if (wlen > 0) {
    set_error (0,
               "'%s' line %d: unexpected '%.*s' at the end of the "
               "extent line",
               vmdk->name, lineno, (int) wlen, w);
    goto err;
  }
  if (vmdk_extent_vector_append (&vmdk->extents, e) == -1) {
    set_error (errno, "out of memory");
    goto err;
  }
  vmdk->capacity += e.sectors * SECTOR;
  return 0;

err:
  free (e.file);
  free (e.path);
  return -1;
}

/* Replaces *dst with a copy of len bytes of src. */
static int
set_string (char **dst, const char *src, size_t len)
{
  char *s = strndup (src, len);

  if (s == NULL) {
    set_error (errno, "strndup");
    return -1;
  }
  free (*dst);
  *dst = s;
  return 0;
}

/* key=value, key = "value" */
static int
parse_setting (struct vmdk *vmdk, const char *dir, int lineno, const char *p,
               const char *end)
{
  const char *eq = memchr (p, '=', end - p), *key = p, *val, *kend;
  size_t klen, vlen;
  uint64_t n;

  if (eq == NULL) {
    set_error (0, "'%s' line %d: expected key=\"value\" or an extent line",
               vmdk->name, lineno);
    return -1;
  }
  kend = eq;
  while (kend > key && is_blank (kend[-1]))
    kend--;
  klen = kend - key;
  val = eq + 1;
  while (val < end && is_blank (*val))
    val++;
  vlen = end - val;
  if (vlen > 0 && *val == '"') {
    if (vlen < 2 || val[vlen - 1] != '"') {
      set_error (0, "'%s' line %d: missing '\"' at the end of the value",
                 vmdk->name, lineno);
      return -1;
    }
    val++;
    vlen -= 2;
  }
  if (klen == 0) {
    set_error (0, "'%s' line %d: expected key=\"value\" or an extent line",
               vmdk->name, lineno);
    return -1;
  }

  if (equal_ci_n (key, klen, "version")) {
    if (!parse_u64 (val, vlen, &n) || n > 1000) {
      set_error (0, "'%s' line %d: version '%.*s' is not a number", vmdk->name,
                 lineno, (int) vlen, val);
      return -1;
    }
    vmdk->version = (int) n;
  }
  else if (equal_ci_n (key, klen, "CID")) {
    if (!parse_hex32 (val, vlen, &vmdk->cid)) {
      set_error (0, "'%s' line %d: CID '%.*s' is not 8 hex digits", vmdk->name,
                 lineno, (int) vlen, val);
      return -1;
    }
    vmdk->has_cid = true;
  }
  else if (equal_ci_n (key, klen, "parentCID")) {
    if (!parse_hex32 (val, vlen, &vmdk->parent_cid)) {
      set_error (0, "'%s' line %d: parentCID '%.*s' is not 8 hex digits",
                 vmdk->name, lineno, (int) vlen, val);
      return -1;
    }
  }
  else if (equal_ci_n (key, klen, "createType"))
    return set_string (&vmdk->create_type, val, vlen);
  else if (equal_ci_n (key, klen, "ddb.adapterType"))
    return set_string (&vmdk->adapter_type, val, vlen);
  else if (equal_ci_n (key, klen, "parentFileNameHint")) {
    if (vlen == 0) {
      set_error (0, "'%s' line %d: parentFileNameHint is empty", vmdk->name,
                 lineno);
      return -1;
    }
    if (set_string (&vmdk->parent_hint, val, vlen) == -1)
      return -1;
    free (vmdk->parent_path);
    vmdk->parent_path = path_join (dir, vmdk->parent_hint);
    if (vmdk->parent_path == NULL)
      return -1;
  }
  /* Everything else (encoding, ddb.geometry.*, changeTrackPath...) is
   * not needed to read the disk.
   */
  return 0;
}

static bool
is_access_word (const char *p, const char *end)
{
  static const char *const words[] = { "RW", "RDONLY", "NOACCESS" };

  for (size_t i = 0; i < 3; ++i) {
    size_t n = strlen (words[i]);

    if ((size_t) (end - p) > n && equal_ci_n (p, n, words[i])
        && is_blank (p[n]))
      return true;
  }
  return false;
}

struct vmdk *
vmdk_parse_descriptor (const char *name, const char *dir, const char *text,
                       size_t len)
{
  struct vmdk *vmdk;
  size_t pos = 0;
  int lineno = 0;

  len = strnlen (text, len);
  if (len > VMDK_MAX_DESCRIPTOR) {
    set_error (0, "'%s': the descriptor is larger than %d bytes", name,
               VMDK_MAX_DESCRIPTOR);
    goto err0;
  }
  vmdk = calloc (1, sizeof *vmdk);
  if (vmdk == NULL) {
    set_error (errno, "calloc");
    goto err0;
  }
  vmdk->version = 1;
  vmdk->parent_cid = VMDK_NO_PARENT;
  vmdk->name = strdup (name);
  if (vmdk->name == NULL) {
    set_error (errno, "strdup");
    goto err1;
  }

  if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    pos = 3;
  while (pos < len) {
    const char *p = text + pos;
    const char *eol = memchr (p, '\n', len - pos);
    const char *end = eol ? eol : text + len;

    pos = end - text + (eol != NULL);
    lineno++;
    while (p < end && is_blank (*p))
      p++;
    while (end > p && (is_blank (end[-1]) || end[-1] == '\r'))
      end--;
    if (p == end || *p == '#')
      continue;
    if (is_access_word (p, end)) {
      if (parse_extent (vmdk, dir, lineno, p, end) == -1)
        goto err1;
    }
    else if (parse_setting (vmdk, dir, lineno, p, end) == -1)
      goto err1;
  }

  if (vmdk->create_type == NULL) {
    set_error (0, "'%s': not a VMDK descriptor (no createType)", name);
    goto err1;
  }
  if (vmdk->extents.len == 0) {
    set_error (0, "'%s': the descriptor lists no extents", name);
    goto err1;
  }
  return vmdk;

err1:
  vmdk_free (vmdk);
err0:
  return NULL;
}

/* ---- sparse headers ---------------------------------------------- */

struct sparse_header {
  uint32_t version;
  uint32_t flags;
  uint64_t capacity;    /* sectors */
  uint64_t grain_size;  /* sectors */
  uint64_t desc_offset; /* sectors */
  uint64_t desc_size;   /* sectors */
  uint32_t gtes_per_gt;
  uint64_t rgd_offset; /* sectors */
  uint64_t gd_offset;  /* sectors */
  uint64_t overhead;   /* sectors */
  uint16_t compress;
};

/* The hosted sparse extent header, after its 4 byte magic:
 *   4 version, 8 flags, 12 capacity, 20 grainSize, 28 descriptorOffset,
 *   36 descriptorSize, 44 numGTEsPerGT, 48 rgdOffset, 56 gdOffset,
 *   64 overHead, 72 uncleanShutdown, 73..76 newline check bytes,
 *   77 compressAlgorithm.
 */
static void
decode_sparse_header (const unsigned char *b, struct sparse_header *h)
{
  h->version = le32 (b + 4);
  h->flags = le32 (b + 8);
  h->capacity = le64 (b + 12);
  h->grain_size = le64 (b + 20);
  h->desc_offset = le64 (b + 28);
  h->desc_size = le64 (b + 36);
  h->gtes_per_gt = le32 (b + 44);
  h->rgd_offset = le64 (b + 48);
  h->gd_offset = le64 (b + 56);
  h->overhead = le64 (b + 64);
  h->compress = le16 (b + 77);
}

/* Is [off, off + bytes) inside a file of size bytes (off in sectors)? */
static bool
region_fits (uint64_t off_sectors, uint64_t bytes, uint64_t size)
{
  if (off_sectors > size / SECTOR)
    return false;
  return bytes <= size - off_sectors * SECTOR;
}

/* The sparse header's sector count must match the descriptor line. */
static int
check_header_sectors (const char *path, uint64_t header_sectors,
                      const struct vmdk *owner, const struct vmdk_extent *e)
{
  if (header_sectors == e->sectors)
    return 0;
  set_error (0,
             "'%s': its header says %" PRIu64 " sectors, but '%s' "
             "line %d says %" PRIu64,
             path, header_sectors, owner->name, e->lineno, e->sectors);
  return -1;
}

/* The grain directory (at gd sectors, bytes long) must be in the file. */
static int
check_gd_fits (const char *path, uint64_t gd, uint64_t bytes, uint64_t size)
{
  if (region_fits (gd, bytes, size))
    return 0;
  set_error (0,
             "'%s': truncated: %" PRIu64 " bytes, but its grain "
             "directory is at sector %" PRIu64,
             path, size, gd);
  return -1;
}

/* streamOptimized files keep the real header in a footer: a footer
 * marker sector, the footer (a copy of the header), and an
 * end-of-stream marker, in the last 1536 bytes.
 */
static int
read_footer (int fd, const char *path, uint64_t size, struct sparse_header *h)
{
  unsigned char b[3 * SECTOR];
  uint64_t end = size / SECTOR * SECTOR;
  ssize_t r;

  if (end < 4 * SECTOR) {
    set_error (0,
               "'%s': truncated: %" PRIu64 " bytes, too short for a "
               "stream-optimized VMDK and its footer",
               path, size);
    return -1;
  }
  r = read_at (fd, b, sizeof b, end - sizeof b);
  if (r == -1) {
    set_error (errno, "could not read '%s'", path);
    return -1;
  }
  if ((size_t) r != sizeof b || le32 (b + 8) != 0
      || le32 (b + 12) != MARKER_FOOTER || le32 (b + SECTOR) != SPARSE_MAGIC
      || le64 (b + 2 * SECTOR) != 0 || le32 (b + 2 * SECTOR + 8) != 0
      || le32 (b + 2 * SECTOR + 12) != 0) {
    set_error (0,
               "'%s': truncated or corrupt: a stream-optimized VMDK "
               "must end with a footer and an end-of-stream marker",
               path);
    return -1;
  }
  decode_sparse_header (b + SECTOR, h);
  if (h->gd_offset == GD_AT_END) {
    set_error (0, "'%s': corrupt: the footer has no grain directory", path);
    return -1;
  }
  return 0;
}

/* Checks a "KDMV" extent whose first sector is hdr. */
static int
check_hosted_sparse (int fd, const char *path, uint64_t size,
                     const unsigned char *hdr, const struct vmdk *owner,
                     const struct vmdk_extent *e)
{
  struct sparse_header h;
  uint64_t l1_entry, l1_size, gd_bytes, gd;

  decode_sparse_header (hdr, &h);
  if (h.gd_offset == GD_AT_END && read_footer (fd, path, size, &h) == -1)
    return -1;
  if (h.version < 1 || h.version > 3) {
    set_error (0, "'%s': sparse VMDK version %" PRIu32 " is not supported",
               path, h.version);
    return -1;
  }
  if (check_header_sectors (path, h.capacity, owner, e) == -1)
    return -1;
  if (h.grain_size == 0 || h.grain_size > MAX_GRAIN_SECTORS
      || h.gtes_per_gt == 0 || h.gtes_per_gt > MAX_GTES_PER_GT) {
    set_error (0,
               "'%s': corrupt sparse header (grain size %" PRIu64
               " sectors, %" PRIu32 " entries per grain table)",
               path, h.grain_size, h.gtes_per_gt);
    return -1;
  }
  if (h.overhead > size / SECTOR) {
    set_error (0,
               "'%s': truncated: %" PRIu64 " bytes, but its metadata "
               "takes %" PRIu64 " sectors",
               path, size, h.overhead);
    return -1;
  }
  l1_entry = h.grain_size * h.gtes_per_gt; /* at most 2^30 */
  l1_size = h.capacity / l1_entry + (h.capacity % l1_entry != 0);
  if (l1_size > MAX_L1_ENTRIES) {
    set_error (0,
               "'%s': corrupt sparse header (a grain directory of %" PRIu64
               " entries)",
               path, l1_size);
    return -1;
  }
  gd_bytes = l1_size * 4;
  gd = h.gd_offset;
  if (region_fits (gd, gd_bytes, size) && (h.flags & FLAG_RGD))
    gd = h.rgd_offset;
  return check_gd_fits (path, gd, gd_bytes, size);
}

/* ESX "COWD" sparse extent, after its magic: 4 version, 8 flags,
 * 12 numSectors, 16 grainSize, 20 gdOffset, 24 numGDEntries.
 */
static int
check_cowd (const char *path, uint64_t size, const unsigned char *hdr,
            const struct vmdk *owner, const struct vmdk_extent *e)
{
  uint32_t sectors = le32 (hdr + 12), grain = le32 (hdr + 16);
  uint32_t gd_offset = le32 (hdr + 20), gd_entries = le32 (hdr + 24);

  if (check_header_sectors (path, sectors, owner, e) == -1)
    return -1;
  if (grain == 0 || grain > MAX_GRAIN_SECTORS || gd_entries > MAX_L1_ENTRIES) {
    set_error (0,
               "'%s': corrupt sparse header (grain size %" PRIu32
               " sectors, %" PRIu32 " grain directory entries)",
               path, grain, gd_entries);
    return -1;
  }
  return check_gd_fits (path, gd_offset, (uint64_t) gd_entries * 4, size);
}

/* ESXi SE sparse extent: 64 bit fields; 0 magic, 8 version,
 * 16 capacity, 80 volatile header offset, 128 grain dir offset,
 * 136 grain dir size (offsets and sizes in sectors).
 */
static int
check_sesparse (const char *path, uint64_t size, const unsigned char *hdr,
                const struct vmdk *owner, const struct vmdk_extent *e)
{
  uint64_t capacity = le64 (hdr + 16), volatile_offset = le64 (hdr + 80);
  uint64_t gd_offset = le64 (hdr + 128), gd_size = le64 (hdr + 136);

  if (le64 (hdr) != SESPARSE_MAGIC) {
    set_error (0, "'%s': not an SE sparse extent (bad magic)", path);
    return -1;
  }
  if (le64 (hdr + 8) != SESPARSE_VERSION) {
    set_error (0, "'%s': SE sparse version 0x%" PRIx64 " is not supported",
               path, le64 (hdr + 8));
    return -1;
  }
  if (check_header_sectors (path, capacity, owner, e) == -1)
    return -1;
  if (gd_size > UINT64_MAX / SECTOR
      || !region_fits (volatile_offset, SECTOR, size)
      || !region_fits (gd_offset, gd_size * SECTOR, size)) {
    set_error (0,
               "'%s': truncated: %" PRIu64 " bytes, but its metadata "
               "goes further",
               path, size);
    return -1;
  }
  return 0;
}

/* Checks that one extent of owner exists, is readable and large
 * enough.
 */
static int
check_extent (const struct vmdk *owner, const struct vmdk_extent *e)
{
  CLEANUP_CLOSE int fd = -1;
  unsigned char hdr[SECTOR];
  uint64_t size, need;
  ssize_t r;

  if (e->type == VMDK_EXTENT_ZERO)
    return 0;
  fd = open_sized (e->path, &size);
  if (fd == -1) {
    member_error (errno, owner->name, "extent", e->file, e->path);
    return -1;
  }

  if (is_flat_type (e->type)) {
    need = (e->offset + e->sectors) * SECTOR; /* checked when parsed */
    if (size < need) {
      set_error (0,
                 "'%s': truncated: %" PRIu64 " bytes, but '%s' line %d "
                 "needs %" PRIu64,
                 e->path, size, owner->name, e->lineno, need);
      return -1;
    }
    return 0;
  }

  r = read_at (fd, hdr, sizeof hdr, 0);
  if (r == -1) {
    set_error (errno, "could not read '%s'", e->path);
    return -1;
  }
  if ((size_t) r < sizeof hdr) {
    set_error (0,
               "'%s': truncated: %" PRIu64 " bytes, shorter than a "
               "sparse extent header",
               e->path, size);
    return -1;
  }
  if (e->type == VMDK_EXTENT_SESPARSE)
    return check_sesparse (e->path, size, hdr, owner, e);
  /* QEMU accepts either kind of header for SPARSE and VMFSSPARSE. */
  if (le32 (hdr) == SPARSE_MAGIC)
    return check_hosted_sparse (fd, e->path, size, hdr, owner, e);
  if (le32 (hdr) == COWD_MAGIC)
    return check_cowd (e->path, size, hdr, owner, e);
  set_error (0, "'%s': not a sparse VMDK extent (named by '%s' line %d)",
             e->path, owner->name, e->lineno);
  return -1;
}

/* ---- opening a VMDK ---------------------------------------------- */

/* Text descriptors start with "# Disk DescriptorFile" or have one of
 * the header's settings or an extent line as their first line that is
 * not a comment (QEMU's probe wants "version=" there, but QEMU opens
 * any descriptor with a createType when told the format).
 */
static bool
looks_like_descriptor (const char *text, size_t len)
{
  static const char magic[] = "disk descriptorfile";
  static const char *const keys[] = {
    "version",    "encoding",           "CID", "parentCID", "isNativeSnapshot",
    "createType", "parentFileNameHint",
  };
  size_t pos = 0;

  if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    pos = 3;
  while (pos < len) {
    const char *p = text + pos, *k;
    const char *eol = memchr (p, '\n', len - pos);
    const char *end = eol ? eol : text + len;

    pos = end - text + (eol != NULL);
    while (p < end && (is_blank (*p) || *p == '\r'))
      p++;
    if (p == end)
      continue;
    if (*p == '#') {
      p++;
      while (p < end && is_blank (*p))
        p++;
      if ((size_t) (end - p) >= sizeof magic - 1
          && equal_ci_n (p, sizeof magic - 1, magic))
        return true;
      continue;
    }
    if (is_access_word (p, end))
      return true;
    for (k = p; k < end && *k != '=' && !is_blank (*k); ++k)
      ;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i) {
      if (equal_ci_n (p, k - p, keys[i]))
        return true;
    }
    return false;
  }
  return false;
}

/* Where the descriptor embedded after the sparse header hdr of a file
 * of size bytes is: *off and *len in bytes.  0, or -1 with the error
 * set.
 */
static int
embedded_range (const char *path, uint64_t size, const unsigned char *hdr,
                uint64_t *off, size_t *len)
{
  struct sparse_header h;

  if (size < SECTOR) {
    set_error (0,
               "'%s': truncated: %" PRIu64 " bytes, shorter than a "
               "sparse VMDK header",
               path, size);
    return -1;
  }
  decode_sparse_header (hdr, &h);
  if (h.desc_offset == 0 || h.desc_size == 0) {
    set_error (0,
               "'%s': a sparse extent with no descriptor: give the "
               ".vmdk descriptor file that names it",
               path);
    return -1;
  }
  if (h.desc_size > VMDK_MAX_DESCRIPTOR / SECTOR) {
    set_error (0,
               "'%s': corrupt: the embedded descriptor is %" PRIu64
               " sectors long",
               path, h.desc_size);
    return -1;
  }
  *len = h.desc_size * SECTOR;
  if (!region_fits (h.desc_offset, *len, size)) {
    set_error (0,
               "'%s': truncated: %" PRIu64 " bytes, but the embedded "
               "descriptor is at sectors %" PRIu64 "+%" PRIu64,
               path, size, h.desc_offset, h.desc_size);
    return -1;
  }
  *off = h.desc_offset * SECTOR;
  return 0;
}

/* Parses text, the descriptor embedded in the sparse file path. */
static struct vmdk *
parse_embedded (const char *path, const char *dir, const char *text,
                size_t len)
{
  struct vmdk *vmdk;
  char *self;

  vmdk = vmdk_parse_descriptor (path, dir, text, len);
  if (vmdk == NULL)
    return NULL;
  vmdk->embedded = true;

  /* The data is this very file, whatever name the extent line gives
   * (it keeps the name the file was created with; renaming the file
   * does not change it).  QEMU reads the file itself too.
   */
  if (vmdk->extents.len != 1
      || vmdk->extents.ptr[0].type != VMDK_EXTENT_SPARSE) {
    set_error (0,
               "'%s': corrupt: the embedded descriptor must list one "
               "SPARSE extent",
               path);
    vmdk_free (vmdk);
    return NULL;
  }
  self = strdup (path);
  if (self == NULL) {
    set_error (errno, "strdup");
    vmdk_free (vmdk);
    return NULL;
  }
  free (vmdk->extents.ptr[0].path);
  vmdk->extents.ptr[0].path = self;
  return vmdk;
}

/* Reads the descriptor embedded after a sparse header. */
static struct vmdk *
open_embedded (int fd, const char *path, const char *dir, uint64_t size,
               const unsigned char *hdr)
{
  CLEANUP_FREE char *text = NULL;
  uint64_t off;
  size_t len;
  ssize_t r;

  if (embedded_range (path, size, hdr, &off, &len) == -1)
    return NULL;
  text = malloc (len);
  if (text == NULL) {
    set_error (errno, "malloc");
    return NULL;
  }
  r = read_at (fd, text, len, off);
  if (r == -1) {
    set_error (errno, "could not read '%s'", path);
    return NULL;
  }
  return parse_embedded (path, dir, text, r);
}

struct vmdk *
vmdk_parse_sparse (const char *name, const void *head, size_t len,
                   uint64_t size)
{
  const unsigned char *b = head;
  uint64_t off;
  size_t dlen;

  if (len < SECTOR || le32 (b) != SPARSE_MAGIC) {
    set_error (0,
               "'%s': not a single-file sparse VMDK (streamOptimized or "
               "monolithicSparse)",
               name);
    return NULL;
  }
  if (embedded_range (name, size, b, &off, &dlen) == -1)
    return NULL;
  if (off > len || dlen > len - off) {
    set_error (0,
               "'%s': the embedded descriptor is not in the first %zu "
               "bytes",
               name, len);
    return NULL;
  }
  return parse_embedded (name, NULL, (const char *) b + off, dlen);
}

static struct vmdk *
open_text (int fd, const char *path, const char *dir, uint64_t size)
{
  CLEANUP_FREE char *text = NULL;
  ssize_t r;

  if (size > VMDK_MAX_DESCRIPTOR) {
    set_error (0,
               "'%s': not a VMDK file (no sparse header, and too large "
               "for a descriptor)",
               path);
    return NULL;
  }
  text = malloc (size + 1);
  if (text == NULL) {
    set_error (errno, "malloc");
    return NULL;
  }
  r = read_at (fd, text, size, 0);
  if (r == -1) {
    set_error (errno, "could not read '%s'", path);
    return NULL;
  }
  if (memchr (text, '\0', r) != NULL || !looks_like_descriptor (text, r)) {
    set_error (0, "'%s': not a VMDK file", path);
    return NULL;
  }
  return vmdk_parse_descriptor (path, dir, text, r);
}

struct vmdk *
vmdk_open (const char *path)
{
  CLEANUP_CLOSE int fd = -1;
  CLEANUP_FREE char *dir = NULL;
  unsigned char hdr[SECTOR] = { 0 };
  uint64_t size;
  ssize_t r;

  fd = open_sized (path, &size);
  if (fd == -1) {
    if (errno == EINVAL)
      set_error (0, "'%s' is not a regular file or block device", path);
    else
      set_error (errno, "could not open '%s'", path);
    return NULL;
  }
  dir = disk_file_dirname (path);
  if (dir == NULL)
    return NULL;
  r = read_at (fd, hdr, sizeof hdr, 0);
  if (r == -1) {
    set_error (errno, "could not read '%s'", path);
    return NULL;
  }
  if (r < 4) {
    set_error (0, "'%s': not a VMDK file (%" PRIu64 " bytes)", path, size);
    return NULL;
  }
  if (le32 (hdr) == SPARSE_MAGIC)
    return open_embedded (fd, path, dir, size, hdr);
  if (le32 (hdr) == COWD_MAGIC || le64 (hdr) == SESPARSE_MAGIC) {
    set_error (0,
               "'%s': an ESXi delta extent, not a descriptor: give the "
               ".vmdk descriptor file that names it",
               path);
    return NULL;
  }
  return open_text (fd, path, dir, size);
}

/* ---- what QEMU can read ------------------------------------------ */

const char *
vmdk_qemu_format (const struct vmdk *vmdk)
{
  /* QEMU's vmdk_open_desc_file accepts exactly these. */
  static const char *const text_types[] = {
    "monolithicFlat",       "vmfs",
    "vmfsSparse",           "seSparse",
    "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
  };
  bool ok = vmdk->embedded;

  for (size_t i = 0; !ok && i < sizeof text_types / sizeof text_types[0]; ++i)
    ok = strcmp (vmdk->create_type, text_types[i]) == 0;
  if (!ok) {
    set_error (0,
               "'%s': createType \"%s\" cannot be read by QEMU "
               "(it reads monolithicSparse, streamOptimized, "
               "monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat, "
               "vmfs, vmfsSparse and seSparse)",
               vmdk->name, vmdk->create_type);
    return NULL;
  }

  for (size_t i = 0; i < vmdk->extents.len; ++i) {
    const struct vmdk_extent *e = &vmdk->extents.ptr[i];

    /* QEMU skips such extents, shifting all the data after them. */
    if (e->access != VMDK_ACCESS_RW || e->type == VMDK_EXTENT_ZERO) {
      set_error (0,
                 "'%s' line %d: QEMU cannot read %s %s extents; "
                 "make a plain copy of the disk in VMware first "
                 "(vmware-vdiskmanager -r)",
                 vmdk->name, e->lineno, vmdk_access_name (e->access),
                 vmdk_extent_type_name (e->type));
      return NULL;
    }
    if (e->type == VMDK_EXTENT_VMFSRDM || e->type == VMDK_EXTENT_VMFSRAW
        || e->type == VMDK_EXTENT_VMFSPASSTHROUGHRAW) {
      set_error (0,
                 "'%s' line %d: %s is a raw device mapping, which QEMU "
                 "cannot read through the descriptor; copy the LUN to a "
                 "disk image first",
                 vmdk->name, e->lineno, vmdk_extent_type_name (e->type));
      return NULL;
    }
  }
  return "vmdk";
}

/* ---- chains ------------------------------------------------------ */

struct file_id {
  dev_t dev;
  ino_t ino;
};

DEFINE_VECTOR_TYPE (file_id_vector, struct file_id);

static void
free_strings (string_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    free (v->ptr[i]);
  string_vector_reset (v);
}

static int
add_file (string_vector *v, const char *path)
{
  char *s;

  if (v->len > 0 && strcmp (v->ptr[v->len - 1], path) == 0)
    return 0;
  s = strdup (path);
  if (s == NULL || string_vector_append (v, s) == -1) {
    set_error (errno, "out of memory");
    free (s);
    return -1;
  }
  return 0;
}

struct indexed {
  const char *s;
  size_t i;
};

static int
indexed_compare (const void *av, const void *bv)
{
  const struct indexed *a = av, *b = bv;
  int r = strcmp (a->s, b->s);

  if (r != 0)
    return r;
  return a->i < b->i ? -1 : a->i > b->i;
}

/* Moves the strings of from to the end of to, dropping duplicates
 * (keeping the first occurrence) in O(n log n).
 */
static int
move_unique (string_vector *to, string_vector *from)
{
  CLEANUP_FREE struct indexed *idx = NULL;
  CLEANUP_FREE bool *dup = NULL;
  size_t n = from->len;

  idx = calloc (n ? n : 1, sizeof *idx);
  dup = calloc (n ? n : 1, sizeof *dup);
  if (idx == NULL || dup == NULL || string_vector_reserve (to, n) == -1) {
    set_error (errno, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < n; ++i)
    idx[i] = (struct indexed){ .s = from->ptr[i], .i = i };
  qsort (idx, n, sizeof *idx, indexed_compare);
  for (size_t i = 1; i < n; ++i) {
    if (strcmp (idx[i].s, idx[i - 1].s) == 0)
      dup[idx[i].i] = true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (dup[i])
      free (from->ptr[i]);
    else
      to->ptr[to->len++] = from->ptr[i];
  }
  string_vector_reset (from);
  return 0;
}

/* The parent's path: the hint as resolved, or for an absolute hint
 * that does not exist, the same name in the child's directory.
 */
static char *
parent_path (const struct vmdk *child)
{
  CLEANUP_FREE char *dir = NULL;
  struct stat st;
  char *alt;

  if (child->parent_hint[0] == '/' && lstat (child->parent_path, &st) == -1
      && errno == ENOENT) {
    dir = disk_file_dirname (child->name);
    if (dir == NULL)
      return NULL;
    alt = path_join (dir, base_of (child->parent_hint));
    if (alt == NULL)
      return NULL;
    if (stat (alt, &st) == 0)
      return alt;
    free (alt);
  }
  alt = strdup (child->parent_path);
  if (alt == NULL)
    set_error (errno, "strdup");
  return alt;
}

/* Checks one disk of the chain; child is the disk that names it (NULL
 * for the top).  Returns the disk's descriptor (the caller frees it) or
 * NULL with the error set.
 */
static struct vmdk *
check_one (const char *path, const struct vmdk *child, file_id_vector *seen,
           string_vector *files)
{
  struct vmdk *vmdk;
  struct stat st;
  struct file_id id;

  if (stat (path, &st) == -1) {
    if (child)
      member_error (errno, child->name, "parent", child->parent_hint, path);
    else
      set_error (errno, "could not open '%s'", path);
    return NULL;
  }
  for (size_t i = 0; i < seen->len; ++i) {
    if (seen->ptr[i].dev == st.st_dev && seen->ptr[i].ino == st.st_ino) {
      set_error (0,
                 "'%s': parent '%s' is already in this snapshot chain "
                 "(a loop)",
                 child->name, child->parent_hint);
      return NULL;
    }
  }
  id = (struct file_id){ .dev = st.st_dev, .ino = st.st_ino };
  if (file_id_vector_append (seen, id) == -1) {
    set_error (errno, "out of memory");
    return NULL;
  }

  vmdk = vmdk_open (path);
  if (vmdk == NULL)
    goto err0;
  if (child && child->parent_cid != VMDK_NO_PARENT && !vmdk->has_cid) {
    set_error (0,
               "'%s': its parent '%s' has no CID, so it cannot be "
               "checked",
               child->name, path);
    goto err1;
  }
  if (child && child->parent_cid != VMDK_NO_PARENT
      && vmdk->cid != child->parent_cid) {
    set_error (0,
               "'%s': its parent '%s' has CID %08" PRIx32 " but it "
               "expects %08" PRIx32 ": the parent was changed after the "
               "snapshot was taken",
               child->name, path, vmdk->cid, child->parent_cid);
    goto err1;
  }
  if (vmdk_qemu_format (vmdk) == NULL)
    goto err1;
  if (add_file (files, path) == -1)
    goto err1;
  for (size_t i = 0; i < vmdk->extents.len; ++i) {
    const struct vmdk_extent *e = &vmdk->extents.ptr[i];

    if (check_extent (vmdk, e) == -1)
      goto err1;
    if (e->path && add_file (files, e->path) == -1)
      goto err1;
  }
  if (vmdk->parent_hint == NULL && vmdk->parent_cid != VMDK_NO_PARENT) {
    set_error (0,
               "'%s': a snapshot (parentCID=%08" PRIx32 ") that names "
               "no parent (parentFileNameHint)",
               path, vmdk->parent_cid);
    goto err1;
  }
  return vmdk;

err1:
  vmdk_free (vmdk);
err0:
  return NULL;
}

int
vmdk_check_chain (const char *path, uint64_t *capacity_out,
                  string_vector *files_out)
{
  file_id_vector seen = empty_vector;
  string_vector files = empty_vector;
  struct vmdk *child = NULL, *vmdk;
  CLEANUP_FREE char *next = NULL;
  uint64_t capacity = 0;
  int depth, ret = -1;

  for (depth = 0;; ++depth) {
    if (depth >= VMDK_MAX_CHAIN) {
      set_error (0, "'%s': the snapshot chain is more than %d disks deep",
                 path, VMDK_MAX_CHAIN);
      break;
    }
    vmdk = check_one (next ? next : path, child, &seen, &files);
    vmdk_free (child);
    child = vmdk;
    if (vmdk == NULL)
      break;
    if (depth == 0)
      capacity = vmdk->capacity;
    if (vmdk->parent_hint == NULL) {
      ret = 0;
      break;
    }
    free (next);
    next = parent_path (vmdk);
    if (next == NULL)
      break;
  }
  vmdk_free (child);
  free (seen.ptr);

  if (ret == 0 && files_out && move_unique (files_out, &files) == -1)
    ret = -1;
  free_strings (&files);
  if (ret == 0 && capacity_out)
    *capacity_out = capacity;
  return ret;
}
