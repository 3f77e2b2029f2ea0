/* merge_topk: the global top-k of several groups' local top-k lists,
 * nearest first, ties broken by key bytes whatever group answered first. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "test.h"

#define MAX_HITS 64

/* One group's answer built on the stack: hits with 1-byte keys. */
struct part {
	Omendb__SearchResponse resp;
	Omendb__SearchHit hit[MAX_HITS];
	Omendb__SearchHit *hitp[MAX_HITS];
	Omendb__Row row[MAX_HITS];
	uint8_t key[MAX_HITS];
};

/* Fills p with n hits, distances d[i] and keys k[i], in the order given. */
static void part_init(struct part *p, size_t n, const float *d, const uint8_t *k)
{
	memset(p, 0, sizeof *p);
	omendb__search_response__init(&p->resp);
	for (size_t i = 0; i < n; i++) {
		omendb__search_hit__init(&p->hit[i]);
		omendb__row__init(&p->row[i]);
		p->key[i] = k[i];
		p->row[i].key.data = &p->key[i];
		p->row[i].key.len = 1;
		p->hit[i].distance = d[i];
		p->hit[i].row = &p->row[i];
		p->hitp[i] = &p->hit[i];
	}
	p->resp.hits = p->hitp;
	p->resp.n_hits = n;
}

static uint8_t key_of(const Omendb__SearchHit *h)
{
	return h->row->key.len ? h->row->key.data[0] : 0;
}

static void test_merges_sorted_parts_nearest_first(void)
{
	struct part a, b, c;
	part_init(&a, 3, (float[]){0.1f, 0.4f, 0.9f}, (uint8_t[]){1, 4, 9});
	part_init(&b, 3, (float[]){0.2f, 0.3f, 0.8f}, (uint8_t[]){2, 3, 8});
	part_init(&c, 2, (float[]){0.5f, 0.6f}, (uint8_t[]){5, 6});
	Omendb__SearchResponse *parts[] = {&a.resp, &b.resp, &c.resp};
	Omendb__SearchHit *out[8];
	size_t n = merge_topk(parts, 3, 8, out);
	CHECK_EQ_INT(n, 8);
	static const uint8_t want[] = {1, 2, 3, 4, 5, 6, 8, 9};
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_INT(key_of(out[i]), want[i]);
	/* The pointers point into the parts. */
	CHECK(out[0] == &a.hit[0]);
	CHECK(out[1] == &b.hit[0]);
}

static void test_k_smaller_than_total_keeps_the_k_nearest(void)
{
	struct part a, b;
	part_init(&a, 4, (float[]){1, 2, 3, 4}, (uint8_t[]){10, 20, 30, 40});
	part_init(&b, 4, (float[]){1.5f, 2.5f, 3.5f, 4.5f}, (uint8_t[]){15, 25, 35, 45});
	Omendb__SearchResponse *parts[] = {&a.resp, &b.resp};
	Omendb__SearchHit *out[3];
	CHECK_EQ_INT(merge_topk(parts, 2, 3, out), 3);
	CHECK_EQ_INT(key_of(out[0]), 10);
	CHECK_EQ_INT(key_of(out[1]), 15);
	CHECK_EQ_INT(key_of(out[2]), 20);
	Omendb__SearchHit *one[1];
	CHECK_EQ_INT(merge_topk(parts, 2, 1, one), 1);
	CHECK_EQ_INT(key_of(one[0]), 10);
}

static void test_k_larger_than_total_returns_every_hit(void)
{
	struct part a, b;
	part_init(&a, 2, (float[]){0.5f, 0.7f}, (uint8_t[]){5, 7});
	part_init(&b, 1, (float[]){0.6f}, (uint8_t[]){6});
	Omendb__SearchResponse *parts[] = {&a.resp, &b.resp};
	Omendb__SearchHit *out[100];
	CHECK_EQ_INT(merge_topk(parts, 2, 100, out), 3);
	CHECK_EQ_INT(key_of(out[0]), 5);
	CHECK_EQ_INT(key_of(out[1]), 6);
	CHECK_EQ_INT(key_of(out[2]), 7);
}

static void test_empty_and_null_parts_are_skipped(void)
{
	struct part a, empty;
	part_init(&a, 2, (float[]){0.1f, 0.2f}, (uint8_t[]){1, 2});
	part_init(&empty, 0, NULL, NULL);
	Omendb__SearchResponse *parts[] = {NULL, &empty.resp, &a.resp, NULL};
	Omendb__SearchHit *out[4];
	CHECK_EQ_INT(merge_topk(parts, 4, 4, out), 2);
	CHECK_EQ_INT(key_of(out[0]), 1);
	CHECK_EQ_INT(key_of(out[1]), 2);
	Omendb__SearchResponse *none[] = {NULL, &empty.resp};
	CHECK_EQ_INT(merge_topk(none, 2, 4, out), 0);
	CHECK_EQ_INT(merge_topk(none, 0, 4, out), 0);
	CHECK_EQ_INT(merge_topk(NULL, 0, 4, out), 0);
	CHECK_EQ_INT(merge_topk(parts, 4, 0, NULL), 0);
}

static void test_equal_distances_are_ordered_by_key(void)
{
	/* Group b answers the smaller keys; a shard's own ties come in any
	 * order (part a lists 9 before 3). */
	struct part a, b;
	part_init(&a, 3, (float[]){1, 1, 2}, (uint8_t[]){9, 3, 1});
	part_init(&b, 2, (float[]){1, 1}, (uint8_t[]){4, 2});
	Omendb__SearchResponse *ab[] = {&a.resp, &b.resp}, *ba[] = {&b.resp, &a.resp};
	Omendb__SearchHit *out[5];
	static const uint8_t want[] = {2, 3, 4, 9, 1};
	CHECK_EQ_INT(merge_topk(ab, 2, 5, out), 5);
	for (size_t i = 0; i < 5; i++)
		CHECK_EQ_INT(key_of(out[i]), want[i]);
	/* The same answer whichever group comes first. */
	CHECK_EQ_INT(merge_topk(ba, 2, 5, out), 5);
	for (size_t i = 0; i < 5; i++)
		CHECK_EQ_INT(key_of(out[i]), want[i]);
}

static void test_k_cutting_a_tie_keeps_the_smallest_keys(void)
{
	struct part a, b;
	part_init(&a, 3, (float[]){0.5f, 1, 1}, (uint8_t[]){50, 8, 6});
	part_init(&b, 3, (float[]){1, 1, 1}, (uint8_t[]){7, 9, 5});
	Omendb__SearchResponse *parts[] = {&a.resp, &b.resp};
	Omendb__SearchHit *out[3];
	CHECK_EQ_INT(merge_topk(parts, 2, 3, out), 3);
	CHECK_EQ_INT(key_of(out[0]), 50);
	CHECK_EQ_INT(key_of(out[1]), 5);
	CHECK_EQ_INT(key_of(out[2]), 6);
}

static void test_equal_distance_and_key_keep_part_order(void)
{
	/* Two groups answering the same key (a row mid-move, or a bug) at the
	 * same distance: the earlier part's hit comes first, both times. */
	struct part a, b;
	part_init(&a, 1, (float[]){1}, (uint8_t[]){3});
	part_init(&b, 1, (float[]){1}, (uint8_t[]){3});
	Omendb__SearchResponse *parts[] = {&a.resp, &b.resp};
	Omendb__SearchHit *out[2];
	CHECK_EQ_INT(merge_topk(parts, 2, 2, out), 2);
	CHECK(out[0] == &a.hit[0]);
	CHECK(out[1] == &b.hit[0]);
	Omendb__SearchResponse *rev[] = {&b.resp, &a.resp};
	CHECK_EQ_INT(merge_topk(rev, 2, 2, out), 2);
	CHECK(out[0] == &b.hit[0]);
	CHECK(out[1] == &a.hit[0]);
}

static void test_keys_compare_as_bytes_a_prefix_first(void)
{
	struct part a, b;
	part_init(&a, 1, (float[]){1}, (uint8_t[]){0});
	part_init(&b, 1, (float[]){1}, (uint8_t[]){0x7f});
	uint8_t longer[2] = {0x7f, 0x00};
	a.row[0].key.data = longer;
	a.row[0].key.len = 2;
	Omendb__SearchResponse *parts[] = {&a.resp, &b.resp};
	Omendb__SearchHit *out[2];
	CHECK_EQ_INT(merge_topk(parts, 2, 2, out), 2);
	CHECK(out[0] == &b.hit[0]); /* {7f} is a prefix of {7f 00} */
	CHECK(out[1] == &a.hit[0]);
	longer[0] = 0x01;
	CHECK_EQ_INT(merge_topk(parts, 2, 2, out), 2);
	CHECK(out[0] == &a.hit[0]); /* {01 00} < {7f}: bytes before length */
	CHECK(out[1] == &b.hit[0]);
}

static void test_nan_distances_sort_last_and_rowless_hits_are_skipped(void)
{
	struct part a, b;
	part_init(&a, 2, (float[]){0.5f, NAN}, (uint8_t[]){1, 2});
	part_init(&b, 3, (float[]){0.1f, 0.7f, 0.9f}, (uint8_t[]){3, 4, 5});
	b.hit[1].row = NULL; /* a malformed answer */
	Omendb__SearchResponse *parts[] = {&a.resp, &b.resp};
	Omendb__SearchHit *out[5];
	CHECK_EQ_INT(merge_topk(parts, 2, 5, out), 4);
	CHECK_EQ_INT(key_of(out[0]), 3);
	CHECK_EQ_INT(key_of(out[1]), 1);
	CHECK_EQ_INT(key_of(out[2]), 5);
	CHECK_EQ_INT(key_of(out[3]), 2);
	CHECK(isnan(out[3]->distance));
}

/* Many parts (more than fit the stack's cursors) give the same answer as
 * a sort of all their hits. */
static int cmp_ref(const void *x, const void *y)
{
	const Omendb__SearchHit *a = *(Omendb__SearchHit *const *)x, *b = *(Omendb__SearchHit *const *)y;
	if (a->distance != b->distance)
		return a->distance < b->distance ? -1 : 1;
	return (int)key_of(a) - (int)key_of(b);
}

static void test_many_parts_match_a_full_sort(void)
{
	enum { PARTS = 300, PER = 3, K = 50 };
	struct part *p = calloc(PARTS, sizeof *p);
	Omendb__SearchResponse **parts = calloc(PARTS, sizeof *parts);
	Omendb__SearchHit **all = calloc(PARTS * PER, sizeof *all);
	CHECK(p && parts && all);
	if (!p || !parts || !all)
		goto out;
	uint32_t s = 12345;
	size_t nall = 0;
	for (size_t i = 0; i < PARTS; i++) {
		float d[PER];
		uint8_t k[PER];
		float base = 0;
		for (size_t j = 0; j < PER; j++) {
			s = s * 1103515245u + 12345u;
			base += (float)((s >> 16) % 8); /* nondecreasing, many ties */
			d[j] = base;
			k[j] = (uint8_t)(s >> 8);
		}
		part_init(&p[i], PER, d, k);
		parts[i] = &p[i].resp;
		for (size_t j = 0; j < PER; j++)
			all[nall++] = &p[i].hit[j];
	}
	qsort(all, nall, sizeof *all, cmp_ref);
	Omendb__SearchHit *out[K];
	CHECK_EQ_INT(merge_topk(parts, PARTS, K, out), K);
	for (size_t i = 0; i < K; i++) {
		CHECK(out[i]->distance == all[i]->distance);
		CHECK_EQ_INT(key_of(out[i]), key_of(all[i]));
	}
out:
	free(p);
	free(parts);
	free(all);
}

TEST_MAIN(TEST(test_merges_sorted_parts_nearest_first), TEST(test_k_smaller_than_total_keeps_the_k_nearest),
	  TEST(test_k_larger_than_total_returns_every_hit), TEST(test_empty_and_null_parts_are_skipped),
	  TEST(test_equal_distances_are_ordered_by_key), TEST(test_k_cutting_a_tie_keeps_the_smallest_keys),
	  TEST(test_equal_distance_and_key_keep_part_order), TEST(test_keys_compare_as_bytes_a_prefix_first),
	  TEST(test_nan_distances_sort_last_and_rowless_hits_are_skipped),
	  TEST(test_many_parts_match_a_full_sort))
