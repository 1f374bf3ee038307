/* sim_attrmap.h — the attribute map (docs/attributes.md): who writes and who reads each
 * attribute, generated from the modules. */
#ifndef SIM_ATTRMAP_H
#define SIM_ATTRMAP_H

#include "sim_base.h"

/* Loads every module (shipped, plus dirs) and writes the map as Markdown to out. */
sim_status sim_attribute_map(const char *root, const char *const *dirs, size_t ndirs, FILE *out,
                             sim_error *err);

#endif
