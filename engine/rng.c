/* rng.c — Philox4x32-10 counter-based streams and the distributions drawn from them.
 *
 * See include/sim_rng.h for the exact algorithm; any change here changes every output, so the
 * unit tests pin known-answer vectors and the first draws of a reference stream.
 */
#include "sim_rng.h"

#include <math.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

uint64_t sim_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

uint64_t sim_hash64_bytes(const void *p, uint64_t n)
{
    const unsigned char *s = p;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (uint64_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return sim_mix64(h);
}

uint64_t sim_hash64(const char *s)
{
    return sim_hash64_bytes(s, strlen(s));
}

static inline void mulhilo32(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    uint64_t p = (uint64_t)a * b;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}

void sim_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
    const uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += W0;
            k1 += W1;
        }
        uint32_t hi0, lo0, hi1, lo1;
        mulhilo32(M0, c0, &hi0, &lo0);
        mulhilo32(M1, c2, &hi1, &lo1);
        uint32_t n0 = hi1 ^ c1 ^ k0;
        uint32_t n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

uint64_t sim_rng_run_key(uint64_t seed)
{
    return sim_mix64(seed ^ UINT64_C(0x6c69666573696d00));
}

uint64_t sim_rng_patient_key(uint64_t run_key, uint64_t slot, uint64_t attempt)
{
    return sim_mix64(run_key ^ sim_mix64(slot * UINT64_C(0x9e3779b97f4a7c15) + attempt + 1));
}

uint64_t sim_rng_stream_key(uint64_t patient_key, const char *stream_name)
{
    return sim_mix64(patient_key ^ sim_hash64(stream_name));
}

void sim_rng_init(sim_rng *r, uint64_t key)
{
    r->key = key;
    r->context = 0;
    r->n = 0;
    r->spare = 0;
    r->have_spare = 0;
}

void sim_rng_set_context(sim_rng *r, uint64_t context)
{
    r->context = context;
    r->n = 0;
    r->have_spare = 0;
}

uint64_t sim_rng_state_context(uint64_t state_hash, uint64_t visit)
{
    return state_hash ^ sim_mix64(visit + UINT64_C(0x5851f42d4c957f2d));
}

uint64_t sim_rng_u64(sim_rng *r)
{
    if (r->have_spare) {
        r->have_spare = 0;
        r->n++;
        return r->spare;
    }
    uint64_t block = r->n / 2;
    uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)r->context,
                       (uint32_t)(r->context >> 32)};
    uint32_t key[2] = {(uint32_t)r->key, (uint32_t)(r->key >> 32)};
    uint32_t out[4];
    sim_philox4x32_10(ctr, key, out);
    r->spare = ((uint64_t)out[3] << 32) | out[2];
    r->have_spare = 1;
    r->n++;
    return ((uint64_t)out[1] << 32) | out[0];
}

double sim_rng_uniform(sim_rng *r)
{
    return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53;
}

double sim_rng_uniform_open(sim_rng *r)
{
    return ((double)(sim_rng_u64(r) >> 12) + 0.5) * 0x1.0p-52;
}

double sim_rng_range(sim_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * sim_rng_uniform(r);
}

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
    /* Lemire's method without the division in the common case */
    uint64_t x = sim_rng_u64(r);
    u128 m = (u128)x * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = -n % n;
        while (l < t) {
            x = sim_rng_u64(r);
            m = (u128)x * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double sim_rng_normal(sim_rng *r, double mean, double sd)
{
    /* Box-Muller, one output per pair of uniforms: a fixed number of draws per value */
    double u1 = sim_rng_uniform_open(r);
    double u2 = sim_rng_uniform(r);
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
    return mean + sd * z;
}

double sim_rng_exponential(sim_rng *r, double mean)
{
    return -mean * log(sim_rng_uniform_open(r));
}

double sim_rng_triangular(sim_rng *r, double lo, double mode, double hi)
{
    double u = sim_rng_uniform(r);
    if (hi <= lo) return lo;
    double f = (mode - lo) / (hi - lo);
    if (u < f) return lo + sqrt(u * (hi - lo) * (mode - lo));
    return hi - sqrt((1 - u) * (hi - lo) * (hi - mode));
}

double sim_rng_weibull(sim_rng *r, double shape, double scale)
{
    return scale * pow(-log(sim_rng_uniform_open(r)), 1.0 / shape);
}

double sim_rng_lognormal(sim_rng *r, double mu, double sigma)
{
    return exp(sim_rng_normal(r, mu, sigma));
}

double sim_rng_gamma(sim_rng *r, double shape, double scale)
{
    /* Marsaglia & Tsang (2000); shape < 1 through the boost x * U^(1/shape) */
    if (shape <= 0 || scale <= 0) return 0;
    double boost = 1.0;
    if (shape < 1.0) {
        boost = pow(sim_rng_uniform_open(r), 1.0 / shape);
        shape += 1.0;
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = sim_rng_normal(r, 0, 1);
            v = 1.0 + c * x;
        } while (v <= 0);
        v = v * v * v;
        double u = sim_rng_uniform_open(r);
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v * scale * boost;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v * scale * boost;
    }
}

int sim_rng_pick(sim_rng *r, const double *weights, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++) total += weights[i] > 0 ? weights[i] : 0;
    if (total <= 0) return -1;
    double x = sim_rng_uniform(r) * total;
    int last = -1;
    for (int i = 0; i < n; i++) {
        if (weights[i] <= 0) continue;
        last = i;
        if (x < weights[i]) return i;
        x -= weights[i];
    }
    return last;
}
