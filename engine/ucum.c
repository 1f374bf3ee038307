/* ucum.c — UCUM syntax and atom check for observation units (see include/sim_ucum.h). */
#include "sim_ucum.h"

#include <stdio.h>
#include <string.h>

/* atoms that take metric prefixes */
static const char *const metric[] = {
    "m",  "s",   "g",   "L",   "l",   "mol",  "Hz",   "N",   "Pa",  "J",  "W",  "A",     "V",
    "F",  "Ohm", "S",   "Wb",  "T",   "H",    "Cel",  "K",   "cd",  "lm", "lx", "Bq",    "Gy",
    "Sv", "eq",  "osm", "kat", "U",   "[IU]", "[iU]", "bar", "rad", "sr", "C",  "m[Hg]", "m[H2O]",
    "t",  "Ci",  "R",   "RAD", "REM", "B",    "dB",   "g%",  "cal", NULL};

/* atoms without prefixes */
static const char *const plain[] = {
    "min",      "h",          "d",        "wk",       "mo",       "a",        "%",
    "[ppm]",    "[ppb]",      "[ppth]",   "[pptr]",   "[in_i]",   "[ft_i]",   "[yd_i]",
    "[mi_i]",   "[lb_av]",    "[oz_av]",  "[degF]",   "[gal_us]", "[foz_us]", "[qt_us]",
    "[pt_us]",  "[cup_us]",   "[tbs_us]", "[tsp_us]", "[drp]",    "[HPF]",    "[LPF]",
    "[pH]",     "[arb'U]",    "[USP'U]",  "[GPL'U]",  "[MPL'U]",  "[APL'U]",  "[beth'U]",
    "[todd'U]", "[dye'U]",    "[smgy'U]", "[bdsk'U]", "[ka'U]",   "[knk'U]",  "[mclg'U]",
    "[tb'U]",   "[CFU]",      "[PFU]",    "[FFU]",    "[BAU]",    "[AU]",     "[Amb'a'1'U]",
    "[PNU]",    "[Lf]",       "[D'ag'U]", "[hp'_X]",  "[hp'_C]",  "[kp_C]",   "[mesh_i]",
    "[Ch]",     "[diop]",     "[S]",      "[wood'U]", "[car_m]",  "[car_Au]", "[psi]",
    "atm",      "[stone_av]", "[cal]",    "[Cal]",    "[pi]",     "[e]",      "[h]",
    "[k]",      "[c]",        "10*",      "10^",      "[sft_i]",  "[sin_i]",  "[cin_i]",
    "[acr_us]", "[in_us]",    "ar",       "deg",      "'",        "''",       "gon",
    "[twp]",    "[mil_i]",    NULL};

static const char *const prefixes[] = {"da", "Y", "Z",  "E",  "P",  "T",  "G", "M", "k",
                                       "h",  "d", "c",  "m",  "u",  "n",  "p", "f", "a",
                                       "z",  "y", "Ki", "Mi", "Gi", "Ti", NULL};

static int in_list(const char *s, size_t n, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strlen(list[i]) == n && strncmp(list[i], s, n) == 0) return 1;
    return 0;
}

/* a unit symbol without exponent: [prefix]atom */
static int symbol_ok(const char *s, size_t n)
{
    if (!n) return 0;
    if (in_list(s, n, plain) || in_list(s, n, metric)) return 1;
    for (int i = 0; prefixes[i]; i++) {
        size_t pl = strlen(prefixes[i]);
        if (n > pl && strncmp(s, prefixes[i], pl) == 0 && in_list(s + pl, n - pl, metric)) return 1;
    }
    return 0;
}

/* one component of a term: a number, an annotation, a symbol with optional exponent and
 * annotation, or a parenthesised term */
static int term_ok(const char *s, size_t n);

static int component_ok(const char *s, size_t n)
{
    if (!n) return 0;
    if (s[0] == '(' && s[n - 1] == ')') return term_ok(s + 1, n - 2);
    /* strip a trailing annotation */
    size_t end = n;
    if (s[end - 1] == '}') {
        const char *open = NULL;
        for (size_t i = 0; i < n; i++)
            if (s[i] == '{') open = s + i;
        if (!open) return 0;
        for (const char *c = open + 1; c < s + end - 1; c++)
            if (*c == '{' || *c == '}' || (unsigned char)*c < 32) return 0;
        end = (size_t)(open - s);
        if (end == 0) return 1; /* an annotation alone, e.g. {score} */
    }
    /* all digits: a factor */
    size_t i = 0;
    while (i < end && s[i] >= '0' && s[i] <= '9') i++;
    if (i == end) return 1;
    /* exponent: trailing [+-]digits, unless the symbol ends in ']' (digits inside brackets) */
    size_t e = end;
    while (e > 0 && s[e - 1] >= '0' && s[e - 1] <= '9') e--;
    if (e < end && e > 0 && (s[e - 1] == '+' || s[e - 1] == '-')) e--;
    if (e == end) return symbol_ok(s, end);
    if (e == 0) return 0;
    /* 10*3, 10^-6: the special atoms take their exponent directly */
    if (symbol_ok(s, e)) return 1;
    return symbol_ok(s, end); /* a symbol that ends in digits, e.g. [H2O] inside brackets */
}

static int term_ok(const char *s, size_t n)
{
    size_t i = 0, start = 0;
    int depth = 0, brace = 0, bracket = 0;
    if (n && s[0] == '/') start = i = 1; /* "/min" */
    if (start == n) return 0;
    for (; i <= n; i++) {
        char c = i < n ? s[i] : '\0';
        if (c == '(') depth++;
        if (c == ')') depth--;
        if (c == '{') brace++;
        if (c == '}') brace--;
        if (c == '[') bracket++;
        if (c == ']') bracket--;
        if (depth < 0 || brace < 0 || bracket < 0) return 0;
        if (i == n || (!depth && !brace && !bracket && (c == '.' || c == '/'))) {
            if (!component_ok(s + start, i - start)) return 0;
            start = i + 1;
        }
    }
    return depth == 0 && brace == 0 && bracket == 0;
}

int sim_ucum_valid(const char *unit, char *hint, size_t hintsz)
{
    if (hint && hintsz) hint[0] = '\0';
    size_t n = strlen(unit);
    for (size_t i = 0; i < n; i++)
        if (unit[i] == ' ' || (unsigned char)unit[i] > 126) goto bad;
    if (n && term_ok(unit, n)) return 1;
bad:
    if (hint && hintsz) {
        static const char *const fixes[][2] = {{"mmHg", "mm[Hg]"},
                                               {"mm Hg", "mm[Hg]"},
                                               {"bpm", "/min"},
                                               {"beats/min", "/min"},
                                               {"breaths/min", "/min"},
                                               {"lbs", "[lb_av]"},
                                               {"lb", "[lb_av]"},
                                               {"in", "[in_i]"},
                                               {"inch", "[in_i]"},
                                               {"F", "[degF]"},
                                               {"degF", "[degF]"},
                                               {"C", "Cel"},
                                               {"degC", "Cel"},
                                               {"kg/m^2", "kg/m2"},
                                               {"kg/m²", "kg/m2"},
                                               {"°C", "Cel"},
                                               {"°F", "[degF]"},
                                               {"IU/L", "[IU]/L"},
                                               {"units", "{units}"},
                                               {"score", "{score}"},
                                               {"yr", "a"},
                                               {"years", "a"},
                                               {"months", "mo"},
                                               {"x10^3/uL", "10*3/uL"},
                                               {"K/uL", "10*3/uL"},
                                               {"mcg", "ug"},
                                               {"cc", "mL"},
                                               {"hrs", "h"},
                                               {"sec", "s"},
                                               {"mEq/L", "meq/L"},
                                               {"mEq", "meq"}};
        for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
            if (strcmp(unit, fixes[i][0]) == 0) {
                snprintf(hint, hintsz, "%s", fixes[i][1]);
                break;
            }
    }
    return 0;
}
