/* HNSW approximate nearest-neighbour index (Malkov & Yashunin, "Efficient and
 * robust approximate nearest neighbor search using Hierarchical Navigable
 * Small World graphs", 2016/2018), the engine inside every shard replica.
 *
 * Concurrency: any number of threads may call hnsw_search, hnsw_search_exact,
 * hnsw_insert and hnsw_delete at once. hnsw_vacuum, the restore functions and
 * hnsw_destroy need exclusive use of the index. Nodes are never moved in
 * memory, so a search running beside inserts reads stable vectors. */
#ifndef OMEN_HNSW_H
#define OMEN_HNSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "distance.h"

#define HNSW_MIN_M 2
#define HNSW_MAX_M 100 /* as pgvector */
#define HNSW_MIN_EF_CONSTRUCTION 4
#define HNSW_MAX_EF_CONSTRUCTION 1000
#define HNSW_MAX_EF_SEARCH 1000
#define HNSW_MAX_DIM 16000 /* pgvector's vector type maximum */
#define HNSW_MAX_LEVEL 31
#define HNSW_NO_NODE UINT32_MAX

#define HNSW_DEFAULT_M 16
#define HNSW_DEFAULT_EF_CONSTRUCTION 64
#define HNSW_DEFAULT_EF_SEARCH 40

typedef struct hnsw hnsw;

/* How the index keeps vectors in memory. Float16 halves the memory and the
 * bandwidth a search needs, at the cost of rounding stored vectors to 11
 * significant bits (distances change by ~1e-3 relative; values beyond
 * +-65504 are rejected). pgvector's halfvec indexes make the same trade. */
typedef enum hnsw_storage { HNSW_STORAGE_FLOAT32 = 0, HNSW_STORAGE_FLOAT16, HNSW_STORAGE_COUNT } hnsw_storage;

typedef struct hnsw_params {
	uint32_t dim;
	distance_metric metric;
	uint32_t m;		  /* links per node on upper levels; 2m on level 0 */
	uint32_t ef_construction; /* candidate list size while inserting; >= 2m */
	uint64_t seed;		  /* level generator seed: same seed, same levels */
	hnsw_storage storage;	  /* default HNSW_STORAGE_FLOAT32 */
} hnsw_params;

typedef struct hnsw_result {
	uint64_t label;
	float distance; /* pgvector's distance for the metric (see distance.h) */
} hnsw_result;

/* Returns true to accept the row with this label. Called from the searching
 * thread during the graph walk; it must be thread-safe if searches are. */
typedef bool (*hnsw_filter_fn)(void *arg, uint64_t label);

/* Called now and then from any inserting thread, one call at a time, and
 * once at the end from the caller's thread. */
typedef void (*hnsw_progress_fn)(void *arg, size_t done, size_t total);

/* Fills p with pgvector's defaults: m 16, ef_construction 64, seed 1,
 * float32 storage. */
void hnsw_params_default(hnsw_params *p, uint32_t dim, distance_metric metric);

/* Checks p. OMEN_EDIM for dim 0 or > HNSW_MAX_DIM, OMEN_EINVAL for m,
 * ef_construction (or ef_construction < 2m) or metric out of range. */
int hnsw_params_check(const hnsw_params *p);

/* Creates an empty index. On success *out owns the index; free it with
 * hnsw_destroy. Errors as hnsw_params_check, or OMEN_ENOMEM. */
int hnsw_create(const hnsw_params *p, hnsw **out);
void hnsw_destroy(hnsw *h);

const hnsw_params *hnsw_get_params(const hnsw *h);

/* Inserts vec (dim floats, copied; cosine indexes store it normalised) under
 * label. OMEN_EDIM if dim is not the index's, OMEN_EEXIST if the label is live, OMEN_ENONFINITE for NaN/inf,
 * OMEN_EZERONORM for a zero vector in a cosine index, OMEN_EFULL past
 * 2^31 - 1 nodes, OMEN_ERANGE for a value float16 storage cannot hold,
 * OMEN_ENOMEM. On error the index is unchanged. */
int hnsw_insert(hnsw *h, uint64_t label, const float *vec, uint32_t dim);

/* Inserts n rows (vecs is n * dim floats, row-major) with `threads` threads
 * (0 = one per CPU). Stops at the first error and returns it; rows inserted
 * before the error stay. progress may be NULL. */
int hnsw_insert_batch(hnsw *h, size_t n, const uint64_t *labels, const float *vecs, uint32_t dim,
		      unsigned threads, hnsw_progress_fn progress, void *progress_arg);

/* Marks the label's node deleted: it still guides searches but is never
 * returned. hnsw_vacuum reclaims it. OMEN_ENOTFOUND if not live. */
int hnsw_delete(hnsw *h, uint64_t label);

/* Called with the slot id of every node whose record (record = true: new
 * or deleted) or links (record = false) change, so a caller can persist exactly what an insert or delete
 * changed; an id may be reported more than once. It runs on the writing
 * thread, under the index's internal locks: it must be quick and must not
 * call back into the index. Meant for single-writer use (the shard's state
 * machine); NULL turns it off. Not safe to change while writes run. */
typedef void (*hnsw_touch_fn)(void *arg, uint32_t id, bool record);
void hnsw_set_touch(hnsw *h, hnsw_touch_fn fn, void *arg);

/* True and the stored vector (normalised for cosine) copied to vec_out when
 * the label is live; vec_out may be NULL. */
bool hnsw_lookup(const hnsw *h, uint64_t label, float *vec_out);

/* The k nearest live rows that pass filter (NULL = all), nearest first.
 * ef is the candidate list size (0 = HNSW_DEFAULT_EF_SEARCH; raised to k).
 * With a filter, the walk continues until k matching rows are found or the
 * graph is exhausted, and falls back to an exact scan when few rows match,
 * so the answer has min(k, matching rows) entries. out holds k entries;
 * *n_out gets the count. OMEN_EINVAL for k == 0, k or ef > HNSW_MAX_EF_SEARCH
 * (use hnsw_search_exact for more rows),
 * OMEN_EDIM for a dim that is not the index's, OMEN_ENONFINITE for NaN/inf
 * in the query, OMEN_EZERONORM for a zero query on a cosine index. */
int hnsw_search(const hnsw *h, const float *query, uint32_t dim, uint32_t k, uint32_t ef,
		hnsw_filter_fn filter, void *filter_arg, hnsw_result *out, uint32_t *n_out);

/* The exact k nearest live rows that pass filter, by a full scan. */
int hnsw_search_exact(const hnsw *h, const float *query, uint32_t dim, uint32_t k, hnsw_filter_fn filter,
		      void *filter_arg, hnsw_result *out, uint32_t *n_out);

/* Repairs every link that points at a deleted node (Algorithm 4 over the
 * node's live links and its deleted links' live links) and frees the deleted
 * nodes' slots for reuse. Needs exclusive use. Returns nodes reclaimed in
 * *reclaimed (may be NULL). */
int hnsw_vacuum(hnsw *h, size_t *reclaimed);

size_t hnsw_live_count(const hnsw *h);
/* Bytes the index has allocated (vectors, links, labels, locks, maps). */
size_t hnsw_memory_bytes(const hnsw *h);

/* --- Walking and restoring the graph, for storage outside the process. ---
 * A walk that should restore as a consistent graph needs the index quiet:
 * no insert, delete or vacuum while it runs. Restore trusts slot ids to be
 * about as dense as the saved index (it maps memory up to the largest).
 * A node is a slot id in [0, hnsw_node_count). Vacant slots (never used or
 * reclaimed) report OMEN_ENOTFOUND. The graph is saved as one record per
 * node (label, level, deleted, stored vector) and one adjacency list per
 * node and level, plus the entry point. */

uint32_t hnsw_node_count(const hnsw *h);
uint32_t hnsw_max_links(const hnsw *h, uint32_t level); /* 2m on 0, m above */

/* Copies the node's record; vec_out (dim floats) may be NULL. */
int hnsw_node_get(const hnsw *h, uint32_t id, uint64_t *label, uint32_t *level, bool *deleted,
		  float *vec_out);
/* Copies the node's links on level into out (hnsw_max_links(level) ids). */
int hnsw_node_links(const hnsw *h, uint32_t id, uint32_t level, uint32_t *out, uint32_t *n_out);
/* Entry node and top level; HNSW_NO_NODE and 0 for an empty index. */
void hnsw_entry_point(const hnsw *h, uint32_t *entry, uint32_t *max_level);

/* Rebuilding an index saved as above, into a fresh index from hnsw_create:
 * restore every node (any order), then every list, then call
 * hnsw_restore_finish, which validates the whole graph (OMEN_ECORRUPT on a
 * link to a vacant node, a bad level or entry point) and makes the index
 * searchable. vec is taken as stored: it is not normalised again. */
int hnsw_restore_node(hnsw *h, uint32_t id, uint64_t label, uint32_t level, bool deleted, const float *vec,
		      uint32_t dim);
int hnsw_restore_links(hnsw *h, uint32_t id, uint32_t level, const uint32_t *ids, uint32_t n);
int hnsw_restore_finish(hnsw *h, uint32_t entry, uint32_t max_level);

#endif
