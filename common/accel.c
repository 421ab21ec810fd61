/* vmshift: KVM probe (accel.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <time.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accel.h"

static int cached = -1;

/* The probe's firmware: 64 KiB of HLT whose reset vector (the last 16
 * bytes) runs "mov al, 1; out 0xf4, al; hlt": isa-debug-exit at port
 * 0xf4 then makes QEMU exit with status (1 << 1) | 1 = 3.
 */
#define PROBE_BIOS_SIZE 65536
#define PROBE_EXIT_STATUS 3
static const unsigned char reset_vector[] = { 0xb0, 0x01, 0xe6, 0xf4,
                                              0xf4, 0xeb, 0xfe };

/* How long a KVM vCPU may take to run those three instructions (QEMU's
 * start-up is most of it, about 50 ms), and a kernel to boot to its
 * panic (about a second).
 */
#define PROBE_TIMEOUT_MS 5000
#define KERNEL_TIMEOUT_MS 10000

/* Where the answer is kept for this boot of the host. */
#define CACHE_DIR "/run/vmshift"
#define CACHE_FILE CACHE_DIR "/accel"

static int
probe_firmware (void)
{
  unsigned char bios[PROBE_BIOS_SIZE];
  int fd = memfd_create ("vmshift-kvm-probe", 0);

  if (fd == -1)
    return -1;
  memset (bios, 0xf4, sizeof bios);
  memcpy (bios + PROBE_BIOS_SIZE - 16, reset_vector, sizeof reset_vector);
  if (write (fd, bios, sizeof bios) != (ssize_t) sizeof bios) {
    close (fd);
    return -1;
  }
  return fd;
}

/* Waits for pid, killing it after timeout_ms; its exit status, or -1
 * if it had to be killed.
 */
static int
wait_probe (pid_t pid, int timeout_ms)
{
  struct timespec tick = { 0, 10 * 1000000L };
  int status;

  for (int ms = 0; ms < timeout_ms; ms += 10) {
    pid_t r = waitpid (pid, &status, WNOHANG);
    if (r == pid)
      return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
    if (r == -1 && errno != EINTR)
      return -1;
    nanosleep (&tick, NULL);
  }
  kill (pid, SIGKILL);
  while (waitpid (pid, &status, 0) == -1 && errno == EINTR)
    ;
  return -1;
}

/* Runs QEMU under KVM with args (after the common ones), killing it
 * after timeout_ms; its exit status, or -1.
 */
static int
run_probe (const char *const *args, int timeout_ms)
{
  const char *argv[32] = { "qemu-system-x86_64", "-accel", "kvm",
                           "-nodefaults", "-display", "none", "-cpu",
                           "host", "-no-reboot" };
  int n = 9;
  pid_t pid;

  for (int i = 0; args[i] && n < 31; ++i)
    argv[n++] = args[i];
  argv[n] = NULL;
  pid = fork ();
  if (pid == -1)
    return -1;
  if (pid == 0) {
    int null = open ("/dev/null", O_RDWR);
    dup2 (null, 0);
    dup2 (null, 1);
    dup2 (null, 2);
    execvp (argv[0], (char **) argv);
    _exit (127);
  }
  return wait_probe (pid, timeout_ms);
}

/* The newest kernel in /boot (what libguestfs builds its appliance
 * from), in buf; false if there is none we can read.
 */
static bool
boot_kernel (char *buf, size_t size)
{
  glob_t g;
  bool found = false;

  if (glob ("/boot/vmlinuz-*", 0, NULL, &g) != 0)
    return false;
  for (size_t i = g.gl_pathc; i-- > 0;)
    if (access (g.gl_pathv[i], R_OK) == 0) {
      snprintf (buf, size, "%s", g.gl_pathv[i]);
      found = true;
      break;
    }
  globfree (&g);
  return found;
}

/* Can a KVM guest really run here?  Creating the VM is not enough: some
 * hosts (nested or restricted virtualisation) accept it, even run a few
 * real-mode instructions, and then never get a kernel past its switch to
 * long mode, so every appliance would hang.  First a firmware that exits
 * QEMU at once (fails fast where KVM cannot run at all), then a Linux
 * kernel with no root file system, which panics and, with panic=-1 and
 * -no-reboot, makes QEMU exit within a second or two on a working KVM.
 */
static bool
probe_qemu (void)
{
  char bios[64], kernel[4096];
  int fd, r;

  if (access ("/dev/kvm", R_OK | W_OK) == -1)
    return false;
  fd = probe_firmware ();
  if (fd == -1)
    return false;
  snprintf (bios, sizeof bios, "/proc/self/fd/%d", fd);
  {
    const char *args[] = { "-machine", "pc", "-m", "16", "-bios", bios,
                           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                           NULL };
    r = run_probe (args, PROBE_TIMEOUT_MS);
  }
  close (fd);
  if (r != PROBE_EXIT_STATUS)
    return false;
  if (!boot_kernel (kernel, sizeof kernel))
    return true; /* nothing more to try; libguestfs needs one anyway */
  {
    const char *args[] = { "-machine", "pc", "-m", "256", "-kernel", kernel,
                           "-append",
                           "console=ttyS0 quiet panic=-1 root=/dev/nonexistent",
                           NULL };
    r = run_probe (args, KERNEL_TIMEOUT_MS);
  }
  return r == 0;
}

/* The answer for this boot of the host, kept in CACHE_FILE: "BOOT-ID
 * kvm|tcg".  -1 when not known.
 */
static int
read_cache (const char *boot_id)
{
  char line[128], id[64], acc[8];
  FILE *fp = fopen (CACHE_FILE, "r");
  int r = -1;

  if (fp == NULL)
    return -1;
  if (fgets (line, sizeof line, fp)
      && sscanf (line, "%63s %7s", id, acc) == 2 && strcmp (id, boot_id) == 0)
    r = strcmp (acc, "kvm") == 0;
  fclose (fp);
  return r;
}

static void
write_cache (const char *boot_id, bool kvm)
{
  char tmp[] = CACHE_FILE ".XXXXXX";
  int fd;
  FILE *fp;

  mkdir (CACHE_DIR, 0755);
  fd = mkstemp (tmp);
  if (fd == -1)
    return;
  fp = fdopen (fd, "w");
  if (fp == NULL) {
    close (fd);
    unlink (tmp);
    return;
  }
  fprintf (fp, "%s %s\n", boot_id, kvm ? "kvm" : "tcg");
  if (fclose (fp) != 0 || chmod (tmp, 0644) == -1
      || rename (tmp, CACHE_FILE) == -1)
    unlink (tmp);
}

static bool
probe_cached (void)
{
  char boot_id[64] = "";
  FILE *fp = fopen ("/proc/sys/kernel/random/boot_id", "r");
  int r;

  if (fp) {
    if (fscanf (fp, "%63s", boot_id) != 1)
      boot_id[0] = '\0';
    fclose (fp);
  }
  if (boot_id[0] && (r = read_cache (boot_id)) != -1)
    return r;
  r = probe_qemu ();
  if (boot_id[0])
    write_cache (boot_id, r);
  return r;
}

bool
accel_kvm_usable (void)
{
  const char *force = getenv ("VMSHIFT_ACCEL");

  if (cached == -1) {
    if (force && strcmp (force, "kvm") == 0)
      cached = 1;
    else if (force && strcmp (force, "tcg") == 0)
      cached = 0;
    else
      cached = probe_cached ();
  }
  return cached;
}

const char *
accel_name (void)
{
  return accel_kvm_usable () ? "kvm" : "tcg";
}

void
accel_qemu_wrapper (int argc, char **argv)
{
  const char *qemu = getenv ("VMSHIFT_QEMU");
  char **args, tcg[64];
  int n = 0;
  bool moved = false;

  if (qemu == NULL || qemu[0] != '/')
    return;
  args = calloc (argc + 3, sizeof (char *));
  if (args == NULL)
    return;
  args[n++] = (char *) qemu;
  for (int i = 1; i < argc; ++i) {
    char *a = argv[i], *acc;
    if (i > 1 && strcmp (argv[i - 1], "-machine") == 0
        && (acc = strstr (a, "accel=tcg")) != NULL
        && (acc == a || acc[-1] == ',') && (acc[9] == '\0' || acc[9] == ',')) {
      /* "pc,accel=tcg,x=y" -> "pc,x=y"; "accel=tcg" alone -> "" */
      char *copy = strdup (a);
      if (copy == NULL)
        return;
      char *p = copy + (acc - a);
      size_t cut = 9 + (p[9] == ',' ? 1 : 0);
      if (cut == 9 && p > copy && p[-1] == ',') {
        p--;
        cut++;
      }
      memmove (p, p + cut, strlen (p + cut) + 1);
      a = copy;
      moved = true;
    }
    args[n++] = a;
  }
  if (moved) {
    snprintf (tcg, sizeof tcg, "tcg,tb-size=%d", TCG_TB_MIB);
    args[n++] = (char *) "-accel";
    args[n++] = tcg;
  }
  args[n] = NULL;
  unsetenv ("VMSHIFT_QEMU");
  execv (qemu, args);
}

const char *
accel_appliance_hv (const char *real_qemu)
{
  static char self[4096];
  ssize_t n;

  if (accel_kvm_usable () || real_qemu == NULL || real_qemu[0] != '/')
    return NULL;
  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return NULL;
  self[n] = '\0';
  if (setenv ("VMSHIFT_QEMU", real_qemu, 1) == -1)
    return NULL;
  return self;
}
