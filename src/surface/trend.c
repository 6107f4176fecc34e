/* trend.c - placeholder until it lands. */
#include "surface/trend.h"
