/* placeholder */
#include <config.h>
#include "input.h"
const struct input_ops vmx_input_ops = { .name = "vmx" };
