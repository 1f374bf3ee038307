/* engine.c — the per-patient discrete-event loop: runners, the wake-up heap, transitions,
 * conditions, distributions and guard wake-ups (see include/sim_engine.h).
 *
 * Invariants: a runner is in the heap exactly when it is not done; runners due at the same
 * instant run in module order; every random draw comes from the drawing module's stream, in the
 * context (state, visit, step) of the state being processed.
 */
#include "engine_internal.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- module instances ---- */

const sim_module *engine_module(const sim_engine *e, int32_t index)
{
    return sim_modset_get(e->ms, (size_t)index);
}

uint32_t sim_engine_visits(const sim_engine *e, int32_t module, int32_t state)
{
    if (module < 0 || (size_t)module >= e->nmods || state < 0 ||
        state >= engine_module(e, module)->nstates)
        return 0;
    return e->mi[module].visits[state];
}

minst *engine_minst(sim_engine *e, int32_t module)
{
    return &e->mi[module];
}

/* ---- errors ---- */

static void patient_context(sim_engine *e, char *out, size_t n)
{
    char when[32];
    sim_time_iso(e->now, when);
    snprintf(out, n, "patient %llu%s (seed %llu), simulated date %s",
             (unsigned long long)e->p->slot, e->p->attempt ? "" : "",
             (unsigned long long)e->opts.seed, when);
    if (e->p->attempt) {
        size_t l = strlen(out);
        snprintf(out + l, n - l, ", re-simulation %llu of its slot",
                 (unsigned long long)e->p->attempt);
    }
}

sim_status engine_error(sim_engine *e, const char *fmt, ...)
{
    char msg[1024], ctx[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    patient_context(e, ctx, sizeof ctx);
    const sim_module *m = e->cur_frame ? engine_module(e, e->cur_frame->module) : NULL;
    const sim_state *st = m ? &m->states[e->cur_frame->state] : NULL;
    if (m && st)
        return sim_error_set(e->err, SIM_EMODULE, m->path, st->line, 0,
                             "state '%s': %s (module '%s', %s)", st->name, msg, m->key, ctx);
    return sim_error_set(e->err, SIM_EMODULE, NULL, 0, 0, "%s (%s)", msg, ctx);
}

/* A Lua error already starts with file:line: keep it, add where the engine was. */
sim_status engine_lua_error(sim_engine *e, const sim_error *lerr)
{
    char ctx[256];
    patient_context(e, ctx, sizeof ctx);
    const sim_module *m = e->cur_frame ? engine_module(e, e->cur_frame->module) : NULL;
    const sim_state *st = m ? &m->states[e->cur_frame->state] : NULL;
    return sim_error_set(e->err, lerr->code, NULL, 0, 0, "%s (module '%s', state '%s', %s)",
                         lerr->msg, m ? m->key : "?", st ? st->name : "?", ctx);
}

void engine_trace(sim_engine *e, sim_trace_kind kind, const char *what, const char *fmt, ...)
{
    if (!e->opts.trace) return;
    sim_trace_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.time = e->now;
    ev.module = e->cur_frame ? engine_module(e, e->cur_frame->module) : NULL;
    ev.state = ev.module ? &ev.module->states[e->cur_frame->state] : NULL;
    ev.what = what;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev.detail, sizeof ev.detail, fmt, ap);
    va_end(ap);
    e->opts.trace(e->opts.trace_ctx, &ev);
}

/* ---- the wake-up heap (indexed, keyed by (wake, runner index)) ---- */

static int heap_less(const sim_engine *e, int32_t a, int32_t b)
{
    const runner *ra = &e->runners[a], *rb = &e->runners[b];
    if (ra->wake != rb->wake) return ra->wake < rb->wake;
    return a < b;
}

static void heap_swap(sim_engine *e, size_t i, size_t j)
{
    int32_t t = e->heap[i];
    e->heap[i] = e->heap[j];
    e->heap[j] = t;
    e->runners[e->heap[i]].heap_pos = (int32_t)i;
    e->runners[e->heap[j]].heap_pos = (int32_t)j;
}

static void heap_up(sim_engine *e, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(e, e->heap[i], e->heap[p])) break;
        heap_swap(e, i, p);
        i = p;
    }
}

static void heap_down(sim_engine *e, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < e->nheap && heap_less(e, e->heap[l], e->heap[m])) m = l;
        if (r < e->nheap && heap_less(e, e->heap[r], e->heap[m])) m = r;
        if (m == i) break;
        heap_swap(e, i, m);
        i = m;
    }
}

static void heap_push(sim_engine *e, int32_t ri)
{
    e->heap[e->nheap] = ri;
    e->runners[ri].heap_pos = (int32_t)e->nheap;
    e->nheap++;
    heap_up(e, e->nheap - 1);
}

static int32_t heap_pop(sim_engine *e)
{
    int32_t top = e->heap[0];
    e->nheap--;
    if (e->nheap) {
        e->heap[0] = e->heap[e->nheap];
        e->runners[e->heap[0]].heap_pos = 0;
        heap_down(e, 0);
    }
    e->runners[top].heap_pos = -1;
    return top;
}

/* Moves a queued runner to a new wake time (or queues it). */
void engine_queue_update(sim_engine *e, runner *r, sim_time wake)
{
    int32_t ri = (int32_t)(r - e->runners);
    r->wake = wake;
    if (r->heap_pos < 0) {
        heap_push(e, ri);
        return;
    }
    heap_up(e, (size_t)r->heap_pos);
    heap_down(e, (size_t)r->heap_pos);
}

/* ---- changes and guard wake-ups ---- */

void engine_mark(sim_engine *e, uint32_t dep, int32_t attr)
{
    e->changed |= dep;
    if (dep & SIM_DEP_ATTR) {
        int32_t *slot = sim_vec_add(&e->changed_attrs);
        if (slot)
            *slot = attr;
        else
            e->changed |= SIM_DEP_ANY; /* cannot remember which: wake every attribute guard */
    }
}

static int guard_sees(const sim_engine *e, const sim_state *st)
{
    uint32_t d = st->deps;
    if (!e->changed) return 0;
    if (d & SIM_DEP_ANY) return 1;
    if (e->changed & SIM_DEP_ANY && d & SIM_DEP_ATTR) return 1;
    if (d & e->changed & ~(uint32_t)SIM_DEP_ATTR) return 1;
    if (d & e->changed & SIM_DEP_ATTR) {
        for (int32_t i = 0; i < st->ndep_attrs; i++)
            for (size_t j = 0; j < e->changed_attrs.n; j++)
                if (st->dep_attrs[i] == e->changed_attrs.v[j]) return 1;
    }
    return 0;
}

static void wake_watchers(sim_engine *e, sim_time t, const runner *self)
{
    if (!e->changed) return;
    for (size_t i = 0; i < e->nrunners; i++) {
        runner *r = &e->runners[i];
        if (r == self || r->done || r->waiting != WAIT_GUARD || r->wake <= t) continue;
        const frame *f = &r->stack[r->depth - 1];
        const sim_state *st = &engine_module(e, f->module)->states[f->state];
        if (guard_sees(e, st)) engine_queue_update(e, r, t);
    }
    e->changed = 0;
    e->changed_attrs.n = 0;
}

/* ---- attributes ---- */

sim_status engine_set_attr(sim_engine *e, int32_t id, sim_value v)
{
    if (sim_patient_set_attr(e->p, id, v) != SIM_OK) return SIM_ENOMEM;
    engine_mark(e, SIM_DEP_ATTR, id);
    if (e->opts.trace) {
        char buf[256];
        sim_value_format(&v, buf, sizeof buf);
        engine_trace(e, SIM_TRACE_ATTR, sim_modset_name(e->ms, SIM_NS_ATTR, id), "%s = %s",
                     sim_modset_name(e->ms, SIM_NS_ATTR, id), buf);
    }
    return SIM_OK;
}

/* ---- Lua calls ---- */

int engine_call_lua(sim_engine *e, int ref, int nres)
{
    lua_State *L = e->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->proxy_ref);
    sim_lua_set_rng(e->lua, e->cur_mi ? &e->cur_mi->rng : NULL);
    sim_error lerr;
    sim_error_clear(&lerr);
    e->stats.lua_calls++;
    sim_status st = sim_lua_pcall(e->lua, 1, nres, &lerr);
    sim_lua_set_rng(e->lua, NULL);
    if (st != SIM_OK) {
        engine_lua_error(e, &lerr);
        return -1;
    }
    return 0;
}

/* ---- distributions and values ---- */

sim_time engine_duration_ms(const sim_dist *d, double v)
{
    if (!(v > 0)) return 0;
    double ms = v * sim_unit_ms(d->unit < SIM_UNIT_COUNT ? (sim_unit)d->unit : SIM_UNIT_MS);
    if (ms > 4e14) ms = 4e14; /* ~12,700 years: "never" for a life */
    return (sim_time)ms;
}

static double round_to(double v, int decimals)
{
    double f = pow(10.0, decimals);
    return round(v * f) / f;
}

int engine_draw(sim_engine *e, const sim_dist *d, double *out)
{
    sim_rng *r = &e->cur_mi->rng;
    double v = 0;
    switch (d->kind) {
    case SIM_D_EXACT: v = d->a; break;
    case SIM_D_UNIFORM: v = sim_rng_range(r, d->a, d->b); break;
    case SIM_D_GAUSSIAN: v = sim_rng_normal(r, d->a, d->b); break;
    case SIM_D_EXPONENTIAL: v = sim_rng_exponential(r, d->a); break;
    case SIM_D_TRIANGULAR: v = sim_rng_triangular(r, d->a, d->b, d->c); break;
    case SIM_D_WEIBULL: v = sim_rng_weibull(r, d->a, d->b); break;
    case SIM_D_LOGNORMAL: v = sim_rng_lognormal(r, d->a, d->b); break;
    case SIM_D_GAMMA: v = sim_rng_gamma(r, d->a, d->b); break;
    case SIM_D_LUA:
        if (engine_call_lua(e, d->lua_ref, 1) != 0) return -1;
        if (!lua_isnumber(e->L, -1)) {
            const char *tn = luaL_typename(e->L, -1);
            lua_pop(e->L, 1);
            engine_error(e, "the distribution function returned a %s, not a number", tn);
            return -1;
        }
        v = lua_tonumber(e->L, -1);
        lua_pop(e->L, 1);
        if (!isfinite(v)) {
            engine_error(e, "the distribution function returned %g", v);
            return -1;
        }
        break;
    }
    if (d->has_min && v < d->min) v = d->min;
    if (d->has_max && v > d->max) v = d->max;
    if (d->decimals >= 0) v = round_to(v, d->decimals);
    *out = v;
    return 0;
}

int engine_eval_value(sim_engine *e, const sim_valspec *vs, sim_value *out)
{
    memset(out, 0, sizeof *out);
    switch (vs->src) {
    case SIM_VS_NONE: return 0;
    case SIM_VS_CONST: *out = vs->value; return 0;
    case SIM_VS_DIST: {
        double v;
        if (engine_draw(e, &vs->dist, &v) != 0) return -1;
        out->kind = SIM_V_NUM;
        out->u.num = v;
        return 0;
    }
    case SIM_VS_ATTR: *out = sim_patient_attr(e->p, vs->id); return 0;
    case SIM_VS_VITAL: {
        double v = sim_patient_vital(e->p, vs->id);
        if (isnan(v)) {
            engine_error(e, "vital sign '%s' has no value yet: set it with a VitalSign state first",
                         sim_modset_name(e->ms, SIM_NS_VITAL, vs->id));
            return -1;
        }
        out->kind = SIM_V_NUM;
        out->u.num = v;
        return 0;
    }
    case SIM_VS_LUA: {
        if (engine_call_lua(e, vs->lua_ref, 1) != 0) return -1;
        const char *why = NULL;
        int rc = luapatient_to_value(e, -1, out, &why);
        lua_pop(e->L, 1);
        if (rc != 0) {
            engine_error(e, "the value function returned %s", why ? why : "an unusable value");
            return -1;
        }
        return 0;
    }
    }
    return 0;
}

/* ---- conditions ---- */

static double age_decimal(sim_time birth, sim_time t, sim_unit unit)
{
    if (unit == SIM_UNIT_YEARS || unit == SIM_UNIT_MONTHS) {
        int64_t n = sim_age_in(birth, t, unit);
        sim_time a0 = sim_time_at_age(birth, n, unit), a1 = sim_time_at_age(birth, n + 1, unit);
        return (double)n + (double)(t - a0) / (double)(a1 - a0);
    }
    return (double)(t - birth) / sim_unit_ms(unit);
}

static sim_time time_at_age(sim_time birth, double q, sim_unit unit)
{
    if (q < 0) return birth;
    if (unit == SIM_UNIT_YEARS || unit == SIM_UNIT_MONTHS) {
        double n = floor(q);
        if (n > 2000) return SIM_NEVER;
        sim_time a0 = sim_time_at_age(birth, (int64_t)n, unit);
        if (q == n) return a0;
        sim_time a1 = sim_time_at_age(birth, (int64_t)n + 1, unit);
        return a0 + (sim_time)((q - n) * (double)(a1 - a0));
    }
    double ms = q * sim_unit_ms(unit);
    if (ms > 4e14) return SIM_NEVER;
    return birth + (sim_time)ms;
}

static int cmp_num(double a, int op, double b)
{
    switch (op) {
    case SIM_OP_LT: return a < b;
    case SIM_OP_LE: return a <= b;
    case SIM_OP_EQ: return a == b;
    case SIM_OP_GE: return a >= b;
    case SIM_OP_GT: return a > b;
    case SIM_OP_NE: return a != b;
    default: return 0;
    }
}

static int cmp_values(const sim_value *a, int op, const sim_value *b)
{
    if (op == SIM_OP_IS_NIL) return a->kind == SIM_V_NIL;
    if (op == SIM_OP_IS_NOT_NIL) return a->kind != SIM_V_NIL;
    if (a->kind == SIM_V_NIL) return op == SIM_OP_NE;
    if (a->kind == SIM_V_NUM && b->kind == SIM_V_NUM) return cmp_num(a->u.num, op, b->u.num);
    if (a->kind == SIM_V_BOOL && b->kind == SIM_V_NUM) /* GMF modules compare booleans to 0/1 */
        return cmp_num(a->u.b ? 1 : 0, op, b->u.num);
    if (a->kind == SIM_V_STR && b->kind == SIM_V_STR) {
        int c = strcmp(a->u.str, b->u.str);
        return cmp_num(c, op, 0);
    }
    if (op == SIM_OP_EQ) return sim_value_equal(a, b);
    if (op == SIM_OP_NE) return !sim_value_equal(a, b);
    return 0;
}

static const sim_code *entry_code(const sim_patient *p, const sim_value *v, int want_type)
{
    if (v->kind == SIM_V_CODE) return v->u.code;
    if (v->kind != SIM_V_ENTRY || (want_type >= 0 && v->u.entry.type != want_type)) return NULL;
    int32_t i = v->u.entry.index;
    switch (v->u.entry.type) {
    case SIM_R_CONDITION: return p->conditions.v[i].codes.v;
    case SIM_R_ALLERGY: return p->allergies.v[i].codes.v;
    case SIM_R_MEDICATION: return p->medications.v[i].codes.v;
    case SIM_R_CAREPLAN: return p->careplans.v[i].codes.v;
    case SIM_R_PROCEDURE: return p->procedures.v[i].codes.v;
    case SIM_R_OBSERVATION: return p->observations.v[i].codes.v;
    case SIM_R_DEVICE: return p->devices.v[i].codes.v;
    case SIM_R_ENCOUNTER: return p->encounters.v[i].codes.v;
    default: return NULL;
    }
}

/* any active record of `type` matching the condition's codes (or its referenced entry) */
static int active_match(sim_engine *e, const sim_cond *c, int type)
{
    sim_patient *p = e->p;
    const sim_code *ref = NULL;
    if (c->ref_attr >= 0) {
        sim_value v = sim_patient_attr(p, c->ref_attr);
        if (v.kind == SIM_V_ENTRY && v.u.entry.type == type) {
            int32_t i = v.u.entry.index;
            switch (type) {
            case SIM_R_CONDITION:
                return p->conditions.v[i].start != SIM_NEVER &&
                       p->conditions.v[i].stop == SIM_NEVER;
            case SIM_R_MEDICATION: return p->medications.v[i].stop == SIM_NEVER;
            case SIM_R_CAREPLAN: return p->careplans.v[i].stop == SIM_NEVER;
            case SIM_R_ALLERGY:
                return p->allergies.v[i].start != SIM_NEVER && p->allergies.v[i].stop == SIM_NEVER;
            }
            return 0;
        }
        ref = entry_code(p, &v, -1);
        if (!ref) return 0;
    }
    switch (type) {
    case SIM_R_CONDITION:
        for (size_t i = 0; i < p->conditions.n; i++) {
            const sim_condition *x = &p->conditions.v[i];
            if (x->start == SIM_NEVER || x->stop != SIM_NEVER) continue;
            if (ref ? sim_codes_has(x->codes, ref) : sim_codes_has(c->codes, x->codes.v)) return 1;
        }
        return 0;
    case SIM_R_MEDICATION:
        for (size_t i = 0; i < p->medications.n; i++) {
            const sim_medication *x = &p->medications.v[i];
            if (x->stop != SIM_NEVER) continue;
            if (ref ? sim_codes_has(x->codes, ref) : sim_codes_has(c->codes, x->codes.v)) return 1;
        }
        return 0;
    case SIM_R_CAREPLAN:
        for (size_t i = 0; i < p->careplans.n; i++) {
            const sim_careplan *x = &p->careplans.v[i];
            if (x->stop != SIM_NEVER) continue;
            if (ref ? sim_codes_has(x->codes, ref) : sim_codes_has(c->codes, x->codes.v)) return 1;
        }
        return 0;
    case SIM_R_ALLERGY:
        for (size_t i = 0; i < p->allergies.n; i++) {
            const sim_allergy *x = &p->allergies.v[i];
            if (x->start == SIM_NEVER || x->stop != SIM_NEVER) continue;
            if (ref ? sim_codes_has(x->codes, ref) : sim_codes_has(c->codes, x->codes.v)) return 1;
        }
        return 0;
    }
    return 0;
}

static const char *ses_name(int ses)
{
    return ses <= 0 ? "Low" : ses == 1 ? "Middle" : "High";
}

/* returns 1 true, 0 false, -1 error (reported) */
int engine_eval_cond(sim_engine *e, const sim_cond *c)
{
    sim_patient *p = e->p;
    switch (c->type) {
    case SIM_C_TRUE: return 1;
    case SIM_C_FALSE: return 0;
    case SIM_C_AND:
        for (int32_t i = 0; i < c->nkids; i++) {
            int r = engine_eval_cond(e, &c->kids[i]);
            if (r <= 0) return r;
        }
        return 1;
    case SIM_C_OR:
        for (int32_t i = 0; i < c->nkids; i++) {
            int r = engine_eval_cond(e, &c->kids[i]);
            if (r != 0) return r;
        }
        return 0;
    case SIM_C_NOT: {
        int r = engine_eval_cond(e, &c->kids[0]);
        return r < 0 ? r : !r;
    }
    case SIM_C_AT_LEAST:
    case SIM_C_AT_MOST: {
        int n = 0;
        for (int32_t i = 0; i < c->nkids; i++) {
            int r = engine_eval_cond(e, &c->kids[i]);
            if (r < 0) return r;
            n += r;
        }
        return c->type == SIM_C_AT_LEAST ? n >= c->count : n <= c->count;
    }
    case SIM_C_GENDER: return p->who.sex == c->sex;
    case SIM_C_AGE:
        return cmp_num(age_decimal(p->birth, e->now, (sim_unit)c->unit), c->op, c->quantity);
    case SIM_C_DATE:
        if (c->date_part == 1) return cmp_num((double)sim_time_year(e->now), c->op, c->quantity);
        return cmp_num((double)e->now, c->op, (double)c->date);
    case SIM_C_SES: return strcmp(ses_name(p->who.ses), c->text) == 0;
    case SIM_C_RACE:
        if (strcasecmp(c->text, "Hispanic") == 0)
            return p->who.ethnicity && strcmp(p->who.ethnicity, "hispanic") == 0;
        return p->who.race && strcasecmp(p->who.race, c->text) == 0;
    case SIM_C_SYMPTOM: return cmp_num(sim_patient_symptom(p, c->id), c->op, c->quantity);
    case SIM_C_VITAL_SIGN: {
        double v = sim_patient_vital(p, c->id);
        return !isnan(v) && cmp_num(v, c->op, c->quantity);
    }
    case SIM_C_OBSERVATION: {
        const sim_observation *last = NULL;
        const sim_code *ref = NULL;
        if (c->ref_attr >= 0) {
            sim_value v = sim_patient_attr(p, c->ref_attr);
            if (v.kind == SIM_V_ENTRY && v.u.entry.type == SIM_R_OBSERVATION)
                last = &p->observations.v[v.u.entry.index];
            else
                ref = entry_code(p, &v, -1);
        }
        if (!last && (ref || c->codes.n)) {
            for (size_t i = p->observations.n; i-- > 0;) {
                const sim_observation *o = &p->observations.v[i];
                if (ref ? sim_codes_has(o->codes, ref) : sim_codes_has(c->codes, o->codes.v)) {
                    last = o;
                    break;
                }
            }
        }
        sim_value none;
        memset(&none, 0, sizeof none);
        return cmp_values(last ? &last->value : &none, c->op, &c->value);
    }
    case SIM_C_ACTIVE_CONDITION: return active_match(e, c, SIM_R_CONDITION);
    case SIM_C_ACTIVE_MEDICATION: return active_match(e, c, SIM_R_MEDICATION);
    case SIM_C_ACTIVE_CAREPLAN: return active_match(e, c, SIM_R_CAREPLAN);
    case SIM_C_ACTIVE_ALLERGY: return active_match(e, c, SIM_R_ALLERGY);
    case SIM_C_ATTRIBUTE: {
        sim_value v = sim_patient_attr(p, c->id);
        return cmp_values(&v, c->op, &c->value);
    }
    case SIM_C_PRIOR_STATE: {
        minst *mi = e->cur_mi;
        sim_time ex = mi->last_exit[c->id];
        if (ex == SIM_TIME_NONE) return 0;
        if (c->since >= 0 && mi->exit_seq[c->id] < mi->enter_seq[c->since]) return 0;
        if (c->within > 0 && ex < e->now - c->within) return 0;
        return 1;
    }
    case SIM_C_LUA: {
        if (engine_call_lua(e, c->lua_ref, 1) != 0) return -1;
        int r = lua_toboolean(e->L, -1);
        lua_pop(e->L, 1);
        return r;
    }
    }
    return 0;
}

static sim_time first_after(sim_time now, sim_time a, sim_time b)
{
    sim_time best = SIM_NEVER;
    if (a > now && a < best) best = a;
    if (b > now && b < best) best = b;
    return best;
}

/* The earliest instant after now at which the condition's value could change by itself (age,
 * dates, PriorState windows); SIM_NEVER when only events can change it. */
sim_time engine_cond_next_change(sim_engine *e, const sim_cond *c)
{
    sim_time now = e->now;
    switch (c->type) {
    case SIM_C_AND:
    case SIM_C_OR:
    case SIM_C_NOT:
    case SIM_C_AT_LEAST:
    case SIM_C_AT_MOST: {
        sim_time best = SIM_NEVER;
        for (int32_t i = 0; i < c->nkids; i++) {
            sim_time t = engine_cond_next_change(e, &c->kids[i]);
            if (t < best) best = t;
        }
        return best;
    }
    case SIM_C_AGE: {
        sim_time tb = time_at_age(e->p->birth, c->quantity, (sim_unit)c->unit);
        if (tb == SIM_NEVER) return SIM_NEVER;
        return first_after(now, tb, tb + 1);
    }
    case SIM_C_DATE:
        if (c->date_part == 1) {
            sim_time y0 = sim_time_from_ymd((int64_t)c->quantity, 1, 1);
            sim_time y1 = sim_time_from_ymd((int64_t)c->quantity + 1, 1, 1);
            return first_after(now, y0, y1);
        }
        return first_after(now, c->date, c->date + 1);
    case SIM_C_PRIOR_STATE:
        if (c->within > 0 && e->cur_mi->last_exit[c->id] != SIM_TIME_NONE)
            return first_after(now, e->cur_mi->last_exit[c->id] + c->within + 1, SIM_NEVER);
        return SIM_NEVER;
    default: return SIM_NEVER;
    }
}

/* ---- transitions ---- */

static int pick_dopts(sim_engine *e, const sim_dopt *d, int32_t n, const double *probs)
{
    double u = sim_rng_uniform(&e->cur_mi->rng);
    double high = 0;
    for (int32_t i = 0; i < n; i++) {
        double p;
        if (probs) {
            p = probs[i];
        } else if (d[i].lua_ref != LUA_NOREF) {
            if (engine_call_lua(e, d[i].lua_ref, 1) != 0) return -2;
            if (!lua_isnumber(e->L, -1)) {
                lua_pop(e->L, 1);
                engine_error(e, "a transition probability function must return a number");
                return -2;
            }
            p = lua_tonumber(e->L, -1);
            lua_pop(e->L, 1);
        } else if (d[i].attr >= 0) {
            sim_value v = sim_patient_attr(e->p, d[i].attr);
            p = v.kind == SIM_V_NUM ? v.u.num : d[i].p;
        } else {
            p = d[i].p;
        }
        high += p;
        if (u < high) return d[i].target;
    }
    return d[n - 1].target; /* probabilities short of 1: the last branch, as Synthea does */
}

static int lookup_row_matches(sim_engine *e, const sim_lookup *lk, int32_t row)
{
    const sim_patient *p = e->p;
    for (int32_t k = 0; k < lk->nkeys; k++) {
        const char *cell = lk->cells[(size_t)row * (size_t)lk->nkeys + (size_t)k];
        switch (lk->keys[k].kind) {
        case SIM_LK_AGE: {
            int64_t age = sim_age_years(p->birth, e->now);
            if (age < lk->age_lo[row] || (lk->age_hi[row] >= 0 && age > lk->age_hi[row])) return 0;
            break;
        }
        case SIM_LK_GENDER:
            if (!cell[0] || cell[0] != p->who.sex) return 0;
            break;
        case SIM_LK_RACE:
            if (!p->who.race || strcasecmp(cell, p->who.race) != 0) return 0;
            break;
        case SIM_LK_ETHNICITY:
            if (!p->who.ethnicity || strcasecmp(cell, p->who.ethnicity) != 0) return 0;
            break;
        case SIM_LK_SES:
            if (strcasecmp(cell, ses_name(p->who.ses)) != 0) return 0;
            break;
        case SIM_LK_ATTR: {
            sim_value v = sim_patient_attr(p, lk->keys[k].attr);
            char buf[128];
            if (v.kind == SIM_V_NUM) {
                char *end;
                double want = strtod(cell, &end);
                if (end == cell || v.u.num != want) return 0;
            } else if (v.kind == SIM_V_STR) {
                if (strcmp(v.u.str, cell) != 0) return 0;
            } else if (v.kind == SIM_V_BOOL) {
                snprintf(buf, sizeof buf, "%s", v.u.b ? "true" : "false");
                if (strcasecmp(buf, cell) != 0) return 0;
            } else if (v.kind == SIM_V_CODE) {
                if (strcmp(v.u.code->code, cell) != 0) return 0;
            } else {
                if (cell[0]) return 0;
            }
            break;
        }
        }
    }
    return 1;
}

/* Returns the next state, -1 when no branch applies, -2 on error (reported). */
static int choose_transition(sim_engine *e, const sim_state *st)
{
    const sim_transition *tr = &st->tr;
    switch (tr->kind) {
    case SIM_T_DIRECT: return tr->target;
    case SIM_T_DISTRIBUTED: return pick_dopts(e, tr->d, tr->nd, NULL);
    case SIM_T_CONDITIONAL:
    case SIM_T_COMPLEX:
        for (int32_t i = 0; i < tr->nc; i++) {
            const sim_copt *o = &tr->c[i];
            int ok = o->cond ? engine_eval_cond(e, o->cond) : 1;
            if (ok < 0) return -2;
            if (!ok) continue;
            if (o->target >= 0) return o->target;
            return pick_dopts(e, o->dist, o->ndist, NULL);
        }
        return -1;
    case SIM_T_LOOKUP: {
        const sim_lookup *lk = tr->lookup;
        for (int32_t r = 0; r < lk->nrows; r++)
            if (lookup_row_matches(e, lk, r))
                return pick_dopts(e, tr->d, tr->nd, &lk->probs[(size_t)r * (size_t)tr->nd]);
        return pick_dopts(e, tr->d, tr->nd, NULL);
    }
    default: return -1;
    }
}

/* ---- runners ---- */

static void set_context(sim_engine *e, frame *f)
{
    const sim_module *m = engine_module(e, f->module);
    minst *mi = &e->mi[f->module];
    const sim_state *st = &m->states[f->state];
    uint64_t ctx = sim_rng_state_context(st->name_hash, mi->visits[f->state] - 1);
    if (f->step) ctx ^= sim_mix64(f->step + UINT64_C(0x243f6a8885a308d3));
    sim_rng_set_context(&mi->rng, ctx);
}

static void enter_state(sim_engine *e, frame *f, int32_t state, sim_time t)
{
    minst *mi = &e->mi[f->module];
    f->state = state;
    f->entered = t;
    f->delay_end = t;
    f->step = 0;
    mi->visits[state]++;
    mi->last_enter[state] = t;
    mi->enter_seq[state] = ++e->seq;
    e->stats.states++;
    if (e->opts.trace) {
        frame *saved = e->cur_frame;
        e->cur_frame = f;
        engine_trace(e, SIM_TRACE_STATE, NULL, "%s",
                     engine_module(e, f->module)->states[state].name);
        e->cur_frame = saved;
    }
}

#define MAX_STEPS_PER_INSTANT 100000

/* Runs a runner at time t until it blocks, finishes, or the patient dies. */
static sim_status run_runner(sim_engine *e, runner *r, sim_time t)
{
    e->cur = r;
    long steps = 0;
    r->waiting = WAIT_NONE;
    for (;;) {
        frame *f = &r->stack[r->depth - 1];
        const sim_module *m = engine_module(e, f->module);
        const sim_state *st = &m->states[f->state];
        e->cur_frame = f;
        e->cur_mi = &e->mi[f->module];
        set_context(e, f);
        sim_time wake = SIM_NEVER;
        int res = engine_process(e, r, f, st, &wake);
        f->step++;
        if (res == PROC_ERROR) return e->err->code ? e->err->code : SIM_EMODULE;
        if (e->died_now) {
            r->wake = SIM_NEVER;
            return SIM_OK;
        }
        if (res == PROC_BLOCK) {
            r->wake = wake;
            return SIM_OK;
        }
        if (res == PROC_PUSHED) {
            if (r->depth >= SIM_MAX_DEPTH)
                return engine_error(e, "submodule calls nest deeper than %d", SIM_MAX_DEPTH);
            frame *nf = &r->stack[r->depth++];
            nf->module = st->submodule;
            const sim_module *sm = engine_module(e, st->submodule);
            enter_state(e, nf, sm->initial, t);
            continue;
        }
        if (res == PROC_TERMINAL) {
            e->mi[f->module].last_exit[f->state] = t;
            e->mi[f->module].exit_seq[f->state] = ++e->seq;
            if (r->depth == 1) {
                r->done = 1;
                return SIM_OK;
            }
            r->depth--;
            f = &r->stack[r->depth - 1];
            m = engine_module(e, f->module);
            st = &m->states[f->state];
            e->cur_frame = f;
            e->cur_mi = &e->mi[f->module];
            set_context(e, f);
            f->step++;
        }
        /* advance */
        e->mi[f->module].last_exit[f->state] = t;
        e->mi[f->module].exit_seq[f->state] = ++e->seq;
        int next = choose_transition(e, st);
        if (next == -2) return e->err->code ? e->err->code : SIM_EMODULE;
        if (next < 0) {
            /* no branch applies: the module stays here for good */
            r->done = 1;
            return SIM_OK;
        }
        enter_state(e, f, next, t);
        if (++steps > MAX_STEPS_PER_INSTANT)
            return engine_error(e,
                                "more than %d states in one instant: the module loops without "
                                "a Delay or Guard",
                                MAX_STEPS_PER_INSTANT);
    }
}

/* ---- lifecycle ---- */

sim_engine *sim_engine_new(sim_modset *ms, const sim_engine_opts *opts)
{
    sim_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->ms = ms;
    e->lua = sim_modset_lua(ms);
    e->L = sim_lua_state(e->lua);
    if (opts) e->opts = *opts;
    if (!e->opts.guard_poll) e->opts.guard_poll = 30 * SIM_MS_DAY;
    /* the deaths the modules cause themselves (a cancer's course) leave the life table */
    const double *const modelled[2] = {sim_modset_modelled_mortality(ms, 0),
                                       sim_modset_modelled_mortality(ms, 1)};
    if (e->opts.lifetable && (modelled[0] || modelled[1])) {
        e->lt_deleted = sim_lifetable_cause_deleted(e->opts.lifetable, modelled);
        if (!e->lt_deleted) {
            free(e);
            return NULL;
        }
        e->opts.lifetable = e->lt_deleted;
    }
    e->nmods = sim_modset_count(ms);
    e->mi = calloc(e->nmods ? e->nmods : 1, sizeof *e->mi);
    size_t total = 0, nrun = 0;
    for (size_t i = 0; i < e->nmods; i++) {
        const sim_module *m = sim_modset_get(ms, i);
        total += (size_t)m->nstates;
        if (!m->submodule) nrun++;
    }
    e->nstates_all = total;
    e->visits_all = calloc(total ? total : 1, sizeof *e->visits_all);
    e->enter_all = calloc(total ? total : 1, sizeof *e->enter_all);
    e->exit_all = calloc(total ? total : 1, sizeof *e->exit_all);
    e->rec_all = calloc(total ? total : 1, sizeof *e->rec_all);
    e->enter_seq_all = calloc(total ? total : 1, sizeof *e->enter_seq_all);
    e->exit_seq_all = calloc(total ? total : 1, sizeof *e->exit_seq_all);
    e->runners = calloc(nrun ? nrun : 1, sizeof *e->runners);
    e->heap = calloc(nrun ? nrun : 1, sizeof *e->heap);
    if (!e->mi || !e->visits_all || !e->enter_all || !e->exit_all || !e->rec_all ||
        !e->enter_seq_all || !e->exit_seq_all || !e->runners || !e->heap) {
        sim_engine_free(e);
        return NULL;
    }
    size_t off = 0;
    for (size_t i = 0; i < e->nmods; i++) {
        const sim_module *m = sim_modset_get(ms, i);
        e->mi[i].visits = e->visits_all + off;
        e->mi[i].last_enter = e->enter_all + off;
        e->mi[i].last_exit = e->exit_all + off;
        e->mi[i].last_rec = e->rec_all + off;
        e->mi[i].enter_seq = e->enter_seq_all + off;
        e->mi[i].exit_seq = e->exit_seq_all + off;
        off += (size_t)m->nstates;
        if (!m->submodule) e->runners[e->nrunners++].module = (int32_t)i;
    }
    e->c_death_cert = sim_modset_code(ms, "SNOMED-CT", "308646001", "Death Certification");
    e->c_cause_obs = sim_modset_code(ms, "LOINC", "69453-9",
                                     "Cause of Death [US Standard Certificate of Death]");
    e->c_death_report = sim_modset_code(ms, "LOINC", "69409-1",
                                        "U.S. standard certificate of death - 2003 revision");
    e->c_natural = sim_modset_code(ms, "SNOMED-CT", "9855000", "Natural death with unknown cause");
    e->proxy_ref = luapatient_new(e);
    if (!e->c_death_cert || !e->c_cause_obs || !e->c_death_report || !e->c_natural ||
        e->proxy_ref == LUA_NOREF) {
        sim_engine_free(e);
        return NULL;
    }
    return e;
}

void sim_engine_free(sim_engine *e)
{
    if (!e) return;
    sim_lifetable_free(e->lt_deleted);
    if (e->L && e->proxy_ref != LUA_NOREF && e->proxy_ref != 0)
        luaL_unref(e->L, LUA_REGISTRYINDEX, e->proxy_ref);
    free(e->mi);
    free(e->visits_all);
    free(e->enter_all);
    free(e->exit_all);
    free(e->rec_all);
    free(e->enter_seq_all);
    free(e->exit_seq_all);
    free(e->runners);
    free(e->heap);
    free(e->pending.v);
    free(e->changed_attrs.v);
    free(e);
}

void sim_engine_stats_get(const sim_engine *e, sim_engine_stats *out)
{
    *out = e->stats;
}

sim_status sim_engine_run(sim_engine *e, sim_patient *p, sim_error *err)
{
    sim_error local;
    if (!err) err = &local;
    sim_error_clear(err);
    e->p = p;
    e->err = err;
    e->now = p->birth;
    e->cur = NULL;
    e->cur_frame = NULL;
    e->cur_mi = NULL;
    e->died_now = 0;
    e->wellness_enc = -1;
    e->pending.n = 0;
    e->changed = 0;
    e->changed_attrs.n = 0;
    memset(&e->stats, 0, sizeof e->stats);
    memset(e->visits_all, 0, e->nstates_all * sizeof *e->visits_all);
    memset(e->enter_seq_all, 0, e->nstates_all * sizeof *e->enter_seq_all);
    memset(e->exit_seq_all, 0, e->nstates_all * sizeof *e->exit_seq_all);
    e->seq = 0;
    for (size_t i = 0; i < e->nstates_all; i++) {
        e->enter_all[i] = SIM_TIME_NONE;
        e->exit_all[i] = SIM_TIME_NONE;
        e->rec_all[i] = -1;
    }
    for (size_t i = 0; i < e->nmods; i++) {
        const sim_module *m = sim_modset_get(e->ms, i);
        sim_rng_init(&e->mi[i].rng, sim_mix64(p->key ^ m->stream_hash));
    }
    /* all-cause mortality */
    e->death_at = SIM_NEVER;
    e->death_cause = NULL;
    if (e->opts.lifetable) {
        sim_rng life;
        sim_rng_init(&life, sim_rng_stream_key(p->key, "$life"));
        double age = sim_lifetable_draw(e->opts.lifetable, p->who.sex, &life);
        e->death_at = p->birth + (sim_time)(age * (double)SIM_MS_YEAR);
        e->death_cause = e->c_natural;
    }
    e->nheap = 0;
    for (size_t i = 0; i < e->nrunners; i++) {
        runner *r = &e->runners[i];
        const sim_module *m = engine_module(e, r->module);
        r->depth = 1;
        r->stack[0].module = r->module;
        r->encounter = -1;
        r->joined = -1;
        r->done = 0;
        r->waiting = WAIT_NONE;
        r->heap_pos = -1;
        e->cur_frame = &r->stack[0];
        enter_state(e, &r->stack[0], m->initial, p->birth);
        r->wake = p->birth;
        heap_push(e, (int32_t)i);
    }
    e->cur_frame = NULL;
    sim_status st = SIM_OK;
    while (e->nheap) {
        runner *r = &e->runners[e->heap[0]];
        sim_time t = r->wake;
        if (t >= p->end || t >= e->death_at) break;
        heap_pop(e);
        e->now = t;
        e->stats.wakeups++;
        st = run_runner(e, r, t);
        if (st != SIM_OK) break;
        if (e->died_now) {
            e->death_at = t;
            break;
        }
        if (!r->done && r->wake != SIM_NEVER)
            heap_push(e, (int32_t)(r - e->runners));
        else if (!r->done)
            r->heap_pos = -1; /* waits for a change or a wellness visit */
        wake_watchers(e, t, r);
    }
    e->cur = NULL;
    e->cur_frame = NULL;
    e->cur_mi = NULL;
    if (st != SIM_OK) return st;
    e->now = e->death_at < p->end ? e->death_at : p->end;
    engine_finish_patient(e);
    return SIM_OK;
}
