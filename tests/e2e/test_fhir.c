/* test_fhir.c — the FHIR output checked in C, without Node: every resource has the elements FHIR R4
 * requires of it (cardinality 1..1 and the invariants Lifesim's resources fall under), every code
 * carries its system URI and display, every reference resolves (inside its transaction Bundle, and
 * across the Bulk NDJSON set) to a resource of a type the element allows, and every date lies
 * inside the patient's life. Runs the tests/fixtures/all_records module, which writes every record
 * type. */
#include "e2e.h"

#include <dirent.h>
#include <jansson.h>
#include <sys/wait.h>

static char out_dir[1024];

static int run_once(void)
{
    static int rc = -1;
    if (rc >= 0) return rc;
    snprintf(out_dir, sizeof out_dir, "%s/fhir_c", tmpdir());
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "%s run -q -p 40 -s 11 -f fhir,ndjson -d %s/tests/fixtures/all_records/modules -o %s",
             bin(), getenv("LIFESIM_HOME"), out_dir);
    int st = system(cmd);
    rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    CHECK(rc == 0, "lifesim run exits 0 (%d)", rc);
    if (rc == 0) check_clean(out_dir);
    return rc;
}

/* ---- element paths: "a.b" walks objects; arrays are walked element by element ---- */

/* counts the values at path under v (arrays on the way fan out) */
static size_t count_at(json_t *v, const char *path)
{
    if (!v) return 0;
    if (json_is_array(v)) {
        size_t n = 0, i;
        json_t *x;
        json_array_foreach(v, i, x) n += count_at(x, path);
        return n;
    }
    if (!*path) return json_is_null(v) ? 0 : 1;
    const char *dot = strchr(path, '.');
    char key[64];
    size_t k = dot ? (size_t)(dot - path) : strlen(path);
    snprintf(key, sizeof key, "%.*s", (int)k, path);
    if (!json_is_object(v)) return 0;
    return count_at(json_object_get(v, key), dot ? dot + 1 : "");
}

/* every parent at path `parent` has at least one value at `child` */
static int each_has(json_t *v, const char *parent, const char *child)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (!each_has(x, parent, child)) return 0;
        return 1;
    }
    if (!*parent) return count_at(v, child) > 0;
    const char *dot = strchr(parent, '.');
    char key[64];
    size_t k = dot ? (size_t)(dot - parent) : strlen(parent);
    snprintf(key, sizeof key, "%.*s", (int)k, parent);
    json_t *c = json_object_get(v, key);
    if (!c) return 1; /* no parent, nothing required */
    return each_has(c, dot ? dot + 1 : "", child);
}

/* ---- FHIR R4 required elements (min cardinality 1) and the invariants Lifesim must meet ---- */

typedef struct rule {
    const char *type;
    const char *parent; /* "" for the resource itself */
    const char *child;  /* "a|b" : one of */
} rule;

static const rule required[] = {
    /* Patient: nothing is 1..1 in R4; a record a receiver can use has these */
    {"Patient", "", "identifier"},
    {"Patient", "", "name"},
    {"Patient", "", "gender"},
    {"Patient", "", "birthDate"},
    {"Patient", "identifier", "value"},
    {"Patient", "address", "state"},
    {"Encounter", "", "status"},
    {"Encounter", "", "class"},
    {"Encounter", "class", "code"},
    {"Encounter", "", "subject"},
    {"Encounter", "", "period"},
    {"Encounter", "period", "start"},
    {"Encounter", "participant", "individual"},
    {"Condition", "", "subject"},
    {"Condition", "", "code"},
    /* con-3/con-4: clinicalStatus present; abatement only when resolved/inactive/remission */
    {"Condition", "", "clinicalStatus"},
    {"Condition", "", "verificationStatus"},
    {"Observation", "", "status"},
    {"Observation", "", "code"},
    {"Observation", "", "subject"},
    {"Observation", "", "effectiveDateTime"},
    {"Observation", "component", "code"},
    {"MedicationRequest", "", "status"},
    {"MedicationRequest", "", "intent"},
    {"MedicationRequest", "", "medicationCodeableConcept|medicationReference"},
    {"MedicationRequest", "", "subject"},
    {"MedicationRequest", "", "authoredOn"},
    {"Procedure", "", "status"},
    {"Procedure", "", "subject"},
    {"Procedure", "", "code"},
    {"Procedure", "", "performedPeriod|performedDateTime"},
    {"Immunization", "", "status"},
    {"Immunization", "", "vaccineCode"},
    {"Immunization", "", "patient"},
    {"Immunization", "", "occurrenceDateTime|occurrenceString"},
    {"CarePlan", "", "status"},
    {"CarePlan", "", "intent"},
    {"CarePlan", "", "subject"},
    {"CarePlan", "activity.detail", "status"},
    {"AllergyIntolerance", "", "patient"},
    {"AllergyIntolerance", "", "code"},
    {"AllergyIntolerance", "reaction", "manifestation"},
    {"DiagnosticReport", "", "status"},
    {"DiagnosticReport", "", "code"},
    {"DiagnosticReport", "", "subject"},
    {"DiagnosticReport", "", "result"},
    {"Device", "", "type"},
    {"Device", "", "patient"},
    {"Device", "udiCarrier", "deviceIdentifier"},
    {"ImagingStudy", "", "status"},
    {"ImagingStudy", "", "subject"},
    {"ImagingStudy", "", "series"},
    {"ImagingStudy", "series", "uid"},
    {"ImagingStudy", "series", "modality"},
    {"ImagingStudy", "series.instance", "uid"},
    {"ImagingStudy", "series.instance", "sopClass"},
    {"SupplyDelivery", "", "patient"},
    {"SupplyDelivery", "", "suppliedItem"},
    /* org-1: an identifier or a name */
    {"Organization", "", "name"},
    {"Organization", "", "identifier"},
    {"Practitioner", "", "identifier"},
    {"Practitioner", "", "name"},
};

/* status values each type allows (required bindings) */
typedef struct binding {
    const char *type, *path, *codes; /* codes: " a b c " */
} binding;

static const binding bindings[] = {
    {"Patient", "gender", " male female other unknown "},
    {"Encounter", "status",
     " planned arrived triaged in-progress onleave finished cancelled entered-in-error unknown "},
    {"Observation", "status",
     " registered preliminary final amended corrected cancelled entered-in-error unknown "},
    {"MedicationRequest", "status",
     " active on-hold cancelled completed entered-in-error stopped draft unknown "},
    {"MedicationRequest", "intent",
     " proposal plan order original-order reflex-order filler-order instance-order option "},
    {"Procedure", "status",
     " preparation in-progress not-done on-hold stopped completed entered-in-error unknown "},
    {"Immunization", "status", " completed entered-in-error not-done "},
    {"CarePlan", "status", " draft active on-hold revoked completed entered-in-error unknown "},
    {"CarePlan", "intent", " proposal plan order option "},
    {"DiagnosticReport", "status",
     " registered partial preliminary final amended corrected appended cancelled "
     "entered-in-error unknown "},
    {"ImagingStudy", "status", " registered available cancelled entered-in-error unknown "},
    {"Device", "status", " active inactive entered-in-error unknown "},
    {"SupplyDelivery", "status", " in-progress completed abandoned entered-in-error "},
    {"AllergyIntolerance", "type", " allergy intolerance "},
    {"AllergyIntolerance", "criticality", " low high unable-to-assess "},
    {"Condition", "clinicalStatus.coding.code",
     " active recurrence relapse inactive remission resolved "},
    {"Condition", "verificationStatus.coding.code",
     " unconfirmed provisional differential confirmed refuted entered-in-error "},
};

/* the resource types a reference element may point to */
typedef struct target {
    const char *type, *path, *allowed; /* allowed: " A B " */
} target;

static const target targets[] = {
    {"*", "subject", " Patient "},
    {"*", "patient", " Patient "},
    {"*", "encounter", " Encounter "},
    {"Encounter", "participant.individual", " Practitioner PractitionerRole RelatedPerson "},
    {"Encounter", "serviceProvider", " Organization "},
    {"Encounter", "reasonReference",
     " Condition Procedure Observation ImmunizationRecommendation "},
    {"Encounter", "diagnosis.condition", " Condition Procedure "},
    {"Encounter", "hospitalization.destination", " Location Organization "},
    {"Patient", "generalPractitioner", " Organization Practitioner PractitionerRole "},
    {"Patient", "managingOrganization", " Organization "},
    {"MedicationRequest", "requester",
     " Practitioner PractitionerRole Organization Patient RelatedPerson Device "},
    {"MedicationRequest", "reasonReference", " Condition Observation "},
    {"DiagnosticReport", "result", " Observation "},
    {"DiagnosticReport", "performer", " Practitioner PractitionerRole Organization CareTeam "},
    {"Observation", "hasMember", " Observation QuestionnaireResponse MolecularSequence "},
    {"Observation", "derivedFrom",
     " DocumentReference ImagingStudy Media QuestionnaireResponse Observation MolecularSequence "},
    {"Procedure", "reasonReference",
     " Condition Observation Procedure DiagnosticReport DocumentReference "},
    {"Procedure", "performer.actor",
     " Practitioner PractitionerRole Organization Patient RelatedPerson Device "},
    {"CarePlan", "addresses", " Condition "},
    {"CarePlan", "careTeam", " CareTeam "},
    {"CarePlan", "author",
     " Patient Practitioner PractitionerRole Device RelatedPerson "
     "Organization CareTeam "},
    {"Immunization", "performer.actor", " Practitioner PractitionerRole Organization "},
    {"ImagingStudy", "referrer", " Practitioner PractitionerRole "},
    {"ImagingStudy", "location", " Location "},
    {"Device", "owner", " Organization "},
    {"SupplyDelivery", "supplier", " Practitioner PractitionerRole Organization "},
};

static const char *const systems[] = {
    "http://snomed.info/sct",
    "http://loinc.org",
    "http://www.nlm.nih.gov/research/umls/rxnorm",
    "http://hl7.org/fhir/sid/cvx",
    "http://unitsofmeasure.org",
    "http://dicom.nema.org/resources/ontology/DCM",
    "urn:ietf:rfc:3986",
    "urn:oid:2.16.840.1.113883.6.238",
    "http://hl7.org/fhir/sid/icd-10-cm",
    "urn:ietf:bcp:47",
    "http://www.nubc.org/patient-discharge",
    "http://terminology.hl7.org/CodeSystem/",
    NULL,
};

static int known_system(const char *s)
{
    for (int i = 0; systems[i]; i++) {
        size_t n = strlen(systems[i]);
        if (systems[i][n - 1] == '/' ? !strncmp(s, systems[i], n) : !strcmp(s, systems[i]))
            return 1;
    }
    return 0;
}

static int in_list(const char *list, const char *word)
{
    char w[80];
    snprintf(w, sizeof w, " %s ", word);
    return strstr(list, w) != NULL;
}

/* ---- the set of resources (a bundle, or all NDJSON), indexed by "Type/id" and fullUrl ---- */

typedef struct rset {
    json_t *by_key;     /* "Type/id" -> resource */
    json_t *by_fullurl; /* fullUrl -> resource (bundles) */
    json_t *all;        /* array of resources */
} rset;

static void rset_init(rset *s)
{
    s->by_key = json_object();
    s->by_fullurl = json_object();
    s->all = json_array();
}

static void rset_free(rset *s)
{
    json_decref(s->by_key);
    json_decref(s->by_fullurl);
    json_decref(s->all);
}

static void rset_add(rset *s, json_t *r, const char *fullurl, const char *where)
{
    char key[160];
    snprintf(key, sizeof key, "%s/%s", json_string_value(json_object_get(r, "resourceType")),
             json_string_value(json_object_get(r, "id")));
    json_t *old = json_object_get(s->by_key, key);
    /* Organizations and Practitioners recur across bundles; NDJSON holds each once */
    CHECK(!old || json_equal(old, r), "%s: %s appears twice with different content", where, key);
    json_object_set(s->by_key, key, r);
    if (fullurl) json_object_set(s->by_fullurl, fullurl, r);
    json_array_append(s->all, r);
}

/* ---- checks on one resource ---- */

typedef struct life {
    char birth[16]; /* YYYY-MM-DD */
    char death[40]; /* dateTime or "" */
} life;

static long stats_resources, stats_refs, stats_codings, stats_dates;
static json_t *types_seen;

static void check_codings(json_t *v, const char *where)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) check_codings(x, where);
        return;
    }
    if (!json_is_object(v)) return;
    json_t *coding = json_object_get(v, "coding");
    if (json_is_array(coding)) {
        size_t i;
        json_t *c;
        json_array_foreach(coding, i, c)
        {
            const char *sys = json_string_value(json_object_get(c, "system"));
            const char *code = json_string_value(json_object_get(c, "code"));
            stats_codings++;
            CHECK(sys && known_system(sys), "%s: coding %s has system %s", where, code ? code : "?",
                  sys ? sys : "(none)");
            CHECK(code && *code, "%s: a coding without a code", where);
            if (sys &&
                (!strcmp(sys, "http://snomed.info/sct") || !strcmp(sys, "http://loinc.org") ||
                 !strcmp(sys, "http://www.nlm.nih.gov/research/umls/rxnorm") ||
                 !strcmp(sys, "http://hl7.org/fhir/sid/cvx"))) {
                const char *d = json_string_value(json_object_get(c, "display"));
                CHECK(d && *d, "%s: %s|%s has no display", where, sys, code ? code : "?");
                /* digits; LOINC: digits, '-', a check digit, answers and parts prefixed LA / LP */
                int loinc = sys[7] == 'l';
                const char *p = code;
                if (loinc && p && p[0] == 'L' && (p[1] == 'A' || p[1] == 'P')) p += 2;
                int digits = p && *p;
                for (; p && *p; p++)
                    if (!((*p >= '0' && *p <= '9') || (*p == '-' && loinc))) digits = 0;
                const char *dash = code ? strrchr(code, '-') : NULL;
                if (loinc && (!dash || dash[1] < '0' || dash[1] > '9' || dash[2])) digits = 0;
                CHECK(digits, "%s: %s code '%s' is not of that system's form", where, sys,
                      code ? code : "");
            }
        }
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) if (json_is_object(x) || json_is_array(x)) check_codings(x, where);
}

/* every string under a key ending in Date/DateTime/start/end/... within [birth, death] */
static int is_date_key(const char *k)
{
    static const char *const keys[] = {"birthDate",
                                       "deceasedDateTime",
                                       "start",
                                       "end",
                                       "effectiveDateTime",
                                       "issued",
                                       "onsetDateTime",
                                       "abatementDateTime",
                                       "recordedDate",
                                       "authoredOn",
                                       "occurrenceDateTime",
                                       "started",
                                       "manufactureDate",
                                       "expirationDate",
                                       NULL};
    for (int i = 0; keys[i]; i++)
        if (!strcmp(k, keys[i])) return 1;
    return 0;
}

static int valid_date(const char *s)
{
    int y, m, d;
    if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || strlen(s) < 10) return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 0;
    if (strlen(s) == 10) return 1;
    /* YYYY-MM-DDThh:mm:ss+zz:zz */
    int hh, mm, ss;
    char tz[8];
    if (strlen(s) != 25 || sscanf(s + 10, "T%2d:%2d:%2d%6s", &hh, &mm, &ss, tz) != 4) return 0;
    return hh < 24 && mm < 60 && ss < 60 && (tz[0] == '+' || tz[0] == '-');
}

static void check_dates(json_t *v, const char *type, const life *lf, const char *where)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) check_dates(x, type, lf, where);
        return;
    }
    if (!json_is_object(v)) return;
    json_object_foreach(v, k, x)
    {
        if (json_is_string(x) && is_date_key(k)) {
            const char *s = json_string_value(x);
            stats_dates++;
            CHECK(valid_date(s), "%s: %s = '%s' is not a valid FHIR date/dateTime", where, k, s);
            /* device manufacture and expiry lie outside the life; the rest inside it */
            if (!strcmp(k, "manufactureDate") || !strcmp(k, "expirationDate")) continue;
            CHECK(strncmp(s, lf->birth, 10) >= 0, "%s: %s %s before birth %s", where, k, s,
                  lf->birth);
            if (lf->death[0])
                CHECK(strcmp(s, lf->death) <= 0 || !strncmp(s, lf->death, 10),
                      "%s: %s %s after death %s", where, k, s, lf->death);
        } else if (json_is_object(x) || json_is_array(x)) {
            check_dates(x, type, lf, where);
        }
    }
    (void)type;
}

static void check_required(json_t *r, const char *type, const char *where)
{
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (strcmp(required[i].type, type)) continue;
        char alts[200];
        snprintf(alts, sizeof alts, "%s", required[i].child);
        int ok = 0;
        for (char *save = NULL, *a = strtok_r(alts, "|", &save); a; a = strtok_r(NULL, "|", &save))
            if (each_has(r, required[i].parent, a)) ok = 1;
        CHECK(ok, "%s: %s%s%s is required", where, required[i].parent,
              required[i].parent[0] ? "." : "", required[i].child);
    }
    for (size_t i = 0; i < sizeof bindings / sizeof bindings[0]; i++) {
        if (strcmp(bindings[i].type, type)) continue;
        /* walk to the value(s) */
        const char *path = bindings[i].path;
        json_t *v = r;
        char part[64];
        while (v && *path) {
            const char *dot = strchr(path, '.');
            size_t k = dot ? (size_t)(dot - path) : strlen(path);
            snprintf(part, sizeof part, "%.*s", (int)k, path);
            v = json_object_get(v, part);
            if (json_is_array(v)) v = json_array_get(v, 0);
            path = dot ? dot + 1 : "";
        }
        if (!v) continue;
        CHECK(json_is_string(v) && in_list(bindings[i].codes, json_string_value(v)),
              "%s: %s = %s is not in its required value set", where, bindings[i].path,
              json_is_string(v) ? json_string_value(v) : "(not a string)");
    }
    /* con-4: abatement only when the condition is resolved, inactive or in remission */
    if (!strcmp(type, "Condition") && json_object_get(r, "abatementDateTime")) {
        json_t *cs = json_object_get(json_object_get(r, "clinicalStatus"), "coding");
        const char *code = json_string_value(json_object_get(json_array_get(cs, 0), "code"));
        CHECK(code && in_list(" inactive resolved remission ", code),
              "%s: con-4: abated but clinicalStatus %s", where, code ? code : "(none)");
    }
    /* Observation: one value[x] at most, and a value or components (obs-6 and sense) */
    if (!strcmp(type, "Observation")) {
        int values = 0;
        const char *k;
        json_t *x;
        json_object_foreach(r, k, x) if (!strncmp(k, "value", 5)) values++;
        CHECK(values <= 1, "%s: %d value[x] elements", where, values);
        CHECK(values == 1 || json_object_get(r, "component") || json_object_get(r, "hasMember"),
              "%s: neither a value nor components", where);
    }
}

/* the reference string at r.path (fanning out over arrays): checks it resolves in s and that its
 * target type is allowed */
static void check_refs_at(json_t *v, const char *path, const char *allowed, rset *s, int bundle,
                          const char *where, const char *full)
{
    if (!v) return;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) check_refs_at(x, path, allowed, s, bundle, where, full);
        return;
    }
    if (!*path) {
        const char *ref = json_string_value(json_object_get(v, "reference"));
        if (!ref) return;
        stats_refs++;
        json_t *t = NULL;
        if (bundle) {
            CHECK(!strncmp(ref, "urn:uuid:", 9), "%s: %s = %s is not a urn:uuid reference", where,
                  full, ref);
            t = json_object_get(s->by_fullurl, ref);
        } else {
            t = json_object_get(s->by_key, ref);
        }
        CHECK(t != NULL, "%s: %s = %s does not resolve", where, full, ref);
        if (t) {
            const char *tt = json_string_value(json_object_get(t, "resourceType"));
            CHECK(in_list(allowed, tt), "%s: %s points to a %s (allowed:%s)", where, full, tt,
                  allowed);
        }
        return;
    }
    const char *dot = strchr(path, '.');
    char key[64];
    size_t k = dot ? (size_t)(dot - path) : strlen(path);
    snprintf(key, sizeof key, "%.*s", (int)k, path);
    if (json_is_object(v))
        check_refs_at(json_object_get(v, key), dot ? dot + 1 : "", allowed, s, bundle, where, full);
}

/* every {"reference": ...} anywhere in the resource is covered by the targets table */
static void all_refs_known(json_t *v, const char *type, const char *path, const char *where)
{
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) all_refs_known(x, type, path, where);
        return;
    }
    if (!json_is_object(v)) return;
    if (json_object_get(v, "reference")) {
        int known = 0;
        for (size_t j = 0; j < sizeof targets / sizeof targets[0]; j++)
            if ((!strcmp(targets[j].type, "*") || !strcmp(targets[j].type, type)) &&
                !strcmp(targets[j].path, path))
                known = 1;
        CHECK(known, "%s: reference at %s.%s is not in the test's table of target types", where,
              type, path);
        return;
    }
    json_object_foreach(v, k, x)
    {
        if (!json_is_object(x) && !json_is_array(x)) continue;
        char sub[200];
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
        all_refs_known(x, type, sub, where);
    }
}

static void check_resource(json_t *r, rset *s, int bundle, const life *lf, const char *where_file)
{
    const char *type = json_string_value(json_object_get(r, "resourceType"));
    const char *id = json_string_value(json_object_get(r, "id"));
    char where[512];
    snprintf(where, sizeof where, "%s %s/%s", where_file, type ? type : "?", id ? id : "?");
    CHECK(type && id, "%s: resourceType and id", where);
    if (!type || !id) return;
    stats_resources++;
    json_object_set_new(types_seen, type, json_true());
    check_required(r, type, where);
    check_codings(r, where);
    if (lf) check_dates(r, type, lf, where);
    all_refs_known(r, type, "", where);
    for (size_t j = 0; j < sizeof targets / sizeof targets[0]; j++)
        if (!strcmp(targets[j].type, "*") || !strcmp(targets[j].type, type)) {
            char full[200];
            snprintf(full, sizeof full, "%s.%s", type, targets[j].path);
            check_refs_at(r, targets[j].path, targets[j].allowed, s, bundle, where, full);
        }
}

static void life_of(json_t *patient, life *lf)
{
    snprintf(lf->birth, sizeof lf->birth, "%s",
             json_string_value(json_object_get(patient, "birthDate")));
    const char *d = json_string_value(json_object_get(patient, "deceasedDateTime"));
    snprintf(lf->death, sizeof lf->death, "%s", d ? d : "");
}

/* ---- the tests ---- */

static void test_bundles(void)
{
    if (run_once()) return;
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/fhir", out_dir);
    DIR *d = opendir(dir);
    CHECK(d != NULL, "%s exists", dir);
    if (!d) return;
    types_seen = json_object();
    int bundles = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        json_error_t je;
        json_t *b = json_load_file(path, 0, &je);
        CHECK(b != NULL, "%s parses: %s (line %d)", de->d_name, je.text, je.line);
        if (!b) continue;
        bundles++;
        CHECK(!strcmp(json_string_value(json_object_get(b, "resourceType")), "Bundle") &&
                  !strcmp(json_string_value(json_object_get(b, "type")), "transaction"),
              "%s is a transaction Bundle", de->d_name);
        rset s;
        rset_init(&s);
        json_t *patient = NULL, *e;
        size_t i;
        json_array_foreach(json_object_get(b, "entry"), i, e)
        {
            json_t *r = json_object_get(e, "resource");
            const char *full = json_string_value(json_object_get(e, "fullUrl"));
            const char *type = json_string_value(json_object_get(r, "resourceType"));
            const char *id = json_string_value(json_object_get(r, "id"));
            json_t *req = json_object_get(e, "request");
            char want[80];
            snprintf(want, sizeof want, "urn:uuid:%s", id ? id : "");
            CHECK(full && !strcmp(full, want), "%s entry %zu: fullUrl %s is urn:uuid:<id>",
                  de->d_name, i, full ? full : "(none)");
            CHECK(json_object_get(s.by_fullurl, full ? full : "") == NULL,
                  "%s entry %zu: fullUrl %s unique", de->d_name, i, full ? full : "");
            CHECK(!strcmp(json_string_value(json_object_get(req, "method")), "POST") && type &&
                      !strcmp(json_string_value(json_object_get(req, "url")), type),
                  "%s entry %zu: request POST %s", de->d_name, i, type ? type : "?");
            rset_add(&s, r, full, de->d_name);
            if (type && !strcmp(type, "Patient")) {
                CHECK(patient == NULL, "%s: one Patient", de->d_name);
                patient = r;
            }
        }
        CHECK(patient != NULL, "%s holds its Patient", de->d_name);
        life lf;
        if (patient) life_of(patient, &lf);
        json_array_foreach(s.all, i, e) check_resource(e, &s, 1, patient ? &lf : NULL, de->d_name);
        /* the bundle's file name is First_Last_id of its patient */
        if (patient) {
            const char *id = json_string_value(json_object_get(patient, "id"));
            size_t n = strlen(de->d_name);
            CHECK(n > 41 && !strncmp(de->d_name + n - 41, id, 36),
                  "%s is named after its patient %s", de->d_name, id);
        }
        rset_free(&s);
        json_decref(b);
    }
    closedir(d);
    CHECK(bundles >= 40, "one bundle per patient (%d)", bundles);
    static const char *const want[] = {
        "Patient",   "Encounter",    "Condition",      "Observation",        "MedicationRequest",
        "Procedure", "Immunization", "CarePlan",       "AllergyIntolerance", "DiagnosticReport",
        "Device",    "ImagingStudy", "SupplyDelivery", "Organization",       "Practitioner",
        NULL};
    for (int i = 0; want[i]; i++)
        CHECK(json_object_get(types_seen, want[i]) != NULL, "the bundles hold a %s", want[i]);
    fprintf(stderr, "bundles: %d, resources %ld, references %ld, codings %ld, dates %ld\n", bundles,
            stats_resources, stats_refs, stats_codings, stats_dates);
    json_decref(types_seen);
}

static void test_ndjson(void)
{
    if (run_once()) return;
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/fhir-ndjson", out_dir);
    DIR *d = opendir(dir);
    CHECK(d != NULL, "%s exists", dir);
    if (!d) return;
    rset s;
    rset_init(&s);
    json_t *patients = json_object(); /* Patient/id -> life */
    int files = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 8 || strcmp(de->d_name + n - 7, ".ndjson")) continue;
        files++;
        char path[2048], type[64];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(type, sizeof type, "%.*s", (int)(n - 7), de->d_name);
        FILE *f = fopen(path, "r");
        char *line = NULL;
        size_t cap = 0;
        long lineno = 0;
        while (getline(&line, &cap, f) > 0) {
            lineno++;
            json_error_t je;
            json_t *r = json_loads(line, 0, &je);
            CHECK(r != NULL, "%s:%ld parses: %s", de->d_name, lineno, je.text);
            if (!r) continue;
            const char *t = json_string_value(json_object_get(r, "resourceType"));
            CHECK(t && !strcmp(t, type), "%s:%ld holds a %s", de->d_name, lineno, t ? t : "?");
            char key[160];
            snprintf(key, sizeof key, "%s/%s", t ? t : "?",
                     json_string_value(json_object_get(r, "id")));
            CHECK(json_object_get(s.by_key, key) == NULL, "%s:%ld: %s once", de->d_name, lineno,
                  key);
            rset_add(&s, r, NULL, de->d_name);
            json_decref(r);
        }
        free(line);
        fclose(f);
    }
    closedir(d);
    CHECK(files == 15, "15 NDJSON files (%d)", files);
    size_t i;
    json_t *r;
    json_array_foreach(s.all, i, r)
    {
        const char *t = json_string_value(json_object_get(r, "resourceType"));
        if (t && !strcmp(t, "Patient")) {
            char key[160];
            snprintf(key, sizeof key, "Patient/%s", json_string_value(json_object_get(r, "id")));
            json_object_set(patients, key, r);
        }
    }
    long before = stats_refs;
    json_array_foreach(s.all, i, r)
    {
        /* the patient a clinical resource belongs to gives its life span */
        json_t *owner = json_object_get(r, "subject");
        if (!owner) owner = json_object_get(r, "patient");
        const char *pref = json_string_value(json_object_get(owner, "reference"));
        json_t *pt = pref ? json_object_get(patients, pref) : NULL;
        life lf;
        if (pt) life_of(pt, &lf);
        check_resource(r, &s, 0, pt ? &lf : NULL, "ndjson");
    }
    CHECK(stats_refs > before, "NDJSON references were checked");
    json_decref(patients);
    rset_free(&s);
}

TEST_MAIN(T(test_bundles), T(test_ndjson))
