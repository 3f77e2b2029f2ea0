/* Every compiled-in kernel variant the CPU runs, against a double-precision
 * scalar reference, for every dimension 1..2000, unaligned inputs, and NaN
 * and infinity inputs. */
#include <math.h>
#include <stdint.h>

#include "distance.h"
#include "test.h"

#define MAXD 2000

static uint64_t rng = 42;
static float frand(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (float)((double)(rng >> 40) / (double)(1ull << 24)) * 2.0f - 1.0f;
}

enum { K_L2SQ, K_DOT, K_COSINE, K_L1, K_COUNT };

/* The reference, in double; scale is the sum of |terms| for tolerances. */
static double reference(int kind, const float *a, const float *b, size_t n, double *scale)
{
	double s = 0, na = 0, nb = 0, sc = 0;
	for (size_t i = 0; i < n; i++) {
		double x = a[i], y = b[i];
		switch (kind) {
		case K_L2SQ:
			s += (x - y) * (x - y);
			sc += (x - y) * (x - y);
			break;
		case K_DOT:
		case K_COSINE:
			s += x * y;
			sc += fabs(x * y);
			na += x * x;
			nb += y * y;
			break;
		case K_L1:
			s += fabs(x - y);
			sc += fabs(x - y);
			break;
		}
	}
	*scale = sc;
	if (kind == K_COSINE) {
		double sim = s / sqrt(na * nb);
		if (sim > 1)
			sim = 1;
		else if (sim < -1)
			sim = -1;
		*scale = 1;
		return 1 - sim;
	}
	return s;
}

static float call(const distance_kernels *k, int kind, const float *a, const float *b, size_t n)
{
	switch (kind) {
	case K_L2SQ:
		return k->l2sq(a, b, n);
	case K_DOT:
		return k->dot(a, b, n);
	case K_COSINE:
		return k->cosine(a, b, n);
	default:
		return k->l1(a, b, n);
	}
}

static const char *kind_name[K_COUNT] = {"l2sq", "dot", "cosine", "l1"};

static void test_variants_listed_scalar_last(void)
{
	const distance_kernels *v[8];
	size_t n = distance_variants(v, 8);
	CHECK(n >= 1);
	CHECK(strcmp(v[n - 1]->isa, "scalar") == 0);
	CHECK(distance_best() == v[0]);
	for (size_t i = 0; i < n; i++)
		printf("  variant %s\n", v[i]->isa);
}

static void test_exact_every_dimension_unaligned(void)
{
	static float abuf[MAXD + 16], bbuf[MAXD + 16];
	const distance_kernels *v[8];
	size_t nv = distance_variants(v, 8);
	for (size_t i = 0; i < MAXD + 16; i++) {
		abuf[i] = frand() * 10;
		bbuf[i] = frand() * 10;
	}
	int bad = 0;
	for (size_t d = 1; d <= MAXD; d++) {
		/* offsets 0..3 floats: 16-, 8- and 4-byte alignment, never 32/64 only */
		const float *a = abuf + (d % 4), *b = bbuf + ((d / 4) % 4);
		for (int kind = 0; kind < K_COUNT; kind++) {
			double scale, ref = reference(kind, a, b, d, &scale);
			for (size_t j = 0; j < nv; j++) {
				double got = call(v[j], kind, a, b, d);
				double tol = 2e-6 * scale + 1e-6;
				if (kind == K_COSINE)
					tol = 1e-5;
				if (!(fabs(got - ref) <= tol) && bad++ < 10)
					fprintf(stderr, "  %s %s d=%zu got %.9g want %.9g\n", v[j]->isa,
						kind_name[kind], d, got, ref);
			}
		}
	}
	CHECK_EQ_INT(bad, 0);
}

/* l2sq_bounded is exact at or below the bound and above it otherwise. */
static void test_bounded_l2_exact_below_bound_above_otherwise(void)
{
	static float a[MAXD + 4], b[MAXD + 4];
	const distance_kernels *v[8];
	size_t nv = distance_variants(v, 8);
	for (size_t i = 0; i < MAXD + 4; i++) {
		a[i] = frand();
		b[i] = frand();
	}
	int bad = 0;
	for (size_t d = 1; d <= MAXD; d += 7) {
		double scale, ref = reference(K_L2SQ, a + 1, b + 3, d, &scale);
		float fractions[] = {0.1f, 0.5f, 0.99f, 1.01f, 2.0f, INFINITY};
		for (size_t j = 0; j < nv; j++) {
			for (size_t f = 0; f < 6; f++) {
				float bound = (float)ref * fractions[f];
				float got = v[j]->l2sq_bounded(a + 1, b + 3, d, bound);
				bool ok = fractions[f] > 1.0f ? fabs(got - ref) <= 2e-6 * scale + 1e-6
							      : got > bound;
				if (!ok && bad++ < 10)
					fprintf(stderr, "  %s d=%zu bound=%g got %g want %g\n", v[j]->isa, d,
						bound, got, ref);
			}
		}
	}
	CHECK_EQ_INT(bad, 0);
}

/* Half-precision kernels against the double reference over the decoded
 * values, i.e. exactly what the index stores. */
static void test_half_kernels_exact_every_dimension(void)
{
	static float a[MAXD + 8], bf[MAXD + 8], bd[MAXD + 8], dec[MAXD + 8];
	static uint16_t bh[MAXD + 8];
	const distance_kernels *v[8];
	size_t nv = distance_variants(v, 8);
	for (size_t i = 0; i < MAXD + 8; i++) {
		a[i] = frand() * 3;
		bf[i] = frand() * 3;
		bh[i] = distance_to_half(bf[i]);
		bd[i] = distance_from_half(bh[i]);
		CHECK(fabsf(bd[i] - bf[i]) <= fabsf(bf[i]) * 0x1p-11f + 0x1p-24f);
	}
	int bad = 0;
	for (size_t d = 1; d <= MAXD; d++) {
		const float *q = a + (d % 3);
		const uint16_t *h = bh + ((d / 3) % 5);
		const float *hd = bd + ((d / 3) % 5);
		double sl, sd, s1;
		double rl = reference(K_L2SQ, q, hd, d, &sl), rd = reference(K_DOT, q, hd, d, &sd);
		double r1 = reference(K_L1, q, hd, d, &s1);
		for (size_t j = 0; j < nv; j++) {
			bool ok = fabs(v[j]->half_l2sq(q, h, d) - rl) <= 2e-6 * sl + 1e-6 &&
				  fabs(v[j]->half_dot(q, h, d) - rd) <= 2e-6 * sd + 1e-6 &&
				  fabs(v[j]->half_l1(q, h, d) - r1) <= 2e-6 * s1 + 1e-6 &&
				  fabs(v[j]->half_l2sq_bounded(q, h, d, INFINITY) - rl) <= 2e-6 * sl + 1e-6 &&
				  v[j]->half_l2sq_bounded(q, h, d, (float)rl * 0.5f) > (float)rl * 0.5f;
			v[j]->half_decode(h, dec, d);
			ok = ok && memcmp(dec, hd, d * sizeof(float)) == 0;
			if (!ok && bad++ < 10)
				fprintf(stderr, "  %s half kernels wrong at d=%zu\n", v[j]->isa, d);
		}
	}
	CHECK_EQ_INT(bad, 0);
}

static void test_half_conversion_rounds_and_overflows(void)
{
	CHECK(distance_from_half(distance_to_half(1.0f)) == 1.0f);
	CHECK(distance_from_half(distance_to_half(65504.0f)) == 65504.0f);
	CHECK(distance_from_half(distance_to_half(-2.5f)) == -2.5f);
	CHECK(isinf(distance_from_half(distance_to_half(1e6f))));
	CHECK(isnan(distance_from_half(distance_to_half(NAN))));
	/* 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even, i.e. 1 */
	CHECK(distance_from_half(distance_to_half(1.0f + 0x1p-11f)) == 1.0f);
}

static void test_nan_anywhere_gives_nan(void)
{
	static float a[67], b[67];
	const distance_kernels *v[8];
	size_t nv = distance_variants(v, 8);
	for (size_t pos = 0; pos < 67; pos += 11) {
		for (size_t i = 0; i < 67; i++)
			a[i] = b[i] = frand();
		a[pos] = NAN;
		for (size_t j = 0; j < nv; j++)
			for (int kind = 0; kind < K_COUNT; kind++)
				CHECK(isnan(call(v[j], kind, a, b, 67)));
	}
}

static void test_infinity_follows_ieee(void)
{
	static float a[37], b[37];
	const distance_kernels *v[8];
	size_t nv = distance_variants(v, 8);
	for (size_t i = 0; i < 37; i++) {
		a[i] = frand();
		b[i] = 0.5f;
	}
	a[36] = INFINITY; /* in the scalar tail for every width */
	a[3] = -INFINITY; /* in a vector lane */
	for (size_t j = 0; j < nv; j++) {
		CHECK(isinf(v[j]->l2sq(a, b, 37)) && v[j]->l2sq(a, b, 37) > 0);
		CHECK(isinf(v[j]->l1(a, b, 37)));
		/* +inf * 0.5 + -inf * 0.5 = NaN, as IEEE says */
		CHECK(isnan(v[j]->dot(a, b, 37)));
		CHECK(isnan(v[j]->l2sq(a, a, 37))); /* inf - inf */
	}
}

static void test_cosine_of_zero_vector_is_nan(void)
{
	float z[5] = {0}, x[5] = {1, 2, 3, 4, 5};
	CHECK(isnan(distance_compute(DISTANCE_COSINE, z, x, 5)));
}

static void test_compute_uses_pgvector_definitions(void)
{
	float a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
	CHECK(fabsf(distance_compute(DISTANCE_L2, a, b, 3) - sqrtf(27.0f)) < 1e-6f);
	CHECK(fabsf(distance_compute(DISTANCE_IP, a, b, 3) - -32.0f) < 1e-6f);
	CHECK(fabsf(distance_compute(DISTANCE_L1, a, b, 3) - 9.0f) < 1e-6f);
	double cosv = 1.0 - 32.0 / sqrt(14.0 * 77.0);
	CHECK(fabs(distance_compute(DISTANCE_COSINE, a, b, 3) - cosv) < 1e-6);
	/* identical directions: exactly 0 after clamping, never negative */
	CHECK(distance_compute(DISTANCE_COSINE, a, a, 3) >= 0.0f);
}

static void test_metric_names_round_trip(void)
{
	for (int m = 0; m < DISTANCE_METRIC_COUNT; m++) {
		distance_metric got;
		CHECK(distance_metric_parse(distance_metric_name((distance_metric)m), &got));
		CHECK_EQ_INT(got, m);
	}
	distance_metric got;
	CHECK(!distance_metric_parse("euclid", &got));
	CHECK(!distance_metric_parse("", &got));
}

static void test_all_finite(void)
{
	float v[4] = {1, 2, 3, 4};
	CHECK(distance_all_finite(v, 4));
	v[2] = NAN;
	CHECK(!distance_all_finite(v, 4));
	v[2] = -INFINITY;
	CHECK(!distance_all_finite(v, 4));
}

TEST_MAIN(TEST(test_variants_listed_scalar_last), TEST(test_exact_every_dimension_unaligned),
	  TEST(test_bounded_l2_exact_below_bound_above_otherwise),
	  TEST(test_half_kernels_exact_every_dimension), TEST(test_half_conversion_rounds_and_overflows),
	  TEST(test_nan_anywhere_gives_nan), TEST(test_infinity_follows_ieee),
	  TEST(test_cosine_of_zero_vector_is_nan), TEST(test_compute_uses_pgvector_definitions),
	  TEST(test_metric_names_round_trip), TEST(test_all_finite))
