/* sim_realism.h — the realism harness: simulated cohorts measured against published figures.
 *
 * The targets are the CSV tables in modules/data/realism/ (one per module family), each row one
 * measure:
 *
 *   id, measure, codes, status, threshold, sex, age_lo, age_hi, age_unit, published, tolerance,
 *   source, tolerance_reason
 *
 * measure:
 *   prevalence       percent of the living in the age band with one of `codes` (SYSTEM:code,
 *                    separated by '|') in their record: still active at the reference date
 *                    (status active) or ever (status ever)
 *   coverage         percent of the living in the age band with at least `threshold` doses of
 *                    the vaccines in `codes` (CVX)
 *   vital_at_least   percent of the living in the age band whose vital sign `codes` (a name,
 *                    e.g. BMI) is at least `threshold` at the reference date
 *   vital_mean       mean of the vital sign `codes` among the living in the age band
 *   life_expectancy  mean age at death of a birth cohort of that sex, simulated to death
 *   death_share      percent of the deaths of such a birth cohort (sex M, F or all) certified to
 *                    one of `codes`
 * and, on the cases of such a birth cohort (a case: the first record of one of `codes`):
 *   lifetime_risk    percent of the cohort ever diagnosed
 *   stage_share      percent of the cases whose record shows `status` at diagnosis (below)
 *   survival         Kaplan-Meier survival `threshold` years after diagnosis of the cases showing
 *                    `status` (empty: all cases), deaths certified to `codes` the events and other
 *                    deaths censored (cause-specific survival, the counterpart of a registry's
 *                    relative survival); Greenwood standard error
 *   median_age       median age at diagnosis, each case weighted by the US population at its age
 *                    (modules/data/us_population_age_sex.csv) over the cohort alive at that age,
 *                    so that it compares with a registry's median of the living population's cases
 * `status` of stage_share and survival, what the record shows within 90 days of diagnosis:
 * alternatives joined by '|', each items joined by '&', an item SYS:code (a condition or an
 * observation with that code), SYS:code=SYS:value (an observation with that coded value), '!' in
 * front to negate. E.g. SEER regional stage as the oncology modules record it:
 *   LOINC:21906-3=SNOMED-CT:53623008 & !SNOMED-CT:128462008
 *
 * Ages are completed years (age_unit years) or months, at the reference date, inclusive. Each
 * distinct age band is simulated as its own cohort of N living patients, drawn from the Census
 * age structure within the band, so every band is measured on N people.
 *
 * A measure passes when |simulated - published| <= tolerance + 3 standard errors of the simulated
 * value: the tolerance is the stated allowance for the source's own uncertainty and for what
 * the model leaves out (justified in tolerance_reason); the standard errors are the sampling
 * noise of a cohort of that size, so a small run is not failed by chance and a large run is held
 * close to the tolerance.
 */
#ifndef SIM_REALISM_H
#define SIM_REALISM_H

#include "sim_base.h"

typedef struct sim_realism_opts {
    const char *root;          /* folder holding modules/ */
    const char *const *dirs;   /* extra module folders */
    size_t ndirs;
    uint64_t per_cohort;       /* living patients per age band (0: 2000) */
    uint64_t threads;          /* workers (0: all cores); the figures do not depend on it */
    uint64_t seed;             /* (0: 1) */
    const char *only;          /* comma-separated ids or id prefixes, NULL: all */
    const char *targets;       /* a table of measures anywhere (a module's own tests), NULL: the
                                * tables of modules/data/realism/ */
    int json;                  /* the table as JSON */
} sim_realism_opts;

/* Runs every selected measure and prints the table (measure, source, published, simulated,
 * tolerance, pass/fail) to out. *failed receives the number of measures that failed. */
sim_status sim_realism_run(const sim_realism_opts *o, FILE *out, int *failed, sim_error *err);

#endif
