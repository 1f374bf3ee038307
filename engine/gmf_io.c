/* gmf_io.c — Synthea GMF JSON to idiomatic Lua (lifesim import-gmf) and back (export-gmf).
 *
 * Import writes the same tables the JSON holds, but through the helper constructors wherever a
 * helper gives exactly that table (codes, durations, conditions, pick, when), and turns
 * "remarks" into comments: the Lua module compiles to the same structures, so it gives the same
 * records for the same seed. Anything a helper cannot say exactly is written as a plain table.
 */
#include "sim_gmf.h"

#include "sim_lua.h"
#include "sim_module.h"

#include <ctype.h>
#include <jansson.h>
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing Lua ---- */

static const char *const keywords[] = {"and",   "break", "do",       "else",  "elseif", "end",
                                       "false", "for",   "function", "goto",  "if",     "in",
                                       "local", "nil",   "not",      "or",    "repeat", "return",
                                       "then",  "true",  "until",    "while", NULL};

static int is_ident(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_')) return 0;
    for (int i = 0; keywords[i]; i++)
        if (!strcmp(s, keywords[i])) return 0;
    return 1;
}

static void lstr(sim_buf *b, const char *s)
{
    sim_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sim_buf_printf(b, "\\%c", *p);
        else if (*p == '\n')
            sim_buf_puts(b, "\\n");
        else if (*p < 0x20 || *p == 0x7f)
            sim_buf_printf(b, "\\%03u", *p);
        else
            sim_buf_putc(b, (char)*p);
    }
    sim_buf_putc(b, '"');
}

static void indent(sim_buf *b, int n)
{
    for (int i = 0; i < n; i++) sim_buf_puts(b, "  ");
}

static void key(sim_buf *b, const char *k)
{
    if (is_ident(k))
        sim_buf_puts(b, k);
    else {
        sim_buf_putc(b, '[');
        lstr(b, k);
        sim_buf_putc(b, ']');
    }
    sim_buf_puts(b, " = ");
}

static void emit(sim_buf *b, json_t *v, int depth);

static void num(sim_buf *b, json_t *v)
{
    if (json_is_integer(v))
        sim_buf_printf(b, "%lld", (long long)json_integer_value(v));
    else
        sim_buf_put_double(b, json_real_value(v));
}

/* the object has exactly these keys (NULL-terminated), in any order */
static int has_keys(json_t *o, const char *const *keys)
{
    size_t n = 0;
    for (; keys[n]; n++)
        if (!json_object_get(o, keys[n])) return 0;
    return json_object_size(o) == n;
}

static const char *const time_units[] = {"milliseconds", "seconds", "minutes", "hours", "days",
                                         "weeks",        "months",  "years",   NULL};

static int is_time_unit(const char *u)
{
    for (int i = 0; u && time_units[i]; i++)
        if (!strcmp(u, time_units[i])) return 1;
    return 0;
}

/* {quantity, unit}: years(5) */
static int try_duration(sim_buf *b, json_t *o)
{
    static const char *const k[] = {"quantity", "unit", NULL};
    if (!json_is_object(o) || !has_keys(o, k) || !json_is_number(json_object_get(o, "quantity")))
        return 0;
    const char *u = json_string_value(json_object_get(o, "unit"));
    if (!is_time_unit(u)) return 0;
    sim_buf_printf(b, "%s(", u);
    num(b, json_object_get(o, "quantity"));
    sim_buf_putc(b, ')');
    return 1;
}

/* {system, code, display}: sct(74400008, "Appendicitis (disorder)") */
static int try_code(sim_buf *b, json_t *o)
{
    static const char *const k[] = {"system", "code", "display", NULL};
    if (!json_is_object(o) || !has_keys(o, k)) return 0;
    const char *sys = json_string_value(json_object_get(o, "system"));
    json_t *code = json_object_get(o, "code");
    const char *disp = json_string_value(json_object_get(o, "display"));
    if (!sys || !disp || (!json_is_string(code) && !json_is_integer(code))) return 0;
    static const char *const map[][2] = {{"SNOMED-CT", "sct"},
                                         {"LOINC", "loinc"},
                                         {"RxNorm", "rx"},
                                         {"CVX", "cvx"},
                                         {"ICD-10-CM", "codes.icd10"},
                                         {"NUBC", "codes.nubc"},
                                         {"DICOM-DCM", "codes.dicom_dcm"},
                                         {"DICOM-SOP", "codes.dicom_sop"}};
    const char *fn = NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(sys, map[i][0])) fn = map[i][1];
    if (!fn) return 0;
    sim_buf_printf(b, "%s(", fn);
    if (json_is_integer(code))
        sim_buf_printf(b, "%lld", (long long)json_integer_value(code));
    else {
        /* a code of digits (no leading zero) reads the same as an integer */
        const char *c = json_string_value(code);
        int digits = *c && *c != '0' && strlen(c) < 16;
        for (const char *p = c; *p; p++) digits &= isdigit((unsigned char)*p) != 0;
        if (digits)
            sim_buf_puts(b, c);
        else
            lstr(b, c);
    }
    sim_buf_puts(b, ", ");
    lstr(b, disp);
    sim_buf_putc(b, ')');
    return 1;
}

static void emit_list_inline(sim_buf *b, json_t *a, int depth)
{
    sim_buf_puts(b, "{ ");
    for (size_t i = 0; i < json_array_size(a); i++) {
        if (i) sim_buf_puts(b, ", ");
        emit(b, json_array_get(a, i), depth);
    }
    sim_buf_puts(b, " }");
}

/* a condition through its helper, when the helper gives exactly this table */
static int try_condition(sim_buf *b, json_t *o, int depth)
{
    const char *t = json_string_value(json_object_get(o, "condition_type"));
    if (!t) return 0;
    const char *op = json_string_value(json_object_get(o, "operator"));
    if (!strcmp(t, "True") && json_object_size(o) == 1) return sim_buf_puts(b, "always"), 1;
    if (!strcmp(t, "False") && json_object_size(o) == 1) return sim_buf_puts(b, "never"), 1;
    if (!strcmp(t, "Gender")) {
        static const char *const k[] = {"condition_type", "gender", NULL};
        const char *g = json_string_value(json_object_get(o, "gender"));
        if (!has_keys(o, k) || !g) return 0;
        if (!strcmp(g, "M") || !strcmp(g, "F"))
            sim_buf_puts(b, g[0] == 'M' ? "male" : "female");
        else {
            sim_buf_puts(b, "gender(");
            lstr(b, g);
            sim_buf_putc(b, ')');
        }
        return 1;
    }
    if (!strcmp(t, "Age")) {
        static const char *const k[] = {"condition_type", "operator", "quantity", "unit", NULL};
        const char *u = json_string_value(json_object_get(o, "unit"));
        if (!has_keys(o, k) || !op || !u || !json_is_number(json_object_get(o, "quantity")))
            return 0;
        sim_buf_puts(b, "age(");
        lstr(b, op);
        sim_buf_puts(b, ", ");
        num(b, json_object_get(o, "quantity"));
        if (strcmp(u, "years")) {
            sim_buf_puts(b, ", ");
            lstr(b, u);
        }
        sim_buf_putc(b, ')');
        return 1;
    }
    if (!strcmp(t, "And") || !strcmp(t, "Or")) {
        static const char *const k[] = {"condition_type", "conditions", NULL};
        if (!has_keys(o, k) || !json_is_array(json_object_get(o, "conditions"))) return 0;
        sim_buf_puts(b, !strcmp(t, "And") ? "all_of " : "any_of ");
        emit_list_inline(b, json_object_get(o, "conditions"), depth);
        return 1;
    }
    if (!strcmp(t, "Not")) {
        static const char *const k[] = {"condition_type", "condition", NULL};
        if (!has_keys(o, k)) return 0;
        sim_buf_puts(b, "negate(");
        emit(b, json_object_get(o, "condition"), depth);
        sim_buf_putc(b, ')');
        return 1;
    }
    if (!strcmp(t, "At Least") || !strcmp(t, "At Most")) {
        const char *nk = !strcmp(t, "At Least") ? "minimum" : "maximum";
        const char *k[] = {"condition_type", nk, "conditions", NULL};
        if (!has_keys(o, k) || !json_is_integer(json_object_get(o, nk))) return 0;
        sim_buf_printf(b, "%s(%lld, ", !strcmp(t, "At Least") ? "at_least" : "at_most",
                       (long long)json_integer_value(json_object_get(o, nk)));
        emit_list_inline(b, json_object_get(o, "conditions"), depth);
        sim_buf_putc(b, ')');
        return 1;
    }
    if (!strcmp(t, "Attribute")) {
        const char *name = json_string_value(json_object_get(o, "attribute"));
        json_t *v = json_object_get(o, "value");
        size_t want = 3 + (v != NULL);
        if (!name || !op || json_object_size(o) != want) return 0;
        if (!v && !strcmp(op, "is not nil")) {
            sim_buf_puts(b, "has_attribute(");
            lstr(b, name);
            sim_buf_putc(b, ')');
            return 1;
        }
        if (v && !json_is_number(v) && !json_is_string(v) && !json_is_boolean(v)) return 0;
        sim_buf_puts(b, "attribute(");
        lstr(b, name);
        sim_buf_puts(b, ", ");
        lstr(b, op);
        if (v) {
            sim_buf_puts(b, ", ");
            emit(b, v, depth);
        }
        sim_buf_putc(b, ')');
        return 1;
    }
    static const char *const active[][2] = {{"Active Condition", "active_condition"},
                                            {"Active Medication", "active_medication"},
                                            {"Active CarePlan", "active_careplan"},
                                            {"Active Allergy", "active_allergy"}};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(t, active[i][0])) continue;
        static const char *const kc[] = {"condition_type", "codes", NULL};
        static const char *const ka[] = {"condition_type", "referenced_by_attribute", NULL};
        if (has_keys(o, kc) && json_is_array(json_object_get(o, "codes"))) {
            json_t *codes = json_object_get(o, "codes");
            sim_buf_printf(b, "%s(", active[i][1]);
            if (json_array_size(codes) == 1)
                emit(b, json_array_get(codes, 0), depth);
            else
                emit_list_inline(b, codes, depth);
            sim_buf_putc(b, ')');
            return 1;
        }
        if (has_keys(o, ka) && json_is_string(json_object_get(o, "referenced_by_attribute"))) {
            sim_buf_printf(b, "%s(", active[i][1]);
            lstr(b, json_string_value(json_object_get(o, "referenced_by_attribute")));
            sim_buf_putc(b, ')');
            return 1;
        }
        return 0;
    }
    if (!strcmp(t, "PriorState")) {
        const char *name = json_string_value(json_object_get(o, "name"));
        json_t *since = json_object_get(o, "since"), *within = json_object_get(o, "within");
        if (!name || json_object_size(o) != (size_t)(2 + (since != NULL) + (within != NULL)))
            return 0;
        if (since && !json_is_string(since)) return 0;
        sim_buf_puts(b, "prior_state(");
        lstr(b, name);
        if (since || within) {
            sim_buf_puts(b, ", { ");
            if (since) {
                sim_buf_puts(b, "since = ");
                lstr(b, json_string_value(since));
            }
            if (within) {
                sim_buf_puts(b, since ? ", within = " : "within = ");
                emit(b, within, depth);
            }
            sim_buf_puts(b, " }");
        }
        sim_buf_putc(b, ')');
        return 1;
    }
    if (!strcmp(t, "Date")) {
        static const char *const k[] = {"condition_type", "operator", "year", NULL};
        if (!has_keys(o, k) || !op || !json_is_integer(json_object_get(o, "year"))) return 0;
        sim_buf_puts(b, "date(");
        lstr(b, op);
        sim_buf_printf(b, ", %lld)", (long long)json_integer_value(json_object_get(o, "year")));
        return 1;
    }
    if (!strcmp(t, "Socioeconomic Status") || !strcmp(t, "Race")) {
        const char *field = t[0] == 'S' ? "category" : "race";
        const char *k[] = {"condition_type", field, NULL};
        const char *v = json_string_value(json_object_get(o, field));
        if (!has_keys(o, k) || !v) return 0;
        sim_buf_puts(b, t[0] == 'S' ? "ses(" : "race(");
        lstr(b, v);
        sim_buf_putc(b, ')');
        return 1;
    }
    if (!strcmp(t, "Symptom") || !strcmp(t, "Vital Sign")) {
        const char *field = t[0] == 'S' ? "symptom" : "vital_sign";
        const char *name = json_string_value(json_object_get(o, field));
        json_t *v = json_object_get(o, "value");
        if (!name || !op || !v || !json_is_number(v) || json_object_size(o) != 4) return 0;
        sim_buf_puts(b, t[0] == 'S' ? "symptom(" : "vital(");
        lstr(b, name);
        sim_buf_puts(b, ", ");
        lstr(b, op);
        sim_buf_puts(b, ", ");
        num(b, v);
        sim_buf_putc(b, ')');
        return 1;
    }
    if (!strcmp(t, "Observation")) {
        json_t *codes = json_object_get(o, "codes"), *v = json_object_get(o, "value");
        if (!json_is_array(codes) || !op || json_object_size(o) != 3 + (v != NULL)) return 0;
        if (v && !json_is_number(v) && !json_is_string(v) && !json_is_boolean(v)) return 0;
        sim_buf_puts(b, "observation(");
        if (json_array_size(codes) == 1)
            emit(b, json_array_get(codes, 0), depth);
        else
            emit_list_inline(b, codes, depth);
        sim_buf_puts(b, ", ");
        lstr(b, op);
        if (v) {
            sim_buf_puts(b, ", ");
            emit(b, v, depth);
        }
        sim_buf_putc(b, ')');
        return 1;
    }
    return 0;
}

/* {kind, parameters[, unit][, round]}: uniform { low = years(0), high = years(17) } */
static int try_distribution(sim_buf *b, json_t *o)
{
    json_t *kind = json_object_get(o, "kind"), *par = json_object_get(o, "parameters");
    json_t *unit = json_object_get(o, "unit"), *round = json_object_get(o, "round");
    if (!json_is_string(kind) || !json_is_object(par) ||
        json_object_size(o) != (size_t)(2 + (unit != NULL) + (round != NULL)))
        return 0;
    const char *u = unit ? json_string_value(unit) : NULL;
    if (unit && !is_time_unit(u)) return 0;
    if (round && !json_is_integer(round)) return 0;
    static const struct {
        const char *kind, *fn;
        const char *names[3];
        int timed[3]; /* which parameters carry the unit */
    } helpers[] = {{"UNIFORM", "uniform", {"low", "high", NULL}, {1, 1, 0}},
                   {"GAUSSIAN", "gaussian", {"mean", "standardDeviation", NULL}, {1, 1, 0}},
                   {"EXPONENTIAL", "exponential", {"mean", NULL, NULL}, {1, 0, 0}},
                   {"TRIANGULAR", "triangular", {"min", "mode", "max"}, {1, 1, 1}},
                   {"WEIBULL", "weibull", {"shape", "scale", NULL}, {0, 1, 0}},
                   {"LOGNORMAL", "lognormal", {"mu", "sigma", NULL}, {0, 0, 0}},
                   {"GAMMA", "gamma", {"shape", "scale", NULL}, {0, 1, 0}}};
    const char *k = json_string_value(kind);
    if (!strcmp(k, "EXACT")) {
        json_t *v = json_object_get(par, "value");
        if (round || json_object_size(par) != 1 || !json_is_number(v)) return 0;
        sim_buf_puts(b, "exact(");
        if (u) sim_buf_printf(b, "%s(", u);
        num(b, v);
        if (u) sim_buf_putc(b, ')');
        sim_buf_putc(b, ')');
        return 1;
    }
    for (size_t h = 0; h < sizeof helpers / sizeof helpers[0]; h++) {
        if (strcmp(k, helpers[h].kind)) continue;
        size_t nn = 0, ntimed = 0;
        for (; nn < 3 && helpers[h].names[nn]; nn++) {
            if (!json_is_number(json_object_get(par, helpers[h].names[nn]))) return 0;
            ntimed += (size_t)helpers[h].timed[nn];
        }
        json_t *mn = json_object_get(par, "min"), *mx = json_object_get(par, "max");
        if (!strcmp(k, "TRIANGULAR")) mn = mx = NULL; /* its own min and max */
        if (json_object_size(par) != nn + (mn != NULL) + (mx != NULL)) return 0;
        if (u && !ntimed) return 0; /* the unit must ride on a duration */
        sim_buf_printf(b, "%s { ", helpers[h].fn);
        const char *names[5];
        int timed[5];
        size_t total = 0;
        for (size_t i = 0; i < nn; i++) {
            names[total] = helpers[h].names[i];
            timed[total++] = helpers[h].timed[i];
        }
        if (mn) names[total] = "min", timed[total++] = 1;
        if (mx) names[total] = "max", timed[total++] = 1;
        for (size_t i = 0; i < total; i++) {
            if (i) sim_buf_puts(b, ", ");
            sim_buf_printf(b, "%s = ", names[i]);
            int wrap = u && timed[i];
            if (wrap) sim_buf_printf(b, "%s(", u);
            num(b, json_object_get(par, names[i]));
            if (wrap) sim_buf_putc(b, ')');
        }
        if (round) sim_buf_printf(b, ", round = %lld", (long long)json_integer_value(round));
        sim_buf_puts(b, " }");
        return 1;
    }
    return 0;
}

/* distributed_transition of plain probabilities: pick { {0.3, "A"}, {0.7, "B"} } */
static int try_pick(sim_buf *b, json_t *a)
{
    static const char *const k[] = {"distribution", "transition", NULL};
    if (!json_is_array(a) || !json_array_size(a)) return 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        if (!json_is_object(e) || !has_keys(e, k) ||
            !json_is_number(json_object_get(e, "distribution")) ||
            !json_is_string(json_object_get(e, "transition")))
            return 0;
    }
    sim_buf_puts(b, "pick { ");
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        if (i) sim_buf_puts(b, ", ");
        sim_buf_putc(b, '{');
        num(b, json_object_get(e, "distribution"));
        sim_buf_puts(b, ", ");
        lstr(b, json_string_value(json_object_get(e, "transition")));
        sim_buf_putc(b, '}');
    }
    sim_buf_puts(b, " }");
    return 1;
}

/* conditional_transition: when { {condition, "A"}, {"Otherwise"} } */
static int try_when(sim_buf *b, json_t *a, int depth)
{
    if (!json_is_array(a) || !json_array_size(a)) return 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        json_t *c = json_object_get(e, "condition");
        if (!json_is_object(e) || !json_is_string(json_object_get(e, "transition")) ||
            json_object_size(e) != 1 + (c != NULL))
            return 0;
    }
    sim_buf_puts(b, "when {\n");
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        json_t *c = json_object_get(e, "condition");
        indent(b, depth + 1);
        sim_buf_putc(b, '{');
        if (c) {
            emit(b, c, depth + 1);
            sim_buf_puts(b, ", ");
        }
        lstr(b, json_string_value(json_object_get(e, "transition")));
        sim_buf_puts(b, "},\n");
    }
    indent(b, depth);
    sim_buf_putc(b, '}');
    return 1;
}

static void emit_object(sim_buf *b, json_t *o, int depth, int first_type)
{
    sim_buf_puts(b, "{\n");
    const char *k;
    json_t *v;
    /* the state's type first, then the fields in the file's order */
    if (first_type && json_object_get(o, "type")) {
        indent(b, depth + 1);
        key(b, "type");
        emit(b, json_object_get(o, "type"), depth + 1);
        sim_buf_puts(b, ",\n");
    }
    json_object_foreach(o, k, v)
    {
        if (first_type && !strcmp(k, "type")) continue;
        indent(b, depth + 1);
        key(b, k);
        if (!strcmp(k, "distributed_transition") && try_pick(b, v))
            ;
        else if (!strcmp(k, "conditional_transition") && try_when(b, v, depth + 1))
            ;
        else
            emit(b, v, depth + 1);
        sim_buf_puts(b, ",\n");
    }
    indent(b, depth);
    sim_buf_putc(b, '}');
}

static void emit(sim_buf *b, json_t *v, int depth)
{
    switch (json_typeof(v)) {
    case JSON_STRING: lstr(b, json_string_value(v)); return;
    case JSON_INTEGER:
    case JSON_REAL: num(b, v); return;
    case JSON_TRUE: sim_buf_puts(b, "true"); return;
    case JSON_FALSE: sim_buf_puts(b, "false"); return;
    case JSON_NULL: sim_buf_puts(b, "nil"); return;
    case JSON_ARRAY: {
        int simple = 1;
        for (size_t i = 0; i < json_array_size(v); i++)
            simple &= !json_is_object(json_array_get(v, i)) && !json_is_array(json_array_get(v, i));
        if (simple || json_array_size(v) == 0) {
            emit_list_inline(b, v, depth);
            return;
        }
        /* lists of codes stay on one line; others take a line each */
        int codes = 1;
        for (size_t i = 0; i < json_array_size(v); i++) {
            sim_buf probe = {0};
            codes &= try_code(&probe, json_array_get(v, i));
            sim_buf_free(&probe);
        }
        if (codes && json_array_size(v) <= 3) {
            emit_list_inline(b, v, depth);
            return;
        }
        sim_buf_puts(b, "{\n");
        for (size_t i = 0; i < json_array_size(v); i++) {
            indent(b, depth + 1);
            emit(b, json_array_get(v, i), depth + 1);
            sim_buf_puts(b, ",\n");
        }
        indent(b, depth);
        sim_buf_putc(b, '}');
        return;
    }
    case JSON_OBJECT:
        if (try_code(b, v) || try_duration(b, v)) return;
        if (json_object_get(v, "kind") && try_distribution(b, v)) return;
        if (json_object_get(v, "condition_type") && try_condition(b, v, depth)) return;
        emit_object(b, v, depth, 0);
        return;
    }
}

static void comments(sim_buf *b, json_t *remarks, int depth)
{
    if (json_is_string(remarks)) {
        indent(b, depth);
        sim_buf_printf(b, "-- %s\n", json_string_value(remarks));
        return;
    }
    size_t i;
    json_t *r;
    json_array_foreach(remarks, i, r)
    {
        const char *s = json_string_value(r);
        if (!s) continue;
        /* a remark may hold several lines */
        while (*s) {
            size_t n = strcspn(s, "\n");
            indent(b, depth);
            sim_buf_printf(b, "--%s%.*s\n", n ? " " : "", (int)n, s);
            s += n;
            if (*s) s++;
        }
    }
}

sim_status sim_gmf_import(const char *path, char **out, sim_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    if (!m)
        return sim_error_set(err, SIM_EPARSE, path, je.line, je.column, "not JSON: %s", je.text);
    json_t *states = json_object_get(m, "states");
    if (!json_is_object(m) || !json_is_object(states)) {
        json_decref(m);
        return sim_error_set(err, SIM_EPARSE, path, 1, 0,
                             "not a GMF module: it needs a \"states\" object");
    }
    sim_buf b = {0};
    const char *name = json_string_value(json_object_get(m, "name"));
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    sim_buf_printf(&b, "-- %s: imported from the GMF JSON module %s by lifesim import-gmf.\n",
                   name ? name : "(no name)", base);
    comments(&b, json_object_get(m, "remarks"), 0);
    sim_buf_puts(
        &b, "local sct, loinc, rx, cvx = codes.snomed, codes.loinc, codes.rxnorm, codes.cvx\n\n"
            "return {\n");
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        if (!strcmp(k, "remarks") || !strcmp(k, "states")) continue;
        indent(&b, 1);
        key(&b, k);
        emit(&b, v, 1);
        sim_buf_puts(&b, ",\n");
    }
    sim_buf_puts(&b, "  states = {\n");
    json_object_foreach(states, k, v)
    {
        json_t *rem = json_object_get(v, "remarks");
        if (rem) {
            sim_buf_putc(&b, '\n');
            comments(&b, rem, 2);
            json_object_del(v, "remarks");
        }
        indent(&b, 2);
        key(&b, k);
        if (json_is_object(v))
            emit_object(&b, v, 2, 1);
        else
            emit(&b, v, 2);
        sim_buf_puts(&b, ",\n");
    }
    sim_buf_puts(&b, "  },\n}\n");
    json_decref(m);
    if (b.oom) {
        sim_buf_free(&b);
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    *out = b.data;
    return SIM_OK;
}

/* ---- Lua to GMF JSON ---- */

static int is_array(lua_State *L, int idx, size_t *n)
{
    size_t count = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER || !lua_isinteger(L, -1)) {
            lua_pop(L, 1);
            return 0;
        }
        lua_Integer i = lua_tointeger(L, -1);
        if (i < 1) {
            lua_pop(L, 1);
            return 0;
        }
        if ((size_t)i > max) max = (size_t)i;
        count++;
    }
    *n = count;
    return count == max;
}

static json_t *to_json(lua_State *L, int idx, const char *where, sim_error *err, int depth)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return json_null();
    case LUA_TBOOLEAN: return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) return json_integer((json_int_t)lua_tointeger(L, idx));
        return json_real(lua_tonumber(L, idx));
    case LUA_TSTRING: return json_string(lua_tostring(L, idx));
    case LUA_TTABLE: {
        if (depth > 100) {
            sim_error_set(err, SIM_EINVAL, NULL, 0, 0, "%s: nested too deep", where);
            return NULL;
        }
        size_t n;
        if (is_array(L, idx, &n) && n > 0) {
            json_t *a = json_array();
            for (size_t i = 1; i <= n; i++) {
                lua_rawgeti(L, idx, (lua_Integer)i);
                json_t *e = to_json(L, -1, where, err, depth + 1);
                lua_pop(L, 1);
                if (!e) {
                    json_decref(a);
                    return NULL;
                }
                json_array_append_new(a, e);
            }
            return a;
        }
        json_t *o = json_object();
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            if (lua_type(L, -2) != LUA_TSTRING) {
                lua_pop(L, 2);
                json_decref(o);
                sim_error_set(err, SIM_EINVAL, NULL, 0, 0, "%s: a table mixes keys and a list",
                              where);
                return NULL;
            }
            const char *k = lua_tostring(L, -2);
            if (strncmp(k, "__", 2)) {
                char sub[512];
                snprintf(sub, sizeof sub, "%s.%s", where, k);
                json_t *e = to_json(L, -1, sub, err, depth + 1);
                if (!e) {
                    lua_pop(L, 2);
                    json_decref(o);
                    return NULL;
                }
                json_object_set_new(o, k, e);
            }
            lua_pop(L, 1);
        }
        return o;
    }
    default:
        sim_error_set(err, SIM_EINVAL, NULL, 0, 0,
                      "%s is a %s: GMF JSON cannot hold Lua functions (write the value instead)",
                      where, luaL_typename(L, idx));
        return NULL;
    }
}

sim_status sim_gmf_export(const char *root, const char *path, char **out, sim_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    sim_status st = sim_read_file(path, &text, &len, err);
    if (st != SIM_OK) return st;
    sim_lua *S = sim_lua_new(NULL, root);
    if (!S) {
        free(text);
        return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char keyname[256];
    snprintf(keyname, sizeof keyname, "%.*s", (int)strcspn(base, "."), base);
    st = sim_lua_run_module(S, path, text, len, keyname, err);
    free(text);
    if (st == SIM_OK) {
        lua_State *L = sim_lua_state(S);
        json_t *j = lua_istable(L, -1) ? to_json(L, -1, "the module", err, 0) : NULL;
        if (!j && st == SIM_OK && !err->msg[0])
            sim_error_set(err, SIM_EINVAL, path, 0, 0, "the module does not return a table");
        if (j) {
            *out = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
            json_decref(j);
        }
        if (!*out) st = err->code ? err->code : SIM_EINVAL;
        if (st != SIM_OK && !err->file[0]) snprintf(err->file, sizeof err->file, "%s", path);
    }
    sim_lua_free(S);
    return st;
}
