/* realism.c — simulated cohorts measured against published figures (see include/sim_realism.h). */
#include "sim_realism.h"

#include "sim_engine.h"
#include "sim_evidence.h"
#include "sim_lifetable.h"
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_population.h"
#include "sim_rng.h"
#include "sim_table.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum mkind {
    M_PREVALENCE,
    M_COVERAGE,
    M_VITAL_AT_LEAST,
    M_VITAL_MEAN,
    M_LIFE,
    M_DEATH_SHARE,
    /* measured on the cases of a birth cohort simulated to death: */
    M_LIFETIME_RISK, /* % of the cohort ever diagnosed */
    M_STAGE_SHARE,   /* % of cases with the evidence at diagnosis */
    M_SURVIVAL,      /* Kaplan-Meier survival from the cancer, `threshold` years after diagnosis */
    M_MEDIAN_AGE     /* median age at diagnosis, standardised to the US population */
} mkind;

#define NKINDS 10
static const char *const kind_names[NKINDS] = {
    "prevalence",  "coverage",      "vital_at_least", "vital_mean", "life_expectancy",
    "death_share", "lifetime_risk", "stage_share",    "survival",   "median_age"};

/* measured on a birth cohort (the others on an age band of the living) */
static int birth_kind(mkind k)
{
    return k == M_LIFE || k == M_DEATH_SHARE || k >= M_LIFETIME_RISK;
}

/* the case measures: the diagnosis is the first record of one of the target's codes */
static int case_kind(mkind k)
{
    return k >= M_LIFETIME_RISK;
}

/* stage_share and survival's status column: evidence at diagnosis (sim_evidence.h) */

/* a case's follow-up (survival) or its age at diagnosis (median_age) */
typedef struct case_t {
    double t;
    int event;
} case_t;

typedef struct target {
    char *id, *file, *source, *reason, *vital;
    int line;
    mkind kind;
    sim_codelist codes;
    int active_only;
    double threshold;
    char sex; /* 'M', 'F', 0: both */
    int age_lo, age_hi, months;
    double published, tolerance;
    sim_evidence ev;
    /* results */
    double num, den, sum, sumsq;
    SIM_VEC(case_t) cases;
    double alive[SIM_LT_AGES]; /* median_age: the cohort alive at each age */
} target;

typedef SIM_VEC(target) targets;

static void targets_free(targets *t)
{
    for (size_t i = 0; i < t->n; i++) {
        target *x = &t->v[i];
        free(x->id);
        free(x->file);
        free(x->source);
        free(x->reason);
        free(x->vital);
        sim_codelist_free(&x->codes);
        sim_evidence_free(&x->ev);
        free(x->cases.v);
    }
    free(t->v);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int selected(const char *only, const char *id)
{
    if (!only || !*only) return 1;
    const char *p = only;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n && !strncmp(id, p, n)) return 1;
        p += n;
        if (*p) p++;
    }
    return 0;
}

static sim_status parse_evidence(target *t, const char *s, sim_table *tab, size_t r,
                                 sim_error *err)
{
    const char *bad = NULL;
    size_t n = 0;
    sim_status st = sim_evidence_parse(s, &t->ev, &bad, &n);
    if (st == SIM_EPARSE)
        return sim_error_set(err, SIM_EPARSE, tab->path, tab->lines[r], 0,
                             "status: '%.*s' should be " SIM_EVIDENCE_GRAMMAR, (int)(n ? n : 1), bad);
    return st == SIM_OK ? SIM_OK : sim_error_set(err, st, NULL, 0, 0, "out of memory");
}

static sim_status parse_codes(target *t, const char *s, sim_table *tab, size_t r, sim_error *err)
{
    const char *bad = NULL;
    size_t n = 0;
    sim_status st = sim_codelist_parse(s, &t->codes, &bad, &n);
    if (st == SIM_EPARSE)
        return sim_error_set(err, SIM_EPARSE, tab->path, tab->lines[r], 0,
                             "codes: '%.*s' should be SYSTEM:code (e.g. SNOMED-CT:59621000)",
                             (int)n, bad);
    return st == SIM_OK ? SIM_OK : sim_error_set(err, st, NULL, 0, 0, "out of memory");
}

static sim_status load_file(const char *root, const char *name, const char *path,
                            const char *only, targets *out, sim_error *err)
{
    char rel[512];
    snprintf(rel, sizeof rel, "realism/%s", name ? name : "");
    sim_table *t = NULL;
    sim_status st = path ? sim_table_load(path, &t, err) : sim_table_load_data(root, rel, NULL, &t, err);
    if (st != SIM_OK) return st;
    static const char *const cols[] = {
        "id",        "measure", "codes",           "status",   "threshold",
        "sex",       "age_lo",  "age_hi",          "age_unit", "published",
        "tolerance", "source",  "tolerance_reason"};
    int c[13];
    for (int k = 0; k < 13; k++)
        if ((st = sim_table_require_col(t, cols[k], &c[k], err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *id = sim_table_cell(t, r, (size_t)c[0]);
        if (!selected(only, id)) continue;
        target *x = sim_vec_add(out);
        if (!x) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        x->id = sim_strdup(id);
        x->file = sim_strdup(t->path);
        x->line = t->lines[r];
        x->source = sim_strdup(sim_table_cell(t, r, (size_t)c[11]));
        x->reason = sim_strdup(sim_table_cell(t, r, (size_t)c[12]));
        const char *m = sim_table_cell(t, r, (size_t)c[1]);
        int kind = -1;
        for (int k = 0; k < NKINDS; k++)
            if (!strcmp(m, kind_names[k])) kind = k;
        if (kind < 0) {
            const char *dym = sim_did_you_mean(m, kind_names, NKINDS);
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "measure '%s' is not one of prevalence, coverage, vital_at_least, "
                               "vital_mean, life_expectancy, death_share, lifetime_risk, "
                               "stage_share, survival, median_age%s%s%s",
                               m, dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
            goto done;
        }
        x->kind = (mkind)kind;
        const char *codes = sim_table_cell(t, r, (size_t)c[2]);
        if (kind == M_VITAL_AT_LEAST || kind == M_VITAL_MEAN)
            x->vital = sim_strdup(codes);
        else if (kind != M_LIFE && (st = parse_codes(x, codes, t, r, err)) != SIM_OK)
            goto done;
        if (kind != M_LIFE && kind != M_VITAL_AT_LEAST && kind != M_VITAL_MEAN && !x->codes.n) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0, "a %s measure needs codes",
                               m);
            goto done;
        }
        const char *status = sim_table_cell(t, r, (size_t)c[3]);
        x->active_only = !strcmp(status, "active");
        if (kind == M_PREVALENCE && strcmp(status, "active") && strcmp(status, "ever")) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "status must be active or ever, not '%s'", status);
            goto done;
        }
        if ((kind == M_STAGE_SHARE || kind == M_SURVIVAL) &&
            (st = parse_evidence(x, status, t, r, err)) != SIM_OK)
            goto done;
        if (kind == M_STAGE_SHARE && !x->ev.n) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "a stage_share measure needs the stage's evidence in status (e.g. "
                               "SNOMED-CT:128462008 for a metastasis at diagnosis)");
            goto done;
        }
        if ((kind == M_COVERAGE || kind == M_VITAL_AT_LEAST || kind == M_SURVIVAL) &&
            (st = sim_table_number(t, r, (size_t)c[4], &x->threshold, err)) != SIM_OK)
            goto done;
        if (kind == M_SURVIVAL && x->threshold <= 0) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "threshold: survival is measured a positive number of years after "
                               "diagnosis, not %g",
                               x->threshold);
            goto done;
        }
        const char *sex = sim_table_cell(t, r, (size_t)c[5]);
        x->sex = !strcmp(sex, "M") ? 'M' : !strcmp(sex, "F") ? 'F' : 0;
        if (x->sex == 0 && strcmp(sex, "all")) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "sex must be M, F or all, not '%s'", sex);
            goto done;
        }
        if (kind == M_LIFE && !x->sex) {
            /* (death_share may take both sexes) */
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "life_expectancy is measured for one sex: M or F");
            goto done;
        }
        double lo = 0, hi = 0, pub, tol;
        int birth = birth_kind((mkind)kind);
        if (!birth && ((st = sim_table_number(t, r, (size_t)c[6], &lo, err)) != SIM_OK ||
                       (st = sim_table_number(t, r, (size_t)c[7], &hi, err)) != SIM_OK))
            goto done;
        x->age_lo = (int)lo;
        x->age_hi = (int)hi;
        const char *unit = sim_table_cell(t, r, (size_t)c[8]);
        x->months = !strcmp(unit, "months");
        if (!birth && !x->months && strcmp(unit, "years")) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "age_unit must be years or months, not '%s'", unit);
            goto done;
        }
        if (x->age_hi < x->age_lo) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "age_hi (%d) is below age_lo (%d)", x->age_hi, x->age_lo);
            goto done;
        }
        if ((st = sim_table_number(t, r, (size_t)c[9], &pub, err)) != SIM_OK ||
            (st = sim_table_number(t, r, (size_t)c[10], &tol, err)) != SIM_OK)
            goto done;
        x->published = pub;
        x->tolerance = tol;
        if (!*x->source || !*x->reason) {
            st =
                sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                              "every measure names its source and why its tolerance is what it is");
            goto done;
        }
    }
done:
    sim_table_free(t);
    return st;
}

static sim_status load_targets(const char *root, const char *only, const char *file, targets *out,
                               sim_error *err)
{
    if (file) {
        sim_status st = load_file(root, NULL, file, only, out, err);
        if (st == SIM_OK && !out->n)
            st = sim_error_set(err, SIM_EINVAL, file, 0, 0, "no measures%s%s",
                               only ? " match " : "", only ? only : "");
        return st;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/modules/data/realism", root);
    DIR *d = opendir(dir);
    if (!d)
        return sim_error_set(err, SIM_EIO, "modules/data/realism", 0, 0,
                             "no folder of realism targets");
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".csv")) names[n++] = sim_strdup(de->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_name);
    sim_status st = SIM_OK;
    for (size_t i = 0; i < n; i++) {
        if (st == SIM_OK) st = load_file(root, names[i], NULL, only, out, err);
        free(names[i]);
    }
    if (st == SIM_OK && !out->n)
        st = sim_error_set(err, SIM_EINVAL, "modules/data/realism", 0, 0,
                           only ? "no measure matches '%s'" : "no measures%s", only ? only : "");
    return st;
}

/* ---- measuring a patient ---- */

static int has_code(const sim_codes *c, const target *t)
{
    return sim_codelist_has(&t->codes, c);
}

static void measure(target *t, const sim_patient *p, const sim_modset *ms)
{
    if (t->sex && p->who.sex != t->sex) return;
    int64_t age = t->months ? sim_age_months(p->birth, p->end) : sim_age_years(p->birth, p->end);
    if (age < t->age_lo || age > t->age_hi) return;
    switch (t->kind) {
    case M_PREVALENCE: {
        int yes = 0;
        for (size_t i = 0; i < p->conditions.n && !yes; i++) {
            const sim_condition *c = &p->conditions.v[i];
            if (!sim_condition_at(c, p->end, t->active_only)) continue;
            yes = has_code(&c->codes, t);
        }
        t->den++;
        t->num += yes;
        break;
    }
    case M_COVERAGE: {
        int doses = 0;
        for (size_t i = 0; i < p->immunizations.n; i++)
            if (p->immunizations.v[i].time <= p->end && has_code(&p->immunizations.v[i].codes, t))
                doses++;
        t->den++;
        t->num += doses >= t->threshold;
        break;
    }
    case M_VITAL_AT_LEAST:
    case M_VITAL_MEAN: {
        int32_t id = sim_modset_intern((sim_modset *)ms, SIM_NS_VITAL, t->vital, 0);
        double v = id >= 0 && (size_t)id < p->nvitals ? p->vitals[id] : NAN;
        if (isnan(v)) {
            if (t->kind == M_VITAL_AT_LEAST) t->den++; /* never measured: not above */
            return;
        }
        t->den++;
        if (t->kind == M_VITAL_AT_LEAST)
            t->num += v >= t->threshold;
        else {
            t->sum += v;
            t->sumsq += v * v;
        }
        break;
    }
    default: break; /* the birth-cohort measures: life_cohort */
    }
}

/* ---- measuring a case ---- */

/* when the patient was first diagnosed with one of the target's codes, or SIM_NEVER */
static sim_time diagnosed(const target *t, const sim_patient *p)
{
    return sim_codelist_onset(&t->codes, p);
}

/* whether one of the alternatives holds (no evidence: every case) */
static int staged(const target *t, const sim_patient *p, sim_time dx)
{
    return sim_evidence_holds(&t->ev, p, dx);
}

/* one member of a birth cohort, dead at `age` years; 0: out of memory */
static int measure_case(target *t, const sim_patient *p, double age)
{
    if (t->kind == M_MEDIAN_AGE)
        for (int a = 0; a < SIM_LT_AGES && a <= (int)age; a++) t->alive[a]++;
    sim_time dx = diagnosed(t, p);
    if (t->kind == M_LIFETIME_RISK) {
        t->den++;
        t->num += dx != SIM_NEVER;
    }
    if (dx == SIM_NEVER || dx > p->death) return 1;
    if (t->kind == M_STAGE_SHARE) {
        t->den++;
        t->num += staged(t, p, dx);
    } else if (t->kind == M_SURVIVAL && staged(t, p, dx)) {
        case_t *c = sim_vec_add(&t->cases);
        if (!c) return 0;
        c->t = (double)(p->death - dx) / (double)SIM_MS_YEAR;
        sim_codes one = {p->cause_of_death, 1};
        c->event = p->cause_of_death && has_code(&one, t);
        t->den++;
    } else if (t->kind == M_MEDIAN_AGE) {
        case_t *c = sim_vec_add(&t->cases);
        if (!c) return 0;
        c->t = (double)(dx - p->birth) / (double)SIM_MS_YEAR;
        t->den++;
    }
    return 1;
}

/* ---- the cohorts ---- */

typedef struct bench {
    const char *root;
    sim_lifetable *lt;
    sim_lua *lua;
    sim_modset *ms;
    sim_engine *e;
    sim_patient *p;
    uint64_t run_key;
    sim_time ref;
} bench;

static sim_status band_cohort(bench *b, targets *ts, int lo_y, int hi_y, uint64_t n,
                              uint64_t cohort, sim_error *err)
{
    sim_pop_opts po;
    memset(&po, 0, sizeof po);
    po.age_mode = SIM_AGE_RANGE;
    po.age_lo = lo_y;
    po.age_hi = hi_y > 110 ? 110 : hi_y;
    sim_population *pop = NULL;
    sim_status st = sim_population_load(b->root, &po, b->lt, &pop, err);
    if (st != SIM_OK) return st;
    for (uint64_t slot = 0; slot < n && st == SIM_OK; slot++) {
        for (uint64_t attempt = 0;; attempt++) {
            if (attempt >= 10000) {
                st = sim_error_set(err, SIM_ELIMIT, NULL, 0, 0,
                                   "ages %d-%d: nobody lived to the reference date in 10000 tries",
                                   lo_y, hi_y);
                break;
            }
            sim_patient *p = b->p;
            sim_patient_reset(p);
            p->slot = cohort * UINT64_C(1000000000) + slot;
            p->attempt = attempt;
            p->key = sim_rng_patient_key(b->run_key, p->slot, attempt);
            p->end = b->ref;
            sim_population_sample(pop, p, b->ref);
            if ((st = sim_engine_run(b->e, p, err)) != SIM_OK) break;
            sim_population_finish(pop, p);
            if (p->death != SIM_NEVER) continue;
            for (size_t i = 0; i < ts->n; i++) {
                target *t = &ts->v[i];
                if (birth_kind(t->kind)) continue;
                int tlo = t->months ? t->age_lo / 12 : t->age_lo;
                int thi = t->months ? t->age_hi / 12 : t->age_hi;
                if (tlo == lo_y && thi == hi_y) measure(t, p, b->ms);
            }
            break;
        }
    }
    sim_population_free(pop);
    return st;
}

/* a birth cohort of one sex (0: both), simulated to death; measures every life-expectancy and
 * death-share target of that sex */
static sim_status life_cohort(bench *b, targets *ts, char sex, uint64_t n, uint64_t cohort,
                              sim_error *err)
{
    sim_pop_opts po;
    memset(&po, 0, sizeof po);
    po.age_mode = SIM_AGE_RANGE; /* newborns: who they are, not when */
    po.age_lo = po.age_hi = 0;
    sim_population *pop = NULL;
    sim_status st = sim_population_load(b->root, &po, b->lt, &pop, err);
    if (st != SIM_OK) return st;
    sim_time born = sim_time_from_ymd(1950, 1, 1);
    uint64_t done = 0;
    for (uint64_t slot = 0; done < n && st == SIM_OK && slot < 20 * n; slot++) {
        sim_patient *p = b->p;
        sim_patient_reset(p);
        p->slot = cohort * UINT64_C(1000000000) + slot;
        p->key = sim_rng_patient_key(b->run_key, p->slot, 0);
        sim_population_sample(pop, p, born);
        if (sex && p->who.sex != sex) continue;
        p->birth = born + (sim_time)(slot % 365) * SIM_MS_DAY;
        p->end = sim_time_from_ymd(2199, 1, 1);
        if ((st = sim_engine_run(b->e, p, err)) != SIM_OK) break;
        sim_population_finish(pop, p);
        if (p->death == SIM_NEVER) continue;
        double age = (double)(p->death - p->birth) / (double)SIM_MS_YEAR;
        for (size_t i = 0; i < ts->n; i++) {
            target *t = &ts->v[i];
            if (!birth_kind(t->kind) || t->sex != sex) continue;
            if (case_kind(t->kind)) {
                if (!measure_case(t, p, age)) st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
                continue;
            }
            t->den++;
            t->sum += age;
            t->sumsq += age * age;
            if (t->kind == M_DEATH_SHARE && p->cause_of_death) {
                sim_codes one = {p->cause_of_death, 1};
                t->num += has_code(&one, t);
            }
        }
        done++;
    }
    sim_population_free(pop);
    return st;
}

/* ---- the table ---- */

static int cmp_case(const void *a, const void *b)
{
    double x = ((const case_t *)a)->t, y = ((const case_t *)b)->t;
    return x < y ? -1 : x > y;
}

/* Kaplan-Meier survival at t->threshold years, deaths from the cancer the events and other deaths
 * censoring (cause-specific survival, the simulated counterpart of relative survival), with
 * Greenwood's standard error */
static double km_survival(target *t, double *se)
{
    qsort(t->cases.v, t->cases.n, sizeof *t->cases.v, cmp_case);
    double s = 1, green = 0;
    size_t n = t->cases.n, i = 0;
    while (i < n && t->cases.v[i].t <= t->threshold) {
        size_t j = i;
        double d = 0;
        for (; j < n && t->cases.v[j].t == t->cases.v[i].t; j++) d += t->cases.v[j].event;
        double at_risk = (double)(n - i);
        if (d > 0) {
            s *= 1 - d / at_risk;
            if (at_risk > d) green += d / (at_risk * (at_risk - d));
        }
        i = j;
    }
    *se = 100.0 * s * sqrt(green);
    if (*se < 100.0 / t->den) *se = 100.0 / t->den;
    return 100.0 * s;
}

/* Median age at diagnosis of a birth cohort's cases, each weighted by the US population at that
 * age over the cohort alive at it: a registry counts the cases of the living population (pop(a) x
 * incidence(a)), a birth cohort those of its survivors (alive(a) x incidence(a)). The standard
 * error is the normal approximation's, 1.2533 sd / sqrt(effective n). */
static double weighted_median(target *t, const double *pop, double *se)
{
    qsort(t->cases.v, t->cases.n, sizeof *t->cases.v, cmp_case);
    double sw = 0, sw2 = 0, swx = 0, swxx = 0;
    for (size_t i = 0; i < t->cases.n; i++) {
        int a = (int)t->cases.v[i].t;
        if (a >= SIM_LT_AGES) a = SIM_LT_AGES - 1;
        double w = t->alive[a] > 0 ? pop[a] / t->alive[a] : 0, x = t->cases.v[i].t;
        sw += w;
        sw2 += w * w;
        swx += w * x;
        swxx += w * x * x;
    }
    if (sw <= 0) {
        *se = NAN;
        return NAN;
    }
    double acc = 0, med = t->cases.v[t->cases.n - 1].t;
    for (size_t i = 0; i < t->cases.n; i++) {
        int a = (int)t->cases.v[i].t;
        if (a >= SIM_LT_AGES) a = SIM_LT_AGES - 1;
        acc += t->alive[a] > 0 ? pop[a] / t->alive[a] : 0;
        if (acc >= sw / 2) {
            med = t->cases.v[i].t;
            break;
        }
    }
    double mean = swx / sw, var = swxx / sw - mean * mean;
    *se = 1.2533 * sqrt((var > 0 ? var : 0) * sw2 / (sw * sw));
    return med;
}

static double value_of(target *t, const double *pop, double *se)
{
    if (t->den <= 0) {
        *se = NAN;
        return NAN;
    }
    if (t->kind == M_SURVIVAL) return km_survival(t, se);
    if (t->kind == M_MEDIAN_AGE) return weighted_median(t, pop, se);
    if (t->kind == M_PREVALENCE || t->kind == M_COVERAGE || t->kind == M_VITAL_AT_LEAST ||
        t->kind == M_DEATH_SHARE || t->kind == M_LIFETIME_RISK || t->kind == M_STAGE_SHARE) {
        double p = t->num / t->den;
        *se = 100.0 * sqrt(p * (1 - p) / t->den);
        /* a proportion of 0 or 1 still has the noise of one case in the cohort */
        if (*se < 100.0 / t->den) *se = 100.0 / t->den;
        return 100.0 * p;
    }
    double mean = t->sum / t->den;
    double var = t->sumsq / t->den - mean * mean;
    *se = sqrt(var > 0 ? var / t->den : 0);
    return mean;
}

/* modules/data/us_population_age_sex.csv: single years of age, the last one open (100+) */
static sim_status load_population(const char *root, double pop[3][SIM_LT_AGES], sim_error *err)
{
    sim_table *t = NULL;
    sim_status st = sim_table_load_data(root, "us_population_age_sex.csv", NULL, &t, err);
    if (st != SIM_OK) return st;
    int c[3];
    static const char *const cols[] = {"age", "male", "female"};
    for (int k = 0; k < 3 && st == SIM_OK; k++) st = sim_table_require_col(t, cols[k], &c[k], err);
    for (size_t r = 0; r < t->nrows && st == SIM_OK; r++) {
        int lo, hi;
        double m, f;
        if ((st = sim_table_age_range(t, r, (size_t)c[0], &lo, &hi, err)) != SIM_OK ||
            (st = sim_table_number(t, r, (size_t)c[1], &m, err)) != SIM_OK ||
            (st = sim_table_number(t, r, (size_t)c[2], &f, err)) != SIM_OK)
            break;
        if (lo < 0 || (lo != hi && hi != -1) || lo >= SIM_LT_AGES) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "age: one year of age from 0 to %d (the last may be open, e.g. "
                               "100+) per row",
                               SIM_LT_AGES - 1);
            break;
        }
        pop[0][lo] = m;
        pop[1][lo] = f;
        pop[2][lo] = m + f;
    }
    sim_table_free(t);
    return st;
}

/* A cohort to simulate: an age band of living patients, or a birth cohort of one sex simulated to
 * death. Each job runs whole on one worker, its patients in order, with random streams keyed by
 * its cohort number: the figures do not depend on the number of workers. */
typedef struct job {
    int life;    /* a birth cohort */
    char sex;    /* of a birth cohort: 'M', 'F', 0 */
    int lo, hi;  /* of an age band, in years */
    uint64_t cohort;
} job;

typedef struct pool {
    const sim_realism_opts *o;
    sim_lifetable *lt;
    targets *ts;
    job *jobs;
    size_t njobs, next;
    pthread_mutex_t mu;
    sim_status st;     /* the first failure */
    sim_error err;
    int failed_load;   /* the modules did not load: diagnostics printed once */
    int checked;       /* the targets' codes have been checked against the modules */
} pool;

static void bench_free(bench *b)
{
    sim_engine_free(b->e);
    sim_modset_free(b->ms);
    sim_lua_free(b->lua);
    sim_patient_free(b->p);
}

static sim_status bench_init(pool *pl, bench *b, sim_error *err)
{
    const sim_realism_opts *o = pl->o;
    memset(b, 0, sizeof *b);
    b->root = o->root;
    b->lt = pl->lt;
    b->lua = sim_lua_new(NULL, o->root);
    b->p = sim_patient_new();
    if (!b->lua || !b->p) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    sim_modset_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.root = o->root;
    mo.dirs = o->dirs;
    mo.ndirs = o->ndirs;
    /* one worker at a time, so that a failure is listed once */
    pthread_mutex_lock(&pl->mu);
    sim_status st = sim_modset_load_reported(b->lua, &mo, &b->ms,
                                             pl->failed_load ? NULL : stderr, 0, "", err);
    if (st != SIM_OK) pl->failed_load = 1;
    pthread_mutex_unlock(&pl->mu);
    if (st != SIM_OK) return st;
    /* a code or vital sign no loaded module records can only ever measure 0: a typo (checked by
     * the first worker to load the modules; the others load the same) */
    pthread_mutex_lock(&pl->mu);
    int check = !pl->checked;
    pl->checked = 1;
    pthread_mutex_unlock(&pl->mu);
    for (size_t i = 0; check && i < pl->ts->n; i++) {
        const target *t = &pl->ts->v[i];
        if (t->vital) {
            if (sim_modset_intern(b->ms, SIM_NS_VITAL, t->vital, 0) < 0)
                return sim_error_set(err, SIM_EPARSE, t->file, t->line, 0,
                                     "codes: no loaded module sets the vital sign '%s' (names are "
                                     "case-sensitive, e.g. BMI, Systolic Blood Pressure)",
                                     t->vital);
            continue;
        }
        /* the codes are alternatives: one recorded is enough */
        const sim_code_ref *nc = sim_codelist_unrecorded(&t->codes, b->ms, 0);
        if (nc)
            return sim_error_set(err, SIM_EPARSE, t->file, t->line, 0,
                                 "codes: no loaded module records %s:%s%s, so the measure would "
                                 "always be 0 (a mistyped system or code?)",
                                 nc->system, nc->code,
                                 t->codes.n > 1 ? " or the other codes listed" : "");
        const sim_evidence_item *ne = sim_evidence_unrecorded(&t->ev, b->ms);
        if (ne)
            return sim_error_set(err, SIM_EPARSE, t->file, t->line, 0,
                                 "status: no loaded module records %s:%s, so the evidence "
                                 "would never be found (a mistyped system or code?)",
                                 ne->system, ne->code);
    }
    sim_engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.lifetable = b->lt;
    eo.seed = o->seed ? o->seed : 1;
    b->e = sim_engine_new(b->ms, &eo);
    if (!b->e) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    b->run_key = sim_rng_run_key(o->seed ? o->seed : 1);
    b->ref = sim_time_from_ymd(2025, 1, 1);
    return SIM_OK;
}

static void *worker(void *arg)
{
    pool *pl = arg;
    bench b;
    sim_error err;
    sim_error_clear(&err);
    sim_status st = bench_init(pl, &b, &err);
    uint64_t n = pl->o->per_cohort ? pl->o->per_cohort : 2000;
    while (st == SIM_OK) {
        pthread_mutex_lock(&pl->mu);
        size_t k = pl->st == SIM_OK && pl->next < pl->njobs ? pl->next++ : pl->njobs;
        pthread_mutex_unlock(&pl->mu);
        if (k >= pl->njobs) break;
        const job *j = &pl->jobs[k];
        st = j->life ? life_cohort(&b, pl->ts, j->sex, n, j->cohort, &err)
                     : band_cohort(&b, pl->ts, j->lo, j->hi, n, j->cohort, &err);
    }
    if (st != SIM_OK) {
        pthread_mutex_lock(&pl->mu);
        if (pl->st == SIM_OK) {
            pl->st = st;
            pl->err = err;
        }
        pthread_mutex_unlock(&pl->mu);
    }
    bench_free(&b);
    return NULL;
}

sim_status sim_realism_run(const sim_realism_opts *o, FILE *out, int *failed, sim_error *err)
{
    *failed = 0;
    targets ts = {0};
    sim_lifetable *lt = NULL;
    job *jobs = NULL;
    sim_status st = load_targets(o->root, o->only, o->targets, &ts, err);
    if (st != SIM_OK) goto done;
    char path[4096];
    snprintf(path, sizeof path, "%s/modules/data/lifetable_us.csv", o->root);
    if ((st = sim_lifetable_load(path, &lt, err)) != SIM_OK) goto done;
    uint64_t n = o->per_cohort ? o->per_cohort : 2000;
    /* the US population by age ([0] men, [1] women, [2] both), for median_age */
    static double pop[3][SIM_LT_AGES];
    memset(pop, 0, sizeof pop);
    for (size_t i = 0; i < ts.n; i++)
        if (ts.v[i].kind == M_MEDIAN_AGE) {
            if ((st = load_population(o->root, pop, err)) != SIM_OK) goto done;
            break;
        }
    /* each distinct band, and each sex's birth cohort, once, in the order the targets first name
     * it */
    jobs = calloc(ts.n ? ts.n : 1, sizeof *jobs);
    if (!jobs) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    size_t njobs = 0;
    for (size_t i = 0; i < ts.n; i++) {
        const target *t = &ts.v[i];
        job j;
        memset(&j, 0, sizeof j);
        j.life = birth_kind(t->kind);
        if (j.life) {
            j.sex = t->sex;
        } else {
            j.lo = t->months ? t->age_lo / 12 : t->age_lo;
            j.hi = t->months ? t->age_hi / 12 : t->age_hi;
        }
        int seen = 0;
        for (size_t k = 0; k < njobs && !seen; k++)
            seen = jobs[k].life == j.life &&
                   (j.life ? jobs[k].sex == j.sex : jobs[k].lo == j.lo && jobs[k].hi == j.hi);
        if (seen) continue;
        j.cohort = njobs + 1;
        jobs[njobs++] = j;
    }
    pool pl;
    memset(&pl, 0, sizeof pl);
    pl.o = o;
    pl.lt = lt;
    pl.ts = &ts;
    pl.jobs = jobs;
    pl.njobs = njobs;
    pthread_mutex_init(&pl.mu, NULL);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nw = o->threads ? (size_t)o->threads : cores > 0 ? (size_t)cores : 1;
    if (nw > njobs) nw = njobs ? njobs : 1;
    pthread_t *tids = calloc(nw, sizeof *tids);
    size_t started = 0;
    if (!tids) {
        pl.st = sim_error_set(&pl.err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    } else if (nw == 1) {
        worker(&pl); /* no thread for one worker: simpler to debug */
    } else {
        for (; started < nw; started++)
            if (pthread_create(&tids[started], NULL, worker, &pl) != 0) break;
        if (started == 0) worker(&pl);
        for (size_t i = 0; i < started; i++) pthread_join(tids[i], NULL);
    }
    free(tids);
    pthread_mutex_destroy(&pl.mu);
    if ((st = pl.st) != SIM_OK) {
        if (err) *err = pl.err;
        goto done;
    }
    json_t *arr = o->json ? json_array() : NULL;
    if (!o->json)
        fprintf(out, "%-30s %-11s %9s %16s %9s %8s %6s  %s\n", "measure", "sex, ages", "published",
                "simulated (se)", "tolerance", "allowed", "result", "source");
    for (size_t i = 0; i < ts.n; i++) {
        target *t = &ts.v[i];
        double se, v = value_of(t, pop[t->sex == 'M' ? 0 : t->sex == 'F' ? 1 : 2], &se);
        double allowed = t->tolerance + 3 * se;
        int pass = !isnan(v) && fabs(v - t->published) <= allowed;
        if (!pass) (*failed)++;
        char band[32];
        if (birth_kind(t->kind))
            snprintf(band, sizeof band, "%s birth",
                     t->sex == 'M'   ? "M"
                     : t->sex == 'F' ? "F"
                                     : "all");
        else
            snprintf(band, sizeof band, "%s %d-%d%s",
                     t->sex == 'M'   ? "M"
                     : t->sex == 'F' ? "F"
                                     : "all",
                     t->age_lo, t->age_hi, t->months ? "m" : "");
        if (o->json) {
            json_t *e = json_object();
            json_object_set_new(e, "id", json_string(t->id));
            json_object_set_new(e, "band", json_string(band));
            json_object_set_new(e, "published", json_real(t->published));
            json_object_set_new(e, "simulated", isnan(v) ? json_null() : json_real(v));
            json_object_set_new(e, "standard_error", isnan(se) ? json_null() : json_real(se));
            json_object_set_new(e, "tolerance", json_real(t->tolerance));
            json_object_set_new(e, "allowed", isnan(allowed) ? json_null() : json_real(allowed));
            json_object_set_new(e, "n", json_integer((json_int_t)t->den));
            json_object_set_new(e, "pass", json_boolean(pass));
            json_object_set_new(e, "source", json_string(t->source));
            json_object_set_new(e, "tolerance_reason", json_string(t->reason));
            json_array_append_new(arr, e);
        } else {
            char sim[40];
            if (isnan(v))
                snprintf(sim, sizeof sim, "(nobody)");
            else
                snprintf(sim, sizeof sim, "%.2f (%.2f)", v, se);
            fprintf(out, "%-30s %-11s %9.2f %16s %9.2f %8.2f %6s  %s\n", t->id, band, t->published,
                    sim, t->tolerance, allowed, pass ? "pass" : "FAIL", t->source);
        }
    }
    if (o->json) {
        json_dumpf(arr, out, JSON_INDENT(2));
        fputc('\n', out);
        json_decref(arr);
    } else {
        fprintf(out,
                "\n%zu measure%s, %d failed (pass: |simulated - published| <= tolerance + 3 "
                "standard errors; %llu living patients per age band)\n",
                ts.n, ts.n == 1 ? "" : "s", *failed, (unsigned long long)n);
    }
done:
    free(jobs);
    targets_free(&ts);
    sim_lifetable_free(lt);
    return st;
}
