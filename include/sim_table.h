/* sim_table.h — data tables: CSV files read with libcsv, and CSV fields written through it.
 *
 * A table file has a header row; `#` lines before it are comments (sources, notes) and are kept
 * in `comments`. Every row remembers its line in the file, so a bad cell is reported as
 * `modules/data/x.csv:17: column 'male_qx': "abc" is not a number`.
 */
#ifndef SIM_TABLE_H
#define SIM_TABLE_H

#include "sim_base.h"

typedef struct sim_table {
    char *path;     /* as given to sim_table_load, used in messages */
    char *comments; /* the leading '#' lines, without the '#', joined by '\n' */
    size_t ncols, nrows;
    char **header; /* ncols names */
    char **cells;  /* nrows * ncols, never NULL (missing cells are "") */
    int *lines;    /* line of each row */
} sim_table;

/* Parses a table held in memory; `path` names it in messages. */
sim_status sim_table_parse(const char *text, size_t len, const char *path, sim_table **out,
                           sim_error *err);
sim_status sim_table_load(const char *path, sim_table **out, sim_error *err);
/* Loads root/modules/data/<name>, named "modules/data/<name>" in errors; a table with no rows is
 * an error. When sources is not NULL, appends "- modules/data/<name>: <citation>\n" to it. */
sim_status sim_table_load_data(const char *root, const char *name, sim_buf *sources,
                               sim_table **out, sim_error *err);
void sim_table_free(sim_table *t);

/* Index of a column, or -1. */
int sim_table_col(const sim_table *t, const char *name);
/* Like sim_table_col, but sets an error naming the file and the columns it has. */
sim_status sim_table_require_col(const sim_table *t, const char *name, int *col, sim_error *err);
const char *sim_table_cell(const sim_table *t, size_t row, size_t col);
/* Parses a cell as a finite number; on failure the error names file:line and column. */
sim_status sim_table_number(const sim_table *t, size_t row, size_t col, double *out,
                            sim_error *err);
/* Parses an age cell: "42", "40-49" (inclusive) or "85+" (hi = -1). */
sim_status sim_table_age_range(const sim_table *t, size_t row, size_t col, int *lo, int *hi,
                               sim_error *err);

/* Appends one CSV field to b, quoted (RFC 4180, through libcsv) only when it holds a comma, a
 * quote, CR or LF. */
void sim_csv_field(sim_buf *b, const char *s);
/* Appends the citation a table's comments open with: the first comment line, carried on through
 * the lines that continue its sentence (at most three), joined by single spaces; "(no source
 * line)" when there is none. */
void sim_table_citation(const char *comments, sim_buf *out);

#endif
