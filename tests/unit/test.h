/* test.h — the smallest test harness: CHECK records a failure with file:line and goes on;
 * TEST_MAIN runs the listed tests and exits non-zero when any check failed. */
#ifndef LIFESIM_TEST_H
#define LIFESIM_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_checks;

/* the program under test and a scratch folder, as ctest passes them */
static inline const char *bin(void)
{
    const char *b = getenv("LIFESIM_BIN");
    return b ? b : "./lifesim";
}

static inline const char *tmpdir(void)
{
    const char *t = getenv("LIFESIM_TEST_TMP");
    return t ? t : "/tmp";
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        test_checks++;                                                                             \
        if (!(cond)) {                                                                             \
            test_failures++;                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(a, b) CHECK(strcmp((a), (b)) == 0, "\"%s\" != \"%s\"", (a), (b))

typedef void (*test_fn)(void);
typedef struct test_case {
    const char *name;
    test_fn fn;
} test_case;

#define TEST_MAIN(...)                                                                             \
    int main(void)                                                                                 \
    {                                                                                              \
        static const test_case cases[] = {__VA_ARGS__};                                            \
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {                              \
            int before = test_failures;                                                            \
            cases[i].fn();                                                                         \
            fprintf(stderr, "%s %s\n", test_failures == before ? "ok  " : "FAIL", cases[i].name);  \
        }                                                                                          \
        fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);                     \
        return test_failures ? 1 : 0;                                                              \
    }

#define T(fn)                                                                                      \
    {                                                                                              \
#fn, fn                                                                                    \
    }

#endif
