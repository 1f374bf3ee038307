/* check_internal.h — the checker's model of a record, shared by check.c (the rules, the report,
 * the engine's --strict mode) and check_read.c (CSV, FHIR and NDJSON readers, partitions). */
#ifndef SIM_CHECK_INTERNAL_H
#define SIM_CHECK_INTERNAL_H

#include "sim_check.h"

typedef enum ck_kind {
    CK_PATIENT = 0,
    CK_ENCOUNTER,
    CK_CONDITION,
    CK_ALLERGY,
    CK_MEDICATION,
    CK_CAREPLAN,
    CK_PROCEDURE,
    CK_IMMUNIZATION,
    CK_OBSERVATION,
    CK_REPORT,
    CK_DEVICE,
    CK_SUPPLY,
    CK_IMAGING,
    CK_CLAIM,
    CK_CLAIM_TX,
    CK_PAYER_PERIOD,
    CK_ORGANIZATION, /* the care network: global, not a patient's */
    CK_PROVIDER,
    CK_PAYER,
    CK_NKINDS
} ck_kind;

const char *ck_kind_name(int kind);

enum { CK_PREC_NONE = 0, CK_PREC_DAY, CK_PREC_INSTANT };

/* a date or an instant (ms since 1970 UTC; a day is its midnight UTC) */
typedef struct ck_time {
    int64_t t;
    uint8_t prec;
} ck_time;

/* Parses ISO 8601 as written by Synthea and FHIR: a date, or a dateTime with Z or an offset and
 * optional fractions. Empty: prec NONE, returns 0. Malformed: returns -1. */
int ck_parse_time(const char *s, ck_time *out);

enum { CK_SRC_CSV = 0, CK_SRC_FHIR, CK_SRC_NDJSON, CK_SRC_SIM, CK_NSRC };

enum { CK_DEATH_NONE = 0, CK_DEATH_CERTIFICATE, CK_DEATH_CAUSE };

typedef struct ck_rec {
    uint8_t kind, source;
    uint8_t death_record; /* CK_DEATH_*: the record says when the patient died */
    char sex;             /* CK_PATIENT: 'M', 'F' or 0 */
    ck_time start, stop;  /* CK_PATIENT: birth, death */
    ck_time recorded;     /* CK_CONDITION: when the record was made (FHIR recordedDate), if not at onset */
    const char *id;       /* NULL or "" when the record has none */
    const char *patient;
    const char *encounter, *claim;      /* references within the patient, or NULL */
    const char *org, *provider, *payer; /* references to the care network, or NULL */
    const char *system, *code;          /* "SNOMED-CT", "LOINC", "CVX", "RxNorm" */
    const char *where;     /* "csv/conditions.csv row 12", "fhir/x.json Condition/id" */
    int32_t module, state; /* a simulated record: who made it; else -1 */
} ck_rec;

/* what the rules report through */
typedef struct ck_sink ck_sink;
struct ck_sink {
    uint64_t checked[SIM_RULE_COUNT];
    uint64_t violations[SIM_RULE_COUNT];
    /* called for each violation; `rec` may be NULL (a patient-level finding) */
    void (*violation)(ck_sink *s, sim_check_rule rule, const ck_rec *patient, const ck_rec *rec,
                      const char *reason);
    /* the care network (organization, provider, payer ids) by source, for references */
    int (*network_has)(ck_sink *s, int source, int kind, const char *id);
    sim_time end; /* the run's end, SIM_NEVER when unknown */
};

/* Checks one patient: recs[0..n) are every record of one patient id, from any source. */
void ck_check_patient(const sim_checker *ck, ck_rec *recs, size_t n, ck_sink *s);

#endif
