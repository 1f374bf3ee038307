/* evidence.c — code lists and evidence expressions (see include/sim_evidence.h). */
#include "sim_evidence.h"

#include <stdlib.h>
#include <string.h>

/* splits "SYS:code" (n bytes at p, blanks around trimmed) */
static sim_status split_code(const char *p, size_t n, char **sys, char **code)
{
    while (n && *p == ' ') p++, n--;
    while (n && p[n - 1] == ' ') n--;
    const char *colon = memchr(p, ':', n);
    if (!colon || colon == p || colon + 1 == p + n || memchr(p, ' ', n)) return SIM_EPARSE;
    *sys = strndup(p, (size_t)(colon - p));
    *code = strndup(colon + 1, n - (size_t)(colon - p) - 1);
    return *sys && *code ? SIM_OK : SIM_ENOMEM;
}

sim_status sim_codelist_parse(const char *s, sim_codelist *out, const char **bad, size_t *badlen)
{
    const char *p = s;
    do {
        size_t n = strcspn(p, "|");
        sim_code_ref *nv = realloc(out->v, (out->n + 1) * sizeof *nv);
        if (!nv) return SIM_ENOMEM;
        out->v = nv;
        sim_code_ref *c = &nv[out->n++];
        memset(c, 0, sizeof *c);
        sim_status st = split_code(p, n, &c->system, &c->code);
        if (st != SIM_OK) {
            *bad = p;
            *badlen = n;
            return st;
        }
        p += n;
    } while (*p++);
    return SIM_OK;
}

void sim_codelist_free(sim_codelist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].system);
        free(l->v[i].code);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int code_is(const sim_code *c, const char *system, const char *code)
{
    return c && !strcmp(c->code, code) && !strcmp(c->system, system);
}

static int codes_have(const sim_codes *c, const char *system, const char *code)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (code_is(&c->v[i], system, code)) return 1;
    return 0;
}

int sim_codelist_has(const sim_codelist *l, const sim_codes *codes)
{
    for (size_t k = 0; k < l->n; k++)
        if (codes_have(codes, l->v[k].system, l->v[k].code)) return 1;
    return 0;
}

sim_time sim_codelist_onset(const sim_codelist *l, const sim_patient *p)
{
    sim_time dx = SIM_NEVER;
    for (size_t i = 0; i < p->conditions.n; i++) {
        const sim_condition *c = &p->conditions.v[i];
        if (c->start != SIM_NEVER && (dx == SIM_NEVER || c->start < dx) &&
            sim_codelist_has(l, &c->codes))
            dx = c->start;
    }
    return dx;
}

const sim_code_ref *sim_codelist_unrecorded(const sim_codelist *l, const sim_modset *ms,
                                            int all_needed)
{
    for (size_t k = 0; k < l->n; k++) {
        int rec = sim_modset_records(ms, -1, l->v[k].system, l->v[k].code);
        if (all_needed && !rec) return &l->v[k];
        if (!all_needed && rec) return NULL;
    }
    return all_needed || !l->n ? NULL : &l->v[0];
}

sim_status sim_evidence_parse(const char *s, sim_evidence *out, const char **bad, size_t *badlen)
{
    const char *p = s;
    int group = 0;
    while (*p == ' ') p++;
    if (!*p) return SIM_OK;
    for (;;) {
        size_t n = strcspn(p, "&|");
        sim_evidence_item *nv = realloc(out->v, (out->n + 1) * sizeof *nv);
        if (!nv) return SIM_ENOMEM;
        out->v = nv;
        sim_evidence_item *e = &nv[out->n++];
        memset(e, 0, sizeof *e);
        e->group = group;
        const char *q = p;
        size_t len = n;
        while (len && *q == ' ') q++, len--;
        if (len && *q == '!') {
            e->negate = 1;
            q++;
            len--;
        }
        const char *eq = memchr(q, '=', len);
        size_t clen = eq ? (size_t)(eq - q) : len;
        sim_status st = split_code(q, clen, &e->system, &e->code);
        if (st == SIM_OK && eq) st = split_code(eq + 1, len - clen - 1, &e->vsystem, &e->vcode);
        if (st != SIM_OK) {
            *bad = p;
            *badlen = n;
            return st;
        }
        p += n;
        if (!*p) return SIM_OK;
        if (*p == '|') group++;
        p++;
    }
}

void sim_evidence_free(sim_evidence *e)
{
    for (size_t k = 0; k < e->n; k++) {
        free(e->v[k].system);
        free(e->v[k].code);
        free(e->v[k].vsystem);
        free(e->v[k].vcode);
    }
    free(e->v);
    e->v = NULL;
    e->n = 0;
}

static int item_holds(const sim_evidence_item *e, const sim_patient *p, sim_time dx)
{
    sim_time lo = dx - SIM_MS_DAY, hi = dx + SIM_EVIDENCE_DAYS * SIM_MS_DAY;
    if (!e->vcode)
        for (size_t i = 0; i < p->conditions.n; i++) {
            const sim_condition *c = &p->conditions.v[i];
            if (c->start != SIM_NEVER && c->start >= lo && c->start <= hi &&
                codes_have(&c->codes, e->system, e->code))
                return 1;
        }
    for (size_t i = 0; i < p->observations.n; i++) {
        const sim_observation *o = &p->observations.v[i];
        if (o->time < lo || o->time > hi || !codes_have(&o->codes, e->system, e->code)) continue;
        if (!e->vcode) return 1;
        if (o->value.kind == SIM_V_CODE && code_is(o->value.u.code, e->vsystem, e->vcode)) return 1;
    }
    return 0;
}

int sim_evidence_holds(const sim_evidence *e, const sim_patient *p, sim_time dx)
{
    if (!e->n) return 1;
    size_t k = 0;
    while (k < e->n) {
        int g = e->v[k].group, all = 1;
        for (; k < e->n && e->v[k].group == g; k++)
            if (all && item_holds(&e->v[k], p, dx) == e->v[k].negate) all = 0;
        if (all) return 1;
    }
    return 0;
}

const sim_evidence_item *sim_evidence_unrecorded(const sim_evidence *e, const sim_modset *ms)
{
    for (size_t k = 0; k < e->n; k++)
        if (!sim_modset_records(ms, -1, e->v[k].system, e->v[k].code)) return &e->v[k];
    return NULL;
}
