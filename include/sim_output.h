/* sim_output.h — a run's output folder: files written under temporary names, optionally gzipped,
 * checksummed as they are written, renamed into place only when the run completes, and listed in
 * manifest.json.
 *
 * Opening a folder first forgets what a previous run left there (the files its manifest lists),
 * so nothing stale looks current. A run that stops early (an error, SIGINT, SIGTERM) leaves its
 * files with a ".partial" suffix and a manifest whose status is "incomplete".
 */
#ifndef SIM_OUTPUT_H
#define SIM_OUTPUT_H

#include "sim_base.h"

#include <jansson.h>

typedef struct sim_output sim_output;

/* Opens (creating as needed) the folder `dir`. gzip: every file gets ".gz" and is compressed. */
sim_status sim_output_open(const char *dir, int gzip, sim_output **out, sim_error *err);
/* Declares an append-only file (path relative to the folder, without .gz) whose first line is
 * `header` (NULL: none). Returns its handle, or -1 with err set. */
int sim_output_file(sim_output *o, const char *rel, const char *header, sim_error *err);
/* Appends bytes holding `rows` rows. */
sim_status sim_output_append(sim_output *o, int handle, const void *data, size_t len, uint64_t rows,
                             sim_error *err);
/* Writes a whole file at once (e.g. one FHIR bundle): temp name, then renamed at finish. */
sim_status sim_output_whole(sim_output *o, const char *rel, const void *data, size_t len,
                            uint64_t rows, sim_error *err);
/* Writes a text file that is not data (DATASET.md) and is listed in the manifest. */
sim_status sim_output_text(sim_output *o, const char *rel, const char *text, sim_error *err);
/* Closes every file. complete: rename them into place and write manifest.json with status
 * "complete"; otherwise keep ".partial" names and write status "incomplete" with `reason`.
 * `meta` (borrowed) holds the run's description; "status", "files" are added to a copy. */
sim_status sim_output_finish(sim_output *o, json_t *meta, int complete, const char *reason,
                             sim_error *err);
void sim_output_free(sim_output *o);
/* The rows appended so far to the file behind a handle. */
uint64_t sim_output_rows(const sim_output *o, int handle);
const char *sim_output_dir(const sim_output *o);

/* Creates a folder and its parents. */
sim_status sim_mkdirs(const char *path, sim_error *err);

#endif
