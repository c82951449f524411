/* SHA-256 through OpenSSL's libcrypto, as "sha256:<hex>" digests. */
#ifndef PARE_HASH_H
#define PARE_HASH_H
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_STR 72 /* "sha256:" + 64 hex + NUL, rounded */

struct sha256 {
	void *ctx; /* EVP_MD_CTX */
	uint64_t bytes;
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t n);
/* Writes "sha256:<64 hex>" into out and releases the context. */
void sha256_final(struct sha256 *h, char out[SHA256_DIGEST_STR]);
void sha256_release(struct sha256 *h);
void sha256_buffer(const void *data, size_t n, char out[SHA256_DIGEST_STR]);
/* true when `digest` is "sha256:" followed by exactly 64 lowercase hex digits. */
int sha256_digest_valid(const char *digest);
#endif
