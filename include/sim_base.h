/* sim_base.h — status codes, error reports, diagnostics, byte buffers, vectors and arenas.
 *
 * Every subsystem reports failure through a sim_status and, where there is a place to name, a
 * sim_error carrying file, line, column and a message written for the person who has to fix it.
 * Problems found in bulk (a module or scenario with several mistakes) go to a sim_diags list so
 * that all of them are shown at once. Nothing here keeps global state.
 */
#ifndef SIM_BASE_H
#define SIM_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#define SIM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SIM_PRINTF(a, b)
#endif

typedef enum sim_status {
    SIM_OK = 0,
    SIM_ENOMEM,  /* an allocation failed */
    SIM_EIO,     /* reading or writing a file failed */
    SIM_EPARSE,  /* a file is not well formed (YAML, CSV, JSON, Lua syntax) */
    SIM_EMODULE, /* a module is invalid or failed at run time */
    SIM_ELIMIT,  /* a sandbox limit was hit: instructions, memory, retries */
    SIM_EINVAL,  /* a value is out of range or of the wrong kind */
    SIM_EINTR,   /* the run was interrupted (SIGINT, SIGTERM) */
    SIM_ECHECK   /* a coherence rule was violated */
} sim_status;

/* A located error. `file` is empty when there is no file to name; line and column are 1-based,
 * 0 when unknown. */
typedef struct sim_error {
    sim_status code;
    char file[512];
    int line;
    int column;
    char msg[2048];
} sim_error;

/* A place in a file (1-based; 0 when unknown), e.g. where a scenario names a module. */
typedef struct sim_pos {
    int line, column;
} sim_pos;

const char *sim_status_name(sim_status code);
void sim_error_clear(sim_error *err);
/* Fills `err` (which may be NULL) and returns `code`, so that callers can write
 * `return sim_error_set(err, SIM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));` */
sim_status sim_error_set(sim_error *err, sim_status code, const char *file, int line, int column,
                         const char *fmt, ...) SIM_PRINTF(6, 7);
sim_status sim_error_setv(sim_error *err, sim_status code, const char *file, int line, int column,
                          const char *fmt, va_list ap) SIM_PRINTF(6, 0);
/* Formats "file:line:column: message" (parts that are unknown are left out) into out. */
void sim_error_format(const sim_error *err, char *out, size_t outsz);

/* ---- diagnostics: many located problems at once ---- */
typedef enum sim_severity { SIM_SEV_ERROR = 0, SIM_SEV_WARNING = 1 } sim_severity;

typedef struct sim_diag {
    sim_severity sev;
    char *file;
    int line;
    int column;
    char *msg;
} sim_diag;

typedef struct sim_diags {
    sim_diag *v;
    size_t n, cap;
    size_t nerrors, nwarnings;
} sim_diags;

void sim_diags_add(sim_diags *d, sim_severity sev, const char *file, int line, int column,
                   const char *fmt, ...) SIM_PRINTF(6, 7);
void sim_diags_addv(sim_diags *d, sim_severity sev, const char *file, int line, int column,
                    const char *fmt, va_list ap) SIM_PRINTF(6, 0);
/* Stable sort by file, then line, then column. */
void sim_diags_sort(sim_diags *d);
/* Prints "file:line:column: error: msg", one per line. */
void sim_diags_print(const sim_diags *d, FILE *out);
void sim_diags_free(sim_diags *d);

/* ---- byte buffer. Appends never fail loudly: on allocation failure `oom` is set and later
 * appends are ignored; the owner checks `oom` once when done. ---- */
typedef struct sim_buf {
    char *data;
    size_t len, cap;
    int oom;
} sim_buf;

void sim_buf_reserve(sim_buf *b, size_t extra);
void sim_buf_append(sim_buf *b, const void *p, size_t n);
void sim_buf_puts(sim_buf *b, const char *s);
void sim_buf_putc(sim_buf *b, char c);
void sim_buf_printf(sim_buf *b, const char *fmt, ...) SIM_PRINTF(2, 3);
/* Appends a double in the shortest form that reads back exactly (like %.17g, but shorter
 * where possible): deterministic across runs. */
void sim_buf_put_double(sim_buf *b, double v);
/* Appends a double with a fixed number of decimals. */
void sim_buf_put_fixed(sim_buf *b, double v, int decimals);
void sim_buf_put_i64(sim_buf *b, int64_t v);
/* Returns a NUL-terminated view (the terminator is not counted in len). */
const char *sim_buf_cstr(sim_buf *b);
void sim_buf_reset(sim_buf *b);
void sim_buf_free(sim_buf *b);

/* ---- growable arrays ----
 * SIM_VEC(T) declares {T *v; size_t n, cap;}. sim_vec_add(vec) returns a pointer to a new
 * zeroed element or NULL when memory runs out. */
#define SIM_VEC(T)                                                                                 \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, cap;                                                                             \
    }
int sim_vec_grow_(void **v, size_t *cap, size_t need, size_t elem);
void *sim_vec_add_(void **v, size_t *n, size_t *cap, size_t elem);
#define sim_vec_add(vec) sim_vec_add_((void **)&(vec)->v, &(vec)->n, &(vec)->cap, sizeof *(vec)->v)
#define sim_vec_reserve(vec, need)                                                                 \
    sim_vec_grow_((void **)&(vec)->v, &(vec)->cap, (need), sizeof *(vec)->v)
#define sim_vec_free(vec)                                                                          \
    do {                                                                                           \
        free((vec)->v);                                                                            \
        (vec)->v = NULL;                                                                           \
        (vec)->n = (vec)->cap = 0;                                                                 \
    } while (0)

/* ---- arena: bump allocation, freed all at once ---- */
typedef struct sim_arena sim_arena;

/* Returns a new arena whose chunks are at least `chunk` bytes, or NULL. */
sim_arena *sim_arena_new(size_t chunk);
/* Returns `n` bytes aligned to 16, or NULL when memory runs out. */
void *sim_arena_alloc(sim_arena *a, size_t n);
/* Copies s (NULL gives NULL) into the arena. */
char *sim_arena_strdup(sim_arena *a, const char *s);
char *sim_arena_strndup(sim_arena *a, const char *s, size_t n);
char *sim_arena_printf(sim_arena *a, const char *fmt, ...) SIM_PRINTF(2, 3);
/* Forgets every allocation but keeps the first chunk for reuse. */
void sim_arena_reset(sim_arena *a);
/* Bytes currently held from the system. */
size_t sim_arena_footprint(const sim_arena *a);
void sim_arena_free(sim_arena *a);

/* ---- string map: interns strings to dense ids 0, 1, 2... in insertion order ---- */
typedef struct sim_strmap {
    char **names; /* id -> name */
    size_t n, cap;
    int32_t *slots; /* open addressing: id + 1, 0 empty */
    size_t nslots;
} sim_strmap;

/* Returns the id of s, adding it when `add` (copying s); -1 when absent or out of memory. */
int32_t sim_strmap_intern(sim_strmap *m, const char *s, int add);
void sim_strmap_free(sim_strmap *m);

/* ---- small helpers ---- */
char *sim_strdup(const char *s);
/* Reads a whole file; returns SIM_OK and a malloc'd NUL-terminated buffer, or an error naming
 * the path. */
sim_status sim_read_file(const char *path, char **out, size_t *len, sim_error *err);
/* Damerau-free Levenshtein distance, capped: used for "did you mean". */
int sim_edit_distance(const char *a, const char *b);
/* Returns the candidate closest to `word` within a plausible distance, or NULL. */
const char *sim_did_you_mean(const char *word, const char *const *candidates, size_t n);

#endif
