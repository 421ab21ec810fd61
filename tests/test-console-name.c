/* Unit tests for console-name.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console-name.h"

typedef char *(*rewriter) (const char *text, int *changes);

static void
check (rewriter fn, const char *in, const char *want, int want_changes)
{
  int changes = -1;
  char *out = fn (in, &changes);

  assert (out != NULL);
  if (strcmp (out, want) != 0 || changes != want_changes) {
    fprintf (stderr, "in:   %s\nout:  %s (%d)\nwant: %s (%d)\n", in, out,
             changes, want, want_changes);
    abort ();
  }
  free (out);
}

#define check_cmdline(...) check (rewrite_cmdline_consoles, __VA_ARGS__)
#define check_inittab(...) check (rewrite_inittab_consoles, __VA_ARGS__)

int
main (void)
{
  check_cmdline ("", "", 0);
  check_cmdline ("ro quiet", "ro quiet", 0);
  check_cmdline ("root=/dev/xvda1 ro console=hvc0",
                 "root=/dev/xvda1 ro console=ttyS0", 1);
  check_cmdline ("console=tty0 console=hvc0 quiet",
                 "console=tty0 console=ttyS0 quiet", 1);
  check_cmdline ("console=xvc0,9600 console=hvc0",
                 "console=ttyS0 console=ttyS0", 2);
  check_cmdline ("GRUB_CMDLINE_LINUX=\"console=hvc0\"\n",
                 "GRUB_CMDLINE_LINUX=\"console=ttyS0\"\n", 1);
  check_cmdline ("\tlinux /vmlinuz root=UUID=x console=hvc0\n",
                 "\tlinux /vmlinuz root=UUID=x console=ttyS0\n", 1);
  /* Not a console= word, or another console. */
  check_cmdline ("xconsole=hvc0 console=hvc01 console=ttyS1",
                 "xconsole=hvc0 console=hvc01 console=ttyS1", 0);
  check_cmdline ("console=", "console=", 0);
  check_cmdline ("console=hvc", "console=hvc", 0);

  check_inittab ("", "", 0);
  check_inittab ("1:2345:respawn:/sbin/getty 38400 tty1\n",
                 "1:2345:respawn:/sbin/getty 38400 tty1\n", 0);
  check_inittab ("co:2345:respawn:/sbin/getty hvc0 9600 vt102\n",
                 "co:2345:respawn:/sbin/getty ttyS0 9600 vt102\n", 1);
  check_inittab ("#co:2345:respawn:/sbin/getty hvc0 9600 vt102\n"
                 "x:1:respawn:/sbin/agetty -L 9600 xvc0",
                 "#co:2345:respawn:/sbin/getty hvc0 9600 vt102\n"
                 "x:1:respawn:/sbin/agetty -L 9600 ttyS0",
                 1);
  check_inittab ("si::sysinit:/etc/init.d/rcS hvc0\n",
                 "si::sysinit:/etc/init.d/rcS hvc0\n", 0);
  printf ("test-console-name: ok\n");
  return 0;
}
