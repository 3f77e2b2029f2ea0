#include "vector.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* strtof follows LC_NUMERIC; PostgreSQL runs with LC_NUMERIC=C, so parse in
 * the C locale whatever the process's locale is. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t vector_c_locale(void)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale;
}

/* strtof in the C locale (the process locale when that cannot be made). */
static float c_strtof(const char *s, char **end)
{
	locale_t loc = vector_c_locale();
	return loc == (locale_t)0 ? strtof(s, end) : strtof_l(s, end, loc);
}

/* pgvector's vector_isspace (the characters array_in treats as space). */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* pgvector vector_in. The text is copied so strtof sees a NUL-terminated
 * string; a NUL byte inside the input is malformed, as PostgreSQL never
 * passes one to an input function. */
int vector_parse_text(const char *s, size_t len, float *out, uint32_t cap, uint32_t *dim)
{
	*dim = 0;
	if (len == SIZE_MAX || memchr(s, 0, len))
		return OMEN_EFORMAT;
	char *copy = malloc(len + 1);
	if (!copy)
		return OMEN_ENOMEM;
	memcpy(copy, s, len);
	copy[len] = 0;

	int rc = OMEN_OK;
	uint32_t n = 0;
	const char *pt = copy;
	while (is_space(*pt))
		pt++;
	if (*pt != '[') {
		rc = OMEN_EFORMAT;
		goto out;
	}
	pt++;
	while (is_space(*pt))
		pt++;
	if (*pt == ']') {
		rc = OMEN_EDIM;
		goto out;
	}
	for (;;) {
		if (n == VECTOR_MAX_DIM || n == cap) {
			rc = OMEN_EDIM;
			goto out;
		}
		while (is_space(*pt))
			pt++;
		if (*pt == 0) {
			rc = OMEN_EFORMAT;
			goto out;
		}
		char *end;
		errno = 0;
		float val = c_strtof(pt, &end);
		if (end == pt) {
			rc = OMEN_EFORMAT;
			goto out;
		}
		/* Like pgvector (and unlike float4in) only an overflow is a range
		 * error: an underflow reads as 0 or a denormal. */
		if (errno == ERANGE && isinf(val)) {
			rc = OMEN_ERANGE;
			goto out;
		}
		if (isnan(val) || isinf(val)) {
			out[n] = val;
			rc = OMEN_ENONFINITE;
			goto out;
		}
		out[n++] = val;
		pt = end;
		while (is_space(*pt))
			pt++;
		if (*pt == ',') {
			pt++;
		} else if (*pt == ']') {
			pt++;
			break;
		} else {
			rc = OMEN_EFORMAT;
			goto out;
		}
	}
	while (is_space(*pt))
		pt++;
	if (*pt != 0)
		rc = OMEN_EFORMAT;
out:
	free(copy);
	*dim = n;
	return rc;
}

/* Ryu's display layout as PostgreSQL's float_to_shortest_decimal_bufn
 * (src/common/f2s.c to_chars) prints it: digits d (no trailing zeros) with
 * decimal exponent e of the first digit; fixed-point when -4 <= e < 6,
 * otherwise d.ddde+XX with at least two exponent digits. */
static size_t layout(bool neg, const char *d, int nd, int e, char *buf)
{
	char *p = buf;
	if (neg)
		*p++ = '-';
	if (e >= -4 && e < 6) {
		if (e < 0) {
			*p++ = '0';
			*p++ = '.';
			for (int i = 0; i < -e - 1; i++)
				*p++ = '0';
			memcpy(p, d, (size_t)nd);
			p += nd;
		} else if (nd <= e + 1) {
			memcpy(p, d, (size_t)nd);
			p += nd;
			for (int i = nd; i < e + 1; i++)
				*p++ = '0';
		} else {
			memcpy(p, d, (size_t)e + 1);
			p += e + 1;
			*p++ = '.';
			memcpy(p, d + e + 1, (size_t)(nd - e - 1));
			p += nd - e - 1;
		}
	} else {
		*p++ = d[0];
		if (nd > 1) {
			*p++ = '.';
			memcpy(p, d + 1, (size_t)nd - 1);
			p += nd - 1;
		}
		p += sprintf(p, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
	*p = 0;
	return (size_t)(p - buf);
}

/* Whether the decimal m * 10^q equals the double x exactly: x printed with
 * every digit of its finite binary expansion (a float midpoint needs fewer
 * than 160) must be m followed by zeros, at the same decimal exponent. */
static bool decimal_equals(uint64_t m, int q, double x)
{
	char md[24], xd[200];
	int mn = snprintf(md, sizeof md, "%llu", (unsigned long long)m);
	while (mn > 1 && md[mn - 1] == '0') {
		mn--;
		q++;
	}
	snprintf(xd, sizeof xd, "%.160e", x);
	const char *e = strchr(xd, 'e');
	if (!e || atoi(e + 1) != q + mn - 1)
		return false;
	int k = 0;
	for (const char *c = xd; c < e; c++) {
		if (*c < '0' || *c > '9') /* the radix character, whatever the locale */
			continue;
		if (k < mn ? *c != md[k] : *c != '0')
			return false;
		k++;
	}
	return true;
}

/* Whether the decimal m * 10^q is a valid output for f (positive, finite):
 * it reads back (strtof) as f and is not exactly the midpoint between f and
 * a neighbour. PostgreSQL builds Ryu with STRICTLY_SHORTEST 0
 * (src/common/ryu_common.h) so that readers need not break ties right: the
 * rounding interval is open. Float midpoints are exact doubles. */
static bool reads_back(uint64_t m, int q, float f)
{
	char t[48];
	snprintf(t, sizeof t, "%llue%d", (unsigned long long)m, q);
	if (c_strtof(t, NULL) != f)
		return false;
	double lo = ((double)nextafterf(f, 0) + (double)f) / 2;
	float next = nextafterf(f, INFINITY);
	double hi = isinf(next) ? (double)f + ((double)f - (double)nextafterf(f, 0)) / 2
				: ((double)f + (double)next) / 2;
	double v = strtod(t, NULL);
	if (v == lo)
		return !decimal_equals(m, q, lo);
	if (v == hi)
		return !decimal_equals(m, q, hi);
	return true;
}

/* "%.*e" output: its digits as an integer and its decimal exponent. */
static uint64_t sci_digits(const char *t, int *exp10)
{
	uint64_t m = 0;
	const char *c = t;
	for (; *c != 'e'; c++)
		if (*c >= '0' && *c <= '9') /* skips the radix character, whatever the locale */
			m = m * 10 + (uint64_t)(*c - '0');
	*exp10 = atoi(c + 1);
	return m;
}

/* The powers of ten a double holds exactly. */
static const double pow10_exact[] = {1e0,  1e1,	 1e2,  1e3,  1e4,  1e5,	 1e6,  1e7,  1e8,  1e9,	 1e10, 1e11,
				     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Whether m * 10^q (m < 2^53) lies strictly inside f's rounding interval
 * (lo, hi). With an exact power of ten the candidate is rounded to a double
 * once, which keeps its order against the (double) midpoints; only when it
 * rounds onto one, or the power is not exact, does the exact test decide. */
static bool in_interval(uint64_t m, int q, float f, double lo, double hi)
{
	double c;
	if (q >= 0 && q <= 22)
		c = (double)m * pow10_exact[q];
	else if (q < 0 && q >= -22)
		c = (double)m / pow10_exact[-q];
	else
		return reads_back(m, q, f);
	if (c != lo && c != hi)
		return c > lo && c < hi;
	return reads_back(m, q, f);
}

/* The valid p-digit decimal closest to f (p < 9), 0 when there is none.
 * m9 is f correctly rounded to 9 digits with the first at 10^e, so f's
 * p-digit floor and ceiling are its truncation t and t + 1 (only t when
 * nothing was cut: t + 1 cannot then be nearer), and a valid p-digit
 * decimal exists only if one of those is valid. */
static uint64_t best_of_length(int p, uint64_t m9, int e, float f, double lo, double hi)
{
	uint64_t div = (uint64_t)pow10_exact[9 - p], t = m9 / div, rem = m9 % div;
	int q = e - p + 1;
	bool low = in_interval(t, q, f, lo, hi), high = rem != 0 && in_interval(t + 1, q, f, lo, hi);
	if (low && high) {
		if (2 * rem != div)
			return 2 * rem < div ? t : t + 1;
		/* m9 ends in 50...0: only f's exact expansion knows the nearer. */
		char s[48];
		int e2;
		snprintf(s, sizeof s, "%.*e", p - 1, (double)f);
		uint64_t m = sci_digits(s, &e2);
		return e2 == e && m == t ? t : t + 1;
	}
	return low ? t : high ? t + 1 : 0;
}

/* The shortest decimal digits that read back as f (positive, finite, non
 * zero) and, among those, the closest to f: what Ryu computes. Whether a
 * p-digit decimal lies in the rounding interval only grows with p, and 9
 * digits always do (FLT_DECIMAL_DIG), so the least p is a binary search.
 * d gets the digits without trailing zeros, *exp10 the decimal exponent of
 * the first. */
static int shortest_digits(float f, char *d, int *exp10)
{
	char s[48];
	int e;
	snprintf(s, sizeof s, "%.8e", (double)f);
	uint64_t best = sci_digits(s, &e);
	uint64_t m9 = best;
	double below = nextafterf(f, 0), above = nextafterf(f, INFINITY);
	double lo = (below + f) / 2, hi = isinf(above) ? f + (f - below) / 2 : (f + above) / 2;
	int low = 1, high = 9;
	while (low < high) {
		int mid = (low + high) / 2;
		uint64_t m = best_of_length(mid, m9, e, f, lo, hi);
		if (m) {
			high = mid;
			best = m;
		} else {
			low = mid + 1;
		}
	}
	int q = e - high + 1;
	char buf[24];
	int nd = snprintf(buf, sizeof buf, "%llu", (unsigned long long)best);
	while (nd > 1 && buf[nd - 1] == '0') {
		nd--;
		q++;
	}
	memcpy(d, buf, (size_t)nd);
	*exp10 = q + nd - 1;
	return nd;
}

size_t vector_format_float(float f, char *buf)
{
	if (isnan(f))
		return (size_t)sprintf(buf, "NaN");
	if (isinf(f))
		return (size_t)sprintf(buf, f < 0 ? "-Infinity" : "Infinity");
	if (f == 0)
		return (size_t)sprintf(buf, signbit(f) ? "-0" : "0");
	char d[16];
	int e;
	int nd = shortest_digits(fabsf(f), d, &e);
	return layout(signbit(f) != 0, d, nd, e, buf);
}

size_t vector_text_max(uint32_t dim)
{
	/* Each element at most VECTOR_FLOAT_TEXT_MAX - 1 characters plus a
	 * separator, then '[', ']' and the NUL. */
	return (size_t)dim * VECTOR_FLOAT_TEXT_MAX + 3;
}

/* pgvector vector_out. */
size_t vector_format_text(const float *x, uint32_t dim, char *buf)
{
	char *p = buf;
	*p++ = '[';
	for (uint32_t i = 0; i < dim; i++) {
		if (i > 0)
			*p++ = ',';
		p += vector_format_float(x[i], p);
	}
	*p++ = ']';
	*p = 0;
	return (size_t)(p - buf);
}

/* pgvector vector_recv: int16 dim, int16 unused, dim float4s, big-endian. */
int vector_parse_binary(const uint8_t *p, size_t len, float *out, uint32_t cap, uint32_t *dim)
{
	*dim = 0;
	if (len < 4)
		return OMEN_EFORMAT;
	int16_t d = (int16_t)(uint16_t)((p[0] << 8) | p[1]);
	uint16_t unused = (uint16_t)((p[2] << 8) | p[3]);
	if (d < 1 || d > VECTOR_MAX_DIM || (uint32_t)d > cap)
		return OMEN_EDIM;
	if (unused != 0)
		return OMEN_EFORMAT;
	if (len != 4 + 4 * (size_t)d)
		return OMEN_EFORMAT;
	for (int16_t i = 0; i < d; i++) {
		const uint8_t *q = p + 4 + 4 * (size_t)i;
		uint32_t bits = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
		float f;
		memcpy(&f, &bits, sizeof f);
		if (isnan(f) || isinf(f)) {
			out[i] = f;
			*dim = (uint32_t)i;
			return OMEN_ENONFINITE;
		}
		out[i] = f;
	}
	*dim = (uint32_t)d;
	return OMEN_OK;
}

/* pgvector vector_send. */
size_t vector_format_binary(const float *x, uint32_t dim, uint8_t *buf)
{
	buf[0] = (uint8_t)(dim >> 8);
	buf[1] = (uint8_t)dim;
	buf[2] = 0;
	buf[3] = 0;
	for (uint32_t i = 0; i < dim; i++) {
		uint32_t bits;
		memcpy(&bits, &x[i], sizeof bits);
		uint8_t *q = buf + 4 + 4 * (size_t)i;
		q[0] = (uint8_t)(bits >> 24);
		q[1] = (uint8_t)(bits >> 16);
		q[2] = (uint8_t)(bits >> 8);
		q[3] = (uint8_t)bits;
	}
	return 4 + 4 * (size_t)dim;
}

/* The sums below run in element order in float, as pgvector's C loops are
 * written (its build may let the compiler vectorise them, which can change
 * the last bits of a float sum). */

/* pgvector l2_distance: sqrt of the float sum of squared differences. */
double vector_l2_distance(const float *a, const float *b, uint32_t dim)
{
	float s = 0;
	for (uint32_t i = 0; i < dim; i++) {
		float diff = a[i] - b[i];
		s += diff * diff;
	}
	return sqrt((double)s);
}

/* pgvector inner_product. */
double vector_inner_product(const float *a, const float *b, uint32_t dim)
{
	float s = 0;
	for (uint32_t i = 0; i < dim; i++)
		s += a[i] * b[i];
	return (double)s;
}

/* pgvector vector_negative_inner_product (<#>). */
double vector_negative_inner_product(const float *a, const float *b, uint32_t dim)
{
	float s = 0;
	for (uint32_t i = 0; i < dim; i++)
		s += a[i] * b[i];
	return (double)-s;
}

/* pgvector cosine_distance: float sums, similarity in double as
 * dot / sqrt(|a|^2 * |b|^2) clamped to [-1, 1]; NaN stays NaN. */
double vector_cosine_distance(const float *a, const float *b, uint32_t dim)
{
	float dot = 0, na = 0, nb = 0;
	for (uint32_t i = 0; i < dim; i++) {
		dot += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	double sim = (double)dot / sqrt((double)na * (double)nb);
	if (sim > 1)
		sim = 1.0;
	else if (sim < -1)
		sim = -1.0;
	return 1.0 - sim;
}

/* pgvector l1_distance. */
double vector_l1_distance(const float *a, const float *b, uint32_t dim)
{
	float s = 0;
	for (uint32_t i = 0; i < dim; i++)
		s += fabsf(a[i] - b[i]);
	return (double)s;
}

/* pgvector vector_norm: the only one that sums in double. */
double vector_norm(const float *a, uint32_t dim)
{
	double s = 0;
	for (uint32_t i = 0; i < dim; i++)
		s += (double)a[i] * (double)a[i];
	return sqrt(s);
}

/* pgvector l2_normalize: divides by the double norm. A quotient cannot
 * exceed 1 in magnitude, so pgvector's overflow check never fires here. */
void vector_l2_normalize(const float *a, uint32_t dim, float *out)
{
	double norm = vector_norm(a, dim);
	for (uint32_t i = 0; i < dim; i++)
		out[i] = norm > 0 ? (float)(a[i] / norm) : 0.0f;
}

/* pgvector vector_cmp_internal. */
int vector_compare(const float *a, uint32_t adim, const float *b, uint32_t bdim)
{
	uint32_t n = adim < bdim ? adim : bdim;
	for (uint32_t i = 0; i < n; i++) {
		if (a[i] < b[i])
			return -1;
		if (a[i] > b[i])
			return 1;
	}
	if (adim < bdim)
		return -1;
	if (adim > bdim)
		return 1;
	return 0;
}

/* pgvector vector_add / vector_sub: an infinite element is an overflow. */
int vector_add(const float *a, const float *b, uint32_t dim, float *out)
{
	for (uint32_t i = 0; i < dim; i++)
		out[i] = a[i] + b[i];
	for (uint32_t i = 0; i < dim; i++)
		if (isinf(out[i]))
			return OMEN_ENONFINITE;
	return OMEN_OK;
}

int vector_sub(const float *a, const float *b, uint32_t dim, float *out)
{
	for (uint32_t i = 0; i < dim; i++)
		out[i] = a[i] - b[i];
	for (uint32_t i = 0; i < dim; i++)
		if (isinf(out[i]))
			return OMEN_ENONFINITE;
	return OMEN_OK;
}

/* pgvector vector_mul: also an underflow check (a zero product of non-zero
 * factors). */
int vector_mul(const float *a, const float *b, uint32_t dim, float *out)
{
	for (uint32_t i = 0; i < dim; i++)
		out[i] = a[i] * b[i];
	for (uint32_t i = 0; i < dim; i++) {
		if (isinf(out[i]))
			return OMEN_ENONFINITE;
		if (out[i] == 0 && !(a[i] == 0 || b[i] == 0))
			return OMEN_ERANGE;
	}
	return OMEN_OK;
}

/* pgvector binary_quantize: 1 where the element is > 0. */
void vector_binary_quantize(const float *a, uint32_t dim, char *out)
{
	for (uint32_t i = 0; i < dim; i++)
		out[i] = a[i] > 0 ? '1' : '0';
}
