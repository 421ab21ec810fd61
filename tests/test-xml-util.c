/* Unit tests for common/xml-util.c. */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "unit-test.h"
#include "xml-util.h"

static char tmpdir[] = "/tmp/test-xml-util-XXXXXX";

static char *
write_file (const char *name, const char *data, size_t len)
{
  char *p = test_path (tmpdir, name);
  int fd;

  fd = open (p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert (fd >= 0);
  assert (write (fd, data, len) == (ssize_t) len);
  assert (close (fd) == 0);
  return p;
}

/* The root tag xml_peek_root finds in data, or NULL. */
static const char *
peek (const char *data, size_t len)
{
  static char buf[256];
  char *p = write_file ("f", data, len);
  const char *r = xml_peek_root (p, buf, sizeof buf);

  free (p);
  return r;
}

#define PEEK(s) peek (s, sizeof s - 1)

static void
test_peek (void)
{
  const char *tag;
  static const char utf16[] = "\xff\xfe<\0?\0x\0m\0l\0?\0>\0\r\0\n\0"
                              "<\0c\0o\0n\0f\0i\0g\0>\0";

  tag = PEEK ("<domain type='kvm'>\n  <name>x</name>");
  assert (tag && xml_tag_is (tag, "domain"));
  assert (!xml_tag_is (tag, "dom"));
  tag = PEEK ("\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c -> -->\n"
              "<?pi x?><domain>");
  assert (tag && xml_tag_is (tag, "domain"));
  tag = PEEK ("<!DOCTYPE domain [\n<!ENTITY x SYSTEM 'file:///etc/passwd'>\n"
              "]>\n<domain><name>&x;</name>");
  assert (tag && xml_tag_is (tag, "domain"));
  tag = PEEK ("<!DOCTYPE html SYSTEM 'about:legacy-compat'><html>");
  assert (tag && xml_tag_is (tag, "html"));
  tag = peek (utf16, sizeof utf16 - 1);
  assert (tag && xml_tag_is (tag, "config"));
  tag = PEEK ("<domain/>");
  assert (tag && xml_tag_is (tag, "domain"));
  tag = PEEK ("<domain");
  assert (tag && !xml_tag_is (tag, "domain")); /* cut short */

  assert (PEEK ("") == NULL);
  assert (PEEK ("displayName = \"x\"\n") == NULL);
  assert (PEEK ("<!-- never closed") == NULL);
  assert (PEEK ("< domain>") == NULL);
  assert (PEEK ("QFI\xfb\0\0\0\3<domain>") == NULL);
  assert (PEEK ("<domain>\0\0\0binary") == NULL);
  assert (xml_peek_root (tmpdir, (char[64]){ 0 }, 64) == NULL);
  assert (xml_peek_root ("/nonexistent", (char[64]){ 0 }, 64) == NULL);
}

static void
test_parse (void)
{
  static const char bomb[]
      = "<!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;'>]>"
        "<d>&b;</d>";
  xmlDocPtr doc;

  doc = xml_parse_untrusted (bomb, sizeof bomb - 1, "bomb.xml");
  assert (doc == NULL);
  expect_error ("'bomb.xml' has a DOCTYPE declaration");
  doc = xml_parse_untrusted ("<d>", 3, "cut.xml");
  assert (doc == NULL);
  expect_error ("'cut.xml' is not valid XML: line 1");
  doc = xml_parse_untrusted ("<d a='1'>x</d>", 14, "ok.xml");
  assert (doc != NULL);
  xmlFreeDoc (doc);
}

/* xml_content keeps the text as it is; xml_text trims its blanks; both
 * give NULL for no node.
 */
static void
test_text (void)
{
  static const char xml[] = "<d><a> x y\n</a><b/></d>";
  xmlDocPtr doc = xml_parse_untrusted (xml, sizeof xml - 1, "text.xml");
  xmlNodePtr root = xmlDocGetRootElement (doc);
  char *s;

  assert (xml_content (xml_child (root, "a"), &s) == 0);
  assert (strcmp (s, " x y\n") == 0);
  free (s);
  assert (xml_text (xml_child (root, "a"), &s) == 0);
  assert (strcmp (s, "x y") == 0);
  free (s);
  assert (xml_text (xml_child (root, "b"), &s) == 0);
  assert (strcmp (s, "") == 0);
  free (s);
  assert (xml_content (NULL, &s) == 0 && s == NULL);
  assert (xml_text (xml_child (root, "c"), &s) == 0 && s == NULL);
  xmlFreeDoc (doc);
}

int
main (void)
{
  assert (mkdtemp (tmpdir) != NULL);
  test_peek ();
  test_parse ();
  test_text ();
  test_remove_dir (tmpdir);
  xmlCleanupParser ();
  clear_error ();
  printf ("test-xml-util: ok\n");
  return 0;
}
