#include "fsm.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"

#define BUILD_CHUNK 4096
#define PERSIST_CHUNK 1024

static void index_stop_builder(struct fsm_index *ix);
static int index_start_builder(struct fsm_index *ix);

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void set_result(fsm_result *res, Omendb__Status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_result(fsm_result *res, Omendb__Status status, const char *fmt, ...)
{
	res->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof res->message, fmt, ap);
	va_end(ap);
}

distance_metric fsm_metric(Omendb__Metric m)
{
	switch (m) {
	case OMENDB__METRIC__METRIC_IP:
		return DISTANCE_IP;
	case OMENDB__METRIC__METRIC_COSINE:
		return DISTANCE_COSINE;
	case OMENDB__METRIC__METRIC_L1:
		return DISTANCE_L1;
	default:
		return DISTANCE_L2;
	}
}

Omendb__Row *fsm_row_decode(const uint8_t *val, size_t len, uint64_t *rowid)
{
	if (len < 8)
		return NULL;
	if (rowid)
		*rowid = store_get_u64(val);
	return omendb__row__unpack(NULL, len - 8, val + 8);
}

/* ---------- registry ---------- */

struct fsm_table *fsm_table_find(fsm *f, uint32_t id)
{
	for (size_t i = 0; i < f->ntables; i++)
		if (f->tables[i]->id == id)
			return f->tables[i];
	return NULL;
}

static void index_free(struct fsm_index *ix)
{
	if (!ix)
		return;
	index_stop_builder(ix);
	for (size_t i = 0; i < ix->nqueue; i++)
		free(ix->queue[i].vec);
	free(ix->queue);
	free(ix->dirty);
	free(ix->dirty_rec);
	hnsw_destroy(atomic_load(&ix->h));
	if (ix->def)
		omendb__index_def__free_unpacked(ix->def, NULL);
	pthread_mutex_destroy(&ix->mu);
	free(ix);
}

static void table_free(struct fsm_table *t)
{
	if (!t)
		return;
	if (t->index)
		for (size_t c = 0; c < t->def->n_columns; c++)
			index_free(t->index[c]);
	free(t->index);
	omendb__table_def__free_unpacked(t->def, NULL);
	free(t);
}

static void registry_clear(fsm *f)
{
	for (size_t i = 0; i < f->ntables; i++)
		table_free(f->tables[i]);
	free(f->tables);
	f->tables = NULL;
	f->ntables = f->tcap = 0;
	if (f->catalog)
		catalog_free(f->catalog);
	f->catalog = NULL;
}

static int registry_add(fsm *f, struct fsm_table *t)
{
	if (f->ntables == f->tcap) {
		size_t cap = f->tcap ? f->tcap * 2 : 8;
		struct fsm_table **n = realloc(f->tables, cap * sizeof *n);
		if (!n)
			return OMEN_ENOMEM;
		f->tables = n;
		f->tcap = cap;
	}
	f->tables[f->ntables++] = t;
	return OMEN_OK;
}

static void registry_remove(fsm *f, uint32_t id)
{
	for (size_t i = 0; i < f->ntables; i++) {
		if (f->tables[i]->id == id) {
			table_free(f->tables[i]);
			f->tables[i] = f->tables[--f->ntables];
			return;
		}
	}
}

static struct fsm_table *table_new(Omendb__TableDef *def)
{
	struct fsm_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->index = calloc(def->n_columns ? def->n_columns : 1, sizeof *t->index);
	if (!t->index) {
		free(t);
		return NULL;
	}
	t->def = def;
	t->id = def->table_id;
	t->next_rowid = 1;
	return t;
}

static void touch_cb(void *arg, uint32_t id, bool record)
{
	struct fsm_index *ix = arg;
	if (ix->ndirty == ix->dcap) {
		size_t cap = ix->dcap ? ix->dcap * 2 : 256;
		uint32_t *d = realloc(ix->dirty, cap * sizeof *d);
		bool *r = d ? realloc(ix->dirty_rec, cap * sizeof *r) : NULL;
		if (d)
			ix->dirty = d;
		if (r)
			ix->dirty_rec = r;
		if (!d || !r) {
			ix->dirty_oom = true;
			return;
		}
		ix->dcap = cap;
	}
	ix->dirty[ix->ndirty] = id;
	ix->dirty_rec[ix->ndirty++] = record;
}

static int index_new_hnsw(struct fsm_index *ix, hnsw **out)
{
	hnsw_params p;
	hnsw_params_default(&p, ix->dim, ix->metric);
	if (ix->def->m)
		p.m = ix->def->m;
	if (ix->def->ef_construction)
		p.ef_construction = ix->def->ef_construction;
	p.seed = ((uint64_t)ix->table << 16) ^ ix->column ^ 0x9e3779b97f4a7c15ull;
	return hnsw_create(&p, out);
}

static struct fsm_index *index_new(fsm *f, struct fsm_table *t, Omendb__IndexDef *def)
{
	struct fsm_index *ix = calloc(1, sizeof *ix);
	if (!ix)
		return NULL;
	pthread_mutex_init(&ix->mu, NULL);
	ix->def = def;
	ix->table = t->id;
	ix->column = def->column;
	ix->dim = t->def->columns[def->column]->dim;
	ix->metric = fsm_metric(def->metric);
	ix->fsm = f;
	ix->tab = t;
	atomic_store(&ix->state, OMENDB__INDEX_STATE__INDEX_BUILDING);
	return ix;
}

/* ---------- node records ----------
 * V: u64 label, u32 level, u8 deleted, dim float32 (the stored vector).
 * L: per level 0..top: u32 count, count u32 slot ids. */

static int persist_node(struct fsm_index *ix, hnsw *h, store_batch *b, uint32_t id, bool record, float *vbuf,
			uint32_t *lbuf, uint8_t *val, size_t val_cap)
{
	uint64_t label;
	uint32_t level;
	bool deleted;
	uint8_t key[STORE_KEY_MAX];
	if (hnsw_node_get(h, id, &label, &level, &deleted, record ? vbuf : NULL) != OMEN_OK)
		return OMEN_OK; /* reclaimed since: nothing to keep */
	if (record) {
		size_t vlen = 13 + (size_t)ix->dim * 4;
		if (vlen > val_cap)
			return OMEN_ENOMEM;
		memcpy(val, &label, 8);
		memcpy(val + 8, &level, 4);
		val[12] = deleted;
		memcpy(val + 13, vbuf, (size_t)ix->dim * 4);
		size_t kl = store_key_slot(key, KEY_NODE, ix->table, ix->column, id);
		store_batch_put(b, key, kl, val, vlen);
	}
	size_t off = 0;
	for (uint32_t l = 0; l <= level; l++) {
		uint32_t n = 0;
		hnsw_node_links(h, id, l, lbuf, &n);
		if (off + 4 + (size_t)n * 4 > val_cap)
			return OMEN_ENOMEM;
		memcpy(val + off, &n, 4);
		memcpy(val + off + 4, lbuf, (size_t)n * 4);
		off += 4 + (size_t)n * 4;
	}
	size_t kl = store_key_slot(key, KEY_LINKS, ix->table, ix->column, id);
	store_batch_put(b, key, kl, val, off);
	return OMEN_OK;
}

static size_t node_buf_size(const struct fsm_index *ix, hnsw *h)
{
	size_t links = 4 + (size_t)hnsw_max_links(h, 0) * 4 + 64 * (4 + (size_t)hnsw_max_links(h, 1) * 4);
	size_t rec = 13 + (size_t)ix->dim * 4;
	return links > rec ? links : rec;
}

static void put_graph_state(struct fsm_index *ix, hnsw *h, store_batch *b, int state)
{
	uint8_t key[STORE_KEY_MAX], val[9];
	uint32_t entry = HNSW_NO_NODE, top = 0;
	if (h)
		hnsw_entry_point(h, &entry, &top);
	val[0] = (uint8_t)state;
	store_put_u32(val + 1, entry);
	store_put_u32(val + 5, top);
	size_t kl = store_key_column(key, KEY_GRAPH, ix->table, ix->column);
	store_batch_put(b, key, kl, val, sizeof val);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Adds the records of every node touched since the last call to b. */
static int persist_dirty(struct fsm_index *ix, hnsw *h, store_batch *b)
{
	if (ix->dirty_oom) {
		ix->dirty_oom = false;
		ix->ndirty = 0;
		return OMEN_ENOMEM;
	}
	if (ix->ndirty == 0) {
		put_graph_state(ix, h, b, OMENDB__INDEX_STATE__INDEX_READY);
		return OMEN_OK;
	}
	/* Fold "record changed" into the id's top bit, then sort and merge. */
	for (size_t i = 0; i < ix->ndirty; i++)
		ix->dirty[i] = ix->dirty[i] << 1 | (ix->dirty_rec[i] ? 1u : 0u);
	qsort(ix->dirty, ix->ndirty, sizeof *ix->dirty, cmp_u32);
	size_t cap = node_buf_size(ix, h);
	float *vbuf = malloc((size_t)ix->dim * sizeof *vbuf);
	uint32_t *lbuf = malloc((size_t)hnsw_max_links(h, 0) * sizeof *lbuf);
	uint8_t *val = malloc(cap);
	int rc = vbuf && lbuf && val ? OMEN_OK : OMEN_ENOMEM;
	for (size_t i = 0; i < ix->ndirty && rc == OMEN_OK;) {
		uint32_t id = ix->dirty[i] >> 1;
		bool record = false;
		for (; i < ix->ndirty && ix->dirty[i] >> 1 == id; i++)
			record |= ix->dirty[i] & 1;
		rc = persist_node(ix, h, b, id, record, vbuf, lbuf, val, cap);
	}
	free(vbuf);
	free(lbuf);
	free(val);
	ix->ndirty = 0;
	put_graph_state(ix, h, b, OMENDB__INDEX_STATE__INDEX_READY);
	return rc;
}

/* Reloads a READY index's graph from its V and L records (no rebuild). */
static int index_load(fsm *f, struct fsm_index *ix, uint32_t entry, uint32_t top)
{
	double t0 = now_seconds();
	hnsw *h;
	int rc = index_new_hnsw(ix, &h);
	if (rc != OMEN_OK)
		return rc;
	uint8_t prefix[STORE_KEY_MAX];
	size_t pl = store_key_column(prefix, KEY_NODE, ix->table, ix->column);
	store_iter *it = store_iter_new(f->db, NULL, prefix, pl, NULL, 0);
	const uint8_t *k, *v;
	size_t kl, vl;
	float *vec = malloc((size_t)ix->dim * sizeof *vec);
	rc = it && vec ? OMEN_OK : OMEN_ENOMEM;
	while (rc == OMEN_OK && store_iter_next(it, &k, &kl, &v, &vl)) {
		if (kl != pl + 4 || vl != 13 + (size_t)ix->dim * 4) {
			rc = OMEN_ECORRUPT;
			break;
		}
		uint64_t label;
		uint32_t level;
		memcpy(&label, v, 8);
		memcpy(&level, v + 8, 4);
		memcpy(vec, v + 13, (size_t)ix->dim * 4);
		rc = hnsw_restore_node(h, store_get_u32(k + pl), label, level, v[12] != 0, vec, ix->dim);
	}
	store_iter_destroy(it);
	free(vec);
	pl = store_key_column(prefix, KEY_LINKS, ix->table, ix->column);
	it = rc == OMEN_OK ? store_iter_new(f->db, NULL, prefix, pl, NULL, 0) : NULL;
	while (rc == OMEN_OK && store_iter_next(it, &k, &kl, &v, &vl)) {
		uint32_t id = store_get_u32(k + pl);
		size_t off = 0;
		for (uint32_t l = 0; rc == OMEN_OK && off < vl; l++) {
			uint32_t n;
			if (off + 4 > vl) {
				rc = OMEN_ECORRUPT;
				break;
			}
			memcpy(&n, v + off, 4);
			if (off + 4 + (size_t)n * 4 > vl) {
				rc = OMEN_ECORRUPT;
				break;
			}
			uint32_t ids[2 * 100 + 1];
			if (n > sizeof ids / sizeof ids[0]) {
				rc = OMEN_ECORRUPT;
				break;
			}
			memcpy(ids, v + off + 4, (size_t)n * 4);
			rc = hnsw_restore_links(h, id, l, ids, n);
			off += 4 + (size_t)n * 4;
		}
	}
	store_iter_destroy(it);
	if (rc == OMEN_OK)
		rc = hnsw_restore_finish(h, entry, top);
	if (rc != OMEN_OK) {
		hnsw_destroy(h);
		return rc;
	}
	hnsw_set_touch(h, touch_cb, ix);
	atomic_store(&ix->h, h);
	atomic_store(&ix->state, OMENDB__INDEX_STATE__INDEX_READY);
	ix->load_seconds = now_seconds() - t0;
	log_info("index %s (table %u column %u): %u nodes loaded from RocksDB in %.3f s", ix->def->name,
		 ix->table, ix->column, hnsw_node_count(h), ix->load_seconds);
	return OMEN_OK;
}

/* Removes an index's persisted graph (all of V and L for it). */
static void graph_delete(struct fsm_index *ix, store_batch *b)
{
	uint8_t from[STORE_KEY_MAX], to[STORE_KEY_MAX];
	static const uint8_t prefixes[] = {KEY_NODE, KEY_LINKS};
	for (size_t i = 0; i < sizeof prefixes; i++) {
		size_t fl = store_key_column(from, prefixes[i], ix->table, ix->column);
		size_t tl = store_key_column(to, prefixes[i], ix->table, ix->column + 1);
		store_batch_delete_range(b, from, fl, to, tl);
	}
}

static int load_registry(fsm *f, char *err, size_t errlen)
{
	uint8_t prefix[STORE_KEY_MAX];
	const uint8_t *k, *v;
	size_t kl, vl;
	int rc = OMEN_OK;
	char *val;
	size_t vlen;

	uint8_t akey[1];
	store_key(akey, KEY_APPLIED);
	if (store_get(f->db, NULL, akey, 1, &val, &vlen) == OMEN_OK) {
		if (vlen == 8)
			atomic_store(&f->applied, store_get_u64((uint8_t *)val));
		free(val);
	}
	store_key(akey, KEY_CATALOG);
	if (store_get(f->db, NULL, akey, 1, &val, &vlen) == OMEN_OK) {
		rc = catalog_decode((uint8_t *)val, vlen, &f->catalog);
		free(val);
		if (rc != OMEN_OK) {
			snprintf(err, errlen, "the stored catalog does not decode");
			return OMEN_ECORRUPT;
		}
		atomic_store(&f->catalog_version, f->catalog->version);
	}

	size_t pl = store_key(prefix, KEY_TABLE);
	store_iter *it = store_iter_new(f->db, NULL, prefix, pl, NULL, 0);
	while (rc == OMEN_OK && it && store_iter_next(it, &k, &kl, &v, &vl)) {
		Omendb__TableDef *def = omendb__table_def__unpack(NULL, vl, v);
		struct fsm_table *t = def ? table_new(def) : NULL;
		if (!t) {
			if (def)
				omendb__table_def__free_unpacked(def, NULL);
			snprintf(err, errlen, "table record %u does not decode",
				 kl == 5 ? store_get_u32(k + 1) : 0);
			rc = OMEN_ECORRUPT;
			break;
		}
		if (def->catalog_version > atomic_load(&f->catalog_version))
			atomic_store(&f->catalog_version, def->catalog_version);
		uint8_t ck[8];
		size_t ckl = store_key_table(ck, KEY_COUNTS, t->id);
		if (store_get(f->db, NULL, ck, ckl, &val, &vlen) == OMEN_OK) {
			if (vlen == 16) {
				t->next_rowid = store_get_u64((uint8_t *)val);
				atomic_store(&t->rows, store_get_u64((uint8_t *)val + 8));
			}
			free(val);
		}
		rc = registry_add(f, t);
		if (rc != OMEN_OK)
			table_free(t);
	}
	store_iter_destroy(it);
	if (rc != OMEN_OK)
		return rc;

	pl = store_key(prefix, KEY_INDEX);
	it = store_iter_new(f->db, NULL, prefix, pl, NULL, 0);
	while (rc == OMEN_OK && it && store_iter_next(it, &k, &kl, &v, &vl)) {
		Omendb__IndexDef *def = omendb__index_def__unpack(NULL, vl, v);
		struct fsm_table *t = def ? fsm_table_find(f, def->table_id) : NULL;
		if (!t || def->column >= t->def->n_columns) {
			if (def)
				omendb__index_def__free_unpacked(def, NULL);
			snprintf(err, errlen, "an index record does not match any table");
			rc = OMEN_ECORRUPT;
			break;
		}
		struct fsm_index *ix = index_new(f, t, def);
		if (!ix) {
			omendb__index_def__free_unpacked(def, NULL);
			rc = OMEN_ENOMEM;
			break;
		}
		t->index[def->column] = ix;
	}
	store_iter_destroy(it);
	if (rc != OMEN_OK)
		return rc;

	/* Graphs: READY ones load, BUILDING ones start over. */
	for (size_t i = 0; i < f->ntables && rc == OMEN_OK; i++) {
		struct fsm_table *t = f->tables[i];
		for (size_t c = 0; c < t->def->n_columns && rc == OMEN_OK; c++) {
			struct fsm_index *ix = t->index[c];
			if (!ix)
				continue;
			uint8_t gk[STORE_KEY_MAX];
			size_t gkl = store_key_column(gk, KEY_GRAPH, ix->table, ix->column);
			int state = OMENDB__INDEX_STATE__INDEX_BUILDING;
			uint32_t entry = HNSW_NO_NODE, top = 0;
			if (store_get(f->db, NULL, gk, gkl, &val, &vlen) == OMEN_OK) {
				if (vlen == 9) {
					state = (uint8_t)val[0];
					entry = store_get_u32((uint8_t *)val + 1);
					top = store_get_u32((uint8_t *)val + 5);
				}
				free(val);
			}
			if (state == OMENDB__INDEX_STATE__INDEX_READY) {
				rc = index_load(f, ix, entry, top);
				if (rc != OMEN_OK)
					snprintf(err, errlen, "index %s: stored graph is unusable (%s)",
						 ix->def->name, error_name(rc));
			} else {
				store_batch *b = store_batch_new();
				graph_delete(ix, b);
				rc = store_write(f->db, b, false, err, errlen);
				store_batch_destroy(b);
				if (rc == OMEN_OK) {
					log_info("index %s: build was interrupted; starting it again",
						 ix->def->name);
					rc = index_start_builder(ix);
				}
			}
		}
	}
	return rc;
}

/* ---------- open / close ---------- */

static int open_db(fsm *f, char *err, size_t errlen)
{
	char path[600];
	snprintf(path, sizeof path, "%s/db", f->dir);
	int rc = store_open(path, &f->db, err, errlen);
	if (rc != OMEN_OK)
		return rc;
	rc = load_registry(f, err, errlen);
	if (rc != OMEN_OK) {
		registry_clear(f);
		store_close(f->db);
		f->db = NULL;
	}
	return rc;
}

int fsm_open(const char *dir, uint32_t group, unsigned build_threads, fsm **out, char *err, size_t errlen)
{
	fsm *f = calloc(1, sizeof *f);
	if (!f)
		return OMEN_ENOMEM;
	snprintf(f->dir, sizeof f->dir, "%s", dir);
	f->group = group;
	f->build_threads = build_threads;
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&f->lock, &attr);
	pthread_rwlockattr_destroy(&attr);

	/* A snapshot install that crashed between its two renames left the old
	 * database in db.old: put it back; Raft will install again. */
	char db[600], old[600];
	snprintf(db, sizeof db, "%s/db", dir);
	snprintf(old, sizeof old, "%s/db.old", dir);
	struct stat st;
	if (stat(db, &st) != 0 && stat(old, &st) == 0)
		rename(old, db);
	else if (stat(old, &st) == 0)
		fsutil_remove_tree(old);

	int rc = open_db(f, err, errlen);
	if (rc != OMEN_OK) {
		pthread_rwlock_destroy(&f->lock);
		free(f);
		return rc;
	}
	*out = f;
	return OMEN_OK;
}

void fsm_close(fsm *f)
{
	if (!f)
		return;
	registry_clear(f);
	store_close(f->db);
	pthread_rwlock_destroy(&f->lock);
	free(f);
}

void fsm_read_lock(fsm *f)
{
	pthread_rwlock_rdlock(&f->lock);
}

void fsm_read_unlock(fsm *f)
{
	pthread_rwlock_unlock(&f->lock);
}

int fsm_sync(fsm *f)
{
	return store_sync(f->db);
}

int fsm_checkpoint(fsm *f, const char *dir, uint64_t *applied, char *err, size_t errlen)
{
	pthread_rwlock_wrlock(&f->lock);
	*applied = atomic_load(&f->applied);
	int rc = store_checkpoint(f->db, dir, err, errlen);
	pthread_rwlock_unlock(&f->lock);
	return rc;
}

int fsm_install(fsm *f, const char *new_db, char *err, size_t errlen)
{
	char db[600], old[600];
	snprintf(db, sizeof db, "%s/db", f->dir);
	snprintf(old, sizeof old, "%s/db.old", f->dir);
	pthread_rwlock_wrlock(&f->lock);
	registry_clear(f); /* stops builders */
	store_close(f->db);
	f->db = NULL;
	atomic_store(&f->applied, 0);
	atomic_store(&f->catalog_version, 0);
	int rc = OMEN_OK;
	fsutil_remove_tree(old);
	if (rename(db, old) != 0 || rename(new_db, db) != 0) {
		snprintf(err, errlen, "swapping in the new database: %s", strerror(errno));
		rc = OMEN_EIO;
		rename(old, db);
	} else {
		fsutil_sync_dir(f->dir);
		fsutil_remove_tree(old);
	}
	int rc2 = open_db(f, err, errlen);
	pthread_rwlock_unlock(&f->lock);
	return rc != OMEN_OK ? rc : rc2;
}

/* ---------- validation ---------- */

static bool value_fits(const Omendb__Value *v, const Omendb__Column *col, fsm_result *res, size_t row,
		       size_t c)
{
	Omendb__Value__KindCase k = v->kind_case;
	if (k == OMENDB__VALUE__KIND__NOT_SET)
		return true;
	bool ok;
	switch (col->type) {
	case OMENDB__COLUMN_TYPE__COLUMN_BIGINT:
	case OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ:
		ok = k == OMENDB__VALUE__KIND_INT_VALUE;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_INTEGER:
		ok = k == OMENDB__VALUE__KIND_INT_VALUE && v->int_value >= INT32_MIN &&
		     v->int_value <= INT32_MAX;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_REAL:
	case OMENDB__COLUMN_TYPE__COLUMN_DOUBLE:
		ok = k == OMENDB__VALUE__KIND_FLOAT_VALUE;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_TEXT:
		ok = k == OMENDB__VALUE__KIND_TEXT_VALUE;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN:
		ok = k == OMENDB__VALUE__KIND_BOOL_VALUE;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_JSONB:
		ok = k == OMENDB__VALUE__KIND_JSONB_VALUE;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_VECTOR: {
		if (k != OMENDB__VALUE__KIND_VECTOR_VALUE || !v->vector_value) {
			ok = false;
			break;
		}
		const Omendb__Vector *vec = v->vector_value;
		if (vec->n_values != col->dim) {
			set_result(res, OMENDB__STATUS__STATUS_DIMENSION,
				   "row %zu column \"%s\": expected %u dimensions, not %zu", row, col->name,
				   col->dim, vec->n_values);
			return false;
		}
		if (!distance_all_finite(vec->values, vec->n_values)) {
			set_result(res, OMENDB__STATUS__STATUS_NON_FINITE,
				   "row %zu column \"%s\": NaN or infinity in a vector", row, col->name);
			return false;
		}
		return true;
	}
	default:
		ok = false;
	}
	if (!ok)
		set_result(res, OMENDB__STATUS__STATUS_INVALID,
			   "row %zu column %zu (\"%s\"): value of the wrong type", row, c, col->name);
	return ok;
}

static bool check_write(struct fsm_table *t, const Omendb__WriteBatch *wb, fsm_result *res)
{
	if (wb->n_upserts + wb->n_deletes > FSM_MAX_BATCH_ROWS) {
		set_result(res, OMENDB__STATUS__STATUS_TOO_LARGE, "a batch holds at most %d rows",
			   FSM_MAX_BATCH_ROWS);
		return false;
	}
	if ((unsigned)wb->conflict > OMENDB__CONFLICT__CONFLICT_REPLACE) {
		set_result(res, OMENDB__STATUS__STATUS_INVALID, "unknown conflict mode %d",
			   (int)wb->conflict);
		return false;
	}
	for (size_t i = 0; i < wb->n_deletes; i++) {
		if (wb->deletes[i].len == 0 || wb->deletes[i].len > FSM_MAX_KEY) {
			set_result(res, OMENDB__STATUS__STATUS_INVALID, "delete %zu: keys are 1 to %d bytes",
				   i, FSM_MAX_KEY);
			return false;
		}
	}
	for (size_t i = 0; i < wb->n_upserts; i++) {
		const Omendb__Row *r = wb->upserts[i];
		if (r->key.len == 0 || r->key.len > FSM_MAX_KEY) {
			set_result(res, OMENDB__STATUS__STATUS_INVALID, "row %zu: keys are 1 to %d bytes", i,
				   FSM_MAX_KEY);
			return false;
		}
		if (r->n_values != t->def->n_columns) {
			set_result(res, OMENDB__STATUS__STATUS_INVALID, "row %zu: %zu values for %zu columns",
				   i, r->n_values, t->def->n_columns);
			return false;
		}
		for (size_t c = 0; c < r->n_values; c++)
			if (!value_fits(r->values[c], t->def->columns[c], res, i, c))
				return false;
	}
	return true;
}

static bool check_table_def(const Omendb__TableDef *d, fsm_result *res)
{
	if (d->table_id == 0 || d->name == NULL || d->name[0] == '\0' || d->n_columns == 0 ||
	    d->n_columns > FSM_MAX_COLUMNS) {
		set_result(res, OMENDB__STATUS__STATUS_INVALID,
			   "a table needs an id >= 1, a name and 1 to %d columns", FSM_MAX_COLUMNS);
		return false;
	}
	for (size_t c = 0; c < d->n_columns; c++) {
		const Omendb__Column *col = d->columns[c];
		if (col->type == OMENDB__COLUMN_TYPE__COLUMN_UNSPECIFIED ||
		    (unsigned)col->type > OMENDB__COLUMN_TYPE__COLUMN_VECTOR) {
			set_result(res, OMENDB__STATUS__STATUS_INVALID, "column %zu: unknown type %d", c,
				   (int)col->type);
			return false;
		}
		bool vec = col->type == OMENDB__COLUMN_TYPE__COLUMN_VECTOR;
		if (vec ? col->dim == 0 || col->dim > FSM_MAX_DIM : col->dim != 0) {
			set_result(res, OMENDB__STATUS__STATUS_INVALID,
				   "column %zu: vector columns have 1 to %d dimensions, others none", c,
				   FSM_MAX_DIM);
			return false;
		}
	}
	return true;
}

static bool check_index_def(fsm *f, const Omendb__IndexDef *d, fsm_result *res)
{
	struct fsm_table *t = fsm_table_find(f, d->table_id);
	if (!t) {
		set_result(res, OMENDB__STATUS__STATUS_NOT_FOUND, "table %u does not exist", d->table_id);
		return false;
	}
	if (d->column >= t->def->n_columns ||
	    t->def->columns[d->column]->type != OMENDB__COLUMN_TYPE__COLUMN_VECTOR) {
		set_result(res, OMENDB__STATUS__STATUS_INVALID,
			   "column %u of table %u is not a vector column", d->column, d->table_id);
		return false;
	}
	if ((unsigned)d->metric > OMENDB__METRIC__METRIC_L1 || d->name == NULL || d->name[0] == '\0') {
		set_result(res, OMENDB__STATUS__STATUS_INVALID, "an index needs a name and a known metric");
		return false;
	}
	uint32_t m = d->m ? d->m : HNSW_DEFAULT_M;
	uint32_t efc = d->ef_construction ? d->ef_construction : HNSW_DEFAULT_EF_CONSTRUCTION;
	hnsw_params p;
	hnsw_params_default(&p, t->def->columns[d->column]->dim, fsm_metric(d->metric));
	p.m = m;
	p.ef_construction = efc;
	if (hnsw_params_check(&p) != OMEN_OK) {
		set_result(res, OMENDB__STATUS__STATUS_INVALID,
			   "m must be 2..100 and ef_construction 4..1000 and at least 2 * m (m = %u, "
			   "ef_construction = %u)",
			   m, efc);
		return false;
	}
	if (t->index[d->column]) {
		set_result(res, OMENDB__STATUS__STATUS_EXISTS, "column %u of table %u already has an index",
			   d->column, d->table_id);
		return false;
	}
	return true;
}

void fsm_check_command(fsm *f, const Omendb__Command *cmd, fsm_result *res)
{
	memset(res, 0, sizeof *res);
	res->status = OMENDB__STATUS__STATUS_OK;
	switch (cmd->op_case) {
	case OMENDB__COMMAND__OP_WRITE: {
		struct fsm_table *t = fsm_table_find(f, cmd->write->table_id);
		if (!t)
			set_result(res, OMENDB__STATUS__STATUS_NOT_FOUND, "table %u does not exist",
				   cmd->write->table_id);
		else
			check_write(t, cmd->write, res);
		break;
	}
	case OMENDB__COMMAND__OP_CREATE_TABLE:
		if (check_table_def(cmd->create_table, res) && fsm_table_find(f, cmd->create_table->table_id))
			set_result(res, OMENDB__STATUS__STATUS_EXISTS, "table %u exists",
				   cmd->create_table->table_id);
		break;
	case OMENDB__COMMAND__OP_DROP_TABLE:
		if (!fsm_table_find(f, cmd->drop_table->table_id))
			set_result(res, OMENDB__STATUS__STATUS_NOT_FOUND, "table %u does not exist",
				   cmd->drop_table->table_id);
		break;
	case OMENDB__COMMAND__OP_CREATE_INDEX:
		check_index_def(f, cmd->create_index, res);
		break;
	case OMENDB__COMMAND__OP_DROP_INDEX: {
		struct fsm_table *t = fsm_table_find(f, cmd->drop_index->table_id);
		if (!t || cmd->drop_index->column >= t->def->n_columns || !t->index[cmd->drop_index->column])
			set_result(res, OMENDB__STATUS__STATUS_NOT_FOUND, "no index on table %u column %u",
				   cmd->drop_index->table_id, cmd->drop_index->column);
		break;
	}
	case OMENDB__COMMAND__OP_SET_MEMBER:
		if (cmd->set_member->id == 0 || !cmd->set_member->raft_address ||
		    !cmd->set_member->rpc_address || !cmd->set_member->raft_address[0] ||
		    !cmd->set_member->rpc_address[0])
			set_result(res, OMENDB__STATUS__STATUS_INVALID,
				   "a member needs an id and two addresses");
		break;
	case OMENDB__COMMAND__OP_CATALOG:
		if (f->group != 0)
			set_result(res, OMENDB__STATUS__STATUS_WRONG_GROUP,
				   "catalog operations go to group 0, not %u", f->group);
		break;
	default:
		set_result(res, OMENDB__STATUS__STATUS_INVALID, "empty command");
	}
}

/* ---------- apply ---------- */

static void put_applied(store_batch *b, uint64_t index)
{
	uint8_t key[1], val[8];
	store_key(key, KEY_APPLIED);
	store_put_u64(val, index);
	store_batch_put(b, key, 1, val, 8);
}

static void put_counts(store_batch *b, struct fsm_table *t)
{
	uint8_t key[8], val[16];
	size_t kl = store_key_table(key, KEY_COUNTS, t->id);
	store_put_u64(val, t->next_rowid);
	store_put_u64(val + 8, atomic_load(&t->rows));
	store_batch_put(b, key, kl, val, 16);
}

/* Queues (while building) or applies one index change. */
static int index_change(struct fsm_index *ix, uint64_t label, const float *vec, bool insert)
{
	if (atomic_load(&ix->state) == OMENDB__INDEX_STATE__INDEX_READY) {
		hnsw *h = atomic_load(&ix->h);
		if (!insert) {
			hnsw_delete(h, label);
			return OMEN_OK;
		}
		int rc = hnsw_insert(h, label, vec, ix->dim);
		/* A replay after a crash may meet its own earlier insert; pgvector
		 * does not index zero vectors under cosine. */
		return rc == OMEN_EEXIST || rc == OMEN_EZERONORM ? OMEN_OK : rc;
	}
	if (ix->nqueue == ix->qcap) {
		size_t cap = ix->qcap ? ix->qcap * 2 : 256;
		struct fsm_pending *q = realloc(ix->queue, cap * sizeof *q);
		if (!q)
			return OMEN_ENOMEM;
		ix->queue = q;
		ix->qcap = cap;
	}
	float *copy = NULL;
	if (insert) {
		copy = malloc((size_t)ix->dim * sizeof *copy);
		if (!copy)
			return OMEN_ENOMEM;
		memcpy(copy, vec, (size_t)ix->dim * sizeof *copy);
	}
	ix->queue[ix->nqueue++] = (struct fsm_pending){label, copy};
	return OMEN_OK;
}

/* The row's vector in column c, or NULL for SQL NULL. */
static const float *row_vector(const Omendb__Row *r, size_t c)
{
	if (c >= r->n_values || r->values[c]->kind_case != OMENDB__VALUE__KIND_VECTOR_VALUE)
		return NULL;
	return r->values[c]->vector_value->values;
}

static int index_row(struct fsm_table *t, const Omendb__Row *r, uint64_t rowid, bool insert)
{
	for (size_t c = 0; c < t->def->n_columns; c++) {
		struct fsm_index *ix = t->index[c];
		const float *v = ix ? row_vector(r, c) : NULL;
		if (!v)
			continue;
		int rc = index_change(ix, rowid, v, insert);
		if (rc != OMEN_OK)
			return rc;
	}
	return OMEN_OK;
}

/* Removes an existing row (old value val) from rows, ids and indexes. */
static int remove_row(struct fsm_table *t, store_batch *b, const uint8_t *key, size_t kl, const char *val,
		      size_t vlen)
{
	uint64_t rowid;
	Omendb__Row *old = fsm_row_decode((const uint8_t *)val, vlen, &rowid);
	if (!old)
		return OMEN_ECORRUPT;
	uint8_t ik[STORE_KEY_MAX];
	size_t ikl = store_key_rowid(ik, t->id, rowid);
	store_batch_delete(b, key, kl);
	store_batch_delete(b, ik, ikl);
	int rc = index_row(t, old, rowid, false);
	omendb__row__free_unpacked(old, NULL);
	atomic_fetch_sub(&t->rows, 1);
	return rc;
}

static bool key_eq(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* On return with OMEN_OK, *locked is the table whose index mutexes are
 * held until the batch is written (NULL if none). */
static int apply_write(fsm *f, const Omendb__WriteBatch *wb, store_batch *b, fsm_result *res,
		       struct fsm_table **locked)
{
	struct fsm_table *t = fsm_table_find(f, wb->table_id);
	if (!t) {
		set_result(res, OMENDB__STATUS__STATUS_NOT_FOUND, "table %u does not exist", wb->table_id);
		return OMEN_OK;
	}
	if (!check_write(t, wb, res))
		return OMEN_OK;
	uint8_t key[STORE_KEY_MAX];
	char *val;
	size_t vlen;
	int rc;

	/* As in PostgreSQL, an upsert may not change one row twice (SQLSTATE
	 * 21000); with ERROR a repeated key is a duplicate like any other. */
	if (wb->conflict == OMENDB__CONFLICT__CONFLICT_REPLACE) {
		for (size_t i = 1; i < wb->n_upserts; i++) {
			for (size_t j = 0; j < i; j++) {
				if (key_eq(&wb->upserts[j]->key, &wb->upserts[i]->key)) {
					set_result(
					    res, OMENDB__STATUS__STATUS_INVALID,
					    "rows %zu and %zu have the same key: an upsert cannot change a "
					    "row twice",
					    j, i);
					return OMEN_OK;
				}
			}
		}
	}
	/* CONFLICT_ERROR is all or nothing: look before changing anything. */
	if (wb->conflict == OMENDB__CONFLICT__CONFLICT_ERROR) {
		for (size_t i = 0; i < wb->n_upserts; i++) {
			const ProtobufCBinaryData *k = &wb->upserts[i]->key;
			bool dup = false;
			for (size_t j = 0; j < wb->n_deletes && !dup; j++)
				dup = key_eq(&wb->deletes[j], k);
			size_t kl = store_key_row(key, t->id, k->data, k->len);
			rc = dup ? OMEN_ENOTFOUND : store_get(f->db, NULL, key, kl, &val, &vlen);
			bool exists = rc == OMEN_OK;
			if (exists)
				free(val);
			for (size_t j = 0; j < i && !exists; j++)
				exists = key_eq(&wb->upserts[j]->key, k);
			if (exists) {
				set_result(res, OMENDB__STATUS__STATUS_EXISTS, "duplicate key in row %zu", i);
				memcpy(res->conflict_key, k->data, k->len);
				res->conflict_len = k->len;
				return OMEN_OK;
			}
		}
	}

	/* Hold every index of the table against its builder's hand-over. */
	for (size_t c = 0; c < t->def->n_columns; c++)
		if (t->index[c])
			pthread_mutex_lock(&t->index[c]->mu);
	*locked = t;
	rc = OMEN_OK;
	for (size_t i = 0; i < wb->n_deletes && rc == OMEN_OK; i++) {
		size_t kl = store_key_row(key, t->id, wb->deletes[i].data, wb->deletes[i].len);
		if (store_get(f->db, NULL, key, kl, &val, &vlen) != OMEN_OK)
			continue;
		rc = remove_row(t, b, key, kl, val, vlen);
		free(val);
		res->deleted++;
	}
	/* Rows written earlier in this batch are not in RocksDB yet: a later
	 * row with the same key looks back in the batch itself. */
	for (size_t i = 0; i < wb->n_upserts && rc == OMEN_OK; i++) {
		const Omendb__Row *r = wb->upserts[i];
		size_t kl = store_key_row(key, t->id, r->key.data, r->key.len);
		size_t earlier = i;
		for (size_t j = i; j-- > 0;)
			if (key_eq(&wb->upserts[j]->key, &r->key)) {
				earlier = j;
				break;
			}
		bool deleted_here = false;
		for (size_t j = 0; j < wb->n_deletes && !deleted_here; j++)
			deleted_here = key_eq(&wb->deletes[j], &r->key);
		if (earlier == i) {
			if (!deleted_here && store_get(f->db, NULL, key, kl, &val, &vlen) == OMEN_OK) {
				if (wb->conflict == OMENDB__CONFLICT__CONFLICT_SKIP) {
					free(val);
					res->skipped++;
					continue;
				}
				rc = remove_row(t, b, key, kl, val, vlen);
				free(val);
				res->updated++;
				if (rc != OMEN_OK)
					break;
			} else {
				res->inserted++;
			}
		} else {
			/* Same key twice in one batch: SKIP keeps the first row
			 * (ERROR and REPLACE were refused above). */
			res->skipped++;
			continue;
		}
		uint64_t rowid = t->next_rowid++;
		size_t plen = omendb__row__get_packed_size(r);
		uint8_t *buf = malloc(8 + plen);
		if (!buf) {
			rc = OMEN_ENOMEM;
			break;
		}
		store_put_u64(buf, rowid);
		omendb__row__pack(r, buf + 8);
		store_batch_put(b, key, kl, buf, 8 + plen);
		free(buf);
		uint8_t ik[STORE_KEY_MAX];
		size_t ikl = store_key_rowid(ik, t->id, rowid);
		store_batch_put(b, ik, ikl, r->key.data, r->key.len);
		atomic_fetch_add(&t->rows, 1);
		rc = index_row(t, r, rowid, true);
	}
	if (rc == OMEN_OK) {
		put_counts(b, t);
		for (size_t c = 0; c < t->def->n_columns && rc == OMEN_OK; c++) {
			struct fsm_index *ix = t->index[c];
			if (ix && atomic_load(&ix->state) == OMENDB__INDEX_STATE__INDEX_READY)
				rc = persist_dirty(ix, atomic_load(&ix->h), b);
		}
	}
	return rc;
}

static int pack_put(store_batch *b, const uint8_t *key, size_t kl, const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return OMEN_ENOMEM;
	protobuf_c_message_pack(m, buf);
	store_batch_put(b, key, kl, buf, len);
	free(buf);
	return OMEN_OK;
}

/* A deep copy through the wire format: the registry owns what it keeps. */
static void *copy_message(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return NULL;
	protobuf_c_message_pack(m, buf);
	void *out = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
	free(buf);
	return out;
}

static void note_catalog_version(fsm *f, uint64_t v)
{
	if (v > atomic_load(&f->catalog_version))
		atomic_store(&f->catalog_version, v);
}

static int apply_create_table(fsm *f, const Omendb__TableDef *d, store_batch *b, fsm_result *res,
			      struct fsm_table **added)
{
	if (!check_table_def(d, res))
		return OMEN_OK;
	if (fsm_table_find(f, d->table_id)) {
		set_result(res, OMENDB__STATUS__STATUS_EXISTS, "table %u exists", d->table_id);
		return OMEN_OK;
	}
	Omendb__TableDef *copy = copy_message(&d->base);
	struct fsm_table *t = copy ? table_new(copy) : NULL;
	if (!t) {
		if (copy)
			omendb__table_def__free_unpacked(copy, NULL);
		return OMEN_ENOMEM;
	}
	uint8_t key[8];
	size_t kl = store_key_table(key, KEY_TABLE, d->table_id);
	int rc = pack_put(b, key, kl, &d->base);
	if (rc != OMEN_OK) {
		table_free(t);
		return rc;
	}
	put_counts(b, t);
	*added = t;
	res->table_id = d->table_id;
	return OMEN_OK;
}

static void table_delete_keys(uint32_t table, store_batch *b)
{
	static const uint8_t prefixes[] = {KEY_TABLE, KEY_COUNTS, KEY_ROW,  KEY_ROWID,
					   KEY_INDEX, KEY_GRAPH,  KEY_NODE, KEY_LINKS};
	uint8_t from[8], to[8];
	for (size_t i = 0; i < sizeof prefixes; i++) {
		size_t fl = store_key_table(from, prefixes[i], table);
		/* The last table id ends where the next prefix starts. */
		size_t tl = table == UINT32_MAX ? store_key(to, (uint8_t)(prefixes[i] + 1))
						: store_key_table(to, prefixes[i], table + 1);
		store_batch_delete_range(b, from, fl, to, tl);
	}
}

static int apply_create_index(fsm *f, const Omendb__IndexDef *d, store_batch *b, fsm_result *res,
			      struct fsm_index **added)
{
	if (!check_index_def(f, d, res))
		return OMEN_OK;
	struct fsm_table *t = fsm_table_find(f, d->table_id);
	Omendb__IndexDef *copy = copy_message(&d->base);
	struct fsm_index *ix = copy ? index_new(f, t, copy) : NULL;
	if (!ix) {
		if (copy)
			omendb__index_def__free_unpacked(copy, NULL);
		return OMEN_ENOMEM;
	}
	uint8_t key[STORE_KEY_MAX];
	size_t kl = store_key_column(key, KEY_INDEX, d->table_id, d->column);
	int rc = pack_put(b, key, kl, &d->base);
	if (rc != OMEN_OK) {
		index_free(ix);
		return rc;
	}
	put_graph_state(ix, NULL, b, OMENDB__INDEX_STATE__INDEX_BUILDING);
	*added = ix;
	return OMEN_OK;
}

static int apply_catalog(fsm *f, const Omendb__CatalogOp *op, store_batch *b, fsm_result *res,
			 Omendb__Catalog **next)
{
	if (f->group != 0) {
		set_result(res, OMENDB__STATUS__STATUS_WRONG_GROUP, "catalog operations go to group 0");
		return OMEN_OK;
	}
	Omendb__WriteResult wr = OMENDB__WRITE_RESULT__INIT;
	char err[256] = "";
	int rc = catalog_apply(f->catalog, op, next, &wr, err, sizeof err);
	if (rc != OMEN_OK) {
		Omendb__Status st = rc == OMEN_EEXIST	   ? OMENDB__STATUS__STATUS_EXISTS
				    : rc == OMEN_ENOTFOUND ? OMENDB__STATUS__STATUS_NOT_FOUND
				    : rc == OMEN_ENOMEM	   ? OMENDB__STATUS__STATUS_INTERNAL
							   : OMENDB__STATUS__STATUS_INVALID;
		if (catalog_is_stale(f->catalog, op))
			st = OMENDB__STATUS__STATUS_STALE_CATALOG;
		set_result(res, st, "%s", err);
		return rc == OMEN_ENOMEM ? rc : OMEN_OK;
	}
	uint8_t *buf;
	size_t len;
	rc = catalog_encode(*next, &buf, &len);
	if (rc != OMEN_OK) {
		catalog_free(*next);
		*next = NULL;
		return rc;
	}
	uint8_t key[1];
	store_key(key, KEY_CATALOG);
	store_batch_put(b, key, 1, buf, len);
	free(buf);
	res->catalog_version = wr.catalog_version;
	res->table_id = wr.table_id;
	res->first_id = wr.first_id;
	return OMEN_OK;
}

int fsm_apply(fsm *f, uint64_t index, const uint8_t *buf, size_t len, fsm_result *res)
{
	memset(res, 0, sizeof *res);
	res->status = OMENDB__STATUS__STATUS_OK;
	res->applied_index = index;
	if (index <= atomic_load(&f->applied)) {
		log_debug("entry %llu: already applied (applied index %llu)", (unsigned long long)index,
			  (unsigned long long)atomic_load(&f->applied));
		set_result(res, OMENDB__STATUS__STATUS_OK, "already applied");
		return OMEN_OK;
	}
	Omendb__Command *cmd = omendb__command__unpack(NULL, len, buf);
	store_batch *b = store_batch_new();
	if (!b) {
		if (cmd)
			omendb__command__free_unpacked(cmd, NULL);
		return OMEN_ENOMEM;
	}
	int rc = OMEN_OK;
	struct fsm_table *locked = NULL, *new_table = NULL;
	struct fsm_index *new_index = NULL;
	Omendb__Catalog *new_catalog = NULL;
	if (!cmd) {
		/* Leaders propose only commands they decoded and checked: an
		 * entry that does not decode is corruption. Applying around it
		 * would let this replica diverge silently, so stop instead. */
		log_error("log entry %llu (%zu bytes) does not decode: refusing to go on",
			  (unsigned long long)index, len);
		store_batch_destroy(b);
		return OMEN_ECORRUPT;
	} else if (cmd->op_case == OMENDB__COMMAND__OP_WRITE) {
		pthread_rwlock_rdlock(&f->lock);
		rc = apply_write(f, cmd->write, b, res, &locked);
		if (rc != OMEN_OK || res->status != OMENDB__STATUS__STATUS_OK) {
			/* Nothing of a refused batch may reach RocksDB; the
			 * in-memory index took no change before a refusal. */
			store_batch_destroy(b);
			b = store_batch_new();
		}
	} else {
		pthread_rwlock_wrlock(&f->lock);
		switch (cmd->op_case) {
		case OMENDB__COMMAND__OP_CREATE_TABLE:
			rc = apply_create_table(f, cmd->create_table, b, res, &new_table);
			break;
		case OMENDB__COMMAND__OP_DROP_TABLE: {
			if (!fsm_table_find(f, cmd->drop_table->table_id)) {
				set_result(res, OMENDB__STATUS__STATUS_NOT_FOUND, "table %u does not exist",
					   cmd->drop_table->table_id);
				break;
			}
			/* Stop builds first: none may write graph keys after the
			 * range deletes. */
			struct fsm_table *t = fsm_table_find(f, cmd->drop_table->table_id);
			for (size_t c = 0; c < t->def->n_columns; c++)
				if (t->index[c])
					index_stop_builder(t->index[c]);
			table_delete_keys(cmd->drop_table->table_id, b);
			break;
		}
		case OMENDB__COMMAND__OP_CREATE_INDEX:
			rc = apply_create_index(f, cmd->create_index, b, res, &new_index);
			break;
		case OMENDB__COMMAND__OP_DROP_INDEX: {
			const Omendb__DropIndex *d = cmd->drop_index;
			struct fsm_table *t = fsm_table_find(f, d->table_id);
			if (!t || d->column >= t->def->n_columns || !t->index[d->column]) {
				set_result(res, OMENDB__STATUS__STATUS_NOT_FOUND,
					   "no index on table %u column %u", d->table_id, d->column);
				break;
			}
			index_stop_builder(t->index[d->column]);
			uint8_t key[STORE_KEY_MAX];
			size_t kl = store_key_column(key, KEY_INDEX, d->table_id, d->column);
			store_batch_delete(b, key, kl);
			kl = store_key_column(key, KEY_GRAPH, d->table_id, d->column);
			store_batch_delete(b, key, kl);
			graph_delete(t->index[d->column], b);
			break;
		}
		case OMENDB__COMMAND__OP_SET_MEMBER: {
			uint8_t key[16];
			size_t kl = store_key_member(key, cmd->set_member->id);
			rc = pack_put(b, key, kl, &cmd->set_member->base);
			res->members_changed = true;
			break;
		}
		case OMENDB__COMMAND__OP_CATALOG:
			rc = apply_catalog(f, cmd->catalog, b, res, &new_catalog);
			break;
		default:
			set_result(res, OMENDB__STATUS__STATUS_INVALID, "empty command");
		}
		if (rc != OMEN_OK || res->status != OMENDB__STATUS__STATUS_OK) {
			store_batch_destroy(b);
			b = store_batch_new();
		}
	}
	if (rc == OMEN_OK && b) {
		put_applied(b, index);
		char err[256];
		rc = store_write(f->db, b, false, err, sizeof err);
		if (rc != OMEN_OK)
			log_error("applying entry %llu: RocksDB write failed: %s", (unsigned long long)index,
				  err);
	} else if (!b) {
		rc = OMEN_ENOMEM;
	}
	log_debug("entry %llu: status %d %s", (unsigned long long)index, (int)res->status, res->message);
	if (locked)
		for (size_t c = 0; c < locked->def->n_columns; c++)
			if (locked->index[c])
				pthread_mutex_unlock(&locked->index[c]->mu);
	if (rc == OMEN_OK) {
		atomic_store(&f->applied, index);
		/* The registry follows RocksDB only once the batch is written. */
		if (new_table) {
			rc = registry_add(f, new_table);
			note_catalog_version(f, new_table->def->catalog_version);
			new_table = NULL;
		} else if (new_index) {
			struct fsm_table *t = fsm_table_find(f, new_index->table);
			t->index[new_index->column] = new_index;
			note_catalog_version(f, new_index->def->catalog_version);
			rc = index_start_builder(new_index);
			new_index = NULL;
		} else if (new_catalog) {
			if (f->catalog)
				catalog_free(f->catalog);
			f->catalog = new_catalog;
			note_catalog_version(f, new_catalog->version);
			new_catalog = NULL;
		} else if (cmd && res->status == OMENDB__STATUS__STATUS_OK &&
			   cmd->op_case == OMENDB__COMMAND__OP_DROP_TABLE) {
			registry_remove(f, cmd->drop_table->table_id);
		} else if (cmd && res->status == OMENDB__STATUS__STATUS_OK &&
			   cmd->op_case == OMENDB__COMMAND__OP_DROP_INDEX) {
			struct fsm_table *t = fsm_table_find(f, cmd->drop_index->table_id);
			index_free(t->index[cmd->drop_index->column]);
			t->index[cmd->drop_index->column] = NULL;
		}
	}
	if (new_table)
		table_free(new_table);
	if (new_index)
		index_free(new_index);
	if (new_catalog)
		catalog_free(new_catalog);
	pthread_rwlock_unlock(&f->lock);
	store_batch_destroy(b);
	if (cmd)
		omendb__command__free_unpacked(cmd, NULL);
	return rc;
}

/* ---------- background index build ---------- */

static int drain_queue(struct fsm_index *ix, hnsw *h, struct fsm_pending *q, size_t n)
{
	int rc = OMEN_OK;
	for (size_t i = 0; i < n; i++) {
		if (rc == OMEN_OK) {
			if (q[i].vec) {
				rc = hnsw_insert(h, q[i].label, q[i].vec, ix->dim);
				if (rc == OMEN_EEXIST || rc == OMEN_EZERONORM)
					rc = OMEN_OK;
			} else {
				hnsw_delete(h, q[i].label);
			}
		}
		free(q[i].vec);
	}
	return rc;
}

struct build_progress {
	struct fsm_index *ix;
	uint64_t base;
};

static void build_progress_cb(void *arg, size_t done, size_t total)
{
	struct build_progress *p = arg;
	(void)total;
	atomic_store(&p->ix->build_done, p->base + done);
}

/* Writes every node of a quiet graph in batches of PERSIST_CHUNK nodes. */
static int persist_all(struct fsm_index *ix, hnsw *h)
{
	fsm *f = ix->fsm;
	size_t cap = node_buf_size(ix, h);
	float *vbuf = malloc((size_t)ix->dim * sizeof *vbuf);
	uint32_t *lbuf = malloc((size_t)hnsw_max_links(h, 0) * sizeof *lbuf);
	uint8_t *val = malloc(cap);
	int rc = vbuf && lbuf && val ? OMEN_OK : OMEN_ENOMEM;
	uint32_t n = hnsw_node_count(h);
	for (uint32_t start = 0; start < n && rc == OMEN_OK && !atomic_load(&ix->cancel);
	     start += PERSIST_CHUNK) {
		store_batch *b = store_batch_new();
		for (uint32_t id = start; id < n && id < start + PERSIST_CHUNK && rc == OMEN_OK; id++)
			rc = persist_node(ix, h, b, id, true, vbuf, lbuf, val, cap);
		char err[256];
		if (rc == OMEN_OK)
			rc = store_write(f->db, b, false, err, sizeof err);
		store_batch_destroy(b);
	}
	free(vbuf);
	free(lbuf);
	free(val);
	return rc;
}

/* Builds the graph from a RocksDB snapshot with several threads while the
 * replica keeps applying (those changes queue), persists it, then takes the
 * queue over and publishes the index. */
static void *builder_main(void *arg)
{
	struct fsm_index *ix = arg;
	fsm *f = ix->fsm;
	double t0 = now_seconds();
	hnsw *h = NULL;
	int rc = index_new_hnsw(ix, &h);
	if (rc != OMEN_OK) {
		log_error("index %s: cannot create the graph: %s", ix->def->name, error_name(rc));
		return NULL;
	}
	pthread_mutex_lock(&ix->mu);
	store_view *view = store_view_take(f->db);
	uint64_t total = atomic_load(&ix->tab->rows);
	pthread_mutex_unlock(&ix->mu);
	atomic_store(&ix->build_total, total);
	atomic_store(&ix->build_done, 0);
	log_info("index %s: building over %llu rows", ix->def->name, (unsigned long long)total);

	uint8_t prefix[8];
	size_t pl = store_key_table(prefix, KEY_ROW, ix->table);
	store_iter *it = store_iter_new(f->db, view, prefix, pl, NULL, 0);
	uint64_t *labels = malloc(BUILD_CHUNK * sizeof *labels);
	float *vecs = malloc((size_t)BUILD_CHUNK * ix->dim * sizeof *vecs);
	if (!it || !labels || !vecs)
		rc = OMEN_ENOMEM;
	struct build_progress prog = {ix, 0};
	size_t n = 0;
	const uint8_t *k, *v;
	size_t kl, vl;
	double last_log = now_seconds();
	bool more = rc == OMEN_OK;
	while (more && rc == OMEN_OK && !atomic_load(&ix->cancel)) {
		more = store_iter_next(it, &k, &kl, &v, &vl);
		if (more) {
			uint64_t rowid;
			Omendb__Row *r = fsm_row_decode(v, vl, &rowid);
			if (!r) {
				rc = OMEN_ECORRUPT;
				break;
			}
			const float *vec = row_vector(r, ix->column);
			if (vec && r->values[ix->column]->vector_value->n_values == ix->dim) {
				labels[n] = rowid;
				memcpy(vecs + n * ix->dim, vec, (size_t)ix->dim * sizeof *vecs);
				n++;
			}
			omendb__row__free_unpacked(r, NULL);
		}
		if (n == BUILD_CHUNK || (!more && n > 0)) {
			rc = hnsw_insert_batch(h, n, labels, vecs, ix->dim, f->build_threads,
					       build_progress_cb, &prog);
			if (rc == OMEN_EZERONORM || rc == OMEN_EEXIST) {
				/* Zero vectors under cosine are not indexed: insert the
				 * chunk's rows one by one, skipping them. */
				rc = OMEN_OK;
				for (size_t i = 0; i < n && rc == OMEN_OK; i++) {
					rc = hnsw_insert(h, labels[i], vecs + i * ix->dim, ix->dim);
					if (rc == OMEN_EZERONORM || rc == OMEN_EEXIST)
						rc = OMEN_OK;
				}
			}
			prog.base += n;
			atomic_store(&ix->build_done, prog.base);
			n = 0;
			if (now_seconds() - last_log > 5) {
				last_log = now_seconds();
				log_info("index %s: %llu of %llu rows", ix->def->name,
					 (unsigned long long)prog.base, (unsigned long long)total);
			}
		}
	}
	store_iter_destroy(it);
	store_view_release(f->db, view);
	free(labels);
	free(vecs);
	if (rc == OMEN_OK && !atomic_load(&ix->cancel))
		rc = persist_all(ix, h);

	/* Catch up with what was applied meanwhile, outside the lock while the
	 * queue is long, then hand over under it. */
	hnsw_set_touch(h, touch_cb, ix);
	while (rc == OMEN_OK && !atomic_load(&ix->cancel)) {
		pthread_mutex_lock(&ix->mu);
		if (ix->nqueue <= 1024) {
			rc = drain_queue(ix, h, ix->queue, ix->nqueue);
			ix->nqueue = 0;
			store_batch *b = store_batch_new();
			if (rc == OMEN_OK)
				rc = b ? persist_dirty(ix, h, b) : OMEN_ENOMEM;
			char err[256] = "";
			if (rc == OMEN_OK)
				rc = store_write(f->db, b, false, err, sizeof err);
			store_batch_destroy(b);
			if (rc == OMEN_OK) {
				atomic_store(&ix->h, h);
				atomic_store(&ix->state, OMENDB__INDEX_STATE__INDEX_READY);
				h = NULL;
			}
			pthread_mutex_unlock(&ix->mu);
			break;
		}
		struct fsm_pending *q = ix->queue;
		size_t nq = ix->nqueue;
		ix->queue = NULL;
		ix->nqueue = ix->qcap = 0;
		pthread_mutex_unlock(&ix->mu);
		rc = drain_queue(ix, h, q, nq);
		free(q);
		store_batch *b = store_batch_new();
		char err[256];
		if (rc == OMEN_OK)
			rc = b ? persist_dirty(ix, h, b) : OMEN_ENOMEM;
		if (rc == OMEN_OK)
			rc = store_write(f->db, b, false, err, sizeof err);
		store_batch_destroy(b);
	}
	ix->build_seconds = now_seconds() - t0;
	if (!h) {
		log_info("index %s: built over %llu rows in %.2f s", ix->def->name,
			 (unsigned long long)prog.base, ix->build_seconds);
	} else {
		if (!atomic_load(&ix->cancel))
			log_error("index %s: build failed: %s", ix->def->name, error_name(rc));
		hnsw_destroy(h);
	}
	return NULL;
}

static int index_start_builder(struct fsm_index *ix)
{
	atomic_store(&ix->cancel, false);
	if (pthread_create(&ix->builder, NULL, builder_main, ix) != 0)
		return OMEN_ENOMEM;
	ix->builder_running = true;
	return OMEN_OK;
}

static void index_stop_builder(struct fsm_index *ix)
{
	if (!ix->builder_running)
		return;
	atomic_store(&ix->cancel, true);
	pthread_join(ix->builder, NULL);
	ix->builder_running = false;
}

int fsm_members(fsm *f, Omendb__Member ***out, size_t *n)
{
	uint8_t prefix[1];
	size_t pl = store_key(prefix, KEY_MEMBER);
	*out = NULL;
	*n = 0;
	pthread_rwlock_rdlock(&f->lock);
	store_iter *it = store_iter_new(f->db, NULL, prefix, pl, NULL, 0);
	const uint8_t *k, *v;
	size_t kl, vl;
	int rc = it ? OMEN_OK : OMEN_ENOMEM;
	while (rc == OMEN_OK && store_iter_next(it, &k, &kl, &v, &vl)) {
		Omendb__Member *m = omendb__member__unpack(NULL, vl, v);
		if (!m)
			continue;
		Omendb__Member **grown = realloc(*out, (*n + 1) * sizeof *grown);
		if (!grown) {
			omendb__member__free_unpacked(m, NULL);
			rc = OMEN_ENOMEM;
			break;
		}
		*out = grown;
		(*out)[(*n)++] = m;
	}
	store_iter_destroy(it);
	pthread_rwlock_unlock(&f->lock);
	return rc;
}
