/* The coordinator's listening sockets: PostgreSQL clients on one TCP port,
 * one thread per connection (so a slow client blocks only itself) up to
 * max_connections, CancelRequest routing by (pid, key), and a Prometheus
 * text endpoint with the coordinator's counters. */
#ifndef OMEN_SERVER_H
#define OMEN_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

typedef struct server server;

typedef struct server_options {
	const char *listen;	    /* "host:port" */
	const char *metrics;	    /* "host:port" or NULL */
	unsigned max_connections; /* 0 = 100 */
	session_config session;	    /* copied; its cancel hook is set by the server */
} server_options;

/* Binds the sockets (OMEN_EIO with errno on failure) and starts accepting
 * in background threads. On OMEN_OK *out is the caller's. */
int server_start(const server_options *o, server **out);
/* The bound PostgreSQL port (useful with port 0). */
int server_port(const server *s);
/* Stops accepting, closes idle connections' sockets and waits for the
 * connection threads to end. */
void server_stop(server *s);

#endif
