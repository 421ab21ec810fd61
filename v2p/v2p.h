/* v2p: the command's private declarations. */
#ifndef V2P_H
#define V2P_H

#include "cli.h"

extern int cmd_restore (int argc, char **argv);

#endif /* V2P_H */
