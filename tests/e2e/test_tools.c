/* test_tools.c — the module author's commands: lint (load-time checks and the cross-module view,
 * file:line lines, exit 1 on errors), graph (DOT, SVG through Graphviz), trace (one patient's
 * path), import-gmf/export-gmf error paths, and realism --targets as a module's own test. */
#include "e2e.h"

static char fixture[1024];

static char *slurp_file(const char *path)
{
    char *text;
    size_t len;
    sim_error err;
    return sim_read_file(path, &text, &len, &err) == SIM_OK ? text : NULL;
}

static void setup(void)
{
    snprintf(fixture, sizeof fixture, "%s/tests/fixtures/tools/modules/thirty_percent.lua",
             getenv("LIFESIM_HOME"));
}

static void test_lint(void)
{
    char cmd[8192], err[8192], out[1100];
    snprintf(out, sizeof out, "%s/lint.txt", tmpdir());
    snprintf(cmd, sizeof cmd, "%s lint %s > %s", bin(), fixture, out);
    CHECK(sh(cmd, err, sizeof err) == 0, "a module with warnings only: exit 0: %s", err);
    char *text = slurp_file(out);
    CHECK(text && strstr(text, "thirty_percent.lua:14: warning: attribute 'fixture_unread' is set "
                               "here but no module reads it"),
          "written but never read: %s", text ? text : "");
    CHECK(text && strstr(text, "thirty_percent.lua:15: warning: attribute 'fixture_unset' is read "
                               "here but no module sets it"),
          "read but never written: %s", text ? text : "");
    free(text);
    /* a broken module: every problem, each at its line, exit 1 */
    char bad[1100];
    snprintf(bad, sizeof bad, "%s/broken_module.lua", tmpdir());
    FILE *f = fopen(bad, "w");
    fputs("-- test\nreturn { name = 'Broken', states = {\n"
          "  Initial = { type = 'Initial', direct_transiton = 'Done' },\n"
          "  Wait = { type = 'Delay', exact = { quantity = 1, unit = 'dayz' }, direct_transition = 'Nowhere' },\n"
          "  Done = { type = 'Terminal' } } }\n",
          f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s lint %s > %s", bin(), bad, out);
    CHECK(sh(cmd, err, sizeof err) == 1, "errors: exit 1");
    text = slurp_file(out);
    CHECK(text && strstr(text, "broken_module.lua:3: error:") && strstr(text, "direct_transition"),
          "the misspelt field at its line, with a suggestion: %s", text ? text : "");
    CHECK(text && strstr(text, "broken_module.lua:4: error:") && strstr(text, "Nowhere"),
          "the missing state at its line: %s", text ? text : "");
    free(text);
    /* the whole library lints clean of errors */
    snprintf(cmd, sizeof cmd, "%s lint > %s", bin(), out);
    CHECK(sh(cmd, err, sizeof err) == 0, "the shipped library has no lint error: %s", err);
}

static void test_graph(void)
{
    char cmd[8192], err[8192], out[1100];
    snprintf(out, sizeof out, "%s/graph.dot", tmpdir());
    snprintf(cmd, sizeof cmd, "%s graph %s -o %s", bin(), fixture, out);
    CHECK(sh(cmd, err, sizeof err) == 0, "graph: %s", err);
    char *dot = slurp_file(out);
    CHECK(dot && strstr(dot, "digraph \"Thirty Percent\""), "a digraph named after the module");
    CHECK(dot && strstr(dot, "\"Initial\" [shape=circle"), "Initial is a circle");
    CHECK(dot && strstr(dot, "\"Done\" [shape=doublecircle"), "Terminal is a double circle");
    CHECK(dot && strstr(dot, "\"Fifty\" [shape=hexagon") && strstr(dot, "until age >= 50 years"),
          "a Guard shows its condition");
    CHECK(dot && strstr(dot, "\"Draw\" -> \"Onset\" [label=\"30%\"]") &&
              strstr(dot, "\"Draw\" -> \"Done\" [label=\"70%\"]"),
          "distributed transitions carry their probabilities: %s", dot ? dot : "");
    CHECK(dot && strstr(dot, "[label=\"fixture_unset == true\"]") &&
              strstr(dot, "[label=\"otherwise\"]"),
          "conditional transitions carry their conditions");
    free(dot);
    if (system("command -v dot >/dev/null 2>&1") == 0) {
        snprintf(out, sizeof out, "%s/graph.svg", tmpdir());
        snprintf(cmd, sizeof cmd, "%s graph %s -o %s", bin(), fixture, out);
        CHECK(sh(cmd, err, sizeof err) == 0, "graph -o .svg: %s", err);
        char *svg = slurp_file(out);
        CHECK(svg && strstr(svg, "<svg") && strstr(svg, "Thirty Percent"), "an SVG drawing");
        free(svg);
    } else {
        fprintf(stderr, "SKIPPED: SVG (Graphviz's dot is not installed)\n");
    }
    snprintf(cmd, sizeof cmd, "%s graph %s -o x.png", bin(), fixture);
    CHECK(sh(cmd, err, sizeof err) == 2 && strstr(err, "should end in .dot or .svg"), "-o x.png: %s",
          err);
}

static void test_trace(void)
{
    char cmd[8192], err[8192], out[1100];
    snprintf(out, sizeof out, "%s/trace.txt", tmpdir());
    int found = 0;
    for (int i = 0; i < 40 && !found; i++) {
        snprintf(cmd, sizeof cmd, "%s trace %s --patient %d -s 5 > %s", bin(), fixture, i, out);
        CHECK(sh(cmd, err, sizeof err) == 0, "trace: %s", err);
        char *t = slurp_file(out);
        if (t && strstr(t, "ConditionOnset")) {
            found = 1;
            CHECK(strstr(t, "patient ") && strstr(t, "of seed 5"), "names the patient: %s", t);
            CHECK(strstr(t, "Fifty") && strstr(t, "Guard"), "the states, with their types: %s", t);
            CHECK(strstr(t, "condition onset: Essential hypertension (disorder)"),
                  "the record it made: %s", t);
            CHECK(strstr(t, "sets fixture_unread = true"), "the attribute it set: %s", t);
            CHECK(strstr(t, "T") && strstr(t, "Z  "), "with simulation dates: %s", t);
        }
        free(t);
    }
    CHECK(found, "some patient of 40 reaches the Onset state");
    snprintf(cmd, sizeof cmd, "%s trace /nonexistent.lua", bin());
    CHECK(sh(cmd, err, sizeof err) == 1 && strstr(err, "no such module file"), "a missing file: %s",
          err);
}

static void test_convert_errors(void)
{
    char cmd[8192], err[8192], bad[1100];
    snprintf(bad, sizeof bad, "%s/notjson.json", tmpdir());
    FILE *f = fopen(bad, "w");
    fputs("{\n  \"name\": \"X\",\n  \"states\": {,\n}\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s import-gmf %s", bin(), bad);
    CHECK(sh(cmd, err, sizeof err) == 1 && strstr(err, "notjson.json:3:"), "bad JSON at its line: %s",
          err);
    snprintf(cmd, sizeof cmd, "%s export-gmf %s/tests/fixtures/gmf/modules/runtime_error.lua",
             bin(), getenv("LIFESIM_HOME"));
    int rc = sh(cmd, err, sizeof err);
    CHECK(rc == 1 && strstr(err, "cannot hold Lua functions"), "a Lua function cannot be JSON: %s",
          err);
}

/* realism --targets: a module's own test, with nothing else loaded */
static void test_module_test(void)
{
    char cmd[8192], err[8192], root[1024];
    snprintf(root, sizeof root, "%s/tools_root", tmpdir());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/modules && cp -r %s/modules/data %s/modules/",
             root, root, getenv("LIFESIM_HOME"), root);
    CHECK(sh(cmd, err, sizeof err) == 0, "a root without modules: %s", err);
    const char *home = getenv("LIFESIM_HOME");
    snprintf(cmd, sizeof cmd,
             "LIFESIM_HOME=%s %s realism --targets %s/tests/fixtures/tools/pass.csv -d %s/tests/fixtures/tools/modules -p 2000",
             root, bin(), home, home);
    CHECK(sh(cmd, err, sizeof err) == 0, "prevalence at 60 is 30%% +/- 3: passes: %s", err);
    snprintf(cmd, sizeof cmd,
             "LIFESIM_HOME=%s %s realism --targets %s/tests/fixtures/tools/fail.csv -d %s/tests/fixtures/tools/modules -p 2000",
             root, bin(), home, home);
    CHECK(sh(cmd, err, sizeof err) == 1, "and 50%% +/- 3 fails");
}

/* the case measures (lifetime_risk, stage_share, survival, median_age) on a toy cancer whose
 * answers are known; a wrong expectation fails; malformed evidence is refused at its line */
static void test_case_measures(void)
{
    char cmd[8192], err[8192], root[1024];
    const char *home = getenv("LIFESIM_HOME");
    /* the root of test_module_test: the data tables and no modules, so only the toy loads */
    snprintf(root, sizeof root, "%s/tools_root", tmpdir());
    const char *fx = "tests/fixtures/realism_cases";
    snprintf(cmd, sizeof cmd, "LIFESIM_HOME=%s %s realism --targets %s/%s/cases.csv -d %s/%s/modules -p 4000",
             root, bin(), home, fx, home, fx);
    CHECK(sh(cmd, err, sizeof err) == 0, "the toy cancer's known answers: %s", err);
    snprintf(cmd, sizeof cmd, "LIFESIM_HOME=%s %s realism --targets %s/%s/wrong.csv -d %s/%s/modules -p 4000",
             root, bin(), home, fx, home, fx);
    CHECK(sh(cmd, err, sizeof err) == 1, "a half distant, where a quarter are, fails");
    snprintf(cmd, sizeof cmd, "LIFESIM_HOME=%s %s realism --targets %s/%s/malformed.csv -d %s/%s/modules -p 100",
             root, bin(), home, fx, home, fx);
    int rc = sh(cmd, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "malformed.csv:3:") && strstr(err, "SYSTEM:code=SYSTEM:value"),
          "malformed evidence named at its line: %s", err);
}

TEST_MAIN(T(setup), T(test_lint), T(test_graph), T(test_trace), T(test_convert_errors),
          T(test_module_test), T(test_case_measures))
