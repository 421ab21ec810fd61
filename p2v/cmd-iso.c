/* p2v iso: build the bootable p2v LiveCD (BIOS and UEFI, CD or USB
 * stick) from this machine's Debian packages: its kernel and the disk
 * and network drivers, busybox, the ssh client and p2v itself in an
 * initramfs, booted by GRUB.  The settings given become p2v.* kernel
 * arguments, which 'p2v live' reads on the LiveCD.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanups.h"
#include "command.h"
#include "cpio-tree.h"
#include "errors.h"
#include "file-util.h"
#include "iso.h"
#include "p2v-cmdline.h"
#include "p2v.h"
#include "strbuf.h"

/* Where the LiveCD finds the keys given. */
#define LIVE_IDENTITY "/etc/p2v/id"
#define LIVE_HOSTKEY "/etc/p2v/hostkey.pub"

#define DEFAULT_CONSOLES "console=tty0 console=ttyS0,115200"

struct iso_options {
  const char *out;      /* -o */
  const char *identity; /* --identity, a file here */
  const char *hostkey;  /* --hostkey, a file here or SHA256:... */
  const char *append;   /* --append */
  const char *kernel;   /* --kernel */
  struct p2v_settings settings;
};

/* What a signal (or a failure) removes: the staging tree and the
 * half-written ISO.  Set before anything is made there.
 */
static char *volatile staging_dir;
static char *volatile tmp_iso;

static void
remove_temporaries (void)
{
  if (tmp_iso)
    unlink (tmp_iso);
  if (staging_dir) {
    /* fork, execv and waitpid are safe in a signal handler. */
    pid_t pid = fork ();
    if (pid == 0) {
      char *argv[] = { "rm", "-rf", "--", staging_dir, NULL };
      execv ("/bin/rm", argv);
      _exit (127);
    }
    if (pid > 0)
      waitpid (pid, NULL, 0);
  }
}

static void
on_signal (int sig)
{
  remove_temporaries ();
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
usage (FILE *fp)
{
  fprintf (fp, "usage: p2v iso -o P2V.ISO [options]\n"
               "\n"
               "Builds the p2v LiveCD, a hybrid ISO for BIOS and UEFI that "
               "also\n"
               "boots when written to a USB stick with dd, from this "
               "machine's\n"
               "kernel, busybox and ssh client.  With --server it captures "
               "the\n"
               "machine it boots on without asking anything, then powers "
               "off;\n"
               "without, it asks on the console.\n"
               "\n"
               "  -o FILE                  the ISO to write\n"
               "      --server HOST        the conversion host (headless)\n"
               "      --port N             its ssh port (22)\n"
               "      --user USER          the ssh user there (root)\n"
               "      --identity KEY       the ssh private key to log in "
               "with\n"
               "                           (copied into the ISO)\n"
               "      --hostkey FILE|SHA256:...\n"
               "                           the host's public key file or "
               "its\n"
               "                           fingerprint (copied into the "
               "ISO)\n"
               "      --name NAME          the guest's name (the machine's "
               "host\n"
               "                           name)\n"
               "      --disks LIST         the disks to capture: sda,nvme0n1 "
               "or\n"
               "                           all (all)\n"
               "      --output OUT         where the conversion host puts the "
               "guest:\n"
               "                           a directory or libvirt:URI\n"
               "      --format FMT         the guest's disk format: qcow2 or "
               "raw\n"
               "      --remote-command CMD p2v's command on the conversion "
               "host\n"
               "                           (p2v)\n"
               "      --receive-dir DIR    where p2v receive stages the "
               "disks there\n"
               "      --retries N          how often a broken connection is "
               "retried\n"
               "      --append ARGS        more kernel arguments (ip=..., "
               "quiet)\n"
               "      --kernel VMLINUZ     the kernel (the newest "
               "/boot/vmlinuz-*);\n"
               "                           its modules must be in "
               "/lib/modules\n"
               "  -v, --verbose            say what each step does\n"
               "  -q, --quiet              say nothing but errors\n"
               "  -h, --help               this help\n");
}

static void
set_or_die (struct iso_options *o, const char *key, const char *opt,
            const char *value)
{
  if (p2v_settings_set (&o->settings, key, value) == -1)
    die ("%s: %s", opt, get_error ());
}

/* --append: plain kernel words only, so GRUB's script parser sees no
 * variable, command separator or quote it would act on (double quotes
 * around a value are allowed, balanced).
 */
static void
check_append (const char *s)
{
  size_t quotes = 0;

  for (const char *p = s; *p; ++p) {
    if (*p == '"')
      quotes++;
    else if (!strchr ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789 ._,:=/+@%-",
                      *p))
      die ("--append: the character '%c' is not allowed in kernel "
           "arguments given here",
           *p);
  }
  if (quotes % 2)
    die ("--append: unbalanced double quote");
}

static void
parse_options (int argc, char **argv, struct iso_options *o)
{
  enum {
    OPT_SERVER = 256,
    OPT_PORT,
    OPT_USER,
    OPT_IDENTITY,
    OPT_HOSTKEY,
    OPT_NAME,
    OPT_DISKS,
    OPT_OUTPUT,
    OPT_FORMAT,
    OPT_REMOTE,
    OPT_RECEIVE_DIR,
    OPT_RETRIES,
    OPT_APPEND,
    OPT_KERNEL,
  };
  static const struct option long_options[] = {
    { "server", required_argument, NULL, OPT_SERVER },
    { "port", required_argument, NULL, OPT_PORT },
    { "user", required_argument, NULL, OPT_USER },
    { "identity", required_argument, NULL, OPT_IDENTITY },
    { "hostkey", required_argument, NULL, OPT_HOSTKEY },
    { "name", required_argument, NULL, OPT_NAME },
    { "disks", required_argument, NULL, OPT_DISKS },
    { "output", required_argument, NULL, OPT_OUTPUT },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "remote-command", required_argument, NULL, OPT_REMOTE },
    { "receive-dir", required_argument, NULL, OPT_RECEIVE_DIR },
    { "retries", required_argument, NULL, OPT_RETRIES },
    { "append", required_argument, NULL, OPT_APPEND },
    { "kernel", required_argument, NULL, OPT_KERNEL },
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  memset (o, 0, sizeof *o);
  p2v_settings_init (&o->settings);
  while ((c = getopt_long (argc, argv, "o:vqh", long_options, NULL)) != -1) {
    switch (c) {
      case 'o': o->out = optarg; break;
      case OPT_SERVER: set_or_die (o, "server", "--server", optarg); break;
      case OPT_PORT: set_or_die (o, "port", "--port", optarg); break;
      case OPT_USER: set_or_die (o, "user", "--user", optarg); break;
      case OPT_IDENTITY: o->identity = optarg; break;
      case OPT_HOSTKEY:
        if (strncmp (optarg, "SHA256:", 7) == 0)
          set_or_die (o, "hostkey", "--hostkey", optarg);
        else
          o->hostkey = optarg;
        break;
      case OPT_NAME: set_or_die (o, "name", "--name", optarg); break;
      case OPT_DISKS: set_or_die (o, "disks", "--disks", optarg); break;
      case OPT_OUTPUT: set_or_die (o, "o", "--output", optarg); break;
      case OPT_FORMAT: set_or_die (o, "format", "--format", optarg); break;
      case OPT_REMOTE:
        set_or_die (o, "remote", "--remote-command", optarg);
        break;
      case OPT_RECEIVE_DIR:
        set_or_die (o, "receive_dir", "--receive-dir", optarg);
        break;
      case OPT_RETRIES: set_or_die (o, "retries", "--retries", optarg); break;
      case OPT_APPEND:
        check_append (optarg);
        o->append = optarg;
        break;
      case OPT_KERNEL: o->kernel = optarg; break;
      case 'h': usage (stdout); exit (EXIT_SUCCESS);
      default:
        if (cli_option (c))
          break;
        usage (stderr);
        exit (EXIT_FAILURE);
    }
  }
  if (optind != argc) {
    usage (stderr);
    exit (EXIT_FAILURE);
  }
  if (o->out == NULL)
    die ("-o FILE is required: the ISO to write");
  if (o->identity && access (o->identity, R_OK) == -1)
    die ("--identity '%s': %s", o->identity, strerror (errno));
  if (o->hostkey && access (o->hostkey, R_OK) == -1)
    die ("--hostkey '%s': %s", o->hostkey, strerror (errno));
  if (o->identity)
    set_or_die (o, "identity", "--identity", LIVE_IDENTITY);
  if (o->hostkey)
    set_or_die (o, "hostkey", "--hostkey", LIVE_HOSTKEY);
}

/* Each tool the build runs, and the Debian package that has it. */
static void
check_tools (void)
{
  static const struct {
    const char *path, *package;
  } tools[] = {
    { "/usr/bin/grub-mkrescue", "grub-common" },
    { "/usr/lib/grub/i386-pc/cdboot.img", "grub-pc-bin" },
    { "/usr/lib/grub/x86_64-efi/linux.mod", "grub-efi-amd64-bin" },
    { "/usr/bin/xorriso", "xorriso" },
    { "/usr/bin/mformat", "mtools" },
    { "/bin/busybox", "busybox-static" },
    { "/usr/bin/ssh", "openssh-client" },
    { "/usr/bin/ssh-keygen", "openssh-client" },
    { "/usr/bin/ssh-keyscan", "openssh-client" },
    { "/usr/bin/ldd", "libc-bin" },
  };
  const char *depmod[] = { "/usr/sbin/depmod", "/sbin/depmod" };

  for (size_t i = 0; i < sizeof tools / sizeof tools[0]; ++i)
    if (access (tools[i].path, R_OK) == -1)
      die ("'%s' is missing: on Debian, apt-get install %s", tools[i].path,
           tools[i].package);
  if (access (depmod[0], X_OK) == -1 && access (depmod[1], X_OK) == -1)
    die ("depmod is missing: on Debian, apt-get install kmod");
}

/* The newest /boot/vmlinuz-*, for the caller to free. */
static char *
newest_kernel (void)
{
  DIR *d = opendir ("/boot");
  struct dirent *e;
  char *best = NULL;

  if (d == NULL)
    die ("could not read /boot: %s", strerror (errno));
  while ((e = readdir (d)) != NULL) {
    if (strncmp (e->d_name, "vmlinuz-", 8) != 0)
      continue;
    if (best == NULL || strverscmp (e->d_name, best) > 0) {
      free (best);
      best = strdup (e->d_name);
      if (best == NULL)
        die ("out of memory");
    }
  }
  closedir (d);
  if (best == NULL)
    die ("no kernel in /boot: apt-get install linux-image-amd64, or give "
         "--kernel");
  char *path;
  if (asprintf (&path, "/boot/%s", best) == -1)
    die ("out of memory");
  free (best);
  return path;
}

/* The version a bzImage names in its setup header ("6.1.0-56-amd64"),
 * for the caller to free.
 */
static char *
kernel_version (const char *kernel)
{
  FILE *fp = fopen (kernel, "rb");
  unsigned char hdr[0x210];
  char buf[256];
  unsigned off;

  if (fp == NULL)
    die ("could not open the kernel '%s': %s", kernel, strerror (errno));
  if (fread (hdr, 1, sizeof hdr, fp) != sizeof hdr
      || memcmp (hdr + 0x202, "HdrS", 4) != 0) {
    fclose (fp);
    die ("'%s' is not an x86 Linux kernel (bzImage)", kernel);
  }
  off = (hdr[0x20e] | hdr[0x20f] << 8) + 0x200;
  if (fseek (fp, off, SEEK_SET) == -1 || fgets (buf, sizeof buf, fp) == NULL) {
    fclose (fp);
    die ("'%s': no version string in the kernel header", kernel);
  }
  fclose (fp);
  buf[strcspn (buf, " ")] = '\0';
  if (buf[0] == '\0' || strchr (buf, '/'))
    die ("'%s': no version string in the kernel header", kernel);
  return strdup (buf);
}

/* zstd when the kernel can unpack it (faster to boot), else gzip. */
static enum cpio_compression
pick_compression (const char *kver)
{
  CLEANUP_FREE char *path = NULL, *config = NULL;
  size_t len;

  if (asprintf (&path, "/boot/config-%s", kver) == -1)
    die ("out of memory");
  config = read_small_file (path, 16 << 20, "kernel config", &len);
  if (config == NULL) {
    clear_error ();
    return CPIO_GZIP;
  }
  return strstr (config, "\nCONFIG_RD_ZSTD=y\n") ? CPIO_ZSTD : CPIO_GZIP;
}

/* The initramfs tree: init, the scripts, busybox, ssh, p2v, the keys,
 * the modules.
 */
static void
stage_root (const char *root, const struct iso_options *o, const char *kver)
{
  static const char *const dirs[]
      = { "proc", "sys", "dev", "run", "tmp", "root", "etc/p2v", "mnt" };
  static const char *const ssh[]
      = { "/usr/bin/ssh", "/usr/bin/ssh-keygen", "/usr/bin/ssh-keyscan" };
  char self[PATH_MAX];
  ssize_t n;
  size_t applets, modules;
  double t = now_seconds ();

  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; ++i)
    if (iso_mkdirs (root, dirs[i]) == -1)
      die_error ();
  if (iso_write_file (root, "init", p2v_live_init_sh, 0755) == -1
      || iso_write_file (root, "etc/p2v/udhcpc.sh", p2v_udhcpc_sh, 0755) == -1
      || iso_write_file (root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n",
                         0644)
             == -1
      || iso_write_file (root, "etc/group", "root:x:0:\n", 0644) == -1
      || iso_write_file (root, "etc/hosts", "127.0.0.1 localhost\n", 0644)
             == -1
      || iso_write_file (root, "etc/nsswitch.conf",
                         "passwd: files\ngroup: files\nhosts: files dns\n",
                         0644)
             == -1
      || iso_write_file (root, "etc/profile",
                         "export PS1='p2v# '\n"
                         "echo \"'p2v live' starts again, 'poweroff -f' "
                         "powers off.\"\n",
                         0644)
             == -1)
    die_error ();
  if (chmod (root, 0755) == -1)
    die ("chmod '%s': %s", root, strerror (errno));
  {
    CLEANUP_FREE char *tmp = NULL;
    if (asprintf (&tmp, "%s/tmp", root) == -1 || chmod (tmp, 01777) == -1)
      die ("could not make the LiveCD's /tmp");
  }
  if (iso_stage_busybox (root, &applets) == -1)
    die_error ();
  debug ("busybox with %zu applets", applets);

  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n == -1)
    die ("could not find p2v's own binary: %s", strerror (errno));
  self[n] = '\0';
  if (iso_copy_program (root, self, "usr/bin/p2v") == -1)
    die_error ();
  for (size_t i = 0; i < sizeof ssh / sizeof ssh[0]; ++i)
    if (iso_copy_program (root, ssh[i], ssh[i]) == -1)
      die_error ();
  if ((o->identity
       && iso_copy_file (root, o->identity, LIVE_IDENTITY, 0600) == -1)
      || (o->hostkey
          && iso_copy_file (root, o->hostkey, LIVE_HOSTKEY, 0644) == -1))
    die_error ();
  debug ("p2v, ssh and their libraries staged");

  if (iso_stage_modules (root, kver, &modules) == -1)
    die_error ();
  debug ("%zu kernel modules staged (%.1f s so far)", modules,
         now_seconds () - t);
}

/* Appends " 'p2v.KEY=VALUE'" for each setting made. */
static void
add_setting (struct strbuf *b, const char *key, const char *value)
{
  CLEANUP_FREE char *word = NULL;

  if (value == NULL)
    return;
  /* p2v_settings_set refused quotes and backslashes: safe in '...'. */
  if (asprintf (&word, " 'p2v.%s=%s'", key, value) == -1
      || strbuf_add (b, word, strlen (word)) == -1)
    die ("out of memory");
}

static void
add_number (struct strbuf *b, const char *key, int value)
{
  char buf[16];

  if (value < 0)
    return;
  snprintf (buf, sizeof buf, "%d", value);
  add_setting (b, key, buf);
}

/* The kernel arguments after the consoles, for the caller to free. */
static char *
kernel_args (const struct iso_options *o)
{
  const struct p2v_settings *s = &o->settings;
  struct strbuf b = { 0 };

  if (strbuf_add (&b, "", 0) == -1)
    die ("out of memory");
  add_setting (&b, "server", s->server);
  add_number (&b, "port", s->port);
  add_setting (&b, "user", s->user);
  add_setting (&b, "identity", s->identity);
  add_setting (&b, "hostkey", s->hostkey);
  add_setting (&b, "name", s->name);
  add_setting (&b, "disks", s->disks);
  add_setting (&b, "o", s->output);
  add_setting (&b, "format", s->format);
  add_setting (&b, "remote", s->remote);
  add_setting (&b, "receive_dir", s->receive_dir);
  add_number (&b, "retries", s->retries);
  if (o->append
      && (strbuf_add (&b, " ", 1) == -1
          || strbuf_add (&b, o->append, strlen (o->append)) == -1))
    die ("out of memory");
  return b.buf;
}

/* Two entries: the first's console (the last console=) is the serial
 * port, for headless servers and QEMU; the second's is the screen.
 */
static void
write_grub_cfg (const char *isodir, const struct iso_options *o)
{
  CLEANUP_FREE char *args = kernel_args (o), *cfg = NULL;

  if (asprintf (&cfg,
                "# vmshift p2v LiveCD, written by p2v iso %s\n"
                "set timeout=3\n"
                "set default=0\n"
                "insmod all_video\n"
                "serial --unit=0 --speed=115200\n"
                "terminal_input console serial\n"
                "terminal_output console serial\n"
                "\n"
                "menuentry 'vmshift p2v (serial console ttyS0)' {\n"
                "  linux /boot/vmlinuz %s%s\n"
                "  initrd /boot/initrd.img\n"
                "}\n"
                "menuentry 'vmshift p2v (screen console)' {\n"
                "  linux /boot/vmlinuz console=ttyS0,115200 "
                "console=tty0%s\n"
                "  initrd /boot/initrd.img\n"
                "}\n",
                PACKAGE_VERSION, DEFAULT_CONSOLES, args, args)
      == -1)
    die ("out of memory");
  debug ("kernel arguments: %s%s", DEFAULT_CONSOLES, args);
  if (iso_write_file (isodir, "boot/grub/grub.cfg", cfg, 0644) == -1)
    die_error ();
}

static off_t
file_size (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 ? st.st_size : 0;
}

int
cmd_iso (int argc, char **argv)
{
  struct iso_options o;
  CLEANUP_FREE char *kernel = NULL, *kver = NULL, *work = NULL;
  CLEANUP_FREE char *root = NULL, *isodir = NULL, *initrd = NULL;
  CLEANUP_FREE char *tmp = NULL, *moddir = NULL;
  const char *tmpdir = getenv ("TMPDIR");
  enum cpio_compression how;
  uint64_t cpio_bytes = 0;
  double start = now_seconds (), t;

  parse_options (argc, argv, &o);
  check_tools ();
  kernel = o.kernel ? strdup (o.kernel) : newest_kernel ();
  kver = kernel ? kernel_version (kernel) : NULL;
  if (kver == NULL)
    die ("out of memory");
  if (asprintf (&moddir, "/lib/modules/%s/modules.dep", kver) == -1)
    die ("out of memory");
  if (access (moddir, R_OK) == -1)
    die ("'%s' is missing: the kernel '%s' (%s) needs its modules "
         "installed (apt-get install linux-image-%s)",
         moddir, kernel, kver, kver);
  how = pick_compression (kver);
  info ("building the LiveCD from %s (%s)", kernel, kver);

  if (asprintf (&work, "%s/p2v-iso.XXXXXX", tmpdir ? tmpdir : "/var/tmp") == -1
      || asprintf (&tmp, "%s.tmp", o.out) == -1)
    die ("out of memory");
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGHUP, on_signal);
  if (mkdtemp (work) == NULL)
    die ("could not make a work directory in '%s': %s",
         tmpdir ? tmpdir : "/var/tmp", strerror (errno));
  staging_dir = work;
  tmp_iso = tmp;
  atexit (remove_temporaries);

  if (asprintf (&root, "%s/root", work) == -1
      || asprintf (&isodir, "%s/iso", work) == -1
      || asprintf (&initrd, "%s/boot/initrd.img", isodir) == -1)
    die ("out of memory");
  if (iso_mkdirs (work, "root") == -1
      || iso_mkdirs (work, "iso/boot/grub") == -1)
    die_error ();

  stage_root (root, &o, kver);
  t = now_seconds ();
  if (cpio_tree_write (root, initrd, how, &cpio_bytes) == -1)
    die_error ();
  info ("initramfs: %.1f MiB, %s-compressed from %.1f MiB in %.1f s",
        file_size (initrd) / 1048576.0, how == CPIO_ZSTD ? "zstd" : "gzip",
        cpio_bytes / 1048576.0, now_seconds () - t);

  if (iso_copy_file (isodir, kernel, "boot/vmlinuz", 0644) == -1)
    die_error ();
  write_grub_cfg (isodir, &o);

  t = now_seconds ();
  {
    const char *mkrescue[] = {
      "grub-mkrescue",
      "--compress=xz",
      "--locales=",
      "--themes=",
      "--fonts=",
      "-o",
      tmp,
      isodir,
      NULL,
    };
    if (run_command (mkrescue) == -1)
      die_error ();
  }
  if (rename (tmp, o.out) == -1)
    die ("could not rename '%s' to '%s': %s", tmp, o.out, strerror (errno));
  tmp_iso = NULL;
  debug ("grub-mkrescue: %.1f s", now_seconds () - t);
  info ("wrote %s: %.1f MiB in %.1f s", o.out, file_size (o.out) / 1048576.0,
        now_seconds () - start);
  remove_temporaries ();
  staging_dir = NULL;
  p2v_settings_free (&o.settings);
  return EXIT_SUCCESS;
}
