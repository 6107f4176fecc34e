/* summary.c - placeholder until it lands. */
#include "surface/summary.h"
