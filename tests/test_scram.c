/* scram: the server side of SCRAM-SHA-256 reproduces RFC 7677's example
 * exchange, accepts a real client, tells a wrong password (SCRAM_EAUTH)
 * from a malformed message (SCRAM_EFORMAT), runs mock exchanges for unknown
 * users, and reads client messages only within their length. */
#include "scram.h"
#include "test.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* RFC 7677 section 3. */
static const uint8_t rfc_salt[SCRAM_SALT_LEN] = {0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e,
						 0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81};
#define RFC_CLIENT_FIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC_SERVER_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_NONCE "rOprNGfwEbeRWgbNEkqO" RFC_SERVER_NONCE
#define RFC_SERVER_FIRST "r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_PROOF "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_CLIENT_FINAL "c=biws,r=" RFC_NONCE ",p=" RFC_PROOF
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* The message in a heap block of exactly its length, without a NUL, so
 * AddressSanitizer reports any read past it. Freed by the callers below. */
static char *exact(const char *m, size_t n)
{
	char *p = malloc(n ? n : 1);
	memcpy(p, m, n);
	return p;
}

static int first(scram_server *s, const scram_secret *sec, const char *m, size_t n, const char *snonce,
		 char *out)
{
	char *p = exact(m, n);
	size_t ol = 0;
	int rc = snonce ? scram_server_first_with_nonce(s, sec, p, n, snonce, out, SCRAM_OUT_MAX, &ol)
			: scram_server_first(s, sec, p, n, out, SCRAM_OUT_MAX, &ol);
	if (rc == SCRAM_OK)
		CHECK_EQ_INT(ol, strlen(out));
	free(p);
	return rc;
}

static int final(scram_server *s, const char *m, size_t n, char *out)
{
	char *p = exact(m, n);
	size_t ol = 0;
	int rc = scram_server_final(s, p, n, out, SCRAM_OUT_MAX, &ol);
	if (rc == SCRAM_OK)
		CHECK_EQ_INT(ol, strlen(out));
	free(p);
	return rc;
}

static scram_secret rfc_secret(void)
{
	scram_secret sec;
	CHECK_EQ_INT(scram_make_secret("pencil", rfc_salt, 4096, &sec), SCRAM_OK);
	return sec;
}

/* The RFC's exchange up to server-first, then client_final (a C string). */
static int rfc_final(const char *client_final)
{
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SERVER_NONCE, out),
		     SCRAM_OK);
	return final(&s, client_final, strlen(client_final), out);
}

static int first_rc(const char *m, size_t n)
{
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	return first(&s, &sec, m, n, NULL, out);
}
#define FIRST_RC(lit) first_rc(lit, sizeof(lit) - 1)

/* --- a client, after RFC 5802 section 3, to drive the server --- */

typedef struct client {
	char first_bare[SCRAM_MAX_MESSAGE];
	char final[SCRAM_OUT_MAX];
	uint8_t server_sig[32];
} client;

static void b64(const uint8_t *in, int n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, n);
}

/* Builds client-final-message for server_first: channel binding attribute
 * cb, then extension ext (may be ""), then the proof for password. */
static void client_final(client *c, const char *server_first, const char *password, const char *cb,
			 const char *ext)
{
	const char *r = strstr(server_first, "r="), *sp = strstr(server_first, ",s="),
		   *ip = strstr(server_first, ",i=");
	CHECK(r == server_first && sp && ip);
	if (!(r == server_first && sp && ip))
		return;
	uint8_t salt[64];
	int sl = EVP_DecodeBlock(salt, (const unsigned char *)sp + 3, (int)(ip - sp - 3));
	CHECK_EQ_INT(sl, 18); /* 16 bytes and two '=' */
	int iter = atoi(ip + 3);
	uint8_t salted[32], ck[32], sk[32], svk[32], cs[32], proof[32];
	unsigned int l;
	PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, 16, iter, EVP_sha256(), 32, salted);
	HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Client Key", 10, ck, &l);
	HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Server Key", 10, svk, &l);
	SHA256(ck, 32, sk);
	int n = snprintf(c->final, sizeof c->final, "c=%s,r=%.*s%s", cb, (int)(sp - r - 2), r + 2, ext);
	char auth[4096];
	int al = snprintf(auth, sizeof auth, "%s,%s,%s", c->first_bare, server_first, c->final);
	HMAC(EVP_sha256(), sk, 32, (const uint8_t *)auth, (size_t)al, cs, &l);
	HMAC(EVP_sha256(), svk, 32, (const uint8_t *)auth, (size_t)al, c->server_sig, &l);
	for (int i = 0; i < 32; i++)
		proof[i] = ck[i] ^ cs[i];
	memcpy(c->final + n, ",p=", 3);
	b64(proof, 32, c->final + n + 3);
}

/* A whole exchange with a random server nonce: the rc of the final step,
 * and on success the server signature checked against the client's. */
static int exchange(const scram_secret *sec, const char *gs2, const char *password, const char *cb,
		    const char *ext)
{
	client c;
	snprintf(c.first_bare, sizeof c.first_bare, "n=,r=fyko+d2lbbFgONRv9qkxdawL");
	char msg[SCRAM_MAX_MESSAGE], out[SCRAM_OUT_MAX];
	int n = snprintf(msg, sizeof msg, "%s%s", gs2, c.first_bare);
	scram_server s;
	int rc = first(&s, sec, msg, (size_t)n, NULL, out);
	CHECK_EQ_INT(rc, SCRAM_OK);
	if (rc != SCRAM_OK)
		return rc;
	client_final(&c, out, password, cb, ext);
	rc = final(&s, c.final, strlen(c.final), out);
	if (rc == SCRAM_OK) {
		char want[64] = "v=";
		b64(c.server_sig, 32, want + 2);
		CHECK(strcmp(out, want) == 0);
	}
	return rc;
}

/* --- tests --- */

static void rfc7677_example_exchange(void)
{
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SERVER_NONCE, out),
		     SCRAM_OK);
	CHECK(strcmp(out, RFC_SERVER_FIRST) == 0);
	CHECK_EQ_INT(final(&s, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out), SCRAM_OK);
	CHECK(strcmp(out, RFC_SERVER_FINAL) == 0);
}

static void rfc7677_proof_for_other_password_is_auth_failure(void)
{
	scram_secret sec;
	CHECK_EQ_INT(scram_make_secret("pencil2", rfc_salt, 4096, &sec), SCRAM_OK);
	scram_server s;
	char out[SCRAM_OUT_MAX];
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SERVER_NONCE, out),
		     SCRAM_OK);
	CHECK_EQ_INT(final(&s, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out), SCRAM_EAUTH);
}

static void client_with_right_password_is_accepted(void)
{
	scram_secret sec;
	CHECK_EQ_INT(scram_make_secret("sécret pass", NULL, 0, &sec), SCRAM_OK);
	CHECK_EQ_INT(sec.iterations, SCRAM_ITERATIONS);
	CHECK(!sec.mock);
	CHECK_EQ_INT(exchange(&sec, "n,,", "sécret pass", "biws", ""), SCRAM_OK);
}

static void wrong_password_is_auth_failure(void)
{
	scram_secret sec;
	CHECK_EQ_INT(scram_make_secret("right", NULL, 0, &sec), SCRAM_OK);
	CHECK_EQ_INT(exchange(&sec, "n,,", "wrong", "biws", ""), SCRAM_EAUTH);
	CHECK_EQ_INT(exchange(&sec, "n,,", "", "biws", ""), SCRAM_EAUTH);
}

static void server_nonce_extends_client_nonce_randomly(void)
{
	scram_secret sec = rfc_secret();
	scram_server s;
	char a[SCRAM_OUT_MAX], b[SCRAM_OUT_MAX];
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), NULL, a), SCRAM_OK);
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), NULL, b), SCRAM_OK);
	/* "r=" + 20 client characters + 24 base64 characters of 18 bytes */
	CHECK(strncmp(a, "r=rOprNGfwEbeRWgbNEkqO", 22) == 0);
	CHECK(strcmp(strchr(a, ','), ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") == 0);
	CHECK_EQ_INT(strchr(a, ',') - a, 22 + 24);
	CHECK(strncmp(a, b, 22 + 24) != 0);
}

static void gs2_flag_y_needs_its_own_echo(void)
{
	scram_secret sec;
	CHECK_EQ_INT(scram_make_secret("pw", NULL, 0, &sec), SCRAM_OK);
	CHECK_EQ_INT(exchange(&sec, "y,,", "pw", "eSws", ""), SCRAM_OK);
	CHECK_EQ_INT(exchange(&sec, "y,,", "pw", "biws", ""), SCRAM_EFORMAT);
	CHECK_EQ_INT(exchange(&sec, "n,,", "pw", "eSws", ""), SCRAM_EFORMAT);
	CHECK_EQ_INT(exchange(&sec, "n,,", "pw", "", ""), SCRAM_EFORMAT);
}

static void final_extensions_are_ignored(void)
{
	scram_secret sec;
	CHECK_EQ_INT(scram_make_secret("pw", NULL, 0, &sec), SCRAM_OK);
	CHECK_EQ_INT(exchange(&sec, "n,,", "pw", "biws", ",x=1,m=2"), SCRAM_OK);
	CHECK_EQ_INT(exchange(&sec, "n,,", "pw", "biws", ",1=x"), SCRAM_EFORMAT);
	CHECK_EQ_INT(exchange(&sec, "n,,", "pw", "biws", ",x"), SCRAM_EFORMAT);
}

static void mock_secret_is_deterministic_per_user_and_key(void)
{
	uint8_t k1[32] = {1}, k2[32] = {2};
	scram_secret a, b, c, d;
	scram_mock_secret("alice", k1, &a);
	scram_mock_secret("alice", k1, &b);
	scram_mock_secret("bob", k1, &c);
	scram_mock_secret("alice", k2, &d);
	CHECK(a.mock);
	CHECK_EQ_INT(a.iterations, SCRAM_ITERATIONS);
	CHECK(memcmp(a.salt, b.salt, SCRAM_SALT_LEN) == 0);
	CHECK(memcmp(a.salt, c.salt, SCRAM_SALT_LEN) != 0);
	CHECK(memcmp(a.salt, d.salt, SCRAM_SALT_LEN) != 0);
}

static void mock_exchange_looks_real_and_fails(void)
{
	uint8_t key[32] = {7};
	scram_secret mock, real;
	scram_mock_secret("nobody", key, &mock);
	CHECK_EQ_INT(scram_make_secret("pw", NULL, 0, &real), SCRAM_OK);
	scram_server s;
	char a[SCRAM_OUT_MAX], b[SCRAM_OUT_MAX];
	CHECK_EQ_INT(first(&s, &mock, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), NULL, a), SCRAM_OK);
	CHECK_EQ_INT(first(&s, &real, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), NULL, b), SCRAM_OK);
	CHECK_EQ_INT(strlen(a), strlen(b));
	CHECK(strcmp(strstr(a, ",i="), strstr(b, ",i=")) == 0);
	CHECK_EQ_INT(exchange(&mock, "n,,", "pw", "biws", ""), SCRAM_EAUTH);
	/* The flag decides, whatever the keys: a right proof still fails. */
	real.mock = true;
	CHECK_EQ_INT(exchange(&real, "n,,", "pw", "biws", ""), SCRAM_EAUTH);
}

static void make_secret_checks_arguments(void)
{
	scram_secret a, b;
	CHECK_EQ_INT(scram_make_secret(NULL, NULL, 0, &a), SCRAM_EINVAL);
	CHECK_EQ_INT(scram_make_secret("x", NULL, -1, &a), SCRAM_EINVAL);
	CHECK_EQ_INT(scram_make_secret("x", NULL, 1, &a), SCRAM_OK);
	CHECK_EQ_INT(scram_make_secret("x", NULL, 1, &b), SCRAM_OK);
	CHECK(memcmp(a.salt, b.salt, SCRAM_SALT_LEN) != 0); /* random salts */
	CHECK_EQ_INT(scram_make_secret("x", a.salt, 1, &b), SCRAM_OK);
	CHECK(memcmp(a.stored_key, b.stored_key, SCRAM_KEY_LEN) == 0);
	CHECK(memcmp(a.server_key, b.server_key, SCRAM_KEY_LEN) == 0);
}

static void first_refuses_channel_binding_request(void)
{
	CHECK_EQ_INT(FIRST_RC("p=tls-server-end-point,,n=,r=abc"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("p,,n=,r=abc"), SCRAM_EFORMAT);
}

static void first_refuses_bad_gs2_header(void)
{
	CHECK_EQ_INT(FIRST_RC("x,,n=,r=abc"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,a=bob,n=,r=abc"), SCRAM_EFORMAT); /* authzid */
	CHECK_EQ_INT(FIRST_RC("n,n=,r=abc"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("nn,,n=,r=abc"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,"), SCRAM_EFORMAT);
}

static void first_refuses_missing_or_misordered_attributes(void)
{
	CHECK_EQ_INT(FIRST_RC("n,,r=abc"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=user"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=user,"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,r=abc,n=user"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=user,x=1,r=abc"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,nuser,r=abc"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=user,r=abc,"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=user,r=abc,=1"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=user,r=abc,x=1"), SCRAM_OK); /* extensions are ignored */
}

static void first_refuses_mandatory_extension(void)
{
	CHECK_EQ_INT(FIRST_RC("n,,m=ext,n=user,r=abc"), SCRAM_EFORMAT);
}

static void first_refuses_bad_nonce(void)
{
	CHECK_EQ_INT(FIRST_RC("n,,n=,r="), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=,r=ab c"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=,r=ab\x7f"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=,r=ab\xc3\xa9"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=,r=ab\0c"), SCRAM_EFORMAT);
	CHECK_EQ_INT(FIRST_RC("n,,n=,r=!~"), SCRAM_OK);
}

static void first_refuses_empty_and_oversized(void)
{
	CHECK_EQ_INT(first_rc("", 0), SCRAM_EFORMAT);
	char m[SCRAM_MAX_MESSAGE + 1];
	memcpy(m, "n,,n=,r=", 8);
	memset(m + 8, 'a', sizeof m - 8);
	CHECK_EQ_INT(first_rc(m, SCRAM_MAX_MESSAGE), SCRAM_OK);
	CHECK_EQ_INT(first_rc(m, SCRAM_MAX_MESSAGE + 1), SCRAM_EFORMAT);
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	size_t ol;
	CHECK_EQ_INT(scram_server_first(&s, &sec, NULL, 0, out, sizeof out, &ol), SCRAM_EFORMAT);
}

static void first_reads_only_its_length(void)
{
	/* The bytes after len would make the message malformed. */
	const char buf[] = "n,,n=,r=abc,p";
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	CHECK_EQ_INT(first(&s, &sec, buf, 11, "XYZ", out), SCRAM_OK);
	CHECK(strncmp(out, "r=abcXYZ,", 9) == 0);
}

static void final_accepts_rfc_proof_only_with_exact_nonce(void)
{
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE "x,p=" RFC_PROOF), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=" RFC_PROOF), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=sOprNGfwEbeRWgbNEkqO" RFC_SERVER_NONCE ",p=" RFC_PROOF),
		     SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=,p=" RFC_PROOF), SCRAM_EFORMAT);
}

static void final_refuses_missing_or_misordered_attributes(void)
{
	CHECK_EQ_INT(rfc_final("r=" RFC_NONCE ",p=" RFC_PROOF), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("r=" RFC_NONCE ",c=biws,p=" RFC_PROOF), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,p=" RFC_PROOF ",r=" RFC_NONCE), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ","), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=" RFC_PROOF ","), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=" RFC_PROOF ",x=1"), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws"), SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,"), SCRAM_EFORMAT);
}

static void final_refuses_bad_base64_proof(void)
{
	/* 'R' differs from the proof's last 'Q' in bits the padding drops: a
	 * lenient decoder would accept it. */
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVR="),
		     SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ"),
		     SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7And*Q="),
		     SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9 ytag9zjfMHgsqmmiz7AndVQ="),
		     SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=dHzb=apWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
		     SCRAM_EFORMAT);
	/* 31 and 33 bytes */
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndQ=="),
		     SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQA"),
		     SCRAM_EFORMAT);
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p="), SCRAM_EFORMAT);
	/* A well-formed proof that is wrong is the other error. */
	CHECK_EQ_INT(rfc_final("c=biws,r=" RFC_NONCE ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
		     SCRAM_EAUTH);
}

static void final_refuses_empty_nul_and_oversized(void)
{
	CHECK_EQ_INT(rfc_final(""), SCRAM_EFORMAT);
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	static const char with_nul[] = "c=biws,r=" RFC_NONCE ",p=" RFC_PROOF "\0";
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SERVER_NONCE, out),
		     SCRAM_OK);
	CHECK_EQ_INT(final(&s, with_nul, sizeof with_nul - 1, out), SCRAM_EFORMAT);
	/* An extension pads the message: at the limit it is read (and the
	 * proof, made without it, is wrong); one byte more is malformed. */
	static const char head[] = "c=biws,r=" RFC_NONCE ",x=", tail[] = ",p=" RFC_PROOF;
	char big[SCRAM_MAX_MESSAGE + 1];
	for (size_t len = SCRAM_MAX_MESSAGE; len <= SCRAM_MAX_MESSAGE + 1; len++) {
		memcpy(big, head, sizeof head - 1);
		memset(big + sizeof head - 1, 'a', len - (sizeof head - 1) - (sizeof tail - 1));
		memcpy(big + len - (sizeof tail - 1), tail, sizeof tail - 1);
		CHECK_EQ_INT(
		    first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SERVER_NONCE, out),
		    SCRAM_OK);
		CHECK_EQ_INT(final(&s, big, len, out),
			     len == SCRAM_MAX_MESSAGE ? SCRAM_EAUTH : SCRAM_EFORMAT);
	}
}

static void final_reads_only_its_length(void)
{
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	const char buf[] = RFC_CLIENT_FINAL ",garbage";
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SERVER_NONCE, out),
		     SCRAM_OK);
	CHECK_EQ_INT(final(&s, buf, strlen(RFC_CLIENT_FINAL), out), SCRAM_OK);
	CHECK(strcmp(out, RFC_SERVER_FINAL) == 0);
}

static void calls_out_of_order_are_refused(void)
{
	scram_secret sec = rfc_secret();
	scram_server s = {0};
	char out[SCRAM_OUT_MAX];
	CHECK_EQ_INT(final(&s, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out), SCRAM_EINVAL);
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SERVER_NONCE, out),
		     SCRAM_OK);
	CHECK_EQ_INT(final(&s, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out), SCRAM_OK);
	CHECK_EQ_INT(final(&s, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out), SCRAM_EINVAL);
	/* a failed first step ends the exchange too */
	CHECK_EQ_INT(first(&s, &sec, "x", 1, RFC_SERVER_NONCE, out), SCRAM_EFORMAT);
	CHECK(s.why != NULL);
	CHECK_EQ_INT(final(&s, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out), SCRAM_EINVAL);
}

static void small_output_buffer_is_refused(void)
{
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	size_t ol;
	size_t need = strlen(RFC_SERVER_FIRST);
	CHECK_EQ_INT(scram_server_first_with_nonce(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST),
						   RFC_SERVER_NONCE, out, need, &ol),
		     SCRAM_EINVAL);
	CHECK_EQ_INT(scram_server_first_with_nonce(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST),
						   RFC_SERVER_NONCE, out, need + 1, &ol),
		     SCRAM_OK);
	CHECK_EQ_INT(ol, need);
	CHECK_EQ_INT(scram_server_final(&s, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out,
					strlen(RFC_SERVER_FINAL), &ol),
		     SCRAM_EINVAL);
}

static void test_hook_refuses_bad_server_nonce(void)
{
	scram_secret sec = rfc_secret();
	scram_server s;
	char out[SCRAM_OUT_MAX];
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), "", out), SCRAM_EINVAL);
	CHECK_EQ_INT(first(&s, &sec, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), "a,b", out), SCRAM_EINVAL);
}

TEST_MAIN(TEST(rfc7677_example_exchange), TEST(rfc7677_proof_for_other_password_is_auth_failure),
	  TEST(client_with_right_password_is_accepted), TEST(wrong_password_is_auth_failure),
	  TEST(server_nonce_extends_client_nonce_randomly), TEST(gs2_flag_y_needs_its_own_echo),
	  TEST(final_extensions_are_ignored), TEST(mock_secret_is_deterministic_per_user_and_key),
	  TEST(mock_exchange_looks_real_and_fails), TEST(make_secret_checks_arguments),
	  TEST(first_refuses_channel_binding_request), TEST(first_refuses_bad_gs2_header),
	  TEST(first_refuses_missing_or_misordered_attributes), TEST(first_refuses_mandatory_extension),
	  TEST(first_refuses_bad_nonce), TEST(first_refuses_empty_and_oversized),
	  TEST(first_reads_only_its_length), TEST(final_accepts_rfc_proof_only_with_exact_nonce),
	  TEST(final_refuses_missing_or_misordered_attributes), TEST(final_refuses_bad_base64_proof),
	  TEST(final_refuses_empty_nul_and_oversized), TEST(final_reads_only_its_length),
	  TEST(calls_out_of_order_are_refused), TEST(small_output_buffer_is_refused),
	  TEST(test_hook_refuses_bad_server_nonce))
