/* score.h - combining sub-scores into one score per file or process, and its level.
 *
 * The formula is THOR's "accumulated score" (also Loki-RS's), so rule authors' `score` meta
 * means here what it means there. Positive sub-scores sorted in descending order s0 >= s1 >= ...
 * combine as
 *
 *     total = 100 * (1 - prod_i (1 - s_i / (100 * 2^i)))
 *
 * each further reason counting half as much as the one before, and the total never exceeding
 * 100. Sub-scores are clamped to 0..100 first; zero and negative ones do not take part. Filename
 * IOC scores are an exception: all filename IOC hits on one path are summed first (a negative
 * entry lowers a known-good place) and the sum is one sub-score (tk_score_add_filename).
 *
 * Levels: notice >= 40, warning >= 60, alert > 80 with at least one sub-score > 75 (so many weak
 * reasons add up to a warning, never to an alert). */
#ifndef TK_SCAN_SCORE_H
#define TK_SCAN_SCORE_H

#include <stddef.h>

enum tk_level { TK_LEVEL_NONE, TK_LEVEL_NOTICE, TK_LEVEL_WARNING, TK_LEVEL_ALERT };

#define TK_LEVEL_NOTICE_MIN 40
#define TK_LEVEL_WARNING_MIN 60
#define TK_LEVEL_ALERT_ABOVE 80   /* alert: strictly above */
#define TK_LEVEL_ALERT_SUBSCORE 76 /* at least one sub-score "> 75" */

/* The combined score of n sub-scores (any order; not modified). */
double tk_score_combine(const int *subs, size_t n);

/* The level of a combined score given the largest sub-score that went into it. */
enum tk_level tk_score_level(double total, int max_sub);

const char *tk_level_name(enum tk_level l); /* "none", "notice", "warning", "alert" */

#endif
