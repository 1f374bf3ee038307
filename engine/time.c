/* time.c — civil calendar arithmetic on millisecond timestamps (see include/sim_time.h).
 *
 * The day-number conversions use the standard era-based algorithm for the proleptic Gregorian
 * calendar (400-year eras of 146097 days), exact for every int64 year we can represent in ms.
 */
#include "sim_time.h"

#include <stdio.h>
#include <string.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

int64_t sim_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t mm = m;
    y -= mm <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                      /* [0, 399] */
    int64_t doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void sim_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    unsigned dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (mm <= 2);
    *m = mm;
    *d = dd;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sim_days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

sim_time sim_time_from_ymd(int64_t y, unsigned m, unsigned d)
{
    return sim_days_from_civil(y, m, d) * SIM_MS_DAY;
}

sim_time sim_time_from_civil(int64_t y, unsigned m, unsigned d, unsigned hh, unsigned mm,
                             unsigned ss)
{
    return sim_time_from_ymd(y, m, d) + hh * SIM_MS_HOUR + mm * SIM_MS_MINUTE + ss * SIM_MS_SECOND;
}

void sim_time_split(sim_time t, int64_t *y, unsigned *m, unsigned *d, unsigned *hh, unsigned *mi,
                    unsigned *ss, unsigned *ms)
{
    int64_t days = floor_div(t, SIM_MS_DAY);
    int64_t rem = t - days * SIM_MS_DAY;
    int64_t yy;
    unsigned mo, dd;
    sim_civil_from_days(days, &yy, &mo, &dd);
    if (y) *y = yy;
    if (m) *m = mo;
    if (d) *d = dd;
    if (hh) *hh = (unsigned)(rem / SIM_MS_HOUR);
    if (mi) *mi = (unsigned)(rem % SIM_MS_HOUR / SIM_MS_MINUTE);
    if (ss) *ss = (unsigned)(rem % SIM_MS_MINUTE / SIM_MS_SECOND);
    if (ms) *ms = (unsigned)(rem % SIM_MS_SECOND);
}

int64_t sim_time_year(sim_time t)
{
    int64_t y;
    sim_time_split(t, &y, NULL, NULL, NULL, NULL, NULL, NULL);
    return y;
}

sim_time sim_time_add_months(sim_time t, int64_t months)
{
    int64_t days = floor_div(t, SIM_MS_DAY);
    int64_t tod = t - days * SIM_MS_DAY;
    int64_t y;
    unsigned m, d;
    sim_civil_from_days(days, &y, &m, &d);
    int64_t total = y * 12 + (int64_t)(m - 1) + months;
    int64_t ny = floor_div(total, 12);
    unsigned nm = (unsigned)(total - ny * 12) + 1;
    unsigned dim = (unsigned)sim_days_in_month(ny, nm);
    if (d > dim) d = dim;
    return sim_days_from_civil(ny, nm, d) * SIM_MS_DAY + tod;
}

sim_time sim_time_add_years(sim_time t, int64_t years)
{
    return sim_time_add_months(t, years * 12);
}

int64_t sim_age_months(sim_time birth, sim_time t)
{
    int64_t by, ty;
    unsigned bm, bd, tm, td;
    sim_time_split(birth, &by, &bm, &bd, NULL, NULL, NULL, NULL);
    sim_time_split(t, &ty, &tm, &td, NULL, NULL, NULL, NULL);
    int64_t months = (ty - by) * 12 + ((int64_t)tm - (int64_t)bm);
    /* not yet reached the monthly anniversary: compare against the anniversary instant */
    if (sim_time_add_months(birth, months) > t)
        months--;
    else if (sim_time_add_months(birth, months + 1) <= t)
        months++;
    return months;
}

int64_t sim_age_years(sim_time birth, sim_time t)
{
    return floor_div(sim_age_months(birth, t), 12);
}

int64_t sim_age_in(sim_time birth, sim_time t, sim_unit unit)
{
    switch (unit) {
    case SIM_UNIT_YEARS: return sim_age_years(birth, t);
    case SIM_UNIT_MONTHS: return sim_age_months(birth, t);
    default: return floor_div(t - birth, (int64_t)sim_unit_ms(unit));
    }
}

sim_time sim_time_at_age(sim_time birth, int64_t n, sim_unit unit)
{
    switch (unit) {
    case SIM_UNIT_YEARS: return sim_time_add_years(birth, n);
    case SIM_UNIT_MONTHS: return sim_time_add_months(birth, n);
    default: return birth + n * (int64_t)sim_unit_ms(unit);
    }
}

double sim_unit_ms(sim_unit unit)
{
    switch (unit) {
    case SIM_UNIT_MS: return 1.0;
    case SIM_UNIT_SECONDS: return (double)SIM_MS_SECOND;
    case SIM_UNIT_MINUTES: return (double)SIM_MS_MINUTE;
    case SIM_UNIT_HOURS: return (double)SIM_MS_HOUR;
    case SIM_UNIT_DAYS: return (double)SIM_MS_DAY;
    case SIM_UNIT_WEEKS: return (double)SIM_MS_WEEK;
    case SIM_UNIT_MONTHS: return (double)SIM_MS_MONTH;
    case SIM_UNIT_YEARS: return (double)SIM_MS_YEAR;
    case SIM_UNIT_COUNT: break;
    }
    return 0;
}

static const char *const unit_names[SIM_UNIT_COUNT] = {
    "milliseconds", "seconds", "minutes", "hours", "days", "weeks", "months", "years"};

int sim_unit_parse(const char *s)
{
    if (!s) return -1;
    for (int i = 0; i < SIM_UNIT_COUNT; i++) {
        size_t n = strlen(unit_names[i]);
        /* "years" or the singular "year" */
        if (strcmp(s, unit_names[i]) == 0) return i;
        if (strlen(s) == n - 1 && strncmp(s, unit_names[i], n - 1) == 0) return i;
    }
    if (strcmp(s, "ms") == 0 || strcmp(s, "millisecond") == 0) return SIM_UNIT_MS;
    return -1;
}

const char *sim_unit_name(sim_unit unit)
{
    return unit < SIM_UNIT_COUNT ? unit_names[unit] : "?";
}

/* years beyond four digits are legal but wide: format into scratch space, then copy */
static void copy_out(char *out, size_t outsz, const char *tmp)
{
    size_t n = strlen(tmp);
    if (n >= outsz) n = outsz - 1;
    memcpy(out, tmp, n);
    out[n] = '\0';
}

void sim_time_iso(sim_time t, char out[32])
{
    int64_t y;
    unsigned m, d, hh, mi, ss;
    char tmp[96];
    sim_time_split(t, &y, &m, &d, &hh, &mi, &ss, NULL);
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d, hh, mi, ss);
    copy_out(out, 32, tmp);
}

void sim_time_iso_ms(sim_time t, char out[32])
{
    int64_t y;
    unsigned m, d, hh, mi, ss, ms;
    char tmp[96];
    sim_time_split(t, &y, &m, &d, &hh, &mi, &ss, &ms);
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m, d, hh, mi,
             ss, ms);
    copy_out(out, 32, tmp);
}

void sim_time_fhir(sim_time t, char out[32])
{
    int64_t y;
    unsigned m, d, hh, mi, ss;
    char tmp[96];
    sim_time_split(t, &y, &m, &d, &hh, &mi, &ss, NULL);
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02u+00:00", (long long)y, m, d, hh, mi,
             ss);
    copy_out(out, 32, tmp);
}

void sim_time_date(sim_time t, char out[16])
{
    int64_t y;
    unsigned m, d;
    char tmp[64];
    sim_time_split(t, &y, &m, &d, NULL, NULL, NULL, NULL);
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02u", (long long)y, m, d);
    copy_out(out, 16, tmp);
}

static int parse_uint(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int sim_time_parse(const char *s, sim_time *out)
{
    unsigned y, m, d, hh = 0, mi = 0, ss = 0;
    size_t n = strlen(s);
    if (n < 10 || parse_uint(s, 4, &y) || s[4] != '-' || parse_uint(s + 5, 2, &m) || s[7] != '-' ||
        parse_uint(s + 8, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || (int)d > sim_days_in_month(y, m)) return -1;
    if (n > 10) {
        if ((s[10] != 'T' && s[10] != ' ') || n < 19 || parse_uint(s + 11, 2, &hh) ||
            s[13] != ':' || parse_uint(s + 14, 2, &mi) || s[16] != ':' ||
            parse_uint(s + 17, 2, &ss))
            return -1;
        if (hh > 23 || mi > 59 || ss > 59) return -1;
        const char *rest = s + 19;
        if (*rest == '.') {
            rest++;
            while (*rest >= '0' && *rest <= '9') rest++;
        }
        if (!(*rest == '\0' || strcmp(rest, "Z") == 0 || strcmp(rest, "+00:00") == 0)) return -1;
    }
    *out = sim_time_from_civil(y, m, d, hh, mi, ss);
    return 0;
}
