/* One replica's Raft node: canonical/raft on the libuv backend (raft_uv
 * over TCP), its own loop thread, and the hand-off that lets RPC worker
 * threads propose commands, barriers and membership changes on that thread
 * (uv_async) and wait for the outcome. Also publishes role, term and leader
 * for readers, and commits a barrier after every election before the new
 * leader serves (canonical/raft 0.15 needs it: docs/replication.md). */
#ifndef OMEN_NODE_H
#define OMEN_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "fsm.h"

struct node_member {
	uint64_t id;
	char raft_address[128];
	char rpc_address[128];
};

#define NODE_MAX_MEMBERS 16

typedef struct node_config {
	uint32_t group;
	uint64_t id;
	const char *data_dir;
	const char *raft_address;
	const char *rpc_address;
	struct node_member peers[NODE_MAX_MEMBERS]; /* initial configuration, self included */
	unsigned npeers;
	bool join; /* do not bootstrap: wait to be added */
	unsigned snapshot_threshold, snapshot_trailing;
	unsigned election_timeout_ms, heartbeat_ms;
} node_config;

typedef struct node node;

/* What readers may rely on; refreshed on the loop thread. */
typedef struct node_state {
	int role; /* Omendb__Role */
	uint64_t term;
	uint64_t leader_id;
	char leader_rpc_address[128];
	bool leader_ready; /* this replica leads and its election barrier applied */
	uint64_t applied_index, last_index;
	uint64_t snapshots_installed;
} node_state;

/* Sets up raft on a new loop (not started). f must outlive the node. */
int node_create(const node_config *cfg, fsm *f, node **out, char *err, size_t errlen);
/* Runs the loop on the calling thread until node_stop; returns 0 on a clean
 * stop. */
int node_run(node *n);
/* Asks the loop to close raft and return (any thread, async-signal-safe
 * enough: it only writes an atomic and signals the loop). */
void node_stop(node *n);
void node_destroy(node *n);

void node_get_state(node *n, node_state *out);
/* Copies up to max members (from the configuration and replicated
 * records); returns the count. */
unsigned node_members(node *n, struct node_member *out, unsigned max);

/* Proposes a packed Command and waits (up to timeout_ms) until this leader
 * has applied it; res then says what applying it did. Returns an
 * Omendb__Status: NOT_LEADER, UNAVAILABLE (lost leadership, shutting down),
 * TIMEOUT, or OK (res filled). buf is copied. */
int node_propose(node *n, const uint8_t *buf, size_t len, int timeout_ms, fsm_result *res);
/* Commits a barrier: every entry committed before the call is then applied
 * here (linearizable reads). Same statuses. */
int node_barrier(node *n, int timeout_ms);
/* Adds (as a voter, once it has caught up) or removes a member. */
int node_change(node *n, bool add, uint64_t id, const char *raft_address, int timeout_ms, char *msg,
		size_t msglen);

#endif
