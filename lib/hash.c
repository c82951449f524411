#include "lib/hash.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		abort();
	h->ctx = ctx;
	h->bytes = 0;
}

void sha256_update(struct sha256 *h, const void *data, size_t n)
{
	if (n && EVP_DigestUpdate(h->ctx, data, n) != 1)
		abort();
	h->bytes += n;
}

void sha256_final(struct sha256 *h, char out[SHA256_DIGEST_STR])
{
	unsigned char md[32];
	unsigned int len = 0;
	static const char hex[] = "0123456789abcdef";
	if (EVP_DigestFinal_ex(h->ctx, md, &len) != 1 || len != 32)
		abort();
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
	sha256_release(h);
}

void sha256_release(struct sha256 *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void sha256_buffer(const void *data, size_t n, char out[SHA256_DIGEST_STR])
{
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, data, n);
	sha256_final(&h, out);
}

int sha256_digest_valid(const char *digest)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71)
		return 0;
	for (const char *p = digest + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}
