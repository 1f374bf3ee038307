/* luapatient.c — `p`, the patient as Lua functions in modules see it.
 *
 * One userdata per engine, pointing at the engine; its fields read the patient being simulated
 * at the instant being processed. Reading is free of side effects; p:set() changes an attribute
 * through the engine, so Guards that read it wake up.
 *
 *   p.age            completed years          p.age_months   completed months
 *   p.sex, p.gender  "M" or "F"               p.race, p.ethnicity, p.ses ("Low"/"Middle"/"High")
 *   p.income         household income (USD)  p.time (ms since 1970, UTC), p.date "YYYY-MM-DD"
 *   p.year           calendar year            p.birth (ms)
 *   p:attr(name)     an attribute's value (number, string, boolean, code table, or nil)
 *   p:set(name, v)   sets an attribute
 *   p:has_condition(c), p:has_medication(c), p:has_careplan(c), p:has_allergy(c)
 *                    an active record with code c ({system=, code=} table, or a code string)
 *   p:vital(name)    the latest vital sign value, or nil
 *   p:symptom(name)  the symptom's severity (0 when absent)
 *   p:observation(c) the latest value of an observation with code c, or nil
 *   p:age_in(unit)   completed age in "years", "months", "weeks" or "days"
 *   p:random()       a uniform draw from the module's stream (as math.random())
 */
#include "engine_internal.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

#define PROXY_MT "lifesim.patient"

static sim_engine *check_proxy(lua_State *L)
{
    sim_engine **pe = luaL_checkudata(L, 1, PROXY_MT);
    sim_engine *e = *pe;
    if (!e->p || !e->cur_frame) luaL_error(L, "the patient is only available while a module runs");
    return e;
}

void luapatient_push_value(sim_engine *e, const sim_value *v)
{
    lua_State *L = e->L;
    switch (v->kind) {
    case SIM_V_NUM: lua_pushnumber(L, v->u.num); break;
    case SIM_V_BOOL: lua_pushboolean(L, v->u.b); break;
    case SIM_V_STR: lua_pushstring(L, v->u.str); break;
    case SIM_V_CODE:
        lua_createtable(L, 0, 3);
        lua_pushstring(L, v->u.code->system);
        lua_setfield(L, -2, "system");
        lua_pushstring(L, v->u.code->code);
        lua_setfield(L, -2, "code");
        lua_pushstring(L, v->u.code->display);
        lua_setfield(L, -2, "display");
        break;
    case SIM_V_ENTRY: {
        lua_createtable(L, 0, 4);
        lua_pushstring(L, sim_rtype_name((sim_rtype)v->u.entry.type));
        lua_setfield(L, -2, "type");
        const sim_patient *p = e->p;
        const sim_code *c = NULL;
        sim_time start = SIM_NEVER, stop = SIM_NEVER;
        int32_t i = v->u.entry.index;
        switch (v->u.entry.type) {
        case SIM_R_CONDITION:
            c = p->conditions.v[i].codes.v;
            start = p->conditions.v[i].onset;
            stop = p->conditions.v[i].stop;
            break;
        case SIM_R_MEDICATION:
            c = p->medications.v[i].codes.v;
            start = p->medications.v[i].start;
            stop = p->medications.v[i].stop;
            break;
        case SIM_R_CAREPLAN:
            c = p->careplans.v[i].codes.v;
            start = p->careplans.v[i].start;
            stop = p->careplans.v[i].stop;
            break;
        case SIM_R_ALLERGY:
            c = p->allergies.v[i].codes.v;
            start = p->allergies.v[i].start;
            stop = p->allergies.v[i].stop;
            break;
        case SIM_R_PROCEDURE:
            c = p->procedures.v[i].codes.v;
            start = p->procedures.v[i].start;
            stop = p->procedures.v[i].stop;
            break;
        case SIM_R_DEVICE:
            c = p->devices.v[i].codes.v;
            start = p->devices.v[i].start;
            stop = p->devices.v[i].stop;
            break;
        default: break;
        }
        if (c) {
            lua_pushstring(L, c->code);
            lua_setfield(L, -2, "code");
            lua_pushstring(L, c->display);
            lua_setfield(L, -2, "display");
        }
        if (start != SIM_NEVER) {
            lua_pushinteger(L, start);
            lua_setfield(L, -2, "start");
        }
        lua_pushboolean(L, stop == SIM_NEVER);
        lua_setfield(L, -2, "active");
        break;
    }
    default: lua_pushnil(L); break;
    }
}

/* a code given as {system=, code=, display=} or "code" or number */
static const sim_code *code_arg(sim_engine *e, int idx)
{
    lua_State *L = e->L;
    const char *sys = "SNOMED-CT", *code = NULL, *disp = "";
    char num[32];
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_getfield(L, idx, "system");
        if (lua_isstring(L, -1)) sys = lua_tostring(L, -1);
        lua_getfield(L, idx, "code");
        if (lua_type(L, -1) == LUA_TNUMBER) {
            snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, -1));
            code = num;
        } else {
            code = lua_tostring(L, -1);
        }
        lua_getfield(L, idx, "display");
        if (lua_isstring(L, -1)) disp = lua_tostring(L, -1);
        lua_pop(L, 3);
    } else if (lua_type(L, idx) == LUA_TNUMBER) {
        snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, idx));
        code = num;
    } else {
        code = lua_tostring(L, idx);
    }
    if (!code) luaL_argerror(L, idx, "a code ({system=..., code=...} or a code string)");
    return sim_modset_code(e->ms, sys, code, disp);
}

static int has_code(sim_engine *e, const sim_code *c, int type)
{
    const sim_patient *p = e->p;
    /* a bare code string matches any system */
    switch (type) {
    case SIM_R_CONDITION:
        for (size_t i = 0; i < p->conditions.n; i++) {
            const sim_condition *x = &p->conditions.v[i];
            if (x->start != SIM_NEVER && x->stop == SIM_NEVER &&
                strcmp(x->codes.v->code, c->code) == 0)
                return 1;
        }
        return 0;
    case SIM_R_MEDICATION:
        for (size_t i = 0; i < p->medications.n; i++)
            if (p->medications.v[i].stop == SIM_NEVER &&
                strcmp(p->medications.v[i].codes.v->code, c->code) == 0)
                return 1;
        return 0;
    case SIM_R_CAREPLAN:
        for (size_t i = 0; i < p->careplans.n; i++)
            if (p->careplans.v[i].stop == SIM_NEVER &&
                strcmp(p->careplans.v[i].codes.v->code, c->code) == 0)
                return 1;
        return 0;
    case SIM_R_ALLERGY:
        for (size_t i = 0; i < p->allergies.n; i++)
            if (p->allergies.v[i].start != SIM_NEVER && p->allergies.v[i].stop == SIM_NEVER &&
                strcmp(p->allergies.v[i].codes.v->code, c->code) == 0)
                return 1;
        return 0;
    }
    return 0;
}

static int lsim_has_condition(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    lua_pushboolean(L, has_code(e, code_arg(e, 2), SIM_R_CONDITION));
    return 1;
}

static int lsim_has_medication(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    lua_pushboolean(L, has_code(e, code_arg(e, 2), SIM_R_MEDICATION));
    return 1;
}

static int lsim_has_careplan(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    lua_pushboolean(L, has_code(e, code_arg(e, 2), SIM_R_CAREPLAN));
    return 1;
}

static int lsim_has_allergy(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    lua_pushboolean(L, has_code(e, code_arg(e, 2), SIM_R_ALLERGY));
    return 1;
}

/* The id of the attribute named by the string at idx (-1: none yet, when !add). Ids are cached
 * in the proxy's user value, a table name -> id: a Lua string key is found by its pointer, which
 * is cheaper than hashing the name again in the module set at every p:attr. */
static int32_t attr_id(lua_State *L, sim_engine *e, int idx, int add)
{
    const char *name = luaL_checkstring(L, idx);
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, idx);
    if (lua_rawget(L, -2) == LUA_TNUMBER) {
        int32_t id = (int32_t)lua_tointeger(L, -1);
        lua_pop(L, 2);
        return id;
    }
    lua_pop(L, 1);
    int32_t id = sim_modset_intern(e->ms, SIM_NS_ATTR, name, add);
    if (id >= 0) {
        lua_pushvalue(L, idx);
        lua_pushinteger(L, id);
        lua_rawset(L, -3);
    }
    lua_pop(L, 1);
    return id;
}

static int lsim_attr(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    int32_t id = attr_id(L, e, 2, 0);
    if (id < 0) {
        lua_pushnil(L);
        return 1;
    }
    sim_value v = sim_patient_attr(e->p, id);
    luapatient_push_value(e, &v);
    return 1;
}

int luapatient_to_value(sim_engine *e, int idx, sim_value *out, const char **why)
{
    lua_State *L = e->L;
    memset(out, 0, sizeof *out);
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return 0;
    case LUA_TNUMBER:
        out->kind = SIM_V_NUM;
        out->u.num = lua_tonumber(L, idx);
        if (!isfinite(out->u.num)) {
            *why = "a number that is not finite";
            return -1;
        }
        return 0;
    case LUA_TBOOLEAN:
        out->kind = SIM_V_BOOL;
        out->u.b = lua_toboolean(L, idx);
        return 0;
    case LUA_TSTRING:
        out->kind = SIM_V_STR;
        out->u.str = sim_arena_strdup(e->p->arena, lua_tostring(L, idx));
        if (!out->u.str) {
            *why = "a string too large for memory";
            return -1;
        }
        return 0;
    case LUA_TTABLE: {
        lua_getfield(L, idx, "code");
        int has = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (!has) {
            *why = "a table that is not a code {system=, code=, display=}";
            return -1;
        }
        const sim_code *c = code_arg(e, lua_absindex(L, idx));
        if (!c) {
            *why = "a code that could not be stored";
            return -1;
        }
        out->kind = SIM_V_CODE;
        out->u.code = c;
        return 0;
    }
    default: *why = lua_typename(L, lua_type(L, idx)); return -1;
    }
}

static int lsim_set(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    const char *name = luaL_checkstring(L, 2);
    luaL_checkany(L, 3);
    sim_value v;
    const char *why = NULL;
    if (luapatient_to_value(e, 3, &v, &why) != 0)
        return luaL_error(L, "p:set(\"%s\", ...): cannot store %s", name, why ? why : "that value");
    int32_t id = attr_id(L, e, 2, 1);
    if (id < 0 || engine_set_attr(e, id, v) != SIM_OK) return luaL_error(L, "out of memory");
    return 0;
}

static int lsim_vital(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    int32_t id = sim_modset_intern(e->ms, SIM_NS_VITAL, luaL_checkstring(L, 2), 0);
    double v = id >= 0 ? sim_patient_vital(e->p, id) : NAN;
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
    return 1;
}

/* p:set_vital(name, value): sets a vital sign from a Lua function, as a VitalSign state does; for
 * a module that computes several values together (lifecycle/physiology.lua) in one call instead
 * of one state and one call per value */
static int lsim_set_vital(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    const char *name = luaL_checkstring(L, 2);
    lua_Number v = luaL_checknumber(L, 3);
    if (!isfinite(v))
        return luaL_error(L, "p:set_vital(\"%s\", ...): the value must be a finite number", name);
    int32_t id = sim_modset_intern(e->ms, SIM_NS_VITAL, name, 1);
    if (id < 0 || sim_patient_set_vital(e->p, id, v) != SIM_OK)
        return luaL_error(L, "out of memory");
    engine_mark(e, SIM_DEP_VITAL, -1);
    return 0;
}

static int lsim_symptom(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    int32_t id = sim_modset_intern(e->ms, SIM_NS_SYMPTOM, luaL_checkstring(L, 2), 0);
    lua_pushnumber(L, id >= 0 ? sim_patient_symptom(e->p, id) : 0);
    return 1;
}

static int lsim_observation(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    const sim_code *c = code_arg(e, 2);
    const sim_patient *p = e->p;
    for (size_t i = p->observations.n; i-- > 0;) {
        const sim_observation *o = &p->observations.v[i];
        if (strcmp(o->codes.v->code, c->code) == 0) {
            luapatient_push_value(e, &o->value);
            return 1;
        }
    }
    lua_pushnil(L);
    return 1;
}

static int lsim_age_in(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    const char *u = luaL_checkstring(L, 2);
    int unit = sim_unit_parse(u);
    if (unit < 0) return luaL_argerror(L, 2, "a unit: years, months, weeks, days, hours");
    lua_pushinteger(L, sim_age_in(e->p->birth, e->now, (sim_unit)unit));
    return 1;
}

static int lsim_random(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    lua_pushnumber(L, sim_rng_uniform(&e->cur_mi->rng));
    return 1;
}

static const luaL_Reg methods[] = {{"attr", lsim_attr},
                                   {"set", lsim_set},
                                   {"has_condition", lsim_has_condition},
                                   {"has_medication", lsim_has_medication},
                                   {"has_careplan", lsim_has_careplan},
                                   {"has_allergy", lsim_has_allergy},
                                   {"vital", lsim_vital},
                                   {"set_vital", lsim_set_vital},
                                   {"symptom", lsim_symptom},
                                   {"observation", lsim_observation},
                                   {"age_in", lsim_age_in},
                                   {"random", lsim_random},
                                   {NULL, NULL}};

enum { F_AGE = 1, F_AGE_MONTHS, F_SEX, F_RACE, F_ETHNICITY, F_SES, F_INCOME, F_TIME, F_BIRTH,
       F_YEAR, F_DATE };

static const struct {
    const char *name;
    int code;
} fields[] = {{"age", F_AGE},     {"age_months", F_AGE_MONTHS}, {"sex", F_SEX},
              {"gender", F_SEX},  {"race", F_RACE},             {"ethnicity", F_ETHNICITY},
              {"ses", F_SES},     {"income", F_INCOME},         {"time", F_TIME},
              {"birth", F_BIRTH}, {"year", F_YEAR},             {"date", F_DATE}};

/* p.<key>: upvalue 1 is a table of the fields (key -> F_*) and methods (key -> function), so a
 * field is found by one table look-up instead of a string comparison per name */
static int lsim_index(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    lua_pushvalue(L, 2);
    int t = lua_rawget(L, lua_upvalueindex(1));
    if (t == LUA_TFUNCTION) return 1;
    int code = t == LUA_TNUMBER ? (int)lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    const sim_patient *p = e->p;
    switch (code) {
    case F_AGE: lua_pushinteger(L, sim_age_years(p->birth, e->now)); break;
    case F_AGE_MONTHS: lua_pushinteger(L, sim_age_months(p->birth, e->now)); break;
    case F_SEX: {
        char s[2] = {p->who.sex, 0};
        lua_pushstring(L, s);
        break;
    }
    case F_RACE: lua_pushstring(L, p->who.race ? p->who.race : ""); break;
    case F_ETHNICITY: lua_pushstring(L, p->who.ethnicity ? p->who.ethnicity : ""); break;
    case F_SES: lua_pushstring(L, p->who.ses <= 0 ? "Low" : p->who.ses == 1 ? "Middle" : "High"); break;
    case F_INCOME: lua_pushnumber(L, p->who.income); break;
    case F_TIME: lua_pushinteger(L, e->now); break;
    case F_BIRTH: lua_pushinteger(L, p->birth); break;
    case F_YEAR: lua_pushinteger(L, sim_time_year(e->now)); break;
    case F_DATE: {
        char d[16];
        sim_time_date(e->now, d);
        lua_pushstring(L, d);
        break;
    }
    default: {
        const char *k = luaL_checkstring(L, 2);
        enum { NF = sizeof fields / sizeof fields[0], NM = sizeof methods / sizeof methods[0] - 1 };
        const char *names[NF + NM];
        for (size_t i = 0; i < NF; i++) names[i] = fields[i].name;
        for (size_t i = 0; i < NM; i++) names[NF + i] = methods[i].name;
        const char *dym = sim_did_you_mean(k, names, NF + NM);
        if (dym) return luaL_error(L, "the patient has no field '%s' (did you mean '%s'?)", k, dym);
        return luaL_error(L,
                          "the patient has no field '%s' (attributes are read with "
                          "p:attr(\"%s\"))",
                          k, k);
    }
    }
    return 1;
}

static int lsim_newindex(lua_State *L)
{
    const char *k = lua_tostring(L, 2);
    return luaL_error(L, "the patient is read-only: use p:set(\"%s\", value) to set an attribute",
                      k ? k : "name");
}

static int lsim_tostring(lua_State *L)
{
    sim_engine *e = check_proxy(L);
    lua_pushfstring(L, "patient %s", e->p->who.id);
    return 1;
}

static int build_proxy(lua_State *L)
{
    sim_engine *e = lua_touserdata(L, 1);
    sim_engine **pe = lua_newuserdatauv(L, sizeof *pe, 1);
    *pe = e;
    lua_newtable(L); /* the attribute id cache of this engine's module set (attr_id) */
    lua_setiuservalue(L, -2, 1);
    if (luaL_newmetatable(L, PROXY_MT)) {
        lua_createtable(L, 0, (int)(sizeof fields / sizeof fields[0] + sizeof methods / sizeof methods[0]));
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            lua_pushinteger(L, fields[i].code);
            lua_setfield(L, -2, fields[i].name);
        }
        for (const luaL_Reg *m = methods; m->name; m++) {
            lua_pushcfunction(L, m->func);
            lua_setfield(L, -2, m->name);
        }
        lua_pushcclosure(L, lsim_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, lsim_newindex);
        lua_setfield(L, -2, "__newindex");
        lua_pushcfunction(L, lsim_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    return 1;
}

int luapatient_new(sim_engine *e)
{
    lua_State *L = e->L;
    lua_pushcfunction(L, build_proxy);
    lua_pushlightuserdata(L, e);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        return LUA_NOREF;
    }
    return luaL_ref(L, LUA_REGISTRYINDEX);
}
