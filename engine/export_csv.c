/* export_csv.c — a patient's record as rows of Synthea's CSV files, layout v3.3 column for column
 * (the layout OHDSI ETL-Synthea reads as "3.3.0"): dates as YYYY-MM-DD, instants as
 * YYYY-MM-DDTHH:MM:SSZ, money with two decimals, fields quoted per RFC 4180 only when needed.
 */
#include "sim_export.h"

#include "sim_population.h"
#include "sim_table.h"

#include <math.h>
#include <string.h>

static const sim_file_spec file_specs[SIM_FILE_COUNT] = {
    {"csv/patients.csv",
     "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,MIDDLE,LAST,SUFFIX,MAIDEN,MARITAL,"
     "RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,ZIP,LAT,LON,"
     "HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME"},
    {"csv/encounters.csv",
     "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,"
     "BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION"},
    {"csv/conditions.csv", "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION"},
    {"csv/medications.csv",
     "START,STOP,PATIENT,PAYER,ENCOUNTER,CODE,DESCRIPTION,BASE_COST,PAYER_COVERAGE,DISPENSES,"
     "TOTALCOST,REASONCODE,REASONDESCRIPTION"},
    {"csv/observations.csv", "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE"},
    {"csv/procedures.csv",
     "START,STOP,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION,BASE_COST,REASONCODE,"
     "REASONDESCRIPTION"},
    {"csv/immunizations.csv", "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,BASE_COST"},
    {"csv/careplans.csv",
     "Id,START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,REASONCODE,REASONDESCRIPTION"},
    {"csv/allergies.csv",
     "START,STOP,PATIENT,ENCOUNTER,CODE,SYSTEM,DESCRIPTION,TYPE,CATEGORY,REACTION1,DESCRIPTION1,"
     "SEVERITY1,REACTION2,DESCRIPTION2,SEVERITY2"},
    {"csv/devices.csv", "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,UDI"},
    {"csv/supplies.csv", "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,QUANTITY"},
    {"csv/imaging_studies.csv",
     "Id,DATE,PATIENT,ENCOUNTER,SERIES_UID,BODYSITE_CODE,BODYSITE_DESCRIPTION,MODALITY_CODE,"
     "MODALITY_DESCRIPTION,INSTANCE_UID,SOP_CODE,SOP_DESCRIPTION,PROCEDURE_CODE"},
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
    sep(b);
    f_money(b, 0); /* HEALTHCARE_EXPENSES: costs are not modelled yet */
    sep(b);
    f_money(b, 0); /* HEALTHCARE_COVERAGE */
    sep(b);
    sim_buf_printf(b, "%.0f", w->income);
    eol(o, SIM_CSV_PATIENTS);
}

static void encounter_rows(const sim_export_ctx *cx, const sim_patient *p, sim_outbufs *o)
{
    sim_buf *b = &o->buf[SIM_CSV_ENCOUNTERS];
    char id[40];
    for (size_t i = 0; i < p->encounters.n; i++) {
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
        sep(b); /* ORGANIZATION */
        sep(b); /* PROVIDER */
        sep(b); /* PAYER */
        sep(b);
        field(b, sim_enc_class_name((sim_enc_class)e->cls));
        sep(b);
        f_code(b, e->codes.v);
        sep(b);
        f_display(b, e->codes.v);
        sep(b);
        f_money(b, 0);
        sep(b);
        f_money(b, 0);
        sep(b);
        f_money(b, 0);
        sep(b);
        f_code(b, e->reason);
        sep(b);
        f_display(b, e->reason);
        eol(o, SIM_CSV_ENCOUNTERS);
    }
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
        sep(b); /* PAYER */
        sep(b);
        enc_id(p, m->encounter, eid);
        field(b, eid);
        sep(b);
        f_code(b, m->codes.v);
        sep(b);
        f_display(b, m->codes.v);
        sep(b);
        f_money(b, 0);
        sep(b);
        f_money(b, 0);
        sep(b);
        /* DISPENSES: one per month of use (or per prescription duration), at least one */
        sim_time stop =
            m->stop != SIM_NEVER ? m->stop : (p->death != SIM_NEVER ? p->death : cx->end);
        double span = (double)(stop - m->start);
        double per = (double)SIM_MS_MONTH;
        if (m->dosage && m->dosage->duration > 0)
            per = m->dosage->duration * sim_unit_ms((sim_unit)m->dosage->duration_unit);
        long dispenses = (long)(span / per);
        if (m->dosage && m->dosage->refills > 0) dispenses = m->dosage->refills + 1;
        if (dispenses < 1) dispenses = 1;
        sim_buf_printf(b, "%ld", dispenses);
        sep(b);
        f_money(b, 0);
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

/* DICOM UIDs under the 1.2.840.99999999 root, as Synthea makes them */
static void dicom_uid(const sim_patient *p, size_t study, uint32_t series, uint32_t inst,
                      sim_time t, char *out, size_t n)
{
    uint64_t h = p->key ^ (study * UINT64_C(0x9e3779b97f4a7c15)) ^ ((uint64_t)series << 40) ^
                 ((uint64_t)inst << 20);
    h ^= h >> 31;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 29;
    if (inst == UINT32_MAX)
        snprintf(out, n, "1.2.840.99999999.1.%llu.%lld", (unsigned long long)(h % 100000000),
                 (long long)t);
    else
        snprintf(out, n, "1.2.840.99999999.1.1.%llu.%lld", (unsigned long long)(h % 100000000),
                 (long long)t);
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
            dicom_uid(p, i, s, UINT32_MAX, im->time, suid, sizeof suid);
            for (uint32_t k = 0; k < se->ninstances; k++) {
                const sim_imaging_instance *in = &se->instances[k];
                dicom_uid(p, i, s, k, im->time, iuid, sizeof iuid);
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
