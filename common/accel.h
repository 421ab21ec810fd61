/* vmshift: can this host run KVM guests, or must QEMU use TCG? */
#ifndef VMSHIFT_ACCEL_H
#define VMSHIFT_ACCEL_H

#include <stdbool.h>

/* True when QEMU can run a KVM guest here.  Having /dev/kvm is not
 * enough: nested or restricted hosts may refuse vCPU setup, or accept it
 * and never run a guest instruction.  So this boots
 * "qemu-system-x86_64 -accel kvm" on a 64 KiB firmware whose first
 * instructions make QEMU exit (isa-debug-exit) and checks that it did,
 * killing it after 5 s.  Takes about 50 ms once; the answer is cached.
 * VMSHIFT_ACCEL=kvm|tcg overrides the probe.
 */
extern bool accel_kvm_usable (void);

/* "kvm" or "tcg". */
extern const char *accel_name (void);

/* Under TCG, QEMU's translation cache may grow to 1 GiB, which dominates
 * the appliance's memory.  libguestfs fixes the QEMU command line, so
 * vmshift's commands serve as the appliance's QEMU themselves:
 * accel_appliance_hv names this executable as the hypervisor for
 * libguestfs (setting VMSHIFT_QEMU in the environment to the real QEMU),
 * and every command's main calls accel_qemu_wrapper first, which, when
 * VMSHIFT_QEMU is set, execs the real QEMU with "accel=tcg" moved out of
 * -machine into "-accel tcg,tb-size=TB_MIB".  Returns only if this
 * process is not the wrapper (or the exec failed).
 */
#define TCG_TB_MIB 256
extern void accel_qemu_wrapper (int argc, char **argv);

/* Returns the hypervisor path libguestfs should run (this executable,
 * with VMSHIFT_QEMU set to real_qemu) or NULL to leave libguestfs' own
 * choice (KVM hosts, or when this executable cannot be found).
 */
extern const char *accel_appliance_hv (const char *real_qemu);

#endif /* VMSHIFT_ACCEL_H */
