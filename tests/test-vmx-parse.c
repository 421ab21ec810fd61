/* Unit tests for common/vmx-parse.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "vmx-parse.h"

static struct vmx *
parse (const char *text)
{
  return vmx_parse_string ("test.vmx", text, strlen (text));
}

/* Parsing must fail with an error containing want. */
static void
must_fail (const char *text, size_t len, const char *want)
{
  struct vmx *vmx = vmx_parse_string ("test.vmx", text, len);

  assert (vmx == NULL);
  if (strstr (get_error (), want) == NULL) {
    fprintf (stderr, "error '%s' does not contain '%s'\n", get_error (), want);
    abort ();
  }
}

static void
test_basic (void)
{
  struct vmx *vmx = parse (".encoding = \"UTF-8\"\n"
                           "config.version = \"8\"\n"
                           "displayName = \"My VM\"\n"
                           "memsize = \"4096\"\n"
                           "scsi0.present = \"TRUE\"\n"
                           "bare = unquoted value  \n"
                           "empty = \"\"\n"
                           "emptybare =\n"
                           "nospace=\"x\"\n"
                           "\t spaced\t=\t\"y\"\t\n");

  assert (vmx != NULL);
  assert (vmx_count (vmx) == 10);
  assert (strcmp (vmx_get (vmx, ".encoding"), "UTF-8") == 0);
  assert (strcmp (vmx_get (vmx, "displayName"), "My VM") == 0);
  assert (strcmp (vmx_get (vmx, "bare"), "unquoted value") == 0);
  assert (strcmp (vmx_get (vmx, "empty"), "") == 0);
  assert (strcmp (vmx_get (vmx, "emptybare"), "") == 0);
  assert (strcmp (vmx_get (vmx, "nospace"), "x") == 0);
  assert (strcmp (vmx_get (vmx, "spaced"), "y") == 0);
  assert (vmx_get (vmx, "absent") == NULL);
  assert (vmx_get (vmx, "displayNam") == NULL);
  assert (vmx_get (vmx, "displayNameX") == NULL);
  vmx_free (vmx);
}

static void
test_case (void)
{
  struct vmx *vmx = parse ("DisplayName = \"a\"\nSCSI0:0.FileName = \"b\"\n");
  const char *key, *value;
  size_t pos = 0;

  assert (vmx != NULL);
  assert (strcmp (vmx_get (vmx, "displayname"), "a") == 0);
  assert (strcmp (vmx_get (vmx, "DISPLAYNAME"), "a") == 0);
  assert (strcmp (vmx_get (vmx, "scsi0:0.fileName"), "b") == 0);
  /* Keys are stored lowercased; values keep their case. */
  assert (vmx_next (vmx, "SCSI", &pos, &key, &value));
  assert (strcmp (key, "scsi0:0.filename") == 0);
  assert (strcmp (value, "b") == 0);
  assert (!vmx_next (vmx, "SCSI", &pos, &key, &value));
  vmx_free (vmx);
}

static void
test_escapes (void)
{
  struct vmx *vmx = parse ("a = \"say |22hi|22\"\n"
                           "b = \"pipe |7C and |7c\"\n"
                           "c = \"line1|0Aline2\"\n"
                           "d = \"not |zz an escape, nor |2\"\n"
                           "e = \"end|\"\n"
                           "f = \"|41|42|43\"\n"
                           "g = \"caf|C3|A9\"\n"
                           "h = \"|7C22\"\n");

  assert (vmx != NULL);
  assert (strcmp (vmx_get (vmx, "a"), "say \"hi\"") == 0);
  assert (strcmp (vmx_get (vmx, "b"), "pipe | and |") == 0);
  assert (strcmp (vmx_get (vmx, "c"), "line1\nline2") == 0);
  assert (strcmp (vmx_get (vmx, "d"), "not |zz an escape, nor |2") == 0);
  assert (strcmp (vmx_get (vmx, "e"), "end|") == 0);
  assert (strcmp (vmx_get (vmx, "f"), "ABC") == 0);
  assert (strcmp (vmx_get (vmx, "g"), "caf\xc3\xa9") == 0);
  /* Decoded once: |7C22 is "|22", not '"'. */
  assert (strcmp (vmx_get (vmx, "h"), "|22") == 0);
  vmx_free (vmx);

  must_fail ("a = \"x|00y\"\n", 11, "line 1: value contains the escape |00");
}

static void
test_comments_and_blanks (void)
{
  struct vmx *vmx = parse ("# comment = \"not a key\"\n"
                           "\n"
                           "   \n"
                           "  # indented comment\n"
                           "a = \"1\"\n"
                           "b = \"has # inside\"\n");

  assert (vmx != NULL);
  assert (vmx_count (vmx) == 2);
  assert (vmx_get (vmx, "# comment") == NULL);
  assert (strcmp (vmx_get (vmx, "b"), "has # inside") == 0);
  vmx_free (vmx);
}

static void
test_crlf_bom (void)
{
  struct vmx *vmx = parse ("\xef\xbb\xbf.encoding = \"UTF-8\"\r\n"
                           "a = \"1\"\r\n"
                           "b = bare\r\n"
                           "\r\n"
                           "c = \"no final newline\"");

  assert (vmx != NULL);
  assert (strcmp (vmx_get (vmx, ".encoding"), "UTF-8") == 0);
  assert (strcmp (vmx_get (vmx, "a"), "1") == 0);
  assert (strcmp (vmx_get (vmx, "b"), "bare") == 0);
  assert (strcmp (vmx_get (vmx, "c"), "no final newline") == 0);
  vmx_free (vmx);
}

static void
test_duplicates (void)
{
  struct vmx *vmx = parse ("a = \"first\"\n"
                           "b = \"other\"\n"
                           "A = \"second\"\n"
                           "a = \"third\"\n");

  assert (vmx != NULL);
  assert (vmx_count (vmx) == 2);
  assert (strcmp (vmx_get (vmx, "a"), "third") == 0);
  vmx_free (vmx);
}

static void
test_types (void)
{
  struct vmx *vmx = parse ("t1 = \"TRUE\"\nt2 = \"true\"\nt3 = \"1\"\n"
                           "t4 = \"yes\"\nt5 = \"On\"\n"
                           "f1 = \"FALSE\"\nf2 = \"0\"\nf3 = \"\"\n"
                           "f4 = \"truthy\"\n"
                           "i1 = \"4096\"\ni2 = \" -1 \"\ni3 = \"0x10\"\n"
                           "i4 = \"12abc\"\ni5 = \"\"\n"
                           "i6 = \"99999999999999999999\"\ni7 = \"+5\"\n");
  long long n = 42;

  assert (vmx != NULL);
  assert (vmx_get_bool (vmx, "t1", false));
  assert (vmx_get_bool (vmx, "t2", false));
  assert (vmx_get_bool (vmx, "t3", false));
  assert (vmx_get_bool (vmx, "t4", false));
  assert (vmx_get_bool (vmx, "t5", false));
  assert (!vmx_get_bool (vmx, "f1", true));
  assert (!vmx_get_bool (vmx, "f2", true));
  assert (!vmx_get_bool (vmx, "f3", true));
  assert (!vmx_get_bool (vmx, "f4", true));
  assert (vmx_get_bool (vmx, "absent", true));
  assert (!vmx_get_bool (vmx, "absent", false));

  assert (vmx_get_int (vmx, "absent", &n) == 0 && n == 42);
  assert (vmx_get_int (vmx, "i1", &n) == 1 && n == 4096);
  assert (vmx_get_int (vmx, "i2", &n) == 1 && n == -1);
  assert (vmx_get_int (vmx, "i3", &n) == -1);
  assert (strstr (get_error (), "'test.vmx': i3 = \"0x10\" is not an "
                                "integer")
          != NULL);
  assert (vmx_get_int (vmx, "i4", &n) == -1);
  assert (vmx_get_int (vmx, "i5", &n) == -1);
  assert (vmx_get_int (vmx, "i6", &n) == -1);
  assert (vmx_get_int (vmx, "i7", &n) == -1);
  vmx_free (vmx);
}

static void
test_iteration (void)
{
  struct vmx *vmx = parse ("ethernet1.present = \"TRUE\"\n"
                           "scsi0.present = \"TRUE\"\n"
                           "ethernet0.present = \"TRUE\"\n"
                           "ethernet0.virtualDev = \"e1000\"\n"
                           "ethernet = \"odd\"\n"
                           "etherneu = \"before\"\n"
                           "ethernf = \"after\"\n");
  const char *key, *value;
  const char *want[] = { "ethernet", "ethernet0.present",
                         "ethernet0.virtualdev", "ethernet1.present" };
  size_t pos = 0, n = 0;

  assert (vmx != NULL);
  while (vmx_next (vmx, "Ethernet", &pos, &key, &value)) {
    assert (n < 4);
    assert (strcmp (key, want[n]) == 0);
    n++;
  }
  assert (n == 4);
  /* Stays finished. */
  assert (!vmx_next (vmx, "ethernet", &pos, &key, &value));

  pos = 0;
  assert (!vmx_next (vmx, "nothing", &pos, &key, &value));
  pos = 0;
  n = 0;
  while (vmx_next (vmx, "", &pos, &key, &value))
    n++;
  assert (n == vmx_count (vmx));
  vmx_free (vmx);

  /* An empty file is valid and has no keys. */
  vmx = parse ("");
  assert (vmx != NULL && vmx_count (vmx) == 0);
  pos = 0;
  assert (!vmx_next (vmx, "", &pos, &key, &value));
  assert (vmx_get (vmx, "a") == NULL);
  vmx_free (vmx);
}

static void
test_malformed (void)
{
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
    { "a = \"1\"\njust words\n", "'test.vmx' line 2: expected key = "
                                 "\"value\"" },
    { "= \"x\"\n", "line 1: expected key" },
    { "a \"x\"\n", "line 1: expected key" },
    { "\"a\" = \"x\"\n", "line 1: expected key" },
    { "a = \"unterminated\n", "line 1: missing '\"'" },
    { "\n\na = \"x\" trailing\n", "line 3: unexpected text after" },
    { "a = \"x\"\"y\"\n", "line 1: unexpected text after" },
    { "k\xc3\xa9y = \"x\"\n", "line 1: expected key" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
    must_fail (cases[i].text, strlen (cases[i].text), cases[i].want);

  /* NUL bytes: not a .vmx file. */
  must_fail ("a = \"1\"\nb = \"x\0y\"\n", 16, "line 2: contains a NUL byte");
  /* A JPEG header. */
  must_fail ("\xff\xd8\xff\xe0\0\x10JFIF\0", 11, "line 1: contains a NUL");
}

static void
test_bounds (void)
{
  size_t big = VMX_MAX_SIZE + 1;
  char *buf = malloc (big + 1);
  struct vmx *vmx;

  assert (buf != NULL);

  /* Too large as a whole, even if every line is fine. */
  for (size_t i = 0; i < big; ++i)
    buf[i] = i % 16 == 15 ? '\n' : '#';
  must_fail (buf, big, "too large for a .vmx file");
  vmx = vmx_parse_string ("test.vmx", buf, VMX_MAX_SIZE);
  assert (vmx != NULL && vmx_count (vmx) == 0);
  vmx_free (vmx);

  /* One line at the limit is accepted, one byte more is not. */
  memset (buf, 'x', VMX_MAX_LINE + 1);
  memcpy (buf, "k = \"", 5);
  buf[VMX_MAX_LINE - 1] = '"';
  vmx = vmx_parse_string ("test.vmx", buf, VMX_MAX_LINE);
  assert (vmx != NULL);
  assert (strlen (vmx_get (vmx, "k")) == VMX_MAX_LINE - 6);
  vmx_free (vmx);
  buf[VMX_MAX_LINE - 1] = 'x';
  buf[VMX_MAX_LINE] = '"';
  must_fail (buf, VMX_MAX_LINE + 1, "line 1: line is longer than");

  /* Many keys, many duplicates: stays fast (sorted, not quadratic). */
  {
    size_t len = 0;

    for (int i = 0; len + 40 < VMX_MAX_SIZE; ++i)
      len += sprintf (buf + len, "key%d = \"%d\"\n", i % 5000, i);
    vmx = vmx_parse_string ("test.vmx", buf, len);
    assert (vmx != NULL);
    assert (vmx_count (vmx) == 5000);
    vmx_free (vmx);
  }
  free (buf);
}

static void
test_file (void)
{
  char path[] = "/tmp/test-vmx-parse-XXXXXX";
  int fd = mkstemp (path);
  static const char text[] = "displayName = \"from file\"\r\n";
  struct vmx *vmx;

  assert (fd >= 0);
  assert (write (fd, text, sizeof text - 1) == sizeof text - 1);
  close (fd);
  vmx = vmx_parse_file (path);
  assert (vmx != NULL);
  assert (strcmp (vmx_get (vmx, "displayname"), "from file") == 0);
  vmx_free (vmx);

  /* Errors name the file. */
  fd = open (path, O_WRONLY | O_APPEND);
  assert (fd >= 0);
  assert (write (fd, "oops\n", 5) == 5);
  close (fd);
  assert (vmx_parse_file (path) == NULL);
  assert (strstr (get_error (), "line 2: expected key") != NULL);
  assert (strstr (get_error (), path) != NULL);
  unlink (path);

  assert (vmx_parse_file (path) == NULL);
  assert (strstr (get_error (), "could not open") != NULL);
  assert (vmx_parse_file ("/") == NULL);
  assert (strstr (get_error (), "Is a directory") != NULL);
  assert (vmx_parse_file ("/dev/null") == NULL);
  assert (strstr (get_error (), "not a regular file") != NULL);
}

int
main (void)
{
  test_basic ();
  test_case ();
  test_escapes ();
  test_comments_and_blanks ();
  test_crlf_bom ();
  test_duplicates ();
  test_types ();
  test_iteration ();
  test_malformed ();
  test_bounds ();
  test_file ();
  clear_error ();
  printf ("test-vmx-parse: ok\n");
  return 0;
}
