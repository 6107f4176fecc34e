/* exposure.c - stub (being written). */
#include "analyze/analyze.h"

int tk_analyze_exposure(struct tk_bundle *b)
{
    (void)b;
    return 0;
}
