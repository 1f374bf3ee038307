/* fuzz_scenario.c — the scenario loader on arbitrary bytes: it must answer every input with a
 * scenario or with located errors, never crash, leak or read out of bounds. libFuzzer drives it
 * (cmake -DLIFESIM_FUZZ=ON with clang); replay.c runs the saved corpus as an ordinary test. */
#include "sim_scenario.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_diags d;
    memset(&d, 0, sizeof d);
    sim_scenario *s = NULL;
    sim_status st = sim_scenario_parse((const char *)data, size, "fuzz.yaml", &s, &d);
    /* a scenario, or at least one error: never neither, never both */
    if ((st == SIM_OK) != (s != NULL) || (st != SIM_OK && d.nerrors == 0) ||
        (st == SIM_OK && d.nerrors != 0))
        __builtin_trap();
    if (s) {
        /* what --dry-run prints must read back */
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f) {
            sim_scenario_print(s, f);
            fclose(f);
            sim_diags d2;
            memset(&d2, 0, sizeof d2);
            sim_scenario *s2 = NULL;
            if (sim_scenario_parse(buf, len, "printed.yaml", &s2, &d2) != SIM_OK) {
                sim_diags_print(&d2, stderr);
                fprintf(stderr, "--- printed:\n%s", buf);
                __builtin_trap();
            }
            if (s2->seed != s->seed || s2->population != s->population ||
                s2->formats != s->formats || s2->keep.on != s->keep.on)
                __builtin_trap();
            sim_scenario_free(s2);
            sim_diags_free(&d2);
        }
        free(buf);
    }
    sim_scenario_free(s);
    sim_diags_free(&d);
    return 0;
}
