/* sim_sha256.h — SHA-256, for the checksums in manifest.json. OpenSSL's libcrypto does the
 * hashing (with the CPU's SHA extensions where it has them). */
#ifndef SIM_SHA256_H
#define SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_sha256 {
    void *ctx; /* EVP_MD_CTX; NULL before init, after hex or discard, or when out of memory */
    int failed;
} sim_sha256;

void sim_sha256_init(sim_sha256 *s);
void sim_sha256_update(sim_sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex digits and a NUL, and releases the state ("" when the
 * hashing failed: out of memory). */
void sim_sha256_hex(sim_sha256 *s, char out[65]);
/* Releases the state of a hash that will not be finished. */
void sim_sha256_discard(sim_sha256 *s);

#endif
