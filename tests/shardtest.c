#include "shardtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

double st_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void st_key(uint64_t id, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, id >>= 8)
		out[i] = (uint8_t)id;
}

uint64_t st_key_id(const uint8_t *key, size_t len)
{
	uint64_t v = 0;
	for (size_t i = 0; i < len && i < 8; i++)
		v = v << 8 | key[i];
	return v;
}

int st_call(rpc_client *c, uint32_t group, Omendb__Request *req, Omendb__Response **resp)
{
	req->group_id = group;
	return rpc_call(c, req, resp);
}

static unsigned find_leader(cluster *cl, int timeout_ms)
{
	unsigned leader = 0;
	if (cluster_wait_leader(cl, timeout_ms, &leader) != OMEN_OK)
		return UINT32_MAX;
	return leader;
}

int st_command(cluster *cl, uint32_t group, Omendb__Command *cmd, int timeout_ms, Omendb__Response **out)
{
	double deadline = st_now() + timeout_ms / 1000.0;
	int status = -1;
	while (st_now() < deadline) {
		unsigned leader = find_leader(cl, (int)((deadline - st_now()) * 1000) + 1);
		if (leader == UINT32_MAX)
			break;
		Omendb__Request req = OMENDB__REQUEST__INIT;
		req.body_case = OMENDB__REQUEST__BODY_COMMAND;
		req.command = cmd;
		Omendb__Response *resp = NULL;
		int rc = st_call(cluster_client(cl, leader), group, &req, &resp);
		if (rc != OMEN_OK) {
			usleep(50000);
			continue;
		}
		status = resp->status;
		if (status == OMENDB__STATUS__STATUS_NOT_LEADER ||
		    status == OMENDB__STATUS__STATUS_UNAVAILABLE ||
		    status == OMENDB__STATUS__STATUS_TIMEOUT) {
			omendb__response__free_unpacked(resp, NULL);
			usleep(50000);
			continue;
		}
		if (out)
			*out = resp;
		else
			omendb__response__free_unpacked(resp, NULL);
		return status;
	}
	return status;
}

int st_create_table(cluster *cl, uint32_t group, uint32_t dim)
{
	Omendb__Column c0 = OMENDB__COLUMN__INIT, c1 = OMENDB__COLUMN__INIT, c2 = OMENDB__COLUMN__INIT;
	c0.name = "id";
	c0.type = OMENDB__COLUMN_TYPE__COLUMN_BIGINT;
	c1.name = "category";
	c1.type = OMENDB__COLUMN_TYPE__COLUMN_INTEGER;
	c2.name = "embedding";
	c2.type = OMENDB__COLUMN_TYPE__COLUMN_VECTOR;
	c2.dim = dim;
	Omendb__Column *cols[] = {&c0, &c1, &c2};
	Omendb__TableDef t = OMENDB__TABLE_DEF__INIT;
	t.table_id = ST_TABLE;
	t.name = "items";
	t.columns = cols;
	t.n_columns = 3;
	t.catalog_version = 1;
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_CREATE_TABLE;
	cmd.create_table = &t;
	return st_command(cl, group, &cmd, 20000, NULL);
}

int st_create_index(cluster *cl, uint32_t group, uint32_t m, uint32_t ef_construction)
{
	Omendb__IndexDef d = OMENDB__INDEX_DEF__INIT;
	d.table_id = ST_TABLE;
	d.column = 2;
	d.name = "items_embedding_idx";
	d.metric = OMENDB__METRIC__METRIC_L2;
	d.m = m;
	d.ef_construction = ef_construction;
	d.catalog_version = 2;
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_CREATE_INDEX;
	cmd.create_index = &d;
	return st_command(cl, group, &cmd, 20000, NULL);
}

int st_write(cluster *cl, uint32_t group, uint32_t dim, const uint64_t *ids, const float *vecs, size_t n,
	     int timeout_ms)
{
	Omendb__Row *rows = calloc(n, sizeof *rows);
	Omendb__Row **rowp = calloc(n, sizeof *rowp);
	Omendb__Value *vals = calloc(3 * n, sizeof *vals);
	Omendb__Value **valp = calloc(3 * n, sizeof *valp);
	Omendb__Vector *vs = calloc(n, sizeof *vs);
	uint8_t *keys = calloc(n, 8);
	for (size_t i = 0; i < n; i++) {
		omendb__row__init(&rows[i]);
		st_key(ids[i], keys + 8 * i);
		rows[i].key.data = keys + 8 * i;
		rows[i].key.len = 8;
		for (int c = 0; c < 3; c++) {
			omendb__value__init(&vals[3 * i + (size_t)c]);
			valp[3 * i + (size_t)c] = &vals[3 * i + (size_t)c];
		}
		vals[3 * i].kind_case = OMENDB__VALUE__KIND_INT_VALUE;
		vals[3 * i].int_value = (int64_t)ids[i];
		vals[3 * i + 1].kind_case = OMENDB__VALUE__KIND_INT_VALUE;
		vals[3 * i + 1].int_value = (int64_t)(ids[i] % 10);
		omendb__vector__init(&vs[i]);
		vs[i].values = (float *)vecs + i * dim;
		vs[i].n_values = dim;
		vals[3 * i + 2].kind_case = OMENDB__VALUE__KIND_VECTOR_VALUE;
		vals[3 * i + 2].vector_value = &vs[i];
		rows[i].values = valp + 3 * i;
		rows[i].n_values = 3;
		rowp[i] = &rows[i];
	}
	Omendb__WriteBatch wb = OMENDB__WRITE_BATCH__INIT;
	wb.table_id = ST_TABLE;
	wb.upserts = rowp;
	wb.n_upserts = n;
	wb.conflict = OMENDB__CONFLICT__CONFLICT_REPLACE;
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_WRITE;
	cmd.write = &wb;
	int st = st_command(cl, group, &cmd, timeout_ms, NULL);
	free(rows);
	free(rowp);
	free(vals);
	free(valp);
	free(vs);
	free(keys);
	return st;
}

int st_search(cluster *cl, unsigned i, uint32_t group, const float *q, uint32_t dim, uint32_t k, uint32_t ef,
	      bool exact, int category, uint64_t *ids)
{
	Omendb__SearchRequest s = OMENDB__SEARCH_REQUEST__INIT;
	s.table_id = ST_TABLE;
	s.column = 2;
	s.query = (float *)q;
	s.n_query = dim;
	s.k = k;
	s.ef = ef;
	s.exact = exact;
	Omendb__FilterNode node = OMENDB__FILTER_NODE__INIT;
	Omendb__FilterNode *nodes[] = {&node};
	Omendb__Value v = OMENDB__VALUE__INIT;
	Omendb__Value *vp[] = {&v};
	Omendb__Filter f = OMENDB__FILTER__INIT;
	if (category >= 0) {
		node.op = OMENDB__FILTER_OP__FILTER_EQ;
		node.column = 1;
		v.kind_case = OMENDB__VALUE__KIND_INT_VALUE;
		v.int_value = category;
		node.values = vp;
		node.n_values = 1;
		f.nodes = nodes;
		f.n_nodes = 1;
		s.filter = &f;
	}
	Omendb__Request req = OMENDB__REQUEST__INIT;
	req.read_level = OMENDB__READ_LEVEL__READ_ANY;
	req.body_case = OMENDB__REQUEST__BODY_SEARCH;
	req.search = &s;
	Omendb__Response *resp = NULL;
	if (st_call(cluster_client(cl, i), group, &req, &resp) != OMEN_OK)
		return -1;
	int n = -1;
	if (resp->status == OMENDB__STATUS__STATUS_OK && resp->body_case == OMENDB__RESPONSE__BODY_SEARCH) {
		n = (int)resp->search->n_hits;
		for (int j = 0; j < n; j++)
			ids[j] = st_key_id(resp->search->hits[j]->row->key.data,
					   resp->search->hits[j]->row->key.len);
	} else {
		fprintf(stderr, "search on replica %u: status %d: %s\n", i, resp->status, resp->message);
	}
	omendb__response__free_unpacked(resp, NULL);
	return n;
}

int st_wait_caught_up(cluster *cl, int timeout_ms, uint64_t *index)
{
	unsigned leader;
	int rc = cluster_wait_leader(cl, timeout_ms, &leader);
	if (rc != OMEN_OK)
		return rc;
	Omendb__Response *st = NULL;
	rc = cluster_status(cl, leader, &st);
	if (rc != OMEN_OK)
		return rc;
	uint64_t target = st->status_info->applied_index;
	omendb__response__free_unpacked(st, NULL);
	if (index)
		*index = target;
	return cluster_wait_applied(cl, target, timeout_ms);
}

long st_count_present(cluster *cl, unsigned i, uint32_t group, const uint64_t *ids, size_t n)
{
	long found = 0;
	for (size_t off = 0; off < n; off += 1000) {
		size_t m = n - off < 1000 ? n - off : 1000;
		ProtobufCBinaryData *keys = calloc(m, sizeof *keys);
		uint8_t *kb = calloc(m, 8);
		for (size_t j = 0; j < m; j++) {
			st_key(ids[off + j], kb + 8 * j);
			keys[j].data = kb + 8 * j;
			keys[j].len = 8;
		}
		Omendb__FetchRequest fr = OMENDB__FETCH_REQUEST__INIT;
		fr.table_id = ST_TABLE;
		fr.keys = keys;
		fr.n_keys = m;
		Omendb__Request req = OMENDB__REQUEST__INIT;
		req.read_level = OMENDB__READ_LEVEL__READ_ANY;
		req.body_case = OMENDB__REQUEST__BODY_FETCH;
		req.fetch = &fr;
		Omendb__Response *resp = NULL;
		int rc = st_call(cluster_client(cl, i), group, &req, &resp);
		free(keys);
		free(kb);
		if (rc != OMEN_OK)
			return -1;
		if (resp->status != OMENDB__STATUS__STATUS_OK ||
		    resp->body_case != OMENDB__RESPONSE__BODY_FETCH) {
			omendb__response__free_unpacked(resp, NULL);
			return -1;
		}
		found += (long)resp->fetch->n_rows;
		omendb__response__free_unpacked(resp, NULL);
	}
	return found;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static float uniform(uint64_t *s)
{
	return (float)((double)(splitmix(s) >> 11) / 9007199254740992.0);
}

void st_vectors(float *out, size_t n, uint32_t dim, uint64_t seed)
{
	enum { CENTRES = 64 };
	uint64_t s = seed;
	float *centres = malloc((size_t)CENTRES * dim * sizeof *centres);
	for (size_t i = 0; i < (size_t)CENTRES * dim; i++)
		centres[i] = uniform(&s) * 2.0f;
	/* Noise that shrinks along the dimensions gives the data a low
	 * intrinsic dimension, as real embeddings have. */
	for (size_t i = 0; i < n; i++) {
		const float *c = centres + (splitmix(&s) % CENTRES) * dim;
		for (uint32_t d = 0; d < dim; d++)
			out[i * dim + d] = c[d] + (uniform(&s) - 0.5f) * 4.0f * expf(-(float)d / 12.0f);
	}
	free(centres);
}

double st_recall(const uint64_t *got, int ngot, const uint64_t *truth, int ntruth)
{
	if (ntruth <= 0)
		return ngot == 0 ? 1.0 : 0.0;
	int hit = 0;
	for (int i = 0; i < ntruth; i++)
		for (int j = 0; j < ngot; j++)
			if (got[j] == truth[i]) {
				hit++;
				break;
			}
	return (double)hit / ntruth;
}
