/* test_lifeexp.c — realism of the engine's all-cause mortality: a birth cohort of 20,000 (10,000
 * of each sex), simulated until everyone has died, has a mean age at death within half a year of
 * the life expectancy at birth of the life table the engine reads, for each sex.
 *
 * Only appendicitis.lua is loaded (its deaths are about one in 10,000 lives), so the figure is
 * the engine's: the shipped library's effect on life expectancy is measured by the realism
 * harness (modules/data/realism/lifecycle.csv, lifesim realism --only life_expectancy).
 *
 * Why half a year: with 10,000 deaths per sex and a standard deviation of ages at death of about
 * 17 years, the sampling error of the mean is about 0.17 years, so the margin is three standard
 * errors. */
#include "sim_engine.h"
#include "sim_lifetable.h"
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_population.h"
#include "sim_rng.h"
#include "test.h"

#include <math.h>

static void test_cohort_mean_age_at_death(void)
{
    const char *root = getenv("LIFESIM_HOME");
    char path[1024];
    snprintf(path, sizeof path, "%s/modules/data/lifetable_us.csv", root);
    sim_lifetable *lt = NULL;
    sim_error err;
    sim_error_clear(&err);
    CHECK(sim_lifetable_load(path, &lt, &err) == SIM_OK, "life table: %s", err.msg);
    sim_lua *lua = sim_lua_new(NULL, root);
    sim_modset_opts o;
    memset(&o, 0, sizeof o);
    o.root = root;
    static const char *const only[] = {"appendicitis"};
    o.include = only;
    o.ninclude = 1;
    sim_modset *ms = NULL;
    sim_diags d;
    memset(&d, 0, sizeof d);
    CHECK(sim_modset_load(lua, &o, &ms, &d) == SIM_OK, "modules load");
    sim_diags_free(&d);
    if (!lt || !ms) return;
    sim_engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.lifetable = lt;
    sim_engine *e = sim_engine_new(ms, &eo);
    sim_patient *p = sim_patient_new();
    double sum[2] = {0, 0};
    int n[2] = {0, 0};
    uint64_t run = sim_rng_run_key(20251);
    for (uint64_t i = 0; i < 20000; i++) {
        sim_patient_reset(p);
        p->slot = i;
        p->key = sim_rng_patient_key(run, i, 0);
        p->who.sex = i % 2 ? 'F' : 'M';
        p->who.race = "white";
        p->who.ethnicity = "nonhispanic";
        p->birth = sim_time_from_ymd(1900, 1, 1) + (sim_time)(i % 365) * SIM_MS_DAY;
        p->end = sim_time_from_ymd(2100, 1, 1);
        if (sim_engine_run(e, p, &err) != SIM_OK) {
            CHECK(0, "patient %llu: %s", (unsigned long long)i, err.msg);
            break;
        }
        CHECK(p->death != SIM_NEVER, "everyone dies by 200");
        int s = p->who.sex == 'F';
        sum[s] += (double)(p->death - p->birth) / (double)SIM_MS_YEAR;
        n[s]++;
    }
    for (int s = 0; s < 2; s++) {
        char sex = s ? 'F' : 'M';
        double mean = sum[s] / n[s], e0 = sim_lifetable_e0(lt, sex);
        fprintf(stderr, "%s: mean age at death %.2f, life table e0 %.1f (n = %d)\n",
                s ? "female" : "male", mean, e0, n[s]);
        CHECK(fabs(mean - e0) <= 0.5, "%c: |%.2f - %.1f| > half a year", sex, mean, e0);
    }
    sim_patient_free(p);
    sim_engine_free(e);
    sim_modset_free(ms);
    sim_lua_free(lua);
    sim_lifetable_free(lt);
}

TEST_MAIN(T(test_cohort_mean_age_at_death))
