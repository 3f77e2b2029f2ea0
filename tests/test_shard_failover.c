/* A three-replica group of real omendb-shard processes: writes through the
 * leader, kill -9 of the leader in the middle of the stream, and afterwards
 * every acknowledged row on every replica and k-NN that agrees with exact
 * search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "shardtest.h"
#include "test.h"

#define GROUP 1
#define DIM 32
#define ROWS 10000
#define BATCH 100
#define QUERIES 50

static void check_replica_recall(cluster *cl, unsigned r, const float *queries, int category)
{
	double sum = 0;
	int n = 0;
	for (int q = 0; q < QUERIES; q++) {
		uint64_t got[10], truth[10];
		int ng =
		    st_search(cl, r, GROUP, queries + (size_t)q * DIM, DIM, 10, 64, false, category, got);
		int nt =
		    st_search(cl, r, GROUP, queries + (size_t)q * DIM, DIM, 10, 0, true, category, truth);
		CHECK(ng == 10 && nt == 10);
		if (ng < 0 || nt < 0)
			return;
		if (category >= 0)
			for (int i = 0; i < ng; i++)
				CHECK_EQ_INT(got[i] % 10, category);
		sum += st_recall(got, ng, truth, nt);
		n++;
	}
	double recall = sum / n;
	printf("replica %u: recall@10 %.3f over %d queries%s\n", r, recall, n,
	       category >= 0 ? " (filtered)" : "");
	CHECK(recall >= 0.95);
}

static void test_leader_killed_mid_stream_loses_no_acknowledged_write(void)
{
	cluster_options o = {.group = GROUP, .replicas = 3, .election_timeout_ms = 1000, .heartbeat_ms = 100};
	cluster *cl;
	CHECK_EQ_INT(cluster_start(&o, &cl), OMEN_OK);
	unsigned leader;
	CHECK_EQ_INT(cluster_wait_leader(cl, 30000, &leader), OMEN_OK);
	CHECK_EQ_INT(st_create_table(cl, GROUP, DIM), OMENDB__STATUS__STATUS_OK);
	CHECK_EQ_INT(st_create_index(cl, GROUP, 16, 64), OMENDB__STATUS__STATUS_OK);

	float *vecs = malloc((size_t)ROWS * DIM * sizeof *vecs);
	float *queries = malloc((size_t)QUERIES * DIM * sizeof *queries);
	uint64_t *ids = malloc(ROWS * sizeof *ids);
	st_vectors(vecs, ROWS, DIM, 42);
	st_vectors(queries, QUERIES, DIM, 43);
	size_t acked = 0;
	unsigned killed = UINT32_MAX;
	double t0 = st_now();
	for (size_t off = 0; off < ROWS; off += BATCH) {
		for (size_t i = 0; i < BATCH; i++)
			ids[off + i] = off + i + 1;
		if (off == ROWS / 2) {
			CHECK_EQ_INT(cluster_wait_leader(cl, 30000, &killed), OMEN_OK);
			printf("killing the leader, replica %u, after %zu acknowledged rows\n", killed,
			       acked);
			CHECK_EQ_INT(cluster_kill(cl, killed), OMEN_OK);
		}
		int st = st_write(cl, GROUP, DIM, ids + off, vecs + off * DIM, BATCH, 60000);
		CHECK_EQ_INT(st, OMENDB__STATUS__STATUS_OK);
		if (st != OMENDB__STATUS__STATUS_OK)
			break;
		acked += BATCH;
	}
	printf("%zu rows acknowledged in %.1f s\n", acked, st_now() - t0);
	CHECK_EQ_INT(acked, ROWS);
	unsigned new_leader;
	CHECK_EQ_INT(cluster_wait_leader(cl, 30000, &new_leader), OMEN_OK);
	CHECK(new_leader != killed);

	/* The killed replica comes back and catches up. */
	CHECK_EQ_INT(cluster_restart(cl, killed), OMEN_OK);
	CHECK_EQ_INT(st_wait_caught_up(cl, 60000, NULL), OMEN_OK);

	for (unsigned r = 0; r < cluster_size(cl); r++) {
		long present = st_count_present(cl, r, GROUP, ids, acked);
		printf("replica %u: %ld of %zu acknowledged rows present\n", r, present, acked);
		CHECK_EQ_INT(present, (long)acked);
		check_replica_recall(cl, r, queries, -1);
	}
	check_replica_recall(cl, killed, queries, 3);
	if (test_failures)
		cluster_dump_logs(cl);
	cluster_destroy(cl);
	free(vecs);
	free(queries);
	free(ids);
}

TEST_MAIN(TEST(test_leader_killed_mid_stream_loses_no_acknowledged_write))
