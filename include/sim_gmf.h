/* sim_gmf.h — Synthea GMF JSON modules to idiomatic Lua and back. */
#ifndef SIM_GMF_H
#define SIM_GMF_H

#include "sim_base.h"

/* The JSON module at path as a Lua module (malloc'd text in *out): the same tables, written
 * with the helper constructors where a helper gives exactly that table, remarks as comments. */
sim_status sim_gmf_import(const char *path, char **out, sim_error *err);

/* The Lua module at path as GMF JSON (malloc'd text in *out): what the helpers built, as plain
 * GMF. Fails on a Lua function, which JSON cannot hold. */
sim_status sim_gmf_export(const char *root, const char *path, char **out, sim_error *err);

#endif
