/* check.c — the coherence rules (see include/sim_check.h), the plausibility tables they read,
 * and the engine's --strict mode. The readers that feed the rules are in check_read.c. */
#include "check_internal.h"

#include "sim_table.h"

#include <stdlib.h>
#include <string.h>

static const char *const rule_names[SIM_RULE_COUNT] = {"birth-before-events",
                                                       "condition-onset-after-birth",
                                                       "nothing-after-death",
                                                       "within-simulation",
                                                       "encounter-start-before-stop",
                                                       "start-before-stop",
                                                       "inside-encounter",
                                                       "death-date-agrees",
                                                       "reference-resolves",
                                                       "unique-ids",
                                                       "sex-specific",
                                                       "vaccine-age-window"};

const char *sim_check_rule_name(sim_check_rule r)
{
    return r < SIM_RULE_COUNT ? rule_names[r] : "?";
}

static const char *const kind_names[CK_NKINDS] = {
    "Patient",     "Encounter",    "Condition",    "Allergy",     "Medication",
    "CarePlan",    "Procedure",    "Immunization", "Observation", "DiagnosticReport",
    "Device",      "Supply",       "ImagingStudy", "Claim",       "ClaimTransaction",
    "PayerPeriod", "Organization", "Provider",     "Payer"};

const char *ck_kind_name(int kind)
{
    return kind >= 0 && kind < CK_NKINDS ? kind_names[kind] : "?";
}

/* ---- time ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t day_of(int64_t t)
{
    return floor_div(t, SIM_MS_DAY);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int ck_parse_time(const char *s, ck_time *out)
{
    out->t = 0;
    out->prec = CK_PREC_NONE;
    if (!s || !*s) return 0;
    int y, mo, d;
    if (strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > sim_days_in_month(y, (unsigned)mo)) return -1;
    int64_t days = sim_days_from_civil(y, (unsigned)mo, (unsigned)d);
    if (!s[10]) {
        out->t = days * SIM_MS_DAY;
        out->prec = CK_PREC_DAY;
        return 0;
    }
    int h, mi, se;
    const char *p = s + 10;
    if ((*p != 'T' && *p != ' ') || digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
        return -1;
    p += 6;
    se = 0;
    if (*p == ':') {
        if (digits(p + 1, 2, &se)) return -1;
        p += 3;
    }
    int64_t ms = 0;
    if (*p == '.') {
        p++;
        int64_t scale = 100;
        if (*p < '0' || *p > '9') return -1;
        while (*p >= '0' && *p <= '9') {
            ms += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    if (h > 23 || mi > 59 || se > 60) return -1;
    int64_t off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om)) return -1;
        off = (oh * 60 + om) * SIM_MS_MINUTE * (*p == '-' ? -1 : 1);
        p += 6;
    }
    if (*p) return -1;
    out->t =
        days * SIM_MS_DAY + h * SIM_MS_HOUR + mi * SIM_MS_MINUTE + se * SIM_MS_SECOND + ms - off;
    out->prec = CK_PREC_INSTANT;
    return 0;
}

/* a earlier than b, at the coarser precision of the two */
static int before(ck_time a, ck_time b)
{
    if (a.prec == CK_PREC_DAY || b.prec == CK_PREC_DAY) return day_of(a.t) < day_of(b.t);
    return a.t < b.t;
}

static void fmt_time(ck_time t, char *out, size_t n)
{
    char buf[32];
    if (t.prec == CK_PREC_NONE)
        snprintf(out, n, "(none)");
    else if (t.prec == CK_PREC_DAY) {
        sim_time_date(t.t, buf);
        snprintf(out, n, "%s", buf);
    } else {
        sim_time_iso(t.t, buf);
        snprintf(out, n, "%s", buf);
    }
}

/* ---- the plausibility tables ---- */

typedef struct vwindow {
    char *cvx, *display;
    int64_t min_days, max_days; /* max -1: none */
} vwindow;

struct sim_checker {
    sim_strmap sex_codes; /* "system|code" */
    char *sex_of;         /* by id: 'M' or 'F' */
    char **sex_display;
    SIM_VEC(vwindow) vaccines;
};

void sim_checker_free(sim_checker *ck)
{
    if (!ck) return;
    for (size_t i = 0; i < ck->sex_codes.n; i++) free(ck->sex_display[i]);
    sim_strmap_free(&ck->sex_codes);
    free(ck->sex_of);
    free(ck->sex_display);
    for (size_t i = 0; i < ck->vaccines.n; i++) {
        free(ck->vaccines.v[i].cvx);
        free(ck->vaccines.v[i].display);
    }
    free(ck->vaccines.v);
    free(ck);
}

sim_status sim_checker_new(const char *root, sim_checker **out, sim_error *err)
{
    *out = NULL;
    sim_checker *ck = calloc(1, sizeof *ck);
    if (!ck) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    sim_table *t = NULL;
    sim_status st = sim_table_load_data(root, "sex_specific_codes.csv", NULL, &t, err);
    if (st != SIM_OK) goto fail;
    int cs, cc, cd, cx;
    if ((st = sim_table_require_col(t, "system", &cs, err)) != SIM_OK ||
        (st = sim_table_require_col(t, "code", &cc, err)) != SIM_OK ||
        (st = sim_table_require_col(t, "display", &cd, err)) != SIM_OK ||
        (st = sim_table_require_col(t, "sex", &cx, err)) != SIM_OK)
        goto fail;
    ck->sex_of = calloc(t->nrows, 1);
    ck->sex_display = calloc(t->nrows, sizeof *ck->sex_display);
    if (!ck->sex_of || !ck->sex_display) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        const char *sx = sim_table_cell(t, r, (size_t)cx);
        if (strcmp(sx, "M") && strcmp(sx, "F")) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "sex must be M or F, not \"%s\"", sx);
            goto fail;
        }
        char key[256];
        snprintf(key, sizeof key, "%s|%s", sim_table_cell(t, r, (size_t)cs),
                 sim_table_cell(t, r, (size_t)cc));
        size_t before_n = ck->sex_codes.n;
        int32_t id = sim_strmap_intern(&ck->sex_codes, key, 1);
        if (id < 0) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
        if (ck->sex_codes.n == before_n) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0, "%s is listed twice", key);
            goto fail;
        }
        ck->sex_of[id] = sx[0];
        ck->sex_display[id] = sim_strdup(sim_table_cell(t, r, (size_t)cd));
    }
    sim_table_free(t);
    t = NULL;
    if ((st = sim_table_load_data(root, "vaccine_age_windows.csv", NULL, &t, err)) != SIM_OK)
        goto fail;
    int vc, vd, vmin, vmax;
    if ((st = sim_table_require_col(t, "cvx", &vc, err)) != SIM_OK ||
        (st = sim_table_require_col(t, "display", &vd, err)) != SIM_OK ||
        (st = sim_table_require_col(t, "min_age_days", &vmin, err)) != SIM_OK ||
        (st = sim_table_require_col(t, "max_age_days", &vmax, err)) != SIM_OK)
        goto fail;
    for (size_t r = 0; r < t->nrows; r++) {
        vwindow *w = sim_vec_add(&ck->vaccines);
        if (!w) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
        w->cvx = sim_strdup(sim_table_cell(t, r, (size_t)vc));
        w->display = sim_strdup(sim_table_cell(t, r, (size_t)vd));
        double lo, hi = -1;
        if ((st = sim_table_number(t, r, (size_t)vmin, &lo, err)) != SIM_OK) goto fail;
        if (*sim_table_cell(t, r, (size_t)vmax) &&
            (st = sim_table_number(t, r, (size_t)vmax, &hi, err)) != SIM_OK)
            goto fail;
        w->min_days = (int64_t)lo;
        w->max_days = (int64_t)hi;
        if (hi >= 0 && hi < lo) {
            st = sim_error_set(err, SIM_EPARSE, t->path, t->lines[r], 0,
                               "max_age_days (%g) is below min_age_days (%g)", hi, lo);
            goto fail;
        }
    }
    sim_table_free(t);
    *out = ck;
    return SIM_OK;
fail:
    sim_table_free(t);
    sim_checker_free(ck);
    return st;
}

static char sex_only(const sim_checker *ck, const char *system, const char *code,
                     const char **display)
{
    if (!system || !code || !*code) return 0;
    char key[256];
    snprintf(key, sizeof key, "%s|%s", system, code);
    int32_t id = sim_strmap_intern((sim_strmap *)&ck->sex_codes, key, 0);
    if (id < 0) return 0;
    *display = ck->sex_display[id];
    return ck->sex_of[id];
}

static const vwindow *vaccine(const sim_checker *ck, const char *cvx)
{
    if (!cvx) return NULL;
    /* "08" and "8" are the same CVX code */
    while (cvx[0] == '0' && cvx[1]) cvx++;
    for (size_t i = 0; i < ck->vaccines.n; i++) {
        const char *c = ck->vaccines.v[i].cvx;
        while (c[0] == '0' && c[1]) c++;
        if (!strcmp(c, cvx)) return &ck->vaccines.v[i];
    }
    return NULL;
}

/* ---- the rules on one patient ---- */

static int cmp_id(const void *a, const void *b)
{
    const ck_rec *x = *(const ck_rec *const *)a, *y = *(const ck_rec *const *)b;
    return strcmp(x->id, y->id);
}

static const ck_rec *find_id(const ck_rec **v, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(v[mid]->id, id);
        if (!c) return v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

#define VIOLATE(rule, pat, rec, ...)                                                               \
    do {                                                                                           \
        char msg_[600];                                                                            \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                                                  \
        s->violations[rule]++;                                                                     \
        s->violation(s, rule, pat, rec, msg_);                                                     \
    } while (0)

static const char *const source_files[CK_NSRC] = {"patients.csv", "its Patient resource",
                                                  "Patient.ndjson", "the simulation"};

static void check_dates(const ck_rec *pat, const ck_rec *r, ck_sink *s)
{
    const ck_time *ts[2] = {&r->start, &r->stop};
    static const char *const which[2] = {"starts", "ends"};
    char a[40], b[40];
    int dead = pat->stop.prec != CK_PREC_NONE;
    for (int i = 0; i < 2; i++) {
        ck_time t = *ts[i];
        if (t.prec == CK_PREC_NONE) continue;
        sim_check_rule rb = r->kind == CK_CONDITION ? SIM_RULE_ONSET : SIM_RULE_BIRTH;
        if (pat->start.prec != CK_PREC_NONE) {
            s->checked[rb]++;
            if (before(t, pat->start)) {
                fmt_time(t, a, sizeof a);
                fmt_time(pat->start, b, sizeof b);
                VIOLATE(rb, pat, r, "%s %s %s, before birth %s", ck_kind_name(r->kind), which[i], a,
                        b);
            }
        }
        if (dead && !r->death_record) {
            /* (a death certificate follows death by nature: death-date-agrees holds it to the
             * day of death) */
            s->checked[SIM_RULE_DEATH]++;
            if (before(pat->stop, t)) {
                fmt_time(t, a, sizeof a);
                fmt_time(pat->stop, b, sizeof b);
                VIOLATE(SIM_RULE_DEATH, pat, r, "%s %s %s, after death %s", ck_kind_name(r->kind),
                        which[i], a, b);
            }
        } else if (s->end != SIM_NEVER) {
            s->checked[SIM_RULE_END]++;
            ck_time end = {s->end, CK_PREC_INSTANT};
            if (before(end, t)) {
                fmt_time(t, a, sizeof a);
                fmt_time(end, b, sizeof b);
                VIOLATE(SIM_RULE_END, pat, r, "%s %s %s, after the end of the simulation %s",
                        ck_kind_name(r->kind), which[i], a, b);
            }
        }
    }
    if (r->start.prec != CK_PREC_NONE && r->stop.prec != CK_PREC_NONE) {
        sim_check_rule ro = r->kind == CK_ENCOUNTER ? SIM_RULE_ENCOUNTER_ORDER : SIM_RULE_ORDER;
        s->checked[ro]++;
        if (before(r->stop, r->start)) {
            fmt_time(r->start, a, sizeof a);
            fmt_time(r->stop, b, sizeof b);
            VIOLATE(ro, pat, r, "%s ends %s, before it starts %s", ck_kind_name(r->kind), b, a);
        }
    }
}

static void check_plausible(const sim_checker *ck, const ck_rec *pat, const ck_rec *r, ck_sink *s)
{
    if (pat->sex &&
        (r->kind == CK_CONDITION || r->kind == CK_PROCEDURE || r->kind == CK_OBSERVATION ||
         r->kind == CK_CAREPLAN) &&
        r->code && *r->code) {
        s->checked[SIM_RULE_SEX]++;
        const char *disp = NULL;
        char only = sex_only(ck, r->system, r->code, &disp);
        if (only && only != pat->sex)
            VIOLATE(SIM_RULE_SEX, pat, r,
                    "%s %s|%s \"%s\" is only possible for sex %c; the patient is %c",
                    ck_kind_name(r->kind), r->system, r->code, disp, only, pat->sex);
    }
    if (r->kind == CK_IMMUNIZATION && r->start.prec != CK_PREC_NONE &&
        pat->start.prec != CK_PREC_NONE) {
        const vwindow *w = vaccine(ck, r->code);
        if (w) {
            s->checked[SIM_RULE_VACCINE]++;
            int64_t age = day_of(r->start.t) - day_of(pat->start.t);
            if (age < w->min_days || (w->max_days >= 0 && age > w->max_days))
                VIOLATE(SIM_RULE_VACCINE, pat, r,
                        "CVX %s \"%s\" given at %lld days of age; its window is %lld to %s days",
                        r->code, w->display, (long long)age, (long long)w->min_days,
                        w->max_days >= 0 ? "" : "any");
        }
    }
}

void ck_check_patient(const sim_checker *ck, ck_rec *recs, size_t n, ck_sink *s)
{
    const ck_rec *pats[CK_NSRC] = {NULL};
    for (size_t i = 0; i < n; i++)
        if (recs[i].kind == CK_PATIENT && !pats[recs[i].source]) pats[recs[i].source] = &recs[i];
    const ck_rec **encs = malloc((n ? n : 1) * sizeof *encs);
    const ck_rec **claims = malloc((n ? n : 1) * sizeof *claims);
    if (!encs || !claims) {
        free(encs);
        free(claims);
        return;
    }
    char a[40], b[40];
    for (int src = 0; src < CK_NSRC; src++) {
        size_t ne = 0, nc = 0, mine = 0;
        for (size_t i = 0; i < n; i++) {
            const ck_rec *r = &recs[i];
            if (r->source != src) continue;
            mine++;
            if (r->kind == CK_ENCOUNTER && r->id && *r->id) encs[ne++] = r;
            if (r->kind == CK_CLAIM && r->id && *r->id) claims[nc++] = r;
        }
        if (!mine) continue;
        qsort(encs, ne, sizeof *encs, cmp_id);
        qsort(claims, nc, sizeof *claims, cmp_id);
        const ck_rec *pat = pats[src];
        for (size_t i = 0; i < n; i++) {
            const ck_rec *r = &recs[i];
            if (r->source != src || r->kind == CK_PATIENT) continue;
            s->checked[SIM_RULE_REFERENCE]++;
            if (!pat) {
                VIOLATE(SIM_RULE_REFERENCE, NULL, r, "names patient %s, who is not in %s",
                        r->patient, source_files[src]);
                continue;
            }
            check_dates(pat, r, s);
            if (r->encounter && *r->encounter) {
                s->checked[SIM_RULE_REFERENCE]++;
                const ck_rec *e = find_id(encs, ne, r->encounter);
                if (!e) {
                    VIOLATE(SIM_RULE_REFERENCE, pat, r,
                            "names encounter %s, which is not one of this patient's", r->encounter);
                } else if (r->start.prec != CK_PREC_NONE && e->start.prec != CK_PREC_NONE) {
                    /* a condition may begin before the visit that diagnoses it: the record is
                     * made (recordedDate) at that visit */
                    ck_time at = r->recorded.prec != CK_PREC_NONE ? r->recorded : r->start;
                    s->checked[SIM_RULE_INSIDE]++;
                    if (before(at, e->start) ||
                        (e->stop.prec != CK_PREC_NONE && before(e->stop, at))) {
                        char c[40];
                        fmt_time(at, a, sizeof a);
                        fmt_time(e->start, b, sizeof b);
                        fmt_time(e->stop, c, sizeof c);
                        VIOLATE(SIM_RULE_INSIDE, pat, r,
                                "%s dated %s, outside its encounter %s (%s to %s)",
                                ck_kind_name(r->kind), a, e->id, b, c);
                    }
                }
            }
            if (r->claim && *r->claim) {
                s->checked[SIM_RULE_REFERENCE]++;
                if (!find_id(claims, nc, r->claim))
                    VIOLATE(SIM_RULE_REFERENCE, pat, r,
                            "names claim %s, which is not one of this patient's", r->claim);
            }
            const char *net[3] = {r->org, r->provider, r->payer};
            static const int net_kind[3] = {CK_ORGANIZATION, CK_PROVIDER, CK_PAYER};
            for (int k = 0; k < 3; k++) {
                if (!net[k] || !*net[k]) continue;
                s->checked[SIM_RULE_REFERENCE]++;
                if (!s->network_has(s, src, net_kind[k], net[k]))
                    VIOLATE(SIM_RULE_REFERENCE, pat, r, "names %s %s, which does not exist",
                            ck_kind_name(net_kind[k]), net[k]);
            }
            if (r->death_record) {
                s->checked[SIM_RULE_DEATH_AGREES]++;
                const char *what = r->death_record == CK_DEATH_CERTIFICATE
                                       ? "the death certification"
                                       : "the cause-of-death observation";
                fmt_time(r->start, a, sizeof a);
                if (pat->stop.prec == CK_PREC_NONE)
                    VIOLATE(SIM_RULE_DEATH_AGREES, pat, r,
                            "%s is dated %s but the patient has no death date", what, a);
                else if (day_of(r->start.t) != day_of(pat->stop.t)) {
                    fmt_time(pat->stop, b, sizeof b);
                    VIOLATE(SIM_RULE_DEATH_AGREES, pat, r, "%s is dated %s, the death date is %s",
                            what, a, b);
                }
            }
            check_plausible(ck, pat, r, s);
        }
    }
    /* the sources agree on the death date */
    const ck_rec *first = NULL;
    for (int src = 0; src < CK_NSRC; src++) {
        const ck_rec *p = pats[src];
        if (!p) continue;
        if (!first) {
            first = p;
            continue;
        }
        s->checked[SIM_RULE_DEATH_AGREES]++;
        int d1 = first->stop.prec != CK_PREC_NONE, d2 = p->stop.prec != CK_PREC_NONE;
        if (d1 != d2 || (d1 && day_of(first->stop.t) != day_of(p->stop.t))) {
            fmt_time(first->stop, a, sizeof a);
            fmt_time(p->stop, b, sizeof b);
            VIOLATE(SIM_RULE_DEATH_AGREES, p, p, "%s gives death %s, %s gives %s",
                    source_files[first->source], a, source_files[src], b);
        }
    }
    free(encs);
    free(claims);
}

/* ---- --strict: the same rules on a patient as the engine finishes it ---- */

typedef struct strict_sink {
    ck_sink base;
    const sim_modset *ms;
    sim_error *err;
    int failed;
} strict_sink;

static void strict_violation(ck_sink *s, sim_check_rule rule, const ck_rec *patient,
                             const ck_rec *rec, const char *reason)
{
    (void)patient;
    strict_sink *ss = (strict_sink *)s;
    if (ss->failed) return;
    ss->failed = 1;
    const sim_module *m =
        rec && rec->module >= 0 ? sim_modset_get(ss->ms, (size_t)rec->module) : NULL;
    const sim_state *st =
        m && rec->state >= 0 && rec->state < m->nstates ? &m->states[rec->state] : NULL;
    if (st)
        sim_error_set(ss->err, SIM_ECHECK, m->path, st->line, 0,
                      "--strict: %s: %s; made by module '%s' state '%s' (%s)", rule_names[rule],
                      reason, m->key, st->name, rec->where);
    else
        sim_error_set(ss->err, SIM_ECHECK, NULL, 0, 0, "--strict: %s: %s (%s)", rule_names[rule],
                      reason, rec ? rec->where : "the patient");
}

static int strict_network(ck_sink *s, int source, int kind, const char *id)
{
    (void)s, (void)source, (void)kind, (void)id;
    return 1; /* the engine does not name the network; the exporters do */
}

sim_status sim_check_patient(const sim_checker *ck, const sim_modset *ms, const sim_patient *p,
                             sim_error *err)
{
    size_t n = sim_patient_total_records(p);
    ck_rec *recs = calloc(n ? n : 1, sizeof *recs);
    char(*ids)[40] = calloc(p->encounters.n ? p->encounters.n : 1, sizeof *ids);
    if (!recs || !ids) {
        free(recs);
        free(ids);
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    static const char *const where[] = {
        "the patient", "an encounter", "a condition",     "an allergy",     "a medication",
        "a care plan", "a procedure",  "an immunization", "an observation", "a report",
        "a device",    "a supply",     "an imaging study"};
    size_t k = 0;
    ck_rec *pr = &recs[k++];
    pr->kind = CK_PATIENT;
    pr->source = CK_SRC_SIM;
    pr->sex = p->who.sex;
    pr->start = (ck_time){p->birth, CK_PREC_INSTANT};
    pr->stop = (ck_time){p->death, p->death == SIM_NEVER ? CK_PREC_NONE : CK_PREC_INSTANT};
    pr->patient = pr->id = "patient";
    pr->where = where[0];
    pr->module = pr->state = -1;
    for (size_t i = 0; i < p->encounters.n; i++) snprintf(ids[i], sizeof ids[i], "e%zu", i);
#define ADD(KIND, REC, START, STOP, ENC, CODES)                                                    \
    do {                                                                                           \
        ck_rec *r_ = &recs[k++];                                                                   \
        r_->kind = (KIND);                                                                         \
        r_->source = CK_SRC_SIM;                                                                   \
        r_->start = (ck_time){(START), (START) == SIM_NEVER ? CK_PREC_NONE : CK_PREC_INSTANT};     \
        r_->stop = (ck_time){(STOP), (STOP) == SIM_NEVER ? CK_PREC_NONE : CK_PREC_INSTANT};        \
        r_->encounter = (ENC) >= 0 ? ids[(ENC)] : NULL;                                            \
        r_->patient = "patient";                                                                   \
        r_->system = (CODES).n ? (CODES).v[0].system : NULL;                                       \
        r_->code = (CODES).n ? (CODES).v[0].code : NULL;                                           \
        r_->module = (REC)->module;                                                                \
        r_->state = (REC)->state;                                                                  \
        r_->where = where[(KIND)];                                                                 \
    } while (0)
    for (size_t i = 0; i < p->encounters.n; i++) {
        const sim_encounter *e = &p->encounters.v[i];
        ADD(CK_ENCOUNTER, e, e->start, e->stop, -1, e->codes);
        recs[k - 1].id = ids[i];
        if (e->codes.n && !strcmp(e->codes.v[0].code, "308646001"))
            recs[k - 1].death_record = CK_DEATH_CERTIFICATE;
    }
    for (size_t i = 0; i < p->conditions.n; i++) {
        const sim_condition *c = &p->conditions.v[i];
        if (c->start == SIM_NEVER) continue; /* never diagnosed: not in the record */
        ADD(CK_CONDITION, c, c->start, c->stop, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->allergies.n; i++) {
        const sim_allergy *c = &p->allergies.v[i];
        if (c->start == SIM_NEVER) continue;
        ADD(CK_ALLERGY, c, c->start, c->stop, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->medications.n; i++) {
        const sim_medication *c = &p->medications.v[i];
        ADD(CK_MEDICATION, c, c->start, c->stop, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->careplans.n; i++) {
        const sim_careplan *c = &p->careplans.v[i];
        ADD(CK_CAREPLAN, c, c->start, c->stop, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->procedures.n; i++) {
        const sim_procedure *c = &p->procedures.v[i];
        ADD(CK_PROCEDURE, c, c->start, c->stop, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->immunizations.n; i++) {
        const sim_immunization *c = &p->immunizations.v[i];
        ADD(CK_IMMUNIZATION, c, c->time, SIM_NEVER, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->observations.n; i++) {
        const sim_observation *c = &p->observations.v[i];
        ADD(CK_OBSERVATION, c, c->time, SIM_NEVER, c->encounter, c->codes);
        if (c->codes.n && !strcmp(c->codes.v[0].code, "69453-9"))
            recs[k - 1].death_record = CK_DEATH_CAUSE;
    }
    for (size_t i = 0; i < p->reports.n; i++) {
        const sim_report *c = &p->reports.v[i];
        ADD(CK_REPORT, c, c->time, SIM_NEVER, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->devices.n; i++) {
        const sim_device *c = &p->devices.v[i];
        ADD(CK_DEVICE, c, c->start, c->stop, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->supplies.n; i++) {
        const sim_supply *c = &p->supplies.v[i];
        ADD(CK_SUPPLY, c, c->time, SIM_NEVER, c->encounter, c->codes);
    }
    for (size_t i = 0; i < p->imaging.n; i++) {
        const sim_imaging *c = &p->imaging.v[i];
        sim_codes none = {NULL, 0};
        ADD(CK_IMAGING, c, c->time, SIM_NEVER, c->encounter, none);
    }
#undef ADD
    strict_sink ss;
    memset(&ss, 0, sizeof ss);
    ss.base.violation = strict_violation;
    ss.base.network_has = strict_network;
    ss.base.end = p->end;
    ss.ms = ms;
    ss.err = err;
    ck_check_patient(ck, recs, k, &ss.base);
    free(recs);
    free(ids);
    return ss.failed ? SIM_ECHECK : SIM_OK;
}
