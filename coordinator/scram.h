/* The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL runs
 * it (PostgreSQL docs, "SASL Authentication"; src/backend/libpq/auth-scram.c):
 * no channel binding, the user name inside the exchange ignored in favour of
 * the startup packet's, and a mock exchange for unknown users that looks the
 * same on the wire. Pure computation over caller buffers, no heap; SHA-256,
 * HMAC, PBKDF2 and the random source are OpenSSL's. */
#ifndef OMEN_SCRAM_H
#define OMEN_SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCRAM_KEY_LEN 32
#define SCRAM_SALT_LEN 16
#define SCRAM_ITERATIONS 4096			/* PostgreSQL's scram_iterations default */
#define SCRAM_SERVER_NONCE_RAW 18		/* random bytes, sent base64-encoded as PostgreSQL does */
#define SCRAM_MAX_SERVER_NONCE 64		/* characters, for scram_server_first_with_nonce */
#define SCRAM_MAX_MESSAGE 1024			/* a longer client message is malformed */
#define SCRAM_OUT_MAX (SCRAM_MAX_MESSAGE + 128) /* an out buffer this large always suffices */

enum scram_result {
	SCRAM_OK = 0,
	SCRAM_EFORMAT, /* malformed client message or protocol violation: SQLSTATE 08P01 */
	SCRAM_EAUTH,   /* well-formed, but the proof is wrong or the secret is a mock: 28P01 */
	SCRAM_EINVAL,  /* the caller's mistake: out too small, call out of order, bad argument */
	SCRAM_ECRYPTO  /* OpenSSL failed (random source, PBKDF2, HMAC) */
};

/* What the server keeps of a password (RFC 5802 section 3). */
typedef struct scram_secret {
	uint8_t salt[SCRAM_SALT_LEN];
	int iterations;
	uint8_t stored_key[SCRAM_KEY_LEN];
	uint8_t server_key[SCRAM_KEY_LEN];
	bool mock; /* made by scram_mock_secret: every exchange ends in SCRAM_EAUTH */
} scram_secret;

/* Derives the secret of a NUL-terminated password, used byte for byte:
 * SASLprep is not applied (PostgreSQL falls back to the raw bytes too when
 * SASLprep fails, so ASCII passwords and those PostgreSQL cannot normalise
 * agree with it; other non-ASCII passwords may not). salt: SCRAM_SALT_LEN
 * bytes, or NULL for random ones; iterations: 0 for SCRAM_ITERATIONS.
 * SCRAM_OK, SCRAM_EINVAL (NULL password, iterations < 0, password longer
 * than INT_MAX) or SCRAM_ECRYPTO. Runs PBKDF2: do it once, at start-up. */
int scram_make_secret(const char *password, const uint8_t *salt, int iterations, scram_secret *out);

/* The secret to run the exchange with for a user that does not exist, so
 * that the server-first-message is indistinguishable from a real one: salt
 * derived from the user name and a per-process random key (key: 32 bytes),
 * the same for every attempt; keys zero; mock set. Cannot fail. */
void scram_mock_secret(const char *user, const uint8_t key[32], scram_secret *out);

/* One exchange. Holds no pointers and no heap memory: a copy of the secret
 * and the messages the AuthMessage needs. Fields are private except why. */
typedef struct scram_server {
	int state;
	scram_secret secret;
	char cbind_flag; /* 'n' or 'y' */
	char first_bare[SCRAM_MAX_MESSAGE];
	size_t first_bare_len;
	char server_first[SCRAM_OUT_MAX];
	size_t server_first_len;
	size_t nonce_len; /* client + server nonce, after "r=" in server_first */
	const char *why;  /* static text: why the last call failed, for the log */
} scram_server;

/* Reads client-first-message (RFC 5802 section 7; the SASLInitialResponse
 * data, len bytes, not NUL-terminated, never read past len), initialises *s
 * and writes server-first-message "r=<nonce>,s=<salt>,i=<iterations>" to
 * out: NUL-terminated, *outlen bytes without the NUL, cap must exceed it
 * (SCRAM_OUT_MAX always does). The server nonce is the client's plus 18
 * random bytes in base64. secret is copied and need not outlive the call.
 * Refused as SCRAM_EFORMAT: channel binding "p=", an authzid, the "m="
 * extension, a missing or misplaced attribute, a nonce that is empty or not
 * printable ASCII without ',', NUL bytes, an empty or oversized message. */
int scram_server_first(scram_server *s, const scram_secret *secret, const char *client_first, size_t len,
		       char *out, size_t cap, size_t *outlen);

/* scram_server_first with the server's part of the nonce given (a
 * NUL-terminated printable string without ',', at most
 * SCRAM_MAX_SERVER_NONCE characters): for test vectors only. */
int scram_server_first_with_nonce(scram_server *s, const scram_secret *secret, const char *client_first,
				  size_t len, const char *server_nonce, char *out, size_t cap,
				  size_t *outlen);

/* Reads client-final-message (len bytes, not NUL-terminated), checks the
 * channel-binding echo ("biws" after "n,,", "eSws" after "y,,") and the
 * nonce (SCRAM_EFORMAT when wrong), then the proof in constant time
 * (SCRAM_EAUTH when wrong, or always for a mock secret). On SCRAM_OK, out
 * holds server-final-message "v=<ServerSignature>" as for
 * scram_server_first. Extensions before "p=" are ignored (RFC 5802 section
 * 7). The exchange is over after this call, whatever it returns. */
int scram_server_final(scram_server *s, const char *client_final, size_t len, char *out, size_t cap,
		       size_t *outlen);

#endif
