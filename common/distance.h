/* Distance kernels for float32 vectors of any dimension. One simde source is
 * compiled once per instruction set (AVX-512, AVX2+FMA, SSE4.1, NEON, scalar)
 * and the best one the CPU supports is chosen at run time.
 *
 * NaN and infinity follow IEEE 754 arithmetic: a NaN anywhere in either input
 * gives NaN; an infinity gives an infinity or NaN exactly as the scalar
 * formula would (inf - inf = NaN). Callers that need finite vectors (the
 * index) check with distance_all_finite() first. */
#ifndef OMEN_DISTANCE_H
#define OMEN_DISTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum distance_metric {
	DISTANCE_L2 = 0, /* pgvector <->: Euclidean distance */
	DISTANCE_IP,	 /* pgvector <#>: negative inner product */
	DISTANCE_COSINE, /* pgvector <=>: 1 - cosine similarity */
	DISTANCE_L1,	 /* pgvector <+>: taxicab distance */
	DISTANCE_METRIC_COUNT
} distance_metric;

typedef float (*distance_fn)(const float *a, const float *b, size_t n);
typedef float (*distance_bounded_fn)(const float *a, const float *b, size_t n, float bound);
/* a in float32, b in IEEE 754 binary16 (half precision), as an index with
 * half-precision storage keeps its vectors. */
typedef float (*distance_half_fn)(const float *a, const uint16_t *b, size_t n);
typedef float (*distance_half_bounded_fn)(const float *a, const uint16_t *b, size_t n, float bound);

/* One instruction-set variant of every kernel. */
typedef struct distance_kernels {
	const char *isa;    /* "avx512", "avx2", "sse4", "neon", "scalar" */
	distance_fn l2sq;   /* sum (a_i - b_i)^2 */
	distance_fn dot;    /* sum a_i * b_i */
	distance_fn cosine; /* 1 - dot / sqrt(|a|^2 |b|^2); NaN if a norm is 0 */
	distance_fn l1;	    /* sum |a_i - b_i| */
	/* l2sq when the result is <= bound; otherwise some value > bound
	 * (the kernel may stop reading early). */
	distance_bounded_fn l2sq_bounded;
	distance_half_fn half_l2sq;
	distance_half_bounded_fn half_l2sq_bounded;
	distance_half_fn half_dot;
	distance_half_fn half_l1;
	void (*half_decode)(const uint16_t *in, float *out, size_t n);
} distance_kernels;

/* Round-to-nearest-even conversions between float32 and binary16. A value
 * beyond binary16's range (|x| > 65504) becomes an infinity. */
uint16_t distance_to_half(float x);
float distance_from_half(uint16_t h);

/* The fastest variant this CPU runs. Never NULL; thread-safe. */
const distance_kernels *distance_best(void);

/* Every variant compiled in and supported by this CPU, best first, scalar
 * last. Writes at most max pointers to out and returns how many it wrote. */
size_t distance_variants(const distance_kernels **out, size_t max);

/* pgvector's definition of the metric's distance between a and b, computed
 * with distance_best(): sqrt for L2, -dot for IP. */
float distance_compute(distance_metric metric, const float *a, const float *b, size_t n);

/* Parses "l2", "ip", "cosine", "l1"; returns false on anything else. */
bool distance_metric_parse(const char *s, distance_metric *out);
const char *distance_metric_name(distance_metric metric);

/* True when no element is NaN or infinite. */
bool distance_all_finite(const float *v, size_t n);

#endif
