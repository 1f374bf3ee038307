/* sim_costs.h — what care costs and who pays: payers over a patient's life and the cost of
 * each encounter and prescription.
 *
 * Payers: Medicare, Medicaid, three private plans and no insurance. A patient's primary coverage
 * at a given age follows the shares of modules/data/insurance_coverage.csv (ACS 2017, B27010) for
 * that age band; which patient gets which is fixed by a latent rank that is mostly their income
 * percentile, so the lowest incomes are on Medicaid, then the uninsured, then private plans
 * (Medicare at 65 and over, and a small share under 65 drawn independently of income).
 *
 * Costs: modules/data/encounter_costs.csv (MEPS 2015 mean expense per event, 2015 dollars). An
 * encounter costs the mean of its event type (office, outpatient, emergency, inpatient stay, home
 * health); procedures and immunizations are part of that event's expense, as MEPS counts them. A
 * prescription costs the mean per fill times its dispenses. A payer covers the event's cost less
 * the average out-of-pocket share for that event type; the uninsured pay everything.
 */
#ifndef SIM_COSTS_H
#define SIM_COSTS_H

#include "sim_base.h"
#include "sim_population.h"
#include "sim_record.h"

typedef enum sim_pay_kind {
    SIM_PAY_MEDICARE = 0,
    SIM_PAY_MEDICAID,
    SIM_PAY_PRIVATE,
    SIM_PAY_NONE
} sim_pay_kind;

typedef struct sim_payer {
    char id[40];
    const char *name;
    const char *ownership; /* GOVERNMENT, PRIVATE, NO_INSURANCE */
    uint8_t kind;
} sim_payer;

typedef struct sim_costs sim_costs;

typedef struct sim_cost {
    double base;    /* the charge */
    double covered; /* what the payer paid */
    int32_t payer;
} sim_cost;

/* What each payer did over a run, for payers.csv. */
/* Integers only (cents, milliseconds), so that tallies summed in any order, by any number of
 * threads or shards, give the same bytes. */
typedef struct sim_payer_tally {
    int64_t covered_cents, uncovered_cents;
    uint64_t covered_encounters, uncovered_encounters;
    uint64_t covered_medications, uncovered_medications;
    uint64_t covered_procedures, uncovered_procedures;
    uint64_t covered_immunizations, uncovered_immunizations;
    uint64_t customers;
    int64_t member_ms; /* time covered, summed over members */
} sim_payer_tally;

/* Adds b into a. */
void sim_payer_tally_add(sim_payer_tally *a, const sim_payer_tally *b);

sim_status sim_costs_load(const char *root, const sim_population *pop, sim_costs **out,
                          sim_error *err);
void sim_costs_free(sim_costs *c);
size_t sim_costs_npayers(const sim_costs *c);
const sim_payer *sim_costs_payer(const sim_costs *c, size_t i);
/* The payer covering p at time t. */
int32_t sim_costs_payer_at(const sim_costs *c, const sim_patient *p, sim_time t);
sim_cost sim_costs_encounter(const sim_costs *c, const sim_patient *p, size_t enc);
/* Fills of a prescription over its life (until its stop, the patient's death, or `end`): one
 * per prescribed duration (a month when none), or refills + 1, and at least one. */
long sim_costs_dispenses(const sim_patient *p, size_t med, sim_time end);
/* dispenses: as sim_costs_dispenses */
sim_cost sim_costs_medication(const sim_costs *c, const sim_patient *p, size_t med, long dispenses);
/* Adds the patient's use of each payer (records dated from `from` on, until `end`) to tally[]. */
void sim_costs_tally(const sim_costs *c, const sim_patient *p, sim_time from, sim_time end,
                     sim_payer_tally *tally);
/* Appends payers.csv rows. */
struct sim_outbufs;
void sim_costs_csv(const sim_costs *c, const sim_payer_tally *tally, struct sim_outbufs *o);
/* The sources of the cost and coverage tables, for the dataset card. */
const char *sim_costs_sources(const sim_costs *c);

#endif
