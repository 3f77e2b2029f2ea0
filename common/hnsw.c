/* HNSW index: storage, insertion (Algorithm 1), layer search (Algorithm 2),
 * neighbour selection heuristic (Algorithm 4), filtered and exact search,
 * deletion with tombstones and vacuum, and graph save/restore.
 *
 * Storage. Nodes live in chunks of 2^chunk_bits slots that never move once
 * allocated, so readers need no lock to reach a node. A node is one 64-byte
 * aligned block: [header u32][level u32][label u64][upper-list pointer]
 * [2m level-0 link ids u32][padding to 64 B][vector]. The header holds the
 * level-0 link count and the PRESENT/DELETED flags; label and header share a
 * cache line, which filtered walks read for every node. Upper-level lists
 * ([count][m ids] per level) are allocated per node.
 *
 * Concurrency. Link lists and headers are written under a striped mutex with
 * release stores and read without locks with acquire loads; a node's vector
 * and label are written before the node is first linked, so any reader that
 * reaches a node through a link sees them. Inserts that raise the top level
 * are serialised by entry_lock. */
#include "hnsw.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"

#define MAX_NODES 0x7fffffffu /* bit 31 of a pool entry marks "expanded" */
#define HDR_COUNT 0xffffu
#define HDR_PRESENT (1u << 30)
#define HDR_DELETED (1u << 31)
#define EXPANDED (1u << 31)
#define NSTRIPES 1024u
#define PREFETCH_AHEAD 3u      /* neighbours whose vectors are in flight */
#define PREFETCH_MAX_LINES 16u /* a block's first lines; the CPU streams the rest */
#define HUGE_PAGE ((size_t)2 << 20)

/* One beam (HNSW_MAX_EF_CONSTRUCTION + 1 entries) serves inserts and searches. */
_Static_assert(HNSW_MAX_EF_SEARCH <= HNSW_MAX_EF_CONSTRUCTION, "the search beam is too small");
#define FILTER_SAMPLE 512u
#define FILTER_EXACT_FACTOR 16u /* go exact below 16 * max(ef, k) estimated matches */

struct chunk {
	char *blocks;
};

/* The fixed front of every block; level-0 link ids follow it. */
struct node_head {
	uint32_t hdr;
	uint32_t level;
	uint64_t label;
	uint32_t *upper;
};

struct retired {
	struct retired *next;
	struct chunk *table;
};

struct cand {
	float d;
	uint32_t id;
};

/* Per-search scratch, pooled so that searches allocate nothing. */
struct ctx {
	uint16_t *tags; /* visited[id] == epoch */
	size_t tags_cap;
	uint16_t epoch;
	struct cand *pool; /* sorted beam, HNSW_MAX_EF_CONSTRUCTION + 1 */
	struct cand *sel;  /* neighbour selection */
	struct cand *tmp;  /* pruning a neighbour's list */
	uint32_t *nb;	   /* unvisited neighbours of the node being expanded */
	struct cand *heap_a, *heap_b;
	size_t heap_a_cap, heap_b_cap;
	uint32_t *stack;
	size_t stack_cap;
	float *qbuf;	/* normalised query or vector */
	float *vbuf;	/* a stored vector decoded to float32 (heuristic) */
	float *ebuf;	/* the base vector of a pruning or repair */
	uint16_t *hbuf; /* a vector encoded for float16 storage */
};

struct hnsw {
	hnsw_params p;
	distance_fn fn;
	distance_bounded_fn bounded; /* l2 and cosine: may stop reading early */
	distance_half_fn hfn;	     /* the same two for float16 storage */
	distance_half_bounded_fn hbounded;
	void (*decode)(const uint16_t *in, float *out, size_t n);
	bool half;   /* float16 storage */
	size_t esz;  /* bytes per stored element */
	bool negate; /* ip orders by -dot */
	uint32_t m, m0;
	size_t vec_off, stride;
	unsigned chunk_bits;
	uint32_t chunk_mask;
	size_t chunk_bytes; /* mapping size, a multiple of 2 MiB */
	double ml;

	struct chunk *_Atomic chunks;
	uint32_t chunk_cap, nchunks; /* under grow_lock */
	struct retired *retired;
	_Atomic uint32_t n;
	_Atomic uint64_t entry; /* level << 32 | id */
	_Atomic size_t live, deleted, upper_bytes;

	pthread_mutex_t grow_lock;
	pthread_mutex_t entry_lock;
	pthread_mutex_t stripes[NSTRIPES];

	/* label -> id, open addressing over ids only: the label is compared
	 * with the node's own head, which map_put writes under map_lock. */
	pthread_mutex_t map_lock;
	uint32_t *map_vals;
	size_t map_cap, map_used, map_live; /* used counts tombstones, live not */

	uint32_t *free_ids; /* reclaimed slots, under grow_lock */
	size_t nfree, free_cap;

	pthread_mutex_t ctx_lock;
	struct ctx **ctx_free;
	size_t nctx, ctx_cap, ctx_total;

	hnsw_touch_fn touch; /* told of every node whose record or links change */
	void *touch_arg;
};

static inline void touched(hnsw *h, uint32_t id, bool record)
{
	if (h->touch)
		h->touch(h->touch_arg, id, record);
}

#define MAP_EMPTY UINT32_MAX
#define MAP_TOMB (UINT32_MAX - 1)
#define ENTRY_NONE ((uint64_t)HNSW_NO_NODE)

/* ---------- small helpers ---------- */

static inline uint32_t load_acq(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
static inline void store_rel(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline struct chunk *chunk_of(const hnsw *h, uint32_t id)
{
	struct chunk *t = atomic_load_explicit(&((hnsw *)h)->chunks, memory_order_acquire);
	return &t[id >> h->chunk_bits];
}

static inline char *block(const hnsw *h, uint32_t id)
{
	return chunk_of(h, id)->blocks + (size_t)(id & h->chunk_mask) * h->stride;
}

/* The stored vector: float32 or binary16 by h->half. */
static inline const void *vec_of(const hnsw *h, uint32_t id)
{
	return block(h, id) + h->vec_off;
}

/* The stored vector of id as float32: in place for float32 storage,
 * decoded into buf for float16. */
static inline const float *stored_f32(const hnsw *h, uint32_t id, float *buf)
{
	if (!h->half)
		return vec_of(h, id);
	h->decode(vec_of(h, id), buf, h->p.dim);
	return buf;
}

static inline struct node_head *head_of(const hnsw *h, uint32_t id)
{
	return (struct node_head *)(void *)block(h, id);
}

static inline uint32_t *hdr_of(const hnsw *h, uint32_t id)
{
	return &head_of(h, id)->hdr;
}
static inline uint32_t level_of(const hnsw *h, uint32_t id)
{
	return head_of(h, id)->level;
}

static inline bool is_deleted(const hnsw *h, uint32_t id)
{
	return (load_acq(hdr_of(h, id)) & HDR_DELETED) != 0;
}

static inline bool is_present(const hnsw *h, uint32_t id)
{
	return (load_acq(hdr_of(h, id)) & HDR_PRESENT) != 0;
}
static inline uint64_t label_of(const hnsw *h, uint32_t id)
{
	return head_of(h, id)->label;
}

/* The word holding the link count of node id on level (on level 0 it is
 * the header, whose high bits are flags), and the ids that follow. */
static inline uint32_t *count_of(const hnsw *h, uint32_t id, uint32_t level)
{
	if (level == 0)
		return hdr_of(h, id);
	return head_of(h, id)->upper + (size_t)(level - 1) * (h->m + 1);
}

static inline uint32_t *ids_of(const hnsw *h, uint32_t id, uint32_t level)
{
	if (level == 0)
		return (uint32_t *)(void *)(block(h, id) + sizeof(struct node_head));
	return head_of(h, id)->upper + (size_t)(level - 1) * (h->m + 1) + 1;
}

static inline uint32_t max_links(const hnsw *h, uint32_t level)
{
	return level == 0 ? h->m0 : h->m;
}

/* Distance between a float32 vector and a stored one. */
static inline float dist(const hnsw *h, const float *a, const void *b)
{
	float r = h->half ? h->hfn(a, b, h->p.dim) : h->fn(a, b, h->p.dim);
	return h->negate ? -r : r;
}

/* dist(a, b) when it is below bound; otherwise some value >= bound. */
static inline float dist_below(const hnsw *h, const float *a, const void *b, float bound)
{
	if (h->half && h->hbounded)
		return h->hbounded(a, b, h->p.dim, bound);
	if (!h->half && h->bounded)
		return h->bounded(a, b, h->p.dim, bound);
	return dist(h, a, b);
}

/* Internal order-preserving distance -> pgvector's distance. */
static inline float external_distance(const hnsw *h, float d)
{
	switch (h->p.metric) {
	case DISTANCE_L2:
		return sqrtf(d);
	case DISTANCE_COSINE:
		return d * 0.5f;
	default:
		return d;
	}
}

static inline void prefetch_vec(const hnsw *h, uint32_t id)
{
	const char *p = (const char *)vec_of(h, id);
	size_t lines = (h->p.dim * h->esz + 63) / 64;
	if (lines > PREFETCH_MAX_LINES)
		lines = PREFETCH_MAX_LINES;
	for (size_t i = 0; i < lines; i++)
		__builtin_prefetch(p + 64 * i, 0, 3);
}

static inline void prefetch_links(const hnsw *h, uint32_t id, uint32_t level)
{
	if (level == 0) {
		const char *p = block(h, id);
		for (size_t off = 0; off < h->vec_off; off += 64)
			__builtin_prefetch(p + off, 0, 3);
	} else {
		__builtin_prefetch(count_of(h, id, level), 0, 3);
	}
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Level ~ floor(-ln(U) * mL), drawn from the label so that the graph does
 * not depend on the order parallel inserts happen to run in. */
static uint32_t random_level(const hnsw *h, uint64_t label)
{
	uint64_t r = splitmix64(h->p.seed ^ splitmix64(label));
	double u = ((double)(r >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
	double l = -log(u) * h->ml;
	return l >= HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : (uint32_t)l;
}

/* ---------- binary max-heap of candidates ---------- */

static void heap_push(struct cand *a, size_t *n, struct cand x)
{
	size_t i = (*n)++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (a[parent].d >= x.d)
			break;
		a[i] = a[parent];
		i = parent;
	}
	a[i] = x;
}

static struct cand heap_pop(struct cand *a, size_t *n)
{
	struct cand top = a[0], x = a[--(*n)];
	size_t i = 0, len = *n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= len)
			break;
		if (c + 1 < len && a[c + 1].d > a[c].d)
			c++;
		if (a[c].d <= x.d)
			break;
		a[i] = a[c];
		i = c;
	}
	if (len > 0)
		a[i] = x;
	return top;
}

static int grow_cands(struct cand **a, size_t *cap, size_t need)
{
	if (need <= *cap)
		return OMEN_OK;
	size_t ncap = *cap ? *cap : 256;
	while (ncap < need)
		ncap *= 2;
	struct cand *na = realloc(*a, ncap * sizeof(*na));
	if (na == NULL)
		return OMEN_ENOMEM;
	*a = na;
	*cap = ncap;
	return OMEN_OK;
}

static void sort_cands(struct cand *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct cand x = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1].d > x.d) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* ---------- parameters, creation ---------- */

void hnsw_params_default(hnsw_params *p, uint32_t dim, distance_metric metric)
{
	p->dim = dim;
	p->metric = metric;
	p->m = HNSW_DEFAULT_M;
	p->ef_construction = HNSW_DEFAULT_EF_CONSTRUCTION;
	p->seed = 1;
	p->storage = HNSW_STORAGE_FLOAT32;
}

int hnsw_params_check(const hnsw_params *p)
{
	if (p == NULL)
		return OMEN_EINVAL;
	if (p->dim == 0 || p->dim > HNSW_MAX_DIM)
		return OMEN_EDIM;
	if ((int)p->metric < 0 || p->metric >= DISTANCE_METRIC_COUNT)
		return OMEN_EINVAL;
	if (p->m < HNSW_MIN_M || p->m > HNSW_MAX_M)
		return OMEN_EINVAL;
	if (p->ef_construction < HNSW_MIN_EF_CONSTRUCTION || p->ef_construction > HNSW_MAX_EF_CONSTRUCTION ||
	    p->ef_construction < 2 * p->m)
		return OMEN_EINVAL;
	if ((int)p->storage < 0 || p->storage >= HNSW_STORAGE_COUNT)
		return OMEN_EINVAL;
	return OMEN_OK;
}

int hnsw_create(const hnsw_params *p, hnsw **out)
{
	int rc = hnsw_params_check(p);
	if (rc != OMEN_OK)
		return rc;
	hnsw *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return OMEN_ENOMEM;
	h->p = *p;
	const distance_kernels *k = distance_best();
	switch (p->metric) {
	case DISTANCE_L2:
	case DISTANCE_COSINE: /* unit vectors: 1 - dot = |a - b|^2 / 2 */
		h->fn = k->l2sq;
		h->bounded = k->l2sq_bounded;
		h->hfn = k->half_l2sq;
		h->hbounded = k->half_l2sq_bounded;
		break;
	case DISTANCE_L1:
		h->fn = k->l1;
		h->hfn = k->half_l1;
		break;
	default:
		h->fn = k->dot;
		h->hfn = k->half_dot;
		h->negate = true;
		break;
	}
	h->decode = k->half_decode;
	h->half = p->storage == HNSW_STORAGE_FLOAT16;
	h->esz = h->half ? sizeof(uint16_t) : sizeof(float);
	h->m = p->m;
	h->m0 = 2 * p->m;
	h->vec_off = (sizeof(struct node_head) + (size_t)h->m0 * sizeof(uint32_t) + 63) & ~(size_t)63;
	h->stride = (h->vec_off + (size_t)p->dim * h->esz + 63) & ~(size_t)63;
	/* Chunks of at most 64 MiB and at most 65536 nodes. */
	h->chunk_bits = 16;
	while (h->chunk_bits > 4 && ((size_t)1 << h->chunk_bits) * h->stride > ((size_t)64 << 20))
		h->chunk_bits--;
	h->chunk_mask = (1u << h->chunk_bits) - 1;
	h->chunk_bytes = ((((size_t)1 << h->chunk_bits) * h->stride) + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	h->ml = 1.0 / log((double)p->m);
	atomic_init(&h->entry, ENTRY_NONE);
	pthread_mutex_init(&h->grow_lock, NULL);
	pthread_mutex_init(&h->entry_lock, NULL);
	pthread_mutex_init(&h->map_lock, NULL);
	pthread_mutex_init(&h->ctx_lock, NULL);
	for (unsigned i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&h->stripes[i], NULL);
	*out = h;
	return OMEN_OK;
}

static void ctx_free(struct ctx *c)
{
	if (c == NULL)
		return;
	free(c->tags);
	free(c->pool);
	free(c->sel);
	free(c->tmp);
	free(c->nb);
	free(c->heap_a);
	free(c->heap_b);
	free(c->stack);
	free(c->qbuf);
	free(c->vbuf);
	free(c->ebuf);
	free(c->hbuf);
	free(c);
}

void hnsw_destroy(hnsw *h)
{
	if (h == NULL)
		return;
	struct chunk *t = atomic_load(&h->chunks);
	uint32_t n = atomic_load(&h->n);
	for (uint32_t id = 0; id < n; id++)
		free(head_of(h, id)->upper);
	for (uint32_t i = 0; i < h->nchunks; i++)
		munmap(t[i].blocks, h->chunk_bytes);
	free(t);
	while (h->retired) {
		struct retired *r = h->retired;
		h->retired = r->next;
		free(r->table);
		free(r);
	}
	for (size_t i = 0; i < h->nctx; i++)
		ctx_free(h->ctx_free[i]);
	free(h->ctx_free);
	free(h->map_vals);
	free(h->free_ids);
	pthread_mutex_destroy(&h->grow_lock);
	pthread_mutex_destroy(&h->entry_lock);
	pthread_mutex_destroy(&h->map_lock);
	pthread_mutex_destroy(&h->ctx_lock);
	for (unsigned i = 0; i < NSTRIPES; i++)
		pthread_mutex_destroy(&h->stripes[i]);
	free(h);
}

const hnsw_params *hnsw_get_params(const hnsw *h)
{
	return &h->p;
}

/* ---------- slots and chunks ---------- */

/* Chunk memory: anonymous pages are zero (every head: not PRESENT, no upper
 * list) and committed only when first written. Chunks are 2 MiB aligned and
 * ask for transparent huge pages: a search touches blocks all over the
 * index, and 4 KiB pages would make most of those touches TLB misses. */
static char *map_chunk(size_t bytes, size_t used, bool huge)
{
	size_t span = bytes + HUGE_PAGE;
	char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	char *mem = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (mem > raw)
		munmap(raw, (size_t)(mem - raw));
	munmap(mem + bytes, (size_t)(raw + span - (mem + bytes)));
#ifdef MADV_HUGEPAGE
	/* Only whole huge pages that slots fill: a partly used one at the
	 * end would commit up to 2 MiB that no slot uses. */
	if (huge && used >= HUGE_PAGE)
		(void)madvise(mem, used & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* advice: fine if refused */
#else
	(void)huge;
	(void)used;
#endif
	return mem;
}

/* Makes slot ids [0, upto) addressable. Caller holds grow_lock. Old tables
 * are retired, not freed: a reader may still hold one. */
static int ensure_chunks(hnsw *h, uint64_t upto)
{
	while (((uint64_t)h->nchunks << h->chunk_bits) < upto) {
		struct chunk *t = atomic_load_explicit(&h->chunks, memory_order_relaxed);
		if (h->nchunks == h->chunk_cap) {
			uint32_t ncap = h->chunk_cap ? 2 * h->chunk_cap : 8;
			struct chunk *nt = calloc(ncap, sizeof(*nt));
			struct retired *r = malloc(sizeof(*r));
			if (nt == NULL || r == NULL) {
				free(nt);
				free(r);
				return OMEN_ENOMEM;
			}
			if (t != NULL)
				memcpy(nt, t, h->nchunks * sizeof(*nt));
			r->table = t;
			r->next = h->retired;
			h->retired = r;
			atomic_store_explicit(&h->chunks, nt, memory_order_release);
			h->chunk_cap = ncap;
			t = nt;
		}
		size_t slots = (size_t)1 << h->chunk_bits;

		/* Not the first chunk: a small index (a shard may hold many) should
		 * not pay a partly used 2 MiB page; a large one gains the TLB reach. */
		struct chunk c = {.blocks = map_chunk(h->chunk_bytes, slots * h->stride, h->nchunks > 0)};
		if (c.blocks == NULL)
			return OMEN_ENOMEM;
		t[h->nchunks] = c;
		h->nchunks++;
	}
	return OMEN_OK;
}

static int alloc_slot(hnsw *h, uint32_t *id)
{
	int rc = OMEN_OK;
	pthread_mutex_lock(&h->grow_lock);
	if (h->nfree > 0) {
		*id = h->free_ids[--h->nfree];
	} else {
		uint32_t n = atomic_load(&h->n);
		if (n >= MAX_NODES) {
			rc = OMEN_EFULL;
		} else if ((rc = ensure_chunks(h, (uint64_t)n + 1)) == OMEN_OK) {
			*id = n;
			atomic_store(&h->n, n + 1);
		}
	}
	pthread_mutex_unlock(&h->grow_lock);
	return rc;
}

static int push_free(hnsw *h, uint32_t id)
{
	if (h->nfree == h->free_cap) {
		size_t ncap = h->free_cap ? 2 * h->free_cap : 64;
		uint32_t *nf = realloc(h->free_ids, ncap * sizeof(*nf));
		if (nf == NULL)
			return OMEN_ENOMEM;
		h->free_ids = nf;
		h->free_cap = ncap;
	}
	h->free_ids[h->nfree++] = id;
	return OMEN_OK;
}

static void release_slot(hnsw *h, uint32_t id)
{
	pthread_mutex_lock(&h->grow_lock);
	/* On ENOMEM the slot is leaked as vacant: harmless, vacuum ignores it. */
	(void)push_free(h, id);
	pthread_mutex_unlock(&h->grow_lock);
}

/* ---------- label map (caller holds map_lock) ---------- */

static size_t map_slot(uint64_t label, size_t cap)
{
	return (size_t)splitmix64(label) & (cap - 1);
}

static bool map_find(const hnsw *h, uint64_t label, uint32_t *id, size_t *slot)
{
	if (h->map_cap == 0)
		return false;
	for (size_t i = map_slot(label, h->map_cap);; i = (i + 1) & (h->map_cap - 1)) {
		uint32_t v = h->map_vals[i];
		if (v == MAP_EMPTY)
			return false;
		if (v != MAP_TOMB && label_of(h, v) == label) {
			*id = v;
			if (slot)
				*slot = i;
			return true;
		}
	}
}

static void map_insert_raw(uint32_t *vals, size_t cap, uint64_t label, uint32_t id)
{
	size_t i = map_slot(label, cap);
	while (vals[i] != MAP_EMPTY && vals[i] != MAP_TOMB)
		i = (i + 1) & (cap - 1);
	vals[i] = id;
}

/* Maps label to the slot id and writes the label into the slot's head. */
static int map_put(hnsw *h, uint64_t label, uint32_t id)
{
	if ((h->map_used + 1) * 10 > h->map_cap * 7) {
		size_t live = h->map_live + 1, ncap = 64;
		while (live * 10 > ncap * 5)
			ncap *= 2;
		uint32_t *nv = malloc(ncap * sizeof(*nv));
		if (nv == NULL)
			return OMEN_ENOMEM;
		memset(nv, 0xff, ncap * sizeof(*nv));
		size_t used = 0;
		for (size_t i = 0; i < h->map_cap; i++) {
			uint32_t v = h->map_vals[i];
			if (v != MAP_EMPTY && v != MAP_TOMB) {
				map_insert_raw(nv, ncap, label_of(h, v), v);
				used++;
			}
		}
		free(h->map_vals);
		h->map_vals = nv;
		h->map_cap = ncap;
		h->map_used = used;
	}
	head_of(h, id)->label = label;
	map_insert_raw(h->map_vals, h->map_cap, label, id);
	h->map_used++;
	h->map_live++;
	return OMEN_OK;
}

/* ---------- search contexts ---------- */

static int ctx_ensure_tags(const hnsw *h, struct ctx *c)
{
	size_t need = (size_t)atomic_load(&((hnsw *)h)->n);
	if (need <= c->tags_cap)
		return OMEN_OK;
	size_t ncap = c->tags_cap ? c->tags_cap : 1024;
	while (ncap < need)
		ncap *= 2;
	uint16_t *nt = realloc(c->tags, ncap * sizeof(*nt));
	if (nt == NULL)
		return OMEN_ENOMEM;
	memset(nt + c->tags_cap, 0, (ncap - c->tags_cap) * sizeof(*nt));
	c->tags = nt;
	c->tags_cap = ncap;
	return OMEN_OK;
}

static struct ctx *ctx_get(const hnsw *hc)
{
	hnsw *h = (hnsw *)hc;
	struct ctx *c = NULL;
	pthread_mutex_lock(&h->ctx_lock);
	if (h->nctx > 0)
		c = h->ctx_free[--h->nctx];
	pthread_mutex_unlock(&h->ctx_lock);
	if (c == NULL) {
		size_t beam = HNSW_MAX_EF_CONSTRUCTION + 1;
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return NULL;
		c->pool = malloc(beam * sizeof(*c->pool));
		c->sel = malloc(beam * sizeof(*c->sel));
		c->tmp = malloc((h->m0 + 2) * sizeof(*c->tmp));
		c->nb = malloc((h->m0 + 1) * sizeof(*c->nb));
		c->qbuf = malloc(h->p.dim * sizeof(float));
		c->vbuf = malloc(h->p.dim * sizeof(float));
		c->ebuf = malloc(h->p.dim * sizeof(float));
		c->hbuf = malloc(h->p.dim * sizeof(uint16_t));
		bool heap_ok = grow_cands(&c->heap_b, &c->heap_b_cap, (size_t)h->m0 + h->m + 1) == OMEN_OK;
		if (!heap_ok || c->pool == NULL || c->sel == NULL || c->tmp == NULL || c->nb == NULL ||
		    c->qbuf == NULL || c->vbuf == NULL || c->ebuf == NULL || c->hbuf == NULL) {
			ctx_free(c);
			return NULL;
		}
		pthread_mutex_lock(&h->ctx_lock);
		h->ctx_total++;
		pthread_mutex_unlock(&h->ctx_lock);
	}
	if (ctx_ensure_tags(h, c) != OMEN_OK) {
		ctx_free(c);
		pthread_mutex_lock(&h->ctx_lock);
		h->ctx_total--;
		pthread_mutex_unlock(&h->ctx_lock);
		return NULL;
	}
	return c;
}

static void ctx_put(const hnsw *hc, struct ctx *c)
{
	hnsw *h = (hnsw *)hc;
	pthread_mutex_lock(&h->ctx_lock);
	if (h->nctx == h->ctx_cap) {
		size_t ncap = h->ctx_cap ? 2 * h->ctx_cap : 8;
		struct ctx **nf = realloc(h->ctx_free, ncap * sizeof(*nf));
		if (nf == NULL) {
			h->ctx_total--;
			pthread_mutex_unlock(&h->ctx_lock);
			ctx_free(c);
			return;
		}
		h->ctx_free = nf;
		h->ctx_cap = ncap;
	}
	h->ctx_free[h->nctx++] = c;
	pthread_mutex_unlock(&h->ctx_lock);
}

static uint16_t new_epoch(struct ctx *c)
{
	if (++c->epoch == 0) {
		memset(c->tags, 0, c->tags_cap * sizeof(*c->tags));
		c->epoch = 1;
	}
	return c->epoch;
}

/* ---------- layer search ---------- */

/* Greedy descent on one upper level (SEARCH-LAYER with ef = 1). */
static uint32_t greedy(const hnsw *h, const float *q, uint32_t cur, float *curd, uint32_t level)
{
	uint32_t n = atomic_load_explicit(&((hnsw *)h)->n, memory_order_acquire);
	bool changed = true;
	while (changed) {
		changed = false;
		const uint32_t *lk = ids_of(h, cur, level);
		uint32_t cnt = load_acq(count_of(h, cur, level)) & HDR_COUNT;
		if (cnt > h->m)
			cnt = h->m;
		for (uint32_t i = 0; i < cnt; i++) {
			uint32_t id = load_acq(&lk[i]);
			if (id >= n)
				continue;
			float d = dist_below(h, q, vec_of(h, id), *curd);
			if (d < *curd) {
				*curd = d;
				cur = id;
				changed = true;
			}
		}
	}
	return cur;
}

/* Inserts (d, id) into the sorted beam of at most ef entries. */
static inline void pool_insert(struct cand *pool, uint32_t *size, uint32_t *cur, uint32_t ef, float d,
			       uint32_t id)
{
	uint32_t lo = 0, hi = *size;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (pool[mid].d <= d)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t last = *size < ef ? *size : ef - 1;
	if (lo > last)
		return;
	memmove(&pool[lo + 1], &pool[lo], (last - lo) * sizeof(*pool));
	pool[lo].d = d;
	pool[lo].id = id;
	if (*size < ef)
		(*size)++;
	if (lo < *cur)
		*cur = lo;
}

/* Algorithm 2 (SEARCH-LAYER), with the candidate set C and the result set W
 * kept as one sorted beam of the ef nearest nodes seen: an entry without the
 * EXPANDED bit is a candidate. Equivalent to the two-heap form (a candidate
 * farther than the ef-th result is never expanded there either), and the
 * neighbours of a node are gathered first so their vectors can be prefetched
 * while earlier ones are measured. Returns the beam size; ids in c->pool
 * carry the EXPANDED bit. */
static uint32_t search_layer(const hnsw *h, struct ctx *c, const float *q, struct cand ep, uint32_t level,
			     uint32_t ef)
{
	uint16_t epoch = new_epoch(c);
	uint16_t *tags = c->tags;
	size_t tcap = c->tags_cap;
	struct cand *pool = c->pool;
	uint32_t size = 1, cur = 0, maxl = max_links(h, level);
	pool[0] = ep;
	if (ep.id < tcap) /* an entry newer than this context's tags is simply revisitable */
		tags[ep.id] = epoch;
	for (;;) {
		while (cur < size && (pool[cur].id & EXPANDED))
			cur++;
		if (cur >= size)
			break;
		uint32_t node = pool[cur].id;
		pool[cur].id |= EXPANDED;
		cur++;
		/* The next node to expand is most likely the next unexpanded one:
		 * fetch its links while this node's neighbours are measured. */
		for (uint32_t j = cur; j < size; j++) {
			if (!(pool[j].id & EXPANDED)) {
				prefetch_links(h, pool[j].id, level);
				break;
			}
		}
		const uint32_t *lk = ids_of(h, node, level);
		uint32_t cnt = load_acq(count_of(h, node, level)) & HDR_COUNT, m = 0;
		if (cnt > maxl)
			cnt = maxl;
		for (uint32_t i = 0; i < cnt; i++) {
			uint32_t id = load_acq(&lk[i]);
			if (id < tcap && tags[id] != epoch) {
				tags[id] = epoch;
				c->nb[m++] = id;
			}
		}
		for (uint32_t j = 0; j < m && j < PREFETCH_AHEAD; j++)
			prefetch_vec(h, c->nb[j]);
		for (uint32_t j = 0; j < m; j++) {
			if (j + PREFETCH_AHEAD < m)
				prefetch_vec(h, c->nb[j + PREFETCH_AHEAD]);
			uint32_t id = c->nb[j];
			float bound = size < ef ? INFINITY : pool[size - 1].d;
			float d = dist_below(h, q, vec_of(h, id), bound);
			if (d < bound)
				pool_insert(pool, &size, &cur, ef, d, id);
		}
	}
	return size;
}

/* Algorithm 4 (SELECT-NEIGHBORS-HEURISTIC) without extendCandidates and
 * keepPrunedConnections, as hnswlib: a candidate is kept when it is nearer
 * to the base than to every neighbour kept so far. a is sorted ascending;
 * the kept entries are compacted to its front. */
static uint32_t select_heuristic(const hnsw *h, struct ctx *c, struct cand *a, uint32_t n, uint32_t max)
{
	if (n <= max)
		return n;
	uint32_t kept = 0;
	for (uint32_t i = 0; i < n && kept < max; i++) {
		const float *v = stored_f32(h, a[i].id, c->vbuf);
		bool good = true;
		for (uint32_t j = 0; j < kept; j++) {
			if (dist(h, v, vec_of(h, a[j].id)) < a[i].d) {
				good = false;
				break;
			}
		}
		if (good)
			a[kept++] = a[i];
	}
	return kept;
}

static void write_links(hnsw *h, uint32_t id, uint32_t level, const struct cand *a, uint32_t n)
{
	uint32_t *lk = ids_of(h, id, level), *cp = count_of(h, id, level);
	for (uint32_t i = 0; i < n; i++)
		store_rel(&lk[i], a[i].id & ~EXPANDED);
	store_rel(cp, (load_acq(cp) & ~HDR_COUNT) | n);
	touched(h, id, false);
}

/* Adds a link e -> nn on level, pruning e's list with the heuristic when it
 * is full (hnswlib's mutuallyConnectNewElement, second half). */
static void connect(hnsw *h, struct ctx *c, uint32_t e, uint32_t nn, uint32_t level)
{
	pthread_mutex_t *lock = &h->stripes[e % NSTRIPES];
	uint32_t maxl = max_links(h, level);
	pthread_mutex_lock(lock);
	uint32_t *lk = ids_of(h, e, level), *cp = count_of(h, e, level);
	uint32_t hdr = load_acq(cp), cnt = hdr & HDR_COUNT;
	if (cnt < maxl) {
		store_rel(&lk[cnt], nn);
		store_rel(cp, (hdr & ~HDR_COUNT) | (cnt + 1));
		touched(h, e, false);
	} else {
		const float *ev = stored_f32(h, e, c->ebuf);
		for (uint32_t i = 0; i < cnt; i++) {
			uint32_t id = load_acq(&lk[i]);
			c->tmp[i].id = id;
			c->tmp[i].d = dist(h, ev, vec_of(h, id));
		}
		c->tmp[cnt].id = nn;
		c->tmp[cnt].d = dist(h, ev, vec_of(h, nn));
		sort_cands(c->tmp, cnt + 1);
		uint32_t kept = select_heuristic(h, c, c->tmp, cnt + 1, maxl);
		write_links(h, e, level, c->tmp, kept);
	}
	pthread_mutex_unlock(lock);
}

/* Writes the new node's list on level: c->sel[0..kept). Once the node is
 * linked on a level above, a concurrent insert may already have reached it
 * and added itself to this list; overwriting would orphan that node, so such
 * links are merged in and the heuristic picks among both. */
static void set_own_links(hnsw *h, struct ctx *c, uint32_t id, const float *vec, uint32_t level,
			  uint32_t kept)
{
	pthread_mutex_t *lock = &h->stripes[id % NSTRIPES];
	pthread_mutex_lock(lock);
	uint32_t *lk = ids_of(h, id, level);
	uint32_t have = load_acq(count_of(h, id, level)) & HDR_COUNT;
	if (have == 0) {
		write_links(h, id, level, c->sel, kept);
		pthread_mutex_unlock(lock);
		return;
	}
	uint32_t n = 0; /* kept <= m and have <= 2m: heap_b holds 3m + 1 (ctx_get) */
	for (uint32_t i = 0; i < kept; i++)
		c->heap_b[n++] = c->sel[i];
	for (uint32_t i = 0; i < have; i++) {
		uint32_t x = load_acq(&lk[i]);
		bool dup = false;
		for (uint32_t j = 0; j < kept && !dup; j++)
			dup = c->sel[j].id == x;
		if (!dup)
			c->heap_b[n++] = (struct cand){dist(h, vec, vec_of(h, x)), x};
	}
	sort_cands(c->heap_b, n);
	uint32_t keep = select_heuristic(h, c, c->heap_b, n, max_links(h, level));
	write_links(h, id, level, c->heap_b, keep);
	pthread_mutex_unlock(lock);
}

/* ---------- insert (Algorithm 1) ---------- */

static bool normalise(const float *v, uint32_t dim, float *out)
{
	double s = 0.0;
	for (uint32_t i = 0; i < dim; i++)
		s += (double)v[i] * (double)v[i];
	if (s == 0.0)
		return false;
	double inv = 1.0 / sqrt(s);
	for (uint32_t i = 0; i < dim; i++)
		out[i] = (float)((double)v[i] * inv);
	return true;
}

/* For float16 storage: checks vec fits, encodes it into c->hbuf and leaves
 * the rounded values, decoded, in c->qbuf (vec may be c->qbuf). */
static int encode(const hnsw *h, struct ctx *c, const float *vec)
{
	if (!h->half)
		return OMEN_OK;
	for (uint32_t i = 0; i < h->p.dim; i++) {
		if (fabsf(vec[i]) > 65504.0f)
			return OMEN_ERANGE;
		c->hbuf[i] = distance_to_half(vec[i]);
	}
	h->decode(c->hbuf, c->qbuf, h->p.dim);
	return OMEN_OK;
}

/* Writes the vector of slot id: vec for float32, c->hbuf (from encode) for
 * float16. */
static void store_vector(hnsw *h, const struct ctx *c, uint32_t id, const float *vec)
{
	const void *src = h->half ? (const void *)c->hbuf : (const void *)vec;
	memcpy(block(h, id) + h->vec_off, src, (size_t)h->p.dim * h->esz);
}

/* Returns a reserved label and slot after a failure before publication. */
static void unreserve(hnsw *h, uint64_t label, uint32_t id)
{
	uint32_t existing;
	size_t mslot;
	pthread_mutex_lock(&h->map_lock);
	if (map_find(h, label, &existing, &mslot)) {
		h->map_vals[mslot] = MAP_TOMB;
		h->map_live--;
	}
	pthread_mutex_unlock(&h->map_lock);
	release_slot(h, id);
}

static int insert_with(hnsw *h, struct ctx *c, uint64_t label, const float *vec)
{
	if (!distance_all_finite(vec, h->p.dim))
		return OMEN_ENONFINITE;
	if (h->p.metric == DISTANCE_COSINE) {
		if (!normalise(vec, h->p.dim, c->qbuf))
			return OMEN_EZERONORM;
		vec = c->qbuf;
	}
	int rc = encode(h, c, vec);
	if (rc != OMEN_OK)
		return rc;
	if (h->half) /* insert what is stored: later distances see the rounding */
		vec = c->qbuf;
	uint32_t level = random_level(h, label), id, existing;

	pthread_mutex_lock(&h->map_lock);
	if (map_find(h, label, &existing, NULL)) {
		pthread_mutex_unlock(&h->map_lock);
		return OMEN_EEXIST;
	}
	rc = alloc_slot(h, &id);
	if (rc == OMEN_OK) {
		rc = map_put(h, label, id);
		if (rc != OMEN_OK)
			release_slot(h, id);
	}
	pthread_mutex_unlock(&h->map_lock);
	if (rc != OMEN_OK)
		return rc;

	uint32_t *upper = NULL;
	size_t bytes = (size_t)level * (h->m + 1) * sizeof(uint32_t);
	if ((level > 0 && (upper = calloc(1, bytes)) == NULL) || ctx_ensure_tags(h, c) != OMEN_OK) {
		free(upper);
		unreserve(h, label, id);
		return OMEN_ENOMEM;
	}
	atomic_fetch_add(&h->upper_bytes, bytes);
	struct node_head *head = head_of(h, id); /* map_put wrote the label */
	head->level = level;
	head->upper = upper;
	store_vector(h, c, id, vec);
	store_rel(&head->hdr, HDR_PRESENT);
	atomic_fetch_add(&h->live, 1);
	touched(h, id, true);

	uint64_t ep = atomic_load(&h->entry);
	bool top_locked = false;
	if ((uint32_t)ep == HNSW_NO_NODE || level > (uint32_t)(ep >> 32)) {
		pthread_mutex_lock(&h->entry_lock);
		top_locked = true;
		ep = atomic_load(&h->entry);
		if ((uint32_t)ep == HNSW_NO_NODE) {
			atomic_store(&h->entry, ((uint64_t)level << 32) | id);
			pthread_mutex_unlock(&h->entry_lock);
			return OMEN_OK;
		}
		if (level <= (uint32_t)(ep >> 32)) {
			pthread_mutex_unlock(&h->entry_lock);
			top_locked = false;
		}
	}
	uint32_t ep_level = (uint32_t)(ep >> 32);
	struct cand cur = {dist(h, vec, vec_of(h, (uint32_t)ep)), (uint32_t)ep};
	for (uint32_t lc = ep_level; lc > level; lc--)
		cur.id = greedy(h, vec, cur.id, &cur.d, lc);
	for (int64_t lc = level < ep_level ? level : ep_level; lc >= 0; lc--) {
		uint32_t l = (uint32_t)lc;
		uint32_t n = search_layer(h, c, vec, cur, l, h->p.ef_construction), ns = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t found = c->pool[i].id & ~EXPANDED;
			if (found != id) /* reachable through a concurrent neighbour */
				c->sel[ns++] = (struct cand){c->pool[i].d, found};
		}
		if (ns == 0)
			continue;
		cur = c->sel[0];
		uint32_t kept = select_heuristic(h, c, c->sel, ns, h->m);
		set_own_links(h, c, id, vec, l, kept);
		for (uint32_t i = 0; i < kept; i++)
			connect(h, c, c->sel[i].id, id, l);
	}
	if (top_locked) {
		atomic_store(&h->entry, ((uint64_t)level << 32) | id);
		pthread_mutex_unlock(&h->entry_lock);
	}
	return OMEN_OK;
}

int hnsw_insert(hnsw *h, uint64_t label, const float *vec, uint32_t dim)
{
	if (h == NULL || vec == NULL)
		return OMEN_EINVAL;
	if (dim != h->p.dim)
		return OMEN_EDIM;
	struct ctx *c = ctx_get(h);
	if (c == NULL)
		return OMEN_ENOMEM;
	int rc = insert_with(h, c, label, vec);
	ctx_put(h, c);
	return rc;
}

struct batch {
	hnsw *h;
	size_t n;
	const uint64_t *labels;
	const float *vecs;
	_Atomic size_t next, done;
	_Atomic int rc;
	hnsw_progress_fn progress;
	void *progress_arg;
	pthread_mutex_t progress_lock; /* one progress call at a time */
	size_t step;
};

static void *batch_worker(void *arg)
{
	struct batch *b = arg;
	struct ctx *c = ctx_get(b->h);
	if (c == NULL) {
		int expect = OMEN_OK;
		atomic_compare_exchange_strong(&b->rc, &expect, OMEN_ENOMEM);
		return NULL;
	}
	for (;;) {
		if (atomic_load_explicit(&b->rc, memory_order_relaxed) != OMEN_OK)
			break;
		size_t i = atomic_fetch_add(&b->next, 1);
		if (i >= b->n)
			break;
		int rc = insert_with(b->h, c, b->labels[i], b->vecs + i * b->h->p.dim);
		if (rc != OMEN_OK) {
			int expect = OMEN_OK;
			atomic_compare_exchange_strong(&b->rc, &expect, rc);
			break;
		}
		size_t done = atomic_fetch_add(&b->done, 1) + 1;
		if (b->progress && done % b->step == 0) {
			pthread_mutex_lock(&b->progress_lock);
			b->progress(b->progress_arg, done, b->n);
			pthread_mutex_unlock(&b->progress_lock);
		}
	}
	ctx_put(b->h, c);
	return NULL;
}

int hnsw_insert_batch(hnsw *h, size_t n, const uint64_t *labels, const float *vecs, uint32_t dim,
		      unsigned threads, hnsw_progress_fn progress, void *progress_arg)
{
	if (h == NULL || (n > 0 && (labels == NULL || vecs == NULL)))
		return OMEN_EINVAL;
	if (dim != h->p.dim)
		return OMEN_EDIM;
	if (threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (threads > 256)
		threads = 256;
	struct batch b = {.h = h,
			  .n = n,
			  .labels = labels,
			  .vecs = vecs,
			  .progress = progress,
			  .progress_arg = progress_arg,
			  .step = n / 100 > 0 ? n / 100 : 1};
	pthread_mutex_init(&b.progress_lock, NULL);
	pthread_t tids[256];
	unsigned started = 0;
	for (unsigned i = 1; i < threads; i++) {
		if (pthread_create(&tids[started], NULL, batch_worker, &b) != 0)
			break;
		started++;
	}
	batch_worker(&b);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (progress)
		progress(progress_arg, atomic_load(&b.done), n);
	pthread_mutex_destroy(&b.progress_lock);
	return atomic_load(&b.rc);
}

/* ---------- delete, lookup ---------- */

static void copy_out(const hnsw *h, uint32_t id, float *out)
{
	if (h->half)
		h->decode(vec_of(h, id), out, h->p.dim);
	else
		memcpy(out, vec_of(h, id), (size_t)h->p.dim * sizeof(float));
}

void hnsw_set_touch(hnsw *h, hnsw_touch_fn fn, void *arg)
{
	h->touch = fn;
	h->touch_arg = arg;
}

int hnsw_delete(hnsw *h, uint64_t label)
{
	uint32_t id;
	size_t slot;
	pthread_mutex_lock(&h->map_lock);
	/* A label whose insert has not yet published its node is not there
	 * yet: this delete is ordered before that insert. */
	if (!map_find(h, label, &id, &slot) || !is_present(h, id)) {
		pthread_mutex_unlock(&h->map_lock);
		return OMEN_ENOTFOUND;
	}
	h->map_vals[slot] = MAP_TOMB;
	h->map_live--;
	pthread_mutex_unlock(&h->map_lock);
	pthread_mutex_t *lock = &h->stripes[id % NSTRIPES];
	pthread_mutex_lock(lock);
	uint32_t *hdr = hdr_of(h, id);
	store_rel(hdr, load_acq(hdr) | HDR_DELETED);
	touched(h, id, true);
	pthread_mutex_unlock(lock);
	atomic_fetch_sub(&h->live, 1);
	atomic_fetch_add(&h->deleted, 1);
	return OMEN_OK;
}

bool hnsw_lookup(const hnsw *hc, uint64_t label, float *vec_out)
{
	hnsw *h = (hnsw *)hc;
	uint32_t id;
	pthread_mutex_lock(&h->map_lock);
	bool found = map_find(h, label, &id, NULL) && is_present(h, id);
	pthread_mutex_unlock(&h->map_lock);
	if (found && vec_out)
		copy_out(h, id, vec_out);
	return found;
}

/* ---------- search ---------- */

static inline bool accepted(const hnsw *h, uint32_t id, hnsw_filter_fn filter, void *arg)
{
	uint32_t hdr = load_acq(hdr_of(h, id));
	if ((hdr & HDR_PRESENT) == 0 || (hdr & HDR_DELETED))
		return false;
	return filter == NULL || filter(arg, label_of(h, id));
}

/* Full scan keeping the k nearest accepted nodes in a max-heap. */
static int exact_scan(const hnsw *h, struct ctx *c, const float *q, uint32_t k, hnsw_filter_fn filter,
		      void *arg, size_t *nres)
{
	if (grow_cands(&c->heap_a, &c->heap_a_cap, (size_t)k + 1) != OMEN_OK)
		return OMEN_ENOMEM;
	uint32_t n = atomic_load_explicit(&((hnsw *)h)->n, memory_order_acquire);
	size_t len = 0;
	for (uint32_t id = 0; id < n; id++) {
		if (!accepted(h, id, filter, arg))
			continue;
		float d = dist_below(h, q, vec_of(h, id), len < k ? INFINITY : c->heap_a[0].d);
		if (len < k) {
			heap_push(c->heap_a, &len, (struct cand){d, id});
		} else if (d < c->heap_a[0].d) {
			heap_pop(c->heap_a, &len);
			heap_push(c->heap_a, &len, (struct cand){d, id});
		}
	}
	*nres = len;
	return OMEN_OK;
}

/* Layer-0 search that only returns accepted nodes (hnswlib's filtered
 * searchBaseLayerST): every node guides the walk, only accepted ones enter
 * the result heap, and the walk goes on until ef accepted nodes bound it. */
static int search_filtered(const hnsw *h, struct ctx *c, const float *q, struct cand ep, uint32_t ef,
			   hnsw_filter_fn filter, void *arg, size_t *nres)
{
	uint16_t epoch = new_epoch(c);
	size_t ncand = 0, nres_ = 0;
	if (grow_cands(&c->heap_a, &c->heap_a_cap, (size_t)ef + 1) != OMEN_OK ||
	    grow_cands(&c->heap_b, &c->heap_b_cap, 256) != OMEN_OK)
		return OMEN_ENOMEM;
	struct cand *res = c->heap_a;
	float bound = INFINITY;
	if (ep.id < c->tags_cap)
		c->tags[ep.id] = epoch;
	heap_push(c->heap_b, &ncand, (struct cand){-ep.d, ep.id});
	if (accepted(h, ep.id, filter, arg)) {
		heap_push(res, &nres_, ep);
		bound = ep.d;
	}
	while (ncand > 0) {
		struct cand top = c->heap_b[0];
		if (-top.d > bound && nres_ >= ef)
			break;
		heap_pop(c->heap_b, &ncand);
		const uint32_t *lk = ids_of(h, top.id, 0);
		uint32_t cnt = load_acq(hdr_of(h, top.id)) & HDR_COUNT;
		if (cnt > h->m0)
			cnt = h->m0;
		for (uint32_t i = 0; i < cnt; i++) {
			uint32_t id = load_acq(&lk[i]);
			if (id >= c->tags_cap || c->tags[id] == epoch)
				continue;
			c->tags[id] = epoch;
			float d = dist_below(h, q, vec_of(h, id), nres_ < ef ? INFINITY : bound);
			if (nres_ < ef || d < bound) {
				if (grow_cands(&c->heap_b, &c->heap_b_cap, ncand + 1) != OMEN_OK)
					return OMEN_ENOMEM;
				heap_push(c->heap_b, &ncand, (struct cand){-d, id});
				if (accepted(h, id, filter, arg)) {
					heap_push(res, &nres_, (struct cand){d, id});
					if (nres_ > ef)
						heap_pop(res, &nres_);
					bound = res[0].d;
				}
			}
		}
	}
	*nres = nres_;
	return OMEN_OK;
}

/* Pops the max-heap into out[] ascending, keeping the k nearest. */
static uint32_t emit(const hnsw *h, struct cand *heap, size_t len, uint32_t k, hnsw_result *out)
{
	while (len > k)
		heap_pop(heap, &len);
	uint32_t n = (uint32_t)len;
	for (uint32_t i = n; i > 0; i--) {
		struct cand x = heap_pop(heap, &len);
		out[i - 1].label = label_of(h, x.id);
		out[i - 1].distance = external_distance(h, x.d);
	}
	return n;
}

static int prepare_query(const hnsw *h, struct ctx *c, const float *query, const float **q)
{
	if (!distance_all_finite(query, h->p.dim))
		return OMEN_ENONFINITE;
	*q = query;
	if (h->p.metric == DISTANCE_COSINE) {
		if (!normalise(query, h->p.dim, c->qbuf))
			return OMEN_EZERONORM;
		*q = c->qbuf;
	}
	return OMEN_OK;
}

/* Estimated number of accepted rows, from an evenly spaced sample. */
static double estimate_matches(const hnsw *h, hnsw_filter_fn filter, void *arg)
{
	uint32_t n = atomic_load(&((hnsw *)h)->n);
	uint32_t step = n / FILTER_SAMPLE > 0 ? n / FILTER_SAMPLE : 1, seen = 0, hits = 0;
	for (uint32_t id = 0; id < n; id += step) {
		seen++;
		if (accepted(h, id, filter, arg))
			hits++;
	}
	return seen ? (double)hits * (double)n / (double)seen : 0.0;
}

int hnsw_search(const hnsw *h, const float *query, uint32_t dim, uint32_t k, uint32_t ef,
		hnsw_filter_fn filter, void *filter_arg, hnsw_result *out, uint32_t *n_out)
{
	if (h == NULL || query == NULL || out == NULL || n_out == NULL || k == 0 || k > HNSW_MAX_EF_SEARCH ||
	    ef > HNSW_MAX_EF_SEARCH)
		return OMEN_EINVAL;
	*n_out = 0;
	if (dim != h->p.dim)
		return OMEN_EDIM;
	if (ef == 0)
		ef = HNSW_DEFAULT_EF_SEARCH;
	if (ef < k)
		ef = k;
	struct ctx *c = ctx_get(h);
	if (c == NULL)
		return OMEN_ENOMEM;
	const float *q;
	int rc = prepare_query(h, c, query, &q);
	uint64_t ep = atomic_load(&((hnsw *)h)->entry);
	if (rc != OMEN_OK || (uint32_t)ep == HNSW_NO_NODE)
		goto out;
	bool exact = filter != NULL && estimate_matches(h, filter, filter_arg) <
					   (double)FILTER_EXACT_FACTOR * (ef > k ? ef : k);
	size_t len = 0;
	if (!exact) {
		struct cand cur = {dist(h, q, vec_of(h, (uint32_t)ep)), (uint32_t)ep};
		for (uint32_t lc = (uint32_t)(ep >> 32); lc > 0; lc--)
			cur.id = greedy(h, q, cur.id, &cur.d, lc);
		if (filter == NULL) {
			uint32_t size = search_layer(h, c, q, cur, 0, ef);
			for (uint32_t i = 0; i < size && *n_out < k; i++) {
				uint32_t id = c->pool[i].id & ~EXPANDED;
				if (!accepted(h, id, NULL, NULL))
					continue;
				out[*n_out].label = label_of(h, id);
				out[*n_out].distance = external_distance(h, c->pool[i].d);
				(*n_out)++;
			}
			/* Tombstones crowded the beam: redo with deletions as a filter. */
			if (*n_out == k || *n_out == atomic_load(&((hnsw *)h)->live))
				goto out;
			*n_out = 0;
		}
		rc = search_filtered(h, c, q, cur, ef, filter, filter_arg, &len);
		if (rc != OMEN_OK)
			goto out;
		if (len < k)
			exact = true; /* the walk ran out of matching rows: make sure */
	}
	if (exact && (rc = exact_scan(h, c, q, k, filter, filter_arg, &len)) != OMEN_OK)
		goto out;
	*n_out = emit(h, c->heap_a, len, k, out);
out:
	ctx_put(h, c);
	return rc;
}

int hnsw_search_exact(const hnsw *h, const float *query, uint32_t dim, uint32_t k, hnsw_filter_fn filter,
		      void *filter_arg, hnsw_result *out, uint32_t *n_out)
{
	if (h == NULL || query == NULL || out == NULL || n_out == NULL || k == 0)
		return OMEN_EINVAL;
	*n_out = 0;
	if (dim != h->p.dim)
		return OMEN_EDIM;
	struct ctx *c = ctx_get(h);
	if (c == NULL)
		return OMEN_ENOMEM;
	const float *q;
	size_t len = 0;
	int rc = prepare_query(h, c, query, &q);
	if (rc == OMEN_OK && (rc = exact_scan(h, c, q, k, filter, filter_arg, &len)) == OMEN_OK)
		*n_out = emit(h, c->heap_a, len, k, out);
	ctx_put(h, c);
	return rc;
}

/* ---------- vacuum ---------- */

/* Replaces u's links on level that point at deleted nodes: candidates are
 * u's live links plus the live nodes reachable from its deleted links
 * through deleted nodes only; Algorithm 4 picks the new list. */
static int repair(hnsw *h, struct ctx *c, uint32_t u, uint32_t level)
{
	uint32_t *lk = ids_of(h, u, level);
	uint32_t cnt = *count_of(h, u, level) & HDR_COUNT, maxl = max_links(h, level), ncand = 0, nstack = 0;
	size_t limit = h->p.ef_construction;
	bool any = false;
	for (uint32_t i = 0; i < cnt; i++)
		any |= is_deleted(h, lk[i]);
	if (!any)
		return OMEN_OK;
	uint16_t epoch = new_epoch(c);
	c->tags[u] = epoch;
	const float *uv = stored_f32(h, u, c->ebuf);
	if (grow_cands(&c->heap_b, &c->heap_b_cap, limit + 1) != OMEN_OK)
		return OMEN_ENOMEM;
	for (uint32_t i = 0; i < cnt; i++) {
		uint32_t id = lk[i];
		if (c->tags[id] == epoch)
			continue;
		c->tags[id] = epoch;
		if (!is_deleted(h, id)) {
			c->heap_b[ncand++] = (struct cand){dist(h, uv, vec_of(h, id)), id};
			continue;
		}
		if (nstack + 1 > c->stack_cap) {
			size_t ncap = c->stack_cap ? 2 * c->stack_cap : 256;
			uint32_t *ns = realloc(c->stack, ncap * sizeof(*ns));
			if (ns == NULL)
				return OMEN_ENOMEM;
			c->stack = ns;
			c->stack_cap = ncap;
		}
		c->stack[nstack++] = id;
	}
	while (nstack > 0 && ncand < limit) {
		uint32_t x = c->stack[--nstack];
		const uint32_t *xl = ids_of(h, x, level);
		uint32_t xc = *count_of(h, x, level) & HDR_COUNT;
		for (uint32_t i = 0; i < xc && ncand < limit; i++) {
			uint32_t id = xl[i];
			if (c->tags[id] == epoch)
				continue;
			c->tags[id] = epoch;
			if (!is_deleted(h, id)) {
				c->heap_b[ncand++] = (struct cand){dist(h, uv, vec_of(h, id)), id};
			} else {
				if (nstack + 1 > c->stack_cap) {
					size_t ncap = 2 * c->stack_cap;
					uint32_t *ns = realloc(c->stack, ncap * sizeof(*ns));
					if (ns == NULL)
						return OMEN_ENOMEM;
					c->stack = ns;
					c->stack_cap = ncap;
				}
				c->stack[nstack++] = id;
			}
		}
	}
	sort_cands(c->heap_b, ncand);
	uint32_t kept = select_heuristic(h, c, c->heap_b, ncand, maxl);
	write_links(h, u, level, c->heap_b, kept);
	return OMEN_OK;
}

int hnsw_vacuum(hnsw *h, size_t *reclaimed)
{
	if (reclaimed)
		*reclaimed = 0;
	if (atomic_load(&h->deleted) == 0)
		return OMEN_OK;
	struct ctx *c = ctx_get(h);
	if (c == NULL)
		return OMEN_ENOMEM;
	uint32_t n = atomic_load(&h->n);
	int rc = OMEN_OK;
	uint32_t best = HNSW_NO_NODE, best_level = 0;
	for (uint32_t u = 0; u < n && rc == OMEN_OK; u++) {
		if (!is_present(h, u) || is_deleted(h, u))
			continue;
		uint32_t lv = level_of(h, u);
		if (best == HNSW_NO_NODE || lv > best_level) {
			best = u;
			best_level = lv;
		}
		for (uint32_t l = 0; l <= lv && rc == OMEN_OK; l++)
			rc = repair(h, c, u, l);
	}
	ctx_put(h, c);
	if (rc != OMEN_OK)
		return rc; /* links repaired so far are valid; tombstones stay */
	uint64_t ep = atomic_load(&h->entry);
	if ((uint32_t)ep == HNSW_NO_NODE || is_deleted(h, (uint32_t)ep))
		atomic_store(&h->entry,
			     best == HNSW_NO_NODE ? ENTRY_NONE : ((uint64_t)best_level << 32) | best);
	size_t freed = 0, need = h->nfree + atomic_load(&h->deleted);
	pthread_mutex_lock(&h->grow_lock);
	/* Reserve first so that freeing cannot stop half-way. */
	if (need > h->free_cap) {
		uint32_t *nf = realloc(h->free_ids, need * sizeof(*nf));
		if (nf == NULL) {
			pthread_mutex_unlock(&h->grow_lock);
			return OMEN_ENOMEM; /* repaired, tombstones kept: still consistent */
		}
		h->free_ids = nf;
		h->free_cap = need;
	}
	for (uint32_t u = 0; u < n; u++) {
		if (!is_present(h, u) || !is_deleted(h, u))
			continue;
		h->free_ids[h->nfree++] = u;
		struct node_head *head = head_of(h, u);
		if (head->upper) {
			atomic_fetch_sub(&h->upper_bytes,
					 (size_t)head->level * (h->m + 1) * sizeof(uint32_t));
			free(head->upper);
			head->upper = NULL;
		}
		head->level = 0;
		store_rel(&head->hdr, 0);
		freed++;
	}
	pthread_mutex_unlock(&h->grow_lock);
	atomic_fetch_sub(&h->deleted, freed);
	if (reclaimed)
		*reclaimed = freed;
	return rc;
}

/* ---------- introspection ---------- */

size_t hnsw_live_count(const hnsw *h)
{
	return atomic_load(&((hnsw *)h)->live);
}

size_t hnsw_memory_bytes(const hnsw *hc)
{
	hnsw *h = (hnsw *)hc;
	/* Chunk pages are committed as slots are used: count used slots. */
	size_t n = atomic_load(&h->n), bytes = sizeof(*h) + n * h->stride + atomic_load(&h->upper_bytes);
	pthread_mutex_lock(&h->grow_lock);
	bytes += h->chunk_cap * sizeof(struct chunk) + h->free_cap * sizeof(uint32_t);
	pthread_mutex_unlock(&h->grow_lock);
	pthread_mutex_lock(&h->map_lock);
	bytes += h->map_cap * sizeof(uint32_t);
	pthread_mutex_unlock(&h->map_lock);
	pthread_mutex_lock(&h->ctx_lock);
	size_t ctxs = h->ctx_total;
	pthread_mutex_unlock(&h->ctx_lock);
	bytes += ctxs * (sizeof(struct ctx) + (HNSW_MAX_EF_CONSTRUCTION + 1) * 2 * sizeof(struct cand) +
			 (size_t)h->p.dim * (3 * sizeof(float) + sizeof(uint16_t)) + n * sizeof(uint16_t));
	return bytes;
}

uint32_t hnsw_node_count(const hnsw *h)
{
	return atomic_load(&((hnsw *)h)->n);
}

uint32_t hnsw_max_links(const hnsw *h, uint32_t level)
{
	return max_links(h, level);
}

void hnsw_entry_point(const hnsw *h, uint32_t *entry, uint32_t *max_level)
{
	uint64_t ep = atomic_load(&((hnsw *)h)->entry);
	*entry = (uint32_t)ep;
	*max_level = (uint32_t)ep == HNSW_NO_NODE ? 0 : (uint32_t)(ep >> 32);
}

int hnsw_node_get(const hnsw *h, uint32_t id, uint64_t *label, uint32_t *level, bool *deleted, float *vec_out)
{
	if (id >= hnsw_node_count(h) || !is_present(h, id))
		return OMEN_ENOTFOUND;
	if (label)
		*label = label_of(h, id);
	if (level)
		*level = level_of(h, id);
	if (deleted)
		*deleted = is_deleted(h, id);
	if (vec_out)
		copy_out(h, id, vec_out);
	return OMEN_OK;
}

int hnsw_node_links(const hnsw *h, uint32_t id, uint32_t level, uint32_t *out, uint32_t *n_out)
{
	if (id >= hnsw_node_count(h) || !is_present(h, id))
		return OMEN_ENOTFOUND;
	if (level > level_of(h, id))
		return OMEN_EINVAL;
	pthread_mutex_t *lock = &((hnsw *)h)->stripes[id % NSTRIPES];
	pthread_mutex_lock(lock);
	const uint32_t *lk = ids_of(h, id, level);
	uint32_t cnt = load_acq(count_of(h, id, level)) & HDR_COUNT;
	for (uint32_t i = 0; i < cnt; i++)
		out[i] = load_acq(&lk[i]);
	pthread_mutex_unlock(lock);
	*n_out = cnt;
	return OMEN_OK;
}

/* ---------- restore ---------- */

int hnsw_restore_node(hnsw *h, uint32_t id, uint64_t label, uint32_t level, bool deleted, const float *vec,
		      uint32_t dim)
{
	if (dim != h->p.dim)
		return OMEN_EDIM;
	if (vec == NULL || id >= MAX_NODES || level > HNSW_MAX_LEVEL)
		return OMEN_EINVAL;
	if (!distance_all_finite(vec, h->p.dim))
		return OMEN_ENONFINITE;
	struct ctx *c = ctx_get(h);
	if (c == NULL)
		return OMEN_ENOMEM;
	int rc = encode(h, c, vec);
	if (rc != OMEN_OK) {
		ctx_put(h, c);
		return rc;
	}
	pthread_mutex_lock(&h->grow_lock);
	rc = ensure_chunks(h, (uint64_t)id + 1);
	if (rc == OMEN_OK && atomic_load(&h->n) < id + 1)
		atomic_store(&h->n, id + 1);
	pthread_mutex_unlock(&h->grow_lock);
	if (rc == OMEN_OK && is_present(h, id))
		rc = OMEN_EEXIST;
	/* Allocate first, then map the label: a failure leaves no trace. */
	struct node_head *head = head_of(h, id);
	size_t bytes = (size_t)level * (h->m + 1) * sizeof(uint32_t);
	uint32_t *upper = NULL;
	if (rc == OMEN_OK && level > 0 && (upper = calloc(1, bytes)) == NULL)
		rc = OMEN_ENOMEM;
	uint32_t existing;
	if (rc == OMEN_OK && !deleted) {
		pthread_mutex_lock(&h->map_lock);
		rc = map_find(h, label, &existing, NULL) ? OMEN_EEXIST : map_put(h, label, id);
		pthread_mutex_unlock(&h->map_lock);
	}
	if (rc != OMEN_OK) {
		free(upper);
		ctx_put(h, c);
		return rc;
	}
	head->upper = upper;
	atomic_fetch_add(&h->upper_bytes, level > 0 ? bytes : 0);
	if (deleted) /* live nodes got theirs from map_put */
		head->label = label;
	head->level = level;
	store_vector(h, c, id, vec);
	ctx_put(h, c);
	store_rel(hdr_of(h, id), HDR_PRESENT | (deleted ? HDR_DELETED : 0));
	atomic_fetch_add(deleted ? &h->deleted : &h->live, 1);
	return OMEN_OK;
}

int hnsw_restore_links(hnsw *h, uint32_t id, uint32_t level, const uint32_t *ids, uint32_t n)
{
	if (id >= hnsw_node_count(h) || !is_present(h, id))
		return OMEN_ENOTFOUND;
	if (level > level_of(h, id) || n > max_links(h, level) || (n > 0 && ids == NULL))
		return OMEN_ECORRUPT;
	uint32_t *lk = ids_of(h, id, level), *cp = count_of(h, id, level);
	for (uint32_t i = 0; i < n; i++)
		lk[i] = ids[i];
	*cp = (*cp & ~HDR_COUNT) | n;
	return OMEN_OK;
}

int hnsw_restore_finish(hnsw *h, uint32_t entry, uint32_t max_level)
{
	uint32_t n = hnsw_node_count(h), top = 0;
	bool any = false;
	for (uint32_t u = 0; u < n; u++) {
		if (!is_present(h, u))
			continue;
		any = true;
		uint32_t lv = level_of(h, u);
		if (lv > top)
			top = lv;
		for (uint32_t l = 0; l <= lv; l++) {
			const uint32_t *lk = ids_of(h, u, l);
			uint32_t cnt = *count_of(h, u, l) & HDR_COUNT;
			for (uint32_t i = 0; i < cnt; i++) {
				uint32_t v = lk[i];
				if (v >= n || v == u || !is_present(h, v) || level_of(h, v) < l)
					return OMEN_ECORRUPT;
			}
		}
	}
	if (!any) {
		if (entry != HNSW_NO_NODE)
			return OMEN_ECORRUPT;
		atomic_store(&h->entry, ENTRY_NONE);
		return OMEN_OK;
	}
	if (entry >= n || !is_present(h, entry) || level_of(h, entry) != max_level || max_level != top)
		return OMEN_ECORRUPT;
	pthread_mutex_lock(&h->grow_lock);
	h->nfree = 0;
	int rc = OMEN_OK;
	for (uint32_t u = n; u > 0 && rc == OMEN_OK; u--) {
		if (!is_present(h, u - 1))
			rc = push_free(h, u - 1);
	}
	pthread_mutex_unlock(&h->grow_lock);
	if (rc != OMEN_OK)
		return rc;
	atomic_store(&h->entry, ((uint64_t)max_level << 32) | entry);
	return OMEN_OK;
}
