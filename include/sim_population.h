/* sim_population.h — who the patients are: sex, birth date, race, ethnicity, name, address,
 * income, identifiers, drawn from the cited tables in modules/data/.
 *
 * Ages: `population: N` means N people alive at the reference date, simulated from birth, and
 * those who die earlier are re-simulated (DESIGN.md). To make the living follow the Census age
 * and sex structure, age a and sex s are drawn with weight census(a, s) / S_s(a), S being the
 * life table's survival to that age: conditioned on surviving, the ages are census(a, s).
 * Everything is drawn from the patient's "$demog" stream, so a patient's identity never depends
 * on the modules loaded.
 */
#ifndef SIM_POPULATION_H
#define SIM_POPULATION_H

#include "sim_base.h"
#include "sim_lifetable.h"
#include "sim_record.h"

typedef struct sim_population sim_population;

typedef enum sim_age_mode {
    SIM_AGE_US = 0, /* the Census age structure */
    SIM_AGE_RANGE,  /* ages lo..hi (completed years, inclusive), Census-weighted within */
} sim_age_mode;

typedef struct sim_race_share {
    const char *race;      /* white, black, asian, native, hawaiian, other */
    const char *ethnicity; /* hispanic, nonhispanic */
    double share;
} sim_race_share;

typedef struct sim_pop_opts {
    sim_age_mode age_mode;
    int age_lo, age_hi;             /* SIM_AGE_RANGE */
    double males_per_1000;          /* sex ratio at birth for age 0 draws; 0: the table's */
    const char *state;              /* only places in this state (NULL: every place in the table) */
    const char *places_file;        /* relative to modules/data (NULL: places.csv) */
    const sim_race_share *race_mix; /* override of us_race_ethnicity.csv (NULL: the table) */
    size_t nrace_mix;
} sim_pop_opts;

/* Loads the tables under root/modules/data/. The life table is borrowed. */
sim_status sim_population_load(const char *root, const sim_pop_opts *opts, const sim_lifetable *lt,
                               sim_population **out, sim_error *err);
void sim_population_free(sim_population *pop);

/* Draws identity and birth for p (p->key set) alive-weighted at `ref`. */
void sim_population_sample(const sim_population *pop, sim_patient *p, sim_time ref);
/* After simulation: what depends on the age reached (marital status, prefix, maiden name,
 * driver's licence, passport). */
void sim_population_finish(const sim_population *pop, sim_patient *p);

/* The places patients live in (after the scenario's state filter), for the provider network. */
typedef struct sim_place {
    const char *city, *county, *state, *abbr, *fips, *zip;
    double lat, lon;
    double population;
} sim_place;
size_t sim_population_nplaces(const sim_population *pop);
const sim_place *sim_population_place(const sim_population *pop, size_t i);
/* Deterministic picks from the name and street tables, by a uniform u in [0, 1). */
const char *sim_population_first_name(const sim_population *pop, char sex, double u);
const char *sim_population_last_name(const sim_population *pop, double u);
const char *sim_population_street(const sim_population *pop, double u);

/* Where an income stands in the household income distribution: a fraction in [0, 1]. */
double sim_population_income_percentile(const sim_population *pop, double income);

/* The sources of every table used, for the dataset card: "file: first comment line" lines. */
const char *sim_population_sources(const sim_population *pop);

/* A deterministic UUID (version 4 layout) from two 64-bit words. */
void sim_uuid(uint64_t a, uint64_t b, char out[40]);

#endif
