/* engine_states.c — what each GMF state does when processed, and the records it writes.
 *
 * engine_process() returns PROC_ADVANCE (take the transition now), PROC_BLOCK (sleep until
 * *wake), PROC_PUSHED (a submodule was called), PROC_TERMINAL or PROC_ERROR (reported through
 * engine_error). Records are timestamped with the instant being processed; a record that needs
 * an encounter gets the runner's current one.
 */
#include "engine_internal.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static int32_t need_encounter(sim_engine *e, runner *r, const sim_state *st)
{
    if (r->encounter >= 0) return r->encounter;
    engine_error(e,
                 "a %s must happen inside an encounter, but none is open here: add an "
                 "Encounter state before it",
                 sim_state_type_name((sim_state_type)st->type));
    return -1;
}

/* the code a `reason` names: a ConditionOnset state's condition, or an attribute's entry/code */
static const sim_code *reason_code(sim_engine *e, const sim_state *st)
{
    sim_patient *p = e->p;
    if (st->reason_state >= 0) {
        const sim_module *m = engine_module(e, e->cur_frame->module);
        int32_t rec = e->cur_mi->last_rec[st->reason_state];
        if (rec < 0) return NULL;
        if (m->states[st->reason_state].type == SIM_ST_ALLERGYONSET)
            return p->allergies.v[rec].codes.v;
        return p->conditions.v[rec].codes.v;
    }
    if (st->reason_attr >= 0) {
        sim_value v = sim_patient_attr(p, st->reason_attr);
        if (v.kind == SIM_V_CODE) return v.u.code;
        if (v.kind == SIM_V_ENTRY) {
            switch (v.u.entry.type) {
            case SIM_R_CONDITION: return p->conditions.v[v.u.entry.index].codes.v;
            case SIM_R_ALLERGY: return p->allergies.v[v.u.entry.index].codes.v;
            default: return NULL;
            }
        }
    }
    return NULL;
}

static void assign_entry(sim_engine *e, const sim_state *st, int type, int32_t index)
{
    e->cur_mi->last_rec[e->cur_frame->state] = index;
    if (st->assign_attr >= 0) {
        sim_value v;
        memset(&v, 0, sizeof v);
        v.kind = SIM_V_ENTRY;
        v.u.entry.type = (uint8_t)type;
        v.u.entry.index = index;
        engine_set_attr(e, st->assign_attr, v);
    }
}

static int oom(sim_engine *e)
{
    sim_error_set(e->err, SIM_ENOMEM, NULL, 0, 0, "out of memory while simulating a patient");
    return PROC_ERROR;
}

/* Observation values: a drawn number keeps the precision a clinician would read */
static sim_value tidy_value(sim_value v, const sim_valspec *vs)
{
    if (v.kind != SIM_V_NUM) return v;
    if ((vs->src == SIM_VS_DIST || vs->src == SIM_VS_LUA) && vs->dist.decimals < 0) {
        double a = fabs(v.u.num);
        int dec = a >= 100 ? 1 : a >= 1 ? 2 : a > 0 ? 4 : 0;
        double f = pow(10.0, dec);
        v.u.num = round(v.u.num * f) / f;
    }
    return v;
}

static int add_observation(sim_engine *e, const sim_state *st, int32_t enc, sim_codes codes,
                           const char *category, const char *unit, sim_value v, int32_t parent,
                           int32_t report)
{
    sim_observation *o = sim_vec_add(&e->p->observations);
    if (!o) return -1;
    o->time = e->now;
    o->encounter = enc;
    o->module = e->cur_frame->module;
    o->state = e->cur_frame->state;
    o->codes = codes;
    o->category = category;
    o->unit = unit;
    o->value = v;
    o->parent = parent;
    o->report = report;
    (void)st;
    return (int32_t)(e->p->observations.n - 1);
}

/* ends active records of one kind, found by state, attribute or codes */
typedef struct ender {
    int type;
    sim_time *(*stop_of)(sim_patient *, size_t);
    sim_codes (*codes_of)(sim_patient *, size_t);
    size_t (*count)(sim_patient *);
    int (*visible)(sim_patient *, size_t);
} ender;

#define ENDER_FNS(NAME, VEC)                                                                       \
    static sim_time *NAME##_stop(sim_patient *p, size_t i)                                         \
    {                                                                                              \
        return &p->VEC.v[i].stop;                                                                  \
    }                                                                                              \
    static sim_codes NAME##_codes(sim_patient *p, size_t i)                                        \
    {                                                                                              \
        return p->VEC.v[i].codes;                                                                  \
    }                                                                                              \
    static size_t NAME##_count(sim_patient *p)                                                     \
    {                                                                                              \
        return p->VEC.n;                                                                           \
    }
ENDER_FNS(cond, conditions)
ENDER_FNS(allergy, allergies)
ENDER_FNS(med, medications)
ENDER_FNS(cp, careplans)
ENDER_FNS(dev, devices)

static int cond_visible(sim_patient *p, size_t i)
{
    return p->conditions.v[i].start != SIM_NEVER;
}
static int allergy_visible(sim_patient *p, size_t i)
{
    return p->allergies.v[i].start != SIM_NEVER;
}
static int always_visible(sim_patient *p, size_t i)
{
    (void)p;
    (void)i;
    return 1;
}

static const ender enders[] = {
    {SIM_R_CONDITION, cond_stop, cond_codes, cond_count, cond_visible},
    {SIM_R_ALLERGY, allergy_stop, allergy_codes, allergy_count, allergy_visible},
    {SIM_R_MEDICATION, med_stop, med_codes, med_count, always_visible},
    {SIM_R_CAREPLAN, cp_stop, cp_codes, cp_count, always_visible},
    {SIM_R_DEVICE, dev_stop, dev_codes, dev_count, always_visible},
};

static uint32_t dep_of(int type)
{
    switch (type) {
    case SIM_R_CONDITION: return SIM_DEP_CONDITION;
    case SIM_R_ALLERGY: return SIM_DEP_ALLERGY;
    case SIM_R_MEDICATION: return SIM_DEP_MEDICATION;
    case SIM_R_CAREPLAN: return SIM_DEP_CAREPLAN;
    default: return 0;
    }
}

static int end_records(sim_engine *e, const sim_state *st, int type)
{
    const ender *en = NULL;
    for (size_t i = 0; i < sizeof enders / sizeof enders[0]; i++)
        if (enders[i].type == type) en = &enders[i];
    sim_patient *p = e->p;
    sim_time t = e->now;
    int ended = 0;
    if (st->ref_state >= 0) {
        int32_t rec = e->cur_mi->last_rec[st->ref_state];
        if (rec >= 0 && *en->stop_of(p, (size_t)rec) == SIM_NEVER) {
            *en->stop_of(p, (size_t)rec) = t;
            ended++;
        }
    }
    if (st->ref_attr >= 0) {
        sim_value v = sim_patient_attr(p, st->ref_attr);
        if (v.kind == SIM_V_ENTRY && v.u.entry.type == type &&
            *en->stop_of(p, (size_t)v.u.entry.index) == SIM_NEVER) {
            *en->stop_of(p, (size_t)v.u.entry.index) = t;
            ended++;
        } else if (v.kind == SIM_V_CODE) {
            for (size_t i = 0; i < en->count(p); i++)
                if (*en->stop_of(p, i) == SIM_NEVER &&
                    sim_codes_has(en->codes_of(p, i), v.u.code)) {
                    *en->stop_of(p, i) = t;
                    ended++;
                }
        }
    }
    if (st->codes.n) {
        for (size_t i = 0; i < en->count(p); i++) {
            if (*en->stop_of(p, i) != SIM_NEVER) continue;
            sim_codes cs = en->codes_of(p, i);
            for (uint32_t k = 0; k < st->codes.n; k++)
                if (sim_codes_has(cs, &st->codes.v[k])) {
                    *en->stop_of(p, i) = t;
                    ended++;
                    break;
                }
        }
    }
    if (ended) {
        engine_mark(e, dep_of(type), -1);
        engine_trace(e, SIM_TRACE_RECORD, sim_rtype_name((sim_rtype)type), "ended %d %s record%s",
                     ended, sim_rtype_name((sim_rtype)type), ended == 1 ? "" : "s");
    }
    (void)en->visible;
    return 0;
}

void engine_close_encounter(sim_engine *e, int32_t idx, sim_time t)
{
    sim_encounter *enc = &e->p->encounters.v[idx];
    if (enc->stop != SIM_NEVER) return;
    sim_time stop = t > enc->start + SIM_ENCOUNTER_MIN ? t : enc->start + SIM_ENCOUNTER_MIN;
    enc->stop = stop;
}

/* the runner's encounter ends (for a joined wellness visit, only the runner leaves it) */
static void leave_encounter(sim_engine *e, runner *r, const sim_code *discharge)
{
    if (r->encounter < 0) return;
    sim_encounter *enc = &e->p->encounters.v[r->encounter];
    if (enc->module == r->module || enc->module == e->cur_frame->module) {
        if (discharge) enc->discharge = discharge;
        engine_close_encounter(e, r->encounter, e->now);
    }
    r->encounter = -1;
}

/* conditions/allergies waiting for the Encounter state that diagnoses them */
static void diagnose_pending(sim_engine *e, runner *r, int32_t enc)
{
    int32_t ri = (int32_t)(r - e->runners);
    size_t k = 0;
    for (size_t i = 0; i < e->pending.n; i++) {
        pending *pd = &e->pending.v[i];
        if (pd->runner == ri && pd->module == e->cur_frame->module &&
            pd->target == e->cur_frame->state) {
            if (pd->type == SIM_R_CONDITION) {
                sim_condition *c = &e->p->conditions.v[pd->index];
                if (c->stop == SIM_NEVER) {
                    c->start = e->now;
                    c->encounter = enc;
                    engine_mark(e, SIM_DEP_CONDITION, -1);
                }
            } else {
                sim_allergy *a = &e->p->allergies.v[pd->index];
                if (a->stop == SIM_NEVER) {
                    a->start = e->now;
                    a->encounter = enc;
                    engine_mark(e, SIM_DEP_ALLERGY, -1);
                }
            }
            continue;
        }
        e->pending.v[k++] = *pd;
    }
    e->pending.n = k;
}

/* is the runner inside the encounter made by the state `target` of the running module? */
static int in_target_encounter(sim_engine *e, runner *r, int32_t target)
{
    if (target < 0) return 1;
    if (r->encounter < 0) return 0;
    const sim_encounter *enc = &e->p->encounters.v[r->encounter];
    return enc->module == e->cur_frame->module && enc->state == target;
}

static int make_udi(sim_engine *e, char *out, size_t n)
{
    /* GS1 UDI: (01) GTIN-14, (11) manufactured YYMMDD, (17) expiry YYMMDD, (10) lot, (21) serial */
    sim_rng *rng = &e->cur_mi->rng;
    int64_t y;
    unsigned m, d;
    sim_time_split(e->now - SIM_UDI_MADE_BEFORE, &y, &m, &d, NULL, NULL, NULL, NULL);
    int64_t y2;
    unsigned m2, d2;
    sim_time_split(e->now + SIM_UDI_EXPIRES_AFTER, &y2, &m2, &d2, NULL, NULL, NULL, NULL);
    snprintf(out, n, "(01)%014llu(11)%02u%02u%02u(17)%02u%02u%02u(10)%llu(21)%llu",
             (unsigned long long)(sim_rng_below(rng, UINT64_C(100000000000000))),
             (unsigned)(y % 100), m, d, (unsigned)(y2 % 100), m2, d2,
             (unsigned long long)sim_rng_below(rng, UINT64_C(10000000000)),
             (unsigned long long)sim_rng_below(rng, UINT64_C(100000000)));
    return 0;
}

/* An all-cause death, attributed: one of the conditions active at death that
 * modules/data/cause_of_death.csv lists, drawn with probability w / (1 + the sum of the active
 * weights), else natural death with unknown cause. */
static const sim_code *attributed_cause(sim_engine *e)
{
    size_t nc;
    const sim_cause *causes = sim_modset_causes(e->ms, &nc);
    const sim_patient *p = e->p;
    if (!nc) return e->c_natural;
    /* one slot per listed cause active at death, and a last one of weight 1: the natural death */
    const sim_code **cand = malloc((nc + 1) * sizeof *cand);
    double *w = malloc((nc + 1) * sizeof *w);
    const sim_code *cause = e->c_natural;
    size_t k = 0;
    for (size_t i = 0; cand && w && i < p->conditions.n; i++) {
        const sim_condition *c = &p->conditions.v[i];
        if (!sim_condition_at(c, p->death, 1)) continue;
        for (size_t j = 0; j < nc; j++) {
            if (causes[j].code->id != c->codes.v[0].id) continue;
            int dup = 0;
            for (size_t q = 0; q < k; q++) dup |= cand[q] == causes[j].code;
            if (!dup) {
                cand[k] = causes[j].code;
                w[k++] = causes[j].weight;
            }
            break;
        }
    }
    if (k) {
        w[k] = 1.0;
        sim_rng r;
        sim_rng_init(&r, sim_rng_stream_key(p->key, "$cause"));
        int pick = sim_rng_pick(&r, w, (int)k + 1);
        if (pick >= 0 && (size_t)pick < k) cause = cand[pick];
    }
    free(cand);
    free(w);
    return cause;
}

static const sim_code *death_cause_of(sim_engine *e, const sim_state *st)
{
    if (st->codes.n) return st->codes.v;
    if (st->ref_state >= 0) {
        int32_t rec = e->cur_mi->last_rec[st->ref_state];
        if (rec >= 0) return e->p->conditions.v[rec].codes.v;
    }
    if (st->ref_attr >= 0) {
        sim_value v = sim_patient_attr(e->p, st->ref_attr);
        if (v.kind == SIM_V_CODE) return v.u.code;
        if (v.kind == SIM_V_ENTRY && v.u.entry.type == SIM_R_CONDITION)
            return e->p->conditions.v[v.u.entry.index].codes.v;
    }
    return NULL;
}

/* ---- the states ---- */

int engine_process(sim_engine *e, runner *r, frame *f, const sim_state *st, sim_time *wake)
{
    sim_patient *p = e->p;
    sim_time t = e->now;
    switch ((sim_state_type)st->type) {
    case SIM_ST_INITIAL:
    case SIM_ST_SIMPLE: return PROC_ADVANCE;
    case SIM_ST_TERMINAL: return PROC_TERMINAL;

    case SIM_ST_DELAY:
        if (f->step == 0) {
            double v;
            if (engine_draw(e, &st->dist, &v) != 0) return PROC_ERROR;
            f->delay_end = t + engine_duration_ms(&st->dist, v);
        }
        if (t >= f->delay_end) return PROC_ADVANCE;
        r->waiting = WAIT_DELAY;
        *wake = f->delay_end;
        return PROC_BLOCK;

    case SIM_ST_GUARD: {
        int ok = engine_eval_cond(e, st->allow);
        if (ok < 0) return PROC_ERROR;
        if (ok) return PROC_ADVANCE;
        sim_time w = engine_cond_next_change(e, st->allow);
        if (st->deps & SIM_DEP_ANY) {
            sim_time poll = st->poll ? st->poll : e->opts.guard_poll;
            if (t + poll < w) w = t + poll;
        }
        r->waiting = WAIT_GUARD;
        *wake = w;
        return PROC_BLOCK;
    }

    case SIM_ST_SETATTRIBUTE: {
        sim_value v;
        if (engine_eval_value(e, &st->val, &v) != 0) return PROC_ERROR;
        if (engine_set_attr(e, st->attr, v) != SIM_OK) return oom(e);
        return PROC_ADVANCE;
    }

    case SIM_ST_COUNTER: {
        sim_value v = sim_patient_attr(p, st->attr);
        double n = v.kind == SIM_V_NUM ? v.u.num : 0;
        if (v.kind != SIM_V_NUM && v.kind != SIM_V_NIL) {
            engine_error(e, "Counter: attribute '%s' does not hold a number",
                         sim_modset_name(e->ms, SIM_NS_ATTR, st->attr));
            return PROC_ERROR;
        }
        v.kind = SIM_V_NUM;
        v.u.num = st->decrement ? n - st->amount : n + st->amount;
        if (engine_set_attr(e, st->attr, v) != SIM_OK) return oom(e);
        return PROC_ADVANCE;
    }

    case SIM_ST_CALLSUBMODULE:
        /* step 0: call; when the submodule returns the runner advances this state */
        if (f->step == 0) return PROC_PUSHED;
        return PROC_ADVANCE;

    case SIM_ST_ENCOUNTER: {
        if (st->wellness) {
            int32_t join = r->joined;
            if (join < 0 && e->wellness_enc >= 0 && p->encounters.v[e->wellness_enc].start == t)
                join = e->wellness_enc; /* a check-up is happening right now */
            if (join < 0) {
                r->waiting = WAIT_WELLNESS;
                *wake = SIM_NEVER;
                return PROC_BLOCK;
            }
            r->joined = -1;
            r->encounter = join;
            diagnose_pending(e, r, join);
            return PROC_ADVANCE;
        }
        if (r->encounter >= 0) leave_encounter(e, r, NULL);
        sim_encounter *enc = sim_vec_add(&p->encounters);
        if (!enc) return oom(e);
        int32_t idx = (int32_t)(p->encounters.n - 1);
        enc->start = t;
        enc->stop = SIM_NEVER;
        enc->codes = st->codes;
        enc->reason = reason_code(e, st);
        enc->module = f->module;
        enc->state = f->state;
        enc->cls = st->enc_class;
        r->encounter = idx;
        e->cur_mi->last_rec[f->state] = idx;
        engine_trace(e, SIM_TRACE_RECORD, "encounter", "encounter %s (%s)",
                     st->codes.n ? st->codes.v[0].display : "",
                     sim_enc_class_name((sim_enc_class)st->enc_class));
        diagnose_pending(e, r, idx);
        if (st->enc_class == SIM_EC_WELLNESS) {
            e->wellness_enc = idx;
            for (size_t i = 0; i < e->nrunners; i++) {
                runner *o = &e->runners[i];
                if (o != r && !o->done && o->waiting == WAIT_WELLNESS) {
                    o->joined = idx;
                    engine_queue_update(e, o, t);
                }
            }
        }
        return PROC_ADVANCE;
    }

    case SIM_ST_ENCOUNTEREND: leave_encounter(e, r, st->discharge); return PROC_ADVANCE;

    case SIM_ST_CONDITIONONSET: {
        sim_condition *c = sim_vec_add(&p->conditions);
        if (!c) return oom(e);
        int32_t idx = (int32_t)(p->conditions.n - 1);
        c->onset = t;
        c->stop = SIM_NEVER;
        c->codes = st->codes;
        c->module = f->module;
        c->state = f->state;
        if (in_target_encounter(e, r, st->target_encounter)) {
            c->start = t;
            c->encounter = r->encounter;
            engine_mark(e, SIM_DEP_CONDITION, -1);
        } else {
            c->start = SIM_NEVER; /* recorded when the target encounter happens */
            c->encounter = -1;
            pending *pd = sim_vec_add(&e->pending);
            if (!pd) return oom(e);
            pd->type = SIM_R_CONDITION;
            pd->index = idx;
            pd->runner = (int32_t)(r - e->runners);
            pd->module = f->module;
            pd->target = st->target_encounter;
        }
        assign_entry(e, st, SIM_R_CONDITION, idx);
        engine_trace(e, SIM_TRACE_RECORD, "condition", "condition onset: %s%s",
                     st->codes.v[0].display, c->start == SIM_NEVER ? " (diagnosed later)" : "");
        return PROC_ADVANCE;
    }

    case SIM_ST_ALLERGYONSET: {
        sim_allergy *a = sim_vec_add(&p->allergies);
        if (!a) return oom(e);
        int32_t idx = (int32_t)(p->allergies.n - 1);
        a->stop = SIM_NEVER;
        a->codes = st->codes;
        a->module = f->module;
        a->state = f->state;
        a->type = st->allergy_type;
        a->category = st->allergy_category;
        if (st->nreactions) {
            sim_reaction *rx = sim_arena_alloc(p->arena, (size_t)st->nreactions * sizeof *rx);
            if (!rx) return oom(e);
            for (int32_t i = 0; i < st->nreactions; i++) {
                const sim_reaction_spec *rs = &st->reactions[i];
                rx[i].manifestation = rs->manifestation;
                rx[i].severity = NULL;
                int k = rs->nlevels ? sim_rng_pick(&e->cur_mi->rng, rs->probs, rs->nlevels) : -1;
                if (k >= 0 && strcmp(rs->levels[k], "none") != 0) rx[i].severity = rs->levels[k];
            }
            a->reactions = rx;
            a->nreactions = (uint32_t)st->nreactions;
        }
        if (in_target_encounter(e, r, st->target_encounter)) {
            a->start = t;
            a->encounter = r->encounter;
            engine_mark(e, SIM_DEP_ALLERGY, -1);
        } else {
            a->start = SIM_NEVER;
            a->encounter = -1;
            pending *pd = sim_vec_add(&e->pending);
            if (!pd) return oom(e);
            pd->type = SIM_R_ALLERGY;
            pd->index = idx;
            pd->runner = (int32_t)(r - e->runners);
            pd->module = f->module;
            pd->target = st->target_encounter;
        }
        assign_entry(e, st, SIM_R_ALLERGY, idx);
        return PROC_ADVANCE;
    }

    case SIM_ST_CONDITIONEND: end_records(e, st, SIM_R_CONDITION); return PROC_ADVANCE;
    case SIM_ST_ALLERGYEND: end_records(e, st, SIM_R_ALLERGY); return PROC_ADVANCE;
    case SIM_ST_MEDICATIONEND: end_records(e, st, SIM_R_MEDICATION); return PROC_ADVANCE;
    case SIM_ST_CAREPLANEND: end_records(e, st, SIM_R_CAREPLAN); return PROC_ADVANCE;
    case SIM_ST_DEVICEEND: end_records(e, st, SIM_R_DEVICE); return PROC_ADVANCE;

    case SIM_ST_MEDICATIONORDER: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        sim_medication *m = sim_vec_add(&p->medications);
        if (!m) return oom(e);
        int32_t idx = (int32_t)(p->medications.n - 1);
        m->start = t;
        m->stop = SIM_NEVER;
        m->encounter = enc;
        m->module = f->module;
        m->state = f->state;
        m->codes = st->codes;
        m->reason = reason_code(e, st);
        m->dosage = st->dosage;
        m->chronic = st->chronic;
        m->administration = st->administration;
        if (st->administration) m->stop = t; /* given during the visit */
        assign_entry(e, st, SIM_R_MEDICATION, idx);
        engine_mark(e, SIM_DEP_MEDICATION, -1);
        engine_trace(e, SIM_TRACE_RECORD, "medication", "medication: %s", st->codes.v[0].display);
        return PROC_ADVANCE;
    }

    case SIM_ST_CAREPLANSTART: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        sim_careplan *c = sim_vec_add(&p->careplans);
        if (!c) return oom(e);
        int32_t idx = (int32_t)(p->careplans.n - 1);
        c->start = t;
        c->stop = SIM_NEVER;
        c->encounter = enc;
        c->module = f->module;
        c->state = f->state;
        c->codes = st->codes;
        c->reason = reason_code(e, st);
        c->activities = st->activities;
        c->goals = st->goals;
        c->ngoals = st->ngoals;
        assign_entry(e, st, SIM_R_CAREPLAN, idx);
        engine_mark(e, SIM_DEP_CAREPLAN, -1);
        return PROC_ADVANCE;
    }

    case SIM_ST_PROCEDURE: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        sim_time dur = 0;
        if (st->has_dist) {
            double v;
            if (engine_draw(e, &st->dist, &v) != 0) return PROC_ERROR;
            dur = engine_duration_ms(&st->dist, v);
        }
        sim_procedure *pr = sim_vec_add(&p->procedures);
        if (!pr) return oom(e);
        int32_t idx = (int32_t)(p->procedures.n - 1);
        pr->start = t;
        pr->stop = t + dur;
        pr->encounter = enc;
        pr->module = f->module;
        pr->state = f->state;
        pr->codes = st->codes;
        pr->reason = reason_code(e, st);
        assign_entry(e, st, SIM_R_PROCEDURE, idx);
        engine_trace(e, SIM_TRACE_RECORD, "procedure", "procedure: %s", st->codes.v[0].display);
        return PROC_ADVANCE;
    }

    case SIM_ST_IMMUNIZATION: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        sim_immunization *im = sim_vec_add(&p->immunizations);
        if (!im) return oom(e);
        im->time = t;
        im->encounter = enc;
        im->module = f->module;
        im->state = f->state;
        im->codes = st->codes;
        e->cur_mi->last_rec[f->state] = (int32_t)(p->immunizations.n - 1);
        engine_trace(e, SIM_TRACE_RECORD, "immunization", "immunization: %s",
                     st->codes.v[0].display);
        return PROC_ADVANCE;
    }

    case SIM_ST_OBSERVATION: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        sim_value v;
        if (engine_eval_value(e, &st->val, &v) != 0) return PROC_ERROR;
        if (v.kind == SIM_V_NIL || v.kind == SIM_V_ENTRY) {
            engine_error(e, "an Observation needs a number, text, boolean or code value (got %s)",
                         v.kind == SIM_V_NIL ? "nothing: is the attribute set?" : "a record");
            return PROC_ERROR;
        }
        int32_t idx = add_observation(e, st, enc, st->codes, st->category, st->unit,
                                      tidy_value(v, &st->val), -1, -1);
        if (idx < 0) return oom(e);
        e->cur_mi->last_rec[f->state] = idx;
        engine_mark(e, SIM_DEP_OBSERVATION, -1);
        if (e->opts.trace) {
            char buf[128];
            sim_value_format(&v, buf, sizeof buf);
            engine_trace(e, SIM_TRACE_RECORD, "observation", "observation: %s = %s%s%s",
                         st->codes.v[0].display, buf, st->unit ? " " : "",
                         st->unit ? st->unit : "");
        }
        return PROC_ADVANCE;
    }

    case SIM_ST_MULTIOBSERVATION:
    case SIM_ST_DIAGNOSTICREPORT: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        int report = st->type == SIM_ST_DIAGNOSTICREPORT;
        int32_t parent = -1, rep = -1;
        if (report) {
            sim_report *rp = sim_vec_add(&p->reports);
            if (!rp) return oom(e);
            rep = (int32_t)(p->reports.n - 1);
            rp->time = t;
            rp->encounter = enc;
            rp->module = f->module;
            rp->state = f->state;
            rp->codes = st->codes;
            rp->first_obs = (int32_t)p->observations.n;
            rp->nobs = st->nobs;
        } else {
            sim_value none;
            memset(&none, 0, sizeof none);
            parent = add_observation(e, st, enc, st->codes, st->category, NULL, none, -1, -1);
            if (parent < 0) return oom(e);
        }
        for (int32_t i = 0; i < st->nobs; i++) {
            const sim_obs_spec *os = &st->obs[i];
            sim_value v;
            if (engine_eval_value(e, &os->val, &v) != 0) return PROC_ERROR;
            const char *cat = os->category ? os->category : st->category;
            if (add_observation(e, st, enc, os->codes, cat ? cat : "laboratory", os->unit,
                                tidy_value(v, &os->val), parent, rep) < 0)
                return oom(e);
        }
        e->cur_mi->last_rec[f->state] = report ? rep : parent;
        engine_mark(e, SIM_DEP_OBSERVATION, -1);
        return PROC_ADVANCE;
    }

    case SIM_ST_VITALSIGN: {
        sim_value v;
        if (engine_eval_value(e, &st->val, &v) != 0) return PROC_ERROR;
        if (v.kind != SIM_V_NUM) {
            engine_error(e, "a VitalSign value must be a number");
            return PROC_ERROR;
        }
        if (sim_patient_set_vital(p, st->vital, v.u.num) != SIM_OK) return oom(e);
        engine_mark(e, SIM_DEP_VITAL, -1);
        return PROC_ADVANCE;
    }

    case SIM_ST_SYMPTOM: {
        double u = sim_rng_uniform(&e->cur_mi->rng);
        sim_value v;
        if (engine_eval_value(e, &st->val, &v) != 0) return PROC_ERROR;
        if (u < st->probability) {
            if (v.kind != SIM_V_NUM) {
                engine_error(e, "a Symptom value must be a number (0-100)");
                return PROC_ERROR;
            }
            if (sim_patient_set_symptom(p, st->symptom, v.u.num, f->module) != SIM_OK)
                return oom(e);
            engine_mark(e, SIM_DEP_SYMPTOM, -1);
        }
        return PROC_ADVANCE;
    }

    case SIM_ST_DEVICE: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        sim_device *d = sim_vec_add(&p->devices);
        if (!d) return oom(e);
        int32_t idx = (int32_t)(p->devices.n - 1);
        d->start = t;
        d->stop = SIM_NEVER;
        d->encounter = enc;
        d->module = f->module;
        d->state = f->state;
        d->codes = st->codes;
        d->manufacturer = st->manufacturer;
        d->model = st->model;
        make_udi(e, d->udi, sizeof d->udi);
        assign_entry(e, st, SIM_R_DEVICE, idx);
        return PROC_ADVANCE;
    }

    case SIM_ST_SUPPLYLIST: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        for (int32_t i = 0; i < st->nsupplies; i++) {
            sim_supply *s = sim_vec_add(&p->supplies);
            if (!s) return oom(e);
            s->time = t;
            s->encounter = enc;
            s->module = f->module;
            s->state = f->state;
            s->codes.v = st->supplies[i];
            s->codes.n = 1;
            s->quantity = st->supply_qty[i];
        }
        return PROC_ADVANCE;
    }

    case SIM_ST_IMAGINGSTUDY: {
        int32_t enc = need_encounter(e, r, st);
        if (enc < 0) return PROC_ERROR;
        sim_imaging *im = sim_vec_add(&p->imaging);
        if (!im) return oom(e);
        im->time = t;
        im->encounter = enc;
        im->module = f->module;
        im->state = f->state;
        im->procedure = st->procedure_code;
        im->series = st->series;
        im->nseries = st->nseries;
        return PROC_ADVANCE;
    }

    case SIM_ST_DEATH: {
        const sim_code *cause = death_cause_of(e, st);
        sim_time when = t;
        if (st->has_dist) {
            double v;
            if (engine_draw(e, &st->dist, &v) != 0) return PROC_ERROR;
            when = t + engine_duration_ms(&st->dist, v);
        }
        if (when < e->death_at) {
            e->death_at = when;
            e->death_cause = cause ? cause : e->death_cause;
        }
        engine_trace(e, SIM_TRACE_DEATH, "death", "death %s%s", when == t ? "now" : "scheduled",
                     cause ? cause->display : "");
        if (when <= t) {
            e->died_now = 1;
            return PROC_BLOCK;
        }
        return PROC_ADVANCE;
    }

    case SIM_ST_COUNT: break;
    }
    engine_error(e, "unknown state type");
    return PROC_ERROR;
}

/* ---- the end of a life ---- */

static void clamp(sim_time *t, sim_time limit)
{
    if (*t != SIM_NEVER && *t > limit) *t = limit;
}

void engine_finish_patient(sim_engine *e)
{
    sim_patient *p = e->p;
    sim_time limit = e->death_at < p->end ? e->death_at : p->end;
    int died = e->death_at < p->end;
    /* open encounters end at their minimum length, or at death/the reference date */
    for (size_t i = 0; i < p->encounters.n; i++) {
        sim_encounter *enc = &p->encounters.v[i];
        if (enc->stop == SIM_NEVER) engine_close_encounter(e, (int32_t)i, enc->start);
    }
    /* an encounter lasts at least as long as its procedures */
    for (size_t i = 0; i < p->procedures.n; i++) {
        sim_procedure *pr = &p->procedures.v[i];
        clamp(&pr->stop, limit);
        if (pr->encounter >= 0 && p->encounters.v[pr->encounter].stop < pr->stop)
            p->encounters.v[pr->encounter].stop = pr->stop;
    }
    for (size_t i = 0; i < p->encounters.n; i++) clamp(&p->encounters.v[i].stop, limit);
    /* undiagnosed conditions never reached the record */
    if (died) {
        p->death = e->death_at;
        p->cause_of_death = e->death_cause ? e->death_cause : e->c_natural;
        if (p->cause_of_death == e->c_natural) p->cause_of_death = attributed_cause(e);
        /* the death certificate, written at the moment of death */
        sim_encounter *enc = sim_vec_add(&p->encounters);
        if (enc) {
            int32_t ei = (int32_t)(p->encounters.n - 1);
            enc->start = enc->stop = p->death;
            enc->codes.v = e->c_death_cert;
            enc->codes.n = 1;
            enc->reason = p->cause_of_death;
            enc->module = -1;
            enc->state = -1;
            enc->cls = SIM_EC_WELLNESS;
            sim_report *rp = sim_vec_add(&p->reports);
            sim_observation *o = rp ? sim_vec_add(&p->observations) : NULL;
            if (rp && o) {
                int32_t ri = (int32_t)(p->reports.n - 1);
                rp->time = p->death;
                rp->encounter = ei;
                rp->module = -1;
                rp->state = -1;
                rp->codes.v = e->c_death_report;
                rp->codes.n = 1;
                rp->first_obs = (int32_t)(p->observations.n - 1);
                rp->nobs = 1;
                o->time = p->death;
                o->encounter = ei;
                o->module = -1;
                o->state = -1;
                o->codes.v = e->c_cause_obs;
                o->codes.n = 1;
                o->category = "exam";
                o->unit = NULL;
                o->value.kind = SIM_V_CODE;
                o->value.u.code = p->cause_of_death;
                o->parent = -1;
                o->report = ri;
            }
        }
    } else {
        p->death = SIM_NEVER;
    }
}
