/* The replica's RocksDB: opening, point reads, atomic write batches, prefix
 * iteration, checkpoints, and the key layout every module shares
 * (docs/storage.md). All integers in keys are big-endian so that keys of one
 * table, or one index, sort together and in id order. */
#ifndef OMEN_STORE_H
#define OMEN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store store;
typedef struct store_batch store_batch;
typedef struct store_iter store_iter;
typedef struct store_view store_view; /* a consistent read-only point in time */

/* Key prefixes: one byte, then the fields listed. */
enum {
	KEY_APPLIED = 'A', /* -> u64 last applied raft index */
	KEY_MEMBER = 'M',  /* u64 raft id -> Member */
	KEY_CATALOG = 'K', /* -> Catalog (group 0) */
	KEY_TABLE = 'T',   /* u32 table -> TableDef */
	KEY_COUNTS = 'N',  /* u32 table -> u64 next row id, u64 live rows */
	KEY_ROW = 'R',	   /* u32 table, pk bytes -> u64 row id, packed Row */
	KEY_ROWID = 'I',   /* u32 table, u64 row id -> pk bytes */
	KEY_INDEX = 'X',   /* u32 table, u16 column -> IndexDef */
	KEY_GRAPH = 'E',   /* u32 table, u16 column -> u8 state, u32 entry, u32 top level */
	KEY_NODE = 'V',	   /* u32 table, u16 column, u32 slot -> node record */
	KEY_LINKS = 'L',   /* u32 table, u16 column, u32 slot -> links of every level */
};

#define STORE_KEY_MAX 1100 /* prefixes plus the largest primary key (1024) */

/* Key builders: write into out (STORE_KEY_MAX bytes) and return the length. */
size_t store_key(uint8_t *out, uint8_t prefix);
size_t store_key_table(uint8_t *out, uint8_t prefix, uint32_t table);
size_t store_key_row(uint8_t *out, uint32_t table, const void *pk, size_t pk_len);
size_t store_key_rowid(uint8_t *out, uint32_t table, uint64_t rowid);
size_t store_key_column(uint8_t *out, uint8_t prefix, uint32_t table, uint32_t column);
size_t store_key_slot(uint8_t *out, uint8_t prefix, uint32_t table, uint32_t column, uint32_t slot);
size_t store_key_member(uint8_t *out, uint64_t id);

void store_put_u64(uint8_t *p, uint64_t v);
uint64_t store_get_u64(const uint8_t *p);
void store_put_u32(uint8_t *p, uint32_t v);
uint32_t store_get_u32(const uint8_t *p);

/* Opens (creating if missing) the database in dir. err gets RocksDB's
 * message on failure (OMEN_EIO). */
int store_open(const char *dir, store **out, char *err, size_t errlen);
void store_close(store *s);

/* *val is malloc'd (the caller frees it); OMEN_ENOTFOUND if absent. view may
 * be NULL for the latest state. */
int store_get(store *s, const store_view *view, const void *key, size_t klen, char **val, size_t *vlen);

store_batch *store_batch_new(void);
void store_batch_put(store_batch *b, const void *key, size_t klen, const void *val, size_t vlen);
void store_batch_delete(store_batch *b, const void *key, size_t klen);
/* Deletes every key in [from, to). */
void store_batch_delete_range(store_batch *b, const void *from, size_t flen, const void *to, size_t tlen);
size_t store_batch_count(const store_batch *b);
void store_batch_destroy(store_batch *b);
/* Writes the batch atomically. sync: fsync the WAL before returning. */
int store_write(store *s, store_batch *b, bool sync, char *err, size_t errlen);

store_view *store_view_take(store *s);
void store_view_release(store *s, store_view *v);

/* Iterates keys starting with prefix, from start (>= start; NULL = the
 * prefix's first key). The pointers store_iter_next returns are valid until
 * the next call. */
store_iter *store_iter_new(store *s, const store_view *view, const void *prefix, size_t plen,
			   const void *start, size_t slen);
bool store_iter_next(store_iter *it, const uint8_t **key, size_t *klen, const uint8_t **val, size_t *vlen);
void store_iter_destroy(store_iter *it);

/* Makes the WAL durable (snapshot time: Raft may then drop its log). */
int store_sync(store *s);
/* A RocksDB checkpoint (hard links where possible) in dir, which must not
 * exist. */
int store_checkpoint(store *s, const char *dir, char *err, size_t errlen);

#endif
