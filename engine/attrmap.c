/* attrmap.c — the attribute map: which module writes and which reads each attribute, from the
 * compiled modules (SetAttribute, Counter, assign_to_attribute, Attribute conditions,
 * referenced_by_attribute, distributions read from attributes) and the Lua functions'
 * p:attr("...") and p:set("...") calls the loader finds in the module sources. */
#include "sim_attrmap.h"

#include "sim_lua.h"
#include "sim_module.h"

#include <stdlib.h>
#include <string.h>

typedef struct use {
    const char *attr;
    const char *path;
    int line;
    int write;
    int lua; /* found in a Lua function */
} use;

typedef SIM_VEC(use) uses;

static int cmp_use(const void *a, const void *b)
{
    const use *x = a, *y = b;
    int c = strcmp(x->attr, y->attr);
    if (c) return c;
    if (x->write != y->write) return y->write - x->write;
    c = strcmp(x->path, y->path);
    if (c) return c;
    return x->line - y->line;
}

sim_status sim_attribute_map(const char *root, const char *const *dirs, size_t ndirs, FILE *out,
                             sim_error *err)
{
    sim_lua *lua = sim_lua_new(NULL, root);
    if (!lua) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    sim_modset_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.root = root;
    mo.dirs = dirs;
    mo.ndirs = ndirs;
    sim_modset *ms = NULL;
    sim_status st = sim_modset_load_reported(lua, &mo, &ms, stderr, 0, "", err);
    if (st != SIM_OK) {
        sim_lua_free(lua);
        return st;
    }
    uses us = {0};
    size_t nu;
    const sim_attr_use *au = sim_modset_attr_uses(ms, &nu);
    for (size_t i = 0; i < nu; i++) {
        const sim_module *m = NULL;
        for (size_t k = 0; k < sim_modset_count(ms); k++)
            if (sim_modset_get(ms, k)->index == au[i].module) m = sim_modset_get(ms, k);
        if (!m) continue;
        use *u = sim_vec_add(&us);
        if (!u) break;
        u->attr = sim_modset_name(ms, SIM_NS_ATTR, au[i].attr);
        u->path = m->path;
        u->line = au[i].line;
        u->write = au[i].write;
        u->lua = au[i].lua;
    }
    if (us.n) qsort(us.v, us.n, sizeof *us.v, cmp_use);
    fprintf(
        out,
        "# Attribute map\n\n"
        "Which module writes and which reads each attribute, generated from the modules by\n"
        "`lifesim attributes` (do not edit by hand: `lifesim attributes > docs/attributes.md`).\n"
        "Writes are SetAttribute, Counter and assign_to_attribute states; reads are Attribute\n"
        "conditions, referenced_by_attribute and attribute-valued probabilities; entries marked\n"
        "*Lua* are `p:attr(\"...\")` / `p:set(\"...\")` calls inside Lua functions.\n\n"
        "| attribute | written by | read by |\n|---|---|---|\n");
    for (size_t i = 0; i < us.n;) {
        size_t j = i;
        while (j < us.n && !strcmp(us.v[j].attr, us.v[i].attr)) j++;
        fprintf(out, "| `%s` |", us.v[i].attr);
        for (int w = 1; w >= 0; w--) {
            int first = 1;
            for (size_t k = i; k < j; k++) {
                const use *u = &us.v[k];
                if (u->write != w) continue;
                /* one entry per module and line */
                if (k > i && us.v[k - 1].write == w && !strcmp(us.v[k - 1].path, u->path) &&
                    us.v[k - 1].line == u->line)
                    continue;
                fprintf(out, "%s%s:%d%s", first ? " " : ", ", u->path, u->line,
                        u->lua ? " *Lua*" : "");
                first = 0;
            }
            if (first) fputs(" —", out);
            fputs(" |", out);
        }
        fputc('\n', out);
        i = j;
    }
    free(us.v);
    sim_modset_free(ms);
    sim_lua_free(lua);
    return SIM_OK;
}
