/* attrib.c - placeholder: being written. */
#include "surface/attrib.h"
