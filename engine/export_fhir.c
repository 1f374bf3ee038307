/* export_fhir.c — a patient's record as FHIR R4 resources: a transaction Bundle per patient
 * (references as urn:uuid, the Organization and Practitioner resources it needs included as
 * conditional creates so that every reference resolves in the bundle and a server stores each
 * once), or Bulk Data NDJSON lines (references as Type/id; organizations and practitioners
 * written once for the whole network).
 *
 * One renderer serves both; `ctx.bundle` selects the reference style. Dates are dateTime with an
 * explicit UTC offset; codes carry their system URIs (sim_code_system_uri).
 */
#include "sim_export.h"
#include "sim_fhir.h"

#include "sim_jsonw.h"
#include "sim_population.h"
#include "sim_providers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ID_SYSTEM "urn:lifesim"

typedef struct rctx {
    const sim_export_ctx *cx;
    const sim_providers *pv;
    const sim_patient *p;
    int bundle; /* 1: urn:uuid references; 0: Type/id */
    sim_jw w;
} rctx;

/* ---- small pieces ---- */

static void ref(rctx *c, const char *key, const char *type, const char *id, const char *display)
{
    char buf[96];
    if (c->bundle)
        snprintf(buf, sizeof buf, "urn:uuid:%s", id);
    else
        snprintf(buf, sizeof buf, "%s/%s", type, id);
    sim_jw_kobj(&c->w, key);
    sim_jw_kstr(&c->w, "reference", buf);
    if (display) sim_jw_kstr(&c->w, "display", display);
    sim_jw_end_obj(&c->w);
}

static void patient_ref(rctx *c, const char *key)
{
    ref(c, key, "Patient", c->p->who.id, NULL);
}

static void encounter_ref(rctx *c, int32_t enc)
{
    if (enc < 0) return;
    char id[40];
    sim_record_uuid(c->p, SIM_R_ENCOUNTER, (size_t)enc, id);
    ref(c, "encounter", "Encounter", id, NULL);
}

static void when(rctx *c, const char *key, sim_time t)
{
    char buf[32];
    sim_time_fhir(t, buf);
    sim_jw_kstr(&c->w, key, buf);
}

static void period(rctx *c, const char *key, sim_time start, sim_time stop)
{
    sim_jw_kobj(&c->w, key);
    when(c, "start", start);
    if (stop != SIM_NEVER) when(c, "end", stop);
    sim_jw_end_obj(&c->w);
}

static void coding(sim_jw *w, const sim_code *code)
{
    sim_jw_obj(w);
    if (!strcmp(code->system, "DICOM-SOP")) {
        char oid[160];
        snprintf(oid, sizeof oid, "urn:oid:%s", code->code);
        sim_jw_kstr(w, "system", "urn:ietf:rfc:3986");
        sim_jw_kstr(w, "code", oid);
    } else {
        sim_jw_kstr(w, "system", sim_code_system_uri(code->system));
        sim_jw_kstr(w, "code", code->code);
    }
    sim_jw_kstr(w, "display", code->display);
    sim_jw_end_obj(w);
}

static void concept(rctx *c, const char *key, sim_codes codes)
{
    if (!codes.n) return;
    if (key) sim_jw_key(&c->w, key);
    sim_jw_obj(&c->w);
    sim_jw_karr(&c->w, "coding");
    for (uint32_t i = 0; i < codes.n; i++) coding(&c->w, &codes.v[i]);
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "text", codes.v[0].display);
    sim_jw_end_obj(&c->w);
}

static void concept1(rctx *c, const char *key, const sim_code *code)
{
    if (!code) return;
    sim_codes one = {code, 1};
    concept(c, key, one);
}

static void fixed_coding(rctx *c, const char *key, const char *system, const char *code,
                         const char *display)
{
    sim_jw_kobj(&c->w, key);
    sim_jw_karr(&c->w, "coding");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "system", system);
    sim_jw_kstr(&c->w, "code", code);
    if (display) sim_jw_kstr(&c->w, "display", display);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_end_obj(&c->w);
}

/* an array holding one fixed CodeableConcept */
static void fixed_category(rctx *c, const char *system, const char *code, const char *display)
{
    sim_jw_karr(&c->w, "category");
    sim_jw_obj(&c->w);
    sim_jw_karr(&c->w, "coding");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "system", system);
    sim_jw_kstr(&c->w, "code", code);
    if (display) sim_jw_kstr(&c->w, "display", display);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
}

static void begin(rctx *c, const char *type, const char *id)
{
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "resourceType", type);
    sim_jw_kstr(&c->w, "id", id);
}

/* ---- the entry wrapper and the output lines ---- */

typedef struct sink {
    sim_buf *bundle;     /* the bundle being written, or NULL */
    sim_outbufs *ndjson; /* per-type NDJSON buffers, or NULL */
    int entries;
} sink;

/* starts a resource: in a bundle, an entry with its fullUrl */
static void open_resource(sink *s, rctx *c, sim_buf *nd)
{
    if (s->bundle) {
        if (s->entries++) sim_buf_puts(s->bundle, ",\n");
        sim_jw_init(&c->w, s->bundle);
        sim_jw_obj(&c->w);
        sim_jw_key(&c->w, "fullUrl");
        /* the value is written by close_resource's caller through `id`: see entry_url */
    } else {
        sim_jw_init(&c->w, nd);
    }
}

static void entry_url(sink *s, rctx *c, const char *id)
{
    if (!s->bundle) return;
    char url[64];
    snprintf(url, sizeof url, "urn:uuid:%s", id);
    sim_jw_str(&c->w, url);
    sim_jw_key(&c->w, "resource");
}

static void close_resource(sink *s, rctx *c, const char *type, const char *if_none_exist,
                           sim_file_id nd_file)
{
    sim_jw_end_obj(&c->w); /* the resource */
    if (s->bundle) {
        sim_jw_kobj(&c->w, "request");
        sim_jw_kstr(&c->w, "method", "POST");
        sim_jw_kstr(&c->w, "url", type);
        if (if_none_exist) sim_jw_kstr(&c->w, "ifNoneExist", if_none_exist);
        sim_jw_end_obj(&c->w);
        sim_jw_end_obj(&c->w); /* the entry */
    } else {
        sim_buf_putc(&s->ndjson->buf[nd_file], '\n');
        s->ndjson->rows[nd_file]++;
    }
}

#define RESOURCE(s, c, file, type, id)                                                             \
    open_resource((s), (c), (s)->ndjson ? &(s)->ndjson->buf[file] : NULL);                         \
    entry_url((s), (c), (id));                                                                     \
    begin((c), (type), (id))

/* ---- network resources ---- */

static void organization(sink *s, rctx *c, const sim_org *o, sim_file_id file)
{
    char cond[128];
    snprintf(cond, sizeof cond, "identifier=" ID_SYSTEM ":organization|%s", o->id);
    RESOURCE(s, c, file, "Organization", o->id);
    sim_jw_karr(&c->w, "identifier");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "system", ID_SYSTEM ":organization");
    sim_jw_kstr(&c->w, "value", o->id);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_kbool(&c->w, "active", 1);
    sim_jw_karr(&c->w, "type");
    sim_jw_obj(&c->w);
    sim_jw_karr(&c->w, "coding");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "system", "http://terminology.hl7.org/CodeSystem/organization-type");
    sim_jw_kstr(&c->w, "code", "prov");
    sim_jw_kstr(&c->w, "display", "Healthcare Provider");
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "name", o->name);
    sim_jw_karr(&c->w, "telecom");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "system", "phone");
    sim_jw_kstr(&c->w, "value", o->phone);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_karr(&c->w, "address");
    sim_jw_obj(&c->w);
    sim_jw_karr(&c->w, "line");
    sim_jw_str(&c->w, o->address);
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "city", o->place->city);
    sim_jw_kstr(&c->w, "state", o->place->abbr);
    sim_jw_kstr(&c->w, "postalCode", o->place->zip);
    sim_jw_kstr(&c->w, "country", "US");
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    close_resource(s, c, "Organization", cond, file);
}

static void practitioner(sink *s, rctx *c, const sim_clinician *cl, sim_file_id file)
{
    char cond[96];
    snprintf(cond, sizeof cond, "identifier=http://hl7.org/fhir/sid/us-npi|%s", cl->npi);
    RESOURCE(s, c, file, "Practitioner", cl->id);
    sim_jw_karr(&c->w, "identifier");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "system", "http://hl7.org/fhir/sid/us-npi");
    sim_jw_kstr(&c->w, "value", cl->npi);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_kbool(&c->w, "active", 1);
    sim_jw_karr(&c->w, "name");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "family", cl->family);
    sim_jw_karr(&c->w, "given");
    sim_jw_str(&c->w, cl->given);
    sim_jw_end_arr(&c->w);
    sim_jw_karr(&c->w, "prefix");
    sim_jw_str(&c->w, "Dr.");
    sim_jw_end_arr(&c->w);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "gender", cl->gender == 'M' ? "male" : "female");
    close_resource(s, c, "Practitioner", cond, file);
}

/* ---- patient ---- */

static void race_ext(rctx *c, const char *url, const char *code, const char *display)
{
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "url", url);
    sim_jw_karr(&c->w, "extension");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "url", "ombCategory");
    sim_jw_kobj(&c->w, "valueCoding");
    sim_jw_kstr(&c->w, "system", "urn:oid:2.16.840.1.113883.6.238");
    sim_jw_kstr(&c->w, "code", code);
    sim_jw_kstr(&c->w, "display", display);
    sim_jw_end_obj(&c->w);
    sim_jw_end_obj(&c->w);
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "url", "text");
    sim_jw_kstr(&c->w, "valueString", display);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_end_obj(&c->w);
}

static void identifier(rctx *c, const char *type, const char *type_display, const char *system,
                       const char *value)
{
    if (!value || !*value) return;
    sim_jw_obj(&c->w);
    if (type) {
        sim_jw_kobj(&c->w, "type");
        sim_jw_karr(&c->w, "coding");
        sim_jw_obj(&c->w);
        sim_jw_kstr(&c->w, "system", "http://terminology.hl7.org/CodeSystem/v2-0203");
        sim_jw_kstr(&c->w, "code", type);
        sim_jw_kstr(&c->w, "display", type_display);
        sim_jw_end_obj(&c->w);
        sim_jw_end_arr(&c->w);
        sim_jw_kstr(&c->w, "text", type_display);
        sim_jw_end_obj(&c->w);
    }
    sim_jw_kstr(&c->w, "system", system);
    sim_jw_kstr(&c->w, "value", value);
    sim_jw_end_obj(&c->w);
}

static void patient(sink *s, rctx *c)
{
    const sim_patient *p = c->p;
    const sim_person *w = &p->who;
    RESOURCE(s, c, SIM_NDJSON_PATIENT, "Patient", w->id);
    /* race and ethnicity: OMB categories (CDC Race & Ethnicity code system) */
    static const char *const race[][3] = {
        {"white", "2106-3", "White"},
        {"black", "2054-5", "Black or African American"},
        {"asian", "2028-9", "Asian"},
        {"native", "1002-5", "American Indian or Alaska Native"},
        {"hawaiian", "2076-8", "Native Hawaiian or Other Pacific Islander"},
        {"other", "2131-1", "Other Race"}};
    sim_jw_karr(&c->w, "extension");
    for (size_t i = 0; i < sizeof race / sizeof race[0]; i++)
        if (w->race && !strcmp(w->race, race[i][0]))
            race_ext(c, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", race[i][1],
                     race[i][2]);
    int hisp = w->ethnicity && !strcmp(w->ethnicity, "hispanic");
    race_ext(c, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity",
             hisp ? "2135-2" : "2186-5", hisp ? "Hispanic or Latino" : "Not Hispanic or Latino");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "url", "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex");
    char sex[2] = {w->sex, 0};
    sim_jw_kstr(&c->w, "valueCode", sex);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_karr(&c->w, "identifier");
    identifier(c, NULL, NULL, ID_SYSTEM ":patient", w->id);
    identifier(c, "MR", "Medical Record Number", ID_SYSTEM ":mrn", w->id);
    identifier(c, "SS", "Social Security Number", "http://hl7.org/fhir/sid/us-ssn", w->ssn);
    identifier(c, "DL", "Driver's license number", ID_SYSTEM ":drivers-license", w->drivers);
    identifier(c, "PPN", "Passport number", ID_SYSTEM ":passport", w->passport);
    sim_jw_end_arr(&c->w);
    sim_jw_karr(&c->w, "name");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "use", "official");
    sim_jw_kstr(&c->w, "family", w->last);
    sim_jw_karr(&c->w, "given");
    sim_jw_str(&c->w, w->first);
    if (w->middle && *w->middle) sim_jw_str(&c->w, w->middle);
    sim_jw_end_arr(&c->w);
    if (w->prefix && *w->prefix) {
        sim_jw_karr(&c->w, "prefix");
        sim_jw_str(&c->w, w->prefix);
        sim_jw_end_arr(&c->w);
    }
    sim_jw_end_obj(&c->w);
    if (w->maiden && *w->maiden) {
        sim_jw_obj(&c->w);
        sim_jw_kstr(&c->w, "use", "maiden");
        sim_jw_kstr(&c->w, "family", w->maiden);
        sim_jw_karr(&c->w, "given");
        sim_jw_str(&c->w, w->first);
        sim_jw_end_arr(&c->w);
        sim_jw_end_obj(&c->w);
    }
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "gender", w->sex == 'M' ? "male" : "female");
    char d[16];
    sim_time_date(p->birth, d);
    sim_jw_kstr(&c->w, "birthDate", d);
    if (p->death != SIM_NEVER) when(c, "deceasedDateTime", p->death);
    sim_jw_karr(&c->w, "address");
    sim_jw_obj(&c->w);
    sim_jw_karr(&c->w, "extension");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "url", "http://hl7.org/fhir/StructureDefinition/geolocation");
    sim_jw_karr(&c->w, "extension");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "url", "latitude");
    sim_jw_knum(&c->w, "valueDecimal", round(w->lat * 1e6) / 1e6);
    sim_jw_end_obj(&c->w);
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "url", "longitude");
    sim_jw_knum(&c->w, "valueDecimal", round(w->lon * 1e6) / 1e6);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_karr(&c->w, "line");
    sim_jw_str(&c->w, w->street);
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "city", w->city);
    sim_jw_kstr(&c->w, "district", w->county);
    sim_jw_kstr(&c->w, "state", w->state);
    sim_jw_kstr(&c->w, "postalCode", w->zip);
    sim_jw_kstr(&c->w, "country", "US");
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    static const char *const marital[][2] = {
        {"M", "Married"}, {"S", "Never Married"}, {"D", "Divorced"}, {"W", "Widowed"}};
    for (size_t i = 0; i < 4; i++) {
        if (!w->marital || strcmp(w->marital, marital[i][0])) continue;
        sim_jw_kobj(&c->w, "maritalStatus");
        sim_jw_karr(&c->w, "coding");
        sim_jw_obj(&c->w);
        sim_jw_kstr(&c->w, "system", "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus");
        sim_jw_kstr(&c->w, "code", marital[i][0]);
        sim_jw_kstr(&c->w, "display", marital[i][1]);
        sim_jw_end_obj(&c->w);
        sim_jw_end_arr(&c->w);
        sim_jw_kstr(&c->w, "text", marital[i][1]);
        sim_jw_end_obj(&c->w);
    }
    sim_jw_karr(&c->w, "communication");
    sim_jw_obj(&c->w);
    sim_jw_kobj(&c->w, "language");
    sim_jw_karr(&c->w, "coding");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "system", "urn:ietf:bcp:47");
    sim_jw_kstr(&c->w, "code", "en-US");
    sim_jw_kstr(&c->w, "display", "English (United States)");
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_end_obj(&c->w);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    close_resource(s, c, "Patient", NULL, SIM_NDJSON_PATIENT);
}

/* ---- encounter ---- */

static void encounter(sink *s, rctx *c, size_t i)
{
    const sim_patient *p = c->p;
    const sim_encounter *e = &p->encounters.v[i];
    char id[40];
    sim_record_uuid(p, SIM_R_ENCOUNTER, i, id);
    static const char *const cls[SIM_EC_COUNT][2] = {
        {"AMB", "ambulatory"}, {"EMER", "emergency"}, {"IMP", "inpatient encounter"},
        {"AMB", "ambulatory"}, {"AMB", "ambulatory"}, {"AMB", "ambulatory"},
        {"HH", "home health"}, {"HH", "home health"}, {"NONAC", "inpatient non-acute"},
        {"VR", "virtual"}};
    RESOURCE(s, c, SIM_NDJSON_ENCOUNTER, "Encounter", id);
    sim_jw_kstr(&c->w, "status", "finished");
    sim_jw_kobj(&c->w, "class");
    sim_jw_kstr(&c->w, "system", "http://terminology.hl7.org/CodeSystem/v3-ActCode");
    sim_jw_kstr(&c->w, "code", cls[e->cls][0]);
    sim_jw_kstr(&c->w, "display", cls[e->cls][1]);
    sim_jw_end_obj(&c->w);
    sim_jw_karr(&c->w, "type");
    concept(c, NULL, e->codes);
    sim_jw_end_arr(&c->w);
    patient_ref(c, "subject");
    int32_t org = -1, clin = -1;
    if (c->pv) sim_providers_encounter(c->pv, p, i, &org, &clin);
    if (clin >= 0) {
        const sim_clinician *cl = sim_providers_clinician(c->pv, (size_t)clin);
        char name[160];
        snprintf(name, sizeof name, "Dr. %s", cl->name);
        sim_jw_karr(&c->w, "participant");
        sim_jw_obj(&c->w);
        sim_jw_karr(&c->w, "type");
        sim_jw_obj(&c->w);
        sim_jw_karr(&c->w, "coding");
        sim_jw_obj(&c->w);
        sim_jw_kstr(&c->w, "system", "http://terminology.hl7.org/CodeSystem/v3-ParticipationType");
        sim_jw_kstr(&c->w, "code", "PPRF");
        sim_jw_kstr(&c->w, "display", "primary performer");
        sim_jw_end_obj(&c->w);
        sim_jw_end_arr(&c->w);
        sim_jw_end_obj(&c->w);
        sim_jw_end_arr(&c->w);
        ref(c, "individual", "Practitioner", cl->id, name);
        sim_jw_end_obj(&c->w);
        sim_jw_end_arr(&c->w);
    }
    period(c, "period", e->start, e->stop);
    if (e->reason) {
        sim_jw_karr(&c->w, "reasonCode");
        concept1(c, NULL, e->reason);
        sim_jw_end_arr(&c->w);
    }
    if (e->discharge) {
        sim_jw_kobj(&c->w, "hospitalization");
        concept1(c, "dischargeDisposition", e->discharge);
        sim_jw_end_obj(&c->w);
    }
    if (org >= 0) {
        const sim_org *o = sim_providers_org(c->pv, (size_t)org);
        ref(c, "serviceProvider", "Organization", o->id, o->name);
    }
    close_resource(s, c, "Encounter", NULL, SIM_NDJSON_ENCOUNTER);
}

/* ---- clinical resources ---- */

static void condition(sink *s, rctx *c, size_t i)
{
    const sim_condition *x = &c->p->conditions.v[i];
    char id[40];
    sim_record_uuid(c->p, SIM_R_CONDITION, i, id);
    RESOURCE(s, c, SIM_NDJSON_CONDITION, "Condition", id);
    fixed_coding(c, "clinicalStatus", "http://terminology.hl7.org/CodeSystem/condition-clinical",
                 x->stop == SIM_NEVER ? "active" : "resolved", NULL);
    fixed_coding(c, "verificationStatus",
                 "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", NULL);
    fixed_category(c, "http://terminology.hl7.org/CodeSystem/condition-category",
                   "encounter-diagnosis", "Encounter Diagnosis");
    concept(c, "code", x->codes);
    patient_ref(c, "subject");
    encounter_ref(c, x->encounter);
    when(c, "onsetDateTime", x->onset);
    if (x->stop != SIM_NEVER) when(c, "abatementDateTime", x->stop);
    when(c, "recordedDate", x->start);
    close_resource(s, c, "Condition", NULL, SIM_NDJSON_CONDITION);
}

static const char *obs_category_display(const char *cat)
{
    static const char *const map[][2] = {{"vital-signs", "Vital Signs"},
                                         {"laboratory", "Laboratory"},
                                         {"survey", "Survey"},
                                         {"exam", "Exam"},
                                         {"procedure", "Procedure"},
                                         {"imaging", "Imaging"},
                                         {"social-history", "Social History"},
                                         {"therapy", "Therapy"},
                                         {"activity", "Activity"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(cat, map[i][0])) return map[i][1];
    return NULL;
}

static void obs_value(rctx *c, const sim_value *v, const char *unit)
{
    switch (v->kind) {
    case SIM_V_NUM:
        sim_jw_kobj(&c->w, "valueQuantity");
        sim_jw_knum(&c->w, "value", v->u.num);
        if (unit && *unit) {
            sim_jw_kstr(&c->w, "unit", unit);
            sim_jw_kstr(&c->w, "system", "http://unitsofmeasure.org");
            sim_jw_kstr(&c->w, "code", unit);
        }
        sim_jw_end_obj(&c->w);
        break;
    case SIM_V_CODE: concept1(c, "valueCodeableConcept", v->u.code); break;
    case SIM_V_STR: sim_jw_kstr(&c->w, "valueString", v->u.str); break;
    case SIM_V_BOOL: sim_jw_kbool(&c->w, "valueBoolean", v->u.b); break;
    default: break;
    }
}

static void observation(sink *s, rctx *c, size_t i)
{
    const sim_patient *p = c->p;
    const sim_observation *o = &p->observations.v[i];
    char id[40];
    sim_record_uuid(p, SIM_R_OBSERVATION, i, id);
    RESOURCE(s, c, SIM_NDJSON_OBSERVATION, "Observation", id);
    sim_jw_kstr(&c->w, "status", "final");
    if (o->category && *o->category)
        fixed_category(c, "http://terminology.hl7.org/CodeSystem/observation-category", o->category,
                       obs_category_display(o->category));
    concept(c, "code", o->codes);
    patient_ref(c, "subject");
    encounter_ref(c, o->encounter);
    when(c, "effectiveDateTime", o->time);
    when(c, "issued", o->time);
    obs_value(c, &o->value, o->unit);
    if (o->value.kind == SIM_V_NIL) {
        /* a panel: its components follow it in the record */
        sim_jw_karr(&c->w, "component");
        for (size_t k = i + 1; k < p->observations.n && p->observations.v[k].parent == (int32_t)i;
             k++) {
            const sim_observation *m = &p->observations.v[k];
            sim_jw_obj(&c->w);
            concept(c, "code", m->codes);
            obs_value(c, &m->value, m->unit);
            sim_jw_end_obj(&c->w);
        }
        sim_jw_end_arr(&c->w);
    }
    close_resource(s, c, "Observation", NULL, SIM_NDJSON_OBSERVATION);
}

static const char *period_unit(int unit)
{
    switch (unit) {
    case SIM_UNIT_SECONDS: return "s";
    case SIM_UNIT_MINUTES: return "min";
    case SIM_UNIT_HOURS: return "h";
    case SIM_UNIT_DAYS: return "d";
    case SIM_UNIT_WEEKS: return "wk";
    case SIM_UNIT_MONTHS: return "mo";
    case SIM_UNIT_YEARS: return "a";
    default: return "d";
    }
}

static void requester(rctx *c, int32_t enc)
{
    if (enc < 0 || !c->pv) return;
    int32_t org, clin;
    sim_providers_encounter(c->pv, c->p, (size_t)enc, &org, &clin);
    const sim_clinician *cl = sim_providers_clinician(c->pv, (size_t)clin);
    char name[160];
    snprintf(name, sizeof name, "Dr. %s", cl->name);
    ref(c, "requester", "Practitioner", cl->id, name);
}

static void medication(sink *s, rctx *c, size_t i)
{
    const sim_medication *m = &c->p->medications.v[i];
    char id[40];
    sim_record_uuid(c->p, SIM_R_MEDICATION, i, id);
    RESOURCE(s, c, SIM_NDJSON_MEDICATIONREQUEST, "MedicationRequest", id);
    sim_jw_kstr(&c->w, "status", m->stop == SIM_NEVER ? "active" : "stopped");
    sim_jw_kstr(&c->w, "intent", "order");
    concept(c, "medicationCodeableConcept", m->codes);
    patient_ref(c, "subject");
    encounter_ref(c, m->encounter);
    when(c, "authoredOn", m->start);
    requester(c, m->encounter);
    if (m->reason) {
        sim_jw_karr(&c->w, "reasonCode");
        concept1(c, NULL, m->reason);
        sim_jw_end_arr(&c->w);
    }
    const sim_dosage *d = m->dosage;
    if (d) {
        sim_jw_karr(&c->w, "dosageInstruction");
        sim_jw_obj(&c->w);
        sim_jw_kint(&c->w, "sequence", 1);
        if (d->instructions) sim_jw_kstr(&c->w, "text", d->instructions);
        if (d->frequency > 0 && d->period > 0) {
            sim_jw_kobj(&c->w, "timing");
            sim_jw_kobj(&c->w, "repeat");
            sim_jw_kint(&c->w, "frequency", d->frequency);
            sim_jw_knum(&c->w, "period", d->period);
            sim_jw_kstr(&c->w, "periodUnit", period_unit(d->period_unit));
            sim_jw_end_obj(&c->w);
            sim_jw_end_obj(&c->w);
        }
        sim_jw_kbool(&c->w, "asNeededBoolean", d->as_needed);
        if (d->amount > 0) {
            sim_jw_karr(&c->w, "doseAndRate");
            sim_jw_obj(&c->w);
            sim_jw_kobj(&c->w, "doseQuantity");
            sim_jw_knum(&c->w, "value", d->amount);
            sim_jw_end_obj(&c->w);
            sim_jw_end_obj(&c->w);
            sim_jw_end_arr(&c->w);
        }
        sim_jw_end_obj(&c->w);
        sim_jw_end_arr(&c->w);
        if (d->refills > 0 || d->duration > 0) {
            sim_jw_kobj(&c->w, "dispenseRequest");
            if (d->refills > 0) sim_jw_kint(&c->w, "numberOfRepeatsAllowed", d->refills);
            if (d->duration > 0) {
                sim_jw_kobj(&c->w, "expectedSupplyDuration");
                sim_jw_knum(&c->w, "value", d->duration);
                sim_jw_kstr(&c->w, "unit", sim_unit_name((sim_unit)d->duration_unit));
                sim_jw_kstr(&c->w, "system", "http://unitsofmeasure.org");
                sim_jw_kstr(&c->w, "code", period_unit(d->duration_unit));
                sim_jw_end_obj(&c->w);
            }
            sim_jw_end_obj(&c->w);
        }
    }
    close_resource(s, c, "MedicationRequest", NULL, SIM_NDJSON_MEDICATIONREQUEST);
}

static void procedure(sink *s, rctx *c, size_t i)
{
    const sim_procedure *x = &c->p->procedures.v[i];
    char id[40];
    sim_record_uuid(c->p, SIM_R_PROCEDURE, i, id);
    RESOURCE(s, c, SIM_NDJSON_PROCEDURE, "Procedure", id);
    sim_jw_kstr(&c->w, "status", "completed");
    concept(c, "code", x->codes);
    patient_ref(c, "subject");
    encounter_ref(c, x->encounter);
    period(c, "performedPeriod", x->start, x->stop);
    if (x->reason) {
        sim_jw_karr(&c->w, "reasonCode");
        concept1(c, NULL, x->reason);
        sim_jw_end_arr(&c->w);
    }
    close_resource(s, c, "Procedure", NULL, SIM_NDJSON_PROCEDURE);
}

static void immunization(sink *s, rctx *c, size_t i)
{
    const sim_immunization *x = &c->p->immunizations.v[i];
    char id[40];
    sim_record_uuid(c->p, SIM_R_IMMUNIZATION, i, id);
    RESOURCE(s, c, SIM_NDJSON_IMMUNIZATION, "Immunization", id);
    sim_jw_kstr(&c->w, "status", "completed");
    concept(c, "vaccineCode", x->codes);
    patient_ref(c, "patient");
    encounter_ref(c, x->encounter);
    when(c, "occurrenceDateTime", x->time);
    sim_jw_kbool(&c->w, "primarySource", 1);
    close_resource(s, c, "Immunization", NULL, SIM_NDJSON_IMMUNIZATION);
}

static void careplan(sink *s, rctx *c, size_t i)
{
    const sim_careplan *x = &c->p->careplans.v[i];
    char id[40];
    sim_record_uuid(c->p, SIM_R_CAREPLAN, i, id);
    int active = x->stop == SIM_NEVER;
    RESOURCE(s, c, SIM_NDJSON_CAREPLAN, "CarePlan", id);
    sim_jw_kstr(&c->w, "status", active ? "active" : "completed");
    sim_jw_kstr(&c->w, "intent", "plan");
    sim_jw_karr(&c->w, "category");
    concept(c, NULL, x->codes);
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "title", x->codes.v[0].display);
    patient_ref(c, "subject");
    encounter_ref(c, x->encounter);
    period(c, "period", x->start, x->stop);
    if (x->activities.n) {
        sim_jw_karr(&c->w, "activity");
        for (uint32_t k = 0; k < x->activities.n; k++) {
            sim_jw_obj(&c->w);
            sim_jw_kobj(&c->w, "detail");
            concept1(c, "code", &x->activities.v[k]);
            sim_jw_kstr(&c->w, "status", active ? "in-progress" : "completed");
            sim_jw_end_obj(&c->w);
            sim_jw_end_obj(&c->w);
        }
        sim_jw_end_arr(&c->w);
    }
    if (x->ngoals || x->reason) {
        sim_jw_karr(&c->w, "note");
        if (x->reason) {
            sim_jw_obj(&c->w);
            char t[300];
            snprintf(t, sizeof t, "Reason: %s", x->reason->display);
            sim_jw_kstr(&c->w, "text", t);
            sim_jw_end_obj(&c->w);
        }
        for (uint32_t k = 0; k < x->ngoals; k++) {
            const sim_goal *g = &x->goals[k];
            char t[400];
            snprintf(t, sizeof t, "Goal: %s", g->text ? g->text : g->code ? g->code->display : "");
            sim_jw_obj(&c->w);
            sim_jw_kstr(&c->w, "text", t);
            sim_jw_end_obj(&c->w);
        }
        sim_jw_end_arr(&c->w);
    }
    close_resource(s, c, "CarePlan", NULL, SIM_NDJSON_CAREPLAN);
}

static void allergy(sink *s, rctx *c, size_t i)
{
    const sim_allergy *x = &c->p->allergies.v[i];
    char id[40];
    sim_record_uuid(c->p, SIM_R_ALLERGY, i, id);
    RESOURCE(s, c, SIM_NDJSON_ALLERGYINTOLERANCE, "AllergyIntolerance", id);
    fixed_coding(c, "clinicalStatus",
                 "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                 x->stop == SIM_NEVER ? "active" : "resolved", NULL);
    fixed_coding(c, "verificationStatus",
                 "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                 "confirmed", NULL);
    if (x->type) sim_jw_kstr(&c->w, "type", x->type);
    if (x->category) {
        sim_jw_karr(&c->w, "category");
        sim_jw_str(&c->w, x->category);
        sim_jw_end_arr(&c->w);
    }
    concept(c, "code", x->codes);
    patient_ref(c, "patient");
    encounter_ref(c, x->encounter);
    when(c, "onsetDateTime", x->start);
    when(c, "recordedDate", x->start);
    if (x->nreactions) {
        sim_jw_karr(&c->w, "reaction");
        for (uint32_t k = 0; k < x->nreactions; k++) {
            const sim_reaction *r = &x->reactions[k];
            if (!r->manifestation) continue;
            sim_jw_obj(&c->w);
            sim_jw_karr(&c->w, "manifestation");
            concept1(c, NULL, r->manifestation);
            sim_jw_end_arr(&c->w);
            if (r->severity) sim_jw_kstr(&c->w, "severity", r->severity);
            sim_jw_end_obj(&c->w);
        }
        sim_jw_end_arr(&c->w);
    }
    close_resource(s, c, "AllergyIntolerance", NULL, SIM_NDJSON_ALLERGYINTOLERANCE);
}

static void report(sink *s, rctx *c, size_t i)
{
    const sim_patient *p = c->p;
    const sim_report *x = &p->reports.v[i];
    char id[40], oid[40];
    sim_record_uuid(p, SIM_R_REPORT, i, id);
    RESOURCE(s, c, SIM_NDJSON_DIAGNOSTICREPORT, "DiagnosticReport", id);
    sim_jw_kstr(&c->w, "status", "final");
    concept(c, "code", x->codes);
    patient_ref(c, "subject");
    encounter_ref(c, x->encounter);
    when(c, "effectiveDateTime", x->time);
    when(c, "issued", x->time);
    if (x->nobs) {
        sim_jw_karr(&c->w, "result");
        for (int32_t k = 0; k < x->nobs; k++) {
            sim_record_uuid(p, SIM_R_OBSERVATION, (size_t)(x->first_obs + k), oid);
            sim_jw_obj(&c->w);
            char r[64];
            if (c->bundle)
                snprintf(r, sizeof r, "urn:uuid:%s", oid);
            else
                snprintf(r, sizeof r, "Observation/%s", oid);
            sim_jw_kstr(&c->w, "reference", r);
            sim_jw_end_obj(&c->w);
        }
        sim_jw_end_arr(&c->w);
    }
    close_resource(s, c, "DiagnosticReport", NULL, SIM_NDJSON_DIAGNOSTICREPORT);
}

/* the UDI "(01)gtin(11)yymmdd(17)yymmdd(10)lot(21)serial" split into its parts */
static void udi_part(const char *udi, const char *ai, char *out, size_t n)
{
    out[0] = '\0';
    const char *p = strstr(udi, ai);
    if (!p) return;
    p += strlen(ai);
    size_t k = 0;
    while (p[k] && p[k] != '(' && k + 1 < n) {
        out[k] = p[k];
        k++;
    }
    out[k] = '\0';
}

/* the full date behind a UDI's YYMMDD (the two-digit year alone is ambiguous across centuries) */
static void udi_date(sim_time t, char *out, size_t n)
{
    int64_t y;
    unsigned m, d;
    sim_time_split(t, &y, &m, &d, NULL, NULL, NULL, NULL);
    snprintf(out, n, "%04lld-%02u-%02u", (long long)y, m, d);
}

static void device(sink *s, rctx *c, size_t i)
{
    const sim_device *x = &c->p->devices.v[i];
    char id[40], di[32], made[16], exp[16], lot[32], serial[32];
    sim_record_uuid(c->p, SIM_R_DEVICE, i, id);
    udi_part(x->udi, "(01)", di, sizeof di);
    udi_part(x->udi, "(10)", lot, sizeof lot);
    udi_part(x->udi, "(21)", serial, sizeof serial);
    udi_date(x->start - SIM_UDI_MADE_BEFORE, made, sizeof made);
    udi_date(x->start + SIM_UDI_EXPIRES_AFTER, exp, sizeof exp);
    RESOURCE(s, c, SIM_NDJSON_DEVICE, "Device", id);
    sim_jw_karr(&c->w, "udiCarrier");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "deviceIdentifier", di);
    sim_jw_kstr(&c->w, "carrierHRF", x->udi);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "status", x->stop == SIM_NEVER ? "active" : "inactive");
    sim_jw_kstr(&c->w, "distinctIdentifier", di);
    if (x->manufacturer) sim_jw_kstr(&c->w, "manufacturer", x->manufacturer);
    sim_jw_kstr(&c->w, "manufactureDate", made);
    sim_jw_kstr(&c->w, "expirationDate", exp);
    if (lot[0]) sim_jw_kstr(&c->w, "lotNumber", lot);
    if (serial[0]) sim_jw_kstr(&c->w, "serialNumber", serial);
    sim_jw_karr(&c->w, "deviceName");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "name", x->codes.v[0].display);
    sim_jw_kstr(&c->w, "type", "user-friendly-name");
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    if (x->model) sim_jw_kstr(&c->w, "modelNumber", x->model);
    concept(c, "type", x->codes);
    patient_ref(c, "patient");
    close_resource(s, c, "Device", NULL, SIM_NDJSON_DEVICE);
}

static void imaging(sink *s, rctx *c, size_t i)
{
    const sim_patient *p = c->p;
    const sim_imaging *x = &p->imaging.v[i];
    char id[40], uid[128];
    sim_record_uuid(p, SIM_R_IMAGING, i, id);
    RESOURCE(s, c, SIM_NDJSON_IMAGINGSTUDY, "ImagingStudy", id);
    sim_dicom_uid(p, i, UINT32_MAX, 0, x->time, uid, sizeof uid);
    char oid[160];
    snprintf(oid, sizeof oid, "urn:oid:%s", uid);
    sim_jw_karr(&c->w, "identifier");
    sim_jw_obj(&c->w);
    sim_jw_kstr(&c->w, "use", "official");
    sim_jw_kstr(&c->w, "system", "urn:ietf:rfc:3986");
    sim_jw_kstr(&c->w, "value", oid);
    sim_jw_end_obj(&c->w);
    sim_jw_end_arr(&c->w);
    sim_jw_kstr(&c->w, "status", "available");
    patient_ref(c, "subject");
    encounter_ref(c, x->encounter);
    when(c, "started", x->time);
    uint32_t ninst = 0;
    for (uint32_t k = 0; k < x->nseries; k++) ninst += x->series[k].ninstances;
    sim_jw_kint(&c->w, "numberOfSeries", x->nseries);
    sim_jw_kint(&c->w, "numberOfInstances", ninst);
    if (x->procedure) {
        sim_jw_karr(&c->w, "procedureCode");
        concept1(c, NULL, x->procedure);
        sim_jw_end_arr(&c->w);
    }
    sim_jw_karr(&c->w, "series");
    for (uint32_t k = 0; k < x->nseries; k++) {
        const sim_imaging_series *se = &x->series[k];
        sim_jw_obj(&c->w);
        sim_dicom_uid(p, i, k, UINT32_MAX, x->time, uid, sizeof uid);
        sim_jw_kstr(&c->w, "uid", uid);
        sim_jw_kint(&c->w, "number", k + 1);
        if (se->modality) {
            sim_jw_key(&c->w, "modality");
            coding(&c->w, se->modality);
        }
        sim_jw_kint(&c->w, "numberOfInstances", se->ninstances);
        if (se->body_site) {
            sim_jw_key(&c->w, "bodySite");
            coding(&c->w, se->body_site);
        }
        when(c, "started", x->time);
        sim_jw_karr(&c->w, "instance");
        for (uint32_t n = 0; n < se->ninstances; n++) {
            sim_jw_obj(&c->w);
            sim_dicom_uid(p, i, k, n, x->time, uid, sizeof uid);
            sim_jw_kstr(&c->w, "uid", uid);
            if (se->instances[n].sop_class) {
                sim_jw_key(&c->w, "sopClass");
                coding(&c->w, se->instances[n].sop_class);
            }
            sim_jw_kint(&c->w, "number", n + 1);
            if (se->instances[n].title) sim_jw_kstr(&c->w, "title", se->instances[n].title);
            sim_jw_end_obj(&c->w);
        }
        sim_jw_end_arr(&c->w);
        sim_jw_end_obj(&c->w);
    }
    sim_jw_end_arr(&c->w);
    close_resource(s, c, "ImagingStudy", NULL, SIM_NDJSON_IMAGINGSTUDY);
}

static void supply(sink *s, rctx *c, size_t i)
{
    const sim_supply *x = &c->p->supplies.v[i];
    char id[40];
    sim_record_uuid(c->p, SIM_R_SUPPLY, i, id);
    RESOURCE(s, c, SIM_NDJSON_SUPPLYDELIVERY, "SupplyDelivery", id);
    sim_jw_kstr(&c->w, "status", "completed");
    patient_ref(c, "patient");
    sim_jw_kobj(&c->w, "suppliedItem");
    sim_jw_kobj(&c->w, "quantity");
    sim_jw_kint(&c->w, "value", x->quantity);
    sim_jw_end_obj(&c->w);
    concept(c, "itemCodeableConcept", x->codes);
    sim_jw_end_obj(&c->w);
    when(c, "occurrenceDateTime", x->time);
    close_resource(s, c, "SupplyDelivery", NULL, SIM_NDJSON_SUPPLYDELIVERY);
}

/* ---- a patient ---- */

static void resources(sink *s, rctx *c)
{
    const sim_patient *p = c->p;
    const sim_export_ctx *cx = c->cx;
    patient(s, c);
    for (size_t i = 0; i < p->encounters.n; i++)
        if (p->encounters.v[i].start >= cx->export_from) encounter(s, c, i);
    for (size_t i = 0; i < p->conditions.n; i++)
        if (p->conditions.v[i].start != SIM_NEVER && p->conditions.v[i].start >= cx->export_from)
            condition(s, c, i);
    for (size_t i = 0; i < p->allergies.n; i++)
        if (p->allergies.v[i].start != SIM_NEVER && p->allergies.v[i].start >= cx->export_from)
            allergy(s, c, i);
    for (size_t i = 0; i < p->observations.n; i++)
        if (p->observations.v[i].parent < 0 && p->observations.v[i].time >= cx->export_from)
            observation(s, c, i);
    for (size_t i = 0; i < p->reports.n; i++)
        if (p->reports.v[i].time >= cx->export_from) report(s, c, i);
    for (size_t i = 0; i < p->medications.n; i++)
        if (p->medications.v[i].start >= cx->export_from) medication(s, c, i);
    for (size_t i = 0; i < p->procedures.n; i++)
        if (p->procedures.v[i].start >= cx->export_from) procedure(s, c, i);
    for (size_t i = 0; i < p->immunizations.n; i++)
        if (p->immunizations.v[i].time >= cx->export_from) immunization(s, c, i);
    for (size_t i = 0; i < p->careplans.n; i++)
        if (p->careplans.v[i].start >= cx->export_from) careplan(s, c, i);
    for (size_t i = 0; i < p->devices.n; i++)
        if (p->devices.v[i].start >= cx->export_from) device(s, c, i);
    for (size_t i = 0; i < p->imaging.n; i++)
        if (p->imaging.v[i].time >= cx->export_from) imaging(s, c, i);
    for (size_t i = 0; i < p->supplies.n; i++)
        if (p->supplies.v[i].time >= cx->export_from) supply(s, c, i);
}

void sim_fhir_bundle(const sim_export_ctx *cx, const sim_providers *pv, const sim_patient *p,
                     sim_buf *out, uint64_t *nresources)
{
    rctx c;
    memset(&c, 0, sizeof c);
    c.cx = cx;
    c.pv = pv;
    c.p = p;
    c.bundle = 1;
    sink s = {out, NULL, 0};
    sim_buf_puts(out, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[\n");
    /* the organizations and clinicians the encounters name, each once */
    if (pv) {
        SIM_VEC(int32_t) seen = {0};
        for (int pass = 0; pass < 2; pass++) {
            seen.n = 0;
            for (size_t i = 0; i < p->encounters.n; i++) {
                if (p->encounters.v[i].start < cx->export_from) continue;
                int32_t org, clin;
                sim_providers_encounter(pv, p, i, &org, &clin);
                int32_t want = pass == 0 ? org : clin;
                int dup = 0;
                for (size_t k = 0; k < seen.n; k++) dup |= seen.v[k] == want;
                if (dup) continue;
                int32_t *slot = sim_vec_add(&seen);
                if (slot) *slot = want;
                if (pass == 0)
                    organization(&s, &c, sim_providers_org(pv, (size_t)org),
                                 SIM_NDJSON_ORGANIZATION);
                else
                    practitioner(&s, &c, sim_providers_clinician(pv, (size_t)clin),
                                 SIM_NDJSON_PRACTITIONER);
            }
        }
        free(seen.v);
    }
    resources(&s, &c);
    sim_buf_puts(out, "\n]}\n");
    if (nresources) *nresources = (uint64_t)s.entries;
}

void sim_fhir_ndjson(const sim_export_ctx *cx, const sim_providers *pv, const sim_patient *p,
                     sim_outbufs *out)
{
    rctx c;
    memset(&c, 0, sizeof c);
    c.cx = cx;
    c.pv = pv;
    c.p = p;
    c.bundle = 0;
    sink s = {NULL, out, 0};
    resources(&s, &c);
}

void sim_fhir_network_ndjson(const sim_providers *pv, sim_outbufs *out)
{
    rctx c;
    memset(&c, 0, sizeof c);
    sink s = {NULL, out, 0};
    for (size_t i = 0; i < sim_providers_norgs(pv); i++)
        organization(&s, &c, sim_providers_org(pv, i), SIM_NDJSON_ORGANIZATION);
    for (size_t i = 0; i < sim_providers_nclinicians(pv); i++)
        practitioner(&s, &c, sim_providers_clinician(pv, i), SIM_NDJSON_PRACTITIONER);
}

void sim_fhir_bundle_name(const sim_patient *p, char *out, size_t n)
{
    char name[200];
    snprintf(name, sizeof name, "%s_%s_%s", p->who.first ? p->who.first : "",
             p->who.last ? p->who.last : "", p->who.id);
    for (char *q = name; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              *q == '-' || *q == '_'))
            *q = '_';
    snprintf(out, n, "fhir/%s.json", name);
}
