/* The distance kernels, written once over a vector width W and compiled once
 * per instruction set (common/CMakeLists.txt sets DISTANCE_ISA_* and the -m
 * flags). Each build exports one `distance_kernels` table named after its
 * ISA; distance.c picks among them at run time. Kernels are static inline
 * over pointers so no SIMD type crosses a call boundary. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "distance.h"

#if defined(DISTANCE_ISA_AVX512) || defined(DISTANCE_ISA_AVX2)
/* Half-precision kernels run 8 lanes wide on both (F16C converts 8 halves). */
#include <simde/x86/avx2.h>
#include <simde/x86/f16c.h>
#include <simde/x86/fma.h>
#define HW 8
typedef simde__m256 hvec;
#define HZERO() simde_mm256_setzero_ps()
#define HLOADF(p) simde_mm256_loadu_ps(p)
#define HLOADH(p) simde_mm256_cvtph_ps(simde_mm_loadu_si128((const simde__m128i *)(const void *)(p)))
#define HADD(a, b) simde_mm256_add_ps(a, b)
#define HSUB(a, b) simde_mm256_sub_ps(a, b)
#define HMADD(a, b, c) simde_mm256_fmadd_ps(a, b, c)
#define HABS(a) simde_mm256_andnot_ps(simde_mm256_set1_ps(-0.0f), a)
static inline float hsum(hvec v)
{
	simde__m128 s = simde_mm_add_ps(simde_mm256_castps256_ps128(v), simde_mm256_extractf128_ps(v, 1));
	s = simde_mm_add_ps(s, simde_mm_movehl_ps(s, s));
	s = simde_mm_add_ss(s, simde_mm_shuffle_ps(s, s, 1));
	return simde_mm_cvtss_f32(s);
}
#endif

#if defined(DISTANCE_ISA_AVX512)
#include <simde/x86/avx512.h>
#define ISA_NAME "avx512"
#define TABLE distance_kernels_avx512
#define W 16
typedef simde__m512 vec;
#define VZERO() simde_mm512_setzero_ps()
#define VLOAD(p) simde_mm512_loadu_ps(p)
#define VADD(a, b) simde_mm512_add_ps(a, b)
#define VSUB(a, b) simde_mm512_sub_ps(a, b)
#define VMADD(a, b, c) simde_mm512_fmadd_ps(a, b, c)
#define VABS(a) simde_mm512_abs_ps(a)
/* simde 0.7 has no _mm512_reduce_add_ps: add the four 128-bit lanes. */
static inline float vsum(vec v)
{
	simde__m128 s = simde_mm_add_ps(
	    simde_mm_add_ps(simde_mm512_extractf32x4_ps(v, 0), simde_mm512_extractf32x4_ps(v, 1)),
	    simde_mm_add_ps(simde_mm512_extractf32x4_ps(v, 2), simde_mm512_extractf32x4_ps(v, 3)));
	s = simde_mm_add_ps(s, simde_mm_movehl_ps(s, s));
	s = simde_mm_add_ss(s, simde_mm_shuffle_ps(s, s, 1));
	return simde_mm_cvtss_f32(s);
}

#elif defined(DISTANCE_ISA_AVX2)
#include <simde/x86/avx2.h>
#include <simde/x86/fma.h>
#define ISA_NAME "avx2"
#define TABLE distance_kernels_avx2
#define W 8
typedef simde__m256 vec;
#define VZERO() simde_mm256_setzero_ps()
#define VLOAD(p) simde_mm256_loadu_ps(p)
#define VADD(a, b) simde_mm256_add_ps(a, b)
#define VSUB(a, b) simde_mm256_sub_ps(a, b)
#define VMADD(a, b, c) simde_mm256_fmadd_ps(a, b, c)
#define VABS(a) simde_mm256_andnot_ps(simde_mm256_set1_ps(-0.0f), a)
#define vsum hsum /* the same 8 lanes as the half-precision kernels */

#else /* 128-bit: SSE on x86, NEON on Arm, portable C everywhere else */
#if defined(DISTANCE_ISA_SCALAR)
#define SIMDE_NO_NATIVE
#define ISA_NAME "scalar"
#define TABLE distance_kernels_scalar
#elif defined(DISTANCE_ISA_NEON)
#define ISA_NAME "neon"
#define TABLE distance_kernels_neon
#elif defined(DISTANCE_ISA_SSE)
#define ISA_NAME "sse"
#define TABLE distance_kernels_sse
#else
#error "define one DISTANCE_ISA_*"
#endif
#include <simde/x86/f16c.h>
#include <simde/x86/sse.h>
#define W 4
#define HW 4
typedef simde__m128 hvec;
#define HZERO() simde_mm_setzero_ps()
#define HLOADF(p) simde_mm_loadu_ps(p)
#define HLOADH(p) simde_mm_cvtph_ps(simde_mm_loadl_epi64((const simde__m128i *)(const void *)(p)))
#define HADD(a, b) simde_mm_add_ps(a, b)
#define HSUB(a, b) simde_mm_sub_ps(a, b)
#define HMADD(a, b, c) simde_mm_add_ps(simde_mm_mul_ps(a, b), c)
#define HABS(a) simde_mm_andnot_ps(simde_mm_set1_ps(-0.0f), a)
#define hsum vsum
typedef simde__m128 vec;
#define VZERO() simde_mm_setzero_ps()
#define VLOAD(p) simde_mm_loadu_ps(p)
#define VADD(a, b) simde_mm_add_ps(a, b)
#define VSUB(a, b) simde_mm_sub_ps(a, b)
/* Without FMA hardware a fused multiply-add would be emulated: use mul+add. */
#define VMADD(a, b, c) simde_mm_add_ps(simde_mm_mul_ps(a, b), c)
#define VABS(a) simde_mm_andnot_ps(simde_mm_set1_ps(-0.0f), a)
static inline float vsum(vec v)
{
	simde__m128 s = simde_mm_add_ps(v, simde_mm_movehl_ps(v, v));
	s = simde_mm_add_ss(s, simde_mm_shuffle_ps(s, s, 1));
	return simde_mm_cvtss_f32(s);
}
#endif

/* Squared differences over n floats, n a multiple of 4W, as one vector of
 * lane sums: four independent accumulators hide the add latency. */
static inline vec l2sq_lanes(const float *a, const float *b, size_t n)
{
	vec s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
	for (size_t i = 0; i < n; i += 4 * W) {
		vec d0 = VSUB(VLOAD(a + i), VLOAD(b + i));
		vec d1 = VSUB(VLOAD(a + i + W), VLOAD(b + i + W));
		vec d2 = VSUB(VLOAD(a + i + 2 * W), VLOAD(b + i + 2 * W));
		vec d3 = VSUB(VLOAD(a + i + 3 * W), VLOAD(b + i + 3 * W));
		s0 = VMADD(d0, d0, s0);
		s1 = VMADD(d1, d1, s1);
		s2 = VMADD(d2, d2, s2);
		s3 = VMADD(d3, d3, s3);
	}
	return VADD(VADD(s0, s1), VADD(s2, s3));
}

/* The remainder below one vector is summed in scalar code so any dimension
 * and alignment works. */
static float k_l2sq(const float *a, const float *b, size_t n)
{
	size_t i = n - n % (4 * W);
	vec s = l2sq_lanes(a, b, i);
	for (; i + W <= n; i += W) {
		vec d = VSUB(VLOAD(a + i), VLOAD(b + i));
		s = VMADD(d, d, s);
	}
	float r = vsum(s);
	for (; i < n; i++) {
		float d = a[i] - b[i];
		r += d * d;
	}
	return r;
}

/* Squared L2 that may stop early: the sum is checked against bound after
 * every block of 128 dimensions, and once it exceeds bound the partial sum
 * (already > bound) is returned. A caller that only needs to know whether
 * a candidate beats bound then reads only part of a far candidate, which is
 * what most candidates of a graph walk are; a result <= bound is exact. */
#define BOUND_BLOCK 128
static float k_l2sq_bounded(const float *a, const float *b, size_t n, float bound)
{
	float r = 0.0f;
	size_t i = 0;
	for (; i + BOUND_BLOCK <= n; i += BOUND_BLOCK) {
		r += vsum(l2sq_lanes(a + i, b + i, BOUND_BLOCK));
		if (r > bound)
			return r;
	}
	return r + k_l2sq(a + i, b + i, n - i);
}

static float k_dot(const float *a, const float *b, size_t n)
{
	vec s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
	size_t i = 0;
	for (; i + 4 * W <= n; i += 4 * W) {
		s0 = VMADD(VLOAD(a + i), VLOAD(b + i), s0);
		s1 = VMADD(VLOAD(a + i + W), VLOAD(b + i + W), s1);
		s2 = VMADD(VLOAD(a + i + 2 * W), VLOAD(b + i + 2 * W), s2);
		s3 = VMADD(VLOAD(a + i + 3 * W), VLOAD(b + i + 3 * W), s3);
	}
	for (; i + W <= n; i += W)
		s0 = VMADD(VLOAD(a + i), VLOAD(b + i), s0);
	float r = vsum(VADD(VADD(s0, s1), VADD(s2, s3)));
	for (; i < n; i++)
		r += a[i] * b[i];
	return r;
}

static float k_l1(const float *a, const float *b, size_t n)
{
	vec s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
	size_t i = 0;
	for (; i + 4 * W <= n; i += 4 * W) {
		s0 = VADD(s0, VABS(VSUB(VLOAD(a + i), VLOAD(b + i))));
		s1 = VADD(s1, VABS(VSUB(VLOAD(a + i + W), VLOAD(b + i + W))));
		s2 = VADD(s2, VABS(VSUB(VLOAD(a + i + 2 * W), VLOAD(b + i + 2 * W))));
		s3 = VADD(s3, VABS(VSUB(VLOAD(a + i + 3 * W), VLOAD(b + i + 3 * W))));
	}
	for (; i + W <= n; i += W)
		s0 = VADD(s0, VABS(VSUB(VLOAD(a + i), VLOAD(b + i))));
	float r = vsum(VADD(VADD(s0, s1), VADD(s2, s3)));
	for (; i < n; i++)
		r += fabsf(a[i] - b[i]);
	return r;
}

/* pgvector's cosine_distance: float sums, the ratio in double, similarity
 * clamped to [-1, 1]; a zero norm gives NaN. */
static float k_cosine(const float *a, const float *b, size_t n)
{
	vec d0 = VZERO(), d1 = VZERO(), na0 = VZERO(), na1 = VZERO(), nb0 = VZERO(), nb1 = VZERO();
	size_t i = 0;
	for (; i + 2 * W <= n; i += 2 * W) {
		vec a0 = VLOAD(a + i), a1 = VLOAD(a + i + W);
		vec b0 = VLOAD(b + i), b1 = VLOAD(b + i + W);
		d0 = VMADD(a0, b0, d0);
		d1 = VMADD(a1, b1, d1);
		na0 = VMADD(a0, a0, na0);
		na1 = VMADD(a1, a1, na1);
		nb0 = VMADD(b0, b0, nb0);
		nb1 = VMADD(b1, b1, nb1);
	}
	float dot = vsum(VADD(d0, d1)), na = vsum(VADD(na0, na1)), nb = vsum(VADD(nb0, nb1));
	for (; i < n; i++) {
		dot += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	double sim = (double)dot / sqrt((double)na * (double)nb);
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	return (float)(1.0 - sim);
}

/* ---- float32 query against a float16 stored vector ---- */

static float h_l2sq_bounded(const float *a, const uint16_t *b, size_t n, float bound)
{
	float r = 0.0f;
	size_t i = 0;
	for (; i + BOUND_BLOCK <= n; i += BOUND_BLOCK) {
		hvec s0 = HZERO(), s1 = HZERO();
		for (size_t j = i; j < i + BOUND_BLOCK; j += 2 * HW) {
			hvec d0 = HSUB(HLOADF(a + j), HLOADH(b + j));
			hvec d1 = HSUB(HLOADF(a + j + HW), HLOADH(b + j + HW));
			s0 = HMADD(d0, d0, s0);
			s1 = HMADD(d1, d1, s1);
		}
		r += hsum(HADD(s0, s1));
		if (r > bound)
			return r;
	}
	hvec s = HZERO();
	for (; i + HW <= n; i += HW) {
		hvec d = HSUB(HLOADF(a + i), HLOADH(b + i));
		s = HMADD(d, d, s);
	}
	r += hsum(s);
	for (; i < n; i++) {
		float d = a[i] - distance_from_half(b[i]);
		r += d * d;
	}
	return r;
}

static float h_l2sq(const float *a, const uint16_t *b, size_t n)
{
	return h_l2sq_bounded(a, b, n, INFINITY);
}

static float h_dot(const float *a, const uint16_t *b, size_t n)
{
	hvec s0 = HZERO(), s1 = HZERO();
	size_t i = 0;
	for (; i + 2 * HW <= n; i += 2 * HW) {
		s0 = HMADD(HLOADF(a + i), HLOADH(b + i), s0);
		s1 = HMADD(HLOADF(a + i + HW), HLOADH(b + i + HW), s1);
	}
	float r = hsum(HADD(s0, s1));
	for (; i < n; i++)
		r += a[i] * distance_from_half(b[i]);
	return r;
}

static float h_l1(const float *a, const uint16_t *b, size_t n)
{
	hvec s0 = HZERO(), s1 = HZERO();
	size_t i = 0;
	for (; i + 2 * HW <= n; i += 2 * HW) {
		s0 = HADD(s0, HABS(HSUB(HLOADF(a + i), HLOADH(b + i))));
		s1 = HADD(s1, HABS(HSUB(HLOADF(a + i + HW), HLOADH(b + i + HW))));
	}
	float r = hsum(HADD(s0, s1));
	for (; i < n; i++)
		r += fabsf(a[i] - distance_from_half(b[i]));
	return r;
}

static void h_decode(const uint16_t *in, float *out, size_t n)
{
	size_t i = 0;
#if HW == 8
	for (; i + HW <= n; i += HW)
		simde_mm256_storeu_ps(out + i, HLOADH(in + i));
#else
	for (; i + HW <= n; i += HW)
		simde_mm_storeu_ps(out + i, HLOADH(in + i));
#endif
	for (; i < n; i++)
		out[i] = distance_from_half(in[i]);
}

const distance_kernels TABLE = {
    .isa = ISA_NAME,
    .l2sq = k_l2sq,
    .dot = k_dot,
    .cosine = k_cosine,
    .l1 = k_l1,
    .l2sq_bounded = k_l2sq_bounded,
    .half_l2sq = h_l2sq,
    .half_l2sq_bounded = h_l2sq_bounded,
    .half_dot = h_dot,
    .half_l1 = h_l1,
    .half_decode = h_decode,
};
