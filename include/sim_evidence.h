/* sim_evidence.h — what a record shows, written as text: the code lists and evidence expressions
 * shared by the realism harness (the CSV files of modules/data/realism) and a scenario's cohort summary.
 *
 * A code list is "SYS:code" items joined by '|' (alternatives: any one matches), e.g.
 * "SNOMED-CT:254837009|SNOMED-CT:408643008".
 *
 * An evidence expression says what the record shows around a diagnosis: alternatives joined by
 * '|', each a set of items joined by '&' that must all hold; an item is SYS:code (a condition or an
 * observation with that code) or SYS:code=SYS:value (an observation whose value is that code),
 * with '!' in front to negate it. An item holds when such a record falls from a day before the
 * diagnosis to SIM_EVIDENCE_DAYS after it. E.g. regional breast cancer:
 *   "LOINC:21906-3=SNOMED-CT:53623008 & !SNOMED-CT:128462008"
 */
#ifndef SIM_EVIDENCE_H
#define SIM_EVIDENCE_H

#include "sim_base.h"
#include "sim_module.h"
#include "sim_record.h"
#include "sim_time.h"

#define SIM_EVIDENCE_DAYS 90

/* how the expressions are written, for messages */
#define SIM_EVIDENCE_GRAMMAR                                                                       \
    "SYSTEM:code or SYSTEM:code=SYSTEM:value (e.g. LOINC:21906-3=SNOMED-CT:62455006), '!' in "    \
    "front to negate, items joined by '&', alternatives by '|'"

typedef struct sim_code_ref {
    char *system, *code;
} sim_code_ref;

typedef struct sim_codelist {
    sim_code_ref *v;
    size_t n;
} sim_codelist;

typedef struct sim_evidence_item {
    int negate;
    int group;                             /* its alternative, from 0 */
    char *system, *code, *vsystem, *vcode; /* vsystem/vcode NULL: any value */
} sim_evidence_item;

typedef struct sim_evidence {
    sim_evidence_item *v;
    size_t n; /* 0: holds for every case */
} sim_evidence;

/* Parses a code list into *out (appending). SIM_OK, SIM_ENOMEM, or SIM_EPARSE with the faulty item
 * at *bad (*badlen bytes). */
sim_status sim_codelist_parse(const char *s, sim_codelist *out, const char **bad, size_t *badlen);
void sim_codelist_free(sim_codelist *l);
/* 1 when one of `codes` is in the list */
int sim_codelist_has(const sim_codelist *l, const sim_codes *codes);
/* The first onset of a condition with a code of the list, or SIM_NEVER. */
sim_time sim_codelist_onset(const sim_codelist *l, const sim_patient *p);
/* The first code of the list that no loaded module records (type -1: any record), or NULL. With
 * all_needed 0 the list is alternatives: NULL when any one is recorded, else the first. */
const sim_code_ref *sim_codelist_unrecorded(const sim_codelist *l, const sim_modset *ms,
                                            int all_needed);

/* Parses an evidence expression into *out (appending); errors as sim_codelist_parse. */
sim_status sim_evidence_parse(const char *s, sim_evidence *out, const char **bad, size_t *badlen);
void sim_evidence_free(sim_evidence *e);
/* 1 when one of the alternatives holds in p's record around the diagnosis at dx */
int sim_evidence_holds(const sim_evidence *e, const sim_patient *p, sim_time dx);
/* The first item whose code no loaded module records (so it could never be found), or NULL. */
const sim_evidence_item *sim_evidence_unrecorded(const sim_evidence *e, const sim_modset *ms);

#endif
