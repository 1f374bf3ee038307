/* modload_internal.h — the modset's layout, shared by the module compiler and its tests. */
#ifndef SIM_MODLOAD_INTERNAL_H
#define SIM_MODLOAD_INTERNAL_H

#include "sim_module.h"

struct sim_modset {
    sim_lua *lua;
    SIM_VEC(sim_module *) mods; /* sorted by key */
    sim_arena *arena;           /* every compiled structure */
    sim_strmap ns[SIM_NS_COUNT];
    sim_strmap code_keys;      /* "system|code" -> code id */
    SIM_VEC(sim_code *) codes; /* code id -> canonical code */
    SIM_VEC(sim_attr_use) uses;
    SIM_VEC(int) refs; /* Lua registry references to function-valued fields */
    char *root;
    const sim_modset_opts *loading; /* the options of the load under way (messages), or NULL */
    SIM_VEC(sim_cause) causes;      /* modules/data/cause_of_death.csv */
    int has_modelled;               /* modules/data/modelled_mortality.csv applies */
    double modelled[2][101];        /* its deaths per person-year, [sex][age] */
};

sim_status sim_modset_new_(sim_lua *lua, const char *root, sim_modset **out);
sim_status sim_modset_link_(sim_modset *ms, sim_diags *diags);

#endif
