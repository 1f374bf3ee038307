/* run.c — one run from scenario to files (see include/sim_run.h).
 *
 * A worker owns everything a patient's simulation touches (Lua state, compiled modules, engine,
 * patient, output buffers); nothing is global, so workers can later run on threads. The wall
 * clock is read only for the progress line on a terminal, never for anything written.
 */
#include "sim_run.h"

#include "sim_engine.h"
#include "sim_check.h"
#include "sim_cohort.h"
#include "sim_costs.h"
#include "sim_export.h"
#include "sim_fhir.h"
#include "sim_providers.h"
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
#include <unistd.h>

#define MAX_ATTEMPTS 10000

typedef struct worker {
    sim_lua *lua;
    sim_modset *ms;
    sim_engine *engine;
    sim_patient *patient;
    sim_outbufs out; /* the append-only files */
    sim_buf bundle;  /* the patient's FHIR bundle */
    char bundle_name[256];
    uint64_t bundle_resources;
} worker;

/* utilization of the care network, counted over the run */
typedef struct tallies {
    uint64_t *org_encounters, *clin_encounters, *clin_procedures;
    double *org_revenue;
    sim_payer_tally payers[8];
    sim_time first_birth, last_birth;   /* of the patients written */
    sim_time first_record, last_record; /* encounters written */
} tallies;

static void worker_free(worker *w)
{
    if (!w) return;
    sim_engine_free(w->engine);
    sim_modset_free(w->ms);
    sim_lua_free(w->lua);
    sim_patient_free(w->patient);
    sim_outbufs_free(&w->out);
    sim_buf_free(&w->bundle);
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
    mo.origin = sc->path;
    mo.dirs_pos = sc->dirs_pos;
    mo.include_pos = sc->include_pos;
    mo.exclude_pos = sc->exclude_pos;
    mo.param_pos = sc->param_pos;
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

static json_t *span(sim_time a, sim_time b)
{
    if (a > b) return json_null();
    char d[16];
    json_t *v = json_object();
    sim_time_date(a, d);
    json_object_set_new(v, "first", json_string(d));
    sim_time_date(b, d);
    json_object_set_new(v, "last", json_string(d));
    return v;
}

static json_t *run_meta(const sim_run_opts *o, const sim_modset *ms, const tallies *tl,
                        const sim_run_result *res)
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
    if (o->scenario->keep.on)
        json_object_set_new(c, "not_kept", json_integer((json_int_t)res->rejected));
    json_object_set_new(m, "patients", c);
    json_object_set_new(m, "births", span(tl->first_birth, tl->last_birth));
    json_object_set_new(m, "encounters", span(tl->first_record, tl->last_record));
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

static void card_date(sim_buf *b, sim_time t)
{
    char d[16];
    sim_time_date(t, d);
    sim_buf_puts(b, d);
}

/* DATASET.md: how the data was made, what it holds, and what it is for */
static char *dataset_card(const sim_run_opts *o, const sim_modset *ms, const sim_population *pop,
                          const sim_costs *costs, const sim_output *out, const int *handles,
                          const tallies *tl, const sim_run_result *res)
{
    const sim_scenario *sc = o->scenario;
    sim_buf b = {0};
    char d[16];
    sim_time_date(sc->reference_date, d);
    sim_buf_printf(&b, "# Dataset card: %s\n\n", sc->name);
    if (sc->description && sc->description[0]) sim_buf_printf(&b, "%s\n\n", sc->description);
    sim_buf_printf(&b,
                   "Synthetic patient records generated by Lifesim %s. **No real person's "
                   "record was used**: every patient, encounter and value was drawn by a "
                   "simulator from published summary statistics and the rules of the modules "
                   "listed below.\n\n",
                   LIFESIM_VERSION);
    sim_buf_printf(&b,
                   "## How it was generated\n\n- Generator: Lifesim %s\n- Scenario: `%s` (%s)\n"
                   "- Seed: %llu (the same scenario and seed give the same bytes)\n"
                   "- Reference date: %s (each patient is simulated from birth to death or "
                   "this date)\n",
                   LIFESIM_VERSION, sc->path, sc->name, (unsigned long long)sc->seed, d);
    if (sc->years_of_history)
        sim_buf_printf(&b, "- History kept: the last %d years before the reference date\n",
                       sc->years_of_history);
    else
        sim_buf_puts(&b, "- History kept: each patient's whole life\n");
    if (sc->keep.on) {
        const sim_keep *k = &sc->keep;
        sim_buf_printf(&b,
                       "- Cohort: %llu patients kept (%llu alive at the reference date, %llu "
                       "deceased) out of %llu lives simulated; the %llu others were not written\n"
                       "- Kept when: %s",
                       (unsigned long long)(res->living + res->deceased),
                       (unsigned long long)res->living, (unsigned long long)res->deceased,
                       (unsigned long long)res->simulated, (unsigned long long)res->rejected,
                       k->alive == SIM_KEEP_ALIVE  ? "alive at the reference date"
                       : k->alive == SIM_KEEP_DEAD ? "dead before the reference date"
                                                   : "alive or dead");
        if (k->sex) sim_buf_printf(&b, "; sex %c", k->sex);
        if (k->age_lo >= 0) sim_buf_printf(&b, "; aged %d or more", k->age_lo);
        if (k->age_hi >= 0) sim_buf_printf(&b, "; aged %d or less", k->age_hi);
        for (size_t i = 0; i < k->nconditions; i++)
            sim_buf_printf(&b, "; condition %s%s%s %s",
                           k->conditions[i].system ? k->conditions[i].system : "",
                           k->conditions[i].system ? " " : "", k->conditions[i].code,
                           k->conditions[i].active_only ? "active at the end" : "ever recorded");
        for (size_t i = 0; i < k->nstates; i++)
            sim_buf_printf(&b, "; module %s reached %s", k->states[i].module, k->states[i].state);
        sim_buf_puts(&b, " (ages at the reference date, or at death)\n\n");
    } else {
        sim_buf_printf(&b,
                       "- Population: %llu alive at the reference date, and the %llu who died "
                       "before it on the way there; %llu lives simulated in all\n\n",
                       (unsigned long long)res->living, (unsigned long long)res->deceased,
                       (unsigned long long)res->simulated);
    }

    sim_buf_puts(&b, "## What it contains\n\n");
    sim_buf_puts(&b, "- Formats:");
    const char *sep = " ";
    if (sc->formats & SIM_FMT_CSV)
        sim_buf_printf(&b, "%sCSV in the layout of Synthea v3.3 (`csv/`)", sep), sep = "; ";
    if (sc->formats & SIM_FMT_FHIR)
        sim_buf_printf(&b, "%sFHIR R4, one transaction Bundle per patient (`fhir/`)", sep),
            sep = "; ";
    if (sc->formats & SIM_FMT_NDJSON)
        sim_buf_printf(&b,
                       "%sFHIR R4 Bulk Data NDJSON, one file per resource type "
                       "(`fhir-ndjson/`)",
                       sep);
    sim_buf_printf(&b, "%s\n", sc->gzip ? "; every file gzip-compressed" : "");
    if (tl->first_birth <= tl->last_birth) {
        sim_buf_puts(&b, "- Births: ");
        card_date(&b, tl->first_birth);
        sim_buf_puts(&b, " to ");
        card_date(&b, tl->last_birth);
        sim_buf_putc(&b, '\n');
    }
    if (tl->first_record <= tl->last_record) {
        sim_buf_puts(&b, "- Encounters: ");
        card_date(&b, tl->first_record);
        sim_buf_puts(&b, " to ");
        card_date(&b, tl->last_record);
        sim_buf_putc(&b, '\n');
    } else {
        sim_buf_puts(&b, "- Encounters: none\n");
    }
    if (sc->formats & SIM_FMT_FHIR)
        sim_buf_printf(&b, "- FHIR bundles: %llu\n",
                       (unsigned long long)(res->living + res->deceased));
    sim_buf_puts(&b, "\n| File | Rows |\n|---|---:|\n");
    for (int f = 0; f < SIM_FILE_COUNT; f++) {
        if (handles[f] < 0) continue;
        sim_buf_printf(&b, "| `%s%s` | %llu |\n", sim_file_spec_get((sim_file_id)f)->path,
                       sc->gzip ? ".gz" : "", (unsigned long long)sim_output_rows(out, handles[f]));
    }
    sim_buf_puts(&b, "\nmanifest.json lists every file with its row count and SHA-256.\n\n");

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
        } else {
            sim_buf_puts(&b, "(this module cites no sources)\n\n");
        }
    }
    sim_buf_puts(&b, "## Population tables\n\n");
    sim_buf_puts(&b, sim_population_sources(pop));
    sim_buf_puts(&b, "\n## Costs and coverage tables\n\n");
    sim_buf_puts(&b, sim_costs_sources(costs));
    sim_buf_puts(
        &b, "\n## Known limitations\n\n"
            "- The records hold only what the loaded modules model; everything else a real record "
            "would hold is absent, so rates of anything not modelled are zero, not low.\n"
            "- All-cause mortality follows the US period life table (2021); disease modules add "
            "their own deaths on top of it, so the two can double-count a cause.\n"
            "- Costs are mean US expenditures per event in nominal 2015 dollars (MEPS), not "
            "charges or contracted prices; procedures and immunizations are priced within their "
            "encounter (their own cost columns are 0). Payer shares are national averages by event "
            "type. Claims and payer transitions are not produced.\n"
            "- Insurance is drawn by age band from ACS 2017 shares and follows household income "
            "rank; it does not change with employment or disability.\n"
            "- Organizations and clinicians are synthetic, built from the places table: a primary "
            "care practice in every place, hospitals in the larger ones; names, NPIs (in the "
            "9999 test range), phone numbers (555) and addresses are fictitious.\n"
            "- Places are a subset of Massachusetts municipalities (see modules/data/places.csv), "
            "whatever the scenario's national demographics.\n"
            "- Times are in UTC; names carry Synthea-style numeric suffixes so that no synthetic "
            "name matches a real person's.\n\n"
            "## Intended uses\n\nSoftware testing (EHR fixtures, FHIR servers, ETL pipelines built "
            "for Synthea), teaching, and prototyping analyses. Not for clinical decisions, and not "
            "for inference about real populations beyond what the cited sources themselves say.\n");
    return b.data;
}

/* Renders the worker's patient in every selected format (into the worker's buffers) and counts
 * its use of the care network. */
static void render(const sim_scenario *sc, const sim_export_ctx *cx, worker *w, tallies *tl)
{
    const sim_patient *p = w->patient;
    sim_outbufs_reset(&w->out);
    sim_buf_reset(&w->bundle);
    w->bundle_resources = 0;
    if (sc->formats & SIM_FMT_CSV) sim_csv_patient(cx, p, &w->out);
    if (sc->formats & SIM_FMT_NDJSON) sim_fhir_ndjson(cx, cx->pv, p, &w->out);
    if (sc->formats & SIM_FMT_FHIR) {
        sim_fhir_bundle(cx, cx->pv, p, &w->bundle, &w->bundle_resources);
        sim_fhir_bundle_name(p, w->bundle_name, sizeof w->bundle_name);
    }
    if (p->birth < tl->first_birth) tl->first_birth = p->birth;
    if (p->birth > tl->last_birth) tl->last_birth = p->birth;
    for (size_t i = 0; i < p->encounters.n; i++) {
        const sim_encounter *e = &p->encounters.v[i];
        if (e->start < cx->export_from) continue;
        if (e->start < tl->first_record) tl->first_record = e->start;
        if (e->start > tl->last_record) tl->last_record = e->start;
        int32_t org, clin;
        sim_providers_encounter(cx->pv, p, i, &org, &clin);
        tl->org_encounters[org]++;
        tl->clin_encounters[clin]++;
        tl->org_revenue[org] += sim_costs_encounter(cx->costs, p, i).base;
    }
    sim_costs_tally(cx->costs, p, cx->export_from, cx->end, tl->payers);
    for (size_t i = 0; i < p->procedures.n; i++) {
        const sim_procedure *pr = &p->procedures.v[i];
        if (pr->start < cx->export_from || pr->encounter < 0) continue;
        int32_t org, clin;
        sim_providers_encounter(cx->pv, p, (size_t)pr->encounter, &org, &clin);
        tl->clin_procedures[clin]++;
    }
}

/* Writes what render() made, in order. */
static sim_status emit(sim_output *out, const int *handles, worker *w, sim_run_result *res,
                       sim_error *err)
{
    if (sim_outbufs_oom(&w->out) || w->bundle.oom)
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory writing a patient");
    for (int f = 0; f < SIM_FILE_COUNT; f++) {
        if (handles[f] < 0 || !w->out.buf[f].len) continue;
        sim_status st = sim_output_append(out, handles[f], w->out.buf[f].data, w->out.buf[f].len,
                                          w->out.rows[f], err);
        if (st != SIM_OK) return st;
        res->records += w->out.rows[f];
    }
    if (w->bundle.len) {
        sim_status st = sim_output_whole(out, w->bundle_name, w->bundle.data, w->bundle.len,
                                         w->bundle_resources, err);
        if (st != SIM_OK) return st;
        res->records += w->bundle_resources;
    }
    return SIM_OK;
}

sim_status sim_run(const sim_run_opts *o, sim_run_result *res, sim_error *err)
{
    const sim_scenario *sc = o->scenario;
    memset(res, 0, sizeof *res);
    sim_lifetable *lt = NULL;
    sim_population *pop = NULL;
    worker *w = NULL;
    sim_output *out = NULL;
    sim_providers *pv = NULL;
    sim_costs *costs = NULL;
    sim_cohort *cohort = NULL;
    sim_checker *checker = NULL;
    tallies tl;
    memset(&tl, 0, sizeof tl);
    tl.first_birth = tl.first_record = INT64_MAX;
    tl.last_birth = tl.last_record = INT64_MIN;
    int handles[SIM_FILE_COUNT];
    for (int f = 0; f < SIM_FILE_COUNT; f++) handles[f] = -1;
    char path[4096];
    sim_status st;

    snprintf(path, sizeof path, "%s/modules/data/lifetable_us.csv", o->root);
    if ((st = sim_lifetable_load(path, &lt, err)) != SIM_OK) goto done;
    sim_pop_opts po = sc->demographics;
    po.race_mix = sc->race_mix;
    po.nrace_mix = sc->nrace_mix;
    if (po.places_file) {
        /* a places table the scenario names must exist: say so at its line */
        snprintf(path, sizeof path, "%s/modules/data/%s", o->root, po.places_file);
        if (access(path, R_OK) != 0) {
            st = sim_error_set(
                err, SIM_EINVAL, sc->path, sc->places_pos.line, sc->places_pos.column,
                "demographics.places: there is no table modules/data/%s", po.places_file);
            goto done;
        }
    }
    /* keep: alive at an age in [lo, hi] is the Census structure within those ages: draw from it
     * directly instead of rejecting the rest */
    if (sc->keep.on && sc->keep.alive == SIM_KEEP_ALIVE && po.age_mode == SIM_AGE_US &&
        (sc->keep.age_lo >= 0 || sc->keep.age_hi >= 0)) {
        po.age_mode = SIM_AGE_RANGE;
        po.age_lo = sc->keep.age_lo >= 0 ? sc->keep.age_lo : 0;
        po.age_hi = sc->keep.age_hi >= 0 && sc->keep.age_hi < 110 ? sc->keep.age_hi : 110;
    }
    if ((st = sim_population_load(o->root, &po, lt, &pop, err)) != SIM_OK) goto done;
    if ((st = worker_new(o, lt, 1, &w, err)) != SIM_OK) goto done;
    if (o->strict && (st = sim_checker_new(o->root, &checker, err)) != SIM_OK) goto done;
    if (sc->keep.on) {
        sim_diags d;
        memset(&d, 0, sizeof d);
        st = sim_cohort_new(sc, w->ms, &cohort, &d);
        sim_diags_sort(&d);
        sim_diags_print(&d, stderr);
        if (st != SIM_OK) {
            sim_error_set(err, st, NULL, 0, 0,
                          "%zu error%s in the scenario's keep: (listed above): nothing was "
                          "simulated",
                          d.nerrors, d.nerrors == 1 ? "" : "s");
            sim_diags_free(&d);
            goto done;
        }
        sim_diags_free(&d);
    }
    if ((st = sim_providers_build(pop, &pv, err)) != SIM_OK) goto done;
    if ((st = sim_costs_load(o->root, pop, &costs, err)) != SIM_OK) goto done;
    size_t norgs = sim_providers_norgs(pv), nclin = sim_providers_nclinicians(pv);
    tl.org_encounters = calloc(norgs ? norgs : 1, sizeof *tl.org_encounters);
    tl.org_revenue = calloc(norgs ? norgs : 1, sizeof *tl.org_revenue);
    tl.clin_encounters = calloc(nclin ? nclin : 1, sizeof *tl.clin_encounters);
    tl.clin_procedures = calloc(nclin ? nclin : 1, sizeof *tl.clin_procedures);
    if (!tl.org_encounters || !tl.org_revenue || !tl.clin_encounters || !tl.clin_procedures) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    if ((st = sim_output_open(sc->out_dir, sc->gzip, &out, err)) != SIM_OK) goto done;
    for (int f = 0; f < SIM_FILE_COUNT; f++) {
        handles[f] = -1;
        const sim_file_spec *fs = sim_file_spec_get((sim_file_id)f);
        if (!(sc->formats & fs->format)) continue;
        handles[f] = sim_output_file(out, fs->path, fs->header, err);
        if (handles[f] < 0) {
            st = err->code ? err->code : SIM_EIO;
            goto done;
        }
    }

    sim_export_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.ms = w->ms;
    cx.pv = pv;
    cx.costs = costs;
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
        uint64_t attempt = 0, max_attempts = cohort ? sc->keep.max_attempts : MAX_ATTEMPTS;
        for (;; attempt++) {
            if (attempt >= max_attempts) {
                if (cohort)
                    st = sim_error_set(
                        err, SIM_ELIMIT, sc->path, sc->keep.pos.line, sc->keep.pos.column,
                        "keep: no patient met the criteria in %llu lives (patient "
                        "%llu of %llu); loosen them, or raise keep.max_attempts",
                        (unsigned long long)max_attempts, (unsigned long long)slot + 1,
                        (unsigned long long)sc->population);
                else
                    st = sim_error_set(err, SIM_ELIMIT, sc->path, 0, 0,
                                       "slot %llu: nobody lived to the reference date in %d "
                                       "tries; are the modules killing everyone?",
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
            if (checker && (st = sim_check_patient(checker, w->ms, p, err)) != SIM_OK) {
                /* say which patient, so the module author can replay it */
                size_t l = strlen(err->msg);
                snprintf(err->msg + l, sizeof err->msg - l,
                         "; patient %llu (attempt %llu), seed %llu", (unsigned long long)slot + 1,
                         (unsigned long long)attempt, (unsigned long long)sc->seed);
                goto done;
            }
            int dead = p->death != SIM_NEVER;
            if (cohort) {
                /* a cohort: only the kept are written, until there are as many as asked */
                if (!sim_cohort_keeps(cohort, p, w->engine)) {
                    res->rejected++;
                    if (o->stop && *o->stop) break;
                    continue;
                }
            }
            render(sc, &cx, w, &tl);
            if ((st = emit(out, handles, w, res, err)) != SIM_OK) goto done;
            if (dead)
                res->deceased++;
            else
                res->living++;
            if (cohort || !dead) break;
        }
        if (show) {
            double t = now_seconds();
            if (t - last > 0.25) {
                progress(slot + 1, sc->population, started, 0);
                last = t;
            }
        }
    }
    /* the care network, once, with what the run counted */
    sim_outbufs_reset(&w->out);
    if (sc->formats & SIM_FMT_CSV) {
        sim_csv_network(pv, tl.org_encounters, tl.org_revenue, tl.clin_encounters,
                        tl.clin_procedures, &w->out);
        sim_costs_csv(costs, tl.payers, &w->out);
    }
    if (sc->formats & SIM_FMT_NDJSON) sim_fhir_network_ndjson(pv, &w->out);
    w->bundle.len = 0;
    if ((st = emit(out, handles, w, res, err)) != SIM_OK) goto done;
    if (show) progress(sc->population, sc->population, started, 1);
done:
    if (out) {
        int complete = st == SIM_OK;
        if (complete) {
            char *card = dataset_card(o, w ? w->ms : NULL, pop, costs, out, handles, &tl, res);
            sim_status s1 = card ? sim_output_text(out, "DATASET.md", card, err)
                                 : sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            free(card);
            if (s1 != SIM_OK) {
                st = s1;
                complete = 0;
            }
        }
        json_t *meta = run_meta(o, w ? w->ms : NULL, &tl, res);
        char reason[3072] = "";
        if (st != SIM_OK) sim_error_format(err, reason, sizeof reason);
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
    sim_providers_free(pv);
    sim_costs_free(costs);
    sim_cohort_free(cohort);
    sim_checker_free(checker);
    free(tl.org_encounters);
    free(tl.org_revenue);
    free(tl.clin_encounters);
    free(tl.clin_procedures);
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
