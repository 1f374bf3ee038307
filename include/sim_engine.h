/* sim_engine.h — simulates one patient from birth to death or the reference date.
 *
 * A sim_engine belongs to one worker: it owns the per-patient state of every module (current
 * state, visit counts, random streams), a heap of wake-ups and the Lua patient proxy, and reuses
 * them from patient to patient. Time jumps straight from one wake-up to the next: a Delay sleeps
 * until its end, a Guard until something it reads changes or its age/date test can flip, and
 * only a Guard on an opaque Lua function also re-tests at the poll interval.
 *
 * Each top-level module runs as a "runner" with a call stack for submodules. Runners due at the
 * same instant run in module order. All-cause mortality is drawn once per patient from the life
 * table; Death states can bring death forward.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include "sim_base.h"
#include "sim_lifetable.h"
#include "sim_module.h"
#include "sim_record.h"

typedef struct sim_engine sim_engine;

/* What a trace callback sees (lifesim trace). Pointers are valid during the call only. */
typedef enum sim_trace_kind {
    SIM_TRACE_STATE = 0, /* a module entered a state */
    SIM_TRACE_ATTR,      /* an attribute was set */
    SIM_TRACE_RECORD,    /* a record was created or ended */
    SIM_TRACE_DEATH
} sim_trace_kind;

typedef struct sim_trace_event {
    sim_trace_kind kind;
    sim_time time;
    const sim_module *module;
    const sim_state *state;
    const char *what; /* attribute name, record type, ... */
    char detail[512];
} sim_trace_event;

typedef void (*sim_trace_fn)(void *ctx, const sim_trace_event *ev);

typedef struct sim_engine_opts {
    const sim_lifetable *lifetable; /* all-cause mortality; NULL for none */
    sim_time guard_poll;            /* re-test interval of Guards on Lua conditions (0: 30 days) */
    uint64_t seed;                  /* the run's seed, for messages */
    int strict;                     /* check each patient's record for coherence when done */
    sim_trace_fn trace;             /* optional */
    void *trace_ctx;
} sim_engine_opts;

/* Returns an engine running the top-level modules of `ms` (borrowed: it must outlive the
 * engine), or NULL when out of memory. */
sim_engine *sim_engine_new(sim_modset *ms, const sim_engine_opts *opts);
void sim_engine_free(sim_engine *e);

/* Simulates p. Before the call p holds its identity, key, slot/attempt, birth and end; after it,
 * its record and death. Fails with a message naming module, state, patient, seed and simulated
 * date when a module misbehaves at run time. */
sim_status sim_engine_run(sim_engine *e, sim_patient *p, sim_error *err);

/* How many times the last patient entered state `state` of module `module` (modset indices). */
uint32_t sim_engine_visits(const sim_engine *e, int32_t module, int32_t state);

/* Statistics of the last patient (for benchmarks and tests). */
typedef struct sim_engine_stats {
    uint64_t wakeups; /* runner activations */
    uint64_t states;  /* states entered */
    uint64_t lua_calls;
} sim_engine_stats;
void sim_engine_stats_get(const sim_engine *e, sim_engine_stats *out);

#endif
