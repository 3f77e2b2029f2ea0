#include "node.h"

#include <pthread.h>
#include <raft.h>
#include <raft/uv.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "snapxfer.h"

#define WATCH_MS 20

enum req_kind { REQ_APPLY, REQ_BARRIER, REQ_ADD, REQ_REMOVE };

/* A worker's request to the loop thread. Two references: the worker's and
 * the loop's; whoever drops the last frees it, so a worker that timed out
 * can leave while raft still holds the request. */
struct node_req {
	enum req_kind kind;
	struct raft_buffer buf;
	raft_id id;
	char address[128];
	struct raft_apply apply;
	struct raft_barrier barrier;
	struct raft_change change;
	fsm_result res;
	int status; /* Omendb__Status */
	char msg[256];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int refs;
	struct node_req *next;
	struct node *node;
};

struct node {
	node_config cfg;
	fsm *fsm;
	uv_loop_t loop;
	uv_async_t async;
	uv_timer_t watch;
	struct raft_uv_transport transport;
	struct raft_io io;
	struct raft_fsm raft_fsm;
	struct raft raft;
	bool raft_open, io_open, transport_open;
	_Atomic bool stopping;

	pthread_mutex_t queue_mu;
	struct node_req *queue_head, *queue_tail;

	/* Loop thread only. */
	bool barrier_pending;
	struct raft_barrier election_barrier;
	uint64_t ready_term;
	fsm_result last; /* the result of the entry just applied */

	pthread_mutex_t state_mu;
	node_state state;
	struct node_member members[NODE_MAX_MEMBERS];
	unsigned nmembers;
};

/* ---------- members ---------- */

static void member_put(node *n, uint64_t id, const char *raft_addr, const char *rpc_addr)
{
	unsigned i = 0;
	while (i < n->nmembers && n->members[i].id != id)
		i++;
	if (i == NODE_MAX_MEMBERS)
		return;
	if (i == n->nmembers)
		n->nmembers++;
	n->members[i].id = id;
	snprintf(n->members[i].raft_address, sizeof n->members[i].raft_address, "%s", raft_addr);
	snprintf(n->members[i].rpc_address, sizeof n->members[i].rpc_address, "%s", rpc_addr);
}

static void load_members(node *n)
{
	Omendb__Member **ms = NULL;
	size_t count = 0;
	if (fsm_members(n->fsm, &ms, &count) != OMEN_OK)
		return;
	pthread_mutex_lock(&n->state_mu);
	for (size_t i = 0; i < count; i++)
		member_put(n, ms[i]->id, ms[i]->raft_address, ms[i]->rpc_address);
	pthread_mutex_unlock(&n->state_mu);
	for (size_t i = 0; i < count; i++)
		omendb__member__free_unpacked(ms[i], NULL);
	free(ms);
}

unsigned node_members(node *n, struct node_member *out, unsigned max)
{
	pthread_mutex_lock(&n->state_mu);
	unsigned k = n->nmembers < max ? n->nmembers : max;
	memcpy(out, n->members, k * sizeof *out);
	pthread_mutex_unlock(&n->state_mu);
	return k;
}

/* ---------- state publication ---------- */

static void publish(node *n)
{
	struct raft *r = &n->raft;
	raft_id lid = 0;
	const char *laddr = NULL;
	raft_leader(r, &lid, &laddr);
	int st = raft_state(r);
	pthread_mutex_lock(&n->state_mu);
	node_state *s = &n->state;
	s->role = st == RAFT_LEADER	 ? OMENDB__ROLE__ROLE_LEADER
		  : st == RAFT_CANDIDATE ? OMENDB__ROLE__ROLE_CANDIDATE
		  : st == RAFT_FOLLOWER	 ? OMENDB__ROLE__ROLE_FOLLOWER
					 : OMENDB__ROLE__ROLE_UNAVAILABLE;
	s->term = r->current_term;
	s->leader_id = lid;
	s->leader_rpc_address[0] = '\0';
	for (unsigned i = 0; i < n->nmembers; i++)
		if (n->members[i].id == lid)
			snprintf(s->leader_rpc_address, sizeof s->leader_rpc_address, "%s",
				 n->members[i].rpc_address);
	s->leader_ready = st == RAFT_LEADER && n->ready_term == r->current_term;
	s->applied_index = atomic_load(&n->fsm->applied);
	s->last_index = raft_last_index(r);
	pthread_mutex_unlock(&n->state_mu);
}

void node_get_state(node *n, node_state *out)
{
	pthread_mutex_lock(&n->state_mu);
	*out = n->state;
	pthread_mutex_unlock(&n->state_mu);
}

static void election_barrier_cb(struct raft_barrier *req, int status)
{
	node *n = req->data;
	n->barrier_pending = false;
	if (status == 0 && raft_state(&n->raft) == RAFT_LEADER) {
		n->ready_term = n->raft.current_term;
		log_info("leader for term %llu: barrier applied, serving", (unsigned long long)n->ready_term);
	}
	publish(n);
}

/* Raft thesis 6.4 / canonical/raft 0.15: a new leader may not know which
 * entries are committed until one of its own term is; commit a barrier
 * before serving reads or accepting writes. */
static void watch_cb(uv_timer_t *t)
{
	node *n = t->data;
	struct raft *r = &n->raft;
	if (raft_state(r) == RAFT_LEADER && n->ready_term != r->current_term && !n->barrier_pending) {
		n->election_barrier.data = n;
		if (raft_barrier(r, &n->election_barrier, election_barrier_cb) == 0)
			n->barrier_pending = true;
	}
	publish(n);
}

/* ---------- the FSM as raft sees it ---------- */

static int fsm_apply_cb(struct raft_fsm *rf, const struct raft_buffer *buf, void **result)
{
	node *n = rf->data;
	/* raft 0.15 sets last_applied after apply returns: this entry is the
	 * next one. */
	uint64_t index = raft_last_applied(&n->raft) + 1;
	uint64_t len = 0;
	if (buf->len >= 8)
		memcpy(&len, buf->base, 8);
	if (buf->len < 8 || len > buf->len - 8)
		len = 0; /* a frame that does not fit: fsm_apply records it */
	int rc = fsm_apply(n->fsm, index, (const uint8_t *)buf->base + 8, (size_t)len, &n->last);
	*result = &n->last;
	if (rc != OMEN_OK) {
		/* Memory and RocksDB disagree now; restarting replays from
		 * RocksDB's applied index. */
		log_error("entry %llu: cannot apply (%s); stopping so that a restart replays it",
			  (unsigned long long)index, error_name(rc));
		abort();
	}
	if (n->last.members_changed)
		load_members(n);
	return 0;
}

static int fsm_snapshot_cb(struct raft_fsm *rf, struct raft_buffer *bufs[], unsigned *n_bufs)
{
	node *n = rf->data;
	/* The data stays in RocksDB: make it durable, then describe it. */
	int rc = fsm_sync(n->fsm);
	if (rc != OMEN_OK)
		return RAFT_IOERR;
	Omendb__SnapshotMeta meta = OMENDB__SNAPSHOT_META__INIT;
	meta.group_id = n->cfg.group;
	meta.applied_index = atomic_load(&n->fsm->applied);
	meta.replica_id = n->cfg.id;
	size_t len = omendb__snapshot_meta__get_packed_size(&meta);
	struct raft_buffer *b = raft_malloc(sizeof *b);
	if (!b)
		return RAFT_NOMEM;
	b->base = raft_malloc(len ? len : 1);
	if (!b->base) {
		raft_free(b);
		return RAFT_NOMEM;
	}
	b->len = omendb__snapshot_meta__pack(&meta, b->base);
	*bufs = b;
	*n_bufs = 1;
	log_info("snapshot at applied index %llu (RocksDB synced)", (unsigned long long)meta.applied_index);
	return 0;
}

static int fsm_snapshot_finalize_cb(struct raft_fsm *rf, struct raft_buffer *bufs[], unsigned *n_bufs)
{
	(void)rf;
	if (*bufs) {
		raft_free((*bufs)[0].base);
		raft_free(*bufs);
	}
	*bufs = NULL;
	*n_bufs = 0;
	return 0;
}

/* Installs a snapshot: raft_uv calls this at start-up with our own latest
 * snapshot (RocksDB is already there or past it) and when the leader sends
 * one because our log is too far behind (then fetch a checkpoint from a
 * peer). On success the buffer is ours to free. */
static int fsm_restore_cb(struct raft_fsm *rf, struct raft_buffer *buf)
{
	node *n = rf->data;
	Omendb__SnapshotMeta *meta = omendb__snapshot_meta__unpack(NULL, buf->len, buf->base);
	if (!meta || meta->group_id != n->cfg.group) {
		log_error("snapshot description does not decode or names another group");
		if (meta)
			omendb__snapshot_meta__free_unpacked(meta, NULL);
		return RAFT_MALFORMED;
	}
	uint64_t want = meta->applied_index;
	omendb__snapshot_meta__free_unpacked(meta, NULL);
	uint64_t have = atomic_load(&n->fsm->applied);
	if (have >= want) {
		raft_free(buf->base);
		return 0;
	}
	log_info("installing a snapshot: applied index %llu, need %llu; fetching a checkpoint from a peer",
		 (unsigned long long)have, (unsigned long long)want);
	struct node_member ms[NODE_MAX_MEMBERS];
	unsigned nm = node_members(n, ms, NODE_MAX_MEMBERS);
	const char *peers[NODE_MAX_MEMBERS];
	size_t np = 0;
	for (unsigned i = 0; i < nm; i++)
		if (ms[i].id != n->cfg.id)
			peers[np++] = ms[i].rpc_address;
	char incoming[600], err[256] = "";
	snprintf(incoming, sizeof incoming, "%s/incoming", n->cfg.data_dir);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = snapxfer_fetch(peers, np, n->cfg.group, want, incoming, err, sizeof err);
	if (rc == OMEN_OK)
		rc = fsm_install(n->fsm, incoming, err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != OMEN_OK) {
		log_error("snapshot install failed: %s (%s)", err, error_name(rc));
		fsutil_remove_tree(incoming);
		return RAFT_IOERR;
	}
	load_members(n);
	pthread_mutex_lock(&n->state_mu);
	n->state.snapshots_installed++;
	pthread_mutex_unlock(&n->state_mu);
	log_info("snapshot installed: applied index now %llu (%.2f s)",
		 (unsigned long long)atomic_load(&n->fsm->applied),
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
	raft_free(buf->base);
	return 0;
}

/* ---------- requests from workers ---------- */

static void req_release(struct node_req *q)
{
	pthread_mutex_lock(&q->mu);
	bool last = --q->refs == 0;
	pthread_mutex_unlock(&q->mu);
	if (last) {
		if (q->buf.base)
			raft_free(q->buf.base);
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		free(q);
	}
}

static void req_complete(struct node_req *q, int status)
{
	pthread_mutex_lock(&q->mu);
	q->status = status;
	q->done = true;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	req_release(q);
}

static int raft_status(int rv)
{
	switch (rv) {
	case RAFT_NOTLEADER:
		return OMENDB__STATUS__STATUS_NOT_LEADER;
	case RAFT_LEADERSHIPLOST:
	case RAFT_SHUTDOWN:
	case RAFT_NOCONNECTION:
	case RAFT_BUSY:
		return OMENDB__STATUS__STATUS_UNAVAILABLE;
	case RAFT_TOOBIG:
		return OMENDB__STATUS__STATUS_TOO_LARGE;
	case RAFT_BADID:
	case RAFT_NOTFOUND:
		return OMENDB__STATUS__STATUS_NOT_FOUND;
	case RAFT_DUPLICATEID:
	case RAFT_DUPLICATEADDRESS:
		return OMENDB__STATUS__STATUS_EXISTS;
	case RAFT_BADROLE:
	case RAFT_CANTCHANGE:
		return OMENDB__STATUS__STATUS_INVALID;
	default:
		return OMENDB__STATUS__STATUS_INTERNAL;
	}
}

static void apply_cb(struct raft_apply *a, int status, void *result)
{
	struct node_req *q = a->data;
	/* raft owns the entry's buffer now (freed with the log). */
	q->buf.base = NULL;
	if (status == 0 && result)
		q->res = *(const fsm_result *)result;
	else if (status != 0)
		snprintf(q->msg, sizeof q->msg, "%s", raft_strerror(status));
	req_complete(q, status == 0 ? OMENDB__STATUS__STATUS_OK : raft_status(status));
}

static void barrier_cb(struct raft_barrier *b, int status)
{
	struct node_req *q = b->data;
	if (status != 0)
		snprintf(q->msg, sizeof q->msg, "%s", raft_strerror(status));
	req_complete(q, status == 0 ? OMENDB__STATUS__STATUS_OK : raft_status(status));
}

static void assign_cb(struct raft_change *c, int status)
{
	struct node_req *q = c->data;
	if (status != 0)
		snprintf(q->msg, sizeof q->msg, "promoting member %llu: %s", (unsigned long long)q->id,
			 raft_strerror(status));
	req_complete(q, status == 0 ? OMENDB__STATUS__STATUS_OK : raft_status(status));
}

static void add_cb(struct raft_change *c, int status)
{
	struct node_req *q = c->data;
	node *n = q->node;
	if (status == 0) {
		/* A spare first, then a voter: raft_assign catches it up
		 * before it counts towards the quorum (thesis 4.2.1). */
		q->change.data = q;
		int rv = raft_assign(&n->raft, &q->change, q->id, RAFT_VOTER, assign_cb);
		if (rv == 0)
			return;
		status = rv;
	}
	snprintf(q->msg, sizeof q->msg, "adding member %llu: %s", (unsigned long long)q->id,
		 raft_strerror(status));
	req_complete(q, raft_status(status));
}

static void change_cb(struct raft_change *c, int status)
{
	struct node_req *q = c->data;
	if (status != 0)
		snprintf(q->msg, sizeof q->msg, "%s", raft_strerror(status));
	req_complete(q, status == 0 ? OMENDB__STATUS__STATUS_OK : raft_status(status));
}

static void start_req(node *n, struct node_req *q)
{
	struct raft *r = &n->raft;
	int rv;
	if (atomic_load(&n->stopping)) {
		req_complete(q, OMENDB__STATUS__STATUS_UNAVAILABLE);
		return;
	}
	if (raft_state(r) != RAFT_LEADER || n->ready_term != r->current_term) {
		req_complete(q, raft_state(r) == RAFT_LEADER ? OMENDB__STATUS__STATUS_UNAVAILABLE
							     : OMENDB__STATUS__STATUS_NOT_LEADER);
		return;
	}
	switch (q->kind) {
	case REQ_APPLY:
		q->apply.data = q;
		rv = raft_apply(r, &q->apply, &q->buf, 1, apply_cb);
		break;
	case REQ_BARRIER:
		q->barrier.data = q;
		rv = raft_barrier(r, &q->barrier, barrier_cb);
		break;
	case REQ_ADD:
		q->change.data = q;
		rv = raft_add(r, &q->change, q->id, q->address, add_cb);
		break;
	default: {
		/* Removing the last voter would leave a group that can never
		 * elect a leader again. */
		unsigned voters = 0;
		bool voter = false;
		for (unsigned i = 0; i < r->configuration.n; i++) {
			if (r->configuration.servers[i].role == RAFT_VOTER) {
				voters++;
				voter |= r->configuration.servers[i].id == q->id;
			}
		}
		if (voter && voters == 1) {
			snprintf(q->msg, sizeof q->msg, "member %llu is the group's last voter",
				 (unsigned long long)q->id);
			req_complete(q, OMENDB__STATUS__STATUS_INVALID);
			return;
		}
		q->change.data = q;
		rv = raft_remove(r, &q->change, q->id, change_cb);
	}
	}
	if (rv != 0) {
		snprintf(q->msg, sizeof q->msg, "%s", raft_errmsg(r)[0] ? raft_errmsg(r) : raft_strerror(rv));
		req_complete(q, raft_status(rv));
	}
}

static void async_cb(uv_async_t *a)
{
	node *n = a->data;
	pthread_mutex_lock(&n->queue_mu);
	struct node_req *q = n->queue_head;
	n->queue_head = n->queue_tail = NULL;
	pthread_mutex_unlock(&n->queue_mu);
	while (q) {
		struct node_req *next = q->next;
		start_req(n, q);
		q = next;
	}
	if (atomic_load(&n->stopping) && n->raft_open) {
		n->raft_open = false;
		uv_timer_stop(&n->watch);
		raft_close(&n->raft, NULL);
		uv_close((uv_handle_t *)&n->watch, NULL);
		uv_close((uv_handle_t *)&n->async, NULL);
	}
}

static struct node_req *req_new(node *n, enum req_kind kind)
{
	struct node_req *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->kind = kind;
	q->refs = 2;
	q->node = n;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	return q;
}

/* Hands q to the loop and waits; returns the status (TIMEOUT if none came). */
static int req_run(node *n, struct node_req *q, int timeout_ms)
{
	pthread_mutex_lock(&n->queue_mu);
	if (n->queue_tail)
		n->queue_tail->next = q;
	else
		n->queue_head = q;
	n->queue_tail = q;
	pthread_mutex_unlock(&n->queue_mu);
	uv_async_send(&n->async);
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->mu);
	while (!q->done)
		if (pthread_cond_timedwait(&q->cv, &q->mu, &dl) != 0)
			break;
	int status = q->done ? q->status : OMENDB__STATUS__STATUS_TIMEOUT;
	pthread_mutex_unlock(&q->mu);
	return status;
}

int node_propose(node *n, const uint8_t *buf, size_t len, int timeout_ms, fsm_result *res)
{
	struct node_req *q = req_new(n, REQ_APPLY);
	if (!q)
		return OMENDB__STATUS__STATUS_INTERNAL;
	/* Entries are framed (u64 payload length, payload, zeros to a multiple
	 * of 8): canonical/raft 0.15 can hand a follower the wrong bytes for
	 * entries received several to a message when their lengths are not
	 * multiples of 8 (docs/replication.md). */
	size_t framed = 8 + ((len + 7) & ~(size_t)7);
	q->buf.base = raft_malloc(framed);
	if (!q->buf.base) {
		q->refs = 1;
		req_release(q);
		return OMENDB__STATUS__STATUS_INTERNAL;
	}
	memset(q->buf.base, 0, framed);
	uint64_t l64 = len;
	memcpy(q->buf.base, &l64, 8);
	memcpy((uint8_t *)q->buf.base + 8, buf, len);
	q->buf.len = framed;
	int st = req_run(n, q, timeout_ms);
	if (st == OMENDB__STATUS__STATUS_OK)
		*res = q->res;
	else
		snprintf(res->message, sizeof res->message, "%s", q->msg);
	req_release(q);
	return st;
}

int node_barrier(node *n, int timeout_ms)
{
	struct node_req *q = req_new(n, REQ_BARRIER);
	if (!q)
		return OMENDB__STATUS__STATUS_INTERNAL;
	int st = req_run(n, q, timeout_ms);
	req_release(q);
	return st;
}

int node_change(node *n, bool add, uint64_t id, const char *raft_address, int timeout_ms, char *msg,
		size_t msglen)
{
	struct node_req *q = req_new(n, add ? REQ_ADD : REQ_REMOVE);
	if (!q)
		return OMENDB__STATUS__STATUS_INTERNAL;
	q->id = id;
	snprintf(q->address, sizeof q->address, "%s", raft_address ? raft_address : "");
	int st = req_run(n, q, timeout_ms);
	snprintf(msg, msglen, "%s", q->msg);
	req_release(q);
	return st;
}

/* ---------- life cycle ---------- */

int node_create(const node_config *cfg, fsm *f, node **out, char *err, size_t errlen)
{
	node *n = calloc(1, sizeof *n);
	if (!n)
		return OMEN_ENOMEM;
	n->cfg = *cfg;
	n->fsm = f;
	pthread_mutex_init(&n->queue_mu, NULL);
	pthread_mutex_init(&n->state_mu, NULL);
	for (unsigned i = 0; i < cfg->npeers; i++)
		member_put(n, cfg->peers[i].id, cfg->peers[i].raft_address, cfg->peers[i].rpc_address);
	load_members(n);

	char raft_dir[600];
	snprintf(raft_dir, sizeof raft_dir, "%s/raft", cfg->data_dir);
	int rv = fsutil_mkdirs(raft_dir);
	if (rv != OMEN_OK) {
		snprintf(err, errlen, "cannot create %s", raft_dir);
		goto err_after_alloc;
	}
	if (uv_loop_init(&n->loop) != 0) {
		snprintf(err, errlen, "uv_loop_init failed");
		rv = OMEN_EIO;
		goto err_after_alloc;
	}
	n->async.data = n;
	n->watch.data = n;
	uv_async_init(&n->loop, &n->async, async_cb);
	uv_timer_init(&n->loop, &n->watch);
	if ((rv = raft_uv_tcp_init(&n->transport, &n->loop)) != 0) {
		snprintf(err, errlen, "raft transport: %s", raft_strerror(rv));
		goto err_after_loop;
	}
	n->transport_open = true;
	if ((rv = raft_uv_init(&n->io, &n->loop, raft_dir, &n->transport)) != 0) {
		snprintf(err, errlen, "raft I/O in %s: %s", raft_dir, raft_strerror(rv));
		goto err_after_loop;
	}
	n->io_open = true;
	n->raft_fsm.version = 2;
	n->raft_fsm.data = n;
	n->raft_fsm.apply = fsm_apply_cb;
	n->raft_fsm.snapshot = fsm_snapshot_cb;
	n->raft_fsm.restore = fsm_restore_cb;
	n->raft_fsm.snapshot_finalize = fsm_snapshot_finalize_cb;
	if ((rv = raft_init(&n->raft, &n->io, &n->raft_fsm, cfg->id, cfg->raft_address)) != 0) {
		snprintf(err, errlen, "raft_init: %s", raft_strerror(rv));
		goto err_after_loop;
	}
	n->raft_open = true;
	n->raft.data = n;
	raft_set_pre_vote(&n->raft, true);
	if (cfg->election_timeout_ms)
		raft_set_election_timeout(&n->raft, cfg->election_timeout_ms);
	if (cfg->heartbeat_ms)
		raft_set_heartbeat_timeout(&n->raft, cfg->heartbeat_ms);
	if (cfg->snapshot_threshold)
		raft_set_snapshot_threshold(&n->raft, cfg->snapshot_threshold);
	if (cfg->snapshot_trailing)
		raft_set_snapshot_trailing(&n->raft, cfg->snapshot_trailing);
	if (!cfg->join) {
		struct raft_configuration conf;
		raft_configuration_init(&conf);
		for (unsigned i = 0; i < cfg->npeers; i++)
			raft_configuration_add(&conf, cfg->peers[i].id, cfg->peers[i].raft_address,
					       RAFT_VOTER);
		rv = raft_bootstrap(&n->raft, &conf);
		raft_configuration_close(&conf);
		if (rv != 0 && rv != RAFT_CANTBOOTSTRAP) { /* CANTBOOTSTRAP: not pristine, a restart */
			snprintf(err, errlen, "raft_bootstrap: %s", raft_strerror(rv));
			goto err_after_loop;
		}
	}
	*out = n;
	return OMEN_OK;

err_after_loop:
	node_destroy(n);
	return rv == OMEN_OK ? OMEN_EIO : OMEN_EIO;
err_after_alloc:
	pthread_mutex_destroy(&n->queue_mu);
	pthread_mutex_destroy(&n->state_mu);
	free(n);
	return rv;
}

int node_run(node *n)
{
	int rv = raft_start(&n->raft);
	if (rv != 0) {
		log_error("raft_start: %s (%s)", raft_strerror(rv), raft_errmsg(&n->raft));
		atomic_store(&n->stopping, true);
		uv_async_send(&n->async);
		uv_run(&n->loop, UV_RUN_DEFAULT);
		return 1;
	}
	uv_timer_start(&n->watch, watch_cb, WATCH_MS, WATCH_MS);
	log_info("raft started: id %llu at %s, group %u", (unsigned long long)n->cfg.id, n->cfg.raft_address,
		 n->cfg.group);
	uv_run(&n->loop, UV_RUN_DEFAULT);
	return 0;
}

void node_stop(node *n)
{
	atomic_store(&n->stopping, true);
	uv_async_send(&n->async);
}

void node_destroy(node *n)
{
	if (!n)
		return;
	if (n->raft_open) {
		/* Never started or never stopped: close and let the loop run the
		 * close callbacks. */
		n->raft_open = false;
		raft_close(&n->raft, NULL);
		uv_close((uv_handle_t *)&n->watch, NULL);
		uv_close((uv_handle_t *)&n->async, NULL);
		uv_run(&n->loop, UV_RUN_DEFAULT);
	} else if (!n->io_open) {
		uv_close((uv_handle_t *)&n->watch, NULL);
		uv_close((uv_handle_t *)&n->async, NULL);
		uv_run(&n->loop, UV_RUN_DEFAULT);
	}
	if (n->io_open)
		raft_uv_close(&n->io);
	if (n->transport_open)
		raft_uv_tcp_close(&n->transport);
	uv_loop_close(&n->loop);
	/* Requests still queued were never started: complete them. */
	struct node_req *q = n->queue_head;
	while (q) {
		struct node_req *next = q->next;
		req_complete(q, OMENDB__STATUS__STATUS_UNAVAILABLE);
		q = next;
	}
	pthread_mutex_destroy(&n->queue_mu);
	pthread_mutex_destroy(&n->state_mu);
	free(n);
}
