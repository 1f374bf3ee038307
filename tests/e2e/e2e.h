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
    char errfile[1024];
    snprintf(errfile, sizeof errfile, "%s/e2e_stderr_%d.txt", tmpdir(), (int)getpid());
    size_t cap = strlen(cmd) + strlen(errfile) + 8;
    char *full = malloc(cap);
    if (!full) return -1;
    snprintf(full, cap, "%s 2>%s", cmd, errfile);
    int st = system(full);
    free(full);
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

/* writes a scenario file under the test folder; returns its path (until the next call) */
static inline const char *write_scenario(const char *name, const char *yaml)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s.yaml", tmpdir(), name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(yaml, f);
        fclose(f);
    }
    return path;
}

/* the index of a table's column, -1 when absent */
static inline int col(const sim_table *t, const char *name)
{
    int c = -1;
    sim_error err;
    sim_table_require_col(t, name, &c, &err);
    return c;
}

/* every end-to-end run is also held to `lifesim check` */
static inline void check_clean(const char *dir)
{
    char cmd[4096], err[8192], out[1100];
    snprintf(out, sizeof out, "%s/check_clean_%d.txt", tmpdir(), (int)getpid());
    snprintf(cmd, sizeof cmd, "%s check -q %s > %s", bin(), dir, out);
    int rc = sh(cmd, err, sizeof err);
    CHECK(rc == 0, "lifesim check %s passes (exit %d) %s", dir, rc, err);
    if (rc) {
        snprintf(cmd, sizeof cmd, "cat %s >&2", out);
        if (system(cmd)) {
        }
    }
    remove(out);
}

#endif
