/* time.h - wall-clock and monotonic time, and UTC formatting without libc time zones. */
#ifndef TK_CORE_TIME_H
#define TK_CORE_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"

int64_t tk_time_now(void);      /* seconds since the epoch, UTC */
double tk_time_mono(void);      /* seconds from an arbitrary start, monotonic */

/* "2026-11-22T04:52:00Z" into out (at least 32 bytes). */
void tk_time_iso8601(int64_t t, char *out);
/* "20261122T045200Z" into out (at least 32 bytes), for file names. */
void tk_time_compact(int64_t t, char *out);

/* Seconds since the epoch for a civil UTC date and time (no range check). */
int64_t tk_time_from_civil(int64_t y, int mon, int d, int h, int min, int s);

/* Parses a timestamp as scan data writes them: RFC 3339 / ISO 8601 ("2026-11-22T04:52:00Z",
 * fractions, "+09:00" offsets, a blank instead of T, no zone = UTC), RFC 1123 HTTP dates
 * ("Sun, 06 Nov 1994 08:49:37 GMT", also the obsolete RFC 850 and asctime forms), the
 * certificate forms GeneralizedTime "20230101000000Z" and UTCTime "230101000000Z", and plain
 * Unix seconds. False when s is none of these or a field is out of range. */
bool tk_time_parse(struct tk_str s, int64_t *out);

#endif
