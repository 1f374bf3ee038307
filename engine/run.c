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
#include "sim_summary.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <zlib.h>
#include <errno.h>
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
} worker;

/* utilization of the care network, counted over the run: integers only, so that the sum over
 * threads (or shards) is the same whatever the split */
typedef struct tallies {
    uint64_t *org_encounters, *clin_encounters, *clin_procedures;
    int64_t *org_revenue_cents;
    sim_payer_tally payers[8];
    sim_time first_birth, last_birth;   /* of the patients written */
    sim_time first_record, last_record; /* encounters written */
    uint64_t *summary;                  /* the cohort summary's counts (sim_summary.h) */
    size_t nsummary;
} tallies;

static int tallies_init(tallies *t, size_t norgs, size_t nclin, size_t nsummary)
{
    memset(t, 0, sizeof *t);
    t->nsummary = nsummary;
    t->summary = calloc(nsummary ? nsummary : 1, sizeof *t->summary);
    t->first_birth = t->first_record = INT64_MAX;
    t->last_birth = t->last_record = INT64_MIN;
    t->org_encounters = calloc(norgs ? norgs : 1, sizeof *t->org_encounters);
    t->org_revenue_cents = calloc(norgs ? norgs : 1, sizeof *t->org_revenue_cents);
    t->clin_encounters = calloc(nclin ? nclin : 1, sizeof *t->clin_encounters);
    t->clin_procedures = calloc(nclin ? nclin : 1, sizeof *t->clin_procedures);
    return t->org_encounters && t->org_revenue_cents && t->clin_encounters && t->clin_procedures &&
                   t->summary
               ? 0
               : -1;
}

static void tallies_free(tallies *t)
{
    free(t->org_encounters);
    free(t->org_revenue_cents);
    free(t->clin_encounters);
    free(t->clin_procedures);
    free(t->summary);
}

static void tallies_add(tallies *a, const tallies *b, size_t norgs, size_t nclin)
{
    for (size_t i = 0; i < norgs; i++) {
        a->org_encounters[i] += b->org_encounters[i];
        a->org_revenue_cents[i] += b->org_revenue_cents[i];
    }
    for (size_t i = 0; i < nclin; i++) {
        a->clin_encounters[i] += b->clin_encounters[i];
        a->clin_procedures[i] += b->clin_procedures[i];
    }
    for (int i = 0; i < 8; i++) sim_payer_tally_add(&a->payers[i], &b->payers[i]);
    for (size_t i = 0; i < a->nsummary; i++) a->summary[i] += b->summary[i];
    if (b->first_birth < a->first_birth) a->first_birth = b->first_birth;
    if (b->last_birth > a->last_birth) a->last_birth = b->last_birth;
    if (b->first_record < a->first_record) a->first_record = b->first_record;
    if (b->last_record > a->last_record) a->last_record = b->last_record;
}

static void worker_free(worker *w)
{
    if (!w) return;
    sim_engine_free(w->engine);
    sim_modset_free(w->ms);
    sim_lua_free(w->lua);
    sim_patient_free(w->patient);
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
    sim_status st = sim_modset_load_reported(w->lua, &mo, &w->ms, stderr, report,
                                             ": nothing was simulated", err);
    if (st != SIM_OK) {
        worker_free(w);
        return st;
    }
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

/* The top-level modules, and the submodules they can call (directly or through others): a
 * submodule no loaded module calls is not part of the dataset. One flag per module (free it);
 * NULL when out of memory. */
static unsigned char *modules_used(const sim_modset *ms)
{
    size_t nm = ms ? sim_modset_count(ms) : 0;
    unsigned char *used = calloc(nm ? nm : 1, 1);
    if (!used) return NULL;
    for (size_t i = 0; i < nm; i++) used[i] = !sim_modset_get(ms, i)->submodule;
    for (int grew = 1; grew;) {
        grew = 0;
        for (size_t i = 0; i < nm; i++) {
            if (!used[i]) continue;
            const sim_module *m = sim_modset_get(ms, i);
            for (int32_t k = 0; k < m->nstates; k++) {
                int32_t sub = m->states[k].type == SIM_ST_CALLSUBMODULE ? m->states[k].submodule : -1;
                if (sub >= 0 && (size_t)sub < nm && !used[sub]) used[sub] = 1, grew = 1;
            }
        }
    }
    return used;
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
    unsigned char *used = modules_used(ms);
    for (size_t i = 0; ms && used && i < sim_modset_count(ms); i++) {
        if (!used[i]) continue;
        const sim_module *mod = sim_modset_get(ms, i);
        json_t *e = json_object();
        json_object_set_new(e, "key", json_string(mod->key));
        json_object_set_new(e, "name", json_string(mod->name ? mod->name : ""));
        json_object_set_new(e, "path", json_string(mod->path));
        if (mod->submodule) json_object_set_new(e, "submodule", json_true());
        json_array_append_new(mods, e);
    }
    free(used);
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
/* the criteria of keep: or of a group of keep.each, for the card ("; sex F; ...") */
static void card_criteria(sim_buf *b, const sim_keep *k)
{
    const char *sep = k->name ? "" : "; ";
    if (k->sex) sim_buf_printf(b, "%ssex %c", sep, k->sex), sep = "; ";
    if (k->age_lo >= 0) sim_buf_printf(b, "%saged %d or more", sep, k->age_lo), sep = "; ";
    if (k->age_hi >= 0) sim_buf_printf(b, "%saged %d or less", sep, k->age_hi), sep = "; ";
    for (size_t i = 0; i < k->nconditions; i++, sep = "; ")
        sim_buf_printf(b, "%scondition %s%s%s %s", sep,
                       k->conditions[i].system ? k->conditions[i].system : "",
                       k->conditions[i].system ? " " : "", k->conditions[i].code,
                       k->conditions[i].active_only ? "active at the end" : "ever recorded");
    for (size_t i = 0; i < k->nstates; i++, sep = "; ")
        sim_buf_printf(b, "%smodule %s reached %s", sep, k->states[i].module, k->states[i].state);
}

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
        card_criteria(&b, k);
        if (k->ngroups) {
            sim_buf_printf(&b, "; and the patients dealt in turn to %zu groups:", k->ngroups);
            for (size_t g = 0; g < k->ngroups; g++) {
                sim_buf_printf(&b, "%s %s (", g ? ";" : "", k->groups[g].name);
                card_criteria(&b, &k->groups[g]);
                sim_buf_puts(&b, ")");
            }
        }
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
    size_t nm = ms ? sim_modset_count(ms) : 0;
    unsigned char *used = modules_used(ms);
    if (!used) {
        sim_buf_free(&b);
        return NULL;
    }
    for (size_t i = 0; i < nm; i++) {
        if (!used[i]) continue;
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
    free(used);
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

/* ---- shards ---- */

#define SHARD_FILE ".shard.json"

static json_t *u64_array(const uint64_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer((json_int_t)v[i]));
    return a;
}

static json_t *i64_array(const int64_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer((json_int_t)v[i]));
    return a;
}

/* what merge needs from a shard: the scenario as run, its counts and its tallies */
static char *shard_state(const sim_run_opts *o, const tallies *tl, const sim_run_result *res,
                         size_t norgs, size_t nclin)
{
    const sim_scenario *sc = o->scenario;
    json_t *j = json_object();
    json_object_set_new(j, "lifesim", json_string(LIFESIM_VERSION));
    json_object_set_new(j, "index", json_integer(o->shard_index));
    json_object_set_new(j, "count", json_integer(o->shard_count));
    json_object_set_new(j, "scenario_path", json_string(sc->path));
    json_object_set_new(j, "scenario_text", json_stringn(sc->text, sc->len));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        sim_scenario_print(sc, f);
        fclose(f);
    }
    /* where each shard writes is its own business: not part of the run */
    char *fl = buf ? strstr(buf, "\n  folder: ") : NULL;
    if (fl) {
        char *eol = strchr(fl + 1, '\n');
        if (eol) {
            memmove(fl, eol, strlen(eol) + 1);
            len = strlen(buf);
        }
    }
    json_object_set_new(j, "resolved", json_stringn(buf ? buf : "", len));
    free(buf);
    json_t *pc = json_object();
    json_object_set_new(pc, "living", json_integer((json_int_t)res->living));
    json_object_set_new(pc, "deceased", json_integer((json_int_t)res->deceased));
    json_object_set_new(pc, "simulated", json_integer((json_int_t)res->simulated));
    json_object_set_new(pc, "rejected", json_integer((json_int_t)res->rejected));
    json_object_set_new(j, "patients", pc);
    json_t *t = json_object();
    json_object_set_new(t, "org_encounters", u64_array(tl->org_encounters, norgs));
    json_object_set_new(t, "org_revenue_cents", i64_array(tl->org_revenue_cents, norgs));
    json_object_set_new(t, "clin_encounters", u64_array(tl->clin_encounters, nclin));
    json_object_set_new(t, "clin_procedures", u64_array(tl->clin_procedures, nclin));
    json_t *pays = json_array();
    for (int i = 0; i < 8; i++) {
        const sim_payer_tally *x = &tl->payers[i];
        int64_t v[12] = {x->covered_cents,
                         x->uncovered_cents,
                         (int64_t)x->covered_encounters,
                         (int64_t)x->uncovered_encounters,
                         (int64_t)x->covered_medications,
                         (int64_t)x->uncovered_medications,
                         (int64_t)x->covered_procedures,
                         (int64_t)x->uncovered_procedures,
                         (int64_t)x->covered_immunizations,
                         (int64_t)x->uncovered_immunizations,
                         (int64_t)x->customers,
                         x->member_ms};
        json_array_append_new(pays, i64_array(v, 12));
    }
    json_object_set_new(t, "payers", pays);
    int64_t spans[4] = {tl->first_birth, tl->last_birth, tl->first_record, tl->last_record};
    json_object_set_new(t, "spans", i64_array(spans, 4));
    json_object_set_new(t, "summary", u64_array(tl->summary, tl->nsummary));
    json_object_set_new(j, "tallies", t);
    char *text = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(j);
    return text;
}

/* adds a shard's tallies into tl; -1 when they do not fit this run's care network */
static int shard_tallies_add(tallies *tl, json_t *t, size_t norgs, size_t nclin)
{
    json_t *oe = json_object_get(t, "org_encounters"),
           *orv = json_object_get(t, "org_revenue_cents"),
           *ce = json_object_get(t, "clin_encounters"), *cp = json_object_get(t, "clin_procedures"),
           *pays = json_object_get(t, "payers"), *spans = json_object_get(t, "spans"),
           *sum = json_object_get(t, "summary");
    if (json_array_size(sum) != tl->nsummary) return -1;
    for (size_t i = 0; i < tl->nsummary; i++)
        tl->summary[i] += (uint64_t)json_integer_value(json_array_get(sum, i));
    if (json_array_size(oe) != norgs || json_array_size(orv) != norgs ||
        json_array_size(ce) != nclin || json_array_size(cp) != nclin ||
        json_array_size(pays) != 8 || json_array_size(spans) != 4)
        return -1;
    for (size_t i = 0; i < norgs; i++) {
        tl->org_encounters[i] += (uint64_t)json_integer_value(json_array_get(oe, i));
        tl->org_revenue_cents[i] += json_integer_value(json_array_get(orv, i));
    }
    for (size_t i = 0; i < nclin; i++) {
        tl->clin_encounters[i] += (uint64_t)json_integer_value(json_array_get(ce, i));
        tl->clin_procedures[i] += (uint64_t)json_integer_value(json_array_get(cp, i));
    }
    for (size_t i = 0; i < 8; i++) {
        json_t *v = json_array_get(pays, i);
        if (json_array_size(v) != 12) return -1;
        sim_payer_tally x;
#define G(k) json_integer_value(json_array_get(v, k))
        x.covered_cents = G(0);
        x.uncovered_cents = G(1);
        x.covered_encounters = (uint64_t)G(2);
        x.uncovered_encounters = (uint64_t)G(3);
        x.covered_medications = (uint64_t)G(4);
        x.uncovered_medications = (uint64_t)G(5);
        x.covered_procedures = (uint64_t)G(6);
        x.uncovered_procedures = (uint64_t)G(7);
        x.covered_immunizations = (uint64_t)G(8);
        x.uncovered_immunizations = (uint64_t)G(9);
        x.customers = (uint64_t)G(10);
        x.member_ms = G(11);
#undef G
        sim_payer_tally_add(&tl->payers[i], &x);
    }
    tallies b;
    memset(&b, 0, sizeof b);
    b.first_birth = json_integer_value(json_array_get(spans, 0));
    b.last_birth = json_integer_value(json_array_get(spans, 1));
    b.first_record = json_integer_value(json_array_get(spans, 2));
    b.last_record = json_integer_value(json_array_get(spans, 3));
    if (b.first_birth < tl->first_birth) tl->first_birth = b.first_birth;
    if (b.last_birth > tl->last_birth) tl->last_birth = b.last_birth;
    if (b.first_record < tl->first_record) tl->first_record = b.first_record;
    if (b.last_record > tl->last_record) tl->last_record = b.last_record;
    return 0;
}

/* ---- the work of one population slot ---- */

typedef struct bundle_out {
    char name[256];
    sim_buf data;
    uint64_t resources;
} bundle_out;

/* what a slot produced, waiting to be written in slot order */
typedef struct slot_out {
    int ready;
    sim_status st;
    sim_error err;
    sim_outbufs out;
    bundle_out *bundles;
    size_t nb, cap;
    uint64_t living, deceased, simulated, rejected;
} slot_out;

static void slot_out_reset(slot_out *so)
{
    so->st = SIM_OK;
    sim_error_clear(&so->err);
    sim_outbufs_reset(&so->out);
    for (size_t i = 0; i < so->nb; i++) sim_buf_reset(&so->bundles[i].data);
    so->nb = 0;
    so->living = so->deceased = so->simulated = so->rejected = 0;
}

static void slot_out_free(slot_out *so)
{
    sim_outbufs_free(&so->out);
    for (size_t i = 0; i < so->cap; i++) sim_buf_free(&so->bundles[i].data);
    free(so->bundles);
}

/* Renders a patient in every selected format into the slot's buffers and counts its use of the
 * care network. */
static int render(const sim_scenario *sc, const sim_export_ctx *cx, const sim_patient *p,
                  slot_out *so, tallies *tl)
{
    if (sc->formats & SIM_FMT_CSV) sim_csv_patient(cx, p, &so->out);
    if (sc->formats & SIM_FMT_NDJSON) sim_fhir_ndjson(cx, cx->pv, p, &so->out);
    if (sc->formats & SIM_FMT_FHIR) {
        if (so->nb == so->cap) {
            size_t nc = so->cap ? 2 * so->cap : 2;
            bundle_out *nv = realloc(so->bundles, nc * sizeof *nv);
            if (!nv) return -1;
            memset(nv + so->cap, 0, (nc - so->cap) * sizeof *nv);
            so->bundles = nv;
            so->cap = nc;
        }
        bundle_out *b = &so->bundles[so->nb++];
        b->resources = 0;
        sim_fhir_bundle(cx, cx->pv, p, &b->data, &b->resources);
        sim_fhir_bundle_name(p, b->name, sizeof b->name);
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
        tl->org_revenue_cents[org] += llround(sim_costs_encounter(cx->costs, p, i).base * 100);
    }
    sim_costs_tally(cx->costs, p, cx->export_from, cx->end, tl->payers);
    for (size_t i = 0; i < p->procedures.n; i++) {
        const sim_procedure *pr = &p->procedures.v[i];
        if (pr->start < cx->export_from || pr->encounter < 0) continue;
        int32_t org, clin;
        sim_providers_encounter(cx->pv, p, (size_t)pr->encounter, &org, &clin);
        tl->clin_procedures[clin]++;
    }
    return 0;
}

/* Writes what a slot made, in order. */
static sim_status emit(sim_output *out, const int *handles, const slot_out *so, sim_run_result *res,
                       sim_error *err)
{
    if (sim_outbufs_oom(&so->out))
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory writing a patient");
    for (int f = 0; f < SIM_FILE_COUNT; f++) {
        if (handles[f] < 0 || !so->out.buf[f].len) continue;
        sim_status st = sim_output_append(out, handles[f], so->out.buf[f].data, so->out.buf[f].len,
                                          so->out.rows[f], err);
        if (st != SIM_OK) return st;
        res->records += so->out.rows[f];
    }
    for (size_t i = 0; i < so->nb; i++) {
        const bundle_out *b = &so->bundles[i];
        if (b->data.oom)
            return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory writing a patient");
        sim_status st =
            sim_output_whole(out, b->name, b->data.data, b->data.len, b->resources, err);
        if (st != SIM_OK) return st;
        res->records += b->resources;
    }
    return SIM_OK;
}

/* what the workers share */
typedef struct shared {
    const sim_run_opts *o;
    const sim_scenario *sc;
    const sim_population *pop;
    const sim_cohort *cohort;
    const sim_summary *summary;
    const sim_checker *checker;
    uint64_t run_key;
    uint64_t first, last; /* the slots of this run: [first, last) */
    pthread_mutex_t mu;
    pthread_cond_t cv_ready, cv_free;
    uint64_t next;    /* the next slot a worker takes */
    uint64_t emitted; /* slots written so far, from first */
    int abort;
    slot_out *ring;
    size_t nring;
} shared;

typedef struct wctx {
    shared *sh;
    worker *w;
    tallies tl;
    sim_export_ctx cx;
    pthread_t th;
    int started;
} wctx;

/* Simulates one slot: lives until one is written (alive at the reference date, or kept). */
static void simulate_slot(wctx *wc, uint64_t slot, slot_out *so)
{
    shared *sh = wc->sh;
    const sim_scenario *sc = sh->sc;
    worker *w = wc->w;
    uint64_t max_attempts = sh->cohort ? sc->keep.max_attempts : MAX_ATTEMPTS;
    sim_error *err = &so->err;
    for (uint64_t attempt = 0;; attempt++) {
        if (attempt >= max_attempts) {
            const sim_keep *g =
                sc->keep.ngroups ? &sc->keep.groups[slot % sc->keep.ngroups] : &sc->keep;
            if (sh->cohort)
                so->st = sim_error_set(
                    err, SIM_ELIMIT, sc->path, g->pos.line, g->pos.column,
                    "keep: no patient met the criteria%s%s%s in %llu lives (patient %llu of %llu); "
                    "loosen them, or raise keep.max_attempts",
                    g->name ? " of the group '" : "", g->name ? g->name : "", g->name ? "'" : "",
                    (unsigned long long)max_attempts, (unsigned long long)slot + 1,
                    (unsigned long long)sc->population);
            else
                so->st = sim_error_set(err, SIM_ELIMIT, sc->path, 0, 0,
                                       "slot %llu: nobody lived to the reference date in %d "
                                       "tries; are the modules killing everyone?",
                                       (unsigned long long)slot, MAX_ATTEMPTS);
            return;
        }
        if (sh->abort) return;
        sim_patient *p = w->patient;
        sim_patient_reset(p);
        p->slot = slot;
        p->attempt = attempt;
        p->key = sim_rng_patient_key(sh->run_key, slot, attempt);
        p->end = sc->reference_date;
        sim_population_sample(sh->pop, p, sc->reference_date);
        if ((so->st = sim_engine_run(w->engine, p, err)) != SIM_OK) return;
        sim_population_finish(sh->pop, p);
        so->simulated++;
        if (sh->checker && (so->st = sim_check_patient(sh->checker, w->ms, p, err)) != SIM_OK) {
            /* say which patient, so the module author can replay it */
            size_t l = strlen(err->msg);
            snprintf(err->msg + l, sizeof err->msg - l, "; patient %llu (attempt %llu), seed %llu",
                     (unsigned long long)slot + 1, (unsigned long long)attempt,
                     (unsigned long long)sc->seed);
            return;
        }
        int dead = p->death != SIM_NEVER;
        if (sh->cohort && !sim_cohort_keeps(sh->cohort, p, w->engine)) {
            /* a cohort: only the kept are written, until there are as many as asked */
            so->rejected++;
            continue;
        }
        if (render(sc, &wc->cx, p, so, &wc->tl) != 0) {
            so->st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            return;
        }
        sim_summary_add(sh->summary, wc->tl.summary, p, w->engine);
        if (dead)
            so->deceased++;
        else
            so->living++;
        if (sh->cohort || !dead) return;
    }
}

static void *worker_main(void *arg)
{
    wctx *wc = arg;
    shared *sh = wc->sh;
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        while (!sh->abort && sh->next < sh->last && sh->next - sh->first >= sh->emitted + sh->nring)
            pthread_cond_wait(&sh->cv_free, &sh->mu);
        if (sh->abort || sh->next >= sh->last) {
            pthread_mutex_unlock(&sh->mu);
            break;
        }
        uint64_t slot = sh->next++;
        slot_out *so = &sh->ring[(slot - sh->first) % sh->nring];
        pthread_mutex_unlock(&sh->mu);
        slot_out_reset(so);
        simulate_slot(wc, slot, so);
        pthread_mutex_lock(&sh->mu);
        so->ready = 1;
        pthread_cond_broadcast(&sh->cv_ready);
        pthread_mutex_unlock(&sh->mu);
    }
    return NULL;
}

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* the scenario's cohort summary resolved against the modules (NULL when it has none) */
static sim_status summary_new(const sim_scenario *sc, const sim_modset *ms, sim_summary **out,
                              sim_error *err)
{
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_status st = sim_summary_new(sc, ms, out, &d);
    sim_diags_sort(&d);
    sim_diags_print(&d, stderr);
    if (st == SIM_EINVAL)
        sim_error_set(err, st, NULL, 0, 0,
                      "%zu error%s in the scenario's summary: (listed above): nothing was simulated",
                      d.nerrors, d.nerrors == 1 ? "" : "s");
    else if (st != SIM_OK)
        sim_error_set(err, st, NULL, 0, 0, "out of memory");
    sim_diags_free(&d);
    return st;
}

/* The end of a run or a merge: with everything written (st == SIM_OK), the dataset card — or, for
 * one shard of a sharded run, the shard's state for lifesim merge (shard_state not NULL) — then the
 * manifest, complete or not, with the reason of a failure. Returns the run's final status. */
static sim_status finish_output(const sim_run_opts *o, const sim_modset *ms,
                                const sim_population *pop, const sim_costs *costs,
                                const sim_summary *sum, sim_output *out, const int *handles,
                                const tallies *tl, sim_run_result *res, const char *shard_state,
                                sim_status st, sim_error *err)
{
    int complete = st == SIM_OK;
    /* the cohort summary, when the scenario asks for one (a shard's is in its state) */
    if (complete && sum && !shard_state) {
        char *md = sim_summary_markdown(sum, tl->summary), *js = sim_summary_json(sum, tl->summary);
        sim_status s1 = md && js ? sim_output_text(out, "COHORT.md", md, err)
                                 : sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        if (s1 == SIM_OK) s1 = sim_output_text(out, "cohort.json", js, err);
        free(md);
        free(js);
        if (s1 != SIM_OK) {
            st = s1;
            complete = 0;
        }
    }
    if (complete) {
        char *card = shard_state ? NULL : dataset_card(o, ms, pop, costs, out, handles, tl, res);
        const char *text = shard_state ? shard_state : card;
        sim_status s1 = text ? sim_output_text(out, shard_state ? SHARD_FILE : "DATASET.md", text, err)
                             : sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        free(card);
        if (s1 != SIM_OK) {
            st = s1;
            complete = 0;
        }
    }
    json_t *meta = run_meta(o, ms, tl, res);
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
    return st;
}

sim_status sim_run(const sim_run_opts *o, sim_run_result *res, sim_error *err)
{
    const sim_scenario *sc = o->scenario;
    memset(res, 0, sizeof *res);
    sim_lifetable *lt = NULL;
    sim_population *pop = NULL;
    sim_output *out = NULL;
    sim_providers *pv = NULL;
    sim_costs *costs = NULL;
    sim_cohort *cohort = NULL;
    sim_summary *summary = NULL;
    sim_checker *checker = NULL;
    wctx *wcs = NULL;
    int nthreads = 0;
    shared sh;
    memset(&sh, 0, sizeof sh);
    int sync_ok = 0;
    tallies tl;
    memset(&tl, 0, sizeof tl);
    size_t norgs = 0, nclin = 0;
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
    /* the slots of this run: all, or one shard's contiguous share */
    sh.first = 0;
    sh.last = sc->population;
    if (o->shard_count > 1) {
        sh.first = sc->population * (uint64_t)o->shard_index / (uint64_t)o->shard_count;
        sh.last = sc->population * (uint64_t)(o->shard_index + 1) / (uint64_t)o->shard_count;
    }
    uint64_t nslots = sh.last - sh.first;
    nthreads = sc->threads > 0 ? sc->threads : cores();
    if ((uint64_t)nthreads > nslots) nthreads = nslots ? (int)nslots : 1;
    if (nthreads > 256) nthreads = 256;
    wcs = calloc((size_t)nthreads, sizeof *wcs);
    if (!wcs) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    /* one Lua state, module set and engine per worker */
    for (int i = 0; i < nthreads; i++)
        if ((st = worker_new(o, lt, i == 0, &wcs[i].w, err)) != SIM_OK) goto done;
    worker *w0 = wcs[0].w;
    if (o->strict && (st = sim_checker_new(o->root, &checker, err)) != SIM_OK) goto done;
    if (sc->keep.on) {
        sim_diags d;
        memset(&d, 0, sizeof d);
        st = sim_cohort_new(sc, w0->ms, &cohort, &d);
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
    if ((st = summary_new(sc, w0->ms, &summary, err)) != SIM_OK) goto done;
    if ((st = sim_providers_build(pop, &pv, err)) != SIM_OK) goto done;
    if ((st = sim_costs_load(o->root, pop, &costs, err)) != SIM_OK) goto done;
    norgs = sim_providers_norgs(pv);
    nclin = sim_providers_nclinicians(pv);
    if (tallies_init(&tl, norgs, nclin, sim_summary_size(summary)) != 0) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (int i = 0; i < nthreads; i++) {
        if (tallies_init(&wcs[i].tl, norgs, nclin, sim_summary_size(summary)) != 0) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        sim_export_ctx *cx = &wcs[i].cx;
        cx->ms = wcs[i].w->ms;
        cx->pv = pv;
        cx->costs = costs;
        cx->end = sc->reference_date;
        cx->export_from = sc->years_of_history
                              ? sim_time_add_years(sc->reference_date, -sc->years_of_history)
                              : INT64_MIN;
    }
    if ((st = sim_output_open(sc->out_dir, sc->gzip, &out, err)) != SIM_OK) goto done;
    for (int f = 0; f < SIM_FILE_COUNT; f++) {
        const sim_file_spec *fs = sim_file_spec_get((sim_file_id)f);
        if (!(sc->formats & fs->format)) continue;
        /* a shard writes its share of the rows; merge adds the header and the network */
        handles[f] = sim_output_file(out, fs->path, o->shard_count > 1 ? NULL : fs->header, err);
        if (handles[f] < 0) {
            st = err->code ? err->code : SIM_EIO;
            goto done;
        }
    }

    /* the workers simulate slots in any order; the slots are written in order */
    sh.o = o;
    sh.sc = sc;
    sh.pop = pop;
    sh.cohort = cohort;
    sh.summary = summary;
    sh.checker = checker;
    sh.run_key = sim_rng_run_key(sc->seed);
    sh.next = sh.first;
    sh.nring = (size_t)nthreads * 4;
    sh.ring = calloc(sh.nring, sizeof *sh.ring);
    if (!sh.ring || pthread_mutex_init(&sh.mu, NULL) || pthread_cond_init(&sh.cv_ready, NULL) ||
        pthread_cond_init(&sh.cv_free, NULL)) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "cannot start the workers");
        goto done;
    }
    sync_ok = 1;
    for (int i = 0; i < nthreads; i++) {
        wcs[i].sh = &sh;
        if (pthread_create(&wcs[i].th, NULL, worker_main, &wcs[i]) != 0) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "cannot start worker thread %d", i);
            pthread_mutex_lock(&sh.mu);
            sh.abort = 1;
            pthread_cond_broadcast(&sh.cv_free);
            pthread_mutex_unlock(&sh.mu);
            goto done;
        }
        wcs[i].started = 1;
    }
    int show = !o->quiet && isatty(2);
    double started = now_seconds(), last = started;
    for (uint64_t s = sh.first; s < sh.last && st == SIM_OK; s++) {
        slot_out *so = &sh.ring[(s - sh.first) % sh.nring];
        pthread_mutex_lock(&sh.mu);
        while (!so->ready) {
            if (o->stop && *o->stop) break;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&sh.cv_ready, &sh.mu, &ts);
        }
        int ready = so->ready;
        pthread_mutex_unlock(&sh.mu);
        if (!ready) {
            st = sim_error_set(err, SIM_EINTR, NULL, 0, 0, "interrupted");
            break;
        }
        if (so->st != SIM_OK) {
            st = so->st;
            *err = so->err;
            break;
        }
        if ((st = emit(out, handles, so, res, err)) != SIM_OK) break;
        res->living += so->living;
        res->deceased += so->deceased;
        res->simulated += so->simulated;
        res->rejected += so->rejected;
        pthread_mutex_lock(&sh.mu);
        so->ready = 0;
        sh.emitted = s + 1 - sh.first;
        pthread_cond_broadcast(&sh.cv_free);
        pthread_mutex_unlock(&sh.mu);
        if (show) {
            double t = now_seconds();
            if (t - last > 0.25) {
                progress(s + 1 - sh.first, nslots, started, 0);
                last = t;
            }
        }
        if (o->stop && *o->stop) {
            st = sim_error_set(err, SIM_EINTR, NULL, 0, 0, "interrupted");
            break;
        }
    }
    if (st != SIM_OK) {
        pthread_mutex_lock(&sh.mu);
        sh.abort = 1;
        pthread_cond_broadcast(&sh.cv_free);
        pthread_mutex_unlock(&sh.mu);
    }
    for (int i = 0; i < nthreads; i++)
        if (wcs[i].started) {
            pthread_join(wcs[i].th, NULL);
            wcs[i].started = 0;
        }
    if (st != SIM_OK) goto done;
    for (int i = 0; i < nthreads; i++) tallies_add(&tl, &wcs[i].tl, norgs, nclin);
    if (o->shard_count <= 1) {
        /* the care network, once, with what the run counted */
        slot_out net;
        memset(&net, 0, sizeof net);
        if (sc->formats & SIM_FMT_CSV) {
            sim_csv_network(pv, tl.org_encounters, tl.org_revenue_cents, tl.clin_encounters,
                            tl.clin_procedures, &net.out);
            sim_costs_csv(costs, tl.payers, &net.out);
        }
        if (sc->formats & SIM_FMT_NDJSON) sim_fhir_network_ndjson(pv, &net.out);
        st = emit(out, handles, &net, res, err);
        slot_out_free(&net);
        if (st != SIM_OK) goto done;
    }
    if (show) progress(nslots, nslots, started, 1);
done:
    if (wcs && st != SIM_OK && sync_ok) {
        pthread_mutex_lock(&sh.mu);
        sh.abort = 1;
        pthread_cond_broadcast(&sh.cv_free);
        pthread_mutex_unlock(&sh.mu);
        for (int i = 0; i < nthreads; i++)
            if (wcs[i].started) pthread_join(wcs[i].th, NULL);
    }
    if (out) {
        worker *wm = wcs && nthreads ? wcs[0].w : NULL;
        /* one shard of several leaves its state for lifesim merge instead of a dataset card */
        char *state = NULL;
        if (st == SIM_OK && o->shard_count > 1 &&
            !(state = shard_state(o, &tl, res, norgs, nclin)))
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        st = finish_output(o, wm ? wm->ms : NULL, pop, costs, summary, out, handles, &tl, res,
                           state, st, err);
        free(state);
    }
    sim_output_free(out);
    if (sync_ok) {
        pthread_mutex_destroy(&sh.mu);
        pthread_cond_destroy(&sh.cv_ready);
        pthread_cond_destroy(&sh.cv_free);
    }
    for (size_t i = 0; sh.ring && i < sh.nring; i++) slot_out_free(&sh.ring[i]);
    free(sh.ring);
    for (int i = 0; wcs && i < nthreads; i++) {
        worker_free(wcs[i].w);
        tallies_free(&wcs[i].tl);
    }
    free(wcs);
    sim_providers_free(pv);
    sim_costs_free(costs);
    sim_cohort_free(cohort);
    sim_summary_free(summary);
    sim_checker_free(checker);
    tallies_free(&tl);
    sim_population_free(pop);
    sim_lifetable_free(lt);
    return st;
}

/* ---- merge ---- */

typedef struct shard_in {
    char *dir;
    json_t *manifest, *state;
    int index;
} shard_in;

static int cmp_shard(const void *a, const void *b)
{
    return ((const shard_in *)a)->index - ((const shard_in *)b)->index;
}

/* the manifest entry of rel (as written, possibly with .gz) in a shard's manifest */
static json_t *shard_entry(json_t *manifest, const char *rel)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(manifest, "files"), i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        if (p && !strcmp(p, rel)) return f;
    }
    return NULL;
}

/* streams a shard file (gzipped or not) into handle h */
static sim_status copy_into(sim_output *out, int h, const char *path, uint64_t rows, sim_error *err)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) return sim_error_set(err, SIM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    char buf[1 << 16];
    int n;
    sim_status st = SIM_OK;
    while ((n = gzread(gz, buf, sizeof buf)) > 0)
        if ((st = sim_output_append(out, h, buf, (size_t)n, 0, err)) != SIM_OK) break;
    if (n < 0 && st == SIM_OK) st = sim_error_set(err, SIM_EIO, path, 0, 0, "cannot read");
    gzclose(gz);
    if (st == SIM_OK) st = sim_output_append(out, h, "", 0, rows, err);
    return st;
}

static sim_status read_whole(const char *path, sim_buf *b, sim_error *err)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) return sim_error_set(err, SIM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    char buf[1 << 16];
    int n;
    while ((n = gzread(gz, buf, sizeof buf)) > 0) sim_buf_append(b, buf, (size_t)n);
    gzclose(gz);
    if (n < 0 || b->oom) return sim_error_set(err, SIM_EIO, path, 0, 0, "cannot read");
    return SIM_OK;
}

sim_status sim_merge(const char *root, const char *out_dir, const char *const *dirs, size_t nshards,
                     sim_run_result *res, sim_error *err)
{
    memset(res, 0, sizeof *res);
    sim_status st = SIM_OK;
    shard_in *sh = calloc(nshards ? nshards : 1, sizeof *sh);
    sim_scenario *sc = NULL;
    sim_lifetable *lt = NULL;
    sim_population *pop = NULL;
    worker *w = NULL;
    sim_providers *pv = NULL;
    sim_costs *costs = NULL;
    sim_summary *summary = NULL;
    sim_output *out = NULL;
    tallies tl;
    memset(&tl, 0, sizeof tl);
    int handles[SIM_FILE_COUNT];
    for (int f = 0; f < SIM_FILE_COUNT; f++) handles[f] = -1;
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    if (!sh) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!nshards) {
        st = sim_error_set(err, SIM_EINVAL, NULL, 0, 0, "no shard folders to merge");
        goto done;
    }
    /* the shards: complete, of one run, each index once */
    for (size_t i = 0; i < nshards; i++) {
        char path[4096];
        json_error_t je;
        sh[i].dir = sim_strdup(dirs[i]);
        snprintf(path, sizeof path, "%s/manifest.json", dirs[i]);
        sh[i].manifest = json_load_file(path, 0, &je);
        snprintf(path, sizeof path, "%s/%s", dirs[i], SHARD_FILE);
        sh[i].state = json_load_file(path, 0, &je);
        if (!sh[i].manifest || !sh[i].state) {
            st = sim_error_set(err, SIM_EINVAL, dirs[i], 0, 0,
                               "not a finished shard (no manifest.json or %s): run it with "
                               "lifesim run --shard K/N",
                               SHARD_FILE);
            goto done;
        }
        const char *status = json_string_value(json_object_get(sh[i].manifest, "status"));
        if (!status || strcmp(status, "complete")) {
            st = sim_error_set(err, SIM_EINVAL, dirs[i], 0, 0,
                               "the shard is incomplete (its manifest says so): run it again");
            goto done;
        }
        sh[i].index = (int)json_integer_value(json_object_get(sh[i].state, "index"));
        if (json_integer_value(json_object_get(sh[i].state, "count")) != (json_int_t)nshards) {
            st = sim_error_set(
                err, SIM_EINVAL, dirs[i], 0, 0,
                "shard %d of %lld, but %zu shard folders were given", sh[i].index + 1,
                (long long)json_integer_value(json_object_get(sh[i].state, "count")), nshards);
            goto done;
        }
    }
    qsort(sh, nshards, sizeof *sh, cmp_shard);
    for (size_t i = 0; i < nshards; i++) {
        if (sh[i].index != (int)i) {
            st = sim_error_set(err, SIM_EINVAL, sh[i].dir, 0, 0,
                               "shard %zu of %zu is missing or given twice", i + 1, nshards);
            goto done;
        }
        static const char *const same[] = {"lifesim", "scenario_text", "resolved"};
        for (int k = 0; k < 3; k++) {
            const char *a = json_string_value(json_object_get(sh[0].state, same[k]));
            const char *b = json_string_value(json_object_get(sh[i].state, same[k]));
            if (!a || !b || strcmp(a, b)) {
                st = sim_error_set(err, SIM_EINVAL, sh[i].dir, 0, 0,
                                   "this shard is of another run than %s (%s differs)", sh[0].dir,
                                   k == 0 ? "the Lifesim version" : "the scenario");
                goto done;
            }
        }
    }
    /* the scenario as the shards ran it */
    {
        const char *resolved = json_string_value(json_object_get(sh[0].state, "resolved"));
        const char *path = json_string_value(json_object_get(sh[0].state, "scenario_path"));
        json_t *text = json_object_get(sh[0].state, "scenario_text");
        sim_diags d;
        memset(&d, 0, sizeof d);
        st = sim_scenario_parse(resolved, strlen(resolved), path ? path : "scenario", &sc, &d);
        if (st != SIM_OK) {
            sim_diags_print(&d, stderr);
            sim_diags_free(&d);
            sim_error_set(err, st, sh[0].dir, 0, 0, "cannot read back the shard's scenario");
            goto done;
        }
        sim_diags_free(&d);
        free(sc->text);
        sc->len = json_string_length(text);
        sc->text = malloc(sc->len + 1);
        if (!sc->text) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        memcpy(sc->text, json_string_value(text), sc->len);
        sc->text[sc->len] = '\0';
        free(sc->out_dir);
        sc->out_dir = sim_strdup(out_dir);
    }
    o.scenario = sc;
    o.root = root;
    o.quiet = 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/modules/data/lifetable_us.csv", root);
    if ((st = sim_lifetable_load(path, &lt, err)) != SIM_OK) goto done;
    sim_pop_opts po = sc->demographics;
    po.race_mix = sc->race_mix;
    po.nrace_mix = sc->nrace_mix;
    if ((st = sim_population_load(root, &po, lt, &pop, err)) != SIM_OK) goto done;
    if ((st = worker_new(&o, lt, 0, &w, err)) != SIM_OK) goto done;
    if ((st = summary_new(sc, w->ms, &summary, err)) != SIM_OK) goto done;
    if ((st = sim_providers_build(pop, &pv, err)) != SIM_OK) goto done;
    if ((st = sim_costs_load(root, pop, &costs, err)) != SIM_OK) goto done;
    size_t norgs = sim_providers_norgs(pv), nclin = sim_providers_nclinicians(pv);
    if (tallies_init(&tl, norgs, nclin, sim_summary_size(summary)) != 0) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nshards; i++) {
        if (shard_tallies_add(&tl, json_object_get(sh[i].state, "tallies"), norgs, nclin) != 0) {
            st = sim_error_set(err, SIM_EINVAL, sh[i].dir, 0, 0,
                               "its care network or cohort summary does not match this "
                               "installation's tables and modules");
            goto done;
        }
        json_t *pc = json_object_get(sh[i].state, "patients");
        res->living += (uint64_t)json_integer_value(json_object_get(pc, "living"));
        res->deceased += (uint64_t)json_integer_value(json_object_get(pc, "deceased"));
        res->simulated += (uint64_t)json_integer_value(json_object_get(pc, "simulated"));
        res->rejected += (uint64_t)json_integer_value(json_object_get(pc, "rejected"));
    }
    /* the files, in the order a single run writes them */
    if ((st = sim_output_open(out_dir, sc->gzip, &out, err)) != SIM_OK) goto done;
    for (int f = 0; f < SIM_FILE_COUNT && st == SIM_OK; f++) {
        const sim_file_spec *fs = sim_file_spec_get((sim_file_id)f);
        if (!(sc->formats & fs->format)) continue;
        handles[f] = sim_output_file(out, fs->path, fs->header, err);
        if (handles[f] < 0) {
            st = err->code ? err->code : SIM_EIO;
            goto done;
        }
        for (size_t i = 0; i < nshards && st == SIM_OK; i++) {
            char rel[512], src[4608];
            snprintf(rel, sizeof rel, "%s%s", fs->path, sc->gzip ? ".gz" : "");
            json_t *e = shard_entry(sh[i].manifest, rel);
            if (!e) {
                st = sim_error_set(err, SIM_EINVAL, sh[i].dir, 0, 0, "the shard has no %s", rel);
                break;
            }
            uint64_t rows = (uint64_t)json_integer_value(json_object_get(e, "rows"));
            snprintf(src, sizeof src, "%s/%s", sh[i].dir, rel);
            st = copy_into(out, handles[f], src, rows, err);
            res->records += rows;
        }
    }
    if (st != SIM_OK) goto done;
    {
        slot_out net;
        memset(&net, 0, sizeof net);
        if (sc->formats & SIM_FMT_CSV) {
            sim_csv_network(pv, tl.org_encounters, tl.org_revenue_cents, tl.clin_encounters,
                            tl.clin_procedures, &net.out);
            sim_costs_csv(costs, tl.payers, &net.out);
        }
        if (sc->formats & SIM_FMT_NDJSON) sim_fhir_network_ndjson(pv, &net.out);
        st = emit(out, handles, &net, res, err);
        slot_out_free(&net);
        if (st != SIM_OK) goto done;
    }
    /* the bundles, shard by shard, in the order each wrote them */
    for (size_t i = 0; i < nshards && st == SIM_OK; i++) {
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(sh[i].manifest, "files"), k, e)
        {
            const char *rel = json_string_value(json_object_get(e, "path"));
            if (!rel || strncmp(rel, "fhir/", 5)) continue;
            char src[4608], name[512];
            snprintf(src, sizeof src, "%s/%s", sh[i].dir, rel);
            size_t n = strlen(rel);
            snprintf(name, sizeof name, "%.*s",
                     (int)(n > 3 && !strcmp(rel + n - 3, ".gz") ? n - 3 : n), rel);
            sim_buf b = {0};
            st = read_whole(src, &b, err);
            uint64_t rows = (uint64_t)json_integer_value(json_object_get(e, "rows"));
            if (st == SIM_OK)
                st = sim_output_whole(out, name, b.data ? b.data : "", b.len, rows, err);
            sim_buf_free(&b);
            res->records += rows;
            if (st != SIM_OK) break;
        }
    }
done:
    if (out)
        st = finish_output(&o, w ? w->ms : NULL, pop, costs, summary, out, handles, &tl, res, NULL,
                           st, err);
    sim_output_free(out);
    for (size_t i = 0; i < nshards; i++) {
        free(sh[i].dir);
        json_decref(sh[i].manifest);
        json_decref(sh[i].state);
    }
    free(sh);
    worker_free(w);
    sim_providers_free(pv);
    sim_summary_free(summary);
    sim_costs_free(costs);
    tallies_free(&tl);
    sim_population_free(pop);
    sim_lifetable_free(lt);
    sim_scenario_free(sc);
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
