/* sim_jsonw.h — a streaming JSON writer into a sim_buf: keys in the order written, strings
 * escaped per RFC 8259, numbers in their shortest exact form. Used for FHIR, where building a
 * tree per resource would cost more than writing it. */
#ifndef SIM_JSONW_H
#define SIM_JSONW_H

#include "sim_base.h"

#define SIM_JW_DEPTH 48

typedef struct sim_jw {
    sim_buf *b;
    int depth;
    uint8_t first[SIM_JW_DEPTH]; /* no element written yet at this level */
    uint8_t after_key;
} sim_jw;

void sim_jw_init(sim_jw *w, sim_buf *b);
void sim_jw_obj(sim_jw *w);
void sim_jw_end_obj(sim_jw *w);
void sim_jw_arr(sim_jw *w);
void sim_jw_end_arr(sim_jw *w);
void sim_jw_key(sim_jw *w, const char *key);
void sim_jw_str(sim_jw *w, const char *s);
void sim_jw_num(sim_jw *w, double v);
void sim_jw_int(sim_jw *w, int64_t v);
void sim_jw_bool(sim_jw *w, int v);
/* key + value shorthands */
void sim_jw_kstr(sim_jw *w, const char *key, const char *s);
void sim_jw_knum(sim_jw *w, const char *key, double v);
void sim_jw_kint(sim_jw *w, const char *key, int64_t v);
void sim_jw_kbool(sim_jw *w, const char *key, int v);
/* key + start of an object / array */
void sim_jw_kobj(sim_jw *w, const char *key);
void sim_jw_karr(sim_jw *w, const char *key);
/* Appends a JSON string literal (with quotes) to b. */
void sim_json_escape(sim_buf *b, const char *s);

#endif
