/* test_lifetable.c — reading the life table, survival, and drawing ages at death whose mean is
 * the table's life expectancy; malformed tables are refused with file:line. */
#include "sim_lifetable.h"
#include "sim_table.h"
#include "test.h"

#include <math.h>

static const char *root(void)
{
    const char *r = getenv("LIFESIM_HOME");
    return r ? r : ".";
}

static sim_lifetable *load(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/modules/data/lifetable_us.csv", root());
    sim_lifetable *lt = NULL;
    sim_error err;
    sim_error_clear(&err);
    sim_status st = sim_lifetable_load(path, &lt, &err);
    CHECK(st == SIM_OK, "load: %s", err.msg);
    return lt;
}

static void test_shipped_table(void)
{
    sim_lifetable *lt = load();
    if (!lt) return;
    CHECK(fabs(sim_lifetable_e0(lt, 'M') - 73.5) < 1e-9, "male e0 %g", sim_lifetable_e0(lt, 'M'));
    CHECK(fabs(sim_lifetable_e0(lt, 'F') - 79.3) < 1e-9, "female e0 %g", sim_lifetable_e0(lt, 'F'));
    CHECK(sim_lifetable_survival(lt, 'M', 0) == 1.0, "S(0) = 1");
    double s65m = sim_lifetable_survival(lt, 'M', 65), s65f = sim_lifetable_survival(lt, 'F', 65);
    CHECK(s65m > 0.7 && s65m < 0.85, "male S(65) = %g", s65m);
    CHECK(s65f > s65m, "women outlive men: %g vs %g", s65f, s65m);
    double prev = 1;
    for (double a = 0; a < 110; a += 0.5) {
        double s = sim_lifetable_survival(lt, 'F', a);
        CHECK(s <= prev + 1e-12, "survival never rises (age %g)", a);
        prev = s;
    }
    CHECK(lt->source && strstr(lt->source, "United States Life Tables, 2021"), "source kept");
    sim_lifetable_free(lt);
}

static void test_draw_mean(void)
{
    sim_lifetable *lt = load();
    if (!lt) return;
    for (int s = 0; s < 2; s++) {
        char sex = s ? 'F' : 'M';
        sim_rng r;
        sim_rng_init(&r, 2024 + (uint64_t)s);
        const int n = 400000;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += sim_lifetable_draw(lt, sex, &r);
        double mean = sum / n;
        /* the table's e0 is computed with NCHS's a0 at age 0; mid-year deaths give within 0.1 */
        CHECK(fabs(mean - sim_lifetable_e0(lt, sex)) < 0.15, "%c mean age at death %.3f vs e0 %.1f",
              sex, mean, sim_lifetable_e0(lt, sex));
    }
    sim_lifetable_free(lt);
}

static void expect_error(const char *text, const char *needle, int line)
{
    FILE *f = tmpfile();
    (void)f;
    char path[256];
    const char *tmp = getenv("LIFESIM_TEST_TMP");
    snprintf(path, sizeof path, "%s/bad_lifetable.csv", tmp ? tmp : "/tmp");
    FILE *w = fopen(path, "w");
    fputs(text, w);
    fclose(w);
    if (f) fclose(f);
    sim_lifetable *lt = NULL;
    sim_error err;
    sim_error_clear(&err);
    sim_status st = sim_lifetable_load(path, &lt, &err);
    CHECK(st != SIM_OK, "should fail: %s", needle);
    CHECK(strstr(err.msg, needle) != NULL, "message \"%s\" lacks \"%s\"", err.msg, needle);
    CHECK(line == 0 || err.line == line, "line %d, expected %d", err.line, line);
    sim_lifetable_free(lt);
}

static void test_bad_tables(void)
{
    expect_error("# c\nage,male_qx,male_ex,female_qx\n0,0.1,70,0.1\n", "female_ex", 0);
    expect_error("# c\nage,male_qx,male_ex,female_qx,female_ex\n0,abc,70,0.1,75\n", "not a number",
                 3);
    expect_error("age,male_qx,male_ex,female_qx,female_ex\n0,0.1,70,1.5,75\n", "qx must be in", 2);
    expect_error("age,male_qx,male_ex,female_qx,female_ex\n0,0.1,70,0.1,75\n", "no row for age 1",
                 0);
    expect_error("age,male_qx,male_ex,female_qx,female_ex\n0,0.1,70\n", "row has 3 fields", 2);
}

/* a cause taken out: qx falls by its rate (never below a quarter of qx), the other sex and the
 * open interval are unchanged, survival rises, and the mean age at death with it */
static void test_cause_deleted(void)
{
    sim_lifetable *lt = load();
    if (!lt) return;
    double m[SIM_LT_AGES];
    for (int a = 0; a < SIM_LT_AGES; a++) m[a] = a >= 60 ? 0.002 : 0;
    m[1] = 1.0; /* more than all deaths at 1: qx keeps a quarter */
    const double *const mm[2] = {m, NULL};
    sim_lifetable *d = sim_lifetable_cause_deleted(lt, mm);
    CHECK(d != NULL, "copy made");
    if (!d) {
        sim_lifetable_free(lt);
        return;
    }
    CHECK(fabs(d->qx[0][70] - (lt->qx[0][70] - 0.002)) < 1e-12, "qx(70) less the rate");
    CHECK(d->qx[0][30] == lt->qx[0][30], "no rate, no change");
    CHECK(fabs(d->qx[0][1] - 0.25 * lt->qx[0][1]) < 1e-15, "a quarter of qx kept");
    CHECK(d->qx[0][100] == 1.0, "the open interval stays");
    for (int a = 0; a < SIM_LT_AGES; a++) CHECK(d->qx[1][a] == lt->qx[1][a], "women unchanged");
    CHECK(sim_lifetable_survival(d, 'M', 80) > sim_lifetable_survival(lt, 'M', 80), "S(80) rises");
    sim_rng r1, r2;
    sim_rng_init(&r1, 7);
    sim_rng_init(&r2, 7);
    double s0 = 0, s1 = 0;
    for (int i = 0; i < 100000; i++) {
        s0 += sim_lifetable_draw(lt, 'M', &r1);
        s1 += sim_lifetable_draw(d, 'M', &r2);
    }
    CHECK(s1 / 1e5 > s0 / 1e5 + 0.3, "mean age at death rises: %.2f -> %.2f", s0 / 1e5, s1 / 1e5);
    sim_lifetable_free(d);
    sim_lifetable_free(lt);
}

TEST_MAIN(T(test_shipped_table), T(test_draw_mean), T(test_bad_tables), T(test_cause_deleted))
