/* test_sandbox.c — the sandbox suite: each file in tests/sandbox/ is one attack. Run through the
 * lifesim program, each must end in a clear error naming the module's file:line, a non-zero
 * exit, and no output that looks complete. In process, after each attack, a clean module in the
 * same Lua state must find the libraries, globals and string methods untouched. */
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_output.h"
#include "test.h"

#include <dirent.h>
#include <lauxlib.h>
#include <jansson.h>
#include <sys/wait.h>

static const struct attack {
    const char *name;
    int line;
    const char *says;
} attacks[] = {
    {"os_execute", 2, "'os' is not available in modules"},
    {"io_open", 4, "'io' is not available in modules"},
    {"require", 2, "'require' is not available in modules"},
    {"dofile", 4, "'dofile' is not available in modules"},
    {"loadfile", 2, "'loadfile' is not available in modules"},
    {"bytecode", 5, "string.dump is not available in modules"},
    {"setmetatable_G", 2, "cannot change a protected metatable"},
    {"string_metatable", 5, "the string metatable is read-only in modules"},
    {"endless_loop", 6, "instruction budget of 20000000 exceeded"},
    {"string_rep", 4, "memory cap of 256 MiB exceeded"},
    {"table_growth", 6, "memory cap of 256 MiB exceeded"},
    {"recursion", 2, "stack overflow"},
};

static const char *home(void)
{
    return getenv("LIFESIM_HOME");
}

static const char *tmp(void)
{
    const char *t = getenv("LIFESIM_TEST_TMP");
    return t ? t : "/tmp";
}

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len;
    sim_error err;
    if (sim_read_file(path, &text, &len, &err) != SIM_OK) return NULL;
    return text;
}

/* nothing in the output folder may look complete */
static void check_output(const char *out, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/manifest.json", out);
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    if (m) {
        CHECK(!strcmp(json_string_value(json_object_get(m, "status")), "incomplete"),
              "%s: the manifest says incomplete", name);
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(m, "files"), i, f)
        {
            const char *p = json_string_value(json_object_get(f, "path"));
            size_t n = strlen(p);
            CHECK(n > 8 && !strcmp(p + n - 8, ".partial"), "%s: %s is marked partial", name, p);
        }
        json_decref(m);
    }
    snprintf(path, sizeof path, "%s/csv", out);
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t n = strlen(de->d_name);
            if (de->d_name[0] == '.') continue;
            CHECK(n > 8 && !strcmp(de->d_name + n - 8, ".partial"), "%s: csv/%s looks complete",
                  name, de->d_name);
        }
        closedir(d);
    }
}

static void test_attacks_through_the_program(void)
{
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        const struct attack *a = &attacks[i];
        char dir[512], out[512], cmd[8192], errf[600];
        snprintf(dir, sizeof dir, "%s/sandbox/mods_%s", tmp(), a->name);
        snprintf(out, sizeof out, "%s/sandbox/out_%s", tmp(), a->name);
        snprintf(errf, sizeof errf, "%s/sandbox/%s.err", tmp(), a->name);
        snprintf(cmd, sizeof cmd, "rm -rf %s %s && mkdir -p %s && cp %s/tests/sandbox/%s.lua %s/",
                 dir, out, dir, home(), a->name, dir);
        CHECK(system(cmd) == 0, "prepare %s", a->name);
        snprintf(cmd, sizeof cmd, "%s run -q -p 3 -s 1 -d %s -o %s 2>%s", getenv("LIFESIM_BIN"),
                 dir, out, errf);
        int st = system(cmd);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "%s: exits with status 1 (got %d)", a->name,
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        char *msg = slurp(errf);
        char where[1200];
        snprintf(where, sizeof where, "%s/%s.lua:%d:", dir, a->name, a->line);
        CHECK(msg && strstr(msg, where), "%s: names %s: %s", a->name, where, msg ? msg : "");
        CHECK(msg && strstr(msg, a->says), "%s: says \"%s\": %s", a->name, a->says, msg ? msg : "");
        free(msg);
        check_output(out, a->name);
    }
}

/* the same Lua state, after the attack, still serves a clean module normally */
static void test_isolation_in_process(void)
{
    const char *clean =
        "assert(('abc'):upper() == 'ABC', 'string methods')\n"
        "assert(string.rep('a', 3) == 'aaa', 'string.rep')\n"
        "assert(type(math.random) == 'function' and type(pairs) == 'function', 'functions')\n"
        "assert(not pcall(function() return os end), 'os still refused')\n"
        "assert(getmetatable('').__index == string, 'string metatable intact')\n"
        "return { name = 'Clean', states = { Initial = { type = 'Initial', direct_transition = "
        "'T' }, T = { type = 'Terminal' } } }\n";
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        const struct attack *a = &attacks[i];
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/sandbox/%s.lua", home(), a->name);
        char *text = slurp(path);
        CHECK(text != NULL, "read %s", path);
        if (!text) continue;
        sim_lua *lua = sim_lua_new(NULL, home());
        sim_modset *ms = NULL;
        sim_diags d;
        memset(&d, 0, sizeof d);
        /* load-time attacks fail here; run-time ones fail when their function runs */
        sim_status st = sim_modset_load_text(lua, path, a->name, text, strlen(text), &ms, &d);
        if (st == SIM_OK) {
            const sim_module *m = sim_modset_get(ms, 0);
            for (int32_t s = 0; s < m->nstates; s++) {
                const sim_state *stt = &m->states[s];
                int ref = stt->allow && stt->allow->type == SIM_C_LUA ? stt->allow->lua_ref
                                                                      : stt->val.lua_ref;
                if (ref == LUA_NOREF || ref == 0) continue;
                lua_State *L = sim_lua_state(lua);
                lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
                lua_pushnil(L); /* the patient: the attacks do not touch it */
                sim_error err;
                sim_error_clear(&err);
                st = sim_lua_pcall(lua, 1, 0, &err);
                CHECK(st != SIM_OK && strstr(err.msg, a->says), "%s in process: %s", a->name,
                      err.msg);
            }
            sim_modset_free(ms);
        }
        sim_diags_free(&d);
        memset(&d, 0, sizeof d);
        ms = NULL;
        st = sim_modset_load_text(lua, "modules/clean.lua", "clean", clean, strlen(clean), &ms, &d);
        sim_diags_print(&d, stderr);
        CHECK(st == SIM_OK, "after %s, a clean module still loads and finds everything intact",
              a->name);
        sim_modset_free(ms);
        sim_diags_free(&d);
        sim_lua_free(lua);
        free(text);
    }
}

TEST_MAIN(T(test_attacks_through_the_program), T(test_isolation_in_process))
