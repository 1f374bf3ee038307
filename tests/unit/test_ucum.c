/* test_ucum.c — UCUM units: every unit in genuine Synthea output is accepted; common mistakes
 * are refused with the UCUM spelling. */
#include "sim_ucum.h"
#include "test.h"

static void test_valid(void)
{
    /* the distinct units of observations.csv in ../shared/data/synthea-sample */
    static const char *const units[] = {
        "%", "/[HPF]", "/a", "/min", "/uL", "10*3/uL", "10*6/uL", "Cel", "U/L", "a", "cm", "fL",
        "g/dL", "kg", "kg/m2", "mL/min", "mL/min/{1.73_m2}", "mg/dL", "mg/g", "mm[Hg]", "mmol/L",
        "{#}", "{copies}/mL", "{nominal}", "{score}",
        /* and more from clinical practice */
        "[lb_av]", "[in_i]", "[degF]", "u[IU]/mL", "[IU]/L", "ng/mL", "ug/L", "meq/L", "mmol/mol",
        "%{hemoglobin}", "10*9/L", "kg.m-2", "s-1", "mg/(24.h)", "L/min", "g/L", "nmol/L", "1",
        "[arb'U]", "cm[H2O]", "mm", "ms", "/{HPF}", "{beats}/min", "umol/L", "mL/kg/min"};
    char hint[64];
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        CHECK(sim_ucum_valid(units[i], hint, sizeof hint), "'%s' is UCUM", units[i]);
}

static void test_invalid(void)
{
    static const char *const bad[][2] = {
        {"mmHg", "mm[Hg]"},  {"bpm", "/min"},   {"lbs", "[lb_av]"}, {"degC", "Cel"},
        {"kg/m^2", "kg/m2"}, {"mcg", "ug"},     {"mEq/L", "meq/L"}, {"zorks", ""},
        {"mg/", ""},         {"{unclosed", ""}, {"kg m2", ""},      {"", ""},
        {"[foo]", ""}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char hint[64];
        CHECK(!sim_ucum_valid(bad[i][0], hint, sizeof hint), "'%s' is not UCUM", bad[i][0]);
        CHECK(!strcmp(hint, bad[i][1]), "'%s': hint '%s', expected '%s'", bad[i][0], hint,
              bad[i][1]);
    }
}

TEST_MAIN(T(test_valid), T(test_invalid))
