/* common/vector: pgvector's text and binary formats and functions. The
 * expected strings are what PostgreSQL 15's float4out and pgvector 0.8
 * print (checked against a PostgreSQL server for the float formats). */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "error.h"
#include "test.h"
#include "vector.h"

static uint32_t bits_of(float f)
{
	uint32_t b;
	memcpy(&b, &f, sizeof b);
	return b;
}

static int parse(const char *s, float *out, uint32_t cap, uint32_t *dim)
{
	return vector_parse_text(s, strlen(s), out, cap, dim);
}

static void float_format_matches_postgres(void)
{
	static const struct {
		float f;
		const char *text;
	} cases[] = {
	    {1.0f, "1"},
	    {0.1f, "0.1"},
	    {-0.0f, "-0"},
	    {0.0f, "0"},
	    {1e20f, "1e+20"},
	    {1.5e-7f, "1.5e-07"},
	    {FLT_MAX, "3.4028235e+38"},
	    {FLT_MIN, "1.1754944e-38"},
	    {FLT_TRUE_MIN, "1e-45"},
	    {100000.0f, "100000"},
	    {1e6f, "1e+06"},
	    {123456.7f, "123456.7"},
	    {1234567.0f, "1.234567e+06"},
	    {16777216.0f, "1.6777216e+07"},
	    {0.0001f, "0.0001"},
	    {0.00001f, "1e-05"},
	    {-2.5f, "-2.5"},
	    /* 93504220 reads back as this float only by round-half-even:
	     * PostgreSQL's Ryu refuses such midpoints and prints 8 digits. */
	    {93504224.0f, "9.3504224e+07"},
	    {NAN, "NaN"},
	    {INFINITY, "Infinity"},
	    {-INFINITY, "-Infinity"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[VECTOR_FLOAT_TEXT_MAX];
		size_t n = vector_format_float(cases[i].f, buf);
		if (strcmp(buf, cases[i].text) != 0)
			fprintf(stderr, "  %.9g printed as %s, want %s\n", (double)cases[i].f, buf,
				cases[i].text);
		CHECK(strcmp(buf, cases[i].text) == 0);
		CHECK_EQ_INT(n, strlen(cases[i].text));
	}
}

static void text_round_trips_tricky_floats(void)
{
	float x[] = {0.1f,	    -0.0f,	  FLT_MAX,     -FLT_MAX,
		     FLT_MIN,	    FLT_TRUE_MIN, 3e-44f,      1.17549421e-38f /* denormal */,
		     16777217.0f,   0.3f,	  1.0f / 3.0f, 123456.79f,
		     9.3504224e+07f};
	uint32_t dim = sizeof x / sizeof x[0];
	char buf[512];
	CHECK(vector_text_max(dim) <= sizeof buf);
	size_t n = vector_format_text(x, dim, buf);
	CHECK_EQ_INT(n, strlen(buf));
	CHECK(buf[0] == '[' && buf[n - 1] == ']');
	float y[16];
	uint32_t got;
	CHECK_EQ_INT(vector_parse_text(buf, n, y, 16, &got), OMEN_OK);
	CHECK_EQ_INT(got, dim);
	for (uint32_t i = 0; i < dim; i++)
		CHECK_EQ_INT(bits_of(y[i]), bits_of(x[i]));
}

static void text_output_is_pgvector_format(void)
{
	float x[] = {1, 2.5f, -3, 0.1f};
	char buf[128];
	vector_format_text(x, 4, buf);
	CHECK(strcmp(buf, "[1,2.5,-3,0.1]") == 0);
}

static void binary_round_trips_tricky_floats(void)
{
	float x[] = {0.1f, -0.0f, FLT_MAX, FLT_TRUE_MIN, 1e-40f};
	uint8_t buf[4 + 4 * 5];
	CHECK_EQ_INT(vector_format_binary(x, 5, buf), sizeof buf);
	float y[5];
	uint32_t dim;
	CHECK_EQ_INT(vector_parse_binary(buf, sizeof buf, y, 5, &dim), OMEN_OK);
	CHECK_EQ_INT(dim, 5);
	for (int i = 0; i < 5; i++)
		CHECK_EQ_INT(bits_of(y[i]), bits_of(x[i]));
}

static void binary_layout_is_int16_dim_int16_zero_big_endian_floats(void)
{
	float x[] = {1, 2};
	uint8_t buf[12];
	vector_format_binary(x, 2, buf);
	static const uint8_t want[12] = {0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0};
	CHECK(memcmp(buf, want, sizeof want) == 0);
}

static void text_allows_whitespace_around_everything(void)
{
	float y[4];
	uint32_t dim;
	CHECK_EQ_INT(parse(" \t\n[ 1 ,\v2\f,\r3 ] \n", y, 4, &dim), OMEN_OK);
	CHECK_EQ_INT(dim, 3);
	CHECK(y[0] == 1 && y[1] == 2 && y[2] == 3);
}

static void text_rejects_malformed_input(void)
{
	static const char *bad[] = {"",	     " ",      "1,2",	 "[1,2",      "[1,]", "[,1]",
				    "[1 2]", "[1,2]x", "[1,,2]", "[a]",	      "[1]]", "(1,2)",
				    "[1;2]", "[",      "]",	 "[1,2] [3]", "x[1]", "[1e]",
				    "[--1]", "[1,2,]", "[0x]",	 "[1.2.3]",   "[+]"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		float y[8];
		uint32_t dim;
		int rc = parse(bad[i], y, 8, &dim);
		if (rc != OMEN_EFORMAT)
			fprintf(stderr, "  \"%s\" gave %s\n", bad[i], error_name(rc));
		CHECK_EQ_INT(rc, OMEN_EFORMAT);
	}
}

static void text_with_nul_byte_is_malformed(void)
{
	float y[4];
	uint32_t dim;
	CHECK_EQ_INT(vector_parse_text("[1,\0002]", 6, y, 4, &dim), OMEN_EFORMAT);
}

static void text_reads_only_len_bytes(void)
{
	float y[4];
	uint32_t dim;
	/* What follows len is not part of the input, either way round. */
	CHECK_EQ_INT(vector_parse_text("[1,2]garbage", 5, y, 4, &dim), OMEN_OK);
	CHECK_EQ_INT(dim, 2);
	CHECK_EQ_INT(vector_parse_text("[1,2]", 4, y, 4, &dim), OMEN_EFORMAT);
	CHECK_EQ_INT(vector_parse_text("[1,25]", 4, y, 4, &dim), OMEN_EFORMAT);
}

static void text_empty_vector_is_dimension_error(void)
{
	float y[4];
	uint32_t dim = 99;
	CHECK_EQ_INT(parse("[]", y, 4, &dim), OMEN_EDIM);
	CHECK_EQ_INT(dim, 0);
	CHECK_EQ_INT(parse(" [ \t] ", y, 4, &dim), OMEN_EDIM);
}

static void text_rejects_nan_and_infinity(void)
{
	static const char *bad[] = {"[NaN]", "[nan]", "[1,inf]", "[-Infinity]", "[infinity]", "[+inf]"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		float y[4];
		uint32_t dim;
		CHECK_EQ_INT(parse(bad[i], y, 4, &dim), OMEN_ENONFINITE);
		CHECK(isnan(y[dim]) || isinf(y[dim]));
	}
	float y[4];
	uint32_t dim;
	parse("[1,nan]", y, 4, &dim);
	CHECK_EQ_INT(dim, 1);
	CHECK(isnan(y[1]));
}

static void text_overflow_is_range_error_underflow_is_zero(void)
{
	float y[4];
	uint32_t dim;
	CHECK_EQ_INT(parse("[1e39]", y, 4, &dim), OMEN_ERANGE);
	CHECK_EQ_INT(parse("[1,-1e39]", y, 4, &dim), OMEN_ERANGE);
	CHECK_EQ_INT(dim, 1);
	/* pgvector checks only overflow: an underflow reads as 0 or a denormal. */
	CHECK_EQ_INT(parse("[1e-50,1e-45]", y, 4, &dim), OMEN_OK);
	CHECK(y[0] == 0 && y[1] == FLT_TRUE_MIN);
}

static char *repeat_elements(uint32_t n)
{
	char *s = malloc(2 * (size_t)n + 3);
	char *p = s;
	*p++ = '[';
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '1';
	}
	*p++ = ']';
	*p = 0;
	return s;
}

static void text_allows_16000_dimensions_not_16001(void)
{
	float *y = malloc(sizeof(float) * (VECTOR_MAX_DIM + 1));
	uint32_t dim;
	char *s = repeat_elements(VECTOR_MAX_DIM);
	CHECK_EQ_INT(parse(s, y, VECTOR_MAX_DIM + 1, &dim), OMEN_OK);
	CHECK_EQ_INT(dim, VECTOR_MAX_DIM);
	free(s);
	s = repeat_elements(VECTOR_MAX_DIM + 1);
	CHECK_EQ_INT(parse(s, y, VECTOR_MAX_DIM + 1, &dim), OMEN_EDIM);
	CHECK_EQ_INT(dim, VECTOR_MAX_DIM);
	free(s);
	free(y);
}

static void text_beyond_cap_is_dimension_error(void)
{
	float y[2];
	uint32_t dim;
	CHECK_EQ_INT(parse("[1,2,3]", y, 2, &dim), OMEN_EDIM);
	CHECK_EQ_INT(dim, 2);
}

static void binary_rejects_malformed_input(void)
{
	float y[4];
	uint32_t dim;
	static const uint8_t one[8] = {0, 1, 0, 0, 0x3f, 0x80, 0, 0};
	CHECK_EQ_INT(vector_parse_binary(one, 8, y, 4, &dim), OMEN_OK);
	CHECK_EQ_INT(vector_parse_binary(one, 3, y, 4, &dim), OMEN_EFORMAT); /* no header */
	CHECK_EQ_INT(vector_parse_binary(one, 7, y, 4, &dim), OMEN_EFORMAT); /* short */
	uint8_t longer[9] = {0, 1, 0, 0, 0x3f, 0x80, 0, 0, 0};
	CHECK_EQ_INT(vector_parse_binary(longer, 9, y, 4, &dim), OMEN_EFORMAT); /* trailing byte */
	uint8_t unused[8] = {0, 1, 0, 1, 0x3f, 0x80, 0, 0};
	CHECK_EQ_INT(vector_parse_binary(unused, 8, y, 4, &dim), OMEN_EFORMAT);
	uint8_t zero[4] = {0, 0, 0, 0};
	CHECK_EQ_INT(vector_parse_binary(zero, 4, y, 4, &dim), OMEN_EDIM);
	uint8_t negative[8] = {0xff, 0xff, 0, 0, 0, 0, 0, 0};
	CHECK_EQ_INT(vector_parse_binary(negative, 8, y, 4, &dim), OMEN_EDIM);
	uint8_t five[4] = {0, 5, 0, 0};
	CHECK_EQ_INT(vector_parse_binary(five, 4, y, 4, &dim), OMEN_EDIM); /* above cap */
	uint8_t nan[8] = {0, 1, 0, 0, 0x7f, 0xc0, 0, 0};
	CHECK_EQ_INT(vector_parse_binary(nan, 8, y, 4, &dim), OMEN_ENONFINITE);
	uint8_t inf[12] = {0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0xff, 0x80, 0, 0};
	CHECK_EQ_INT(vector_parse_binary(inf, 12, y, 4, &dim), OMEN_ENONFINITE);
	CHECK_EQ_INT(dim, 1);
	CHECK(isinf(y[1]));
}

static void binary_allows_16000_dimensions_not_16001(void)
{
	size_t len = 4 + 4 * (size_t)(VECTOR_MAX_DIM + 1);
	uint8_t *p = calloc(1, len);
	float *y = malloc(sizeof(float) * (VECTOR_MAX_DIM + 1));
	uint32_t dim;
	p[0] = VECTOR_MAX_DIM >> 8;
	p[1] = VECTOR_MAX_DIM & 0xff;
	CHECK_EQ_INT(vector_parse_binary(p, 4 + 4 * (size_t)VECTOR_MAX_DIM, y, VECTOR_MAX_DIM + 1, &dim),
		     OMEN_OK);
	CHECK_EQ_INT(dim, VECTOR_MAX_DIM);
	p[0] = (VECTOR_MAX_DIM + 1) >> 8;
	p[1] = (VECTOR_MAX_DIM + 1) & 0xff;
	CHECK_EQ_INT(vector_parse_binary(p, len, y, VECTOR_MAX_DIM + 1, &dim), OMEN_EDIM);
	free(p);
	free(y);
}

static void distances_match_hand_computed_values(void)
{
	float a[] = {0, 0}, b[] = {3, 4};
	CHECK(vector_l2_distance(a, b, 2) == 5.0);
	float c[] = {1, 2, 3}, d[] = {4, 5, 6};
	CHECK(vector_inner_product(c, d, 3) == 32.0);
	CHECK(vector_negative_inner_product(c, d, 3) == -32.0);
	float e[] = {1, 2}, f[] = {4, -2};
	CHECK(vector_l1_distance(e, f, 2) == 7.0);
	CHECK(vector_norm(b, 2) == 5.0);
	float x[] = {1, 0}, y[] = {0, 1}, z[] = {-1, 0}, w[] = {2, 0};
	CHECK(vector_cosine_distance(x, y, 2) == 1.0);
	CHECK(vector_cosine_distance(x, z, 2) == 2.0);
	CHECK(vector_cosine_distance(x, w, 2) == 0.0);
}

static void cosine_distance_of_zero_vector_is_nan(void)
{
	float zero[] = {0, 0}, x[] = {1, 2};
	CHECK(isnan(vector_cosine_distance(zero, x, 2)));
}

static void inner_product_accumulates_in_float(void)
{
	/* In float, 1e8 + 1 is 1e8 again, so the sum is 0 (a double sum would
	 * give 1): pgvector's float accumulator. */
	float a[] = {1e8f, 1, -1e8f}, b[] = {1, 1, 1};
	CHECK(vector_inner_product(a, b, 3) == 0.0);
}

static void norm_accumulates_in_double(void)
{
	/* Squares beyond float's range: pgvector's vector_norm sums doubles. */
	float a[] = {3e19f, 4e19f};
	double n = vector_norm(a, 2);
	CHECK(fabs(n - 5e19) < 5e19 * 1e-7);
}

static void compare_orders_elements_then_length(void)
{
	float a[] = {1, 2}, b[] = {1, 3}, c[] = {1, 2, 0}, d[] = {2}, z[] = {-0.0f, 2};
	float e[] = {0, 2};
	CHECK_EQ_INT(vector_compare(a, 2, b, 2), -1);
	CHECK_EQ_INT(vector_compare(b, 2, a, 2), 1);
	CHECK_EQ_INT(vector_compare(a, 2, c, 3), -1);
	CHECK_EQ_INT(vector_compare(c, 3, a, 2), 1);
	CHECK_EQ_INT(vector_compare(d, 1, c, 3), 1);
	CHECK_EQ_INT(vector_compare(a, 2, a, 2), 0);
	CHECK_EQ_INT(vector_compare(z, 2, e, 2), 0);
}

static void binary_quantize_sets_positive_elements(void)
{
	float a[] = {1, -1, 0, 0.5f, -0.0f, 1e-45f};
	char out[7] = "xxxxxxx";
	vector_binary_quantize(a, 6, out);
	CHECK(memcmp(out, "100101x", 7) == 0);
}

static void l2_normalize_scales_to_unit_and_keeps_zero(void)
{
	float a[] = {3, 4}, out[2];
	vector_l2_normalize(a, 2, out);
	CHECK(out[0] == 0.6f && out[1] == 0.8f);
	float zero[] = {0, 0, 0}, zout[3] = {9, 9, 9};
	vector_l2_normalize(zero, 3, zout);
	CHECK(zout[0] == 0 && zout[1] == 0 && zout[2] == 0);
}

static void arithmetic_reports_overflow_and_underflow(void)
{
	float big[] = {FLT_MAX}, tiny[] = {1e-30f}, zero[] = {0}, out[1];
	CHECK_EQ_INT(vector_add(big, big, 1, out), OMEN_ENONFINITE);
	float neg[] = {-FLT_MAX};
	CHECK_EQ_INT(vector_sub(neg, big, 1, out), OMEN_ENONFINITE);
	CHECK_EQ_INT(vector_mul(big, big, 1, out), OMEN_ENONFINITE);
	CHECK_EQ_INT(vector_mul(tiny, tiny, 1, out), OMEN_ERANGE);
	CHECK_EQ_INT(vector_mul(zero, tiny, 1, out), OMEN_OK);
	float a[] = {1, 2}, b[] = {3, 4}, r[2];
	CHECK_EQ_INT(vector_add(a, b, 2, r), OMEN_OK);
	CHECK(r[0] == 4 && r[1] == 6);
	CHECK_EQ_INT(vector_sub(a, b, 2, r), OMEN_OK);
	CHECK(r[0] == -2 && r[1] == -2);
	CHECK_EQ_INT(vector_mul(a, b, 2, r), OMEN_OK);
	CHECK(r[0] == 3 && r[1] == 8);
}

TEST_MAIN(TEST(float_format_matches_postgres), TEST(text_round_trips_tricky_floats),
	  TEST(text_output_is_pgvector_format), TEST(binary_round_trips_tricky_floats),
	  TEST(binary_layout_is_int16_dim_int16_zero_big_endian_floats),
	  TEST(text_allows_whitespace_around_everything), TEST(text_rejects_malformed_input),
	  TEST(text_with_nul_byte_is_malformed), TEST(text_reads_only_len_bytes),
	  TEST(text_empty_vector_is_dimension_error), TEST(text_rejects_nan_and_infinity),
	  TEST(text_overflow_is_range_error_underflow_is_zero), TEST(text_allows_16000_dimensions_not_16001),
	  TEST(text_beyond_cap_is_dimension_error), TEST(binary_rejects_malformed_input),
	  TEST(binary_allows_16000_dimensions_not_16001), TEST(distances_match_hand_computed_values),
	  TEST(cosine_distance_of_zero_vector_is_nan), TEST(inner_product_accumulates_in_float),
	  TEST(norm_accumulates_in_double), TEST(compare_orders_elements_then_length),
	  TEST(binary_quantize_sets_positive_elements), TEST(l2_normalize_scales_to_unit_and_keeps_zero),
	  TEST(arithmetic_reports_overflow_and_underflow))
