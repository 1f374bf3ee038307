/* compile_states.c — compiles each GMF state type and checks a module as a whole: a reachable
 * Initial, transitions everywhere but Terminal, unreachable states, records that need an
 * encounter, and references to states of the right kind. See compile.c for the shared pieces.
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
#include "sim_ucum.h"
#include "modload_internal.h"

/* ---- states ---- */

static const char *const common_fields[] = {"type",
                                            "name",
                                            "direct_transition",
                                            "distributed_transition",
                                            "conditional_transition",
                                            "complex_transition",
                                            "lookup_table_transition"};

/* fields each state type accepts beyond the common ones */
static const char *const *type_fields(int type)
{
    static const char *const none[] = {NULL};
    static const char *const guard[] = {"allow", "poll", NULL};
    static const char *const delay[] = {"exact", "range", "distribution", "unit", NULL};
    static const char *const setattr[] = {"attribute",    "value", "value_code", "range",
                                          "distribution", "exact", "expression", NULL};
    static const char *const counter[] = {"attribute", "action", "amount", NULL};
    static const char *const callsub[] = {"submodule", NULL};
    static const char *const enc[] = {"wellness", "encounter_class",          "codes",
                                      "reason",   "telemedicine_possibility", NULL};
    static const char *const encend[] = {"discharge_disposition", NULL};
    static const char *const onset[] = {"codes", "target_encounter", "assign_to_attribute", NULL};
    static const char *const condend[] = {"condition_onset", "referenced_by_attribute", "codes",
                                          NULL};
    static const char *const allonset[] = {
        "codes", "target_encounter", "assign_to_attribute", "allergy_type", "category", "reactions",
        NULL};
    static const char *const allend[] = {"allergy_onset", "referenced_by_attribute", "codes", NULL};
    static const char *const medorder[] = {
        "codes",          "reason", "assign_to_attribute", "prescription", "chronic",
        "administration", NULL};
    static const char *const medend[] = {"medication_order", "referenced_by_attribute", "codes",
                                         NULL};
    static const char *const cpstart[] = {"codes",  "activities",          "goals",
                                          "reason", "assign_to_attribute", NULL};
    static const char *const cpend[] = {"careplan", "referenced_by_attribute", "codes", NULL};
    static const char *const proc[] = {
        "codes", "reason", "duration", "assign_to_attribute", "distribution", "unit",
        "exact", "range",  NULL};
    static const char *const imm[] = {"codes", "series", NULL};
    static const char *const obs[] = {"codes",     "category",     "unit",       "exact",
                                      "range",     "distribution", "value",      "value_code",
                                      "attribute", "vital_sign",   "expression", NULL};
    static const char *const multiobs[] = {"codes", "category", "observations", NULL};
    static const char *const report[] = {"codes", "observations", NULL};
    static const char *const vital[] = {"vital_sign",   "unit",  "exact",      "range",
                                        "distribution", "value", "expression", NULL};
    static const char *const symptom[] = {"symptom", "cause",        "probability", "exact",
                                          "range",   "distribution", "value",       NULL};
    static const char *const device[] = {"code", "manufacturer", "model", "assign_to_attribute",
                                         NULL};
    static const char *const devend[] = {"device", "referenced_by_attribute", "codes", NULL};
    static const char *const supply[] = {"supplies", NULL};
    static const char *const imaging[] = {"procedure_code", "series", NULL};
    static const char *const death[] = {"exact",
                                        "range",
                                        "distribution",
                                        "unit",
                                        "codes",
                                        "condition_onset",
                                        "referenced_by_attribute",
                                        NULL};
    switch (type) {
    case SIM_ST_GUARD: return guard;
    case SIM_ST_DELAY: return delay;
    case SIM_ST_SETATTRIBUTE: return setattr;
    case SIM_ST_COUNTER: return counter;
    case SIM_ST_CALLSUBMODULE: return callsub;
    case SIM_ST_ENCOUNTER: return enc;
    case SIM_ST_ENCOUNTEREND: return encend;
    case SIM_ST_CONDITIONONSET: return onset;
    case SIM_ST_CONDITIONEND: return condend;
    case SIM_ST_ALLERGYONSET: return allonset;
    case SIM_ST_ALLERGYEND: return allend;
    case SIM_ST_MEDICATIONORDER: return medorder;
    case SIM_ST_MEDICATIONEND: return medend;
    case SIM_ST_CAREPLANSTART: return cpstart;
    case SIM_ST_CAREPLANEND: return cpend;
    case SIM_ST_PROCEDURE: return proc;
    case SIM_ST_IMMUNIZATION: return imm;
    case SIM_ST_OBSERVATION: return obs;
    case SIM_ST_MULTIOBSERVATION: return multiobs;
    case SIM_ST_DIAGNOSTICREPORT: return report;
    case SIM_ST_VITALSIGN: return vital;
    case SIM_ST_SYMPTOM: return symptom;
    case SIM_ST_DEVICE: return device;
    case SIM_ST_DEVICEEND: return devend;
    case SIM_ST_SUPPLYLIST: return supply;
    case SIM_ST_IMAGINGSTUDY: return imaging;
    case SIM_ST_DEATH: return death;
    default: return none;
    }
}

size_t sim_state_field_names(int type, const char **out, size_t max)
{
    size_t n = 0;
    size_t nc = sizeof common_fields / sizeof common_fields[0];
    for (size_t i = 0; i < nc && n < max; i++) {
        if (type == SIM_ST_TERMINAL && i > 1) break;
        out[n++] = common_fields[i];
    }
    for (const char *const *f = type_fields(type); *f && n < max; f++) out[n++] = *f;
    return n;
}

static void check_state_fields(cctx *c, int sidx, const char *spath, int type)
{
    const char *allowed[48];
    size_t n = 0;
    size_t nc = sizeof common_fields / sizeof common_fields[0];
    for (size_t i = 0; i < nc; i++) {
        if (type == SIM_ST_TERMINAL && i > 1) break;
        allowed[n++] = common_fields[i];
    }
    for (const char *const *f = type_fields(type); *f && n < 47; f++) allowed[n++] = *f;
    allowed[n] = NULL;
    char what[64];
    snprintf(what, sizeof what, "a %s state", sim_state_type_name((sim_state_type)type));
    compile_check_fields(c, sidx, spath, what, allowed);
}

/* reference to another state by name (condition_onset, medication_order, careplan, ...) */
static void opt_state_ref(cctx *c, int sidx, const char *spath, const char *key, int32_t *out,
                          int want_type)
{
    lua_State *L = c->L;
    *out = -1;
    if (compile_getf(c, sidx, key) != LUA_TNIL) {
        char *p = compile_path(c, spath, key);
        *out = compile_want_state(c, -1, p ? p : spath, key);
        free(p);
    }
    lua_pop(L, 1);
    (void)want_type;
}

static void opt_attr(cctx *c, int sidx, const char *spath, const char *key, int32_t *out, int write)
{
    lua_State *L = c->L;
    *out = -1;
    if (compile_getf(c, sidx, key) != LUA_TNIL) {
        char *p = compile_path(c, spath, key);
        *out = compile_want_attr(c, -1, p ? p : spath, key, write);
        free(p);
    }
    lua_pop(L, 1);
}

static void opt_codes(cctx *c, int sidx, const char *spath, sim_codes *out, int required)
{
    lua_State *L = c->L;
    out->v = NULL;
    out->n = 0;
    char *p = compile_path(c, spath, "codes");
    if (compile_getf(c, sidx, "codes") != LUA_TNIL)
        *out = compile_codes(c, -1, p ? p : spath, "codes");
    else if (required)
        compile_error(c, spath, "needs `codes`: a list of {system, code, display}");
    lua_pop(L, 1);
    free(p);
}

static void opt_reason(cctx *c, int sidx, const char *spath, sim_state *st)
{
    lua_State *L = c->L;
    st->reason_state = -1;
    st->reason_attr = -1;
    if (compile_getf(c, sidx, "reason") != LUA_TNIL) {
        char *p = compile_path(c, spath, "reason");
        if (lua_type(L, -1) != LUA_TSTRING) {
            compile_error(c, p ? p : spath,
                          "reason must be the name of a state (ConditionOnset) or of an "
                          "attribute");
        } else {
            const char *r = lua_tostring(L, -1);
            st->reason_text = compile_strdup(c, r);
            int32_t i = compile_state_index(c, r);
            if (i >= 0)
                st->reason_state = i;
            else
                st->reason_attr = compile_want_attr(c, -1, p ? p : spath, "reason", 0);
        }
        free(p);
    }
    lua_pop(L, 1);
}

static int opt_bool(cctx *c, int sidx, const char *spath, const char *key, int def)
{
    lua_State *L = c->L;
    int v = def;
    int t = compile_getf(c, sidx, key);
    if (t == LUA_TBOOLEAN)
        v = lua_toboolean(L, -1);
    else if (t != LUA_TNIL) {
        char *p = compile_path(c, spath, key);
        compile_error(c, p ? p : spath, "%s must be true or false, not a %s", key,
                      lua_typename(L, t));
        free(p);
    }
    lua_pop(L, 1);
    return v;
}

static const char *opt_string(cctx *c, int sidx, const char *spath, const char *key)
{
    lua_State *L = c->L;
    const char *v = NULL;
    if (compile_getf(c, sidx, key) != LUA_TNIL) {
        char *p = compile_path(c, spath, key);
        v = compile_want_string(c, -1, p ? p : spath, key);
        free(p);
    }
    lua_pop(L, 1);
    return v;
}

/* an observation's unit: UCUM, checked */
static const char *opt_unit(cctx *c, int sidx, const char *spath)
{
    const char *u = opt_string(c, sidx, spath, "unit");
    if (u) {
        char hint[64];
        if (!sim_ucum_valid(u, hint, sizeof hint)) {
            char *p = compile_path(c, spath, "unit");
            if (hint[0])
                compile_error(c, p ? p : spath, "unknown unit '%s' (UCUM writes it '%s')", u, hint);
            else
                compile_error(c, p ? p : spath,
                              "unknown unit '%s': units are UCUM, e.g. mm[Hg], "
                              "kg/m2, 10*3/uL, /min, {score}",
                              u);
            free(p);
        }
    }
    return u;
}

static int compile_obs_specs(cctx *c, int sidx, const char *spath, sim_state *st, int need_units)
{
    lua_State *L = c->L;
    int rc = 0;
    char *p = compile_path(c, spath, "observations");
    const char *pk = p ? p : spath;
    if (compile_getf(c, sidx, "observations") == LUA_TNIL) {
        lua_pop(L, 1);
        if (compile_getf(c, sidx, "number_of_observations") != LUA_TNIL)
            compile_error(c, spath,
                          "number_of_observations (GMF v1) is not supported: list the "
                          "observations in `observations`");
        else
            compile_error(c, spath, "needs `observations`: a list of {codes, unit, value ...}");
        lua_pop(L, 1);
        free(p);
        return -1;
    }
    int t = lua_gettop(L);
    if (lua_type(L, t) != LUA_TTABLE || lua_rawlen(L, t) == 0) {
        compile_error(c, pk, "observations must be a non-empty list");
        lua_pop(L, 1);
        free(p);
        return -1;
    }
    int32_t n = (int32_t)lua_rawlen(L, t);
    sim_obs_spec *v = compile_alloc(c, (size_t)n, sizeof *v);
    if (!v) {
        lua_pop(L, 1);
        free(p);
        return -1;
    }
    for (int32_t i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        char *pi = compile_path_i(c, pk, i);
        const char *pik = pi ? pi : pk;
        int o = lua_gettop(L);
        v[i - 1].line = compile_line(c, pik);
        if (lua_type(L, o) != LUA_TTABLE) {
            compile_error(c, pik, "each observation must be a table {codes, unit, value...}");
            rc = -1;
        } else {
            static const char *const f[] = {"codes",     "category",     "unit",       "exact",
                                            "range",     "distribution", "value",      "value_code",
                                            "attribute", "vital_sign",   "expression", NULL};
            compile_check_fields(c, o, pik, "an observation", f);
            opt_codes(c, o, pik, &v[i - 1].codes, 1);
            v[i - 1].category = opt_string(c, o, pik, "category");
            v[i - 1].unit = opt_unit(c, o, pik);
            if (compile_valspec(c, o, pik, &v[i - 1].val, 1, 1, 1) != 0) rc = -1;
            (void)need_units;
        }
        free(pi);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    free(p);
    st->obs = v;
    st->nobs = n;
    return rc;
}

static sim_dosage *compile_prescription(cctx *c, int idx, const char *kpath)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE) {
        compile_error(c, kpath,
                      "prescription must be a table {dosage = ..., duration = ..., refills = ...}");
        return NULL;
    }
    static const char *const f[] = {"refills",  "as_needed",    "dosage",
                                    "duration", "instructions", NULL};
    compile_check_fields(c, idx, kpath, "a prescription", f);
    sim_dosage *d = compile_alloc(c, 1, sizeof *d);
    if (!d) return NULL;
    d->period_unit = SIM_UNIT_DAYS;
    d->duration_unit = SIM_UNIT_DAYS;
    double v;
    if (compile_getf(c, idx, "refills") != LUA_TNIL &&
        compile_want_number(c, -1, kpath, "refills", &v) == 0)
        d->refills = (int32_t)v;
    lua_pop(L, 1);
    d->as_needed = (uint8_t)opt_bool(c, idx, kpath, "as_needed", 0);
    if (compile_getf(c, idx, "dosage") == LUA_TTABLE) {
        int t = lua_gettop(L);
        static const char *const df[] = {"amount", "frequency", "period", "unit", NULL};
        compile_check_fields(c, t, kpath, "dosage", df);
        if (compile_getf(c, t, "amount") != LUA_TNIL)
            compile_want_number(c, -1, kpath, "dosage.amount", &d->amount);
        lua_pop(L, 1);
        if (compile_getf(c, t, "frequency") != LUA_TNIL &&
            compile_want_number(c, -1, kpath, "dosage.frequency", &v) == 0)
            d->frequency = (int32_t)v;
        lua_pop(L, 1);
        if (compile_getf(c, t, "period") != LUA_TNIL)
            compile_want_number(c, -1, kpath, "dosage.period", &d->period);
        lua_pop(L, 1);
        if (compile_getf(c, t, "unit") != LUA_TNIL) {
            int u = compile_want_unit(c, -1, kpath, "dosage.unit");
            if (u >= 0) d->period_unit = (uint8_t)u;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (compile_getf(c, idx, "duration") == LUA_TTABLE) {
        int t = lua_gettop(L);
        static const char *const df[] = {"quantity", "unit", NULL};
        compile_check_fields(c, t, kpath, "duration", df);
        if (compile_getf(c, t, "quantity") != LUA_TNIL)
            compile_want_number(c, -1, kpath, "duration.quantity", &d->duration);
        lua_pop(L, 1);
        if (compile_getf(c, t, "unit") != LUA_TNIL) {
            int u = compile_want_unit(c, -1, kpath, "duration.unit");
            if (u >= 0) d->duration_unit = (uint8_t)u;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (compile_getf(c, idx, "instructions") == LUA_TTABLE) {
        sim_codes ins = compile_codes(c, -1, kpath, "instructions");
        if (ins.n) d->instructions = ins.v[0].display;
    }
    lua_pop(L, 1);
    return d;
}

static void compile_careplan(cctx *c, int sidx, const char *spath, sim_state *st)
{
    lua_State *L = c->L;
    if (compile_getf(c, sidx, "activities") != LUA_TNIL) {
        char *p = compile_path(c, spath, "activities");
        st->activities = compile_codes(c, -1, p ? p : spath, "activities");
        free(p);
    }
    lua_pop(L, 1);
    if (compile_getf(c, sidx, "goals") != LUA_TNIL) {
        char *p = compile_path(c, spath, "goals");
        const char *pk = p ? p : spath;
        int t = lua_gettop(L);
        if (lua_type(L, t) != LUA_TTABLE) {
            compile_error(c, pk, "goals must be a list of {text = ..., addresses = {...}}");
        } else {
            uint32_t n = (uint32_t)lua_rawlen(L, t);
            sim_goal *g = compile_alloc(c, n, sizeof *g);
            for (uint32_t i = 1; g && i <= n; i++) {
                lua_rawgeti(L, t, (lua_Integer)i);
                char *pi = compile_path_i(c, pk, (int)i);
                const char *pik = pi ? pi : pk;
                int o = lua_gettop(L);
                if (lua_type(L, o) == LUA_TTABLE) {
                    static const char *const f[] = {"text", "codes", "addresses", "observation",
                                                    NULL};
                    compile_check_fields(c, o, pik, "a goal", f);
                    g[i - 1].text = opt_string(c, o, pik, "text");
                    if (compile_getf(c, o, "codes") != LUA_TNIL) {
                        sim_codes cs = compile_codes(c, -1, pik, "codes");
                        if (cs.n) g[i - 1].code = &cs.v[0];
                    }
                    lua_pop(L, 1);
                    if (compile_getf(c, o, "addresses") == LUA_TTABLE && lua_rawlen(L, -1) > 0) {
                        lua_rawgeti(L, -1, 1);
                        int32_t si = compile_want_state(c, -1, pik, "addresses");
                        (void)si;
                        lua_pop(L, 1);
                    }
                    lua_pop(L, 1);
                    if (!g[i - 1].text && !g[i - 1].code)
                        compile_error(c, pik, "a goal needs text or codes");
                } else {
                    compile_error(c, pik, "each goal must be a table");
                }
                free(pi);
                lua_pop(L, 1);
            }
            st->goals = g;
            st->ngoals = n;
        }
        free(p);
    }
    lua_pop(L, 1);
}

static void compile_reactions(cctx *c, int sidx, const char *spath, sim_state *st)
{
    lua_State *L = c->L;
    if (compile_getf(c, sidx, "reactions") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    char *p = compile_path(c, spath, "reactions");
    const char *pk = p ? p : spath;
    int t = lua_gettop(L);
    if (lua_type(L, t) != LUA_TTABLE) {
        compile_error(c, pk,
                      "reactions must be a list of {reaction = code, possible_severities = {...}}");
    } else {
        int32_t n = (int32_t)lua_rawlen(L, t);
        sim_reaction_spec *r = compile_alloc(c, (size_t)n, sizeof *r);
        for (int32_t i = 1; r && i <= n; i++) {
            lua_rawgeti(L, t, i);
            int o = lua_gettop(L);
            char *pi = compile_path_i(c, pk, i);
            const char *pik = pi ? pi : pk;
            if (lua_type(L, o) == LUA_TTABLE) {
                static const char *const f[] = {"reaction", "possible_severities", NULL};
                compile_check_fields(c, o, pik, "a reaction", f);
                compile_getf(c, o, "reaction");
                r[i - 1].manifestation = compile_code_ptr(c, -1, pik);
                lua_pop(L, 1);
                if (compile_getf(c, o, "possible_severities") == LUA_TTABLE) {
                    int s = lua_gettop(L);
                    int32_t ns = (int32_t)lua_rawlen(L, s);
                    const char **lv = compile_alloc(c, (size_t)ns, sizeof *lv);
                    double *pr = compile_alloc(c, (size_t)ns, sizeof *pr);
                    double sum = 0;
                    for (int32_t j = 1; lv && pr && j <= ns; j++) {
                        lua_rawgeti(L, s, j);
                        if (lua_type(L, -1) == LUA_TTABLE) {
                            int e = lua_gettop(L);
                            static const char *const sf[] = {"level", "value", NULL};
                            compile_check_fields(c, e, pik, "a severity", sf);
                            lv[j - 1] = opt_string(c, e, pik, "level");
                            if (compile_getf(c, e, "value") != LUA_TNIL)
                                compile_want_number(c, -1, pik, "value", &pr[j - 1]);
                            lua_pop(L, 1);
                            sum += pr[j - 1];
                            if (lv[j - 1] && strcmp(lv[j - 1], "mild") &&
                                strcmp(lv[j - 1], "moderate") && strcmp(lv[j - 1], "severe") &&
                                strcmp(lv[j - 1], "none"))
                                compile_error(c, pik,
                                              "severity level must be none, mild, moderate or "
                                              "severe");
                        }
                        lua_pop(L, 1);
                    }
                    if (sum > 1 + 1e-9)
                        compile_error(c, pik, "severity probabilities sum to %g (> 1)", sum);
                    r[i - 1].levels = lv;
                    r[i - 1].probs = pr;
                    r[i - 1].nlevels = ns;
                }
                lua_pop(L, 1);
            }
            free(pi);
            lua_pop(L, 1);
        }
        st->reactions = r;
        st->nreactions = n;
    }
    free(p);
    lua_pop(L, 1);
}

static void compile_imaging(cctx *c, int sidx, const char *spath, sim_state *st)
{
    lua_State *L = c->L;
    char *p = compile_path(c, spath, "procedure_code");
    if (compile_getf(c, sidx, "procedure_code") != LUA_TNIL)
        st->procedure_code = compile_code_ptr(c, -1, p ? p : spath);
    else
        compile_error(c, spath, "an ImagingStudy needs procedure_code");
    lua_pop(L, 1);
    free(p);
    p = compile_path(c, spath, "series");
    const char *pk = p ? p : spath;
    if (compile_getf(c, sidx, "series") != LUA_TTABLE || lua_rawlen(L, -1) == 0) {
        compile_error(c, pk,
                      "an ImagingStudy needs `series`: a list of {body_site, modality, instances}");
    } else {
        int t = lua_gettop(L);
        uint32_t n = (uint32_t)lua_rawlen(L, t);
        sim_imaging_series *s = compile_alloc(c, n, sizeof *s);
        for (uint32_t i = 1; s && i <= n; i++) {
            lua_rawgeti(L, t, (lua_Integer)i);
            int o = lua_gettop(L);
            char *pi = compile_path_i(c, pk, (int)i);
            const char *pik = pi ? pi : pk;
            if (lua_type(L, o) == LUA_TTABLE) {
                static const char *const f[] = {"body_site", "modality", "instances", NULL};
                compile_check_fields(c, o, pik, "a series", f);
                compile_getf(c, o, "body_site");
                s[i - 1].body_site = compile_code_ptr(c, -1, pik);
                lua_pop(L, 1);
                compile_getf(c, o, "modality");
                s[i - 1].modality = compile_code_ptr(c, -1, pik);
                lua_pop(L, 1);
                if (compile_getf(c, o, "instances") == LUA_TTABLE && lua_rawlen(L, -1) > 0) {
                    int it = lua_gettop(L);
                    uint32_t ni = (uint32_t)lua_rawlen(L, it);
                    sim_imaging_instance *ins = compile_alloc(c, ni, sizeof *ins);
                    for (uint32_t j = 1; ins && j <= ni; j++) {
                        lua_rawgeti(L, it, (lua_Integer)j);
                        if (lua_type(L, -1) == LUA_TTABLE) {
                            int e = lua_gettop(L);
                            static const char *const fi[] = {"title", "sop_class", NULL};
                            compile_check_fields(c, e, pik, "an instance", fi);
                            ins[j - 1].title = opt_string(c, e, pik, "title");
                            compile_getf(c, e, "sop_class");
                            ins[j - 1].sop_class = compile_code_ptr(c, -1, pik);
                            lua_pop(L, 1);
                        }
                        lua_pop(L, 1);
                    }
                    s[i - 1].instances = ins;
                    s[i - 1].ninstances = ni;
                } else {
                    compile_error(c, pik,
                                  "a series needs `instances`: a list of {title, sop_class}");
                }
                lua_pop(L, 1);
            }
            free(pi);
            lua_pop(L, 1);
        }
        st->series = s;
        st->nseries = n;
    }
    lua_pop(L, 1);
    free(p);
}

static void compile_supplies(cctx *c, int sidx, const char *spath, sim_state *st)
{
    lua_State *L = c->L;
    char *p = compile_path(c, spath, "supplies");
    const char *pk = p ? p : spath;
    if (compile_getf(c, sidx, "supplies") != LUA_TTABLE || lua_rawlen(L, -1) == 0) {
        compile_error(c, pk,
                      "a SupplyList needs `supplies`: a list of {quantity = n, code = {...}}");
    } else {
        int t = lua_gettop(L);
        int32_t n = (int32_t)lua_rawlen(L, t);
        const sim_code **codes = compile_alloc(c, (size_t)n, sizeof *codes);
        int32_t *qty = compile_alloc(c, (size_t)n, sizeof *qty);
        for (int32_t i = 1; codes && qty && i <= n; i++) {
            lua_rawgeti(L, t, i);
            int o = lua_gettop(L);
            char *pi = compile_path_i(c, pk, i);
            const char *pik = pi ? pi : pk;
            if (lua_type(L, o) == LUA_TTABLE) {
                static const char *const f[] = {"quantity", "code", NULL};
                compile_check_fields(c, o, pik, "a supply", f);
                double q = 1;
                if (compile_getf(c, o, "quantity") != LUA_TNIL)
                    compile_want_number(c, -1, pik, "quantity", &q);
                lua_pop(L, 1);
                if (q < 1) compile_error(c, pik, "quantity must be at least 1");
                qty[i - 1] = (int32_t)q;
                compile_getf(c, o, "code");
                codes[i - 1] = compile_code_ptr(c, -1, pik);
                lua_pop(L, 1);
            }
            free(pi);
            lua_pop(L, 1);
        }
        st->supplies = codes;
        st->supply_qty = qty;
        st->nsupplies = n;
    }
    lua_pop(L, 1);
    free(p);
}

static void compile_state(cctx *c, int sidx, const char *spath, sim_state *st)
{
    lua_State *L = c->L;
    int type = st->type;
    check_state_fields(c, sidx, spath, type);
    st->target_encounter = -1;
    st->assign_attr = -1;
    st->ref_attr = -1;
    st->ref_state = -1;
    st->reason_state = -1;
    st->reason_attr = -1;
    st->attr = -1;
    st->submodule = -1;
    st->vital = -1;
    st->symptom = -1;
    st->val.lua_ref = LUA_NOREF;
    switch (type) {
    case SIM_ST_GUARD: {
        if (compile_getf(c, sidx, "allow") == LUA_TNIL) {
            compile_error(c, spath, "a Guard needs `allow`: the condition it waits for");
        } else {
            sim_cond *cd = compile_alloc(c, 1, sizeof *cd);
            char *p = compile_path(c, spath, "allow");
            if (cd && compile_cond(c, -1, p ? p : spath, cd) == 0) {
                st->allow = cd;
                compile_i32vec attrs = {0};
                st->deps = compile_cond_deps(cd, &attrs);
                if (attrs.n) {
                    int32_t *a = compile_alloc(c, attrs.n, sizeof *a);
                    if (a) memcpy(a, attrs.v, attrs.n * sizeof *a);
                    st->dep_attrs = a;
                    st->ndep_attrs = (int32_t)attrs.n;
                }
                free(attrs.v);
            }
            free(p);
        }
        lua_pop(L, 1);
        if (compile_getf(c, sidx, "poll") != LUA_TNIL) {
            char *p = compile_path(c, spath, "poll");
            if (lua_type(L, -1) == LUA_TTABLE) {
                int t = lua_gettop(L);
                double q = 0;
                int u = -1;
                if (compile_getf(c, t, "quantity") != LUA_TNIL)
                    compile_want_number(c, -1, p, "poll.quantity", &q);
                lua_pop(L, 1);
                if (compile_getf(c, t, "unit") != LUA_TNIL)
                    u = compile_want_unit(c, -1, p, "poll.unit");
                lua_pop(L, 1);
                if (u >= 0 && q > 0)
                    st->poll = (sim_time)(q * sim_unit_ms((sim_unit)u));
                else
                    compile_error(c, p ? p : spath,
                                  "poll must be a positive duration such as days(30)");
            } else {
                compile_error(c, p ? p : spath, "poll must be a duration such as days(30)");
            }
            free(p);
        }
        lua_pop(L, 1);
        break;
    }
    case SIM_ST_DELAY:
        if (compile_duration(c, sidx, spath, &st->dist, 0) > 0) st->has_dist = 1;
        break;
    case SIM_ST_DEATH: {
        int r = compile_duration(c, sidx, spath, &st->dist, 1);
        if (r > 0) st->has_dist = 1;
        opt_codes(c, sidx, spath, &st->codes, 0);
        opt_state_ref(c, sidx, spath, "condition_onset", &st->ref_state, SIM_ST_CONDITIONONSET);
        opt_attr(c, sidx, spath, "referenced_by_attribute", &st->ref_attr, 0);
        break;
    }
    case SIM_ST_SETATTRIBUTE:
        compile_getf(c, sidx, "attribute");
        {
            char *p = compile_path(c, spath, "attribute");
            st->attr = compile_want_attr(c, -1, p ? p : spath, "attribute", 1);
            free(p);
        }
        lua_pop(L, 1);
        compile_valspec(c, sidx, spath, &st->val, 0, 0, 0);
        break;
    case SIM_ST_COUNTER: {
        compile_getf(c, sidx, "attribute");
        char *p = compile_path(c, spath, "attribute");
        st->attr = compile_want_attr(c, -1, p ? p : spath, "attribute", 1);
        free(p);
        lua_pop(L, 1);
        compile_note_attr(c, st->attr, spath, 0);
        const char *action = opt_string(c, sidx, spath, "action");
        if (!action || (strcmp(action, "increment") && strcmp(action, "decrement")))
            compile_error(c, spath, "a Counter needs action = \"increment\" or \"decrement\"");
        else
            st->decrement = strcmp(action, "decrement") == 0;
        st->amount = 1;
        if (compile_getf(c, sidx, "amount") != LUA_TNIL)
            compile_want_number(c, -1, spath, "amount", &st->amount);
        lua_pop(L, 1);
        break;
    }
    case SIM_ST_CALLSUBMODULE:
        st->submodule_name = opt_string(c, sidx, spath, "submodule");
        if (!st->submodule_name)
            compile_error(c, spath,
                          "a CallSubmodule needs `submodule` (e.g. \"medications/statin\")");
        break;
    case SIM_ST_ENCOUNTER: {
        st->wellness = (uint8_t)opt_bool(c, sidx, spath, "wellness", 0);
        const char *cls = opt_string(c, sidx, spath, "encounter_class");
        if (cls) {
            int ec = sim_enc_class_parse(cls);
            if (ec < 0)
                compile_error(c, spath,
                              "unknown encounter_class '%s' (use ambulatory, emergency, inpatient, "
                              "wellness, urgentcare, outpatient, home, hospice, snf or virtual)",
                              cls);
            else
                st->enc_class = (uint8_t)ec;
        } else if (!st->wellness) {
            compile_error(c, spath, "an Encounter needs encounter_class (or wellness = true)");
        } else {
            st->enc_class = SIM_EC_WELLNESS;
        }
        opt_codes(c, sidx, spath, &st->codes, !st->wellness);
        opt_reason(c, sidx, spath, st);
        break;
    }
    case SIM_ST_ENCOUNTEREND:
        if (compile_getf(c, sidx, "discharge_disposition") != LUA_TNIL) {
            char *p = compile_path(c, spath, "discharge_disposition");
            st->discharge = compile_code_ptr(c, -1, p ? p : spath);
            free(p);
        }
        lua_pop(L, 1);
        break;
    case SIM_ST_CONDITIONONSET:
    case SIM_ST_ALLERGYONSET:
        opt_codes(c, sidx, spath, &st->codes, 1);
        opt_state_ref(c, sidx, spath, "target_encounter", &st->target_encounter, SIM_ST_ENCOUNTER);
        opt_attr(c, sidx, spath, "assign_to_attribute", &st->assign_attr, 1);
        if (type == SIM_ST_ALLERGYONSET) {
            st->allergy_type = opt_string(c, sidx, spath, "allergy_type");
            st->allergy_category = opt_string(c, sidx, spath, "category");
            if (!st->allergy_type) st->allergy_type = "allergy";
            if (strcmp(st->allergy_type, "allergy") && strcmp(st->allergy_type, "intolerance"))
                compile_error(c, spath, "allergy_type must be \"allergy\" or \"intolerance\"");
            if (st->allergy_category && strcmp(st->allergy_category, "food") &&
                strcmp(st->allergy_category, "medication") &&
                strcmp(st->allergy_category, "environment") &&
                strcmp(st->allergy_category, "biologic"))
                compile_error(c, spath,
                              "category must be food, medication, environment or biologic");
            compile_reactions(c, sidx, spath, st);
        }
        break;
    case SIM_ST_CONDITIONEND:
    case SIM_ST_ALLERGYEND:
    case SIM_ST_MEDICATIONEND:
    case SIM_ST_CAREPLANEND:
    case SIM_ST_DEVICEEND: {
        const char *rk = type == SIM_ST_CONDITIONEND    ? "condition_onset"
                         : type == SIM_ST_ALLERGYEND    ? "allergy_onset"
                         : type == SIM_ST_MEDICATIONEND ? "medication_order"
                         : type == SIM_ST_CAREPLANEND   ? "careplan"
                                                        : "device";
        opt_state_ref(c, sidx, spath, rk, &st->ref_state, 0);
        opt_attr(c, sidx, spath, "referenced_by_attribute", &st->ref_attr, 0);
        opt_codes(c, sidx, spath, &st->codes, 0);
        if (st->ref_state < 0 && st->ref_attr < 0 && !st->codes.n) {
            lua_getfield(L, sidx, rk);
            int given = !lua_isnil(L, -1);
            lua_pop(L, 1);
            if (!given)
                compile_error(c, spath,
                              "needs %s, referenced_by_attribute or codes to know what to end", rk);
        }
        break;
    }
    case SIM_ST_MEDICATIONORDER:
        opt_codes(c, sidx, spath, &st->codes, 1);
        opt_reason(c, sidx, spath, st);
        opt_attr(c, sidx, spath, "assign_to_attribute", &st->assign_attr, 1);
        st->chronic = (uint8_t)opt_bool(c, sidx, spath, "chronic", 0);
        st->administration = (uint8_t)opt_bool(c, sidx, spath, "administration", 0);
        if (compile_getf(c, sidx, "prescription") != LUA_TNIL) {
            char *p = compile_path(c, spath, "prescription");
            st->dosage = compile_prescription(c, -1, p ? p : spath);
            free(p);
        }
        lua_pop(L, 1);
        break;
    case SIM_ST_CAREPLANSTART:
        opt_codes(c, sidx, spath, &st->codes, 1);
        opt_reason(c, sidx, spath, st);
        opt_attr(c, sidx, spath, "assign_to_attribute", &st->assign_attr, 1);
        compile_careplan(c, sidx, spath, st);
        break;
    case SIM_ST_PROCEDURE: {
        opt_codes(c, sidx, spath, &st->codes, 1);
        opt_reason(c, sidx, spath, st);
        opt_attr(c, sidx, spath, "assign_to_attribute", &st->assign_attr, 1);
        /* GMF: duration = {low, high, unit}; also exact/range/distribution */
        if (compile_getf(c, sidx, "duration") != LUA_TNIL) {
            char *p = compile_path(c, spath, "duration");
            const char *pk = p ? p : spath;
            int t = lua_gettop(L);
            if (lua_type(L, t) == LUA_TTABLE) {
                lua_getfield(L, t, "kind");
                int is_dist = !lua_isnil(L, -1);
                lua_pop(L, 1);
                if (is_dist) {
                    if (compile_distribution(c, t, pk, -1, 1, &st->dist) == 0) st->has_dist = 1;
                } else {
                    static const char *const f[] = {"low", "high", "unit", NULL};
                    compile_check_fields(c, t, pk, "duration", f);
                    double lo = 0, hi = 0;
                    int u = -1;
                    if (compile_getf(c, t, "low") != LUA_TNIL)
                        compile_want_number(c, -1, pk, "low", &lo);
                    lua_pop(L, 1);
                    if (compile_getf(c, t, "high") != LUA_TNIL)
                        compile_want_number(c, -1, pk, "high", &hi);
                    else
                        hi = lo;
                    lua_pop(L, 1);
                    if (compile_getf(c, t, "unit") != LUA_TNIL)
                        u = compile_want_unit(c, -1, pk, "duration.unit");
                    else
                        compile_error(c, pk, "duration needs a unit");
                    lua_pop(L, 1);
                    if (u >= 0) {
                        if (hi < lo) compile_error(c, pk, "duration: high is below low");
                        memset(&st->dist, 0, sizeof st->dist);
                        st->dist.kind = SIM_D_UNIFORM;
                        st->dist.a = lo;
                        st->dist.b = hi;
                        st->dist.decimals = -1;
                        st->dist.unit = (uint8_t)u;
                        st->dist.lua_ref = LUA_NOREF;
                        st->has_dist = 1;
                    }
                }
            } else {
                compile_error(c, pk, "duration must be {low = ..., high = ..., unit = ...}");
            }
            free(p);
        }
        lua_pop(L, 1);
        if (!st->has_dist && compile_duration(c, sidx, spath, &st->dist, 1) > 0) st->has_dist = 1;
        break;
    }
    case SIM_ST_IMMUNIZATION: opt_codes(c, sidx, spath, &st->codes, 1); break;
    case SIM_ST_OBSERVATION:
        opt_codes(c, sidx, spath, &st->codes, 1);
        st->category = opt_string(c, sidx, spath, "category");
        st->unit = opt_unit(c, sidx, spath);
        compile_valspec(c, sidx, spath, &st->val, 1, 1, 1);
        break;
    case SIM_ST_MULTIOBSERVATION:
        opt_codes(c, sidx, spath, &st->codes, 1);
        st->category = opt_string(c, sidx, spath, "category");
        compile_obs_specs(c, sidx, spath, st, 1);
        break;
    case SIM_ST_DIAGNOSTICREPORT:
        opt_codes(c, sidx, spath, &st->codes, 1);
        compile_obs_specs(c, sidx, spath, st, 1);
        break;
    case SIM_ST_VITALSIGN: {
        const char *v = opt_string(c, sidx, spath, "vital_sign");
        if (!v)
            compile_error(c, spath,
                          "a VitalSign needs vital_sign (e.g. \"Systolic Blood Pressure\")");
        else
            st->vital = sim_modset_intern(c->ms, SIM_NS_VITAL, v, 1);
        st->unit = opt_unit(c, sidx, spath);
        compile_valspec(c, sidx, spath, &st->val, 0, 0, 1);
        break;
    }
    case SIM_ST_SYMPTOM: {
        const char *s = opt_string(c, sidx, spath, "symptom");
        if (!s)
            compile_error(c, spath, "a Symptom needs `symptom` (its name)");
        else
            st->symptom = sim_modset_intern(c->ms, SIM_NS_SYMPTOM, s, 1);
        st->cause = opt_string(c, sidx, spath, "cause");
        st->probability = 1;
        if (compile_getf(c, sidx, "probability") != LUA_TNIL) {
            if (compile_want_number(c, -1, spath, "probability", &st->probability) == 0 &&
                (st->probability < 0 || st->probability > 1))
                compile_error(c, spath, "probability %g is outside [0, 1]", st->probability);
        }
        lua_pop(L, 1);
        compile_valspec(c, sidx, spath, &st->val, 0, 0, 1);
        break;
    }
    case SIM_ST_DEVICE:
        if (compile_getf(c, sidx, "code") != LUA_TNIL) {
            char *p = compile_path(c, spath, "code");
            sim_code *code = compile_alloc(c, 1, sizeof *code);
            if (code && compile_code(c, -1, p ? p : spath, code) == 0) {
                st->codes.v = code;
                st->codes.n = 1;
            }
            free(p);
        } else {
            compile_error(c, spath, "a Device needs `code` (a SNOMED-CT code)");
        }
        lua_pop(L, 1);
        st->manufacturer = opt_string(c, sidx, spath, "manufacturer");
        st->model = opt_string(c, sidx, spath, "model");
        opt_attr(c, sidx, spath, "assign_to_attribute", &st->assign_attr, 1);
        break;
    case SIM_ST_SUPPLYLIST: compile_supplies(c, sidx, spath, st); break;
    case SIM_ST_IMAGINGSTUDY: compile_imaging(c, sidx, spath, st); break;
    default: break;
    }
    compile_transition(c, sidx, spath, st);
}

/* ---- whole-module checks ---- */

static void for_each_target(const sim_state *st, void (*fn)(void *, int32_t), void *arg)
{
    const sim_transition *tr = &st->tr;
    switch (tr->kind) {
    case SIM_T_DIRECT: fn(arg, tr->target); break;
    case SIM_T_DISTRIBUTED:
    case SIM_T_LOOKUP:
        for (int32_t i = 0; i < tr->nd; i++) fn(arg, tr->d[i].target);
        break;
    case SIM_T_CONDITIONAL:
    case SIM_T_COMPLEX:
        for (int32_t i = 0; i < tr->nc; i++) {
            if (tr->c[i].target >= 0) fn(arg, tr->c[i].target);
            for (int32_t j = 0; j < tr->c[i].ndist; j++) fn(arg, tr->c[i].dist[j].target);
        }
        break;
    default: break;
    }
}

typedef struct reach_ctx {
    uint8_t *seen;
    int32_t *queue;
    int32_t n;
} reach_ctx;

static void reach_push(void *arg, int32_t t)
{
    reach_ctx *r = arg;
    if (t >= 0 && !r->seen[t]) {
        r->seen[t] = 1;
        r->queue[r->n++] = t;
    }
}

/* states that create a record and so must run inside an encounter */
static int needs_encounter(int type)
{
    switch (type) {
    case SIM_ST_MEDICATIONORDER:
    case SIM_ST_PROCEDURE:
    case SIM_ST_OBSERVATION:
    case SIM_ST_MULTIOBSERVATION:
    case SIM_ST_DIAGNOSTICREPORT:
    case SIM_ST_IMMUNIZATION:
    case SIM_ST_CAREPLANSTART:
    case SIM_ST_DEVICE:
    case SIM_ST_SUPPLYLIST:
    case SIM_ST_IMAGINGSTUDY: return 1;
    default: return 0;
    }
}

typedef struct enc_ctx {
    uint8_t *outside; /* may run outside an encounter */
    int32_t *queue;
    int32_t n;
    const sim_module *m;
    int32_t from;
} enc_ctx;

static void enc_push(void *arg, int32_t t)
{
    enc_ctx *e = arg;
    if (t < 0) return;
    const sim_state *from = &e->m->states[e->from];
    int out = e->outside[e->from];
    if (from->type == SIM_ST_ENCOUNTER) out = 0;
    if (from->type == SIM_ST_ENCOUNTEREND) out = 1;
    if (out && !e->outside[t]) {
        e->outside[t] = 1;
        e->queue[e->n++] = t;
    }
}

static void check_module(cctx *c)
{
    sim_module *m = c->mod;
    if (m->initial < 0) return;
    reach_ctx r;
    r.seen = calloc((size_t)m->nstates, 1);
    r.queue = calloc((size_t)m->nstates, sizeof *r.queue);
    r.n = 0;
    if (!r.seen || !r.queue) goto done;
    reach_push(&r, m->initial);
    for (int32_t qi = 0; qi < r.n; qi++) for_each_target(&m->states[r.queue[qi]], reach_push, &r);
    for (int32_t i = 0; i < m->nstates; i++) {
        if (!r.seen[i]) {
            c->state = m->states[i].name;
            c->state_line = m->states[i].line;
            compile_warn(c, "", "unreachable: no transition leads here from Initial");
            c->state = NULL;
        }
    }
    /* records that need an encounter where none may be open (submodules inherit the caller's) */
    if (!m->submodule) {
        enc_ctx e;
        e.outside = calloc((size_t)m->nstates, 1);
        e.queue = calloc((size_t)m->nstates, sizeof *e.queue);
        e.n = 0;
        e.m = m;
        if (e.outside && e.queue) {
            e.outside[m->initial] = 1;
            e.queue[e.n++] = m->initial;
            for (int32_t qi = 0; qi < e.n; qi++) {
                e.from = e.queue[qi];
                for_each_target(&m->states[e.from], enc_push, &e);
            }
            for (int32_t i = 0; i < m->nstates; i++) {
                if (e.outside[i] && needs_encounter(m->states[i].type)) {
                    c->state = m->states[i].name;
                    c->state_line = m->states[i].line;
                    compile_error(
                        c, "",
                        "a %s must happen inside an encounter, but this state can be "
                        "reached with no Encounter open (add an Encounter state before it)",
                        sim_state_type_name((sim_state_type)m->states[i].type));
                    c->state = NULL;
                }
            }
        }
        free(e.outside);
        free(e.queue);
    }
    /* references by state name must name the right kind of state */
    for (int32_t i = 0; i < m->nstates; i++) {
        sim_state *st = &m->states[i];
        c->state = st->name;
        c->state_line = st->line;
        if (st->target_encounter >= 0 && m->states[st->target_encounter].type != SIM_ST_ENCOUNTER)
            compile_error(c, "", "target_encounter '%s' is not an Encounter state",
                          m->states[st->target_encounter].name);
        if (st->reason_state >= 0) {
            int t = m->states[st->reason_state].type;
            if (t != SIM_ST_CONDITIONONSET && t != SIM_ST_ALLERGYONSET)
                compile_error(c, "", "reason '%s' must be a ConditionOnset state (or an attribute)",
                              m->states[st->reason_state].name);
        }
        if (st->ref_state >= 0) {
            int want = -1;
            switch (st->type) {
            case SIM_ST_CONDITIONEND:
            case SIM_ST_DEATH: want = SIM_ST_CONDITIONONSET; break;
            case SIM_ST_ALLERGYEND: want = SIM_ST_ALLERGYONSET; break;
            case SIM_ST_MEDICATIONEND: want = SIM_ST_MEDICATIONORDER; break;
            case SIM_ST_CAREPLANEND: want = SIM_ST_CAREPLANSTART; break;
            case SIM_ST_DEVICEEND: want = SIM_ST_DEVICE; break;
            }
            if (want >= 0 && m->states[st->ref_state].type != want)
                compile_error(c, "", "'%s' is a %s state, but a %s needs a %s state here",
                              m->states[st->ref_state].name,
                              sim_state_type_name((sim_state_type)m->states[st->ref_state].type),
                              sim_state_type_name((sim_state_type)st->type),
                              sim_state_type_name((sim_state_type)want));
        }
        c->state = NULL;
    }
done:
    free(r.seen);
    free(r.queue);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Compiles the module table on top of the Lua stack into a new sim_module (NULL on errors,
 * which are in diags). */
sim_module *compile_module(sim_modset *ms, const char *path, const char *key, int json,
                           int submodule, sim_srcmap *map, sim_diags *d)
{
    sim_lua *lua = ms->lua;
    lua_State *L = sim_lua_state(lua);
    int top = lua_gettop(L);
    size_t errs0 = d->nerrors;
    cctx c;
    memset(&c, 0, sizeof c);
    c.ms = ms;
    c.L = L;
    c.map = map;
    c.d = d;
    c.path = path;
    sim_module *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->key = sim_strdup(key);
    m->path = sim_strdup(path);
    m->submodule = submodule;
    m->json = json;
    m->initial = -1;
    m->table_ref = LUA_NOREF;
    m->index = (int32_t)ms->mods.n;
    c.mod = m;
    if (lua_type(L, top) != LUA_TTABLE) {
        sim_diags_add(d, SIM_SEV_ERROR, path, 1, 0,
                      "the module must return a table { name = \"...\", states = { ... } } (it "
                      "returned a %s)",
                      compile_typename(L, top));
        goto fail;
    }
    static const char *const top_fields[] = {"name",       "states",    "gmf_version",
                                             "parameters", "specialty", NULL};
    compile_check_fields(&c, top, "", "a module", top_fields);
    if (compile_getf(&c, top, "name") == LUA_TSTRING && *lua_tostring(L, -1))
        m->name = sim_strdup(lua_tostring(L, -1));
    else
        sim_diags_add(d, SIM_SEV_ERROR, path, sim_srcmap_line(map, "name", 1), 0,
                      "the module needs a name: name = \"...\"");
    lua_pop(L, 1);
    if (compile_getf(&c, top, "parameters") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -1) == LUA_TTABLE) {
                lua_getfield(L, -1, "__param");
                int marked = lua_toboolean(L, -1);
                lua_pop(L, 1);
                if (marked) {
                    sim_diags_add(d, SIM_SEV_ERROR, path, sim_srcmap_line(map, "parameters", 1), 0,
                                  "declare parameters with `local P = parameters { name = "
                                  "param(default, \"meaning\") }` before the module table and use "
                                  "P.name in its states");
                    lua_pop(L, 2);
                    break;
                }
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (compile_getf(&c, top, "states") != LUA_TTABLE) {
        sim_diags_add(d, SIM_SEV_ERROR, path, sim_srcmap_line(map, "states", 1), 0,
                      "the module needs states = { Initial = { type = \"Initial\", ... }, ... }");
        lua_pop(L, 1);
        goto fail;
    }
    int states_idx = lua_gettop(L);
    /* state names, sorted */
    SIM_VEC(char *) names = {0};
    lua_pushnil(L);
    while (lua_next(L, states_idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            sim_diags_add(d, SIM_SEV_ERROR, path, sim_srcmap_line(map, "states", 1), 0,
                          "every state needs a name: states = { Name = { type = ... } } (found a "
                          "%s key)",
                          compile_typename(L, -1));
            continue;
        }
        char **slot = sim_vec_add(&names);
        if (slot) *slot = (char *)compile_strdup(&c, lua_tostring(L, -1));
    }
    if (names.n) qsort(names.v, names.n, sizeof *names.v, cmp_str);
    c.names = names.v;
    c.nnames = (int32_t)names.n;
    m->nstates = (int32_t)names.n;
    m->states = compile_alloc(&c, names.n ? names.n : 1, sizeof *m->states);
    if (!m->states) {
        free(names.v);
        goto fail;
    }
    for (int32_t i = 0; i < m->nstates; i++) {
        sim_state *st = &m->states[i];
        st->name = names.v[i];
        st->name_hash = sim_hash64(st->name);
        char *spath = compile_path(&c, "states", st->name);
        st->line = sim_srcmap_line(map, spath ? spath : "states", 1);
        int dup = sim_srcmap_duplicate(map, spath ? spath : "");
        c.state = st->name;
        c.state_line = st->line;
        if (dup)
            compile_error(&c, spath,
                          "is defined twice (lines %d and %d): Lua keeps only the second", st->line,
                          dup);
        lua_getfield(L, states_idx, st->name);
        int sidx = lua_gettop(L);
        if (lua_type(L, sidx) != LUA_TTABLE) {
            compile_error(&c, spath, "must be a table { type = \"...\", ... }, not a %s",
                          compile_typename(L, sidx));
        } else if (compile_getf(&c, sidx, "type") != LUA_TSTRING) {
            compile_error(&c, spath,
                          "needs a type (Initial, Simple, Delay, Guard, Encounter, ConditionOnset, "
                          "...)");
            lua_pop(L, 1);
        } else {
            const char *tn = lua_tostring(L, -1);
            int type = compile_state_type_parse(tn);
            if (type < 0) {
                const char *dym = compile_state_type_suggest(tn);
                char *tp = compile_path(&c, spath, "type");
                if (dym)
                    compile_error(&c, tp, "unknown state type '%s' (did you mean '%s'?)", tn, dym);
                else
                    compile_error(&c, tp, "unknown state type '%s'", tn);
                free(tp);
                lua_pop(L, 1);
            } else {
                lua_pop(L, 1);
                st->type = (uint8_t)type;
                compile_state(&c, sidx, spath ? spath : "states", st);
                if (type == SIM_ST_INITIAL) {
                    if (strcmp(st->name, "Initial") != 0)
                        compile_error(&c, spath, "an Initial state must be named \"Initial\"");
                    else
                        m->initial = i;
                }
            }
        }
        lua_pop(L, 1);
        free(spath);
        c.state = NULL;
    }
    lua_pop(L, 1); /* states */
    if (m->initial < 0 && m->nstates > 0) {
        if (compile_state_index(&c, "Initial") >= 0)
            sim_diags_add(d, SIM_SEV_ERROR, path, sim_srcmap_line(map, "states.Initial", 1), 0,
                          "state 'Initial' must have type = \"Initial\"");
        else
            sim_diags_add(d, SIM_SEV_ERROR, path, sim_srcmap_line(map, "states", 1), 0,
                          "the module has no Initial state: add Initial = { type = \"Initial\", "
                          "direct_transition = \"...\" }");
    }
    if (d->nerrors == errs0) check_module(&c);
    free(names.v);
    if (d->nerrors != errs0) goto fail;
    /* the random sub-stream is keyed by the module's name: a JSON module and its Lua twin draw
     * alike, and renaming the file changes nothing */
    m->stream_hash = sim_hash64(m->name);
    lua_pushvalue(L, top);
    m->table_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_settop(L, top);
    return m;
fail:
    lua_settop(L, top);
    free(m->key);
    free(m->name);
    free(m->path);
    free(m);
    return NULL;
}
