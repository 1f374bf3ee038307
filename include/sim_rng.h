/* sim_rng.h — deterministic, splittable random numbers.
 *
 * The algorithm (this header is its specification; output depends on every detail below):
 *
 *   mix64(x)   SplitMix64's finalizer: x ^= x>>30; x *= 0xbf58476d1ce4e5b9; x ^= x>>27;
 *              x *= 0x94d049bb133111eb; x ^= x>>31.
 *   hash64(s)  FNV-1a 64 over the bytes of s (offset 0xcbf29ce484222325, prime 0x100000001b3),
 *              then mix64.
 *   key chain  run     = mix64(seed ^ 0x6c69666573696d00)            ("lifesim\0")
 *              patient = mix64(run ^ mix64(slot * 0x9e3779b97f4a7c15 + attempt + 1))
 *              stream  = mix64(patient ^ hash64(stream name))
 *              A stream's name is the module's name for module draws, or "$life", "$demog",
 *              ... for the engine's own draws. Adding, removing or editing one module therefore
 *              never changes the draws another module sees.
 *   draws      Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as
 *              1, 2, 3", SC'11), key = (stream & 0xffffffff, stream >> 32), counter =
 *              (block & 0xffffffff, block >> 32, context & 0xffffffff, context >> 32). Block b
 *              yields two 64-bit outputs: (w1<<32|w0) then (w3<<32|w2). Draw n of a context
 *              uses block n/2.
 *   context    A 64-bit value naming the decision being made. The module runtime sets it to
 *              hash64(state name) ^ mix64(times the state was entered) before processing a
 *              state, so a decision's draw depends only on (seed, patient, module, state, visit,
 *              draw index within the visit), never on how many draws were made elsewhere.
 *   uniform    (u64 >> 11) * 2^-53, in [0, 1).
 *
 * Known-answer vectors for Philox4x32-10 are Random123's tests/kat_vectors.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

typedef struct sim_rng {
    uint64_t key;
    uint64_t context;
    uint64_t n;     /* draws made in this context */
    uint64_t spare; /* second half of the last block */
    int have_spare;
} sim_rng;

uint64_t sim_mix64(uint64_t x);
uint64_t sim_hash64(const char *s);
uint64_t sim_hash64_bytes(const void *p, uint64_t n);
/* Raw Philox4x32-10 block function. */
void sim_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

uint64_t sim_rng_run_key(uint64_t seed);
uint64_t sim_rng_patient_key(uint64_t run_key, uint64_t slot, uint64_t attempt);
uint64_t sim_rng_stream_key(uint64_t patient_key, const char *stream_name);

/* Starts a stream at context 0. */
void sim_rng_init(sim_rng *r, uint64_t key);
/* Switches to another context and restarts its draw count at 0. */
void sim_rng_set_context(sim_rng *r, uint64_t context);
/* The context for the `visit`-th entry (0-based) into a state named by its hash. */
uint64_t sim_rng_state_context(uint64_t state_hash, uint64_t visit);

uint64_t sim_rng_u64(sim_rng *r);
double sim_rng_uniform(sim_rng *r);                     /* [0, 1) */
double sim_rng_uniform_open(sim_rng *r);                /* (0, 1) */
double sim_rng_range(sim_rng *r, double lo, double hi); /* [lo, hi) */
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);
double sim_rng_normal(sim_rng *r, double mean, double sd);
double sim_rng_exponential(sim_rng *r, double mean);
double sim_rng_triangular(sim_rng *r, double lo, double mode, double hi);
double sim_rng_weibull(sim_rng *r, double shape, double scale);
double sim_rng_lognormal(sim_rng *r, double mu, double sigma);
double sim_rng_gamma(sim_rng *r, double shape, double scale);
/* Picks an index from non-negative weights (sum > 0); returns -1 if all are 0. */
int sim_rng_pick(sim_rng *r, const double *weights, int n);

#endif
