/* test_modules.c — loading modules: compiled structures, and every validation problem reported
 * with its file:line and a fix, all at once. */
#include "sim_lua.h"
#include "sim_module.h"
#include "test.h"

static sim_status load(const char *path, const char *text, sim_modset **ms, sim_diags *d,
                       sim_lua **lua)
{
    *lua = sim_lua_new(NULL, getenv("LIFESIM_HOME"));
    memset(d, 0, sizeof *d);
    const char *slash = strrchr(path, '/');
    char key[128];
    snprintf(key, sizeof key, "%.*s", (int)strcspn(slash ? slash + 1 : path, "."),
             slash ? slash + 1 : path);
    return sim_modset_load_text(*lua, path, key, text, strlen(text), ms, d);
}

/* expects a diagnostic containing `needle` at `line` (0: any line) */
static void expect(const sim_diags *d, const char *needle, int line, sim_severity sev)
{
    for (size_t i = 0; i < d->n; i++) {
        const sim_diag *g = &d->v[i];
        if (strstr(g->msg, needle) && (line == 0 || g->line == line) && g->sev == sev) return;
    }
    CHECK(0, "no %s containing \"%s\" at line %d; got:", sev == SIM_SEV_ERROR ? "error" : "warning",
          needle, line);
    sim_diags_print(d, stderr);
}

static void test_valid_module(void)
{
    const char *src = "-- a test module\n"
                      "return {\n"
                      "  name = 'Test',\n"
                      "  states = {\n"
                      "    Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
                      "    Wait = { type = 'Delay', exact = { quantity = 3, unit = 'days' },\n"
                      "             direct_transition = 'Onset' },\n"
                      "    Onset = { type = 'ConditionOnset', codes = { codes.snomed(44054006, "
                      "'Diabetes mellitus type 2 (disorder)') },\n"
                      "              direct_transition = 'Terminal' },\n"
                      "    Terminal = { type = 'Terminal' },\n"
                      "  },\n"
                      "}\n";
    sim_modset *ms;
    sim_diags d;
    sim_lua *lua;
    sim_status st = load("modules/test.lua", src, &ms, &d, &lua);
    CHECK(st == SIM_OK, "valid module loads");
    sim_diags_print(&d, stderr);
    CHECK(d.n == 0, "no diagnostics (%zu)", d.n);
    if (st == SIM_OK) {
        const sim_module *m = sim_modset_get(ms, 0);
        CHECK_EQ_STR(m->name, "Test");
        CHECK(m->nstates == 4, "4 states");
        CHECK_EQ_STR(m->states[m->initial].name, "Initial");
        int32_t w = -1;
        for (int32_t i = 0; i < m->nstates; i++)
            if (!strcmp(m->states[i].name, "Wait")) w = i;
        CHECK(w >= 0 && m->states[w].type == SIM_ST_DELAY, "Wait is a Delay");
        CHECK(w >= 0 && m->states[w].line == 6, "Wait on line 6 (got %d)",
              w >= 0 ? m->states[w].line : -1);
        CHECK(w >= 0 && m->states[w].dist.kind == SIM_D_EXACT && m->states[w].dist.a == 3 &&
                  m->states[w].dist.unit == SIM_UNIT_DAYS,
              "exact 3 days");
        CHECK(strstr(m->header, "a test module") != NULL, "header comment kept");
        sim_modset_free(ms);
    }
    sim_diags_free(&d);
    sim_lua_free(lua);
}

static void test_all_problems_at_once(void)
{
    const char *src =
        "return {\n"                                                              /* 1 */
        "  name = 'Bad',\n"                                                       /* 2 */
        "  states = {\n"                                                          /* 3 */
        "    Initial = { type = 'Initial', direct_transition = 'Wiat' },\n"       /* 4 */
        "    Wait = { type = 'Dealy', exact = { quantity = 1, unit = 'days' },\n" /* 5 */
        "             direct_transition = 'Split' },\n"                           /* 6 */
        "    Split = { type = 'Simple', distributed_transition = {\n"             /* 7 */
        "      { distribution = 0.7, transition = 'A' },\n"                       /* 8 */
        "      { distribution = 0.6, transition = 'Terminal' } } },\n"            /* 9 */
        "    A = { type = 'Simple', direct_transiton = 'Terminal' },\n"           /* 10 */
        "    B = { type = 'Delay', exact = { quantity = 2, unit = 'yeers' },\n"   /* 11 */
        "          direct_transition = 'Terminal' },\n"                           /* 12 */
        "    C = { type = 'ConditionOnset', codes = { { system = 'SNOMED-CT', code = '1' } "
        "},\n"                                          /* 13 */
        "          direct_transition = 'Terminal' },\n" /* 14 */
        "    D = { type = 'Simple' },\n"                /* 15 */
        "    Terminal = { type = 'Terminal' },\n"       /* 16 */
        "  },\n"
        "}\n";
    sim_modset *ms = NULL;
    sim_diags d;
    sim_lua *lua;
    sim_status st = load("modules/bad.lua", src, &ms, &d, &lua);
    CHECK(st == SIM_EMODULE, "invalid module refused");
    CHECK(ms == NULL, "no modset");
    expect(&d, "'Wiat' is not a state of this module (did you mean 'Wait'?)", 4, SIM_SEV_ERROR);
    expect(&d, "unknown state type 'Dealy' (did you mean 'Delay'?)", 5, SIM_SEV_ERROR);
    expect(&d, "probabilities sum to 1.3 (must be <= 1)", 7, SIM_SEV_ERROR);
    expect(&d, "has no field 'direct_transiton' (did you mean 'direct_transition'?)", 10,
           SIM_SEV_ERROR);
    expect(&d, "unknown unit 'yeers'", 11, SIM_SEV_ERROR);
    expect(&d, "a code needs system, code and display (missing display)", 13, SIM_SEV_ERROR);
    expect(&d, "state 'D': a Simple state needs a transition", 15, SIM_SEV_ERROR);
    for (size_t i = 0; i < d.n; i++)
        CHECK(!strcmp(d.v[i].file, "modules/bad.lua"), "every message names the file");
    CHECK(d.nerrors >= 7, "all errors reported at once (%zu)", d.nerrors);
    sim_diags_free(&d);
    sim_lua_free(lua);
}

static void test_structure_problems(void)
{
    sim_modset *ms = NULL;
    sim_diags d;
    sim_lua *lua;
    /* no Initial */
    load("modules/noinit.lua",
         "return { name = 'X', states = { Start = { type = 'Simple', direct_transition = 'T' },\n"
         "  T = { type = 'Terminal' } } }\n",
         &ms, &d, &lua);
    expect(&d, "has no Initial state", 0, SIM_SEV_ERROR);
    sim_diags_free(&d);
    sim_lua_free(lua);
    /* unreachable state: a warning, the module still loads */
    sim_status st = load("modules/unreach.lua",
                         "return { name = 'X', states = {\n"
                         "  Initial = { type = 'Initial', direct_transition = 'T' },\n"
                         "  Orphan = { type = 'Simple', direct_transition = 'T' },\n"
                         "  T = { type = 'Terminal' } } }\n",
                         &ms, &d, &lua);
    CHECK(st == SIM_OK, "warnings do not stop loading");
    expect(&d, "state 'Orphan': unreachable", 3, SIM_SEV_WARNING);
    sim_modset_free(ms);
    sim_diags_free(&d);
    sim_lua_free(lua);
    /* a state defined twice: Lua keeps the second silently, we do not */
    load("modules/twice.lua",
         "return { name = 'X', states = {\n"
         "  Initial = { type = 'Initial', direct_transition = 'T' },\n"
         "  T = { type = 'Terminal' },\n"
         "  T = { type = 'Terminal' } } }\n",
         &ms, &d, &lua);
    expect(&d, "is defined twice (lines 3 and 4)", 3, SIM_SEV_ERROR);
    sim_diags_free(&d);
    sim_lua_free(lua);
    /* a record outside any encounter */
    load("modules/noenc.lua",
         "return { name = 'X', states = {\n"
         "  Initial = { type = 'Initial', direct_transition = 'Rx' },\n"
         "  Rx = { type = 'MedicationOrder', codes = { codes.rxnorm(313782, 'Acetaminophen 325 MG "
         "Oral Tablet') }, direct_transition = 'T' },\n"
         "  T = { type = 'Terminal' } } }\n",
         &ms, &d, &lua);
    expect(&d, "must happen inside an encounter", 3, SIM_SEV_ERROR);
    sim_diags_free(&d);
    sim_lua_free(lua);
}

static void test_lua_errors(void)
{
    sim_modset *ms = NULL;
    sim_diags d;
    sim_lua *lua;
    sim_status st =
        load("modules/syntax.lua", "return {\n  name = 'X'\n  states = {}\n}\n", &ms, &d, &lua);
    CHECK(st != SIM_OK, "syntax error refused");
    CHECK(d.n == 1 && !strcmp(d.v[0].file, "modules/syntax.lua") && d.v[0].line == 3 &&
              strstr(d.v[0].msg, "'}' expected"),
          "syntax error names file:line: %s", d.n ? d.v[0].msg : "(none)");
    sim_diags_free(&d);
    sim_lua_free(lua);
    st = load("modules/typo.lua",
              "local sct = codes.snomed\nreturn { name = 'X', states = { Initial = { type = "
              "'Initial', conditional_transition = when { { age_betwen(1, 2), 'T' }, { 'T' } } },\n"
              "  T = { type = 'Terminal' } } }\n",
              &ms, &d, &lua);
    CHECK(st != SIM_OK, "unknown helper refused");
    CHECK(d.n == 1 && !strcmp(d.v[0].file, "modules/typo.lua") && d.v[0].line == 2 &&
              strstr(d.v[0].msg, "unknown name 'age_betwen' (did you mean 'age_between'?)"),
          "typo in a helper name: %s", d.n ? d.v[0].msg : "(none)");
    sim_diags_free(&d);
    sim_lua_free(lua);
    st = load("modules/ret.lua", "return 42\n", &ms, &d, &lua);
    expect(&d, "must return a table", 1, SIM_SEV_ERROR);
    sim_diags_free(&d);
    sim_lua_free(lua);
}

static void test_conditions_compile(void)
{
    const char *src =
        "return { name = 'C', states = {\n"
        "  Initial = { type = 'Initial', conditional_transition = {\n"
        "    { condition = { condition_type = 'And', conditions = {\n"
        "        { condition_type = 'Age', operator = '>=', quantity = 40, unit = 'years' },\n"
        "        { condition_type = 'Gender', gender = 'F' },\n"
        "        { condition_type = 'Not', condition = { condition_type = 'Attribute', attribute = "
        "'smoker', operator = '==', value = true } } } },\n"
        "      transition = 'G' },\n"
        "    { condition = function(p) return p.age > 2 end, transition = 'G' },\n"
        "    { transition = 'T' } } },\n"
        "  G = { type = 'Guard', allow = { condition_type = 'Or', conditions = {\n"
        "      { condition_type = 'Attribute', attribute = 'ready', operator = 'is not nil' },\n"
        "      { condition_type = 'Age', operator = '>', quantity = 65, unit = 'years' } } },\n"
        "    direct_transition = 'T' },\n"
        "  T = { type = 'Terminal' } } }\n";
    sim_modset *ms = NULL;
    sim_diags d;
    sim_lua *lua;
    sim_status st = load("modules/c.lua", src, &ms, &d, &lua);
    CHECK(st == SIM_OK, "conditions compile");
    sim_diags_print(&d, stderr);
    if (ms) {
        const sim_module *m = sim_modset_get(ms, 0);
        const sim_state *init = &m->states[m->initial], *g = NULL;
        for (int32_t i = 0; i < m->nstates; i++)
            if (!strcmp(m->states[i].name, "G")) g = &m->states[i];
        CHECK(init->tr.kind == SIM_T_CONDITIONAL && init->tr.nc == 3, "three branches");
        CHECK(init->tr.c[0].cond->type == SIM_C_AND && init->tr.c[0].cond->nkids == 3, "And of 3");
        CHECK(init->tr.c[1].cond->type == SIM_C_LUA, "function condition");
        CHECK(init->tr.c[2].cond == NULL, "else branch");
        CHECK(g && (g->deps & SIM_DEP_ATTR) && (g->deps & SIM_DEP_TIME) && !(g->deps & SIM_DEP_ANY),
              "guard reads an attribute and the age, nothing opaque");
        CHECK(g && g->ndep_attrs == 1, "guard watches one attribute");
        sim_modset_free(ms);
    }
    sim_diags_free(&d);
    sim_lua_free(lua);
}

static void test_shipped_modules_load(void)
{
    sim_lua *lua = sim_lua_new(NULL, getenv("LIFESIM_HOME"));
    sim_modset_opts o;
    memset(&o, 0, sizeof o);
    o.root = getenv("LIFESIM_HOME");
    sim_modset *ms = NULL;
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_status st = sim_modset_load(lua, &o, &ms, &d);
    sim_diags_print(&d, stderr);
    CHECK(st == SIM_OK, "every shipped module loads");
    CHECK(d.n == 0, "and without warnings (%zu)", d.n);
    CHECK(ms && sim_modset_find(ms, "appendicitis") >= 0, "appendicitis is shipped");
    sim_modset_free(ms);
    sim_diags_free(&d);
    sim_lua_free(lua);
}

TEST_MAIN(T(test_valid_module), T(test_all_problems_at_once), T(test_structure_problems),
          T(test_lua_errors), T(test_conditions_compile), T(test_shipped_modules_load))
