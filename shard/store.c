#include "store.h"

#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct store {
	rocksdb_t *db;
	rocksdb_options_t *opts;
	rocksdb_readoptions_t *ropts;
	rocksdb_writeoptions_t *wopts, *wopts_sync;
};

struct store_batch {
	rocksdb_writebatch_t *wb;
};

struct store_view {
	const rocksdb_snapshot_t *snap;
};

struct store_iter {
	rocksdb_iterator_t *it;
	rocksdb_readoptions_t *ropts;
	uint8_t prefix[16];
	size_t plen;
	bool started;
};

void store_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint64_t store_get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void store_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint32_t store_get_u32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | p[i];
	return v;
}

size_t store_key(uint8_t *out, uint8_t prefix)
{
	out[0] = prefix;
	return 1;
}

size_t store_key_table(uint8_t *out, uint8_t prefix, uint32_t table)
{
	out[0] = prefix;
	store_put_u32(out + 1, table);
	return 5;
}

size_t store_key_row(uint8_t *out, uint32_t table, const void *pk, size_t pk_len)
{
	size_t n = store_key_table(out, KEY_ROW, table);
	if (pk_len) /* an empty key may come with a NULL pointer */
		memcpy(out + n, pk, pk_len);
	return n + pk_len;
}

size_t store_key_rowid(uint8_t *out, uint32_t table, uint64_t rowid)
{
	size_t n = store_key_table(out, KEY_ROWID, table);
	store_put_u64(out + n, rowid);
	return n + 8;
}

size_t store_key_column(uint8_t *out, uint8_t prefix, uint32_t table, uint32_t column)
{
	size_t n = store_key_table(out, prefix, table);
	out[n] = (uint8_t)(column >> 8);
	out[n + 1] = (uint8_t)column;
	return n + 2;
}

size_t store_key_slot(uint8_t *out, uint8_t prefix, uint32_t table, uint32_t column, uint32_t slot)
{
	size_t n = store_key_column(out, prefix, table, column);
	store_put_u32(out + n, slot);
	return n + 4;
}

size_t store_key_member(uint8_t *out, uint64_t id)
{
	out[0] = KEY_MEMBER;
	store_put_u64(out + 1, id);
	return 9;
}

static int fail(char *rerr, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", rerr ? rerr : "unknown RocksDB error");
	rocksdb_free(rerr);
	return OMEN_EIO;
}

int store_open(const char *dir, store **out, char *err, size_t errlen)
{
	store *s = calloc(1, sizeof *s);
	if (!s)
		return OMEN_ENOMEM;
	s->opts = rocksdb_options_create();
	rocksdb_options_set_create_if_missing(s->opts, 1);
	rocksdb_options_increase_parallelism(s->opts, 2);
	rocksdb_options_set_compression(s->opts, rocksdb_lz4_compression);
	s->ropts = rocksdb_readoptions_create();
	s->wopts = rocksdb_writeoptions_create();
	s->wopts_sync = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(s->wopts_sync, 1);
	char *rerr = NULL;
	s->db = rocksdb_open(s->opts, dir, &rerr);
	if (rerr) {
		int rc = fail(rerr, err, errlen);
		s->db = NULL;
		store_close(s);
		return rc;
	}
	*out = s;
	return OMEN_OK;
}

void store_close(store *s)
{
	if (!s)
		return;
	if (s->db)
		rocksdb_close(s->db);
	rocksdb_writeoptions_destroy(s->wopts);
	rocksdb_writeoptions_destroy(s->wopts_sync);
	rocksdb_readoptions_destroy(s->ropts);
	rocksdb_options_destroy(s->opts);
	free(s);
}

int store_get(store *s, const store_view *view, const void *key, size_t klen, char **val, size_t *vlen)
{
	char *rerr = NULL;
	rocksdb_readoptions_t *ro = s->ropts;
	if (view) {
		ro = rocksdb_readoptions_create();
		rocksdb_readoptions_set_snapshot(ro, view->snap);
	}
	char *v = rocksdb_get(s->db, ro, key, klen, vlen, &rerr);
	if (view)
		rocksdb_readoptions_destroy(ro);
	if (rerr)
		return fail(rerr, NULL, 0);
	if (!v)
		return OMEN_ENOTFOUND;
	*val = v; /* rocksdb_free is free() in this build; keep one allocator */
	return OMEN_OK;
}

store_batch *store_batch_new(void)
{
	store_batch *b = malloc(sizeof *b);
	if (b)
		b->wb = rocksdb_writebatch_create();
	return b;
}

void store_batch_put(store_batch *b, const void *key, size_t klen, const void *val, size_t vlen)
{
	rocksdb_writebatch_put(b->wb, key, klen, val, vlen);
}

void store_batch_delete(store_batch *b, const void *key, size_t klen)
{
	rocksdb_writebatch_delete(b->wb, key, klen);
}

void store_batch_delete_range(store_batch *b, const void *from, size_t flen, const void *to, size_t tlen)
{
	rocksdb_writebatch_delete_range(b->wb, from, flen, to, tlen);
}

size_t store_batch_count(const store_batch *b)
{
	return (size_t)rocksdb_writebatch_count(b->wb);
}

void store_batch_destroy(store_batch *b)
{
	if (!b)
		return;
	rocksdb_writebatch_destroy(b->wb);
	free(b);
}

int store_write(store *s, store_batch *b, bool sync, char *err, size_t errlen)
{
	char *rerr = NULL;
	rocksdb_write(s->db, sync ? s->wopts_sync : s->wopts, b->wb, &rerr);
	return rerr ? fail(rerr, err, errlen) : OMEN_OK;
}

store_view *store_view_take(store *s)
{
	store_view *v = malloc(sizeof *v);
	if (v)
		v->snap = rocksdb_create_snapshot(s->db);
	return v;
}

void store_view_release(store *s, store_view *v)
{
	if (!v)
		return;
	rocksdb_release_snapshot(s->db, v->snap);
	free(v);
}

store_iter *store_iter_new(store *s, const store_view *view, const void *prefix, size_t plen,
			   const void *start, size_t slen)
{
	if (plen > sizeof(((store_iter *)0)->prefix))
		return NULL;
	store_iter *it = calloc(1, sizeof *it);
	if (!it)
		return NULL;
	it->ropts = rocksdb_readoptions_create();
	if (view)
		rocksdb_readoptions_set_snapshot(it->ropts, view->snap);
	/* Scans touch every row once: keep them from evicting the hot blocks. */
	rocksdb_readoptions_set_fill_cache(it->ropts, 0);
	memcpy(it->prefix, prefix, plen);
	it->plen = plen;
	it->it = rocksdb_create_iterator(s->db, it->ropts);
	if (start)
		rocksdb_iter_seek(it->it, start, slen);
	else
		rocksdb_iter_seek(it->it, prefix, plen);
	return it;
}

bool store_iter_next(store_iter *it, const uint8_t **key, size_t *klen, const uint8_t **val, size_t *vlen)
{
	if (it->started)
		rocksdb_iter_next(it->it);
	it->started = true;
	if (!rocksdb_iter_valid(it->it))
		return false;
	const char *k = rocksdb_iter_key(it->it, klen);
	if (*klen < it->plen || memcmp(k, it->prefix, it->plen) != 0)
		return false;
	*key = (const uint8_t *)k;
	*val = (const uint8_t *)rocksdb_iter_value(it->it, vlen);
	return true;
}

void store_iter_destroy(store_iter *it)
{
	if (!it)
		return;
	rocksdb_iter_destroy(it->it);
	rocksdb_readoptions_destroy(it->ropts);
	free(it);
}

int store_sync(store *s)
{
	char *rerr = NULL;
	rocksdb_flush_wal(s->db, 1, &rerr);
	return rerr ? fail(rerr, NULL, 0) : OMEN_OK;
}

int store_checkpoint(store *s, const char *dir, char *err, size_t errlen)
{
	char *rerr = NULL;
	rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(s->db, &rerr);
	if (rerr)
		return fail(rerr, err, errlen);
	/* 0: always flush the memtable, so the checkpoint needs no WAL replay. */
	rocksdb_checkpoint_create(cp, dir, 0, &rerr);
	rocksdb_checkpoint_object_destroy(cp);
	return rerr ? fail(rerr, err, errlen) : OMEN_OK;
}
