/* sim_check.h — `lifesim check`: an independent referee of temporal coherence.
 *
 * It trusts nothing the generator did. It reads a run folder, ours or Synthea's: the CSV tables
 * (3.2 or 3.3 layout, plain or gzipped), the FHIR bundles and the Bulk NDJSON. It brings every
 * patient's records together, whatever order the files hold them in, and tests the rules below on
 * each patient:
 *
 *   birth-before-events          no record is dated before the patient's birth
 *   condition-onset-after-birth  no condition begins before birth
 *   nothing-after-death          no record is dated after death
 *   within-simulation            no record of a living patient is dated after the run's end
 *                                (when the folder's manifest.json says what that is)
 *   encounter-start-before-stop  an encounter does not end before it starts
 *   start-before-stop            conditions, medications, care plans, devices, allergies,
 *                                procedures, claims and payer periods end no earlier than they
 *                                start
 *   inside-encounter             a record that names its encounter is dated inside its period
 *   death-date-agrees            patients.csv, the Patient resource and the death records
 *                                (death certification encounter, cause-of-death observation)
 *                                give one death date
 *   reference-resolves           every patient, encounter, claim, organization, provider and
 *                                payer named by a record exists; encounters and claims belong
 *                                to the same patient
 *   unique-ids                   no id is used twice
 *   sex-specific                 conditions, procedures and observations that only one sex can
 *                                have appear only for that sex
 * (modules/data/sex_specific_codes.csv) vaccine-age-window           childhood vaccines are given
 * inside their age windows (modules/data/vaccine_age_windows.csv)
 *
 * It streams. Records are first spread over partition files by patient (and ids by their hash).
 * Each partition is then checked on its own. Memory grows with the partition size, not with the
 * folder.
 *
 * The engine runs the same rules on each patient it simulates when asked (--strict). A violation
 * then names the module and state that made the record.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include "sim_base.h"
#include "sim_module.h"
#include "sim_record.h"
#include "sim_time.h"

enum { SIM_CHECK_CSV = 1u << 0, SIM_CHECK_FHIR = 1u << 1, SIM_CHECK_NDJSON = 1u << 2 };

typedef enum sim_check_rule {
    SIM_RULE_BIRTH = 0,
    SIM_RULE_ONSET,
    SIM_RULE_DEATH,
    SIM_RULE_END,
    SIM_RULE_ENCOUNTER_ORDER,
    SIM_RULE_ORDER,
    SIM_RULE_INSIDE,
    SIM_RULE_DEATH_AGREES,
    SIM_RULE_REFERENCE,
    SIM_RULE_UNIQUE,
    SIM_RULE_SEX,
    SIM_RULE_VACCINE,
    SIM_RULE_COUNT
} sim_check_rule;

/* "birth-before-events", ... */
const char *sim_check_rule_name(sim_check_rule r);

/* The plausibility tables (sex-specific codes, vaccine age windows), loaded once. */
typedef struct sim_checker sim_checker;
sim_status sim_checker_new(const char *root, sim_checker **out, sim_error *err);
void sim_checker_free(sim_checker *ck);

typedef struct sim_check_opts {
    unsigned sources;    /* SIM_CHECK_* to read; 0: every one the folder has */
    size_t max_shown;    /* violations listed in the report (0: 20) */
    const char *tmpdir;  /* where partition files go (NULL: $TMPDIR, else /tmp) */
    size_t bucket_bytes; /* partition size aimed at (0: 64 MiB); tests make it tiny */
} sim_check_opts;

typedef struct sim_check_report sim_check_report;

/* Checks the run folder `dir`. Fails (with err) only when the folder cannot be read; violations
 * are in the report. */
sim_status sim_check_dir(const sim_checker *ck, const char *dir, const sim_check_opts *opts,
                         sim_check_report **out, sim_error *err);
uint64_t sim_check_violations(const sim_check_report *r);
uint64_t sim_check_rule_violations(const sim_check_report *r, sim_check_rule rule);
uint64_t sim_check_rule_checked(const sim_check_report *r, sim_check_rule rule);
uint64_t sim_check_bytes(const sim_check_report *r);
/* A table of rule x records checked x violations, then the first violations. */
void sim_check_report_print(const sim_check_report *r, FILE *f);
void sim_check_report_json(const sim_check_report *r, FILE *f);
void sim_check_report_free(sim_check_report *r);

/* Checks a patient the engine has just simulated, up to `end` (the reference date). The first
 * violation fills err with the rule, the record, and the module and state that made it. */
sim_status sim_check_patient(const sim_checker *ck, const sim_modset *ms, const sim_patient *p,
                             sim_error *err);

#endif
