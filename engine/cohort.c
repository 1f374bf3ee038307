/* cohort.c — keep: criteria (see include/sim_cohort.h). */
#include "sim_cohort.h"

#include <stdlib.h>
#include <string.h>

typedef struct kstate {
    int32_t module, state;
} kstate;

struct sim_cohort {
    const sim_keep *k;
    kstate **states; /* of k, then of each of k->groups */
};

void sim_cohort_free(sim_cohort *c)
{
    if (!c) return;
    for (size_t i = 0; c->states && i <= c->k->ngroups; i++) free(c->states[i]);
    free(c->states);
    free(c);
}


/* the criteria of one keep (keep: or a group of keep.each) resolved into states */
static void resolve(const sim_scenario *sc, const sim_keep *k, const sim_modset *ms,
                    kstate *states, sim_diags *d)
{
    for (size_t i = 0; i < k->nstates; i++) {
        const sim_keep_state *ks = &k->states[i];
        int32_t mi = sim_modset_find(ms, ks->module);
        if (mi < 0) {
            const char *cands[256] = {0};
            size_t nc = 0;
            for (size_t j = 0; j < sim_modset_count(ms) && nc < 256; j++)
                cands[nc++] = sim_modset_get(ms, j)->key;
            const char *dym = sim_did_you_mean(ks->module, cands, nc);
            sim_diags_add(d, SIM_SEV_ERROR, sc->path, ks->pos.line, ks->pos.column,
                          "keep.states: no loaded module '%s'%s%s%s", ks->module,
                          dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
            continue;
        }
        const sim_module *m = sim_modset_get(ms, (size_t)mi);
        int32_t si = -1;
        const char *cands[1024] = {0};
        size_t nc = 0;
        for (int32_t s = 0; s < m->nstates; s++) {
            if (!strcmp(m->states[s].name, ks->state)) si = s;
            if (nc < 1024) cands[nc++] = m->states[s].name;
        }
        if (si < 0) {
            const char *dym = sim_did_you_mean(ks->state, cands, nc);
            sim_diags_add(d, SIM_SEV_ERROR, sc->path, ks->pos.line, ks->pos.column,
                          "keep.states: module '%s' (%s) has no state '%s'%s%s%s", m->key, m->path,
                          ks->state, dym ? " (did you mean '" : "", dym ? dym : "",
                          dym ? "'?)" : "");
            continue;
        }
        states[i].module = mi;
        states[i].state = si;
    }
    for (size_t i = 0; i < k->nconditions; i++) {
        const sim_keep_condition *kc = &k->conditions[i];
        /* each alternative ("a|b"): one no module records is a typo */
        for (const char *p = kc->code;; p++) {
            size_t m = strcspn(p, "|");
            char code[128];
            snprintf(code, sizeof code, "%.*s", (int)(m < sizeof code ? m : sizeof code - 1), p);
            if (!sim_modset_records(ms, SIM_ST_CONDITIONONSET, kc->system, code))
                sim_diags_add(d, SIM_SEV_ERROR, sc->path, kc->pos.line, kc->pos.column,
                              "keep.conditions: no loaded module records the condition %s%s%s, "
                              "so no patient could be kept with it",
                              kc->system ? kc->system : "", kc->system ? " " : "", code);
            p += m;
            if (!*p) break;
        }
    }
}

sim_status sim_cohort_new(const sim_scenario *sc, const sim_modset *ms, sim_cohort **out,
                          sim_diags *d)
{
    *out = NULL;
    const sim_keep *k = &sc->keep;
    sim_cohort *c = calloc(1, sizeof *c);
    if (!c) return SIM_ENOMEM;
    c->k = k;
    c->states = calloc(k->ngroups + 1, sizeof *c->states);
    if (!c->states) {
        sim_cohort_free(c);
        return SIM_ENOMEM;
    }
    size_t errs = d->nerrors;
    for (size_t g = 0; g <= k->ngroups; g++) {
        const sim_keep *kg = g ? &k->groups[g - 1] : k;
        c->states[g] = calloc(kg->nstates ? kg->nstates : 1, sizeof *c->states[g]);
        if (!c->states[g]) {
            sim_cohort_free(c);
            return SIM_ENOMEM;
        }
        resolve(sc, kg, ms, c->states[g], d);
    }
    if (d->nerrors != errs) {
        sim_cohort_free(c);
        return SIM_EINVAL;
    }
    *out = c;
    return SIM_OK;
}

/* whether code is one of the alternatives of list ("a|b|c") */
static int code_in(const char *code, const char *list)
{
    size_t n = strlen(code);
    for (const char *p = list;; p++) {
        size_t m = strcspn(p, "|");
        if (m == n && !memcmp(p, code, n)) return 1;
        p += m;
        if (!*p) return 0;
    }
}

static int has_condition(const sim_patient *p, const sim_keep_condition *kc)
{
    sim_time end = p->death != SIM_NEVER && p->death < p->end ? p->death : p->end;
    for (size_t i = 0; i < p->conditions.n; i++) {
        const sim_condition *c = &p->conditions.v[i];
        if (!sim_condition_at(c, end, kc->active_only)) continue;
        for (uint32_t k = 0; k < c->codes.n; k++)
            if (code_in(c->codes.v[k].code, kc->code) &&
                (!kc->system || !strcmp(c->codes.v[k].system, kc->system)))
                return 1;
    }
    return 0;
}

/* sex, age, conditions and states of one keep */
static int meets(const sim_keep *k, const kstate *states, const sim_patient *p,
                 const sim_engine *e)
{
    int dead = p->death != SIM_NEVER;
    if (k->sex && p->who.sex != k->sex) return 0;
    if (k->age_lo >= 0 || k->age_hi >= 0) {
        int64_t age = sim_age_years(p->birth, dead ? p->death : p->end);
        if ((k->age_lo >= 0 && age < k->age_lo) || (k->age_hi >= 0 && age > k->age_hi)) return 0;
    }
    for (size_t i = 0; i < k->nconditions; i++)
        if (!has_condition(p, &k->conditions[i])) return 0;
    for (size_t i = 0; i < k->nstates; i++)
        if (!sim_engine_visits(e, states[i].module, states[i].state)) return 0;
    return 1;
}

int sim_cohort_keeps(const sim_cohort *c, const sim_patient *p, const sim_engine *e)
{
    const sim_keep *k = c->k;
    int dead = p->death != SIM_NEVER;
    if ((k->alive == SIM_KEEP_ALIVE && dead) || (k->alive == SIM_KEEP_DEAD && !dead)) return 0;
    if (!meets(k, c->states[0], p, e)) return 0;
    if (!k->ngroups) return 1;
    size_t g = (size_t)(p->slot % k->ngroups);
    return meets(&k->groups[g], c->states[g + 1], p, e);
}
