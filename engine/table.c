/* table.c — CSV data tables read with libcsv, and CSV field quoting (see include/sim_table.h). */
#include "sim_table.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct parse_ctx {
    sim_table *t;
    SIM_VEC(char *) fields; /* fields of the row being read */
    SIM_VEC(char *) cells;
    SIM_VEC(int) lines;
    int line;      /* current line being fed */
    int row_start; /* line where the current row started */
    int oom;
    int width_error; /* first row whose width differs from the header */
    int width_error_n;
} parse_ctx;

static void on_field(void *s, size_t len, void *data)
{
    parse_ctx *c = data;
    if (c->oom) return;
    char *f = malloc(len + 1);
    char **slot = f ? sim_vec_add(&c->fields) : NULL;
    if (!slot) {
        free(f);
        c->oom = 1;
        return;
    }
    if (len) memcpy(f, s, len);
    f[len] = '\0';
    *slot = f;
}

static void on_row(int term, void *data)
{
    (void)term;
    parse_ctx *c = data;
    sim_table *t = c->t;
    if (c->oom) goto clear;
    if (!t->header) {
        t->ncols = c->fields.n;
        t->header = c->fields.v;
        c->fields.v = NULL;
        c->fields.n = c->fields.cap = 0;
        c->row_start = c->line + 1;
        return;
    }
    if (c->fields.n != t->ncols && !c->width_error) {
        c->width_error = c->row_start;
        c->width_error_n = (int)c->fields.n;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        char **slot = sim_vec_add(&c->cells);
        if (!slot) {
            c->oom = 1;
            goto clear;
        }
        if (i < c->fields.n) {
            *slot = c->fields.v[i];
            c->fields.v[i] = NULL;
        } else {
            *slot = sim_strdup("");
            if (!*slot) c->oom = 1;
        }
    }
    int *ln = sim_vec_add(&c->lines);
    if (!ln)
        c->oom = 1;
    else
        *ln = c->row_start;
clear:
    for (size_t i = 0; i < c->fields.n; i++) free(c->fields.v[i]);
    c->fields.n = 0;
    c->row_start = c->line + 1;
}

void sim_table_free(sim_table *t)
{
    if (!t) return;
    if (t->header)
        for (size_t i = 0; i < t->ncols; i++) free(t->header[i]);
    if (t->cells)
        for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i]);
    free(t->header);
    free(t->cells);
    free(t->lines);
    free(t->path);
    free(t->comments);
    free(t);
}

sim_status sim_table_parse(const char *text, size_t len, const char *path, sim_table **out,
                           sim_error *err)
{
    sim_status st = SIM_OK;
    struct csv_parser p;
    parse_ctx c;
    memset(&c, 0, sizeof c);
    *out = NULL;
    sim_table *t = calloc(1, sizeof *t);
    if (!t || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(t);
        return sim_error_set(err, SIM_ENOMEM, path, 0, 0, "out of memory");
    }
    c.t = t;
    t->path = sim_strdup(path);
    sim_buf comments = {0};

    /* leading comment lines */
    size_t pos = 0;
    int line = 1;
    while (pos < len && text[pos] == '#') {
        size_t e = pos;
        while (e < len && text[e] != '\n') e++;
        size_t s = pos + 1;
        if (s < e && text[s] == ' ') s++;
        size_t ee = e;
        if (ee > s && text[ee - 1] == '\r') ee--;
        if (comments.len) sim_buf_putc(&comments, '\n');
        sim_buf_append(&comments, text + s, ee - s);
        pos = e < len ? e + 1 : e;
        line++;
    }
    t->comments = comments.data ? comments.data : sim_strdup("");
    c.row_start = line;
    /* feed line by line so that rows know their line numbers */
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n') e++;
        if (e < len) e++;
        c.line = line;
        if (csv_parse(&p, text + pos, e - pos, on_field, on_row, &c) != e - pos) {
            st = sim_error_set(err, SIM_EPARSE, path, line, 0, "malformed CSV: %s",
                               csv_strerror(csv_error(&p)));
            goto done;
        }
        pos = e;
        line++;
    }
    c.line = line - 1;
    if (csv_fini(&p, on_field, on_row, &c) != 0) {
        st = sim_error_set(err, SIM_EPARSE, path, line - 1, 0, "malformed CSV: %s",
                           csv_strerror(csv_error(&p)));
        goto done;
    }
    if (c.oom || !t->path || !t->comments) {
        st = sim_error_set(err, SIM_ENOMEM, path, 0, 0, "out of memory reading the table");
        goto done;
    }
    if (!t->header) {
        st = sim_error_set(err, SIM_EPARSE, path, line - 1, 0,
                           "the table is empty: it needs a header row naming its columns");
        goto done;
    }
    if (c.width_error) {
        st = sim_error_set(err, SIM_EPARSE, path, c.width_error, 0,
                           "row has %d fields but the header has %zu", c.width_error_n, t->ncols);
        goto done;
    }
    t->cells = c.cells.v;
    t->nrows = c.cells.n / (t->ncols ? t->ncols : 1);
    c.cells.v = NULL;
    c.cells.n = 0;
    t->lines = c.lines.v;
    c.lines.v = NULL;
    *out = t;
    t = NULL;
done:
    csv_free(&p);
    for (size_t i = 0; i < c.fields.n; i++) free(c.fields.v[i]);
    free(c.fields.v);
    for (size_t i = 0; i < c.cells.n; i++) free(c.cells.v[i]);
    free(c.cells.v);
    free(c.lines.v);
    sim_table_free(t);
    return st;
}

sim_status sim_table_load(const char *path, sim_table **out, sim_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    sim_status st = sim_read_file(path, &text, &len, err);
    if (st != SIM_OK) return st;
    st = sim_table_parse(text, len, path, out, err);
    free(text);
    return st;
}

int sim_table_col(const sim_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->header[i], name) == 0) return (int)i;
    return -1;
}

sim_status sim_table_require_col(const sim_table *t, const char *name, int *col, sim_error *err)
{
    *col = sim_table_col(t, name);
    if (*col >= 0) return SIM_OK;
    char have[512] = "";
    size_t off = 0;
    for (size_t i = 0; i < t->ncols && off < sizeof have - 2; i++)
        off += (size_t)snprintf(have + off, sizeof have - off, "%s%s", i ? ", " : "", t->header[i]);
    return sim_error_set(err, SIM_EPARSE, t->path, t->lines && t->nrows ? t->lines[0] - 1 : 1, 0,
                         "the table has no column '%s' (its columns: %s)", name, have);
}

const char *sim_table_cell(const sim_table *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

sim_status sim_table_number(const sim_table *t, size_t row, size_t col, double *out, sim_error *err)
{
    const char *s = sim_table_cell(t, row, col);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ') end++;
    if (!*s || *end || errno == ERANGE || !isfinite(v))
        return sim_error_set(err, SIM_EPARSE, t->path, t->lines[row], 0,
                             "column '%s': \"%s\" is not a number", t->header[col], s);
    *out = v;
    return SIM_OK;
}

sim_status sim_table_age_range(const sim_table *t, size_t row, size_t col, int *lo, int *hi,
                               sim_error *err)
{
    const char *s = sim_table_cell(t, row, col);
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || a < 0 || a > 200) goto bad;
    if (*end == '\0') {
        *lo = *hi = (int)a;
        return SIM_OK;
    }
    if (end[0] == '+' && end[1] == '\0') {
        *lo = (int)a;
        *hi = -1;
        return SIM_OK;
    }
    if (*end == '-') {
        const char *s2 = end + 1;
        long b = strtol(s2, &end, 10);
        if (end == s2 || *end || b < a || b > 200) goto bad;
        *lo = (int)a;
        *hi = (int)b;
        return SIM_OK;
    }
bad:
    return sim_error_set(err, SIM_EPARSE, t->path, t->lines[row], 0,
                         "column '%s': \"%s\" is not an age or age range (write 42, 40-49 or 85+)",
                         t->header[col], s);
}

void sim_csv_field(sim_buf *b, const char *s)
{
    if (!s) return;
    size_t n = strcspn(s, ",\"\r\n");
    size_t len = n + strlen(s + n);
    if (s[n] == '\0') {
        sim_buf_append(b, s, len);
        return;
    }
    /* worst case every byte is a quote: 2n + 2 */
    sim_buf_reserve(b, 2 * len + 3);
    if (b->oom) return;
    size_t w = csv_write(b->data + b->len, b->cap - b->len, s, len);
    b->len += w;
    b->data[b->len] = '\0';
}

void sim_table_citation(const char *comments, sim_buf *out)
{
    const char *p = comments ? comments : "";
    size_t start = out->len;
    for (int line = 0; line < 3 && *p; line++) {
        size_t n = strcspn(p, "\n");
        size_t a = 0, b = n;
        while (a < b && (p[a] == ' ' || p[a] == '\t')) a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t')) b--;
        if (out->len > start && b > a) sim_buf_putc(out, ' ');
        sim_buf_append(out, p + a, b - a);
        char last = b > a ? p[b - 1] : 0;
        p += n;
        if (*p) p++;
        /* the sentence goes on when the line ends in a comma or the next starts in lower case */
        const char *q = p;
        while (*q == ' ' || *q == '\t') q++;
        if (last != ',' && !(*q >= 'a' && *q <= 'z')) break;
    }
    if (out->len == start) sim_buf_puts(out, "(no source line)");
}

sim_status sim_table_load_data(const char *root, const char *name, sim_buf *sources,
                               sim_table **out, sim_error *err)
{
    char path[2048], shown[256];
    snprintf(shown, sizeof shown, "modules/data/%s", name);
    snprintf(path, sizeof path, "%s/%s", root, shown);
    char *text;
    size_t len;
    sim_status st = sim_read_file(path, &text, &len, err);
    if (st != SIM_OK) {
        snprintf(err->file, sizeof err->file, "%s", shown);
        return st;
    }
    st = sim_table_parse(text, len, shown, out, err);
    free(text);
    if (st != SIM_OK) return st;
    if (!(*out)->nrows) return sim_error_set(err, SIM_EPARSE, shown, 0, 0, "the table has no rows");
    if (sources) {
        sim_buf_printf(sources, "- %s: ", shown);
        sim_table_citation((*out)->comments, sources);
        sim_buf_putc(sources, '\n');
    }
    return SIM_OK;
}
