/* sim_record.h — a patient: identity, attributes and the lifelong health record.
 *
 * A sim_patient lives only while it is simulated: the worker that owns it resets it for the next
 * patient (sim_patient_reset), keeping its buffers, so memory is bounded by the number of workers.
 * Codes in the record point either into a module's compiled data (which outlives every patient)
 * or into the patient's arena (codes built at run time by Lua functions).
 */
#ifndef SIM_RECORD_H
#define SIM_RECORD_H

#include "sim_base.h"
#include "sim_time.h"

#include <stdint.h>

/* A coded concept. `system` is the GMF name ("SNOMED-CT", "LOINC", "RxNorm", "CVX", "NUBC",
 * "DICOM-DCM", "DICOM-SOP", "ICD-10-CM", "UCUM") or a URI. `id` is the code's interned id (equal
 * ids mean equal system+code) or -1 for codes made at run time. */
typedef struct sim_code {
    const char *system;
    const char *code;
    const char *display;
    int32_t id;
} sim_code;

typedef struct sim_codes {
    const sim_code *v; /* v[0] is the primary code */
    uint32_t n;
} sim_codes;

typedef enum sim_rtype {
    SIM_R_ENCOUNTER = 0,
    SIM_R_CONDITION,
    SIM_R_ALLERGY,
    SIM_R_MEDICATION,
    SIM_R_CAREPLAN,
    SIM_R_PROCEDURE,
    SIM_R_IMMUNIZATION,
    SIM_R_OBSERVATION,
    SIM_R_REPORT,
    SIM_R_DEVICE,
    SIM_R_SUPPLY,
    SIM_R_IMAGING,
    SIM_R_COUNT
} sim_rtype;

const char *sim_rtype_name(sim_rtype t);

typedef enum sim_vkind {
    SIM_V_NIL = 0,
    SIM_V_NUM,
    SIM_V_BOOL,
    SIM_V_STR,
    SIM_V_CODE,
    SIM_V_ENTRY /* a record entry (ConditionOnset's assign_to_attribute, ...) */
} sim_vkind;

typedef struct sim_value {
    uint8_t kind;
    union {
        double num;
        int b;
        const char *str;
        const sim_code *code;
        struct {
            uint8_t type;  /* sim_rtype */
            int32_t index; /* into the patient's vector of that type */
        } entry;
    } u;
} sim_value;

typedef enum sim_enc_class {
    SIM_EC_AMBULATORY = 0,
    SIM_EC_EMERGENCY,
    SIM_EC_INPATIENT,
    SIM_EC_WELLNESS,
    SIM_EC_URGENTCARE,
    SIM_EC_OUTPATIENT,
    SIM_EC_HOME,
    SIM_EC_HOSPICE,
    SIM_EC_SNF,
    SIM_EC_VIRTUAL,
    SIM_EC_COUNT
} sim_enc_class;

const char *sim_enc_class_name(sim_enc_class c);
int sim_enc_class_parse(const char *s);

typedef struct sim_encounter {
    sim_time start, stop; /* stop is SIM_NEVER while the encounter is open */
    sim_codes codes;
    const sim_code *reason; /* the condition it was for, or NULL */
    const sim_code *discharge;
    int32_t module; /* index of the module that opened it, -1 for the engine */
    int32_t state;  /* index of the Encounter state */
    uint8_t cls;    /* sim_enc_class */
} sim_encounter;

typedef struct sim_condition {
    sim_time onset; /* when the disease began (ConditionOnset ran) */
    sim_time start; /* when it was recorded (diagnosed); SIM_NEVER until then */
    sim_time stop;  /* SIM_NEVER while active */
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
} sim_condition;

/* Whether the condition is in the record at time t (diagnosed by then) and, when active_only,
 * not yet ended at t. */
static inline int sim_condition_at(const sim_condition *c, sim_time t, int active_only)
{
    if (c->start == SIM_NEVER || c->start > t) return 0;
    return !active_only || c->stop == SIM_NEVER || c->stop > t;
}

typedef struct sim_reaction {
    const sim_code *manifestation;
    const char *severity; /* "mild", "moderate", "severe" */
} sim_reaction;

typedef struct sim_allergy {
    sim_time start, stop;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
    const char *type;     /* "allergy" or "intolerance" */
    const char *category; /* "food", "medication", "environment", "biologic" */
    const sim_reaction *reactions;
    uint32_t nreactions;
} sim_allergy;

typedef struct sim_dosage {
    double amount;
    int32_t frequency; /* doses per period */
    double period;     /* in `period_unit` */
    uint8_t period_unit;
    double duration; /* how long the prescription runs, in `duration_unit`; 0 if open */
    uint8_t duration_unit;
    int32_t refills;
    uint8_t as_needed;
    const char *instructions;
} sim_dosage;

typedef struct sim_medication {
    sim_time start, stop;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
    const sim_code *reason;
    const sim_dosage *dosage; /* NULL when the module gave no prescription */
    uint8_t chronic;
    uint8_t administration; /* given during the encounter rather than prescribed */
} sim_medication;

typedef struct sim_goal {
    const char *text;
    const sim_code *code;
    const sim_code *addresses;
} sim_goal;

typedef struct sim_careplan {
    sim_time start, stop;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
    const sim_code *reason;
    sim_codes activities;
    const sim_goal *goals;
    uint32_t ngoals;
} sim_careplan;

typedef struct sim_procedure {
    sim_time start, stop;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
    const sim_code *reason;
} sim_procedure;

typedef struct sim_immunization {
    sim_time time;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
} sim_immunization;

typedef struct sim_observation {
    sim_time time;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
    const char *category; /* "vital-signs", "laboratory", "survey", "exam", "procedure", ... */
    const char *unit;     /* UCUM, or NULL */
    sim_value value;      /* NUM, STR, BOOL or CODE; NIL for a panel */
    int32_t parent;       /* the panel (MultiObservation) it is a component of, or -1 */
    int32_t report;       /* the DiagnosticReport it belongs to, or -1 */
} sim_observation;

typedef struct sim_report {
    sim_time time;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
    int32_t first_obs, nobs; /* its results: observations [first_obs, first_obs + nobs) */
} sim_report;

/* a device's UDI says it was made SIM_UDI_MADE_BEFORE its start and expires SIM_UDI_EXPIRES_AFTER
 */
#define SIM_UDI_MADE_BEFORE   (30 * SIM_MS_DAY)
#define SIM_UDI_EXPIRES_AFTER (5 * SIM_MS_YEAR)

typedef struct sim_device {
    sim_time start, stop;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
    const char *manufacturer, *model;
    char udi[96];
} sim_device;

typedef struct sim_supply {
    sim_time time;
    int32_t encounter;
    int32_t module, state;
    sim_codes codes;
    int32_t quantity;
} sim_supply;

typedef struct sim_imaging_instance {
    const char *title;
    const sim_code *sop_class;
} sim_imaging_instance;

typedef struct sim_imaging_series {
    const sim_code *body_site;
    const sim_code *modality;
    const sim_imaging_instance *instances;
    uint32_t ninstances;
} sim_imaging_series;

typedef struct sim_imaging {
    sim_time time;
    int32_t encounter;
    int32_t module, state;
    const sim_code *procedure;
    const sim_imaging_series *series;
    uint32_t nseries;
} sim_imaging;

/* Demographics drawn by the population sampler. Strings point into the sampler's tables or the
 * patient's arena. */
typedef struct sim_person {
    char id[40]; /* UUID */
    char sex;    /* 'M' or 'F' */
    const char *race, *ethnicity;
    const char *prefix, *first, *middle, *last, *suffix, *maiden;
    const char *marital; /* "M", "S", "D", "W" or "" */
    const char *ssn, *drivers, *passport;
    const char *street, *city, *county, *state, *state_abbr, *fips, *zip;
    double lat, lon;
    int32_t place; /* index of the home town in the sampler's places */
    const char *birthplace;
    double income; /* household income, US dollars per year */
    int ses;       /* socioeconomic category: 0 low, 1 middle, 2 high */
} sim_person;

typedef struct sim_patient {
    uint64_t slot, attempt; /* population slot and re-simulation attempt */
    uint64_t key;           /* RNG key of this patient (sim_rng_patient_key) */
    sim_person who;
    sim_time birth;
    sim_time death; /* SIM_NEVER if alive at the end */
    sim_time end;   /* the scenario's reference date */
    const sim_code *cause_of_death;

    sim_value *attrs; /* indexed by interned attribute id */
    size_t nattrs, attrs_cap;
    double *vitals; /* indexed by interned vital-sign id; NAN when never measured */
    size_t nvitals, vitals_cap;
    double *symptoms;       /* indexed by interned symptom id; 0 when absent */
    int32_t *symptom_cause; /* module that set the symptom */
    size_t nsymptoms, symptoms_cap;

    SIM_VEC(sim_encounter) encounters;
    SIM_VEC(sim_condition) conditions;
    SIM_VEC(sim_allergy) allergies;
    SIM_VEC(sim_medication) medications;
    SIM_VEC(sim_careplan) careplans;
    SIM_VEC(sim_procedure) procedures;
    SIM_VEC(sim_immunization) immunizations;
    SIM_VEC(sim_observation) observations;
    SIM_VEC(sim_report) reports;
    SIM_VEC(sim_device) devices;
    SIM_VEC(sim_supply) supplies;
    SIM_VEC(sim_imaging) imaging;

    sim_arena *arena; /* strings and codes made while simulating this patient */
} sim_patient;

sim_patient *sim_patient_new(void);
/* Forgets the previous patient but keeps every buffer for reuse. */
void sim_patient_reset(sim_patient *p);
void sim_patient_free(sim_patient *p);
/* Number of records of a type. */
size_t sim_patient_count(const sim_patient *p, sim_rtype t);
/* Total records of all types, plus one for the patient itself. */
size_t sim_patient_total_records(const sim_patient *p);

/* Attribute, vital-sign and symptom slots grow on demand; each returns SIM_ENOMEM on failure. */
sim_status sim_patient_set_attr(sim_patient *p, int32_t id, sim_value v);
sim_value sim_patient_attr(const sim_patient *p, int32_t id);
sim_status sim_patient_set_vital(sim_patient *p, int32_t id, double v);
double sim_patient_vital(const sim_patient *p, int32_t id); /* NAN when unknown */
sim_status sim_patient_set_symptom(sim_patient *p, int32_t id, double v, int32_t cause);
double sim_patient_symptom(const sim_patient *p, int32_t id);

/* True when two codes name the same concept (same id, or same system and code). */
int sim_code_eq(const sim_code *a, const sim_code *b);
int sim_codes_has(sim_codes list, const sim_code *c);

/* The `display` of a value, for messages and traces. */
void sim_value_format(const sim_value *v, char *out, size_t outsz);
int sim_value_equal(const sim_value *a, const sim_value *b);

#endif
