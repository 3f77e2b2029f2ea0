/* One client connection speaking PostgreSQL's frontend/backend protocol 3.0
 * (PostgreSQL docs, chapter "Frontend/Backend Protocol"): startup and
 * authentication, simple and extended query, COPY FROM STDIN, SET/SHOW and
 * transaction status, on a blocking socket owned by the session's thread.
 * Statements go to exec; a client that breaks the protocol gets an
 * ErrorResponse and a closed connection. */
#ifndef OMEN_SESSION_H
#define OMEN_SESSION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec.h"
#include "scram.h"

typedef struct session_user {
	char *name;
	scram_secret secret;
} session_user;

typedef struct session_config {
	exec_shared *shared;
	bool scram;		 /* false: trust */
	const session_user *users; /* for scram-sha-256 */
	size_t nusers;
	size_t max_message;	 /* largest frontend message body, bytes */
	size_t statement_memory; /* arena limit per statement, bytes */
	uint8_t mock_key[32];	 /* SCRAM answers for unknown users derive from it */
	/* CancelRequest: the server looks up (pid, key) and sets that
	 * session's cancel flag. */
	void (*cancel)(void *arg, int32_t pid, int32_t key);
	void *cancel_arg;
} session_config;

/* Serves the connection on fd until the client leaves or breaks the
 * protocol; closes fd. pid/key are this session's BackendKeyData; *cancel
 * is its cancel flag (set by another thread). */
void session_run(const session_config *cfg, int fd, int32_t pid, int32_t key, _Atomic bool *cancel);

#endif
