/* sim_time.h — simulation time: int64 milliseconds since 1970-01-01T00:00:00Z, proleptic
 * Gregorian calendar, UTC only. Nothing in Lifesim reads the wall clock for simulated time.
 *
 * Calendar arithmetic (adding years or months, ages) follows the civil calendar: a person born on
 * 29 February turns one on 28 February of the next year (the day is clamped to the month's end).
 */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t sim_time;

#define SIM_NEVER     INT64_MAX
#define SIM_MS_SECOND INT64_C(1000)
#define SIM_MS_MINUTE INT64_C(60000)
#define SIM_MS_HOUR   INT64_C(3600000)
#define SIM_MS_DAY    INT64_C(86400000)
#define SIM_MS_WEEK   (7 * SIM_MS_DAY)
/* Mean Gregorian year (365.2425 days) and month: used for durations, never for ages. */
#define SIM_MS_YEAR  INT64_C(31556952000)
#define SIM_MS_MONTH INT64_C(2629746000)

typedef enum sim_unit {
    SIM_UNIT_MS = 0,
    SIM_UNIT_SECONDS,
    SIM_UNIT_MINUTES,
    SIM_UNIT_HOURS,
    SIM_UNIT_DAYS,
    SIM_UNIT_WEEKS,
    SIM_UNIT_MONTHS,
    SIM_UNIT_YEARS,
    SIM_UNIT_COUNT
} sim_unit;

/* Days since 1970-01-01 for a civil date (month 1..12, day 1..31). */
int64_t sim_days_from_civil(int64_t y, unsigned m, unsigned d);
void sim_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
int sim_days_in_month(int64_t y, unsigned m);

sim_time sim_time_from_ymd(int64_t y, unsigned m, unsigned d);
sim_time sim_time_from_civil(int64_t y, unsigned m, unsigned d, unsigned hh, unsigned mm,
                             unsigned ss);
/* Splits t into date and time of day. */
void sim_time_split(sim_time t, int64_t *y, unsigned *m, unsigned *d, unsigned *hh, unsigned *mi,
                    unsigned *ss, unsigned *ms);
int64_t sim_time_year(sim_time t);

/* Adds whole calendar months (clamping the day); years are 12 months. */
sim_time sim_time_add_months(sim_time t, int64_t months);
sim_time sim_time_add_years(sim_time t, int64_t years);

/* Completed calendar years (or months) between birth and t; negative before birth. */
int64_t sim_age_years(sim_time birth, sim_time t);
int64_t sim_age_months(sim_time birth, sim_time t);
/* Age in any unit: completed calendar years/months, or elapsed whole units for shorter units. */
int64_t sim_age_in(sim_time birth, sim_time t, sim_unit unit);
/* The instant at which someone born at `birth` reaches age n in `unit`. */
sim_time sim_time_at_age(sim_time birth, int64_t n, sim_unit unit);

/* Converts an amount of a unit to milliseconds (months and years by their mean length). */
double sim_unit_ms(sim_unit unit);
/* Parses "years", "year", "months", ... ; returns -1 when unknown. */
int sim_unit_parse(const char *s);
const char *sim_unit_name(sim_unit unit);

/* "YYYY-MM-DDTHH:MM:SSZ" (20 chars + NUL) and "YYYY-MM-DD" (10 + NUL). */
void sim_time_iso(sim_time t, char out[32]);
void sim_time_iso_ms(sim_time t, char out[32]); /* with ".mmm" */
void sim_time_date(sim_time t, char out[16]);
/* FHIR dateTime with offset: "YYYY-MM-DDTHH:MM:SS+00:00" */
void sim_time_fhir(sim_time t, char out[32]);

/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[Z]"; returns 0 on success, -1 when malformed or
 * not a real calendar date. */
int sim_time_parse(const char *s, sim_time *out);

#endif
