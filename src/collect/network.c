/* network.c - collector stub (being written). */
#include "collect/collect.h"

int tk_collect_network(struct tk_collect_ctx *ctx)
{
    (void)ctx;
    return 0;
}
