/* time.c - UTC formatting by civil-from-days arithmetic (no time zone database). */
#include "core/time.h"

#include <stdio.h>
#include <string.h>
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

/* The text into out's 32 bytes by way of a buffer that holds any int64 year: -O3's
 * format-truncation check cannot see that the fields are small (a real date takes 20 bytes;
 * writing the return value of snprintf does not quiet it). */
static void put32(char *out, const char *text)
{
    size_t n = strlen(text);
    if (n > 31)
        n = 31;
    memcpy(out, text, n);
    out[n] = '\0';
}

void tk_time_iso8601(int64_t t, char *out)
{
    struct civil c = to_civil(t);
    char buf[96];
    snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)c.year, c.month,
             c.day, c.hour, c.min, c.sec);
    put32(out, buf);
}

void tk_time_compact(int64_t t, char *out)
{
    struct civil c = to_civil(t);
    char buf[96];
    snprintf(buf, sizeof buf, "%04lld%02u%02uT%02u%02u%02uZ", (long long)c.year, c.month, c.day,
             c.hour, c.min, c.sec);
    put32(out, buf);
}

int64_t tk_time_from_civil(int64_t y, int mon, int d, int h, int min, int s)
{
    /* days from 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm) */
    y -= mon <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + h * 3600 + min * 60 + s;
}

static bool digits(const char *p, const char *end, int n, int *out)
{
    if (end - p < n)
        return false;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

static bool valid_fields(int y, int mon, int d, int h, int min, int s)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mon >= 1 && mon <= 12 && d >= 1 && d <= mdays[mon - 1] && (mon != 2 || d <= 28 || leap) &&
           h <= 23 && min <= 59 && s <= 60;
}

static int month_of(const char *p, const char *end)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (end - p < 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if ((p[0] | 32) == (names[3 * i] | 32) && (p[1] | 32) == names[3 * i + 1] &&
            (p[2] | 32) == names[3 * i + 2])
            return i + 1;
    return 0;
}

/* "06 Nov 1994 08:49:37", "06-Nov-94 08:49:37" or asctime "Nov  6 08:49:37 1994" */
static bool parse_http_date(const char *p, const char *end, int64_t *out)
{
    const char *comma = memchr(p, ',', (size_t)(end - p));
    if (comma)
        p = comma + 1;
    else if (end - p > 4 && p[3] == ' ')
        p += 4; /* asctime: skip the weekday */
    while (p < end && *p == ' ')
        p++;
    int y, mon, d, h, mi, s;
    if (p < end && *p >= 'A') {
        /* asctime: Mon DD HH:MM:SS YYYY */
        if (!(mon = month_of(p, end)))
            return false;
        p += 3;
        while (p < end && *p == ' ')
            p++;
        if (digits(p, end, 2, &d))
            p += 2;
        else if (digits(p, end, 1, &d))
            p += 1;
        else
            return false;
        if (p >= end || *p++ != ' ' || !digits(p, end, 2, &h) || end - p < 9 || p[2] != ':' ||
            !digits(p + 3, end, 2, &mi) || p[5] != ':' || !digits(p + 6, end, 2, &s))
            return false;
        p += 8;
        while (p < end && *p == ' ')
            p++;
        if (!digits(p, end, 4, &y))
            return false;
    } else {
        if (!digits(p, end, 2, &d))
            return false;
        p += 2;
        if (p >= end || (*p != ' ' && *p != '-'))
            return false;
        p++;
        if (!(mon = month_of(p, end)))
            return false;
        p += 3;
        if (p >= end || (*p != ' ' && *p != '-'))
            return false;
        p++;
        if (digits(p, end, 4, &y))
            p += 4;
        else if (digits(p, end, 2, &y)) {
            y += y < 70 ? 2000 : 1900;
            p += 2;
        } else
            return false;
        if (p >= end || *p++ != ' ' || !digits(p, end, 2, &h) || end - p < 8 || p[2] != ':' ||
            !digits(p + 3, end, 2, &mi) || p[5] != ':' || !digits(p + 6, end, 2, &s))
            return false;
    }
    if (!valid_fields(y, mon, d, h, mi, s))
        return false;
    *out = tk_time_from_civil(y, mon, d, h, mi, s);
    return true;
}

bool tk_time_parse(struct tk_str str, int64_t *out)
{
    str = tk_str_trim(str);
    if (!str.n)
        return false;
    const char *p = str.p, *end = str.p + str.n;
    uint64_t u;
    if (str.n <= 12 && tk_str_to_u64(str, &u)) {
        *out = (int64_t)u;
        return true;
    }
    int y, mon, d, h = 0, mi = 0, s = 0;
    if ((str.n == 15 || str.n == 13) && end[-1] == 'Z') { /* ASN.1 GeneralizedTime, UTCTime */
        int yl = str.n == 15 ? 4 : 2;
        if (!digits(p, end, yl, &y) || !digits(p + yl, end, 2, &mon) ||
            !digits(p + yl + 2, end, 2, &d) || !digits(p + yl + 4, end, 2, &h) ||
            !digits(p + yl + 6, end, 2, &mi) || !digits(p + yl + 8, end, 2, &s))
            return false;
        if (yl == 2)
            y += y < 50 ? 2000 : 1900; /* RFC 5280 4.1.2.5.1 */
        if (!valid_fields(y, mon, d, h, mi, s))
            return false;
        *out = tk_time_from_civil(y, mon, d, h, mi, s);
        return true;
    }
    if (!(digits(p, end, 4, &y) && end - p >= 10 && p[4] == '-' && digits(p + 5, end, 2, &mon) &&
          p[7] == '-' && digits(p + 8, end, 2, &d)))
        return parse_http_date(p, end, out);
    p += 10;
    int64_t offset = 0;
    if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
        p++;
        if (!digits(p, end, 2, &h) || end - p < 5 || p[2] != ':' || !digits(p + 3, end, 2, &mi))
            return false;
        p += 5;
        if (p < end && *p == ':') {
            if (!digits(p + 1, end, 2, &s))
                return false;
            p += 3;
        }
        if (p < end && (*p == '.' || *p == ',')) {
            p++;
            while (p < end && *p >= '0' && *p <= '9')
                p++;
        }
        if (p < end && (*p == 'Z' || *p == 'z')) {
            p++;
        } else if (p < end && (*p == '+' || *p == '-')) {
            int oh, om = 0;
            int sign = *p == '-' ? -1 : 1;
            p++;
            if (!digits(p, end, 2, &oh))
                return false;
            p += 2;
            if (p < end && *p == ':')
                p++;
            if (digits(p, end, 2, &om))
                p += 2;
            if (oh > 23 || om > 59)
                return false;
            offset = sign * (oh * 3600 + om * 60);
        } else if (end - p >= 4 && memcmp(p, " UTC", 4) == 0) {
            p += 4;
        }
    }
    if (p != end || !valid_fields(y, mon, d, h, mi, s))
        return false;
    *out = tk_time_from_civil(y, mon, d, h, mi, s) - offset;
    return true;
}
