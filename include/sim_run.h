/* sim_run.h — a whole run: load what the scenario names, simulate the population, write files.
 *
 * Population semantics (DESIGN.md): slot i of N is simulated with seed (run seed, i, attempt);
 * a patient who dies before the reference date is written as deceased and the slot is simulated
 * again with the next attempt until someone is alive. Output is written in (slot, attempt) order.
 *
 * Threads: each worker thread has its own Lua state, modules and engine and takes the next slot;
 * what a slot produces waits in a ring until every earlier slot is written, so the files are the
 * same bytes whatever the thread count. The run's tallies are integers, summed in any order.
 *
 * Shards: shard K of N simulates the contiguous slots [K*P/N, (K+1)*P/N) and writes its rows
 * without headers or the care network, plus .shard.json (its tallies and the resolved scenario);
 * sim_merge joins the shards into the bytes of the unsharded run, manifest included.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <signal.h>

#include "sim_base.h"
#include "sim_scenario.h"

typedef struct sim_run_opts {
    const sim_scenario *scenario; /* resolved, flags applied */
    const char *root;             /* the folder holding modules/ */
    int quiet;                    /* no progress line */
    int strict;                   /* check every patient's record as it is finished */
    volatile sig_atomic_t *stop;  /* set by a signal handler to stop early (may be NULL) */
    int shard_index,
        shard_count; /* this run is shard shard_index of shard_count (count <= 1: all) */
} sim_run_opts;

typedef struct sim_run_result {
    uint64_t living, deceased; /* patients written */
    uint64_t simulated;        /* lives simulated in all */
    uint64_t rejected;         /* lives simulated but not kept (a scenario with keep:) */
    uint64_t records;          /* rows written across the CSV files */
    int incomplete;
} sim_run_result;

sim_status sim_run(const sim_run_opts *opts, sim_run_result *res, sim_error *err);

/* Joins the shard folders (any order) into out_dir. */
sim_status sim_merge(const char *root, const char *out_dir, const char *const *shards,
                     size_t nshards, sim_run_result *res, sim_error *err);

/* Where modules/ lives: $LIFESIM_HOME, else the folder above the executable when it holds
 * modules/, else the source tree the binary was built from. Writes into out. */
void sim_find_root(const char *argv0, char *out, size_t outsz);

#endif
