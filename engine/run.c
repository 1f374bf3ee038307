/* run.c — one run from scenario to files (see include/sim_run.h).
 *
 * A worker owns everything a patient's simulation touches (Lua state, compiled modules, engine,
 * patient, output buffers); nothing is global, so workers can later run on threads. The wall
 * clock is read only for the progress line on a terminal, never for anything written.
 */
#include "sim_run.h"

#include "sim_engine.h"
#include "sim_export.h"
#include "sim_lifetable.h"
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_output.h"
#include "sim_population.h"
#include "sim_rng.h"
#include "sim_sha256.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS 10000

typedef struct worker {
    sim_lua *lua;
    sim_modset *ms;
    sim_engine *engine;
    sim_patient *patient;
    sim_outbufs out;
} worker;

static void worker_free(worker *w)
{
    if (!w) return;
    sim_engine_free(w->engine);
    sim_modset_free(w->ms);
    sim_lua_free(w->lua);
    sim_patient_free(w->patient);
    sim_outbufs_free(&w->out);
    free(w);
}

static sim_status worker_new(const sim_run_opts *o, const sim_lifetable *lt, int report,
                             worker **out, sim_error *err)
{
    const sim_scenario *sc = o->scenario;
    *out = NULL;
    worker *w = calloc(1, sizeof *w);
    if (!w) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    w->lua = sim_lua_new(NULL, o->root);
    w->patient = sim_patient_new();
    if (!w->lua || !w->patient) {
        worker_free(w);
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    sim_modset_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.root = o->root;
    mo.dirs = (const char *const *)sc->dirs;
    mo.ndirs = sc->ndirs;
    mo.include = (const char *const *)sc->include;
    mo.ninclude = sc->ninclude;
    mo.exclude = (const char *const *)sc->exclude;
    mo.nexclude = sc->nexclude;
    mo.param_names = (const char *const *)sc->param_names;
    mo.param_values = sc->param_values;
    mo.nparams = sc->nparams;
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_status st = sim_modset_load(w->lua, &mo, &w->ms, &d);
    if (report || st != SIM_OK) {
        sim_diags_sort(&d);
        sim_diags_print(&d, stderr);
    }
    if (st != SIM_OK) {
        sim_error_set(err, st, NULL, 0, 0,
                      "%zu error%s in the modules (listed above): nothing was "
                      "simulated",
                      d.nerrors, d.nerrors == 1 ? "" : "s");
        sim_diags_free(&d);
        worker_free(w);
        return st;
    }
    sim_diags_free(&d);
    sim_engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.lifetable = lt;
    eo.seed = sc->seed;
    eo.guard_poll = sc->guard_poll;
    eo.strict = o->strict;
    w->engine = sim_engine_new(w->ms, &eo);
    if (!w->engine) {
        worker_free(w);
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    *out = w;
    return SIM_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(uint64_t done, uint64_t total, double started, int final)
{
    double el = now_seconds() - started;
    double rate = el > 0 ? (double)done / el : 0;
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\r  %llu/%llu patients  %.0f/s  %s %02d:%02d  ", (unsigned long long)done,
            (unsigned long long)total, rate, final ? "took" : "left",
            (int)((final ? el : left) / 60), (int)(final ? el : left) % 60);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

static void sha_text(const char *text, size_t len, char hex[65])
{
    sim_sha256 s;
    sim_sha256_init(&s);
    sim_sha256_update(&s, text, len);
    sim_sha256_hex(&s, hex);
}

static json_t *run_meta(const sim_run_opts *o, const sim_modset *ms, const sim_run_result *res)
{
    const sim_scenario *sc = o->scenario;
    json_t *m = json_object();
    char d[16], hex[65];
    json_object_set_new(m, "generator", json_string("lifesim"));
    json_object_set_new(m, "version", json_string(LIFESIM_VERSION));
    json_t *s = json_object();
    json_object_set_new(s, "name", json_string(sc->name));
    json_object_set_new(s, "path", json_string(sc->path));
    sha_text(sc->text, sc->len, hex);
    json_object_set_new(s, "sha256", json_string(hex));
    json_object_set_new(m, "scenario", s);
    json_object_set_new(m, "seed", json_integer((json_int_t)sc->seed));
    json_object_set_new(m, "population", json_integer((json_int_t)sc->population));
    sim_time_date(sc->reference_date, d);
    json_object_set_new(m, "reference_date", json_string(d));
    json_object_set_new(m, "years_of_history",
                        sc->years_of_history ? json_integer(sc->years_of_history)
                                             : json_string("all"));
    json_t *c = json_object();
    json_object_set_new(c, "living", json_integer((json_int_t)res->living));
    json_object_set_new(c, "deceased", json_integer((json_int_t)res->deceased));
    json_object_set_new(c, "simulated", json_integer((json_int_t)res->simulated));
    json_object_set_new(m, "patients", c);
    json_t *mods = json_array();
    for (size_t i = 0; ms && i < sim_modset_count(ms); i++) {
        const sim_module *mod = sim_modset_get(ms, i);
        json_t *e = json_object();
        json_object_set_new(e, "key", json_string(mod->key));
        json_object_set_new(e, "name", json_string(mod->name ? mod->name : ""));
        json_object_set_new(e, "path", json_string(mod->path));
        if (mod->submodule) json_object_set_new(e, "submodule", json_true());
        json_array_append_new(mods, e);
    }
    json_object_set_new(m, "modules", mods);
    return m;
}

/* DATASET.md: how the data was made and what it is for */
static char *dataset_card(const sim_run_opts *o, const sim_modset *ms, const sim_population *pop,
                          const sim_run_result *res)
{
    const sim_scenario *sc = o->scenario;
    sim_buf b = {0};
    char d[16];
    sim_time_date(sc->reference_date, d);
    sim_buf_printf(&b, "# Dataset card: %s\n\n", sc->name);
    sim_buf_printf(&b,
                   "Synthetic patient records generated by Lifesim %s. **No real person's "
                   "record was used**: every patient, encounter and value was drawn by a "
                   "simulator from published summary statistics.\n\n",
                   LIFESIM_VERSION);
    sim_buf_printf(&b,
                   "## How it was generated\n\n- Scenario: `%s` (%s)\n- Seed: %llu\n"
                   "- Reference date: %s (each patient is simulated from birth to death or "
                   "this date)\n- Population: %llu alive at the reference date; %llu deceased "
                   "before it are included; %llu lives simulated in all\n\n",
                   sc->path, sc->name, (unsigned long long)sc->seed, d,
                   (unsigned long long)res->living, (unsigned long long)res->deceased,
                   (unsigned long long)res->simulated);
    sim_buf_puts(&b, "## Modules and their sources\n\n");
    for (size_t i = 0; ms && i < sim_modset_count(ms); i++) {
        const sim_module *m = sim_modset_get(ms, i);
        sim_buf_printf(&b, "### %s (`%s`)\n\n", m->name ? m->name : m->key, m->path);
        if (m->header && m->header[0]) {
            const char *p = m->header;
            while (*p) {
                size_t n = strcspn(p, "\n");
                sim_buf_printf(&b, "> %.*s\n", (int)n, p);
                p += n;
                if (*p) p++;
            }
            sim_buf_putc(&b, '\n');
        }
    }
    sim_buf_puts(&b, "## Population tables\n\n");
    sim_buf_puts(&b, sim_population_sources(pop));
    sim_buf_puts(&b,
                 "\n## Known limitations\n\n"
                 "- The records hold only what the loaded modules model; everything else a real "
                 "record would hold is absent.\n"
                 "- All-cause mortality follows the US period life table (2021); disease "
                 "modules add their own deaths on top of it.\n"
                 "- Costs, payers, organizations and providers are not modelled yet: those "
                 "columns are empty or zero.\n"
                 "- Places are a subset of Massachusetts municipalities (see "
                 "modules/data/places.csv).\n\n"
                 "## Intended uses\n\nSoftware testing (EHR fixtures, ETL pipelines), "
                 "teaching, and prototyping analyses. Not for clinical decisions or for "
                 "inference about real populations beyond what the cited sources say.\n");
    return b.data;
}

sim_status sim_run(const sim_run_opts *o, sim_run_result *res, sim_error *err)
{
    const sim_scenario *sc = o->scenario;
    memset(res, 0, sizeof *res);
    sim_lifetable *lt = NULL;
    sim_population *pop = NULL;
    worker *w = NULL;
    sim_output *out = NULL;
    int handles[SIM_FILE_COUNT];
    char path[4096];
    sim_status st;

    snprintf(path, sizeof path, "%s/modules/data/lifetable_us.csv", o->root);
    if ((st = sim_lifetable_load(path, &lt, err)) != SIM_OK) goto done;
    sim_pop_opts po = sc->demographics;
    po.race_mix = sc->race_mix;
    po.nrace_mix = sc->nrace_mix;
    if ((st = sim_population_load(o->root, &po, lt, &pop, err)) != SIM_OK) goto done;
    if ((st = worker_new(o, lt, 1, &w, err)) != SIM_OK) goto done;
    if ((st = sim_output_open(sc->out_dir, sc->gzip, &out, err)) != SIM_OK) goto done;
    for (int f = 0; f < SIM_FILE_COUNT; f++) {
        handles[f] = -1;
        if (!(sc->formats & SIM_FMT_CSV)) continue;
        const sim_file_spec *fs = sim_file_spec_get((sim_file_id)f);
        handles[f] = sim_output_file(out, fs->path, fs->header, err);
        if (handles[f] < 0) {
            st = err->code ? err->code : SIM_EIO;
            goto done;
        }
    }

    sim_export_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.ms = w->ms;
    cx.end = sc->reference_date;
    cx.export_from = sc->years_of_history
                         ? sim_time_add_years(sc->reference_date, -sc->years_of_history)
                         : INT64_MIN;
    uint64_t run_key = sim_rng_run_key(sc->seed);
    int show = !o->quiet && isatty(2);
    double started = now_seconds(), last = started;
    for (uint64_t slot = 0; slot < sc->population; slot++) {
        if (o->stop && *o->stop) {
            st = sim_error_set(err, SIM_EINTR, NULL, 0, 0, "interrupted");
            goto done;
        }
        uint64_t attempt = 0;
        for (;; attempt++) {
            if (attempt >= MAX_ATTEMPTS) {
                st = sim_error_set(err, SIM_ELIMIT, sc->path, 0, 0,
                                   "slot %llu: nobody lived to the reference date in %d tries; "
                                   "are the modules killing everyone?",
                                   (unsigned long long)slot, MAX_ATTEMPTS);
                goto done;
            }
            sim_patient *p = w->patient;
            sim_patient_reset(p);
            p->slot = slot;
            p->attempt = attempt;
            p->key = sim_rng_patient_key(run_key, slot, attempt);
            p->end = sc->reference_date;
            sim_population_sample(pop, p, sc->reference_date);
            if ((st = sim_engine_run(w->engine, p, err)) != SIM_OK) goto done;
            sim_population_finish(pop, p);
            res->simulated++;
            sim_outbufs_reset(&w->out);
            if (sc->formats & SIM_FMT_CSV) sim_csv_patient(&cx, p, &w->out);
            if (sim_outbufs_oom(&w->out)) {
                st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory writing a patient");
                goto done;
            }
            for (int f = 0; f < SIM_FILE_COUNT; f++) {
                if (handles[f] < 0 || !w->out.buf[f].len) continue;
                st = sim_output_append(out, handles[f], w->out.buf[f].data, w->out.buf[f].len,
                                       w->out.rows[f], err);
                if (st != SIM_OK) goto done;
                res->records += w->out.rows[f];
            }
            if (p->death != SIM_NEVER) {
                res->deceased++;
            } else {
                res->living++;
                break;
            }
        }
        if (show) {
            double t = now_seconds();
            if (t - last > 0.25) {
                progress(slot + 1, sc->population, started, 0);
                last = t;
            }
        }
    }
    if (show) progress(sc->population, sc->population, started, 1);
done:
    if (out) {
        int complete = st == SIM_OK;
        if (complete) {
            char *card = dataset_card(o, w ? w->ms : NULL, pop, res);
            sim_status s1 = card ? sim_output_text(out, "DATASET.md", card, err)
                                 : sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            free(card);
            if (s1 != SIM_OK) {
                st = s1;
                complete = 0;
            }
        }
        json_t *meta = run_meta(o, w ? w->ms : NULL, res);
        char reason[2048];
        snprintf(reason, sizeof reason, "%s", st == SIM_OK ? "" : err->msg);
        sim_error ferr;
        sim_error_clear(&ferr);
        sim_status fs = sim_output_finish(out, meta, complete, reason, &ferr);
        json_decref(meta);
        if (fs != SIM_OK && st == SIM_OK) {
            st = fs;
            *err = ferr;
        }
        res->incomplete = !complete || fs != SIM_OK;
    }
    sim_output_free(out);
    worker_free(w);
    sim_population_free(pop);
    sim_lifetable_free(lt);
    return st;
}

static int has_modules(const char *dir)
{
    char p[PATH_MAX + 16];
    struct stat sb;
    snprintf(p, sizeof p, "%s/modules/data", dir);
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

void sim_find_root(const char *argv0, char *out, size_t outsz)
{
    const char *env = getenv("LIFESIM_HOME");
    if (env && *env) {
        snprintf(out, outsz, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (int up = 0; up < 3; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash) break;
            *slash = '\0';
            if (has_modules(exe)) {
                snprintf(out, outsz, "%s", exe);
                return;
            }
        }
    }
    (void)argv0;
    snprintf(out, outsz, "%s", LIFESIM_SOURCE_DIR);
}
