/*
 * utc: UTC instants as perpsim writes them, "2025-07-10T00:00:00Z" (with
 * ".250" milliseconds when there are any), to and from ms since the Unix
 * epoch, by the proleptic Gregorian calendar and without the C library's
 * time zone machinery (so the same on every system and every TZ).
 */
#include "utc.h"

#include <stdio.h>
#include <string.h>

#define MS_PER_DAY INT64_C(86400000)

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int utc_parse(const char *text, int64_t *out)
{
    int y, mo, d, h, mi, s, n = 0, ms = 0;
    if (strlen(text) < 20
        || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s,
                  &n) != 6
        || n != 19 || text[4] != '-' || text[7] != '-' || text[13] != ':'
        || text[16] != ':')
        return -1;
    for (int i = 0; i < 19; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16
            && (text[i] < '0' || text[i] > '9'))
            return -1;
    const char *rest = text + 19;
    if (rest[0] == '.') {
        if (!(rest[1] >= '0' && rest[1] <= '9' && rest[2] >= '0'
              && rest[2] <= '9' && rest[3] >= '0' && rest[3] <= '9'))
            return -1;
        ms = (rest[1] - '0') * 100 + (rest[2] - '0') * 10 + (rest[3] - '0');
        rest += 4;
    }
    if (strcmp(rest, "Z") != 0)
        return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1
        || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59
        || s > 59)
        return -1;
    *out = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * INT64_C(60000)
           + s * INT64_C(1000) + ms;
    return 0;
}

void utc_format(int64_t utc_ms, char *out, size_t size)
{
    int64_t days = utc_ms / MS_PER_DAY;
    int64_t in_day = utc_ms % MS_PER_DAY;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    int h = (int)(in_day / 3600000), mi = (int)(in_day / 60000 % 60);
    int s = (int)(in_day / 1000 % 60), ms = (int)(in_day % 1000);
    if (ms)
        snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, h,
                 mi, s, ms);
    else
        snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, h, mi,
                 s);
}
