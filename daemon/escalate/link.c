/* Signed, expiring acknowledgement tokens: "ID.DELIVERY.EXPIRES.HMAC",
 * HMAC-SHA256 (libcrypto) over "ID.DELIVERY.EXPIRES" with the key of
 * AckKeyFile=/AckKeyCredential=.  The delivery says who the link was sent
 * to, which the acknowledgement records as who acknowledged. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "escalate/escalate.h"

static int mac_hex(const struct secret *key, const char *msg, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (!key || !key->value || key->len == 0)
		return -EINVAL;
	if (!HMAC(EVP_sha256(), key->value, (int)key->len, (const unsigned char *)msg, strlen(msg),
	          mac, &len) ||
	    len != 32)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

int escalate_token_sign(const struct secret *key, int64_t id, int64_t delivery, int64_t expires,
                        char buf[static ESCALATE_TOKEN_MAX])
{
	char msg[64], mac[65];
	/* 3 × 20 digits and 2 dots fit msg; msg, a dot and 64 hex digits fit buf. */
	snprintf(msg, sizeof(msg), "%" PRId64 ".%" PRId64 ".%" PRId64, id, delivery, expires);
	int r = mac_hex(key, msg, mac);
	if (r == 0)
		snprintf(buf, ESCALATE_TOKEN_MAX, "%.62s.%.64s", msg, mac);
	return r;
}

int escalate_token_verify(const struct secret *key, const char *token, int64_t now, int64_t *ret_id,
                          int64_t *ret_delivery)
{
	int64_t id, delivery, expires;
	char mac[65], want[65], msg[64];
	int n = 0;
	if (strlen(token) >= ESCALATE_TOKEN_MAX ||
	    sscanf(token, "%" SCNd64 ".%" SCNd64 ".%" SCNd64 ".%64[0-9a-f]%n", &id, &delivery,
	           &expires, mac, &n) != 4 ||
	    token[n] || strlen(mac) != 64 || id <= 0 || delivery <= 0)
		return -EBADMSG;
	snprintf(msg, sizeof(msg), "%" PRId64 ".%" PRId64 ".%" PRId64, id, delivery, expires);
	/* The canonical form only: "+5" or "05" would sign the same numbers. */
	if (strncmp(token, msg, strlen(msg)) != 0 || mac_hex(key, msg, want) < 0 ||
	    CRYPTO_memcmp(mac, want, 64) != 0)
		return -EBADMSG;
	if (now >= expires)
		return -ETIME;
	*ret_id = id;
	*ret_delivery = delivery;
	return 0;
}
