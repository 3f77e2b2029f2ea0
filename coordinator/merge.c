/* merge_topk (merge.h): a k-way merge of the groups' local top-k lists with
 * a binary heap of cursors, then an ordering by key among equal distances.
 * A shard orders equal distances arbitrarily, so the key order is restored
 * here, and at the k-th place every remaining hit at the same distance is
 * considered so that the smallest keys are kept, whichever group they came
 * from. NaN distances sort after every number, as in shard/read.c. */
#include "merge.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Parts merged with cursors on the stack; more take one allocation. */
#define MERGE_STACK_PARTS 256

struct cursor {
	Omendb__SearchHit *const *next, *const *end;
	size_t part; /* orders hits equal in distance and key */
};

static int distance_cmp(float a, float b)
{
	bool na = isnan(a), nb = isnan(b);
	if (na || nb)
		return (int)na - (int)nb;
	return a < b ? -1 : a > b;
}

/* Key bytes in memcmp order, a prefix first. */
static int key_cmp(const Omendb__SearchHit *a, const Omendb__SearchHit *b)
{
	const ProtobufCBinaryData *x = &a->row->key, *y = &b->row->key;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = n ? memcmp(x->data, y->data, n) : 0;
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int hit_cmp(const Omendb__SearchHit *a, const Omendb__SearchHit *b)
{
	int c = distance_cmp(a->distance, b->distance);
	return c ? c : key_cmp(a, b);
}

/* Skips hits without a row (a malformed answer): nothing to return there. */
static bool cursor_settle(struct cursor *c)
{
	while (c->next < c->end && !(*c->next)->row)
		c->next++;
	return c->next < c->end;
}

static bool cursor_before(const struct cursor *a, const struct cursor *b)
{
	int c = hit_cmp(*a->next, *b->next);
	return c ? c < 0 : a->part < b->part;
}

static void sift_down(struct cursor *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && cursor_before(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && cursor_before(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct cursor t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Advances the heap's top cursor; returns the new heap size. */
static size_t heap_advance(struct cursor *h, size_t n)
{
	h[0].next++;
	if (!cursor_settle(&h[0]))
		h[0] = h[--n];
	sift_down(h, n, 0);
	return n;
}

/* Inserts hit into out[0..n) (sorted by hit_cmp) after its equals. */
static void insert_sorted(Omendb__SearchHit **out, size_t n, Omendb__SearchHit *hit)
{
	size_t j = n;
	while (j > 0 && hit_cmp(out[j - 1], hit) > 0) {
		out[j] = out[j - 1];
		j--;
	}
	out[j] = hit;
}

size_t merge_topk(Omendb__SearchResponse *const *parts, size_t n, size_t k, Omendb__SearchHit **out)
{
	if (k == 0 || !parts)
		return 0;
	struct cursor stack[MERGE_STACK_PARTS];
	struct cursor *h = stack;
	if (n > MERGE_STACK_PARTS && !(h = malloc(n * sizeof *h)))
		return 0;
	size_t nh = 0;
	for (size_t p = 0; p < n; p++) {
		if (!parts[p] || parts[p]->n_hits == 0)
			continue;
		h[nh] = (struct cursor){parts[p]->hits, parts[p]->hits + parts[p]->n_hits, p};
		if (cursor_settle(&h[nh]))
			nh++;
	}
	for (size_t i = nh / 2; i-- > 0;)
		sift_down(h, nh, i);

	/* Nearest first by distance; within a run of equal distances the
	 * insertion keeps key order (a part's own ties may come in any). */
	size_t m = 0;
	while (m < k && nh > 0) {
		insert_sorted(out, m++, *h[0].next);
		nh = heap_advance(h, nh);
	}
	/* Hits still tied with the k-th: a smaller key takes its place. */
	while (m == k && nh > 0 && distance_cmp((*h[0].next)->distance, out[k - 1]->distance) == 0) {
		Omendb__SearchHit *hit = *h[0].next;
		if (key_cmp(hit, out[k - 1]) < 0)
			insert_sorted(out, k - 1, hit);
		nh = heap_advance(h, nh);
	}
	if (h != stack)
		free(h);
	return m;
}
