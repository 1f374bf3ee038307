/* main.c — the lifesim command line: argument parsing, help, and dispatch to the subsystems.
 *
 * Exit status: 0 success; 1 the run failed (the message says why) or check found violations;
 * 2 a usage error (unknown flag, bad value) or a folder check cannot read; 130/143 interrupted
 * by SIGINT/SIGTERM.
 */
#include "sim_attrmap.h"
#include "sim_check.h"
#include "sim_gmf.h"
#include "sim_tools.h"
#include "sim_realism.h"
#include "sim_run.h"
#include "sim_scenario.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t g_stop; /* the one piece of process state: written by signals */

static void on_signal(int sig)
{
    g_stop = sig;
}

static const char usage_main[] =
    "Lifesim " LIFESIM_VERSION " — synthetic patients from birth to death, as EHR records.\n"
    "\n"
    "usage: lifesim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [SCENARIO]   simulate a population (default: the embedded default scenario)\n"
    "  check DIR        verify that every record in a run folder is coherent in time\n"
    "  realism          measure simulated cohorts against published figures\n"
    "  attributes       the attribute map: which module writes and which reads each attribute\n"
    "  merge OUT DIR... join the folders of a sharded run into OUT\n"
    "  lint [MODULE...] check modules without running them (all of modules/ by default)\n"
    "  graph MODULE     a module's state machine as Graphviz DOT (or SVG)\n"
    "  trace MODULE     one patient's path through a module, state by state\n"
    "  import-gmf FILE  a Synthea GMF JSON module as an idiomatic Lua module\n"
    "  export-gmf FILE  a Lua module as GMF JSON (for Synthea)\n"
    "  help [COMMAND]   show help for a command\n"
    "\n"
    "options:\n"
    "  --help           this text\n"
    "  --version        the version\n"
    "\n"
    "Run 'lifesim help run' or 'lifesim help check' for the options of a command.\n";

static const char usage_check[] =
    "usage: lifesim check DIR [options]\n"
    "\n"
    "Checks every patient's records in a run folder, Lifesim's or Synthea's (CSV in the 3.2 or\n"
    "3.3 layout, FHIR bundles, Bulk NDJSON; plain or gzipped): birth <= every event <= death,\n"
    "encounters in order and holding their events, one death date everywhere, references that\n"
    "resolve to the same patient, unique ids, sex-specific codes on the right sex, vaccines in\n"
    "their age windows. Prints rules x records checked x violations, then the first violations.\n"
    "\n"
    "options:\n"
    "  -f, --format LIST   what to read: csv, fhir, ndjson (default: all the folder has)\n"
    "      --max N         violations listed (default 20)\n"
    "      --json          the report as JSON, for machines\n"
    "  -q, --quiet         no throughput line on stderr\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 no violation, 1 violations, 2 a usage error or a folder it cannot read.\n"
    "Partition files go to $TMPDIR (default /tmp); memory does not grow with the folder.\n";

static const char usage_run[] =
    "usage: lifesim run [SCENARIO] [options]\n"
    "\n"
    "Simulates the population a YAML scenario describes and writes its records. Without\n"
    "SCENARIO, runs the embedded default (scenarios/default.yaml) into output/default/.\n"
    "Flags override the scenario.\n"
    "\n"
    "options:\n"
    "  -p, --population N        patients alive at the reference date (1 or more)\n"
    "  -s, --seed SEED           random seed (a whole number)\n"
    "  -o, --output DIR          output folder (default: output/<scenario name>)\n"
    "  -d, --modules-dir DIR     add the modules in DIR (.lua, .json; submodules in subfolders)\n"
    "  -f, --format LIST         comma-separated: csv, fhir (a bundle per patient), ndjson\n"
    "      --gzip                compress every file (.gz)\n"
    "  -t, --threads N           worker threads (default: all cores); the output is the same\n"
    "                            bytes whatever the number\n"
    "      --shard K/N           run only shard K of N (a contiguous share of the patients);\n"
    "                            join the shard folders with lifesim merge\n"
    "      --years-of-history N  export only the last N years of each record (0: all)\n"
    "      --reference-date DATE simulate up to this date (YYYY-MM-DD)\n"
    "      --strict              check every record for coherence as it is finished\n"
    "      --dry-run             print the resolved scenario and exit\n"
    "  -q, --quiet               no progress line\n"
    "  -h, --help                this text\n"
    "\n"
    "Progress (patients done, rate, time left) is shown on stderr when it is a terminal.\n";

static int usage_error(const char *cmd, const char *fmt, ...) SIM_PRINTF(2, 3);
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "lifesim %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'lifesim help %s')\n", cmd);
    return 2;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

typedef struct run_args {
    const char *scenario;
    int have_p, have_s, have_years, have_ref, have_threads;
    int shard_index, shard_count;
    uint64_t population, seed, years, threads;
    const char *out, *formats, *ref;
    const char *dirs[64];
    size_t ndirs;
    int gzip, quiet, strict, dry_run;
} run_args;

/* option value: "-p N", "-pN", "--population N", "--population=N" */
static const char *opt_value(int argc, char **argv, int *i, const char *arg, const char *name,
                             size_t namelen)
{
    if (arg[namelen] == '=') return arg + namelen + 1;
    if (arg[namelen] != '\0' && arg[1] != '-') return arg + namelen; /* -pN */
    if (*i + 1 >= argc) return NULL;
    (void)name;
    return argv[++*i];
}

static int match(const char *arg, const char *shortf, const char *longf, size_t *len)
{
    if (shortf && strncmp(arg, shortf, 2) == 0 && arg[1] != '-') {
        *len = 2;
        return 1;
    }
    size_t n = strlen(longf);
    if (strncmp(arg, longf, n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
        *len = n;
        return 1;
    }
    return 0;
}

static int parse_run(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        const char *v;
        if (arg[0] != '-' || arg[1] == '\0') {
            if (a->scenario)
                return usage_error("run", "only one scenario may be given ('%s' and '%s')",
                                   a->scenario, arg);
            a->scenario = arg;
        } else if (match(arg, "-p", "--population", &n)) {
            v = opt_value(argc, argv, &i, arg, "population", n);
            if (!v) return usage_error("run", "%s needs a value: the number of patients", arg);
            if (parse_u64(v, 1, UINT64_C(1000000000000), &a->population) != 0)
                return usage_error("run", "--population: '%s' is not a whole number of 1 or more",
                                   v);
            a->have_p = 1;
        } else if (match(arg, "-s", "--seed", &n)) {
            v = opt_value(argc, argv, &i, arg, "seed", n);
            if (!v) return usage_error("run", "%s needs a value: a whole number", arg);
            if (parse_u64(v, 0, UINT64_MAX, &a->seed) != 0)
                return usage_error("run", "--seed: '%s' is not a whole number from 0 to %llu", v,
                                   (unsigned long long)UINT64_MAX);
            a->have_s = 1;
        } else if (match(arg, "-o", "--output", &n)) {
            v = opt_value(argc, argv, &i, arg, "output", n);
            if (!v || !*v) return usage_error("run", "%s needs a folder", arg);
            a->out = v;
        } else if (match(arg, "-d", "--modules-dir", &n)) {
            v = opt_value(argc, argv, &i, arg, "modules-dir", n);
            if (!v || !*v) return usage_error("run", "%s needs a folder of modules", arg);
            if (a->ndirs >= 64) return usage_error("run", "too many -d folders (at most 64)");
            a->dirs[a->ndirs++] = v;
        } else if (match(arg, "-f", "--format", &n)) {
            v = opt_value(argc, argv, &i, arg, "format", n);
            if (!v) return usage_error("run", "%s needs a list such as csv", arg);
            unsigned f;
            char bad[64];
            if (sim_formats_parse(v, &f, bad, sizeof bad) != 0)
                return usage_error("run", "--format: unknown format '%s' (use csv, fhir, ndjson)",
                                   bad);
            a->formats = v;
        } else if (match(arg, "-t", "--threads", &n)) {
            v = opt_value(argc, argv, &i, arg, "threads", n);
            if (!v || parse_u64(v, 0, 1024, &a->threads) != 0)
                return usage_error("run",
                                   "--threads: '%s' is not a number of threads from 0 (all "
                                   "cores) to 1024",
                                   v ? v : "");
            a->have_threads = 1;
        } else if (match(arg, NULL, "--shard", &n)) {
            v = opt_value(argc, argv, &i, arg, "shard", n);
            unsigned k = 0, of = 0;
            char tail;
            if (!v || sscanf(v, "%u/%u%c", &k, &of, &tail) != 2 || of < 1 || of > 100000 || k < 1 ||
                k > of)
                return usage_error("run",
                                   "--shard: '%s' is not K/N with 1 <= K <= N (e.g. --shard 2/4)",
                                   v ? v : "");
            a->shard_index = (int)k - 1;
            a->shard_count = (int)of;
        } else if (match(arg, NULL, "--years-of-history", &n)) {
            v = opt_value(argc, argv, &i, arg, "years-of-history", n);
            if (!v || parse_u64(v, 0, 200, &a->years) != 0)
                return usage_error("run",
                                   "--years-of-history: '%s' is not a number of years from "
                                   "0 (all) to 200",
                                   v ? v : "");
            a->have_years = 1;
        } else if (match(arg, NULL, "--reference-date", &n)) {
            v = opt_value(argc, argv, &i, arg, "reference-date", n);
            sim_time t;
            if (!v || sim_time_parse(v, &t) != 0)
                return usage_error("run", "--reference-date: '%s' is not a date YYYY-MM-DD",
                                   v ? v : "");
            a->ref = v;
            a->have_ref = 1;
        } else if (!strcmp(arg, "--gzip")) {
            a->gzip = 1;
        } else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(arg, "--strict")) {
            a->strict = 1;
        } else if (!strcmp(arg, "--dry-run")) {
            a->dry_run = 1;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs(usage_run, stdout);
            return -1;
        } else {
            static const char *const known[] = {
                "--population",       "--seed",           "--output",
                "--modules-dir",      "--format",         "--gzip",
                "--years-of-history", "--reference-date", "--strict",
                "--dry-run",          "--quiet",          "--help",
                "--threads",          "--shard"};
            char word[64];
            snprintf(word, sizeof word, "%.*s", (int)strcspn(arg, "="), arg);
            const char *dym = sim_did_you_mean(word, known, sizeof known / sizeof known[0]);
            if (dym)
                return usage_error("run", "unknown option '%s' (did you mean '%s'?)", word, dym);
            return usage_error("run", "unknown option '%s'", word);
        }
    }
    return 0;
}

static int cmd_run(int argc, char **argv, const char *root)
{
    run_args a;
    int rc = parse_run(argc, argv, &a);
    if (rc == -1) return 0; /* --help */
    if (rc) return rc;
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_scenario *sc = NULL;
    sim_status st =
        a.scenario ? sim_scenario_load(a.scenario, &sc, &d) : sim_scenario_default(&sc, &d);
    sim_diags_print(&d, stderr);
    sim_diags_free(&d);
    if (st != SIM_OK) {
        fprintf(stderr, "lifesim run: the scenario has errors (listed above): nothing was run\n");
        return 1;
    }
    if (a.have_p) sc->population = a.population;
    if (a.have_s) sc->seed = a.seed;
    if (a.have_years) sc->years_of_history = (int)a.years;
    if (a.have_ref) sim_time_parse(a.ref, &sc->reference_date);
    if (a.out) {
        free(sc->out_dir);
        sc->out_dir = sim_strdup(a.out);
    }
    if (a.formats) {
        char bad[64];
        sim_formats_parse(a.formats, &sc->formats, bad, sizeof bad);
    }
    if (a.gzip) sc->gzip = 1;
    if (a.have_threads) sc->threads = (int)a.threads;
    for (size_t i = 0; i < a.ndirs; i++) {
        if (sim_scenario_add_dir(sc, a.dirs[i]) != 0) {
            fprintf(stderr, "lifesim run: out of memory\n");
            sim_scenario_free(sc);
            return 1;
        }
    }
    if (a.dry_run) {
        sim_scenario_print(sc, stdout);
        sim_scenario_free(sc);
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* past a file-size limit, let write() fail with a message rather than kill the process */
    signal(SIGXFSZ, SIG_IGN);

    sim_run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.scenario = sc;
    ro.root = root;
    ro.quiet = a.quiet;
    ro.strict = a.strict;
    ro.stop = &g_stop;
    ro.shard_index = a.shard_index;
    ro.shard_count = a.shard_count;
    sim_run_result res;
    sim_error err;
    sim_error_clear(&err);
    st = sim_run(&ro, &res, &err);
    int status = 0;
    if (st != SIM_OK) {
        char msg[4096];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim run: %s\n", msg);
        if (res.incomplete)
            fprintf(stderr,
                    "lifesim run: %s holds an incomplete run (manifest.json says so; its "
                    "files end in .partial)\n",
                    sc->out_dir);
        status = st == SIM_EINTR ? (g_stop == SIGTERM ? 143 : 130) : 1;
    } else if (!a.quiet) {
        fprintf(stderr, "lifesim: %llu patients (%llu alive, %llu deceased) written to %s\n",
                (unsigned long long)(res.living + res.deceased), (unsigned long long)res.living,
                (unsigned long long)res.deceased, sc->out_dir);
    }
    sim_scenario_free(sc);
    return status;
}

static const char usage_realism[] =
    "usage: lifesim realism [options]\n"
    "\n"
    "Simulates a cohort for every age band named in modules/data/realism/*.csv and prints, for\n"
    "each measure, the published figure, the simulated one (with its standard error), the\n"
    "tolerance and pass/fail. A measure passes when |simulated - published| <= tolerance + 3\n"
    "standard errors. Exit status 1 when any measure fails.\n"
    "\n"
    "options:\n"
    "  -p, --population N   living patients per age band (default 2000; the full check: 20000)\n"
    "  -s, --seed SEED      random seed (default 1)\n"
    "  -t, --threads N      cohorts simulated side by side (default: all cores); the figures\n"
    "                       are the same whatever the number\n"
    "      --only IDS       comma-separated measure ids or id prefixes\n"
    "      --targets FILE   measure the rows of FILE instead (a module's own tests)\n"
    "  -d, --modules-dir DIR  add the modules in DIR\n"
    "      --json           the table as JSON\n"
    "  -h, --help           this text\n";

static int cmd_realism(int argc, char **argv, const char *root)
{
    sim_realism_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.root = root;
    const char *dirs[64];
    size_t ndirs = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        const char *v;
        if (match(arg, "-p", "--population", &n)) {
            v = opt_value(argc, argv, &i, arg, "population", n);
            if (!v || parse_u64(v, 1, UINT64_C(100000000), &ro.per_cohort) != 0)
                return usage_error("realism", "--population: '%s' is not a number of patients",
                                   v ? v : "");
        } else if (match(arg, "-s", "--seed", &n)) {
            v = opt_value(argc, argv, &i, arg, "seed", n);
            if (!v || parse_u64(v, 0, UINT64_MAX, &ro.seed) != 0)
                return usage_error("realism", "--seed: '%s' is not a whole number", v ? v : "");
        } else if (match(arg, "-t", "--threads", &n)) {
            v = opt_value(argc, argv, &i, arg, "threads", n);
            if (!v || parse_u64(v, 0, 1024, &ro.threads) != 0)
                return usage_error("realism",
                                   "--threads: '%s' is not a number of threads from 0 (all "
                                   "cores) to 1024",
                                   v ? v : "");
        } else if (match(arg, NULL, "--only", &n)) {
            v = opt_value(argc, argv, &i, arg, "only", n);
            if (!v || !*v) return usage_error("realism", "--only needs measure ids");
            ro.only = v;
        } else if (match(arg, NULL, "--targets", &n)) {
            v = opt_value(argc, argv, &i, arg, "targets", n);
            if (!v || !*v) return usage_error("realism", "--targets needs a CSV file of measures");
            ro.targets = v;
        } else if (match(arg, "-d", "--modules-dir", &n)) {
            v = opt_value(argc, argv, &i, arg, "modules-dir", n);
            if (!v || !*v) return usage_error("realism", "%s needs a folder of modules", arg);
            if (ndirs >= 64) return usage_error("realism", "too many -d folders (at most 64)");
            dirs[ndirs++] = v;
        } else if (!strcmp(arg, "--json")) {
            ro.json = 1;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs(usage_realism, stdout);
            return 0;
        } else {
            static const char *const known[] = {"--population", "--seed",        "--threads",
                                                "--only",       "--modules-dir", "--json",
                                                "--help"};
            char word[64];
            snprintf(word, sizeof word, "%.*s", (int)strcspn(arg, "="), arg);
            const char *dym = sim_did_you_mean(word, known, sizeof known / sizeof known[0]);
            if (dym)
                return usage_error("realism", "unknown option '%s' (did you mean '%s'?)", word,
                                   dym);
            return usage_error("realism", "unknown option '%s'", word);
        }
    }
    ro.dirs = dirs;
    ro.ndirs = ndirs;
    sim_error err;
    sim_error_clear(&err);
    int failed = 0;
    if (sim_realism_run(&ro, stdout, &failed, &err) != SIM_OK) {
        char msg[3072];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim realism: %s\n", msg);
        return 2;
    }
    return failed ? 1 : 0;
}

static int cmd_attributes(int argc, char **argv, const char *root)
{
    const char *dirs[64];
    size_t ndirs = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        if (match(arg, "-d", "--modules-dir", &n)) {
            const char *v = opt_value(argc, argv, &i, arg, "modules-dir", n);
            if (!v || !*v) return usage_error("attributes", "%s needs a folder of modules", arg);
            if (ndirs >= 64) return usage_error("attributes", "too many -d folders (at most 64)");
            dirs[ndirs++] = v;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs("usage: lifesim attributes [-d DIR]\n\nPrints the attribute map (Markdown): for "
                  "each attribute, the modules (file:line)\nthat write it and those that read "
                  "it.\n",
                  stdout);
            return 0;
        } else {
            return usage_error("attributes", "unknown option '%s' (the options: -d DIR)", arg);
        }
    }
    sim_error err;
    sim_error_clear(&err);
    if (sim_attribute_map(root, dirs, ndirs, stdout, &err) != SIM_OK) {
        char msg[3072];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim attributes: %s\n", msg);
        return 1;
    }
    return 0;
}

static int cmd_merge(int argc, char **argv, const char *root)
{
    if (argc >= 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
        fputs("usage: lifesim merge OUT SHARD_DIR...\n\nJoins the output folders of 'lifesim run "
              "--shard K/N' (every K, in any order) into OUT:\nthe same bytes as the run without "
              "shards, manifest and dataset card included.\n",
              stdout);
        return 0;
    }
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-')
            return usage_error(
                "merge", "unknown option '%s' (usage: lifesim merge OUT SHARD_DIR...)", argv[i]);
    if (argc < 2) return usage_error("merge", "usage: lifesim merge OUT SHARD_DIR...");
    sim_run_result res;
    sim_error err;
    sim_error_clear(&err);
    sim_status st =
        sim_merge(root, argv[0], (const char *const *)argv + 1, (size_t)argc - 1, &res, &err);
    if (st != SIM_OK) {
        char msg[4096];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim merge: %s\n", msg);
        return 1;
    }
    fprintf(stderr, "lifesim merge: %d shards, %llu patients, written to %s\n", argc - 1,
            (unsigned long long)(res.living + res.deceased), argv[0]);
    return 0;
}

static int cmd_lint(int argc, char **argv, const char *root)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs("usage: lifesim lint [MODULE...]\n\nEvery load-time check of the modules named "
                  "(.lua or .json files; all of modules/\nwhen none is named), without running "
                  "anything, plus the cross-module view:\nattributes read but never written, "
                  "written but never read, submodules never\ncalled. Prints 'file:line: "
                  "error|warning: message'; exit status 1 on errors.\n",
                  stdout);
            return 0;
        }
        if (argv[i][0] == '-') return usage_error("lint", "unknown option '%s'", argv[i]);
    }
    return sim_lint(root, (const char *const *)argv, (size_t)argc, stdout);
}

static int cmd_graph(int argc, char **argv, const char *root)
{
    const char *file = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs("usage: lifesim graph MODULE [-o FILE.dot|FILE.svg]\n\nThe module's state "
                  "machine as Graphviz DOT: state types by shape and colour,\ntransitions "
                  "labelled with probabilities and conditions, submodule calls.\nTo stdout, or to "
                  "FILE.dot, or drawn as FILE.svg by Graphviz's dot program.\n",
                  stdout);
            return 0;
        } else if (match(arg, "-o", "--output", &n)) {
            out = opt_value(argc, argv, &i, arg, "output", n);
            if (!out || !*out) return usage_error("graph", "%s needs a file (.dot or .svg)", arg);
        } else if (arg[0] == '-') {
            return usage_error("graph", "unknown option '%s' (the options: -o FILE)", arg);
        } else if (file) {
            return usage_error("graph", "one module at a time ('%s' and '%s')", file, arg);
        } else {
            file = arg;
        }
    }
    if (!file) return usage_error("graph", "which module? (e.g. lifesim graph modules/asthma.lua)");
    size_t ol = out ? strlen(out) : 0;
    int svg = ol > 4 && !strcmp(out + ol - 4, ".svg");
    if (out && !svg && !(ol > 4 && !strcmp(out + ol - 4, ".dot")))
        return usage_error("graph", "-o: '%s' should end in .dot or .svg", out);
    FILE *f = stdout;
    char cmd[4200];
    if (svg) {
        if (system("command -v dot >/dev/null 2>&1") != 0) {
            fprintf(stderr, "lifesim graph: drawing SVG needs Graphviz's dot program "
                            "(apt-get install graphviz); -o FILE.dot writes the graph itself\n");
            return 1;
        }
        snprintf(cmd, sizeof cmd, "dot -Tsvg -o '%s'", out);
        f = popen(cmd, "w");
    } else if (out) {
        f = fopen(out, "w");
    }
    if (!f) {
        fprintf(stderr, "lifesim graph: cannot write %s: %s\n", out, strerror(errno));
        return 1;
    }
    sim_error err;
    sim_error_clear(&err);
    sim_status st = sim_graph(root, file, f, &err);
    int rc = 0;
    if (svg)
        rc = pclose(f) != 0;
    else if (out)
        rc = fclose(f) != 0;
    if (st != SIM_OK) {
        char msg[3072];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim graph: %s\n", msg);
        if (out) remove(out);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "lifesim graph: could not write %s\n", out);
        return 1;
    }
    return 0;
}

static int cmd_trace(int argc, char **argv, const char *root)
{
    const char *file = NULL;
    uint64_t seed = 1, patient = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        const char *v;
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs("usage: lifesim trace MODULE [-s SEED] [--patient I]\n\nSimulates patient I "
                  "(default 0) of SEED (default 1), the one lifesim run puts in\nthat slot, with "
                  "every shipped module, and prints MODULE's path: each state with\nits date, the "
                  "attributes it set and the records it made.\n",
                  stdout);
            return 0;
        } else if (match(arg, "-s", "--seed", &n)) {
            v = opt_value(argc, argv, &i, arg, "seed", n);
            if (!v || parse_u64(v, 0, UINT64_MAX, &seed) != 0)
                return usage_error("trace", "--seed: '%s' is not a whole number", v ? v : "");
        } else if (match(arg, NULL, "--patient", &n)) {
            v = opt_value(argc, argv, &i, arg, "patient", n);
            if (!v || parse_u64(v, 0, UINT64_C(1000000000000), &patient) != 0)
                return usage_error("trace", "--patient: '%s' is not a patient number (0, 1, ...)",
                                   v ? v : "");
        } else if (arg[0] == '-') {
            return usage_error("trace", "unknown option '%s' (the options: -s SEED, --patient I)",
                               arg);
        } else if (file) {
            return usage_error("trace", "one module at a time ('%s' and '%s')", file, arg);
        } else {
            file = arg;
        }
    }
    if (!file) return usage_error("trace", "which module? (e.g. lifesim trace modules/asthma.lua)");
    sim_error err;
    sim_error_clear(&err);
    if (sim_trace(root, file, seed, patient, stdout, &err) != SIM_OK) {
        char msg[3072];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim trace: %s\n", msg);
        return 1;
    }
    return 0;
}

/* import-gmf / export-gmf: one file in, one file (or stdout) out */
static int cmd_convert(int argc, char **argv, const char *root, int import)
{
    const char *cmd = import ? "import-gmf" : "export-gmf";
    const char *file = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            if (import)
                fputs("usage: lifesim import-gmf FILE.json [-o FILE.lua]\n\nWrites a Synthea GMF "
                      "JSON module as an idiomatic Lua module: the helper\nconstructors (codes, "
                      "durations, conditions, pick, when) wherever they give\nexactly the same "
                      "table, and the remarks as comments. The Lua module gives\nthe same records "
                      "as the JSON one for the same seed.\n",
                      stdout);
            else
                fputs("usage: lifesim export-gmf FILE.lua [-o FILE.json]\n\nWrites a Lua module "
                      "as plain GMF JSON, as Synthea reads it (a module whose\nfields are Lua "
                      "functions cannot be written).\n",
                      stdout);
            return 0;
        } else if (match(arg, "-o", "--output", &n)) {
            out = opt_value(argc, argv, &i, arg, "output", n);
            if (!out || !*out) return usage_error(cmd, "%s needs a file", arg);
        } else if (arg[0] == '-') {
            return usage_error(cmd, "unknown option '%s' (the options: -o FILE)", arg);
        } else if (file) {
            return usage_error(cmd, "one module at a time ('%s' and '%s')", file, arg);
        } else {
            file = arg;
        }
    }
    if (!file) return usage_error(cmd, "which module?");
    sim_error err;
    sim_error_clear(&err);
    char *text = NULL;
    sim_status st =
        import ? sim_gmf_import(file, &text, &err) : sim_gmf_export(root, file, &text, &err);
    if (st != SIM_OK) {
        char msg[3072];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim %s: %s\n", cmd, msg);
        return 1;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    int bad = !f || fputs(text, f) < 0;
    if (out && f) bad |= fclose(f) != 0;
    free(text);
    if (bad) {
        fprintf(stderr, "lifesim %s: cannot write %s: %s\n", cmd, out ? out : "stdout",
                strerror(errno));
        return 1;
    }
    return 0;
}

static int cmd_check(int argc, char **argv, const char *root)
{
    const char *dir = NULL;
    int json = 0, quiet = 0;
    sim_check_opts co;
    memset(&co, 0, sizeof co);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        size_t n;
        const char *v;
        if (arg[0] != '-' || arg[1] == '\0') {
            if (dir)
                return usage_error("check", "only one folder may be given ('%s' and '%s')", dir,
                                   arg);
            dir = arg;
        } else if (!strcmp(arg, "--json")) {
            json = 1;
        } else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs(usage_check, stdout);
            return 0;
        } else if (match(arg, NULL, "--max", &n)) {
            v = opt_value(argc, argv, &i, arg, "max", n);
            uint64_t m;
            if (!v || parse_u64(v, 1, 1000000, &m) != 0)
                return usage_error("check", "--max: '%s' is not a number from 1 to 1000000",
                                   v ? v : "");
            co.max_shown = (size_t)m;
        } else if (match(arg, "-f", "--format", &n)) {
            v = opt_value(argc, argv, &i, arg, "format", n);
            unsigned f;
            char bad[64];
            if (!v || sim_formats_parse(v, &f, bad, sizeof bad) != 0)
                return usage_error("check", "--format: unknown format '%s' (use csv, fhir, ndjson)",
                                   v ? bad : "");
            co.sources = (f & SIM_FMT_CSV ? SIM_CHECK_CSV : 0) |
                         (f & SIM_FMT_FHIR ? SIM_CHECK_FHIR : 0) |
                         (f & SIM_FMT_NDJSON ? SIM_CHECK_NDJSON : 0);
        } else {
            static const char *const known[] = {"--format", "--max", "--json", "--quiet", "--help"};
            char word[64];
            snprintf(word, sizeof word, "%.*s", (int)strcspn(arg, "="), arg);
            const char *dym = sim_did_you_mean(word, known, sizeof known / sizeof known[0]);
            if (dym)
                return usage_error("check", "unknown option '%s' (did you mean '%s'?)", word, dym);
            return usage_error("check", "unknown option '%s'", word);
        }
    }
    if (!dir) return usage_error("check", "which folder? (e.g. lifesim check output/default)");
    sim_error err;
    sim_error_clear(&err);
    sim_checker *ck = NULL;
    if (sim_checker_new(root, &ck, &err) != SIM_OK) {
        char msg[3072];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim check: %s\n", msg);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sim_check_report *rep = NULL;
    sim_status st = sim_check_dir(ck, dir, &co, &rep, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sim_checker_free(ck);
    if (st != SIM_OK) {
        char msg[3072];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "lifesim check: %s\n", msg);
        return 2;
    }
    if (json)
        sim_check_report_json(rep, stdout);
    else
        sim_check_report_print(rep, stdout);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!quiet && !json)
        fprintf(stderr, "read %.1f MB in %.2f s (%.1f MB/s)\n", (double)sim_check_bytes(rep) / 1e6,
                secs, secs > 0 ? (double)sim_check_bytes(rep) / 1e6 / secs : 0.0);
    int rc = sim_check_violations(rep) ? 1 : 0;
    sim_check_report_free(rep);
    return rc;
}

int main(int argc, char **argv)
{
    char root[PATH_MAX];
    sim_find_root(argv[0], root, sizeof root);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("lifesim %s\n", LIFESIM_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            fputs(usage_main, stdout);
            return 0;
        }
        if (!strcmp(argv[2], "run")) {
            fputs(usage_run, stdout);
            return 0;
        }
        if (!strcmp(argv[2], "check")) {
            fputs(usage_check, stdout);
            return 0;
        }
        if (!strcmp(argv[2], "realism")) {
            fputs(usage_realism, stdout);
            return 0;
        }
        fprintf(stderr, "lifesim help: no command '%s' (the commands: run, check, realism, help)\n",
                argv[2]);
        return 2;
    }
    if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2, root);
    if (!strcmp(cmd, "check")) return cmd_check(argc - 2, argv + 2, root);
    if (!strcmp(cmd, "realism")) return cmd_realism(argc - 2, argv + 2, root);
    if (!strcmp(cmd, "attributes")) return cmd_attributes(argc - 2, argv + 2, root);
    if (!strcmp(cmd, "merge")) return cmd_merge(argc - 2, argv + 2, root);
    if (!strcmp(cmd, "lint")) return cmd_lint(argc - 2, argv + 2, root);
    if (!strcmp(cmd, "graph")) return cmd_graph(argc - 2, argv + 2, root);
    if (!strcmp(cmd, "trace")) return cmd_trace(argc - 2, argv + 2, root);
    if (!strcmp(cmd, "import-gmf")) return cmd_convert(argc - 2, argv + 2, root, 1);
    if (!strcmp(cmd, "export-gmf")) return cmd_convert(argc - 2, argv + 2, root, 0);
    static const char *const cmds[] = {"run",  "check",  "realism",  "attributes", "merge",
                                       "lint", "graph",  "trace",    "import-gmf", "export-gmf",
                                       "help", "--help", "--version"};
    const char *dym = sim_did_you_mean(cmd, cmds, sizeof cmds / sizeof cmds[0]);
    fprintf(stderr, "lifesim: unknown command '%s'%s%s%s (see 'lifesim --help')\n", cmd,
            dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
    return 2;
}
