/* Unit tests for p2v-cmdline.c. */
#include <config.h>

#include "unit-test.h"

#include "p2v-cmdline.h"

static void
good (const char *line, struct p2v_settings *s)
{
  p2v_settings_init (s);
  if (p2v_cmdline_parse (line, s) == -1) {
    fprintf (stderr, "'%s' refused: %s\n", line, get_error ());
    abort ();
  }
}

static void
bad (const char *line, const char *want)
{
  struct p2v_settings s;

  p2v_settings_init (&s);
  clear_error ();
  if (p2v_cmdline_parse (line, &s) != -1) {
    fprintf (stderr, "'%.200s' accepted\n", line);
    abort ();
  }
  expect_error (want);
  p2v_settings_free (&s);
}

#define streq(a, b) ((a) != NULL && strcmp ((a), (b)) == 0)

static void
test_good (void)
{
  struct p2v_settings s;

  good ("BOOT_IMAGE=/boot/vmlinuz console=tty0 console=ttyS0,115200", &s);
  assert (!p2v_settings_headless (&s));
  assert (!p2v_settings_poweroff (&s));
  assert (s.server == NULL && s.port == -1 && s.retries == -1);
  p2v_settings_free (&s);

  good ("quiet p2v.server=conv.example.com p2v.port=2222 p2v.user=admin "
        "p2v.identity=/etc/p2v/id p2v.hostkey=/etc/p2v/hostkey.pub "
        "p2v.name=web01 p2v.disks=sda,nvme0n1 p2v.o=/var/lib/vms "
        "p2v.format=raw p2v.remote=/usr/local/bin/p2v p2v.retries=5 "
        "ip=dhcp",
        &s);
  assert (p2v_settings_headless (&s));
  assert (p2v_settings_poweroff (&s));
  assert (streq (s.server, "conv.example.com"));
  assert (s.port == 2222);
  assert (streq (s.user, "admin"));
  assert (streq (s.identity, "/etc/p2v/id"));
  assert (streq (s.hostkey, "/etc/p2v/hostkey.pub"));
  assert (streq (s.name, "web01"));
  assert (streq (s.disks, "sda,nvme0n1"));
  assert (streq (s.output, "/var/lib/vms"));
  assert (streq (s.format, "raw"));
  assert (streq (s.remote, "/usr/local/bin/p2v"));
  assert (s.retries == 5);
  p2v_settings_free (&s);

  /* Last wins; an empty value unsets; unknown keys are ignored. */
  good ("p2v.server=a p2v.server=b p2v.poweroff=0 p2v.colour=blue "
        "p2v.name=x p2v.name= p2v.serverx=c p2v.disks=all",
        &s);
  assert (streq (s.server, "b"));
  assert (s.name == NULL);
  assert (streq (s.disks, "all"));
  assert (!p2v_settings_poweroff (&s));
  p2v_settings_free (&s);

  /* A fingerprint, an IPv6 address, libvirt output. */
  good ("p2v.hostkey=SHA256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg "
        "p2v.server=fe80::1 p2v.o=libvirt:qemu:///system",
        &s);
  assert (
      streq (s.hostkey, "SHA256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg"));
  assert (streq (s.server, "fe80::1"));
  assert (streq (s.output, "libvirt:qemu:///system"));
  p2v_settings_free (&s);

  good ("", &s);
  good ("   \t\n", &s);
  assert (!p2v_settings_headless (&s));
}

static void
test_quoted (void)
{
  struct p2v_settings s;

  /* Both of the kernel's forms, and GRUB's. */
  good ("p2v.o=\"/srv/my vms\" \"p2v.remote=sudo p2v\" x=\"a b\"\n", &s);
  assert (streq (s.output, "/srv/my vms"));
  assert (streq (s.remote, "sudo p2v"));
  p2v_settings_free (&s);

  /* A quoted word that is not ours, with a p2v.* look-alike inside. */
  good ("foo=\"p2v.server=evil\" p2v.name=\"db 2\"", &s);
  assert (s.server == NULL);
  assert (streq (s.name, "db 2"));
  p2v_settings_free (&s);

  /* An unterminated quote in someone else's word swallows the rest, as
   * in the kernel.
   */
  good ("p2v.user=u x=\"abc p2v.server=h", &s);
  assert (streq (s.user, "u"));
  assert (s.server == NULL);
  p2v_settings_free (&s);
}

static void
test_hostile (void)
{
  char *huge;
  size_t n = P2V_VALUE_MAX + 100;
  struct p2v_settings s;

  bad ("p2v.server=\"a b", "unterminated");
  bad ("p2v.port=0", "p2v.port=0: expected a number from 1 to 65535");
  bad ("p2v.port=65536", "from 1 to 65535");
  bad ("p2v.port=22x", "from 1 to 65535");
  bad ("p2v.port=-1", "p2v.port");
  bad ("p2v.port=99999999999999999999", "p2v.port");
  bad ("p2v.retries=1001", "p2v.retries");
  bad ("p2v.poweroff=yes", "p2v.poweroff");
  bad ("p2v.format=vmdk", "qcow2 or raw");
  bad ("p2v.disks=sda,,sdb", "disk names");
  bad ("p2v.disks=/dev/sda", "disk names");
  bad ("p2v.disks=sda,", "disk names");
  bad ("p2v.server=-oProxyCommand=x", "not starting with '-'");
  bad ("p2v.server=a;reboot", "host name");
  bad ("p2v.user=\"root x\"", "login name");
  bad ("p2v.identity=id_rsa", "absolute path");
  bad ("p2v.hostkey=SHA256:", "SHA256:FINGERPRINT");
  bad ("p2v.hostkey=MD5:aa", "SHA256:FINGERPRINT");
  bad ("p2v.name=a\x01z", "control characters");
  bad ("p2v.remote=\"p2v\\ x\"", "backslashes");
  bad ("p2v.server", "expected p2v.server=VALUE");

  huge = malloc (n + 64);
  assert (huge);
  strcpy (huge, "p2v.name=");
  memset (huge + 9, 'a', n);
  huge[9 + n] = '\0';
  bad (huge, "too long");
  /* Exactly the limit is fine. */
  huge[9 + P2V_VALUE_MAX] = '\0';
  good (huge, &s);
  assert (strlen (s.name) == P2V_VALUE_MAX);
  p2v_settings_free (&s);
  /* Someone else's huge word is not our business. */
  memcpy (huge, "xxx.name=", 9);
  huge[9 + P2V_VALUE_MAX] = 'a';
  good (huge, &s);
  assert (s.name == NULL);
  free (huge);

  /* On error the settings before the bad word are kept, later ones not
   * applied.
   */
  p2v_settings_init (&s);
  assert (p2v_cmdline_parse ("p2v.server=h p2v.port=0 p2v.user=u", &s) == -1);
  assert (streq (s.server, "h") && s.port == -1 && s.user == NULL);
  p2v_settings_free (&s);

  /* Junk of every byte but NUL never crashes. */
  srand (1);
  for (int round = 0; round < 2000; ++round) {
    char line[256];
    size_t len = rand () % (sizeof line - 1);

    for (size_t i = 0; i < len; ++i) {
      line[i] = 1 + rand () % 255;
      if (rand () % 8 == 0)
        memcpy (line + i, "p2v.", len - i >= 4 ? 4 : len - i);
    }
    line[len] = '\0';
    p2v_settings_init (&s);
    (void) p2v_cmdline_parse (line, &s);
    p2v_settings_free (&s);
  }
}

static void
test_set (void)
{
  struct p2v_settings s;

  p2v_settings_init (&s);
  assert (p2v_settings_set (&s, "colour", "blue") == -1);
  expect_error ("unknown setting");
  assert (p2v_settings_set (&s, "port", "22") == 0 && s.port == 22);
  assert (p2v_settings_set (&s, "port", "") == 0 && s.port == -1);
  assert (p2v_settings_set (&s, "format", "qcow2") == 0);
  assert (p2v_settings_set (&s, "format", "qcow") == -1);
  assert (streq (s.format, "qcow2"));
  p2v_settings_free (&s);
}

int
main (void)
{
  test_good ();
  test_quoted ();
  test_hostile ();
  test_set ();
  printf ("test-p2v-cmdline: OK\n");
  return 0;
}
