/* sha256.c — SHA-256 through libcrypto's EVP interface (see include/sim_sha256.h). */
#include "sim_sha256.h"

#include <openssl/evp.h>
#include <stdio.h>

void sim_sha256_init(sim_sha256 *s)
{
    s->failed = 0;
    s->ctx = EVP_MD_CTX_new();
    if (!s->ctx || EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) != 1) {
        sim_sha256_discard(s);
        s->failed = 1;
    }
}

void sim_sha256_update(sim_sha256 *s, const void *data, size_t n)
{
    if (!s->ctx || !n) return;
    if (EVP_DigestUpdate(s->ctx, data, n) != 1) {
        sim_sha256_discard(s);
        s->failed = 1;
    }
}

void sim_sha256_hex(sim_sha256 *s, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    out[0] = '\0';
    if (s->ctx && EVP_DigestFinal_ex(s->ctx, d, &n) == 1 && n == 32)
        for (unsigned i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    sim_sha256_discard(s);
}

void sim_sha256_discard(sim_sha256 *s)
{
    EVP_MD_CTX_free(s->ctx);
    s->ctx = NULL;
}
