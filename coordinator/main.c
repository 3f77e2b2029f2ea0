/* omendb-coordinator: the PostgreSQL-protocol front end of an OmenDB cluster.
 * Stateless: everything it knows comes from the catalog group, so several
 * can run side by side. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "exec.h"
#include "log.h"
#include "router.h"
#include "scram.h"
#include "server.h"

#define MAX_CATALOG 7
#define MAX_USERS 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: omendb-coordinator --listen HOST:PORT --catalog RPCADDR[,RPCADDR...]\n"
	    "         [--auth trust|scram-sha-256] [--user NAME:PASSWORD]... [--max-connections N]\n"
	    "         [--metrics HOST:PORT] [--timeout-ms MS] [--log-level debug|info|warn|error]\n"
	    "Speaks the PostgreSQL protocol on --listen; --catalog names the replicas of shard group 0.\n");
}

int main(int argc, char **argv)
{
	const char *listen_addr = NULL, *metrics = NULL, *catalog = NULL, *auth = "trust";
	const char *users[MAX_USERS];
	size_t nusers = 0;
	long max_conn = 100, timeout_ms = 5000;
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
					     {"catalog", required_argument, NULL, 'c'},
					     {"auth", required_argument, NULL, 'a'},
					     {"user", required_argument, NULL, 'u'},
					     {"max-connections", required_argument, NULL, 'm'},
					     {"metrics", required_argument, NULL, 'M'},
					     {"timeout-ms", required_argument, NULL, 't'},
					     {"log-level", required_argument, NULL, 'L'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int ch;
	char *end;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen_addr = optarg;
			break;
		case 'c':
			catalog = optarg;
			break;
		case 'a':
			auth = optarg;
			break;
		case 'u':
			if (nusers == MAX_USERS || !strchr(optarg, ':')) {
				fprintf(stderr,
					"omendb-coordinator: --user wants NAME:PASSWORD (at most %d)\n",
					MAX_USERS);
				return 2;
			}
			users[nusers++] = optarg;
			break;
		case 'm':
			max_conn = strtol(optarg, &end, 10);
			if (*end || max_conn < 1 || max_conn > 10000) {
				fprintf(stderr, "omendb-coordinator: --max-connections wants 1..10000\n");
				return 2;
			}
			break;
		case 'M':
			metrics = optarg;
			break;
		case 't':
			timeout_ms = strtol(optarg, &end, 10);
			if (*end || timeout_ms < 10 || timeout_ms > 3600000) {
				fprintf(stderr, "omendb-coordinator: --timeout-ms wants 10..3600000\n");
				return 2;
			}
			break;
		case 'L': {
			enum log_level lv;
			if (!log_parse_level(optarg, &lv)) {
				fprintf(stderr, "omendb-coordinator: unknown log level %s\n", optarg);
				return 2;
			}
			log_set_level(lv);
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !listen_addr || !catalog) {
		usage(stderr);
		return 2;
	}
	bool scram = strcmp(auth, "scram-sha-256") == 0;
	if (!scram && strcmp(auth, "trust") != 0) {
		fprintf(stderr, "omendb-coordinator: --auth is trust or scram-sha-256\n");
		return 2;
	}
	if (scram && nusers == 0) {
		fprintf(stderr,
			"omendb-coordinator: scram-sha-256 needs at least one --user NAME:PASSWORD\n");
		return 2;
	}
	char catbuf[1024];
	snprintf(catbuf, sizeof catbuf, "%s", catalog);
	const char *cat[MAX_CATALOG];
	size_t ncat = 0;
	for (char *save = NULL, *tok = strtok_r(catbuf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (ncat == MAX_CATALOG) {
			fprintf(stderr, "omendb-coordinator: at most %d catalog addresses\n", MAX_CATALOG);
			return 2;
		}
		cat[ncat++] = tok;
	}
	log_set_prefix("coordinator");

	session_user *su = calloc(nusers + 1, sizeof *su);
	if (!su)
		return 1;
	for (size_t i = 0; i < nusers; i++) {
		const char *colon = strchr(users[i], ':');
		su[i].name = strndup(users[i], (size_t)(colon - users[i]));
		if (!su[i].name || scram_make_secret(colon + 1, NULL, 0, &su[i].secret) != SCRAM_OK) {
			fprintf(stderr, "omendb-coordinator: cannot prepare the secret of user %s\n",
				users[i]);
			return 1;
		}
	}

	router_options ro = {cat, ncat, (int)timeout_ms, 0};
	router *r;
	if (router_open(&ro, &r) != OMEN_OK) {
		fprintf(stderr, "omendb-coordinator: bad --catalog addresses\n");
		return 2;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Serve only once the catalog is readable: clients then never see a
	 * coordinator that cannot plan. */
	const router_catalog *snap = NULL;
	for (int attempt = 0; !stop; attempt++) {
		int rc = router_catalog_get(r, true, &snap);
		if (rc == OMEN_OK)
			break;
		if (attempt % 10 == 0)
			log_warn("waiting for the catalog group (%s): %s", catalog, error_message(rc));
		struct timespec nap = {0, 200 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
	if (stop) {
		router_close(r);
		return 0;
	}
	uint32_t groups[256];
	size_t ng = router_groups(snap->cat, groups, 256);
	log_info("catalog version %llu: %zu tables, %zu data groups", (unsigned long long)snap->cat->version,
		 snap->cat->n_tables, ng);
	router_catalog_release(r, snap);

	exec_shared *shared;
	if (exec_shared_open(r, &shared) != OMEN_OK)
		return 1;
	server_options so = {0};
	so.listen = listen_addr;
	so.metrics = metrics;
	so.max_connections = (unsigned)max_conn;
	so.session.shared = shared;
	so.session.scram = scram;
	so.session.users = su;
	so.session.nusers = nusers;
	so.session.max_message = 256u << 20;
	so.session.statement_memory = 1024u << 20;
	if (getrandom(so.session.mock_key, sizeof so.session.mock_key, 0) != sizeof so.session.mock_key) {
		fprintf(stderr, "omendb-coordinator: no randomness\n");
		return 1;
	}
	server *srv;
	if (server_start(&so, &srv) != OMEN_OK) {
		log_error("cannot listen on %s%s%s: %s", listen_addr, metrics ? " or " : "",
			  metrics ? metrics : "", strerror(errno));
		return 1;
	}
	log_info("listening for PostgreSQL clients on %s (auth %s)%s%s", listen_addr, auth,
		 metrics ? ", metrics on " : "", metrics ? metrics : "");
	while (!stop)
		pause();
	log_info("shutting down");
	server_stop(srv);
	exec_shared_close(shared);
	router_close(r);
	for (size_t i = 0; i < nusers; i++)
		free(su[i].name);
	free(su);
	return 0;
}
