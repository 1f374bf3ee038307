/* test_scenario.c — the YAML scenario loader: every key lands where it should, every mistake is
 * one message at the right line and column, and nothing is half-accepted. */
#include "sim_scenario.h"
#include "test.h"

#include <math.h>

static sim_scenario *parse(const char *yaml, sim_diags *d)
{
    memset(d, 0, sizeof *d);
    sim_scenario *s = NULL;
    sim_scenario_parse(yaml, strlen(yaml), "t.yaml", &s, d);
    return s;
}

/* every key, with a value other than its default */
static void test_every_key(void)
{
    const char *yaml = "name: trial-1\n"
                       "description: every key\n"
                       "seed: 12345678901234\n"
                       "population: 2500\n"
                       "reference_date: 2020-06-30\n"
                       "years_of_history: 10\n"
                       "demographics:\n"
                       "  sex_ratio: 1.05\n"
                       "  age: {min: 40, max: 74}\n"
                       "  race_ethnicity:\n"
                       "    - {race: white, ethnicity: nonhispanic, share: 0.5}\n"
                       "    - {race: black, ethnicity: hispanic, share: 0.5}\n"
                       "  state: Massachusetts\n"
                       "  places: places.csv\n"
                       "modules:\n"
                       "  include: [appendicitis, other]\n"
                       "  exclude: [third]\n"
                       "  dirs: [local/modules]\n"
                       "parameters:\n"
                       "  appendicitis.risk_multiplier: 2.5\n"
                       "output:\n"
                       "  folder: out/trial\n"
                       "  formats: [fhir, ndjson]\n"
                       "  gzip: true\n"
                       "threads: 4\n"
                       "guard_poll_days: 7\n"
                       "keep:\n"
                       "  alive: any\n"
                       "  sex: F\n"
                       "  age: {min: 50, max: 60}\n"
                       "  conditions:\n"
                       "    - {code: \"74400008\", system: SNOMED-CT, status: active}\n"
                       "    - {code: \"47693006\"}\n"
                       "  states:\n"
                       "    - {module: appendicitis, state: Appendectomy}\n"
                       "  max_attempts: 5000\n";
    sim_diags d;
    sim_scenario *s = parse(yaml, &d);
    CHECK(s != NULL && d.nerrors == 0, "parses (%zu errors)", d.nerrors);
    if (!s) {
        sim_diags_print(&d, stderr);
        sim_diags_free(&d);
        return;
    }
    CHECK_EQ_STR(s->name, "trial-1");
    CHECK_EQ_STR(s->description, "every key");
    CHECK(s->seed == UINT64_C(12345678901234), "seed");
    CHECK(s->population == 2500, "population");
    CHECK(s->reference_date == sim_time_from_ymd(2020, 6, 30), "reference_date");
    CHECK(s->years_of_history == 10, "years_of_history");
    CHECK(fabs(s->demographics.males_per_1000 - 1050) < 1e-9, "sex_ratio");
    CHECK(s->demographics.age_mode == SIM_AGE_RANGE && s->demographics.age_lo == 40 &&
              s->demographics.age_hi == 74,
          "age range");
    CHECK(s->nrace_mix == 2 && !strcmp(s->race_mix[1].race, "black") &&
              !strcmp(s->race_mix[1].ethnicity, "hispanic") && s->race_mix[0].share == 0.5,
          "race_ethnicity");
    CHECK_EQ_STR(s->demographics.state, "Massachusetts");
    CHECK_EQ_STR(s->demographics.places_file, "places.csv");
    CHECK(s->places_pos.line == 14 && s->places_pos.column == 11, "places position %d:%d",
          s->places_pos.line, s->places_pos.column);
    CHECK(s->ninclude == 2 && !strcmp(s->include[1], "other"), "include");
    CHECK(s->include_pos[1].line == 16 && s->include_pos[1].column == 27, "include position %d:%d",
          s->include_pos[1].line, s->include_pos[1].column);
    CHECK(s->nexclude == 1 && !strcmp(s->exclude[0], "third") && s->exclude_pos[0].line == 17,
          "exclude");
    CHECK(s->ndirs == 1 && !strcmp(s->dirs[0], "local/modules") && s->dirs_pos[0].line == 18,
          "dirs");
    CHECK(s->nparams == 1 && !strcmp(s->param_names[0], "appendicitis.risk_multiplier") &&
              s->param_values[0] == 2.5 && s->param_pos[0].line == 20 &&
              s->param_pos[0].column == 3,
          "parameters");
    CHECK_EQ_STR(s->out_dir, "out/trial");
    CHECK(s->formats == (SIM_FMT_FHIR | SIM_FMT_NDJSON), "formats");
    CHECK(s->gzip == 1, "gzip");
    CHECK(s->threads == 4, "threads");
    CHECK(s->guard_poll == 7 * SIM_MS_DAY, "guard_poll_days");
    const sim_keep *k = &s->keep;
    CHECK(k->on && k->alive == SIM_KEEP_EITHER && k->sex == 'F' && k->age_lo == 50 &&
              k->age_hi == 60 && k->max_attempts == 5000,
          "keep");
    CHECK(k->nconditions == 2 && !strcmp(k->conditions[0].code, "74400008") &&
              !strcmp(k->conditions[0].system, "SNOMED-CT") && k->conditions[0].active_only &&
              k->conditions[1].system == NULL && !k->conditions[1].active_only,
          "keep.conditions");
    CHECK(k->nstates == 1 && !strcmp(k->states[0].module, "appendicitis") &&
              !strcmp(k->states[0].state, "Appendectomy") && k->states[0].pos.line == 35,
          "keep.states");
    sim_scenario_free(s);
    sim_diags_free(&d);
}

static void test_defaults(void)
{
    sim_diags d;
    sim_scenario *s = parse("population: 5\n", &d);
    CHECK(s != NULL, "parses");
    if (!s) return;
    CHECK(s->seed == 1 && s->population == 5, "seed 1 by default");
    CHECK(s->reference_date == sim_time_from_ymd(2025, 1, 1), "reference date 2025-01-01");
    CHECK(s->years_of_history == 0, "the whole life");
    CHECK(s->demographics.age_mode == SIM_AGE_US, "US ages");
    CHECK(s->formats == SIM_FMT_CSV && !s->gzip, "csv, not gzipped");
    CHECK_EQ_STR(s->name, "t");
    CHECK_EQ_STR(s->out_dir, "output/t");
    CHECK(!s->keep.on, "no cohort");
    sim_scenario_free(s);
    sim_diags_free(&d);
    /* the other forms of age */
    s = parse("age_fixed_test: 1\n", &d);
    CHECK(s == NULL, "unknown top-level key rejected");
    sim_diags_free(&d);
    s = parse("demographics: {age: 30}\n", &d);
    CHECK(s && s->demographics.age_lo == 30 && s->demographics.age_hi == 30, "age: 30 is fixed");
    sim_scenario_free(s);
    sim_diags_free(&d);
    s = parse("demographics: {age: {fixed: 12}}\n", &d);
    CHECK(s && s->demographics.age_lo == 12 && s->demographics.age_hi == 12, "age: {fixed: 12}");
    sim_scenario_free(s);
    sim_diags_free(&d);
    s = parse("demographics: {age: us, race_ethnicity: us}\nyears_of_history: all\n", &d);
    CHECK(s && s->demographics.age_mode == SIM_AGE_US && !s->nrace_mix && !s->years_of_history,
          "age: us, race_ethnicity: us, years_of_history: all");
    sim_scenario_free(s);
    sim_diags_free(&d);
    s = parse("keep: {alive: false}\n", &d);
    CHECK(s && s->keep.on && s->keep.alive == SIM_KEEP_DEAD, "keep alive: false");
    sim_scenario_free(s);
    sim_diags_free(&d);
}

/* one mistake: exactly one error, at line:column, saying `want` */
typedef struct bad {
    const char *yaml;
    int line, column;
    const char *want;
} bad;

static const bad mistakes[] = {
    /* YAML itself */
    {"population: [1, 2\n", 2, 1, "YAML: did not find expected ',' or ']'"},
    {"a: b: c\n", 1, 5, "YAML: mapping values are not allowed in this context"},
    {"population: 3\n\tseed: 1\n", 2, 1, "YAML: found a tab character that violates indentation"},
    {"", 1, 1, "the scenario is empty"},
    {"- a\n- b\n", 1, 1, "the scenario must be a mapping of keys to values"},
    /* unknown keys */
    {"populaton: 3\n", 1, 1,
     "unknown key 'populaton' in the scenario (did you mean 'population'?)"},
    {"zzz: 3\n", 1, 1, "unknown key 'zzz' in the scenario (the keys are: name, description"},
    {"demographics: {sex_ratoi: 1}\n", 1, 16, "did you mean 'sex_ratio'"},
    {"output: {formts: [csv]}\n", 1, 10, "did you mean 'formats'"},
    {"modules: {exlude: [a]}\n", 1, 11, "did you mean 'exclude'"},
    {"keep: {alve: true}\n", 1, 8, "unknown key 'alve' in keep (did you mean 'alive'?)"},
    {"keep: {conditions: [{cod: \"1\"}]}\n", 1, 22, "unknown key 'cod' in a keep condition"},
    {"keep: {states: [{module: a, stat: b}]}\n", 1, 29, "unknown key 'stat' in a keep state"},
    {"seed: 1\nseed: 2\n", 2, 1, "'seed' is given twice"},
    /* wrong types */
    {"population: many\n", 1, 13, "population must be a whole number (got \"many\")"},
    {"population: -4\n", 1, 13, "population must be a whole number"},
    {"population: [1]\n", 1, 13, "population must be a whole number"},
    {"seed: 1.5\n", 1, 7, "seed must be a whole number"},
    {"name: [a]\n", 1, 7, "name must be a text value, not a list"},
    {"reference_date: 2025-02-30\n", 1, 17, "reference_date must be a date YYYY-MM-DD"},
    {"reference_date: tomorrow\n", 1, 17, "reference_date must be a date YYYY-MM-DD"},
    {"demographics: 3\n", 1, 15, "demographics must be a mapping"},
    {"modules: {include: appendicitis}\n", 1, 20, "include must be a list, e.g. [a, b]"},
    {"modules: {include: [[a]]}\n", 1, 21, "each entry of include must be a text value"},
    {"output: {gzip: maybe}\n", 1, 16, "gzip must be true or false"},
    {"output: {formats: [csv, xml]}\n", 1, 25, "unknown format 'xml' (use csv, fhir, ndjson)"},
    {"output: {formats: []}\n", 1, 19, "formats must name at least one of csv, fhir, ndjson"},
    {"parameters: [a]\n", 1, 13, "parameters must map module.parameter names to numbers"},
    {"parameters: {risk: 2}\n", 1, 14, "a parameter is named module.parameter"},
    {"parameters: {a.b: high}\n", 1, 19, "a.b must be a number (got \"high\")"},
    {"keep: [a]\n", 1, 7, "keep must be a mapping"},
    {"keep: {alive: sometimes}\n", 1, 15, "alive must be true or false"},
    {"keep: {sex: female}\n", 1, 13, "sex must be M or F (got \"female\")"},
    {"keep: {conditions: {code: 1}}\n", 1, 20, "conditions must be a list of"},
    {"keep: {conditions: [74400008]}\n", 1, 21, "each condition is {code: ..."},
    {"keep: {conditions: [{system: SNOMED-CT}]}\n", 1, 21, "a keep condition needs a code"},
    {"keep: {conditions: [{code: \"1\", system: SNOMED}]}\n", 1, 41,
     "system must be SNOMED-CT (or ICD-10)"},
    {"keep: {conditions: [{code: \"1\", status: past}]}\n", 1, 41, "status must be active"},
    {"keep: {states: [{module: a}]}\n", 1, 17, "a keep state needs the state's name"},
    {"keep: {states: [{state: b}]}\n", 1, 17, "a keep state needs the module"},
    {"keep: {states: [x]}\n", 1, 17, "each entry is {module: ..., state: ...}"},
    {"keep: {max_attempts: 0}\n", 1, 22, "max_attempts must be between 1 and"},
    /* out of range */
    {"population: 0\n", 1, 13, "population must be between 1 and"},
    {"reference_date: 1850-01-01\n", 1, 17, "reference_date must be between 1900 and 2200"},
    {"years_of_history: 500\n", 1, 19, "years_of_history must be between 0 and 200"},
    {"threads: 5000\n", 1, 10, "threads must be between 0 and 1024"},
    {"guard_poll_days: 0\n", 1, 18, "guard_poll_days must be between"},
    {"demographics: {sex_ratio: 3}\n", 1, 27, "sex_ratio must be between 0.5 and 2"},
    {"demographics: {age: {min: 60, max: 20}}\n", 1, 21, "age: min (60) is above max (20)"},
    {"demographics: {age: 130}\n", 1, 21, "must be between 0 and 110"},
    {"demographics: {age: {oldest: 3}}\n", 1, 22, "unknown key 'oldest' in demographics.age"},
    {"demographics: {race_ethnicity: [{race: white, share: 0.7}]}\n", 1, 32,
     "the shares sum to 0.7: they must sum to 1"},
    {"demographics: {race_ethnicity: [{race: purple, share: 1}]}\n", 1, 40,
     "race must be white, black, asian, native, hawaiian or other"},
    {"demographics: {race_ethnicity: [{race: white, ethnicity: latin, share: 1}]}\n", 1, 58,
     "ethnicity must be hispanic or nonhispanic"},
    {"demographics: {race_ethnicity: [{share: 1}]}\n", 1, 33, "this entry needs a race"},
    {"demographics: {race_ethnicity: [{race: white, share: 1, x: 1}]}\n", 1, 57,
     "unknown key 'x' (an entry has race, ethnicity and share)"},
    {"demographics: {places: ../../etc/passwd}\n", 1, 24,
     "places must be a file name in modules/data/"},
    {"keep: {age: {min: 70, max: 30}}\n", 1, 13, "keep.age: min (70) is above max (30)"},
    {"keep: {age: {min: 200}}\n", 1, 19, "min must be between 0 and 120"},
    {"name: my run\n", 1, 1, "name 'my run' names the output folder"},
};

static void test_mistakes(void)
{
    for (size_t i = 0; i < sizeof mistakes / sizeof mistakes[0]; i++) {
        const bad *b = &mistakes[i];
        sim_diags d;
        sim_scenario *s = parse(b->yaml, &d);
        CHECK(s == NULL, "case %zu is rejected: %s", i, b->yaml);
        sim_scenario_free(s);
        int found = 0;
        for (size_t j = 0; j < d.n; j++) {
            const sim_diag *g = &d.v[j];
            if (g->sev == SIM_SEV_ERROR && strstr(g->msg, b->want) && g->line == b->line &&
                g->column == b->column && !strcmp(g->file, "t.yaml"))
                found = 1;
        }
        CHECK(found, "case %zu (%s): wanted t.yaml:%d:%d: %s", i, b->yaml, b->line, b->column,
              b->want);
        CHECK(d.nerrors == 1, "case %zu: one error, not %zu", i, d.nerrors);
        if (!found || d.nerrors != 1) sim_diags_print(&d, stderr);
        sim_diags_free(&d);
    }
}

/* all problems at once */
static void test_all_at_once(void)
{
    sim_diags d;
    sim_scenario *s = parse("population: x\nseed: y\noutput: {gzip: 3}\n", &d);
    CHECK(s == NULL && d.nerrors == 3, "three errors reported together (%zu)", d.nerrors);
    sim_diags_free(&d);
}

static void test_missing_file(void)
{
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_scenario *s = NULL;
    sim_status st = sim_scenario_load("/nonexistent/x.yaml", &s, &d);
    CHECK(st != SIM_OK && s == NULL && d.nerrors == 1, "a missing scenario is an error");
    CHECK(d.n && !strcmp(d.v[0].file, "/nonexistent/x.yaml"), "naming the file");
    sim_diags_free(&d);
}

/* --dry-run's YAML reads back to the same scenario */
static void test_print_roundtrip(void)
{
    const char *yaml = "name: rt\nseed: 9\npopulation: 7\nreference_date: 2010-03-04\n"
                       "years_of_history: 5\n"
                       "demographics: {sex_ratio: 1.1, age: {min: 3, max: 9}, state: Ohio,\n"
                       "  race_ethnicity: [{race: asian, share: 1}]}\n"
                       "modules: {include: [a], exclude: [b], dirs: [c]}\n"
                       "parameters: {a.x: 0.25}\n"
                       "output: {folder: o/rt, formats: [csv, ndjson], gzip: true}\n"
                       "threads: 2\n"
                       "keep: {alive: any, sex: M, age: {min: 4}, conditions: [{code: \"9\"}],\n"
                       "  states: [{module: a, state: S}], max_attempts: 9}\n";
    sim_diags d;
    sim_scenario *a = parse(yaml, &d);
    CHECK(a != NULL, "parses");
    sim_diags_free(&d);
    if (!a) return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sim_scenario_print(a, f);
    fclose(f);
    sim_scenario *b = parse(buf, &d);
    CHECK(b != NULL, "the printed scenario parses: %s", buf);
    if (!b) sim_diags_print(&d, stderr);
    sim_diags_free(&d);
    if (b) {
        CHECK(!strcmp(a->name, b->name) && a->seed == b->seed && a->population == b->population &&
                  a->reference_date == b->reference_date &&
                  a->years_of_history == b->years_of_history &&
                  a->demographics.age_lo == b->demographics.age_lo &&
                  a->demographics.age_hi == b->demographics.age_hi &&
                  fabs(a->demographics.males_per_1000 - b->demographics.males_per_1000) < 1e-9 &&
                  !strcmp(a->demographics.state, b->demographics.state) &&
                  a->nrace_mix == b->nrace_mix && a->ninclude == b->ninclude &&
                  a->nexclude == b->nexclude && a->ndirs == b->ndirs && a->nparams == b->nparams &&
                  a->param_values[0] == b->param_values[0] && !strcmp(a->out_dir, b->out_dir) &&
                  a->formats == b->formats && a->gzip == b->gzip && a->threads == b->threads,
              "same scenario after a round trip");
        CHECK(b->keep.on && b->keep.alive == SIM_KEEP_EITHER && b->keep.sex == 'M' &&
                  b->keep.age_lo == 4 && b->keep.age_hi == -1 && b->keep.nconditions == 1 &&
                  b->keep.nstates == 1 && b->keep.max_attempts == 9,
              "same keep after a round trip");
    }
    sim_scenario_free(a);
    sim_scenario_free(b);
    free(buf);
}

/* the shipped scenarios all load */
static void test_shipped(void)
{
    static const char *const files[] = {"scenarios/default.yaml", "scenarios/fixtures.yaml",
                                        "scenarios/appendicitis_cohort.yaml", NULL};
    for (int i = 0; files[i]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", getenv("LIFESIM_HOME"), files[i]);
        sim_diags d;
        memset(&d, 0, sizeof d);
        sim_scenario *s = NULL;
        CHECK(sim_scenario_load(path, &s, &d) == SIM_OK, "%s loads", files[i]);
        sim_diags_print(&d, stderr);
        sim_scenario_free(s);
        sim_diags_free(&d);
    }
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_scenario *s = NULL;
    CHECK(sim_scenario_default(&s, &d) == SIM_OK &&
              s->formats == (SIM_FMT_CSV | SIM_FMT_FHIR | SIM_FMT_NDJSON),
          "the embedded default loads, with every format");
    sim_scenario_free(s);
    sim_diags_free(&d);
}

TEST_MAIN(T(test_every_key), T(test_defaults), T(test_mistakes), T(test_all_at_once),
          T(test_missing_file), T(test_print_roundtrip), T(test_shipped))
