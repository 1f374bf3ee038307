/* test_cause.c — all-cause deaths attributed to active conditions: with one listed condition of
 * weight w active at death, the share of deaths certified to it is w / (1 + w); a condition not
 * active at death is never the cause; without a table every such death is "natural". */
#include "sim_engine.h"
#include "sim_lifetable.h"
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_rng.h"
#include "test.h"

#include <math.h>
#include <sys/stat.h>

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* a root with one module giving a chronic condition at age 1 and a condition that resolves */
static void make_root(const char *root, const char *causes)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/modules/data", root);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", root, p);
    if (system(cmd)) {
    }
    snprintf(p, sizeof p, "%s/modules/chronic.lua", root);
    write_file(
        p,
        "-- test fixture\n"
        "local sct = codes.snomed\n"
        "return { name = 'Chronic', states = {\n"
        "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
        "  Wait = { type = 'Guard', allow = age('>=', 1), direct_transition = 'Onset' },\n"
        "  Onset = { type = 'ConditionOnset', codes = { sct(59621000, 'Essential hypertension "
        "(disorder)') },\n"
        "            direct_transition = 'Cold' },\n"
        "  Cold = { type = 'ConditionOnset', codes = { sct(82272006, 'Common cold (disorder)') },\n"
        "           direct_transition = 'Later' },\n"
        "  Later = { type = 'Delay', exact = { quantity = 10, unit = 'days' }, direct_transition = "
        "'Over' },\n"
        "  Over = { type = 'ConditionEnd', condition_onset = 'Cold', direct_transition = 'Done' "
        "},\n"
        "  Done = { type = 'Terminal' } } }\n");
    if (causes) {
        snprintf(p, sizeof p, "%s/modules/data/cause_of_death.csv", root);
        write_file(p, causes);
    }
}

static double share(const char *root, const char *code, int *deaths)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/modules/data/lifetable_us.csv", getenv("LIFESIM_HOME"));
    sim_lifetable *lt = NULL;
    sim_error err;
    CHECK(sim_lifetable_load(path, &lt, &err) == SIM_OK, "life table");
    sim_lua *lua = sim_lua_new(NULL, root);
    sim_modset_opts o;
    memset(&o, 0, sizeof o);
    o.root = root;
    sim_modset *ms = NULL;
    sim_diags d;
    memset(&d, 0, sizeof d);
    CHECK(sim_modset_load(lua, &o, &ms, &d) == SIM_OK, "modules load");
    sim_diags_print(&d, stderr);
    sim_diags_free(&d);
    double s = -1;
    if (ms && lt) {
        sim_engine_opts eo;
        memset(&eo, 0, sizeof eo);
        eo.lifetable = lt;
        sim_engine *e = sim_engine_new(ms, &eo);
        sim_patient *p = sim_patient_new();
        int n = 0, hit = 0;
        uint64_t run = sim_rng_run_key(7);
        for (uint64_t i = 0; i < 4000; i++) {
            sim_patient_reset(p);
            p->slot = i;
            p->key = sim_rng_patient_key(run, i, 0);
            p->who.sex = i % 2 ? 'F' : 'M';
            p->who.race = "white";
            p->who.ethnicity = "nonhispanic";
            p->birth = sim_time_from_ymd(1900, 1, 1);
            p->end = sim_time_from_ymd(2100, 1, 1);
            if (sim_engine_run(e, p, &err) != SIM_OK) break;
            if (p->death == SIM_NEVER || sim_age_years(p->birth, p->death) < 2) continue;
            n++;
            hit += p->cause_of_death && !strcmp(p->cause_of_death->code, code);
        }
        s = n ? (double)hit / n : -1;
        *deaths = n;
        sim_patient_free(p);
        sim_engine_free(e);
    }
    sim_modset_free(ms);
    sim_lua_free(lua);
    sim_lifetable_free(lt);
    return s;
}

static void test_attribution(void)
{
    char root[1024];
    snprintf(root, sizeof root, "%s/cause_root",
             getenv("LIFESIM_TEST_TMP") ? getenv("LIFESIM_TEST_TMP") : "/tmp");
    make_root(root, "# test fixture\nsystem,code,display,weight\n"
                    "SNOMED-CT,59621000,Essential hypertension (disorder),3\n"
                    "SNOMED-CT,82272006,Common cold (disorder),50\n");
    int n = 0;
    double s = share(root, "59621000", &n);
    /* 3 / (1 + 3) = 0.75; with ~4,000 deaths the standard error is under 0.01 */
    CHECK(fabs(s - 0.75) < 0.03, "share of deaths certified to the active condition: %.3f (n %d)",
          s, n);
    double cold = share(root, "82272006", &n);
    CHECK(cold == 0.0, "a resolved condition is never the cause (%.3f)", cold);
    make_root(root, NULL);
    double none = share(root, "59621000", &n);
    CHECK(none == 0.0, "without a table no condition is the cause (%.3f)", none);
}

TEST_MAIN(T(test_attribution))
