/* sim_srcmap.h — where each key of a module's tables was written.
 *
 * Lua tables do not remember source lines, so the module compiler asks a source map instead: a
 * light tokenizer walks the Lua (or JSON) source and records, for every key written in a table
 * constructor, its path and line. Paths join keys with '.', and positional entries count from 1:
 * "states.Onset.codes.1". A table constructor at the top of the file is rooted at "" when it
 * follows `return`, at the called function's name when it is a call argument
 * (`parameters { ... }` -> "parameters"), or at the variable it is assigned to.
 */
#ifndef SIM_SRCMAP_H
#define SIM_SRCMAP_H

#include <stddef.h>

typedef struct sim_srcmap sim_srcmap;

/* Builds a map from Lua source (json = 0) or JSON text (json = 1). Returns NULL only when out of
 * memory; malformed text yields a partial map. */
sim_srcmap *sim_srcmap_build(const char *text, size_t len, int json);
void sim_srcmap_free(sim_srcmap *m);
/* Line of `path`, or of its nearest recorded ancestor; `fallback` when none is recorded. */
int sim_srcmap_line(const sim_srcmap *m, const char *path, int fallback);
/* Line of a second definition of exactly `path` (a key written twice in one table, where Lua
 * silently keeps the last), or 0. */
int sim_srcmap_duplicate(const sim_srcmap *m, const char *path);
/* Line of exactly `path`, or 0. */
int sim_srcmap_exact(const sim_srcmap *m, const char *path);
/* The comment block at the top of a Lua file (lines starting with "--"), without the dashes, or
 * "" — for the dataset card and lint. Caller frees. */
char *sim_srcmap_header(const char *text, size_t len);

#endif
