/* time.h - wall-clock and monotonic time, and UTC formatting without libc time zones. */
#ifndef TK_CORE_TIME_H
#define TK_CORE_TIME_H

#include <stdint.h>

int64_t tk_time_now(void);      /* seconds since the epoch, UTC */
double tk_time_mono(void);      /* seconds from an arbitrary start, monotonic */

/* "2026-11-22T04:52:00Z" into out (at least 32 bytes). */
void tk_time_iso8601(int64_t t, char *out);
/* "20261122T045200Z" into out (at least 32 bytes), for file names. */
void tk_time_compact(int64_t t, char *out);

#endif
