/* test_summary.c — the cohort summary (a scenario's summary:, written as COHORT.md and
 * cohort.json) and keep.each: the counts agree with the records the run wrote, the Kaplan-Meier
 * figures with an independent computation on the summary's own curve, the files are the same for
 * any thread count and after a sharded run is merged, the patients are dealt to the groups in
 * turn, and mistakes in a summary are reported at the scenario's line. */
#include "sim_table.h"
#include "sim_time.h"
#include "e2e.h"

#include <jansson.h>
#include <math.h>

static json_t *load_json(const char *dir, const char *file)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    json_error_t je;
    return json_load_file(path, 0, &je);
}

static long jint(json_t *o, const char *k)
{
    return (long)json_integer_value(json_object_get(o, k));
}

/* the toy cancer of the realism fixtures: 40% diagnosed at one year, a quarter of them with a
 * metastasis, half of those dying of it two years later */
static const char *toy_yaml(void)
{
    static char y[4096];
    snprintf(y, sizeof y,
             "name: toy_summary\nseed: 5\npopulation: 120\n"
             "modules:\n  dirs: [%s/tests/fixtures/realism_cases/modules]\n  include: [toy_cancer]\n"
             "keep:\n  alive: any\n  conditions: [{code: \"363346000\", system: SNOMED-CT}]\n"
             "summary:\n"
             "  - name: Toy cancer\n"
             "    condition: SNOMED-CT:363346000\n"
             "    at_diagnosis:\n"
             "      - name: Stage\n"
             "        categories:\n"
             "          Localized: \"LOINC:21906-3=SNOMED-CT:62455006 & !SNOMED-CT:128462008\"\n"
             "          Regional: \"LOINC:21906-3=SNOMED-CT:53623008 & !SNOMED-CT:128462008\"\n"
             "          Distant: SNOMED-CT:128462008\n"
             "    survival_by: Stage\n"
             "    counts:\n"
             "      - {name: Metastases, records: SNOMED-CT:128462008}\n"
             "      - {name: Two-year waits, module: toy_cancer, state: Two_Years}\n",
             getenv("LIFESIM_HOME"));
    return y;
}

/* Kaplan-Meier median on the monthly curve, written again here: deaths in month m at m + 0.5 */
static double km_median(json_t *deaths, json_t *cens, long n)
{
    double s = 1;
    long at_risk = n;
    for (size_t m = 0; m < json_array_size(deaths); m++) {
        long d = (long)json_integer_value(json_array_get(deaths, m));
        if (d && at_risk) {
            s *= 1.0 - (double)d / (double)at_risk;
            if (s <= 0.5) return (double)m + 0.5;
        }
        at_risk -= d + (long)json_integer_value(json_array_get(cens, m));
    }
    return NAN;
}

static void test_toy_summary(void)
{
    const char *path = write_scenario("toy_summary", toy_yaml());
    char dir[1024], cmd[4096], err[8192];
    snprintf(dir, sizeof dir, "%s/sum_toy", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run %s -q -o %s", bin(), path, dir);
    CHECK(sh(cmd, err, sizeof err) == 0, "the toy summary runs: %s", err);
    check_clean(dir);
    json_t *m = load_json(dir, "manifest.json");
    int listed = 0;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        listed += p && (!strcmp(p, "COHORT.md") || !strcmp(p, "cohort.json"));
    }
    CHECK(listed == 2, "the manifest lists COHORT.md and cohort.json (%d)", listed);
    json_decref(m);

    /* what the records show, counted here from the CSV */
    sim_table *pt = table(dir, "patients.csv"), *ct = table(dir, "conditions.csv"),
              *ot = table(dir, "observations.csv");
    json_t *j = load_json(dir, "cohort.json");
    json_t *c = json_array_get(json_object_get(j, "cases"), 0);
    CHECK(c != NULL, "cohort.json has the case");
    if (!pt || !ct || !ot || !c) goto out;
    long dead = 0, distant = 0, n0 = 0, n1 = 0;
    int cd = col(pt, "DEATHDATE"), cid = col(pt, "Id"), ccp = col(ct, "PATIENT"),
        ccc = col(ct, "CODE"), cop = col(ot, "PATIENT"), coc = col(ot, "CODE"),
        cov = col(ot, "VALUE");
    for (size_t r = 0; r < pt->nrows; r++) {
        const char *id = sim_table_cell(pt, r, (size_t)cid);
        dead += *sim_table_cell(pt, r, (size_t)cd) != '\0';
        int met = 0, node0 = 0, node1 = 0;
        for (size_t k = 0; k < ct->nrows; k++)
            met |= !strcmp(sim_table_cell(ct, k, (size_t)ccp), id) &&
                   !strcmp(sim_table_cell(ct, k, (size_t)ccc), "128462008");
        for (size_t k = 0; k < ot->nrows; k++) {
            if (strcmp(sim_table_cell(ot, k, (size_t)cop), id) ||
                strcmp(sim_table_cell(ot, k, (size_t)coc), "21906-3"))
                continue;
            node0 |= !strcmp(sim_table_cell(ot, k, (size_t)cov), "N0 category (finding)");
            node1 |= !strcmp(sim_table_cell(ot, k, (size_t)cov), "N1 category (finding)");
        }
        distant += met;
        n0 += node0 && !met;
        n1 += node1 && !met;
    }
    CHECK(jint(c, "cases") == (long)pt->nrows, "every kept patient is a case (%ld of %zu)",
          jint(c, "cases"), pt->nrows);
    CHECK(jint(c, "deaths") == dead, "deaths: %ld in the summary, %ld in patients.csv",
          jint(c, "deaths"), dead);
    CHECK(json_number_value(json_object_get(c, "median_age_at_diagnosis")) == 1,
          "diagnosed at one");
    json_t *stage = json_array_get(json_object_get(c, "at_diagnosis"), 0);
    json_t *cats = json_object_get(stage, "categories");
    CHECK(jint(cats, "Distant") == distant && jint(cats, "Localized") == n0 &&
              jint(cats, "Regional") == n1 && jint(stage, "none_recorded") == 0,
          "stage: summary %ld/%ld/%ld, records %ld/%ld/%ld", jint(cats, "Localized"),
          jint(cats, "Regional"), jint(cats, "Distant"), n0, n1, distant);
    CHECK(distant > 10 && n0 > 10 && n1 > 10, "each stage has cases (%ld/%ld/%ld)", n0, n1,
          distant);

    /* survival: the strata add up; the deaths two years after a metastasis fall in month 24 */
    json_t *surv = json_object_get(c, "overall_survival");
    CHECK(json_array_size(surv) == 4, "all cases and three stages");
    long sum_n = 0;
    for (size_t k = 1; k < json_array_size(surv); k++) sum_n += jint(json_array_get(surv, k), "n");
    json_t *all = json_array_get(surv, 0), *dist = json_array_get(surv, 3);
    CHECK(jint(all, "n") == (long)pt->nrows && sum_n == jint(all, "n") &&
              jint(all, "deaths") == dead,
          "survival counts every case once (%ld, %ld) and every death", jint(all, "n"), sum_n);
    json_t *counts = json_object_get(c, "counts");
    json_t *waits = json_object_get(json_array_get(counts, 1), "patients_by_count");
    long waited = (long)json_integer_value(json_array_get(waits, 1));
    long month24 = (long)json_integer_value(
        json_array_get(json_object_get(dist, "deaths_by_month"), 24));
    CHECK(waited > 5 && month24 > 0 && month24 <= waited,
          "the deaths two years on are in month 24 (%ld, of %ld who waited)", month24, waited);
    json_t *mets = json_object_get(json_array_get(counts, 0), "patients_by_count");
    CHECK(json_integer_value(json_array_get(mets, 1)) == distant &&
              json_integer_value(json_array_get(mets, 0)) == (json_int_t)pt->nrows - distant,
          "records counted: one metastasis per distant case");
    for (size_t k = 0; k < json_array_size(surv); k++) {
        json_t *s = json_array_get(surv, k);
        double want = km_median(json_object_get(s, "deaths_by_month"),
                                json_object_get(s, "censored_by_month"), jint(s, "n"));
        json_t *got = json_object_get(s, "median_months");
        CHECK(isnan(want) ? json_is_null(got) : fabs(json_real_value(got) - want) < 1e-9,
              "%s: median %.1f, computed again %.1f",
              json_string_value(json_object_get(s, "cases")), json_real_value(got), want);
        json_t *ci = json_object_get(s, "median_ci95_months");
        if (!json_is_null(got) && !json_is_null(json_array_get(ci, 0)))
            CHECK(json_real_value(json_array_get(ci, 0)) <= json_real_value(got),
                  "the interval's low end is below the median");
    }
    CHECK(fabs(json_real_value(json_object_get(dist, "median_months")) - 24.5) < 1e-9,
          "distant: half die at two years, so the median is month 24 (24.5)");
out:
    json_decref(j);
    sim_table_free(pt);
    sim_table_free(ct);
    sim_table_free(ot);
}

static int same_file(const char *a, const char *b, const char *file)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cmp -s %s/%s %s/%s", a, file, b, file);
    return sh(cmd, NULL, 0) == 0;
}

/* scenarios/oncology-cohort.yaml, small: dealt in turn, the same at any split */
static void test_oncology_cohort(void)
{
    const char *home = getenv("LIFESIM_HOME");
    char a[1024], b[1024], s1[1024], s2[1024], mg[1024], cmd[8192], err[8192];
    snprintf(a, sizeof a, "%s/onc_t2", tmpdir());
    snprintf(b, sizeof b, "%s/onc_t1", tmpdir());
    snprintf(s1, sizeof s1, "%s/onc_s1", tmpdir());
    snprintf(s2, sizeof s2, "%s/onc_s2", tmpdir());
    snprintf(mg, sizeof mg, "%s/onc_merged", tmpdir());
    snprintf(cmd, sizeof cmd,
             "S=%s/scenarios/oncology-cohort.yaml; %s run $S -p 12 -t 2 -q -o %s && "
             "%s run $S -p 12 -t 1 -q -o %s && %s run $S -p 12 --shard 1/2 -q -o %s && "
             "%s run $S -p 12 --shard 2/2 -q -o %s && %s merge %s %s %s > /dev/null",
             home, bin(), a, bin(), b, bin(), s1, bin(), s2, bin(), mg, s1, s2);
    CHECK(sh(cmd, err, sizeof err) == 0, "the oncology cohort runs, sharded and not: %s", err);
    check_clean(a);
    CHECK(same_file(a, b, "COHORT.md") && same_file(a, b, "cohort.json"),
          "the summary is the same with one thread and two");
    CHECK(same_file(a, mg, "COHORT.md") && same_file(a, mg, "cohort.json"),
          "the summary of the merged shards is the single run's");
    /* patient i has the cancer of group i % 4 */
    static const char *const want[4][4] = {{"254837009"},
                                           {"254626006", "254634000", "254637007", "254632001"},
                                           {"363510005"},
                                           {"399068003"}};
    sim_table *pt = table(a, "patients.csv"), *ct = table(a, "conditions.csv");
    if (pt && ct) {
        CHECK(pt->nrows == 12, "12 patients (%zu)", pt->nrows);
        int cid = col(pt, "Id"), ccp = col(ct, "PATIENT"), ccc = col(ct, "CODE");
        for (size_t r = 0; r < pt->nrows; r++) {
            const char *id = sim_table_cell(pt, r, (size_t)cid);
            int has = 0;
            for (size_t k = 0; k < ct->nrows; k++) {
                if (strcmp(sim_table_cell(ct, k, (size_t)ccp), id)) continue;
                for (int w = 0; w < 4 && want[r % 4][w]; w++)
                    has |= !strcmp(sim_table_cell(ct, k, (size_t)ccc), want[r % 4][w]);
            }
            CHECK(has, "patient %zu has the cancer of group %zu", r + 1, r % 4 + 1);
        }
    }
    sim_table_free(pt);
    sim_table_free(ct);
    json_t *j = load_json(a, "cohort.json");
    json_t *cases = json_object_get(j, "cases");
    CHECK(json_array_size(cases) == 4, "four cancers summarised");
    for (size_t k = 0; k < json_array_size(cases); k++) {
        json_t *c = json_array_get(cases, k);
        CHECK(jint(c, "cases") >= 3, "%s: at least its 3 patients (%ld)",
              json_string_value(json_object_get(c, "name")), jint(c, "cases"));
        /* every case has a SEER stage recorded at diagnosis */
        json_t *stage = json_array_get(json_object_get(c, "at_diagnosis"), 0);
        CHECK(jint(stage, "none_recorded") == 0, "%s: staged",
              json_string_value(json_object_get(c, "name")));
    }
    json_decref(j);
}

/* a run that must fail: exit 1, the message at the scenario's line, nothing written complete */
static void fails(const char *name, const char *yaml, const char *want)
{
    const char *path = write_scenario(name, yaml);
    char cmd[4096], err[8192], dir[1024], where[1200];
    snprintf(dir, sizeof dir, "%s/sum_fail_%s", tmpdir(), name);
    snprintf(cmd, sizeof cmd, "rm -rf %s; %s run %s -q -o %s", dir, bin(), path, dir);
    int rc = sh(cmd, err, sizeof err);
    CHECK(rc == 1, "%s: exit 1 (%d): %s", name, rc, err);
    snprintf(where, sizeof where, "%s:%s", path, want);
    CHECK(strstr(err, where) != NULL, "%s: wanted '%s' in: %s", name, where, err);
    json_t *m = load_json(dir, "manifest.json");
    CHECK(!m || strcmp(json_string_value(json_object_get(m, "status")), "complete"),
          "%s: nothing complete", name);
    json_decref(m);
}

static void test_errors(void)
{
    const char *head = "population: 2\nmodules: {include: [appendicitis]}\nsummary:\n"
                       "  - name: A\n    condition: SNOMED-CT:74400008\n";
    char y[2048];
    snprintf(y, sizeof y, "%s    at_diagnosis:\n      - name: X\n        categories:\n"
                          "          Bad: \"SNOMED-CT:1 && LOINC\"\n", head);
    fails("sum_grammar", y, "9:16: error: Bad: 'SNOMED-CT:1 && LOINC' has an empty item");
    snprintf(y, sizeof y, "%s    at_diagnosis:\n      - name: X\n        categories:\n"
                          "          Bad: \"SNOMED-CT:1 & LOINC\"\n", head);
    fails("sum_grammar2", y, "9:16: error: Bad: ' LOINC' should be SYSTEM:code or");
    snprintf(y, sizeof y, "%s    at_diagnosis:\n      - name: Stage\n        categories:\n"
                          "          One: SNOMED-CT:74400008\n    survival_by: Stag\n", head);
    fails("sum_survival_by", y,
          "10:18: error: survival_by: 'Stag' is not one of this case's at_diagnosis entries "
          "(did you mean 'Stage'?)");
    snprintf(y, sizeof y, "%s    counts:\n      - {name: N, module: appendicitis, state: Nope}\n",
             head);
    fails("sum_state", y, "7:9: error: counts: module 'appendicitis' (modules/appendicitis.lua) "
                          "has no state 'Nope'");
    fails("sum_condition",
          "population: 2\nmodules: {include: [appendicitis]}\nsummary:\n"
          "  - name: A\n    condition: SNOMED-CT:7440000\n",
          "5:16: error: summary condition: no loaded module records SNOMED-CT:7440000");
    snprintf(y, sizeof y, "%s    counts:\n      - {name: N, records: \"SNOMED-CT:1|SNOMED-CT:2\"}\n",
             head);
    fails("sum_records", y, "7:28: error: records: one SYS:code or SYS:code=SYS:value");
    fails("keep_each_one",
          "population: 2\nkeep:\n  each:\n    - {name: a, conditions: [{code: \"74400008\"}]}\n",
          "4:5: error: keep.each needs two groups or more");
    fails("keep_code_alt", "population: 2\nkeep:\n  conditions: [{code: \"74400008|\"}]\n",
          "3:23: error: code: '74400008|' should be one code, or alternatives joined by '|'");
}

TEST_MAIN(T(test_toy_summary), T(test_oncology_cohort), T(test_errors))
