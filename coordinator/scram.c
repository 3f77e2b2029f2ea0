#include "scram.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

enum { STATE_INIT, STATE_FIRST_SENT, STATE_OVER };

/* --- base64 (RFC 4648 section 4, with padding) --- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Writes 4 * ceil(n / 3) characters, no NUL. */
static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	return o;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes canonical base64 only: length a multiple of 4, padding only at
 * the end, no whitespace, unused bits zero. The decoded length, or -1 when
 * the input is not such text or does not fit in cap bytes. */
static long b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	if (n % 4 != 0)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		bool last = i + 4 == n;
		int pad = last && in[i + 3] == '=' ? (in[i + 2] == '=' ? 2 : 1) : 0;
		uint32_t v = 0;
		for (int k = 0; k < 4 - pad; k++) {
			int d = b64_value(in[i + (size_t)k]);
			if (d < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		v <<= 6 * pad;
		if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
			return -1;
		size_t nb = (size_t)(3 - pad);
		if (cap - o < nb)
			return -1;
		for (size_t k = 0; k < nb; k++)
			out[o++] = (uint8_t)(v >> (16 - 8 * k));
	}
	return (long)o;
}

/* --- secrets (RFC 5802 section 3) --- */

static bool hmac256(const uint8_t key[SCRAM_KEY_LEN], const void *data, size_t n, uint8_t out[SCRAM_KEY_LEN])
{
	unsigned int len = 0;
	return HMAC(EVP_sha256(), key, SCRAM_KEY_LEN, data, n, out, &len) && len == SCRAM_KEY_LEN;
}

int scram_make_secret(const char *password, const uint8_t *salt, int iterations, scram_secret *out)
{
	if (!password || iterations < 0)
		return SCRAM_EINVAL;
	size_t plen = strlen(password);
	if (plen > INT_MAX)
		return SCRAM_EINVAL;
	memset(out, 0, sizeof *out);
	out->iterations = iterations ? iterations : SCRAM_ITERATIONS;
	if (salt)
		memcpy(out->salt, salt, SCRAM_SALT_LEN);
	else if (RAND_bytes(out->salt, SCRAM_SALT_LEN) != 1)
		return SCRAM_ECRYPTO;
	uint8_t salted[SCRAM_KEY_LEN], client_key[SCRAM_KEY_LEN];
	int rc = SCRAM_ECRYPTO;
	if (PKCS5_PBKDF2_HMAC(password, (int)plen, out->salt, SCRAM_SALT_LEN, out->iterations, EVP_sha256(),
			      SCRAM_KEY_LEN, salted) == 1 &&
	    hmac256(salted, "Client Key", 10, client_key) &&
	    SHA256(client_key, SCRAM_KEY_LEN, out->stored_key) &&
	    hmac256(salted, "Server Key", 10, out->server_key))
		rc = SCRAM_OK;
	OPENSSL_cleanse(salted, sizeof salted);
	OPENSSL_cleanse(client_key, sizeof client_key);
	return rc;
}

/* Like PostgreSQL's scram_mock_salt, but keyed with HMAC rather than a hash
 * of name and nonce side by side. */
void scram_mock_secret(const char *user, const uint8_t key[32], scram_secret *out)
{
	memset(out, 0, sizeof *out);
	out->iterations = SCRAM_ITERATIONS;
	out->mock = true;
	uint8_t mac[SCRAM_KEY_LEN];
	if (hmac256(key, user, strlen(user), mac))
		memcpy(out->salt, mac, SCRAM_SALT_LEN);
}

/* --- parsing (RFC 5802 section 7) --- */

/* A cursor over one client message. */
typedef struct cursor {
	const char *p;
	size_t len, off;
} cursor;

static bool at_end(const cursor *c)
{
	return c->off == c->len;
}

static bool eat(cursor *c, char ch)
{
	if (at_end(c) || c->p[c->off] != ch)
		return false;
	c->off++;
	return true;
}

/* attr-val = ALPHA "=" value, value running to the next ',' or the end.
 * want 0 accepts any letter; *name gets the letter. */
static bool attribute(cursor *c, char want, char *name, const char **val, size_t *vlen)
{
	if (at_end(c))
		return false;
	char a = c->p[c->off];
	if (!((a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z')) || (want && a != want))
		return false;
	c->off++;
	if (!eat(c, '='))
		return false;
	*name = a;
	*val = c->p + c->off;
	const char *comma = memchr(*val, ',', c->len - c->off);
	*vlen = comma ? (size_t)(comma - *val) : c->len - c->off;
	c->off += *vlen;
	return true;
}

/* RFC 5802's printable: %x21-2B / %x2D-7E. */
static bool printable(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',')
			return false;
	return true;
}

/* Ends the exchange with rc: no further step, and no key left behind. */
static int finish(scram_server *s, int rc, const char *why)
{
	s->state = STATE_OVER;
	s->why = why;
	OPENSSL_cleanse(&s->secret, sizeof s->secret);
	return rc;
}

static int malformed(scram_server *s, const char *why)
{
	return finish(s, SCRAM_EFORMAT, why);
}

/* PostgreSQL refuses empty messages and NUL bytes inside them (the message
 * is then shorter than its declared length). */
static const char *check_message(const char *m, size_t len)
{
	if (!m || len == 0)
		return "empty message";
	if (len > SCRAM_MAX_MESSAGE)
		return "message too long";
	if (memchr(m, 0, len))
		return "NUL byte in message";
	return NULL;
}

int scram_server_first_with_nonce(scram_server *s, const scram_secret *secret, const char *client_first,
				  size_t len, const char *server_nonce, char *out, size_t cap, size_t *outlen)
{
	memset(s, 0, sizeof *s);
	size_t snl = server_nonce ? strlen(server_nonce) : 0;
	if (!secret || !out || !outlen || snl > SCRAM_MAX_SERVER_NONCE || !printable(server_nonce, snl))
		return finish(s, SCRAM_EINVAL, "bad argument");
	const char *why = check_message(client_first, len);
	if (why)
		return malformed(s, why);
	cursor c = {client_first, len, 0};

	/* gs2-header: we offer no channel binding, so "n" (client cannot
	 * bind) and "y" (client could, thinks the server cannot) are fine;
	 * "p=" asks for binding we never advertised. With TLS and
	 * SCRAM-SHA-256-PLUS, "y" would have to be refused as a downgrade. */
	if (eat(&c, 'n'))
		s->cbind_flag = 'n';
	else if (eat(&c, 'y'))
		s->cbind_flag = 'y';
	else if (!at_end(&c) && c.p[c.off] == 'p')
		return malformed(s, "channel binding requested but not supported");
	else
		return malformed(s, "unexpected channel-binding flag");
	if (!eat(&c, ','))
		return malformed(s, "comma expected after the channel-binding flag");
	if (!at_end(&c) && c.p[c.off] == 'a')
		return malformed(s, "authorization identity not supported");
	if (!eat(&c, ','))
		return malformed(s, "comma expected after the gs2 header");

	/* client-first-message-bare = [reserved-mext ","] username "," nonce
	 * ["," extensions]. The user name is the startup packet's. */
	size_t bare = c.off;
	if (!at_end(&c) && c.p[c.off] == 'm')
		return malformed(s, "mandatory extension not supported");
	char name;
	const char *v, *nonce;
	size_t vl, nl;
	if (!attribute(&c, 'n', &name, &v, &vl) || !eat(&c, ','))
		return malformed(s, "user name attribute expected");
	if (!attribute(&c, 'r', &name, &nonce, &nl))
		return malformed(s, "nonce attribute expected");
	if (!printable(nonce, nl))
		return malformed(s, "nonce is not printable ASCII");
	while (!at_end(&c))
		if (!eat(&c, ',') || !attribute(&c, 0, &name, &v, &vl))
			return malformed(s, "malformed extension");

	s->first_bare_len = len - bare;
	memcpy(s->first_bare, client_first + bare, s->first_bare_len);
	s->secret = *secret;
	s->nonce_len = nl + snl;
	char salt[SCRAM_SALT_LEN * 2];
	size_t sl = b64_encode(secret->salt, SCRAM_SALT_LEN, salt);
	int n = snprintf(s->server_first, sizeof s->server_first, "r=%.*s%s,s=%.*s,i=%d", (int)nl, nonce,
			 server_nonce, (int)sl, salt, secret->iterations);
	if (n < 0 || (size_t)n >= sizeof s->server_first || (size_t)n >= cap)
		return finish(s, SCRAM_EINVAL, "output buffer too small");
	s->server_first_len = (size_t)n;
	memcpy(out, s->server_first, s->server_first_len + 1);
	*outlen = s->server_first_len;
	s->state = STATE_FIRST_SENT;
	return SCRAM_OK;
}

int scram_server_first(scram_server *s, const scram_secret *secret, const char *client_first, size_t len,
		       char *out, size_t cap, size_t *outlen)
{
	uint8_t raw[SCRAM_SERVER_NONCE_RAW];
	char nonce[SCRAM_SERVER_NONCE_RAW * 2];
	if (RAND_bytes(raw, sizeof raw) != 1) {
		memset(s, 0, sizeof *s);
		return finish(s, SCRAM_ECRYPTO, "no random bytes");
	}
	nonce[b64_encode(raw, sizeof raw, nonce)] = 0;
	return scram_server_first_with_nonce(s, secret, client_first, len, nonce, out, cap, outlen);
}

/* client-final-message = channel-binding "," nonce ["," extensions] ","
 * proof; AuthMessage and the signatures of RFC 5802 section 3. */
int scram_server_final(scram_server *s, const char *client_final, size_t len, char *out, size_t cap,
		       size_t *outlen)
{
	if (s->state != STATE_FIRST_SENT || !out || !outlen)
		return finish(s, SCRAM_EINVAL, "called out of order");
	const char *why = check_message(client_final, len);
	if (why)
		return malformed(s, why);
	cursor c = {client_final, len, 0};
	char name;
	const char *v;
	size_t vl;
	if (!attribute(&c, 'c', &name, &v, &vl) || !eat(&c, ','))
		return malformed(s, "channel-binding attribute expected");
	/* base64 of the gs2 header "n,," or "y,,", as the client sent it */
	const char *echo = s->cbind_flag == 'n' ? "biws" : "eSws";
	if (vl != 4 || memcmp(v, echo, 4) != 0)
		return malformed(s, "unexpected channel-binding attribute");
	if (!attribute(&c, 'r', &name, &v, &vl))
		return malformed(s, "nonce attribute expected");
	if (vl != s->nonce_len || memcmp(v, s->server_first + 2, vl) != 0)
		return malformed(s, "nonce does not match");
	size_t without_proof;
	do {
		without_proof = c.off;
		if (!eat(&c, ',') || !attribute(&c, 0, &name, &v, &vl))
			return malformed(s, "proof attribute expected");
	} while (name != 'p');
	if (!at_end(&c))
		return malformed(s, "garbage after the proof");
	uint8_t proof[SCRAM_KEY_LEN];
	if (b64_decode(v, vl, proof, sizeof proof) != SCRAM_KEY_LEN)
		return malformed(s, "malformed proof");

	/* AuthMessage = client-first-message-bare "," server-first-message ","
	 * client-final-message-without-proof */
	char auth[SCRAM_MAX_MESSAGE + 1 + SCRAM_OUT_MAX + 1 + SCRAM_MAX_MESSAGE];
	size_t al = 0;
	memcpy(auth, s->first_bare, s->first_bare_len);
	al += s->first_bare_len;
	auth[al++] = ',';
	memcpy(auth + al, s->server_first, s->server_first_len);
	al += s->server_first_len;
	auth[al++] = ',';
	memcpy(auth + al, client_final, without_proof);
	al += without_proof;

	/* ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage), and the
	 * client knew the password if H(ClientKey) = StoredKey. */
	uint8_t key[SCRAM_KEY_LEN], hashed[SCRAM_KEY_LEN], server_sig[SCRAM_KEY_LEN];
	bool ok = hmac256(s->secret.stored_key, auth, al, key);
	for (size_t i = 0; i < SCRAM_KEY_LEN; i++)
		key[i] ^= proof[i];
	ok = ok && SHA256(key, SCRAM_KEY_LEN, hashed) && hmac256(s->secret.server_key, auth, al, server_sig);
	OPENSSL_cleanse(key, sizeof key);
	int rc = SCRAM_OK;
	if (!ok) {
		rc = SCRAM_ECRYPTO;
		why = "HMAC failed";
	} else if (CRYPTO_memcmp(hashed, s->secret.stored_key, SCRAM_KEY_LEN) != 0 || s->secret.mock) {
		rc = SCRAM_EAUTH;
		why = s->secret.mock ? "no such user" : "wrong password";
	} else if (cap <= 2 + (SCRAM_KEY_LEN + 2) / 3 * 4) {
		rc = SCRAM_EINVAL;
		why = "output buffer too small";
	} else {
		out[0] = 'v';
		out[1] = '=';
		*outlen = 2 + b64_encode(server_sig, SCRAM_KEY_LEN, out + 2);
		out[*outlen] = 0;
	}
	return finish(s, rc, why);
}
