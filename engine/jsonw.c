/* jsonw.c — the streaming JSON writer (see include/sim_jsonw.h). */
#include "sim_jsonw.h"

#include <string.h>

void sim_jw_init(sim_jw *w, sim_buf *b)
{
    w->b = b;
    w->depth = 0;
    w->first[0] = 1;
    w->after_key = 0;
}

/* a comma before any element but the first of its container */
static void sep(sim_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (!w->first[w->depth]) sim_buf_putc(w->b, ',');
    w->first[w->depth] = 0;
}

static void jw_open(sim_jw *w, char c)
{
    sep(w);
    sim_buf_putc(w->b, c);
    if (w->depth + 1 < SIM_JW_DEPTH) w->depth++;
    w->first[w->depth] = 1;
}

static void jw_close(sim_jw *w, char c)
{
    sim_buf_putc(w->b, c);
    if (w->depth > 0) w->depth--;
}

void sim_jw_obj(sim_jw *w)
{
    jw_open(w, '{');
}

void sim_jw_end_obj(sim_jw *w)
{
    jw_close(w, '}');
}

void sim_jw_arr(sim_jw *w)
{
    jw_open(w, '[');
}

void sim_jw_end_arr(sim_jw *w)
{
    jw_close(w, ']');
}

void sim_json_escape(sim_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    sim_buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *run = p;
    for (; *p; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sim_buf_append(b, run, (size_t)(p - run));
        run = p + 1;
        switch (c) {
        case '"': sim_buf_puts(b, "\\\""); break;
        case '\\': sim_buf_puts(b, "\\\\"); break;
        case '\n': sim_buf_puts(b, "\\n"); break;
        case '\r': sim_buf_puts(b, "\\r"); break;
        case '\t': sim_buf_puts(b, "\\t"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            sim_buf_puts(b, u);
        }
        }
    }
    sim_buf_append(b, run, (size_t)(p - run));
    sim_buf_putc(b, '"');
}

void sim_jw_key(sim_jw *w, const char *key)
{
    sep(w);
    sim_json_escape(w->b, key);
    sim_buf_putc(w->b, ':');
    w->after_key = 1;
}

void sim_jw_str(sim_jw *w, const char *s)
{
    sep(w);
    sim_json_escape(w->b, s);
}

void sim_jw_num(sim_jw *w, double v)
{
    sep(w);
    sim_buf_put_double(w->b, v);
}

void sim_jw_int(sim_jw *w, int64_t v)
{
    sep(w);
    sim_buf_put_i64(w->b, v);
}

void sim_jw_bool(sim_jw *w, int v)
{
    sep(w);
    sim_buf_puts(w->b, v ? "true" : "false");
}

void sim_jw_kstr(sim_jw *w, const char *key, const char *s)
{
    sim_jw_key(w, key);
    sim_jw_str(w, s);
}

void sim_jw_knum(sim_jw *w, const char *key, double v)
{
    sim_jw_key(w, key);
    sim_jw_num(w, v);
}

void sim_jw_kint(sim_jw *w, const char *key, int64_t v)
{
    sim_jw_key(w, key);
    sim_jw_int(w, v);
}

void sim_jw_kbool(sim_jw *w, const char *key, int v)
{
    sim_jw_key(w, key);
    sim_jw_bool(w, v);
}

void sim_jw_kobj(sim_jw *w, const char *key)
{
    sim_jw_key(w, key);
    sim_jw_obj(w);
}

void sim_jw_karr(sim_jw *w, const char *key)
{
    sim_jw_key(w, key);
    sim_jw_arr(w);
}
