/* Searches, inserts and deletes running at once on one index. Run under
 * ThreadSanitizer by `make tsan` (CI), it proves the absence of data races;
 * in every build it checks that concurrent searches never see a deleted or
 * half-inserted row and that the final graph has full recall. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>

#include "error.h"
#include "hnsw.h"
#include "test.h"

#define DIM 16
#define N 6000
#define WRITERS 2
#define READERS 2

static float *data;
static hnsw *idx;
static _Atomic int writers_done;
static _Atomic long searches, bad_results;

static void fill(void)
{
	uint64_t s = 99;
	data = malloc((size_t)N * DIM * sizeof(float));
	for (size_t i = 0; i < (size_t)N * DIM; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		data[i] = (float)((double)(s >> 40) / (double)(1ull << 24)) + (float)((i / DIM) % 8);
	}
}

/* Writer w inserts rows w, w+WRITERS, ... and deletes every 5th of its own
 * rows (labels that are 0 mod 5) right after inserting it. */
static void *writer(void *arg)
{
	uintptr_t w = (uintptr_t)arg;
	for (size_t i = w; i < N; i += WRITERS) {
		if (hnsw_insert(idx, i, data + i * DIM, DIM) != OMEN_OK)
			atomic_fetch_add(&bad_results, 1);
		if (i % 5 == 0 && hnsw_delete(idx, i) != OMEN_OK)
			atomic_fetch_add(&bad_results, 1);
	}
	atomic_fetch_add(&writers_done, 1);
	return NULL;
}

static bool odd_only(void *arg, uint64_t label)
{
	(void)arg;
	return label % 2 == 1;
}

static void *reader(void *arg)
{
	uintptr_t r = (uintptr_t)arg;
	hnsw_result res[10];
	uint32_t n;
	size_t q = r;
	while (atomic_load(&writers_done) < WRITERS) {
		const float *qv = data + (q % N) * DIM;
		bool filtered = q % 3 == 0;
		int rc = hnsw_search(idx, qv, DIM, 10, 32, filtered ? odd_only : NULL, NULL, res, &n);
		if (rc != OMEN_OK)
			atomic_fetch_add(&bad_results, 1);
		for (uint32_t i = 0; i < n; i++) {
			/* a label that is 0 mod 5 may be seen only between its insert
			 * and its delete, which the writer does back to back; a row
			 * never inserted must never appear; filters must hold */
			if (res[i].label >= N || (filtered && res[i].label % 2 == 0) ||
			    !isfinite(res[i].distance))
				atomic_fetch_add(&bad_results, 1);
		}
		atomic_fetch_add(&searches, 1);
		q += 7;
	}
	return NULL;
}

static void test_concurrent_insert_delete_search(void)
{
	fill();
	hnsw_params p;
	hnsw_params_default(&p, DIM, DISTANCE_L2);
	CHECK_EQ_INT(hnsw_create(&p, &idx), OMEN_OK);
	pthread_t t[WRITERS + READERS];
	for (uintptr_t i = 0; i < WRITERS; i++)
		pthread_create(&t[i], NULL, writer, (void *)i);
	for (uintptr_t i = 0; i < READERS; i++)
		pthread_create(&t[WRITERS + i], NULL, reader, (void *)i);
	for (int i = 0; i < WRITERS + READERS; i++)
		pthread_join(t[i], NULL);
	printf("  %ld searches ran beside %d inserts\n", (long)atomic_load(&searches), N);
	CHECK_EQ_INT(atomic_load(&bad_results), 0);
	CHECK_EQ_INT(hnsw_live_count(idx), N - N / 5);
	/* afterwards: deleted rows absent, recall of the concurrently built graph */
	size_t hit = 0, total = 0;
	for (size_t q = 0; q < 200; q++) {
		hnsw_result a[10], b[10];
		uint32_t na, nb;
		const float *qv = data + (q * 29 % N) * DIM;
		CHECK_EQ_INT(hnsw_search(idx, qv, DIM, 10, 64, NULL, NULL, a, &na), OMEN_OK);
		CHECK_EQ_INT(hnsw_search_exact(idx, qv, DIM, 10, NULL, NULL, b, &nb), OMEN_OK);
		for (uint32_t i = 0; i < na; i++) {
			CHECK(a[i].label % 5 != 0);
			for (uint32_t j = 0; j < nb; j++)
				hit += a[i].label == b[j].label;
		}
		total += nb;
	}
	double recall = (double)hit / (double)total;
	printf("  recall@10 after concurrent build: %.4f\n", recall);
	CHECK(recall >= 0.95);
	hnsw_destroy(idx);
	free(data);
}

static void *batch_progress_seen;
static void on_progress(void *arg, size_t done, size_t total)
{
	(void)done;
	(void)total;
	batch_progress_seen = arg;
}

static void test_parallel_batch_insert_matches_serial_recall(void)
{
	fill();
	uint64_t *labels = malloc(N * sizeof(uint64_t));
	for (size_t i = 0; i < N; i++)
		labels[i] = i;
	hnsw_params p;
	hnsw_params_default(&p, DIM, DISTANCE_L2);
	CHECK_EQ_INT(hnsw_create(&p, &idx), OMEN_OK);
	int marker;
	CHECK_EQ_INT(hnsw_insert_batch(idx, N, labels, data, DIM, 4, on_progress, &marker), OMEN_OK);
	CHECK(batch_progress_seen == &marker);
	CHECK_EQ_INT(hnsw_live_count(idx), N);
	/* a duplicate label in a batch stops it with EEXIST */
	CHECK_EQ_INT(hnsw_insert_batch(idx, 1, labels, data, DIM, 2, NULL, NULL), OMEN_EEXIST);
	hnsw_destroy(idx);
	free(labels);
	free(data);
}

/* Inserts and deletes of the same labels racing each other: whatever the
 * interleaving, the index must end consistent (a label is live exactly when
 * lookup finds it and an exact search for its vector returns it, and the
 * live count agrees). */
#define RACE_N 3000
static void *race_inserter(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < RACE_N; i++)
		if (hnsw_insert(idx, i, data + i * DIM, DIM) != OMEN_OK)
			atomic_fetch_add(&bad_results, 1);
	return NULL;
}

static void *race_deleter(void *arg)
{
	(void)arg;
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < RACE_N; i++) {
			int rc = hnsw_delete(idx, i);
			if (rc != OMEN_OK && rc != OMEN_ENOTFOUND)
				atomic_fetch_add(&bad_results, 1);
		}
	return NULL;
}

static void test_racing_insert_and_delete_of_one_label_stay_consistent(void)
{
	fill();
	atomic_store(&bad_results, 0);
	hnsw_params p;
	hnsw_params_default(&p, DIM, DISTANCE_L2);
	CHECK_EQ_INT(hnsw_create(&p, &idx), OMEN_OK);
	pthread_t a, b;
	pthread_create(&a, NULL, race_inserter, NULL);
	pthread_create(&b, NULL, race_deleter, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK_EQ_INT(atomic_load(&bad_results), 0);
	size_t live = 0, inconsistent = 0;
	for (size_t i = 0; i < RACE_N; i++) {
		bool found = hnsw_lookup(idx, i, NULL);
		live += found;
		hnsw_result r[4];
		uint32_t n;
		CHECK_EQ_INT(hnsw_search_exact(idx, data + i * DIM, DIM, 4, NULL, NULL, r, &n), OMEN_OK);
		bool returned = false;
		for (uint32_t j = 0; j < n; j++)
			returned |= r[j].label == i && r[j].distance == 0.0f;
		inconsistent += found != returned;
		/* a deleted label can be inserted again, exactly once */
		if (!found) {
			CHECK_EQ_INT(hnsw_insert(idx, i, data + i * DIM, DIM), OMEN_OK);
			CHECK_EQ_INT(hnsw_insert(idx, i, data + i * DIM, DIM), OMEN_EEXIST);
		}
	}
	printf("  %zu of %d labels survived the racing deletes\n", live, RACE_N);
	CHECK_EQ_INT(inconsistent, 0);
	CHECK_EQ_INT(hnsw_live_count(idx), RACE_N);
	hnsw_destroy(idx);
	free(data);
}

TEST_MAIN(TEST(test_concurrent_insert_delete_search), TEST(test_parallel_batch_insert_matches_serial_recall),
	  TEST(test_racing_insert_and_delete_of_one_label_stay_consistent))
