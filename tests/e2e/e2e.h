/* e2e.h — what the end-to-end tests share: running the program and reading what it wrote. */
#ifndef LIFESIM_E2E_H
#define LIFESIM_E2E_H

#include "sim_table.h"
#include "test.h"

#include <sys/wait.h>
#include <unistd.h>

/* runs a shell command; returns its exit status; stderr captured into errbuf (may be NULL) */
static inline int sh(const char *cmd, char *errbuf, size_t errsz)
{
    char full[8192], errfile[1024];
    snprintf(errfile, sizeof errfile, "%s/e2e_stderr_%d.txt", tmpdir(), (int)getpid());
    snprintf(full, sizeof full, "%s 2>%s", cmd, errfile);
    int st = system(full);
    if (errbuf) {
        errbuf[0] = '\0';
        FILE *f = fopen(errfile, "r");
        if (f) {
            size_t n = fread(errbuf, 1, errsz - 1, f);
            errbuf[n] = '\0';
            fclose(f);
        }
    }
    remove(errfile);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* a CSV table of a run folder ("patients.csv"), or NULL (a failed check) */
static inline sim_table *table(const char *dir, const char *file)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/csv/%s", dir, file);
    sim_table *t = NULL;
    sim_error err;
    if (sim_table_load(path, &t, &err) != SIM_OK) {
        CHECK(0, "cannot read %s: %s", path, err.msg);
        return NULL;
    }
    return t;
}

#endif
