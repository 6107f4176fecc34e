/* rpm.c - collector stub (being written). */
#include "collect/collect.h"

int tk_collect_rpm(struct tk_collect_ctx *ctx)
{
    (void)ctx;
    return 0;
}
