/* sim_summary.h — a scenario's cohort summary (its summary: section), written with the output as
 * COHORT.md and cohort.json.
 *
 * For each kind of case the scenario names (a condition; its first onset is the diagnosis) it
 * counts the patients written: their number, deaths, age at diagnosis; how many show each
 * category of each at_diagnosis group (sim_evidence.h: what the record shows within 90 days);
 * overall survival from the diagnosis by Kaplan-Meier, for all cases and by the categories of one
 * group (deaths of any cause are the events; the living are censored at the reference date); and
 * how many times each case entered a module's state or has a record after the diagnosis (lines of
 * therapy, say).
 *
 * Everything is counted as integers in one flat tally (follow-up in whole months), so that the
 * sum over workers, threads and shards is the same whatever the split: a sharded run carries its
 * tally in its shard state and lifesim merge adds them up.
 */
#ifndef SIM_SUMMARY_H
#define SIM_SUMMARY_H

#include "sim_engine.h"
#include "sim_module.h"
#include "sim_scenario.h"

typedef struct sim_summary sim_summary;

/* Resolves the scenario's summary: against the loaded modules (codes some module records, states
 * that exist). Problems go to d at the scenario's lines; SIM_EINVAL when any is an error. *out is
 * NULL when the scenario has no summary. */
sim_status sim_summary_new(const sim_scenario *sc, const sim_modset *ms, sim_summary **out,
                           sim_diags *d);
void sim_summary_free(sim_summary *s);
/* The number of counters of a tally. */
size_t sim_summary_size(const sim_summary *s);
/* Counts a patient written to the output (just simulated by e) into tally. */
void sim_summary_add(const sim_summary *s, uint64_t *tally, const sim_patient *p,
                     const sim_engine *e);
/* The summary as Markdown and as JSON (malloc'd; NULL when out of memory). */
char *sim_summary_markdown(const sim_summary *s, const uint64_t *tally);
char *sim_summary_json(const sim_summary *s, const uint64_t *tally);

#endif
