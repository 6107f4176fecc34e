/* time.c - UTC formatting by civil-from-days arithmetic (no time zone database). */
#include "core/time.h"

#include <stdio.h>
#include <time.h>

int64_t tk_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

double tk_time_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct civil {
    int64_t year;
    unsigned month, day, hour, min, sec;
};

/* Howard Hinnant's days-to-civil algorithm, public domain arithmetic. */
static struct civil to_civil(int64_t t)
{
    struct civil c;
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    c.hour = (unsigned)(rem / 3600);
    c.min = (unsigned)(rem % 3600 / 60);
    c.sec = (unsigned)(rem % 60);
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    c.day = doy - (153 * mp + 2) / 5 + 1;
    c.month = mp < 10 ? mp + 3 : mp - 9;
    c.year = (int64_t)yoe + era * 400 + (c.month <= 2);
    return c;
}

void tk_time_iso8601(int64_t t, char *out)
{
    struct civil c = to_civil(t);
    snprintf(out, 32, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)c.year, c.month, c.day,
             c.hour, c.min, c.sec);
}

void tk_time_compact(int64_t t, char *out)
{
    struct civil c = to_civil(t);
    snprintf(out, 32, "%04lld%02u%02uT%02u%02u%02uZ", (long long)c.year, c.month, c.day, c.hour,
             c.min, c.sec);
}
