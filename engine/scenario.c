/* scenario.c — YAML scenarios read with libyaml (see include/sim_scenario.h).
 *
 * The document is loaded whole (yaml_parser_load), then walked against the schema below. Every
 * node carries its mark, so a problem is reported at the line and column of the value at fault.
 */
#include "sim_scenario.h"

#include "embedded.h"
#include "sim_evidence.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct sctx {
    yaml_document_t *doc;
    const char *path;
    sim_diags *d;
    sim_scenario *s;
    sim_keep *keep; /* the criteria being read: keep: itself or one of keep.each */
} sctx;

static void serr(sctx *c, const yaml_node_t *n, const char *fmt, ...) SIM_PRINTF(3, 4);
static void serr(sctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_diags_addv(c->d, SIM_SEV_ERROR, c->path, n ? (int)n->start_mark.line + 1 : 0,
                   n ? (int)n->start_mark.column + 1 : 0, fmt, ap);
    va_end(ap);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *node_kind(const yaml_node_t *n)
{
    if (!n) return "nothing";
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a value";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static int want_string(sctx *c, const yaml_node_t *n, const char *key, char **out)
{
    const char *v = scalar(n);
    if (!v) {
        serr(c, n, "%s must be a text value, not %s", key, node_kind(n));
        return -1;
    }
    free(*out);
    *out = sim_strdup(v);
    return 0;
}

static int want_number(sctx *c, const yaml_node_t *n, const char *key, double lo, double hi,
                       double *out)
{
    const char *v = scalar(n);
    char *end;
    errno = 0;
    double x = v ? strtod(v, &end) : 0;
    if (!v || !*v || *end || errno || !isfinite(x)) {
        serr(c, n, "%s must be a number%s%s%s", key, v ? " (got \"" : "", v ? v : "",
             v ? "\")" : "");
        return -1;
    }
    if (x < lo || x > hi) {
        serr(c, n, "%s must be between %g and %g (got %g)", key, lo, hi, x);
        return -1;
    }
    *out = x;
    return 0;
}

static int want_uint(sctx *c, const yaml_node_t *n, const char *key, uint64_t lo, uint64_t hi,
                     uint64_t *out)
{
    const char *v = scalar(n);
    char *end;
    errno = 0;
    unsigned long long x = v && *v != '-' ? strtoull(v, &end, 10) : 0;
    if (!v || !*v || *v == '-' || *end || errno) {
        serr(c, n, "%s must be a whole number%s%s%s", key, v ? " (got \"" : "", v ? v : "",
             v ? "\")" : "");
        return -1;
    }
    if (x < lo || x > hi) {
        serr(c, n, "%s must be between %llu and %llu (got %llu)", key, (unsigned long long)lo,
             (unsigned long long)hi, x);
        return -1;
    }
    *out = x;
    return 0;
}

static int want_bool(sctx *c, const yaml_node_t *n, const char *key, int *out)
{
    const char *v = scalar(n);
    if (v && (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))) {
        *out = 1;
        return 0;
    }
    if (v && (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))) {
        *out = 0;
        return 0;
    }
    serr(c, n, "%s must be true or false", key);
    return -1;
}

static int want_date(sctx *c, const yaml_node_t *n, const char *key, sim_time *out)
{
    const char *v = scalar(n);
    if (!v || sim_time_parse(v, out) != 0) {
        serr(c, n, "%s must be a date YYYY-MM-DD (got %s%s%s)", key, v ? "\"" : "",
             v ? v : node_kind(n), v ? "\"" : "");
        return -1;
    }
    return 0;
}

static sim_pos pos_of(const yaml_node_t *n)
{
    sim_pos p = {0, 0};
    if (n) {
        p.line = (int)n->start_mark.line + 1;
        p.column = (int)n->start_mark.column + 1;
    }
    return p;
}

/* A list of text values; `pos` (may be NULL) receives where each is written. */
static int want_strlist(sctx *c, const yaml_node_t *n, const char *key, char ***out, size_t *nout,
                        sim_pos **pos)
{
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        serr(c, n, "%s must be a list, e.g. [a, b]", key);
        return -1;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    char **v = calloc(cnt ? cnt : 1, sizeof *v);
    sim_pos *vp = calloc(cnt ? cnt : 1, sizeof *vp);
    if (!v || !vp) {
        free(v);
        free(vp);
        return -1;
    }
    size_t k = 0;
    int rc = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        const char *sv = scalar(e);
        if (!sv || !*sv) {
            serr(c, e, "each entry of %s must be a text value", key);
            rc = -1;
            continue;
        }
        vp[k] = pos_of(e);
        v[k++] = sim_strdup(sv);
    }
    for (size_t i = 0; i < *nout; i++) free((*out)[i]);
    free(*out);
    *out = v;
    *nout = k;
    if (pos) {
        free(*pos);
        *pos = vp;
    } else {
        free(vp);
    }
    return rc;
}

typedef int (*key_fn)(sctx *c, const yaml_node_t *v, const char *key);
typedef struct keydef {
    const char *name;
    key_fn fn;
} keydef;

static int walk_map(sctx *c, const yaml_node_t *n, const char *where, const keydef *keys)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        serr(c, n, "%s must be a mapping of keys to values", where);
        return -1;
    }
    const char *names[64];
    size_t nk = 0;
    for (const keydef *k = keys; k->name && nk < 64; k++) names[nk++] = k->name;
    int rc = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
        const char *k = scalar(kn);
        if (!k) {
            serr(c, kn, "keys must be plain names");
            rc = -1;
            continue;
        }
        /* a key given twice is a mistake YAML would let pass silently */
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const char *k2 = scalar(yaml_document_get_node(c->doc, q->key));
            if (k2 && strcmp(k2, k) == 0) {
                serr(c, kn, "'%s' is given twice in %s", k, where);
                rc = -1;
            }
        }
        const keydef *def = NULL;
        for (const keydef *kd = keys; kd->name; kd++)
            if (strcmp(kd->name, k) == 0) def = kd;
        if (!def) {
            const char *dym = sim_did_you_mean(k, names, nk);
            if (dym)
                serr(c, kn, "unknown key '%s' in %s (did you mean '%s'?)", k, where, dym);
            else {
                char list[512] = "";
                size_t off = 0;
                for (size_t i = 0; i < nk && off < sizeof list - 2; i++)
                    off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                                            names[i]);
                serr(c, kn, "unknown key '%s' in %s (the keys are: %s)", k, where, list);
            }
            rc = -1;
            continue;
        }
        if (def->fn(c, vn, k) != 0) rc = -1;
    }
    return rc;
}

/* ---- keys ---- */

static int k_name(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_string(c, v, k, &c->s->name);
}

static int k_description(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_string(c, v, k, &c->s->description);
}

static int k_seed(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_uint(c, v, k, 0, UINT64_MAX, &c->s->seed);
}

static int k_population(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_uint(c, v, k, 1, UINT64_C(1000000000000), &c->s->population);
}

static int k_reference_date(sctx *c, const yaml_node_t *v, const char *k)
{
    if (want_date(c, v, k, &c->s->reference_date) != 0) return -1;
    if (c->s->reference_date < sim_time_from_ymd(1900, 1, 1) ||
        c->s->reference_date > sim_time_from_ymd(2200, 1, 1)) {
        serr(c, v, "reference_date must be between 1900 and 2200");
        return -1;
    }
    return 0;
}

static int k_years_of_history(sctx *c, const yaml_node_t *v, const char *k)
{
    const char *sv = scalar(v);
    if (sv && strcmp(sv, "all") == 0) {
        c->s->years_of_history = 0;
        return 0;
    }
    uint64_t y;
    if (want_uint(c, v, k, 0, 200, &y) != 0) return -1;
    c->s->years_of_history = (int)y;
    return 0;
}

static int k_threads(sctx *c, const yaml_node_t *v, const char *k)
{
    uint64_t t;
    if (want_uint(c, v, k, 0, 1024, &t) != 0) return -1;
    c->s->threads = (int)t;
    return 0;
}

static int k_guard_poll_days(sctx *c, const yaml_node_t *v, const char *k)
{
    double d;
    if (want_number(c, v, k, 0.001, 3650, &d) != 0) return -1;
    c->s->guard_poll = (sim_time)(d * (double)SIM_MS_DAY);
    return 0;
}

/* demographics */
static int k_sex_ratio(sctx *c, const yaml_node_t *v, const char *k)
{
    double r;
    if (want_number(c, v, k, 0.5, 2.0, &r) != 0) return -1;
    c->s->demographics.males_per_1000 = r * 1000.0;
    return 0;
}

static int k_age_min(sctx *c, const yaml_node_t *v, const char *k)
{
    uint64_t a;
    if (want_uint(c, v, k, 0, 110, &a) != 0) return -1;
    c->s->demographics.age_lo = (int)a;
    return 0;
}

static int k_age_max(sctx *c, const yaml_node_t *v, const char *k)
{
    uint64_t a;
    if (want_uint(c, v, k, 0, 110, &a) != 0) return -1;
    c->s->demographics.age_hi = (int)a;
    return 0;
}

static int k_age_fixed(sctx *c, const yaml_node_t *v, const char *k)
{
    uint64_t a;
    if (want_uint(c, v, k, 0, 110, &a) != 0) return -1;
    c->s->demographics.age_lo = c->s->demographics.age_hi = (int)a;
    return 0;
}

static int k_age(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    const char *sv = scalar(v);
    if (sv) {
        if (strcmp(sv, "us") == 0) {
            c->s->demographics.age_mode = SIM_AGE_US;
            return 0;
        }
        uint64_t a;
        if (want_uint(c, v, "age (us, a number, or {min: .., max: ..})", 0, 110, &a) != 0)
            return -1;
        c->s->demographics.age_mode = SIM_AGE_RANGE;
        c->s->demographics.age_lo = c->s->demographics.age_hi = (int)a;
        return 0;
    }
    static const keydef keys[] = {
        {"min", k_age_min}, {"max", k_age_max}, {"fixed", k_age_fixed}, {NULL, NULL}};
    c->s->demographics.age_mode = SIM_AGE_RANGE;
    c->s->demographics.age_lo = 0;
    c->s->demographics.age_hi = 110;
    if (walk_map(c, v, "demographics.age", keys) != 0) return -1;
    if (c->s->demographics.age_lo > c->s->demographics.age_hi) {
        serr(c, v, "age: min (%d) is above max (%d)", c->s->demographics.age_lo,
             c->s->demographics.age_hi);
        return -1;
    }
    return 0;
}

static int k_state(sctx *c, const yaml_node_t *v, const char *k)
{
    char *st = NULL;
    if (want_string(c, v, k, &st) != 0) return -1;
    free((char *)c->s->demographics.state);
    c->s->demographics.state = st;
    return 0;
}

static int k_places(sctx *c, const yaml_node_t *v, const char *k)
{
    char *p = NULL;
    if (want_string(c, v, k, &p) != 0) return -1;
    if (strstr(p, "..") || p[0] == '/') {
        serr(c, v, "places must be a file name in modules/data/");
        free(p);
        return -1;
    }
    free((char *)c->s->demographics.places_file);
    c->s->demographics.places_file = p;
    c->s->places_pos = pos_of(v);
    return 0;
}

static int k_race_ethnicity(sctx *c, const yaml_node_t *v, const char *k)
{
    const char *sv = scalar(v);
    if (sv && strcmp(sv, "us") == 0) return 0;
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        serr(c, v, "%s must be 'us' or a list of {race: ..., ethnicity: ..., share: ...}", k);
        return -1;
    }
    size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    sim_race_share *mix = calloc(cnt ? cnt : 1, sizeof *mix);
    if (!mix) return -1;
    int rc = 0;
    size_t i = 0;
    double total = 0;
    static const char *const races[] = {"white",    "black", "asian", "native",
                                        "hawaiian", "other", NULL};
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        if (!e || e->type != YAML_MAPPING_NODE) {
            serr(c, e, "each entry must be {race: ..., ethnicity: ..., share: ...}");
            rc = -1;
            continue;
        }
        mix[i].ethnicity = "nonhispanic";
        for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top;
             p++) {
            yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
            yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
            const char *kk = scalar(kn), *vv = scalar(vn);
            if (kk && !strcmp(kk, "race") && vv) {
                mix[i].race = "?"; /* given, even if wrong: not also "needs a race" */
                int ok = 0;
                for (int r = 0; races[r]; r++)
                    if (!strcmp(vv, races[r])) {
                        ok = 1;
                        mix[i].race = races[r];
                    }
                if (!ok) {
                    const char *dym = sim_did_you_mean(vv, races, 6);
                    serr(c, vn, "race must be white, black, asian, native, hawaiian or other%s%s%s",
                         dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
                    rc = -1;
                }
            } else if (kk && !strcmp(kk, "ethnicity") && vv) {
                if (strcmp(vv, "hispanic") && strcmp(vv, "nonhispanic")) {
                    serr(c, vn, "ethnicity must be hispanic or nonhispanic");
                    rc = -1;
                } else {
                    mix[i].ethnicity = !strcmp(vv, "hispanic") ? "hispanic" : "nonhispanic";
                }
            } else if (kk && !strcmp(kk, "share")) {
                if (want_number(c, vn, "share", 0, 1, &mix[i].share) != 0) rc = -1;
                total += mix[i].share;
            } else {
                serr(c, kn, "unknown key '%s' (an entry has race, ethnicity and share)",
                     kk ? kk : "?");
                rc = -1;
            }
        }
        if (!mix[i].race) {
            serr(c, e, "this entry needs a race");
            rc = -1;
        }
    }
    if (rc == 0 && fabs(total - 1.0) > 0.005) {
        serr(c, v, "the shares sum to %g: they must sum to 1", total);
        rc = -1;
    }
    free(c->s->race_mix);
    c->s->race_mix = mix;
    c->s->nrace_mix = i;
    return rc;
}

static int k_demographics(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    static const keydef keys[] = {
        {"sex_ratio", k_sex_ratio}, {"age", k_age},       {"race_ethnicity", k_race_ethnicity},
        {"state", k_state},         {"places", k_places}, {NULL, NULL}};
    return walk_map(c, v, "demographics", keys);
}

static int k_include(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_strlist(c, v, k, &c->s->include, &c->s->ninclude, &c->s->include_pos);
}

static int k_exclude(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_strlist(c, v, k, &c->s->exclude, &c->s->nexclude, &c->s->exclude_pos);
}

static int k_dirs(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_strlist(c, v, k, &c->s->dirs, &c->s->ndirs, &c->s->dirs_pos);
}

static int k_modules(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    static const keydef keys[] = {
        {"include", k_include}, {"exclude", k_exclude}, {"dirs", k_dirs}, {NULL, NULL}};
    return walk_map(c, v, "modules", keys);
}

static int k_parameters(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    if (!v || v->type != YAML_MAPPING_NODE) {
        serr(c, v, "parameters must map module.parameter names to numbers");
        return -1;
    }
    int rc = 0;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
        const char *name = scalar(kn);
        double x;
        if (!name || !strchr(name, '.') || name[0] == '.') {
            serr(c, kn, "a parameter is named module.parameter (e.g. appendicitis.lifetime_risk)");
            rc = -1;
            continue;
        }
        if (want_number(c, vn, name, -1e300, 1e300, &x) != 0) {
            rc = -1;
            continue;
        }
        char **nn = realloc(c->s->param_names, (c->s->nparams + 1) * sizeof *nn);
        if (!nn) return -1;
        c->s->param_names = nn;
        sim_pos *np = realloc(c->s->param_pos, (c->s->nparams + 1) * sizeof *np);
        if (!np) return -1;
        c->s->param_pos = np;
        c->s->param_pos[c->s->nparams] = pos_of(kn);
        double *nv = realloc(c->s->param_values, (c->s->nparams + 1) * sizeof *nv);
        if (!nv) return -1;
        c->s->param_values = nv;
        c->s->param_names[c->s->nparams] = sim_strdup(name);
        c->s->param_values[c->s->nparams] = x;
        c->s->nparams++;
    }
    return rc;
}

/* keep: */
static int k_keep_alive(sctx *c, const yaml_node_t *v, const char *k)
{
    const char *sv = scalar(v);
    if (sv && !strcmp(sv, "any")) {
        c->keep->alive = SIM_KEEP_EITHER;
        return 0;
    }
    int b;
    if (!sv || want_bool(c, v, k, &b) != 0) {
        if (!sv) serr(c, v, "alive must be true, false or any");
        return -1;
    }
    c->keep->alive = b ? SIM_KEEP_ALIVE : SIM_KEEP_DEAD;
    return 0;
}

static int k_keep_sex(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    const char *sv = scalar(v);
    if (sv && (!strcmp(sv, "M") || !strcmp(sv, "F"))) {
        c->keep->sex = sv[0];
        return 0;
    }
    serr(c, v, "sex must be M or F (got %s%s%s)", sv ? "\"" : "", sv ? sv : node_kind(v),
         sv ? "\"" : "");
    return -1;
}

static int keep_age_bound(sctx *c, const yaml_node_t *v, const char *k, int *out)
{
    uint64_t a;
    if (want_uint(c, v, k, 0, 120, &a) != 0) return -1;
    *out = (int)a;
    return 0;
}

static int k_keep_age_min(sctx *c, const yaml_node_t *v, const char *k)
{
    return keep_age_bound(c, v, k, &c->keep->age_lo);
}

static int k_keep_age_max(sctx *c, const yaml_node_t *v, const char *k)
{
    return keep_age_bound(c, v, k, &c->keep->age_hi);
}

static int k_keep_age(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    static const keydef keys[] = {{"min", k_keep_age_min}, {"max", k_keep_age_max}, {NULL, NULL}};
    if (walk_map(c, v, "keep.age (e.g. {min: 40, max: 74})", keys) != 0) return -1;
    sim_keep *kp = c->keep;
    if (kp->age_lo >= 0 && kp->age_hi >= 0 && kp->age_lo > kp->age_hi) {
        serr(c, v, "keep.age: min (%d) is above max (%d)", kp->age_lo, kp->age_hi);
        return -1;
    }
    return 0;
}

/* the entries of a list of mappings, each walked with its own small schema */
static int keep_entries(sctx *c, const yaml_node_t *v, const char *key, const char *shape,
                        int (*one)(sctx *, const yaml_node_t *))
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        serr(c, v, "%s must be a list of %s", key, shape);
        return -1;
    }
    int rc = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
        if (one(c, yaml_document_get_node(c->doc, *it)) != 0) rc = -1;
    return rc;
}

/* the value of `key` in mapping n, or NULL; unknown keys are reported against `known` */
static const yaml_node_t *entry_value(sctx *c, const yaml_node_t *n, const char *key)
{
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(c->doc, p->key));
        if (k && !strcmp(k, key)) return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

static int entry_keys(sctx *c, const yaml_node_t *n, const char *const *known, const char *what)
{
    int rc = 0;
    size_t nk = 0;
    while (known[nk]) nk++;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        const char *k = scalar(kn);
        int ok = 0;
        for (size_t i = 0; k && i < nk; i++) ok |= !strcmp(k, known[i]);
        if (!ok) {
            const char *dym = k ? sim_did_you_mean(k, known, nk) : NULL;
            serr(c, kn, "unknown key '%s' in %s%s%s%s", k ? k : "?", what,
                 dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
            rc = -1;
        }
    }
    return rc;
}

static int keep_condition(sctx *c, const yaml_node_t *e)
{
    static const char *const known[] = {"code", "system", "status", NULL};
    if (!e || e->type != YAML_MAPPING_NODE) {
        serr(c, e, "each condition is {code: ..., system: SNOMED-CT, status: active or ever}");
        return -1;
    }
    int rc = entry_keys(c, e, known, "a keep condition (code, system, status)");
    const yaml_node_t *code = entry_value(c, e, "code"), *sys = entry_value(c, e, "system"),
                      *status = entry_value(c, e, "status");
    if (rc == 0 && (!scalar(code) || !*scalar(code))) {
        serr(c, code ? code : e, "a keep condition needs a code, e.g. {code: \"74400008\"}");
        rc = -1;
    } else if (rc == 0) {
        /* alternatives joined by '|': none empty, no blanks */
        const char *cv = scalar(code);
        size_t n = strlen(cv);
        if (strstr(cv, "||") || cv[0] == '|' || cv[n - 1] == '|' || strpbrk(cv, " \t")) {
            serr(c, code, "code: '%s' should be one code, or alternatives joined by '|' without "
                          "blanks (e.g. \"254626006|254634000\")", cv);
            rc = -1;
        }
    }
    static const char *const systems[] = {"SNOMED-CT", "ICD-10", "LOINC", NULL};
    if (sys) {
        const char *sv = scalar(sys);
        int ok = sv && (!strcmp(sv, "SNOMED-CT") || !strcmp(sv, "ICD-10") ||
                        !strcmp(sv, "http://snomed.info/sct"));
        if (!ok) {
            const char *dym = sv ? sim_did_you_mean(sv, systems, 3) : NULL;
            serr(c, sys, "system must be SNOMED-CT (or ICD-10)%s%s%s",
                 dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
            rc = -1;
        }
    }
    int active = 0;
    if (status) {
        const char *sv = scalar(status);
        if (sv && !strcmp(sv, "active"))
            active = 1;
        else if (!sv || strcmp(sv, "ever")) {
            serr(c, status, "status must be active (at the reference date, or at death) or ever");
            rc = -1;
        }
    }
    if (rc) return rc;
    sim_keep *kp = c->keep;
    sim_keep_condition *nv = realloc(kp->conditions, (kp->nconditions + 1) * sizeof *nv);
    if (!nv) return -1;
    kp->conditions = nv;
    sim_keep_condition *kc = &nv[kp->nconditions++];
    memset(kc, 0, sizeof *kc);
    kc->code = sim_strdup(scalar(code));
    const char *sv = sys ? scalar(sys) : NULL;
    kc->system = sv ? sim_strdup(!strcmp(sv, "http://snomed.info/sct") ? "SNOMED-CT" : sv) : NULL;
    kc->active_only = active;
    kc->pos = pos_of(e);
    return 0;
}

static int k_keep_conditions(sctx *c, const yaml_node_t *v, const char *k)
{
    return keep_entries(c, v, k, "{code: ..., system: ..., status: ...}", keep_condition);
}

static int keep_state(sctx *c, const yaml_node_t *e)
{
    static const char *const known[] = {"module", "state", NULL};
    if (!e || e->type != YAML_MAPPING_NODE) {
        serr(c, e, "each entry is {module: ..., state: ...}");
        return -1;
    }
    int rc = entry_keys(c, e, known, "a keep state (module, state)");
    if (rc) return rc; /* a misspelt key: said once, not again as a missing one */
    const yaml_node_t *m = entry_value(c, e, "module"), *st = entry_value(c, e, "state");
    if (!scalar(m) || !*scalar(m)) {
        serr(c, m ? m : e, "a keep state needs the module, e.g. {module: appendicitis, ...}");
        rc = -1;
    }
    if (!scalar(st) || !*scalar(st)) {
        serr(c, st ? st : e,
             "a keep state needs the state's name, e.g. {..., state: Appendectomy}");
        rc = -1;
    }
    if (rc) return rc;
    sim_keep *kp = c->keep;
    sim_keep_state *nv = realloc(kp->states, (kp->nstates + 1) * sizeof *nv);
    if (!nv) return -1;
    kp->states = nv;
    sim_keep_state *ks = &nv[kp->nstates++];
    ks->module = sim_strdup(scalar(m));
    ks->state = sim_strdup(scalar(st));
    ks->pos = pos_of(e);
    return 0;
}

static int k_keep_states(sctx *c, const yaml_node_t *v, const char *k)
{
    return keep_entries(c, v, k, "{module: ..., state: ...}", keep_state);
}

static int k_keep_max_attempts(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_uint(c, v, k, 1, UINT64_C(1000000000), &c->keep->max_attempts);
}

static int k_keep_name(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_string(c, v, k, &c->keep->name);
}

/* one group of keep.each */
static int keep_group(sctx *c, const yaml_node_t *e)
{
    static const keydef keys[] = {{"name", k_keep_name},
                                  {"sex", k_keep_sex},
                                  {"age", k_keep_age},
                                  {"conditions", k_keep_conditions},
                                  {"states", k_keep_states},
                                  {NULL, NULL}};
    sim_keep *top = &c->s->keep;
    sim_keep *nv = realloc(top->groups, (top->ngroups + 1) * sizeof *nv);
    if (!nv) return -1;
    top->groups = nv;
    sim_keep *g = &nv[top->ngroups++];
    memset(g, 0, sizeof *g);
    g->on = 1;
    g->age_lo = g->age_hi = -1;
    g->pos = pos_of(e);
    c->keep = g;
    int rc = walk_map(c, e, "an entry of keep.each (name, sex, age, conditions, states)", keys);
    c->keep = top;
    if (rc) return rc;
    if (!g->name || !*g->name) {
        serr(c, e, "each entry of keep.each needs a name, e.g. {name: breast, conditions: [...]}");
        return -1;
    }
    for (size_t i = 0; i + 1 < top->ngroups; i++)
        if (!strcmp(top->groups[i].name, g->name)) {
            serr(c, e, "keep.each: the name '%s' is used twice", g->name);
            return -1;
        }
    return 0;
}

static int k_keep_each(sctx *c, const yaml_node_t *v, const char *k)
{
    int rc = keep_entries(c, v, k, "groups {name: ..., conditions: [...], ...}", keep_group);
    if (rc == 0 && c->s->keep.ngroups < 2) {
        serr(c, v, "keep.each needs two groups or more (with one, put its criteria in keep:)");
        rc = -1;
    }
    return rc;
}

static int k_keep(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    static const keydef keys[] = {{"alive", k_keep_alive},
                                  {"sex", k_keep_sex},
                                  {"age", k_keep_age},
                                  {"conditions", k_keep_conditions},
                                  {"states", k_keep_states},
                                  {"max_attempts", k_keep_max_attempts},
                                  {"each", k_keep_each},
                                  {NULL, NULL}};
    c->keep->on = 1;
    c->keep->pos = pos_of(v);
    return walk_map(c, v, "keep", keys);
}

/* summary: */

/* a string checked against the grammar of sim_evidence.h (as a code list when codelist) */
static int want_evidence(sctx *c, const yaml_node_t *v, const char *key, int codelist, char **out)
{
    char *text = NULL;
    if (want_string(c, v, key, &text) != 0) return -1;
    const char *bad = NULL;
    size_t n = 0;
    sim_status st;
    if (codelist) {
        sim_codelist l = {0};
        st = sim_codelist_parse(text, &l, &bad, &n);
        sim_codelist_free(&l);
    } else {
        sim_evidence e = {0};
        st = sim_evidence_parse(text, &e, &bad, &n);
        sim_evidence_free(&e);
    }
    if (st == SIM_EPARSE) {
        if (codelist)
            serr(c, v, "%s: '%.*s' should be SYSTEM:code, alternatives joined by '|' (e.g. "
                 "SNOMED-CT:254837009)", key, (int)(n ? n : 1), bad);
        else if (!n)
            serr(c, v, "%s: '%s' has an empty item (two of '&' and '|' in a row, or one at an "
                       "end); the evidence is " SIM_EVIDENCE_GRAMMAR, key, text);
        else
            serr(c, v, "%s: '%.*s' should be " SIM_EVIDENCE_GRAMMAR, key, (int)n, bad);
    }
    if (st != SIM_OK) {
        free(text);
        return -1;
    }
    *out = text;
    return 0;
}

static sim_summary_case *summary_last(sctx *c)
{
    return &c->s->summary[c->s->nsummary - 1];
}

static int k_sum_name(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_string(c, v, k, &summary_last(c)->name);
}

static int k_sum_condition(sctx *c, const yaml_node_t *v, const char *k)
{
    summary_last(c)->condition_pos = pos_of(v);
    return want_evidence(c, v, k, 1, &summary_last(c)->condition);
}

/* at_diagnosis: a list of {name: ..., categories: {Name: evidence, ...}} */
static int sum_group(sctx *c, const yaml_node_t *e)
{
    static const char *const known[] = {"name", "categories", NULL};
    if (!e || e->type != YAML_MAPPING_NODE) {
        serr(c, e, "each entry of at_diagnosis is {name: ..., categories: {Name: evidence, ...}}");
        return -1;
    }
    if (entry_keys(c, e, known, "an entry of at_diagnosis (name, categories)") != 0) return -1;
    const yaml_node_t *nm = entry_value(c, e, "name"), *cats = entry_value(c, e, "categories");
    sim_summary_case *sc = summary_last(c);
    if (!scalar(nm) || !*scalar(nm)) {
        serr(c, nm ? nm : e, "an entry of at_diagnosis needs a name, e.g. {name: Stage, ...}");
        return -1;
    }
    if (!cats || cats->type != YAML_MAPPING_NODE || !cats->data.mapping.pairs.top ||
        cats->data.mapping.pairs.top == cats->data.mapping.pairs.start) {
        serr(c, cats ? cats : e,
             "categories must be a mapping of names to evidence, e.g. {Distant: "
             "SNOMED-CT:128462008}");
        return -1;
    }
    for (size_t i = 0; i < sc->ngroups; i++)
        if (!strcmp(sc->groups[i].name, scalar(nm))) {
            serr(c, nm, "at_diagnosis: the name '%s' is used twice", scalar(nm));
            return -1;
        }
    sim_summary_group *nv = realloc(sc->groups, (sc->ngroups + 1) * sizeof *nv);
    if (!nv) return -1;
    sc->groups = nv;
    sim_summary_group *g = &nv[sc->ngroups++];
    memset(g, 0, sizeof *g);
    g->name = sim_strdup(scalar(nm));
    g->pos = pos_of(e);
    int rc = 0;
    for (yaml_node_pair_t *p = cats->data.mapping.pairs.start; p < cats->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
        const char *k = scalar(kn);
        if (!k || !*k) {
            serr(c, kn, "a category's name must be plain text");
            rc = -1;
            continue;
        }
        for (size_t i = 0; i < g->ncats; i++)
            if (!strcmp(g->cats[i].name, k)) {
                serr(c, kn, "the category '%s' is given twice in %s", k, g->name);
                rc = -1;
            }
        char *ev = NULL;
        if (want_evidence(c, vn, k, 0, &ev) != 0) {
            rc = -1;
            continue;
        }
        sim_summary_category *nc = realloc(g->cats, (g->ncats + 1) * sizeof *nc);
        if (!nc) {
            free(ev);
            return -1;
        }
        g->cats = nc;
        nc[g->ncats].name = sim_strdup(k);
        nc[g->ncats].evidence = ev;
        nc[g->ncats].pos = pos_of(vn);
        g->ncats++;
    }
    return rc;
}

static int k_sum_groups(sctx *c, const yaml_node_t *v, const char *k)
{
    return keep_entries(c, v, k, "{name: ..., categories: {...}}", sum_group);
}

/* survival_by: the name of an at_diagnosis entry (resolved once the whole case is read) */
static int k_sum_survival(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    const char *sv = scalar(v);
    if (!sv || !*sv) {
        serr(c, v, "survival_by must name one of the case's at_diagnosis entries");
        return -1;
    }
    sim_summary_case *sc = summary_last(c);
    sc->survival_pos = pos_of(v);
    free(sc->survival_name);
    sc->survival_name = sim_strdup(sv);
    return 0;
}

static int sum_count(sctx *c, const yaml_node_t *e)
{
    static const char *const known[] = {"name", "module", "state", "records", NULL};
    if (!e || e->type != YAML_MAPPING_NODE) {
        serr(c, e, "each entry of counts is {name: ..., module: ..., state: ...} or {name: ..., "
                   "records: SYS:code}");
        return -1;
    }
    if (entry_keys(c, e, known, "an entry of counts (name, module, state, records)") != 0)
        return -1;
    const yaml_node_t *nm = entry_value(c, e, "name"), *m = entry_value(c, e, "module"),
                      *st = entry_value(c, e, "state"), *rec = entry_value(c, e, "records");
    if (!scalar(nm) || !*scalar(nm)) {
        serr(c, nm ? nm : e, "an entry of counts needs a name, e.g. {name: Lines of therapy, ...}");
        return -1;
    }
    int by_state = m || st;
    if (by_state == !!rec || (by_state && (!scalar(m) || !*scalar(m) || !scalar(st) ||
                                           !*scalar(st)))) {
        serr(c, e, "an entry of counts counts either a state's entries ({module: ..., state: "
                   "...}) or records ({records: SYS:code or SYS:code=SYS:value})");
        return -1;
    }
    char *records = NULL;
    if (rec) {
        if (want_evidence(c, rec, "records", 0, &records) != 0) return -1;
        if (strpbrk(records, "&|!")) {
            serr(c, rec, "records: one SYS:code or SYS:code=SYS:value, without '&', '|' or '!'");
            free(records);
            return -1;
        }
    }
    sim_summary_case *sc = summary_last(c);
    sim_summary_count *nv = realloc(sc->counts, (sc->ncounts + 1) * sizeof *nv);
    if (!nv) {
        free(records);
        return -1;
    }
    sc->counts = nv;
    sim_summary_count *x = &nv[sc->ncounts++];
    memset(x, 0, sizeof *x);
    x->name = sim_strdup(scalar(nm));
    x->module = m ? sim_strdup(scalar(m)) : NULL;
    x->state = st ? sim_strdup(scalar(st)) : NULL;
    x->records = records;
    x->pos = pos_of(e);
    return 0;
}

static int k_sum_counts(sctx *c, const yaml_node_t *v, const char *k)
{
    return keep_entries(c, v, k, "{name: ..., module: ..., state: ...}", sum_count);
}

static int summary_case(sctx *c, const yaml_node_t *e)
{
    static const keydef keys[] = {{"name", k_sum_name},
                                  {"condition", k_sum_condition},
                                  {"at_diagnosis", k_sum_groups},
                                  {"survival_by", k_sum_survival},
                                  {"counts", k_sum_counts},
                                  {NULL, NULL}};
    sim_scenario *s = c->s;
    sim_summary_case *nv = realloc(s->summary, (s->nsummary + 1) * sizeof *nv);
    if (!nv) return -1;
    s->summary = nv;
    sim_summary_case *sc = &nv[s->nsummary++];
    memset(sc, 0, sizeof *sc);
    sc->survival_by = -1;
    sc->pos = pos_of(e);
    if (walk_map(c, e, "an entry of summary (name, condition, at_diagnosis, survival_by, counts)",
                 keys) != 0)
        return -1;
    int rc = 0;
    if (!sc->name || !*sc->name) {
        serr(c, e, "each entry of summary needs a name, e.g. {name: Breast cancer, ...}");
        rc = -1;
    }
    if (!sc->condition) {
        serr(c, e, "each entry of summary needs the condition that makes a case, e.g. "
                   "{condition: SNOMED-CT:254837009}");
        rc = -1;
    }
    for (size_t i = 0; sc->name && i + 1 < s->nsummary; i++)
        if (s->summary[i].name && !strcmp(s->summary[i].name, sc->name)) {
            serr(c, e, "summary: the name '%s' is used twice", sc->name);
            rc = -1;
        }
    if (sc->survival_name) {
        const yaml_node_t *v = entry_value(c, e, "survival_by");
        for (size_t i = 0; i < sc->ngroups; i++)
            if (!strcmp(sc->groups[i].name, sc->survival_name)) sc->survival_by = (int)i;
        if (sc->survival_by < 0) {
            const char *names[64];
            size_t nn = 0;
            for (size_t i = 0; i < sc->ngroups && nn < 64; i++) names[nn++] = sc->groups[i].name;
            const char *dym = sim_did_you_mean(sc->survival_name, names, nn);
            serr(c, v, "survival_by: '%s' is not one of this case's at_diagnosis entries%s%s%s",
                 sc->survival_name, dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "");
            rc = -1;
        }
    }
    return rc;
}

static int k_summary(sctx *c, const yaml_node_t *v, const char *k)
{
    return keep_entries(c, v, k, "cases {name: ..., condition: ..., ...}", summary_case);
}

int sim_formats_parse(const char *list, unsigned *out, char *bad, size_t badsz)
{
    unsigned f = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ", ");
        if (n == 3 && !strncmp(p, "csv", 3))
            f |= SIM_FMT_CSV;
        else if (n == 4 && !strncmp(p, "fhir", 4))
            f |= SIM_FMT_FHIR;
        else if (n == 6 && !strncmp(p, "ndjson", 6))
            f |= SIM_FMT_NDJSON;
        else if (n) {
            snprintf(bad, badsz, "%.*s", (int)n, p);
            return -1;
        }
        p += n;
        while (*p == ',' || *p == ' ') p++;
    }
    if (!f) {
        snprintf(bad, badsz, "%s", list);
        return -1;
    }
    *out = f;
    return 0;
}

static int k_formats(sctx *c, const yaml_node_t *v, const char *k)
{
    char **list = NULL;
    size_t n = 0;
    if (want_strlist(c, v, k, &list, &n, NULL) != 0) {
        for (size_t i = 0; i < n; i++) free(list[i]);
        free(list);
        return -1;
    }
    unsigned f = 0;
    int rc = 0;
    yaml_node_item_t *it = v->data.sequence.items.start;
    for (size_t i = 0; i < n; i++, it++) {
        unsigned one;
        char bad[64];
        if (sim_formats_parse(list[i], &one, bad, sizeof bad) != 0) {
            serr(c, yaml_document_get_node(c->doc, *it),
                 "unknown format '%s' (use csv, fhir, ndjson)", bad);
            rc = -1;
        } else {
            f |= one;
        }
        free(list[i]);
    }
    free(list);
    if (rc == 0 && !f) {
        serr(c, v, "formats must name at least one of csv, fhir, ndjson");
        rc = -1;
    }
    if (rc == 0) c->s->formats = f;
    return rc;
}

static int k_folder(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_string(c, v, k, &c->s->out_dir);
}

static int k_gzip(sctx *c, const yaml_node_t *v, const char *k)
{
    return want_bool(c, v, k, &c->s->gzip);
}

static int k_output(sctx *c, const yaml_node_t *v, const char *k)
{
    (void)k;
    static const keydef keys[] = {
        {"folder", k_folder}, {"formats", k_formats}, {"gzip", k_gzip}, {NULL, NULL}};
    return walk_map(c, v, "output", keys);
}

static const keydef top_keys[] = {{"name", k_name},
                                  {"description", k_description},
                                  {"seed", k_seed},
                                  {"population", k_population},
                                  {"reference_date", k_reference_date},
                                  {"years_of_history", k_years_of_history},
                                  {"demographics", k_demographics},
                                  {"modules", k_modules},
                                  {"parameters", k_parameters},
                                  {"output", k_output},
                                  {"threads", k_threads},
                                  {"guard_poll_days", k_guard_poll_days},
                                  {"keep", k_keep},
                                  {"summary", k_summary},
                                  {NULL, NULL}};

static void keep_free(sim_keep *k)
{
    free(k->name);
    for (size_t i = 0; i < k->nconditions; i++) {
        free(k->conditions[i].system);
        free(k->conditions[i].code);
    }
    free(k->conditions);
    for (size_t i = 0; i < k->nstates; i++) {
        free(k->states[i].module);
        free(k->states[i].state);
    }
    free(k->states);
    for (size_t i = 0; i < k->ngroups; i++) keep_free(&k->groups[i]);
    free(k->groups);
}

static void summary_free(sim_summary_case *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sim_summary_case *sc = &v[i];
        free(sc->name);
        free(sc->condition);
        free(sc->survival_name);
        for (size_t g = 0; g < sc->ngroups; g++) {
            for (size_t k = 0; k < sc->groups[g].ncats; k++) {
                free(sc->groups[g].cats[k].name);
                free(sc->groups[g].cats[k].evidence);
            }
            free(sc->groups[g].cats);
            free(sc->groups[g].name);
        }
        free(sc->groups);
        for (size_t k = 0; k < sc->ncounts; k++) {
            free(sc->counts[k].name);
            free(sc->counts[k].module);
            free(sc->counts[k].state);
            free(sc->counts[k].records);
        }
        free(sc->counts);
    }
    free(v);
}

void sim_scenario_free(sim_scenario *s)
{
    if (!s) return;
    free(s->path);
    free(s->text);
    free(s->name);
    free(s->description);
    free((char *)s->demographics.state);
    free((char *)s->demographics.places_file);
    free(s->race_mix);
    for (size_t i = 0; i < s->ninclude; i++) free(s->include[i]);
    for (size_t i = 0; i < s->nexclude; i++) free(s->exclude[i]);
    for (size_t i = 0; i < s->ndirs; i++) free(s->dirs[i]);
    for (size_t i = 0; i < s->nparams; i++) free(s->param_names[i]);
    free(s->include);
    free(s->exclude);
    free(s->dirs);
    free(s->include_pos);
    free(s->exclude_pos);
    free(s->dirs_pos);
    free(s->param_pos);
    keep_free(&s->keep);
    summary_free(s->summary, s->nsummary);
    free(s->param_names);
    free(s->param_values);
    free(s->out_dir);
    free(s);
}

sim_status sim_scenario_parse(const char *text, size_t len, const char *path, sim_scenario **out,
                              sim_diags *diags)
{
    *out = NULL;
    sim_scenario *s = calloc(1, sizeof *s);
    if (!s) return SIM_ENOMEM;
    s->path = sim_strdup(path);
    s->text = malloc(len + 1);
    if (!s->path || !s->text) {
        sim_scenario_free(s);
        return SIM_ENOMEM;
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = len;
    /* defaults */
    s->seed = 1;
    s->population = 100;
    s->reference_date = sim_time_from_ymd(2025, 1, 1);
    s->formats = SIM_FMT_CSV;
    s->demographics.age_mode = SIM_AGE_US;
    s->keep.age_lo = s->keep.age_hi = -1;
    s->keep.max_attempts = 100000;
    size_t errs0 = diags->nerrors;

    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        sim_scenario_free(s);
        return SIM_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        const yaml_mark_t *mk = parser.problem ? &parser.problem_mark : &parser.context_mark;
        sim_diags_add(diags, SIM_SEV_ERROR, path, (int)mk->line + 1, (int)mk->column + 1,
                      "YAML: %s%s%s", parser.problem ? parser.problem : "malformed",
                      parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        sim_scenario_free(s);
        return SIM_EPARSE;
    }
    yaml_parser_delete(&parser);
    sctx c = {&doc, path, diags, s, &s->keep};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        sim_diags_add(diags, SIM_SEV_ERROR, path, 1, 1,
                      "the scenario is empty: it needs at least population and seed");
    } else {
        walk_map(&c, root, "the scenario", top_keys);
    }
    yaml_document_delete(&doc);
    if (!s->name) {
        /* the file name without folder and extension */
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        size_t n = strcspn(b, ".");
        s->name = malloc(n + 1);
        if (s->name) {
            memcpy(s->name, b, n);
            s->name[n] = '\0';
        }
    }
    for (const char *p = s->name; p && *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.')) {
            sim_diags_add(diags, SIM_SEV_ERROR, path, 1, 1,
                          "name '%s' names the output folder: use letters, digits, '-', '_' or '.'",
                          s->name);
            break;
        }
    }
    if (!s->out_dir) {
        size_t n = strlen(s->name ? s->name : "run") + 8;
        s->out_dir = malloc(n);
        if (s->out_dir) snprintf(s->out_dir, n, "output/%s", s->name ? s->name : "run");
    }
    if (diags->nerrors != errs0) {
        sim_scenario_free(s);
        return SIM_EPARSE;
    }
    *out = s;
    return SIM_OK;
}

sim_status sim_scenario_load(const char *path, sim_scenario **out, sim_diags *diags)
{
    char *text;
    size_t len;
    sim_error err;
    sim_error_clear(&err);
    *out = NULL;
    if (sim_read_file(path, &text, &len, &err) != SIM_OK) {
        sim_diags_add(diags, SIM_SEV_ERROR, path, 0, 0, "%s", err.msg);
        return SIM_EIO;
    }
    sim_status st = sim_scenario_parse(text, len, path, out, diags);
    free(text);
    return st;
}

sim_status sim_scenario_default(sim_scenario **out, sim_diags *diags)
{
    return sim_scenario_parse(sim_embedded_default_scenario, sim_embedded_default_scenario_len,
                              "scenarios/default.yaml", out, diags);
}

int sim_scenario_add_dir(sim_scenario *s, const char *dir)
{
    char **nd = realloc(s->dirs, (s->ndirs + 1) * sizeof *nd);
    if (!nd) return -1;
    s->dirs = nd;
    sim_pos *np = realloc(s->dirs_pos, (s->ndirs + 1) * sizeof *np);
    if (!np) return -1;
    s->dirs_pos = np;
    s->dirs[s->ndirs] = sim_strdup(dir);
    if (!s->dirs[s->ndirs]) return -1;
    s->dirs_pos[s->ndirs].line = s->dirs_pos[s->ndirs].column = 0;
    s->ndirs++;
    return 0;
}

/* a YAML double-quoted scalar: reads back as exactly s, whatever it holds */
static void yq(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void print_list(FILE *f, const char *key, char **v, size_t n)
{
    fprintf(f, "  %s: [", key);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        yq(f, v[i]);
    }
    fprintf(f, "]\n");
}

/* sex, age, conditions and states of keep: or of one of keep.each, at the given indent */
static void print_criteria(FILE *f, const sim_keep *k, const char *in)
{
    if (k->sex) fprintf(f, "%ssex: %c\n", in, k->sex);
    if (k->age_lo >= 0 || k->age_hi >= 0) {
        fprintf(f, "%sage: {", in);
        if (k->age_lo >= 0) fprintf(f, "min: %d", k->age_lo);
        if (k->age_hi >= 0) fprintf(f, "%smax: %d", k->age_lo >= 0 ? ", " : "", k->age_hi);
        fprintf(f, "}\n");
    }
    if (k->nconditions) {
        fprintf(f, "%sconditions:\n", in);
        for (size_t i = 0; i < k->nconditions; i++) {
            fprintf(f, "%s  - {code: ", in);
            yq(f, k->conditions[i].code);
            if (k->conditions[i].system) {
                fputs(", system: ", f);
                yq(f, k->conditions[i].system);
            }
            fprintf(f, ", status: %s}\n", k->conditions[i].active_only ? "active" : "ever");
        }
    }
    if (k->nstates) {
        fprintf(f, "%sstates:\n", in);
        for (size_t i = 0; i < k->nstates; i++) {
            fprintf(f, "%s  - {module: ", in);
            yq(f, k->states[i].module);
            fputs(", state: ", f);
            yq(f, k->states[i].state);
            fputs("}\n", f);
        }
    }
}

void sim_scenario_print(const sim_scenario *s, FILE *f)
{
    char d[16];
    sim_time_date(s->reference_date, d);
    fputs("# resolved from ", f);
    for (const char *p = s->path; *p; p++) fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
    fputs(" (flags applied)\nname: ", f);
    yq(f, s->name);
    fputc('\n', f);
    if (s->description) {
        fputs("description: ", f);
        yq(f, s->description);
        fputc('\n', f);
    }
    fprintf(f, "seed: %llu\n", (unsigned long long)s->seed);
    fprintf(f, "population: %llu\n", (unsigned long long)s->population);
    fprintf(f, "reference_date: %s\n", d);
    if (s->years_of_history)
        fprintf(f, "years_of_history: %d\n", s->years_of_history);
    else
        fprintf(f, "years_of_history: all\n");
    fprintf(f, "demographics:\n");
    if (s->demographics.males_per_1000 > 0)
        fprintf(f, "  sex_ratio: %.17g\n", s->demographics.males_per_1000 / 1000.0);
    if (s->demographics.age_mode == SIM_AGE_US)
        fprintf(f, "  age: us\n");
    else
        fprintf(f, "  age: {min: %d, max: %d}\n", s->demographics.age_lo, s->demographics.age_hi);
    if (s->demographics.state) {
        fputs("  state: ", f);
        yq(f, s->demographics.state);
        fputc('\n', f);
    }
    if (s->demographics.places_file) {
        fputs("  places: ", f);
        yq(f, s->demographics.places_file);
        fputc('\n', f);
    }
    if (s->nrace_mix) {
        fprintf(f, "  race_ethnicity:\n");
        for (size_t i = 0; i < s->nrace_mix; i++)
            fprintf(f, "    - {race: %s, ethnicity: %s, share: %.17g}\n", s->race_mix[i].race,
                    s->race_mix[i].ethnicity, s->race_mix[i].share);
    } else {
        fprintf(f, "  race_ethnicity: us\n");
    }
    fprintf(f, "modules:\n");
    if (s->ninclude)
        print_list(f, "include", s->include, s->ninclude);
    else
        fprintf(f, "  # include: every module\n");
    print_list(f, "exclude", s->exclude, s->nexclude);
    if (s->ndirs) print_list(f, "dirs", s->dirs, s->ndirs);
    if (s->nparams) {
        fprintf(f, "parameters:\n");
        for (size_t i = 0; i < s->nparams; i++) {
            fputs("  ", f);
            yq(f, s->param_names[i]);
            fprintf(f, ": %.17g\n", s->param_values[i]);
        }
    }
    fputs("output:\n  folder: ", f);
    yq(f, s->out_dir);
    fputs("\n  formats: [", f);
    const char *sepc = "";
    if (s->formats & SIM_FMT_CSV) fprintf(f, "%scsv", sepc), sepc = ", ";
    if (s->formats & SIM_FMT_FHIR) fprintf(f, "%sfhir", sepc), sepc = ", ";
    if (s->formats & SIM_FMT_NDJSON) fprintf(f, "%sndjson", sepc);
    fprintf(f, "]\n  gzip: %s\n", s->gzip ? "true" : "false");
    fprintf(f, "threads: %d\n", s->threads);
    if (s->guard_poll) fprintf(f, "guard_poll_days: %.17g\n", (double)s->guard_poll / SIM_MS_DAY);
    if (s->keep.on) {
        const sim_keep *k = &s->keep;
        fprintf(f, "keep:\n  alive: %s\n",
                k->alive == SIM_KEEP_ALIVE  ? "true"
                : k->alive == SIM_KEEP_DEAD ? "false"
                                            : "any");
        print_criteria(f, k, "  ");
        if (k->ngroups) {
            fprintf(f, "  each:\n");
            for (size_t g = 0; g < k->ngroups; g++) {
                fputs("    - name: ", f);
                yq(f, k->groups[g].name);
                fputc('\n', f);
                print_criteria(f, &k->groups[g], "      ");
            }
        }
        fprintf(f, "  max_attempts: %llu\n", (unsigned long long)k->max_attempts);
    }
    if (s->nsummary) fprintf(f, "summary:\n");
    for (size_t i = 0; i < s->nsummary; i++) {
        const sim_summary_case *sc = &s->summary[i];
        fputs("  - name: ", f);
        yq(f, sc->name);
        fputs("\n    condition: ", f);
        yq(f, sc->condition);
        fputc('\n', f);
        if (sc->ngroups) fprintf(f, "    at_diagnosis:\n");
        for (size_t g = 0; g < sc->ngroups; g++) {
            fputs("      - name: ", f);
            yq(f, sc->groups[g].name);
            fputs("\n        categories:\n", f);
            for (size_t k = 0; k < sc->groups[g].ncats; k++) {
                fputs("          ", f);
                yq(f, sc->groups[g].cats[k].name);
                fputs(": ", f);
                yq(f, sc->groups[g].cats[k].evidence);
                fputc('\n', f);
            }
        }
        if (sc->survival_by >= 0) {
            fputs("    survival_by: ", f);
            yq(f, sc->groups[sc->survival_by].name);
            fputc('\n', f);
        }
        if (sc->ncounts) fprintf(f, "    counts:\n");
        for (size_t k = 0; k < sc->ncounts; k++) {
            const sim_summary_count *x = &sc->counts[k];
            fputs("      - {name: ", f);
            yq(f, x->name);
            if (x->records) {
                fputs(", records: ", f);
                yq(f, x->records);
            } else {
                fputs(", module: ", f);
                yq(f, x->module);
                fputs(", state: ", f);
                yq(f, x->state);
            }
            fputs("}\n", f);
        }
    }
}
