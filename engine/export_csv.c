/* export_csv.c — a patient's record as rows of Synthea's CSV files, layout v3.3 column for column
 * (the layout OHDSI ETL-Synthea reads as "3.3.0"): dates as YYYY-MM-DD, instants as
 * YYYY-MM-DDTHH:MM:SSZ, money with two decimals, fields quoted per RFC 4180 only when needed.
 */
#include "sim_export.h"

#include "sim_population.h"
#include "sim_costs.h"
#include "sim_providers.h"
#include "sim_scenario.h"
#include "sim_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CSV SIM_FMT_CSV
#define NDJ SIM_FMT_NDJSON
static const sim_file_spec file_specs[SIM_FILE_COUNT] = {
    {"csv/patients.csv",
     "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,MIDDLE,LAST,SUFFIX,MAIDEN,MARITAL,"
     "RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,ZIP,LAT,LON,"
     "HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME",
     CSV, 0},
    {"csv/encounters.csv",
     "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,"
     "BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION",
     CSV, 0},
    {"csv/conditions.csv", "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION", CSV, 0},
    {"csv/medications.csv",
     "START,STOP,PATIENT,PAYER,ENCOUNTER,CODE,DESCRIPTION,BASE_COST,PAYER_COVERAGE,DISPENSES,"
     "TOTALCOST,REASONCODE,REASONDESCRIPTION",
     CSV, 0},
    {"csv/observations.csv", "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE",
     CSV, 0},
    {"csv/procedures.csv",
     "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION,BASE_COST,REASONCODE,"
     "REASONDESCRIPTION",
     CSV, 0},
    {"csv/immunizations.csv", "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,BASE_COST", CSV, 0},
    {"csv/careplans.csv",
     "Id,START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,REASONCODE,REASONDESCRIPTION", CSV, 0},
    {"csv/allergies.csv",
     "START,STOP,PATIENT,ENCOUNTER,CODE,SYSTEM,DESCRIPTION,TYPE,CATEGORY,REACTION1,DESCRIPTION1,"
     "SEVERITY1,REACTION2,DESCRIPTION2,SEVERITY2",
     CSV, 0},
    {"csv/devices.csv", "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,UDI", CSV, 0},
    {"csv/supplies.csv", "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,QUANTITY", CSV, 0},
    {"csv/imaging_studies.csv",
     "Id,DATE,PATIENT,ENCOUNTER,SERIES_UID,BODYSITE_CODE,BODYSITE_DESCRIPTION,MODALITY_CODE,"
     "MODALITY_DESCRIPTION,INSTANCE_UID,SOP_CODE,SOP_DESCRIPTION,PROCEDURE_CODE",
     CSV, 0},
    {"csv/organizations.csv", "Id,NAME,ADDRESS,CITY,STATE,ZIP,LAT,LON,PHONE,REVENUE,UTILIZATION",
     CSV, 1},
    {"csv/providers.csv",
     "Id,ORGANIZATION,NAME,GENDER,SPECIALITY,ADDRESS,CITY,STATE,ZIP,LAT,LON,ENCOUNTERS,PROCEDURES",
     CSV, 1},
    {"csv/payers.csv",
     "Id,NAME,OWNERSHIP,ADDRESS,CITY,STATE_HEADQUARTERED,ZIP,PHONE,AMOUNT_COVERED,"
     "AMOUNT_UNCOVERED,REVENUE,COVERED_ENCOUNTERS,UNCOVERED_ENCOUNTERS,COVERED_MEDICATIONS,"
     "UNCOVERED_MEDICATIONS,COVERED_PROCEDURES,UNCOVERED_PROCEDURES,COVERED_IMMUNIZATIONS,"
     "UNCOVERED_IMMUNIZATIONS,UNIQUE_CUSTOMERS,QOLS_AVG,MEMBER_MONTHS",
     CSV, 1},
    {"fhir-ndjson/Patient.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/Encounter.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/Condition.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/Observation.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/MedicationRequest.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/Procedure.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/Immunization.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/CarePlan.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/AllergyIntolerance.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/DiagnosticReport.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/Device.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/ImagingStudy.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/SupplyDelivery.ndjson", NULL, NDJ, 0},
    {"fhir-ndjson/Organization.ndjson", NULL, NDJ, 1},
    {"fhir-ndjson/Practitioner.ndjson", NULL, NDJ, 1},
};

const sim_file_spec *sim_file_spec_get(sim_file_id id)
{
    return id < SIM_FILE_COUNT ? &file_specs[id] : NULL;
}

void sim_outbufs_reset(sim_outbufs *o)
{
    for (int i = 0; i < SIM_FILE_COUNT; i++) {
        sim_buf_reset(&o->buf[i]);
        o->rows[i] = 0;
    }
}

void sim_outbufs_free(sim_outbufs *o)
{
    for (int i = 0; i < SIM_FILE_COUNT; i++) sim_buf_free(&o->buf[i]);
}

int sim_outbufs_oom(const sim_outbufs *o)
{
    for (int i = 0; i < SIM_FILE_COUNT; i++)
        if (o->buf[i].oom) return 1;
    return 0;
}

void sim_record_uuid(const sim_patient *p, sim_rtype type, size_t index, char out[40])
{
    sim_uuid(p->key ^ ((uint64_t)(type + 1) << 56), (uint64_t)index + 1, out);
}

const char *sim_code_system_uri(const char *s)
{
    static const char *const map[][2] = {
        {"SNOMED-CT", "http://snomed.info/sct"},
        {"LOINC", "http://loinc.org"},
        {"RxNorm", "http://www.nlm.nih.gov/research/umls/rxnorm"},
        {"CVX", "http://hl7.org/fhir/sid/cvx"},
        {"NUBC", "http://www.nubc.org/patient-discharge"},
        {"DICOM-DCM", "http://dicom.nema.org/resources/ontology/DCM"},
        {"DICOM-SOP", "urn:ietf:rfc:3986"},
        {"ICD-10-CM", "http://hl7.org/fhir/sid/icd-10-cm"},
        {"ICD-10", "http://hl7.org/fhir/sid/icd-10"},
        {"UCUM", "http://unitsofmeasure.org"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s, map[i][0]) == 0) return map[i][1];
    return s;
}

/* ---- field helpers ---- */

static void sep(sim_buf *b)
{
    sim_buf_putc(b, ',');
}

static void field(sim_buf *b, const char *s)
{
    sim_csv_field(b, s ? s : "");
}

static void f_date(sim_buf *b, sim_time t)
{
    if (t == SIM_NEVER) return;
    char d[16];
    sim_time_date(t, d);
    sim_buf_puts(b, d);
}

static void f_iso(sim_buf *b, sim_time t)
{
    if (t == SIM_NEVER) return;
    char d[32];
    sim_time_iso(t, d);
    sim_buf_puts(b, d);
}

static void f_money(sim_buf *b, double v)
{
    sim_buf_put_fixed(b, v, 2);
}

static void f_code(sim_buf *b, const sim_code *c)
{
    if (c) field(b, c->code);
}

static void f_display(sim_buf *b, const sim_code *c)
{
    if (c) field(b, c->display);
}

static void eol(sim_outbufs *o, sim_file_id f)
{
    sim_buf_putc(&o->buf[f], '\n');
    o->rows[f]++;
}

static void enc_id(const sim_patient *p, int32_t enc, char out[40])
{
    if (enc < 0)
        out[0] = '\0';
    else
        sim_record_uuid(p, SIM_R_ENCOUNTER, (size_t)enc, out);
}

/* records dated before the export window are left out (their encounter too) */
static int exported(const sim_export_ctx *cx, sim_time t)
{
    return t >= cx->export_from;
}

/* ---- files ---- */

static void patient_row(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    (void)cx;
    sim_buf *b = &o->buf[SIM_CSV_PATIENTS];
    const sim_person *w = &p->who;
    field(b, w->id);
    sep(b);
    f_date(b, p->birth);
    sep(b);
    if (p->death != SIM_NEVER) f_date(b, p->death);
    const char *const strs[] = {w->ssn,    w->drivers, w->passport, w->prefix,
                                w->first,  w->middle,  w->last,     w->suffix,
                                w->maiden, w->marital, w->race,     w->ethnicity};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        sep(b);
        field(b, strs[i]);
    }
    sep(b);
    char g[2] = {w->sex, 0};
    field(b, g);
    const char *const place[] = {w->birthplace, w->street, w->city, w->state,
                                 w->county,     w->fips,   w->zip};
    for (size_t i = 0; i < sizeof place / sizeof place[0]; i++) {
        sep(b);
        field(b, place[i]);
    }
    sep(b);
    sim_buf_put_double(b, round(w->lat * 1e6) / 1e6);
    sep(b);
    sim_buf_put_double(b, round(w->lon * 1e6) / 1e6);
    /* what the patient paid and what payers paid, over the exported record */
    double paid = 0, covered = 0;
    if (cx->costs) {
        for (size_t i = 0; i < p->encounters.n; i++) {
            if (!exported(cx, p->encounters.v[i].start)) continue;
            sim_cost k = sim_costs_encounter(cx->costs, p, i);
            paid += k.base - k.covered;
            covered += k.covered;
        }
        for (size_t i = 0; i < p->medications.n; i++) {
            if (!exported(cx, p->medications.v[i].start)) continue;
            long n = sim_costs_dispenses(p, i, cx->end);
            sim_cost k = sim_costs_medication(cx->costs, p, i, n);
            paid += k.base * (double)n - k.covered;
            covered += k.covered;
        }
    }
    sep(b);
    f_money(b, paid);
    sep(b);
    f_money(b, covered);
    sep(b);
    sim_buf_printf(b, "%.0f", w->income);
    eol(o, SIM_CSV_PATIENTS);
}

static void encounter_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_ENCOUNTERS];
    char id[40];
    /* each encounter's prescriptions, in record order: first[i], then next[m] (-1 ends); one
     * pass over the medications instead of one per encounter (NULL when out of memory: the
     * pass per encounter) */
    size_t ne = p->encounters.n, nm = p->medications.n;
    int32_t *first = ne ? malloc(ne * sizeof *first) : NULL;
    int32_t *next = first && nm ? malloc(nm * sizeof *next) : NULL;
    if (first && nm && !next) {
        free(first);
        first = NULL;
    }
    if (first) {
        for (size_t i = 0; i < ne; i++) first[i] = -1;
        for (size_t m = nm; m-- > 0;) {
            int32_t enc = p->medications.v[m].encounter;
            next[m] = -1;
            if (enc < 0 || (size_t)enc >= ne) continue;
            next[m] = first[enc];
            first[enc] = (int32_t)m;
        }
    }
    for (size_t i = 0; i < ne; i++) {
        const sim_encounter *e = &p->encounters.v[i];
        if (!exported(cx, e->start)) continue;
        sim_record_uuid(p, SIM_R_ENCOUNTER, i, id);
        field(b, id);
        sep(b);
        f_iso(b, e->start);
        sep(b);
        f_iso(b, e->stop);
        sep(b);
        field(b, p->who.id);
        int32_t org = -1, clin = -1;
        if (cx->pv) sim_providers_encounter(cx->pv, p, i, &org, &clin);
        sep(b);
        if (org >= 0) field(b, sim_providers_org(cx->pv, (size_t)org)->id);
        sep(b);
        if (clin >= 0) field(b, sim_providers_clinician(cx->pv, (size_t)clin)->id);
        /* the claim: the encounter and the prescriptions written in it */
        sim_cost k = {0, 0, -1};
        double claim = 0, claim_covered = 0;
        if (cx->costs) {
            k = sim_costs_encounter(cx->costs, p, i);
            claim = k.base;
            claim_covered = k.covered;
            for (int32_t mi = first ? first[i] : 0; first ? mi >= 0 : (size_t)mi < nm;
                 mi = first ? next[mi] : mi + 1) {
                size_t m = (size_t)mi;
                if (p->medications.v[m].encounter != (int32_t)i) continue;
                long n = sim_costs_dispenses(p, m, cx->end);
                sim_cost km = sim_costs_medication(cx->costs, p, m, n);
                claim += km.base * (double)n;
                claim_covered += km.covered;
            }
        }
        sep(b);
        if (k.payer >= 0) field(b, sim_costs_payer(cx->costs, (size_t)k.payer)->id);
        sep(b);
        field(b, sim_enc_class_name((sim_enc_class)e->cls));
        sep(b);
        f_code(b, e->codes.v);
        sep(b);
        f_display(b, e->codes.v);
        sep(b);
        f_money(b, k.base);
        sep(b);
        f_money(b, claim);
        sep(b);
        f_money(b, claim_covered);
        sep(b);
        f_code(b, e->reason);
        sep(b);
        f_display(b, e->reason);
        eol(o, SIM_CSV_ENCOUNTERS);
    }
    free(first);
    free(next);
}

static void condition_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_CONDITIONS];
    char eid[40];
    for (size_t i = 0; i < p->conditions.n; i++) {
        const sim_condition *c = &p->conditions.v[i];
        if (c->start == SIM_NEVER || !exported(cx, c->start)) continue;
        f_date(b, c->start);
        sep(b);
        f_date(b, c->stop);
        sep(b);
        field(b, p->who.id);
        sep(b);
        enc_id(p, c->encounter, eid);
        field(b, eid);
        sep(b);
        field(b, c->codes.v->system);
        sep(b);
        f_code(b, c->codes.v);
        sep(b);
        f_display(b, c->codes.v);
        eol(o, SIM_CSV_CONDITIONS);
    }
}

static void medication_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_MEDICATIONS];
    char eid[40];
    for (size_t i = 0; i < p->medications.n; i++) {
        const sim_medication *m = &p->medications.v[i];
        if (!exported(cx, m->start)) continue;
        f_iso(b, m->start);
        sep(b);
        f_iso(b, m->stop);
        sep(b);
        field(b, p->who.id);
        long dispenses = sim_costs_dispenses(p, i, cx->end);
        sim_cost k = {0, 0, -1};
        if (cx->costs) k = sim_costs_medication(cx->costs, p, i, dispenses);
        sep(b);
        if (k.payer >= 0) field(b, sim_costs_payer(cx->costs, (size_t)k.payer)->id);
        sep(b);
        enc_id(p, m->encounter, eid);
        field(b, eid);
        sep(b);
        f_code(b, m->codes.v);
        sep(b);
        f_display(b, m->codes.v);
        sep(b);
        f_money(b, k.base);
        sep(b);
        f_money(b, k.covered);
        sep(b);
        sim_buf_printf(b, "%ld", dispenses);
        sep(b);
        f_money(b, k.base * (double)dispenses);
        sep(b);
        f_code(b, m->reason);
        sep(b);
        f_display(b, m->reason);
        eol(o, SIM_CSV_MEDICATIONS);
    }
}

static void value_text(sim_buf *b, const sim_value *v, const char **type)
{
    switch (v->kind) {
    case SIM_V_NUM:
        sim_buf_put_double(b, v->u.num);
        *type = "numeric";
        break;
    case SIM_V_BOOL:
        sim_buf_puts(b, v->u.b ? "true" : "false");
        *type = "text";
        break;
    case SIM_V_STR:
        sim_csv_field(b, v->u.str);
        *type = "text";
        break;
    case SIM_V_CODE:
        sim_csv_field(b, v->u.code->display);
        *type = "text";
        break;
    default: *type = ""; break;
    }
}

static void observation_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_OBSERVATIONS];
    char eid[40];
    for (size_t i = 0; i < p->observations.n; i++) {
        const sim_observation *ob = &p->observations.v[i];
        /* a panel has no value of its own: its components are the rows, as Synthea writes */
        if (ob->value.kind == SIM_V_NIL || !exported(cx, ob->time)) continue;
        f_iso(b, ob->time);
        sep(b);
        field(b, p->who.id);
        sep(b);
        enc_id(p, ob->encounter, eid);
        field(b, eid);
        sep(b);
        field(b, ob->category);
        sep(b);
        f_code(b, ob->codes.v);
        sep(b);
        f_display(b, ob->codes.v);
        sep(b);
        const char *type = "";
        value_text(b, &ob->value, &type);
        sep(b);
        field(b, ob->unit);
        sep(b);
        field(b, type);
        eol(o, SIM_CSV_OBSERVATIONS);
    }
}

static void procedure_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_PROCEDURES];
    char eid[40];
    for (size_t i = 0; i < p->procedures.n; i++) {
        const sim_procedure *pr = &p->procedures.v[i];
        if (!exported(cx, pr->start)) continue;
        f_iso(b, pr->start);
        sep(b);
        f_iso(b, pr->stop);
        sep(b);
        field(b, p->who.id);
        sep(b);
        enc_id(p, pr->encounter, eid);
        field(b, eid);
        sep(b);
        field(b, pr->codes.v->system);
        sep(b);
        f_code(b, pr->codes.v);
        sep(b);
        f_display(b, pr->codes.v);
        sep(b);
        f_money(b, 0);
        sep(b);
        f_code(b, pr->reason);
        sep(b);
        f_display(b, pr->reason);
        eol(o, SIM_CSV_PROCEDURES);
    }
}

static void immunization_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_IMMUNIZATIONS];
    char eid[40];
    for (size_t i = 0; i < p->immunizations.n; i++) {
        const sim_immunization *im = &p->immunizations.v[i];
        if (!exported(cx, im->time)) continue;
        f_iso(b, im->time);
        sep(b);
        field(b, p->who.id);
        sep(b);
        enc_id(p, im->encounter, eid);
        field(b, eid);
        sep(b);
        f_code(b, im->codes.v);
        sep(b);
        f_display(b, im->codes.v);
        sep(b);
        f_money(b, 0);
        eol(o, SIM_CSV_IMMUNIZATIONS);
    }
}

static void careplan_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_CAREPLANS];
    char id[40], eid[40];
    for (size_t i = 0; i < p->careplans.n; i++) {
        const sim_careplan *c = &p->careplans.v[i];
        if (!exported(cx, c->start)) continue;
        sim_record_uuid(p, SIM_R_CAREPLAN, i, id);
        field(b, id);
        sep(b);
        f_date(b, c->start);
        sep(b);
        f_date(b, c->stop);
        sep(b);
        field(b, p->who.id);
        sep(b);
        enc_id(p, c->encounter, eid);
        field(b, eid);
        sep(b);
        f_code(b, c->codes.v);
        sep(b);
        f_display(b, c->codes.v);
        sep(b);
        f_code(b, c->reason);
        sep(b);
        f_display(b, c->reason);
        eol(o, SIM_CSV_CAREPLANS);
    }
}

static void allergy_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_ALLERGIES];
    char eid[40];
    for (size_t i = 0; i < p->allergies.n; i++) {
        const sim_allergy *a = &p->allergies.v[i];
        if (a->start == SIM_NEVER || !exported(cx, a->start)) continue;
        f_date(b, a->start);
        sep(b);
        f_date(b, a->stop);
        sep(b);
        field(b, p->who.id);
        sep(b);
        enc_id(p, a->encounter, eid);
        field(b, eid);
        sep(b);
        f_code(b, a->codes.v);
        sep(b);
        field(b, a->codes.v->system);
        sep(b);
        f_display(b, a->codes.v);
        sep(b);
        field(b, a->type);
        sep(b);
        field(b, a->category);
        for (uint32_t k = 0; k < 2; k++) {
            const sim_reaction *r = k < a->nreactions ? &a->reactions[k] : NULL;
            sep(b);
            if (r) f_code(b, r->manifestation);
            sep(b);
            if (r) f_display(b, r->manifestation);
            sep(b);
            if (r && r->severity) {
                char up[16];
                size_t n = 0;
                for (; r->severity[n] && n < sizeof up - 1; n++)
                    up[n] = (char)(r->severity[n] >= 'a' && r->severity[n] <= 'z'
                                       ? r->severity[n] - 'a' + 'A'
                                       : r->severity[n]);
                up[n] = '\0';
                field(b, up);
            }
        }
        eol(o, SIM_CSV_ALLERGIES);
    }
}

static void device_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_DEVICES];
    char eid[40];
    for (size_t i = 0; i < p->devices.n; i++) {
        const sim_device *d = &p->devices.v[i];
        if (!exported(cx, d->start)) continue;
        f_iso(b, d->start);
        sep(b);
        f_iso(b, d->stop);
        sep(b);
        field(b, p->who.id);
        sep(b);
        enc_id(p, d->encounter, eid);
        field(b, eid);
        sep(b);
        f_code(b, d->codes.v);
        sep(b);
        f_display(b, d->codes.v);
        sep(b);
        field(b, d->udi);
        eol(o, SIM_CSV_DEVICES);
    }
}

static void supply_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_SUPPLIES];
    char eid[40];
    for (size_t i = 0; i < p->supplies.n; i++) {
        const sim_supply *s = &p->supplies.v[i];
        if (!exported(cx, s->time)) continue;
        f_date(b, s->time);
        sep(b);
        field(b, p->who.id);
        sep(b);
        enc_id(p, s->encounter, eid);
        field(b, eid);
        sep(b);
        f_code(b, s->codes.v);
        sep(b);
        f_display(b, s->codes.v);
        sep(b);
        sim_buf_printf(b, "%d", (int)s->quantity);
        eol(o, SIM_CSV_SUPPLIES);
    }
}

void sim_dicom_uid(const sim_patient *p, size_t study, uint32_t series, uint32_t inst, sim_time t,
                   char *out, size_t n)
{
    uint64_t h = p->key ^ (study * UINT64_C(0x9e3779b97f4a7c15)) ^ ((uint64_t)series << 40) ^
                 ((uint64_t)inst << 20);
    h ^= h >> 31;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 29;
    /* UID components are non-negative integers: seconds since 1840 */
    long long secs = (long long)(t / 1000) + INT64_C(4102444800);
    if (secs < 0) secs = 0;
    if (series == UINT32_MAX)
        snprintf(out, n, "1.2.840.99999999.%llu.%lld", (unsigned long long)(h % 100000000), secs);
    else if (inst == UINT32_MAX)
        snprintf(out, n, "1.2.840.99999999.1.%llu.%lld", (unsigned long long)(h % 100000000), secs);
    else
        snprintf(out, n, "1.2.840.99999999.1.1.%llu.%lld", (unsigned long long)(h % 100000000),
                 secs);
}

static void imaging_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_IMAGING_STUDIES];
    char id[40], eid[40], suid[96], iuid[96];
    for (size_t i = 0; i < p->imaging.n; i++) {
        const sim_imaging *im = &p->imaging.v[i];
        if (!exported(cx, im->time)) continue;
        sim_record_uuid(p, SIM_R_IMAGING, i, id);
        enc_id(p, im->encounter, eid);
        for (uint32_t s = 0; s < im->nseries; s++) {
            const sim_imaging_series *se = &im->series[s];
            sim_dicom_uid(p, i, s, UINT32_MAX, im->time, suid, sizeof suid);
            for (uint32_t k = 0; k < se->ninstances; k++) {
                const sim_imaging_instance *in = &se->instances[k];
                sim_dicom_uid(p, i, s, k, im->time, iuid, sizeof iuid);
                field(b, id);
                sep(b);
                f_iso(b, im->time);
                sep(b);
                field(b, p->who.id);
                sep(b);
                field(b, eid);
                sep(b);
                field(b, suid);
                sep(b);
                f_code(b, se->body_site);
                sep(b);
                f_display(b, se->body_site);
                sep(b);
                f_code(b, se->modality);
                sep(b);
                f_display(b, se->modality);
                sep(b);
                field(b, iuid);
                sep(b);
                f_code(b, in->sop_class);
                sep(b);
                f_display(b, in->sop_class);
                sep(b);
                f_code(b, im->procedure);
                eol(o, SIM_CSV_IMAGING_STUDIES);
            }
        }
    }
}

/* ADDRESS,CITY,STATE,ZIP,LAT,LON of an organization (its clinicians share it) */
static void org_location(sim_buf *b, const sim_org *g)
{
    field(b, g->address);
    sep(b);
    field(b, g->place->city);
    sep(b);
    field(b, g->place->abbr);
    sep(b);
    field(b, g->place->zip);
    sep(b);
    sim_buf_put_double(b, round(g->lat * 1e6) / 1e6);
    sep(b);
    sim_buf_put_double(b, round(g->lon * 1e6) / 1e6);
}

void sim_csv_network(const sim_providers *pv, const uint64_t *org_encounters,
                     const int64_t *org_revenue_cents, const uint64_t *clin_encounters,
                     const uint64_t *clin_procedures, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_ORGANIZATIONS];
    for (size_t i = 0; i < sim_providers_norgs(pv); i++) {
        const sim_org *g = sim_providers_org(pv, i);
        field(b, g->id);
        sep(b);
        field(b, g->name);
        sep(b);
        org_location(b, g);
        sep(b);
        field(b, g->phone);
        sep(b);
        f_money(b, org_revenue_cents ? (double)org_revenue_cents[i] / 100.0 : 0);
        sep(b);
        sim_buf_printf(b, "%llu", (unsigned long long)(org_encounters ? org_encounters[i] : 0));
        eol(o, SIM_CSV_ORGANIZATIONS);
    }
    b = &o->buf[SIM_CSV_PROVIDERS];
    for (size_t i = 0; i < sim_providers_nclinicians(pv); i++) {
        const sim_clinician *c = sim_providers_clinician(pv, i);
        const sim_org *g = sim_providers_org(pv, (size_t)c->org);
        field(b, c->id);
        sep(b);
        field(b, g->id);
        sep(b);
        field(b, c->name);
        sep(b);
        char gender[2] = {c->gender, 0};
        field(b, gender);
        sep(b);
        field(b, c->specialty);
        sep(b);
        org_location(b, g);
        sep(b);
        sim_buf_printf(b, "%llu", (unsigned long long)(clin_encounters ? clin_encounters[i] : 0));
        sep(b);
        sim_buf_printf(b, "%llu", (unsigned long long)(clin_procedures ? clin_procedures[i] : 0));
        eol(o, SIM_CSV_PROVIDERS);
    }
}

void sim_csv_patient(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *out)
{
    patient_row(cx, p, out);
    encounter_rows(cx, p, out);
    condition_rows(cx, p, out);
    medication_rows(cx, p, out);
    observation_rows(cx, p, out);
    procedure_rows(cx, p, out);
    immunization_rows(cx, p, out);
    careplan_rows(cx, p, out);
    allergy_rows(cx, p, out);
    device_rows(cx, p, out);
    supply_rows(cx, p, out);
    imaging_rows(cx, p, out);
}
