/* test_gmf.c — the GMF vocabulary at run time, one fixture module per feature
 * (tests/fixtures/gmf/modules): every state type, transition, condition and distribution does
 * what GMF says, measured on one patient or on 10,000. */
#include "sim_engine.h"
#include "sim_export.h"
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_rng.h"
#include "test.h"

#include <math.h>

typedef struct world {
    sim_lua *lua;
    sim_modset *ms;
    sim_engine *e;
    sim_patient *p;
    sim_error err;
} world;

static const char *fixtures(void)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/gmf", getenv("LIFESIM_HOME"));
    return path;
}

static int world_open(world *w, const char *root, const char *const *include, size_t ninclude)
{
    memset(w, 0, sizeof *w);
    w->lua = sim_lua_new(NULL, root);
    sim_modset_opts o;
    memset(&o, 0, sizeof o);
    o.root = root;
    o.include = include;
    o.ninclude = ninclude;
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_status st = sim_modset_load(w->lua, &o, &w->ms, &d);
    for (size_t i = 0; i < d.n; i++)
        if (d.v[i].sev == SIM_SEV_ERROR) sim_diags_print(&d, stderr);
    sim_diags_free(&d);
    CHECK(st == SIM_OK, "fixture %s loads", include ? include[0] : root);
    if (st != SIM_OK) return -1;
    sim_engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.seed = 99;
    w->e = sim_engine_new(w->ms, &eo);
    w->p = sim_patient_new();
    return 0;
}

static void world_close(world *w)
{
    sim_engine_free(w->e);
    sim_modset_free(w->ms);
    sim_lua_free(w->lua);
    sim_patient_free(w->p);
}

static const sim_time BIRTH = INT64_C(953109000000); /* 2000-03-15T08:30:00Z */

static sim_status live(world *w, uint64_t slot, char sex, int years)
{
    sim_patient *p = w->p;
    sim_patient_reset(p);
    p->slot = slot;
    p->key = sim_rng_patient_key(sim_rng_run_key(99), slot, 0);
    p->birth = BIRTH;
    p->end = sim_time_add_years(BIRTH, years);
    p->who.sex = sex;
    p->who.race = "white";
    p->who.ethnicity = "hispanic";
    p->who.ses = 1;
    sim_error_clear(&w->err);
    return sim_engine_run(w->e, p, &w->err);
}

static sim_value attr(world *w, const char *name)
{
    return sim_patient_attr(w->p, sim_modset_intern(w->ms, SIM_NS_ATTR, name, 0));
}

static const char *attr_str(world *w, const char *name)
{
    sim_value v = attr(w, name);
    return v.kind == SIM_V_STR ? v.u.str : "";
}

static void test_every_state(void)
{
    const char *inc[] = {"states", "wellness_provider"};
    world w;
    if (world_open(&w, fixtures(), inc, 2) != 0) return;
    CHECK(live(&w, 0, 'F', 10) == SIM_OK, "runs: %s", w.err.msg);
    sim_patient *p = w.p;
    sim_time t2 = sim_time_add_years(BIRTH, 2), end = t2 + 30 * SIM_MS_DAY;
    /* SetAttribute, Counter, Guard, CallSubmodule */
    sim_value v = attr(&w, "answer");
    CHECK(v.kind == SIM_V_NUM && v.u.num == 42, "SetAttribute");
    v = attr(&w, "visits");
    CHECK(v.kind == SIM_V_NUM && v.u.num == 1, "Counter +2 then -1");
    CHECK_EQ_STR(attr_str(&w, "called"), "yes");
    /* wellness Encounter joins the provider's check-up at age 2 */
    CHECK(p->encounters.n >= 2, "check-up and death certificate");
    int32_t checkup = -1;
    for (size_t i = 0; i < p->encounters.n; i++)
        if (p->encounters.v[i].start == t2) checkup = (int32_t)i;
    CHECK(checkup >= 0 && p->encounters.v[checkup].cls == SIM_EC_WELLNESS, "a wellness visit at 2");
    /* the records made inside it */
    CHECK(p->conditions.n == 1 && p->conditions.v[0].start == t2 &&
              p->conditions.v[0].encounter == checkup && p->conditions.v[0].stop == end,
          "ConditionOnset / ConditionEnd by attribute");
    CHECK(p->allergies.n == 1 && p->allergies.v[0].stop == end &&
              p->allergies.v[0].nreactions == 1 &&
              !strcmp(p->allergies.v[0].reactions[0].severity, "mild") &&
              !strcmp(p->allergies.v[0].category, "environment"),
          "AllergyOnset with its reaction, AllergyEnd");
    CHECK(p->medications.n == 1 && p->medications.v[0].stop == end && p->medications.v[0].chronic &&
              p->medications.v[0].reason && !strcmp(p->medications.v[0].reason->code, "10509002") &&
              p->medications.v[0].dosage && p->medications.v[0].dosage->refills == 2,
          "MedicationOrder with reason and prescription, MedicationEnd");
    CHECK(p->careplans.n == 1 && p->careplans.v[0].stop == end &&
              p->careplans.v[0].activities.n == 1 && p->careplans.v[0].ngoals == 1,
          "CarePlanStart with activities and goals, CarePlanEnd");
    CHECK(p->procedures.n == 1 && p->procedures.v[0].start == t2 &&
              p->procedures.v[0].stop == t2 + 30 * SIM_MS_MINUTE,
          "Procedure lasting 30 minutes");
    CHECK(p->immunizations.n == 1 && !strcmp(p->immunizations.v[0].codes.v->code, "140"),
          "Immunization");
    CHECK(p->devices.n == 1 && p->devices.v[0].stop == end && p->devices.v[0].udi[0] == '(',
          "Device with a UDI, DeviceEnd");
    CHECK(p->supplies.n == 1 && p->supplies.v[0].quantity == 50, "SupplyList");
    CHECK(p->imaging.n == 1 && p->imaging.v[0].nseries == 1 &&
              p->imaging.v[0].series[0].ninstances == 1,
          "ImagingStudy");
    /* observations: weight from the vital sign, a panel and its two components, a report's
     * result, the submodule's temperature, the cause of death */
    int weight = 0, panel = -1, comps = 0, lab = 0, temp = 0;
    for (size_t i = 0; i < p->observations.n; i++) {
        const sim_observation *o = &p->observations.v[i];
        const char *code = o->codes.v->code;
        if (!strcmp(code, "29463-7")) weight = o->value.kind == SIM_V_NUM && o->value.u.num == 12.5;
        if (!strcmp(code, "85354-9")) panel = (int)i;
        if (!strcmp(code, "8480-6") || !strcmp(code, "8462-4")) comps += o->parent >= 0;
        if (!strcmp(code, "2339-0"))
            lab = o->report >= 0 && o->value.u.num >= 80 && o->value.u.num <= 100;
        if (!strcmp(code, "8310-5")) temp = o->encounter == checkup;
        if (o->time == t2) CHECK(o->encounter == checkup, "observation %s in the check-up", code);
    }
    CHECK(weight, "Observation of a vital sign set by VitalSign");
    CHECK(panel >= 0 && p->observations.v[panel].value.kind == SIM_V_NIL && comps == 2,
          "MultiObservation: a panel and its components");
    CHECK(lab, "DiagnosticReport with its result");
    CHECK(temp, "the submodule's observation, in its caller's encounter");
    CHECK(sim_patient_symptom(p, sim_modset_intern(w.ms, SIM_NS_SYMPTOM, "Cough", 0)) == 30,
          "Symptom");
    /* Death in 10 days, after the states that followed it */
    CHECK(p->death == end + 10 * SIM_MS_DAY, "Death at a future time");
    CHECK(p->cause_of_death && !strcmp(p->cause_of_death->code, "22298006"), "cause of death");
    v = attr(&w, "dying");
    CHECK(v.kind == SIM_V_BOOL && v.u.b, "the module went on after scheduling death");
    world_close(&w);
}

static double share(world *w, const char *include, int n, char sex, int years, const char *value,
                    const char *cond_attr, int cond_value_kind)
{
    (void)include;
    int hits = 0, total = 0;
    for (int i = 0; i < n; i++) {
        char s = sex ? sex : (i % 2 ? 'F' : 'M');
        if (live(w, (uint64_t)i, s, years) != SIM_OK) {
            CHECK(0, "run: %s", w->err.msg);
            return -1;
        }
        if (cond_attr) {
            sim_value c = attr(w, cond_attr);
            if ((int)c.kind != cond_value_kind) continue;
        }
        total++;
        hits += !strcmp(attr_str(w, "branch"), value);
    }
    return total ? (double)hits / total : -1;
}

static void test_distributed(void)
{
    const char *inc[] = {"t_distributed"};
    world w;
    if (world_open(&w, fixtures(), inc, 1) != 0) return;
    double s = share(&w, inc[0], 10000, 'F', 1, "A", NULL, 0);
    CHECK(fabs(s - 0.3) < 0.02, "0.3/0.7 split over 10,000 patients: %.4f", s);
    world_close(&w);
}

static void test_attribute_probability(void)
{
    const char *inc[] = {"t_attribute_probability"};
    world w;
    if (world_open(&w, fixtures(), inc, 1) != 0) return;
    double with = share(&w, inc[0], 10000, 'F', 1, "A", "p_a", SIM_V_NUM);
    double without = share(&w, inc[0], 10000, 'F', 1, "A", "p_a", SIM_V_NIL);
    CHECK(fabs(with - 0.8) < 0.02, "probability from the attribute: %.4f", with);
    CHECK(fabs(without - 0.1) < 0.02, "the default when unset: %.4f", without);
    world_close(&w);
}

static void test_conditional_and_complex(void)
{
    const char *inc[] = {"t_conditional"};
    world w;
    if (world_open(&w, fixtures(), inc, 1) != 0) return;
    live(&w, 1, 'F', 20);
    CHECK_EQ_STR(attr_str(&w, "branch"), "girl");
    live(&w, 2, 'M', 20);
    CHECK_EQ_STR(attr_str(&w, "branch"), "boy");
    world_close(&w);
    const char *inc2[] = {"t_complex"};
    if (world_open(&w, fixtures(), inc2, 1) != 0) return;
    double m = share(&w, inc2[0], 6000, 'M', 1, "A", NULL, 0);
    double f = share(&w, inc2[0], 6000, 'F', 1, "A", NULL, 0);
    CHECK(fabs(m - 0.25) < 0.02, "complex: males take A with 0.25: %.4f", m);
    CHECK(fabs(f - 0.6) < 0.02, "complex: the others with 0.6: %.4f", f);
    world_close(&w);
}

static void test_lookup(void)
{
    const char *inc[] = {"t_lookup"};
    world w;
    if (world_open(&w, fixtures(), inc, 1) != 0) return;
    double f = share(&w, inc[0], 6000, 'F', 31, "A", NULL, 0);
    double m = share(&w, inc[0], 6000, 'M', 31, "A", NULL, 0);
    CHECK(fabs(f - 0.9) < 0.02, "women 18-64: %.4f", f);
    CHECK(fabs(m - 0.2) < 0.02, "men 18-64: %.4f", m);
    world_close(&w);
}

static void test_conditions(void)
{
    static const struct {
        const char *name;
        int expect;
    } want[] = {{"gender_f", 1},
                {"gender_m", 0},
                {"age_ge_40", 1},
                {"age_gt_40", 0},
                {"age_lt_41", 1},
                {"age_months", 1},
                {"date_year", 1},
                {"date_full", 0},
                {"ses_middle", 1},
                {"ses_low", 0},
                {"race_white", 1},
                {"race_hispanic", 1},
                {"race_black", 0},
                {"symptom_cough", 1},
                {"symptom_fever", 0},
                {"obs_glucose", 1},
                {"obs_glucose_nil", 0},
                {"obs_height_nil", 1},
                {"vital_weight", 1},
                {"vital_height", 0},
                {"active_condition", 1},
                {"ended_condition", 0},
                {"active_condition_ref", 1},
                {"active_medication", 1},
                {"active_careplan", 1},
                {"active_allergy", 1},
                {"attr_lt", 1},
                {"attr_le", 1},
                {"attr_eq", 1},
                {"attr_ge", 0},
                {"attr_gt", 1},
                {"attr_ne", 0},
                {"attr_nil", 1},
                {"attr_not_nil", 1},
                {"attr_str", 1},
                {"attr_str_lt", 1},
                {"attr_bool", 1},
                {"prior", 1},
                {"prior_never", 0},
                {"prior_since", 0},
                {"prior_since2", 1},
                {"prior_within", 1},
                {"and", 1},
                {"or", 0},
                {"not", 1},
                {"at_least", 1},
                {"at_most", 0},
                {"true", 1},
                {"false", 0},
                {"lua", 1}};
    const char *inc[] = {"conditions"};
    world w;
    if (world_open(&w, fixtures(), inc, 1) != 0) return;
    CHECK(live(&w, 0, 'F', 41) == SIM_OK, "runs: %s", w.err.msg);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "c_%s", want[i].name);
        sim_value v = attr(&w, name);
        CHECK(v.kind == SIM_V_BOOL, "%s was evaluated", want[i].name);
        CHECK(v.kind == SIM_V_BOOL && v.u.b == want[i].expect, "%s is %s", want[i].name,
              want[i].expect ? "true" : "false");
    }
    world_close(&w);
}

static void test_distributions(void)
{
    static const struct {
        const char *code;
        double mean;
        double tol;
    } want[] = {{"10509002", 10, 0},         {"105531004", 10, 0.02}, {"110030002", 20, 0.02},
                {"1121000119107", 30, 0.02}, {"125605004", 5, 0.02},  {"156073000", 9.0275, 0.02},
                {"15777000", 8.3729, 0.02},  {"160903007", 10, 0.02}, {"160904001", 7, 0},
                {"160968000", -1, 0}};
    const char *inc[] = {"distributions"};
    world w;
    if (world_open(&w, fixtures(), inc, 1) != 0) return;
    const int n = 10000;
    double sum[10] = {0};
    double clamped_min = 1e9;
    for (int i = 0; i < n; i++) {
        if (live(&w, (uint64_t)i, 'F', 80) != SIM_OK) {
            CHECK(0, "run: %s", w.err.msg);
            break;
        }
        sim_time prev = BIRTH;
        CHECK(w.p->conditions.n == 10, "ten markers (%zu)", w.p->conditions.n);
        for (size_t k = 0; k < 10 && k < w.p->conditions.n; k++) {
            const sim_condition *c = &w.p->conditions.v[k];
            CHECK(!strcmp(c->codes.v->code, want[k].code), "marker order");
            double d = (double)(c->start - prev) / SIM_MS_DAY;
            sum[k] += d;
            if (k == 9 && d < clamped_min) clamped_min = d;
            if (want[k].tol == 0 && want[k].mean >= 0)
                CHECK(fabs(d - want[k].mean) < 1e-6, "marker %zu exact: %g days", k, d);
            prev = c->start;
        }
    }
    for (int k = 0; k < 9; k++) {
        double mean = sum[k] / n;
        if (want[k].tol > 0)
            CHECK(fabs(mean - want[k].mean) / want[k].mean < want[k].tol,
                  "%s: mean delay %.4f days, theory %.4f", want[k].code, mean, want[k].mean);
    }
    CHECK(clamped_min >= 8 - 1e-9, "GAUSSIAN with min never goes below it (%g)", clamped_min);
    world_close(&w);
}

static void test_lib(void)
{
    const char *inc[] = {"uses_lib"};
    world w;
    if (world_open(&w, fixtures(), inc, 1) != 0) return;
    CHECK(live(&w, 0, 'M', 1) == SIM_OK, "runs: %s", w.err.msg);
    CHECK(w.p->conditions.n == 1 && !strcmp(w.p->conditions.v[0].codes.v->code, "10509002"),
          "a code from modules/lib/fixture_codes.lua");
    world_close(&w);
}

static void test_runtime_error(void)
{
    const char *inc[] = {"runtime_error"};
    world w;
    if (world_open(&w, fixtures(), inc, 1) != 0) return;
    w.p->attempt = 0;
    sim_status st = live(&w, 17, 'M', 10);
    CHECK(st != SIM_OK, "a failing module stops the patient");
    const char *m = w.err.msg;
    CHECK(strstr(m, "modules/runtime_error.lua:7:") != NULL, "file:line: %s", m);
    CHECK(strstr(m, "attempt to compare") != NULL, "the Lua problem: %s", m);
    CHECK(strstr(m, "module 'runtime_error'") && strstr(m, "state 'Check'"), "module and state: %s",
          m);
    CHECK(strstr(m, "patient 17") && strstr(m, "seed 99"), "patient and seed: %s", m);
    CHECK(strstr(m, "simulated date 2006-03-15") != NULL, "simulated date: %s", m);
    world_close(&w);
}

/* the same module as Lua and as GMF JSON gives the same records for the same seed */
static void render(world *w, int n, sim_buf *all)
{
    sim_outbufs out;
    memset(&out, 0, sizeof out);
    sim_export_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.ms = w->ms;
    cx.end = sim_time_add_years(BIRTH, 90);
    cx.export_from = INT64_MIN;
    for (int i = 0; i < n; i++) {
        if (live(w, (uint64_t)i, i % 2 ? 'F' : 'M', 90) != SIM_OK) {
            CHECK(0, "run: %s", w->err.msg);
            break;
        }
        snprintf(w->p->who.id, sizeof w->p->who.id, "patient-%d", i);
        sim_outbufs_reset(&out);
        sim_csv_patient(&cx, w->p, &out);
        for (int f = 0; f < SIM_FILE_COUNT; f++)
            sim_buf_append(all, out.buf[f].data, out.buf[f].len);
    }
    sim_outbufs_free(&out);
}

static void test_json_twin(void)
{
    char lua_root[1024], json_root[1024];
    snprintf(lua_root, sizeof lua_root, "%s", getenv("LIFESIM_HOME"));
    snprintf(json_root, sizeof json_root, "%s/tests/fixtures/twin_json", getenv("LIFESIM_HOME"));
    const char *inc[] = {"appendicitis"};
    world a, b;
    if (world_open(&a, lua_root, inc, 1) != 0) return;
    if (world_open(&b, json_root, inc, 1) != 0) {
        world_close(&a);
        return;
    }
    CHECK(sim_modset_get(b.ms, 0)->json, "the twin is JSON");
    sim_buf ba = {0}, bb = {0};
    render(&a, 3000, &ba);
    render(&b, 3000, &bb);
    CHECK(ba.len > 10000, "the module made records (%zu bytes)", ba.len);
    CHECK(ba.len == bb.len && memcmp(ba.data, bb.data, ba.len) == 0,
          "the Lua module and its GMF JSON twin give the same records");
    sim_buf_free(&ba);
    sim_buf_free(&bb);
    world_close(&a);
    world_close(&b);
}

TEST_MAIN(T(test_every_state), T(test_distributed), T(test_attribute_probability),
          T(test_conditional_and_complex), T(test_lookup), T(test_conditions),
          T(test_distributions), T(test_lib), T(test_runtime_error), T(test_json_twin))
