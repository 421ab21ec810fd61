/* Unit tests for common/xl-parse.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "xl-parse.h"

static struct xl *
parse (const char *text)
{
  return xl_parse_string ("x.cfg", text, strlen (text));
}

static void
error_has (const char *want)
{
  if (strstr (get_error (), want) == NULL) {
    fprintf (stderr, "error '%s' does not contain '%s'\n", get_error (), want);
    abort ();
  }
}

/* Parsing must fail with an error containing want. */
static void
must_fail (const char *text, const char *want)
{
  assert (parse (text) == NULL);
  error_has (want);
}

static void
test_basic (void)
{
  struct xl *xl = parse ("# a PV guest\n"
                         "name = \"web\"\n"
                         "memory=2048\n"
                         "vcpus = 0x4 # four\n"
                         "\tkernel = '/boot/vmlinuz'  \n"
                         "a = 1; b = 'two' ;\n"
                         "extra = \"console=hvc0 root=/dev/xvda1\"\r\n"
                         "empty = ''\n"
                         "disk = [ 'phy:/dev/vg/web,xvda,w',\n"
                         "         # a comment inside a list\n"
                         "         \"file:/img,xvdb,r\", ]\n"
                         "vif = []\n"
                         "one = [ 7 ]\n");
  char *const *items;
  unsigned long long n;

  assert (xl != NULL);
  assert (strcmp (xl_get (xl, "name"), "web") == 0);
  assert (strcmp (xl_get (xl, "memory"), "2048") == 0);
  assert (strcmp (xl_get (xl, "kernel"), "/boot/vmlinuz") == 0);
  assert (strcmp (xl_get (xl, "b"), "two") == 0);
  assert (strcmp (xl_get (xl, "extra"), "console=hvc0 root=/dev/xvda1") == 0);
  assert (strcmp (xl_get (xl, "empty"), "") == 0);
  assert (xl_get (xl, "disk") == NULL); /* a list */
  assert (xl_get (xl, "nope") == NULL);
  assert (!xl_has (xl, "nope"));
  assert (xl_has (xl, "vif"));
  assert (xl_line (xl, "memory") == 3);
  assert (xl_line (xl, "disk") == 11);

  assert (xl_get_uint (xl, "memory", 1000000, &n) == 1 && n == 2048);
  assert (xl_get_uint (xl, "vcpus", 4096, &n) == 1 && n == 4);
  assert (xl_get_uint (xl, "absent", 10, &n) == 0 && n == 4);
  assert (xl_get_uint (xl, "memory", 1024, &n) == -1);
  error_has ("'x.cfg' line 3: memory = 2048 is not a number from 0 to 1024");
  assert (xl_get_uint (xl, "name", 1024, &n) == -1);
  error_has ("name = web is not a number");
  assert (xl_get_uint (xl, "disk", 1024, &n) == -1);

  assert (xl_get_list (xl, "disk", &items) == 2);
  assert (strcmp (items[0], "phy:/dev/vg/web,xvda,w") == 0);
  assert (strcmp (items[1], "file:/img,xvdb,r") == 0);
  assert (xl_get_list (xl, "vif", &items) == 0);
  assert (xl_get_list (xl, "one", &items) == 1 && strcmp (items[0], "7") == 0);
  assert (xl_get_list (xl, "name", &items) == 1);
  assert (strcmp (items[0], "web") == 0);
  assert (xl_get_list (xl, "absent", &items) == 0);
  xl_free (xl);
}

static void
test_escapes_and_append (void)
{
  struct xl *xl = parse ("a = \"q\\\"uote\\\\ \\x41\\101\\t\\d\"\n"
                         "b = 'it\\'s'\n"
                         "s = 'ab'\n"
                         "s += 'cd'\n"
                         "l = [ 'x' ]\n"
                         "l += [ 'y', 'z' ]\n"
                         "new += [ 'n' ]\n"
                         "dup = 'first'\n"
                         "dup = 'second'\n");
  char *const *items;

  assert (xl != NULL);
  assert (strcmp (xl_get (xl, "a"), "q\"uote\\ AA\td") == 0);
  assert (strcmp (xl_get (xl, "b"), "it's") == 0);
  assert (strcmp (xl_get (xl, "s"), "abcd") == 0);
  assert (xl_get_list (xl, "l", &items) == 3);
  assert (strcmp (items[2], "z") == 0);
  assert (xl_get_list (xl, "new", &items) == 1);
  assert (strcmp (xl_get (xl, "dup"), "second") == 0);
  assert (xl_line (xl, "dup") == 9);
  xl_free (xl);

  must_fail ("l = [ 'x' ]\nl += 'y'\n", "line 2: '+=' must add a list");
  must_fail ("a = \"\\x00\"\n", "NUL byte");
  must_fail ("a = \"\\xg\"\n", "\\x must be followed by hex digits");
}

static void
test_malformed (void)
{
  must_fail ("name = \"web\nmemory = 1\n", "line 1: missing the closing '\"'");
  must_fail ("name = 'web\n", "line 1: missing the closing \"'\"");
  must_fail ("\n\nname = web\n", "line 3: expected a \"string\"");
  must_fail ("acpi = True\n", "bare words such as True");
  must_fail ("disk = [ 'a', 'b'\n", "missing the ']'");
  must_fail ("disk = [ 'a' 'b' ]\n", "expected ',' or ']'");
  must_fail ("disk = [ [ 'a' ] ]\n", "lists inside lists");
  must_fail ("name = 'a' 'b'\n", "unexpected text after the value");
  must_fail ("= 'a'\n", "line 1: expected KEY = VALUE");
  must_fail ("name 'a'\n", "expected KEY = VALUE");
  must_fail ("memory = 12abc\n", "malformed number");
  must_fail ("<domain type='xen'>\n", "expected KEY = VALUE");
  must_fail ("scsi0:0.present = \"TRUE\"\n", "expected KEY = VALUE");
  assert (xl_parse_string ("x.cfg", "a = 1\0", 6) == NULL);
  error_has ("NUL byte");
}

static void
test_bounds (void)
{
  size_t big = 70 * 1024, n = 0;
  char *text = malloc (XL_MAX_SIZE + 2);

  assert (text);
  /* A string over XL_MAX_STRING. */
  n = sprintf (text, "a = '");
  memset (text + n, 'x', big);
  strcpy (text + n + big, "'\n");
  must_fail (text, "a string is longer than 65536 bytes");

  /* A list over XL_MAX_LIST. */
  n = sprintf (text, "disk = [");
  for (int i = 0; i <= XL_MAX_LIST; ++i)
    n += sprintf (text + n, "'d',");
  strcpy (text + n, "]\n");
  must_fail (text, "a list has more than 1024 items");

  /* ... also reached by +=. */
  n = sprintf (text, "disk = [");
  for (int i = 0; i < XL_MAX_LIST; ++i)
    n += sprintf (text + n, "'d',");
  strcpy (text + n, "]\ndisk += [ 'e' ]\n");
  must_fail (text, "line 2: a list has more than 1024 items");

  /* The whole file. */
  memset (text, '#', XL_MAX_SIZE + 1);
  assert (xl_parse_string ("x.cfg", text, XL_MAX_SIZE + 1) == NULL);
  error_has ("too large for an xl config file");
  free (text);
}

static void
test_file (void)
{
  char path[] = "/tmp/test-xl-parse.XXXXXX";
  int fd = mkstemp (path);
  struct xl *xl;

  assert (fd >= 0);
  assert (write (fd, "name = 'f'\n", 11) == 11);
  close (fd);
  xl = xl_parse_file (path);
  assert (xl && strcmp (xl_get (xl, "name"), "f") == 0);
  xl_free (xl);
  unlink (path);
  assert (xl_parse_file (path) == NULL);
  error_has ("could not open");
  assert (xl_parse_file ("/") == NULL);
  error_has ("Is a directory");
}

/* Parses spec, which must succeed, and checks the fields (NULL: unset). */
static void
disk_ok (const char *spec, const char *target, const char *format,
         const char *vdev, bool cdrom, bool readonly)
{
  struct xl_disk d;

  if (xl_parse_disk (spec, &d) == -1) {
    fprintf (stderr, "'%s': %s\n", spec, get_error ());
    abort ();
  }
#define STR_EQ(a, b) ((a) == NULL ? (b) == NULL : (b) && strcmp (a, b) == 0)
  if (!STR_EQ (target, d.target) || !STR_EQ (format, d.format)
      || !STR_EQ (vdev, d.vdev) || d.cdrom != cdrom
      || d.readonly != readonly) {
    fprintf (stderr, "'%s': got target %s format %s vdev %s cdrom %d ro %d\n",
             spec, d.target, d.format, d.vdev, d.cdrom, d.readonly);
    abort ();
  }
  xl_disk_clear (&d);
}

static void
disk_bad (const char *spec, const char *want)
{
  struct xl_disk d;

  assert (xl_parse_disk (spec, &d) == -1);
  error_has (want);
  xl_disk_clear (&d);
}

static void
test_disks (void)
{
  struct xl_disk d;

  /* The equivalent forms of xl-disk-configuration(5). */
  disk_ok ("/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume", "raw", "hda",
           false, false);
  disk_ok ("/dev/vg/guest-volume,raw,hda,rw", "/dev/vg/guest-volume", "raw",
           "hda", false, false);
  disk_ok ("format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
           "/dev/vg/guest-volume", "raw", "hda", false, false);
  disk_ok ("raw:/dev/vg/guest-volume,hda,w", "/dev/vg/guest-volume", "raw",
           "hda", false, false);
  disk_ok ("/root/image.iso,,hdc,cdrom", "/root/image.iso", "raw", "hdc", true,
           false);
  disk_ok ("/root/image.iso,,hdc,,cdrom", "/root/image.iso", "raw", "hdc",
           true, false);
  disk_ok ("/root/image.iso,raw,hdc,devtype=cdrom", "/root/image.iso", "raw",
           "hdc", true, false);
  disk_ok ("format=raw, vdev=hdc, access=ro, devtype=cdrom, "
           "target=/root/image.iso",
           "/root/image.iso", "raw", "hdc", true, true);
  disk_ok ("raw:/root/image.iso,hdc:cdrom,ro", "/root/image.iso", "raw", "hdc",
           true, true);
  disk_ok (",hdc:cdrom,r", "", "empty", "hdc", true, true);

  /* xm's legacy prefixes. */
  disk_ok ("phy:/dev/vg/lv,xvda,w", "/dev/vg/lv", NULL, "xvda", false, false);
  disk_ok ("file:/path/img,xvda1,w", "/path/img", NULL, "xvda1", false, false);
  disk_ok ("tap:aio:/path,xvdb,r", "/path", NULL, "xvdb", false, true);
  disk_ok ("tap:qcow2:/p/q.qcow2,xvdc,w", "/p/q.qcow2", "qcow2", "xvdc", false,
           false);
  disk_ok ("tap2:tapdisk:vhd:/v.vhd,xvdd,w", "/v.vhd", "vhd", "xvdd", false,
           false);
  disk_ok ("phy:/dev/vg/win,ioemu:hda,w", "/dev/vg/win", NULL, "hda", false,
           false);
  disk_ok ("file:relative.img,xvda,w", "relative.img", NULL, "xvda", false,
           false);

  /* target= takes the rest, commas and all; whitespace before
   * parameters is ignored.
   */
  disk_ok ("vdev=xvdb,format=qcow2,target=/a,b c/d.qcow2", "/a,b c/d.qcow2",
           "qcow2", "xvdb", false, false);
  disk_ok ("  /x.img , raw,\txvda", "/x.img ", "raw", "xvda", false, false);
  disk_ok ("discard,/x.img,qcow2,xvda,rw,direct-io-safe,backendtype=qdisk",
           "/x.img", "qcow2", "xvda", false, false);

  assert (xl_parse_disk ("drbd:resource,xvda,w", &d) == 0);
  assert (strcmp (d.script, "block-drbd") == 0);
  assert (strcmp (d.target, "resource") == 0);
  xl_disk_clear (&d);

  disk_bad ("/path/img,xvda,w", "unknown format 'xvda'");
  disk_bad ("foo:/path,xvda,w", "unknown prefix 'foo:'");
  disk_bad ("/p,raw,xvda,rw,extra", "too many positional parameters at "
                                    "'extra'");
  disk_bad ("/p,raw,xvda,rw,vdev=xvdb", "vdev given twice: 'xvdb'");
  disk_bad ("/p,raw,xvda,rw,colour=red", "unknown parameter 'colour'");
  disk_bad ("/p,raw,xvda,rz", "unknown access 'rz'");
  disk_bad ("/p,raw,xvda:tape,rw", "unknown device type 'tape'");
  disk_bad ("raw:/p,xvda:tape,rw", "unknown device type 'tape'");
  disk_bad ("qcow2:/p,xvda,w,format=raw", "format given twice: 'raw'");
  disk_bad ("/p,raw,xvda,devtype=tape", "unknown devtype 'tape'");
}

static void
test_vdev (void)
{
  struct xl_vdev v;

  assert (xl_parse_vdev ("xvda", &v) == 0);
  assert (strcmp (v.family, "xvd") == 0 && v.disk == 0 && v.part == 0);
  assert (xl_parse_vdev ("xvdb2", &v) == 0 && v.disk == 1 && v.part == 2);
  assert (xl_parse_vdev ("xvdz", &v) == 0 && v.disk == 25);
  assert (xl_parse_vdev ("xvdaa", &v) == 0 && v.disk == 26);
  assert (xl_parse_vdev ("hdc", &v) == 0);
  assert (strcmp (v.family, "hd") == 0 && v.disk == 2);
  assert (xl_parse_vdev ("sdb1", &v) == 0);
  assert (strcmp (v.family, "sd") == 0 && v.disk == 1 && v.part == 1);
  assert (xl_parse_vdev ("d3p2", &v) == 0);
  assert (strcmp (v.family, "xvd") == 0 && v.disk == 3 && v.part == 2);
  assert (xl_parse_vdev ("d0", &v) == 0 && v.disk == 0 && v.part == 0);
  assert (xl_parse_vdev ("vda", &v) == -1);
  error_has ("'vda' is not a Xen virtual device name");
  assert (xl_parse_vdev ("xvd", &v) == -1);
  assert (xl_parse_vdev ("hdaa", &v) == -1);
  assert (xl_parse_vdev ("xvda1234", &v) == -1);
  assert (xl_parse_vdev ("xvda 1", &v) == -1);
  assert (xl_parse_vdev ("d", &v) == -1);
  assert (xl_parse_vdev ("d1p", &v) == -1);
  assert (xl_parse_vdev ("", &v) == -1);
}

static void
test_vifs (void)
{
  struct xl_vif v;

  assert (xl_parse_vif ("mac=00:16:3E:01:02:03, bridge = xenbr1 ,"
                        "model=e1000,type=ioemu,ip=10.0.0.2",
                        &v)
          == 0);
  assert (strcmp (v.mac, "00:16:3E:01:02:03") == 0);
  assert (strcmp (v.bridge, "xenbr1") == 0);
  assert (strcmp (v.model, "e1000") == 0);
  assert (strcmp (v.type, "ioemu") == 0);
  xl_vif_clear (&v);

  assert (xl_parse_vif ("", &v) == 0);
  assert (v.mac == NULL && v.bridge == NULL);
  xl_vif_clear (&v);
  assert (xl_parse_vif ("bridge=,mac=  ", &v) == 0);
  assert (strcmp (v.bridge, "") == 0 && strcmp (v.mac, "") == 0);
  xl_vif_clear (&v);

  assert (xl_parse_vif ("mac=00:16:3e:00:00:01,xenbr0", &v) == -1);
  error_has ("expected KEY=VALUE, not 'xenbr0'");
  xl_vif_clear (&v);
}

int
main (void)
{
  test_basic ();
  test_escapes_and_append ();
  test_malformed ();
  test_bounds ();
  test_file ();
  test_disks ();
  test_vdev ();
  test_vifs ();
  clear_error ();
  printf ("test-xl-parse: ok\n");
  return 0;
}
