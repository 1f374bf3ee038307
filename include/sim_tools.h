/* sim_tools.h — the module author's tools (lifesim lint, graph, trace). Each loads the shipped
 * library plus the module files named (files outside modules/ are added as lifesim run -d adds
 * a folder), so cross-module facts (who sets an attribute, who calls a submodule) are known. */
#ifndef SIM_TOOLS_H
#define SIM_TOOLS_H

#include "sim_base.h"
#include "sim_module.h"

/* Every load-time check of the named modules (all of the library when none is named), plus the
 * cross-module view: attributes read but never written, written but never read, submodules
 * never called. Prints "file:line: error|warning: message" lines to out; returns 1 when there
 * is an error, else 0. */
int sim_lint(const char *root, const char *const *files, size_t nfiles, FILE *out);

/* The module's state machine as Graphviz DOT. */
sim_status sim_graph(const char *root, const char *file, FILE *out, sim_error *err);
void sim_graph_module(const sim_modset *ms, const sim_module *m, FILE *f);

/* Simulates patient `patient` of `seed` (the one lifesim run would put in that slot, first
 * attempt) with the whole library and prints the module's path: each state entered with its
 * date, the attributes it set and the records it made. */
sim_status sim_trace(const char *root, const char *file, uint64_t seed, uint64_t patient,
                     FILE *out, sim_error *err);

#endif
