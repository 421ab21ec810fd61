/* v2v convert: placeholder until the pipeline lands. */
#include <config.h>
#include <stdlib.h>
#include "v2v.h"
int
cmd_convert (int argc, char **argv)
{
  die ("convert: not implemented yet");
}
