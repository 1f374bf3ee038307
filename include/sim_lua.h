/* sim_lua.h — the sandboxed Lua 5.4 state in which modules are loaded and their functions run.
 *
 * One sim_lua per worker. Modules see only base (without dofile, loadfile, collectgarbage,
 * next, rawset), string, table, math and utf8, all read-only; `load` compiles text only, into the
 * caller's environment; `pairs` visits keys in sorted order and math.random draws from the
 * patient's stream, so nothing depends on hash order or the clock. Each module runs in its own
 * environment whose globals are read-only; reading an unknown global is an error that names it.
 *
 * Limits: an allocator that refuses past `mem_cap` bytes, and a budget of instructions per call.
 * Once either is hit, a hook raises an error at every instruction until control is back in C,
 * so a module's own pcall cannot swallow it.
 */
#ifndef SIM_LUA_H
#define SIM_LUA_H

#include "sim_base.h"
#include "sim_rng.h"

#include <lua.h>

typedef struct sim_lua sim_lua;

typedef struct sim_lua_limits {
    size_t mem_cap;        /* bytes for the whole state; 0: 256 MiB */
    uint64_t instructions; /* per call; 0: 20 million */
} sim_lua_limits;

/* Returns a new sandboxed state or NULL (out of memory). `root` is the folder that holds
 * modules/ (for lib()). */
sim_lua *sim_lua_new(const sim_lua_limits *limits, const char *root);
void sim_lua_free(sim_lua *S);
lua_State *sim_lua_state(sim_lua *S);

/* Compiles and runs a module's source (text mode only) in a fresh module environment. On success
 * the chunk's first result is left on the stack (one value pushed). `chunkname` is the path used
 * in messages ("modules/x.lua"); `module_key` selects the parameter overrides applied by
 * parameters{}. Parameter declarations are left in the registry for sim_lua_take_params. */
sim_status sim_lua_run_module(sim_lua *S, const char *chunkname, const char *text, size_t len,
                              const char *module_key, sim_error *err);

/* Calls the function below its `nargs` arguments on the stack under the sandbox limits, leaving
 * `nres` results. On failure, fills err with the Lua message (which starts with file:line). */
sim_status sim_lua_pcall(sim_lua *S, int nargs, int nres, sim_error *err);

/* The stream math.random draws from while a module's function runs (NULL: math.random errors). */
void sim_lua_set_rng(sim_lua *S, sim_rng *rng);

/* Parameter overrides for parameters{}: "module.param" names and values. Copied. */
sim_status sim_lua_set_param_overrides(sim_lua *S, const char *const *names, const double *values,
                                       size_t n);
/* After sim_lua_run_module: the parameters the module declared, in declaration order; the arrays
 * are owned by S until the next run. An unknown override for this module is reported in err,
 * with its index (in the order given to sim_lua_set_param_overrides) in *bad_override. */
typedef struct sim_lua_param {
    const char *name, *meaning;
    double def, value;
    int line;
} sim_lua_param;
sim_status sim_lua_take_params(sim_lua *S, const char *module_key, const sim_lua_param **params,
                               size_t *n, size_t *bad_override, sim_error *err);
/* Overrides never matched by any module, for a final "unknown parameter" check: stores up to
 * `max` names (owned by S) and returns how many there are. */
size_t sim_lua_unused_overrides(sim_lua *S, const char **names, size_t max);

/* Reports the source line of the Lua function at stack index idx (its `linedefined`), or 0. */
int sim_lua_function_line(sim_lua *S, int idx);

/* Bytes the state holds now and at most so far. */
size_t sim_lua_memory(const sim_lua *S, size_t *peak);

/* The names a module sees besides its own locals: Lua's base library and Lifesim's helpers
 * (pointers owned by S, valid while S lives; unordered). */
size_t sim_lua_base_names(sim_lua *S, const char **out, size_t max);

#endif
