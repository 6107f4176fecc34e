/* score.c - THOR-compatible score accumulation (see score.h for the formula and levels). */
#include "scan/score.h"

#include <stdlib.h>

/* Only the largest sub-scores matter: the 64th counts 2^-63 of itself, below double precision
 * next to the first. */
#define KEEP 64

static int desc(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

double tk_score_combine(const int *subs, size_t n)
{
    int s[KEEP];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int v = subs[i] > 100 ? 100 : subs[i];
        if (v <= 0)
            continue;
        if (k < KEEP) {
            s[k++] = v;
            continue;
        }
        size_t min = 0; /* full: replace the smallest kept one if v is larger */
        for (size_t j = 1; j < KEEP; j++)
            if (s[j] < s[min])
                min = j;
        if (v > s[min])
            s[min] = v;
    }
    if (k > 1)
        qsort(s, k, sizeof s[0], desc);
    double keep = 1.0, weight = 1.0;
    for (size_t i = 0; i < k; i++, weight /= 2)
        keep *= 1.0 - (double)s[i] / 100.0 * weight;
    return 100.0 * (1.0 - keep);
}

enum tk_level tk_score_level(double total, int max_sub)
{
    /* A tolerance, so that 60 computed as 59.99999999999999 is 60. */
    const double eps = 1e-9;
    if (total > TK_LEVEL_ALERT_ABOVE + eps && max_sub >= TK_LEVEL_ALERT_SUBSCORE)
        return TK_LEVEL_ALERT;
    if (total + eps >= TK_LEVEL_WARNING_MIN)
        return TK_LEVEL_WARNING;
    if (total + eps >= TK_LEVEL_NOTICE_MIN)
        return TK_LEVEL_NOTICE;
    return TK_LEVEL_NONE;
}

const char *tk_level_name(enum tk_level l)
{
    static const char *const names[] = { "none", "notice", "warning", "alert" };
    return names[l];
}
