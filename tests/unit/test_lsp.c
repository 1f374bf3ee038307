/* test_lsp.c — the editor definitions (modules/.luals/lifesim.lua) say what the compiler accepts:
 * every field of every state type is declared on lifesim.State and nothing else is (so the
 * editor flags a misspelt field); every helper a module can call is declared, and nothing that
 * is not there. */
#include "sim_lua.h"
#include "sim_module.h"
#include "test.h"

static char *defs;

static int declared_field(const char *name)
{
    const char *cls = strstr(defs, "---@class (exact) lifesim.State");
    if (!cls) return 0;
    const char *end = strstr(cls + 10, "---@class ");
    char pat[128];
    snprintf(pat, sizeof pat, "---@field %s?", name);
    const char *hit = strstr(cls, pat);
    if (!hit) {
        snprintf(pat, sizeof pat, "---@field %s ", name);
        hit = strstr(cls, pat);
    }
    return hit && (!end || hit < end);
}

static int declared_global(const char *name)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\nfunction %s(", name);
    if (strstr(defs, pat)) return 1;
    snprintf(pat, sizeof pat, "\n%s = {}", name);
    return strstr(defs, pat) != NULL;
}

static void test_state_fields(void)
{
    const char *all[512];
    size_t nall = 0;
    for (int t = 0; t < SIM_ST_COUNT; t++) {
        const char *f[64];
        size_t n = sim_state_field_names(t, f, 64);
        for (size_t i = 0; i < n; i++) {
            CHECK(declared_field(f[i]), "%s's field '%s' is declared on lifesim.State",
                  sim_state_type_name((sim_state_type)t), f[i]);
            int seen = 0;
            for (size_t k = 0; k < nall; k++) seen |= !strcmp(all[k], f[i]);
            if (!seen && nall < 512) all[nall++] = f[i];
        }
    }
    /* and nothing else: each declared field is one some state type takes */
    const char *cls = strstr(defs, "---@class (exact) lifesim.State");
    const char *end = cls ? strstr(cls + 10, "---@class ") : NULL;
    int declared = 0;
    for (const char *p = cls; p && (p = strstr(p, "---@field ")) && (!end || p < end); p += 10) {
        char name[64];
        size_t n = strcspn(p + 10, "? ");
        snprintf(name, sizeof name, "%.*s", (int)n, p + 10);
        int known = !strcmp(name, "remarks");
        for (size_t k = 0; k < nall; k++) known |= !strcmp(all[k], name);
        CHECK(known, "lifesim.State declares '%s', which no state type accepts", name);
        declared++;
    }
    CHECK(declared > 50, "lifesim.State declares the fields (%d)", declared);
}

static void test_helpers(void)
{
    static const char *const lua_base[] = {
        "_VERSION", "assert",  "error",  "getmetatable", "ipairs",   "load",     "math",
        "pairs",    "pcall",   "print",  "rawequal",     "rawget",   "rawlen",   "select",
        "setmetatable", "string", "table", "tonumber",   "tostring", "type",     "unpack",
        "utf8",     "xpcall",  NULL};
    sim_lua *S = sim_lua_new(NULL, getenv("LIFESIM_HOME"));
    const char *names[512];
    size_t n = sim_lua_base_names(S, names, 512);
    int helpers = 0;
    for (size_t i = 0; i < n; i++) {
        int std = 0;
        for (int k = 0; lua_base[k]; k++) std |= !strcmp(lua_base[k], names[i]);
        if (std) continue;
        helpers++;
        CHECK(declared_global(names[i]), "helper '%s' is declared", names[i]);
    }
    CHECK(helpers > 40, "the helpers are there (%d)", helpers);
    /* and every declared global is a helper */
    for (const char *p = defs; (p = strstr(p, "\nfunction ")); p += 10) {
        char name[64];
        size_t len = strcspn(p + 10, "(:");
        if (p[10 + len] == ':') continue; /* a method of lifesim.Patient */
        snprintf(name, sizeof name, "%.*s", (int)len, p + 10);
        int known = 0;
        for (size_t i = 0; i < n; i++) known |= !strcmp(names[i], name);
        CHECK(known, "the definitions declare '%s', which modules do not have", name);
    }
    sim_lua_free(S);
}

static void setup(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/modules/.luals/lifesim.lua", getenv("LIFESIM_HOME"));
    size_t len;
    sim_error err;
    CHECK(sim_read_file(path, &defs, &len, &err) == SIM_OK, "read %s", path);
    if (!defs) defs = sim_strdup("");
}

TEST_MAIN(T(setup), T(test_state_fields), T(test_helpers))
