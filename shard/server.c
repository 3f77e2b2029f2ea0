#include "server.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "read.h"
#include "rpc.h"

struct server {
	server_config cfg;
	char address[256];
	fsm *f;
	node *n;
	snapxfer *x;
	nng_socket sock;
	pthread_t *threads;
	unsigned nthreads;
};

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* NOT_LEADER with the leader's address, unless this replica may serve. */
static bool leader_check(server *s, Omendb__Response *resp)
{
	node_state st;
	node_get_state(s->n, &st);
	if (st.leader_ready)
		return true;
	if (st.role == OMENDB__ROLE__ROLE_LEADER) {
		read_error(resp, OMENDB__STATUS__STATUS_UNAVAILABLE,
			   "new leader: not serving until its barrier commits");
		return false;
	}
	read_error(resp, OMENDB__STATUS__STATUS_NOT_LEADER, "not the leader of group %u", s->cfg.group);
	resp->leader_id = st.leader_id;
	resp->leader_rpc_address = dup_or_empty(st.leader_rpc_address);
	return false;
}

static bool read_level_check(server *s, Omendb__ReadLevel level, Omendb__Response *resp)
{
	switch (level) {
	case OMENDB__READ_LEVEL__READ_ANY:
		return true;
	case OMENDB__READ_LEVEL__READ_LEADER:
		return leader_check(s, resp);
	case OMENDB__READ_LEVEL__READ_LINEARIZABLE: {
		if (!leader_check(s, resp))
			return false;
		int st = node_barrier(s->n, s->cfg.write_timeout_ms);
		if (st != OMENDB__STATUS__STATUS_OK) {
			read_error(resp, (Omendb__Status)st, "read barrier failed");
			return false;
		}
		return true;
	}
	default:
		read_error(resp, OMENDB__STATUS__STATUS_INVALID, "unknown read level %d", (int)level);
		return false;
	}
}

/* STALE_CATALOG when the caller's catalog predates the table's. */
static bool catalog_check(server *s, const Omendb__RpcHeader *h, uint32_t table, Omendb__Response *resp)
{
	if (h->catalog_version == 0)
		return true;
	fsm_read_lock(s->f);
	struct fsm_table *t = fsm_table_find(s->f, table);
	uint64_t v = t ? t->def->catalog_version : 0;
	fsm_read_unlock(s->f);
	if (v <= h->catalog_version)
		return true;
	read_error(resp, OMENDB__STATUS__STATUS_STALE_CATALOG,
		   "table %u is at catalog version %llu, the request at %llu", table, (unsigned long long)v,
		   (unsigned long long)h->catalog_version);
	resp->header->catalog_version = v;
	return false;
}

static void handle_status(server *s, Omendb__Response *resp)
{
	Omendb__StatusResponse *st = malloc(sizeof *st);
	if (!st) {
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		return;
	}
	omendb__status_response__init(st);
	resp->status_info = st;
	resp->body_case = OMENDB__RESPONSE__BODY_STATUS_INFO;
	node_state ns;
	node_get_state(s->n, &ns);
	st->group_id = s->cfg.group;
	st->replica_id = s->cfg.replica_id;
	st->role = (Omendb__Role)ns.role;
	st->term = ns.term;
	st->leader_id = ns.leader_id;
	st->leader_rpc_address = dup_or_empty(ns.leader_rpc_address);
	st->leader_ready = ns.leader_ready;
	st->applied_index = atomic_load(&s->f->applied);
	st->last_index = ns.last_index;
	st->catalog_version = atomic_load(&s->f->catalog_version);
	st->snapshots_installed = ns.snapshots_installed;
	struct node_member ms[NODE_MAX_MEMBERS];
	unsigned nm = node_members(s->n, ms, NODE_MAX_MEMBERS);
	st->members = calloc(nm ? nm : 1, sizeof *st->members);
	for (unsigned i = 0; st->members && i < nm; i++) {
		Omendb__Member *m = malloc(sizeof *m);
		if (!m)
			break;
		omendb__member__init(m);
		m->id = ms[i].id;
		m->raft_address = strdup(ms[i].raft_address);
		m->rpc_address = strdup(ms[i].rpc_address);
		st->members[st->n_members++] = m;
	}
	if (read_tables_status(s->f, st) != OMEN_OK)
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
}

static void handle_command(server *s, const Omendb__Request *req, Omendb__Response *resp)
{
	const Omendb__Command *cmd = req->command;
	if (!leader_check(s, resp))
		return;
	if (cmd->op_case == OMENDB__COMMAND__OP_WRITE &&
	    !catalog_check(s, req->header, cmd->write->table_id, resp))
		return;
	fsm_result res;
	fsm_read_lock(s->f);
	fsm_check_command(s->f, cmd, &res);
	fsm_read_unlock(s->f);
	if (res.status == OMENDB__STATUS__STATUS_OK) {
		size_t len = omendb__command__get_packed_size(cmd);
		uint8_t *buf = malloc(len ? len : 1);
		if (!buf) {
			read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
			return;
		}
		omendb__command__pack(cmd, buf);
		int st = node_propose(s->n, buf, len, s->cfg.write_timeout_ms, &res);
		free(buf);
		if (st != OMENDB__STATUS__STATUS_OK) {
			/* TIMEOUT and UNAVAILABLE leave the outcome unknown: the
			 * entry may still commit. */
			res.status = (Omendb__Status)st;
			if (st == OMENDB__STATUS__STATUS_NOT_LEADER)
				leader_check(s, resp);
		}
	}
	if (res.status != OMENDB__STATUS__STATUS_OK) {
		read_error(resp, res.status, "%s", res.message[0] ? res.message : "command failed");
		if (res.conflict_len) {
			resp->conflict_key.data = malloc(res.conflict_len);
			if (resp->conflict_key.data) {
				memcpy(resp->conflict_key.data, res.conflict_key, res.conflict_len);
				resp->conflict_key.len = res.conflict_len;
			}
		}
		return;
	}
	Omendb__WriteResult *w = malloc(sizeof *w);
	if (!w) {
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		return;
	}
	omendb__write_result__init(w);
	w->applied_index = res.applied_index;
	w->inserted = res.inserted;
	w->updated = res.updated;
	w->deleted = res.deleted;
	w->skipped = res.skipped;
	w->catalog_version = res.catalog_version;
	w->table_id = res.table_id;
	w->first_id = res.first_id;
	resp->write = w;
	resp->body_case = OMENDB__RESPONSE__BODY_WRITE;
}

static void handle_membership(server *s, const Omendb__MembershipChange *mc, Omendb__Response *resp)
{
	if (!leader_check(s, resp))
		return;
	const Omendb__Member *m = mc->member;
	if (!m || m->id == 0 || (unsigned)mc->kind > OMENDB__MEMBERSHIP_CHANGE__KIND__REMOVE) {
		read_error(resp, OMENDB__STATUS__STATUS_INVALID,
			   "a membership change needs a member id and a kind");
		return;
	}
	char msg[256] = "";
	bool add = mc->kind == OMENDB__MEMBERSHIP_CHANGE__KIND__ADD;
	if (add) {
		struct node_member ms[NODE_MAX_MEMBERS];
		unsigned nm = node_members(s->n, ms, NODE_MAX_MEMBERS);
		for (unsigned i = 0; i < nm; i++) {
			if (ms[i].id == m->id) {
				read_error(resp, OMENDB__STATUS__STATUS_EXISTS,
					   "member %llu is already known", (unsigned long long)m->id);
				return;
			}
		}
		/* Record its addresses first, so that every replica can tell
		 * clients and snapshot fetches where it is. */
		Omendb__Command cmd = OMENDB__COMMAND__INIT;
		cmd.op_case = OMENDB__COMMAND__OP_SET_MEMBER;
		cmd.set_member = (Omendb__Member *)m;
		fsm_result res;
		fsm_check_command(s->f, &cmd, &res);
		if (res.status != OMENDB__STATUS__STATUS_OK) {
			read_error(resp, res.status, "%s", res.message);
			return;
		}
		uint8_t buf[1024];
		size_t len = omendb__command__get_packed_size(&cmd);
		if (len > sizeof buf) {
			read_error(resp, OMENDB__STATUS__STATUS_TOO_LARGE, "member addresses too long");
			return;
		}
		omendb__command__pack(&cmd, buf);
		int st = node_propose(s->n, buf, len, s->cfg.write_timeout_ms, &res);
		if (st != OMENDB__STATUS__STATUS_OK) {
			read_error(resp, (Omendb__Status)st, "recording the member: %s", res.message);
			return;
		}
	}
	int st = node_change(s->n, add, m->id, m->raft_address, 60000, msg, sizeof msg);
	if (st != OMENDB__STATUS__STATUS_OK)
		read_error(resp, (Omendb__Status)st, "%s", msg[0] ? msg : "membership change failed");
	else
		log_info("member %llu %s", (unsigned long long)m->id, add ? "added as a voter" : "removed");
}

static void handle_catalog_read(server *s, Omendb__Response *resp)
{
	if (s->cfg.group != 0) {
		read_error(resp, OMENDB__STATUS__STATUS_WRONG_GROUP, "the catalog lives in group 0");
		return;
	}
	fsm_read_lock(s->f);
	Omendb__Catalog *c = NULL;
	if (s->f->catalog) {
		size_t len = omendb__catalog__get_packed_size(s->f->catalog);
		uint8_t *buf = malloc(len ? len : 1);
		if (buf) {
			omendb__catalog__pack(s->f->catalog, buf);
			c = omendb__catalog__unpack(NULL, len, buf);
			free(buf);
		}
	} else if ((c = malloc(sizeof *c)) != NULL) {
		omendb__catalog__init(c);
	}
	fsm_read_unlock(s->f);
	if (!c) {
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		return;
	}
	resp->catalog = c;
	resp->body_case = OMENDB__RESPONSE__BODY_CATALOG;
}

static void dispatch(server *s, const Omendb__Request *req, Omendb__Response *resp)
{
	if (!req->header || req->header->protocol_version != RPC_PROTOCOL_VERSION) {
		read_error(resp, OMENDB__STATUS__STATUS_PROTOCOL,
			   "protocol version %u is not supported (this is %d)",
			   req->header ? req->header->protocol_version : 0, RPC_PROTOCOL_VERSION);
		return;
	}
	resp->header->request_id = req->header->request_id;
	if (req->group_id != s->cfg.group) {
		read_error(resp, OMENDB__STATUS__STATUS_WRONG_GROUP, "this replica serves group %u, not %u",
			   s->cfg.group, req->group_id);
		return;
	}
	switch (req->body_case) {
	case OMENDB__REQUEST__BODY_STATUS:
		handle_status(s, resp);
		break;
	case OMENDB__REQUEST__BODY_COMMAND:
		if (req->command->op_case == OMENDB__COMMAND__OP__NOT_SET)
			read_error(resp, OMENDB__STATUS__STATUS_INVALID, "empty command");
		else
			handle_command(s, req, resp);
		break;
	case OMENDB__REQUEST__BODY_SEARCH:
		if (read_level_check(s, req->read_level, resp) &&
		    catalog_check(s, req->header, req->search->table_id, resp))
			read_search(s->f, req->search, resp);
		break;
	case OMENDB__REQUEST__BODY_FETCH:
		if (read_level_check(s, req->read_level, resp) &&
		    catalog_check(s, req->header, req->fetch->table_id, resp))
			read_fetch(s->f, req->fetch, resp);
		break;
	case OMENDB__REQUEST__BODY_SCAN:
		if (read_level_check(s, req->read_level, resp) &&
		    catalog_check(s, req->header, req->scan->table_id, resp))
			read_scan(s->f, req->scan, resp);
		break;
	case OMENDB__REQUEST__BODY_CATALOG_READ:
		if (read_level_check(s, req->read_level, resp))
			handle_catalog_read(s, resp);
		break;
	case OMENDB__REQUEST__BODY_SNAPSHOT_OPEN:
		snapxfer_open(s->x, req->snapshot_open, resp);
		break;
	case OMENDB__REQUEST__BODY_SNAPSHOT_READ:
		snapxfer_read(s->x, req->snapshot_read, resp);
		break;
	case OMENDB__REQUEST__BODY_SNAPSHOT_CLOSE:
		snapxfer_close(s->x, req->snapshot_close, resp);
		break;
	case OMENDB__REQUEST__BODY_MEMBERSHIP:
		handle_membership(s, req->membership, resp);
		break;
	default:
		read_error(resp, OMENDB__STATUS__STATUS_INVALID, "empty request");
	}
}

int server_handle(server *s, const uint8_t *req_buf, size_t len, uint8_t **out, size_t *out_len)
{
	Omendb__Response *resp = malloc(sizeof *resp);
	Omendb__RpcHeader *hdr = malloc(sizeof *hdr);
	if (!resp || !hdr) {
		free(resp);
		free(hdr);
		return OMEN_ENOMEM;
	}
	omendb__response__init(resp);
	omendb__rpc_header__init(hdr);
	hdr->protocol_version = RPC_PROTOCOL_VERSION;
	resp->header = hdr;
	Omendb__Request *req = len ? omendb__request__unpack(NULL, len, req_buf) : NULL;
	if (!req)
		read_error(resp, OMENDB__STATUS__STATUS_PROTOCOL, "the request (%zu bytes) does not decode",
			   len);
	else
		dispatch(s, req, resp);
	if (req)
		omendb__request__free_unpacked(req, NULL);
	size_t n = omendb__response__get_packed_size(resp);
	*out = malloc(n ? n : 1);
	if (*out) {
		omendb__response__pack(resp, *out);
		*out_len = n;
	}
	omendb__response__free_unpacked(resp, NULL);
	return *out ? OMEN_OK : OMEN_ENOMEM;
}

static void *worker_main(void *arg)
{
	server *s = arg;
	nng_ctx ctx;
	nng_aio *aio;
	if (nng_ctx_open(&ctx, s->sock) != 0 || nng_aio_alloc(&aio, NULL, NULL) != 0) {
		log_error("rpc worker: cannot open an nng context");
		return NULL;
	}
	for (;;) {
		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		int rv = nng_aio_result(aio);
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			break;
		if (rv != 0)
			continue;
		nng_msg *msg = nng_aio_get_msg(aio);
		uint8_t *out = NULL;
		size_t out_len = 0;
		int rc = server_handle(s, nng_msg_body(msg), nng_msg_len(msg), &out, &out_len);
		nng_msg_clear(msg);
		if (rc != OMEN_OK || nng_msg_append(msg, out, out_len) != 0) {
			/* No memory for an answer: drop it, the client times out. */
			free(out);
			nng_msg_free(msg);
			continue;
		}
		free(out);
		nng_aio_set_msg(aio, msg);
		nng_ctx_send(ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0)
			nng_msg_free(msg); /* on failure the message stays ours */
	}
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	return NULL;
}

int server_start(const server_config *cfg, fsm *f, node *n, snapxfer *x, server **out, char *err,
		 size_t errlen)
{
	server *s = calloc(1, sizeof *s);
	if (!s)
		return OMEN_ENOMEM;
	s->cfg = *cfg;
	s->f = f;
	s->n = n;
	s->x = x;
	snprintf(s->address, sizeof s->address, "%s", cfg->rpc_address);
	s->cfg.rpc_address = s->address;
	char url[300];
	int rv;
	if (rpc_url(cfg->rpc_address, url, sizeof url) != OMEN_OK) {
		snprintf(err, errlen, "bad RPC address %s (want host:port)", cfg->rpc_address);
		free(s);
		return OMEN_EINVAL;
	}
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		snprintf(err, errlen, "nng_rep0_open: %s", nng_strerror(rv));
		free(s);
		return OMEN_EIO;
	}
	/* nng 1.5.2 accepts any size unless told: bound it on the socket and
	 * the listener. */
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, RPC_MAX_MESSAGE);
	nng_listener l;
	if ((rv = nng_listener_create(&l, s->sock, url)) != 0 ||
	    (rv = nng_listener_set_size(l, NNG_OPT_RECVMAXSZ, RPC_MAX_MESSAGE)) != 0 ||
	    (rv = nng_listener_start(l, 0)) != 0) {
		snprintf(err, errlen, "listening on %s: %s", url, nng_strerror(rv));
		nng_close(s->sock);
		free(s);
		return OMEN_EIO;
	}
	s->threads = calloc(cfg->workers, sizeof *s->threads);
	for (unsigned i = 0; s->threads && i < cfg->workers; i++) {
		if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0)
			break;
		s->nthreads++;
	}
	if (s->nthreads == 0) {
		snprintf(err, errlen, "cannot start RPC workers");
		nng_close(s->sock);
		free(s->threads);
		free(s);
		return OMEN_ENOMEM;
	}
	log_info("serving RPC on %s with %u workers", cfg->rpc_address, s->nthreads);
	*out = s;
	return OMEN_OK;
}

void server_stop(server *s)
{
	if (!s)
		return;
	nng_close(s->sock);
	for (unsigned i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	free(s->threads);
	free(s);
}
