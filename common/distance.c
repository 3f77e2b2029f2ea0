#include "distance.h"

#include <math.h>
#include <simde/simde-f16.h>
#include <string.h>

/* Tables built from distance_simd.c, one per ISA compiled in. */
#ifdef OMEN_HAVE_AVX512
extern const distance_kernels distance_kernels_avx512;
#endif
#ifdef OMEN_HAVE_AVX2
extern const distance_kernels distance_kernels_avx2;
#endif
#ifdef OMEN_HAVE_SSE
extern const distance_kernels distance_kernels_sse;
#endif
#ifdef OMEN_HAVE_NEON
extern const distance_kernels distance_kernels_neon;
#endif
extern const distance_kernels distance_kernels_scalar;

size_t distance_variants(const distance_kernels **out, size_t max)
{
	size_t n = 0;
#define OFFER(table, supported)                                                                              \
	do {                                                                                                 \
		if ((supported) && n < max)                                                                  \
			out[n++] = &(table);                                                                 \
	} while (0)
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
#endif
#ifdef OMEN_HAVE_AVX512
	OFFER(distance_kernels_avx512, __builtin_cpu_supports("avx512f") &&
					   __builtin_cpu_supports("avx512dq") &&
					   __builtin_cpu_supports("f16c"));
#endif
#ifdef OMEN_HAVE_AVX2
	OFFER(distance_kernels_avx2, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
					 __builtin_cpu_supports("f16c"));
#endif
#ifdef OMEN_HAVE_SSE
	OFFER(distance_kernels_sse, __builtin_cpu_supports("sse2"));
#endif
#ifdef OMEN_HAVE_NEON
	OFFER(distance_kernels_neon, 1);
#endif
	OFFER(distance_kernels_scalar, 1);
#undef OFFER
	return n;
}

const distance_kernels *distance_best(void)
{
	/* Benign race: every thread computes the same pointer. */
	static const distance_kernels *_Atomic best;
	const distance_kernels *k = best;
	if (k == NULL) {
		const distance_kernels *v[1];
		distance_variants(v, 1);
		best = k = v[0];
	}
	return k;
}

float distance_compute(distance_metric metric, const float *a, const float *b, size_t n)
{
	const distance_kernels *k = distance_best();
	switch (metric) {
	case DISTANCE_L2:
		return sqrtf(k->l2sq(a, b, n));
	case DISTANCE_IP:
		return -k->dot(a, b, n);
	case DISTANCE_COSINE:
		return k->cosine(a, b, n);
	case DISTANCE_L1:
		return k->l1(a, b, n);
	default:
		return NAN;
	}
}

static const char *const metric_names[DISTANCE_METRIC_COUNT] = {
    [DISTANCE_L2] = "l2", [DISTANCE_IP] = "ip", [DISTANCE_COSINE] = "cosine", [DISTANCE_L1] = "l1"};

bool distance_metric_parse(const char *s, distance_metric *out)
{
	for (int i = 0; i < DISTANCE_METRIC_COUNT; i++) {
		if (strcmp(s, metric_names[i]) == 0) {
			*out = (distance_metric)i;
			return true;
		}
	}
	return false;
}

const char *distance_metric_name(distance_metric metric)
{
	if ((int)metric < 0 || metric >= DISTANCE_METRIC_COUNT)
		return "unknown";
	return metric_names[metric];
}

uint16_t distance_to_half(float x)
{
	simde_float16 h = simde_float16_from_float32(x);
	uint16_t out;
	memcpy(&out, &h, sizeof(out));
	return out;
}

float distance_from_half(uint16_t v)
{
	simde_float16 h;
	memcpy(&h, &v, sizeof(h));
	return simde_float16_to_float32(h);
}

bool distance_all_finite(const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			return false;
	}
	return true;
}
