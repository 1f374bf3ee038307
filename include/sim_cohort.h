/* sim_cohort.h — a scenario's `keep:` criteria, resolved against the loaded modules and tested
 * on each simulated patient. A run with keep: writes only the patients who meet every criterion
 * and simulates lives until it has as many as the scenario asks for.
 */
#ifndef SIM_COHORT_H
#define SIM_COHORT_H

#include "sim_engine.h"
#include "sim_module.h"
#include "sim_scenario.h"

typedef struct sim_cohort sim_cohort;

/* Resolves the criteria of sc->keep (modules and states by name; codes some module can record).
 * Problems go to d at the scenario's lines; returns SIM_EINVAL when any is an error. */
sim_status sim_cohort_new(const sim_scenario *sc, const sim_modset *ms, sim_cohort **out,
                          sim_diags *d);
void sim_cohort_free(sim_cohort *c);
/* 1 when the patient just simulated by e meets every criterion: those of keep: and, with
 * keep.each, those of the group its slot is dealt to (slot % number of groups). */
int sim_cohort_keeps(const sim_cohort *c, const sim_patient *p, const sim_engine *e);

#endif
