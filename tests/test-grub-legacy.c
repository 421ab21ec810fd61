/* Unit tests for grub-legacy.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grub-legacy.h"

static bool
is_xen (const char *path)
{
  return strstr (path, "xen") != NULL;
}

static void
check (const char *in, const char *want, int want_changes)
{
  int changes = -1;
  char *out = grub_legacy_fix_default (in, is_xen, &changes);

  assert (out != NULL);
  if (strcmp (out, want) != 0 || changes != want_changes) {
    fprintf (stderr, "in:\n%s\nout (%d):\n%s\nwant (%d):\n%s\n", in, changes,
             out, want_changes, want);
    abort ();
  }
  free (out);
}

#define RHEL5                                                                 \
  "title CentOS (2.6.18-398.el5xen)\n"                                        \
  "\troot (hd0,0)\n"                                                          \
  "\tkernel /vmlinuz-2.6.18-398.el5xen ro root=/dev/xvda2 console=xvc0\n"     \
  "\tinitrd /initrd-2.6.18-398.el5xen.img\n"                                  \
  "title CentOS (2.6.18-398.el5)\n"                                           \
  "\troot (hd0,0)\n"                                                          \
  "\tkernel /vmlinuz-2.6.18-398.el5 ro root=/dev/xvda2\n"                     \
  "\tinitrd /initrd-2.6.18-398.el5.img\n"

int
main (void)
{
  check ("", "", 0);
  check ("default=0\ntimeout=5\n" RHEL5, "default=1\ntimeout=5\n" RHEL5, 1);
  check ("default 0\n" RHEL5, "default 1\n" RHEL5, 1);
  check ("timeout=5\n" RHEL5, "default=1\ntimeout=5\n" RHEL5, 1);
  /* Already a good default, "saved", out of range, or nothing good. */
  check ("default=1\n" RHEL5, "default=1\n" RHEL5, 0);
  check ("default=saved\n" RHEL5, "default=saved\n" RHEL5, 0);
  check ("default=7\n" RHEL5, "default=7\n" RHEL5, 0);
  check ("default=0\ntitle x\n kernel /vmlinuz-xen\n",
         "default=0\ntitle x\n kernel /vmlinuz-xen\n", 0);
  /* An entry without a kernel line (chainloader) is not refused. */
  check ("default=0\ntitle a\n kernel /xen.gz\ntitle b\n chainloader +1\n",
         "default=1\ntitle a\n kernel /xen.gz\ntitle b\n chainloader +1\n", 1);
  assert (kernel_is_xen_only ("2.6.18-398.el5xen"));
  assert (kernel_is_xen_only ("2.6.32-5-xen-amd64"));
  assert (kernel_is_xen_only ("/boot/xen.gz"));
  assert (!kernel_is_xen_only ("6.1.0-50-amd64"));
  assert (!kernel_is_xen_only ("/boot/vmlinuz-4.4.0-generic"));
  printf ("test-grub-legacy: ok\n");
  return 0;
}
