/* test_time.c — civil calendar arithmetic, ages, formatting and parsing. */
#include "sim_time.h"
#include "test.h"

static void test_days(void)
{
    CHECK(sim_days_from_civil(1970, 1, 1) == 0, "epoch");
    CHECK(sim_days_from_civil(1969, 12, 31) == -1, "day before epoch");
    CHECK(sim_days_from_civil(2000, 3, 1) == 11017, "2000-03-01 = %lld",
          (long long)sim_days_from_civil(2000, 3, 1));
    CHECK(sim_days_from_civil(1900, 1, 1) == -25567, "1900-01-01");
    for (int64_t z = -800000; z <= 800000; z += 997) {
        int64_t y;
        unsigned m, d;
        sim_civil_from_days(z, &y, &m, &d);
        CHECK(sim_days_from_civil(y, m, d) == z, "round trip of day %lld", (long long)z);
    }
    CHECK(sim_days_in_month(2000, 2) == 29 && sim_days_in_month(1900, 2) == 28 &&
              sim_days_in_month(2024, 2) == 29 && sim_days_in_month(2023, 2) == 28,
          "leap years");
}

static void test_add(void)
{
    char out[32];
    sim_time_date(sim_time_add_months(sim_time_from_ymd(2024, 1, 31), 1), out);
    CHECK_EQ_STR(out, "2024-02-29");
    sim_time_date(sim_time_add_months(sim_time_from_ymd(2023, 1, 31), 1), out);
    CHECK_EQ_STR(out, "2023-02-28");
    sim_time_date(sim_time_add_years(sim_time_from_ymd(2000, 2, 29), 1), out);
    CHECK_EQ_STR(out, "2001-02-28");
    sim_time_date(sim_time_add_months(sim_time_from_ymd(2000, 5, 15), -17), out);
    CHECK_EQ_STR(out, "1998-12-15");
    sim_time t = sim_time_from_civil(2020, 6, 1, 13, 45, 7);
    sim_time_iso(sim_time_add_years(t, 3), out);
    CHECK_EQ_STR(out, "2023-06-01T13:45:07Z");
}

static void test_ages(void)
{
    sim_time b = sim_time_from_civil(2000, 6, 15, 10, 0, 0);
    CHECK(sim_age_years(b, sim_time_from_civil(2010, 6, 15, 9, 59, 59)) == 9, "day before");
    CHECK(sim_age_years(b, sim_time_from_civil(2010, 6, 15, 10, 0, 0)) == 10, "birthday");
    CHECK(sim_age_months(b, sim_time_from_civil(2000, 7, 15, 10, 0, 0)) == 1, "one month");
    CHECK(sim_age_years(b, b - 1) == -1, "before birth");
    sim_time leap = sim_time_from_ymd(2000, 2, 29);
    CHECK(sim_age_years(leap, sim_time_from_ymd(2001, 2, 28)) == 1, "leapling turns 1 on Feb 28");
    CHECK(sim_time_at_age(b, 18, SIM_UNIT_YEARS) == sim_time_from_civil(2018, 6, 15, 10, 0, 0),
          "18th birthday");
    CHECK(sim_age_in(b, b + 3 * SIM_MS_DAY + 5, SIM_UNIT_DAYS) == 3, "days");
}

static void test_format_parse(void)
{
    char out[32];
    sim_time t;
    CHECK(sim_time_parse("2025-01-01", &t) == 0 && t == sim_time_from_ymd(2025, 1, 1), "date");
    CHECK(sim_time_parse("2014-05-06T08:34:30Z", &t) == 0, "instant");
    sim_time_iso(t, out);
    CHECK_EQ_STR(out, "2014-05-06T08:34:30Z");
    sim_time_fhir(t, out);
    CHECK_EQ_STR(out, "2014-05-06T08:34:30+00:00");
    sim_time_date(sim_time_from_ymd(1850, 3, 9), out);
    CHECK_EQ_STR(out, "1850-03-09");
    CHECK(sim_time_parse("2023-02-29", &t) != 0, "not a date");
    CHECK(sim_time_parse("2023-13-01", &t) != 0, "month 13");
    CHECK(sim_time_parse("2023-1-01", &t) != 0, "malformed");
    CHECK(sim_time_parse("2023-01-01T25:00:00Z", &t) != 0, "hour 25");
    CHECK(sim_time_parse("2023-01-01T10:00:00+02:00", &t) != 0, "only UTC");
}

static void test_units(void)
{
    CHECK(sim_unit_parse("years") == SIM_UNIT_YEARS && sim_unit_parse("year") == SIM_UNIT_YEARS,
          "years");
    CHECK(sim_unit_parse("days") == SIM_UNIT_DAYS && sim_unit_parse("minute") == SIM_UNIT_MINUTES,
          "days, minutes");
    CHECK(sim_unit_parse("fortnights") == -1, "unknown unit");
    CHECK(sim_unit_ms(SIM_UNIT_WEEKS) == 7 * 86400000.0, "week length");
}

TEST_MAIN(T(test_days), T(test_add), T(test_ages), T(test_format_parse), T(test_units))
