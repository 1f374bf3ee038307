/* sim_scenario.h — what to simulate, read from a YAML scenario (a file in scenarios/).
 *
 * The loader is strict: an unknown key (with a suggestion), a wrong type, a value out of range or
 * a missing file is reported as file:line:column, all problems at once, and nothing runs until
 * the whole scenario is valid. Command-line flags override the scenario afterwards.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include "sim_base.h"
#include "sim_population.h"
#include "sim_time.h"

enum { SIM_FMT_CSV = 1u << 0, SIM_FMT_FHIR = 1u << 1, SIM_FMT_NDJSON = 1u << 2 };

/* keep: the cohort a run delivers (every criterion must hold) */
typedef enum sim_keep_alive { SIM_KEEP_ALIVE = 0, SIM_KEEP_DEAD, SIM_KEEP_EITHER } sim_keep_alive;

typedef struct sim_keep_condition {
    char *system; /* NULL: any system */
    char *code;
    int active_only; /* status: active (at the reference date or death), else ever */
    sim_pos pos;
} sim_keep_condition;

typedef struct sim_keep_state {
    char *module; /* module key or GMF name */
    char *state;
    sim_pos pos;
} sim_keep_state;

typedef struct sim_keep {
    int on;     /* the scenario has keep: */
    char *name; /* a group of keep.each */
    sim_keep_alive alive;
    char sex;           /* 'M', 'F', or 0: either */
    int age_lo, age_hi; /* completed years at the reference date (or at death); -1: no bound */
    sim_keep_condition *conditions;
    size_t nconditions;
    sim_keep_state *states;
    size_t nstates;
    uint64_t max_attempts; /* lives simulated per kept patient before giving up */
    /* keep.each: the patients are dealt to these groups in turn (patient i to groups[i % n]),
     * each meeting its group's criteria as well as the ones above */
    struct sim_keep *groups;
    size_t ngroups;
    sim_pos pos;
} sim_keep;

/* summary: what the cohort summary (COHORT.md, cohort.json) reports on each kind of case */
typedef struct sim_summary_category {
    char *name;
    char *evidence; /* what the record shows at diagnosis (sim_evidence.h) */
    sim_pos pos;
} sim_summary_category;

typedef struct sim_summary_group {
    char *name;
    sim_summary_category *cats;
    size_t ncats;
    sim_pos pos;
} sim_summary_group;

typedef struct sim_summary_count {
    char *name;
    char *module, *state; /* times the patient entered this state, or */
    char *records;        /* records SYS:code[=SYS:value] from the diagnosis on */
    sim_pos pos;
} sim_summary_count;

typedef struct sim_summary_case {
    char *name;
    char *condition; /* a code list (sim_evidence.h): the first onset is the diagnosis */
    sim_summary_group *groups;
    size_t ngroups;
    char *survival_name; /* survival_by: the group whose categories split the survival table */
    int survival_by;     /* its index in groups, -1: none */
    sim_summary_count *counts;
    size_t ncounts;
    sim_pos pos, condition_pos, survival_pos;
} sim_summary_case;

typedef struct sim_scenario {
    char *path; /* as shown in messages */
    char *text; /* the YAML as read (hashed into the manifest) */
    size_t len;
    char *name;
    char *description;
    uint64_t seed;
    uint64_t population;
    sim_time reference_date;
    int years_of_history; /* 0: the whole life */
    sim_pop_opts demographics;
    sim_race_share *race_mix;
    size_t nrace_mix;
    char **include, **exclude, **dirs;
    sim_pos *include_pos, *exclude_pos, *dirs_pos; /* where the scenario names each (0: a flag) */
    size_t ninclude, nexclude, ndirs;
    char **param_names;
    double *param_values;
    sim_pos *param_pos;
    size_t nparams;
    sim_keep keep;
    sim_summary_case *summary;
    size_t nsummary;
    sim_pos places_pos;
    char *out_dir;
    unsigned formats;
    int gzip;
    int threads; /* 0: all cores */
    sim_time guard_poll;
} sim_scenario;

/* Parses YAML text. `path` names it in messages; `embedded` marks the built-in default. */
sim_status sim_scenario_parse(const char *text, size_t len, const char *path, sim_scenario **out,
                              sim_diags *diags);
sim_status sim_scenario_load(const char *path, sim_scenario **out, sim_diags *diags);
/* The embedded default scenario (scenarios/default.yaml, compiled in). */
sim_status sim_scenario_default(sim_scenario **out, sim_diags *diags);
void sim_scenario_free(sim_scenario *s);

/* Writes the resolved scenario as YAML (for --dry-run). */
void sim_scenario_print(const sim_scenario *s, FILE *f);
/* Appends a folder of modules named on the command line (-d). Returns 0, -1 when out of memory. */
int sim_scenario_add_dir(sim_scenario *s, const char *dir);

/* Parses a format list "csv,fhir,ndjson"; returns 0 or -1 (with the bad word in *bad). */
int sim_formats_parse(const char *list, unsigned *out, char *bad, size_t badsz);

#endif
