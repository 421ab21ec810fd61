/* p2v receive: not written yet. */
#include <config.h>

#include <stdlib.h>

#include "p2v.h"

int
cmd_receive (int argc, char **argv)
{
  die ("'p2v receive' is not written yet");
}
