/* sim_providers.h — the care network: organizations (primary care practices, hospitals, urgent
 * care centres) and their clinicians, made up deterministically from the places table, and which
 * of them each encounter happens at.
 *
 * Every place gets a primary care practice; places of 40,000 people or more also a hospital, and
 * of 60,000 or more an urgent care centre (the most populous place always has a hospital). A
 * patient sees the practice of their home town and the hospital nearest to it. The network
 * depends only on the places table, never on the seed, so every run over the same places names
 * the same organizations and clinicians.
 */
#ifndef SIM_PROVIDERS_H
#define SIM_PROVIDERS_H

#include "sim_base.h"
#include "sim_population.h"
#include "sim_record.h"

typedef enum sim_org_kind { SIM_ORG_PRIMARY = 0, SIM_ORG_HOSPITAL, SIM_ORG_URGENT } sim_org_kind;

typedef struct sim_org {
    char id[40];
    char *name, *address, *phone;
    const sim_place *place;
    double lat, lon;
    uint8_t kind;
    int32_t first_clinician, nclinicians;
} sim_org;

typedef struct sim_clinician {
    char id[40];
    char npi[12];
    char *name; /* "Dr. First123 Last456" without the title: see prefix */
    char *given, *family;
    char gender; /* 'M' or 'F' */
    const char *specialty;
    int32_t org;
} sim_clinician;

typedef struct sim_providers sim_providers;

sim_status sim_providers_build(const sim_population *pop, sim_providers **out, sim_error *err);
void sim_providers_free(sim_providers *pv);
size_t sim_providers_norgs(const sim_providers *pv);
const sim_org *sim_providers_org(const sim_providers *pv, size_t i);
size_t sim_providers_nclinicians(const sim_providers *pv);
const sim_clinician *sim_providers_clinician(const sim_providers *pv, size_t i);
/* Where encounter `e` (of patient p) happened, and who saw the patient. */
void sim_providers_encounter(const sim_providers *pv, const sim_patient *p, size_t e, int32_t *org,
                             int32_t *clinician);

#endif
