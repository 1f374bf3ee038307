/* check_read.c — `lifesim check DIR`: reads a run folder (CSV tables, FHIR bundles, Bulk NDJSON;
 * plain or gzipped; ours or Synthea's), spreads every record over partition files by patient and
 * every id by its hash, then checks each partition on its own (see include/sim_check.h). */
#include "check_internal.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- the report ---- */

typedef struct viol {
    sim_check_rule rule;
    char *where, *patient, *reason;
} viol;

struct sim_check_report {
    uint64_t checked[SIM_RULE_COUNT], violations[SIM_RULE_COUNT];
    SIM_VEC(viol) shown;
    size_t max_shown;
    uint64_t bytes, patients, records, files;
    unsigned sources;
    int have_end;
    char end[16];
    char *dir;
};

uint64_t sim_check_violations(const sim_check_report *r)
{
    uint64_t n = 0;
    for (int i = 0; i < SIM_RULE_COUNT; i++) n += r->violations[i];
    return n;
}

uint64_t sim_check_rule_violations(const sim_check_report *r, sim_check_rule rule)
{
    return r->violations[rule];
}

uint64_t sim_check_rule_checked(const sim_check_report *r, sim_check_rule rule)
{
    return r->checked[rule];
}

uint64_t sim_check_bytes(const sim_check_report *r)
{
    return r->bytes;
}

void sim_check_report_free(sim_check_report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->shown.n; i++) {
        free(r->shown.v[i].where);
        free(r->shown.v[i].patient);
        free(r->shown.v[i].reason);
    }
    free(r->shown.v);
    free(r->dir);
    free(r);
}

void sim_check_report_print(const sim_check_report *r, FILE *f)
{
    fprintf(f, "lifesim check %s: %llu patients, %llu records, %llu files (", r->dir,
            (unsigned long long)r->patients, (unsigned long long)r->records,
            (unsigned long long)r->files);
    const char *sep = "";
    if (r->sources & SIM_CHECK_CSV) fprintf(f, "%sCSV", sep), sep = ", ";
    if (r->sources & SIM_CHECK_FHIR) fprintf(f, "%sFHIR bundles", sep), sep = ", ";
    if (r->sources & SIM_CHECK_NDJSON) fprintf(f, "%sNDJSON", sep);
    fprintf(f, ")\n");
    if (r->have_end) fprintf(f, "end of the simulation: %s (manifest.json)\n", r->end);
    fprintf(f, "\n%-29s %12s %10s\n", "rule", "checked", "violations");
    for (int i = 0; i < SIM_RULE_COUNT; i++)
        fprintf(f, "%-29s %12llu %10llu%s\n", sim_check_rule_name((sim_check_rule)i),
                (unsigned long long)r->checked[i], (unsigned long long)r->violations[i],
                r->violations[i] ? "  FAIL" : "");
    uint64_t total = sim_check_violations(r);
    if (!total) {
        fprintf(f, "\nno violations\n");
        return;
    }
    fprintf(f, "\n%llu violation%s; the first %zu:\n", (unsigned long long)total,
            total == 1 ? "" : "s", r->shown.n);
    for (size_t i = 0; i < r->shown.n; i++) {
        const viol *v = &r->shown.v[i];
        fprintf(f, "  %s: %s: patient %s: %s\n", v->where, sim_check_rule_name(v->rule), v->patient,
                v->reason);
    }
}

void sim_check_report_json(const sim_check_report *r, FILE *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "dir", json_string(r->dir));
    json_object_set_new(o, "patients", json_integer((json_int_t)r->patients));
    json_object_set_new(o, "records", json_integer((json_int_t)r->records));
    json_object_set_new(o, "files", json_integer((json_int_t)r->files));
    json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
    json_t *src = json_array();
    if (r->sources & SIM_CHECK_CSV) json_array_append_new(src, json_string("csv"));
    if (r->sources & SIM_CHECK_FHIR) json_array_append_new(src, json_string("fhir"));
    if (r->sources & SIM_CHECK_NDJSON) json_array_append_new(src, json_string("ndjson"));
    json_object_set_new(o, "sources", src);
    if (r->have_end) json_object_set_new(o, "end", json_string(r->end));
    json_t *rules = json_array();
    for (int i = 0; i < SIM_RULE_COUNT; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "rule", json_string(sim_check_rule_name((sim_check_rule)i)));
        json_object_set_new(e, "checked", json_integer((json_int_t)r->checked[i]));
        json_object_set_new(e, "violations", json_integer((json_int_t)r->violations[i]));
        json_array_append_new(rules, e);
    }
    json_object_set_new(o, "rules", rules);
    json_object_set_new(o, "violations", json_integer((json_int_t)sim_check_violations(r)));
    json_t *vs = json_array();
    for (size_t i = 0; i < r->shown.n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "rule", json_string(sim_check_rule_name(r->shown.v[i].rule)));
        json_object_set_new(e, "where", json_string(r->shown.v[i].where));
        json_object_set_new(e, "patient", json_string(r->shown.v[i].patient));
        json_object_set_new(e, "reason", json_string(r->shown.v[i].reason));
        json_array_append_new(vs, e);
    }
    json_object_set_new(o, "first_violations", vs);
    json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(o);
}

/* ---- partitions ---- */

static uint64_t fnv(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

typedef struct reader {
    const sim_checker *ck;
    sim_check_report *rep;
    const char *dir;
    const char *tmpdir;
    size_t nparts;
    FILE **parts; /* records by patient */
    FILE **idparts;
    sim_strmap network; /* "source|kind|id" */
    sim_error *err;
    int failed;
    uint64_t seq;
} reader;

static FILE *temp_file(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lifesim-check-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (!f) close(fd);
    return f;
}

static void put_str(FILE *f, const char *s)
{
    if (!s) {
        fputc(0, f);
        return;
    }
    fputc(1, f);
    fputs(s, f);
    fputc(0, f);
}

static void put_i64(FILE *f, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    fwrite(b, 1, 8, f);
}

/* one record into its patient's partition, and its id into the id partitions */
static void emit(reader *rd, const ck_rec *r, int unique)
{
    if (rd->failed) return;
    if (r->kind >= CK_ORGANIZATION) {
        char key[600];
        snprintf(key, sizeof key, "%d|%d|%s", r->source, r->kind, r->id ? r->id : "");
        if (sim_strmap_intern(&rd->network, key, 1) < 0) rd->failed = 1;
        return;
    }
    const char *pat = r->patient ? r->patient : "";
    FILE *f = rd->parts[fnv(pat) % rd->nparts];
    fputc(r->kind, f);
    fputc(r->source, f);
    fputc(r->death_record, f);
    fputc(r->sex, f);
    fputc(r->start.prec, f);
    fputc(r->stop.prec, f);
    fputc(r->recorded.prec, f);
    put_i64(f, r->start.t);
    put_i64(f, r->stop.t);
    put_i64(f, r->recorded.t);
    put_i64(f, (int64_t)rd->seq++);
    put_str(f, r->id);
    put_str(f, pat);
    put_str(f, r->encounter);
    put_str(f, r->claim);
    put_str(f, r->org);
    put_str(f, r->provider);
    put_str(f, r->payer);
    put_str(f, r->system);
    put_str(f, r->code);
    put_str(f, r->where);
    rd->rep->records++;
    if (unique && r->id && *r->id) {
        char ns[32];
        snprintf(ns, sizeof ns, "%d.%d", r->source, r->kind);
        FILE *g = rd->idparts[fnv(r->id) % rd->nparts];
        put_str(g, ns);
        put_str(g, r->id);
        put_str(g, pat);
        put_str(g, r->where);
    }
}

/* ---- CSV ---- */

typedef struct tspec {
    const char *file;
    int kind;
    int unique; /* its Id column names the record uniquely */
    int inside; /* its date must lie inside the encounter it names */
    const char *id, *patient, *encounter, *claim, *start, *stop, *code, *system, *def_system;
    const char *org, *provider, *payer;
} tspec;

static const tspec tables[] = {
    {"patients", CK_PATIENT, 1, 0, "Id", "Id", NULL, NULL, "BIRTHDATE", "DEATHDATE", NULL, NULL,
     NULL, NULL, NULL, NULL},
    {"encounters", CK_ENCOUNTER, 1, 0, "Id", "PATIENT", NULL, NULL, "START", "STOP", "CODE", NULL,
     "SNOMED-CT", "ORGANIZATION", "PROVIDER", "PAYER"},
    {"conditions", CK_CONDITION, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "START", "STOP", "CODE",
     "SYSTEM", "SNOMED-CT", NULL, NULL, NULL},
    {"allergies", CK_ALLERGY, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "START", "STOP", "CODE",
     "SYSTEM", "SNOMED-CT", NULL, NULL, NULL},
    {"medications", CK_MEDICATION, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "START", "STOP",
     "CODE", NULL, "RxNorm", NULL, NULL, "PAYER"},
    {"careplans", CK_CAREPLAN, 1, 1, "Id", "PATIENT", "ENCOUNTER", NULL, "START", "STOP", "CODE",
     NULL, "SNOMED-CT", NULL, NULL, NULL},
    {"procedures", CK_PROCEDURE, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "START", "STOP", "CODE",
     "SYSTEM", "SNOMED-CT", NULL, NULL, NULL},
    {"immunizations", CK_IMMUNIZATION, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "DATE", NULL,
     "CODE", NULL, "CVX", NULL, NULL, NULL},
    {"observations", CK_OBSERVATION, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "DATE", NULL, "CODE",
     NULL, "LOINC", NULL, NULL, NULL},
    {"devices", CK_DEVICE, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "START", "STOP", "CODE", NULL,
     "SNOMED-CT", NULL, NULL, NULL},
    {"supplies", CK_SUPPLY, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "DATE", NULL, "CODE", NULL,
     "SNOMED-CT", NULL, NULL, NULL},
    /* one row per instance: the study's Id repeats */
    {"imaging_studies", CK_IMAGING, 0, 1, NULL, "PATIENT", "ENCOUNTER", NULL, "DATE", NULL, NULL,
     NULL, NULL, NULL, NULL, NULL},
    {"claims", CK_CLAIM, 1, 0, "Id", "PATIENTID", "APPOINTMENTID", NULL, "SERVICEDATE", NULL, NULL,
     NULL, NULL, NULL, "PROVIDERID", NULL},
    {"claims_transactions", CK_CLAIM_TX, 1, 0, "ID", "PATIENTID", NULL, "CLAIMID", "FROMDATE",
     "TODATE", NULL, NULL, NULL, NULL, NULL, NULL},
    {"payer_transitions", CK_PAYER_PERIOD, 0, 0, NULL, "PATIENT", NULL, NULL, "START_DATE",
     "END_DATE", NULL, NULL, NULL, NULL, NULL, "PAYER"},
    {"organizations", CK_ORGANIZATION, 0, 0, "Id", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL},
    {"providers", CK_PROVIDER, 0, 0, "Id", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL},
    {"payers", CK_PAYER, 0, 0, "Id", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL},
};
#define NTABLES (sizeof tables / sizeof tables[0])

enum {
    C_ID,
    C_PAT,
    C_ENC,
    C_CLAIM,
    C_START,
    C_STOP,
    C_CODE,
    C_SYS,
    C_ORG,
    C_PROV,
    C_PAYER,
    C_SEX,
    C_N
};

typedef struct csvstate {
    reader *rd;
    const tspec *t;
    const char *shown;
    SIM_VEC(char *) fields;
    int col[C_N];
    int header_done;
    uint64_t row;
} csvstate;

static void csv_field(void *s, size_t len, void *data)
{
    csvstate *cs = data;
    char *copy = malloc(len + 1);
    char **slot = copy ? sim_vec_add(&cs->fields) : NULL;
    if (!slot) {
        free(copy);
        cs->rd->failed = 1;
        return;
    }
    if (len) memcpy(copy, s, len);
    copy[len] = '\0';
    *slot = copy;
}

static const char *cell(csvstate *cs, int c)
{
    int i = cs->col[c];
    if (i < 0 || (size_t)i >= cs->fields.n) return NULL;
    return cs->fields.v[i];
}

static int header_col(csvstate *cs, const char *name)
{
    if (!name) return -1;
    for (size_t i = 0; i < cs->fields.n; i++)
        if (!strcmp(cs->fields.v[i], name)) return (int)i;
    return -1;
}

static void csv_row(int c, void *data)
{
    (void)c;
    csvstate *cs = data;
    reader *rd = cs->rd;
    const tspec *t = cs->t;
    if (!cs->header_done) {
        cs->header_done = 1;
        const char *names[C_N] = {t->id,       t->patient, t->encounter,
                                  t->claim,    t->start,   t->stop,
                                  t->code,     t->system,  t->org,
                                  t->provider, t->payer,   t->kind == CK_PATIENT ? "GENDER" : NULL};
        for (int k = 0; k < C_N; k++) cs->col[k] = header_col(cs, names[k]);
        /* the columns a table cannot do without */
        const char *need = t->kind >= CK_ORGANIZATION ? t->id : t->patient;
        if (header_col(cs, need) < 0 || (t->start && cs->col[C_START] < 0)) {
            sim_error_set(rd->err, SIM_EPARSE, cs->shown, 1, 0,
                          "no %s column: this is not a table in Synthea's layout",
                          header_col(cs, need) < 0 ? need : t->start);
            rd->failed = 1;
        }
    } else if (!rd->failed) {
        cs->row++;
        char where[600];
        snprintf(where, sizeof where, "%s row %llu", cs->shown, (unsigned long long)cs->row);
        ck_rec r;
        memset(&r, 0, sizeof r);
        r.kind = (uint8_t)t->kind;
        r.source = CK_SRC_CSV;
        r.module = r.state = -1;
        r.where = where;
        r.id = cell(cs, C_ID);
        r.patient = cell(cs, C_PAT);
        r.encounter = t->inside || t->kind == CK_CLAIM ? cell(cs, C_ENC) : NULL;
        r.claim = cell(cs, C_CLAIM);
        r.org = cell(cs, C_ORG);
        r.provider = cell(cs, C_PROV);
        r.payer = cell(cs, C_PAYER);
        r.code = cell(cs, C_CODE);
        const char *sys = cell(cs, C_SYS);
        r.system = sys && *sys ? sys : t->def_system;
        if (t->kind == CK_PATIENT) {
            const char *g = cell(cs, C_SEX);
            r.sex = g && (g[0] == 'M' || g[0] == 'F') && !g[1] ? g[0] : 0;
        }
        const char *st = cell(cs, C_START), *sp = cell(cs, C_STOP);
        if (ck_parse_time(st, &r.start) != 0 || ck_parse_time(sp, &r.stop) != 0) {
            sim_error_set(rd->err, SIM_EPARSE, cs->shown, 0, 0,
                          "row %llu: \"%s\" is not a date or a time", (unsigned long long)cs->row,
                          ck_parse_time(st, &r.start) != 0 ? st : sp);
            rd->failed = 1;
        }
        if (t->kind == CK_ENCOUNTER && r.code && !strcmp(r.code, "308646001"))
            r.death_record = CK_DEATH_CERTIFICATE;
        if (t->kind == CK_OBSERVATION && r.code && !strcmp(r.code, "69453-9"))
            r.death_record = CK_DEATH_CAUSE;
        if (!rd->failed) emit(rd, &r, t->unique);
    }
    for (size_t i = 0; i < cs->fields.n; i++) free(cs->fields.v[i]);
    cs->fields.n = 0;
}

static sim_status read_csv(reader *rd, const char *path, const char *shown, const tspec *t)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return sim_error_set(rd->err, SIM_EIO, shown, 0, 0, "cannot open: %s", strerror(errno));
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    csvstate cs;
    memset(&cs, 0, sizeof cs);
    cs.rd = rd;
    cs.t = t;
    cs.shown = shown;
    char buf[1 << 16];
    int n = 0;
    while (!rd->failed && (n = gzread(gz, buf, sizeof buf)) > 0) {
        if (csv_parse(&p, buf, (size_t)n, csv_field, csv_row, &cs) != (size_t)n) {
            sim_error_set(rd->err, SIM_EPARSE, shown, 0, 0, "not well-formed CSV: %s",
                          csv_strerror(csv_error(&p)));
            rd->failed = 1;
        }
    }
    if (!rd->failed) csv_fini(&p, csv_field, csv_row, &cs);
    csv_free(&p);
    gzclose(gz);
    for (size_t i = 0; i < cs.fields.n; i++) free(cs.fields.v[i]);
    free(cs.fields.v);
    if (n < 0 && !rd->failed) {
        sim_error_set(rd->err, SIM_EIO, shown, 0, 0, "cannot read (a damaged gzip file?)");
        rd->failed = 1;
    }
    if (!rd->failed && !cs.header_done) {
        sim_error_set(rd->err, SIM_EPARSE, shown, 0, 0, "empty: not even a header row");
        rd->failed = 1;
    }
    return rd->failed ? (rd->err->code ? rd->err->code : SIM_EIO) : SIM_OK;
}

/* ---- FHIR ---- */

/* "urn:uuid:X", "Type/X" -> X; conditional references ("Type?...") cannot be resolved: NULL */
static const char *ref_id(json_t *refobj)
{
    const char *s = json_string_value(json_object_get(refobj, "reference"));
    if (!s) return NULL;
    if (!strncmp(s, "urn:uuid:", 9)) return s + 9;
    if (strchr(s, '?')) return NULL;
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

static const char *system_name(const char *uri)
{
    if (!uri) return NULL;
    if (!strcmp(uri, "http://snomed.info/sct")) return "SNOMED-CT";
    if (!strcmp(uri, "http://loinc.org")) return "LOINC";
    if (!strcmp(uri, "http://hl7.org/fhir/sid/cvx")) return "CVX";
    if (!strcmp(uri, "http://www.nlm.nih.gov/research/umls/rxnorm")) return "RxNorm";
    return uri;
}

static void first_coding(json_t *concept, ck_rec *r)
{
    json_t *c = json_array_get(json_object_get(concept, "coding"), 0);
    r->system = system_name(json_string_value(json_object_get(c, "system")));
    r->code = json_string_value(json_object_get(c, "code"));
}

static int fhir_time(reader *rd, json_t *v, ck_time *out, const char *where)
{
    const char *s = json_string_value(v);
    if (ck_parse_time(s, out) != 0) {
        sim_error_set(rd->err, SIM_EPARSE, NULL, 0, 0, "%s: \"%s\" is not a FHIR date or dateTime",
                      where, s);
        rd->failed = 1;
        return -1;
    }
    return 0;
}

/* one resource (of a bundle or an NDJSON line) */
static void fhir_resource(reader *rd, json_t *res, int source, const char *file)
{
    const char *type = json_string_value(json_object_get(res, "resourceType"));
    const char *id = json_string_value(json_object_get(res, "id"));
    if (!type) return;
    char where[700];
    snprintf(where, sizeof where, "%s %s/%s", file, type, id ? id : "?");
    ck_rec r;
    memset(&r, 0, sizeof r);
    r.source = (uint8_t)source;
    r.module = r.state = -1;
    r.where = where;
    r.id = id;
    json_t *subj = json_object_get(res, "subject");
    if (!subj) subj = json_object_get(res, "patient");
    r.patient = ref_id(subj);
    r.encounter = ref_id(json_object_get(res, "encounter"));
    if (!strcmp(type, "Patient")) {
        r.kind = CK_PATIENT;
        r.patient = id;
        const char *g = json_string_value(json_object_get(res, "gender"));
        r.sex = g && !strcmp(g, "male") ? 'M' : g && !strcmp(g, "female") ? 'F' : 0;
        fhir_time(rd, json_object_get(res, "birthDate"), &r.start, where);
        fhir_time(rd, json_object_get(res, "deceasedDateTime"), &r.stop, where);
    } else if (!strcmp(type, "Encounter")) {
        r.kind = CK_ENCOUNTER;
        json_t *per = json_object_get(res, "period");
        fhir_time(rd, json_object_get(per, "start"), &r.start, where);
        fhir_time(rd, json_object_get(per, "end"), &r.stop, where);
        first_coding(json_array_get(json_object_get(res, "type"), 0), &r);
        if (r.code && !strcmp(r.code, "308646001")) r.death_record = CK_DEATH_CERTIFICATE;
        r.org = ref_id(json_object_get(res, "serviceProvider"));
        r.provider = ref_id(
            json_object_get(json_array_get(json_object_get(res, "participant"), 0), "individual"));
    } else if (!strcmp(type, "Condition")) {
        r.kind = CK_CONDITION;
        fhir_time(rd, json_object_get(res, "onsetDateTime"), &r.start, where);
        fhir_time(rd, json_object_get(res, "abatementDateTime"), &r.stop, where);
        fhir_time(rd, json_object_get(res, "recordedDate"), &r.recorded, where);
        first_coding(json_object_get(res, "code"), &r);
    } else if (!strcmp(type, "AllergyIntolerance")) {
        r.kind = CK_ALLERGY;
        json_t *on = json_object_get(res, "onsetDateTime");
        fhir_time(rd, on ? on : json_object_get(res, "recordedDate"), &r.start, where);
        first_coding(json_object_get(res, "code"), &r);
    } else if (!strcmp(type, "MedicationRequest")) {
        r.kind = CK_MEDICATION;
        fhir_time(rd, json_object_get(res, "authoredOn"), &r.start, where);
        first_coding(json_object_get(res, "medicationCodeableConcept"), &r);
    } else if (!strcmp(type, "CarePlan")) {
        r.kind = CK_CAREPLAN;
        json_t *per = json_object_get(res, "period");
        fhir_time(rd, json_object_get(per, "start"), &r.start, where);
        fhir_time(rd, json_object_get(per, "end"), &r.stop, where);
    } else if (!strcmp(type, "Procedure")) {
        r.kind = CK_PROCEDURE;
        json_t *per = json_object_get(res, "performedPeriod");
        if (per) {
            fhir_time(rd, json_object_get(per, "start"), &r.start, where);
            fhir_time(rd, json_object_get(per, "end"), &r.stop, where);
        } else {
            fhir_time(rd, json_object_get(res, "performedDateTime"), &r.start, where);
        }
        first_coding(json_object_get(res, "code"), &r);
    } else if (!strcmp(type, "Immunization")) {
        r.kind = CK_IMMUNIZATION;
        fhir_time(rd, json_object_get(res, "occurrenceDateTime"), &r.start, where);
        first_coding(json_object_get(res, "vaccineCode"), &r);
    } else if (!strcmp(type, "Observation")) {
        r.kind = CK_OBSERVATION;
        json_t *eff = json_object_get(res, "effectiveDateTime");
        if (!eff) eff = json_object_get(json_object_get(res, "effectivePeriod"), "start");
        fhir_time(rd, eff, &r.start, where);
        first_coding(json_object_get(res, "code"), &r);
        if (r.code && !strcmp(r.code, "69453-9")) r.death_record = CK_DEATH_CAUSE;
    } else if (!strcmp(type, "DiagnosticReport") || !strcmp(type, "DocumentReference")) {
        r.kind = CK_REPORT;
        json_t *eff = json_object_get(res, "effectiveDateTime");
        if (!eff) eff = json_object_get(res, "date");
        fhir_time(rd, eff, &r.start, where);
        if (!r.encounter)
            r.encounter = ref_id(
                json_array_get(json_object_get(json_object_get(res, "context"), "encounter"), 0));
    } else if (!strcmp(type, "Device")) {
        r.kind = CK_DEVICE;
        first_coding(json_object_get(res, "type"), &r);
    } else if (!strcmp(type, "SupplyDelivery")) {
        r.kind = CK_SUPPLY;
        fhir_time(rd, json_object_get(res, "occurrenceDateTime"), &r.start, where);
    } else if (!strcmp(type, "ImagingStudy")) {
        r.kind = CK_IMAGING;
        fhir_time(rd, json_object_get(res, "started"), &r.start, where);
    } else if (!strcmp(type, "MedicationAdministration")) {
        r.kind = CK_MEDICATION;
        fhir_time(rd, json_object_get(res, "effectiveDateTime"), &r.start, where);
        r.encounter = ref_id(json_object_get(res, "context"));
    } else if (!strcmp(type, "Claim") || !strcmp(type, "ExplanationOfBenefit")) {
        r.kind = CK_CLAIM;
        json_t *per = json_object_get(res, "billablePeriod");
        fhir_time(rd, json_object_get(per, "start"), &r.start, where);
        fhir_time(rd, json_object_get(per, "end"), &r.stop, where);
        r.encounter = NULL;
        if (!strcmp(type, "ExplanationOfBenefit")) r.id = NULL; /* not a Claim id */
    } else if (!strcmp(type, "Organization") || !strcmp(type, "Location")) {
        r.kind = CK_ORGANIZATION;
    } else if (!strcmp(type, "Practitioner") || !strcmp(type, "PractitionerRole")) {
        r.kind = CK_PROVIDER;
    } else {
        return; /* Provenance, Medication, CareTeam...: nothing dated to check */
    }
    if (r.kind < CK_ORGANIZATION && !r.patient) {
        /* every patient record names its patient */
        r.patient = "";
    }
    emit(rd, &r, r.kind != CK_CLAIM || r.id != NULL);
}

static sim_status read_all(gzFile gz, sim_buf *b)
{
    char chunk[1 << 16];
    int n;
    while ((n = gzread(gz, chunk, sizeof chunk)) > 0) sim_buf_append(b, chunk, (size_t)n);
    return n < 0 || b->oom ? SIM_EIO : SIM_OK;
}

static sim_status read_bundle(reader *rd, const char *path, const char *shown)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return sim_error_set(rd->err, SIM_EIO, shown, 0, 0, "cannot open: %s", strerror(errno));
    sim_buf b = {0};
    sim_status st = read_all(gz, &b);
    gzclose(gz);
    if (st != SIM_OK) {
        sim_buf_free(&b);
        return sim_error_set(rd->err, SIM_EIO, shown, 0, 0, "cannot read (a damaged gzip file?)");
    }
    json_error_t je;
    json_t *bundle = json_loadb(b.data ? b.data : "", b.len, 0, &je);
    sim_buf_free(&b);
    if (!bundle)
        return sim_error_set(rd->err, SIM_EPARSE, shown, je.line, je.column, "not JSON: %s",
                             je.text);
    const char *type = json_string_value(json_object_get(bundle, "resourceType"));
    if (!type || strcmp(type, "Bundle")) {
        json_decref(bundle);
        return sim_error_set(rd->err, SIM_EPARSE, shown, 1, 0, "not a FHIR Bundle");
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(bundle, "entry"), i, e)
        fhir_resource(rd, json_object_get(e, "resource"), CK_SRC_FHIR, shown);
    json_decref(bundle);
    return rd->failed ? rd->err->code : SIM_OK;
}

static sim_status read_ndjson(reader *rd, const char *path, const char *shown)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return sim_error_set(rd->err, SIM_EIO, shown, 0, 0, "cannot open: %s", strerror(errno));
    sim_buf line = {0};
    char chunk[1 << 16];
    uint64_t lineno = 0;
    int n;
    sim_status st = SIM_OK;
    char where[600];
    for (;;) {
        n = gzread(gz, chunk, sizeof chunk);
        if (n < 0) {
            st = sim_error_set(rd->err, SIM_EIO, shown, 0, 0, "cannot read (a damaged gzip file?)");
            break;
        }
        size_t k = 0;
        while (k < (size_t)n || (n == 0 && line.len)) {
            char *nl = n ? memchr(chunk + k, '\n', (size_t)n - k) : NULL;
            size_t take = nl ? (size_t)(nl - (chunk + k)) : (size_t)n - k;
            sim_buf_append(&line, chunk + k, take);
            k += take + (nl ? 1 : 0);
            if (!nl && n) break; /* the line goes on in the next chunk */
            lineno++;
            if (line.len) {
                json_error_t je;
                json_t *res = json_loadb(line.data, line.len, 0, &je);
                if (!res) {
                    st = sim_error_set(rd->err, SIM_EPARSE, shown, (int)lineno, je.column,
                                       "not a JSON resource: %s", je.text);
                    break;
                }
                snprintf(where, sizeof where, "%s:%llu", shown, (unsigned long long)lineno);
                fhir_resource(rd, res, CK_SRC_NDJSON, where);
                json_decref(res);
                if (rd->failed) {
                    st = rd->err->code;
                    break;
                }
            }
            sim_buf_reset(&line);
            if (n == 0) break;
        }
        if (st != SIM_OK || n == 0) break;
    }
    sim_buf_free(&line);
    gzclose(gz);
    return st;
}

/* ---- the partitions, checked ---- */

typedef struct prec_ {
    ck_rec r;
    uint64_t seq;
    uint64_t hash; /* of the patient id: sorting on it is cheaper than on the string */
} prec_;

static const char *get_str(const char **p, const char *end)
{
    if (*p >= end) return NULL;
    char flag = *(*p)++;
    if (!flag) return NULL;
    const char *s = *p;
    size_t n = strnlen(s, (size_t)(end - s));
    *p += n + 1;
    return s;
}

static int64_t get_i64(const char **p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)(unsigned char)(*p)[i] << (8 * i);
    *p += 8;
    return (int64_t)v;
}

static int cmp_prec(const void *a, const void *b)
{
    const prec_ *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* two patient ids with the same hash: the strings decide */
static int cmp_prec_full(const void *a, const void *b)
{
    const prec_ *x = a, *y = b;
    int c = strcmp(x->r.patient, y->r.patient);
    if (c) return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct dir_sink {
    ck_sink base;
    reader *rd;
} dir_sink;

static void dir_violation(ck_sink *s, sim_check_rule rule, const ck_rec *patient, const ck_rec *rec,
                          const char *reason)
{
    dir_sink *ds = (dir_sink *)s;
    sim_check_report *rep = ds->rd->rep;
    if (rep->shown.n >= rep->max_shown) return;
    viol *v = sim_vec_add(&rep->shown);
    if (!v) return;
    v->rule = rule;
    v->where = sim_strdup(rec ? rec->where : patient ? patient->where : "?");
    v->patient = sim_strdup(patient ? patient->id : rec && rec->patient ? rec->patient : "?");
    v->reason = sim_strdup(reason);
}

static int dir_network(ck_sink *s, int source, int kind, const char *id)
{
    dir_sink *ds = (dir_sink *)s;
    char key[600];
    snprintf(key, sizeof key, "%d|%d|%s", source, kind, id);
    if (sim_strmap_intern(&ds->rd->network, key, 0) >= 0) return 1;
    /* a source that lists no network at all (NDJSON without Organization.ndjson, a CSV folder
     * without organizations.csv) cannot be held to it */
    snprintf(key, sizeof key, "%d|%d|", source, kind);
    for (size_t i = 0; i < ds->rd->network.n; i++)
        if (!strncmp(ds->rd->network.names[i], key, strlen(key))) return 0;
    return 1;
}

static sim_status load_part(FILE *f, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    if (fflush(f) != 0 || fseek(f, 0, SEEK_END) != 0) return SIM_EIO;
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) return SIM_EIO;
    *buf = malloc((size_t)n + 1);
    if (!*buf) return SIM_ENOMEM;
    if (n && fread(*buf, 1, (size_t)n, f) != (size_t)n) {
        free(*buf);
        *buf = NULL;
        return SIM_EIO;
    }
    (*buf)[n] = '\0';
    *len = (size_t)n;
    return SIM_OK;
}

static sim_status check_part(reader *rd, FILE *f, dir_sink *ds)
{
    char *buf;
    size_t len;
    sim_status st = load_part(f, &buf, &len);
    if (st != SIM_OK)
        return sim_error_set(rd->err, st, NULL, 0, 0, "cannot read a partition file back");
    SIM_VEC(prec_) v = {0};
    const char *p = buf, *end = buf + len;
    while (p + 30 <= end) {
        prec_ *x = sim_vec_add(&v);
        if (!x) {
            free(buf);
            free(v.v);
            return sim_error_set(rd->err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        }
        ck_rec *r = &x->r;
        r->kind = (uint8_t)*p++;
        r->source = (uint8_t)*p++;
        r->death_record = (uint8_t)*p++;
        r->sex = *p++;
        r->start.prec = (uint8_t)*p++;
        r->stop.prec = (uint8_t)*p++;
        r->recorded.prec = (uint8_t)*p++;
        r->start.t = get_i64(&p);
        r->stop.t = get_i64(&p);
        r->recorded.t = get_i64(&p);
        x->seq = (uint64_t)get_i64(&p);
        r->id = get_str(&p, end);
        r->patient = get_str(&p, end);
        r->encounter = get_str(&p, end);
        r->claim = get_str(&p, end);
        r->org = get_str(&p, end);
        r->provider = get_str(&p, end);
        r->payer = get_str(&p, end);
        r->system = get_str(&p, end);
        r->code = get_str(&p, end);
        r->where = get_str(&p, end);
        r->module = r->state = -1;
        if (!r->patient) r->patient = "";
        x->hash = fnv(r->patient);
    }
    if (v.n) qsort(v.v, v.n, sizeof *v.v, cmp_prec);
    /* a hash shared by different patients (vanishingly rare): order that run by the ids */
    for (size_t i = 0; i < v.n;) {
        size_t j = i + 1, mixed = 0;
        while (j < v.n && v.v[j].hash == v.v[i].hash) {
            mixed |= strcmp(v.v[j].r.patient, v.v[i].r.patient) != 0;
            j++;
        }
        if (mixed) qsort(v.v + i, j - i, sizeof *v.v, cmp_prec_full);
        i = j;
    }
    ck_rec *recs = malloc((v.n ? v.n : 1) * sizeof *recs);
    if (!recs) {
        free(buf);
        free(v.v);
        return sim_error_set(rd->err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < v.n;) {
        size_t j = i;
        while (j < v.n && !strcmp(v.v[j].r.patient, v.v[i].r.patient)) {
            recs[j - i] = v.v[j].r;
            j++;
        }
        rd->rep->patients++;
        ck_check_patient(rd->ck, recs, j - i, &ds->base);
        i = j;
    }
    free(recs);
    free(v.v);
    free(buf);
    return SIM_OK;
}

typedef struct idrec {
    const char *ns, *id, *patient, *where;
    size_t seq;
} idrec;

static int cmp_idrec(const void *a, const void *b)
{
    const idrec *x = a, *y = b;
    int c = strcmp(x->ns, y->ns);
    if (c) return c;
    c = strcmp(x->id, y->id);
    if (c) return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static sim_status check_ids(reader *rd, FILE *f, dir_sink *ds)
{
    char *buf;
    size_t len;
    sim_status st = load_part(f, &buf, &len);
    if (st != SIM_OK)
        return sim_error_set(rd->err, st, NULL, 0, 0, "cannot read a partition file back");
    SIM_VEC(idrec) v = {0};
    const char *p = buf, *end = buf + len;
    while (p < end) {
        idrec *x = sim_vec_add(&v);
        if (!x) break;
        x->ns = get_str(&p, end);
        x->id = get_str(&p, end);
        x->patient = get_str(&p, end);
        x->where = get_str(&p, end);
        x->seq = v.n;
        if (!x->ns || !x->id || !x->patient || !x->where) {
            v.n--;
            break;
        }
    }
    /* by namespace and id, then as written */
    if (v.n) qsort(v.v, v.n, sizeof *v.v, cmp_idrec);
    ck_sink *s = &ds->base;
    for (size_t i = 0; i < v.n; i++) {
        s->checked[SIM_RULE_UNIQUE]++;
        if (i && !strcmp(v.v[i].ns, v.v[i - 1].ns) && !strcmp(v.v[i].id, v.v[i - 1].id)) {
            char msg[900];
            snprintf(msg, sizeof msg, "id %s is used again (first at %s)", v.v[i].id,
                     v.v[i - 1].where);
            s->violations[SIM_RULE_UNIQUE]++;
            ck_rec r;
            memset(&r, 0, sizeof r);
            r.where = v.v[i].where;
            r.patient = v.v[i].patient;
            s->violation(s, SIM_RULE_UNIQUE, NULL, &r, msg);
        }
    }
    free(v.v);
    free(buf);
    return SIM_OK;
}

/* ---- the folder ---- */

typedef struct infile {
    char *path, *shown;
    int what; /* table index for CSV, -1 bundle, -2 NDJSON */
    uint64_t bytes;
} infile;
typedef SIM_VEC(infile) infiles;

static int cmp_infile(const void *a, const void *b)
{
    const infile *x = a, *y = b;
    /* the care network first, so references can be tested against it; then by name */
    int nx = x->what >= 0 && tables[x->what].kind >= CK_ORGANIZATION;
    int ny = y->what >= 0 && tables[y->what].kind >= CK_ORGANIZATION;
    if (nx != ny) return ny - nx;
    return strcmp(x->shown, y->shown);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* the files of a subfolder whose names end in ext or ext.gz */
static void list_files(const char *dir, const char *sub, const char *ext, int kind_csv,
                       infiles *out)
{
    char folder[4096];
    snprintf(folder, sizeof folder, "%s%s%s", dir, *sub ? "/" : "", sub);
    DIR *d = opendir(folder);
    if (!d) return;
    struct dirent *de;
    char gzext[32];
    snprintf(gzext, sizeof gzext, "%s.gz", ext);
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (nm[0] == '.' || (!ends_with(nm, ext) && !ends_with(nm, gzext))) continue;
        int what = kind_csv ? -3 : (!strcmp(ext, ".json") ? -1 : -2);
        if (kind_csv) {
            size_t base = strlen(nm) - (ends_with(nm, gzext) ? strlen(gzext) : strlen(ext));
            for (size_t t = 0; t < NTABLES; t++)
                if (strlen(tables[t].file) == base && !strncmp(nm, tables[t].file, base))
                    what = (int)t;
            if (what < 0) continue; /* a table the checker has no rules for */
        }
        infile *f = sim_vec_add(out);
        if (!f) break;
        size_t n = strlen(folder) + strlen(nm) + 2;
        f->path = malloc(n);
        if (f->path) snprintf(f->path, n, "%s/%s", folder, nm);
        n = strlen(sub) + strlen(nm) + 2;
        f->shown = malloc(n);
        if (f->shown) snprintf(f->shown, n, "%s%s%s", sub, *sub ? "/" : "", nm);
        f->what = what;
        struct stat sb;
        f->bytes = f->path && stat(f->path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
        if (ends_with(nm, ".gz")) f->bytes *= 8; /* roughly what it holds */
    }
    closedir(d);
}

static void read_end(const char *dir, sim_check_report *rep, sim_time *end)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    *end = SIM_NEVER;
    if (!m) return;
    const char *d = json_string_value(json_object_get(m, "reference_date"));
    if (d && sim_time_parse(d, end) == 0) {
        rep->have_end = 1;
        snprintf(rep->end, sizeof rep->end, "%s", d);
    } else {
        *end = SIM_NEVER;
    }
    json_decref(m);
}

sim_status sim_check_dir(const sim_checker *ck, const char *dir, const sim_check_opts *opts,
                         sim_check_report **out, sim_error *err)
{
    *out = NULL;
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return sim_error_set(err, SIM_EIO, dir, 0, 0, "not a folder");
    sim_check_report *rep = calloc(1, sizeof *rep);
    if (!rep) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    rep->dir = sim_strdup(dir);
    rep->max_shown = opts && opts->max_shown ? opts->max_shown : 20;
    unsigned want =
        opts && opts->sources ? opts->sources : SIM_CHECK_CSV | SIM_CHECK_FHIR | SIM_CHECK_NDJSON;
    infiles files = {0};
    if (want & SIM_CHECK_CSV) {
        size_t before = files.n;
        list_files(dir, "csv", ".csv", 1, &files);
        if (files.n == before) list_files(dir, "", ".csv", 1, &files); /* a bare csv folder */
        if (files.n > before) rep->sources |= SIM_CHECK_CSV;
    }
    if (want & SIM_CHECK_FHIR) {
        size_t before = files.n;
        list_files(dir, "fhir", ".json", 0, &files);
        if (files.n > before) rep->sources |= SIM_CHECK_FHIR;
    }
    if (want & SIM_CHECK_NDJSON) {
        size_t before = files.n;
        list_files(dir, "fhir-ndjson", ".ndjson", 0, &files);
        if (files.n > before) rep->sources |= SIM_CHECK_NDJSON;
    }
    sim_status st = SIM_OK;
    size_t k = 0;
    reader rd;
    memset(&rd, 0, sizeof rd);
    dir_sink ds;
    memset(&ds, 0, sizeof ds);
    if (!files.n) {
        st = sim_error_set(err, SIM_EIO, dir, 0, 0,
                           "no records here: expected csv/*.csv, fhir/*.json or "
                           "fhir-ndjson/*.ndjson (plain or .gz)");
        goto done;
    }
    qsort(files.v, files.n, sizeof *files.v, cmp_infile);
    uint64_t total = 0;
    for (size_t i = 0; i < files.n; i++) {
        if (!files.v[i].path || !files.v[i].shown) {
            st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        total += files.v[i].bytes;
    }
    size_t target = opts && opts->bucket_bytes ? opts->bucket_bytes : (size_t)64 << 20;
    k = (size_t)(total / target) + 1;
    if (k > 256) k = 256;
    rd.ck = ck;
    rd.rep = rep;
    rd.dir = dir;
    rd.err = err;
    rd.nparts = k;
    const char *tmp = opts && opts->tmpdir ? opts->tmpdir : getenv("TMPDIR");
    rd.tmpdir = tmp && *tmp ? tmp : "/tmp";
    rd.parts = calloc(k, sizeof *rd.parts);
    rd.idparts = calloc(k, sizeof *rd.idparts);
    if (!rd.parts || !rd.idparts) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k; i++) {
        rd.parts[i] = temp_file(rd.tmpdir);
        rd.idparts[i] = temp_file(rd.tmpdir);
        if (!rd.parts[i] || !rd.idparts[i]) {
            st = sim_error_set(err, SIM_EIO, rd.tmpdir, 0, 0,
                               "cannot create partition files: %s (set TMPDIR)", strerror(errno));
            goto done;
        }
    }
    /* pass 1: every record to its patient's partition */
    for (size_t i = 0; i < files.n && st == SIM_OK; i++) {
        infile *f = &files.v[i];
        if (f->what >= 0)
            st = read_csv(&rd, f->path, f->shown, &tables[f->what]);
        else if (f->what == -1)
            st = read_bundle(&rd, f->path, f->shown);
        else
            st = read_ndjson(&rd, f->path, f->shown);
        struct stat fs;
        if (stat(f->path, &fs) == 0) rep->bytes += (uint64_t)fs.st_size;
        rep->files++;
        if (st == SIM_OK && rd.failed) st = err->code ? err->code : SIM_EIO;
    }
    for (size_t i = 0; i < k && st == SIM_OK; i++)
        if (ferror(rd.parts[i]) || ferror(rd.idparts[i]))
            st = sim_error_set(err, SIM_EIO, rd.tmpdir, 0, 0,
                               "cannot write partition files (is the disk full? set TMPDIR)");
    if (st != SIM_OK) goto done;
    /* pass 2: each partition on its own */
    ds.base.violation = dir_violation;
    ds.base.network_has = dir_network;
    ds.rd = &rd;
    read_end(dir, rep, &ds.base.end);
    for (size_t i = 0; i < k && st == SIM_OK; i++) {
        st = check_part(&rd, rd.parts[i], &ds);
        if (st == SIM_OK) st = check_ids(&rd, rd.idparts[i], &ds);
        fclose(rd.parts[i]);
        fclose(rd.idparts[i]);
        rd.parts[i] = rd.idparts[i] = NULL;
    }
    memcpy(rep->checked, ds.base.checked, sizeof rep->checked);
    memcpy(rep->violations, ds.base.violations, sizeof rep->violations);
done:
    for (size_t i = 0; rd.parts && i < k; i++) {
        if (rd.parts[i]) fclose(rd.parts[i]);
        if (rd.idparts[i]) fclose(rd.idparts[i]);
    }
    free(rd.parts);
    free(rd.idparts);
    sim_strmap_free(&rd.network);
    for (size_t i = 0; i < files.n; i++) {
        free(files.v[i].path);
        free(files.v[i].shown);
    }
    free(files.v);
    if (st != SIM_OK) {
        sim_check_report_free(rep);
        return st;
    }
    *out = rep;
    return SIM_OK;
}
