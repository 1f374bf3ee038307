/* lua_host.c — the module sandbox: a capped allocator, an instruction budget, read-only
 * environments, deterministic replacements for pairs/math.random/tostring, and located errors.
 *
 * Contract: see include/sim_lua.h. Every call into Lua goes through sim_lua_pcall (or
 * sim_lua_run_module), so no Lua error ever crosses into engine code.
 */
#include "sim_lua.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"

#define HOOK_STEP 1000

struct sim_lua {
    lua_State *L;
    size_t used, peak, cap;
    uint64_t budget, count;
    int limit_hit; /* 1: instructions, 2: memory */
    char mem_where[600];
    sim_rng *rng;
    char *root;
    int base_ref;      /* the shared read-only base environment */
    int env_mt_ref;    /* metatable of module environments */
    int lib_cache_ref; /* lib() results by name */
    /* parameter overrides */
    char **ov_names;
    double *ov_values;
    int *ov_used;
    size_t nov;
    /* declarations of the module being run */
    sim_lua_param *decl;
    size_t ndecl, capdecl;
    const char *current_key;
};

static sim_lua *host_of(lua_State *L)
{
    return *(sim_lua **)lua_getextraspace(L);
}

/* ---- limits ---- */

static void record_where(sim_lua *S)
{
    lua_Debug ar;
    S->mem_where[0] = '\0';
    for (int level = 0; level <= 8 && lua_getstack(S->L, level, &ar); level++) {
        if (!lua_getinfo(S->L, "Sl", &ar)) break;
        if (ar.currentline > 0 && ar.source && ar.source[0] == '@') {
            snprintf(S->mem_where, sizeof S->mem_where, "%s:%d: ", ar.source + 1, ar.currentline);
            return;
        }
    }
}

static void count_hook(lua_State *L, lua_Debug *ar);

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sim_lua *S = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        S->used -= old;
        return NULL;
    }
    if (nsize > old && S->used - old + nsize > S->cap) {
        if (S->L && !S->limit_hit) {
            S->limit_hit = 2;
            record_where(S);
            lua_sethook(S->L, count_hook, LUA_MASKCOUNT, 1);
        }
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    S->used = S->used - old + nsize;
    if (S->used > S->peak) S->peak = S->used;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    sim_lua *S = host_of(L);
    if (S->limit_hit == 2) {
        luaL_error(L, "memory cap of %d MiB exceeded (a runaway string or table?)",
                   (int)(S->cap >> 20));
        return;
    }
    S->count += HOOK_STEP;
    if (S->limit_hit || S->count > S->budget) {
        S->limit_hit = 1;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1); /* fire again at the next instruction */
        char msg[96];
        snprintf(msg, sizeof msg, "instruction budget of %llu exceeded (an endless loop?)",
                 (unsigned long long)S->budget);
        luaL_error(L, "%s", msg);
    }
}

/* ---- message handler: every error message starts with file:line ---- */

/* How Lua shortens an '@file' chunk name to fit LUA_IDSIZE: "...<last characters>". */
static void luaO_chunkid_(char *out, const char *source, size_t srclen)
{
    size_t bufflen = LUA_IDSIZE;
    if (*source == '@') {
        if (srclen <= bufflen) {
            memcpy(out, source + 1, srclen);
        } else {
            memcpy(out, "...", 3);
            bufflen -= 3;
            memcpy(out + 3, source + 1 + srclen - bufflen, bufflen);
        }
    } else {
        out[0] = '\0';
    }
}

static int has_location(const char *msg)
{
    /* "path:123:" */
    const char *c = strchr(msg, ':');
    if (!c || c == msg) return 0;
    const char *d = c + 1;
    if (*d < '0' || *d > '9') return 0;
    while (*d >= '0' && *d <= '9') d++;
    return *d == ':';
}

/* Lua shortens long chunk names to "...tail"; put the whole path back when msg starts with
 * the shortened name of `source` ("@path"). Pushes the result and returns it, or returns NULL. */
static const char *expand_source(lua_State *L, const char *msg, const char *source)
{
    char short_src[LUA_IDSIZE];
    if (!source || source[0] != '@') return NULL;
    luaO_chunkid_(short_src, source, strlen(source));
    size_t n = strlen(short_src);
    if (strncmp(short_src, "...", 3) != 0 || strncmp(msg, short_src, n) != 0) return NULL;
    return lua_pushfstring(L, "%s%s", source + 1, msg + n);
}

static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    {
        lua_Debug ar;
        for (int level = 1; level <= 8 && lua_getstack(L, level, &ar); level++) {
            if (!lua_getinfo(L, "S", &ar)) break;
            const char *full = expand_source(L, msg, ar.source);
            if (full) {
                msg = full;
                break;
            }
        }
    }
    if (!has_location(msg)) {
        lua_Debug ar;
        for (int level = 1; level <= 8 && lua_getstack(L, level, &ar); level++) {
            if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 && ar.source[0] == '@') {
                msg = lua_pushfstring(L, "%s:%d: %s", ar.source + 1, ar.currentline, msg);
                break;
            }
        }
    }
    lua_pushstring(L, msg);
    return 1;
}

static sim_status finish_call(sim_lua *S, int status, sim_error *err)
{
    sim_status st = SIM_OK;
    if (status != LUA_OK) {
        const char *msg = lua_tostring(S->L, -1);
        if (S->limit_hit == 2 || status == LUA_ERRMEM) {
            if (msg && has_location(msg) && strstr(msg, "memory cap"))
                st = sim_error_set(err, SIM_ELIMIT, NULL, 0, 0, "%s", msg);
            else
                st = sim_error_set(err, SIM_ELIMIT, NULL, 0, 0,
                                   "%smemory cap of %d MiB exceeded (a runaway string or table?)",
                                   S->mem_where, (int)(S->cap >> 20));
        } else if (S->limit_hit == 1) {
            st = sim_error_set(err, SIM_ELIMIT, NULL, 0, 0, "%s", msg ? msg : "budget exceeded");
        } else {
            st = sim_error_set(err, SIM_EMODULE, NULL, 0, 0, "%s", msg ? msg : "error");
        }
        lua_pop(S->L, 1);
    }
    if (S->limit_hit) {
        S->limit_hit = 0;
        lua_sethook(S->L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
        lua_gc(S->L, LUA_GCCOLLECT);
    }
    return st;
}

sim_status sim_lua_pcall(sim_lua *S, int nargs, int nres, sim_error *err)
{
    lua_State *L = S->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msgh);
    lua_insert(L, base);
    S->count = 0;
    int status = lua_pcall(L, nargs, nres, base);
    lua_remove(L, base);
    return finish_call(S, status, err);
}

/* ---- sandboxed replacements ---- */

/* pcall/xpcall that cannot swallow a sandbox limit */
static int lsim_pcall(lua_State *L)
{
    sim_lua *S = host_of(L);
    luaL_checkany(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (status != LUA_OK && (status == LUA_ERRMEM || S->limit_hit)) return lua_error(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

static int lsim_xpcall(lua_State *L)
{
    sim_lua *S = host_of(L);
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 1); /* function */
    lua_copy(L, 2, 1);   /* handler in slot 1 */
    lua_replace(L, 2);   /* function in slot 2 */
    int status = lua_pcall(L, n - 2, LUA_MULTRET, 1);
    if (status != LUA_OK && (status == LUA_ERRMEM || S->limit_hit)) return lua_error(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_replace(L, 1);
    return lua_gettop(L);
}

static int key_rank(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER: return 0;
    case LUA_TSTRING: return 1;
    case LUA_TBOOLEAN: return 2;
    default: return 3;
    }
}

/* insertion sort of the keys table ks[1..n] by (type, value) */
static int key_less(lua_State *L, int a, int b)
{
    int ra = key_rank(L, a), rb = key_rank(L, b);
    if (ra != rb) return ra < rb;
    if (ra == 2) return !lua_toboolean(L, a) && lua_toboolean(L, b);
    return lua_compare(L, a, b, LUA_OPLT);
}

static int sorted_next(lua_State *L)
{
    /* upvalue 1: keys table, upvalue 2: position */
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;
    if (lua_rawgeti(L, lua_upvalueindex(1), i) == LUA_TNIL) return 1;
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(2));
    lua_pushvalue(L, -1);
    lua_rawget(L, 1);
    return 2;
}

static int lsim_pairs(lua_State *L)
{
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_newtable(L); /* keys */
    int ks = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (key_rank(L, -1) == 3)
            return luaL_error(L,
                              "pairs: a table keyed by %s values has no fixed order; key it by "
                              "strings or numbers",
                              luaL_typename(L, -1));
        /* insertion into the sorted keys array */
        lua_Integer j = n;
        while (j > 0) {
            lua_rawgeti(L, ks, j);
            int less = key_less(L, -2, -1);
            if (!less) {
                lua_pop(L, 1);
                break;
            }
            lua_rawseti(L, ks, j + 1);
            j--;
        }
        lua_pushvalue(L, -1);
        lua_rawseti(L, ks, j + 1);
        n++;
    }
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, sorted_next, 2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int lsim_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    int t = lua_type(L, 1);
    if ((t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTHREAD) &&
        luaL_getmetafield(L, 1, "__tostring") == LUA_TNIL &&
        luaL_getmetafield(L, 1, "__name") == LUA_TNIL) {
        lua_pushstring(L, lua_typename(L, t)); /* never an address */
        return 1;
    }
    luaL_tolstring(L, 1, NULL);
    return 1;
}

static int lsim_print(lua_State *L)
{
    int n = lua_gettop(L);
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.source[0] == '@')
        fprintf(stderr, "%s:%d: ", ar.source + 1, ar.currentline);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1) fputc('\t', stderr);
        fwrite(s, 1, len, stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    return 0;
}

static int new_module_env(lua_State *L, sim_lua *S);

static int lsim_load(lua_State *L)
{
    sim_lua *S = host_of(L);
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    if (!s) return luaL_error(L, "load: modules may only load a string of Lua source");
    const char *name = luaL_optstring(L, 2, "=(load)");
    const char *mode = luaL_optstring(L, 3, "t");
    if (strcmp(mode, "t") != 0)
        return luaL_error(L,
                          "load: mode \"%s\" refused: modules may load text only, never "
                          "bytecode",
                          mode);
    int has_env = !lua_isnone(L, 4);
    int status = luaL_loadbufferx(L, s, len, name, "t");
    if (status != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (has_env)
        lua_pushvalue(L, 4);
    else
        new_module_env(L, S);
    if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    return 1;
}

static int lsim_random(lua_State *L)
{
    sim_lua *S = host_of(L);
    if (!S->rng)
        return luaL_error(L, "math.random is only available while a patient is simulated "
                             "(not while the module file loads)");
    int n = lua_gettop(L);
    if (n == 0) {
        lua_pushnumber(L, sim_rng_uniform(S->rng));
        return 1;
    }
    lua_Integer lo = 1, hi;
    if (n == 1) {
        hi = luaL_checkinteger(L, 1);
    } else {
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
    }
    luaL_argcheck(L, lo <= hi, n == 1 ? 1 : 2, "interval is empty");
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    uint64_t r = span ? sim_rng_below(S->rng, span) : sim_rng_u64(S->rng);
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + r));
    return 1;
}

static int lsim_denied(lua_State *L)
{
    return luaL_error(L, "%s", lua_tostring(L, lua_upvalueindex(1)));
}

static const struct {
    const char *name, *why;
} denied[] = {
    {"os", "'os' is not available in modules: they run in a sandbox without clock, files or "
           "processes"},
    {"io", "'io' is not available in modules: they run in a sandbox without files"},
    {"package", "'package' is not available in modules: use lib(\"name\") for shared code in "
                "modules/lib/"},
    {"require", "'require' is not available in modules: use lib(\"name\") for shared code in "
                "modules/lib/"},
    {"debug", "'debug' is not available in modules"},
    {"dofile", "'dofile' is not available in modules: use lib(\"name\") for shared code in "
               "modules/lib/"},
    {"loadfile", "'loadfile' is not available in modules: use lib(\"name\") for shared code in "
                 "modules/lib/"},
    {"loadstring", "'loadstring' does not exist in Lua 5.4 (and modules may load text only)"},
    {"collectgarbage", "'collectgarbage' is not available in modules"},
    {"next", "'next' is not available in modules (its order changes between runs): use pairs, "
             "which visits keys in sorted order"},
    {"rawset", "'rawset' is not available in modules"},
    {"coroutine", "'coroutine' is not available in modules"},
    {"setfenv", "'setfenv' does not exist in Lua 5.4"},
};

/* __index of module environments: the base environment, else a clear error */
static int env_index(lua_State *L)
{
    sim_lua *S = host_of(L);
    const char *k = lua_tostring(L, 2);
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->base_ref);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) return 1;
    if (!k) return 0;
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
        if (strcmp(k, denied[i].name) == 0) return luaL_error(L, "%s", denied[i].why);
    /* did you mean: collect the base names */
    const char *cands[256] = {0};
    size_t nc = 0;
    lua_pop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, -2) && nc < 256) {
        if (lua_type(L, -2) == LUA_TSTRING) cands[nc++] = lua_tostring(L, -2);
        lua_pop(L, 1);
    }
    const char *dym = sim_did_you_mean(k, cands, nc);
    if (dym) return luaL_error(L, "unknown name '%s' (did you mean '%s'?)", k, dym);
    return luaL_error(L, "unknown name '%s': not a local variable, a helper or a library", k);
}

static int env_newindex(lua_State *L)
{
    const char *k = lua_tostring(L, 2);
    return luaL_error(L, "modules may not set the global '%s': declare it with 'local'",
                      k ? k : "?");
}

static int readonly_newindex(lua_State *L)
{
    const char *k = lua_tostring(L, 2);
    return luaL_error(L, "the libraries are read-only in modules (cannot set '%s')", k ? k : "?");
}

/* pushes a new, empty module environment */
static int new_module_env(lua_State *L, sim_lua *S)
{
    lua_newtable(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->env_mt_ref);
    lua_setmetatable(L, -2);
    /* _G names the environment itself (protected) */
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, L); /* scratch: keep it alive while we set _G */
    lua_pushliteral(L, "_G");
    lua_pushvalue(L, -2);
    lua_rawset(L, -3);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, L);
    return 1;
}

/* pushes a read-only proxy of the table at idx */
static void push_readonly(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

static int frozen_newindex(lua_State *L)
{
    return luaL_error(L, "the string metatable is read-only in modules");
}

/* ---- parameters{} ---- */

static int lsim_param(lua_State *L)
{
    double def = luaL_checknumber(L, 1);
    const char *meaning = luaL_optstring(L, 2, "");
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__param");
    lua_pushnumber(L, def);
    lua_setfield(L, -2, "default");
    lua_pushstring(L, meaning);
    lua_setfield(L, -2, "meaning");
    return 1;
}

static int lsim_parameters(lua_State *L)
{
    sim_lua *S = host_of(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!S->current_key) return luaL_error(L, "parameters{} can only be used by a module file");
    lua_Debug ar;
    int line = 0;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar)) line = ar.currentline;
    /* visit in sorted order for determinism */
    lua_pushcfunction(L, lsim_pairs);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 3);
    lua_newtable(L); /* result */
    int res = lua_gettop(L);
    for (;;) {
        lua_pushvalue(L, res - 3);
        lua_pushvalue(L, res - 2);
        lua_pushvalue(L, res - 1);
        lua_call(L, 2, 2);
        if (lua_isnil(L, -2)) {
            lua_pop(L, 2);
            break;
        }
        lua_pushvalue(L, -2);
        lua_replace(L, res - 1); /* control variable */
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "parameters{}: parameter names must be strings");
        const char *name = lua_tostring(L, -2);
        double def;
        const char *meaning = "";
        if (lua_type(L, -1) == LUA_TNUMBER) {
            def = lua_tonumber(L, -1);
        } else if (lua_type(L, -1) == LUA_TTABLE &&
                   lua_getfield(L, -1, "__param") == LUA_TBOOLEAN) {
            lua_pop(L, 1);
            lua_getfield(L, -1, "default");
            def = lua_tonumber(L, -1);
            lua_pop(L, 1);
            lua_getfield(L, -1, "meaning");
            meaning = lua_tostring(L, -1);
            lua_pop(L, 1);
            if (!meaning) meaning = "";
        } else {
            return luaL_error(L,
                              "parameters{}: '%s' must be a number or param(default, "
                              "\"meaning\")",
                              name);
        }
        double value = def;
        size_t klen = strlen(S->current_key);
        for (size_t i = 0; i < S->nov; i++) {
            const char *on = S->ov_names[i];
            if (strncmp(on, S->current_key, klen) == 0 && on[klen] == '.' &&
                strcmp(on + klen + 1, name) == 0) {
                value = S->ov_values[i];
                S->ov_used[i] = 1;
            }
        }
        if (S->ndecl == S->capdecl) {
            size_t nc = S->capdecl ? S->capdecl * 2 : 8;
            sim_lua_param *nd = realloc(S->decl, nc * sizeof *nd);
            if (!nd) return luaL_error(L, "out of memory");
            S->decl = nd;
            S->capdecl = nc;
        }
        sim_lua_param *d = &S->decl[S->ndecl++];
        d->name = sim_strdup(name);
        d->meaning = sim_strdup(meaning);
        d->def = def;
        d->value = value;
        d->line = line;
        lua_pushnumber(L, value);
        lua_setfield(L, res, name);
        lua_pop(L, 2);
    }
    return 1;
}

static void clear_decl(sim_lua *S)
{
    for (size_t i = 0; i < S->ndecl; i++) {
        free((char *)S->decl[i].name);
        free((char *)S->decl[i].meaning);
    }
    S->ndecl = 0;
}

/* ---- lib(): shared code from modules/lib/ ---- */

static int lsim_lib(lua_State *L)
{
    sim_lua *S = host_of(L);
    const char *name = luaL_checkstring(L, 1);
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '/' || *c == '-'))
            return luaL_error(L,
                              "lib(\"%s\"): a library name uses letters, digits, '_', '-' and "
                              "'/' only",
                              name);
    if (strstr(name, "//") || name[0] == '/' || !*name)
        return luaL_error(L, "lib(\"%s\"): not a library name", name);
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->lib_cache_ref);
    if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    char path[1024], shown[600];
    snprintf(shown, sizeof shown, "modules/lib/%s.lua", name);
    snprintf(path, sizeof path, "%s/%s", S->root ? S->root : ".", shown);
    char *text;
    size_t len;
    sim_error e;
    if (sim_read_file(path, &text, &len, &e) != SIM_OK)
        return luaL_error(L, "lib(\"%s\"): no file %s", name, shown);
    char chunk[620];
    snprintf(chunk, sizeof chunk, "@%s", shown);
    int status = luaL_loadbufferx(L, text, len, chunk, "t");
    free(text);
    if (status != LUA_OK) return lua_error(L);
    new_module_env(L, S);
    lua_setupvalue(L, -2, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* ---- setup ---- */

static int open_sandbox(lua_State *L)
{
    sim_lua *S = lua_touserdata(L, 1);
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},        {LUA_TABLIBNAME, luaopen_table},
        {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},  {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    /* the real globals table, used only here and by the prelude */
    lua_pushglobaltable(L);
    int G = lua_gettop(L);

    /* the string metatable: protected, and no string.dump reachable through it */
    lua_getfield(L, G, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    /* getmetatable("") answers a frozen stand-in whose __index is the read-only string proxy
     * (set below, once the proxy exists): nothing reaches the real metatable or library */

    /* math.random from the patient's stream */
    lua_getfield(L, G, "math");
    lua_pushcfunction(L, lsim_random);
    lua_setfield(L, -2, "random");
    lua_pushliteral(L, "math.randomseed is not available in modules: draws come from the "
                       "patient's own stream");
    lua_pushcclosure(L, lsim_denied, 1);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);

    /* base environment */
    lua_newtable(L);
    int B = lua_gettop(L);
    static const char *const keep[] = {
        "assert",   "error",  "ipairs",       "select",       "tonumber", "type", "rawget",
        "rawequal", "rawlen", "setmetatable", "getmetatable", "_VERSION", NULL};
    for (int i = 0; keep[i]; i++) {
        lua_getfield(L, G, keep[i]);
        lua_setfield(L, B, keep[i]);
    }
    static const luaL_Reg own[] = {{"pcall", lsim_pcall}, {"xpcall", lsim_xpcall},
                                   {"pairs", lsim_pairs}, {"tostring", lsim_tostring},
                                   {"print", lsim_print}, {"load", lsim_load},
                                   {"param", lsim_param}, {"parameters", lsim_parameters},
                                   {"lib", lsim_lib},     {NULL, NULL}};
    luaL_setfuncs(L, own, 0);
    static const char *const libnames[] = {"string", "table", "math", "utf8", NULL};
    for (int i = 0; libnames[i]; i++) {
        lua_getfield(L, G, libnames[i]);
        push_readonly(L, -1);
        lua_setfield(L, B, libnames[i]);
        lua_pop(L, 1);
    }
    lua_getfield(L, G, "table");
    lua_getfield(L, -1, "unpack");
    lua_setfield(L, B, "unpack");
    lua_pop(L, 1);

    /* string.dump exists only to say that bytecode is refused: the string proxy reads through
     * a hidden table {dump = denied} whose own __index is the real library */
    lua_getfield(L, B, "string");
    lua_getmetatable(L, -1);
    lua_newtable(L);
    lua_pushliteral(L, "string.dump is not available in modules: they are loaded as source text, "
                       "never as bytecode");
    lua_pushcclosure(L, lsim_denied, 1);
    lua_setfield(L, -2, "dump");
    lua_newtable(L);
    lua_getfield(L, G, "string");
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 2);
    /* getmetatable("") answers an empty, frozen stand-in that reads as {__index = string proxy} */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_newtable(L); /* the stand-in: always empty, so every write reaches __newindex */
    lua_newtable(L); /* its metatable */
    lua_newtable(L); /* what it reads as */
    lua_getfield(L, B, "string");
    lua_setfield(L, -2, "__index");
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, frozen_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    /* the prelude: helper constructors written in Lua, run with the base environment plus
     * rawset, then copied into B */
    int st = luaL_loadbufferx(L, sim_embedded_prelude, sim_embedded_prelude_len,
                              "@engine/prelude.lua", "t");
    if (st != LUA_OK) return lua_error(L);
    lua_newtable(L); /* prelude env */
    lua_newtable(L);
    lua_pushvalue(L, B);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_getfield(L, G, "rawset");
    lua_setfield(L, -2, "rawset");
    lua_getfield(L, G, "next");
    lua_setfield(L, -2, "next");
    lua_setupvalue(L, -2, 1);
    lua_call(L, 0, 1); /* returns a table of helpers */
    luaL_checktype(L, -1, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, B);
    }
    lua_pop(L, 1);

    lua_pushvalue(L, B);
    S->base_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    /* metatable of module environments */
    lua_newtable(L);
    lua_pushcfunction(L, env_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, env_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    S->env_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    lua_newtable(L);
    S->lib_cache_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

sim_lua *sim_lua_new(const sim_lua_limits *limits, const char *root)
{
    sim_lua *S = calloc(1, sizeof *S);
    if (!S) return NULL;
    S->cap = limits && limits->mem_cap ? limits->mem_cap : (size_t)256 << 20;
    S->budget = limits && limits->instructions ? limits->instructions : 20000000u;
    S->root = sim_strdup(root ? root : ".");
    S->L = lua_newstate(l_alloc, S);
    if (!S->L || !S->root) {
        sim_lua_free(S);
        return NULL;
    }
    *(sim_lua **)lua_getextraspace(S->L) = S;
    lua_sethook(S->L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    lua_pushcfunction(S->L, open_sandbox);
    lua_pushlightuserdata(S->L, S);
    if (lua_pcall(S->L, 1, 0, 0) != LUA_OK) {
        fprintf(stderr, "lifesim: cannot set up the Lua sandbox: %s\n", lua_tostring(S->L, -1));
        sim_lua_free(S);
        return NULL;
    }
    return S;
}

void sim_lua_free(sim_lua *S)
{
    if (!S) return;
    if (S->L) lua_close(S->L);
    clear_decl(S);
    free(S->decl);
    for (size_t i = 0; i < S->nov; i++) free(S->ov_names[i]);
    free(S->ov_names);
    free(S->ov_values);
    free(S->ov_used);
    free(S->root);
    free(S);
}

lua_State *sim_lua_state(sim_lua *S)
{
    return S->L;
}

void sim_lua_set_rng(sim_lua *S, sim_rng *rng)
{
    S->rng = rng;
}

sim_status sim_lua_set_param_overrides(sim_lua *S, const char *const *names, const double *values,
                                       size_t n)
{
    for (size_t i = 0; i < S->nov; i++) free(S->ov_names[i]);
    free(S->ov_names);
    free(S->ov_values);
    free(S->ov_used);
    S->ov_names = NULL;
    S->ov_values = NULL;
    S->ov_used = NULL;
    S->nov = 0;
    if (!n) return SIM_OK;
    S->ov_names = calloc(n, sizeof *S->ov_names);
    S->ov_values = calloc(n, sizeof *S->ov_values);
    S->ov_used = calloc(n, sizeof *S->ov_used);
    if (!S->ov_names || !S->ov_values || !S->ov_used) return SIM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        S->ov_names[i] = sim_strdup(names[i]);
        if (!S->ov_names[i]) return SIM_ENOMEM;
        S->ov_values[i] = values[i];
        S->nov = i + 1;
    }
    return SIM_OK;
}

sim_status sim_lua_run_module(sim_lua *S, const char *chunkname, const char *text, size_t len,
                              const char *module_key, sim_error *err)
{
    lua_State *L = S->L;
    char name[600];
    snprintf(name, sizeof name, "@%s", chunkname);
    clear_decl(S);
    /* refuse bytecode explicitly, with a message a clinician understands */
    if (len > 0 && text[0] == LUA_SIGNATURE[0])
        return sim_error_set(err, SIM_EMODULE, chunkname, 1, 0,
                             "this is compiled Lua bytecode: modules must be Lua source text");
    int status = luaL_loadbufferx(L, text, len, name, "t");
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        const char *full = msg ? expand_source(L, msg, name) : NULL;
        if (full) {
            lua_remove(L, -2);
            msg = full;
        }
        sim_status st = sim_error_set(err, status == LUA_ERRSYNTAX ? SIM_EPARSE : SIM_EMODULE, NULL,
                                      0, 0, "%s", msg ? msg : "cannot load");
        lua_pop(L, 1);
        return st;
    }
    new_module_env(L, S);
    lua_setupvalue(L, -2, 1);
    S->current_key = module_key;
    sim_status st = sim_lua_pcall(S, 0, 1, err);
    S->current_key = NULL;
    return st;
}

sim_status sim_lua_take_params(sim_lua *S, const char *module_key, const sim_lua_param **params,
                               size_t *n, size_t *bad_override, sim_error *err)
{
    *params = S->decl;
    *n = S->ndecl;
    size_t klen = strlen(module_key);
    for (size_t i = 0; i < S->nov; i++) {
        const char *on = S->ov_names[i];
        if (S->ov_used[i] || strncmp(on, module_key, klen) != 0 || on[klen] != '.') continue;
        char have[1024] = "";
        size_t off = 0;
        for (size_t j = 0; j < S->ndecl && off < sizeof have - 2; j++)
            off += (size_t)snprintf(have + off, sizeof have - off, "%s%s", j ? ", " : "",
                                    S->decl[j].name);
        const char *cands[128] = {0};
        size_t nc = 0;
        for (size_t j = 0; j < S->ndecl && nc < 128; j++) cands[nc++] = S->decl[j].name;
        const char *dym = sim_did_you_mean(on + klen + 1, cands, nc);
        *bad_override = i;
        S->ov_used[i] = 1; /* reported here, not again as unused */
        return sim_error_set(err, SIM_EINVAL, NULL, 0, 0,
                             "unknown parameter '%s'%s%s%s; module '%s' declares: %s", on,
                             dym ? " (did you mean '" : "", dym ? dym : "", dym ? "'?)" : "",
                             module_key, S->ndecl ? have : "no parameters");
    }
    return SIM_OK;
}

size_t sim_lua_unused_overrides(sim_lua *S, const char **names, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < S->nov; i++) {
        if (S->ov_used[i]) continue;
        if (k < max) names[k] = S->ov_names[i];
        k++;
    }
    return k;
}

int sim_lua_function_line(sim_lua *S, int idx)
{
    lua_Debug ar;
    lua_pushvalue(S->L, idx);
    if (!lua_getinfo(S->L, ">S", &ar)) return 0;
    return ar.linedefined;
}

size_t sim_lua_memory(const sim_lua *S, size_t *peak)
{
    if (peak) *peak = S->peak;
    return S->used;
}

size_t sim_lua_base_names(sim_lua *S, const char **out, size_t max)
{
    lua_State *L = S->L;
    size_t n = 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->base_ref);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) == LUA_TSTRING && n < max) out[n++] = lua_tostring(L, -2);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}
