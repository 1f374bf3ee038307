/* test_output.c — the output is honest: an interrupted run or a failed write leaves nothing that
 * looks complete and says so; memory does not grow with the population; the CSV headers are
 * Synthea v3.3's; the CSV loads into SQLite with the manifest's row counts. */
#define _DEFAULT_SOURCE /* wait4 */
#include "sim_export.h"
#include "e2e.h"

#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* starts lifesim with argv; optional file-size limit (bytes, 0: none); stderr to errfile */
static pid_t spawn(char *const argv[], rlim_t fsize, const char *errfile)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (fsize) {
            struct rlimit rl = {fsize, fsize};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        FILE *e = freopen(errfile, "w", stderr);
        (void)e;
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int finish(pid_t pid, struct rusage *ru)
{
    int st = 0;
    struct rusage r;
    wait4(pid, &st, 0, ru ? ru : &r);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* the folder holds an incomplete run, and nothing in it looks complete */
static void check_incomplete(const char *dir, const char *why)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    CHECK(m != NULL, "%s: a manifest is written", why);
    if (!m) return;
    CHECK(!strcmp(json_string_value(json_object_get(m, "status")), "incomplete"),
          "%s: the manifest says incomplete", why);
    CHECK(json_string_value(json_object_get(m, "reason")) != NULL, "%s: and why", why);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        size_t n = strlen(p);
        /* a file with a .partial name, or in a staging folder ("fhir.partial/") */
        CHECK((n > 8 && !strcmp(p + n - 8, ".partial")) || strstr(p, ".partial/"),
              "%s: %s is partial", why, p);
    }
    json_decref(m);
    snprintf(path, sizeof path, "%s/csv", dir);
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] != '.')
            CHECK(n > 8 && !strcmp(de->d_name + n - 8, ".partial"), "%s: csv/%s looks complete",
                  why, de->d_name);
    }
    if (d) closedir(d);
    /* no bundle has been moved into fhir/ */
    snprintf(path, sizeof path, "%s/fhir", dir);
    d = opendir(path);
    int bundles = 0;
    while (d && (de = readdir(d))) bundles += de->d_name[0] != '.';
    if (d) closedir(d);
    CHECK(bundles == 0, "%s: %d bundles in fhir/ look complete", why, bundles);
    snprintf(path, sizeof path, "%s/DATASET.md", dir);
    CHECK(access(path, F_OK) != 0, "%s: no dataset card for an incomplete run", why);
}

static void interrupt(int sig, int want)
{
    char dir[1024], errf[1100], *bin_copy = strdup(bin());
    snprintf(dir, sizeof dir, "%s/out_sig%d", tmpdir(), sig);
    snprintf(errf, sizeof errf, "%s/out_sig%d.err", tmpdir(), sig);
    char *argv[] = {bin_copy, "run", "-q", "-p", "100000000", "-o", dir, NULL};
    pid_t pid = spawn(argv, 0, errf);
    struct timespec ts = {0, 400 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(pid, sig);
    int code = finish(pid, NULL);
    CHECK(code == want, "signal %d: exit %d (expected %d)", sig, code, want);
    char *msg = slurp(errf);
    CHECK(msg && strstr(msg, "interrupted"), "says interrupted: %s", msg ? msg : "");
    check_incomplete(dir, sig == SIGINT ? "SIGINT" : "SIGTERM");
    free(bin_copy);
}

static void test_interrupt(void)
{
    interrupt(SIGINT, 130);
    interrupt(SIGTERM, 143);
}

static void test_write_errors(void)
{
    char dir[1024], errf[1100], *bin_copy = strdup(bin());
    snprintf(dir, sizeof dir, "%s/out_fsize", tmpdir());
    snprintf(errf, sizeof errf, "%s/out_fsize.err", tmpdir());
    /* a file-size limit of 64 KiB: like a disk that fills up mid-run */
    char *argv[] = {bin_copy, "run", "-q", "-p", "20000", "-o", dir, NULL};
    int code = finish(spawn(argv, 64 * 1024, errf), NULL);
    CHECK(code == 1, "a failed write exits 1 (got %d)", code);
    char *msg = slurp(errf);
    CHECK(msg && strstr(msg, "cannot write") && strstr(msg, "File too large") && strstr(msg, dir),
          "names the file and the problem: %s", msg ? msg : "");
    check_incomplete(dir, "full disk");
    char *argv2[] = {bin_copy, "run", "-q", "-p", "3", "-o", "/dev/full", NULL};
    code = finish(spawn(argv2, 0, errf), NULL);
    CHECK(code == 1, "-o /dev/full exits 1 (got %d)", code);
    msg = slurp(errf);
    CHECK(msg && strstr(msg, "/dev/full") && strstr(msg, "not a folder"), "says why: %s",
          msg ? msg : "");
    free(bin_copy);
}

static long peak_rss_kb(const char *population)
{
    char dir[1024], errf[1100], *bin_copy = strdup(bin());
    snprintf(dir, sizeof dir, "%s/out_rss_%s", tmpdir(), population);
    snprintf(errf, sizeof errf, "%s/out_rss.err", tmpdir());
    /* CSV only: the memory a worker holds does not depend on the format, and the full library in
     * three formats would make this test the slowest of the suite */
    char *argv[] = {bin_copy, "run", "-q", "-p", (char *)population, "-f", "csv", "-o", dir, NULL};
    struct rusage ru;
    int code = finish(spawn(argv, 0, errf), &ru);
    CHECK(code == 0, "run of %s: %s", population, slurp(errf));
    free(bin_copy);
    /* the 10,000-patient run writes over a gigabyte: do not leave it on the test machine */
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "removed %s", dir);
    return ru.ru_maxrss;
}

static void test_memory_does_not_grow(void)
{
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer keeps freed memory in a quarantine (256 MiB by default), which grows with
     * the work done, not with what is live: measure without it */
    const char *prev = getenv("ASAN_OPTIONS");
    char opts[1024];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0", prev ? prev : "", prev ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
#endif
    /* Ten times the patients. What a worker holds is one patient's whole record, so the peak
     * follows the busiest life of the run, which grows slowly with its size (with the shipped
     * library: 19.0 MB at 1,000, 20.6 MB at 3,000, 22.9 MB at 10,000 on 2 cores). Memory that grew
     * with the population would show here: a kilobyte kept per patient adds 9 MB, half the peak. */
    long a = peak_rss_kb("1000"), b = peak_rss_kb("10000");
    fprintf(stderr, "peak RSS: 1,000 patients %ld KiB, 10,000 patients %ld KiB\n", a, b);
    CHECK(a > 0 && b > 0, "measured");
    CHECK((double)labs(b - a) / (double)a < 0.30, "peak RSS grows %.1f%% from 1,000 to 10,000",
          100.0 * (double)(b - a) / (double)a);
}

/* Synthea v3.3's CSV headers, as OHDSI ETL-Synthea's "3.3.0" layout creates its tables
 * (inst/sql/sql_server/synthea_version/v330/create_synthea_tables.sql) */
static const char *const v33[][2] = {
    {"patients", "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,MIDDLE,LAST,SUFFIX,"
                 "MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,"
                 "ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME"},
    {"encounters", "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,"
                   "DESCRIPTION,BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,"
                   "REASONDESCRIPTION"},
    {"conditions", "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION"},
    {"medications", "START,STOP,PATIENT,PAYER,ENCOUNTER,CODE,DESCRIPTION,BASE_COST,"
                    "PAYER_COVERAGE,DISPENSES,TOTALCOST,REASONCODE,REASONDESCRIPTION"},
    {"observations", "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE"},
    {"procedures", "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION,BASE_COST,REASONCODE,"
                   "REASONDESCRIPTION"},
    {"immunizations", "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,BASE_COST"},
    {"careplans", "Id,START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,REASONCODE,REASONDESCRIPTION"},
    {"allergies", "START,STOP,PATIENT,ENCOUNTER,CODE,SYSTEM,DESCRIPTION,TYPE,CATEGORY,REACTION1,"
                  "DESCRIPTION1,SEVERITY1,REACTION2,DESCRIPTION2,SEVERITY2"},
    {"devices", "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,UDI"},
    {"supplies", "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,QUANTITY"},
    {"imaging_studies", "Id,DATE,PATIENT,ENCOUNTER,SERIES_UID,BODYSITE_CODE,BODYSITE_DESCRIPTION,"
                        "MODALITY_CODE,MODALITY_DESCRIPTION,INSTANCE_UID,SOP_CODE,SOP_DESCRIPTION,"
                        "PROCEDURE_CODE"},
    {"organizations", "Id,NAME,ADDRESS,CITY,STATE,ZIP,LAT,LON,PHONE,REVENUE,UTILIZATION"},
    {"providers", "Id,ORGANIZATION,NAME,GENDER,SPECIALITY,ADDRESS,CITY,STATE,ZIP,LAT,LON,"
                  "ENCOUNTERS,PROCEDURES"},
    {"payers", "Id,NAME,OWNERSHIP,ADDRESS,CITY,STATE_HEADQUARTERED,ZIP,PHONE,AMOUNT_COVERED,"
               "AMOUNT_UNCOVERED,REVENUE,COVERED_ENCOUNTERS,UNCOVERED_ENCOUNTERS,"
               "COVERED_MEDICATIONS,UNCOVERED_MEDICATIONS,COVERED_PROCEDURES,UNCOVERED_PROCEDURES,"
               "COVERED_IMMUNIZATIONS,UNCOVERED_IMMUNIZATIONS,UNIQUE_CUSTOMERS,QOLS_AVG,"
               "MEMBER_MONTHS"}};

static void first_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (fgets(out, (int)n, f)) out[strcspn(out, "\r\n")] = '\0';
    fclose(f);
}

/* removes the columns v3.3 added (patients.MIDDLE, conditions/procedures.SYSTEM) */
static void as_v32(const char *name, const char *h33, char *out, size_t n)
{
    snprintf(out, n, "%s", h33);
    const char *drop = !strcmp(name, "patients")                                    ? "MIDDLE,"
                       : !strcmp(name, "conditions") || !strcmp(name, "procedures") ? "SYSTEM,"
                                                                                    : NULL;
    char *p = drop ? strstr(out, drop) : NULL;
    if (p) memmove(p, p + strlen(drop), strlen(p + strlen(drop)) + 1);
}

static void test_csv_headers(void)
{
    char dir[1024], cmd[2048];
    snprintf(dir, sizeof dir, "%s/out_headers", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run -q -p 5 -o %s", bin(), dir);
    CHECK(system(cmd) == 0, "run");
    const char *sample = getenv("SYNTHEA_SAMPLE");
    /* header lines of genuine Synthea 3.2 output (../shared/data/synthea-sample/csv) */
    char sample_dir[1024];
    if (sample)
        snprintf(sample_dir, sizeof sample_dir, "%s", sample);
    else
        snprintf(sample_dir, sizeof sample_dir, "%s/tests/fixtures/synthea32_headers",
                 getenv("LIFESIM_HOME"));
    int compared = 0;
    for (size_t i = 0; i < sizeof v33 / sizeof v33[0]; i++) {
        char path[1200], line[2048], v32[2048], theirs[2048];
        snprintf(path, sizeof path, "%s/csv/%s.csv", dir, v33[i][0]);
        first_line(path, line, sizeof line);
        CHECK(!strcmp(line, v33[i][1]), "%s.csv header is Synthea v3.3's: %s", v33[i][0], line);
        /* genuine Synthea output, when present, is the 3.2 layout */
        snprintf(path, sizeof path, "%s/%s.csv", sample_dir, v33[i][0]);
        first_line(path, theirs, sizeof theirs);
        if (!theirs[0]) continue;
        as_v32(v33[i][0], v33[i][1], v32, sizeof v32);
        CHECK(!strcmp(v32, theirs), "%s.csv: v3.3 less its additions is genuine 3.2: %s vs %s",
              v33[i][0], v32, theirs);
        compared++;
    }
    CHECK(compared == 15, "all 15 headers compared with genuine Synthea (%d, from %s)", compared,
          sample_dir);
}

static void test_sqlite_counts(void)
{
    if (system("command -v sqlite3 >/dev/null 2>&1") != 0) {
        fprintf(stderr, "SKIPPED: sqlite3 is not installed\n");
        return;
    }
    char dir[1024], cmd[4096];
    snprintf(dir, sizeof dir, "%s/out_sqlite", tmpdir());
    snprintf(cmd, sizeof cmd, "%s run -q -p 60 -s 9 -d %s/tests/fixtures/all_records/modules -o %s",
             bin(), getenv("LIFESIM_HOME"), dir);
    CHECK(system(cmd) == 0, "run");
    check_clean(dir);
    char db[1200];
    snprintf(db, sizeof db, "%s/sqlite_counts.db", tmpdir());
    remove(db);
    char mpath[1200];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    size_t i;
    json_t *f;
    int tables = 0;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        const char *rel = json_string_value(json_object_get(f, "path"));
        if (strncmp(rel, "csv/", 4) != 0) continue;
        char table[64];
        snprintf(table, sizeof table, "%.*s", (int)(strlen(rel) - 8), rel + 4);
        snprintf(cmd, sizeof cmd,
                 "sqlite3 %s '.import --csv %s/%s %s' 'SELECT COUNT(*) FROM %s;' "
                 "> %s/sqlite_count.txt 2>&1",
                 db, dir, rel, table, table, tmpdir());
        CHECK(system(cmd) == 0, "sqlite3 imports %s", rel);
        char cpath[1200];
        snprintf(cpath, sizeof cpath, "%s/sqlite_count.txt", tmpdir());
        char *out = slurp(cpath);
        long rows = out ? atol(out) : -1;
        CHECK(rows == (long)json_integer_value(json_object_get(f, "rows")),
              "%s: sqlite counts %ld rows, the manifest %lld (%s)", rel, rows,
              (long long)json_integer_value(json_object_get(f, "rows")), out ? out : "");
        CHECK(rows > 0, "%s has rows", rel);
        tables++;
    }
    CHECK(tables == 15, "15 CSV tables (%d)", tables);
    json_decref(m);
}

/* DATASET.md: provenance, the modules and their sources, and counts that agree with the manifest */
static void test_dataset_card(void)
{
    char dir[1024], cmd[4096], path[1200];
    snprintf(dir, sizeof dir, "%s/out_card", tmpdir());
    snprintf(
        cmd, sizeof cmd,
        "%s run -q -p 25 -s 4 -f csv,fhir,ndjson -d %s/tests/fixtures/all_records/modules -o %s",
        bin(), getenv("LIFESIM_HOME"), dir);
    CHECK(system(cmd) == 0, "run");
    check_clean(dir);
    snprintf(path, sizeof path, "%s/DATASET.md", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "DATASET.md is written");
    if (!f) return;
    static char card[1 << 20]; /* the card quotes every module header: 150 KB with the library */
    size_t n = fread(card, 1, sizeof card - 1, f);
    card[n] = '\0';
    fclose(f);
    CHECK(n < sizeof card - 1, "the card fits the test's buffer (%zu bytes read)", n);
    static const char *const must[] = {
        "No real person's record was used",
        "- Seed: 4",
        "Lifesim ",
        "### Appendicitis (`modules/appendicitis.lua`)",
        "Addiss DG",
        "### All Records (",
        "- Births: ",
        "- Encounters: ",
        "## Known limitations",
        "## Intended uses",
        "modules/data/lifetable_us.csv: Arias E",
        "modules/data/encounter_costs.csv: Source: Agency for Healthcare Research and Quality",
        "FHIR R4, one transaction Bundle per patient",
        NULL};
    for (int i = 0; must[i]; i++)
        CHECK(strstr(card, must[i]) != NULL, "the card says '%s'", must[i]);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    size_t i;
    json_t *e;
    int rows_listed = 0;
    json_array_foreach(json_object_get(m, "files"), i, e)
    {
        const char *rel = json_string_value(json_object_get(e, "path"));
        if (strncmp(rel, "csv/", 4) && strncmp(rel, "fhir-ndjson/", 12)) continue;
        char line[400];
        snprintf(line, sizeof line, "| `%s` | %lld |", rel,
                 (long long)json_integer_value(json_object_get(e, "rows")));
        CHECK(strstr(card, line) != NULL, "the card's count of %s agrees with the manifest: %s",
              rel, line);
        rows_listed++;
    }
    CHECK(rows_listed == 30, "30 CSV and NDJSON files (%d)", rows_listed);
    json_decref(m);
}

TEST_MAIN(T(test_interrupt), T(test_write_errors), T(test_memory_does_not_grow),
          T(test_csv_headers), T(test_sqlite_counts), T(test_dataset_card))
