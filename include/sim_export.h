/* sim_export.h — turning a finished patient into bytes: CSV rows now, FHIR later.
 *
 * Exporters render one patient into per-file buffers (a worker's sim_outbufs); the run appends
 * those buffers to the files in patient order, so the output does not depend on which worker
 * rendered what. Identifiers are UUIDs derived from the patient's key and the record's position,
 * so the same seed gives the same ids.
 */
#ifndef SIM_EXPORT_H
#define SIM_EXPORT_H

#include "sim_base.h"
#include "sim_module.h"
#include "sim_record.h"

/* The append-only files of a run, in the order they are listed in the manifest. */
typedef enum sim_file_id {
    SIM_CSV_PATIENTS = 0,
    SIM_CSV_ENCOUNTERS,
    SIM_CSV_CONDITIONS,
    SIM_CSV_MEDICATIONS,
    SIM_CSV_OBSERVATIONS,
    SIM_CSV_PROCEDURES,
    SIM_CSV_IMMUNIZATIONS,
    SIM_CSV_CAREPLANS,
    SIM_CSV_ALLERGIES,
    SIM_CSV_DEVICES,
    SIM_CSV_SUPPLIES,
    SIM_CSV_IMAGING_STUDIES,
    SIM_CSV_ORGANIZATIONS, /* written when the run ends */
    SIM_CSV_PROVIDERS,
    SIM_CSV_PAYERS,
    SIM_NDJSON_PATIENT,
    SIM_NDJSON_ENCOUNTER,
    SIM_NDJSON_CONDITION,
    SIM_NDJSON_OBSERVATION,
    SIM_NDJSON_MEDICATIONREQUEST,
    SIM_NDJSON_PROCEDURE,
    SIM_NDJSON_IMMUNIZATION,
    SIM_NDJSON_CAREPLAN,
    SIM_NDJSON_ALLERGYINTOLERANCE,
    SIM_NDJSON_DIAGNOSTICREPORT,
    SIM_NDJSON_DEVICE,
    SIM_NDJSON_IMAGINGSTUDY,
    SIM_NDJSON_SUPPLYDELIVERY,
    SIM_NDJSON_ORGANIZATION, /* written when the run ends */
    SIM_NDJSON_PRACTITIONER,
    SIM_FILE_COUNT
} sim_file_id;

typedef struct sim_file_spec {
    const char *path;   /* relative to the run folder, without .gz */
    const char *header; /* first line, without the newline; NULL when none */
    unsigned format;    /* SIM_FMT_CSV or SIM_FMT_NDJSON (sim_scenario.h) */
    int at_end;         /* written once, when the run ends */
} sim_file_spec;

const sim_file_spec *sim_file_spec_get(sim_file_id id);

/* A worker's rendering of one or more patients, ready to append. */
typedef struct sim_outbufs {
    sim_buf buf[SIM_FILE_COUNT];
    uint64_t rows[SIM_FILE_COUNT];
} sim_outbufs;

void sim_outbufs_reset(sim_outbufs *o);
void sim_outbufs_free(sim_outbufs *o);
/* 1 when any buffer ran out of memory */
int sim_outbufs_oom(const sim_outbufs *o);

/* What an exporter needs besides the patient. */
struct sim_providers;
struct sim_costs;

typedef struct sim_export_ctx {
    const sim_modset *ms;
    const struct sim_providers *pv; /* the care network (may be NULL: columns left empty) */
    const struct sim_costs *costs;  /* payers and costs (may be NULL: zero costs) */
    sim_time end;                   /* the reference date */
    sim_time export_from; /* records before this are not exported (history window), or INT64_MIN */
} sim_export_ctx;

/* Appends the patient's rows in Synthea's CSV layout (v3.3). */
void sim_csv_patient(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *out);

/* Appends organizations.csv and providers.csv rows for the whole care network, with the
 * utilization counted over the run (arrays indexed like the network; NULL: zeros). */
void sim_csv_network(const struct sim_providers *pv, const uint64_t *org_encounters,
                     const int64_t *org_revenue_cents, const uint64_t *clin_encounters,
                     const uint64_t *clin_procedures, sim_outbufs *o);

/* Deterministic identifier of a record: a UUID from the patient's key, the record type and its
 * index. */
void sim_record_uuid(const sim_patient *p, sim_rtype type, size_t index, char out[40]);

/* DICOM UIDs under the 1.2.840.99999999 root (as Synthea makes them): the study's when series is
 * UINT32_MAX, a series' when inst is UINT32_MAX, else an instance's. */
void sim_dicom_uid(const sim_patient *p, size_t study, uint32_t series, uint32_t inst, sim_time t,
                   char *out, size_t n);

/* The code system URI for a GMF system name ("SNOMED-CT" -> "http://snomed.info/sct"). */
const char *sim_code_system_uri(const char *system);

#endif
