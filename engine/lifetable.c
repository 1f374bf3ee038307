/* lifetable.c — reading a period life table and drawing ages at death (see sim_lifetable.h). */
#include "sim_lifetable.h"

#include "sim_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sim_lifetable_free(sim_lifetable *lt)
{
    if (!lt) return;
    free(lt->source);
    free(lt->path);
    free(lt);
}

sim_status sim_lifetable_load(const char *path, sim_lifetable **out, sim_error *err)
{
    *out = NULL;
    sim_table *t = NULL;
    sim_status st = sim_table_load(path, &t, err);
    if (st != SIM_OK) return st;
    sim_lifetable *lt = calloc(1, sizeof *lt);
    if (!lt) {
        sim_table_free(t);
        return sim_error_set(err, SIM_ENOMEM, path, 0, 0, "out of memory");
    }
    int cage, cols[2][2];
    static const char *const names[2][2] = {{"male_qx", "male_ex"}, {"female_qx", "female_ex"}};
    if ((st = sim_table_require_col(t, "age", &cage, err)) != SIM_OK) goto done;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < 2; k++)
            if ((st = sim_table_require_col(t, names[s][k], &cols[s][k], err)) != SIM_OK) goto done;
    int seen[SIM_LT_AGES] = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        int lo, hi;
        if ((st = sim_table_age_range(t, r, (size_t)cage, &lo, &hi, err)) != SIM_OK) goto done;
        int open = hi < 0;
        if (lo >= SIM_LT_AGES || (open && lo != SIM_LT_AGES - 1) || (!open && lo != hi)) {
            st = sim_error_set(err, SIM_EPARSE, path, t->lines[r], 0,
                               "age must be a single year 0..99 or the open interval 100+");
            goto done;
        }
        if (seen[lo]++) {
            st = sim_error_set(err, SIM_EPARSE, path, t->lines[r], 0, "age %d appears twice", lo);
            goto done;
        }
        for (int s = 0; s < 2; s++) {
            double q, e;
            if ((st = sim_table_number(t, r, (size_t)cols[s][0], &q, err)) != SIM_OK) goto done;
            if ((st = sim_table_number(t, r, (size_t)cols[s][1], &e, err)) != SIM_OK) goto done;
            if (q < 0 || q > 1 || (open && q != 1)) {
                st = sim_error_set(err, SIM_EPARSE, path, t->lines[r], 0,
                                   "column '%s': qx must be in [0, 1] (and 1 for the open "
                                   "interval)",
                                   names[s][0]);
                goto done;
            }
            if (e <= 0) {
                st = sim_error_set(err, SIM_EPARSE, path, t->lines[r], 0,
                                   "column '%s': life expectancy must be positive", names[s][1]);
                goto done;
            }
            lt->qx[s][lo] = q;
            lt->ex[s][lo] = e;
        }
    }
    for (int a = 0; a < SIM_LT_AGES; a++) {
        if (!seen[a]) {
            st = sim_error_set(err, SIM_EPARSE, path, 0, 0,
                               "the table has no row for age %d%s (it needs 0..99 and 100+)", a,
                               a == SIM_LT_AGES - 1 ? "+" : "");
            goto done;
        }
    }
    for (int s = 0; s < 2; s++) {
        lt->lx[s][0] = 1.0;
        for (int a = 0; a < SIM_LT_AGES; a++) lt->lx[s][a + 1] = lt->lx[s][a] * (1 - lt->qx[s][a]);
    }
    lt->source = sim_strdup(t->comments);
    lt->path = sim_strdup(path);
    if (!lt->source || !lt->path) st = sim_error_set(err, SIM_ENOMEM, path, 0, 0, "out of memory");
done:
    sim_table_free(t);
    if (st != SIM_OK) {
        sim_lifetable_free(lt);
        return st;
    }
    *out = lt;
    return SIM_OK;
}

sim_lifetable *sim_lifetable_cause_deleted(const sim_lifetable *lt, const double *const m[2])
{
    sim_lifetable *d = malloc(sizeof *d);
    if (!d) return NULL;
    *d = *lt;
    d->source = sim_strdup(lt->source ? lt->source : "");
    d->path = sim_strdup(lt->path ? lt->path : "");
    if (!d->source || !d->path) {
        sim_lifetable_free(d);
        return NULL;
    }
    for (int s = 0; s < 2; s++) {
        for (int a = 0; m[s] && a < SIM_LT_AGES - 1; a++) {
            double q = lt->qx[s][a] - m[s][a];
            d->qx[s][a] = q > 0.25 * lt->qx[s][a] ? q : 0.25 * lt->qx[s][a];
        }
        d->lx[s][0] = 1.0;
        for (int a = 0; a < SIM_LT_AGES; a++) d->lx[s][a + 1] = d->lx[s][a] * (1 - d->qx[s][a]);
    }
    return d;
}

static int sex_index(char sex)
{
    return sex == 'F' ? 1 : 0;
}

double sim_lifetable_survival(const sim_lifetable *lt, char sex, double age)
{
    int s = sex_index(sex);
    if (age <= 0) return 1.0;
    int last = SIM_LT_AGES - 1;
    if (age >= last) return lt->lx[s][last] * exp(-(age - last) / lt->ex[s][last]);
    int x = (int)age;
    double f = age - x;
    return lt->lx[s][x] - f * (lt->lx[s][x] - lt->lx[s][x + 1]);
}

double sim_lifetable_e0(const sim_lifetable *lt, char sex)
{
    return lt->ex[sex_index(sex)][0];
}

double sim_lifetable_draw(const sim_lifetable *lt, char sex, sim_rng *r)
{
    int s = sex_index(sex);
    double u = sim_rng_uniform_open(r);
    int last = SIM_LT_AGES - 1;
    /* find x with lx[x] >= u > lx[x+1] */
    if (u <= lt->lx[s][last]) return last - lt->ex[s][last] * log(u / lt->lx[s][last]);
    int lo = 0, hi = last; /* lx[lo] >= u > lx[hi] */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (lt->lx[s][mid] >= u)
            lo = mid;
        else
            hi = mid;
    }
    double d = lt->lx[s][lo] - lt->lx[s][lo + 1];
    return lo + (d > 0 ? (lt->lx[s][lo] - u) / d : 0.5);
}
