/* A replica that is down while the group writes 20,000 rows and takes
 * several snapshots comes back behind the leader's log: it must catch up by
 * fetching a RocksDB checkpoint from a peer (snapshot transfer over nng). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "error.h"
#include "shardtest.h"
#include "test.h"

#define GROUP 2
#define DIM 16
#define ROWS 20000
#define BATCH 20

static uint64_t snapshots_installed(cluster *cl, unsigned i)
{
	Omendb__Response *r = NULL;
	if (cluster_status(cl, i, &r) != OMEN_OK)
		return 0;
	uint64_t v = r->status_info->snapshots_installed;
	omendb__response__free_unpacked(r, NULL);
	return v;
}

static void test_replica_down_during_writes_catches_up_by_snapshot(void)
{
	cluster_options o = {
	    .group = GROUP, .replicas = 3, .snapshot_threshold = 200, .snapshot_trailing = 50};
	cluster *cl;
	CHECK_EQ_INT(cluster_start(&o, &cl), OMEN_OK);
	unsigned leader;
	CHECK_EQ_INT(cluster_wait_leader(cl, 30000, &leader), OMEN_OK);
	CHECK_EQ_INT(st_create_table(cl, GROUP, DIM), OMENDB__STATUS__STATUS_OK);
	CHECK_EQ_INT(st_create_index(cl, GROUP, 8, 32), OMENDB__STATUS__STATUS_OK);
	unsigned down = (leader + 1) % 3;

	float *vecs = malloc((size_t)ROWS * DIM * sizeof *vecs);
	uint64_t *ids = malloc(ROWS * sizeof *ids);
	st_vectors(vecs, ROWS, DIM, 7);
	for (size_t i = 0; i < ROWS; i++)
		ids[i] = i + 1;
	double t0 = st_now();
	for (size_t off = 0; off < ROWS; off += BATCH) {
		if (off == 2000) {
			printf("stopping follower %u after %zu rows\n", down, off);
			CHECK_EQ_INT(cluster_kill(cl, down), OMEN_OK);
		}
		int st = st_write(cl, GROUP, DIM, ids + off, vecs + off * DIM, BATCH, 60000);
		CHECK_EQ_INT(st, OMENDB__STATUS__STATUS_OK);
		if (st != OMENDB__STATUS__STATUS_OK)
			break;
	}
	printf("%d rows written in %.1f s with replica %u down\n", ROWS, st_now() - t0, down);
	t0 = st_now();
	CHECK_EQ_INT(cluster_restart(cl, down), OMEN_OK);
	uint64_t target = 0;
	CHECK_EQ_INT(st_wait_caught_up(cl, 120000, &target), OMEN_OK);
	/* The status may be asked just before the replica counts the install
	 * it has finished (or time out while it is busy): poll a little. */
	uint64_t installed = 0;
	for (int tries = 0; tries < 50 && installed == 0; tries++) {
		installed = snapshots_installed(cl, down);
		if (installed == 0)
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	printf("replica %u caught up to index %llu in %.1f s, snapshots installed: %llu\n", down,
	       (unsigned long long)target, st_now() - t0, (unsigned long long)installed);
	CHECK(installed >= 1);
	CHECK_EQ_INT(st_count_present(cl, down, GROUP, ids, ROWS), ROWS);

	/* Its graph came with the checkpoint: searches agree with a scan. */
	double sum = 0;
	for (int q = 0; q < 20; q++) {
		uint64_t got[10], truth[10];
		int ng =
		    st_search(cl, down, GROUP, vecs + (size_t)q * 997 * DIM, DIM, 10, 64, false, -1, got);
		int nt =
		    st_search(cl, down, GROUP, vecs + (size_t)q * 997 * DIM, DIM, 10, 0, true, -1, truth);
		CHECK(ng == 10 && nt == 10);
		sum += st_recall(got, ng, truth, nt);
	}
	printf("replica %u: recall@10 %.3f\n", down, sum / 20);
	CHECK(sum / 20 >= 0.95);
	if (test_failures)
		cluster_dump_logs(cl);
	cluster_destroy(cl);
	free(vecs);
	free(ids);
}

TEST_MAIN(TEST(test_replica_down_during_writes_catches_up_by_snapshot))
