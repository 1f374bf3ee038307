/* compile.h — internal contract between the module compiler's files (compile.c,
 * compile_states.c) and the loader (modload.c). Not part of the public API. */
#ifndef SIM_COMPILE_H
#define SIM_COMPILE_H

#include "sim_module.h"
#include "sim_srcmap.h"

#include <lua.h>

typedef struct cctx {
    sim_modset *ms;
    sim_module *mod;
    lua_State *L;
    sim_srcmap *map;
    sim_diags *d;
    const char *path;  /* file, for messages */
    int state_line;    /* line of the state being compiled */
    const char *state; /* its name */
    char **names;      /* sorted state names of the module */
    int32_t nnames;
} cctx;

typedef SIM_VEC(int32_t) compile_i32vec;

int compile_state_type_parse(const char *s);
/* The state type closest to a misspelt one, or NULL. */
const char *compile_state_type_suggest(const char *s);
int compile_line(cctx *c, const char *kpath);
void compile_error(cctx *c, const char *kpath, const char *fmt, ...) SIM_PRINTF(3, 4);
void compile_warn(cctx *c, const char *kpath, const char *fmt, ...) SIM_PRINTF(3, 4);
/* key paths: malloc'd "base.key" / "base.i"; NULL when out of memory */
char *compile_path(cctx *c, const char *base, const char *key);
char *compile_path_i(cctx *c, const char *base, int i);
void *compile_alloc(cctx *c, size_t n, size_t size);
const char *compile_strdup(cctx *c, const char *s);
const char *compile_typename(lua_State *L, int idx);
void compile_check_fields(cctx *c, int idx, const char *kpath, const char *what,
                          const char *const *allowed);
int compile_getf(cctx *c, int idx, const char *key);
int compile_state_index(cctx *c, const char *name);
int32_t compile_want_state(cctx *c, int idx, const char *kpath, const char *what);
int compile_keep_ref(cctx *c, int idx);
void compile_note_attr(cctx *c, int32_t attr, const char *kpath, int write);
int32_t compile_want_attr(cctx *c, int idx, const char *kpath, const char *what, int write);
int compile_want_number(cctx *c, int idx, const char *kpath, const char *what, double *out);
const char *compile_want_string(cctx *c, int idx, const char *kpath, const char *what);
int compile_want_unit(cctx *c, int idx, const char *kpath, const char *what);
int compile_code(cctx *c, int idx, const char *kpath, sim_code *out);
const sim_code *compile_code_ptr(cctx *c, int idx, const char *kpath);
sim_codes compile_codes(cctx *c, int idx, const char *kpath, const char *what);
int compile_distribution(cctx *c, int idx, const char *kpath, int unit_default, int need_unit,
                         sim_dist *d);
int compile_duration(cctx *c, int sidx, const char *spath, sim_dist *d, int allow_none);
int compile_value(cctx *c, int idx, const char *kpath, sim_value *v);
int compile_valspec(cctx *c, int sidx, const char *spath, sim_valspec *vs, int allow_attr,
                    int allow_vital, int required);
int compile_cond(cctx *c, int idx, const char *kpath, sim_cond *out);
uint32_t compile_cond_deps(const sim_cond *cd, compile_i32vec *attrs);
int compile_transition(cctx *c, int sidx, const char *spath, sim_state *st);
/* Compiles the module table on top of the Lua stack; NULL on errors (reported in diags). */
sim_module *compile_module(sim_modset *ms, const char *path, const char *key, int json,
                           int submodule, sim_srcmap *map, sim_diags *d);

#endif
