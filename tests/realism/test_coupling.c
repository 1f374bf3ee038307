/* test_coupling.c — realism: the values the shipped library records move together the way
 * physiology does (docs/library.md, "Physiology: one body, many modules"), not as independent
 * draws. 1,500 living adults aged 20-89 at 2025-01-01, simulated with every shipped module; the
 * measurements are paired within one encounter.
 *
 *   HbA1c and fasting glucose          Pearson r >= 0.6  (both follow glycaemia: r about 0.7-0.8
 *                                                          in NHANES; Rohlfing 2002 Diabetes Care)
 *   BMI and systolic blood pressure    r >= 0.15          (cross-sectional gradient of about
 *                                                          0.8 mmHg per kg/m2: r 0.2-0.3)
 *   eGFR and creatinine                r <= -0.5          (eGFR is computed from creatinine)
 *   LDL before and after a statin      at least 20% lower (moderate intensity: 30%, ACC/AHA 2018)
 *   age and systolic pressure          the mean at 60-89 at least 5 mmHg above the mean at 20-39
 *                                      (NHANES 2001-2008: about 10; Wright 2011 NHSR 35)
 * The thresholds sit well inside the published figures: they fail when a pair is drawn
 * independently (r near 0) or a treatment is not seen by the values, not when a figure drifts. */
#include "sim_engine.h"
#include "sim_lifetable.h"
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_population.h"
#include "sim_rng.h"
#include "test.h"

#include <math.h>

typedef struct corr {
    double n, sx, sy, sxx, syy, sxy;
} corr;

static void corr_add(corr *c, double x, double y)
{
    c->n++;
    c->sx += x;
    c->sy += y;
    c->sxx += x * x;
    c->syy += y * y;
    c->sxy += x * y;
}

static double corr_r(const corr *c)
{
    double cov = c->sxy / c->n - (c->sx / c->n) * (c->sy / c->n);
    double vx = c->sxx / c->n - (c->sx / c->n) * (c->sx / c->n);
    double vy = c->syy / c->n - (c->sy / c->n) * (c->sy / c->n);
    return vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : 0;
}

/* the numeric value of the observation coded `loinc` in encounter `enc`, or NAN */
static double value_in(const sim_patient *p, int32_t enc, const char *loinc)
{
    for (size_t i = 0; i < p->observations.n; i++) {
        const sim_observation *o = &p->observations.v[i];
        if (o->encounter == enc && o->value.kind == SIM_V_NUM && o->codes.n &&
            !strcmp(o->codes.v[0].code, loinc))
            return o->value.u.num;
    }
    return NAN;
}

/* the start of the patient's first statin, or SIM_NEVER */
static sim_time first_statin(const sim_patient *p)
{
    sim_time t = SIM_NEVER;
    for (size_t i = 0; i < p->medications.n; i++) {
        const sim_medication *m = &p->medications.v[i];
        if (m->codes.n && strstr(m->codes.v[0].display, "statin ") && m->start < t) t = m->start;
    }
    return t;
}

static void test_values_move_together(void)
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
    sim_modset *ms = NULL;
    sim_diags d;
    memset(&d, 0, sizeof d);
    CHECK(sim_modset_load(lua, &o, &ms, &d) == SIM_OK, "modules load");
    sim_diags_free(&d);
    sim_pop_opts po;
    memset(&po, 0, sizeof po);
    po.age_mode = SIM_AGE_RANGE;
    po.age_lo = 20;
    po.age_hi = 89;
    sim_population *pop = NULL;
    CHECK(sim_population_load(root, &po, lt, &pop, &err) == SIM_OK, "population: %s", err.msg);
    if (!lt || !ms || !pop) return;
    sim_engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.lifetable = lt;
    eo.seed = 7;
    sim_engine *e = sim_engine_new(ms, &eo);
    sim_patient *p = sim_patient_new();
    uint64_t run = sim_rng_run_key(7);
    sim_time ref = sim_time_from_ymd(2025, 1, 1);

    corr a1c_glu = {0}, bmi_sbp = {0}, egfr_scr = {0};
    double ldl_before = 0, ldl_after = 0, n_statin = 0;
    double sbp_young = 0, n_young = 0, sbp_old = 0, n_old = 0;
    int living = 0;
    for (uint64_t slot = 0; living < 1500 && slot < 20000; slot++) {
        sim_patient_reset(p);
        p->slot = slot;
        p->key = sim_rng_patient_key(run, slot, 0);
        p->end = ref;
        sim_population_sample(pop, p, ref);
        if (sim_engine_run(e, p, &err) != SIM_OK) {
            CHECK(0, "patient %llu: %s", (unsigned long long)slot, err.msg);
            break;
        }
        if (p->death != SIM_NEVER) continue;
        living++;
        sim_time statin = first_statin(p);
        double before = NAN, after = NAN;
        for (size_t k = 0; k < p->encounters.n; k++) {
            int32_t enc = (int32_t)k;
            sim_time t = p->encounters.v[k].start;
            double age = (double)(t - p->birth) / (double)SIM_MS_YEAR;
            if (age < 20) continue;
            double a1c = value_in(p, enc, "4548-4"), glu = value_in(p, enc, "2339-0");
            if (!isnan(a1c) && !isnan(glu)) corr_add(&a1c_glu, a1c, glu);
            double bmi = value_in(p, enc, "39156-5"), sbp = value_in(p, enc, "8480-6");
            if (!isnan(bmi) && !isnan(sbp)) corr_add(&bmi_sbp, bmi, sbp);
            double egfr = value_in(p, enc, "98979-8"), scr = value_in(p, enc, "38483-4");
            if (!isnan(egfr) && !isnan(scr)) corr_add(&egfr_scr, egfr, scr);
            if (!isnan(sbp) && age < 40) sbp_young += sbp, n_young++;
            if (!isnan(sbp) && age >= 60) sbp_old += sbp, n_old++;
            double ldl = value_in(p, enc, "18262-6");
            if (!isnan(ldl) && statin != SIM_NEVER) {
                if (t <= statin) before = ldl; /* the last value before the statin */
                else if (isnan(after) && t > statin + 30 * SIM_MS_DAY) after = ldl;
            }
        }
        if (!isnan(before) && !isnan(after)) {
            ldl_before += before;
            ldl_after += after;
            n_statin++;
        }
    }
    double r1 = corr_r(&a1c_glu), r2 = corr_r(&bmi_sbp), r3 = corr_r(&egfr_scr);
    fprintf(stderr, "HbA1c-glucose r = %.2f (%.0f pairs)\n", r1, a1c_glu.n);
    fprintf(stderr, "BMI-SBP r = %.2f (%.0f pairs)\n", r2, bmi_sbp.n);
    fprintf(stderr, "eGFR-creatinine r = %.2f (%.0f pairs)\n", r3, egfr_scr.n);
    CHECK(a1c_glu.n >= 200 && r1 >= 0.6, "HbA1c and glucose: r = %.2f on %.0f pairs", r1,
          a1c_glu.n);
    CHECK(bmi_sbp.n >= 1000 && r2 >= 0.15, "BMI and SBP: r = %.2f on %.0f pairs", r2, bmi_sbp.n);
    CHECK(egfr_scr.n >= 50 && r3 <= -0.5, "eGFR and creatinine: r = %.2f on %.0f pairs", r3,
          egfr_scr.n);
    if (n_statin > 0)
        fprintf(stderr, "LDL before a statin %.0f, after %.0f (%.0f patients)\n",
                ldl_before / n_statin, ldl_after / n_statin, n_statin);
    CHECK(n_statin >= 30 && ldl_after <= 0.8 * ldl_before,
          "LDL falls at least 20%% on a statin: %.0f -> %.0f mg/dL (%.0f patients)",
          n_statin ? ldl_before / n_statin : 0, n_statin ? ldl_after / n_statin : 0, n_statin);
    if (n_young > 0 && n_old > 0)
        fprintf(stderr, "SBP at 20-39 %.1f, at 60+ %.1f\n", sbp_young / n_young, sbp_old / n_old);
    CHECK(n_young > 100 && n_old > 100 && sbp_old / n_old >= sbp_young / n_young + 5,
          "SBP rises with age");
    sim_patient_free(p);
    sim_engine_free(e);
    sim_population_free(pop);
    sim_modset_free(ms);
    sim_lua_free(lua);
    sim_lifetable_free(lt);
}

TEST_MAIN(T(test_values_move_together))
