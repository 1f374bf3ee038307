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
    int on; /* the scenario has keep: */
    sim_keep_alive alive;
    char sex;           /* 'M', 'F', or 0: either */
    int age_lo, age_hi; /* completed years at the reference date (or at death); -1: no bound */
    sim_keep_condition *conditions;
    size_t nconditions;
    sim_keep_state *states;
    size_t nstates;
    uint64_t max_attempts; /* lives simulated per kept patient before giving up */
    sim_pos pos;
} sim_keep;

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
