/* srcmap.c — key paths to source lines for Lua and JSON module files (see include/sim_srcmap.h).
 *
 * The Lua side is a tokenizer, not a parser: it tracks table constructors, the bracket depth and
 * the block depth (function/do/then/repeat ... end/until/elseif) inside each constructor, which is
 * enough to tell a field separator from a comma inside an expression.
 */
#include "sim_srcmap.h"

#include "sim_base.h"
#include "sim_rng.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *path;
    int line;
    int dup_line; /* a later definition of the same path, or 0 */
} entry;

struct sim_srcmap {
    entry *slots;
    size_t cap, n;
};

static int map_put(sim_srcmap *m, const char *path, int line);

static int map_grow(sim_srcmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256;
    entry *old = m->slots;
    size_t ocap = m->cap;
    m->slots = calloc(ncap, sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        return -1;
    }
    m->cap = ncap;
    m->n = 0;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].path) continue;
        uint64_t h = sim_hash64(old[i].path);
        size_t j = h & (ncap - 1);
        while (m->slots[j].path) j = (j + 1) & (ncap - 1);
        m->slots[j] = old[i];
        m->n++;
    }
    free(old);
    return 0;
}

static entry *map_find(const sim_srcmap *m, const char *path)
{
    if (!m || !m->cap) return NULL;
    uint64_t h = sim_hash64(path);
    size_t j = h & (m->cap - 1);
    while (m->slots[j].path) {
        if (strcmp(m->slots[j].path, path) == 0) return &m->slots[j];
        j = (j + 1) & (m->cap - 1);
    }
    return NULL;
}

static int map_put(sim_srcmap *m, const char *path, int line)
{
    entry *e = map_find(m, path);
    if (e) {
        if (!e->dup_line) e->dup_line = line;
        return 0;
    }
    if ((m->n + 1) * 2 > m->cap && map_grow(m) != 0) return -1;
    uint64_t h = sim_hash64(path);
    size_t j = h & (m->cap - 1);
    while (m->slots[j].path) j = (j + 1) & (m->cap - 1);
    m->slots[j].path = sim_strdup(path);
    if (!m->slots[j].path) return -1;
    m->slots[j].line = line;
    m->slots[j].dup_line = 0;
    m->n++;
    return 0;
}

void sim_srcmap_free(sim_srcmap *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->cap; i++) free(m->slots[i].path);
    free(m->slots);
    free(m);
}

int sim_srcmap_exact(const sim_srcmap *m, const char *path)
{
    entry *e = map_find(m, path);
    return e ? e->line : 0;
}

int sim_srcmap_line(const sim_srcmap *m, const char *path, int fallback)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (;;) {
        entry *e = map_find(m, buf);
        if (e) return e->line;
        char *dot = strrchr(buf, '.');
        if (!dot) break;
        *dot = '\0';
    }
    return fallback;
}

int sim_srcmap_duplicate(const sim_srcmap *m, const char *path)
{
    entry *e = map_find(m, path);
    return e ? e->dup_line : 0;
}

/* ---- tokens ---- */

typedef enum tk { T_EOF = 0, T_NAME, T_STRING, T_NUMBER, T_PUNCT } tk;

typedef struct token {
    tk kind;
    int line;
    const char *s; /* start in the text */
    size_t len;
    char punct[4];
    char *str; /* decoded string value (T_STRING), owned */
} token;

typedef struct lexer {
    const char *p, *end;
    int line;
    int json;
} lexer;

static int long_bracket_level(const char *p, const char *end)
{
    /* p at '[': returns level if "[==[" form, else -1 */
    if (p >= end || *p != '[') return -1;
    const char *q = p + 1;
    int level = 0;
    while (q < end && *q == '=') {
        level++;
        q++;
    }
    return q < end && *q == '[' ? level : -1;
}

static void skip_long(lexer *lx, int level)
{
    /* positioned after the opening bracket */
    while (lx->p < lx->end) {
        if (*lx->p == '\n') lx->line++;
        if (*lx->p == ']') {
            const char *q = lx->p + 1;
            int l = 0;
            while (q < lx->end && *q == '=') {
                l++;
                q++;
            }
            if (l == level && q < lx->end && *q == ']') {
                lx->p = q + 1;
                return;
            }
        }
        lx->p++;
    }
}

static void next_token(lexer *lx, token *t)
{
    free(t->str);
    memset(t, 0, sizeof *t);
    for (;;) {
        while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' ||
                                   *lx->p == '\n' || *lx->p == '\f' || *lx->p == '\v')) {
            if (*lx->p == '\n') lx->line++;
            lx->p++;
        }
        if (!lx->json && lx->end - lx->p >= 2 && lx->p[0] == '-' && lx->p[1] == '-') {
            lx->p += 2;
            int level = long_bracket_level(lx->p, lx->end);
            if (level >= 0) {
                lx->p += level + 2;
                skip_long(lx, level);
            } else {
                while (lx->p < lx->end && *lx->p != '\n') lx->p++;
            }
            continue;
        }
        break;
    }
    t->line = lx->line;
    t->s = lx->p;
    if (lx->p >= lx->end) {
        t->kind = T_EOF;
        return;
    }
    char c = *lx->p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
        while (lx->p < lx->end &&
               ((*lx->p >= 'a' && *lx->p <= 'z') || (*lx->p >= 'A' && *lx->p <= 'Z') ||
                (*lx->p >= '0' && *lx->p <= '9') || *lx->p == '_'))
            lx->p++;
        t->kind = T_NAME;
        t->len = (size_t)(lx->p - t->s);
        return;
    }
    if ((c >= '0' && c <= '9') || (c == '-' && lx->json) ||
        (c == '.' && lx->p + 1 < lx->end && lx->p[1] >= '0' && lx->p[1] <= '9')) {
        lx->p++;
        while (lx->p < lx->end &&
               ((*lx->p >= '0' && *lx->p <= '9') || (*lx->p >= 'a' && *lx->p <= 'z') ||
                (*lx->p >= 'A' && *lx->p <= 'Z') || *lx->p == '.' ||
                ((*lx->p == '-' || *lx->p == '+') &&
                 (lx->p[-1] == 'e' || lx->p[-1] == 'E' || lx->p[-1] == 'p' || lx->p[-1] == 'P'))))
            lx->p++;
        t->kind = T_NUMBER;
        t->len = (size_t)(lx->p - t->s);
        return;
    }
    if (c == '"' || c == '\'') {
        sim_buf b = {0};
        lx->p++;
        while (lx->p < lx->end && *lx->p != c && *lx->p != '\n') {
            if (*lx->p == '\\' && lx->p + 1 < lx->end) {
                char e = lx->p[1];
                lx->p += 2;
                switch (e) {
                case 'n': sim_buf_putc(&b, '\n'); break;
                case 't': sim_buf_putc(&b, '\t'); break;
                case '\n':
                    lx->line++;
                    sim_buf_putc(&b, '\n');
                    break;
                default: sim_buf_putc(&b, e); break;
                }
                continue;
            }
            sim_buf_putc(&b, *lx->p++);
        }
        if (lx->p < lx->end && *lx->p == c) lx->p++;
        t->kind = T_STRING;
        t->len = (size_t)(lx->p - t->s);
        t->str = b.data ? b.data : sim_strdup("");
        return;
    }
    if (!lx->json && c == '[') {
        int level = long_bracket_level(lx->p, lx->end);
        if (level >= 0) {
            const char *start = lx->p + level + 2;
            lx->p = start;
            if (lx->p < lx->end && *lx->p == '\n') {
                lx->line++;
                start++;
                lx->p++;
            }
            skip_long(lx, level);
            t->kind = T_STRING;
            t->len = (size_t)(lx->p - t->s);
            size_t n = (size_t)(lx->p - start) >= (size_t)(level + 2)
                           ? (size_t)(lx->p - start) - (size_t)(level + 2)
                           : 0;
            t->str = malloc(n + 1);
            if (t->str) {
                memcpy(t->str, start, n);
                t->str[n] = '\0';
            }
            return;
        }
    }
    static const char *const multi[] = {"...", "==", "~=", "<=", ">=", "..",
                                        "::",  "//", "<<", ">>", NULL};
    t->kind = T_PUNCT;
    for (int i = 0; multi[i]; i++) {
        size_t n = strlen(multi[i]);
        if ((size_t)(lx->end - lx->p) >= n && memcmp(lx->p, multi[i], n) == 0) {
            memcpy(t->punct, multi[i], n);
            lx->p += n;
            t->len = n;
            return;
        }
    }
    t->punct[0] = c;
    lx->p++;
    t->len = 1;
}

static int is_punct(const token *t, const char *p)
{
    return t->kind == T_PUNCT && strcmp(t->punct, p) == 0;
}

static int is_name(const token *t, const char *w)
{
    return t->kind == T_NAME && t->len == strlen(w) && memcmp(t->s, w, t->len) == 0;
}

static int is_keyword(const token *t)
{
    static const char *const kw[] = {"and",   "break", "do",       "else",  "elseif", "end",
                                     "false", "for",   "function", "goto",  "if",     "in",
                                     "local", "nil",   "not",      "or",    "repeat", "return",
                                     "then",  "true",  "until",    "while", NULL};
    if (t->kind != T_NAME) return 0;
    for (int i = 0; kw[i]; i++)
        if (is_name(t, kw[i])) return 1;
    return 0;
}

typedef struct frame {
    char *path;   /* of this table */
    char *cur;    /* path of the field being read */
    int index;    /* positional count */
    int at_start; /* at the start of a field */
    int paren;    /* () and [] depth inside the current field */
    int block;    /* function/do/then/repeat depth inside the current field */
    int is_array; /* JSON */
} frame;

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p) return NULL;
    if (la) {
        memcpy(p, a, la);
        p[la] = '.';
        memcpy(p + la + 1, b, lb + 1);
    } else {
        memcpy(p, b, lb + 1);
    }
    return p;
}

/* A small lookahead buffer over the token stream. */
typedef struct tstream {
    lexer lx;
    token buf[4];
    int n; /* buffered */
} tstream;

static token *peek(tstream *ts, int k)
{
    while (ts->n <= k) {
        memset(&ts->buf[ts->n], 0, sizeof ts->buf[0]);
        next_token(&ts->lx, &ts->buf[ts->n]);
        ts->n++;
    }
    return &ts->buf[k];
}

static void advance(tstream *ts)
{
    free(ts->buf[0].str);
    memmove(&ts->buf[0], &ts->buf[1], sizeof ts->buf[0] * 3);
    ts->n--;
    memset(&ts->buf[ts->n], 0, sizeof ts->buf[0]);
}

static void build_lua(sim_srcmap *m, const char *text, size_t len)
{
    tstream ts;
    memset(&ts, 0, sizeof ts);
    ts.lx.p = text;
    ts.lx.end = text + len;
    ts.lx.line = 1;
    SIM_VEC(frame) st = {0};
    token prev1, prev2; /* the two tokens before the current one, at the top level */
    memset(&prev1, 0, sizeof prev1);
    memset(&prev2, 0, sizeof prev2);
    char prev1_name[128] = "", prev2_name[128] = "";
    int unnamed = 0;
    for (;;) {
        token *t = peek(&ts, 0);
        if (t->kind == T_EOF) break;
        if (st.n == 0) {
            if (is_punct(t, "{")) {
                char root[160];
                if (prev1.kind == T_NAME && !is_keyword(&prev1))
                    snprintf(root, sizeof root, "%s", prev1_name);
                else if (is_punct(&prev1, "(") && prev2.kind == T_NAME && !is_keyword(&prev2))
                    snprintf(root, sizeof root, "%s", prev2_name);
                else if (is_punct(&prev1, "=") && prev2.kind == T_NAME)
                    snprintf(root, sizeof root, "%s", prev2_name);
                else if (is_name(&prev1, "return"))
                    root[0] = '\0';
                else
                    snprintf(root, sizeof root, "?%d", ++unnamed);
                frame *f = sim_vec_add(&st);
                if (!f) break;
                f->path = sim_strdup(root);
                f->at_start = 1;
            }
            prev2 = prev1;
            memcpy(prev2_name, prev1_name, sizeof prev2_name);
            prev1 = *t;
            prev1.str = NULL;
            snprintf(prev1_name, sizeof prev1_name, "%.*s", (int)(t->len < 127 ? t->len : 127),
                     t->s);
            advance(&ts);
            continue;
        }
        frame *f = &st.v[st.n - 1];
        if (f->at_start && f->paren == 0 && f->block == 0) {
            if (is_punct(t, "}")) {
                free(f->path);
                free(f->cur);
                st.n--;
                advance(&ts);
                if (st.n) st.v[st.n - 1].at_start = 0;
                continue;
            }
            if (is_punct(t, ",") || is_punct(t, ";")) { /* empty field */
                advance(&ts);
                continue;
            }
            token *t1 = peek(&ts, 1);
            char *key = NULL;
            int line = t->line;
            int skip = 0;
            if (t->kind == T_NAME && is_punct(t1, "=")) {
                key = malloc(t->len + 1);
                if (key) {
                    memcpy(key, t->s, t->len);
                    key[t->len] = '\0';
                }
                skip = 2;
            } else if (is_punct(t, "[") && (t1->kind == T_STRING || t1->kind == T_NUMBER) &&
                       is_punct(peek(&ts, 2), "]") && is_punct(peek(&ts, 3), "=")) {
                t1 = peek(&ts, 1);
                if (t1->kind == T_STRING)
                    key = sim_strdup(t1->str ? t1->str : "");
                else {
                    key = malloc(t1->len + 1);
                    if (key) {
                        memcpy(key, t1->s, t1->len);
                        key[t1->len] = '\0';
                    }
                }
                skip = 4;
            } else {
                char num[24];
                snprintf(num, sizeof num, "%d", ++f->index);
                key = sim_strdup(num);
            }
            if (!key) break;
            free(f->cur);
            f->cur = join(f->path, key);
            free(key);
            if (f->cur) map_put(m, f->cur, line);
            f->at_start = 0;
            for (int i = 0; i < skip; i++) advance(&ts);
            continue;
        }
        /* inside a field's value */
        if (is_punct(t, "{")) {
            const char *base = f->cur ? f->cur : f->path;
            frame nf;
            memset(&nf, 0, sizeof nf);
            nf.path = sim_strdup(base);
            nf.at_start = 1;
            frame *g = sim_vec_add(&st);
            if (!g) break;
            *g = nf;
        } else if (is_punct(t, "}")) {
            free(f->path);
            free(f->cur);
            st.n--;
            if (st.n) st.v[st.n - 1].at_start = 0;
        } else if (is_punct(t, "(") || is_punct(t, "[")) {
            f->paren++;
        } else if (is_punct(t, ")") || is_punct(t, "]")) {
            if (f->paren > 0) f->paren--;
        } else if (is_name(t, "function") || is_name(t, "do") || is_name(t, "then") ||
                   is_name(t, "repeat")) {
            f->block++;
        } else if (is_name(t, "end") || is_name(t, "until") || is_name(t, "elseif")) {
            if (f->block > 0) f->block--;
        } else if ((is_punct(t, ",") || is_punct(t, ";")) && f->paren == 0 && f->block == 0) {
            f->at_start = 1;
        }
        advance(&ts);
    }
    while (ts.n > 0) advance(&ts);
    for (size_t i = 0; i < st.n; i++) {
        free(st.v[i].path);
        free(st.v[i].cur);
    }
    free(st.v);
}

static void build_json(sim_srcmap *m, const char *text, size_t len)
{
    tstream ts;
    memset(&ts, 0, sizeof ts);
    ts.lx.p = text;
    ts.lx.end = text + len;
    ts.lx.line = 1;
    ts.lx.json = 1;
    SIM_VEC(frame) st = {0};
    for (;;) {
        token *t = peek(&ts, 0);
        if (t->kind == T_EOF) break;
        frame *f = st.n ? &st.v[st.n - 1] : NULL;
        if (f && f->at_start && !is_punct(t, "}") && !is_punct(t, "]")) {
            /* a member key (object) or a value (array) begins */
            if (!f->is_array && t->kind == T_STRING && is_punct(peek(&ts, 1), ":")) {
                t = peek(&ts, 0);
                free(f->cur);
                f->cur = join(f->path, t->str ? t->str : "");
                if (f->cur) map_put(m, f->cur, t->line);
                f->at_start = 0;
                advance(&ts);
                advance(&ts);
                continue;
            }
            if (f->is_array) {
                char num[24];
                snprintf(num, sizeof num, "%d", ++f->index);
                free(f->cur);
                f->cur = join(f->path, num);
                if (f->cur) map_put(m, f->cur, t->line);
                f->at_start = 0;
            }
        }
        if (is_punct(t, "{") || is_punct(t, "[")) {
            frame nf;
            memset(&nf, 0, sizeof nf);
            nf.path = sim_strdup(f ? (f->cur ? f->cur : f->path) : "");
            nf.at_start = 1;
            nf.is_array = is_punct(t, "[");
            frame *g = sim_vec_add(&st);
            if (!g) break;
            *g = nf;
        } else if (is_punct(t, "}") || is_punct(t, "]")) {
            if (st.n) {
                free(st.v[st.n - 1].path);
                free(st.v[st.n - 1].cur);
                st.n--;
            }
        } else if (is_punct(t, ",") && f) {
            f->at_start = 1;
        }
        advance(&ts);
    }
    while (ts.n > 0) advance(&ts);
    for (size_t i = 0; i < st.n; i++) {
        free(st.v[i].path);
        free(st.v[i].cur);
    }
    free(st.v);
}

sim_srcmap *sim_srcmap_build(const char *text, size_t len, int json)
{
    sim_srcmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    if (json)
        build_json(m, text, len);
    else
        build_lua(m, text, len);
    return m;
}

char *sim_srcmap_header(const char *text, size_t len)
{
    sim_buf b = {0};
    size_t pos = 0;
    /* skip a shebang */
    if (len > 1 && text[0] == '#' && text[1] == '!') {
        while (pos < len && text[pos] != '\n') pos++;
        pos++;
    }
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n') e++;
        size_t s = pos;
        while (s < e && (text[s] == ' ' || text[s] == '\t')) s++;
        if (e - s < 2 || text[s] != '-' || text[s + 1] != '-') break;
        s += 2;
        if (s < e && text[s] == '[') break; /* a long comment: stop at it */
        if (s < e && text[s] == ' ') s++;
        size_t ee = e;
        if (ee > s && text[ee - 1] == '\r') ee--;
        sim_buf_append(&b, text + s, ee - s);
        sim_buf_putc(&b, '\n');
        pos = e + 1;
    }
    if (!b.data) return sim_strdup("");
    return b.data;
}
