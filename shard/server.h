/* The replica's RPC endpoint: an nng REP socket (NNG_OPT_RECVMAXSZ set)
 * served by a pool of worker threads, each with its own context. Every
 * request is decoded and validated here; reads run on the worker, commands
 * go through the Raft node. A bad request gets an error answer, never a
 * crash. */
#ifndef OMEN_SERVER_H
#define OMEN_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "node.h"
#include "snapxfer.h"

typedef struct server server;

typedef struct server_config {
	const char *rpc_address; /* host:port to listen on */
	unsigned workers;
	uint32_t group;
	uint64_t replica_id;
	int write_timeout_ms;
} server_config;

int server_start(const server_config *cfg, fsm *f, node *n, snapxfer *x, server **out, char *err,
		 size_t errlen);
/* Closes the socket and joins the workers. */
void server_stop(server *s);

/* Handles one request (raw bytes) and returns the packed answer in *out
 * (malloc'd). Exposed for tests that drive the server without sockets. */
int server_handle(server *s, const uint8_t *req, size_t len, uint8_t **out, size_t *out_len);

#endif
