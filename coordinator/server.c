#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "pgwire.h"
#include "router.h"

typedef struct conn {
	server *srv;
	int fd;
	int32_t pid, key;
	_Atomic bool cancel;
	bool used;
} conn;

struct server {
	server_options o;
	int fd, metrics_fd;
	int port;
	_Atomic bool stopping;
	pthread_t accept_thread, metrics_thread;
	bool metrics_started;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	conn *conns;
	unsigned active;
	int32_t next_pid;
	_Atomic uint64_t accepted, refused;
};

static int listen_on(const char *address, int *port_out)
{
	char host[256];
	const char *colon = strrchr(address, ':');
	if (!colon || (size_t)(colon - address) >= sizeof host)
		return -1;
	memcpy(host, address, (size_t)(colon - address));
	host[colon - address] = 0;
	struct addrinfo hints = {0}, *ai;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (port_out && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port_out = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void cancel_request(void *arg, int32_t pid, int32_t key)
{
	server *s = arg;
	pthread_mutex_lock(&s->mu);
	unsigned max = s->o.max_connections;
	for (unsigned i = 0; i < max; i++)
		if (s->conns[i].used && s->conns[i].pid == pid && s->conns[i].key == key) {
			atomic_store(&s->conns[i].cancel, true);
			log_info("cancel request for connection %d", pid);
		}
	pthread_mutex_unlock(&s->mu);
}

static void *conn_main(void *arg)
{
	conn *c = arg;
	server *s = c->srv;
	session_run(&s->o.session, c->fd, c->pid, c->key, &c->cancel);
	pthread_mutex_lock(&s->mu);
	c->used = false;
	s->active--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Too many clients: answer as PostgreSQL does, before the startup packet. */
static void refuse(int fd)
{
	pgw_buf b = {0};
	pgw_error(&b, 'E', "FATAL", "53300", "sorry, too many clients already", NULL, NULL, 0);
	if (!b.failed)
		(void)!send(fd, b.data, b.len, MSG_NOSIGNAL);
	pgw_buf_free(&b);
	close(fd);
}

static void *accept_main(void *arg)
{
	server *s = arg;
	while (!atomic_load(&s->stopping)) {
		struct pollfd p = {s->fd, POLLIN, 0};
		if (poll(&p, 1, 200) <= 0)
			continue;
		int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		pthread_mutex_lock(&s->mu);
		conn *c = NULL;
		for (unsigned i = 0; i < s->o.max_connections && !c; i++)
			if (!s->conns[i].used)
				c = &s->conns[i];
		if (!c) {
			pthread_mutex_unlock(&s->mu);
			atomic_fetch_add(&s->refused, 1);
			refuse(fd);
			continue;
		}
		c->used = true;
		c->srv = s;
		c->fd = fd;
		c->pid = ++s->next_pid;
		if (getrandom(&c->key, sizeof c->key, 0) != sizeof c->key)
			c->key = (int32_t)(c->pid * 2654435761u);
		atomic_store(&c->cancel, false);
		s->active++;
		pthread_mutex_unlock(&s->mu);
		atomic_fetch_add(&s->accepted, 1);
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 8u << 20);
		pthread_t t;
		if (pthread_create(&t, &attr, conn_main, c) != 0) {
			pthread_mutex_lock(&s->mu);
			c->used = false;
			s->active--;
			pthread_mutex_unlock(&s->mu);
			refuse(fd);
		}
		pthread_attr_destroy(&attr);
	}
	return NULL;
}

/* GET /metrics in Prometheus' text format. */
static void *metrics_main(void *arg)
{
	server *s = arg;
	while (!atomic_load(&s->stopping)) {
		struct pollfd p = {s->metrics_fd, POLLIN, 0};
		if (poll(&p, 1, 200) <= 0)
			continue;
		int fd = accept4(s->metrics_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		struct timeval tv = {2, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		char req[1024];
		ssize_t n = recv(fd, req, sizeof req - 1, 0);
		if (n <= 0) {
			close(fd);
			continue;
		}
		req[n] = 0;
		router_stats rs;
		router_get_stats(exec_router(s->o.session.shared), &rs);
		pthread_mutex_lock(&s->mu);
		unsigned active = s->active;
		pthread_mutex_unlock(&s->mu);
		char body[2048];
		int bl = snprintf(
		    body, sizeof body,
		    "# TYPE omendb_connections gauge\nomendb_connections %u\n"
		    "# TYPE omendb_connections_accepted_total counter\nomendb_connections_accepted_total "
		    "%" PRIu64 "\n"
		    "# TYPE omendb_connections_refused_total counter\nomendb_connections_refused_total "
		    "%" PRIu64 "\n"
		    "# TYPE omendb_shard_calls_total counter\nomendb_shard_calls_total %" PRIu64 "\n"
		    "# TYPE omendb_shard_retries_total counter\nomendb_shard_retries_total %" PRIu64 "\n"
		    "# TYPE omendb_shard_not_leader_total counter\nomendb_shard_not_leader_total %" PRIu64
		    "\n"
		    "# TYPE omendb_shard_stale_catalog_total counter\nomendb_shard_stale_catalog_total "
		    "%" PRIu64 "\n"
		    "# TYPE omendb_shard_timeouts_total counter\nomendb_shard_timeouts_total %" PRIu64 "\n"
		    "# TYPE omendb_catalog_refreshes_total counter\nomendb_catalog_refreshes_total %" PRIu64
		    "\n",
		    active, atomic_load(&s->accepted), atomic_load(&s->refused), rs.calls, rs.retries,
		    rs.not_leader, rs.stale_catalog, rs.timeouts, rs.catalog_refreshes);
		bool ok = strncmp(req, "GET /metrics", 12) == 0;
		char head[256];
		int hl = snprintf(
		    head, sizeof head,
		    "HTTP/1.1 %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %d\r\n"
		    "Connection: close\r\n\r\n",
		    ok ? "200 OK" : "404 Not Found", ok ? bl : 0);
		(void)!send(fd, head, (size_t)hl, MSG_NOSIGNAL);
		if (ok)
			(void)!send(fd, body, (size_t)bl, MSG_NOSIGNAL);
		close(fd);
	}
	return NULL;
}

int server_start(const server_options *o, server **out)
{
	server *s = calloc(1, sizeof *s);
	if (!s)
		return OMEN_ENOMEM;
	s->o = *o;
	if (s->o.max_connections == 0)
		s->o.max_connections = 100;
	s->o.session.cancel = cancel_request;
	s->o.session.cancel_arg = s;
	s->conns = calloc(s->o.max_connections, sizeof *s->conns);
	s->metrics_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->fd = s->conns ? listen_on(o->listen, &s->port) : -1;
	if (s->fd < 0) {
		int e = errno;
		free(s->conns);
		free(s);
		errno = e;
		return OMEN_EIO;
	}
	if (o->metrics) {
		s->metrics_fd = listen_on(o->metrics, NULL);
		if (s->metrics_fd < 0) {
			int e = errno;
			close(s->fd);
			free(s->conns);
			free(s);
			errno = e;
			return OMEN_EIO;
		}
	}
	pthread_create(&s->accept_thread, NULL, accept_main, s);
	if (s->metrics_fd >= 0) {
		pthread_create(&s->metrics_thread, NULL, metrics_main, s);
		s->metrics_started = true;
	}
	*out = s;
	return OMEN_OK;
}

int server_port(const server *s)
{
	return s->port;
}

void server_stop(server *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, true);
	pthread_join(s->accept_thread, NULL);
	if (s->metrics_started)
		pthread_join(s->metrics_thread, NULL);
	close(s->fd);
	if (s->metrics_fd >= 0)
		close(s->metrics_fd);
	/* Wake sessions blocked on their clients; they close and exit. */
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < s->o.max_connections; i++)
		if (s->conns[i].used)
			shutdown(s->conns[i].fd, SHUT_RDWR);
	while (s->active > 0)
		pthread_cond_wait(&s->idle, &s->mu);
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->idle);
	free(s->conns);
	free(s);
}
