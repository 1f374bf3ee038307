/* compile.c — compiles the parts of a module table that states share: codes, values,
 * distributions, conditions and transitions (lookup tables included), each checked and located.
 *
 * Every compile_* function reads the Lua value at a stack index, leaves the stack as it found it,
 * allocates its result in the modset's arena, and reports problems through compile_error /
 * compile_warn at the line the source map gives for the key path. It returns 0, or -1 after
 * reporting.
 */
#include "sim_module.h"

#include "sim_lua.h"
#include "sim_rng.h"
#include "sim_srcmap.h"
#include "sim_table.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "compile.h"
#include "modload_internal.h"

/* ---- names ---- */

static const char *const state_type_names[SIM_ST_COUNT] = {
    "Initial",        "Terminal",         "Simple",           "Guard",        "Delay",
    "SetAttribute",   "Counter",          "CallSubmodule",    "Encounter",    "EncounterEnd",
    "ConditionOnset", "ConditionEnd",     "AllergyOnset",     "AllergyEnd",   "MedicationOrder",
    "MedicationEnd",  "CarePlanStart",    "CarePlanEnd",      "Procedure",    "Immunization",
    "Observation",    "MultiObservation", "DiagnosticReport", "VitalSign",    "Symptom",
    "Device",         "DeviceEnd",        "SupplyList",       "ImagingStudy", "Death"};

const char *sim_state_type_name(sim_state_type t)
{
    return t < SIM_ST_COUNT ? state_type_names[t] : "?";
}

int compile_state_type_parse(const char *s)
{
    for (int i = 0; i < SIM_ST_COUNT; i++)
        if (strcmp(s, state_type_names[i]) == 0) return i;
    if (strcmp(s, "Vaccine") == 0) return SIM_ST_IMMUNIZATION; /* GMF's name for it */
    return -1;
}

const char *compile_state_type_suggest(const char *s)
{
    return sim_did_you_mean(s, state_type_names, SIM_ST_COUNT);
}

static const char *const cond_type_names[] = {"True",
                                              "False",
                                              "And",
                                              "Or",
                                              "Not",
                                              "At Least",
                                              "At Most",
                                              "Gender",
                                              "Age",
                                              "Date",
                                              "Socioeconomic Status",
                                              "Race",
                                              "Symptom",
                                              "Observation",
                                              "Vital Sign",
                                              "Active Condition",
                                              "Active Medication",
                                              "Active CarePlan",
                                              "Active Allergy",
                                              "Attribute",
                                              "PriorState"};
#define NCOND_NAMES (sizeof cond_type_names / sizeof cond_type_names[0])

static const char *const op_names[] = {"<", "<=", "==", ">=", ">", "!=", "is nil", "is not nil"};

static int op_parse(const char *s)
{
    for (int i = 0; i < 8; i++)
        if (strcmp(s, op_names[i]) == 0) return i;
    if (strcmp(s, "=") == 0) return SIM_OP_EQ;
    if (strcmp(s, "~=") == 0) return SIM_OP_NE;
    return -1;
}

static const char *const code_systems[] = {"SNOMED-CT", "LOINC",     "RxNorm",    "CVX",
                                           "NUBC",      "DICOM-DCM", "DICOM-SOP", "ICD-10-CM",
                                           "ICD-10",    "UCUM",      "HL7",       NULL};

/* ---- the compile context ---- */

int compile_line(cctx *c, const char *kpath)
{
    return sim_srcmap_line(c->map, kpath, c->state_line ? c->state_line : 1);
}

void compile_error(cctx *c, const char *kpath, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->state)
        sim_diags_add(c->d, SIM_SEV_ERROR, c->path, compile_line(c, kpath), 0, "state '%s': %s",
                      c->state, msg);
    else
        sim_diags_add(c->d, SIM_SEV_ERROR, c->path, compile_line(c, kpath), 0, "%s", msg);
}

void compile_warn(cctx *c, const char *kpath, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->state)
        sim_diags_add(c->d, SIM_SEV_WARNING, c->path, compile_line(c, kpath), 0, "state '%s': %s",
                      c->state, msg);
    else
        sim_diags_add(c->d, SIM_SEV_WARNING, c->path, compile_line(c, kpath), 0, "%s", msg);
}

char *compile_path(cctx *c, const char *base, const char *key)
{
    /* a key path in the arena-free scratch: callers copy when they need to keep it */
    (void)c;
    size_t lb = strlen(base), lk = strlen(key);
    char *p = malloc(lb + lk + 2);
    if (!p) return NULL;
    if (lb) {
        memcpy(p, base, lb);
        p[lb] = '.';
        memcpy(p + lb + 1, key, lk + 1);
    } else {
        memcpy(p, key, lk + 1);
    }
    return p;
}

char *compile_path_i(cctx *c, const char *base, int i)
{
    char num[24];
    snprintf(num, sizeof num, "%d", i);
    return compile_path(c, base, num);
}

void *compile_alloc(cctx *c, size_t n, size_t size)
{
    if (!n) return NULL;
    void *p = sim_arena_alloc(c->ms->arena, n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

const char *compile_strdup(cctx *c, const char *s)
{
    return sim_arena_strdup(c->ms->arena, s);
}

const char *compile_typename(lua_State *L, int idx)
{
    return lua_typename(L, lua_type(L, idx));
}

/* Checks that every key of the table at idx is one of `allowed` (plus "remarks" and helper
 * markers). */
void compile_check_fields(cctx *c, int idx, const char *kpath, const char *what,
                          const char *const *allowed)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            if (lua_type(L, -1) == LUA_TNUMBER) {
                compile_error(c, kpath,
                              "%s has a positional entry; every field of it needs a name "
                              "(name = value)",
                              what);
            }
            continue;
        }
        const char *k = lua_tostring(L, -1);
        if (strncmp(k, "__", 2) == 0 || strcmp(k, "remarks") == 0) continue;
        int ok = 0;
        size_t na = 0;
        for (; allowed[na]; na++)
            if (strcmp(k, allowed[na]) == 0) ok = 1;
        if (!ok) {
            const char *dym = sim_did_you_mean(k, allowed, na);
            char *p = compile_path(c, kpath, k);
            if (dym)
                compile_error(c, p ? p : kpath, "%s has no field '%s' (did you mean '%s'?)", what,
                              k, dym);
            else {
                char list[600] = "";
                size_t off = 0;
                for (size_t i = 0; i < na && off < sizeof list - 2; i++)
                    off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                                            allowed[i]);
                compile_error(c, p ? p : kpath, "%s has no field '%s' (its fields: %s)", what, k,
                              list);
            }
            free(p);
        }
    }
}

/* pushes t[key]; returns its Lua type */
int compile_getf(cctx *c, int idx, const char *key)
{
    return lua_getfield(c->L, idx, key);
}

int compile_state_index(cctx *c, const char *name)
{
    int32_t lo = 0, hi = c->nnames - 1;
    while (lo <= hi) {
        int32_t mid = (lo + hi) / 2;
        int r = strcmp(c->names[mid], name);
        if (r == 0) return mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* resolves a state name at the top of the stack (string expected) */
int32_t compile_want_state(cctx *c, int idx, const char *kpath, const char *what)
{
    if (lua_type(c->L, idx) != LUA_TSTRING) {
        compile_error(c, kpath, "%s must be a state name (a string), not a %s", what,
                      compile_typename(c->L, idx));
        return -1;
    }
    const char *name = lua_tostring(c->L, idx);
    int32_t i = compile_state_index(c, name);
    if (i < 0) {
        const char *dym = sim_did_you_mean(name, (const char *const *)c->names, (size_t)c->nnames);
        if (dym)
            compile_error(c, kpath, "%s '%s' is not a state of this module (did you mean '%s'?)",
                          what, name, dym);
        else
            compile_error(c, kpath, "%s '%s' is not a state of this module", what, name);
    }
    return i;
}

int compile_keep_ref(cctx *c, int idx)
{
    lua_pushvalue(c->L, idx);
    int ref = luaL_ref(c->L, LUA_REGISTRYINDEX);
    int *slot = sim_vec_add(&c->ms->refs);
    if (slot) *slot = ref;
    return ref;
}

void compile_note_attr(cctx *c, int32_t attr, const char *kpath, int write)
{
    sim_attr_use *u = sim_vec_add(&c->ms->uses);
    if (!u) return;
    u->attr = attr;
    u->module = c->mod->index;
    u->line = compile_line(c, kpath);
    u->write = (uint8_t)write;
    u->lua = 0;
}

int32_t compile_want_attr(cctx *c, int idx, const char *kpath, const char *what, int write)
{
    if (lua_type(c->L, idx) != LUA_TSTRING || !*lua_tostring(c->L, idx)) {
        compile_error(c, kpath, "%s must be an attribute name (a non-empty string), not a %s", what,
                      compile_typename(c->L, idx));
        return -1;
    }
    int32_t id = sim_modset_intern(c->ms, SIM_NS_ATTR, lua_tostring(c->L, idx), 1);
    compile_note_attr(c, id, kpath, write);
    return id;
}

int compile_want_number(cctx *c, int idx, const char *kpath, const char *what, double *out)
{
    if (lua_type(c->L, idx) != LUA_TNUMBER) {
        compile_error(c, kpath, "%s must be a number, not a %s", what, compile_typename(c->L, idx));
        return -1;
    }
    *out = lua_tonumber(c->L, idx);
    if (!isfinite(*out)) {
        compile_error(c, kpath, "%s must be a finite number", what);
        return -1;
    }
    return 0;
}

const char *compile_want_string(cctx *c, int idx, const char *kpath, const char *what)
{
    if (lua_type(c->L, idx) != LUA_TSTRING) {
        compile_error(c, kpath, "%s must be a string, not a %s", what, compile_typename(c->L, idx));
        return NULL;
    }
    return compile_strdup(c, lua_tostring(c->L, idx));
}

int compile_want_unit(cctx *c, int idx, const char *kpath, const char *what)
{
    if (lua_type(c->L, idx) != LUA_TSTRING) {
        compile_error(c, kpath,
                      "%s must be a time unit (years, months, weeks, days, hours, minutes, "
                      "seconds), not a %s",
                      what, compile_typename(c->L, idx));
        return -1;
    }
    int u = sim_unit_parse(lua_tostring(c->L, idx));
    if (u < 0)
        compile_error(c, kpath,
                      "unknown unit '%s' in %s (use years, months, weeks, days, hours, minutes, "
                      "seconds or milliseconds)",
                      lua_tostring(c->L, idx), what);
    return u;
}

/* ---- codes ---- */

int compile_code(cctx *c, int idx, const char *kpath, sim_code *out)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE) {
        compile_error(c, kpath,
                      "a code must be a table {system = ..., code = ..., display = ...}, not a %s",
                      compile_typename(L, idx));
        return -1;
    }
    static const char *const fields[] = {"system", "code", "display", "value_set", NULL};
    compile_check_fields(c, idx, kpath, "a code", fields);
    const char *sys = NULL, *code = NULL, *disp = NULL;
    int bad = 0;
    if (compile_getf(c, idx, "system") == LUA_TSTRING && *lua_tostring(L, -1))
        sys = lua_tostring(L, -1);
    lua_pop(L, 1);
    int ct = compile_getf(c, idx, "code");
    char numbuf[64];
    if (ct == LUA_TSTRING && *lua_tostring(L, -1)) {
        code = lua_tostring(L, -1);
    } else if (ct == LUA_TNUMBER) {
        if (lua_isinteger(L, -1))
            snprintf(numbuf, sizeof numbuf, "%lld", (long long)lua_tointeger(L, -1));
        else
            snprintf(numbuf, sizeof numbuf, "%.0f", lua_tonumber(L, -1));
        code = numbuf;
    }
    lua_pop(L, 1);
    if (compile_getf(c, idx, "display") == LUA_TSTRING && *lua_tostring(L, -1))
        disp = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (!sys || !code || !disp) {
        compile_error(c, kpath, "a code needs system, code and display (missing %s%s%s)",
                      !sys ? "system " : "", !code ? "code " : "", !disp ? "display" : "");
        bad = 1;
    }
    if (sys) {
        int known = strncmp(sys, "http", 4) == 0 || strncmp(sys, "urn:", 4) == 0;
        for (int i = 0; code_systems[i] && !known; i++)
            if (strcmp(sys, code_systems[i]) == 0) known = 1;
        if (!known) {
            const char *dym = sim_did_you_mean(sys, code_systems, 11);
            if (dym)
                compile_error(c, kpath, "unknown code system '%s' (did you mean '%s'?)", sys, dym);
            else
                compile_error(c, kpath,
                              "unknown code system '%s' (use SNOMED-CT, LOINC, RxNorm, CVX, NUBC, "
                              "DICOM-DCM, DICOM-SOP, ICD-10-CM or a URI)",
                              sys);
            bad = 1;
        }
    }
    if (bad) return -1;
    const sim_code *canon = sim_modset_code(c->ms, sys, code, disp);
    if (!canon) return -1;
    out->system = canon->system;
    out->code = canon->code;
    out->display = strcmp(canon->display, disp) == 0 ? canon->display : compile_strdup(c, disp);
    out->id = canon->id;
    return 0;
}

const sim_code *compile_code_ptr(cctx *c, int idx, const char *kpath)
{
    sim_code *code = compile_alloc(c, 1, sizeof *code);
    if (!code || compile_code(c, idx, kpath, code) != 0) return NULL;
    return code;
}

/* a list of codes at idx (or a single code table) */
sim_codes compile_codes(cctx *c, int idx, const char *kpath, const char *what)
{
    sim_codes out = {NULL, 0};
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE) {
        compile_error(c, kpath, "%s must be a list of codes, not a %s", what,
                      compile_typename(L, idx));
        return out;
    }
    lua_getfield(L, idx, "system");
    int single = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (single) {
        sim_code *v = compile_alloc(c, 1, sizeof *v);
        if (v && compile_code(c, idx, kpath, v) == 0) {
            out.v = v;
            out.n = 1;
        }
        return out;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n == 0) {
        compile_error(c, kpath, "%s is empty: give at least one code", what);
        return out;
    }
    sim_code *v = compile_alloc(c, (size_t)n, sizeof *v);
    if (!v) return out;
    uint32_t k = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        char *p = compile_path_i(c, kpath, (int)i);
        if (compile_code(c, -1, p ? p : kpath, &v[k]) == 0) k++;
        free(p);
        lua_pop(L, 1);
    }
    out.v = v;
    out.n = k;
    return out;
}

/* ---- values and distributions ---- */

static void dist_exact(sim_dist *d, double v, int unit)
{
    memset(d, 0, sizeof *d);
    d->kind = SIM_D_EXACT;
    d->a = v;
    d->decimals = -1;
    d->unit = (uint8_t)unit;
    d->lua_ref = LUA_NOREF;
}

/* GMF {kind = ..., parameters = {...}, round = bool, unit = ...} at idx */
int compile_distribution(cctx *c, int idx, const char *kpath, int unit_default, int need_unit,
                         sim_dist *d)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    memset(d, 0, sizeof *d);
    d->decimals = -1;
    d->lua_ref = LUA_NOREF;
    d->unit = (uint8_t)(unit_default >= 0 ? unit_default : SIM_UNIT_COUNT);
    if (lua_type(L, idx) == LUA_TFUNCTION) {
        d->kind = SIM_D_LUA;
        d->lua_ref = compile_keep_ref(c, idx);
        if (need_unit && unit_default < 0) {
            compile_error(c, kpath,
                          "a distribution given as a function needs the state's `unit` (years, "
                          "days, ...)");
            return -1;
        }
        return 0;
    }
    if (lua_type(L, idx) == LUA_TNUMBER) {
        if (need_unit && unit_default < 0) {
            compile_error(c, kpath,
                          "a duration needs a unit: write days(3) or set the state's `unit`");
            return -1;
        }
        dist_exact(d, lua_tonumber(L, idx), d->unit);
        return 0;
    }
    if (lua_type(L, idx) != LUA_TTABLE) {
        compile_error(c, kpath,
                      "a distribution must be a table {kind = ..., parameters = {...}} or a "
                      "function, not a %s",
                      compile_typename(L, idx));
        return -1;
    }
    static const char *const fields[] = {"kind", "parameters", "round", "unit", NULL};
    compile_check_fields(c, idx, kpath, "a distribution", fields);
    if (compile_getf(c, idx, "unit") != LUA_TNIL) {
        char *p = compile_path(c, kpath, "unit");
        int u = compile_want_unit(c, -1, p ? p : kpath, "the distribution's unit");
        free(p);
        if (u >= 0) d->unit = (uint8_t)u;
    }
    lua_pop(L, 1);
    if (need_unit && d->unit == SIM_UNIT_COUNT) {
        compile_error(c, kpath,
                      "this duration needs a unit: set `unit` on the state (years, days, ...) or "
                      "use days(...), years(...) in the distribution");
        return -1;
    }
    if (compile_getf(c, idx, "round") == LUA_TBOOLEAN && lua_toboolean(L, -1)) d->decimals = 0;
    lua_pop(L, 1);
    static const char *const kinds[] = {"EXACT",       "UNIFORM",    "GAUSSIAN",
                                        "EXPONENTIAL", "TRIANGULAR", "WEIBULL",
                                        "LOGNORMAL",   "GAMMA",      NULL};
    if (compile_getf(c, idx, "kind") != LUA_TSTRING) {
        compile_error(c, kpath,
                      "a distribution needs `kind` (EXACT, UNIFORM, GAUSSIAN, EXPONENTIAL, "
                      "TRIANGULAR, WEIBULL, LOGNORMAL or GAMMA)");
        lua_pop(L, 1);
        return -1;
    }
    const char *kind = lua_tostring(L, -1);
    int k = -1;
    for (int i = 0; kinds[i]; i++)
        if (strcmp(kind, kinds[i]) == 0) k = i;
    if (k < 0) {
        const char *dym = sim_did_you_mean(kind, kinds, 8);
        compile_error(c, kpath, "unknown distribution kind '%s'%s%s%s", kind,
                      dym ? " (did you mean '"
                          : " (use EXACT, UNIFORM, GAUSSIAN, EXPONENTIAL, TRIANGULAR, "
                            "WEIBULL, LOGNORMAL or GAMMA",
                      dym ? dym : "", dym ? "'?)" : ")");
        lua_pop(L, 1);
        return -1;
    }
    lua_pop(L, 1);
    d->kind = (uint8_t)k;
    static const char *const pnames[8][4] = {
        {"value", NULL},       {"low", "high", NULL},        {"mean", "standardDeviation", NULL},
        {"mean", NULL},        {"min", "mode", "max", NULL}, {"shape", "scale", NULL},
        {"mu", "sigma", NULL}, {"shape", "scale", NULL}};
    char *pp = compile_path(c, kpath, "parameters");
    if (compile_getf(c, idx, "parameters") != LUA_TTABLE) {
        compile_error(c, pp ? pp : kpath, "a %s distribution needs `parameters` {%s%s%s%s%s}", kind,
                      pnames[k][0], pnames[k][1] ? ", " : "", pnames[k][1] ? pnames[k][1] : "",
                      pnames[k][1] && pnames[k][2] ? ", " : "",
                      pnames[k][1] && pnames[k][2] ? pnames[k][2] : "");
        lua_pop(L, 1);
        free(pp);
        return -1;
    }
    int pidx = lua_gettop(L);
    const char *allowed[8];
    int na = 0;
    for (int i = 0; pnames[k][i]; i++) allowed[na++] = pnames[k][i];
    allowed[na++] = "min";
    allowed[na++] = "max";
    allowed[na] = NULL;
    if (k == SIM_D_TRIANGULAR) na -= 2, allowed[na] = NULL;
    char what[64];
    snprintf(what, sizeof what, "a %s distribution", kind);
    compile_check_fields(c, pidx, pp ? pp : kpath, what, allowed);
    double vals[3] = {0, 0, 0};
    int bad = 0;
    for (int i = 0; pnames[k][i]; i++) {
        char *p2 = compile_path(c, pp ? pp : kpath, pnames[k][i]);
        if (compile_getf(c, pidx, pnames[k][i]) == LUA_TNIL) {
            compile_error(c, p2 ? p2 : kpath, "the %s distribution needs the parameter '%s'", kind,
                          pnames[k][i]);
            bad = 1;
        } else if (compile_want_number(c, -1, p2 ? p2 : kpath, pnames[k][i], &vals[i]) != 0) {
            bad = 1;
        }
        lua_pop(L, 1);
        free(p2);
    }
    if (k != SIM_D_TRIANGULAR) {
        if (compile_getf(c, pidx, "min") != LUA_TNIL) {
            if (compile_want_number(c, -1, pp, "min", &d->min) == 0) d->has_min = 1;
        }
        lua_pop(L, 1);
        if (compile_getf(c, pidx, "max") != LUA_TNIL) {
            if (compile_want_number(c, -1, pp, "max", &d->max) == 0) d->has_max = 1;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    d->a = vals[0];
    d->b = vals[1];
    d->c = vals[2];
    if (!bad) {
        switch (k) {
        case SIM_D_UNIFORM:
            if (d->b < d->a)
                compile_error(c, pp, "UNIFORM: high (%g) is below low (%g)", d->b, d->a), bad = 1;
            break;
        case SIM_D_GAUSSIAN:
        case SIM_D_LOGNORMAL:
            if (d->b < 0)
                compile_error(c, pp, "%s: the spread must not be negative", kind), bad = 1;
            break;
        case SIM_D_EXPONENTIAL:
            if (d->a <= 0) compile_error(c, pp, "EXPONENTIAL: mean must be positive"), bad = 1;
            break;
        case SIM_D_TRIANGULAR:
            if (!(d->a <= d->b && d->b <= d->c))
                compile_error(c, pp, "TRIANGULAR: need min <= mode <= max (got %g, %g, %g)", d->a,
                              d->b, d->c),
                    bad = 1;
            break;
        case SIM_D_WEIBULL:
        case SIM_D_GAMMA:
            if (d->a <= 0 || d->b <= 0)
                compile_error(c, pp, "%s: shape and scale must be positive", kind), bad = 1;
            break;
        default: break;
        }
    }
    free(pp);
    return bad ? -1 : 0;
}

/* Reads a duration from a state: exact {quantity, unit}, range {low, high, unit} or
 * distribution (+ unit). Returns 1 when found, 0 when none is given, -1 on error. */
int compile_duration(cctx *c, int sidx, const char *spath, sim_dist *d, int allow_none)
{
    lua_State *L = c->L;
    int found = 0, rc = 0;
    int state_unit = -1;
    if (compile_getf(c, sidx, "unit") != LUA_TNIL) {
        char *p = compile_path(c, spath, "unit");
        state_unit = compile_want_unit(c, -1, p ? p : spath, "unit");
        free(p);
    }
    lua_pop(L, 1);
    if (compile_getf(c, sidx, "exact") != LUA_TNIL) {
        found++;
        char *p = compile_path(c, spath, "exact");
        const char *pk = p ? p : spath;
        if (lua_type(L, -1) == LUA_TTABLE) {
            static const char *const f[] = {"quantity", "unit", NULL};
            compile_check_fields(c, -1, pk, "exact", f);
            double q = 0;
            int u = state_unit, unit_given = 0;
            int t = lua_gettop(L);
            if (compile_getf(c, t, "unit") != LUA_TNIL) {
                unit_given = 1;
                u = compile_want_unit(c, -1, pk, "exact's unit");
            }
            lua_pop(L, 1);
            if (compile_getf(c, t, "quantity") == LUA_TNIL) {
                compile_error(c, pk, "exact needs a quantity");
                rc = -1;
            } else if (compile_want_number(c, -1, pk, "exact.quantity", &q) != 0) {
                rc = -1;
            }
            lua_pop(L, 1);
            if (u < 0) {
                if (!unit_given) compile_error(c, pk, "exact needs a unit (years, days, ...)");
                rc = -1;
            }
            if (rc == 0) dist_exact(d, q, u);
        } else {
            rc = compile_distribution(c, -1, pk, state_unit, 1, d);
        }
        free(p);
    }
    lua_pop(L, 1);
    if (compile_getf(c, sidx, "range") != LUA_TNIL) {
        found++;
        char *p = compile_path(c, spath, "range");
        const char *pk = p ? p : spath;
        if (lua_type(L, -1) != LUA_TTABLE) {
            compile_error(c, pk, "range must be a table {low = ..., high = ..., unit = ...}");
            rc = -1;
        } else {
            static const char *const f[] = {"low", "high", "unit", NULL};
            compile_check_fields(c, -1, pk, "range", f);
            int t = lua_gettop(L);
            double lo = 0, hi = 0;
            int u = state_unit, unit_given = 0;
            if (compile_getf(c, t, "unit") != LUA_TNIL) {
                unit_given = 1;
                u = compile_want_unit(c, -1, pk, "range's unit");
            }
            lua_pop(L, 1);
            if (compile_getf(c, t, "low") == LUA_TNIL ||
                compile_want_number(c, -1, pk, "range.low", &lo) != 0) {
                if (lua_isnil(L, -1)) compile_error(c, pk, "range needs low");
                rc = -1;
            }
            lua_pop(L, 1);
            if (compile_getf(c, t, "high") == LUA_TNIL ||
                compile_want_number(c, -1, pk, "range.high", &hi) != 0) {
                if (lua_isnil(L, -1)) compile_error(c, pk, "range needs high");
                rc = -1;
            }
            lua_pop(L, 1);
            if (u < 0) {
                if (!unit_given) compile_error(c, pk, "range needs a unit (years, days, ...)");
                rc = -1;
            }
            if (rc == 0 && hi < lo) {
                compile_error(c, pk, "range: high (%g) is below low (%g)", hi, lo);
                rc = -1;
            }
            if (rc == 0) {
                memset(d, 0, sizeof *d);
                d->kind = SIM_D_UNIFORM;
                d->a = lo;
                d->b = hi;
                d->decimals = -1;
                d->unit = (uint8_t)u;
                d->lua_ref = LUA_NOREF;
            }
        }
        free(p);
    }
    lua_pop(L, 1);
    if (compile_getf(c, sidx, "distribution") != LUA_TNIL) {
        found++;
        char *p = compile_path(c, spath, "distribution");
        if (compile_distribution(c, -1, p ? p : spath, state_unit, 1, d) != 0) rc = -1;
        free(p);
    }
    lua_pop(L, 1);
    if (found > 1) {
        compile_error(c, spath, "give only one of exact, range and distribution");
        return -1;
    }
    if (!found && !allow_none) {
        compile_error(c, spath,
                      "needs a duration: exact = {quantity = ..., unit = ...}, range = {low = ..., "
                      "high = ..., unit = ...} or distribution = ...");
        return -1;
    }
    return rc < 0 ? -1 : found;
}

int compile_value(cctx *c, int idx, const char *kpath, sim_value *v)
{
    lua_State *L = c->L;
    memset(v, 0, sizeof *v);
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        v->kind = SIM_V_NUM;
        v->u.num = lua_tonumber(L, idx);
        return 0;
    case LUA_TBOOLEAN:
        v->kind = SIM_V_BOOL;
        v->u.b = lua_toboolean(L, idx);
        return 0;
    case LUA_TSTRING:
        v->kind = SIM_V_STR;
        v->u.str = compile_strdup(c, lua_tostring(L, idx));
        return 0;
    case LUA_TTABLE: {
        const sim_code *code = compile_code_ptr(c, idx, kpath);
        if (!code) return -1;
        v->kind = SIM_V_CODE;
        v->u.code = code;
        return 0;
    }
    default:
        compile_error(c, kpath, "a value must be a number, a string, a boolean or a code, not a %s",
                      compile_typename(L, idx));
        return -1;
    }
}

/* Value sources shared by SetAttribute, Observation, VitalSign, Symptom and observation specs:
 * exact, range, distribution, value, value_code, attribute, vital_sign. */
int compile_valspec(cctx *c, int sidx, const char *spath, sim_valspec *vs, int allow_attr,
                    int allow_vital, int required)
{
    lua_State *L = c->L;
    memset(vs, 0, sizeof *vs);
    vs->lua_ref = LUA_NOREF;
    vs->id = -1;
    int found = 0, rc = 0;
    static const char *const keys[] = {"exact",      "range",      "distribution",
                                       "value",      "value_code", "attribute",
                                       "vital_sign", "expression", NULL};
    for (int ki = 0; keys[ki]; ki++) {
        if (ki == 5 && !allow_attr) continue;
        if (ki == 6 && !allow_vital) continue;
        if (compile_getf(c, sidx, keys[ki]) == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        char *p = compile_path(c, spath, keys[ki]);
        const char *pk = p ? p : spath;
        found++;
        int t = lua_gettop(L);
        switch (ki) {
        case 0: /* exact */
            if (lua_type(L, t) == LUA_TTABLE) {
                static const char *const f[] = {"quantity", "unit", NULL};
                compile_check_fields(c, t, pk, "exact", f);
                if (compile_getf(c, t, "quantity") == LUA_TNIL) {
                    compile_error(c, pk, "exact needs a quantity");
                    rc = -1;
                } else if (compile_value(c, -1, pk, &vs->value) != 0) {
                    rc = -1;
                }
                lua_pop(L, 1);
                vs->src = SIM_VS_CONST;
            } else if (lua_type(L, t) == LUA_TFUNCTION) {
                vs->src = SIM_VS_LUA;
                vs->lua_ref = compile_keep_ref(c, t);
            } else {
                if (compile_value(c, t, pk, &vs->value) != 0) rc = -1;
                vs->src = SIM_VS_CONST;
            }
            break;
        case 1: /* range {low, high, decimals} */
            if (lua_type(L, t) != LUA_TTABLE) {
                compile_error(c, pk, "range must be a table {low = ..., high = ...}");
                rc = -1;
                break;
            } else {
                static const char *const f[] = {"low", "high", "decimals", "unit", NULL};
                compile_check_fields(c, t, pk, "range", f);
                double lo = 0, hi = 0, dec = -1;
                if (compile_getf(c, t, "low") == LUA_TNIL ||
                    compile_want_number(c, -1, pk, "range.low", &lo))
                    rc = -1, compile_error(c, pk, "range needs a numeric low");
                lua_pop(L, 1);
                if (compile_getf(c, t, "high") == LUA_TNIL ||
                    compile_want_number(c, -1, pk, "range.high", &hi))
                    rc = -1, compile_error(c, pk, "range needs a numeric high");
                lua_pop(L, 1);
                if (compile_getf(c, t, "decimals") != LUA_TNIL)
                    compile_want_number(c, -1, pk, "range.decimals", &dec);
                lua_pop(L, 1);
                if (rc == 0 && hi < lo)
                    compile_error(c, pk, "range: high (%g) is below low (%g)", hi, lo), rc = -1;
                vs->src = SIM_VS_DIST;
                memset(&vs->dist, 0, sizeof vs->dist);
                vs->dist.kind = SIM_D_UNIFORM;
                vs->dist.a = lo;
                vs->dist.b = hi;
                vs->dist.decimals = (int8_t)(dec < 0 ? -1 : dec > 10 ? 10 : dec);
                vs->dist.unit = SIM_UNIT_COUNT;
                vs->dist.lua_ref = LUA_NOREF;
            }
            break;
        case 2: /* distribution */
            if (compile_distribution(c, t, pk, -1, 0, &vs->dist) != 0) rc = -1;
            vs->src = vs->dist.kind == SIM_D_LUA ? SIM_VS_LUA : SIM_VS_DIST;
            if (vs->src == SIM_VS_LUA) vs->lua_ref = vs->dist.lua_ref;
            break;
        case 3: /* value */
            if (lua_type(L, t) == LUA_TFUNCTION) {
                vs->src = SIM_VS_LUA;
                vs->lua_ref = compile_keep_ref(c, t);
            } else {
                if (compile_value(c, t, pk, &vs->value) != 0) rc = -1;
                vs->src = SIM_VS_CONST;
            }
            break;
        case 4: { /* value_code */
            const sim_code *code = compile_code_ptr(c, t, pk);
            if (!code) rc = -1;
            vs->src = SIM_VS_CONST;
            vs->value.kind = SIM_V_CODE;
            vs->value.u.code = code;
            break;
        }
        case 5: /* attribute */
            vs->src = SIM_VS_ATTR;
            vs->id = compile_want_attr(c, t, pk, "attribute", 0);
            if (vs->id < 0) rc = -1;
            break;
        case 6: /* vital_sign */
            if (lua_type(L, t) != LUA_TSTRING) {
                compile_error(c, pk, "vital_sign must be a vital sign name");
                rc = -1;
            } else {
                vs->src = SIM_VS_VITAL;
                vs->id = sim_modset_intern(c->ms, SIM_NS_VITAL, lua_tostring(L, t), 1);
            }
            break;
        case 7:
            compile_error(c, pk,
                          "`expression` is not supported: compute the value with a Lua function, "
                          "e.g. value = function(p) return p:attr(\"x\") * 2 end");
            rc = -1;
            break;
        }
        lua_pop(L, 1);
        free(p);
    }
    if (found > 1) {
        compile_error(c, spath,
                      "give only one way to obtain the value (exact, range, distribution, value, "
                      "value_code%s%s)",
                      allow_attr ? ", attribute" : "", allow_vital ? ", vital_sign" : "");
        return -1;
    }
    if (!found && required) {
        compile_error(c, spath,
                      "needs a value: exact, range, distribution, value or value_code%s%s",
                      allow_attr ? ", attribute" : "", allow_vital ? " or vital_sign" : "");
        return -1;
    }
    return rc;
}

/* ---- conditions ---- */

int compile_cond(cctx *c, int idx, const char *kpath, sim_cond *out);

static int compile_cond_list(cctx *c, int idx, const char *kpath, sim_cond *out)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TTABLE || lua_rawlen(L, idx) == 0) {
        compile_error(c, kpath, "`conditions` must be a non-empty list of conditions");
        return -1;
    }
    int n = (int)lua_rawlen(L, idx);
    out->kids = compile_alloc(c, (size_t)n, sizeof *out->kids);
    if (!out->kids) return -1;
    out->nkids = n;
    int rc = 0;
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        char *p = compile_path_i(c, kpath, i);
        if (compile_cond(c, -1, p ? p : kpath, &out->kids[i - 1]) != 0) rc = -1;
        free(p);
        lua_pop(L, 1);
    }
    return rc;
}

static int compile_op(cctx *c, int t, const char *kpath, sim_cond *out, int allow_nil_ops)
{
    lua_State *L = c->L;
    if (compile_getf(c, t, "operator") != LUA_TSTRING) {
        compile_error(c, kpath, "this condition needs an operator (<, <=, ==, >=, >, !=%s)",
                      allow_nil_ops ? ", is nil, is not nil" : "");
        lua_pop(L, 1);
        return -1;
    }
    int op = op_parse(lua_tostring(L, -1));
    if (op < 0 || (!allow_nil_ops && op >= SIM_OP_IS_NIL)) {
        compile_error(c, kpath, "unknown operator '%s' (use <, <=, ==, >=, >, !=%s)",
                      lua_tostring(L, -1), allow_nil_ops ? ", is nil, is not nil" : "");
        lua_pop(L, 1);
        return -1;
    }
    lua_pop(L, 1);
    out->op = (uint8_t)op;
    return 0;
}

int compile_cond(cctx *c, int idx, const char *kpath, sim_cond *out)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    memset(out, 0, sizeof *out);
    out->line = compile_line(c, kpath);
    out->lua_ref = LUA_NOREF;
    out->id = -1;
    out->since = -1;
    out->ref_attr = -1;
    if (lua_type(L, idx) == LUA_TFUNCTION) {
        out->type = SIM_C_LUA;
        out->lua_ref = compile_keep_ref(c, idx);
        return 0;
    }
    if (lua_type(L, idx) == LUA_TBOOLEAN) {
        out->type = lua_toboolean(L, idx) ? SIM_C_TRUE : SIM_C_FALSE;
        return 0;
    }
    if (lua_type(L, idx) != LUA_TTABLE) {
        compile_error(c, kpath,
                      "a condition must be a table {condition_type = ...} or a function, not a %s",
                      compile_typename(L, idx));
        return -1;
    }
    if (compile_getf(c, idx, "condition_type") != LUA_TSTRING) {
        compile_error(c, kpath,
                      "a condition needs condition_type (Age, Gender, Attribute, And, Or, Not, "
                      "...)");
        lua_pop(L, 1);
        return -1;
    }
    const char *ct = lua_tostring(L, -1);
    int type = -1;
    for (size_t i = 0; i < NCOND_NAMES; i++)
        if (strcmp(ct, cond_type_names[i]) == 0) type = (int)i;
    if (type < 0) {
        const char *dym = sim_did_you_mean(ct, cond_type_names, NCOND_NAMES);
        if (dym)
            compile_error(c, kpath, "unknown condition_type '%s' (did you mean '%s'?)", ct, dym);
        else
            compile_error(c, kpath, "unknown condition_type '%s'", ct);
        lua_pop(L, 1);
        return -1;
    }
    lua_pop(L, 1);
    out->type = (uint8_t)type;
    int rc = 0;
    char what[80];
    snprintf(what, sizeof what, "a %s condition", cond_type_names[type]);
    switch (type) {
    case SIM_C_TRUE:
    case SIM_C_FALSE: {
        static const char *const f[] = {"condition_type", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        break;
    }
    case SIM_C_AND:
    case SIM_C_OR: {
        static const char *const f[] = {"condition_type", "conditions", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        compile_getf(c, idx, "conditions");
        char *p = compile_path(c, kpath, "conditions");
        rc = compile_cond_list(c, -1, p ? p : kpath, out);
        free(p);
        lua_pop(L, 1);
        break;
    }
    case SIM_C_AT_LEAST:
    case SIM_C_AT_MOST: {
        const char *nk = type == SIM_C_AT_LEAST ? "minimum" : "maximum";
        const char *f[] = {"condition_type", "conditions", nk, NULL};
        compile_check_fields(c, idx, kpath, what, f);
        double n = 0;
        if (compile_getf(c, idx, nk) == LUA_TNIL ||
            compile_want_number(c, -1, kpath, nk, &n) != 0) {
            compile_error(c, kpath, "%s needs `%s`", what, nk);
            rc = -1;
        }
        lua_pop(L, 1);
        out->count = (int32_t)n;
        compile_getf(c, idx, "conditions");
        char *p = compile_path(c, kpath, "conditions");
        if (compile_cond_list(c, -1, p ? p : kpath, out) != 0) rc = -1;
        free(p);
        lua_pop(L, 1);
        break;
    }
    case SIM_C_NOT: {
        static const char *const f[] = {"condition_type", "condition", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        out->kids = compile_alloc(c, 1, sizeof *out->kids);
        out->nkids = 1;
        char *p = compile_path(c, kpath, "condition");
        if (compile_getf(c, idx, "condition") == LUA_TNIL) {
            compile_error(c, kpath, "a Not condition needs `condition`");
            rc = -1;
        } else if (!out->kids || compile_cond(c, -1, p ? p : kpath, out->kids) != 0) {
            rc = -1;
        }
        free(p);
        lua_pop(L, 1);
        break;
    }
    case SIM_C_GENDER: {
        static const char *const f[] = {"condition_type", "gender", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        const char *g = compile_getf(c, idx, "gender") == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!g || (strcmp(g, "M") != 0 && strcmp(g, "F") != 0)) {
            compile_error(c, kpath, "gender must be \"M\" or \"F\"");
            rc = -1;
        } else {
            out->sex = g[0];
        }
        lua_pop(L, 1);
        break;
    }
    case SIM_C_AGE: {
        static const char *const f[] = {"condition_type", "operator", "quantity", "unit", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        rc = compile_op(c, idx, kpath, out, 0);
        if (compile_getf(c, idx, "quantity") == LUA_TNIL ||
            compile_want_number(c, -1, kpath, "quantity", &out->quantity) != 0) {
            if (lua_isnil(L, -1)) compile_error(c, kpath, "an Age condition needs a quantity");
            rc = -1;
        }
        lua_pop(L, 1);
        if (compile_getf(c, idx, "unit") == LUA_TNIL) {
            compile_error(c, kpath, "an Age condition needs a unit (years, months, ...)");
            rc = -1;
        } else {
            int u = compile_want_unit(c, -1, kpath, "unit");
            if (u < 0)
                rc = -1;
            else
                out->unit = (uint8_t)u;
        }
        lua_pop(L, 1);
        break;
    }
    case SIM_C_DATE: {
        static const char *const f[] = {"condition_type", "operator", "year", "date", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        rc = compile_op(c, idx, kpath, out, 0);
        double y = 0;
        if (compile_getf(c, idx, "year") != LUA_TNIL) {
            if (compile_want_number(c, -1, kpath, "year", &y) != 0) rc = -1;
            out->date_part = 1;
            out->quantity = y;
            out->date = sim_time_from_ymd((int64_t)y, 1, 1);
        } else {
            lua_pop(L, 1);
            if (compile_getf(c, idx, "date") != LUA_TTABLE) {
                compile_error(c, kpath,
                              "a Date condition needs `year` or `date` {year, month, day}");
                rc = -1;
            } else {
                static const char *const df[] = {"year",   "month",  "day",         "hour",
                                                 "minute", "second", "millisecond", NULL};
                compile_check_fields(c, -1, kpath, "date", df);
                double parts[7] = {0, 1, 1, 0, 0, 0, 0};
                int t = lua_gettop(L);
                for (int i = 0; df[i]; i++) {
                    if (compile_getf(c, t, df[i]) != LUA_TNIL)
                        compile_want_number(c, -1, kpath, df[i], &parts[i]);
                    lua_pop(L, 1);
                }
                if (parts[1] < 1 || parts[1] > 12 || parts[2] < 1 ||
                    parts[2] > sim_days_in_month((int64_t)parts[0], (unsigned)parts[1])) {
                    compile_error(c, kpath, "date: %g-%g-%g is not a calendar date", parts[0],
                                  parts[1], parts[2]);
                    rc = -1;
                } else {
                    out->date = sim_time_from_civil((int64_t)parts[0], (unsigned)parts[1],
                                                    (unsigned)parts[2], (unsigned)parts[3],
                                                    (unsigned)parts[4], (unsigned)parts[5]) +
                                (int64_t)parts[6];
                }
            }
        }
        lua_pop(L, 1);
        break;
    }
    case SIM_C_SES: {
        static const char *const f[] = {"condition_type", "category", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        const char *cat =
            compile_getf(c, idx, "category") == LUA_TSTRING ? lua_tostring(L, -1) : "";
        if (strcmp(cat, "Low") && strcmp(cat, "Middle") && strcmp(cat, "High")) {
            compile_error(c, kpath, "category must be \"Low\", \"Middle\" or \"High\"");
            rc = -1;
        }
        out->text = compile_strdup(c, cat);
        lua_pop(L, 1);
        break;
    }
    case SIM_C_RACE: {
        static const char *const f[] = {"condition_type", "race", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        static const char *const races[] = {"White",    "Black", "Asian",    "Native",
                                            "Hawaiian", "Other", "Hispanic", NULL};
        const char *r = compile_getf(c, idx, "race") == LUA_TSTRING ? lua_tostring(L, -1) : "";
        int ok = 0;
        for (int i = 0; races[i]; i++)
            if (strcasecmp(r, races[i]) == 0) ok = 1;
        if (!ok) {
            compile_error(c, kpath,
                          "race must be one of White, Black, Asian, Native, Hawaiian, Other, "
                          "Hispanic");
            rc = -1;
        }
        out->text = compile_strdup(c, r);
        lua_pop(L, 1);
        break;
    }
    case SIM_C_SYMPTOM:
    case SIM_C_VITAL_SIGN: {
        const char *nk = type == SIM_C_SYMPTOM ? "symptom" : "vital_sign";
        const char *f[] = {"condition_type", nk, "operator", "value", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        rc = compile_op(c, idx, kpath, out, 0);
        if (compile_getf(c, idx, nk) != LUA_TSTRING) {
            compile_error(c, kpath, "%s needs `%s` (a name)", what, nk);
            rc = -1;
        } else {
            out->id =
                sim_modset_intern(c->ms, type == SIM_C_SYMPTOM ? SIM_NS_SYMPTOM : SIM_NS_VITAL,
                                  lua_tostring(L, -1), 1);
        }
        lua_pop(L, 1);
        if (compile_getf(c, idx, "value") == LUA_TNIL ||
            compile_want_number(c, -1, kpath, "value", &out->quantity) != 0) {
            if (lua_isnil(L, -1)) compile_error(c, kpath, "%s needs a numeric value", what);
            rc = -1;
        }
        lua_pop(L, 1);
        break;
    }
    case SIM_C_OBSERVATION: {
        static const char *const f[] = {
            "condition_type", "codes", "referenced_by_attribute", "operator", "value",
            "value_code",     NULL};
        compile_check_fields(c, idx, kpath, what, f);
        rc = compile_op(c, idx, kpath, out, 1);
        char *p = compile_path(c, kpath, "codes");
        if (compile_getf(c, idx, "codes") != LUA_TNIL)
            out->codes = compile_codes(c, -1, p ? p : kpath, "codes");
        lua_pop(L, 1);
        free(p);
        if (compile_getf(c, idx, "referenced_by_attribute") != LUA_TNIL)
            out->ref_attr = compile_want_attr(c, -1, kpath, "referenced_by_attribute", 0);
        lua_pop(L, 1);
        if (!out->codes.n && out->ref_attr < 0) {
            compile_error(c, kpath,
                          "an Observation condition needs codes or referenced_by_attribute");
            rc = -1;
        }
        if (compile_getf(c, idx, "value") != LUA_TNIL) {
            if (compile_value(c, -1, kpath, &out->value) != 0) rc = -1;
        }
        lua_pop(L, 1);
        if (compile_getf(c, idx, "value_code") != LUA_TNIL) {
            const sim_code *vc = compile_code_ptr(c, -1, kpath);
            if (vc) {
                out->value.kind = SIM_V_CODE;
                out->value.u.code = vc;
            } else {
                rc = -1;
            }
        }
        lua_pop(L, 1);
        if (out->op < SIM_OP_IS_NIL && out->value.kind == SIM_V_NIL) {
            compile_error(c, kpath, "an Observation condition with operator '%s' needs a value",
                          op_names[out->op]);
            rc = -1;
        }
        break;
    }
    case SIM_C_ACTIVE_CONDITION:
    case SIM_C_ACTIVE_MEDICATION:
    case SIM_C_ACTIVE_CAREPLAN:
    case SIM_C_ACTIVE_ALLERGY: {
        static const char *const f[] = {"condition_type", "codes", "referenced_by_attribute", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        char *p = compile_path(c, kpath, "codes");
        if (compile_getf(c, idx, "codes") != LUA_TNIL)
            out->codes = compile_codes(c, -1, p ? p : kpath, "codes");
        lua_pop(L, 1);
        free(p);
        if (compile_getf(c, idx, "referenced_by_attribute") != LUA_TNIL)
            out->ref_attr = compile_want_attr(c, -1, kpath, "referenced_by_attribute", 0);
        lua_pop(L, 1);
        if (!out->codes.n && out->ref_attr < 0) {
            compile_error(c, kpath, "%s needs codes or referenced_by_attribute", what);
            rc = -1;
        }
        break;
    }
    case SIM_C_ATTRIBUTE: {
        static const char *const f[] = {"condition_type", "attribute", "operator", "value", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        if (compile_op(c, idx, kpath, out, 1) != 0) rc = -1;
        compile_getf(c, idx, "attribute");
        out->id = compile_want_attr(c, -1, kpath, "attribute", 0);
        if (out->id < 0) rc = -1;
        lua_pop(L, 1);
        if (compile_getf(c, idx, "value") != LUA_TNIL) {
            if (compile_value(c, -1, kpath, &out->value) != 0) rc = -1;
        } else if (rc == 0 && out->op < SIM_OP_IS_NIL) {
            compile_error(c, kpath, "an Attribute condition with operator '%s' needs a value",
                          op_names[out->op]);
            rc = -1;
        }
        lua_pop(L, 1);
        break;
    }
    case SIM_C_PRIOR_STATE: {
        static const char *const f[] = {"condition_type", "name", "since", "within", NULL};
        compile_check_fields(c, idx, kpath, what, f);
        compile_getf(c, idx, "name");
        out->id = compile_want_state(c, -1, kpath, "PriorState name");
        if (out->id < 0) rc = -1;
        lua_pop(L, 1);
        if (compile_getf(c, idx, "since") != LUA_TNIL) {
            out->since = compile_want_state(c, -1, kpath, "PriorState since");
            if (out->since < 0) rc = -1;
        }
        lua_pop(L, 1);
        if (compile_getf(c, idx, "within") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TTABLE) {
                compile_error(c, kpath, "within must be a duration {quantity = ..., unit = ...}");
                rc = -1;
            } else {
                int t = lua_gettop(L);
                double q = 0;
                int u = -1;
                if (compile_getf(c, t, "quantity") != LUA_TNIL)
                    compile_want_number(c, -1, kpath, "within.quantity", &q);
                lua_pop(L, 1);
                if (compile_getf(c, t, "unit") != LUA_TNIL)
                    u = compile_want_unit(c, -1, kpath, "within.unit");
                lua_pop(L, 1);
                if (u < 0) {
                    compile_error(c, kpath, "within needs a unit");
                    rc = -1;
                } else {
                    out->within = (sim_time)(q * sim_unit_ms((sim_unit)u));
                }
            }
        }
        lua_pop(L, 1);
        break;
    }
    default: break;
    }
    return rc;
}

/* What a condition reads, for waking Guards. */
uint32_t compile_cond_deps(const sim_cond *cd, compile_i32vec *attrs)
{
    uint32_t d = 0;
    switch (cd->type) {
    case SIM_C_AND:
    case SIM_C_OR:
    case SIM_C_NOT:
    case SIM_C_AT_LEAST:
    case SIM_C_AT_MOST:
        for (int32_t i = 0; i < cd->nkids; i++) d |= compile_cond_deps(&cd->kids[i], attrs);
        break;
    case SIM_C_AGE:
    case SIM_C_DATE: d |= SIM_DEP_TIME; break;
    case SIM_C_SYMPTOM: d |= SIM_DEP_SYMPTOM; break;
    case SIM_C_OBSERVATION: d |= SIM_DEP_OBSERVATION; break;
    case SIM_C_VITAL_SIGN: d |= SIM_DEP_VITAL; break;
    case SIM_C_ACTIVE_CONDITION: d |= SIM_DEP_CONDITION; break;
    case SIM_C_ACTIVE_MEDICATION: d |= SIM_DEP_MEDICATION; break;
    case SIM_C_ACTIVE_CAREPLAN: d |= SIM_DEP_CAREPLAN; break;
    case SIM_C_ACTIVE_ALLERGY: d |= SIM_DEP_ALLERGY; break;
    case SIM_C_ATTRIBUTE: {
        d |= SIM_DEP_ATTR;
        int32_t *slot = sim_vec_add(attrs);
        if (slot) *slot = cd->id;
        break;
    }
    case SIM_C_PRIOR_STATE: d |= SIM_DEP_STATE | (cd->within ? SIM_DEP_TIME : 0); break;
    case SIM_C_LUA: d |= SIM_DEP_ANY; break;
    default: break;
    }
    if ((cd->type >= SIM_C_OBSERVATION && cd->type <= SIM_C_ACTIVE_ALLERGY) && cd->ref_attr >= 0) {
        d |= SIM_DEP_ATTR;
        int32_t *slot = sim_vec_add(attrs);
        if (slot) *slot = cd->ref_attr;
    }
    return d;
}

/* ---- transitions ---- */

static int compile_dopts(cctx *c, int idx, const char *kpath, sim_dopt **out, int32_t *n,
                         int check_sum)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE || lua_rawlen(L, idx) == 0) {
        compile_error(c, kpath,
                      "a distributed transition must be a non-empty list of {distribution = p, "
                      "transition = \"State\"}");
        return -1;
    }
    int32_t cnt = (int32_t)lua_rawlen(L, idx);
    sim_dopt *v = compile_alloc(c, (size_t)cnt, sizeof *v);
    if (!v) return -1;
    int rc = 0;
    double sum = 0;
    int all_fixed = 1;
    for (int32_t i = 1; i <= cnt; i++) {
        lua_rawgeti(L, idx, i);
        char *p = compile_path_i(c, kpath, i);
        const char *pk = p ? p : kpath;
        sim_dopt *o = &v[i - 1];
        o->attr = -1;
        o->lua_ref = LUA_NOREF;
        o->target = -1;
        int t = lua_gettop(L);
        if (lua_type(L, t) != LUA_TTABLE) {
            compile_error(c, pk, "each branch must be {distribution = p, transition = \"State\"}");
            rc = -1;
        } else {
            static const char *const f[] = {"distribution", "transition", NULL};
            compile_check_fields(c, t, pk, "a distributed transition branch", f);
            compile_getf(c, t, "transition");
            o->target = compile_want_state(c, -1, pk, "transition");
            if (o->target < 0) rc = -1;
            lua_pop(L, 1);
            int dt = compile_getf(c, t, "distribution");
            if (dt == LUA_TNUMBER) {
                o->p = lua_tonumber(L, -1);
                if (o->p < 0 || o->p > 1 || !isfinite(o->p)) {
                    compile_error(c, pk, "probability %g is outside [0, 1]", o->p);
                    rc = -1;
                }
                sum += o->p;
            } else if (dt == LUA_TTABLE) {
                /* GMF: {attribute = "name", default = p} */
                static const char *const f2[] = {"attribute", "default", NULL};
                compile_check_fields(c, -1, pk, "a probability from an attribute", f2);
                int at = lua_gettop(L);
                compile_getf(c, at, "attribute");
                o->attr = compile_want_attr(c, -1, pk, "distribution.attribute", 0);
                lua_pop(L, 1);
                if (compile_getf(c, at, "default") != LUA_TNIL)
                    compile_want_number(c, -1, pk, "default", &o->p);
                lua_pop(L, 1);
                all_fixed = 0;
            } else if (dt == LUA_TFUNCTION) {
                o->lua_ref = compile_keep_ref(c, -1);
                all_fixed = 0;
            } else {
                compile_error(
                    c, pk,
                    "distribution must be a probability, {attribute = ..., default = ...} "
                    "or a function, not a %s",
                    lua_typename(L, dt));
                rc = -1;
            }
            lua_pop(L, 1);
        }
        free(p);
        lua_pop(L, 1);
    }
    if (rc == 0 && all_fixed && check_sum) {
        if (sum > 1 + 1e-9)
            compile_error(c, kpath,
                          "distributed_transition probabilities sum to %.6g (must be <= 1)", sum);
        else if (sum < 1 - 1e-9)
            compile_warn(c, kpath,
                         "distributed_transition probabilities sum to %.6g: the remaining %.6g "
                         "goes to the last branch, as in Synthea",
                         sum, 1 - sum);
        if (sum > 1 + 1e-9) rc = -1;
    }
    *out = v;
    *n = cnt;
    return rc;
}

static int compile_lookup(cctx *c, int idx, const char *kpath, sim_transition *tr);

/* does the state have an unknown key that looks like a transition kind? */
static int misspelt_transition(cctx *c, int sidx)
{
    static const char *const kinds[] = {"direct_transition", "distributed_transition",
                                        "conditional_transition", "complex_transition",
                                        "lookup_table_transition"};
    lua_State *L = c->L;
    int found = 0;
    lua_pushnil(L);
    while (lua_next(L, sidx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING && sim_did_you_mean(lua_tostring(L, -1), kinds, 5))
            found = 1;
    }
    return found;
}

int compile_transition(cctx *c, int sidx, const char *spath, sim_state *st)
{
    lua_State *L = c->L;
    static const char *const kinds[] = {"direct_transition",       "distributed_transition",
                                        "conditional_transition",  "complex_transition",
                                        "lookup_table_transition", NULL};
    int found = 0, rc = 0;
    for (int k = 0; kinds[k]; k++) {
        if (compile_getf(c, sidx, kinds[k]) == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        found++;
        int t = lua_gettop(L);
        char *p = compile_path(c, spath, kinds[k]);
        const char *pk = p ? p : spath;
        sim_transition *tr = &st->tr;
        switch (k) {
        case 0:
            tr->kind = SIM_T_DIRECT;
            tr->target = compile_want_state(c, t, pk, "direct_transition");
            if (tr->target < 0) rc = -1;
            break;
        case 1: {
            sim_dopt *d = NULL;
            tr->kind = SIM_T_DISTRIBUTED;
            if (compile_dopts(c, t, pk, &d, &tr->nd, 1) != 0) rc = -1;
            tr->d = d;
            break;
        }
        case 2:
        case 3: {
            tr->kind = k == 2 ? SIM_T_CONDITIONAL : SIM_T_COMPLEX;
            if (lua_type(L, t) != LUA_TTABLE || lua_rawlen(L, t) == 0) {
                compile_error(c, pk, "%s must be a non-empty list of branches", kinds[k]);
                rc = -1;
                break;
            }
            int32_t n = (int32_t)lua_rawlen(L, t);
            sim_copt *v = compile_alloc(c, (size_t)n, sizeof *v);
            if (!v) {
                rc = -1;
                break;
            }
            for (int32_t i = 1; i <= n; i++) {
                lua_rawgeti(L, t, i);
                char *pi = compile_path_i(c, pk, i);
                const char *pik = pi ? pi : pk;
                int b = lua_gettop(L);
                v[i - 1].target = -1;
                if (lua_type(L, b) != LUA_TTABLE) {
                    compile_error(
                        c, pik, "each branch must be a table {condition = ..., transition = ...}");
                    rc = -1;
                } else {
                    static const char *const fc[] = {"condition", "transition", NULL};
                    static const char *const fx[] = {"condition", "transition", "distributions",
                                                     NULL};
                    compile_check_fields(c, b, pik,
                                         k == 2 ? "a conditional branch" : "a complex branch",
                                         k == 2 ? fc : fx);
                    if (compile_getf(c, b, "condition") != LUA_TNIL) {
                        sim_cond *cd = compile_alloc(c, 1, sizeof *cd);
                        char *pc = compile_path(c, pik, "condition");
                        if (!cd || compile_cond(c, -1, pc ? pc : pik, cd) != 0) rc = -1;
                        free(pc);
                        v[i - 1].cond = cd;
                    } else if (i < n) {
                        compile_warn(c, pik,
                                     "a branch without a condition always matches: the branches "
                                     "after it are never taken");
                    }
                    lua_pop(L, 1);
                    int has_t = compile_getf(c, b, "transition") != LUA_TNIL;
                    if (has_t) {
                        v[i - 1].target = compile_want_state(c, -1, pik, "transition");
                        if (v[i - 1].target < 0) rc = -1;
                    }
                    lua_pop(L, 1);
                    int has_d = k == 3 && compile_getf(c, b, "distributions") != LUA_TNIL;
                    if (has_d) {
                        sim_dopt *d = NULL;
                        char *pd = compile_path(c, pik, "distributions");
                        if (compile_dopts(c, -1, pd ? pd : pik, &d, &v[i - 1].ndist, 1) != 0)
                            rc = -1;
                        free(pd);
                        v[i - 1].dist = d;
                    }
                    if (k == 3) lua_pop(L, 1);
                    if (has_t == has_d) {
                        compile_error(c, pik,
                                      k == 2 ? "a conditional branch needs `transition`"
                                             : "a complex branch needs either `transition` or "
                                               "`distributions`");
                        rc = -1;
                    }
                }
                free(pi);
                lua_pop(L, 1);
            }
            tr->c = v;
            tr->nc = n;
            if (rc == 0 && v[n - 1].cond != NULL)
                compile_warn(c, pk,
                             "no branch matches when every condition is false: the module stops in "
                             "this state then (add a last branch without a condition)");
            break;
        }
        case 4:
            tr->kind = SIM_T_LOOKUP;
            if (compile_lookup(c, t, pk, tr) != 0) rc = -1;
            break;
        }
        free(p);
        lua_pop(L, 1);
    }
    if (found > 1) {
        compile_error(c, spath, "has %d kinds of transition: give exactly one", found);
        return -1;
    }
    if (st->type == SIM_ST_TERMINAL) {
        if (found) {
            compile_error(c, spath, "a Terminal state has no transition");
            return -1;
        }
        return 0;
    }
    if (!found && misspelt_transition(c, sidx)) return -1; /* reported as an unknown field */
    if (!found) {
        compile_error(c, spath,
                      "a %s state needs a transition (direct_transition, distributed_transition, "
                      "conditional_transition, complex_transition or lookup_table_transition)",
                      sim_state_type_name((sim_state_type)st->type));
        return -1;
    }
    return rc;
}

/* lookup_table_transition: [{transition, default_probability, lookup_table_name}, ...]. The
 * CSV (modules/data/ or modules/lookup_tables/) has key columns (age as "lo-hi", gender, race,
 * ethnicity, ses, or any attribute) followed by one probability column per target state. */
static int compile_lookup(cctx *c, int idx, const char *kpath, sim_transition *tr)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TTABLE || lua_rawlen(L, idx) == 0) {
        compile_error(c, kpath,
                      "lookup_table_transition must be a non-empty list of {transition, "
                      "default_probability, lookup_table_name}");
        return -1;
    }
    int32_t n = (int32_t)lua_rawlen(L, idx);
    sim_dopt *d = compile_alloc(c, (size_t)n, sizeof *d);
    if (!d) return -1;
    const char *table_name = NULL;
    int rc = 0;
    double sum = 0;
    for (int32_t i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int t = lua_gettop(L);
        char *p = compile_path_i(c, kpath, i);
        const char *pk = p ? p : kpath;
        d[i - 1].attr = -1;
        d[i - 1].lua_ref = LUA_NOREF;
        d[i - 1].target = -1;
        if (lua_type(L, t) != LUA_TTABLE) {
            compile_error(
                c, pk, "each entry must be {transition, default_probability, lookup_table_name}");
            rc = -1;
        } else {
            static const char *const f[] = {"transition", "default_probability",
                                            "lookup_table_name", NULL};
            compile_check_fields(c, t, pk, "a lookup table entry", f);
            compile_getf(c, t, "transition");
            d[i - 1].target = compile_want_state(c, -1, pk, "transition");
            if (d[i - 1].target < 0) rc = -1;
            lua_pop(L, 1);
            if (compile_getf(c, t, "default_probability") == LUA_TNIL ||
                compile_want_number(c, -1, pk, "default_probability", &d[i - 1].p) != 0) {
                if (lua_isnil(L, -1)) compile_error(c, pk, "needs default_probability");
                rc = -1;
            }
            sum += d[i - 1].p;
            lua_pop(L, 1);
            const char *tn =
                compile_getf(c, t, "lookup_table_name") == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            if (!tn) {
                compile_error(c, pk, "needs lookup_table_name (a CSV file in modules/data/)");
                rc = -1;
            } else if (table_name && strcmp(table_name, tn) != 0) {
                compile_error(c, pk, "every entry must name the same lookup table ('%s' and '%s')",
                              table_name, tn);
                rc = -1;
            } else {
                table_name = compile_strdup(c, tn);
            }
            lua_pop(L, 1);
        }
        free(p);
        lua_pop(L, 1);
    }
    if (rc == 0 && sum > 1 + 1e-9) {
        compile_error(c, kpath, "default probabilities sum to %g (must be <= 1)", sum);
        rc = -1;
    }
    tr->d = d;
    tr->nd = n;
    if (rc != 0 || !table_name) return -1;
    if (strstr(table_name, "..") || table_name[0] == '/') {
        compile_error(c, kpath, "lookup_table_name '%s' must be a file name in modules/data/",
                      table_name);
        return -1;
    }
    char fs[2048], shown[1024];
    snprintf(shown, sizeof shown, "modules/data/%s", table_name);
    snprintf(fs, sizeof fs, "%s/%s", c->ms->root, shown);
    struct stat sb;
    if (stat(fs, &sb) != 0) {
        snprintf(shown, sizeof shown, "modules/lookup_tables/%s", table_name);
        snprintf(fs, sizeof fs, "%s/%s", c->ms->root, shown);
    }
    sim_table *tab = NULL;
    sim_error err;
    char *text = NULL;
    size_t len = 0;
    if (sim_read_file(fs, &text, &len, &err) != SIM_OK) {
        compile_error(c, kpath, "lookup table '%s' not found in modules/data/", table_name);
        return -1;
    }
    if (sim_table_parse(text, len, shown, &tab, &err) != SIM_OK) {
        free(text);
        sim_diags_add(c->d, SIM_SEV_ERROR, err.file, err.line, 0, "%s", err.msg);
        return -1;
    }
    free(text);
    /* probability columns: one per target */
    int32_t *pcol = calloc((size_t)n, sizeof *pcol);
    uint8_t *is_prob = calloc(tab->ncols ? tab->ncols : 1, 1);
    sim_lookup *lk = compile_alloc(c, 1, sizeof *lk);
    if (!pcol || !is_prob || !lk) {
        rc = -1;
        goto out;
    }
    for (int32_t i = 0; i < n; i++) {
        pcol[i] = d[i].target >= 0 ? sim_table_col(tab, c->names[d[i].target]) : -1;
        if (pcol[i] < 0) {
            compile_error(c, kpath,
                          "lookup table %s has no column '%s' (one probability column per "
                          "transition)",
                          shown, d[i].target >= 0 ? c->names[d[i].target] : "?");
            rc = -1;
        } else {
            is_prob[pcol[i]] = 1;
        }
    }
    if (rc != 0) goto out;
    lk->file = compile_strdup(c, shown);
    lk->nkeys = 0;
    sim_lookup_key *keys = compile_alloc(c, tab->ncols, sizeof *keys);
    int32_t *keycol = calloc(tab->ncols, sizeof *keycol);
    if (!keys || !keycol) {
        free(keycol);
        rc = -1;
        goto out;
    }
    for (size_t col = 0; col < tab->ncols; col++) {
        if (is_prob[col]) continue;
        const char *h = tab->header[col];
        sim_lookup_key *k = &keys[lk->nkeys];
        k->attr = -1;
        if (strcmp(h, "age") == 0)
            k->kind = SIM_LK_AGE;
        else if (strcmp(h, "gender") == 0 || strcmp(h, "sex") == 0)
            k->kind = SIM_LK_GENDER;
        else if (strcmp(h, "race") == 0)
            k->kind = SIM_LK_RACE;
        else if (strcmp(h, "ethnicity") == 0)
            k->kind = SIM_LK_ETHNICITY;
        else if (strcmp(h, "ses") == 0)
            k->kind = SIM_LK_SES;
        else {
            k->kind = SIM_LK_ATTR;
            k->attr = sim_modset_intern(c->ms, SIM_NS_ATTR, h, 1);
            compile_note_attr(c, k->attr, kpath, 0);
        }
        keycol[lk->nkeys++] = (int32_t)col;
    }
    lk->keys = keys;
    lk->nrows = (int32_t)tab->nrows;
    const char **cells = compile_alloc(c, tab->nrows * (size_t)lk->nkeys + 1, sizeof *cells);
    int32_t *lo = compile_alloc(c, tab->nrows + 1, sizeof *lo);
    int32_t *hi = compile_alloc(c, tab->nrows + 1, sizeof *hi);
    double *probs = compile_alloc(c, tab->nrows * (size_t)n + 1, sizeof *probs);
    if (!cells || !lo || !hi || !probs) {
        free(keycol);
        rc = -1;
        goto out;
    }
    for (size_t r = 0; r < tab->nrows; r++) {
        lo[r] = 0;
        hi[r] = -1;
        for (int32_t k = 0; k < lk->nkeys; k++) {
            cells[r * (size_t)lk->nkeys + (size_t)k] =
                compile_strdup(c, sim_table_cell(tab, r, (size_t)keycol[k]));
            if (keys[k].kind == SIM_LK_AGE) {
                int a, b;
                if (sim_table_age_range(tab, r, (size_t)keycol[k], &a, &b, &err) != SIM_OK) {
                    sim_diags_add(c->d, SIM_SEV_ERROR, err.file, err.line, 0, "%s", err.msg);
                    rc = -1;
                } else {
                    lo[r] = a;
                    hi[r] = b;
                }
            }
        }
        double rsum = 0;
        for (int32_t i = 0; i < n; i++) {
            double v = 0;
            if (sim_table_number(tab, r, (size_t)pcol[i], &v, &err) != SIM_OK) {
                sim_diags_add(c->d, SIM_SEV_ERROR, err.file, err.line, 0, "%s", err.msg);
                rc = -1;
            } else if (v < 0 || v > 1) {
                sim_diags_add(c->d, SIM_SEV_ERROR, shown, tab->lines[r], 0,
                              "probability %g in column '%s' is outside [0, 1]", v,
                              tab->header[pcol[i]]);
                rc = -1;
            }
            probs[r * (size_t)n + (size_t)i] = v;
            rsum += v;
        }
        if (rsum > 1 + 1e-9) {
            sim_diags_add(c->d, SIM_SEV_ERROR, shown, tab->lines[r], 0,
                          "the probabilities of this row sum to %g (must be <= 1)", rsum);
            rc = -1;
        }
    }
    free(keycol);
    lk->cells = cells;
    lk->age_lo = lo;
    lk->age_hi = hi;
    lk->probs = probs;
    tr->lookup = lk;
out:
    free(pcol);
    free(is_prob);
    sim_table_free(tab);
    return rc;
}
