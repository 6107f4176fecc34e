/* probe.c - placeholder until it lands. */
#include "surface/probe.h"
