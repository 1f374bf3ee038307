/* sim_fhir.h — FHIR R4 output: a transaction Bundle per patient and Bulk Data NDJSON. */
#ifndef SIM_FHIR_H
#define SIM_FHIR_H

#include "sim_export.h"
#include "sim_providers.h"

/* Writes the patient's transaction Bundle into out; *nresources counts its entries. */
void sim_fhir_bundle(const sim_export_ctx *cx, const sim_providers *pv, const sim_patient *p,
                     sim_buf *out, uint64_t *nresources);
/* Appends the patient's resources, one per line, to the NDJSON buffers of out. */
void sim_fhir_ndjson(const sim_export_ctx *cx, const sim_providers *pv, const sim_patient *p,
                     sim_outbufs *out);
/* Appends every Organization and Practitioner of the network to the NDJSON buffers of out. */
void sim_fhir_network_ndjson(const sim_providers *pv, sim_outbufs *out);
/* "fhir/<First>_<Last>_<id>.json" */
void sim_fhir_bundle_name(const sim_patient *p, char *out, size_t n);

#endif
