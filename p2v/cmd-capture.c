/* p2v capture: not written yet. */
#include <config.h>

#include <stdlib.h>

#include "p2v.h"

int
cmd_capture (int argc, char **argv)
{
  die ("'p2v capture' is not written yet");
}
