/* test_e2e.c — the lifesim program end to end: 200 patients whose dates make sense, the same
 * seed giving the same bytes, another seed giving other data, an honest manifest, and the
 * command line's answers to good and bad input. */
#include "sim_table.h"
#include "sim_time.h"
#include "e2e.h"

#include <jansson.h>
#include <sys/wait.h>

typedef struct person {
    char id[40];
    sim_time birth, death; /* death SIM_NEVER when alive */
} person;

static person *find(person *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].id, id)) return &v[i];
    return NULL;
}

static sim_time day_of(sim_time t)
{
    return t - ((t % SIM_MS_DAY) + SIM_MS_DAY) % SIM_MS_DAY;
}

/* every date column of every row lies within its patient's life and before the reference date */
static void check_dates(const char *dir, const char *file, const char *const *cols, person *ppl,
                        size_t np, sim_time ref)
{
    sim_table *t = table(dir, file);
    if (!t) return;
    int pc = sim_table_col(t, "PATIENT");
    CHECK(pc >= 0, "%s has PATIENT", file);
    size_t bad = 0;
    for (size_t r = 0; r < t->nrows && pc >= 0; r++) {
        person *p = find(ppl, np, sim_table_cell(t, r, (size_t)pc));
        CHECK(p != NULL, "%s row %zu: unknown patient", file, r);
        if (!p) continue;
        for (int k = 0; cols[k]; k++) {
            int c = sim_table_col(t, cols[k]);
            const char *v = c >= 0 ? sim_table_cell(t, r, (size_t)c) : "";
            if (!*v) continue;
            sim_time x;
            if (sim_time_parse(v, &x) != 0) {
                CHECK(0, "%s:%d: %s \"%s\" is not a date", file, t->lines[r], cols[k], v);
                continue;
            }
            if (day_of(x) < day_of(p->birth) ||
                (p->death != SIM_NEVER && day_of(x) > day_of(p->death)) || x > ref) {
                if (bad++ < 5)
                    CHECK(0, "%s:%d: %s %s outside the life of patient %s", file, t->lines[r],
                          cols[k], v, p->id);
            }
        }
    }
    CHECK(bad == 0, "%s: %zu dates outside their patient's life", file, bad);
    sim_table_free(t);
}

static person *people(const char *dir, size_t *n, size_t *alive, sim_time ref)
{
    sim_table *t = table(dir, "patients.csv");
    *n = *alive = 0;
    if (!t) return NULL;
    person *v = calloc(t->nrows, sizeof *v);
    int ci = sim_table_col(t, "Id"), cb = sim_table_col(t, "BIRTHDATE"),
        cd = sim_table_col(t, "DEATHDATE");
    for (size_t r = 0; r < t->nrows; r++) {
        snprintf(v[r].id, sizeof v[r].id, "%s", sim_table_cell(t, r, (size_t)ci));
        CHECK(sim_time_parse(sim_table_cell(t, r, (size_t)cb), &v[r].birth) == 0, "birth date");
        const char *d = sim_table_cell(t, r, (size_t)cd);
        v[r].death = SIM_NEVER;
        if (*d) CHECK(sim_time_parse(d, &v[r].death) == 0, "death date");
        CHECK(v[r].birth < ref, "born before the reference date");
        CHECK(v[r].death == SIM_NEVER || v[r].death >= v[r].birth, "death follows birth");
        CHECK(v[r].death == SIM_NEVER || v[r].death <= ref, "death before the reference date");
        if (v[r].death == SIM_NEVER) (*alive)++;
    }
    *n = t->nrows;
    sim_table_free(t);
    return v;
}

static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

static void test_population_and_dates(void)
{
    char dir[1024], cmd[2048], err[4096];
    snprintf(dir, sizeof dir, "%s/e2e_a", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run -q -p 200 -s 11 --strict -o %s", bin(), dir);
    CHECK(sh(cmd, err, sizeof err) == 0, "run succeeds: %s", err);
    check_clean(dir);
    sim_time ref = sim_time_from_ymd(2025, 1, 1);
    size_t n, alive;
    person *ppl = people(dir, &n, &alive, ref);
    CHECK(alive == 200, "200 patients alive at the reference date (%zu)", alive);
    CHECK(n > 200, "the deceased are in the output too (%zu in all)", n);
    static const char *const enc_cols[] = {"START", "STOP", NULL};
    static const char *const date_cols[] = {"DATE", NULL};
    check_dates(dir, "encounters.csv", enc_cols, ppl, n, ref);
    check_dates(dir, "conditions.csv", enc_cols, ppl, n, ref);
    check_dates(dir, "medications.csv", enc_cols, ppl, n, ref);
    check_dates(dir, "procedures.csv", enc_cols, ppl, n, ref);
    check_dates(dir, "observations.csv", date_cols, ppl, n, ref);
    check_dates(dir, "immunizations.csv", date_cols, ppl, n, ref);
    free(ppl);

    /* the manifest tells the truth */
    char mpath[1200];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    CHECK(m != NULL, "manifest.json parses");
    if (m) {
        CHECK_EQ_STR(json_string_value(json_object_get(m, "status")), "complete");
        CHECK(json_integer_value(json_object_get(m, "seed")) == 11, "seed recorded");
        json_t *pc = json_object_get(m, "patients");
        CHECK(json_integer_value(json_object_get(pc, "living")) == 200, "living count");
        /* the span of births is that of patients.csv's BIRTHDATE */
        sim_table *pt = table(dir, "patients.csv");
        int col = -1;
        sim_error terr;
        if (pt && sim_table_require_col(pt, "BIRTHDATE", &col, &terr) == SIM_OK) {
            const char *lo = "9999", *hi = "0000";
            for (size_t r = 0; r < pt->nrows; r++) {
                const char *d = sim_table_cell(pt, r, (size_t)col);
                if (strcmp(d, lo) < 0) lo = d;
                if (strcmp(d, hi) > 0) hi = d;
            }
            json_t *b = json_object_get(m, "births");
            CHECK_EQ_STR(json_string_value(json_object_get(b, "first")), lo);
            CHECK_EQ_STR(json_string_value(json_object_get(b, "last")), hi);
        }
        sim_table_free(pt);
        json_t *enc = json_object_get(m, "encounters");
        CHECK(json_string_value(json_object_get(enc, "first")) &&
                  strcmp(json_string_value(json_object_get(enc, "first")),
                         json_string_value(json_object_get(enc, "last"))) <= 0,
              "the manifest gives the span of encounters");
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(m, "files"), i, f)
        {
            const char *rel = json_string_value(json_object_get(f, "path"));
            if (!strncmp(rel, "csv/", 4)) {
                sim_table *t = table(dir, rel + 4);
                if (t) {
                    CHECK((json_int_t)t->nrows == json_integer_value(json_object_get(f, "rows")),
                          "%s: manifest rows %lld, file %zu", rel,
                          (long long)json_integer_value(json_object_get(f, "rows")), t->nrows);
                    sim_table_free(t);
                }
            }
        }
        json_decref(m);
    }
}

static void test_reproducible(void)
{
    char a[1024], b[1024], c[1024], cmd[2048], err[4096];
    snprintf(a, sizeof a, "%s/e2e_a", tmpdir());
    snprintf(b, sizeof b, "%s/e2e_b", tmpdir());
    snprintf(c, sizeof c, "%s/e2e_c", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run -q -p 200 -s 11 -o %s", bin(), b);
    CHECK(sh(cmd, err, sizeof err) == 0, "second run: %s", err);
    snprintf(cmd, sizeof cmd, "%s run -q -p 200 -s 12 -o %s", bin(), c);
    CHECK(sh(cmd, err, sizeof err) == 0, "other seed: %s", err);
    static const char *const files[] = {
        "csv/patients.csv",     "csv/encounters.csv",  "csv/conditions.csv",
        "csv/observations.csv", "csv/medications.csv", "csv/procedures.csv",
        "manifest.json",        "DATASET.md",          NULL};
    for (int i = 0; files[i]; i++) {
        char pa[1200], pb[1200], pc[1200];
        snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        snprintf(pc, sizeof pc, "%s/%s", c, files[i]);
        CHECK(same_file(pa, pb), "same seed, same bytes: %s", files[i]);
        if (!strcmp(files[i], "csv/patients.csv") || !strcmp(files[i], "manifest.json"))
            CHECK(!same_file(pa, pc), "another seed, other data: %s", files[i]);
    }
}

static void test_rerun_replaces(void)
{
    /* a second run into the same folder leaves no stale file behind */
    char dir[1024], cmd[2048], err[4096], path[1200];
    snprintf(dir, sizeof dir, "%s/e2e_rerun", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run -q -p 20 -s 3 -o %s --gzip", bin(), dir);
    CHECK(sh(cmd, err, sizeof err) == 0, "gzip run: %s", err);
    snprintf(path, sizeof path, "%s/csv/patients.csv.gz", dir);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "patients.csv.gz written");
    if (f) fclose(f);
    snprintf(cmd, sizeof cmd, "%s run -q -p 20 -s 3 -o %s", bin(), dir);
    CHECK(sh(cmd, err, sizeof err) == 0, "plain run: %s", err);
    f = fopen(path, "rb");
    CHECK(f == NULL, "the earlier .gz files were removed");
    if (f) fclose(f);
}

static void test_gzip_equals_plain(void)
{
    char p[1024], z[1024], cmd[4096], err[4096];
    snprintf(p, sizeof p, "%s/e2e_plain", tmpdir());
    snprintf(z, sizeof z, "%s/e2e_gz", tmpdir());
    snprintf(cmd, sizeof cmd,
             "%s run -q -p 30 -s 5 -f csv,fhir,ndjson -o %s && "
             "%s run -q -p 30 -s 5 -f csv,fhir,ndjson --gzip -o %s",
             bin(), p, bin(), z);
    CHECK(sh(cmd, err, sizeof err) == 0, "runs: %s", err);
    /* every plain file has its .gz twin, every .gz its plain twin, and they decompress equal */
    snprintf(cmd, sizeof cmd,
             "cd %s && n=0 && for f in csv/*.csv fhir/*.json fhir-ndjson/*.ndjson; do "
             "gzip -dc %s/$f.gz | cmp -s - $f || { echo \"$f differs\" >&2; exit 1; }; n=$((n+1)); "
             "done; m=$(cd %s && ls csv/*.gz fhir/*.gz fhir-ndjson/*.gz | wc -l); "
             "[ $n -eq $m ] || { echo \"$n plain files, $m gzipped\" >&2; exit 1; }; "
             "[ $n -gt 30 ] || { echo \"only $n files\" >&2; exit 1; }",
             p, z, z);
    CHECK(sh(cmd, err, sizeof err) == 0, "decompressed files equal the plain ones: %s", err);
    check_clean(p);
    check_clean(z);
}

/* a broken data table: one message naming file:line and what to fix, exit 1, nothing complete */
static void bad_table(const char *file, const char *sed_expr, const char *want)
{
    char root[512], out[600], cmd[4096], err[4096];
    snprintf(root, sizeof root, "%s/e2e_badroot", tmpdir());
    snprintf(out, sizeof out, "%s/e2e_badroot_out", tmpdir());
    snprintf(
        cmd, sizeof cmd,
        "rm -rf %s %s && mkdir -p %s && cp -r %s/modules %s/ && sed -i '%s' %s/modules/data/%s",
        root, out, root, getenv("LIFESIM_HOME"), root, sed_expr, root, file);
    CHECK(sh(cmd, err, sizeof err) == 0, "set up: %s", err);
    snprintf(cmd, sizeof cmd, "LIFESIM_HOME=%s %s run -q -p 3 -o %s", root, bin(), out);
    int rc = sh(cmd, err, sizeof err);
    CHECK(rc == 1, "%s: exit 1 (%d)", file, rc);
    CHECK(strstr(err, want) != NULL, "%s: the message says '%s': %s", file, want, err);
    CHECK(strchr(err, '\n') == strrchr(err, '\n'), "one line: %s", err);
    char path[1200];
    snprintf(path, sizeof path, "%s/csv/patients.csv", out);
    FILE *f = fopen(path, "r");
    CHECK(f == NULL, "%s: no patients.csv that looks complete", file);
    if (f) fclose(f);
}

static void test_bad_tables(void)
{
    bad_table("insurance_coverage.csv", "s/^19-34,/20-34,/",
              "modules/data/insurance_coverage.csv:13: age bands must follow each other");
    bad_table("insurance_coverage.csv", "s/^0-18,0.006666/0-18,0.5/",
              "insurance_coverage.csv:12: the coverage shares sum to");
    bad_table("encounter_costs.csv", "/^inpatient_stay,/d", "encounter_costs.csv");
}

static void test_cli(void)
{
    char cmd[2048], err[4096];
    snprintf(cmd, sizeof cmd, "%s --version >/dev/null", bin());
    CHECK(sh(cmd, err, sizeof err) == 0, "--version");
    snprintf(cmd, sizeof cmd, "%s --help | grep -q 'lifesim <command>'", bin());
    CHECK(sh(cmd, err, sizeof err) == 0, "--help");
    snprintf(cmd, sizeof cmd, "%s help run | grep -q -- '--population'", bin());
    CHECK(sh(cmd, err, sizeof err) == 0, "help run");
    snprintf(cmd, sizeof cmd, "%s run --populaton 5", bin());
    CHECK(sh(cmd, err, sizeof err) == 2, "unknown flag exits 2");
    CHECK(strstr(err, "unknown option '--populaton' (did you mean '--population'?)") != NULL,
          "names the flag and the fix: %s", err);
    CHECK(strchr(err, '\n') == err + strlen(err) - 1, "one line: %s", err);
    snprintf(cmd, sizeof cmd, "%s run -p abc", bin());
    CHECK(sh(cmd, err, sizeof err) == 2, "bad value exits 2");
    CHECK(strstr(err, "'abc' is not a whole number of 1 or more") != NULL,
          "says what is allowed: %s", err);
    snprintf(cmd, sizeof cmd, "%s run -p 0", bin());
    CHECK(sh(cmd, err, sizeof err) == 2, "population 0 exits 2");
    snprintf(cmd, sizeof cmd, "%s run -s -4", bin());
    CHECK(sh(cmd, err, sizeof err) == 2, "negative seed exits 2");
    snprintf(cmd, sizeof cmd, "%s frobnicate", bin());
    CHECK(sh(cmd, err, sizeof err) == 2, "unknown command exits 2");
    snprintf(cmd, sizeof cmd, "%s run /nonexistent/scenario.yaml", bin());
    CHECK(sh(cmd, err, sizeof err) == 1, "missing scenario fails");
    CHECK(strstr(err, "/nonexistent/scenario.yaml") != NULL, "names the file: %s", err);
    /* progress never appears when stderr is not a terminal */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/e2e_quiet", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run -p 5 -o %s", bin(), dir);
    CHECK(sh(cmd, err, sizeof err) == 0, "runs");
    CHECK(strchr(err, '\r') == NULL, "no progress line in piped output: %s", err);
}

static void test_local_modules(void)
{
    /* -d adds a folder of modules (and its submodules) to the shipped ones */
    char dir[1024], cmd[4096], err[4096];
    snprintf(dir, sizeof dir, "%s/e2e_local", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run -q -p 10 -s 4 -d %s/tests/fixtures/local_modules -o %s",
             bin(), getenv("LIFESIM_HOME"), dir);
    CHECK(sh(cmd, err, sizeof err) == 0, "run with -d: %s", err);
    sim_table *t = table(dir, "observations.csv");
    size_t pain = 0;
    int code = t ? sim_table_col(t, "CODE") : -1;
    for (size_t r = 0; t && code >= 0 && r < t->nrows; r++)
        pain += !strcmp(sim_table_cell(t, r, (size_t)code), "72514-3");
    CHECK(pain >= 10, "the local submodule's observation for every patient (%zu)", pain);
    sim_table_free(t);
    char mpath[1200];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    int listed = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(m, "modules"), i, e)
    {
        listed += !strcmp(json_string_value(json_object_get(e, "key")), "local_checkup");
        listed += !strcmp(json_string_value(json_object_get(e, "key")), "appendicitis");
    }
    CHECK(listed == 2, "the manifest lists the local and the shipped modules");
    json_decref(m);
}

TEST_MAIN(T(test_local_modules), T(test_population_and_dates), T(test_reproducible),
          T(test_rerun_replaces), T(test_gzip_equals_plain), T(test_bad_tables), T(test_cli))
