/* The coordinator's router against real omendb-shard processes: group 0
 * (the catalog, one replica), group 1 (three replicas) and group 2 (one
 * replica). Groups and a 4096-bucket shard map are registered through
 * router_catalog_op; rows are routed by router_key_group; searches fan out
 * to both groups and are merged; a killed leader, a paused group and a
 * stale catalog are survived as router.h promises. The tests share one
 * fixture, started by the first test that needs it and torn down at exit;
 * the ones that break replicas come last and leave every replica running. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "merge.h"
#include "router.h"
#include "shardtest.h"
#include "test.h"

#define DIM 8
#define ROWS 2000
#define BUCKETS 4096
#define TIMEOUT_MS 1000 /* one attempt; short, so a dead leader costs little */

static struct {
	bool started;
	cluster *g[3]; /* index = group id */
	router *r;
	uint32_t table;
	float *vecs; /* ROWS * DIM; row id i + 1 has vecs[i * DIM...] */
} fx;

static void fixture_teardown(void)
{
	router_close(fx.r);
	for (unsigned g = 0; g < 3; g++)
		cluster_destroy(fx.g[g]);
	free(fx.vecs);
	memset(&fx, 0, sizeof fx);
}

static int catalog_op(Omendb__CatalogOp *op, Omendb__WriteResult *wr)
{
	Omendb__Status st = OMENDB__STATUS__STATUS_INTERNAL;
	char msg[256];
	int rc = router_catalog_op(fx.r, op, &st, wr, msg, sizeof msg);
	if (rc != OMEN_OK)
		return -1;
	if (st != OMENDB__STATUS__STATUS_OK)
		fprintf(stderr, "catalog op: status %d: %s\n", (int)st, msg);
	return (int)st;
}

static int register_group(uint32_t group)
{
	cluster *cl = fx.g[group];
	Omendb__Member m[CLUSTER_MAX_REPLICAS], *mp[CLUSTER_MAX_REPLICAS];
	unsigned n = cluster_size(cl);
	for (unsigned i = 0; i < n; i++) {
		omendb__member__init(&m[i]);
		m[i].id = i + 1;
		m[i].raft_address = (char *)cluster_raft_address(cl, i);
		m[i].rpc_address = (char *)cluster_rpc_address(cl, i);
		mp[i] = &m[i];
	}
	Omendb__GroupInfo gi = OMENDB__GROUP_INFO__INIT;
	gi.group_id = group;
	gi.replicas = mp;
	gi.n_replicas = n;
	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.op_case = OMENDB__CATALOG_OP__OP_REGISTER_GROUP;
	op.register_group = &gi;
	return catalog_op(&op, NULL);
}

/* Table "items" (id bigint, category integer, embedding vector(DIM)) as a
 * TableDef; the caller sets the id and version. */
struct table_def {
	Omendb__Column c[3];
	Omendb__Column *cp[3];
	Omendb__TableDef t;
};

static void table_def_init(struct table_def *d, const char *name)
{
	for (int i = 0; i < 3; i++) {
		omendb__column__init(&d->c[i]);
		d->cp[i] = &d->c[i];
	}
	d->c[0].name = "id";
	d->c[0].type = OMENDB__COLUMN_TYPE__COLUMN_BIGINT;
	d->c[1].name = "category";
	d->c[1].type = OMENDB__COLUMN_TYPE__COLUMN_INTEGER;
	d->c[2].name = "embedding";
	d->c[2].type = OMENDB__COLUMN_TYPE__COLUMN_VECTOR;
	d->c[2].dim = DIM;
	omendb__table_def__init(&d->t);
	d->t.name = (char *)name;
	d->t.columns = d->cp;
	d->t.n_columns = 3;
}

/* A command through the router; returns the answer's status or -1. */
static int router_command(uint32_t group, Omendb__Command *cmd)
{
	Omendb__Request req = OMENDB__REQUEST__INIT;
	req.body_case = OMENDB__REQUEST__BODY_COMMAND;
	req.command = cmd;
	Omendb__Response *resp = NULL;
	int rc = router_call(fx.r, group, &req, &resp);
	if (rc != OMEN_OK) {
		fprintf(stderr, "router_call to group %u: %s\n", group, error_name(rc));
		return -1;
	}
	int st = resp->status;
	if (st != OMENDB__STATUS__STATUS_OK)
		fprintf(stderr, "group %u: status %d: %s\n", group, st, resp->message);
	omendb__response__free_unpacked(resp, NULL);
	return st;
}

static int create_on_group(uint32_t group, const Omendb__TableDef *def)
{
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_CREATE_TABLE;
	cmd.create_table = (Omendb__TableDef *)def;
	return router_command(group, &cmd);
}

/* Upserts the rows with the given ids (1-based into fx.vecs) to group. */
static int write_rows(uint32_t group, const uint64_t *ids, size_t n)
{
	Omendb__Row *rows = calloc(n, sizeof *rows);
	Omendb__Row **rowp = calloc(n, sizeof *rowp);
	Omendb__Value *vals = calloc(3 * n, sizeof *vals);
	Omendb__Value **valp = calloc(3 * n, sizeof *valp);
	Omendb__Vector *vs = calloc(n, sizeof *vs);
	uint8_t *keys = calloc(n, 8);
	int st = -1;
	if (!rows || !rowp || !vals || !valp || !vs || !keys)
		goto out;
	for (size_t i = 0; i < n; i++) {
		omendb__row__init(&rows[i]);
		st_key(ids[i], keys + 8 * i);
		rows[i].key.data = keys + 8 * i;
		rows[i].key.len = 8;
		for (size_t c = 0; c < 3; c++) {
			omendb__value__init(&vals[3 * i + c]);
			valp[3 * i + c] = &vals[3 * i + c];
		}
		vals[3 * i].kind_case = OMENDB__VALUE__KIND_INT_VALUE;
		vals[3 * i].int_value = (int64_t)ids[i];
		vals[3 * i + 1].kind_case = OMENDB__VALUE__KIND_INT_VALUE;
		vals[3 * i + 1].int_value = (int64_t)(ids[i] % 10);
		omendb__vector__init(&vs[i]);
		vs[i].values = fx.vecs + (ids[i] - 1) * DIM;
		vs[i].n_values = DIM;
		vals[3 * i + 2].kind_case = OMENDB__VALUE__KIND_VECTOR_VALUE;
		vals[3 * i + 2].vector_value = &vs[i];
		rows[i].values = valp + 3 * i;
		rows[i].n_values = 3;
		rowp[i] = &rows[i];
	}
	Omendb__WriteBatch wb = OMENDB__WRITE_BATCH__INIT;
	wb.table_id = fx.table;
	wb.upserts = rowp;
	wb.n_upserts = n;
	wb.conflict = OMENDB__CONFLICT__CONFLICT_REPLACE; /* safe to retry */
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_WRITE;
	cmd.write = &wb;
	st = router_command(group, &cmd);
out:
	free(rows);
	free(rowp);
	free(vals);
	free(valp);
	free(vs);
	free(keys);
	return st;
}

static uint32_t id_group(const Omendb__Catalog *cat, uint64_t id)
{
	uint8_t key[8];
	st_key(id, key);
	return router_key_group(cat, key, sizeof key);
}

/* Writes every row, batched per group by router_key_group. */
static int write_all_rows(void)
{
	const router_catalog *snap;
	if (router_catalog_get(fx.r, false, &snap) != OMEN_OK)
		return -1;
	uint64_t *ids[3] = {calloc(ROWS, 8), calloc(ROWS, 8), calloc(ROWS, 8)};
	size_t n[3] = {0};
	int st = OMENDB__STATUS__STATUS_OK;
	for (uint64_t id = 1; ids[1] && ids[2] && id <= ROWS; id++) {
		uint32_t g = id_group(snap->cat, id);
		if (g < 1 || g > 2) {
			st = -1;
			break;
		}
		ids[g][n[g]++] = id;
	}
	router_catalog_release(fx.r, snap);
	for (uint32_t g = 1; g <= 2 && st == OMENDB__STATUS__STATUS_OK; g++)
		st = ids[g] ? write_rows(g, ids[g], n[g]) : -1;
	for (int g = 0; g < 3; g++)
		free(ids[g]);
	return st;
}

/* Starts the three groups, opens the router, registers the groups and the
 * shard map, creates the table on the data groups and writes the rows. */
static bool fixture(void)
{
	if (fx.started)
		return fx.r != NULL;
	fx.started = true;
	static const unsigned replicas[3] = {1, 3, 1};
	for (unsigned g = 0; g < 3; g++) {
		cluster_options o = {.group = g, .replicas = replicas[g], .workers = 4};
		int rc = cluster_start(&o, &fx.g[g]);
		/* After the harness's own exit handler, so that this one runs
		 * first: the router closes before its replicas go. */
		if (g == 0)
			atexit(fixture_teardown);
		if (rc != OMEN_OK)
			return false;
	}
	for (unsigned g = 0; g < 3; g++)
		if (cluster_wait_leader(fx.g[g], 30000, NULL) != OMEN_OK)
			return false;
	const char *cat[] = {cluster_rpc_address(fx.g[0], 0)};
	router_options ro = {cat, 1, TIMEOUT_MS, 10000};
	router *r;
	if (router_open(&ro, &r) != OMEN_OK)
		return false;
	fx.vecs = malloc((size_t)ROWS * DIM * sizeof *fx.vecs);
	if (!fx.vecs) {
		router_close(r);
		return false;
	}
	st_vectors(fx.vecs, ROWS, DIM, 42);
	fx.r = r;

	bool ok =
	    register_group(1) == OMENDB__STATUS__STATUS_OK && register_group(2) == OMENDB__STATUS__STATUS_OK;
	uint32_t *map = malloc(BUCKETS * sizeof *map);
	for (size_t b = 0; map && b < BUCKETS; b++)
		map[b] = b % 2 ? 2 : 1;
	Omendb__ShardMap sm = OMENDB__SHARD_MAP__INIT;
	sm.bucket_group = map;
	sm.n_bucket_group = map ? BUCKETS : 0;
	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.op_case = OMENDB__CATALOG_OP__OP_SET_SHARD_MAP;
	op.set_shard_map = &sm;
	ok = ok && map && catalog_op(&op, NULL) == OMENDB__STATUS__STATUS_OK;
	free(map);

	struct table_def d;
	table_def_init(&d, "items");
	omendb__catalog_op__init(&op);
	op.op_case = OMENDB__CATALOG_OP__OP_CREATE_TABLE;
	op.create_table = &d.t;
	Omendb__WriteResult wr = OMENDB__WRITE_RESULT__INIT;
	ok = ok && catalog_op(&op, &wr) == OMENDB__STATUS__STATUS_OK && wr.table_id >= 1;
	fx.table = wr.table_id;
	d.t.table_id = wr.table_id;
	d.t.catalog_version = wr.catalog_version;
	ok = ok && create_on_group(1, &d.t) == OMENDB__STATUS__STATUS_OK &&
	     create_on_group(2, &d.t) == OMENDB__STATUS__STATUS_OK;
	ok = ok && write_all_rows() == OMENDB__STATUS__STATUS_OK;
	if (!ok) {
		for (unsigned g = 0; g < 3; g++)
			cluster_dump_logs(fx.g[g]);
		router_close(fx.r);
		fx.r = NULL;
	}
	return ok;
}

static void test_key_group_hash_is_fixed_and_uniform(void)
{
	/* A map naming bucket b as group b + 1 shows the bucket itself. The
	 * values come from an independent implementation of FNV-1a 64 and
	 * fmix64; a change here would move every stored row. */
	uint32_t *map = malloc(BUCKETS * sizeof *map);
	CHECK(map != NULL);
	if (!map)
		return;
	for (uint32_t b = 0; b < BUCKETS; b++)
		map[b] = b + 1;
	Omendb__ShardMap sm = OMENDB__SHARD_MAP__INIT;
	sm.bucket_group = map;
	sm.n_bucket_group = BUCKETS;
	Omendb__Catalog cat = OMENDB__CATALOG__INIT;
	cat.shard_map = &sm;
	uint8_t one[8];
	st_key(1, one);
	CHECK_EQ_INT(router_key_group(&cat, (const uint8_t *)"", 0), 2342 + 1);
	CHECK_EQ_INT(router_key_group(&cat, (const uint8_t *)"a", 1), 3675 + 1);
	CHECK_EQ_INT(router_key_group(&cat, one, 8), 855 + 1);
	CHECK_EQ_INT(router_key_group(&cat, (const uint8_t *)"hello world", 11), 1493 + 1);

	/* Two groups over alternate buckets: 100k keys split 45-55%. */
	for (uint32_t b = 0; b < BUCKETS; b++)
		map[b] = b % 2 ? 2 : 1;
	size_t count[3] = {0};
	for (uint64_t id = 1; id <= 100000; id++) {
		uint8_t key[8];
		st_key(id, key);
		uint32_t g = router_key_group(&cat, key, sizeof key);
		CHECK(g == 1 || g == 2);
		if (g == 1 || g == 2)
			count[g]++;
	}
	printf("100000 keys: group 1 %zu, group 2 %zu\n", count[1], count[2]);
	CHECK(count[1] >= 45000 && count[1] <= 55000);
	CHECK(count[2] >= 45000 && count[2] <= 55000);

	uint32_t groups[4];
	CHECK_EQ_INT(router_groups(&cat, groups, 4), 2);
	CHECK_EQ_INT(groups[0], 1);
	CHECK_EQ_INT(groups[1], 2);
	/* Without a map every key goes to "no group". */
	sm.n_bucket_group = 0;
	CHECK_EQ_INT(router_key_group(&cat, one, 8), 0);
	CHECK_EQ_INT(router_groups(&cat, groups, 4), 0);
	free(map);
}

static void test_groups_keep_the_cap_smallest_ascending(void)
{
	uint32_t map[8] = {9, 3, 3, 7, 1, 9, 5, 1};
	Omendb__ShardMap sm = OMENDB__SHARD_MAP__INIT;
	sm.bucket_group = map;
	sm.n_bucket_group = 8;
	Omendb__Catalog cat = OMENDB__CATALOG__INIT;
	cat.shard_map = &sm;
	uint32_t g[5];
	CHECK_EQ_INT(router_groups(&cat, g, 5), 5);
	static const uint32_t all[] = {1, 3, 5, 7, 9};
	for (int i = 0; i < 5; i++)
		CHECK_EQ_INT(g[i], all[i]);
	CHECK_EQ_INT(router_groups(&cat, g, 3), 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(g[i], all[i]);
}

static void test_catalog_ops_register_groups_and_the_shard_map(void)
{
	CHECK(fixture());
	if (!fx.r)
		return;
	const router_catalog *snap;
	CHECK_EQ_INT(router_catalog_get(fx.r, false, &snap), OMEN_OK);
	const Omendb__Catalog *cat = snap->cat;
	/* register 1, register 2, map, create table: version 4. */
	CHECK_EQ_INT(cat->version, 4);
	CHECK_EQ_INT(cat->n_groups, 2);
	CHECK(cat->shard_map && cat->shard_map->n_bucket_group == BUCKETS);
	for (size_t i = 0; i < cat->n_groups; i++)
		CHECK_EQ_INT(cat->groups[i]->n_replicas, cat->groups[i]->group_id == 1 ? 3 : 1);
	uint32_t groups[8];
	CHECK_EQ_INT(router_groups(cat, groups, 8), 2);
	CHECK_EQ_INT(groups[0], 1);
	CHECK_EQ_INT(groups[1], 2);
	router_catalog_release(fx.r, snap);

	/* A refusal is an answer: OMEN_OK with the status and message. */
	struct table_def d;
	table_def_init(&d, "items");
	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.op_case = OMENDB__CATALOG_OP__OP_CREATE_TABLE;
	op.create_table = &d.t;
	Omendb__Status st = OMENDB__STATUS__STATUS_OK;
	char msg[128] = "";
	CHECK_EQ_INT(router_catalog_op(fx.r, &op, &st, NULL, msg, sizeof msg), OMEN_OK);
	CHECK_EQ_INT(st, OMENDB__STATUS__STATUS_EXISTS);
	CHECK(msg[0] != '\0');
}

static void test_unknown_group_is_not_found(void)
{
	CHECK(fixture());
	if (!fx.r)
		return;
	Omendb__StatusRequest sr = OMENDB__STATUS_REQUEST__INIT;
	Omendb__Request req = OMENDB__REQUEST__INIT;
	req.body_case = OMENDB__REQUEST__BODY_STATUS;
	req.status = &sr;
	Omendb__Response *resp = NULL;
	CHECK_EQ_INT(router_call(fx.r, 77, &req, &resp), OMEN_ENOTFOUND);
	/* The catalog group is always known, from the options. */
	CHECK_EQ_INT(router_call(fx.r, 0, &req, &resp), OMEN_OK);
	if (resp) {
		CHECK_EQ_INT(resp->status, OMENDB__STATUS__STATUS_OK);
		omendb__response__free_unpacked(resp, NULL);
	}
}

static void test_rows_live_in_the_group_their_key_hashes_to(void)
{
	CHECK(fixture());
	if (!fx.r)
		return;
	const router_catalog *snap;
	CHECK_EQ_INT(router_catalog_get(fx.r, false, &snap), OMEN_OK);
	unsigned char *seen = calloc(ROWS + 1, 1);
	size_t total = 0, per[3] = {0};
	for (uint32_t g = 1; g <= 2; g++) {
		ProtobufCBinaryData after = {0, NULL};
		uint8_t last[8];
		for (bool done = false; !done;) {
			Omendb__ScanRequest sc = OMENDB__SCAN_REQUEST__INIT;
			sc.table_id = fx.table;
			sc.after_key = after;
			sc.limit = 500;
			Omendb__Request req = OMENDB__REQUEST__INIT;
			req.body_case = OMENDB__REQUEST__BODY_SCAN;
			req.scan = &sc;
			Omendb__Response *resp = NULL;
			CHECK_EQ_INT(router_call(fx.r, g, &req, &resp), OMEN_OK);
			if (!resp)
				break;
			CHECK_EQ_INT(resp->status, OMENDB__STATUS__STATUS_OK);
			if (resp->body_case != OMENDB__RESPONSE__BODY_SCAN) {
				omendb__response__free_unpacked(resp, NULL);
				break;
			}
			for (size_t i = 0; i < resp->scan->n_rows; i++) {
				const ProtobufCBinaryData *k = &resp->scan->rows[i]->key;
				uint64_t id = st_key_id(k->data, k->len);
				CHECK_EQ_INT(router_key_group(snap->cat, k->data, k->len), g);
				CHECK(id >= 1 && id <= ROWS);
				if (id >= 1 && id <= ROWS && seen) {
					CHECK_EQ_INT(seen[id], 0);
					seen[id] = 1;
				}
				total++;
				per[g]++;
			}
			done = resp->scan->done || resp->scan->n_rows == 0;
			if (!done) {
				const ProtobufCBinaryData *k = &resp->scan->rows[resp->scan->n_rows - 1]->key;
				memcpy(last, k->data, k->len < 8 ? k->len : 8);
				after.data = last;
				after.len = k->len < 8 ? k->len : 8;
			}
			omendb__response__free_unpacked(resp, NULL);
		}
	}
	printf("rows: group 1 %zu, group 2 %zu\n", per[1], per[2]);
	CHECK_EQ_INT(total, ROWS);
	CHECK(per[1] > 0 && per[2] > 0);
	free(seen);
	router_catalog_release(fx.r, snap);
}

static Omendb__Request *search_request(Omendb__Request *req, Omendb__SearchRequest *s, const float *q,
				       uint32_t k)
{
	omendb__search_request__init(s);
	s->table_id = fx.table;
	s->column = 2;
	s->query = (float *)q;
	s->n_query = DIM;
	s->k = k;
	s->exact = true;
	omendb__request__init(req);
	req->body_case = OMENDB__REQUEST__BODY_SEARCH;
	req->search = s;
	return req;
}

static void test_fanout_search_merges_both_groups(void)
{
	enum { K = 10 };
	CHECK(fixture());
	if (!fx.r)
		return;
	float q[DIM];
	st_vectors(q, 1, DIM, 7);
	/* One request for both groups: the router only reads it. */
	Omendb__SearchRequest s;
	Omendb__Request req;
	Omendb__Request *reqs[2] = {search_request(&req, &s, q, K), &req};
	uint32_t groups[2] = {1, 2};
	Omendb__Response *resps[2];
	int codes[2];
	CHECK_EQ_INT(router_fanout(fx.r, 2, groups, reqs, 5000, resps, codes), OMEN_OK);
	Omendb__SearchResponse *parts[2] = {NULL, NULL};
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(codes[i], OMEN_OK);
		CHECK(resps[i] && resps[i]->status == OMENDB__STATUS__STATUS_OK &&
		      resps[i]->body_case == OMENDB__RESPONSE__BODY_SEARCH);
		if (resps[i] && resps[i]->body_case == OMENDB__RESPONSE__BODY_SEARCH)
			parts[i] = resps[i]->search;
	}
	Omendb__SearchHit *hits[K];
	size_t n = merge_topk(parts, 2, K, hits);
	CHECK_EQ_INT(n, K);

	/* The exact answer over every row written. */
	uint64_t truth[K];
	float best[K];
	size_t nt = 0;
	for (uint64_t id = 1; id <= ROWS; id++) {
		float d = 0;
		for (int j = 0; j < DIM; j++) {
			float x = fx.vecs[(id - 1) * DIM + (size_t)j] - q[j];
			d += x * x;
		}
		size_t at = nt < K ? nt++ : K;
		while (at > 0 && best[at - 1] > d) {
			if (at < K) {
				best[at] = best[at - 1];
				truth[at] = truth[at - 1];
			}
			at--;
		}
		if (at < K) {
			best[at] = d;
			truth[at] = id;
		}
	}
	for (int i = 0; i < 2; i++)
		CHECK(parts[i] && parts[i]->n_hits == K);
	bool from[3] = {false};
	for (size_t i = 0; i < n && i < nt; i++)
		CHECK_EQ_INT(st_key_id(hits[i]->row->key.data, hits[i]->row->key.len), truth[i]);
	const router_catalog *snap;
	if (router_catalog_get(fx.r, false, &snap) == OMEN_OK) {
		for (size_t i = 0; i < n; i++)
			from[id_group(snap->cat, st_key_id(hits[i]->row->key.data, hits[i]->row->key.len))] =
			    true;
		router_catalog_release(fx.r, snap);
	}
	printf("top-%d from group 1: %s, group 2: %s\n", K, from[1] ? "yes" : "no", from[2] ? "yes" : "no");
	for (int i = 0; i < 2; i++)
		if (resps[i])
			omendb__response__free_unpacked(resps[i], NULL);
}

static void test_stale_catalog_version_is_refreshed(void)
{
	CHECK(fixture());
	if (!fx.r)
		return;
	const router_catalog *snap;
	CHECK_EQ_INT(router_catalog_get(fx.r, false, &snap), OMEN_OK);
	uint64_t cached = snap->cat->version;
	router_catalog_release(fx.r, snap);

	/* A table created behind the router's back (another coordinator):
	 * the data groups know its version, the router's cache does not. */
	struct table_def d;
	table_def_init(&d, "later");
	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.op_case = OMENDB__CATALOG_OP__OP_CREATE_TABLE;
	op.create_table = &d.t;
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_CATALOG;
	cmd.catalog = &op;
	Omendb__Response *resp = NULL;
	CHECK_EQ_INT(st_command(fx.g[0], 0, &cmd, 20000, &resp), OMENDB__STATUS__STATUS_OK);
	if (!resp || resp->body_case != OMENDB__RESPONSE__BODY_WRITE) {
		CHECK(false);
		if (resp)
			omendb__response__free_unpacked(resp, NULL);
		return;
	}
	d.t.table_id = resp->write->table_id;
	d.t.catalog_version = resp->write->catalog_version;
	omendb__response__free_unpacked(resp, NULL);
	CHECK(d.t.catalog_version > cached);
	Omendb__Command create = OMENDB__COMMAND__INIT;
	create.op_case = OMENDB__COMMAND__OP_CREATE_TABLE;
	create.create_table = &d.t;
	CHECK_EQ_INT(st_command(fx.g[1], 1, &create, 20000, NULL), OMENDB__STATUS__STATUS_OK);

	router_stats before, after;
	router_get_stats(fx.r, &before);
	float q[DIM] = {0};
	Omendb__SearchRequest s;
	Omendb__Request req;
	search_request(&req, &s, q, 5);
	s.table_id = d.t.table_id;
	resp = NULL;
	CHECK_EQ_INT(router_call(fx.r, 1, &req, &resp), OMEN_OK);
	if (resp) {
		CHECK_EQ_INT(resp->status, OMENDB__STATUS__STATUS_OK);
		omendb__response__free_unpacked(resp, NULL);
	}
	router_get_stats(fx.r, &after);
	CHECK_EQ_INT(after.stale_catalog - before.stale_catalog, 1);
	CHECK(after.catalog_refreshes > before.catalog_refreshes);
	CHECK_EQ_INT(router_catalog_get(fx.r, false, &snap), OMEN_OK);
	CHECK(snap->cat->version >= d.t.catalog_version);
	router_catalog_release(fx.r, snap);
}

struct refresher {
	pthread_t t;
	int rc;
	uint64_t version;
};

static void *refresh_main(void *arg)
{
	struct refresher *f = arg;
	const router_catalog *snap;
	f->rc = router_catalog_get(fx.r, true, &snap);
	if (f->rc == OMEN_OK) {
		f->version = snap->cat->version;
		router_catalog_release(fx.r, snap);
	}
	return NULL;
}

static void test_concurrent_refreshes_share_one_rpc(void)
{
	enum { THREADS = 8 };
	CHECK(fixture());
	if (!fx.r)
		return;
	/* Group 0 paused: the first refresh waits for it, and every other
	 * thread asks meanwhile, so all of them share the next one. */
	router_stats before, after;
	router_get_stats(fx.r, &before);
	CHECK_EQ_INT(cluster_pause(fx.g[0], 0), OMEN_OK);
	struct refresher f[THREADS];
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ_INT(pthread_create(&f[i].t, NULL, refresh_main, &f[i]), 0);
	usleep(500 * 1000);
	CHECK_EQ_INT(cluster_resume(fx.g[0], 0), OMEN_OK);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(f[i].t, NULL);
		CHECK_EQ_INT(f[i].rc, OMEN_OK);
		CHECK(f[i].version >= 4);
	}
	router_get_stats(fx.r, &after);
	printf("%d refreshes: %llu catalog reads\n", THREADS,
	       (unsigned long long)(after.catalog_refreshes - before.catalog_refreshes));
	CHECK_EQ_INT(after.catalog_refreshes - before.catalog_refreshes, 2);
}

struct session {
	pthread_t t;
	int seed;
	int failures;
};

/* One session's work: fan-out searches and single-group fetches, with a
 * catalog refresh now and then. */
static void *session_main(void *arg)
{
	struct session *se = arg;
	for (int i = 0; i < 40; i++) {
		float q[DIM];
		st_vectors(q, 1, DIM, (uint64_t)(se->seed * 100 + i));
		Omendb__SearchRequest s;
		Omendb__Request req;
		Omendb__Request *reqs[2] = {search_request(&req, &s, q, 5), &req};
		uint32_t groups[2] = {1, 2};
		Omendb__Response *resps[2];
		int codes[2];
		if (router_fanout(fx.r, 2, groups, reqs, 5000, resps, codes) != OMEN_OK)
			se->failures++;
		for (int g = 0; g < 2; g++) {
			if (codes[g] != OMEN_OK || resps[g]->status != OMENDB__STATUS__STATUS_OK)
				se->failures++;
			omendb__response__free_unpacked(resps[g], NULL);
		}
		uint8_t key[8];
		st_key((uint64_t)(i + 1), key);
		ProtobufCBinaryData k = {8, key};
		Omendb__FetchRequest fr = OMENDB__FETCH_REQUEST__INIT;
		fr.table_id = fx.table;
		fr.keys = &k;
		fr.n_keys = 1;
		Omendb__Request freq = OMENDB__REQUEST__INIT;
		freq.read_level = i % 2 ? OMENDB__READ_LEVEL__READ_ANY : OMENDB__READ_LEVEL__READ_LEADER;
		freq.body_case = OMENDB__REQUEST__BODY_FETCH;
		freq.fetch = &fr;
		const router_catalog *snap;
		if (router_catalog_get(fx.r, i % 10 == 0, &snap) != OMEN_OK) {
			se->failures++;
			continue;
		}
		uint32_t g = router_key_group(snap->cat, key, sizeof key);
		router_catalog_release(fx.r, snap);
		Omendb__Response *resp = NULL;
		if (router_call(fx.r, g, &freq, &resp) != OMEN_OK) {
			se->failures++;
			continue;
		}
		if (resp->status != OMENDB__STATUS__STATUS_OK ||
		    resp->body_case != OMENDB__RESPONSE__BODY_FETCH || resp->fetch->n_rows != 1)
			se->failures++;
		omendb__response__free_unpacked(resp, NULL);
	}
	return NULL;
}

static void test_sessions_share_one_router(void)
{
	enum { SESSIONS = 6 };
	CHECK(fixture());
	if (!fx.r)
		return;
	struct session se[SESSIONS];
	for (int i = 0; i < SESSIONS; i++) {
		se[i] = (struct session){.seed = i};
		CHECK_EQ_INT(pthread_create(&se[i].t, NULL, session_main, &se[i]), 0);
	}
	for (int i = 0; i < SESSIONS; i++) {
		pthread_join(se[i].t, NULL);
		CHECK_EQ_INT(se[i].failures, 0);
	}
}

static void test_fanout_gives_a_paused_group_etimedout_within_the_deadline(void)
{
	enum { DEADLINE_MS = 1500 };
	CHECK(fixture());
	if (!fx.r)
		return;
	for (unsigned i = 0; i < cluster_size(fx.g[1]); i++)
		CHECK_EQ_INT(cluster_pause(fx.g[1], i), OMEN_OK);
	float q[DIM] = {0};
	Omendb__SearchRequest s;
	Omendb__Request req;
	Omendb__Request *reqs[2] = {search_request(&req, &s, q, 3), &req};
	uint32_t groups[2] = {1, 2};
	Omendb__Response *resps[2];
	int codes[2];
	double t0 = st_now();
	CHECK_EQ_INT(router_fanout(fx.r, 2, groups, reqs, DEADLINE_MS, resps, codes), OMEN_OK);
	double took = st_now() - t0;
	printf("fan-out with group 1 paused returned after %.0f ms\n", took * 1000);
	CHECK(took < DEADLINE_MS / 1000.0 + 0.25);
	CHECK_EQ_INT(codes[0], OMEN_ETIMEDOUT);
	CHECK(resps[0] == NULL);
	CHECK_EQ_INT(codes[1], OMEN_OK);
	CHECK(resps[1] && resps[1]->status == OMENDB__STATUS__STATUS_OK);
	if (resps[1])
		omendb__response__free_unpacked(resps[1], NULL);
	for (unsigned i = 0; i < cluster_size(fx.g[1]); i++)
		CHECK_EQ_INT(cluster_resume(fx.g[1], i), OMEN_OK);
	CHECK_EQ_INT(cluster_wait_leader(fx.g[1], 30000, NULL), OMEN_OK);
}

/* A key of group 1, written once so that the router caches group 1's
 * leader; the leader is the same before and after the write, so that the
 * one the caller stops next is the one the router has cached. */
static bool group1_key_and_leader(uint64_t *id, unsigned *leader)
{
	const router_catalog *snap;
	if (router_catalog_get(fx.r, false, &snap) != OMEN_OK)
		return false;
	*id = 1;
	while (id_group(snap->cat, *id) != 1)
		(*id)++;
	router_catalog_release(fx.r, snap);
	for (int i = 0; i < 5; i++) {
		unsigned again;
		if (cluster_wait_leader(fx.g[1], 30000, leader) != OMEN_OK ||
		    write_rows(1, id, 1) != OMENDB__STATUS__STATUS_OK ||
		    cluster_wait_leader(fx.g[1], 30000, &again) != OMEN_OK)
			return false;
		if (again == *leader)
			return true;
	}
	return false;
}

/* Writes the row again and checks that it took retries: the router's
 * cached leader is gone, the write follows the new one. */
static void write_follows_new_leader(uint64_t id, const char *how)
{
	router_stats before, after;
	router_get_stats(fx.r, &before);
	double t0 = st_now();
	CHECK_EQ_INT(write_rows(1, &id, 1), OMENDB__STATUS__STATUS_OK);
	router_get_stats(fx.r, &after);
	printf("write after %s the leader took %.0f ms, %llu retries\n", how, (st_now() - t0) * 1000,
	       (unsigned long long)(after.retries - before.retries));
	CHECK(after.retries > before.retries);
	CHECK(st_now() - t0 < 10.0); /* retry_ms */
}

static void test_call_follows_the_new_leader_after_a_kill(void)
{
	CHECK(fixture());
	if (!fx.r)
		return;
	uint64_t id;
	unsigned leader, now_leader;
	CHECK(group1_key_and_leader(&id, &leader));
	CHECK_EQ_INT(cluster_kill(fx.g[1], leader), OMEN_OK);
	write_follows_new_leader(id, "killing");
	CHECK_EQ_INT(cluster_wait_leader(fx.g[1], 30000, &now_leader), OMEN_OK);
	CHECK(now_leader != leader);
	/* Back to three replicas for the tests after this one. */
	CHECK_EQ_INT(cluster_restart(fx.g[1], leader), OMEN_OK);
}

static void test_call_follows_the_new_leader_after_a_pause(void)
{
	CHECK(fixture());
	if (!fx.r)
		return;
	uint64_t id;
	unsigned leader, now_leader;
	CHECK(group1_key_and_leader(&id, &leader));
	CHECK_EQ_INT(cluster_pause(fx.g[1], leader), OMEN_OK);
	write_follows_new_leader(id, "pausing");
	CHECK_EQ_INT(cluster_wait_leader(fx.g[1], 30000, &now_leader), OMEN_OK);
	CHECK(now_leader != leader);
	CHECK_EQ_INT(cluster_resume(fx.g[1], leader), OMEN_OK);
}

TEST_MAIN(TEST(test_key_group_hash_is_fixed_and_uniform), TEST(test_groups_keep_the_cap_smallest_ascending),
	  TEST(test_catalog_ops_register_groups_and_the_shard_map), TEST(test_unknown_group_is_not_found),
	  TEST(test_rows_live_in_the_group_their_key_hashes_to), TEST(test_fanout_search_merges_both_groups),
	  TEST(test_stale_catalog_version_is_refreshed), TEST(test_concurrent_refreshes_share_one_rpc),
	  TEST(test_sessions_share_one_router), TEST(test_call_follows_the_new_leader_after_a_kill),
	  TEST(test_call_follows_the_new_leader_after_a_pause),
	  TEST(test_fanout_gives_a_paused_group_etimedout_within_the_deadline))
