/* sim_lifetable.h — all-cause mortality from a period life table by single year of age and sex.
 *
 * The table (modules/data/lifetable_us.csv) gives qx, the probability of dying between ages x and
 * x+1, for x = 0..99 and an open interval 100+ with its life expectancy e100. Deaths are spread
 * uniformly within each year of age; past 100 the remaining life is exponential with mean e100.
 * Under these assumptions the mean age at death of a birth cohort equals the table's e0.
 */
#ifndef SIM_LIFETABLE_H
#define SIM_LIFETABLE_H

#include "sim_base.h"
#include "sim_rng.h"

#define SIM_LT_AGES 101 /* 0..99 and 100+ */

typedef struct sim_lifetable {
    double qx[2][SIM_LT_AGES]; /* [0] male, [1] female */
    double ex[2][SIM_LT_AGES];
    double lx[2][SIM_LT_AGES + 1]; /* survivors to exact age x, lx[0] = 1 */
    char *source;                  /* the table's comment lines */
    char *path;
} sim_lifetable;

/* Loads a life table CSV with columns age, male_qx, male_ex, female_qx, female_ex. */
sim_status sim_lifetable_load(const char *path, sim_lifetable **out, sim_error *err);
void sim_lifetable_free(sim_lifetable *lt);
/* sex: 'M' or 'F'. Probability of surviving from birth to exact (decimal) age. */
double sim_lifetable_survival(const sim_lifetable *lt, char sex, double age);
/* Life expectancy at birth as published in the table. */
double sim_lifetable_e0(const sim_lifetable *lt, char sex);
/* A copy of lt with the mortality m[0] (male) and m[1] (female), deaths per person-year by
 * single year of age (SIM_LT_AGES entries; NULL: none), taken out of qx: the life table with those
 * causes deleted. qx keeps at least a quarter of its value (the causes deleted are never most of
 * the deaths at an age), and the open interval 100+ is unchanged. NULL when out of memory. */
sim_lifetable *sim_lifetable_cause_deleted(const sim_lifetable *lt, const double *const m[2]);
/* Draws an age at death (decimal years) with one uniform from r. */
double sim_lifetable_draw(const sim_lifetable *lt, char sex, sim_rng *r);

#endif
