/* providers.c — organizations and clinicians made from the places table, and their assignment
 * to encounters (see include/sim_providers.h). */
#include "sim_providers.h"

#include "sim_rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sim_providers {
    SIM_VEC(sim_org) orgs;
    SIM_VEC(sim_clinician) clin;
    int32_t *pcp;      /* per place: its primary care practice */
    int32_t *hospital; /* per place: the nearest hospital */
    int32_t *urgent;   /* per place: its urgent care centre, or -1 */
    size_t nplaces;
};

/* CMS Medicare provider specialty names, as Synthea's providers.csv writes them */
static const char *const hospital_specialties[] = {"EMERGENCY MEDICINE", "INTERNAL MEDICINE",
                                                   "GENERAL SURGERY",    "HOSPITALIST",
                                                   "FAMILY PRACTICE",    "PEDIATRIC MEDICINE"};

static double unit(uint64_t h)
{
    return (double)(sim_mix64(h) >> 11) * 0x1.0p-53;
}

static char *dupf(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s%s%s", a, b, c);
    return p;
}

static int add_org(sim_providers *pv, const sim_population *pop, size_t place, sim_org_kind kind)
{
    static const char *const primary[] = {" Family Medicine", " Primary Care",
                                          " Community Health Center", " Family Practice"};
    static const char *const hospital[] = {" Medical Center", " General Hospital",
                                           " Regional Hospital"};
    const sim_place *pl = sim_population_place(pop, place);
    uint64_t h = sim_hash64(pl->city) ^ sim_mix64((uint64_t)kind + 0x6f7267);
    sim_org *o = sim_vec_add(&pv->orgs);
    if (!o) return -1;
    sim_uuid(h, UINT64_C(0x6f7267616e697a), o->id); /* "organiz" */
    const char *suffix = kind == SIM_ORG_PRIMARY    ? primary[sim_mix64(h) % 4]
                         : kind == SIM_ORG_HOSPITAL ? hospital[sim_mix64(h + 1) % 3]
                                                    : " Urgent Care";
    o->name = dupf(pl->city, suffix, "");
    char num[32];
    snprintf(num, sizeof num, "%u ", (unsigned)(sim_mix64(h + 2) % 899) + 100);
    o->address = dupf(num, sim_population_street(pop, unit(h + 3)), "");
    char phone[16];
    snprintf(phone, sizeof phone, "555-01%02u", (unsigned)(sim_mix64(h + 4) % 100));
    o->phone = sim_strdup(phone);
    o->place = pl;
    o->lat = pl->lat + (unit(h + 5) - 0.5) * 0.02;
    o->lon = pl->lon + (unit(h + 6) - 0.5) * 0.02;
    o->kind = (uint8_t)kind;
    if (!o->name || !o->address || !o->phone) return -1;
    /* its clinicians */
    int n = kind == SIM_ORG_PRIMARY    ? 2 + (int)(pl->population / 50000)
            : kind == SIM_ORG_HOSPITAL ? 6 + (int)(pl->population / 100000)
                                       : 3;
    if (n > (kind == SIM_ORG_HOSPITAL ? 20 : 8)) n = kind == SIM_ORG_HOSPITAL ? 20 : 8;
    o->first_clinician = (int32_t)pv->clin.n;
    o->nclinicians = n;
    int32_t oi = (int32_t)(pv->orgs.n - 1);
    for (int k = 0; k < n; k++) {
        uint64_t ch = h ^ sim_mix64((uint64_t)k + 0x636c696e);
        sim_clinician *c = sim_vec_add(&pv->clin);
        if (!c) return -1;
        sim_uuid(ch, UINT64_C(0x636c696e6963), c->id); /* "clinic" */
        /* National Provider Identifiers starting 9999 are not issued: safe for synthetic data */
        snprintf(c->npi, sizeof c->npi, "9999%06u", (unsigned)(pv->clin.n - 1) % 1000000);
        c->gender = unit(ch + 1) < 0.5 ? 'F' : 'M';
        char g[96], f[96];
        snprintf(g, sizeof g, "%s%u", sim_population_first_name(pop, c->gender, unit(ch + 2)),
                 (unsigned)(sim_mix64(ch + 3) % 999) + 1);
        snprintf(f, sizeof f, "%s%u", sim_population_last_name(pop, unit(ch + 4)),
                 (unsigned)(sim_mix64(ch + 5) % 999) + 1);
        c->given = sim_strdup(g);
        c->family = sim_strdup(f);
        c->name = dupf(g, " ", f);
        c->specialty = kind == SIM_ORG_HOSPITAL
                           ? hospital_specialties[k % (int)(sizeof hospital_specialties /
                                                            sizeof hospital_specialties[0])]
                       : kind == SIM_ORG_URGENT ? "FAMILY PRACTICE"
                                                : "GENERAL PRACTICE";
        c->org = oi;
        if (!c->given || !c->family || !c->name) return -1;
    }
    return (int)oi;
}

static double dist2(double lat1, double lon1, double lat2, double lon2)
{
    double dlat = lat1 - lat2, dlon = (lon1 - lon2) * cos(lat1 * 3.141592653589793 / 180);
    return dlat * dlat + dlon * dlon;
}

sim_status sim_providers_build(const sim_population *pop, sim_providers **out, sim_error *err)
{
    *out = NULL;
    sim_providers *pv = calloc(1, sizeof *pv);
    size_t np = sim_population_nplaces(pop);
    if (!pv) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    pv->nplaces = np;
    pv->pcp = calloc(np ? np : 1, sizeof *pv->pcp);
    pv->hospital = calloc(np ? np : 1, sizeof *pv->hospital);
    pv->urgent = calloc(np ? np : 1, sizeof *pv->urgent);
    if (!pv->pcp || !pv->hospital || !pv->urgent) goto oom;
    size_t biggest = 0;
    for (size_t i = 0; i < np; i++)
        if (sim_population_place(pop, i)->population >
            sim_population_place(pop, biggest)->population)
            biggest = i;
    for (size_t i = 0; i < np; i++) {
        const sim_place *pl = sim_population_place(pop, i);
        int o = add_org(pv, pop, i, SIM_ORG_PRIMARY);
        if (o < 0) goto oom;
        pv->pcp[i] = o;
        pv->hospital[i] = -1;
        pv->urgent[i] = -1;
        if (pl->population >= 40000 || i == biggest) {
            if ((o = add_org(pv, pop, i, SIM_ORG_HOSPITAL)) < 0) goto oom;
            pv->hospital[i] = o;
        }
        if (pl->population >= 60000) {
            if ((o = add_org(pv, pop, i, SIM_ORG_URGENT)) < 0) goto oom;
            pv->urgent[i] = o;
        }
    }
    /* the nearest hospital of every place */
    for (size_t i = 0; i < np; i++) {
        if (pv->hospital[i] >= 0) continue;
        const sim_place *pl = sim_population_place(pop, i);
        double best = INFINITY;
        for (size_t o = 0; o < pv->orgs.n; o++) {
            if (pv->orgs.v[o].kind != SIM_ORG_HOSPITAL) continue;
            double d = dist2(pl->lat, pl->lon, pv->orgs.v[o].lat, pv->orgs.v[o].lon);
            if (d < best) {
                best = d;
                pv->hospital[i] = (int32_t)o;
            }
        }
    }
    *out = pv;
    return SIM_OK;
oom:
    sim_providers_free(pv);
    return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
}

void sim_providers_free(sim_providers *pv)
{
    if (!pv) return;
    for (size_t i = 0; i < pv->orgs.n; i++) {
        free(pv->orgs.v[i].name);
        free(pv->orgs.v[i].address);
        free(pv->orgs.v[i].phone);
    }
    for (size_t i = 0; i < pv->clin.n; i++) {
        free(pv->clin.v[i].name);
        free(pv->clin.v[i].given);
        free(pv->clin.v[i].family);
    }
    free(pv->orgs.v);
    free(pv->clin.v);
    free(pv->pcp);
    free(pv->hospital);
    free(pv->urgent);
    free(pv);
}

size_t sim_providers_norgs(const sim_providers *pv)
{
    return pv->orgs.n;
}

const sim_org *sim_providers_org(const sim_providers *pv, size_t i)
{
    return i < pv->orgs.n ? &pv->orgs.v[i] : NULL;
}

size_t sim_providers_nclinicians(const sim_providers *pv)
{
    return pv->clin.n;
}

const sim_clinician *sim_providers_clinician(const sim_providers *pv, size_t i)
{
    return i < pv->clin.n ? &pv->clin.v[i] : NULL;
}

void sim_providers_encounter(const sim_providers *pv, const sim_patient *p, size_t e, int32_t *org,
                             int32_t *clinician)
{
    size_t place =
        p->who.place >= 0 && (size_t)p->who.place < pv->nplaces ? (size_t)p->who.place : 0;
    const sim_encounter *enc = &p->encounters.v[e];
    int32_t o;
    switch ((sim_enc_class)enc->cls) {
    case SIM_EC_EMERGENCY:
    case SIM_EC_INPATIENT:
    case SIM_EC_SNF:
    case SIM_EC_HOSPICE: o = pv->hospital[place]; break;
    case SIM_EC_URGENTCARE:
        o = pv->urgent[place] >= 0 ? pv->urgent[place] : pv->hospital[place];
        break;
    default: o = pv->pcp[place]; break;
    }
    const sim_org *og = &pv->orgs.v[o];
    /* the patient keeps the same doctor at their practice; at a hospital, whoever is on duty */
    uint64_t h = og->kind == SIM_ORG_PRIMARY ? sim_mix64(p->key) : sim_mix64(p->key ^ (e + 1));
    *org = o;
    *clinician = og->first_clinician + (int32_t)(h % (uint64_t)og->nclinicians);
}
