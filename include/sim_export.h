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
    SIM_FILE_COUNT
} sim_file_id;

typedef struct sim_file_spec {
    const char *path;   /* relative to the run folder, without .gz */
    const char *header; /* first line, without the newline; NULL when none */
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
typedef struct sim_export_ctx {
    const sim_modset *ms;
    sim_time end;         /* the reference date */
    sim_time export_from; /* records before this are not exported (history window), or INT64_MIN */
} sim_export_ctx;

/* Appends the patient's rows in Synthea's CSV layout (v3.3). */
void sim_csv_patient(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *out);

/* Deterministic identifier of a record: a UUID from the patient's key, the record type and its
 * index. */
void sim_record_uuid(const sim_patient *p, sim_rtype type, size_t index, char out[40]);

/* The code system URI for a GMF system name ("SNOMED-CT" -> "http://snomed.info/sct"). */
const char *sim_code_system_uri(const char *system);

#endif
