/* tools.c — the module author's tools: lint (every load-time check plus the cross-module view),
 * graph (the state machine as Graphviz DOT) and trace (one patient's path through a module). */
#define _DEFAULT_SOURCE /* realpath, symlink */
#include "sim_tools.h"

#include "sim_engine.h"
#include "sim_lifetable.h"
#include "sim_lua.h"
#include "sim_module.h"
#include "sim_population.h"
#include "sim_rng.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- loading: the shipped library plus the files named ---- */

typedef struct loaded {
    sim_lua *lua;
    sim_modset *ms;
    char **keys; /* the modules the command is about */
    size_t nkeys;
    char tmpdir[512]; /* the named files, gathered as a module folder */
} loaded;

static void loaded_free(loaded *l)
{
    sim_modset_free(l->ms);
    sim_lua_free(l->lua);
    for (size_t i = 0; i < l->nkeys; i++) free(l->keys[i]);
    free(l->keys);
    if (l->tmpdir[0]) {
        char cmd[1100];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", l->tmpdir);
        if (system(cmd) != 0) {
        }
    }
}

static int same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/* the module key of a file: its name without the folder and extension */
static char *key_of(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, ".");
    char *k = malloc(n + 1);
    if (k) {
        memcpy(k, b, n);
        k[n] = '\0';
    }
    return k;
}

/* Loads the shipped modules plus `files` (modules outside the library are linked into a
 * temporary folder given to the loader like -d); `keys` are the named modules. */
static sim_status load_named(const char *root, const char *const *files, size_t nfiles,
                             loaded *l, sim_diags *d, sim_error *err)
{
    memset(l, 0, sizeof *l);
    l->lua = sim_lua_new(NULL, root);
    l->keys = calloc(nfiles ? nfiles : 1, sizeof *l->keys);
    if (!l->lua || !l->keys) return sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    const char *dirs[1];
    size_t ndirs = 0;
    for (size_t i = 0; i < nfiles; i++) {
        struct stat sb;
        if (stat(files[i], &sb) != 0 || !S_ISREG(sb.st_mode))
            return sim_error_set(err, SIM_EIO, files[i], 0, 0, "no such module file");
        size_t n = strlen(files[i]);
        if (!(n > 4 && !strcmp(files[i] + n - 4, ".lua")) &&
            !(n > 5 && !strcmp(files[i] + n - 5, ".json")))
            return sim_error_set(err, SIM_EINVAL, files[i], 0, 0,
                                 "a module is a .lua or .json file");
        l->keys[l->nkeys++] = key_of(files[i]);
        /* a file of the library itself is already loaded */
        char shipped[PATH_MAX + 64];
        snprintf(shipped, sizeof shipped, "%s/modules/%s", root, strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i]);
        if (same_file(files[i], shipped)) continue;
        if (!l->tmpdir[0]) {
            const char *t = getenv("TMPDIR");
            snprintf(l->tmpdir, sizeof l->tmpdir, "%s/lifesim-tool-XXXXXX", t && *t ? t : "/tmp");
            if (!mkdtemp(l->tmpdir)) {
                l->tmpdir[0] = '\0';
                return sim_error_set(err, SIM_EIO, NULL, 0, 0, "cannot make a temporary folder");
            }
            dirs[ndirs++] = l->tmpdir;
        }
        char link[PATH_MAX + 600], target[PATH_MAX];
        const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
        snprintf(link, sizeof link, "%s/%s", l->tmpdir, base);
        if (!realpath(files[i], target) || symlink(target, link) != 0)
            return sim_error_set(err, SIM_EIO, files[i], 0, 0, "cannot read the module");
    }
    sim_modset_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.root = root;
    mo.dirs = dirs;
    mo.ndirs = ndirs;
    return sim_modset_load(l->lua, &mo, &l->ms, d);
}

/* the loader names a linked file by its temporary path: name it as the author wrote it */
static void rename_paths(sim_diags *d, const loaded *l, const char *const *files, size_t nfiles)
{
    if (!l->tmpdir[0]) return;
    size_t tl = strlen(l->tmpdir);
    for (size_t i = 0; i < d->n; i++) {
        char *f = d->v[i].file;
        if (!f || strncmp(f, l->tmpdir, tl) || f[tl] != '/') continue;
        for (size_t k = 0; k < nfiles; k++) {
            const char *base = strrchr(files[k], '/') ? strrchr(files[k], '/') + 1 : files[k];
            if (!strcmp(f + tl + 1, base)) {
                char *nf = sim_strdup(files[k]);
                if (nf) {
                    free(d->v[i].file);
                    d->v[i].file = nf;
                }
            }
        }
    }
}

static int is_named(const loaded *l, const sim_module *m)
{
    if (!l->nkeys) return 1; /* none named: the whole library */
    for (size_t i = 0; i < l->nkeys; i++)
        if (!strcmp(l->keys[i], m->key)) return 1;
    return 0;
}

/* ---- lint ---- */

static const sim_module *module_at(const sim_modset *ms, int32_t index)
{
    for (size_t i = 0; i < sim_modset_count(ms); i++)
        if (sim_modset_get(ms, i)->index == index) return sim_modset_get(ms, i);
    return NULL;
}


int sim_lint(const char *root, const char *const *files, size_t nfiles, FILE *out)
{
    sim_diags d;
    memset(&d, 0, sizeof d);
    loaded l;
    sim_error err;
    sim_error_clear(&err);
    sim_status st = load_named(root, files, nfiles, &l, &d, &err);
    if (st == SIM_ENOMEM || st == SIM_EIO || (st == SIM_EINVAL && !d.n)) {
        char msg[3072];
        sim_error_format(&err, msg, sizeof msg);
        fprintf(out, "%s: error: %s\n", err.file[0] ? err.file : "lint", msg);
        loaded_free(&l);
        sim_diags_free(&d);
        return 1;
    }
    rename_paths(&d, &l, files, nfiles);
    if (l.ms) {
        /* the cross-module view, for the named modules */
        size_t nu;
        const sim_attr_use *u = sim_modset_attr_uses(l.ms, &nu);
        for (size_t i = 0; i < nu; i++) {
            const sim_module *m = module_at(l.ms, u[i].module);
            if (!m || !is_named(&l, m)) continue;
            /* the other direction, in a state or in a Lua function (the loader lists both) */
            int other = 0;
            for (size_t j = 0; j < nu && !other; j++)
                other = u[j].attr == u[i].attr && u[j].write != u[i].write;
            if (other) continue;
            const char *name = sim_modset_name(l.ms, SIM_NS_ATTR, u[i].attr);
            int dup = 0; /* once per attribute, module and direction */
            for (size_t j = 0; j < i && !dup; j++)
                dup = u[j].attr == u[i].attr && u[j].write == u[i].write &&
                      u[j].module == u[i].module;
            if (dup) continue;
            const char *file = m->path;
            for (size_t k = 0; k < nfiles; k++)
                if (l.tmpdir[0] && !strncmp(m->path, l.tmpdir, strlen(l.tmpdir))) {
                    const char *base = strrchr(files[k], '/') ? strrchr(files[k], '/') + 1 : files[k];
                    if (!strcmp(m->path + strlen(l.tmpdir) + 1, base)) file = files[k];
                }
            if (u[i].write)
                sim_diags_add(&d, SIM_SEV_WARNING, file, u[i].line, 0,
                              "attribute '%s' is set here but no module reads it", name);
            else
                sim_diags_add(&d, SIM_SEV_WARNING, file, u[i].line, 0,
                              "attribute '%s' is read here but no module sets it", name);
        }
        for (size_t k = 0; k < sim_modset_count(l.ms); k++) {
            const sim_module *sub = sim_modset_get(l.ms, k);
            if (!sub->submodule) continue;
            int called = 0;
            for (size_t j = 0; j < sim_modset_count(l.ms) && !called; j++) {
                const sim_module *m = sim_modset_get(l.ms, j);
                for (int32_t s = 0; s < m->nstates && !called; s++)
                    called = m->states[s].type == SIM_ST_CALLSUBMODULE &&
                             m->states[s].submodule == sub->index;
            }
            int named = 0;
            for (size_t j = 0; j < nfiles; j++) named |= same_file(files[j], sub->path);
            if (!called && (named || !nfiles))
                sim_diags_add(&d, SIM_SEV_WARNING, sub->path, 1, 0,
                              "submodule '%s' is never called (no CallSubmodule names it)",
                              sub->key);
        }
    }
    /* what concerns the named files only */
    sim_diags shown;
    memset(&shown, 0, sizeof shown);
    for (size_t i = 0; i < d.n; i++) {
        const sim_diag *g = &d.v[i];
        int ours = !nfiles || !g->file || !g->file[0];
        for (size_t k = 0; k < nfiles && !ours; k++)
            ours = !strcmp(g->file, files[k]) || same_file(g->file, files[k]);
        if (ours) sim_diags_add(&shown, g->sev, g->file, g->line, g->column, "%s", g->msg);
    }
    sim_diags_sort(&shown);
    sim_diags_print(&shown, out);
    int rc = shown.nerrors ? 1 : 0;
    fprintf(stderr, "lint: %zu error%s, %zu warning%s\n", shown.nerrors,
            shown.nerrors == 1 ? "" : "s", shown.nwarnings, shown.nwarnings == 1 ? "" : "s");
    sim_diags_free(&shown);
    sim_diags_free(&d);
    loaded_free(&l);
    return rc;
}

/* ---- graph ---- */

static const char *op_text(int op)
{
    static const char *const ops[] = {"<", "<=", "==", ">=", ">", "!=", "is nil", "is not nil"};
    return op >= 0 && op < 8 ? ops[op] : "?";
}

static void cond_text(const sim_modset *ms, const sim_module *m, const sim_cond *c, sim_buf *b)
{
    char v[128];
    switch ((sim_cond_type)c->type) {
    case SIM_C_TRUE: sim_buf_puts(b, "true"); break;
    case SIM_C_FALSE: sim_buf_puts(b, "false"); break;
    case SIM_C_AND:
    case SIM_C_OR:
        sim_buf_putc(b, '(');
        for (int32_t i = 0; i < c->nkids; i++) {
            if (i) sim_buf_puts(b, c->type == SIM_C_AND ? " and " : " or ");
            cond_text(ms, m, &c->kids[i], b);
        }
        sim_buf_putc(b, ')');
        break;
    case SIM_C_NOT:
        sim_buf_puts(b, "not ");
        cond_text(ms, m, &c->kids[0], b);
        break;
    case SIM_C_AT_LEAST:
    case SIM_C_AT_MOST:
        sim_buf_printf(b, "at %s %d of (", c->type == SIM_C_AT_LEAST ? "least" : "most", c->count);
        for (int32_t i = 0; i < c->nkids; i++) {
            if (i) sim_buf_puts(b, ", ");
            cond_text(ms, m, &c->kids[i], b);
        }
        sim_buf_putc(b, ')');
        break;
    case SIM_C_GENDER: sim_buf_printf(b, "sex %c", c->sex); break;
    case SIM_C_AGE:
        sim_buf_printf(b, "age %s %g %s", op_text(c->op), c->quantity,
                       sim_unit_name((sim_unit)c->unit));
        break;
    case SIM_C_DATE: {
        char d[16];
        sim_time_date(c->date, d);
        sim_buf_printf(b, "date %s %s", op_text(c->op), c->date_part ? d : d);
        break;
    }
    case SIM_C_SES: sim_buf_printf(b, "ses %s", c->text ? c->text : "?"); break;
    case SIM_C_RACE: sim_buf_printf(b, "race %s", c->text ? c->text : "?"); break;
    case SIM_C_SYMPTOM:
        sim_buf_printf(b, "symptom %s %s %g", sim_modset_name(ms, SIM_NS_SYMPTOM, c->id),
                       op_text(c->op), c->quantity);
        break;
    case SIM_C_VITAL_SIGN:
        sim_buf_printf(b, "%s %s %g", sim_modset_name(ms, SIM_NS_VITAL, c->id), op_text(c->op),
                       c->quantity);
        break;
    case SIM_C_OBSERVATION:
        sim_buf_printf(b, "observation %s %s", c->codes.n ? c->codes.v[0].code : "?",
                       op_text(c->op));
        if (c->op < SIM_OP_IS_NIL) {
            sim_value_format(&c->value, v, sizeof v);
            sim_buf_printf(b, " %s", v);
        }
        break;
    case SIM_C_ACTIVE_CONDITION:
    case SIM_C_ACTIVE_MEDICATION:
    case SIM_C_ACTIVE_CAREPLAN:
    case SIM_C_ACTIVE_ALLERGY: {
        static const char *const what[] = {"condition", "medication", "care plan", "allergy"};
        sim_buf_printf(b, "active %s %s", what[c->type - SIM_C_ACTIVE_CONDITION],
                       c->codes.n ? c->codes.v[0].display
                       : c->ref_attr >= 0 ? sim_modset_name(ms, SIM_NS_ATTR, c->ref_attr)
                                          : "?");
        break;
    }
    case SIM_C_ATTRIBUTE:
        sim_buf_printf(b, "%s %s", sim_modset_name(ms, SIM_NS_ATTR, c->id), op_text(c->op));
        if (c->op < SIM_OP_IS_NIL) {
            sim_value_format(&c->value, v, sizeof v);
            sim_buf_printf(b, " %s", v);
        }
        break;
    case SIM_C_PRIOR_STATE:
        sim_buf_printf(b, "been in %s", c->id >= 0 && c->id < m->nstates ? m->states[c->id].name : "?");
        if (c->within) sim_buf_printf(b, " within %g days", (double)c->within / SIM_MS_DAY);
        break;
    case SIM_C_LUA: sim_buf_printf(b, "Lua function (line %d)", c->line); break;
    }
}

/* a DOT double-quoted string */
static void dq(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void state_style(int type, const char **shape, const char **fill)
{
    *shape = "box";
    *fill = "#ffffff";
    switch (type) {
    case SIM_ST_INITIAL: *shape = "circle"; *fill = "#d9ead3"; break;
    case SIM_ST_TERMINAL: *shape = "doublecircle"; *fill = "#d9d9d9"; break;
    case SIM_ST_DEATH: *shape = "octagon"; *fill = "#000000"; break;
    case SIM_ST_SIMPLE: *shape = "diamond"; *fill = "#ffffff"; break;
    case SIM_ST_GUARD: *shape = "hexagon"; *fill = "#fff2cc"; break;
    case SIM_ST_DELAY: *shape = "box"; *fill = "#fce5cd"; break;
    case SIM_ST_CALLSUBMODULE: *shape = "component"; *fill = "#d0e0e3"; break;
    case SIM_ST_ENCOUNTER:
    case SIM_ST_ENCOUNTEREND: *shape = "box"; *fill = "#cfe2f3"; break;
    case SIM_ST_CONDITIONONSET:
    case SIM_ST_CONDITIONEND:
    case SIM_ST_ALLERGYONSET:
    case SIM_ST_ALLERGYEND: *shape = "box"; *fill = "#f4cccc"; break;
    case SIM_ST_MEDICATIONORDER:
    case SIM_ST_MEDICATIONEND:
    case SIM_ST_IMMUNIZATION: *shape = "box"; *fill = "#d9d2e9"; break;
    case SIM_ST_SETATTRIBUTE:
    case SIM_ST_COUNTER: *shape = "note"; *fill = "#ffffff"; break;
    default: *shape = "box"; *fill = "#ead1dc"; break;
    }
}

static void edge(FILE *f, const sim_module *m, int32_t from, int32_t to, const char *label)
{
    if (to < 0 || to >= m->nstates) return;
    fprintf(f, "  ");
    dq(f, m->states[from].name);
    fprintf(f, " -> ");
    dq(f, m->states[to].name);
    if (label && *label) {
        fprintf(f, " [label=");
        dq(f, label);
        fprintf(f, "]");
    }
    fprintf(f, ";\n");
}

static void dopt_label(const sim_modset *ms, const sim_dopt *d, char *out, size_t n)
{
    if (d->attr >= 0)
        snprintf(out, n, "p = %s", sim_modset_name(ms, SIM_NS_ATTR, d->attr));
    else if (d->lua_ref >= 0 && d->lua_ref != -2 && d->p != d->p)
        snprintf(out, n, "p = Lua");
    else
        snprintf(out, n, "%.4g%%", 100.0 * d->p);
}

void sim_graph_module(const sim_modset *ms, const sim_module *m, FILE *f)
{
    fprintf(f, "digraph ");
    dq(f, m->name ? m->name : m->key);
    fprintf(f, " {\n  rankdir=TB;\n  node [style=filled, fontname=\"Helvetica\", fontsize=10];\n"
               "  edge [fontname=\"Helvetica\", fontsize=9];\n  label=");
    sim_buf lab = {0};
    sim_buf_printf(&lab, "%s (%s)", m->name ? m->name : m->key, m->path);
    dq(f, sim_buf_cstr(&lab));
    sim_buf_free(&lab);
    fprintf(f, ";\n");
    for (int32_t i = 0; i < m->nstates; i++) {
        const sim_state *st = &m->states[i];
        const char *shape, *fill;
        state_style(st->type, &shape, &fill);
        sim_buf label = {0};
        sim_buf_printf(&label, "%s\n%s", st->name, sim_state_type_name((sim_state_type)st->type));
        if (st->codes.n) sim_buf_printf(&label, "\n%s", st->codes.v[0].display);
        if (st->type == SIM_ST_CALLSUBMODULE && st->submodule_name)
            sim_buf_printf(&label, "\ncalls %s", st->submodule_name);
        if (st->type == SIM_ST_GUARD && st->allow) {
            sim_buf_puts(&label, "\nuntil ");
            cond_text(ms, m, st->allow, &label);
        }
        fprintf(f, "  ");
        dq(f, st->name);
        fprintf(f, " [shape=%s, fillcolor=\"%s\"%s, label=", shape, fill,
                st->type == SIM_ST_DEATH ? ", fontcolor=\"white\"" : "");
        dq(f, sim_buf_cstr(&label));
        fprintf(f, "];\n");
        sim_buf_free(&label);
    }
    char buf[1024];
    for (int32_t i = 0; i < m->nstates; i++) {
        const sim_transition *t = &m->states[i].tr;
        switch ((sim_trans_kind)t->kind) {
        case SIM_T_NONE: break;
        case SIM_T_DIRECT: edge(f, m, i, t->target, NULL); break;
        case SIM_T_DISTRIBUTED:
            for (int32_t k = 0; k < t->nd; k++) {
                dopt_label(ms, &t->d[k], buf, sizeof buf);
                edge(f, m, i, t->d[k].target, buf);
            }
            break;
        case SIM_T_CONDITIONAL:
            for (int32_t k = 0; k < t->nc; k++) {
                sim_buf b = {0};
                if (t->c[k].cond)
                    cond_text(ms, m, t->c[k].cond, &b);
                else
                    sim_buf_puts(&b, "otherwise");
                edge(f, m, i, t->c[k].target, sim_buf_cstr(&b));
                sim_buf_free(&b);
            }
            break;
        case SIM_T_COMPLEX:
            for (int32_t k = 0; k < t->nc; k++) {
                sim_buf b = {0};
                if (t->c[k].cond)
                    cond_text(ms, m, t->c[k].cond, &b);
                else
                    sim_buf_puts(&b, "otherwise");
                if (t->c[k].target >= 0) edge(f, m, i, t->c[k].target, sim_buf_cstr(&b));
                for (int32_t q = 0; q < t->c[k].ndist; q++) {
                    dopt_label(ms, &t->c[k].dist[q], buf, sizeof buf);
                    sim_buf lb = {0};
                    sim_buf_printf(&lb, "%s: %s", sim_buf_cstr(&b), buf);
                    edge(f, m, i, t->c[k].dist[q].target, sim_buf_cstr(&lb));
                    sim_buf_free(&lb);
                }
                sim_buf_free(&b);
            }
            break;
        case SIM_T_LOOKUP:
            for (int32_t k = 0; k < t->nd; k++) {
                snprintf(buf, sizeof buf, "table %s (default %.4g%%)",
                         t->lookup && t->lookup->file ? t->lookup->file : "?", 100.0 * t->d[k].p);
                edge(f, m, i, t->d[k].target, buf);
            }
            break;
        }
    }
    fprintf(f, "}\n");
}

sim_status sim_graph(const char *root, const char *file, FILE *out, sim_error *err)
{
    sim_diags d;
    memset(&d, 0, sizeof d);
    loaded l;
    sim_status st = load_named(root, &file, 1, &l, &d, err);
    if (st != SIM_OK) {
        rename_paths(&d, &l, &file, 1);
        sim_diags_sort(&d);
        sim_diags_print(&d, stderr);
        if (d.nerrors)
            sim_error_set(err, st, file, 0, 0, "%zu error%s (listed above): run lifesim lint",
                          d.nerrors, d.nerrors == 1 ? "" : "s");
        sim_diags_free(&d);
        loaded_free(&l);
        return st;
    }
    sim_diags_free(&d);
    int32_t mi = sim_modset_find(l.ms, l.keys[0]);
    if (mi < 0) {
        loaded_free(&l);
        return sim_error_set(err, SIM_EINVAL, file, 0, 0, "no module '%s' loaded", l.keys[0]);
    }
    sim_graph_module(l.ms, sim_modset_get(l.ms, (size_t)mi), out);
    loaded_free(&l);
    return SIM_OK;
}

/* ---- trace ---- */

typedef struct tctx {
    FILE *out;
    const sim_modset *ms;
    int32_t focus; /* the module (its submodules count too) */
    const char *focus_key;
    uint64_t shown;
} tctx;

static int in_focus(const tctx *t, const sim_module *m)
{
    if (!m) return 0;
    if (m->index == t->focus) return 1;
    /* its submodules: "<key>/..." */
    size_t n = strlen(t->focus_key);
    return !strncmp(m->key, t->focus_key, n) && m->key[n] == '/';
}

static void on_trace(void *ctx, const sim_trace_event *ev)
{
    tctx *t = ctx;
    if (ev->kind != SIM_TRACE_DEATH && !in_focus(t, ev->module)) return;
    char when[32];
    sim_time_iso(ev->time, when);
    switch (ev->kind) {
    case SIM_TRACE_STATE:
    {
        const char *name = ev->state ? ev->state->name : "?";
        int extra = ev->detail[0] && strcmp(ev->detail, name);
        fprintf(t->out, "%s  %-28s %s%s%s\n", when, name,
                ev->state ? sim_state_type_name((sim_state_type)ev->state->type) : "",
                extra ? "  " : "", extra ? ev->detail : "");
    }
        break;
    case SIM_TRACE_ATTR:
        fprintf(t->out, "%s  %-28s   sets %s\n", when, "", ev->detail);
        break;
    case SIM_TRACE_RECORD:
        fprintf(t->out, "%s  %-28s   %s\n", when, "", ev->detail);
        break;
    case SIM_TRACE_DEATH: fprintf(t->out, "%s  death: %s\n", when, ev->detail); break;
    }
    t->shown++;
}

sim_status sim_trace(const char *root, const char *file, uint64_t seed, uint64_t patient,
                     FILE *out, sim_error *err)
{
    sim_diags d;
    memset(&d, 0, sizeof d);
    loaded l;
    sim_lifetable *lt = NULL;
    sim_population *pop = NULL;
    sim_engine *e = NULL;
    sim_patient *p = NULL;
    sim_status st = load_named(root, &file, 1, &l, &d, err);
    if (st != SIM_OK) {
        rename_paths(&d, &l, &file, 1);
        sim_diags_sort(&d);
        sim_diags_print(&d, stderr);
        if (d.nerrors)
            sim_error_set(err, st, file, 0, 0, "%zu error%s (listed above): run lifesim lint",
                          d.nerrors, d.nerrors == 1 ? "" : "s");
        goto done;
    }
    int32_t mi = sim_modset_find(l.ms, l.keys[0]);
    if (mi < 0) {
        st = sim_error_set(err, SIM_EINVAL, file, 0, 0, "no module '%s' loaded", l.keys[0]);
        goto done;
    }
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/modules/data/lifetable_us.csv", root);
    if ((st = sim_lifetable_load(path, &lt, err)) != SIM_OK) goto done;
    sim_pop_opts po;
    memset(&po, 0, sizeof po);
    if ((st = sim_population_load(root, &po, lt, &pop, err)) != SIM_OK) goto done;
    tctx t;
    memset(&t, 0, sizeof t);
    t.out = out;
    t.ms = l.ms;
    const sim_module *m = sim_modset_get(l.ms, (size_t)mi);
    t.focus = m->index;
    t.focus_key = m->key;
    sim_engine_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.lifetable = lt;
    eo.seed = seed;
    eo.trace = on_trace;
    eo.trace_ctx = &t;
    e = sim_engine_new(l.ms, &eo);
    p = sim_patient_new();
    if (!e || !p) {
        st = sim_error_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    /* the same patient lifesim run would simulate in that slot (first attempt) */
    sim_time ref = sim_time_from_ymd(2025, 1, 1);
    p->slot = patient;
    p->attempt = 0;
    p->key = sim_rng_patient_key(sim_rng_run_key(seed), patient, 0);
    p->end = ref;
    sim_population_sample(pop, p, ref);
    char born[16];
    sim_time_date(p->birth, born);
    fprintf(out, "module %s (%s), patient %llu of seed %llu: %s %s, %c, born %s\n", m->key, m->path,
            (unsigned long long)patient, (unsigned long long)seed, p->who.first, p->who.last,
            p->who.sex, born);
    if ((st = sim_engine_run(e, p, err)) != SIM_OK) goto done;
    char end[16];
    sim_time_date(p->death != SIM_NEVER ? p->death : p->end, end);
    fprintf(out, "%s at %s: %llu events in the module\n", p->death != SIM_NEVER ? "died" : "alive",
            end, (unsigned long long)t.shown);
done:
    sim_diags_free(&d);
    sim_patient_free(p);
    sim_engine_free(e);
    sim_population_free(pop);
    sim_lifetable_free(lt);
    loaded_free(&l);
    return st;
}
