/* base.c — errors, diagnostics, byte buffers, vectors and arenas (see include/sim_base.h).
 *
 * Everything here is reentrant: no static mutable state. Allocation failures are reported
 * to the caller, never by aborting.
 */
#include "sim_base.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *sim_status_name(sim_status code)
{
    switch (code) {
    case SIM_OK: return "ok";
    case SIM_ENOMEM: return "out of memory";
    case SIM_EIO: return "input/output error";
    case SIM_EPARSE: return "parse error";
    case SIM_EMODULE: return "module error";
    case SIM_ELIMIT: return "limit exceeded";
    case SIM_EINVAL: return "invalid value";
    case SIM_EINTR: return "interrupted";
    case SIM_ECHECK: return "coherence violation";
    }
    return "unknown error";
}

void sim_error_clear(sim_error *err)
{
    if (!err) return;
    /* the text buffers are read only up to their terminator: no need to clear 2.5 KB (this runs
     * before every Lua call) */
    err->code = SIM_OK;
    err->file[0] = err->msg[0] = '\0';
    err->line = err->column = 0;
}

sim_status sim_error_setv(sim_error *err, sim_status code, const char *file, int line, int column,
                          const char *fmt, va_list ap)
{
    if (!err) return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

sim_status sim_error_set(sim_error *err, sim_status code, const char *file, int line, int column,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_error_setv(err, code, file, line, column, fmt, ap);
    va_end(ap);
    return code;
}

void sim_error_format(const sim_error *err, char *out, size_t outsz)
{
    if (!outsz) return;
    if (err->file[0] && err->line > 0 && err->column > 0)
        snprintf(out, outsz, "%s:%d:%d: %s", err->file, err->line, err->column, err->msg);
    else if (err->file[0] && err->line > 0)
        snprintf(out, outsz, "%s:%d: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(out, outsz, "%s: %s", err->file, err->msg);
    else
        snprintf(out, outsz, "%s", err->msg);
}

/* ---- diagnostics ---- */

void sim_diags_addv(sim_diags *d, sim_severity sev, const char *file, int line, int column,
                    const char *fmt, va_list ap)
{
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 16;
        sim_diag *nv = realloc(d->v, ncap * sizeof *nv);
        if (!nv) return; /* diagnostics are best effort under memory exhaustion */
        d->v = nv;
        d->cap = ncap;
    }
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    sim_diag *g = &d->v[d->n];
    g->sev = sev;
    g->file = sim_strdup(file ? file : "");
    g->line = line;
    g->column = column;
    g->msg = sim_strdup(msg);
    if (!g->file || !g->msg) {
        free(g->file);
        free(g->msg);
        return;
    }
    d->n++;
    if (sev == SIM_SEV_ERROR)
        d->nerrors++;
    else
        d->nwarnings++;
}

void sim_diags_add(sim_diags *d, sim_severity sev, const char *file, int line, int column,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_diags_addv(d, sev, file, line, column, fmt, ap);
    va_end(ap);
}

static int diag_cmp(const sim_diag *a, const sim_diag *b)
{
    int c = strcmp(a->file, b->file);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->column != b->column) return a->column < b->column ? -1 : 1;
    return 0;
}

void sim_diags_sort(sim_diags *d)
{
    /* insertion sort: stable, and lists are short */
    for (size_t i = 1; i < d->n; i++) {
        sim_diag t = d->v[i];
        size_t j = i;
        while (j > 0 && diag_cmp(&d->v[j - 1], &t) > 0) {
            d->v[j] = d->v[j - 1];
            j--;
        }
        d->v[j] = t;
    }
}

void sim_diags_print(const sim_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++) {
        const sim_diag *g = &d->v[i];
        const char *sev = g->sev == SIM_SEV_ERROR ? "error" : "warning";
        if (g->file[0] && g->line > 0 && g->column > 0)
            fprintf(out, "%s:%d:%d: %s: %s\n", g->file, g->line, g->column, sev, g->msg);
        else if (g->file[0] && g->line > 0)
            fprintf(out, "%s:%d: %s: %s\n", g->file, g->line, sev, g->msg);
        else if (g->file[0])
            fprintf(out, "%s: %s: %s\n", g->file, sev, g->msg);
        else
            fprintf(out, "%s: %s\n", sev, g->msg);
    }
}

void sim_diags_free(sim_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    memset(d, 0, sizeof *d);
}

/* ---- byte buffer ---- */

void sim_buf_reserve(sim_buf *b, size_t extra)
{
    if (b->oom) return;
    if (b->len + extra + 1 <= b->cap) return;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1) {
        if (ncap > SIZE_MAX / 2) {
            b->oom = 1;
            return;
        }
        ncap *= 2;
    }
    char *nd = realloc(b->data, ncap);
    if (!nd) {
        b->oom = 1;
        return;
    }
    b->data = nd;
    b->cap = ncap;
}

void sim_buf_append(sim_buf *b, const void *p, size_t n)
{
    sim_buf_reserve(b, n);
    if (b->oom) return;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sim_buf_puts(sim_buf *b, const char *s)
{
    sim_buf_append(b, s, strlen(s));
}

void sim_buf_putc(sim_buf *b, char c)
{
    if (b->len + 2 > b->cap) sim_buf_reserve(b, 1);
    if (b->oom) return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void sim_buf_printf(sim_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof small) {
        sim_buf_append(b, small, (size_t)n);
    } else {
        sim_buf_reserve(b, (size_t)n);
        if (!b->oom) {
            vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
            b->len += (size_t)n;
        }
    }
    va_end(ap2);
}

void sim_buf_put_double(sim_buf *b, double v)
{
    char tmp[40];
    if (!isfinite(v)) {
        sim_buf_puts(b, isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
        return;
    }
    if (v == 0) v = 0; /* no "-0" */
    /* shortest of %.15g, %.16g, %.17g that reads back exactly */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    sim_buf_puts(b, tmp);
}

void sim_buf_put_fixed(sim_buf *b, double v, int decimals)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    /* "-0.00" reads as a negative zero to some tools: print it unsigned */
    if (tmp[0] == '-') {
        int allzero = 1;
        for (int i = 1; i < n; i++)
            if (tmp[i] != '0' && tmp[i] != '.') allzero = 0;
        if (allzero) {
            sim_buf_append(b, tmp + 1, (size_t)n - 1);
            return;
        }
    }
    sim_buf_append(b, tmp, (size_t)n);
}

void sim_buf_put_i64(sim_buf *b, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    sim_buf_append(b, tmp, (size_t)n);
}

const char *sim_buf_cstr(sim_buf *b)
{
    if (!b->data) {
        sim_buf_reserve(b, 0);
        if (b->oom) return "";
        b->data[0] = '\0';
    }
    return b->data;
}

void sim_buf_reset(sim_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void sim_buf_free(sim_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- vectors ---- */

int sim_vec_grow_(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) ncap *= 2;
    if (ncap > SIZE_MAX / elem) return -1;
    void *nv = realloc(*v, ncap * elem);
    if (!nv) return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

void *sim_vec_add_(void **v, size_t *n, size_t *cap, size_t elem)
{
    if (*n == *cap && sim_vec_grow_(v, cap, *n + 1, elem) != 0) return NULL;
    char *p = (char *)*v + (*n) * elem;
    memset(p, 0, elem);
    (*n)++;
    return p;
}

/* ---- arena ---- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    max_align_t align_; /* data follows, aligned */
} arena_chunk;

struct sim_arena {
    arena_chunk *head;  /* current chunk (most recent) */
    arena_chunk *first; /* the chunk kept across resets */
    size_t chunk;
    size_t footprint;
};

static arena_chunk *chunk_new(size_t size)
{
    arena_chunk *c = malloc(sizeof *c + size);
    if (!c) return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

static char *chunk_data(arena_chunk *c)
{
    return (char *)(c + 1);
}

sim_arena *sim_arena_new(size_t chunk)
{
    sim_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->chunk = chunk < 1024 ? 1024 : chunk;
    a->first = a->head = chunk_new(a->chunk);
    if (!a->first) {
        free(a);
        return NULL;
    }
    a->footprint = a->chunk;
    return a;
}

void *sim_arena_alloc(sim_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (a->head->used + n > a->head->size) {
        size_t size = n > a->chunk ? n : a->chunk;
        arena_chunk *c = chunk_new(size);
        if (!c) return NULL;
        c->next = a->head;
        a->head = c;
        a->footprint += size;
    }
    void *p = chunk_data(a->head) + a->head->used;
    a->head->used += n;
    return p;
}

char *sim_arena_strndup(sim_arena *a, const char *s, size_t n)
{
    if (!s) return NULL;
    char *p = sim_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sim_arena_strdup(sim_arena *a, const char *s)
{
    return s ? sim_arena_strndup(a, s, strlen(s)) : NULL;
}

char *sim_arena_printf(sim_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = n >= 0 ? sim_arena_alloc(a, (size_t)n + 1) : NULL;
    if (p) vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void sim_arena_reset(sim_arena *a)
{
    arena_chunk *c = a->head;
    while (c && c != a->first) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = a->first;
    a->first->used = 0;
    a->footprint = a->first->size;
}

size_t sim_arena_footprint(const sim_arena *a)
{
    return a ? a->footprint : 0;
}

void sim_arena_free(sim_arena *a)
{
    if (!a) return;
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

/* ---- string map ---- */

static uint64_t strmap_hash(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h ^ (h >> 29);
}

static int strmap_rehash(sim_strmap *m, size_t nslots)
{
    int32_t *ns = calloc(nslots, sizeof *ns);
    if (!ns) return -1;
    for (size_t id = 0; id < m->n; id++) {
        size_t j = strmap_hash(m->names[id]) & (nslots - 1);
        while (ns[j]) j = (j + 1) & (nslots - 1);
        ns[j] = (int32_t)id + 1;
    }
    free(m->slots);
    m->slots = ns;
    m->nslots = nslots;
    return 0;
}

int32_t sim_strmap_intern(sim_strmap *m, const char *s, int add)
{
    if (m->nslots) {
        size_t j = strmap_hash(s) & (m->nslots - 1);
        while (m->slots[j]) {
            int32_t id = m->slots[j] - 1;
            if (strcmp(m->names[id], s) == 0) return id;
            j = (j + 1) & (m->nslots - 1);
        }
    }
    if (!add) return -1;
    if ((m->n + 1) * 2 > m->nslots && strmap_rehash(m, m->nslots ? m->nslots * 2 : 64) != 0)
        return -1;
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 32;
        char **nn = realloc(m->names, ncap * sizeof *nn);
        if (!nn) return -1;
        m->names = nn;
        m->cap = ncap;
    }
    char *copy = sim_strdup(s);
    if (!copy) return -1;
    int32_t id = (int32_t)m->n;
    m->names[m->n++] = copy;
    size_t j = strmap_hash(s) & (m->nslots - 1);
    while (m->slots[j]) j = (j + 1) & (m->nslots - 1);
    m->slots[j] = id + 1;
    return id;
}

void sim_strmap_free(sim_strmap *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->names[i]);
    free(m->names);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* ---- helpers ---- */

char *sim_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

sim_status sim_read_file(const char *path, char **out, size_t *len, sim_error *err)
{
    *out = NULL;
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return sim_error_set(err, SIM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    sim_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sim_buf_append(&b, chunk, n);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        sim_buf_free(&b);
        return sim_error_set(err, SIM_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
    }
    if (b.oom) {
        sim_buf_free(&b);
        return sim_error_set(err, SIM_ENOMEM, path, 0, 0, "out of memory reading the file");
    }
    sim_buf_cstr(&b);
    if (b.oom) {
        sim_buf_free(&b);
        return sim_error_set(err, SIM_ENOMEM, path, 0, 0, "out of memory reading the file");
    }
    *out = b.data;
    if (len) *len = b.len;
    return SIM_OK;
}

int sim_edit_distance(const char *a, const char *b)
{
    /* optimal string alignment: insertions, deletions, substitutions and transpositions of
     * adjacent characters each cost 1 ("Wiat" is one step from "Wait"); case-insensitive */
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 64;
    int d[64][64];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            char ca = a[i - 1], cb = b[j - 1];
            if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
            if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
            int cost = ca == cb ? 0 : 1;
            int v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (i > 1 && j > 1) {
                char pa = a[i - 2], pb = b[j - 2];
                if (pa >= 'A' && pa <= 'Z') pa = (char)(pa - 'A' + 'a');
                if (pb >= 'A' && pb <= 'Z') pb = (char)(pb - 'A' + 'a');
                if (ca == pb && pa == cb && d[i - 2][j - 2] + 1 < v) v = d[i - 2][j - 2] + 1;
            }
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

const char *sim_did_you_mean(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    int bestd = 1 << 20;
    size_t wl = strlen(word);
    for (size_t i = 0; i < n; i++) {
        int d = sim_edit_distance(word, candidates[i]);
        if (d < bestd) {
            bestd = d;
            best = candidates[i];
        }
    }
    /* plausible: at most a third of the word's length, and at least 1 */
    int limit = (int)(wl / 3);
    if (limit < 1) limit = 1;
    if (limit > 4) limit = 4;
    return best && bestd <= limit ? best : NULL;
}
