/* test_check.c — `lifesim check`: the clean fixtures (CSV 3.3 and 3.2 layouts, FHIR bundles,
 * NDJSON, gzipped) pass; for every rule, a fixture corrupted in one place fails with that rule
 * named; many partitions give the same answer as one; 1,000 generated patients pass; genuine
 * Synthea output shows its known faults; --strict names the module and state of a bad record. */
#include "e2e.h"
#include "sim_check.h"

#include <jansson.h>

static char fixtures[1024];

static void setup(void)
{
    snprintf(fixtures, sizeof fixtures, "%s/tests/fixtures/check", getenv("LIFESIM_HOME"));
}

/* runs `lifesim check DIR --json`; returns the exit status and the parsed report */
static int check_json(const char *dir, json_t **report, char *err, size_t errsz)
{
    char cmd[16384], out[1100];
    snprintf(out, sizeof out, "%s/check_report.json", tmpdir());
    snprintf(cmd, sizeof cmd, "%s check %s --json --max 1000 > %s", bin(), dir, out);
    int rc = sh(cmd, err, errsz);
    json_error_t je;
    *report = json_load_file(out, 0, &je);
    return rc;
}

static long rule_violations(json_t *report, const char *rule)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(report, "rules"), i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "rule")), rule))
            return (long)json_integer_value(json_object_get(r, "violations"));
    }
    return -1;
}

static void test_clean_fixtures(void)
{
    static const char *const dirs[] = {"v33", "v32", NULL};
    for (int i = 0; dirs[i]; i++) {
        char dir[1200], err[4096];
        snprintf(dir, sizeof dir, "%s/%s", fixtures, dirs[i]);
        json_t *rep = NULL;
        int rc = check_json(dir, &rep, err, sizeof err);
        CHECK(rc == 0, "%s is clean (exit %d): %s", dirs[i], rc, err);
        CHECK(rep && json_integer_value(json_object_get(rep, "patients")) == 2, "%s: 2 patients",
              dirs[i]);
        /* every rule was exercised on the clean data */
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(rep, "rules"), k, r)
        {
            const char *name = json_string_value(json_object_get(r, "rule"));
            CHECK(json_integer_value(json_object_get(r, "checked")) > 0,
                  "%s: rule %s checked something", dirs[i], name);
        }
        json_decref(rep);
    }
    /* the same, gzipped */
    char cmd[16384], err[4096], gz[1100];
    snprintf(gz, sizeof gz, "%s/check_gz", tmpdir());
    snprintf(
        cmd, sizeof cmd,
        "rm -rf %s && cp -r %s/v33 %s && gzip %s/csv/*.csv %s/fhir/*.json %s/fhir-ndjson/*.ndjson",
        gz, fixtures, gz, gz, gz, gz);
    CHECK(sh(cmd, err, sizeof err) == 0, "gzip the fixture: %s", err);
    json_t *rep = NULL;
    CHECK(check_json(gz, &rep, err, sizeof err) == 0, "the gzipped fixture is clean: %s", err);
    CHECK(rep && json_integer_value(json_object_get(rep, "files")) == 22, "22 files read");
    json_decref(rep);
}

/* one corruption: in `file` (under the fixture), the first `find` becomes `repl` */
typedef struct mutation {
    const char *rule, *file, *find, *repl;
} mutation;

#define A_      "aaaaaaaa-0000-4000-8000-000000000001"
#define B_      "bbbbbbbb-0000-4000-8000-000000000002"
#define E1_     "e1000000-0000-4000-8000-000000000001"
#define E2_     "e2000000-0000-4000-8000-000000000002"
#define E3_     "e3000000-0000-4000-8000-000000000003"
#define BUNDLE_ "fhir/Ben2_Fixture2_" B_ ".json"

static const mutation mutations[] = {
    {"birth-before-events", "csv/observations.csv", "2020-05-01T09:00:00Z," A_,
     "2019-05-01T09:00:00Z," A_},
    {"condition-onset-after-birth", "csv/conditions.csv", "2021-03-15,2021-03-29," A_,
     "2019-03-15,2021-03-29," A_},
    {"nothing-after-death", "csv/procedures.csv", "2019-01-10T08:10:00Z,2019-01-10T08:25:00Z",
     "2023-01-10T08:10:00Z,2023-01-10T08:25:00Z"},
    {"within-simulation", "csv/encounters.csv", "2021-03-15T14:00:00Z,2021-03-15T14:20:00Z",
     "2026-03-15T14:00:00Z,2026-03-15T14:20:00Z"},
    {"encounter-start-before-stop", "csv/encounters.csv",
     "2019-01-10T08:00:00Z,2019-01-10T08:40:00Z", "2019-01-10T08:00:00Z,2019-01-10T07:40:00Z"},
    {"start-before-stop", "csv/medications.csv", "2021-03-15T14:00:00Z,2021-03-25T14:00:00Z",
     "2021-03-15T14:00:00Z,2021-03-05T14:00:00Z"},
    {"inside-encounter", "csv/observations.csv", "2019-01-10T08:00:00Z," B_ "," E3_,
     "2019-01-10T11:00:00Z," B_ "," E3_},
    {"death-date-agrees", "csv/encounters.csv", "2022-09-07T16:00:00Z,2022-09-07T16:15:00Z",
     "2022-09-13T16:00:00Z,2022-09-13T16:15:00Z"},
    {"death-date-agrees", BUNDLE_, "\"deceasedDateTime\": \"2022-09-07",
     "\"deceasedDateTime\": \"2022-09-08"},
    {"reference-resolves", "csv/conditions.csv", A_ "," E2_, A_ "," E3_},
    {"reference-resolves", "csv/encounters.csv", "0b000000-0000-4000-8000-0000000000bb",
     "0b000000-0000-4000-8000-0000000000ff"},
    {"reference-resolves", "fhir-ndjson/Immunization.ndjson", "Encounter/" E1_,
     "Encounter/e9000000-0000-4000-8000-000000000009"},
    {"unique-ids", "csv/encounters.csv", E2_ ",2021-03-15", E1_ ",2021-03-15"},
    {"sex-specific", "csv/conditions.csv", "SNOMED-CT,59621000,Essential hypertension (disorder)",
     "SNOMED-CT,72892002,Normal pregnancy (finding)"},
    {"vaccine-age-window", "csv/immunizations.csv", "2020-05-01T09:00:00Z," A_ "," E1_ ",119",
     "2021-03-15T14:00:00Z," A_ "," E2_ ",119"},
    /* the same rules on FHIR resources */
    {"encounter-start-before-stop", BUNDLE_, "\"end\": \"2019-01-10T08:40:00+00:00\"",
     "\"end\": \"2019-01-10T07:40:00+00:00\""},
    {"inside-encounter", "fhir-ndjson/Observation.ndjson", "\"2020-05-01T09:00:00+00:00\"",
     "\"2020-05-02T09:00:00+00:00\""},
    {"condition-onset-after-birth", BUNDLE_, "\"onsetDateTime\": \"2019-01-10",
     "\"onsetDateTime\": \"1949-01-10"},
    {"nothing-after-death", BUNDLE_, "\"authoredOn\": \"2019-01-10",
     "\"authoredOn\": \"2022-12-10"},
};

static int replace_in_file(const char *path, const char *find, const char *repl)
{
    char *text;
    size_t len;
    sim_error err;
    if (sim_read_file(path, &text, &len, &err) != SIM_OK) return -1;
    char *at = strstr(text, find);
    if (!at) {
        free(text);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, (size_t)(at - text), f);
    fputs(repl, f);
    fputs(at + strlen(find), f);
    fclose(f);
    free(text);
    return 0;
}

static void test_every_rule_fails(void)
{
    int covered[SIM_RULE_COUNT] = {0};
    for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
        const mutation *m = &mutations[i];
        char dir[1200], cmd[16384], err[4096], path[1400];
        snprintf(dir, sizeof dir, "%s/check_mut", tmpdir());
        snprintf(cmd, sizeof cmd, "rm -rf %s && cp -r %s/v33 %s", dir, fixtures, dir);
        CHECK(sh(cmd, err, sizeof err) == 0, "copy: %s", err);
        snprintf(path, sizeof path, "%s/%s", dir, m->file);
        CHECK(replace_in_file(path, m->find, m->repl) == 0, "case %zu: '%s' is in %s", i, m->find,
              m->file);
        json_t *rep = NULL;
        int rc = check_json(dir, &rep, err, sizeof err);
        CHECK(rc == 1, "case %zu (%s): exit 1, not %d: %s", i, m->rule, rc, err);
        long v = rep ? rule_violations(rep, m->rule) : -1;
        CHECK(v > 0, "case %zu: %s in %s fails %s (%ld)", i, m->find, m->file, m->rule, v);
        /* and the listed violation names the rule and the file */
        int named = 0;
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(rep, "first_violations"), k, x)
        {
            if (!strcmp(json_string_value(json_object_get(x, "rule")), m->rule) &&
                strstr(json_string_value(json_object_get(x, "where")), m->file))
                named = 1;
        }
        CHECK(named, "case %zu: a %s violation names %s", i, m->rule, m->file);
        for (int r = 0; r < SIM_RULE_COUNT; r++)
            if (v > 0 && !strcmp(sim_check_rule_name((sim_check_rule)r), m->rule)) covered[r] = 1;
        json_decref(rep);
    }
    for (int r = 0; r < SIM_RULE_COUNT; r++)
        CHECK(covered[r], "rule %s has a failing fixture", sim_check_rule_name((sim_check_rule)r));
}

/* many partitions, one partition: the same answer */
static void test_partitions(void)
{
    sim_error err;
    sim_checker *ck = NULL;
    CHECK(sim_checker_new(getenv("LIFESIM_HOME"), &ck, &err) == SIM_OK, "tables load: %s", err.msg);
    if (!ck) return;
    char dir[1200], cmd[16384], e[4096];
    snprintf(dir, sizeof dir, "%s/check_parts", tmpdir());
    snprintf(cmd, sizeof cmd,
             "rm -rf %s && cp -r %s/v33 %s && sed -i "
             "'s/2019-01-10T08:00:00Z,bbbb/2019-01-10T11:00:00Z,bbbb/' %s/csv/observations.csv",
             dir, fixtures, dir, dir);
    CHECK(sh(cmd, e, sizeof e) == 0, "corrupt a copy: %s", e);
    sim_check_opts one, many;
    memset(&one, 0, sizeof one);
    memset(&many, 0, sizeof many);
    many.bucket_bytes = 64; /* a partition per 64 bytes of input: the most there can be */
    many.tmpdir = tmpdir();
    sim_check_report *a = NULL, *b = NULL;
    CHECK(sim_check_dir(ck, dir, &one, &a, &err) == SIM_OK, "one partition: %s", err.msg);
    CHECK(sim_check_dir(ck, dir, &many, &b, &err) == SIM_OK, "many partitions: %s", err.msg);
    if (a && b) {
        for (int r = 0; r < SIM_RULE_COUNT; r++) {
            CHECK(sim_check_rule_checked(a, (sim_check_rule)r) ==
                          sim_check_rule_checked(b, (sim_check_rule)r) &&
                      sim_check_rule_violations(a, (sim_check_rule)r) ==
                          sim_check_rule_violations(b, (sim_check_rule)r),
                  "rule %s: the same counts", sim_check_rule_name((sim_check_rule)r));
        }
        CHECK(sim_check_rule_violations(a, SIM_RULE_INSIDE) == 1, "the one corruption is found");
    }
    sim_check_report_free(a);
    sim_check_report_free(b);
    sim_checker_free(ck);
}

static void test_generated_patients_pass(void)
{
    char dir[1200], cmd[16384], err[8192];
    snprintf(dir, sizeof dir, "%s/check_1000", tmpdir());
    snprintf(cmd, sizeof cmd,
             "%s run -q -p 1000 -s 17 --strict -f csv,fhir,ndjson -d "
             "%s/tests/fixtures/all_records/modules -o %s",
             bin(), getenv("LIFESIM_HOME"), dir);
    CHECK(sh(cmd, err, sizeof err) == 0, "1,000 patients (--strict): %s", err);
    json_t *rep = NULL;
    int rc = check_json(dir, &rep, err, sizeof err);
    CHECK(rc == 0, "1,000 generated patients pass (exit %d)", rc);
    if (rc) {
        char *s = json_dumps(rep, JSON_INDENT(1));
        fprintf(stderr, "%s\n", s ? s : "");
        free(s);
    }
    CHECK(rep && json_integer_value(json_object_get(rep, "patients")) >= 1000, "all of them read");
    json_decref(rep);
    /* with a window of history: what is exported is still whole */
    snprintf(cmd, sizeof cmd,
             "%s run -q -p 300 -s 18 --years-of-history 5 -f csv,fhir,ndjson -d "
             "%s/tests/fixtures/all_records/modules -o %s_window",
             bin(), getenv("LIFESIM_HOME"), dir);
    CHECK(sh(cmd, err, sizeof err) == 0, "a window of history: %s", err);
    char wdir[1300];
    snprintf(wdir, sizeof wdir, "%s_window", dir);
    rc = check_json(wdir, &rep, err, sizeof err);
    CHECK(rc == 0, "the windowed export passes too (exit %d)", rc);
    json_decref(rep);
}

/* genuine Synthea output (3.2 layout) and the faults its README lists */
static void test_synthea_sample(void)
{
    char dir[1200];
    const char *env = getenv("SYNTHEA_SAMPLE");
    if (env)
        snprintf(dir, sizeof dir, "%s", env);
    else
        snprintf(dir, sizeof dir, "%s/../shared/data/synthea-sample", getenv("LIFESIM_HOME"));
    if (access(dir, R_OK) != 0) {
        fprintf(stderr, "SKIPPED: genuine Synthea output (no folder at %s)\n", dir);
        return;
    }
    char err[4096];
    json_t *rep = NULL;
    int rc = check_json(dir, &rep, err, sizeof err);
    CHECK(rc == 1, "Synthea's faults are found (exit %d): %s", rc, err);
    CHECK(json_integer_value(json_object_get(rep, "patients")) == 11, "its 11 patients");
    /* records dated days after the death of 0432d0f1 (died 2022-09-07) */
    CHECK(rule_violations(rep, "nothing-after-death") > 0, "records after death");
    CHECK(rule_violations(rep, "death-date-agrees") >= 2,
          "the death certification and cause of death dated 2022-09-13");
    /* observations, procedures and supplies outside their encounter; conditions on another day */
    CHECK(rule_violations(rep, "inside-encounter") >= 400, "events outside their encounter (%ld)",
          rule_violations(rep, "inside-encounter"));
    /* claims_transactions.TODATE 1970-01-01 in 516 rows */
    CHECK(rule_violations(rep, "birth-before-events") == 516, "516 TODATEs in 1970 (%ld)",
          rule_violations(rep, "birth-before-events"));
    CHECK(rule_violations(rep, "reference-resolves") == 0 &&
              rule_violations(rep, "unique-ids") == 0,
          "its references are clean, as the README says");
    int after_death = 0;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(rep, "first_violations"), i, x)
    {
        if (!strcmp(json_string_value(json_object_get(x, "rule")), "death-date-agrees") &&
            strstr(json_string_value(json_object_get(x, "patient")), "0432d0f1") &&
            strstr(json_string_value(json_object_get(x, "reason")), "2022-09-13"))
            after_death = 1;
    }
    CHECK(after_death, "names patient 0432d0f1 and 2022-09-13");
    json_decref(rep);
}

static void test_usage(void)
{
    char cmd[16384], err[4096];
    snprintf(cmd, sizeof cmd, "%s check", bin());
    CHECK(sh(cmd, err, sizeof err) == 2 && strstr(err, "which folder"), "no folder: 2: %s", err);
    snprintf(cmd, sizeof cmd, "%s check /nonexistent/folder", bin());
    CHECK(sh(cmd, err, sizeof err) == 2 && strstr(err, "/nonexistent/folder: not a folder"),
          "a missing folder: 2: %s", err);
    snprintf(cmd, sizeof cmd, "%s check %s --jsn", bin(), fixtures);
    CHECK(sh(cmd, err, sizeof err) == 2 && strstr(err, "did you mean '--json'"),
          "an unknown flag: 2: %s", err);
    snprintf(cmd, sizeof cmd, "%s check %s", bin(), tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 2 && strstr(err, "no records here"), "an empty folder: %s",
          err);
    /* a damaged table: one message naming it */
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/check_bad", tmpdir());
    snprintf(cmd, sizeof cmd,
             "rm -rf %s && cp -r %s/v33 %s && sed -i "
             "'s/2021-03-15T14:00:00Z,2021-03-25/2021-13-45T14:00:00Z,2021-03-25/' "
             "%s/csv/medications.csv && %s check %s",
             dir, fixtures, dir, dir, bin(), dir);
    CHECK(sh(cmd, err, sizeof err) == 2 && strstr(err, "csv/medications.csv") &&
              strstr(err, "\"2021-13-45T14:00:00Z\" is not a date"),
          "a bad date: %s", err);
}

/* --strict reports a bad record at the module and state that made it */
static void test_strict(void)
{
    char cmd[16384], err[8192];
    snprintf(cmd, sizeof cmd,
             "%s run -q -p 20 -s 2 --strict -d %s/tests/fixtures/strict/modules -o %s/check_strict",
             bin(), getenv("LIFESIM_HOME"), tmpdir());
    int rc = sh(cmd, err, sizeof err);
    CHECK(rc == 1, "--strict stops the run (exit %d)", rc);
    CHECK(strstr(err, "vaccine-age-window") &&
              strstr(err, "module 'late_rotavirus' state 'Rotavirus'") &&
              strstr(err, "late_rotavirus.lua:"),
          "naming the rule, module, state and line: %s", err);
    /* without --strict the run completes and the checker finds the same fault */
    snprintf(cmd, sizeof cmd,
             "%s run -q -p 20 -s 2 -d %s/tests/fixtures/strict/modules -o %s/check_nostrict", bin(),
             getenv("LIFESIM_HOME"), tmpdir());
    CHECK(sh(cmd, err, sizeof err) == 0, "the run itself succeeds: %s", err);
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/check_nostrict", tmpdir());
    json_t *rep = NULL;
    rc = check_json(dir, &rep, err, sizeof err);
    CHECK(rc == 1 && rule_violations(rep, "vaccine-age-window") > 0,
          "lifesim check finds it in the output");
    json_decref(rep);
}

TEST_MAIN(T(setup), T(test_clean_fixtures), T(test_every_rule_fails), T(test_partitions),
          T(test_generated_patients_pass), T(test_synthea_sample), T(test_usage), T(test_strict))
