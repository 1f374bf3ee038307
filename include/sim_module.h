/* sim_module.h — disease modules: the GMF vocabulary compiled into C structures.
 *
 * A module is a Lua file returning a GMF table (or a Synthea GMF .json file). The loader runs the
 * file once in the sandbox, reads the table and compiles every declarative part into the structs
 * below; only function-valued fields stay in Lua (as registry references of the worker's
 * lua_State). Validation collects every problem at once, each located at the state's or field's
 * file:line.
 *
 * A sim_modset holds every module of a run together with the interned names they share
 * (attributes, symptoms, vital signs, codes). Each worker compiles its own modset from the same
 * sources; compilation is deterministic, so interned ids agree across workers.
 */
#ifndef SIM_MODULE_H
#define SIM_MODULE_H

#include "sim_base.h"
#include "sim_record.h"
#include "sim_time.h"

typedef enum sim_state_type {
    SIM_ST_INITIAL = 0,
    SIM_ST_TERMINAL,
    SIM_ST_SIMPLE,
    SIM_ST_GUARD,
    SIM_ST_DELAY,
    SIM_ST_SETATTRIBUTE,
    SIM_ST_COUNTER,
    SIM_ST_CALLSUBMODULE,
    SIM_ST_ENCOUNTER,
    SIM_ST_ENCOUNTEREND,
    SIM_ST_CONDITIONONSET,
    SIM_ST_CONDITIONEND,
    SIM_ST_ALLERGYONSET,
    SIM_ST_ALLERGYEND,
    SIM_ST_MEDICATIONORDER,
    SIM_ST_MEDICATIONEND,
    SIM_ST_CAREPLANSTART,
    SIM_ST_CAREPLANEND,
    SIM_ST_PROCEDURE,
    SIM_ST_IMMUNIZATION,
    SIM_ST_OBSERVATION,
    SIM_ST_MULTIOBSERVATION,
    SIM_ST_DIAGNOSTICREPORT,
    SIM_ST_VITALSIGN,
    SIM_ST_SYMPTOM,
    SIM_ST_DEVICE,
    SIM_ST_DEVICEEND,
    SIM_ST_SUPPLYLIST,
    SIM_ST_IMAGINGSTUDY,
    SIM_ST_DEATH,
    SIM_ST_COUNT
} sim_state_type;

const char *sim_state_type_name(sim_state_type t);
/* The fields a state of this type accepts (the common ones first); returns how many. */
size_t sim_state_field_names(int type, const char **out, size_t max);

typedef enum sim_op {
    SIM_OP_LT = 0,
    SIM_OP_LE,
    SIM_OP_EQ,
    SIM_OP_GE,
    SIM_OP_GT,
    SIM_OP_NE,
    SIM_OP_IS_NIL,
    SIM_OP_IS_NOT_NIL
} sim_op;

typedef enum sim_cond_type {
    SIM_C_TRUE = 0,
    SIM_C_FALSE,
    SIM_C_AND,
    SIM_C_OR,
    SIM_C_NOT,
    SIM_C_AT_LEAST,
    SIM_C_AT_MOST,
    SIM_C_GENDER,
    SIM_C_AGE,
    SIM_C_DATE,
    SIM_C_SES,
    SIM_C_RACE,
    SIM_C_SYMPTOM,
    SIM_C_OBSERVATION,
    SIM_C_VITAL_SIGN,
    SIM_C_ACTIVE_CONDITION,
    SIM_C_ACTIVE_MEDICATION,
    SIM_C_ACTIVE_CAREPLAN,
    SIM_C_ACTIVE_ALLERGY,
    SIM_C_ATTRIBUTE,
    SIM_C_PRIOR_STATE,
    SIM_C_LUA
} sim_cond_type;

/* What a condition can see change: used to wake a Guard only when something it reads changes. */
enum {
    SIM_DEP_ATTR = 1u << 0, /* one of `attrs` (or any attribute, with SIM_DEP_ANY) */
    SIM_DEP_CONDITION = 1u << 1,
    SIM_DEP_MEDICATION = 1u << 2,
    SIM_DEP_CAREPLAN = 1u << 3,
    SIM_DEP_ALLERGY = 1u << 4,
    SIM_DEP_OBSERVATION = 1u << 5,
    SIM_DEP_VITAL = 1u << 6,
    SIM_DEP_SYMPTOM = 1u << 7,
    SIM_DEP_STATE = 1u << 8, /* the module's own state history (PriorState) */
    SIM_DEP_ANY = 1u << 9,   /* an opaque Lua function: anything, plus a poll interval */
    SIM_DEP_TIME = 1u << 10  /* Age/Date: wakes at the next instant the value can flip */
};

typedef struct sim_cond {
    uint8_t type; /* sim_cond_type */
    uint8_t op;   /* sim_op */
    char sex;     /* Gender */
    uint8_t unit; /* Age: sim_unit */
    int32_t line;
    struct sim_cond *kids; /* And, Or, Not (one), At Least, At Most */
    int32_t nkids;
    int32_t count;     /* At Least / At Most */
    double quantity;   /* Age quantity; Symptom/Vital/Observation numeric threshold */
    sim_time date;     /* Date: the instant compared with */
    int32_t id;        /* attribute / symptom / vital-sign id; PriorState: state index */
    int32_t since;     /* PriorState: state index or -1 */
    sim_time within;   /* PriorState: window in ms, or 0 */
    int32_t ref_attr;  /* referenced_by_attribute, or -1 */
    int32_t date_part; /* Date: 0 whole instant, 1 year */
    sim_value value;   /* Attribute / Observation value */
    sim_codes codes;
    const char *text; /* Race, Socioeconomic Status category */
    int lua_ref;      /* SIM_C_LUA */
} sim_cond;

typedef enum sim_dist_kind {
    SIM_D_EXACT = 0,
    SIM_D_UNIFORM,
    SIM_D_GAUSSIAN,
    SIM_D_EXPONENTIAL,
    SIM_D_TRIANGULAR,
    SIM_D_WEIBULL,
    SIM_D_LOGNORMAL,
    SIM_D_GAMMA,
    SIM_D_LUA
} sim_dist_kind;

/* A number drawn at run time. Parameters: EXACT a; UNIFORM a=low b=high; GAUSSIAN a=mean b=sd;
 * EXPONENTIAL a=mean; TRIANGULAR a=min b=mode c=max; WEIBULL a=shape b=scale; LOGNORMAL a=mu
 * b=sigma; GAMMA a=shape b=scale. Optional clamps min/max. */
typedef struct sim_dist {
    uint8_t kind;
    uint8_t has_min, has_max;
    int8_t decimals; /* round the drawn value to this many decimals; -1: no rounding */
    uint8_t unit;    /* sim_unit for durations; SIM_UNIT_COUNT when unitless */
    double a, b, c;
    double min, max;
    int lua_ref;
} sim_dist;

typedef struct sim_dopt { /* one branch of a distributed transition */
    int32_t target;
    double p;     /* fixed probability */
    int32_t attr; /* probability read from this attribute, or -1 */
    int lua_ref;  /* probability computed by a Lua function, or LUA_NOREF */
} sim_dopt;

typedef struct sim_copt { /* one branch of a conditional or complex transition */
    const sim_cond *cond; /* NULL: always true */
    int32_t target;       /* -1 when `dist` is used (complex) */
    const sim_dopt *dist;
    int32_t ndist;
} sim_copt;

/* lookup_table_transition: rows of key values and one probability per branch */
typedef enum sim_lookup_kind {
    SIM_LK_AGE = 0,
    SIM_LK_GENDER,
    SIM_LK_RACE,
    SIM_LK_ETHNICITY,
    SIM_LK_SES,
    SIM_LK_ATTR
} sim_lookup_kind;

typedef struct sim_lookup_key {
    uint8_t kind;
    int32_t attr;
} sim_lookup_key;

typedef struct sim_lookup {
    const char *file;
    const sim_lookup_key *keys;
    int32_t nkeys;
    int32_t nrows;
    const char *const *cells;       /* nrows * nkeys key cells */
    const int32_t *age_lo, *age_hi; /* per row, when a key is the age (hi -1: open) */
    const double *probs;            /* nrows * (number of branches) */
} sim_lookup;

typedef enum sim_trans_kind {
    SIM_T_NONE = 0,
    SIM_T_DIRECT,
    SIM_T_DISTRIBUTED,
    SIM_T_CONDITIONAL,
    SIM_T_COMPLEX,
    SIM_T_LOOKUP
} sim_trans_kind;

typedef struct sim_transition {
    uint8_t kind;
    int32_t target;    /* DIRECT */
    const sim_dopt *d; /* DISTRIBUTED, LOOKUP (the default probabilities) */
    int32_t nd;
    const sim_copt *c; /* CONDITIONAL, COMPLEX */
    int32_t nc;
    const sim_lookup *lookup;
} sim_transition;

/* How a state obtains a value (SetAttribute, Observation, VitalSign, Symptom, ...). */
typedef enum sim_valsrc {
    SIM_VS_NONE = 0,
    SIM_VS_CONST, /* `value` / `value_code` / `exact` */
    SIM_VS_DIST,  /* `range` / `distribution` */
    SIM_VS_ATTR,  /* `attribute` */
    SIM_VS_VITAL, /* `vital_sign` */
    SIM_VS_LUA    /* a Lua function */
} sim_valsrc;

typedef struct sim_valspec {
    uint8_t src;
    sim_value value;
    sim_dist dist;
    int32_t id; /* attribute or vital id */
    int lua_ref;
} sim_valspec;

typedef struct sim_reaction_spec { /* AllergyOnset: a reaction and its possible severities */
    const sim_code *manifestation;
    const char *const *levels; /* "mild", "moderate", "severe" */
    const double *probs;
    int32_t nlevels;
} sim_reaction_spec;

typedef struct sim_obs_spec { /* one observation of a MultiObservation / DiagnosticReport */
    sim_codes codes;
    const char *category;
    const char *unit;
    sim_valspec val;
    int32_t line;
} sim_obs_spec;

typedef struct sim_state {
    const char *name;
    uint64_t name_hash;
    int32_t line;
    uint8_t type; /* sim_state_type */
    sim_transition tr;

    sim_codes codes;
    int32_t target_encounter; /* state index, or -1 */
    int32_t assign_attr;      /* assign_to_attribute id, or -1 */
    int32_t ref_attr;         /* referenced_by_attribute id, or -1 */
    int32_t ref_state; /* condition_onset / medication_order / careplan / device / allergy_onset */
    int32_t reason_state;    /* reason given as a state name, or -1 */
    int32_t reason_attr;     /* reason given as an attribute, or -1 */
    const char *reason_text; /* the reason as written (for messages) */

    const sim_cond *allow; /* Guard */
    sim_time poll; /* Guard on an opaque Lua condition: re-test interval (0: run's default) */
    uint32_t deps; /* Guard: SIM_DEP_* mask of what `allow` reads */
    const int32_t *dep_attrs; /* Guard: attribute ids `allow` reads */
    int32_t ndep_attrs;

    uint8_t has_dist; /* Delay, Death, Procedure duration */
    sim_dist dist;

    /* Encounter / EncounterEnd */
    uint8_t enc_class;
    uint8_t wellness;
    const sim_code *discharge;

    /* SetAttribute / Counter */
    int32_t attr;
    sim_valspec val;   /* also Observation / VitalSign / Symptom values */
    double amount;     /* Counter */
    uint8_t decrement; /* Counter */

    /* CallSubmodule */
    const char *submodule_name;
    int32_t submodule; /* index in the modset */

    /* MedicationOrder */
    uint8_t chronic, administration;
    const sim_dosage *dosage;

    /* CarePlanStart */
    sim_codes activities;
    const sim_goal *goals;
    uint32_t ngoals;

    /* AllergyOnset */
    const char *allergy_type, *allergy_category;
    const sim_reaction_spec *reactions;
    int32_t nreactions;

    /* Observation, MultiObservation, DiagnosticReport, VitalSign, Symptom */
    const char *category;
    const char *unit;
    int32_t vital;      /* VitalSign: vital id */
    int32_t symptom;    /* Symptom: symptom id */
    double probability; /* Symptom: chance the symptom appears */
    const sim_obs_spec *obs;
    int32_t nobs;

    /* Symptom */
    const char *cause;

    /* Device */
    const char *manufacturer, *model;

    /* SupplyList */
    const sim_code *const *supplies;
    const int32_t *supply_qty;
    int32_t nsupplies;

    /* ImagingStudy */
    const sim_code *procedure_code;
    const sim_imaging_series *series;
    uint32_t nseries;
} sim_state;

typedef struct sim_param {
    const char *name;
    const char *meaning;
    double def;   /* default */
    double value; /* after the scenario's overrides */
    int32_t line;
} sim_param;

typedef struct sim_module {
    char *key;     /* "appendicitis", or "breast_cancer/chemo" for a submodule */
    char *name;    /* the GMF `name` */
    char *path;    /* as shown in messages: "modules/appendicitis.lua" */
    char *header;  /* the comment block the file opens with (its sources) */
    int submodule; /* lives under modules/<folder>/ and runs only when called */
    int json;      /* loaded from GMF JSON */
    sim_state *states;
    int32_t nstates;
    int32_t initial;
    sim_param *params;
    int32_t nparams;
    uint64_t stream_hash; /* hash64(name): the module's random sub-stream */
    int table_ref;        /* Lua registry reference to the module table */
    int32_t index;        /* position in the modset */
} sim_module;

typedef struct sim_modset sim_modset;
typedef struct sim_lua sim_lua;

/* Interned names shared by a modset's modules. Ids are dense, from 0. */
typedef enum sim_ns { SIM_NS_ATTR = 0, SIM_NS_VITAL, SIM_NS_SYMPTOM, SIM_NS_COUNT } sim_ns;

/* Options for loading modules. */
typedef struct sim_modset_opts {
    const char *root;        /* folder holding modules/ (the repository or install root) */
    const char *const *dirs; /* extra module folders (-d), may be NULL */
    size_t ndirs;
    const char *const *include; /* module keys to keep (NULL: all) */
    size_t ninclude;
    const char *const *exclude;
    size_t nexclude;
    /* parameter overrides "module.param" = value */
    const char *const *param_names;
    const double *param_values;
    size_t nparams;
    /* where each of the above is written (a scenario), for messages; any may be NULL, and a
     * position of 0 means the command line */
    const char *origin;
    const sim_pos *dirs_pos, *include_pos, *exclude_pos, *param_pos;
    int quiet_warnings; /* do not collect warnings */
} sim_modset_opts;

/* Loads and compiles every module (and submodule) named by opts into a fresh modset, in the
 * sandboxed Lua state `lua`. All problems found are added to `diags`; returns SIM_EMODULE when
 * any is an error (the modset is then NULL). The modset holds references into `lua`: free the
 * modset before the Lua state. */
sim_status sim_modset_load(sim_lua *lua, const sim_modset_opts *opts, sim_modset **out,
                           sim_diags *diags);
/* sim_modset_load for a command: prints the diagnostics, sorted, to `report` (NULL: nowhere) —
 * all of them when `all`, else only when the load fails — and on failure sets err to "N errors
 * in the modules (listed above)" followed by `then` (e.g. ": nothing was simulated", or ""). */
sim_status sim_modset_load_reported(sim_lua *lua, const sim_modset_opts *opts, sim_modset **out,
                                    FILE *report, int all, const char *then, sim_error *err);
/* Compiles a single module from source text (tests and tools). `path` names it in messages and
 * decides the format (.json or Lua). */
sim_status sim_modset_load_text(sim_lua *lua, const char *path, const char *key, const char *text,
                                size_t len, sim_modset **out, sim_diags *diags);
void sim_modset_free(sim_modset *ms);

size_t sim_modset_count(const sim_modset *ms);
const sim_module *sim_modset_get(const sim_modset *ms, size_t i);
/* Finds a module by key or GMF name; -1 when absent. */
int32_t sim_modset_find(const sim_modset *ms, const char *key_or_name);
sim_lua *sim_modset_lua(const sim_modset *ms);

/* Interning: returns the id of `name` in namespace `ns`, adding it if `add`; -1 when absent. */
int32_t sim_modset_intern(sim_modset *ms, sim_ns ns, const char *name, int add);
const char *sim_modset_name(const sim_modset *ms, sim_ns ns, int32_t id);
size_t sim_modset_names(const sim_modset *ms, sim_ns ns);
/* Interns a code (system, code); returns the shared code object with its display. */
const sim_code *sim_modset_code(sim_modset *ms, const char *system, const char *code,
                                const char *display);

/* The causes an all-cause death may be attributed to (modules/data/cause_of_death.csv): when a
 * patient dies with some of these conditions active, the cause is drawn with probability
 * weight_c / (1 + the sum of the active weights), else "natural death with unknown cause". */
typedef struct sim_cause {
    const sim_code *code;
    double weight;
} sim_cause;
const sim_cause *sim_modset_causes(const sim_modset *ms, size_t *n);

/* The mortality the loaded modules cause with their own Death states (a cancer's course, say),
 * from modules/data/modelled_mortality.csv: deaths per person-year by single year of age (101
 * entries, the last 100+) of sex 0 (male) or 1 (female), summed over the rows whose condition some
 * loaded module records; NULL when no row applies. The engine removes it from the all-cause life
 * table, so that those deaths are not counted twice. */
const double *sim_modset_modelled_mortality(const sim_modset *ms, int sex);

/* Whether some state of the modset, of type `type` (or of any type when type < 0), has the code
 * among its codes; system NULL matches any system. What a table of codes (keep:, causes of
 * death, realism targets) is checked against: a code no module records is a typo. */
int sim_modset_records(const sim_modset *ms, int type, const char *system, const char *code);

/* For the attribute map and lint: which modules write and read each attribute. */
typedef struct sim_attr_use {
    int32_t attr;
    int32_t module;
    int32_t line;
    uint8_t write;
    uint8_t lua; /* a p:attr("...") / p:set("...") call in the module's Lua source */
} sim_attr_use;
const sim_attr_use *sim_modset_attr_uses(const sim_modset *ms, size_t *n);

#endif
