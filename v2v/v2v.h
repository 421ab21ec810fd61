/* v2v: the command's private declarations. */
#ifndef V2V_H
#define V2V_H

#include "cli.h"

extern int cmd_inspect (int argc, char **argv);
extern int cmd_convert (int argc, char **argv);
extern int cmd_migrate (int argc, char **argv);
extern int cmd_evacuate (int argc, char **argv);
extern int cmd_move_storage (int argc, char **argv);

#endif /* V2V_H */
