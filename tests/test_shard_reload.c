/* A replica holding 100,000 vectors restarts (kill -9) and serves searches
 * from the graph it reloads from RocksDB, without rebuilding it. Prints the
 * reload time next to the build time. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "shardtest.h"
#include "test.h"

#define GROUP 3
#define DIM 64
#define ROWS 100000
#define BATCH 1000

/* The index's status on replica 0; false if it has none yet. */
static bool index_status(cluster *cl, Omendb__IndexStatus *out)
{
	Omendb__Response *r = NULL;
	if (cluster_status(cl, 0, &r) != OMEN_OK)
		return false;
	bool found = false;
	const Omendb__StatusResponse *s = r->status_info;
	for (size_t t = 0; t < s->n_tables && !found; t++) {
		if (s->tables[t]->table_id == ST_TABLE && s->tables[t]->n_indexes == 1) {
			*out = *s->tables[t]->indexes[0];
			out->name = NULL;
			found = true;
		}
	}
	omendb__response__free_unpacked(r, NULL);
	return found;
}

static double recall(cluster *cl, const float *vecs)
{
	double sum = 0;
	for (int q = 0; q < 20; q++) {
		uint64_t got[10], truth[10];
		const float *qv = vecs + (size_t)q * 4999 * DIM;
		int ng = st_search(cl, 0, GROUP, qv, DIM, 10, 64, false, -1, got);
		int nt = st_search(cl, 0, GROUP, qv, DIM, 10, 0, true, -1, truth);
		CHECK(ng == 10 && nt == 10);
		sum += st_recall(got, ng, truth, nt);
	}
	return sum / 20;
}

static void test_restart_reloads_graph_without_rebuilding(void)
{
	cluster_options o = {.group = GROUP, .replicas = 1};
	cluster *cl;
	CHECK_EQ_INT(cluster_start(&o, &cl), OMEN_OK);
	unsigned leader;
	CHECK_EQ_INT(cluster_wait_leader(cl, 30000, &leader), OMEN_OK);
	CHECK_EQ_INT(st_create_table(cl, GROUP, DIM), OMENDB__STATUS__STATUS_OK);
	float *vecs = malloc((size_t)ROWS * DIM * sizeof *vecs);
	uint64_t *ids = malloc(ROWS * sizeof *ids);
	st_vectors(vecs, ROWS, DIM, 11);
	for (size_t i = 0; i < ROWS; i++)
		ids[i] = i + 1;
	double t0 = st_now();
	for (size_t off = 0; off < ROWS; off += BATCH)
		CHECK_EQ_INT(st_write(cl, GROUP, DIM, ids + off, vecs + off * DIM, BATCH, 60000),
			     OMENDB__STATUS__STATUS_OK);
	printf("loaded %d rows of %d dimensions in %.1f s\n", ROWS, DIM, st_now() - t0);

	/* The index builds in the background; status shows its progress. */
	CHECK_EQ_INT(st_create_index(cl, GROUP, 16, 64), OMENDB__STATUS__STATUS_OK);
	Omendb__IndexStatus is;
	double deadline = st_now() + 300;
	bool ready = false;
	while (st_now() < deadline && !ready) {
		if (index_status(cl, &is))
			ready = is.state == OMENDB__INDEX_STATE__INDEX_READY;
		if (!ready)
			usleep(200000);
	}
	CHECK(ready);
	double build = is.build_seconds;
	CHECK_EQ_INT(is.nodes, ROWS);
	double before = recall(cl, vecs);
	printf("index built in %.2f s; recall@10 %.3f\n", build, before);
	CHECK(before >= 0.95);

	CHECK_EQ_INT(cluster_kill(cl, 0), OMEN_OK);
	t0 = st_now();
	CHECK_EQ_INT(cluster_restart(cl, 0), OMEN_OK);
	CHECK_EQ_INT(cluster_wait_leader(cl, 60000, &leader), OMEN_OK);
	double serving = st_now() - t0;
	CHECK(index_status(cl, &is));
	printf("after kill -9: serving in %.2f s, graph reloaded in %.3f s (build took %.2f s, %.1fx)\n",
	       serving, is.load_seconds, build, is.load_seconds > 0 ? build / is.load_seconds : 0.0);
	CHECK_EQ_INT(is.state, OMENDB__INDEX_STATE__INDEX_READY);
	CHECK(is.load_seconds > 0);
	CHECK(is.build_seconds == 0); /* nothing was rebuilt */
	CHECK_EQ_INT(is.nodes, ROWS);
	double after = recall(cl, vecs);
	printf("recall@10 after the restart %.3f\n", after);
	CHECK(after >= 0.95);
	if (test_failures)
		cluster_dump_logs(cl);
	cluster_destroy(cl);
	free(vecs);
	free(ids);
}

TEST_MAIN(TEST(test_restart_reloads_graph_without_rebuilding))
