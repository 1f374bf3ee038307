/* costs.c — payers and costs (see include/sim_costs.h). */
#include "sim_costs.h"

#include "sim_export.h"
#include "sim_rng.h"
#include "sim_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    EV_OFFICE = 0,
    EV_OUTPATIENT,
    EV_EMERGENCY,
    EV_INPATIENT,
    EV_HOME,
    EV_PRESCRIPTION,
    EV_COUNT
};

typedef struct band {
    int lo, hi;      /* hi -1: open */
    double share[4]; /* medicare, medicaid, private, uninsured */
} band;

struct sim_costs {
    const sim_population *pop;
    SIM_VEC(band) bands;
    double mean[EV_COUNT];
    double oop[EV_COUNT]; /* share paid out of pocket */
    sim_payer payers[6];
    size_t npayers;
    size_t first_private, nprivate;
    sim_buf sources;
};

static const char *const event_names[EV_COUNT] = {"office_visit",    "outpatient_visit",
                                                  "emergency_visit", "inpatient_stay",
                                                  "home_health",     "prescription"};

static sim_status load(sim_costs *c, const char *root, const char *name, sim_table **t,
                       sim_error *err)
{
    return sim_table_load_data(root, name, &c->sources, t, err);
}

static void add_payer(sim_costs *c, const char *name, const char *ownership, sim_pay_kind kind)
{
    sim_payer *p = &c->payers[c->npayers++];
    sim_uuid(sim_hash64(name), UINT64_C(0x7061796572), p->id); /* "payer" */
    p->name = name;
    p->ownership = ownership;
    p->kind = (uint8_t)kind;
}

sim_status sim_costs_load(const char *root, const sim_population *pop, sim_costs **out,
                          sim_error *err)
{
    *out = NULL;
    sim_costs *c = calloc(1, sizeof *c);
    if (!c) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    c->pop = pop;
    sim_table *t = NULL;
    sim_status st = load(c, root, "insurance_coverage.csv", &t, err);
    if (st != SIM_OK) goto done;
    static const char *const cols[] = {"age", "medicare", "medicaid", "private", "uninsured"};
    int ci[5];
    for (int k = 0; k < 5; k++)
        if ((st = sim_table_require_col(t, cols[k], &ci[k], err)) != SIM_OK) goto done;
    for (size_t r = 0; r < t->nrows; r++) {
        band *b = sim_vec_add(&c->bands);
        if (!b) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        if ((st = sim_table_age_range(t, r, (size_t)ci[0], &b->lo, &b->hi, err)) != SIM_OK)
            goto done;
        /* the bands cover every age once, in order: 0-18, 19-34, ..., 65+ */
        int want = r ? c->bands.v[r - 1].hi + 1 : 0;
        if (b->lo != want || (r + 1 < t->nrows) == (b->hi < 0)) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "age bands must follow each other from 0 with no gap or overlap, "
                               "the last one open (\"65+\"): this one should start at %d%s",
                               want, r + 1 < t->nrows ? "" : " and have no upper bound");
            goto done;
        }
        double sum = 0;
        for (int k = 0; k < 4; k++) {
            if ((st = sim_table_number(t, r, (size_t)ci[k + 1], &b->share[k], err)) != SIM_OK)
                goto done;
            sum += b->share[k];
        }
        if (fabs(sum - 1) > 0.001) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "the coverage shares sum to %g: they must sum to 1", sum);
            goto done;
        }
    }
    sim_table_free(t);
    t = NULL;
    if ((st = load(c, root, "encounter_costs.csv", &t, err)) != SIM_OK) goto done;
    int ce, cm, co;
    if ((st = sim_table_require_col(t, "event", &ce, err)) != SIM_OK ||
        (st = sim_table_require_col(t, "mean_expense", &cm, err)) != SIM_OK ||
        (st = sim_table_require_col(t, "paid_out_of_pocket", &co, err)) != SIM_OK)
        goto done;
    for (int ev = 0; ev < EV_COUNT; ev++) {
        int found = 0;
        for (size_t r = 0; r < t->nrows; r++) {
            if (strcmp(sim_table_cell(t, r, (size_t)ce), event_names[ev])) continue;
            if ((st = sim_table_number(t, r, (size_t)cm, &c->mean[ev], err)) != SIM_OK ||
                (st = sim_table_number(t, r, (size_t)co, &c->oop[ev], err)) != SIM_OK)
                goto done;
            found = 1;
        }
        if (!found) {
            st = sim_error_set(err, SIM_EPARSE, t->path, 0, 0, "no row for the event '%s'",
                               event_names[ev]);
            goto done;
        }
    }
    add_payer(c, "Medicare", "GOVERNMENT", SIM_PAY_MEDICARE);
    add_payer(c, "Medicaid", "GOVERNMENT", SIM_PAY_MEDICAID);
    c->first_private = c->npayers;
    add_payer(c, "Commonwealth Health Plan", "PRIVATE", SIM_PAY_PRIVATE);
    add_payer(c, "Bay State Mutual Health", "PRIVATE", SIM_PAY_PRIVATE);
    add_payer(c, "Harbor Health Insurance", "PRIVATE", SIM_PAY_PRIVATE);
    c->nprivate = c->npayers - c->first_private;
    add_payer(c, "NO_INSURANCE", "NO_INSURANCE", SIM_PAY_NONE);
done:
    sim_table_free(t);
    if (st != SIM_OK) {
        sim_costs_free(c);
        return st;
    }
    *out = c;
    return SIM_OK;
}

void sim_costs_free(sim_costs *c)
{
    if (!c) return;
    sim_vec_free(&c->bands);
    sim_buf_free(&c->sources);
    free(c);
}

size_t sim_costs_npayers(const sim_costs *c)
{
    return c->npayers;
}

const sim_payer *sim_costs_payer(const sim_costs *c, size_t i)
{
    return i < c->npayers ? &c->payers[i] : NULL;
}

const char *sim_costs_sources(const sim_costs *c)
{
    return c->sources.data ? c->sources.data : "";
}

static const band *band_at(const sim_costs *c, int64_t age)
{
    for (size_t i = 0; i < c->bands.n; i++) {
        const band *b = &c->bands.v[i];
        if (age >= b->lo && (b->hi < 0 || age <= b->hi)) return b;
    }
    return c->bands.n ? &c->bands.v[c->bands.n - 1] : NULL;
}

/* the patient's payer while in age band b */
static int32_t payer_in(const sim_costs *c, const sim_patient *p, const band *b)
{
    if (!b) return (int32_t)c->npayers - 1;
    /* a latent rank, mostly the income percentile, decides who is on which coverage */
    double u = (double)(sim_mix64(p->key ^ UINT64_C(0x636f76)) >> 11) * 0x1.0p-53;
    double m = (double)(sim_mix64(p->key ^ UINT64_C(0x6d6564)) >> 11) * 0x1.0p-53;
    double v = 0.8 * sim_population_income_percentile(c->pop, p->who.income) + 0.2 * u;
    if (m < b->share[0]) return 0; /* Medicare: age 65, or disability, not income */
    double rest = 1 - b->share[0];
    double medicaid = rest > 0 ? b->share[1] / rest : 0, none = rest > 0 ? b->share[3] / rest : 0;
    if (v < medicaid) return 1;
    if (v < medicaid + none) return (int32_t)c->npayers - 1;
    return (int32_t)(c->first_private + sim_mix64(p->key) % c->nprivate);
}

int32_t sim_costs_payer_at(const sim_costs *c, const sim_patient *p, sim_time t)
{
    return payer_in(c, p, band_at(c, sim_age_years(p->birth, t)));
}

static int event_of(const sim_encounter *e)
{
    switch ((sim_enc_class)e->cls) {
    case SIM_EC_OUTPATIENT: return EV_OUTPATIENT;
    case SIM_EC_EMERGENCY: return EV_EMERGENCY;
    case SIM_EC_INPATIENT:
    case SIM_EC_SNF: return EV_INPATIENT;
    case SIM_EC_HOME:
    case SIM_EC_HOSPICE: return EV_HOME;
    default: return EV_OFFICE;
    }
}

static double cents(double v)
{
    return round(v * 100) / 100;
}

sim_cost sim_costs_encounter(const sim_costs *c, const sim_patient *p, size_t enc)
{
    const sim_encounter *e = &p->encounters.v[enc];
    sim_cost k;
    k.payer = sim_costs_payer_at(c, p, e->start);
    if (e->module < 0) { /* the death certificate is paperwork, not care */
        k.base = k.covered = 0;
        return k;
    }
    int ev = event_of(e);
    k.base = cents(c->mean[ev]);
    k.covered = c->payers[k.payer].kind == SIM_PAY_NONE ? 0 : cents(k.base * (1 - c->oop[ev]));
    return k;
}

long sim_costs_dispenses(const sim_patient *p, size_t med, sim_time end)
{
    const sim_medication *m = &p->medications.v[med];
    sim_time stop = m->stop != SIM_NEVER ? m->stop : (p->death != SIM_NEVER ? p->death : end);
    double span = (double)(stop - m->start);
    double per = (double)SIM_MS_MONTH;
    if (m->dosage && m->dosage->duration > 0)
        per = m->dosage->duration * sim_unit_ms((sim_unit)m->dosage->duration_unit);
    long n = (long)(span / per);
    if (m->dosage && m->dosage->refills > 0) n = m->dosage->refills + 1;
    return n < 1 ? 1 : n;
}

sim_cost sim_costs_medication(const sim_costs *c, const sim_patient *p, size_t med, long dispenses)
{
    const sim_medication *m = &p->medications.v[med];
    sim_cost k;
    k.payer = sim_costs_payer_at(c, p, m->start);
    k.base = cents(c->mean[EV_PRESCRIPTION]);
    double total = k.base * (double)(dispenses > 0 ? dispenses : 1);
    k.covered =
        c->payers[k.payer].kind == SIM_PAY_NONE ? 0 : cents(total * (1 - c->oop[EV_PRESCRIPTION]));
    return k;
}

void sim_costs_tally(const sim_costs *c, const sim_patient *p, sim_time from, sim_time end,
                     sim_payer_tally *tally)
{
    /* member months: the life within the window, band by band (coverage changes only when the
     * patient's age enters another band) */
    sim_time lo = p->birth > from ? p->birth : from;
    sim_time hi = p->death != SIM_NEVER && p->death < end ? p->death : end;
    uint8_t seen[8] = {0};
    for (size_t i = 0; i < c->bands.n && hi > lo; i++) {
        const band *b = &c->bands.v[i];
        sim_time a = sim_time_add_years(p->birth, b->lo);
        sim_time z = b->hi < 0 ? hi : sim_time_add_years(p->birth, b->hi + 1);
        if (a < lo) a = lo;
        if (z > hi) z = hi;
        if (z <= a) continue;
        int32_t pay = payer_in(c, p, b);
        tally[pay].member_ms += z - a;
        seen[pay] = 1;
    }
    for (size_t i = 0; i < p->encounters.n; i++) {
        if (p->encounters.v[i].start < from) continue;
        sim_cost k = sim_costs_encounter(c, p, i);
        int covered = c->payers[k.payer].kind != SIM_PAY_NONE;
        tally[k.payer].covered_cents += llround(k.covered * 100);
        tally[k.payer].uncovered_cents += llround((k.base - k.covered) * 100);
        if (covered)
            tally[k.payer].covered_encounters++;
        else
            tally[k.payer].uncovered_encounters++;
        seen[k.payer] = 1;
    }
    for (size_t i = 0; i < p->procedures.n; i++) {
        const sim_procedure *pr = &p->procedures.v[i];
        if (pr->start < from) continue;
        int32_t pay = sim_costs_payer_at(c, p, pr->start);
        if (c->payers[pay].kind == SIM_PAY_NONE)
            tally[pay].uncovered_procedures++;
        else
            tally[pay].covered_procedures++;
    }
    for (size_t i = 0; i < p->immunizations.n; i++) {
        const sim_immunization *im = &p->immunizations.v[i];
        if (im->time < from) continue;
        int32_t pay = sim_costs_payer_at(c, p, im->time);
        if (c->payers[pay].kind == SIM_PAY_NONE)
            tally[pay].uncovered_immunizations++;
        else
            tally[pay].covered_immunizations++;
    }
    for (size_t i = 0; i < p->medications.n; i++) {
        if (p->medications.v[i].start < from) continue;
        sim_cost k = sim_costs_medication(c, p, i, sim_costs_dispenses(p, i, end));
        double total = k.base * (double)sim_costs_dispenses(p, i, end);
        tally[k.payer].covered_cents += llround(k.covered * 100);
        tally[k.payer].uncovered_cents += llround((total - k.covered) * 100);
        if (c->payers[k.payer].kind != SIM_PAY_NONE)
            tally[k.payer].covered_medications++;
        else
            tally[k.payer].uncovered_medications++;
    }
    for (size_t i = 0; i < c->npayers; i++) tally[i].customers += seen[i];
}

void sim_costs_csv(const sim_costs *c, const sim_payer_tally *t, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_PAYERS];
    for (size_t i = 0; i < c->npayers; i++) {
        const sim_payer *p = &c->payers[i];
        const sim_payer_tally *x = &t[i];
        /* Id,NAME,OWNERSHIP,ADDRESS,CITY,STATE_HEADQUARTERED,ZIP,PHONE: no address modelled */
        sim_buf_printf(b, "%s,%s,%s,,,,,,", p->id, p->name, p->ownership);
        sim_buf_put_fixed(b, (double)x->covered_cents / 100.0, 2);
        sim_buf_putc(b, ',');
        sim_buf_put_fixed(b, (double)x->uncovered_cents / 100.0, 2);
        /* REVENUE (premiums) is not modelled: left empty */
        sim_buf_printf(
            b, ",,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,",
            (unsigned long long)x->covered_encounters, (unsigned long long)x->uncovered_encounters,
            (unsigned long long)x->covered_medications,
            (unsigned long long)x->uncovered_medications, (unsigned long long)x->covered_procedures,
            (unsigned long long)x->uncovered_procedures,
            (unsigned long long)x->covered_immunizations,
            (unsigned long long)x->uncovered_immunizations, (unsigned long long)x->customers);
        /* QOLS_AVG (quality of life) is not modelled: left empty */
        sim_buf_printf(b, ",%.0f\n", (double)x->member_ms / (double)SIM_MS_MONTH);
        o->rows[SIM_CSV_PAYERS]++;
    }
}

void sim_payer_tally_add(sim_payer_tally *a, const sim_payer_tally *b)
{
    a->covered_cents += b->covered_cents;
    a->uncovered_cents += b->uncovered_cents;
    a->covered_encounters += b->covered_encounters;
    a->uncovered_encounters += b->uncovered_encounters;
    a->covered_medications += b->covered_medications;
    a->uncovered_medications += b->uncovered_medications;
    a->covered_procedures += b->covered_procedures;
    a->uncovered_procedures += b->uncovered_procedures;
    a->covered_immunizations += b->covered_immunizations;
    a->uncovered_immunizations += b->uncovered_immunizations;
    a->customers += b->customers;
    a->member_ms += b->member_ms;
}
