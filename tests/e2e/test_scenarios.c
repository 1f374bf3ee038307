/* test_scenarios.c — scenarios end to end: every shipped scenario runs; a cohort (keep:) delivers
 * exactly the population asked for, every patient meeting every criterion, the same ones every
 * time; mistakes that need the modules (keep states, parameters, exclusions, places, dirs) are
 * reported at the scenario's line; flags override the scenario. */
#include "sim_table.h"
#include "sim_time.h"
#include "e2e.h"

#include <jansson.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *manifest(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    json_error_t je;
    return json_load_file(path, 0, &je);
}

static void test_shipped_scenarios_run(void)
{
    static const char *const files[] = {"default", "fixtures", "appendicitis_cohort", NULL};
    for (int i = 0; files[i]; i++) {
        char cmd[4096], err[8192], dir[1024];
        snprintf(dir, sizeof dir, "%s/scen_%s", tmpdir(), files[i]);
        snprintf(cmd, sizeof cmd, "%s run %s/scenarios/%s.yaml -q -o %s", bin(),
                 getenv("LIFESIM_HOME"), files[i], dir);
        CHECK(sh(cmd, err, sizeof err) == 0, "scenarios/%s.yaml runs: %s", files[i], err);
        check_clean(dir);
        json_t *m = manifest(dir);
        CHECK(m && !strcmp(json_string_value(json_object_get(m, "status")), "complete"),
              "%s: complete", files[i]);
        json_decref(m);
    }
    /* fixtures: ten patients, every format */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/scen_fixtures", tmpdir());
    json_t *m = manifest(dir);
    json_t *pc = json_object_get(m, "patients");
    CHECK(json_integer_value(json_object_get(pc, "living")) == 10, "fixtures: 10 patients");
    int csv = 0, bundles = 0, ndjson = 0;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        csv += !strncmp(p, "csv/", 4);
        bundles += !strncmp(p, "fhir/", 5);
        ndjson += !strncmp(p, "fhir-ndjson/", 12);
    }
    CHECK(csv == 15 && ndjson == 15 && bundles >= 10, "fixtures: every format (%d, %d, %d)", csv,
          bundles, ndjson);
    json_decref(m);
}

static const char cohort_yaml[] = "name: cohort\n"
                                  "seed: 5\n"
                                  "population: 20\n"
                                  "modules: {include: [appendicitis]}\n"
                                  "keep:\n"
                                  "  age: {min: 30, max: 70}\n"
                                  "  sex: F\n"
                                  "  conditions: [{code: \"74400008\", system: SNOMED-CT}]\n"
                                  "  states: [{module: appendicitis, state: Appendectomy}]\n";

static void test_cohort(void)
{
    const char *path = write_scenario("cohort", cohort_yaml);
    char a[1024], b[1024], cmd[16384], err[8192];
    snprintf(a, sizeof a, "%s/scen_cohort_a", tmpdir());
    snprintf(b, sizeof b, "%s/scen_cohort_b", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run %s -q -o %s && %s run %s -q -o %s", bin(), path, a, bin(),
             path, b);
    CHECK(sh(cmd, err, sizeof err) == 0, "the cohort runs: %s", err);
    check_clean(a);
    json_t *m = manifest(a);
    json_t *pc = json_object_get(m, "patients");
    long living = (long)json_integer_value(json_object_get(pc, "living"));
    long deceased = (long)json_integer_value(json_object_get(pc, "deceased"));
    long simulated = (long)json_integer_value(json_object_get(pc, "simulated"));
    long not_kept = (long)json_integer_value(json_object_get(pc, "not_kept"));
    CHECK(living == 20 && deceased == 0, "exactly the 20 asked for, alive (%ld, %ld)", living,
          deceased);
    CHECK(simulated == living + not_kept && not_kept > 0,
          "the manifest reports every life simulated (%ld = 20 + %ld)", simulated, not_kept);
    json_decref(m);

    sim_table *pt = table(a, "patients.csv");
    sim_table *ct = table(a, "conditions.csv");
    sim_table *pr = table(a, "procedures.csv");
    if (pt && ct && pr) {
        CHECK(pt->nrows == 20, "20 rows in patients.csv (%zu)", pt->nrows);
        int cid = col(pt, "Id"), cb = col(pt, "BIRTHDATE"), cd = col(pt, "DEATHDATE"),
            cg = col(pt, "GENDER");
        int ccp = col(ct, "PATIENT"), ccc = col(ct, "CODE");
        int cpp = col(pr, "PATIENT"), cpc = col(pr, "CODE");
        sim_time ref = sim_time_from_ymd(2025, 1, 1);
        for (size_t r = 0; r < pt->nrows; r++) {
            const char *id = sim_table_cell(pt, r, (size_t)cid);
            sim_time birth;
            sim_time_parse(sim_table_cell(pt, r, (size_t)cb), &birth);
            int64_t age = sim_age_years(birth, ref);
            CHECK(age >= 30 && age <= 70, "%s: age %lld within 30-70", id, (long long)age);
            CHECK(!*sim_table_cell(pt, r, (size_t)cd), "%s: alive", id);
            CHECK(!strcmp(sim_table_cell(pt, r, (size_t)cg), "F"), "%s: female", id);
            int cond = 0, proc = 0;
            for (size_t k = 0; k < ct->nrows; k++)
                cond |= !strcmp(sim_table_cell(ct, k, (size_t)ccp), id) &&
                        !strcmp(sim_table_cell(ct, k, (size_t)ccc), "74400008");
            for (size_t k = 0; k < pr->nrows; k++)
                proc |= !strcmp(sim_table_cell(pr, k, (size_t)cpp), id) &&
                        !strcmp(sim_table_cell(pr, k, (size_t)cpc), "80146002");
            CHECK(cond, "%s: has had appendicitis", id);
            CHECK(proc, "%s: had the appendectomy", id);
        }
    }
    sim_table_free(pt);
    sim_table_free(ct);
    sim_table_free(pr);
    /* the same scenario keeps the same patients */
    snprintf(cmd, sizeof cmd, "cmp -s %s/csv/patients.csv %s/csv/patients.csv", a, b);
    CHECK(sh(cmd, NULL, 0) == 0, "the same scenario keeps the same patients");

    /* dead patients can be asked for too */
    path = write_scenario("cohort_dead", "name: dead\nseed: 3\npopulation: 5\n"
                                   "modules: {include: [appendicitis]}\nkeep: {alive: false}\n");
    snprintf(cmd, sizeof cmd, "%s run %s -q -o %s/scen_dead", bin(), path, tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 0, "a cohort of the dead runs: %s", err);
    snprintf(a, sizeof a, "%s/scen_dead", tmpdir());
    check_clean(a);
    m = manifest(a);
    pc = json_object_get(m, "patients");
    CHECK(json_integer_value(json_object_get(pc, "deceased")) == 5 &&
              json_integer_value(json_object_get(pc, "living")) == 0,
          "five dead, no living");
    json_decref(m);
}

/* a run that must fail: exit 1, the message at file:line:column, no complete output */
static void fails(const char *name, const char *yaml, const char *flags, const char *want)
{
    const char *path = write_scenario(name, yaml);
    char cmd[4096], err[8192], dir[1024], where[1200];
    snprintf(dir, sizeof dir, "%s/scen_fail_%s", tmpdir(), name);
    snprintf(cmd, sizeof cmd, "rm -rf %s; %s run %s -q -o %s %s", dir, bin(), path, dir, flags);
    int rc = sh(cmd, err, sizeof err);
    CHECK(rc == 1, "%s: exit 1 (%d): %s", name, rc, err);
    snprintf(where, sizeof where, "%s:%s", path, want);
    CHECK(strstr(err, where) != NULL, "%s: wanted '%s' in: %s", name, where, err);
    json_t *m = manifest(dir);
    CHECK(!m || strcmp(json_string_value(json_object_get(m, "status")), "complete"),
          "%s: nothing complete", name);
    json_decref(m);
    char p[1200];
    snprintf(p, sizeof p, "%s/csv/patients.csv", dir);
    FILE *f = fopen(p, "r");
    CHECK(f == NULL, "%s: no patients.csv", name);
    if (f) fclose(f);
}

static void test_errors_that_need_the_modules(void)
{
    fails("keep_state",
          "population: 2\nkeep:\n  states:\n    - {module: appendicitis, state: Appendectomi}\n",
          "",
          "4:7: error: keep.states: module 'appendicitis' (modules/appendicitis.lua) has no "
          "state 'Appendectomi' (did you mean 'Appendectomy'?)");
    fails(
        "keep_module", "population: 2\nkeep:\n  states: [{module: apendicitis, state: X}]\n", "",
        "3:12: error: keep.states: no loaded module 'apendicitis' (did you mean 'appendicitis'?)");
    fails("keep_code", "population: 2\nkeep:\n  conditions: [{code: \"84757009\"}]\n", "",
          "3:16: error: keep.conditions: no loaded module records the condition 84757009");
    fails("keep_exhausted",
          "population: 2\nmodules: {include: [appendicitis]}\n"
          "keep:\n  max_attempts: 3\n  states: [{module: appendicitis, state: Death}]\n",
          "", "4:3: keep: no patient met the criteria in 3 lives");
    fails("param_unknown", "population: 2\nparameters:\n  appendicitis.risk_multipler: 2\n", "",
          "3:3: error: unknown parameter 'appendicitis.risk_multipler' (did you mean "
          "'risk_multiplier'?); module 'appendicitis' declares: risk_multiplier");
    fails("param_module", "population: 2\nparameters:\n  nosuch.rate: 2\n", "",
          "3:3: error: parameter 'nosuch.rate' names no loaded module");
    fails("include", "population: 2\nmodules:\n  include: [appendicitus]\n", "",
          "3:13: error: modules.include: no module 'appendicitus' (did you mean 'appendicitis'?)");
    fails("exclude", "population: 2\nmodules:\n  exclude: [zzz]\n", "",
          "3:13: error: modules.exclude: no module 'zzz' (the modules are: ");
    fails("dirs", "population: 2\nmodules:\n  dirs: [/nonexistent/modules]\n", "",
          "3:10: error: modules.dirs: '/nonexistent/modules' is not a folder of modules");
    fails("places", "population: 2\ndemographics:\n  places: nowhere.csv\n", "",
          "3:11: demographics.places: there is no table modules/data/nowhere.csv");
}

static void test_exclusion_warning(void)
{
    char yaml[2048], cmd[4096], err[8192];
    snprintf(yaml, sizeof yaml,
             "population: 2\nmodules:\n  dirs: [%s/tests/fixtures/exclude]\n  exclude: [setter]\n",
             getenv("LIFESIM_HOME"));
    const char *path = write_scenario("exclusion", yaml);
    snprintf(cmd, sizeof cmd, "%s run %s -q -o %s/scen_excl", bin(), path, tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 0, "runs (a warning is not an error): %s", err);
    char want[1200];
    snprintf(want, sizeof want,
             "%s:4:13: warning: excluding 'setter' leaves attribute 'fixture_flag' unset", path);
    CHECK(strstr(err, want) != NULL, "warns at the exclude entry: %s", err);
    CHECK(strstr(err, "setter.lua:7 sets it") && strstr(err, "reader.lua:7 reads it"),
          "naming who sets and who reads it: %s", err);
    /* excluding both: nothing left waiting, no warning */
    snprintf(yaml, sizeof yaml,
             "population: 2\nmodules:\n  dirs: [%s/tests/fixtures/exclude]\n"
             "  exclude: [setter, reader]\n",
             getenv("LIFESIM_HOME"));
    path = write_scenario("exclusion2", yaml);
    snprintf(cmd, sizeof cmd, "%s run %s -q -o %s/scen_excl2", bin(), path, tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 0 && !strstr(err, "warning"), "no warning: %s", err);
}

static void test_flags_override(void)
{
    const char *path = write_scenario("prec", "name: prec\nseed: 1\npopulation: 3\nthreads: 2\n"
                                        "output: {folder: somewhere, formats: [csv]}\n");
    char cmd[4096], err[8192], out[1024];
    snprintf(out, sizeof out, "%s/scen_prec.txt", tmpdir());
    snprintf(cmd, sizeof cmd,
             "%s run %s --dry-run -p 9 -s 77 -o elsewhere --format fhir,ndjson --threads 5 > %s",
             bin(), path, out);
    CHECK(sh(cmd, err, sizeof err) == 0, "dry run: %s", err);
    FILE *f = fopen(out, "r");
    char text[8192] = "";
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    static const char *const want[] = {
        "population: 9\n",           "seed: 77\n",   "folder: \"elsewhere\"\n",
        "formats: [fhir, ndjson]\n", "threads: 5\n", NULL};
    for (int i = 0; want[i]; i++)
        CHECK(strstr(text, want[i]) != NULL, "the flag wins: %s in %s", want[i], text);
    /* nothing ran */
    CHECK(access("elsewhere", F_OK) != 0 && access("somewhere", F_OK) != 0,
          "--dry-run writes nothing");
    /* without flags, the scenario's values */
    snprintf(cmd, sizeof cmd, "%s run %s --dry-run > %s", bin(), path, out);
    CHECK(sh(cmd, err, sizeof err) == 0, "dry run: %s", err);
    f = fopen(out, "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    CHECK(strstr(text, "population: 3\n") && strstr(text, "threads: 2\n") &&
              strstr(text, "folder: \"somewhere\"\n"),
          "the scenario's values: %s", text);
    /* a bad flag value is a usage error */
    snprintf(cmd, sizeof cmd, "%s run %s --threads many", bin(), path);
    CHECK(sh(cmd, err, sizeof err) == 2 && strstr(err, "--threads: 'many'"),
          "--threads many: exit 2: %s", err);
}

TEST_MAIN(T(test_shipped_scenarios_run), T(test_cohort), T(test_errors_that_need_the_modules),
          T(test_exclusion_warning), T(test_flags_override))
