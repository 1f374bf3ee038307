/* engine_internal.h — the engine's layout, shared by engine.c (event loop, transitions,
 * conditions), engine_states.c (what each state type does) and luapatient.c (the `p` object that
 * Lua functions receive). Not part of the public API. */
#ifndef SIM_ENGINE_INTERNAL_H
#define SIM_ENGINE_INTERNAL_H

#include "sim_engine.h"
#include "sim_lua.h"
#include "sim_rng.h"

#include <lua.h>

#define SIM_MAX_DEPTH     16
#define SIM_ENCOUNTER_MIN (15 * SIM_MS_MINUTE)
#define SIM_TIME_NONE     INT64_MIN /* "never happened" in state histories */

typedef struct frame {
    int32_t module; /* modset index of the running module (a submodule when deeper than 0) */
    int32_t state;
    sim_time entered;
    sim_time delay_end;
    uint32_t step; /* how many times this visit of the state has been processed */
} frame;

enum { WAIT_NONE = 0, WAIT_GUARD, WAIT_WELLNESS, WAIT_DELAY };

typedef struct runner {
    int32_t module; /* the top-level module */
    frame stack[SIM_MAX_DEPTH];
    int depth;
    int32_t encounter; /* the encounter this runner is in, or -1 */
    int32_t joined;    /* a wellness encounter offered while waiting, or -1 */
    uint8_t done;
    uint8_t waiting;
    sim_time wake;
    int32_t heap_pos; /* -1 when not queued */
} runner;

/* per module (submodules included), per patient */
typedef struct minst {
    sim_rng rng;
    uint32_t *visits;     /* times each state was entered */
    sim_time *last_enter; /* SIM_TIME_NONE when never */
    sim_time *last_exit;
    int32_t *last_rec;   /* index of the record each state made last, or -1 */
    uint64_t *enter_seq; /* order of the last entry/exit among all state events (0: never): */
    uint64_t *exit_seq;  /* times cannot order two events of the same instant */
} minst;

typedef struct pending {
    uint8_t type; /* SIM_R_CONDITION or SIM_R_ALLERGY */
    int32_t index;
    int32_t runner;
    int32_t module;
    int32_t target; /* the Encounter state that diagnoses it */
} pending;

struct sim_engine {
    sim_modset *ms;
    sim_lua *lua;
    lua_State *L;
    sim_engine_opts opts;
    sim_lifetable *lt_deleted; /* opts.lifetable less the modules' own mortality, or NULL */
    size_t nmods;
    minst *mi;
    /* backing arrays of the per-state histories, reset per patient */
    uint32_t *visits_all;
    sim_time *enter_all, *exit_all;
    int32_t *rec_all;
    uint64_t *enter_seq_all, *exit_seq_all;
    uint64_t seq; /* state events so far in this patient's life */
    size_t nstates_all;
    runner *runners;
    size_t nrunners;
    int32_t *heap;
    size_t nheap;
    SIM_VEC(pending) pending;

    /* the patient being simulated */
    sim_patient *p;
    sim_time now;
    sim_time death_at;
    const sim_code *death_cause;
    int died_now;         /* a Death state ended the life at `now` */
    int32_t wellness_enc; /* the latest wellness encounter, or -1 */

    /* what the running state may see */
    runner *cur;
    frame *cur_frame;
    minst *cur_mi;

    /* changes since guards were last woken */
    uint32_t changed;
    SIM_VEC(int32_t) changed_attrs;

    int proxy_ref; /* the Lua `p` userdata */
    sim_error *err;
    sim_engine_stats stats;

    const sim_code *c_death_cert, *c_cause_obs, *c_death_report, *c_natural;
};

/* results of processing a state */
enum { PROC_ADVANCE = 0, PROC_BLOCK, PROC_PUSHED, PROC_TERMINAL, PROC_ERROR };

/* engine.c */
sim_status engine_error(sim_engine *e, const char *fmt, ...) SIM_PRINTF(2, 3);
sim_status engine_lua_error(sim_engine *e, const sim_error *lerr);
int engine_eval_cond(sim_engine *e, const sim_cond *c);
sim_time engine_cond_next_change(sim_engine *e, const sim_cond *c);
/* Draws from a distribution in its unit (Lua functions included); -1 on error (reported). */
int engine_draw(sim_engine *e, const sim_dist *d, double *out);
/* Evaluates a value source; returns 0, or -1 on error (reported). */
int engine_eval_value(sim_engine *e, const sim_valspec *vs, sim_value *out);
void engine_mark(sim_engine *e, uint32_t dep, int32_t attr);
sim_status engine_set_attr(sim_engine *e, int32_t id, sim_value v);
void engine_trace(sim_engine *e, sim_trace_kind kind, const char *what, const char *fmt, ...)
    SIM_PRINTF(4, 5);
/* calls the Lua function `ref` with p; leaves nres results; -1 on error (reported) */
int engine_call_lua(sim_engine *e, int ref, int nres);
const sim_module *engine_module(const sim_engine *e, int32_t index);
minst *engine_minst(sim_engine *e, int32_t module);
sim_time engine_duration_ms(const sim_dist *d, double v);
void engine_queue_update(sim_engine *e, runner *r, sim_time wake);

/* engine_states.c */
int engine_process(sim_engine *e, runner *r, frame *f, const sim_state *st, sim_time *wake);
void engine_close_encounter(sim_engine *e, int32_t idx, sim_time t);
void engine_finish_patient(sim_engine *e);

/* luapatient.c */
/* Creates the `p` userdata in e's Lua state; returns its registry reference or LUA_NOREF. */
int luapatient_new(sim_engine *e);
/* Pushes a record value / attribute value as Lua */
void luapatient_push_value(sim_engine *e, const sim_value *v);
/* Converts the Lua value at idx; 0 or -1 (unsupported type; *why names it) */
int luapatient_to_value(sim_engine *e, int idx, sim_value *out, const char **why);

#endif
