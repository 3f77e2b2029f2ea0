/* omendb-shard: one replica of one shard group (see shard/README.md). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "fsm.h"
#include "fsutil.h"
#include "log.h"
#include "node.h"
#include "server.h"
#include "snapxfer.h"

struct running {
	node *n;
	server *s;
	sigset_t set;
};

/* SIGTERM/SIGINT: stop taking requests, then stop raft. */
static void *signal_main(void *arg)
{
	struct running *r = arg;
	int sig;
	if (sigwait(&r->set, &sig) != 0)
		return NULL;
	log_info("signal %d: shutting down", sig);
	server_stop(r->s);
	r->s = NULL;
	node_stop(r->n);
	return NULL;
}

int main(int argc, char **argv)
{
	shard_config cfg;
	char err[512] = "";
	if (config_parse(argc, argv, &cfg, err, sizeof err) != OMEN_OK) {
		fprintf(stderr, "omendb-shard: %s\n%s", err, config_usage);
		return 2;
	}
	if (cfg.help) {
		fputs(config_usage, stdout);
		return 0;
	}
	char prefix[64];
	snprintf(prefix, sizeof prefix, "shard g%u/r%llu", cfg.node.group, (unsigned long long)cfg.node.id);
	log_set_prefix(prefix);
	log_set_level(cfg.log_level);
	if (fsutil_mkdirs(cfg.node.data_dir) != OMEN_OK) {
		fprintf(stderr, "omendb-shard: cannot create data directory %s\n", cfg.node.data_dir);
		return 2;
	}

	/* Every thread started from here on leaves these to signal_main. */
	struct running r = {0};
	sigemptyset(&r.set);
	sigaddset(&r.set, SIGTERM);
	sigaddset(&r.set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &r.set, NULL);
	signal(SIGPIPE, SIG_IGN);

	int status = 1;
	fsm *f;
	snapxfer *x;
	if (fsm_open(cfg.node.data_dir, cfg.node.group, cfg.build_threads, &f, err, sizeof err) != OMEN_OK) {
		log_error("cannot open the state in %s: %s", cfg.node.data_dir, err);
		return 1;
	}
	log_info("state loaded: applied index %llu", (unsigned long long)atomic_load(&f->applied));
	if (snapxfer_create(f, cfg.node.data_dir, &x) != OMEN_OK) {
		log_error("cannot prepare %s/checkpoints", cfg.node.data_dir);
		goto err_after_fsm;
	}
	if (node_create(&cfg.node, f, &r.n, err, sizeof err) != OMEN_OK) {
		log_error("raft: %s", err);
		goto err_after_snapxfer;
	}
	server_config sc = {cfg.node.rpc_address, cfg.workers, cfg.node.group, cfg.node.id,
			    cfg.write_timeout_ms};
	if (server_start(&sc, f, r.n, x, &r.s, err, sizeof err) != OMEN_OK) {
		log_error("rpc: %s", err);
		goto err_after_node;
	}
	pthread_t sig_thread;
	if (pthread_create(&sig_thread, NULL, signal_main, &r) != 0) {
		log_error("cannot start the signal thread");
		server_stop(r.s);
		goto err_after_node;
	}
	status = node_run(r.n);
	if (status != 0) {
		/* raft did not start: nobody will signal. */
		pthread_cancel(sig_thread);
		pthread_join(sig_thread, NULL);
		server_stop(r.s);
	} else {
		pthread_join(sig_thread, NULL);
	}
	log_info("stopped");
err_after_node:
	node_destroy(r.n);
err_after_snapxfer:
	snapxfer_destroy(x);
err_after_fsm:
	fsm_close(f);
	return status;
}
