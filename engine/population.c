/* population.c — the population sampler (see include/sim_population.h).
 *
 * Tables (modules/data/): us_population_age_sex.csv, sex_ratio_at_birth.csv,
 * us_race_ethnicity.csv, names_first.csv, names_last.csv, places.csv, street_names.csv,
 * marital_status.csv, household_income.csv. Each is validated on load with file:line messages.
 */
#include "sim_population.h"

#include "sim_rng.h"
#include "sim_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NAGE SIM_LT_AGES

typedef struct wtable { /* a weighted choice: cumulative weights */
    double *cum;
    size_t n;
} wtable;

typedef sim_place place;

typedef struct marital_row {
    int lo, hi; /* hi -1: open */
    char sex;
    double p[4]; /* married, never married, divorced, widowed */
} marital_row;

struct sim_population {
    sim_pop_opts opts;
    const sim_lifetable *lt;
    wtable agesex; /* cells: sex * NAGE + age */
    double male_share_birth;
    SIM_VEC(char *) race, eth;
    wtable racemix;
    SIM_VEC(char *) first_m, first_f, last;
    wtable w_first_m, w_first_f, w_last;
    SIM_VEC(place) places;
    wtable w_places;
    SIM_VEC(char *) streets;
    SIM_VEC(marital_row) marital;
    SIM_VEC(double) inc_lo;
    SIM_VEC(double) inc_hi;
    wtable w_income;
    double ses_cut[2]; /* income tertile bounds */
    sim_buf sources;
};

static void wt_free(wtable *w)
{
    free(w->cum);
    w->cum = NULL;
    w->n = 0;
}

static int wt_build(wtable *w, const double *weights, size_t n)
{
    w->cum = malloc((n ? n : 1) * sizeof *w->cum);
    if (!w->cum) return -1;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        s += weights[i] > 0 ? weights[i] : 0;
        w->cum[i] = s;
    }
    w->n = n;
    return s > 0 ? 0 : -1;
}

static size_t wt_at(const wtable *w, double u);

static size_t wt_pick(const wtable *w, sim_rng *r)
{
    return wt_at(w, sim_rng_uniform(r));
}

static void free_strvec(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
}

void sim_population_free(sim_population *pop)
{
    if (!pop) return;
    wt_free(&pop->agesex);
    free_strvec(pop->race.v, pop->race.n);
    free_strvec(pop->eth.v, pop->eth.n);
    sim_vec_free(&pop->race);
    sim_vec_free(&pop->eth);
    wt_free(&pop->racemix);
    free_strvec(pop->first_m.v, pop->first_m.n);
    free_strvec(pop->first_f.v, pop->first_f.n);
    free_strvec(pop->last.v, pop->last.n);
    sim_vec_free(&pop->first_m);
    sim_vec_free(&pop->first_f);
    sim_vec_free(&pop->last);
    wt_free(&pop->w_first_m);
    wt_free(&pop->w_first_f);
    wt_free(&pop->w_last);
    for (size_t i = 0; i < pop->places.n; i++) {
        place *pl = &pop->places.v[i];
        free((char *)pl->city);
        free((char *)pl->county);
        free((char *)pl->state);
        free((char *)pl->abbr);
        free((char *)pl->fips);
        free((char *)pl->zip);
    }
    sim_vec_free(&pop->places);
    wt_free(&pop->w_places);
    free_strvec(pop->streets.v, pop->streets.n);
    sim_vec_free(&pop->streets);
    sim_vec_free(&pop->marital);
    sim_vec_free(&pop->inc_lo);
    sim_vec_free(&pop->inc_hi);
    wt_free(&pop->w_income);
    sim_buf_free(&pop->sources);
    free(pop);
}

static sim_status load_table(sim_population *pop, const char *root, const char *name, sim_table **t,
                             sim_error *err)
{
    return sim_table_load_data(root, name, &pop->sources, t, err);
}

static sim_status need_cols(sim_table *t, const char *const *names, int *cols, sim_error *err)
{
    for (int i = 0; names[i]; i++) {
        sim_status st = sim_table_require_col(t, names[i], &cols[i], err);
        if (st != SIM_OK) return st;
    }
    return SIM_OK;
}

static sim_status load_agesex(sim_population *pop, const char *root, sim_error *err)
{
    sim_table *t = NULL;
    sim_status st = load_table(pop, root, "us_population_age_sex.csv", &t, err);
    if (st != SIM_OK) return st;
    static const char *const names[] = {"age", "male", "female", NULL};
    int c[3];
    double count[2][NAGE];
    memset(count, 0, sizeof count);
    if ((st = need_cols(t, names, c, err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        int lo, hi;
        double m, f;
        if ((st = sim_table_age_range(t, r, (size_t)c[0], &lo, &hi, err)) != SIM_OK) goto done;
        if ((st = sim_table_number(t, r, (size_t)c[1], &m, err)) != SIM_OK) goto done;
        if ((st = sim_table_number(t, r, (size_t)c[2], &f, err)) != SIM_OK) goto done;
        if (m < 0 || f < 0) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "counts must not be negative");
            goto done;
        }
        if (hi < 0) hi = lo; /* open interval: counted at its lower bound */
        if (lo >= NAGE) lo = NAGE - 1;
        if (hi >= NAGE) hi = NAGE - 1;
        int width = hi - lo + 1;
        for (int a = lo; a <= hi; a++) {
            count[0][a] += m / width;
            count[1][a] += f / width;
        }
    }
    double w[2 * NAGE];
    for (int s = 0; s < 2; s++) {
        for (int a = 0; a < NAGE; a++) {
            int in_range = pop->opts.age_mode != SIM_AGE_RANGE ||
                           (a >= pop->opts.age_lo && a <= pop->opts.age_hi);
            double surv = sim_lifetable_survival(pop->lt, s ? 'F' : 'M', a + 0.5);
            w[s * NAGE + a] = in_range && surv > 0 ? count[s][a] / surv : 0;
        }
    }
    if (wt_build(&pop->agesex, w, 2 * NAGE) != 0) {
        st = sim_error_set(err, SIM_EINVAL, t->path, 0, 0,
                           "no one in the table is aged %d-%d: widen the age range",
                           pop->opts.age_lo, pop->opts.age_hi);
        goto done;
    }
done:
    sim_table_free(t);
    return st;
}

static sim_status load_sex_ratio(sim_population *pop, const char *root, sim_error *err)
{
    double ratio = pop->opts.males_per_1000;
    sim_status st = SIM_OK;
    if (ratio <= 0) {
        sim_table *t = NULL;
        st = load_table(pop, root, "sex_ratio_at_birth.csv", &t, err);
        if (st != SIM_OK) return st;
        static const char *const names[] = {"measure", "value", NULL};
        int c[2];
        if ((st = need_cols(t, names, c, err)) == SIM_OK) {
            st = sim_error_set(err, SIM_EPARSE, t->path, 0, 0,
                               "needs a row males_per_1000_females,<value>");
            for (size_t r = 0; r < t->nrows; r++)
                if (strcmp(sim_table_cell(t, r, (size_t)c[0]), "males_per_1000_females") == 0)
                    st = sim_table_number(t, r, (size_t)c[1], &ratio, err);
            if (st == SIM_OK && ratio <= 0)
                st =
                    sim_error_set(err, SIM_EPARSE, t->path, 0, 0, "the sex ratio must be positive");
        }
        sim_table_free(t);
    }
    pop->male_share_birth = ratio / (ratio + 1000.0);
    return st;
}

static sim_status load_race(sim_population *pop, const char *root, sim_error *err)
{
    SIM_VEC(double) w = {0};
    sim_status st = SIM_OK;
    if (pop->opts.race_mix && pop->opts.nrace_mix) {
        for (size_t i = 0; i < pop->opts.nrace_mix; i++) {
            char **r = sim_vec_add(&pop->race), **e = sim_vec_add(&pop->eth);
            double *x = sim_vec_add(&w);
            if (!r || !e || !x) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            *r = sim_strdup(pop->opts.race_mix[i].race);
            *e = sim_strdup(pop->opts.race_mix[i].ethnicity);
            *x = pop->opts.race_mix[i].share;
        }
    } else {
        sim_table *t = NULL;
        st = load_table(pop, root, "us_race_ethnicity.csv", &t, err);
        if (st != SIM_OK) return st;
        static const char *const names[] = {"race", "ethnicity", "share", NULL};
        int c[3];
        if ((st = need_cols(t, names, c, err)) != SIM_OK) goto done;
        for (size_t r = 0; r < t->nrows; r++) {
            double s;
            if ((st = sim_table_number(t, r, (size_t)c[2], &s, err)) != SIM_OK) goto done;
            const char *race = sim_table_cell(t, r, (size_t)c[0]);
            const char *eth = sim_table_cell(t, r, (size_t)c[1]);
            if (strcmp(eth, "hispanic") && strcmp(eth, "nonhispanic")) {
                st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                                   "ethnicity must be hispanic or nonhispanic, not \"%s\"", eth);
                goto done;
            }
            char **rr = sim_vec_add(&pop->race), **ee = sim_vec_add(&pop->eth);
            double *x = sim_vec_add(&w);
            if (!rr || !ee || !x) {
                st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
                goto done;
            }
            *rr = sim_strdup(race);
            *ee = sim_strdup(eth);
            *x = s;
        }
    done:
        sim_table_free(t);
    }
    if (st == SIM_OK && wt_build(&pop->racemix, w.v, w.n) != 0)
        st = sim_error_set(err, SIM_EINVAL, "modules/data/us_race_ethnicity.csv", 0, 0,
                           "the race and ethnicity shares sum to zero");
    free(w.v);
    return st;
}

static sim_status load_names(sim_population *pop, const char *root, sim_error *err)
{
    sim_table *t = NULL;
    SIM_VEC(double) wm = {0}, wf = {0}, wl = {0};
    sim_status st = load_table(pop, root, "names_first.csv", &t, err);
    if (st != SIM_OK) return st;
    static const char *const fnames[] = {"name", "sex", "weight", NULL};
    int c[3];
    if ((st = need_cols(t, fnames, c, err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        double w;
        if ((st = sim_table_number(t, r, (size_t)c[2], &w, err)) != SIM_OK) goto done;
        const char *sex = sim_table_cell(t, r, (size_t)c[1]);
        int male = strcmp(sex, "M") == 0;
        if (!male && strcmp(sex, "F") != 0) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0, "sex must be M or F");
            goto done;
        }
        char **slot = sim_vec_add(male ? &pop->first_m : &pop->first_f);
        double *x = sim_vec_add(male ? &wm : &wf);
        if (!slot || !x) goto oom;
        *slot = sim_strdup(sim_table_cell(t, r, (size_t)c[0]));
        *x = w;
    }
    sim_table_free(t);
    t = NULL;
    if ((st = load_table(pop, root, "names_last.csv", &t, err)) != SIM_OK) goto done;
    static const char *const lnames[] = {"name", "weight", NULL};
    if ((st = need_cols(t, lnames, c, err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        double w;
        if ((st = sim_table_number(t, r, (size_t)c[1], &w, err)) != SIM_OK) goto done;
        char **slot = sim_vec_add(&pop->last);
        double *x = sim_vec_add(&wl);
        if (!slot || !x) goto oom;
        *slot = sim_strdup(sim_table_cell(t, r, (size_t)c[0]));
        *x = w;
    }
    if (wt_build(&pop->w_first_m, wm.v, wm.n) || wt_build(&pop->w_first_f, wf.v, wf.n) ||
        wt_build(&pop->w_last, wl.v, wl.n))
        st = sim_error_set(err, SIM_EPARSE, "modules/data/names_first.csv", 0, 0,
                           "each sex needs names with positive weights, and so do surnames");
    goto done;
oom:
    st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
done:
    sim_table_free(t);
    free(wm.v);
    free(wf.v);
    free(wl.v);
    return st;
}

static sim_status load_places(sim_population *pop, const char *root, sim_error *err)
{
    sim_table *t = NULL;
    SIM_VEC(double) w = {0};
    const char *file = pop->opts.places_file ? pop->opts.places_file : "places.csv";
    sim_status st = load_table(pop, root, file, &t, err);
    if (st != SIM_OK) return st;
    static const char *const names[] = {"city", "county", "state", "state_abbr", "county_fips",
                                        "zip",  "lat",    "lon",   "population", NULL};
    int c[9];
    if ((st = need_cols(t, names, c, err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *state = sim_table_cell(t, r, (size_t)c[2]);
        if (pop->opts.state && strcmp(state, pop->opts.state) != 0 &&
            strcmp(sim_table_cell(t, r, (size_t)c[3]), pop->opts.state) != 0)
            continue;
        double lat, lon, n;
        if ((st = sim_table_number(t, r, (size_t)c[6], &lat, err)) != SIM_OK) goto done;
        if ((st = sim_table_number(t, r, (size_t)c[7], &lon, err)) != SIM_OK) goto done;
        if ((st = sim_table_number(t, r, (size_t)c[8], &n, err)) != SIM_OK) goto done;
        place *pl = sim_vec_add(&pop->places);
        double *x = sim_vec_add(&w);
        if (!pl || !x) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        pl->city = sim_strdup(sim_table_cell(t, r, (size_t)c[0]));
        pl->county = sim_strdup(sim_table_cell(t, r, (size_t)c[1]));
        pl->state = sim_strdup(state);
        pl->abbr = sim_strdup(sim_table_cell(t, r, (size_t)c[3]));
        pl->fips = sim_strdup(sim_table_cell(t, r, (size_t)c[4]));
        pl->zip = sim_strdup(sim_table_cell(t, r, (size_t)c[5]));
        pl->lat = lat;
        pl->lon = lon;
        pl->population = n;
        *x = n;
    }
    if (!pop->places.n) {
        st = sim_error_set(err, SIM_EINVAL, t->path, 0, 0, "no place in the table is in '%s'",
                           pop->opts.state ? pop->opts.state : "?");
        goto done;
    }
    if (wt_build(&pop->w_places, w.v, w.n) != 0)
        st = sim_error_set(err, SIM_EPARSE, t->path, 0, 0, "populations sum to zero");
    sim_table_free(t);
    t = NULL;
    if (st != SIM_OK) goto done;
    if ((st = load_table(pop, root, "street_names.csv", &t, err)) != SIM_OK) goto done;
    static const char *const snames[] = {"name", "suffix", NULL};
    if ((st = need_cols(t, snames, c, err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        char **slot = sim_vec_add(&pop->streets);
        if (!slot) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        size_t len = strlen(sim_table_cell(t, r, (size_t)c[0])) +
                     strlen(sim_table_cell(t, r, (size_t)c[1])) + 2;
        *slot = malloc(len);
        if (*slot)
            snprintf(*slot, len, "%s %s", sim_table_cell(t, r, (size_t)c[0]),
                     sim_table_cell(t, r, (size_t)c[1]));
    }
done:
    sim_table_free(t);
    free(w.v);
    return st;
}

static sim_status load_marital(sim_population *pop, const char *root, sim_error *err)
{
    sim_table *t = NULL;
    sim_status st = load_table(pop, root, "marital_status.csv", &t, err);
    if (st != SIM_OK) return st;
    static const char *const names[] = {"age",      "sex",     "married", "never_married",
                                        "divorced", "widowed", NULL};
    int c[6];
    if ((st = need_cols(t, names, c, err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        marital_row *m = sim_vec_add(&pop->marital);
        if (!m) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        if ((st = sim_table_age_range(t, r, (size_t)c[0], &m->lo, &m->hi, err)) != SIM_OK)
            goto done;
        m->sex = sim_table_cell(t, r, (size_t)c[1])[0];
        for (int k = 0; k < 4; k++)
            if ((st = sim_table_number(t, r, (size_t)c[2 + k], &m->p[k], err)) != SIM_OK) goto done;
    }
done:
    sim_table_free(t);
    return st;
}

static sim_status load_income(sim_population *pop, const char *root, sim_error *err)
{
    sim_table *t = NULL;
    SIM_VEC(double) w = {0};
    sim_status st = load_table(pop, root, "household_income.csv", &t, err);
    if (st != SIM_OK) return st;
    static const char *const names[] = {"income_lo", "income_hi", "share", NULL};
    int c[3];
    if ((st = need_cols(t, names, c, err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        double lo, hi = -1, s;
        if ((st = sim_table_number(t, r, (size_t)c[0], &lo, err)) != SIM_OK) goto done;
        if (sim_table_cell(t, r, (size_t)c[1])[0] &&
            (st = sim_table_number(t, r, (size_t)c[1], &hi, err)) != SIM_OK)
            goto done;
        if ((st = sim_table_number(t, r, (size_t)c[2], &s, err)) != SIM_OK) goto done;
        double *a = sim_vec_add(&pop->inc_lo), *b = sim_vec_add(&pop->inc_hi), *x = sim_vec_add(&w);
        if (!a || !b || !x) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        *a = lo;
        *b = hi;
        *x = s;
    }
    if (wt_build(&pop->w_income, w.v, w.n) != 0) {
        st = sim_error_set(err, SIM_EPARSE, t->path, 0, 0, "shares sum to zero");
        goto done;
    }
    /* socioeconomic categories: income tertiles of the same distribution */
    double total = pop->w_income.cum[pop->w_income.n - 1];
    for (int k = 0; k < 2; k++) {
        double target = total * (k + 1) / 3.0, prev = 0;
        for (size_t i = 0; i < pop->w_income.n; i++) {
            if (pop->w_income.cum[i] >= target) {
                double hi = pop->inc_hi.v[i] >= 0 ? pop->inc_hi.v[i] + 1 : pop->inc_lo.v[i] * 2;
                double f = (target - prev) / (pop->w_income.cum[i] - prev);
                pop->ses_cut[k] = pop->inc_lo.v[i] + f * (hi - pop->inc_lo.v[i]);
                break;
            }
            prev = pop->w_income.cum[i];
        }
    }
done:
    sim_table_free(t);
    free(w.v);
    return st;
}

sim_status sim_population_load(const char *root, const sim_pop_opts *opts, const sim_lifetable *lt,
                               sim_population **out, sim_error *err)
{
    *out = NULL;
    sim_population *pop = calloc(1, sizeof *pop);
    if (!pop) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    if (opts) pop->opts = *opts;
    pop->lt = lt;
    sim_status st;
    if ((st = load_agesex(pop, root, err)) != SIM_OK ||
        (st = load_sex_ratio(pop, root, err)) != SIM_OK ||
        (st = load_race(pop, root, err)) != SIM_OK || (st = load_names(pop, root, err)) != SIM_OK ||
        (st = load_places(pop, root, err)) != SIM_OK ||
        (st = load_marital(pop, root, err)) != SIM_OK ||
        (st = load_income(pop, root, err)) != SIM_OK) {
        sim_population_free(pop);
        return st;
    }
    if (lt && lt->source) {
        sim_buf_puts(&pop->sources, "- modules/data/lifetable_us.csv: ");
        sim_table_citation(lt->source, &pop->sources);
        sim_buf_putc(&pop->sources, '\n');
    }
    *out = pop;
    return SIM_OK;
}

size_t sim_population_nplaces(const sim_population *pop)
{
    return pop->places.n;
}

const sim_place *sim_population_place(const sim_population *pop, size_t i)
{
    return i < pop->places.n ? &pop->places.v[i] : NULL;
}

static size_t wt_at(const wtable *w, double u)
{
    double x = u * w->cum[w->n - 1];
    size_t lo = 0, hi = w->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

const char *sim_population_first_name(const sim_population *pop, char sex, double u)
{
    return sex == 'M' ? pop->first_m.v[wt_at(&pop->w_first_m, u)]
                      : pop->first_f.v[wt_at(&pop->w_first_f, u)];
}

const char *sim_population_last_name(const sim_population *pop, double u)
{
    return pop->last.v[wt_at(&pop->w_last, u)];
}

const char *sim_population_street(const sim_population *pop, double u)
{
    size_t i = (size_t)(u * (double)pop->streets.n);
    return pop->streets.v[i < pop->streets.n ? i : pop->streets.n - 1];
}

double sim_population_income_percentile(const sim_population *pop, double income)
{
    double total = pop->w_income.cum[pop->w_income.n - 1], below = 0;
    for (size_t i = 0; i < pop->w_income.n; i++) {
        double share = pop->w_income.cum[i] - below;
        double lo = pop->inc_lo.v[i], hi = pop->inc_hi.v[i] >= 0 ? pop->inc_hi.v[i] + 1 : lo * 4;
        if (income < hi || i + 1 == pop->w_income.n) {
            double f = income <= lo ? 0 : income >= hi ? 1 : (income - lo) / (hi - lo);
            return (below + f * share) / total;
        }
        below = pop->w_income.cum[i];
    }
    return 1;
}

const char *sim_population_sources(const sim_population *pop)
{
    return pop->sources.data ? pop->sources.data : "";
}

void sim_uuid(uint64_t a, uint64_t b, char out[40])
{
    uint64_t hi =
        sim_mix64(sim_mix64(a ^ UINT64_C(0x8cb92ba72f3d8dd7)) + b * UINT64_C(0x9e3779b97f4a7c15));
    uint64_t lo = sim_mix64(hi ^ UINT64_C(0x3c6ef372fe94f82b) ^ b);
    hi = (hi & ~UINT64_C(0xf000)) | UINT64_C(0x4000);           /* version 4 */
    lo = (lo & ~(UINT64_C(0xc) << 60)) | (UINT64_C(0x8) << 60); /* RFC 4122 variant */
    snprintf(out, 40, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(hi >> 32),
             (unsigned)((hi >> 16) & 0xffff), (unsigned)(hi & 0xffff), (unsigned)(lo >> 48),
             (unsigned long long)(lo & UINT64_C(0xffffffffffff)));
}

static const char *numbered(sim_patient *p, sim_rng *r, const char *name)
{
    /* a number after each name marks it as synthetic, as Synthea does */
    return sim_arena_printf(p->arena, "%s%u", name, (unsigned)(sim_rng_below(r, 999) + 1));
}

void sim_population_sample(const sim_population *pop, sim_patient *p, sim_time ref)
{
    sim_rng r;
    sim_rng_init(&r, sim_rng_stream_key(p->key, "$demog"));
    sim_person *w = &p->who;
    sim_uuid(p->key, UINT64_C(0x70617469656e74), w->id); /* "patient" */
    /* age and sex */
    size_t cell = wt_pick(&pop->agesex, &r);
    int sexi = (int)(cell / NAGE), age = (int)(cell % NAGE);
    w->sex = sexi ? 'F' : 'M';
    double years = age + sim_rng_uniform(&r);
    if (age == NAGE - 1) years = age + sim_rng_uniform(&r) * 5.0; /* 100+: up to 105 */
    p->birth = ref - (sim_time)(years * (double)SIM_MS_YEAR);
    p->birth -= p->birth % SIM_MS_SECOND; /* whole seconds, as records show them */
    /* race and ethnicity */
    size_t ri = wt_pick(&pop->racemix, &r);
    w->race = pop->race.v[ri];
    w->ethnicity = pop->eth.v[ri];
    /* names */
    const wtable *wf = w->sex == 'M' ? &pop->w_first_m : &pop->w_first_f;
    char *const *fv = w->sex == 'M' ? pop->first_m.v : pop->first_f.v;
    w->first = numbered(p, &r, fv[wt_pick(wf, &r)]);
    w->middle = sim_rng_uniform(&r) < 0.7 ? numbered(p, &r, fv[wt_pick(wf, &r)]) : "";
    w->last = numbered(p, &r, pop->last.v[wt_pick(&pop->w_last, &r)]);
    w->prefix = w->suffix = w->maiden = w->marital = "";
    w->drivers = w->passport = "";
    w->ssn = sim_arena_printf(p->arena, "999-%02u-%04u", (unsigned)sim_rng_below(&r, 90) + 10,
                              (unsigned)sim_rng_below(&r, 10000));
    /* address */
    size_t pli = wt_pick(&pop->w_places, &r);
    const place *pl = &pop->places.v[pli];
    w->place = (int32_t)pli;
    const char *street = pop->streets.v[sim_rng_below(&r, pop->streets.n)];
    unsigned number = (unsigned)sim_rng_below(&r, 999) + 1;
    if (sim_rng_uniform(&r) < 0.2)
        w->street = sim_arena_printf(p->arena, "%u %s Unit %u", number, street,
                                     (unsigned)sim_rng_below(&r, 99) + 1);
    else
        w->street = sim_arena_printf(p->arena, "%u %s", number, street);
    w->city = pl->city;
    w->county = pl->county;
    w->state = pl->state;
    w->state_abbr = pl->abbr;
    w->fips = pl->fips;
    w->zip = pl->zip;
    w->lat = pl->lat + (sim_rng_uniform(&r) - 0.5) * 0.04;
    w->lon = pl->lon + (sim_rng_uniform(&r) - 0.5) * 0.04;
    const place *bp = &pop->places.v[wt_pick(&pop->w_places, &r)];
    w->birthplace = sim_arena_printf(p->arena, "%s, %s, US", bp->city, bp->state);
    /* household income and socioeconomic category */
    size_t ii = wt_pick(&pop->w_income, &r);
    double lo = pop->inc_lo.v[ii], hi = pop->inc_hi.v[ii];
    double u = sim_rng_uniform_open(&r);
    /* the open top bracket: a Pareto tail with shape 2 above its lower bound */
    w->income = hi >= 0 ? floor(lo + u * (hi + 1 - lo)) : floor(lo / sqrt(u));
    if (w->income > 5e6) w->income = 5e6;
    w->ses = w->income < pop->ses_cut[0] ? 0 : w->income < pop->ses_cut[1] ? 1 : 2;
}

void sim_population_finish(const sim_population *pop, sim_patient *p)
{
    sim_rng r;
    sim_rng_init(&r, sim_rng_stream_key(p->key, "$demog-late"));
    sim_person *w = &p->who;
    sim_time at = p->death != SIM_NEVER && p->death < p->end ? p->death : p->end;
    int64_t age = sim_age_years(p->birth, at);
    w->marital = "";
    for (size_t i = 0; i < pop->marital.n; i++) {
        const marital_row *m = &pop->marital.v[i];
        if (m->sex != w->sex || age < m->lo || (m->hi >= 0 && age > m->hi)) continue;
        static const char *const codes[4] = {"M", "S", "D", "W"};
        w->marital = codes[sim_rng_pick(&r, m->p, 4)];
        break;
    }
    if (age >= 18) {
        w->prefix = w->sex == 'M' ? "Mr." : (strcmp(w->marital, "M") == 0 ? "Mrs." : "Ms.");
        if (w->sex == 'F' && w->marital[0] && strcmp(w->marital, "S") != 0)
            w->maiden = numbered(p, &r, pop->last.v[wt_pick(&pop->w_last, &r)]);
    }
    if (age >= 16)
        w->drivers = sim_arena_printf(p->arena, "S999%05u", (unsigned)sim_rng_below(&r, 100000));
    if (age >= 18 && sim_rng_uniform(&r) < 0.45)
        w->passport = sim_arena_printf(p->arena, "X%08uX", (unsigned)sim_rng_below(&r, 100000000));
}
