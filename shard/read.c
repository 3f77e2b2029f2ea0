#include "read.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "filter.h"
#include "rpc.h"

#define MAX_K 1000
#define MAX_EF 1000
#define SCAN_DEFAULT 1000
#define SCAN_MAX 10000
#define READ_MAX_ANSWER (RPC_MAX_MESSAGE / 2)

void read_error(Omendb__Response *resp, Omendb__Status status, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	resp->status = status;
	if (resp->message && resp->message != protobuf_c_empty_string)
		free(resp->message);
	resp->message = strdup(buf);
}

/* The table, or NULL with resp set to NOT_FOUND. Under the read lock. */
static struct fsm_table *table_or_error(fsm *f, uint32_t id, Omendb__Response *resp)
{
	struct fsm_table *t = fsm_table_find(f, id);
	if (!t)
		read_error(resp, OMENDB__STATUS__STATUS_NOT_FOUND, "table %u does not exist on this shard",
			   id);
	return t;
}

static bool filter_ok(const Omendb__Filter *flt, struct fsm_table *t, Omendb__Response *resp)
{
	char err[256];
	if (flt && filter_validate(flt, t->def, err, sizeof err) != OMEN_OK) {
		read_error(resp, OMENDB__STATUS__STATUS_INVALID, "%s", err);
		return false;
	}
	return true;
}

/* The row with this row id (label), or NULL if it is gone. */
static Omendb__Row *row_by_id(fsm *f, uint32_t table, uint64_t rowid)
{
	uint8_t key[STORE_KEY_MAX];
	char *pk, *val;
	size_t pklen, vlen;
	size_t kl = store_key_rowid(key, table, rowid);
	if (store_get(f->db, NULL, key, kl, &pk, &pklen) != OMEN_OK)
		return NULL;
	if (pklen > FSM_MAX_KEY) {
		free(pk);
		return NULL;
	}
	kl = store_key_row(key, table, pk, pklen);
	free(pk);
	if (store_get(f->db, NULL, key, kl, &val, &vlen) != OMEN_OK)
		return NULL;
	uint64_t got;
	Omendb__Row *r = fsm_row_decode((uint8_t *)val, vlen, &got);
	free(val);
	if (r && got != rowid) { /* replaced since: the old label is stale */
		omendb__row__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

struct filter_arg {
	fsm *f;
	uint32_t table;
	const Omendb__Filter *filter;
};

static bool filter_label(void *arg, uint64_t label)
{
	struct filter_arg *a = arg;
	Omendb__Row *r = row_by_id(a->f, a->table, label);
	if (!r)
		return false;
	bool ok = filter_match(a->filter, r);
	omendb__row__free_unpacked(r, NULL);
	return ok;
}

static Omendb__SearchResponse *search_body(Omendb__Response *resp)
{
	Omendb__SearchResponse *s = malloc(sizeof *s);
	if (!s)
		return NULL;
	omendb__search_response__init(s);
	resp->search = s;
	resp->body_case = OMENDB__RESPONSE__BODY_SEARCH;
	return s;
}

static bool add_hit(Omendb__SearchResponse *s, float d, Omendb__Row *r)
{
	Omendb__SearchHit **h = realloc(s->hits, (s->n_hits + 1) * sizeof *h);
	if (!h)
		return false;
	s->hits = h;
	Omendb__SearchHit *hit = malloc(sizeof *hit);
	if (!hit)
		return false;
	omendb__search_hit__init(hit);
	hit->distance = d;
	hit->row = r;
	s->hits[s->n_hits++] = hit;
	return true;
}

struct scored {
	float d;
	Omendb__Row *row;
};

/* NaN (a zero vector under cosine) sorts after every number, as in
 * PostgreSQL. */
static bool worse(float a, float b)
{
	if (isnan(a))
		return !isnan(b);
	return !isnan(b) && a > b;
}

static void sift_down(struct scored *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && worse(h[l].d, h[m].d))
			m = l;
		if (l + 1 < n && worse(h[l + 1].d, h[m].d))
			m = l + 1;
		if (m == i)
			return;
		struct scored t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(struct scored *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!worse(h[i].d, h[p].d))
			return;
		struct scored t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

static int cmp_scored(const void *a, const void *b)
{
	float x = ((const struct scored *)a)->d, y = ((const struct scored *)b)->d;
	return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

/* The exact k nearest by a full scan of the table's rows in RocksDB. */
static void search_exact(fsm *f, struct fsm_table *t, const Omendb__SearchRequest *q, Omendb__Response *resp)
{
	struct scored *heap = malloc(q->k * sizeof *heap);
	uint8_t prefix[8];
	size_t pl = store_key_table(prefix, KEY_ROW, t->id);
	store_iter *it = heap ? store_iter_new(f->db, NULL, prefix, pl, NULL, 0) : NULL;
	if (!it) {
		free(heap);
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		return;
	}
	distance_metric metric = fsm_metric(q->metric);
	size_t n = 0;
	const uint8_t *k, *v;
	size_t kl, vl;
	while (store_iter_next(it, &k, &kl, &v, &vl)) {
		Omendb__Row *r = fsm_row_decode(v, vl, NULL);
		if (!r)
			continue;
		const Omendb__Value *cell = q->column < r->n_values ? r->values[q->column] : NULL;
		if (!cell || cell->kind_case != OMENDB__VALUE__KIND_VECTOR_VALUE ||
		    cell->vector_value->n_values != q->n_query ||
		    (q->filter && !filter_match(q->filter, r))) {
			omendb__row__free_unpacked(r, NULL);
			continue;
		}
		float d = distance_compute(metric, q->query, cell->vector_value->values, q->n_query);
		if (n < q->k) {
			heap[n] = (struct scored){d, r};
			sift_up(heap, n++);
		} else if (worse(heap[0].d, d)) {
			omendb__row__free_unpacked(heap[0].row, NULL);
			heap[0] = (struct scored){d, r};
			sift_down(heap, n, 0);
		} else {
			omendb__row__free_unpacked(r, NULL);
		}
	}
	store_iter_destroy(it);
	qsort(heap, n, sizeof *heap, cmp_scored);
	Omendb__SearchResponse *s = search_body(resp);
	size_t i = 0;
	for (; s && i < n; i++)
		if (!add_hit(s, heap[i].d, heap[i].row))
			break;
	for (size_t j = i; j < n; j++)
		omendb__row__free_unpacked(heap[j].row, NULL);
	free(heap);
	if (!s || i < n) {
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		return;
	}
	s->exact = true;
}

void read_search(fsm *f, const Omendb__SearchRequest *q, Omendb__Response *resp)
{
	fsm_read_lock(f);
	struct fsm_table *t = table_or_error(f, q->table_id, resp);
	if (!t)
		goto out;
	if (q->column >= t->def->n_columns ||
	    t->def->columns[q->column]->type != OMENDB__COLUMN_TYPE__COLUMN_VECTOR) {
		read_error(resp, OMENDB__STATUS__STATUS_INVALID,
			   "column %u of table %u is not a vector column", q->column, q->table_id);
		goto out;
	}
	uint32_t dim = t->def->columns[q->column]->dim;
	if (q->n_query != dim) {
		read_error(resp, OMENDB__STATUS__STATUS_DIMENSION, "expected %u dimensions, not %zu", dim,
			   q->n_query);
		goto out;
	}
	if (!distance_all_finite(q->query, q->n_query)) {
		read_error(resp, OMENDB__STATUS__STATUS_NON_FINITE, "NaN or infinity in the query vector");
		goto out;
	}
	if (q->k == 0 || q->k > MAX_K || q->ef > MAX_EF || (unsigned)q->metric > OMENDB__METRIC__METRIC_L1) {
		read_error(resp, OMENDB__STATUS__STATUS_INVALID,
			   "k must be 1..%d, ef at most %d, metric known", MAX_K, MAX_EF);
		goto out;
	}
	if (!filter_ok(q->filter, t, resp))
		goto out;
	struct fsm_index *ix = t->index[q->column];
	if (q->exact || !ix || atomic_load(&ix->state) != OMENDB__INDEX_STATE__INDEX_READY ||
	    fsm_metric(q->metric) != ix->metric) {
		search_exact(f, t, q, resp);
		goto out;
	}
	hnsw *h = atomic_load(&ix->h);
	hnsw_result *res = malloc(q->k * sizeof *res);
	uint32_t n = 0;
	struct filter_arg fa = {f, t->id, q->filter};
	bool filtered = q->filter && q->filter->n_nodes > 0;
	int rc = res ? hnsw_search(h, q->query, dim, q->k, q->ef ? q->ef : HNSW_DEFAULT_EF_SEARCH,
				   filtered ? filter_label : NULL, &fa, res, &n)
		     : OMEN_ENOMEM;
	if (rc == OMEN_EZERONORM) {
		free(res);
		search_exact(f, t, q, resp); /* every distance is NaN: as pgvector, by scan */
		goto out;
	}
	Omendb__SearchResponse *s = rc == OMEN_OK ? search_body(resp) : NULL;
	for (uint32_t i = 0; s && i < n; i++) {
		Omendb__Row *r = row_by_id(f, t->id, res[i].label);
		if (r && !add_hit(s, res[i].distance, r)) {
			omendb__row__free_unpacked(r, NULL);
			s = NULL;
		}
	}
	free(res);
	if (!s)
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "search failed: %s", error_message(rc));
out:
	if (resp->search)
		resp->search->applied_index = atomic_load(&f->applied);
	fsm_read_unlock(f);
}

void read_fetch(fsm *f, const Omendb__FetchRequest *q, Omendb__Response *resp)
{
	fsm_read_lock(f);
	struct fsm_table *t = table_or_error(f, q->table_id, resp);
	Omendb__FetchResponse *fr = NULL;
	if (!t)
		goto out;
	if (q->n_keys > SCAN_MAX) {
		read_error(resp, OMENDB__STATUS__STATUS_TOO_LARGE, "at most %d keys per fetch", SCAN_MAX);
		goto out;
	}
	fr = malloc(sizeof *fr);
	if (!fr || !(fr->rows = calloc(q->n_keys ? q->n_keys : 1, sizeof *fr->rows))) {
		free(fr);
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		goto out;
	}
	size_t bytes = 0;
	Omendb__Row **rows = fr->rows;
	omendb__fetch_response__init(fr);
	fr->rows = rows;
	resp->fetch = fr;
	resp->body_case = OMENDB__RESPONSE__BODY_FETCH;
	for (size_t i = 0; i < q->n_keys; i++) {
		if (q->keys[i].len == 0 || q->keys[i].len > FSM_MAX_KEY) {
			read_error(resp, OMENDB__STATUS__STATUS_INVALID, "key %zu: keys are 1 to %d bytes", i,
				   FSM_MAX_KEY);
			goto out;
		}
		uint8_t key[STORE_KEY_MAX];
		char *val;
		size_t vlen;
		size_t kl = store_key_row(key, t->id, q->keys[i].data, q->keys[i].len);
		if (store_get(f->db, NULL, key, kl, &val, &vlen) != OMEN_OK)
			continue;
		Omendb__Row *r = fsm_row_decode((uint8_t *)val, vlen, NULL);
		free(val);
		if (r) {
			fr->rows[fr->n_rows++] = r;
			bytes += vlen;
		}
		if (bytes > READ_MAX_ANSWER) {
			read_error(resp, OMENDB__STATUS__STATUS_TOO_LARGE,
				   "the rows for these keys exceed %u bytes: fetch fewer keys at a time",
				   (unsigned)READ_MAX_ANSWER);
			goto out;
		}
	}
out:
	fsm_read_unlock(f);
}

void read_scan(fsm *f, const Omendb__ScanRequest *q, Omendb__Response *resp)
{
	fsm_read_lock(f);
	struct fsm_table *t = table_or_error(f, q->table_id, resp);
	if (!t || !filter_ok(q->filter, t, resp))
		goto out;
	if (q->limit > SCAN_MAX || q->after_key.len > FSM_MAX_KEY) {
		read_error(resp, OMENDB__STATUS__STATUS_INVALID, "limit at most %d, keys at most %d bytes",
			   SCAN_MAX, FSM_MAX_KEY);
		goto out;
	}
	uint32_t limit = q->limit ? q->limit : SCAN_DEFAULT;
	Omendb__ScanResponse *sr = malloc(sizeof *sr);
	if (!sr) {
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		goto out;
	}
	omendb__scan_response__init(sr);
	resp->scan = sr;
	resp->body_case = OMENDB__RESPONSE__BODY_SCAN;
	uint8_t prefix[8], start[STORE_KEY_MAX];
	size_t pl = store_key_table(prefix, KEY_ROW, t->id);
	size_t sl = store_key_row(start, t->id, q->after_key.data, q->after_key.len);
	store_iter *it = store_iter_new(f->db, NULL, prefix, pl, q->after_key.len ? start : NULL, sl);
	const uint8_t *k, *v;
	size_t kl, vl;
	bool filtered = q->filter && q->filter->n_nodes > 0;
	size_t bytes = 0;
	sr->done = true;
	while (it && store_iter_next(it, &k, &kl, &v, &vl)) {
		if (q->after_key.len && kl == sl && memcmp(k, start, sl) == 0)
			continue;
		if (!q->count_only && sr->n_rows == limit) {
			sr->done = false;
			break;
		}
		if (q->count_only && !filtered) {
			sr->count++;
			continue;
		}
		Omendb__Row *r = fsm_row_decode(v, vl, NULL);
		if (!r)
			continue;
		if (filtered && !filter_match(q->filter, r)) {
			omendb__row__free_unpacked(r, NULL);
			continue;
		}
		sr->count++;
		if (q->count_only) {
			omendb__row__free_unpacked(r, NULL);
			continue;
		}
		/* Stay well inside the client's message limit: stop early and
		 * let it continue from the last key. */
		bytes += omendb__row__get_packed_size(r) + 8;
		if (sr->n_rows > 0 && bytes > READ_MAX_ANSWER) {
			omendb__row__free_unpacked(r, NULL);
			sr->count--;
			sr->done = false;
			break;
		}
		Omendb__Row **rows = realloc(sr->rows, (sr->n_rows + 1) * sizeof *rows);
		if (!rows) {
			omendb__row__free_unpacked(r, NULL);
			read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
			break;
		}
		sr->rows = rows;
		sr->rows[sr->n_rows++] = r;
	}
	store_iter_destroy(it);
out:
	fsm_read_unlock(f);
}

int read_tables_status(fsm *f, Omendb__StatusResponse *st)
{
	fsm_read_lock(f);
	int rc = OMEN_OK;
	st->tables = calloc(f->ntables ? f->ntables : 1, sizeof *st->tables);
	if (!st->tables)
		rc = OMEN_ENOMEM;
	for (size_t i = 0; rc == OMEN_OK && i < f->ntables; i++) {
		struct fsm_table *t = f->tables[i];
		Omendb__TableStatus *ts = malloc(sizeof *ts);
		if (!ts) {
			rc = OMEN_ENOMEM;
			break;
		}
		omendb__table_status__init(ts);
		st->tables[st->n_tables++] = ts;
		ts->table_id = t->id;
		ts->name = strdup(t->def->name);
		ts->rows = atomic_load(&t->rows);
		size_t nix = 0;
		for (size_t c = 0; c < t->def->n_columns; c++)
			nix += t->index[c] != NULL;
		ts->indexes = calloc(nix ? nix : 1, sizeof *ts->indexes);
		if (!ts->name || !ts->indexes) {
			rc = OMEN_ENOMEM;
			break;
		}
		for (size_t c = 0; c < t->def->n_columns; c++) {
			struct fsm_index *ix = t->index[c];
			if (!ix)
				continue;
			Omendb__IndexStatus *is = malloc(sizeof *is);
			if (!is) {
				rc = OMEN_ENOMEM;
				break;
			}
			omendb__index_status__init(is);
			ts->indexes[ts->n_indexes++] = is;
			is->column = (uint32_t)c;
			is->name = strdup(ix->def->name);
			is->state = (Omendb__IndexState)atomic_load(&ix->state);
			is->metric = ix->def->metric;
			is->build_done = atomic_load(&ix->build_done);
			is->build_total = atomic_load(&ix->build_total);
			is->build_seconds = ix->build_seconds;
			is->load_seconds = ix->load_seconds;
			hnsw *h = atomic_load(&ix->h);
			if (h && is->state == OMENDB__INDEX_STATE__INDEX_READY) {
				is->nodes = hnsw_live_count(h);
				is->memory_bytes = hnsw_memory_bytes(h);
			}
			if (!is->name)
				rc = OMEN_ENOMEM;
		}
	}
	fsm_read_unlock(f);
	return rc;
}
