/* modload.c — finds module files, runs them in the sandbox, hands their tables to the compiler
 * (compile.c, compile_states.c) and links submodule calls; the modset's accessors.
 *
 * A module file is Lua (returning the module table) or Synthea GMF JSON (converted to the same
 * Lua table first, so both go through one compiler). Everything a module declares is checked
 * before anything runs: unknown state types and fields (with a suggestion), transitions to
 * missing states, probabilities that cannot add up, codes without system/code/display, unknown
 * units, unreachable states, records that need an encounter where none can be open.
 */
#include "sim_module.h"

#include "sim_lua.h"
#include "sim_rng.h"
#include "sim_srcmap.h"
#include "sim_table.h"

#include <dirent.h>
#include <jansson.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "compile.h"
#include "modload_internal.h"

/* ---- modset ---- */

sim_status sim_modset_new_(sim_lua *lua, const char *root, sim_modset **out)
{
    sim_modset *ms = calloc(1, sizeof *ms);
    if (!ms) return SIM_ENOMEM;
    ms->lua = lua;
    ms->arena = sim_arena_new(1 << 16);
    ms->root = sim_strdup(root ? root : ".");
    if (!ms->arena || !ms->root) {
        sim_modset_free(ms);
        return SIM_ENOMEM;
    }
    *out = ms;
    return SIM_OK;
}

void sim_modset_free(sim_modset *ms)
{
    if (!ms) return;
    lua_State *L = ms->lua ? sim_lua_state(ms->lua) : NULL;
    for (size_t i = 0; i < ms->mods.n; i++) {
        sim_module *m = ms->mods.v[i];
        if (L && m->table_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, m->table_ref);
        free(m->key);
        free(m->name);
        free(m->path);
        free(m->header);
        free(m);
    }
    free(ms->mods.v);
    for (int i = 0; i < SIM_NS_COUNT; i++) sim_strmap_free(&ms->ns[i]);
    sim_strmap_free(&ms->code_keys);
    free(ms->codes.v);
    free(ms->uses.v);
    free(ms->causes.v);
    for (size_t i = 0; i < ms->refs.n; i++)
        if (L) luaL_unref(L, LUA_REGISTRYINDEX, ms->refs.v[i]);
    free(ms->refs.v);
    sim_arena_free(ms->arena);
    free(ms->root);
    free(ms);
}

size_t sim_modset_count(const sim_modset *ms)
{
    return ms->mods.n;
}

const sim_module *sim_modset_get(const sim_modset *ms, size_t i)
{
    return i < ms->mods.n ? ms->mods.v[i] : NULL;
}

int32_t sim_modset_find(const sim_modset *ms, const char *key_or_name)
{
    for (size_t i = 0; i < ms->mods.n; i++)
        if (strcmp(ms->mods.v[i]->key, key_or_name) == 0) return (int32_t)i;
    for (size_t i = 0; i < ms->mods.n; i++)
        if (ms->mods.v[i]->name && strcmp(ms->mods.v[i]->name, key_or_name) == 0) return (int32_t)i;
    return -1;
}

sim_lua *sim_modset_lua(const sim_modset *ms)
{
    return ms->lua;
}

int32_t sim_modset_intern(sim_modset *ms, sim_ns ns, const char *name, int add)
{
    return sim_strmap_intern(&ms->ns[ns], name, add);
}

const char *sim_modset_name(const sim_modset *ms, sim_ns ns, int32_t id)
{
    return id >= 0 && (size_t)id < ms->ns[ns].n ? ms->ns[ns].names[id] : "?";
}

size_t sim_modset_names(const sim_modset *ms, sim_ns ns)
{
    return ms->ns[ns].n;
}

const sim_code *sim_modset_code(sim_modset *ms, const char *system, const char *code,
                                const char *display)
{
    char key[512];
    snprintf(key, sizeof key, "%s|%s", system, code);
    int32_t id = sim_strmap_intern(&ms->code_keys, key, 1);
    if (id < 0) return NULL;
    if ((size_t)id < ms->codes.n) return ms->codes.v[id];
    sim_code *c = sim_arena_alloc(ms->arena, sizeof *c);
    sim_code **slot = c ? sim_vec_add(&ms->codes) : NULL;
    if (!slot) return NULL;
    c->system = sim_arena_strdup(ms->arena, system);
    c->code = sim_arena_strdup(ms->arena, code);
    c->display = sim_arena_strdup(ms->arena, display ? display : "");
    c->id = id;
    *slot = c;
    return c;
}

const sim_cause *sim_modset_causes(const sim_modset *ms, size_t *n)
{
    *n = ms->causes.n;
    return ms->causes.v;
}

sim_status sim_modset_load_reported(sim_lua *lua, const sim_modset_opts *opts, sim_modset **out,
                                    FILE *report, int all, const char *then, sim_error *err)
{
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_status st = sim_modset_load(lua, opts, out, &d);
    if (report && (all || st != SIM_OK)) {
        sim_diags_sort(&d);
        sim_diags_print(&d, report);
    }
    if (st != SIM_OK)
        sim_error_set(err, st, NULL, 0, 0, "%zu error%s in the modules (listed above)%s", d.nerrors,
                      d.nerrors == 1 ? "" : "s", then ? then : "");
    sim_diags_free(&d);
    return st;
}

static int codes_have(const sim_codes *c, const char *system, const char *code)
{
    for (uint32_t k = 0; k < c->n; k++)
        if (!strcmp(c->v[k].code, code) && (!system || !strcmp(c->v[k].system, system))) return 1;
    return 0;
}

int sim_modset_records(const sim_modset *ms, int type, const char *system, const char *code)
{
    for (size_t i = 0; i < ms->mods.n; i++) {
        const sim_module *m = ms->mods.v[i];
        for (int32_t s = 0; s < m->nstates; s++) {
            const sim_state *st = &m->states[s];
            if (type >= 0 && (int)st->type != type) continue;
            if (codes_have(&st->codes, system, code)) return 1;
            /* the observations of a MultiObservation or DiagnosticReport */
            for (int32_t o = 0; type < 0 && o < st->nobs; o++)
                if (codes_have(&st->obs[o].codes, system, code)) return 1;
        }
    }
    return 0;
}

/* modules/data/cause_of_death.csv, when there is one: after the modules, so that their code
 * displays are the ones kept, and the table's are checked against them. With the whole library
 * loaded (whole), a row whose condition no module records is a warning: it can never apply. */
static void load_causes(sim_modset *ms, int whole, sim_diags *d)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/modules/data/cause_of_death.csv", ms->root);
    if (access(path, F_OK) != 0) return;
    sim_table *t = NULL;
    sim_error err;
    sim_error_clear(&err);
    if (sim_table_load_data(ms->root, "cause_of_death.csv", NULL, &t, &err) != SIM_OK) {
        sim_diags_add(d, SIM_SEV_ERROR, err.file, err.line, err.column, "%s", err.msg);
        return;
    }
    int cs, cc, cd, cw;
    if (sim_table_require_col(t, "system", &cs, &err) != SIM_OK ||
        sim_table_require_col(t, "code", &cc, &err) != SIM_OK ||
        sim_table_require_col(t, "display", &cd, &err) != SIM_OK ||
        sim_table_require_col(t, "weight", &cw, &err) != SIM_OK) {
        sim_diags_add(d, SIM_SEV_ERROR, err.file, err.line, err.column, "%s", err.msg);
        sim_table_free(t);
        return;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        double w;
        if (sim_table_number(t, r, (size_t)cw, &w, &err) != SIM_OK) {
            sim_diags_add(d, SIM_SEV_ERROR, err.file, err.line, err.column, "%s", err.msg);
            continue;
        }
        if (w < 0) {
            sim_diags_add(d, SIM_SEV_ERROR, t->path, t->lines[r], 0,
                          "column 'weight': %g is negative; a weight is 0 or more", w);
            continue;
        }
        const char *sys = sim_table_cell(t, r, (size_t)cs), *code = sim_table_cell(t, r, (size_t)cc),
                   *disp = sim_table_cell(t, r, (size_t)cd);
        if (whole && !sim_modset_records(ms, SIM_ST_CONDITIONONSET, sys, code))
            sim_diags_add(d, SIM_SEV_WARNING, t->path, t->lines[r], 0,
                          "no module records the condition %s %s, so this row never applies "
                          "(a mistyped system or code?)",
                          sys, code);
        const sim_code *c = sim_modset_code(ms, sys, code, disp);
        sim_cause *slot = c ? sim_vec_add(&ms->causes) : NULL;
        if (!slot) {
            sim_diags_add(d, SIM_SEV_ERROR, t->path, t->lines[r], 0, "out of memory");
            break;
        }
        slot->code = c;
        slot->weight = w;
        if (strcmp(c->display, disp))
            sim_diags_add(d, SIM_SEV_WARNING, t->path, t->lines[r], 0,
                          "%s %s is \"%s\" in the modules but \"%s\" here", sys, code,
                          c->display, disp);
    }
    sim_table_free(t);
}

/* modules/data/modelled_mortality.csv, when there is one: the rows whose condition a loaded
 * module records add their rate to the mortality the engine takes out of the life table. */
static void load_modelled(sim_modset *ms, sim_diags *d)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/modules/data/modelled_mortality.csv", ms->root);
    if (access(path, F_OK) != 0) return;
    sim_table *t = NULL;
    sim_error err;
    sim_error_clear(&err);
    int cc, cs, ca, cr;
    if (sim_table_load_data(ms->root, "modelled_mortality.csv", NULL, &t, &err) != SIM_OK ||
        sim_table_require_col(t, "codes", &cc, &err) != SIM_OK ||
        sim_table_require_col(t, "sex", &cs, &err) != SIM_OK ||
        sim_table_require_col(t, "age", &ca, &err) != SIM_OK ||
        sim_table_require_col(t, "rate_per_100000", &cr, &err) != SIM_OK) {
        sim_diags_add(d, SIM_SEV_ERROR, err.file, err.line, err.column, "%s", err.msg);
        sim_table_free(t);
        return;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        const char *sex = sim_table_cell(t, r, (size_t)cs);
        int s = !strcmp(sex, "M") ? 0 : !strcmp(sex, "F") ? 1 : -1, lo, hi;
        double rate;
        if (s < 0) {
            sim_diags_add(d, SIM_SEV_ERROR, t->path, t->lines[r], 0,
                          "column 'sex': '%s' should be M or F", sex);
            continue;
        }
        if (sim_table_age_range(t, r, (size_t)ca, &lo, &hi, &err) != SIM_OK ||
            sim_table_number(t, r, (size_t)cr, &rate, &err) != SIM_OK) {
            sim_diags_add(d, SIM_SEV_ERROR, err.file, err.line, err.column, "%s", err.msg);
            continue;
        }
        if (rate < 0) {
            sim_diags_add(d, SIM_SEV_ERROR, t->path, t->lines[r], 0,
                          "column 'rate_per_100000': %g is negative", rate);
            continue;
        }
        /* the codes are alternatives (SYSTEM:code|...): one recorded is enough */
        const char *p = sim_table_cell(t, r, (size_t)cc);
        int recorded = 0, bad = 0;
        while (*p && !bad) {
            size_t n = strcspn(p, "|");
            const char *colon = memchr(p, ':', n);
            if (!colon || colon == p || colon + 1 == p + n) {
                sim_diags_add(d, SIM_SEV_ERROR, t->path, t->lines[r], 0,
                              "column 'codes': '%.*s' should be SYSTEM:code (e.g. "
                              "SNOMED-CT:254837009), alternatives separated by '|'",
                              (int)n, p);
                bad = 1;
                break;
            }
            char sys[64], code[64];
            snprintf(sys, sizeof sys, "%.*s", (int)(colon - p), p);
            snprintf(code, sizeof code, "%.*s", (int)(n - (size_t)(colon - p) - 1), colon + 1);
            recorded = recorded || sim_modset_records(ms, SIM_ST_CONDITIONONSET, sys, code);
            p += n;
            if (*p) p++;
        }
        if (bad || !recorded) continue;
        if (hi < 0 || hi > 100) hi = 100;
        for (int a = lo < 0 ? 0 : lo; a <= hi; a++) ms->modelled[s][a] += rate / 100000.0;
        ms->has_modelled = 1;
    }
    sim_table_free(t);
}

const double *sim_modset_modelled_mortality(const sim_modset *ms, int sex)
{
    return ms->has_modelled && (sex == 0 || sex == 1) ? ms->modelled[sex] : NULL;
}

const sim_attr_use *sim_modset_attr_uses(const sim_modset *ms, size_t *n)
{
    *n = ms->uses.n;
    return ms->uses.v;
}

/* ---- JSON to Lua ---- */

static int push_json(lua_State *L, json_t *j, int depth)
{
    if (depth > 200) return -1;
    luaL_checkstack(L, 4, "json");
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        lua_createtable(L, 0, (int)json_object_size(j));
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            if (push_json(L, v, depth + 1) != 0) return -1;
            lua_setfield(L, -2, k);
        }
        return 0;
    }
    case JSON_ARRAY: {
        lua_createtable(L, (int)json_array_size(j), 0);
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            if (push_json(L, v, depth + 1) != 0) return -1;
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return 0;
    }
    case JSON_STRING: lua_pushlstring(L, json_string_value(j), json_string_length(j)); return 0;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(j)); return 0;
    case JSON_REAL: lua_pushnumber(L, json_real_value(j)); return 0;
    case JSON_TRUE: lua_pushboolean(L, 1); return 0;
    case JSON_FALSE: lua_pushboolean(L, 0); return 0;
    case JSON_NULL: lua_pushnil(L); return 0;
    }
    return -1;
}

static int pcall_push_json(lua_State *L)
{
    json_t *j = lua_touserdata(L, 1);
    if (push_json(L, j, 0) != 0) return luaL_error(L, "JSON nested too deeply");
    return 1;
}

/* ---- loading files ---- */

/* p:attr("name") and p:set("name", ...) calls in a Lua module's source: attribute uses the
 * compiled states do not show (for lint and the attribute map); and p:set_vital("name", ...),
 * whose vital signs are known from load on as those of VitalSign states are. Only literal names
 * are seen. */
static void note_lua_uses(sim_modset *ms, const sim_module *m, const char *text)
{
    for (const char *p = text; (p = strstr(p, ":set_vital(\""));) {
        const char *s = p + strlen(":set_vital(\"");
        const char *e = strchr(s, '"');
        if (!e || e - s > 200) break;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(e - s), s);
        if (sim_modset_intern(ms, SIM_NS_VITAL, name, 1) < 0) return;
        p = e;
    }
    static const char *const pats[2] = {":attr(\"", ":set(\""};
    for (int w = 0; w < 2; w++) {
        const char *p = text;
        int line = 1;
        const char *counted = text;
        while ((p = strstr(p, pats[w]))) {
            const char *s = p + strlen(pats[w]);
            const char *e = strchr(s, '"');
            if (!e || e - s > 200) break;
            for (; counted < p; counted++) line += *counted == '\n';
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(e - s), s);
            int32_t id = sim_modset_intern(ms, SIM_NS_ATTR, name, 1);
            sim_attr_use *u = id >= 0 ? sim_vec_add(&ms->uses) : NULL;
            if (!u) return;
            u->attr = id;
            u->module = m->index;
            u->line = line;
            u->write = (uint8_t)(w == 1);
            u->lua = 1;
            p = e;
        }
    }
}

static sim_status load_one(sim_modset *ms, const char *fs_path, const char *shown, const char *key,
                           int submodule, const char *text, size_t len, sim_diags *d)
{
    sim_lua *lua = ms->lua;
    lua_State *L = sim_lua_state(lua);
    size_t n = strlen(shown);
    int json = n > 5 && strcmp(shown + n - 5, ".json") == 0;
    (void)fs_path;
    int top = lua_gettop(L);
    sim_error err;
    sim_error_clear(&err);
    if (json) {
        json_error_t je;
        json_t *root = json_loadb(text, len, 0, &je);
        if (!root) {
            sim_diags_add(d, SIM_SEV_ERROR, shown, je.line, je.column, "invalid JSON: %s", je.text);
            return SIM_EMODULE;
        }
        lua_pushcfunction(L, pcall_push_json);
        lua_pushlightuserdata(L, root);
        sim_status st = sim_lua_pcall(lua, 1, 1, &err);
        json_decref(root);
        if (st != SIM_OK) {
            sim_diags_add(d, SIM_SEV_ERROR, shown, 1, 0, "%s", err.msg);
            lua_settop(L, top);
            return SIM_EMODULE;
        }
    } else {
        sim_status st = sim_lua_run_module(lua, shown, text, len, key, &err);
        if (st != SIM_OK) {
            /* the Lua message reads "file:line: problem": keep the place as the diagnostic's */
            const char *m = err.msg;
            size_t sl = strlen(shown);
            if (strncmp(m, shown, sl) == 0 && m[sl] == ':' && m[sl + 1] >= '0' &&
                m[sl + 1] <= '9') {
                int line = atoi(m + sl + 1);
                const char *rest = strchr(m + sl + 1, ':');
                sim_diags_add(d, SIM_SEV_ERROR, shown, line, 0, "%s", rest ? rest + 2 : m);
            } else {
                sim_diags_add(d, SIM_SEV_ERROR, shown, 0, 0, "%s", m);
            }
            lua_settop(L, top);
            return SIM_EMODULE;
        }
    }
    sim_srcmap *map = sim_srcmap_build(text, len, json);
    if (!map) {
        lua_settop(L, top);
        return SIM_ENOMEM;
    }
    sim_module *m = compile_module(ms, shown, key, json, submodule, map, d);
    lua_settop(L, top);
    if (m && !json) note_lua_uses(ms, m, text);
    if (m && !json) {
        const sim_lua_param *params;
        size_t np, bad = 0;
        if (sim_lua_take_params(lua, key, &params, &np, &bad, &err) != SIM_OK) {
            /* the mistake is where the override is written: the scenario */
            const sim_modset_opts *o = ms->loading;
            if (o && o->origin && o->param_pos && bad < o->nparams)
                sim_diags_add(d, SIM_SEV_ERROR, o->origin, o->param_pos[bad].line,
                              o->param_pos[bad].column, "%s", err.msg);
            else
                sim_diags_add(d, SIM_SEV_ERROR, shown, 1, 0, "%s", err.msg);
        } else if (np) {
            sim_param *pv = sim_arena_alloc(ms->arena, np * sizeof *pv);
            for (size_t i = 0; pv && i < np; i++) {
                pv[i].name = sim_arena_strdup(ms->arena, params[i].name);
                pv[i].meaning = sim_arena_strdup(ms->arena, params[i].meaning);
                pv[i].def = params[i].def;
                pv[i].value = params[i].value;
                char pp[300];
                snprintf(pp, sizeof pp, "parameters.%s", params[i].name);
                pv[i].line = sim_srcmap_line(map, pp, params[i].line);
            }
            m->params = pv;
            m->nparams = pv ? (int32_t)np : 0;
        }
    }
    if (m) m->header = json ? sim_strdup("") : sim_srcmap_header(text, len);
    sim_srcmap_free(map);
    if (!m) return SIM_EMODULE;
    sim_module **slot = sim_vec_add(&ms->mods);
    if (!slot) {
        free(m->key);
        free(m->name);
        free(m->path);
        free(m->header);
        free(m);
        return SIM_ENOMEM;
    }
    *slot = m;
    return SIM_OK;
}

typedef struct modfile {
    char *fs_path; /* to open */
    char *shown;   /* in messages */
    char *key;
    int submodule;
} modfile;

typedef SIM_VEC(modfile) modfiles;

/* whether entry i of a list the options carry has a place in the origin file (a scenario) */
static int origin_at(const sim_modset_opts *o, const sim_pos *pos, size_t i)
{
    return o->origin && pos && pos[i].line > 0;
}

/* include/exclude naming no module: said where it is written, with the modules there are */
static void unknown_module(sim_diags *d, const sim_modset_opts *o, const modfiles *files,
                           const char *what, const char *name, const sim_pos *pos, size_t i)
{
    const char *cands[512] = {0};
    size_t nc = 0;
    char list[1024] = "";
    size_t off = 0;
    for (size_t j = 0; j < files->n; j++) {
        if (files->v[j].submodule) continue;
        if (nc < 512) cands[nc++] = files->v[j].key;
        if (off < sizeof list - 2)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", off ? ", " : "",
                                    files->v[j].key);
    }
    const char *dym = sim_did_you_mean(name, cands, nc);
    char hint[1200];
    if (dym)
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", dym);
    else
        snprintf(hint, sizeof hint, " (the modules are: %s)", nc ? list : "none");
    if (origin_at(o, pos, i))
        sim_diags_add(d, SIM_SEV_ERROR, o->origin, pos[i].line, pos[i].column,
                      "modules.%s: no module '%s'%s", what, name, hint);
    else
        sim_diags_add(d, SIM_SEV_ERROR, "", 0, 0, "no module '%s' to %s%s", name, what, hint);
}

static int has_ext(const char *name, const char **ext)
{
    size_t n = strlen(name);
    if (n > 4 && strcmp(name + n - 4, ".lua") == 0) {
        *ext = ".lua";
        return 1;
    }
    if (n > 5 && strcmp(name + n - 5, ".json") == 0) {
        *ext = ".json";
        return 1;
    }
    return 0;
}

/* scans dir (fs path) whose files are shown as shown_prefix/...; keys are prefixed with keypre */
static void scan_dir(modfiles *out, const char *dir, const char *shown_prefix, const char *keypre,
                     int depth)
{
    DIR *dp = opendir(dir);
    if (!dp) return;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.') continue;
        char fs[2048], shown[2048], key[1024];
        snprintf(fs, sizeof fs, "%s/%s", dir, de->d_name);
        snprintf(shown, sizeof shown, "%s/%s", shown_prefix, de->d_name);
        struct stat sb;
        if (stat(fs, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            if (depth == 0 && (strcmp(de->d_name, "data") == 0 || strcmp(de->d_name, "lib") == 0 ||
                               strcmp(de->d_name, "lookup_tables") == 0))
                continue;
            snprintf(key, sizeof key, "%s%s/", keypre, de->d_name);
            if (depth < 8) scan_dir(out, fs, shown, key, depth + 1);
            continue;
        }
        const char *ext;
        if (!S_ISREG(sb.st_mode) || !has_ext(de->d_name, &ext)) continue;
        snprintf(key, sizeof key, "%s%.*s", keypre, (int)(strlen(de->d_name) - strlen(ext)),
                 de->d_name);
        modfile *mf = sim_vec_add(out);
        if (!mf) break;
        mf->fs_path = sim_strdup(fs);
        mf->shown = sim_strdup(shown);
        mf->key = sim_strdup(key);
        mf->submodule = depth > 0;
    }
    closedir(dp);
}

static int cmp_modfile(const void *a, const void *b)
{
    return strcmp(((const modfile *)a)->key, ((const modfile *)b)->key);
}

static int listed(const char *key, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, list[i]) == 0) return 1;
    return 0;
}

static const sim_module *module_at(const sim_modset *ms, int32_t index)
{
    for (size_t i = 0; i < ms->mods.n; i++)
        if (ms->mods.v[i]->index == index) return ms->mods.v[i];
    return NULL;
}

/* Excluding a module that sets an attribute a loaded module reads leaves the reader waiting for
 * a value that never comes: warn, at the exclude entry. The excluded modules are compiled apart,
 * in a Lua state of their own, only to learn what they write. */
static void exclusion_warnings(const sim_modset_opts *opts, const sim_modset *ms, sim_diags *diags)
{
    sim_lua *lua = sim_lua_new(NULL, opts->root);
    if (!lua) return;
    sim_modset_opts o = *opts;
    o.include = opts->exclude;
    o.ninclude = opts->nexclude;
    o.exclude = NULL;
    o.nexclude = 0;
    o.param_names = NULL;
    o.param_values = NULL;
    o.nparams = 0;
    o.origin = NULL;
    sim_diags quiet;
    memset(&quiet, 0, sizeof quiet);
    sim_modset *ex = NULL;
    if (sim_modset_load(lua, &o, &ex, &quiet) == SIM_OK) {
        for (size_t i = 0; i < ex->uses.n; i++) {
            const sim_attr_use *w = &ex->uses.v[i];
            const sim_module *wm = module_at(ex, w->module);
            if (!w->write || !wm || wm->submodule) continue;
            size_t at = 0;
            while (at < opts->nexclude && strcmp(opts->exclude[at], wm->key)) at++;
            if (at == opts->nexclude) continue;
            /* once per excluded module and attribute */
            int dup = 0;
            for (size_t j = 0; j < i && !dup; j++)
                dup = ex->uses.v[j].write && ex->uses.v[j].module == w->module &&
                      ex->uses.v[j].attr == w->attr;
            if (dup) continue;
            const char *name = sim_modset_name(ex, SIM_NS_ATTR, w->attr);
            int32_t id = sim_modset_intern((sim_modset *)ms, SIM_NS_ATTR, name, 0);
            if (id < 0) continue;
            for (size_t j = 0; j < ms->uses.n; j++) {
                const sim_attr_use *r = &ms->uses.v[j];
                const sim_module *rm = module_at(ms, r->module);
                if (r->write || r->attr != id || !rm) continue;
                int set_here = 0; /* a loaded module sets it too: no gap */
                for (size_t k = 0; k < ms->uses.n && !set_here; k++)
                    set_here = ms->uses.v[k].write && ms->uses.v[k].attr == id;
                if (set_here) break;
                int located = origin_at(opts, opts->exclude_pos, at);
                sim_diags_add(diags, SIM_SEV_WARNING, located ? opts->origin : "",
                              located ? opts->exclude_pos[at].line : 0,
                              located ? opts->exclude_pos[at].column : 0,
                              "excluding '%s' leaves attribute '%s' unset: %s:%d sets it and "
                              "%s:%d reads it",
                              wm->key, name, wm->path, w->line, rm->path, r->line);
                break;
            }
        }
        sim_modset_free(ex);
    }
    sim_diags_free(&quiet);
    sim_lua_free(lua);
}

sim_status sim_modset_load(sim_lua *lua, const sim_modset_opts *opts, sim_modset **out,
                           sim_diags *diags)
{
    *out = NULL;
    sim_modset *ms = NULL;
    sim_status st = sim_modset_new_(lua, opts->root, &ms);
    if (st != SIM_OK) return st;
    modfiles files = {0};
    char dir[2048];
    snprintf(dir, sizeof dir, "%s/modules", opts->root ? opts->root : ".");
    scan_dir(&files, dir, "modules", "", 0);
    size_t nshipped = files.n;
    ms->loading = opts;
    for (size_t i = 0; i < opts->ndirs; i++) {
        struct stat sb;
        if (stat(opts->dirs[i], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            if (origin_at(opts, opts->dirs_pos, i))
                sim_diags_add(diags, SIM_SEV_ERROR, opts->origin, opts->dirs_pos[i].line,
                              opts->dirs_pos[i].column,
                              "modules.dirs: '%s' is not a folder of modules", opts->dirs[i]);
            else
                sim_diags_add(diags, SIM_SEV_ERROR, opts->dirs[i], 0, 0,
                              "-d: not a folder of modules");
            continue;
        }
        char shown[1024];
        snprintf(shown, sizeof shown, "%s", opts->dirs[i]);
        size_t sl = strlen(shown);
        while (sl > 1 && shown[sl - 1] == '/') shown[--sl] = '\0';
        scan_dir(&files, opts->dirs[i], shown, "", 0);
    }
    /* a local module replaces a shipped one with the same key */
    for (size_t i = nshipped; i < files.n; i++) {
        for (size_t j = 0; j < nshipped; j++) {
            if (files.v[j].key && strcmp(files.v[j].key, files.v[i].key) == 0) {
                sim_diags_add(diags, SIM_SEV_WARNING, files.v[i].shown, 0, 0,
                              "replaces the shipped module %s", files.v[j].shown);
                free(files.v[j].key);
                files.v[j].key = NULL;
            }
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < files.n; i++) {
        if (!files.v[i].key) {
            free(files.v[i].fs_path);
            free(files.v[i].shown);
            continue;
        }
        files.v[k++] = files.v[i];
    }
    files.n = k;
    if (files.n) qsort(files.v, files.n, sizeof *files.v, cmp_modfile);
    /* include / exclude apply to top-level modules */
    for (size_t i = 0; i < opts->ninclude; i++) {
        int found = 0;
        for (size_t j = 0; j < files.n; j++)
            if (strcmp(files.v[j].key, opts->include[i]) == 0) found = 1;
        if (!found)
            unknown_module(diags, opts, &files, "include", opts->include[i], opts->include_pos, i);
    }
    for (size_t i = 0; i < opts->nexclude; i++) {
        int found = 0;
        for (size_t j = 0; j < files.n; j++)
            if (strcmp(files.v[j].key, opts->exclude[i]) == 0) found = 1;
        if (!found)
            unknown_module(diags, opts, &files, "exclude", opts->exclude[i], opts->exclude_pos, i);
    }
    st = sim_lua_set_param_overrides(lua, opts->param_names, opts->param_values, opts->nparams);
    if (st != SIM_OK) goto done;
    for (size_t i = 0; i < files.n; i++) {
        modfile *mf = &files.v[i];
        if (!mf->submodule) {
            if (opts->include && opts->ninclude && !listed(mf->key, opts->include, opts->ninclude))
                continue;
            if (listed(mf->key, opts->exclude, opts->nexclude)) continue;
        }
        char *text;
        size_t len;
        sim_error err;
        if (sim_read_file(mf->fs_path, &text, &len, &err) != SIM_OK) {
            sim_diags_add(diags, SIM_SEV_ERROR, mf->shown, 0, 0, "%s", err.msg);
            continue;
        }
        sim_status s1 =
            load_one(ms, mf->fs_path, mf->shown, mf->key, mf->submodule, text, len, diags);
        free(text);
        if (s1 == SIM_ENOMEM) {
            st = SIM_ENOMEM;
            goto done;
        }
    }
    /* parameters named for modules that do not exist */
    {
        const char *unused[64];
        size_t nu = sim_lua_unused_overrides(lua, unused, 64);
        for (size_t i = 0; i < nu && i < 64; i++) {
            const char *dot = strchr(unused[i], '.');
            size_t kl = dot ? (size_t)(dot - unused[i]) : strlen(unused[i]);
            int known = 0;
            for (size_t j = 0; j < ms->mods.n; j++)
                if (strlen(ms->mods.v[j]->key) == kl &&
                    strncmp(ms->mods.v[j]->key, unused[i], kl) == 0)
                    known = 1;
            size_t at = 0;
            while (at < opts->nparams && strcmp(opts->param_names[at], unused[i])) at++;
            int located = origin_at(opts, opts->param_pos, at) && at < opts->nparams;
            const char *file = located ? opts->origin : "";
            int line = located ? opts->param_pos[at].line : 0;
            int col = located ? opts->param_pos[at].column : 0;
            if (!known)
                sim_diags_add(diags, SIM_SEV_ERROR, file, line, col,
                              "parameter '%s' names no loaded module (write module.parameter)",
                              unused[i]);
            else
                sim_diags_add(diags, SIM_SEV_ERROR, file, line, col,
                              "parameter '%s': module '%.*s' declares no parameters", unused[i],
                              (int)kl, unused[i]);
        }
    }
    load_causes(ms, !opts->ninclude && !opts->nexclude, diags);
    load_modelled(ms, diags);
    st = sim_modset_link_(ms, diags);
    if (st == SIM_OK && !diags->nerrors && opts->nexclude) exclusion_warnings(opts, ms, diags);
done:
    if (ms) ms->loading = NULL;
    for (size_t i = 0; i < files.n; i++) {
        free(files.v[i].fs_path);
        free(files.v[i].shown);
        free(files.v[i].key);
    }
    free(files.v);
    if (st == SIM_OK && diags->nerrors) st = SIM_EMODULE;
    if (st != SIM_OK) {
        sim_modset_free(ms);
        return st;
    }
    *out = ms;
    return SIM_OK;
}

/* Resolves CallSubmodule targets once every module is loaded. */
sim_status sim_modset_link_(sim_modset *ms, sim_diags *diags)
{
    /* names key the random streams: two modules may not share one */
    for (size_t i = 0; i < ms->mods.n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(ms->mods.v[i]->name, ms->mods.v[j]->name))
                sim_diags_add(diags, SIM_SEV_ERROR, ms->mods.v[i]->path, 1, 0,
                              "module name '%s' is also the name of %s: each module needs its own "
                              "name",
                              ms->mods.v[i]->name, ms->mods.v[j]->path);
    for (size_t i = 0; i < ms->mods.n; i++) {
        sim_module *m = ms->mods.v[i];
        m->index = (int32_t)i;
        for (int32_t s = 0; s < m->nstates; s++) {
            sim_state *st = &m->states[s];
            if (st->type != SIM_ST_CALLSUBMODULE || !st->submodule_name) continue;
            int32_t t = -1;
            for (size_t j = 0; j < ms->mods.n; j++)
                if (strcmp(ms->mods.v[j]->key, st->submodule_name) == 0) t = (int32_t)j;
            if (t < 0) {
                const char *cands[512] = {0};
                size_t nc = 0;
                for (size_t j = 0; j < ms->mods.n && nc < 512; j++)
                    if (ms->mods.v[j]->submodule) cands[nc++] = ms->mods.v[j]->key;
                const char *dym = sim_did_you_mean(st->submodule_name, cands, nc);
                sim_diags_add(diags, SIM_SEV_ERROR, m->path, st->line, 0,
                              "state '%s': no submodule '%s'%s%s%s (submodules live in "
                              "modules/<folder>/)",
                              st->name, st->submodule_name, dym ? " (did you mean '" : "",
                              dym ? dym : "", dym ? "'?)" : "");
            } else if (!ms->mods.v[t]->submodule) {
                sim_diags_add(diags, SIM_SEV_ERROR, m->path, st->line, 0,
                              "state '%s': '%s' is a top-level module; CallSubmodule calls modules "
                              "kept in a folder (modules/<folder>/<name>)",
                              st->name, st->submodule_name);
            } else if ((size_t)t == i) {
                sim_diags_add(diags, SIM_SEV_ERROR, m->path, st->line, 0,
                              "state '%s': a submodule cannot call itself", st->name);
            } else {
                st->submodule = t;
            }
        }
    }
    return diags->nerrors ? SIM_EMODULE : SIM_OK;
}

sim_status sim_modset_load_text(sim_lua *lua, const char *path, const char *key, const char *text,
                                size_t len, sim_modset **out, sim_diags *diags)
{
    *out = NULL;
    sim_modset *ms = NULL;
    sim_status st = sim_modset_new_(lua, ".", &ms);
    if (st != SIM_OK) return st;
    st = load_one(ms, path, path, key, strchr(key, '/') != NULL, text, len, diags);
    if (st == SIM_OK) st = sim_modset_link_(ms, diags);
    if (st == SIM_OK && diags->nerrors) st = SIM_EMODULE;
    if (st != SIM_OK) {
        sim_modset_free(ms);
        return st;
    }
    *out = ms;
    return SIM_OK;
}
