/* sim_sha256.h — SHA-256 (FIPS 180-4), for the checksums in manifest.json. */
#ifndef SIM_SHA256_H
#define SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed */
    unsigned char block[64];
    size_t fill;
} sim_sha256;

void sim_sha256_init(sim_sha256 *s);
void sim_sha256_update(sim_sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex digits and a NUL. */
void sim_sha256_hex(sim_sha256 *s, char out[65]);

#endif
