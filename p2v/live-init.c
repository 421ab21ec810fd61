/* p2v: the LiveCD's scripts, live-init.sh (/init) and udhcpc.sh (the
 * DHCP client's event script), built into the binary from their files
 * so that p2v iso needs nothing installed beside it.
 */
#include <config.h>

#include "iso.h"

/* The Makefile runs the compiler from the top of the tree. */
__asm__(".section .rodata\n"
        ".global p2v_live_init_sh\n"
        "p2v_live_init_sh:\n"
        ".incbin \"p2v/live-init.sh\"\n"
        ".byte 0\n"
        ".global p2v_udhcpc_sh\n"
        "p2v_udhcpc_sh:\n"
        ".incbin \"p2v/udhcpc.sh\"\n"
        ".byte 0\n"
        ".previous\n");
