/* nsp.c - placeholder: being written. */
#include "surface/nsp.h"
