/* p2v live: not written yet. */
#include <config.h>

#include <stdlib.h>

#include "p2v.h"

int
cmd_live (int argc, char **argv)
{
  die ("'p2v live' is not written yet");
}
