/* Helpers the shard integration tests share: building requests for a test
 * table (id bigint key, category integer, embedding vector(dim)), writing
 * through whichever replica leads, searching and fetching. */
#ifndef OMEN_SHARDTEST_H
#define OMEN_SHARDTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster.h"
#include "rpc.h"

#define ST_TABLE 7

/* Sends req to client c for the cluster's group; *resp as rpc_call. */
int st_call(rpc_client *c, uint32_t group, Omendb__Request *req, Omendb__Response **resp);

/* Runs a command on the current leader, following NOT_LEADER and retrying
 * transport errors until timeout_ms; returns the final status (or -1 when
 * no answer came). */
int st_command(cluster *cl, uint32_t group, Omendb__Command *cmd, int timeout_ms, Omendb__Response **resp);

int st_create_table(cluster *cl, uint32_t group, uint32_t dim);
int st_create_index(cluster *cl, uint32_t group, uint32_t m, uint32_t ef_construction);

/* Upserts rows ids[0..n) with vectors vecs (n * dim) and category id % 10,
 * replacing existing rows (so a retry is harmless). */
int st_write(cluster *cl, uint32_t group, uint32_t dim, const uint64_t *ids, const float *vecs, size_t n,
	     int timeout_ms);

void st_key(uint64_t id, uint8_t out[8]);
uint64_t st_key_id(const uint8_t *key, size_t len);

/* k nearest ids by l2 on replica i (READ_ANY). exact forces the scan. With
 * category >= 0, only rows of that category. Returns hits or -1. */
int st_search(cluster *cl, unsigned i, uint32_t group, const float *q, uint32_t dim, uint32_t k, uint32_t ef,
	      bool exact, int category, uint64_t *ids);

/* Waits for a leader, then until every running replica has applied what
 * the leader had applied; *index (may be NULL) gets that index. */
int st_wait_caught_up(cluster *cl, int timeout_ms, uint64_t *index);

/* How many of ids[0..n) replica i holds (READ_ANY fetch). */
long st_count_present(cluster *cl, unsigned i, uint32_t group, const uint64_t *ids, size_t n);

/* Deterministic data: n vectors of dim in clusters, from seed. */
void st_vectors(float *out, size_t n, uint32_t dim, uint64_t seed);

/* Recall of got against truth (k each). */
double st_recall(const uint64_t *got, int ngot, const uint64_t *truth, int ntruth);

double st_now(void);

#endif
