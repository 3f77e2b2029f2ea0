/* The catalog kept by shard group 0 (tables, vector indexes, shard groups and
 * the bucket -> group map) as a pure state machine: catalog_apply maps
 * (catalog, CatalogOp) to the next catalog or an error, deterministically, so
 * every replica's Raft FSM reaches the same state and tests need no cluster. */
#ifndef OMEN_CATALOG_H
#define OMEN_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shard.pb-c.h"

#define CATALOG_MAX_NAME 63	 /* bytes; PostgreSQL's NAMEDATALEN - 1 */
#define CATALOG_MAX_COLUMNS 1600 /* PostgreSQL's MaxHeapAttributeNumber */
#define CATALOG_MAX_DIM 16000	 /* pgvector's vector type maximum */
#define CATALOG_MAX_REPLICAS 7
#define CATALOG_MAX_BUCKETS 65536

/* True when op names an expected_version (non-zero) other than cur's
 * version. catalog_apply refuses such an op with OMEN_EINVAL; callers use
 * this to answer STATUS_STALE_CATALOG rather than STATUS_INVALID. cur NULL
 * is the empty catalog (version 0). */
bool catalog_is_stale(const Omendb__Catalog *cur, const Omendb__CatalogOp *op);

/* Applies op to cur and returns the result as a new catalog; cur is only
 * read (NULL is the empty catalog: version 0, next_table_id 1). Every
 * successful op makes version cur's + 1:
 * - create_table: name 1..CATALOG_MAX_NAME bytes and unused, 1..1600
 *   columns with unique names of 1..CATALOG_MAX_NAME bytes and a type;
 *   vector columns have dim 1..CATALOG_MAX_DIM, others dim 0. table_id and
 *   catalog_version in op are ignored: the table gets next_table_id (never
 *   reused) and the new version.
 * - drop_table (by name) also drops the table's indexes.
 * - create_index: on a vector column of an existing table; metric known;
 *   m 0 (= 16) or 2..100, ef_construction 0 (= 64) or 4..1000 and >= 2m,
 *   stored resolved (never 0); name 1..CATALOG_MAX_NAME bytes, unique among
 *   indexes; at most one index per (table, column).
 * - drop_index by (table_id, column).
 * - register_group: any group id (0 records the catalog group's own
 *   replicas), 1..CATALOG_MAX_REPLICAS replicas with distinct ids >= 1 and
 *   non-empty raft and rpc addresses; replaces the group's earlier entry.
 * - set_shard_map: a power-of-two length in 1..CATALOG_MAX_BUCKETS, every
 *   group registered.
 * - allocate_ids: count 1..1000000 ids from an existing table's counter
 *   (which starts at 1 and stays within INT64_MAX: OMEN_EFULL past it).
 * create_table also checks that primary_key names distinct existing columns.
 * On OMEN_OK *next is the caller's (free with catalog_free) and result, if
 * not NULL, gets catalog_version (the new version) and, for create_table,
 * table_id, for allocate_ids first_id; its other fields are untouched. On error *next is NULL, result
 * is untouched and err (errlen bytes, always NUL-terminated; may be NULL)
 * says why:
 * OMEN_EINVAL for a malformed op or a stale one (see catalog_is_stale),
 * OMEN_EEXIST for a table or index name or an indexed column already taken,
 * OMEN_ENOTFOUND for an unknown table, column, index or group,
 * OMEN_EFULL when table ids are exhausted, OMEN_ENOMEM. */
int catalog_apply(const Omendb__Catalog *cur, const Omendb__CatalogOp *op, Omendb__Catalog **next,
		  Omendb__WriteResult *result, char *err, size_t errlen);

/* Frees a catalog from catalog_apply or catalog_decode; NULL is a no-op. */
void catalog_free(Omendb__Catalog *c);

/* Serialises c (NULL: the empty catalog). On OMEN_OK *buf is malloc'd and
 * the caller's to free(); *len may be 0. OMEN_ENOMEM. */
int catalog_encode(const Omendb__Catalog *c, uint8_t **buf, size_t *len);

/* Parses len bytes of buf (only read). On OMEN_OK *out is the caller's, free
 * it with catalog_free. OMEN_EFORMAT when the bytes do not decode (protobuf-c
 * cannot tell that from running out of memory) or the catalog breaks an
 * invariant catalog_apply relies on: table ids unique and below
 * next_table_id, table names unique, 1..1600 columns each, indexes on an
 * existing table's vector column, group ids unique, a shard map (if any) of
 * power-of-two length naming registered groups. */
int catalog_decode(const uint8_t *buf, size_t len, Omendb__Catalog **out);

#endif
