/* flatpak.c - collector stub (being written). */
#include "collect/collect.h"

int tk_collect_flatpak(struct tk_collect_ctx *ctx)
{
    (void)ctx;
    return 0;
}
