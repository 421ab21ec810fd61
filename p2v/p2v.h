/* p2v: the command's private declarations. */
#ifndef P2V_H
#define P2V_H

#include "cli.h"

extern int cmd_iso (int argc, char **argv);
extern int cmd_live (int argc, char **argv);
extern int cmd_capture (int argc, char **argv);
extern int cmd_receive (int argc, char **argv);
extern int cmd_agent (int argc, char **argv);

#endif /* P2V_H */
