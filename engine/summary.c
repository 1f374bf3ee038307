/* summary.c — the cohort summary (see include/sim_summary.h). */
#include "sim_summary.h"

#include "sim_evidence.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define AGE_BINS 121      /* completed years at diagnosis, 0..120 */
#define MONTHS 1320       /* follow-up in whole months, 0..MONTHS-1 (110 years) */
#define COUNT_BINS 11     /* 0..9 times, and 10 or more */
#define MONTH_MS (SIM_MS_YEAR / 12)

typedef struct count_def {
    const sim_summary_count *def;
    int32_t module, state; /* by_state */
    sim_evidence rec;      /* or records */
    size_t off;            /* COUNT_BINS counters, then the sum */
} count_def;

typedef struct group_def {
    const sim_summary_group *def;
    sim_evidence *cats;
    size_t off; /* one counter per category, then "none recorded" */
} group_def;

typedef struct case_def {
    const sim_summary_case *def;
    sim_codelist cond;
    group_def *groups;
    count_def *counts;
    size_t off_cases; /* cases, deaths, deaths from the condition, then AGE_BINS */
    size_t off_surv;  /* strata (all, then the survival_by categories) x 2 x MONTHS */
    size_t nstrata;
} case_def;

struct sim_summary {
    case_def *cases;
    size_t ncases, size;
};

void sim_summary_free(sim_summary *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->ncases; i++) {
        case_def *c = &s->cases[i];
        sim_codelist_free(&c->cond);
        for (size_t g = 0; c->groups && g < c->def->ngroups; g++) {
            for (size_t k = 0; c->groups[g].cats && k < c->def->groups[g].ncats; k++)
                sim_evidence_free(&c->groups[g].cats[k]);
            free(c->groups[g].cats);
        }
        free(c->groups);
        for (size_t k = 0; c->counts && k < c->def->ncounts; k++) sim_evidence_free(&c->counts[k].rec);
        free(c->counts);
    }
    free(s->cases);
    free(s);
}

size_t sim_summary_size(const sim_summary *s)
{
    return s ? s->size : 0;
}

static void unrecorded(sim_diags *d, const char *path, sim_pos pos, const char *what,
                       const char *system, const char *code)
{
    sim_diags_add(d, SIM_SEV_ERROR, path, pos.line, pos.column,
                  "%s: no loaded module records %s:%s, so it would never be found (a mistyped "
                  "system or code, or a module left out?)",
                  what, system, code);
}

/* the parts of one case; 0, or -1 when out of memory */
static int build_case(const sim_scenario *sc, const sim_modset *ms, case_def *c, size_t *off,
                      sim_diags *d)
{
    const sim_summary_case *def = c->def;
    const char *bad;
    size_t n;
    /* the scenario loader has checked the grammar: only memory can fail here */
    if (sim_codelist_parse(def->condition, &c->cond, &bad, &n) != SIM_OK) return -1;
    for (size_t k = 0; k < c->cond.n; k++)
        if (!sim_modset_records(ms, SIM_ST_CONDITIONONSET, c->cond.v[k].system,
                                c->cond.v[k].code))
            unrecorded(d, sc->path, def->condition_pos, "summary condition", c->cond.v[k].system,
                       c->cond.v[k].code);
    c->off_cases = *off;
    *off += 3 + AGE_BINS;
    c->groups = calloc(def->ngroups ? def->ngroups : 1, sizeof *c->groups);
    c->counts = calloc(def->ncounts ? def->ncounts : 1, sizeof *c->counts);
    if (!c->groups || !c->counts) return -1;
    for (size_t g = 0; g < def->ngroups; g++) {
        group_def *gd = &c->groups[g];
        gd->def = &def->groups[g];
        gd->cats = calloc(gd->def->ncats, sizeof *gd->cats);
        if (!gd->cats) return -1;
        for (size_t k = 0; k < gd->def->ncats; k++) {
            if (sim_evidence_parse(gd->def->cats[k].evidence, &gd->cats[k], &bad, &n) != SIM_OK)
                return -1;
            const sim_evidence_item *u = sim_evidence_unrecorded(&gd->cats[k], ms);
            if (u) unrecorded(d, sc->path, gd->def->cats[k].pos, gd->def->cats[k].name, u->system, u->code);
        }
        gd->off = *off;
        *off += gd->def->ncats + 1;
    }
    c->nstrata = 1 + (def->survival_by >= 0 ? def->groups[def->survival_by].ncats : 0);
    c->off_surv = *off;
    *off += c->nstrata * 2 * MONTHS;
    for (size_t k = 0; k < def->ncounts; k++) {
        count_def *cd = &c->counts[k];
        cd->def = &def->counts[k];
        cd->module = cd->state = -1;
        if (cd->def->records) {
            if (sim_evidence_parse(cd->def->records, &cd->rec, &bad, &n) != SIM_OK) return -1;
            const sim_evidence_item *u = sim_evidence_unrecorded(&cd->rec, ms);
            if (u) unrecorded(d, sc->path, cd->def->pos, "records", u->system, u->code);
        } else {
            cd->module = sim_modset_find(ms, cd->def->module);
            const sim_module *m = cd->module >= 0 ? sim_modset_get(ms, (size_t)cd->module) : NULL;
            for (int32_t s = 0; m && s < m->nstates; s++)
                if (!strcmp(m->states[s].name, cd->def->state)) cd->state = s;
            if (!m)
                sim_diags_add(d, SIM_SEV_ERROR, sc->path, cd->def->pos.line, cd->def->pos.column,
                              "counts: no loaded module '%s' (a submodule is named by its key, "
                              "e.g. breast_cancer/metastatic)",
                              cd->def->module);
            else if (cd->state < 0)
                sim_diags_add(d, SIM_SEV_ERROR, sc->path, cd->def->pos.line, cd->def->pos.column,
                              "counts: module '%s' (%s) has no state '%s'", m->key, m->path,
                              cd->def->state);
        }
        cd->off = *off;
        *off += COUNT_BINS + 1;
    }
    return 0;
}

sim_status sim_summary_new(const sim_scenario *sc, const sim_modset *ms, sim_summary **out,
                           sim_diags *d)
{
    *out = NULL;
    if (!sc->nsummary) return SIM_OK;
    sim_summary *s = calloc(1, sizeof *s);
    if (!s || !(s->cases = calloc(sc->nsummary, sizeof *s->cases))) {
        free(s);
        return SIM_ENOMEM;
    }
    s->ncases = sc->nsummary;
    size_t errs = d->nerrors, off = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        s->cases[i].def = &sc->summary[i];
        if (build_case(sc, ms, &s->cases[i], &off, d) != 0) {
            sim_summary_free(s);
            return SIM_ENOMEM;
        }
    }
    s->size = off;
    if (d->nerrors != errs) {
        sim_summary_free(s);
        return SIM_EINVAL;
    }
    *out = s;
    return SIM_OK;
}

/* ---- counting ---- */

static int codes_match(const sim_codes *c, const sim_evidence_item *e)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].code, e->code) && !strcmp(c->v[i].system, e->system)) return 1;
    return 0;
}

/* records of the item from the diagnosis on */
static uint64_t count_records(const sim_evidence_item *e, const sim_patient *p, sim_time dx)
{
    uint64_t n = 0;
    for (size_t i = 0; i < p->observations.n; i++) {
        const sim_observation *o = &p->observations.v[i];
        if (o->time < dx || !codes_match(&o->codes, e)) continue;
        if (!e->vcode || (o->value.kind == SIM_V_CODE && o->value.u.code &&
                          !strcmp(o->value.u.code->code, e->vcode) &&
                          !strcmp(o->value.u.code->system, e->vsystem)))
            n++;
    }
    if (e->vcode) return n;
    for (size_t i = 0; i < p->conditions.n; i++)
        n += p->conditions.v[i].start != SIM_NEVER && p->conditions.v[i].start >= dx &&
             codes_match(&p->conditions.v[i].codes, e);
    for (size_t i = 0; i < p->procedures.n; i++)
        n += p->procedures.v[i].start >= dx && codes_match(&p->procedures.v[i].codes, e);
    for (size_t i = 0; i < p->medications.n; i++)
        n += p->medications.v[i].start >= dx && codes_match(&p->medications.v[i].codes, e);
    return n;
}

void sim_summary_add(const sim_summary *s, uint64_t *tally, const sim_patient *p,
                     const sim_engine *e)
{
    if (!s) return;
    int dead = p->death != SIM_NEVER;
    sim_time end = dead && p->death < p->end ? p->death : p->end;
    for (size_t i = 0; i < s->ncases; i++) {
        const case_def *c = &s->cases[i];
        sim_time dx = sim_codelist_onset(&c->cond, p);
        if (dx == SIM_NEVER || dx > end) continue;
        uint64_t *t = tally + c->off_cases;
        t[0]++;
        t[1] += dead;
        if (dead && p->cause_of_death) {
            sim_codes one = {p->cause_of_death, 1};
            t[2] += sim_codelist_has(&c->cond, &one);
        }
        int64_t age = sim_age_years(p->birth, dx);
        t[3 + (age < 0 ? 0 : age >= AGE_BINS ? AGE_BINS - 1 : age)]++;
        int stratum = 0;
        for (size_t g = 0; g < c->def->ngroups; g++) {
            const group_def *gd = &c->groups[g];
            int any = 0;
            for (size_t k = 0; k < gd->def->ncats; k++)
                if (sim_evidence_holds(&gd->cats[k], p, dx)) {
                    tally[gd->off + k]++;
                    /* the first category that holds places the case in the survival table */
                    if ((int)g == c->def->survival_by && !any) stratum = 1 + (int)k;
                    any = 1;
                }
            if (!any) tally[gd->off + gd->def->ncats]++;
        }
        int64_t m = (end - dx) / MONTH_MS;
        if (m >= MONTHS) m = MONTHS - 1;
        size_t ev = dead ? 0 : MONTHS; /* deaths, then censored */
        tally[c->off_surv + ev + (size_t)m]++;
        if (stratum) tally[c->off_surv + (size_t)stratum * 2 * MONTHS + ev + (size_t)m]++;
        for (size_t k = 0; k < c->def->ncounts; k++) {
            const count_def *cd = &c->counts[k];
            uint64_t n = cd->def->records
                             ? count_records(&cd->rec.v[0], p, dx)
                             : sim_engine_visits(e, cd->module, cd->state);
            tally[cd->off + (n >= COUNT_BINS - 1 ? COUNT_BINS - 1 : n)]++;
            tally[cd->off + COUNT_BINS] += n;
        }
    }
}

/* ---- Kaplan-Meier on the monthly tally ---- */

static const int KM_AT[3] = {12, 24, 60}; /* months */

typedef struct km {
    uint64_t n, deaths;
    double median, lo, hi; /* months; NAN: not reached */
    double s[3], se[3];    /* survival at KM_AT, NAN: nobody followed that long */
} km;

/* Deaths in month m are taken at its middle (m + 0.5 months), the life-table convention for
 * grouped times; the median is where survival first falls to 50% or below, its 95% interval where
 * the log(-log) Greenwood band does (Brookmeyer-Crowley). */
static void km_compute(const uint64_t *deaths, const uint64_t *cens, km *k)
{
    memset(k, 0, sizeof *k);
    for (int m = 0; m < MONTHS; m++) {
        k->n += deaths[m] + cens[m];
        k->deaths += deaths[m];
    }
    k->median = k->lo = k->hi = NAN;
    for (int j = 0; j < 3; j++) k->s[j] = k->se[j] = NAN;
    double s = 1, green = 0;
    uint64_t at_risk = k->n;
    int j = 0;
    for (int m = 0; m < MONTHS && at_risk; m++) {
        while (j < 3 && KM_AT[j] <= m) {
            k->s[j] = s;
            k->se[j] = s * sqrt(green);
            j++;
        }
        double d = (double)deaths[m], r = (double)at_risk;
        if (d > 0) {
            s *= 1 - d / r;
            if (r > d) green += d / (r * (r - d));
            double t = m + 0.5;
            if (isnan(k->median) && s <= 0.5) k->median = t;
            /* the band at this time */
            double up = 1, low = 0;
            if (s > 0 && s < 1) {
                double ls = log(s), v = green / (ls * ls), w = 1.959964 * sqrt(v);
                up = pow(s, exp(-w));
                low = pow(s, exp(w));
            }
            if (isnan(k->lo) && low <= 0.5) k->lo = t;
            if (isnan(k->hi) && up <= 0.5) k->hi = t;
        }
        at_risk -= deaths[m] + cens[m];
    }
    /* the ones still at risk at a landmark have reached it; when all have died, survival is 0 */
    while (j < 3 && (at_risk || s == 0) && KM_AT[j] <= MONTHS) {
        k->s[j] = s;
        k->se[j] = s * sqrt(green);
        j++;
    }
}

static double median_age(const uint64_t *bins, uint64_t n)
{
    if (!n) return NAN;
    uint64_t cum = 0;
    for (int a = 0; a < AGE_BINS; a++) {
        cum += bins[a];
        if (2 * cum >= n) return a;
    }
    return AGE_BINS - 1;
}

/* ---- rendering ---- */

static void put_pct(sim_buf *b, uint64_t x, uint64_t n)
{
    if (!n) {
        sim_buf_puts(b, "–");
        return;
    }
    sim_buf_put_fixed(b, 100.0 * (double)x / (double)n, 1);
    sim_buf_puts(b, "%");
}

static void put_months(sim_buf *b, double m)
{
    if (isnan(m))
        sim_buf_puts(b, "not reached");
    else
        sim_buf_put_fixed(b, m, 1);
}

static void km_row(sim_buf *b, const char *name, const km *k)
{
    sim_buf_printf(b, "| %s | %llu | %llu | ", name, (unsigned long long)k->n,
                   (unsigned long long)k->deaths);
    if (!k->n)
        sim_buf_puts(b, "– |");
    else {
        put_months(b, k->median);
        sim_buf_puts(b, " (");
        put_months(b, k->lo);
        sim_buf_puts(b, " to ");
        put_months(b, k->hi);
        sim_buf_puts(b, ") |");
    }
    for (int j = 0; j < 3; j++) {
        sim_buf_puts(b, " ");
        if (isnan(k->s[j]))
            sim_buf_puts(b, "–");
        else {
            sim_buf_put_fixed(b, 100 * k->s[j], 1);
            sim_buf_puts(b, "% ± ");
            sim_buf_put_fixed(b, 100 * k->se[j], 1);
        }
        sim_buf_puts(b, " |");
    }
    sim_buf_puts(b, "\n");
}

char *sim_summary_markdown(const sim_summary *s, const uint64_t *tally)
{
    sim_buf b = {0};
    sim_buf_puts(&b, "# Cohort summary\n\n"
                     "What the patients written show, case by case. A case is a patient with the "
                     "condition; the diagnosis is its first onset. Groups at diagnosis count what "
                     "the record shows from a day before the diagnosis to 90 days after it (a case "
                     "can fall in several categories, or in none). Overall survival is Kaplan-Meier "
                     "from the diagnosis, deaths of any cause the events, the living censored at "
                     "the reference date; follow-up is counted in whole months and a death in month "
                     "m taken at m + 0.5; the 95% interval of the median is where the log(-log) "
                     "Greenwood band crosses 50%; survival at 1, 2 and 5 years is given with its "
                     "standard error, – where nobody was followed that long.\n");
    for (size_t i = 0; i < s->ncases; i++) {
        const case_def *c = &s->cases[i];
        const uint64_t *t = tally + c->off_cases;
        uint64_t n = t[0];
        sim_buf_printf(&b, "\n## %s\n\n", c->def->name);
        sim_buf_printf(&b, "- Condition: %s\n- Cases: %llu\n", c->def->condition,
                       (unsigned long long)n);
        sim_buf_printf(&b, "- Deaths: %llu (", (unsigned long long)t[1]);
        put_pct(&b, t[1], n);
        sim_buf_printf(&b, "), %llu of them from the condition\n", (unsigned long long)t[2]);
        if (n) sim_buf_printf(&b, "- Median age at diagnosis: %.0f\n", median_age(t + 3, n));
        for (size_t g = 0; g < c->def->ngroups; g++) {
            const group_def *gd = &c->groups[g];
            sim_buf_printf(&b, "\n### At diagnosis: %s\n\n| %s | Cases | Share |\n|---|---:|---:|\n",
                           gd->def->name, gd->def->name);
            for (size_t k = 0; k <= gd->def->ncats; k++) {
                uint64_t x = tally[gd->off + k];
                sim_buf_printf(&b, "| %s | %llu | ",
                               k < gd->def->ncats ? gd->def->cats[k].name : "none recorded",
                               (unsigned long long)x);
                put_pct(&b, x, n);
                sim_buf_puts(&b, " |\n");
            }
        }
        sim_buf_printf(&b, "\n### Overall survival%s%s\n\n", c->nstrata > 1 ? " by " : "",
                       c->nstrata > 1 ? c->def->groups[c->def->survival_by].name : "");
        sim_buf_puts(&b, "| Cases | N | Deaths | Median, months (95% CI) | 1 year | 2 years | "
                         "5 years |\n|---|---:|---:|---|---:|---:|---:|\n");
        for (size_t k = 0; k < c->nstrata; k++) {
            const uint64_t *d = tally + c->off_surv + k * 2 * MONTHS;
            km r;
            km_compute(d, d + MONTHS, &r);
            km_row(&b, k ? c->def->groups[c->def->survival_by].cats[k - 1].name : "All", &r);
        }
        if (c->def->ncounts) {
            sim_buf_puts(&b, "\n### Counts per case\n\n| | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 "
                             "| 10+ | Mean |\n|---|");
            for (int k = 0; k <= COUNT_BINS; k++) sim_buf_puts(&b, "---:|");
            sim_buf_puts(&b, "\n");
            for (size_t k = 0; k < c->def->ncounts; k++) {
                const count_def *cd = &c->counts[k];
                sim_buf_printf(&b, "| %s |", cd->def->name);
                for (int x = 0; x < COUNT_BINS; x++)
                    sim_buf_printf(&b, " %llu |", (unsigned long long)tally[cd->off + x]);
                sim_buf_puts(&b, " ");
                if (n)
                    sim_buf_put_fixed(&b, (double)tally[cd->off + COUNT_BINS] / (double)n, 2);
                else
                    sim_buf_puts(&b, "–");
                sim_buf_puts(&b, " |\n");
            }
        }
    }
    if (b.oom) {
        sim_buf_free(&b);
        return NULL;
    }
    sim_buf_cstr(&b);
    return b.data;
}

static json_t *num(double v, int decimals)
{
    if (isnan(v)) return json_null();
    double f = pow(10, decimals);
    return json_real(round(v * f) / f);
}

char *sim_summary_json(const sim_summary *s, const uint64_t *tally)
{
    json_t *root = json_object(), *cases = json_array();
    for (size_t i = 0; i < s->ncases; i++) {
        const case_def *c = &s->cases[i];
        const uint64_t *t = tally + c->off_cases;
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(c->def->name));
        json_object_set_new(j, "condition", json_string(c->def->condition));
        json_object_set_new(j, "cases", json_integer((json_int_t)t[0]));
        json_object_set_new(j, "deaths", json_integer((json_int_t)t[1]));
        json_object_set_new(j, "deaths_from_condition", json_integer((json_int_t)t[2]));
        json_object_set_new(j, "median_age_at_diagnosis", num(median_age(t + 3, t[0]), 0));
        json_t *groups = json_array();
        for (size_t g = 0; g < c->def->ngroups; g++) {
            const group_def *gd = &c->groups[g];
            json_t *jg = json_object(), *cats = json_object();
            json_object_set_new(jg, "name", json_string(gd->def->name));
            for (size_t k = 0; k < gd->def->ncats; k++)
                json_object_set_new(cats, gd->def->cats[k].name,
                                    json_integer((json_int_t)tally[gd->off + k]));
            json_object_set_new(jg, "categories", cats);
            json_object_set_new(jg, "none_recorded",
                                json_integer((json_int_t)tally[gd->off + gd->def->ncats]));
            json_array_append_new(groups, jg);
        }
        json_object_set_new(j, "at_diagnosis", groups);
        json_t *surv = json_array();
        for (size_t k = 0; k < c->nstrata; k++) {
            const uint64_t *d = tally + c->off_surv + k * 2 * MONTHS;
            km r;
            km_compute(d, d + MONTHS, &r);
            json_t *js = json_object();
            json_object_set_new(
                js, "cases",
                json_string(k ? c->def->groups[c->def->survival_by].cats[k - 1].name : "All"));
            json_object_set_new(js, "n", json_integer((json_int_t)r.n));
            json_object_set_new(js, "deaths", json_integer((json_int_t)r.deaths));
            json_object_set_new(js, "median_months", num(r.median, 1));
            json_object_set_new(js, "median_ci95_months", json_pack("[oo]", num(r.lo, 1), num(r.hi, 1)));
            for (int x = 0; x < 3; x++) {
                char key[32];
                snprintf(key, sizeof key, "survival_%dm", KM_AT[x]);
                json_object_set_new(js, key, num(r.s[x], 4));
                snprintf(key, sizeof key, "se_%dm", KM_AT[x]);
                json_object_set_new(js, key, num(r.se[x], 4));
            }
            /* the curve itself: deaths and censored by month, for replotting */
            json_t *dm = json_array(), *cm = json_array();
            int last = MONTHS - 1;
            while (last >= 0 && !d[last] && !d[MONTHS + last]) last--;
            for (int m = 0; m <= last; m++) {
                json_array_append_new(dm, json_integer((json_int_t)d[m]));
                json_array_append_new(cm, json_integer((json_int_t)d[MONTHS + m]));
            }
            json_object_set_new(js, "deaths_by_month", dm);
            json_object_set_new(js, "censored_by_month", cm);
            json_array_append_new(surv, js);
        }
        json_object_set_new(j, "overall_survival", surv);
        json_t *counts = json_array();
        for (size_t k = 0; k < c->def->ncounts; k++) {
            const count_def *cd = &c->counts[k];
            json_t *jc = json_object(), *h = json_array();
            json_object_set_new(jc, "name", json_string(cd->def->name));
            for (int x = 0; x < COUNT_BINS; x++)
                json_array_append_new(h, json_integer((json_int_t)tally[cd->off + x]));
            json_object_set_new(jc, "patients_by_count", h);
            json_object_set_new(jc, "total", json_integer((json_int_t)tally[cd->off + COUNT_BINS]));
            json_array_append_new(counts, jc);
        }
        json_object_set_new(j, "counts", counts);
        json_array_append_new(cases, j);
    }
    json_object_set_new(root, "cases", cases);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(root);
    return text;
}
