/* datagen: writes a synthetic benchmark set (base, queries, exact top-k ground
 * truth) that looks to an ANN index like a real one: clustered, with a low
 * intrinsic dimension inside a high ambient one. Same seed, same bytes. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dataset.h"
#include "distance.h"
#include "error.h"

/* --- Random numbers: splitmix64 to seed, xoshiro256** to draw --- */

/* Vigna's splitmix64 step: a bijective mixer, so distinct inputs give
 * distinct, well-spread seeds. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

typedef struct rng {
	uint64_t s[4];
	bool has_spare; /* Box-Muller makes normals in pairs */
	double spare;
} rng;

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman & Vigna, 2018). */
static uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s;
	const uint64_t result = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Every row has its own generator, keyed by (seed, stream, row): the output
 * does not depend on how rows are spread over threads. */
static void rng_seed(rng *r, uint64_t seed, uint64_t stream, uint64_t row)
{
	uint64_t sm = seed;
	sm = splitmix64(&sm) ^ (stream * 0xd1b54a32d192ed03ull);
	sm = splitmix64(&sm) ^ row;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&sm);
	r->has_spare = false;
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_uniform(rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Box-Muller transform: two uniforms give two independent N(0,1). */
static double rng_normal(rng *r)
{
	if (r->has_spare) {
		r->has_spare = false;
		return r->spare;
	}
	double u1 = 1.0 - rng_uniform(r); /* (0, 1]: log stays finite */
	double u2 = rng_uniform(r);
	double rad = sqrt(-2.0 * log(u1));
	r->spare = rad * sin(2.0 * M_PI * u2);
	r->has_spare = true;
	return rad * cos(2.0 * M_PI * u2);
}

/* --- The generative model ---
 *
 * A point is a latent vector z = centre[c] + scale[c] * spectrum * N(0, I_L)
 * for a cluster c drawn with Zipf-like weights, mapped to the ambient space by
 * a fixed random matrix, x = W z + noise * N(0, I_D), then finished per kind:
 *  - sift: made non-negative and SIFT-shaped (normalise, clip each component
 *    at 0.2, normalise again to length 512, round to integers), as Lowe's
 *    descriptors are;
 *  - embedding: normalised to unit length, as sentence embeddings are.
 * The latent dimension L and how fast its axes' spread decays set the
 * intrinsic dimension, and so how hard the set is for a graph index; the
 * defaults in main() were calibrated against hnswlib (bench/README.md). */

typedef enum kind { KIND_SIFT, KIND_EMBEDDING } kind;

typedef struct model_params {
	uint32_t dim;	   /* ambient dimension D */
	uint32_t latent;   /* latent dimension L */
	uint32_t clusters; /* mixture components */
	double centre_sd;  /* spread of cluster centres in latent space */
	double decay;	   /* latent axis j has sd (j+1)^-decay */
	double noise;	   /* ambient isotropic noise sd, relative to signal */
} model_params;

typedef struct model {
	kind kind;
	model_params p;
	float *w;	 /* D x L mixing matrix, row-major */
	float *bias;	 /* D: ambient offset (keeps SIFT mostly positive) */
	float *centres;	 /* clusters x L */
	float *scales;	 /* clusters: each cluster has its own width */
	double *cdf;	 /* clusters: cumulative cluster weights */
	float *spectrum; /* L: per-axis sd inside a cluster */
} model;

static void model_free(model *m)
{
	free(m->w);
	free(m->bias);
	free(m->centres);
	free(m->scales);
	free(m->cdf);
	free(m->spectrum);
}

static int model_init(model *m, kind k, const model_params *p, uint64_t seed)
{
	memset(m, 0, sizeof(*m));
	m->kind = k;
	m->p = *p;
	const size_t D = p->dim, L = p->latent, C = p->clusters;
	m->w = malloc(D * L * sizeof(float));
	m->bias = malloc(D * sizeof(float));
	m->centres = malloc(C * L * sizeof(float));
	m->scales = malloc(C * sizeof(float));
	m->cdf = malloc(C * sizeof(double));
	m->spectrum = malloc(L * sizeof(float));
	if (!m->w || !m->bias || !m->centres || !m->scales || !m->cdf || !m->spectrum) {
		model_free(m);
		return OMEN_ENOMEM;
	}
	rng r;
	rng_seed(&r, seed, 0, 0);
	/* Columns of W have unit expected norm, so a latent unit step moves
	 * the point by about one unit in the ambient space. */
	const double wsd = 1.0 / sqrt((double)D);
	for (size_t i = 0; i < D * L; i++)
		m->w[i] = (float)(rng_normal(&r) * wsd);
	for (size_t i = 0; i < D; i++)
		m->bias[i] = k == KIND_SIFT ? (float)(fabs(rng_normal(&r)) * 1.5 * wsd) : 0.0f;
	for (size_t i = 0; i < C * L; i++)
		m->centres[i] = (float)(rng_normal(&r) * p->centre_sd);
	double total = 0;
	for (size_t c = 0; c < C; c++) {
		m->scales[c] = (float)(0.6 + 0.8 * rng_uniform(&r));
		total += 1.0 / pow((double)c + 1.0, 0.5);
		m->cdf[c] = total;
	}
	for (size_t c = 0; c < C; c++)
		m->cdf[c] /= total;
	for (size_t j = 0; j < L; j++)
		m->spectrum[j] = (float)pow((double)j + 1.0, -p->decay);
	return OMEN_OK;
}

static uint32_t model_pick_cluster(const model *m, rng *r)
{
	double u = rng_uniform(r);
	uint32_t lo = 0, hi = m->p.clusters - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void normalise(float *x, size_t n, double length)
{
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (double)x[i] * x[i];
	if (ss <= 0) {
		/* A zero vector has no direction; give it one rather than emit
		 * NaN (cosine indexes reject zero vectors). */
		x[0] = (float)length;
		return;
	}
	const double f = length / sqrt(ss);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(x[i] * f);
}

/* Writes one point into out (D floats); z is L floats of scratch. */
static void model_sample(const model *m, rng *r, float *z, float *out)
{
	const size_t D = m->p.dim, L = m->p.latent;
	const uint32_t c = model_pick_cluster(m, r);
	const float *centre = m->centres + (size_t)c * L;
	for (size_t j = 0; j < L; j++)
		z[j] = centre[j] + (float)rng_normal(r) * m->scales[c] * m->spectrum[j];
	double signal = 0;
	for (size_t i = 0; i < D; i++) {
		const float *wi = m->w + i * L;
		float acc = m->bias[i];
		for (size_t j = 0; j < L; j++)
			acc += wi[j] * z[j];
		out[i] = acc;
		signal += (double)acc * acc;
	}
	/* Noise is relative to the point's own per-component magnitude, so it
	 * means the same thing whatever the centres' spread. */
	const double nsd = m->p.noise * sqrt(signal / (double)D);
	for (size_t i = 0; i < D; i++)
		out[i] += (float)(rng_normal(r) * nsd);

	if (m->kind == KIND_EMBEDDING) {
		normalise(out, D, 1.0);
		return;
	}
	/* SIFT (Lowe 2004, section 6.1): non-negative histogram, unit length,
	 * components clipped at 0.2, renormalised; stored as integers. */
	for (size_t i = 0; i < D; i++)
		out[i] = out[i] > 0 ? out[i] : 0;
	normalise(out, D, 1.0);
	for (size_t i = 0; i < D; i++)
		out[i] = out[i] < 0.2f ? out[i] : 0.2f;
	normalise(out, D, 512.0);
	for (size_t i = 0; i < D; i++)
		out[i] = fminf(255.0f, rintf(out[i]));
}

/* --- Parallel loops --- */

typedef struct job job;
typedef void (*job_fn)(job *jb, size_t item, void *scratch);

/* Threads pull items from a shared counter, so uneven items balance. */
struct job {
	job_fn fn;
	size_t items;
	atomic_size_t next;
	atomic_size_t done;
	size_t scratch_bytes;
	const char *label; /* progress label on stderr, NULL for none */
	struct timespec start;
	pthread_mutex_t print_lock;
	int last_pct; /* under print_lock */
	void *ctx;
};

static double elapsed_s(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) * 1e-9;
}

static void *job_worker(void *arg)
{
	job *jb = arg;
	void *scratch = malloc(jb->scratch_bytes ? jb->scratch_bytes : 1);
	if (scratch == NULL) {
		fprintf(stderr, "datagen: out of memory\n");
		exit(1);
	}
	for (;;) {
		size_t i = atomic_fetch_add(&jb->next, 1);
		if (i >= jb->items)
			break;
		jb->fn(jb, i, scratch);
		size_t d = atomic_fetch_add(&jb->done, 1) + 1;
		if (jb->label == NULL)
			continue;
		int pct = (int)(d * 100 / jb->items);
		/* Lines come in order: the check and the print share a lock. */
		pthread_mutex_lock(&jb->print_lock);
		if (pct >= jb->last_pct + 2 || d == jb->items) {
			jb->last_pct = pct;
			double t = elapsed_s(&jb->start);
			fprintf(stderr, "datagen: %s %3d%% (%zu/%zu) %.1fs, eta %.1fs\n", jb->label, pct, d,
				jb->items, t, t * (double)(jb->items - d) / (double)d);
		}
		pthread_mutex_unlock(&jb->print_lock);
	}
	free(scratch);
	return NULL;
}

static int job_run(job *jb, unsigned threads)
{
	atomic_init(&jb->next, 0);
	atomic_init(&jb->done, 0);
	jb->last_pct = 0;
	pthread_mutex_init(&jb->print_lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &jb->start);
	pthread_t tid[256];
	if (threads > 256)
		threads = 256;
	unsigned started = 0;
	for (; started < threads; started++) {
		if (pthread_create(&tid[started], NULL, job_worker, jb) != 0)
			break;
	}
	if (started == 0)
		job_worker(jb);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&jb->print_lock);
	return OMEN_OK;
}

/* --- Sampling rows --- */

typedef struct sample_ctx {
	const model *m;
	uint64_t seed;
	uint64_t stream;
	size_t rows;
	float *out;
} sample_ctx;

#define SAMPLE_ROWS_PER_ITEM 256

static void sample_item(job *jb, size_t item, void *scratch)
{
	sample_ctx *sc = jb->ctx;
	const size_t D = sc->m->p.dim;
	size_t end = (item + 1) * SAMPLE_ROWS_PER_ITEM;
	if (end > sc->rows)
		end = sc->rows;
	for (size_t row = item * SAMPLE_ROWS_PER_ITEM; row < end; row++) {
		rng r;
		rng_seed(&r, sc->seed, sc->stream, row);
		model_sample(sc->m, &r, scratch, sc->out + row * D);
	}
}

/* Fills out (rows x D) from the model; distinct streams keep base and
 * queries independent. */
static void sample_rows(const model *m, uint64_t seed, uint64_t stream, size_t rows, float *out,
			unsigned threads)
{
	sample_ctx sc = {.m = m, .seed = seed, .stream = stream, .rows = rows, .out = out};
	job jb = {.fn = sample_item,
		  .items = (rows + SAMPLE_ROWS_PER_ITEM - 1) / SAMPLE_ROWS_PER_ITEM,
		  .scratch_bytes = m->p.latent * sizeof(float),
		  .ctx = &sc};
	job_run(&jb, threads);
}

/* --- Exact ground truth --- */

typedef struct gt_ctx {
	const float *base;
	size_t n;
	const float *queries;
	size_t nq;
	size_t dim;
	size_t k;
	int32_t *out; /* nq x k */
} gt_ctx;

/* Queries per work item: each tile of base rows is reused from cache for
 * all of them, which turns a memory-bound scan into a compute-bound one. */
#define GT_QUERIES_PER_ITEM 16
#define GT_TILE_BYTES (192u * 1024u)

typedef struct gt_entry {
	float dist;
	int32_t id;
} gt_entry;

/* Total order on (distance, id): ties resolve the same way every run. */
static bool gt_less(gt_entry a, gt_entry b)
{
	return a.dist < b.dist || (a.dist == b.dist && a.id < b.id);
}

/* Max-heap of the k best so far; heap[0] is the worst kept. */
static void gt_sift_down(gt_entry *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, big = i;
		if (l < n && gt_less(heap[big], heap[l]))
			big = l;
		if (r < n && gt_less(heap[big], heap[r]))
			big = r;
		if (big == i)
			return;
		gt_entry t = heap[i];
		heap[i] = heap[big];
		heap[big] = t;
		i = big;
	}
}

static void gt_sift_up(gt_entry *heap, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!gt_less(heap[parent], heap[i]))
			return;
		gt_entry t = heap[i];
		heap[i] = heap[parent];
		heap[parent] = t;
		i = parent;
	}
}

static int gt_cmp(const void *pa, const void *pb)
{
	gt_entry a = *(const gt_entry *)pa, b = *(const gt_entry *)pb;
	return gt_less(a, b) ? -1 : gt_less(b, a) ? 1 : 0;
}

static void gt_item(job *jb, size_t item, void *scratch)
{
	const gt_ctx *g = jb->ctx;
	const distance_fn l2sq = distance_best()->l2sq;
	const size_t q0 = item * GT_QUERIES_PER_ITEM;
	const size_t nq = g->nq - q0 < GT_QUERIES_PER_ITEM ? g->nq - q0 : GT_QUERIES_PER_ITEM;
	gt_entry *heaps = scratch; /* nq heaps of k */
	size_t fill[GT_QUERIES_PER_ITEM] = {0};
	size_t tile = GT_TILE_BYTES / (g->dim * sizeof(float));
	if (tile == 0)
		tile = 1;

	for (size_t t0 = 0; t0 < g->n; t0 += tile) {
		const size_t t1 = t0 + tile < g->n ? t0 + tile : g->n;
		for (size_t qi = 0; qi < nq; qi++) {
			const float *q = g->queries + (q0 + qi) * g->dim;
			gt_entry *heap = heaps + qi * g->k;
			for (size_t i = t0; i < t1; i++) {
				gt_entry e = {l2sq(q, g->base + i * g->dim, g->dim), (int32_t)i};
				if (fill[qi] < g->k) {
					heap[fill[qi]] = e;
					gt_sift_up(heap, fill[qi]++);
				} else if (gt_less(e, heap[0])) {
					heap[0] = e;
					gt_sift_down(heap, g->k, 0);
				}
			}
		}
	}
	for (size_t qi = 0; qi < nq; qi++) {
		gt_entry *heap = heaps + qi * g->k;
		qsort(heap, g->k, sizeof(*heap), gt_cmp);
		for (size_t j = 0; j < g->k; j++)
			g->out[(q0 + qi) * g->k + j] = heap[j].id;
	}
}

/* --- Command line --- */

static void usage(FILE *f)
{
	fprintf(f, "usage: datagen --kind sift|embedding --n N --queries Q --out PREFIX\n"
		   "               [--dim D] [--k 100] [--seed 1] [--threads T]\n"
		   "               [--latent L] [--decay X] [--clusters C] [--noise X]\n"
		   "Writes PREFIX.base.fvecs, PREFIX.query.fvecs and PREFIX.gt.ivecs (exact\n"
		   "L2 top-k ids of each query). Same arguments, same bytes, whatever T.\n"
		   "sift: 128-d, latent 28, decay 0; embedding: 768-d unit vectors, latent 32,\n"
		   "decay 0.05; both 256 clusters, noise 0.15. The latent/decay/clusters/noise\n"
		   "knobs change how hard the set is; the defaults are the calibrated ones\n"
		   "(bench/README.md).\n");
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0)
		return false;
	*out = v;
	return true;
}

static unsigned cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static int write_or_report(int rc, const char *path)
{
	if (rc != OMEN_OK)
		fprintf(stderr, "datagen: writing %s: %s (%s)\n", path, error_message(rc),
			rc == OMEN_EIO ? strerror(errno) : error_name(rc));
	return rc;
}

int main(int argc, char **argv)
{
	enum {
		OPT_KIND = 1,
		OPT_N,
		OPT_Q,
		OPT_DIM,
		OPT_K,
		OPT_SEED,
		OPT_OUT,
		OPT_THREADS,
		OPT_LATENT,
		OPT_CLUSTERS,
		OPT_NOISE,
		OPT_DECAY,
		OPT_HELP
	};
	static const struct option opts[] = {
	    {"kind", required_argument, NULL, OPT_KIND},
	    {"n", required_argument, NULL, OPT_N},
	    {"queries", required_argument, NULL, OPT_Q},
	    {"dim", required_argument, NULL, OPT_DIM},
	    {"k", required_argument, NULL, OPT_K},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"latent", required_argument, NULL, OPT_LATENT},
	    {"clusters", required_argument, NULL, OPT_CLUSTERS},
	    {"noise", required_argument, NULL, OPT_NOISE},
	    {"decay", required_argument, NULL, OPT_DECAY},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	const char *kind_name = NULL, *prefix = NULL;
	uint64_t n = 0, nq = 0, dim = 0, k = 100, seed = 1, threads = 0, latent = 0, clusters = 0;
	double noise = -1, decay = -1;
	bool ok = true;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KIND:
			kind_name = optarg;
			break;
		case OPT_N:
			ok = ok && parse_u64(optarg, &n);
			break;
		case OPT_Q:
			ok = ok && parse_u64(optarg, &nq);
			break;
		case OPT_DIM:
			ok = ok && parse_u64(optarg, &dim);
			break;
		case OPT_K:
			ok = ok && parse_u64(optarg, &k);
			break;
		case OPT_SEED:
			ok = ok && parse_u64(optarg, &seed);
			break;
		case OPT_OUT:
			prefix = optarg;
			break;
		case OPT_THREADS:
			ok = ok && parse_u64(optarg, &threads);
			break;
		case OPT_LATENT:
			ok = ok && parse_u64(optarg, &latent);
			break;
		case OPT_CLUSTERS:
			ok = ok && parse_u64(optarg, &clusters);
			break;
		case OPT_NOISE:
			ok = ok && parse_double(optarg, &noise);
			break;
		case OPT_DECAY:
			ok = ok && parse_double(optarg, &decay);
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			ok = false;
		}
	}
	kind kd;
	model_params p;
	if (kind_name != NULL && strcmp(kind_name, "sift") == 0) {
		kd = KIND_SIFT;
		p = (model_params){
		    .dim = 128, .latent = 28, .clusters = 256, .centre_sd = 1.0, .decay = 0.0, .noise = 0.15};
	} else if (kind_name != NULL && strcmp(kind_name, "embedding") == 0) {
		kd = KIND_EMBEDDING;
		p = (model_params){.dim = 768,
				   .latent = 32,
				   .clusters = 256,
				   .centre_sd = 1.0,
				   .decay = 0.05,
				   .noise = 0.15};
	} else {
		ok = false;
	}
	if (!ok || optind != argc || prefix == NULL || n == 0 || nq == 0 || k == 0 || k > n ||
	    n > INT32_MAX || nq > INT32_MAX || dim > DATASET_MAX_DIM || latent > 4096 || clusters > 1000000 ||
	    threads > 256) {
		usage(stderr);
		return 2;
	}
	if (dim != 0)
		p.dim = (uint32_t)dim;
	if (latent != 0)
		p.latent = (uint32_t)latent;
	/* More latent than ambient dimensions adds nothing but cost. */
	if (p.latent > p.dim)
		p.latent = p.dim;
	if (clusters != 0)
		p.clusters = (uint32_t)clusters;
	if (noise >= 0)
		p.noise = noise;
	if (decay >= 0)
		p.decay = decay;
	unsigned nthreads = threads != 0 ? (unsigned)threads : cpu_count();

	model m;
	if (model_init(&m, kd, &p, seed) != OMEN_OK) {
		fprintf(stderr, "datagen: out of memory\n");
		return 1;
	}
	float *base = malloc(n * p.dim * sizeof(float));
	float *queries = malloc(nq * p.dim * sizeof(float));
	int32_t *gt = malloc(nq * k * sizeof(int32_t));
	if (base == NULL || queries == NULL || gt == NULL) {
		fprintf(stderr, "datagen: out of memory\n");
		return 1;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sample_rows(&m, seed, 1, n, base, nthreads);
	sample_rows(&m, seed, 2, nq, queries, nthreads);
	fprintf(stderr, "datagen: %s, %" PRIu64 " base + %" PRIu64 " queries of dim %u sampled in %.1fs\n",
		kind_name, n, nq, p.dim, elapsed_s(&t0));

	gt_ctx g = {.base = base, .n = n, .queries = queries, .nq = nq, .dim = p.dim, .k = k, .out = gt};
	job jb = {.fn = gt_item,
		  .items = (nq + GT_QUERIES_PER_ITEM - 1) / GT_QUERIES_PER_ITEM,
		  .scratch_bytes = GT_QUERIES_PER_ITEM * k * sizeof(gt_entry),
		  .label = "ground truth",
		  .ctx = &g};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	job_run(&jb, nthreads);
	fprintf(stderr, "datagen: ground truth (top-%" PRIu64 ", %u threads) in %.1fs\n", k, nthreads,
		elapsed_s(&t0));

	size_t len = strlen(prefix) + 32;
	char *path = malloc(len);
	int rc = path == NULL ? OMEN_ENOMEM : OMEN_OK;
	if (rc == OMEN_OK) {
		snprintf(path, len, "%s.base.fvecs", prefix);
		rc = write_or_report(dataset_write_fvecs(path, base, n, p.dim), path);
	}
	if (rc == OMEN_OK) {
		snprintf(path, len, "%s.query.fvecs", prefix);
		rc = write_or_report(dataset_write_fvecs(path, queries, nq, p.dim), path);
	}
	if (rc == OMEN_OK) {
		snprintf(path, len, "%s.gt.ivecs", prefix);
		rc = write_or_report(dataset_write_ivecs(path, gt, nq, k), path);
	}
	free(path);
	free(gt);
	free(queries);
	free(base);
	model_free(&m);
	return rc == OMEN_OK ? 0 : 1;
}
