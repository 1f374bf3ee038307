/* test_scheduler.c — the discrete-event engine: exact wake-up times, Guards that wake on what
 * they read instead of polling, ordering, the reference date, death, and random streams that
 * do not depend on which other modules are loaded. */
#include "sim_engine.h"
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_output.h"
#include "sim_rng.h"
#include "test.h"

#include <sys/stat.h>

typedef struct world {
    sim_lua *lua;
    sim_modset *ms;
    sim_engine *e;
    sim_patient *p;
} world;

/* writes the modules (name, source pairs, NULL-terminated) into a fresh folder and loads them */
static int world_new(world *w, const char *casename, const char *const *mods)
{
    memset(w, 0, sizeof *w);
    char dir[1024], path[1200];
    const char *tmp = getenv("LIFESIM_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/sched_%s/modules", tmp ? tmp : "/tmp", casename);
    sim_error err;
    if (sim_mkdirs(dir, &err) != SIM_OK) return -1;
    for (int i = 0; mods[i]; i += 2) {
        snprintf(path, sizeof path, "%s/%s.lua", dir, mods[i]);
        FILE *f = fopen(path, "w");
        if (!f) return -1;
        fputs(mods[i + 1], f);
        fclose(f);
    }
    snprintf(dir, sizeof dir, "%s/sched_%s", tmp ? tmp : "/tmp", casename);
    w->lua = sim_lua_new(NULL, dir);
    sim_modset_opts o;
    memset(&o, 0, sizeof o);
    o.root = dir;
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_status st = sim_modset_load(w->lua, &o, &w->ms, &d);
    sim_diags_print(&d, stderr);
    sim_diags_free(&d);
    CHECK(st == SIM_OK, "%s: modules load", casename);
    if (st != SIM_OK) return -1;
    sim_engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.guard_poll = 7 * SIM_MS_DAY;
    w->e = sim_engine_new(w->ms, &eo);
    w->p = sim_patient_new();
    return w->e && w->p ? 0 : -1;
}

static void world_free(world *w)
{
    sim_engine_free(w->e);
    sim_modset_free(w->ms);
    sim_lua_free(w->lua);
    sim_patient_free(w->p);
}

static sim_status simulate(world *w, uint64_t slot, char sex)
{
    sim_patient_reset(w->p);
    w->p->slot = slot;
    w->p->key = sim_rng_patient_key(sim_rng_run_key(7), slot, 0);
    w->p->birth = sim_time_from_civil(2000, 3, 15, 8, 30, 0);
    w->p->end = sim_time_from_ymd(2100, 1, 1);
    w->p->who.sex = sex;
    sim_error err;
    sim_error_clear(&err);
    sim_status st = sim_engine_run(w->e, w->p, &err);
    if (st != SIM_OK) fprintf(stderr, "run: %s\n", err.msg);
    return st;
}

#define VISIT(name, cls)                                                                           \
    name " = { type = 'Encounter', encounter_class = '" cls                                        \
         "', codes = { codes.snomed(185345009, "                                                   \
         "'Encounter for symptom (procedure)') }, direct_transition = '" name "_End' },\n" name    \
         "_End = { type = 'EncounterEnd', direct_transition = 'Terminal' },\n"

static void test_delay_exact(void)
{
    const char *mods[] = {
        "m",
        "return { name = 'M', states = {\n"
        "Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
        "Wait = { type = 'Delay', exact = days(10), direct_transition = 'V' },\n" VISIT(
            "V", "ambulatory") "Terminal = { type = 'Terminal' } } }\n",
        NULL};
    world w;
    if (world_new(&w, "delay", mods) != 0) return;
    CHECK(simulate(&w, 0, 'F') == SIM_OK, "runs");
    CHECK(w.p->encounters.n == 1, "one encounter");
    if (w.p->encounters.n)
        CHECK(w.p->encounters.v[0].start == w.p->birth + 10 * SIM_MS_DAY,
              "starts 10 days after birth");
    sim_engine_stats s;
    sim_engine_stats_get(w.e, &s);
    CHECK(s.wakeups == 2, "two activations: birth and the end of the delay (%llu)",
          (unsigned long long)s.wakeups);
    world_free(&w);
}

static void test_guard_on_age(void)
{
    const char *mods[] = {
        "m",
        "return { name = 'M', states = {\n"
        "Initial = { type = 'Initial', direct_transition = 'Wait40' },\n"
        "Wait40 = { type = 'Guard', allow = age('>=', 40), direct_transition = 'V' },\n" VISIT(
            "V", "ambulatory") "Terminal = { type = 'Terminal' } } }\n",
        NULL};
    world w;
    if (world_new(&w, "guard_age", mods) != 0) return;
    CHECK(simulate(&w, 0, 'F') == SIM_OK, "runs");
    CHECK(w.p->encounters.n == 1, "one encounter");
    if (w.p->encounters.n)
        CHECK(w.p->encounters.v[0].start == sim_time_add_years(w.p->birth, 40),
              "at the 40th birthday exactly");
    sim_engine_stats s;
    sim_engine_stats_get(w.e, &s);
    CHECK(s.wakeups == 2, "no polling: woken at birth and at the birthday (%llu)",
          (unsigned long long)s.wakeups);
    world_free(&w);
}

static void test_guard_on_attribute(void)
{
    const char *mods[] = {
        "a_setter",
        "return { name = 'Setter', states = {\n"
        "Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
        "Wait = { type = 'Delay', exact = years(5), direct_transition = 'Set' },\n"
        "Set = { type = 'SetAttribute', attribute = 'flag', value = true, direct_transition = "
        "'Terminal' },\n"
        "Terminal = { type = 'Terminal' } } }\n",
        "b_watcher",
        "return { name = 'Watcher', states = {\n"
        "Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
        "Wait = { type = 'Guard', allow = attribute('flag', '==', true), direct_transition = 'V' "
        "},\n" VISIT("V", "ambulatory") "Terminal = { type = 'Terminal' } } }\n",
        "c_other",
        "return { name = 'Other', states = {\n"
        "Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
        "Wait = { type = 'Guard', allow = attribute('unrelated', '==', 1), direct_transition = "
        "'Terminal' },\n"
        "Terminal = { type = 'Terminal' } } }\n",
        NULL};
    world w;
    if (world_new(&w, "guard_attr", mods) != 0) return;
    CHECK(simulate(&w, 0, 'M') == SIM_OK, "runs");
    CHECK(w.p->encounters.n == 1, "the watcher's encounter");
    if (w.p->encounters.n)
        CHECK(w.p->encounters.v[0].start == w.p->birth + 5 * SIM_MS_YEAR,
              "the same instant the attribute was set");
    sim_engine_stats s;
    sim_engine_stats_get(w.e, &s);
    /* setter: birth + 5y; watcher: birth + woken by the change; other: birth only */
    CHECK(s.wakeups == 5, "only the watcher is woken by the change (%llu activations)",
          (unsigned long long)s.wakeups);
    world_free(&w);
}

static void test_lua_guard_polls(void)
{
    const char *mods[] = {
        "m",
        "return { name = 'M', states = {\n"
        "Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
        "Wait = { type = 'Guard', allow = function(p) return p.age_months >= 6 end, "
        "direct_transition = 'V' },\n" VISIT("V",
                                             "ambulatory") "Terminal = { type = 'Terminal' } } }\n",
        NULL};
    world w;
    if (world_new(&w, "guard_lua", mods) != 0) return;
    CHECK(simulate(&w, 0, 'F') == SIM_OK, "runs");
    CHECK(w.p->encounters.n == 1, "one encounter");
    if (w.p->encounters.n) {
        sim_time six = sim_time_add_months(w.p->birth, 6), t = w.p->encounters.v[0].start;
        CHECK(t >= six && t < six + 7 * SIM_MS_DAY, "within one poll interval of 6 months");
    }
    world_free(&w);
}

static void test_order_and_end(void)
{
    const char *mods[] = {
        "b_second",
        "return { name = 'B', states = { Initial = { type = 'Initial', direct_transition = 'W' },\n"
        "W = { type = 'Delay', exact = days(3), direct_transition = 'V' },\n" VISIT(
            "V", "ambulatory") "Terminal = { type = 'Terminal' } } }\n",
        "a_first",
        "return { name = 'A', states = { Initial = { type = 'Initial', direct_transition = 'W' },\n"
        "W = { type = 'Delay', exact = days(3), direct_transition = 'V' },\n" VISIT(
            "V", "emergency") "Terminal = { type = 'Terminal' } } }\n",
        "c_never",
        "return { name = 'C', states = { Initial = { type = 'Initial', direct_transition = 'W' },\n"
        "W = { type = 'Delay', exact = years(150), direct_transition = 'V' },\n" VISIT(
            "V", "ambulatory") "Terminal = { type = 'Terminal' } } }\n",
        NULL};
    world w;
    if (world_new(&w, "order", mods) != 0) return;
    CHECK(simulate(&w, 0, 'F') == SIM_OK, "runs");
    CHECK(w.p->encounters.n == 2, "the 150-year delay ends after the reference date");
    if (w.p->encounters.n == 2) {
        CHECK(w.p->encounters.v[0].start == w.p->encounters.v[1].start, "same instant");
        CHECK(w.p->encounters.v[0].cls == SIM_EC_EMERGENCY, "module a_first runs first");
    }
    world_free(&w);
}

static void test_death(void)
{
    const char *mods[] = {
        "dies",
        "return { name = 'D', states = { Initial = { type = 'Initial', direct_transition = 'W' },\n"
        "W = { type = 'Delay', exact = years(30), direct_transition = 'Cause' },\n"
        "Cause = { type = 'ConditionOnset', codes = { codes.snomed(22298006, 'Myocardial "
        "infarction (disorder)') }, direct_transition = 'Die' },\n"
        "Die = { type = 'Death', condition_onset = 'Cause', direct_transition = 'Terminal' },\n"
        "Terminal = { type = 'Terminal' } } }\n",
        "later",
        "return { name = 'L', states = { Initial = { type = 'Initial', direct_transition = 'W' },\n"
        "W = { type = 'Delay', exact = years(31), direct_transition = 'V' },\n" VISIT(
            "V", "ambulatory") "Terminal = { type = 'Terminal' } } }\n",
        NULL};
    world w;
    if (world_new(&w, "death", mods) != 0) return;
    CHECK(simulate(&w, 0, 'M') == SIM_OK, "runs");
    CHECK(w.p->death == w.p->birth + 30 * SIM_MS_YEAR, "dies at 30");
    CHECK(w.p->cause_of_death && !strcmp(w.p->cause_of_death->code, "22298006"),
          "cause from the condition");
    for (size_t i = 0; i < w.p->encounters.n; i++)
        CHECK(w.p->encounters.v[i].start <= w.p->death, "nothing after death");
    CHECK(w.p->encounters.n == 1, "only the death certificate");
    world_free(&w);
}

/* the onset times drawn by module x with and without another drawing module loaded */
static void onsets(const char *casename, int with_other, sim_time out[20])
{
    const char *x =
        "return { name = 'X', states = { Initial = { type = 'Initial', direct_transition = 'W' },\n"
        "W = { type = 'Delay', distribution = uniform { years(0), years(60) }, "
        "direct_transition = 'On' },\n"
        "On = { type = 'ConditionOnset', codes = { codes.snomed(38341003, 'Hypertensive "
        "disorder, systemic arterial (disorder)') }, distributed_transition = pick { { 0.5, "
        "'W' }, { 0.5, 'Terminal' } } },\n"
        "Terminal = { type = 'Terminal' } } }\n";
    const char *y =
        "return { name = 'Y', states = { Initial = { type = 'Initial', direct_transition = 'W' },\n"
        "W = { type = 'Delay', distribution = exponential { mean = years(3) }, "
        "direct_transition = 'S' },\n"
        "S = { type = 'SetAttribute', attribute = 'y', value = function(p) return "
        "math.random() end, direct_transition = 'W' },\n"
        "Terminal = { type = 'Terminal' } } }\n";
    const char *mods1[] = {"x", x, NULL};
    const char *mods2[] = {"x", x, "a_y", y, NULL};
    world w;
    memset(out, 0, 20 * sizeof *out);
    if (world_new(&w, casename, with_other ? mods2 : mods1) != 0) return;
    for (uint64_t slot = 0; slot < 20; slot++) {
        simulate(&w, slot, 'F');
        out[slot] = w.p->conditions.n ? w.p->conditions.v[w.p->conditions.n - 1].start : -1;
    }
    world_free(&w);
}

static void test_module_streams_independent(void)
{
    sim_time a[20], b[20];
    onsets("alone", 0, a);
    onsets("with_other", 1, b);
    int differ = 0;
    for (int i = 0; i < 20; i++) differ += a[i] != b[i];
    CHECK(differ == 0, "adding a module changed %d of 20 patients' draws in another module",
          differ);
    int varied = 0;
    for (int i = 1; i < 20; i++) varied += a[i] != a[0];
    CHECK(varied > 15, "patients differ from one another");
}

TEST_MAIN(T(test_delay_exact), T(test_guard_on_age), T(test_guard_on_attribute),
          T(test_lua_guard_polls), T(test_order_and_end), T(test_death),
          T(test_module_streams_independent))
