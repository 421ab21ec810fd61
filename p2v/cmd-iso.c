/* p2v iso: not written yet. */
#include <config.h>

#include <stdlib.h>

#include "p2v.h"

int
cmd_iso (int argc, char **argv)
{
  die ("'p2v iso' is not written yet");
}
