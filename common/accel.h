/* vmshift: can this host run KVM guests, or must QEMU use TCG? */
#ifndef VMSHIFT_ACCEL_H
#define VMSHIFT_ACCEL_H

#include <stdbool.h>

/* True when QEMU can start a KVM vCPU here.  Having /dev/kvm is not
 * enough (nested or restricted hosts refuse vCPU setup), so this starts
 * "qemu-system-x86_64 -accel kvm -S" and asks it to quit over QMP: a
 * QEMU that cannot reset its vCPUs under KVM aborts instead.  Takes
 * about 50 ms once; the answer is cached.  VMSHIFT_ACCEL=kvm|tcg
 * overrides the probe.
 */
extern bool accel_kvm_usable (void);

/* "kvm" or "tcg". */
extern const char *accel_name (void);

#endif /* VMSHIFT_ACCEL_H */
