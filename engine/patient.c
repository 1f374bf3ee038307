/* patient.c — the patient object and its record vectors (see include/sim_record.h).
 *
 * A worker keeps one sim_patient and resets it between patients: vectors keep their capacity and
 * the arena keeps its first chunk, so a long run allocates almost nothing after warm-up.
 */
#include "sim_record.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const rtype_names[SIM_R_COUNT] = {
    "encounter",    "condition",   "allergy", "medication", "careplan", "procedure",
    "immunization", "observation", "report",  "device",     "supply",   "imaging_study"};

const char *sim_rtype_name(sim_rtype t)
{
    return t < SIM_R_COUNT ? rtype_names[t] : "?";
}

static const char *const enc_class_names[SIM_EC_COUNT] = {
    "ambulatory", "emergency", "inpatient", "wellness", "urgentcare",
    "outpatient", "home",      "hospice",   "snf",      "virtual"};

const char *sim_enc_class_name(sim_enc_class c)
{
    return c < SIM_EC_COUNT ? enc_class_names[c] : "ambulatory";
}

int sim_enc_class_parse(const char *s)
{
    for (int i = 0; i < SIM_EC_COUNT; i++)
        if (strcmp(s, enc_class_names[i]) == 0) return i;
    return -1;
}

sim_patient *sim_patient_new(void)
{
    sim_patient *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->arena = sim_arena_new(1 << 16);
    if (!p->arena) {
        free(p);
        return NULL;
    }
    sim_patient_reset(p);
    return p;
}

void sim_patient_reset(sim_patient *p)
{
    sim_arena *arena = p->arena;
    sim_arena_reset(arena);
    memset(&p->who, 0, sizeof p->who);
    p->slot = p->attempt = p->key = 0;
    p->birth = 0;
    p->death = SIM_NEVER;
    p->end = SIM_NEVER;
    p->cause_of_death = NULL;
    if (p->attrs) memset(p->attrs, 0, p->nattrs * sizeof *p->attrs);
    for (size_t i = 0; i < p->nvitals; i++) p->vitals[i] = NAN;
    for (size_t i = 0; i < p->nsymptoms; i++) {
        p->symptoms[i] = 0;
        p->symptom_cause[i] = -1;
    }
    p->encounters.n = 0;
    p->conditions.n = 0;
    p->allergies.n = 0;
    p->medications.n = 0;
    p->careplans.n = 0;
    p->procedures.n = 0;
    p->immunizations.n = 0;
    p->observations.n = 0;
    p->reports.n = 0;
    p->devices.n = 0;
    p->supplies.n = 0;
    p->imaging.n = 0;
}

void sim_patient_free(sim_patient *p)
{
    if (!p) return;
    free(p->attrs);
    free(p->vitals);
    free(p->symptoms);
    free(p->symptom_cause);
    sim_vec_free(&p->encounters);
    sim_vec_free(&p->conditions);
    sim_vec_free(&p->allergies);
    sim_vec_free(&p->medications);
    sim_vec_free(&p->careplans);
    sim_vec_free(&p->procedures);
    sim_vec_free(&p->immunizations);
    sim_vec_free(&p->observations);
    sim_vec_free(&p->reports);
    sim_vec_free(&p->devices);
    sim_vec_free(&p->supplies);
    sim_vec_free(&p->imaging);
    sim_arena_free(p->arena);
    free(p);
}

size_t sim_patient_count(const sim_patient *p, sim_rtype t)
{
    switch (t) {
    case SIM_R_ENCOUNTER: return p->encounters.n;
    case SIM_R_CONDITION: return p->conditions.n;
    case SIM_R_ALLERGY: return p->allergies.n;
    case SIM_R_MEDICATION: return p->medications.n;
    case SIM_R_CAREPLAN: return p->careplans.n;
    case SIM_R_PROCEDURE: return p->procedures.n;
    case SIM_R_IMMUNIZATION: return p->immunizations.n;
    case SIM_R_OBSERVATION: return p->observations.n;
    case SIM_R_REPORT: return p->reports.n;
    case SIM_R_DEVICE: return p->devices.n;
    case SIM_R_SUPPLY: return p->supplies.n;
    case SIM_R_IMAGING: return p->imaging.n;
    case SIM_R_COUNT: break;
    }
    return 0;
}

size_t sim_patient_total_records(const sim_patient *p)
{
    size_t n = 1;
    for (int t = 0; t < SIM_R_COUNT; t++) n += sim_patient_count(p, (sim_rtype)t);
    return n;
}

/* grows a per-id array to hold index `id`; new slots are filled by `init` */
static int grow_slots(void **arr, size_t *n, size_t *cap, size_t elem, int32_t id)
{
    if (id < 0) return -1;
    if ((size_t)id < *n) return 0;
    size_t need = (size_t)id + 1;
    if (need > *cap) {
        size_t ncap = *cap ? *cap : 32;
        while (ncap < need) ncap *= 2;
        void *nv = realloc(*arr, ncap * elem);
        if (!nv) return -1;
        *arr = nv;
        *cap = ncap;
    }
    return 1;
}

sim_status sim_patient_set_attr(sim_patient *p, int32_t id, sim_value v)
{
    int r = grow_slots((void **)&p->attrs, &p->nattrs, &p->attrs_cap, sizeof *p->attrs, id);
    if (r < 0) return SIM_ENOMEM;
    if (r > 0) {
        memset(p->attrs + p->nattrs, 0, ((size_t)id + 1 - p->nattrs) * sizeof *p->attrs);
        p->nattrs = (size_t)id + 1;
    }
    p->attrs[id] = v;
    return SIM_OK;
}

sim_value sim_patient_attr(const sim_patient *p, int32_t id)
{
    sim_value nil;
    memset(&nil, 0, sizeof nil);
    if (id < 0 || (size_t)id >= p->nattrs) return nil;
    return p->attrs[id];
}

sim_status sim_patient_set_vital(sim_patient *p, int32_t id, double v)
{
    int r = grow_slots((void **)&p->vitals, &p->nvitals, &p->vitals_cap, sizeof *p->vitals, id);
    if (r < 0) return SIM_ENOMEM;
    if (r > 0) {
        for (size_t i = p->nvitals; i <= (size_t)id; i++) p->vitals[i] = NAN;
        p->nvitals = (size_t)id + 1;
    }
    p->vitals[id] = v;
    return SIM_OK;
}

double sim_patient_vital(const sim_patient *p, int32_t id)
{
    if (id < 0 || (size_t)id >= p->nvitals) return NAN;
    return p->vitals[id];
}

sim_status sim_patient_set_symptom(sim_patient *p, int32_t id, double v, int32_t cause)
{
    if (id < 0) return SIM_EINVAL;
    if ((size_t)id >= p->symptoms_cap) {
        size_t ncap = p->symptoms_cap ? p->symptoms_cap : 32;
        while (ncap <= (size_t)id) ncap *= 2;
        double *ns = realloc(p->symptoms, ncap * sizeof *ns);
        if (!ns) return SIM_ENOMEM;
        p->symptoms = ns;
        int32_t *nc = realloc(p->symptom_cause, ncap * sizeof *nc);
        if (!nc) return SIM_ENOMEM;
        p->symptom_cause = nc;
        p->symptoms_cap = ncap;
    }
    for (size_t i = p->nsymptoms; i <= (size_t)id; i++) {
        p->symptoms[i] = 0;
        p->symptom_cause[i] = -1;
    }
    if ((size_t)id >= p->nsymptoms) p->nsymptoms = (size_t)id + 1;
    p->symptoms[id] = v;
    p->symptom_cause[id] = cause;
    return SIM_OK;
}

double sim_patient_symptom(const sim_patient *p, int32_t id)
{
    if (id < 0 || (size_t)id >= p->nsymptoms) return 0;
    return p->symptoms[id];
}

int sim_code_eq(const sim_code *a, const sim_code *b)
{
    if (!a || !b) return 0;
    if (a->id >= 0 && b->id >= 0) return a->id == b->id;
    return strcmp(a->code, b->code) == 0 && strcmp(a->system, b->system) == 0;
}

int sim_codes_has(sim_codes list, const sim_code *c)
{
    for (uint32_t i = 0; i < list.n; i++)
        if (sim_code_eq(&list.v[i], c)) return 1;
    return 0;
}

void sim_value_format(const sim_value *v, char *out, size_t outsz)
{
    switch (v->kind) {
    case SIM_V_NIL: snprintf(out, outsz, "nil"); break;
    case SIM_V_NUM: snprintf(out, outsz, "%.15g", v->u.num); break;
    case SIM_V_BOOL: snprintf(out, outsz, "%s", v->u.b ? "true" : "false"); break;
    case SIM_V_STR: snprintf(out, outsz, "\"%s\"", v->u.str); break;
    case SIM_V_CODE:
        snprintf(out, outsz, "%s %s \"%s\"", v->u.code->system, v->u.code->code,
                 v->u.code->display);
        break;
    case SIM_V_ENTRY:
        snprintf(out, outsz, "%s #%d", sim_rtype_name((sim_rtype)v->u.entry.type),
                 (int)v->u.entry.index);
        break;
    default: snprintf(out, outsz, "?"); break;
    }
}

int sim_value_equal(const sim_value *a, const sim_value *b)
{
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case SIM_V_NIL: return 1;
    case SIM_V_NUM: return a->u.num == b->u.num;
    case SIM_V_BOOL: return !a->u.b == !b->u.b;
    case SIM_V_STR: return strcmp(a->u.str, b->u.str) == 0;
    case SIM_V_CODE: return sim_code_eq(a->u.code, b->u.code);
    case SIM_V_ENTRY:
        return a->u.entry.type == b->u.entry.type && a->u.entry.index == b->u.entry.index;
    default: return 0;
    }
}
