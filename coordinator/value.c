#include "value.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "vector.h"

/* Midpoints between adjacent doubles must be exact in long double for the
 * float8 output below (x86-64: 64-bit mantissa, aarch64: 113-bit). */
_Static_assert(LDBL_MANT_DIG > DBL_MANT_DIG, "long double must be wider than double");

/* ---- types ---- */

typedef struct type_def {
	pg_oid oid;
	pg_oid elem;	  /* the element type of an array type */
	pg_oid array;	  /* the array type of an element type */
	int16_t len;	  /* pg_type.typlen */
	bool public_type; /* pgvector's types live in schema public, the rest in pg_catalog */
	const char *name; /* format_type */
	const char *typname;
} type_def;

static const type_def types[] = {
    {OID_BOOL, 0, OID_BOOL_ARRAY, 1, false, "boolean", "bool"},
    {OID_BYTEA, 0, OID_BYTEA_ARRAY, -1, false, "bytea", "bytea"},
    {OID_CHAR, 0, OID_CHAR_ARRAY, 1, false, "\"char\"", "char"},
    {OID_NAME, 0, OID_NAME_ARRAY, 64, false, "name", "name"},
    {OID_INT8, 0, OID_INT8_ARRAY, 8, false, "bigint", "int8"},
    {OID_INT2, 0, OID_INT2_ARRAY, 2, false, "smallint", "int2"},
    {OID_INT4, 0, OID_INT4_ARRAY, 4, false, "integer", "int4"},
    {OID_REGPROC, 0, OID_REGPROC_ARRAY, 4, false, "regproc", "regproc"},
    {OID_TEXT, 0, OID_TEXT_ARRAY, -1, false, "text", "text"},
    {OID_OID, 0, OID_OID_ARRAY, 4, false, "oid", "oid"},
    {OID_JSON, 0, OID_JSON_ARRAY, -1, false, "json", "json"},
    {OID_FLOAT4, 0, OID_FLOAT4_ARRAY, 4, false, "real", "float4"},
    {OID_FLOAT8, 0, OID_FLOAT8_ARRAY, 8, false, "double precision", "float8"},
    {OID_UNKNOWN, 0, 0, -2, false, "unknown", "unknown"},
    {OID_BPCHAR, 0, OID_BPCHAR_ARRAY, -1, false, "character", "bpchar"},
    {OID_VARCHAR, 0, OID_VARCHAR_ARRAY, -1, false, "character varying", "varchar"},
    {OID_TIMESTAMP, 0, OID_TIMESTAMP_ARRAY, 8, false, "timestamp without time zone", "timestamp"},
    {OID_TIMESTAMPTZ, 0, OID_TIMESTAMPTZ_ARRAY, 8, false, "timestamp with time zone", "timestamptz"},
    {OID_BIT, 0, OID_BIT_ARRAY, -1, false, "bit", "bit"},
    {OID_VARBIT, 0, OID_VARBIT_ARRAY, -1, false, "bit varying", "varbit"},
    {OID_NUMERIC, 0, OID_NUMERIC_ARRAY, -1, false, "numeric", "numeric"},
    {OID_REGCLASS, 0, OID_REGCLASS_ARRAY, 4, false, "regclass", "regclass"},
    {OID_REGTYPE, 0, OID_REGTYPE_ARRAY, 4, false, "regtype", "regtype"},
    {OID_VOID, 0, 0, 4, false, "void", "void"},
    {OID_RECORD, 0, 0, -1, false, "record", "record"},
    {OID_JSONB, 0, OID_JSONB_ARRAY, -1, false, "jsonb", "jsonb"},
    {OID_VECTOR, 0, OID_VECTOR_ARRAY, -1, true, "vector", "vector"},
    {OID_BOOL_ARRAY, OID_BOOL, 0, -1, false, "boolean[]", "_bool"},
    {OID_BYTEA_ARRAY, OID_BYTEA, 0, -1, false, "bytea[]", "_bytea"},
    {OID_CHAR_ARRAY, OID_CHAR, 0, -1, false, "\"char\"[]", "_char"},
    {OID_NAME_ARRAY, OID_NAME, 0, -1, false, "name[]", "_name"},
    {OID_INT8_ARRAY, OID_INT8, 0, -1, false, "bigint[]", "_int8"},
    {OID_INT2_ARRAY, OID_INT2, 0, -1, false, "smallint[]", "_int2"},
    {OID_INT4_ARRAY, OID_INT4, 0, -1, false, "integer[]", "_int4"},
    {OID_REGPROC_ARRAY, OID_REGPROC, 0, -1, false, "regproc[]", "_regproc"},
    {OID_TEXT_ARRAY, OID_TEXT, 0, -1, false, "text[]", "_text"},
    {OID_OID_ARRAY, OID_OID, 0, -1, false, "oid[]", "_oid"},
    {OID_JSON_ARRAY, OID_JSON, 0, -1, false, "json[]", "_json"},
    {OID_FLOAT4_ARRAY, OID_FLOAT4, 0, -1, false, "real[]", "_float4"},
    {OID_FLOAT8_ARRAY, OID_FLOAT8, 0, -1, false, "double precision[]", "_float8"},
    {OID_BPCHAR_ARRAY, OID_BPCHAR, 0, -1, false, "character[]", "_bpchar"},
    {OID_VARCHAR_ARRAY, OID_VARCHAR, 0, -1, false, "character varying[]", "_varchar"},
    {OID_TIMESTAMP_ARRAY, OID_TIMESTAMP, 0, -1, false, "timestamp without time zone[]", "_timestamp"},
    {OID_TIMESTAMPTZ_ARRAY, OID_TIMESTAMPTZ, 0, -1, false, "timestamp with time zone[]", "_timestamptz"},
    {OID_BIT_ARRAY, OID_BIT, 0, -1, false, "bit[]", "_bit"},
    {OID_VARBIT_ARRAY, OID_VARBIT, 0, -1, false, "bit varying[]", "_varbit"},
    {OID_NUMERIC_ARRAY, OID_NUMERIC, 0, -1, false, "numeric[]", "_numeric"},
    {OID_REGCLASS_ARRAY, OID_REGCLASS, 0, -1, false, "regclass[]", "_regclass"},
    {OID_REGTYPE_ARRAY, OID_REGTYPE, 0, -1, false, "regtype[]", "_regtype"},
    {OID_JSONB_ARRAY, OID_JSONB, 0, -1, false, "jsonb[]", "_jsonb"},
    {OID_VECTOR_ARRAY, OID_VECTOR, 0, -1, true, "vector[]", "_vector"},
};

static const type_def *type_find(pg_oid t)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].oid == t)
			return &types[i];
	return NULL;
}

value value_null(pg_oid type)
{
	return (value){.type = type, .isnull = true};
}

value value_int(pg_oid type, int64_t i)
{
	return (value){.type = type, .u.i = i};
}

value value_float(pg_oid type, double f)
{
	return (value){.type = type, .u.f = f};
}

value value_bool(bool b)
{
	return (value){.type = OID_BOOL, .u.b = b};
}

value value_text(pg_oid type, char *s, size_t len)
{
	return (value){.type = type, .u.s = {s, len}};
}

pg_oid value_array_elem(pg_oid t)
{
	const type_def *d = type_find(t);
	return d ? d->elem : 0;
}

pg_oid value_array_of(pg_oid elem)
{
	const type_def *d = type_find(elem);
	return d ? d->array : 0;
}

/* format_type_be: "-" for InvalidOid, "???" for an oid it does not know. */
const char *value_type_name(pg_oid t)
{
	const type_def *d = type_find(t);
	return d ? d->name : t == 0 ? "-" : "???";
}

int16_t value_type_len(pg_oid t)
{
	const type_def *d = type_find(t);
	return d ? d->len : -1;
}

/* ---- errors and small helpers ---- */

__attribute__((format(printf, 3, 4))) static int fail(value_error *err, const char *state, const char *fmt,
						      ...)
{
	memcpy(err->sqlstate, state, 5);
	err->sqlstate[5] = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return -1;
}

static int oom(value_error *err)
{
	return fail(err, "53200", "out of memory");
}

static int insufficient(value_error *err)
{
	return fail(err, "08P01", "insufficient data left in message");
}

static int bad_binary(value_error *err)
{
	return fail(err, "22P03", "incorrect binary data format");
}

/* PostgreSQL's isspace() in the C locale (scanner and input functions). */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* pg_strncasecmp(s, word, n) == 0 for the n = strlen(word) first bytes. */
static bool prefix_ci(const char *s, const char *word)
{
	for (; *word; s++, word++)
		if (lower(*s) != *word)
			return false;
	return true;
}

static bool equal_ci(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && prefix_ci(s, word);
}

static bool is_int_type(pg_oid t)
{
	return t == OID_INT2 || t == OID_INT4 || t == OID_INT8;
}

static bool is_float_type(pg_oid t)
{
	return t == OID_FLOAT4 || t == OID_FLOAT8;
}

static bool is_number_type(pg_oid t)
{
	return is_int_type(t) || is_float_type(t) || t == OID_NUMERIC;
}

static bool is_oid_type(pg_oid t)
{
	return t == OID_OID || t == OID_REGTYPE || t == OID_REGCLASS || t == OID_REGPROC;
}

static bool is_string_type(pg_oid t)
{
	return t == OID_TEXT || t == OID_VARCHAR || t == OID_BPCHAR || t == OID_NAME || t == OID_CHAR;
}

static bool is_time_type(pg_oid t)
{
	return t == OID_TIMESTAMP || t == OID_TIMESTAMPTZ;
}

static bool is_bit_type(pg_oid t)
{
	return t == OID_BIT || t == OID_VARBIT;
}

/* strtod/strtof read the radix character of LC_NUMERIC; PostgreSQL runs
 * with LC_NUMERIC=C, so parse in the C locale whatever the process's. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static double c_strtod(const char *s, char **end)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale == (locale_t)0 ? strtod(s, end) : strtod_l(s, end, c_locale);
}

static float c_strtof(const char *s, char **end)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale == (locale_t)0 ? strtof(s, end) : strtof_l(s, end, c_locale);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* pg_verify_mbstr for UTF8 (src/common/wchar.c pg_utf8_islegal): no NUL,
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static int check_utf8(const char *s, size_t len, value_error *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		size_t n = c < 0x80		? 1
			   : (c & 0xe0) == 0xc0 ? 2
			   : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4
						: 1;
		bool ok = c != 0 && (c < 0x80 || n > 1) && i + n <= len;
		if (ok && n > 1) {
			for (size_t k = 1; k < n; k++)
				if ((p[i + k] & 0xc0) != 0x80)
					ok = false;
			if (ok && n == 2)
				ok = c >= 0xc2;
			if (ok && n == 3)
				ok = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0);
			if (ok && n == 4)
				ok = !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90) &&
				     c <= 0xf4;
		}
		if (!ok) {
			char bytes[32] = "";
			size_t shown = n < len - i ? n : len - i, off = 0;
			for (size_t k = 0; k < shown; k++)
				off += (size_t)snprintf(bytes + off, sizeof bytes - off,
							k ? " 0x%02x" : "0x%02x", p[i + k]);
			return fail(err, "22021", "invalid byte sequence for encoding \"UTF8\": %s", bytes);
		}
		i += n;
	}
	return 0;
}

static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* The byte length of the first nchars characters of s. */
static size_t utf8_prefix(const char *s, size_t len, size_t nchars)
{
	size_t i = 0;
	for (size_t c = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (c == nchars)
				break;
			c++;
		}
	}
	return i;
}

/* pg_mbcliplen: the longest prefix of at most max bytes that ends on a
 * character boundary. */
static size_t utf8_clip(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* The byte length of the (valid UTF-8) character at s, for messages. */
static int char_len(const char *s, size_t rem)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	return (int)(n < rem ? n : rem);
}

static int make_string(arena *a, pg_oid t, const char *s, size_t len, value *out, value_error *err)
{
	char *p = arena_strndup(a, s, len);
	if (!p)
		return oom(err);
	*out = value_text(t, p, len);
	return 0;
}

/* ---- float8 and numeric output ---- */

/* Whether the decimal m * 10^q equals x exactly: x printed with every digit
 * of its finite binary expansion (a double midpoint needs fewer than 800)
 * must be m followed by zeros at the same decimal exponent. */
static bool decimal_equals(uint64_t m, int q, long double x)
{
	char md[24];
	char xd[900];
	int mn = snprintf(md, sizeof md, "%llu", (unsigned long long)m);
	while (mn > 1 && md[mn - 1] == '0') {
		mn--;
		q++;
	}
	snprintf(xd, sizeof xd, "%.800Le", x);
	const char *e = strchr(xd, 'e');
	if (!e || atoi(e + 1) != q + mn - 1)
		return false;
	int k = 0;
	for (const char *c = xd; c < e; c++) {
		if (!is_digit(*c)) /* the radix character, whatever the locale */
			continue;
		if (k < mn ? *c != md[k] : *c != '0')
			return false;
		k++;
	}
	return true;
}

/* Whether m * 10^q is a valid output for x (positive, finite): it reads
 * back as x and is not exactly the midpoint between x and a neighbour, as
 * PostgreSQL builds Ryu with STRICTLY_SHORTEST 0 (src/common/ryu_common.h). */
static bool reads_back(uint64_t m, int q, double x)
{
	char t[48];
	snprintf(t, sizeof t, "%llue%d", (unsigned long long)m, q);
	if (c_strtod(t, NULL) != x)
		return false;
	double below = nextafter(x, 0), above = nextafter(x, INFINITY);
	long double lo = ((long double)below + x) / 2;
	long double hi =
	    isinf(above) ? (long double)x + ((long double)x - below) / 2 : ((long double)x + above) / 2;
	long double v = strtold(t, NULL);
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
		if (is_digit(*c)) /* skips the radix character, whatever the locale */
			m = m * 10 + (uint64_t)(*c - '0');
	*exp10 = atoi(c + 1);
	return m;
}

/* The powers of ten a long double holds exactly (5^27 < 2^64). */
static const long double pow10_exact[] = {
    1e0L,  1e1L,  1e2L,	 1e3L,	1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
    1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/* Whether m * 10^q (m < 10^18) lies strictly inside x's rounding interval
 * (lo, hi): rounded once to a long double it keeps its order against the
 * (long double) midpoints; on one of them, or without an exact power of
 * ten, the exact test decides. */
static bool in_interval(uint64_t m, int q, double x, long double lo, long double hi)
{
	long double c;
	if (q >= 0 && q <= 27)
		c = (long double)m * pow10_exact[q];
	else if (q < 0 && q >= -27)
		c = (long double)m / pow10_exact[-q];
	else
		return reads_back(m, q, x);
	if (c != lo && c != hi)
		return c > lo && c < hi;
	return reads_back(m, q, x);
}

/* The valid p-digit decimal closest to x (p < 17), 0 when there is none;
 * m17 is x correctly rounded to 17 digits with the first at 10^e (see the
 * float version in common/vector.c). */
static uint64_t best_of_length(int p, uint64_t m17, int e, double x, long double lo, long double hi)
{
	uint64_t div = (uint64_t)pow10_exact[17 - p], t = m17 / div, rem = m17 % div;
	int q = e - p + 1;
	bool low = in_interval(t, q, x, lo, hi), high = rem != 0 && in_interval(t + 1, q, x, lo, hi);
	if (low && high) {
		if (2 * rem != div)
			return 2 * rem < div ? t : t + 1;
		char s[48];
		int e2;
		snprintf(s, sizeof s, "%.*e", p - 1, x);
		uint64_t m = sci_digits(s, &e2);
		return e2 == e && m == t ? t : t + 1;
	}
	return low ? t : high ? t + 1 : 0;
}

/* Ryu's shortest digits for x (positive, finite): the fewest significant
 * digits that read back, the closest to x among those, found by a binary
 * search on the length (17 digits always read back, DBL_DECIMAL_DIG). d
 * gets the digits without trailing zeros, *exp10 the decimal exponent of
 * the first. */
static int shortest_digits(double x, char *d, int *exp10)
{
	char s[48];
	int e;
	snprintf(s, sizeof s, "%.16e", x);
	uint64_t best = sci_digits(s, &e);
	uint64_t m17 = best;
	double below = nextafter(x, 0), above = nextafter(x, INFINITY);
	long double lo = ((long double)below + x) / 2;
	long double hi =
	    isinf(above) ? (long double)x + ((long double)x - below) / 2 : ((long double)x + above) / 2;
	int low = 1, high = 17;
	while (low < high) {
		int mid = (low + high) / 2;
		uint64_t m = best_of_length(mid, m17, e, x, lo, hi);
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

/* Digits d[0..nd) with the first at 10^e, as fixed-point (e.g. 0.0012,
 * 1200, 12.5) into buf, which holds nd + |e| + 4 bytes. */
static size_t fixed_point(const char *d, int nd, int e, char *buf)
{
	char *p = buf;
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
	*p = 0;
	return (size_t)(p - buf);
}

/* float8out with extra_float_digits = 1 (src/common/d2s.c to_chars):
 * fixed-point for decimal exponents -4..14, else d.ddde+XX with at least
 * two exponent digits. buf holds 32 bytes. */
static size_t format_float8(double x, char *buf)
{
	if (isnan(x))
		return (size_t)snprintf(buf, 32, "NaN");
	if (isinf(x))
		return (size_t)snprintf(buf, 32, x < 0 ? "-Infinity" : "Infinity");
	if (x == 0)
		return (size_t)snprintf(buf, 32, signbit(x) ? "-0" : "0");
	char d[24];
	int e;
	int nd = shortest_digits(fabs(x), d, &e);
	char *p = buf;
	if (x < 0)
		*p++ = '-';
	if (e >= -4 && e < 15)
		return (size_t)(p - buf) + fixed_point(d, nd, e, p);
	*p++ = d[0];
	if (nd > 1) {
		*p++ = '.';
		memcpy(p, d + 1, (size_t)nd - 1);
		p += nd - 1;
	}
	p += snprintf(p, 8, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	return (size_t)(p - buf);
}

/* numeric_out of the double: the shortest digits, always fixed-point as
 * numeric never uses an exponent; no negative zero. */
static int format_numeric(arena *a, double x, char **out, size_t *len, value_error *err)
{
	char d[24];
	int e = 0, nd = 0;
	if (!isnan(x) && !isinf(x) && x != 0)
		nd = shortest_digits(fabs(x), d, &e);
	char *buf = arena_alloc(a, (size_t)(nd + abs(e)) + 8);
	if (!buf)
		return oom(err);
	if (isnan(x))
		*len = (size_t)sprintf(buf, "NaN");
	else if (isinf(x))
		*len = (size_t)sprintf(buf, x < 0 ? "-Infinity" : "Infinity");
	else if (x == 0)
		*len = (size_t)sprintf(buf, "0");
	else if (x < 0) {
		buf[0] = '-';
		*len = 1 + fixed_point(d, nd, e, buf + 1);
	} else {
		*len = fixed_point(d, nd, e, buf);
	}
	*out = buf;
	return 0;
}

/* ---- number input ---- */

static const char *int_name(pg_oid t)
{
	return t == OID_INT2 ? "smallint" : t == OID_INT4 ? "integer" : "bigint";
}

static int digit_in_base(char c, unsigned base)
{
	int d = c >= '0' && c <= '9'   ? c - '0'
		: c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10
				       : 99;
	return (unsigned)d < base ? d : -1;
}

/* pg_strtoint16/32/64_safe (src/backend/utils/adt/numutils.c, PostgreSQL
 * 17): optional spaces and sign, decimal or 0x/0o/0b digits with single '_'
 * between digits, optional spaces. The range is checked while reading, so
 * "99999999999x" is out of range before it is malformed, as there. */
static int parse_int(const char *z, pg_oid t, int64_t *out, value_error *err)
{
	int64_t min = t == OID_INT2 ? INT16_MIN : t == OID_INT4 ? INT32_MIN : INT64_MIN;
	int64_t max = t == OID_INT2 ? INT16_MAX : t == OID_INT4 ? INT32_MAX : INT64_MAX;
	uint64_t limit = (uint64_t)(-(min + 1)) + 1;
	uint64_t acc = 0;
	bool neg = false;
	const char *p = z;
	while (is_space(*p))
		p++;
	if (*p == '-') {
		neg = true;
		p++;
	} else if (*p == '+') {
		p++;
	}
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2;
	if (base != 10)
		p += 2;
	const char *first = p;
	for (;;) {
		int dg = digit_in_base(*p, base);
		if (dg >= 0) {
			if (acc > limit / base)
				goto range;
			acc = acc * base + (unsigned)dg;
			p++;
		} else if (*p == '_') {
			/* An underscore separates digits: not first (in decimal; a
			 * prefix counts as a digit) and not last. */
			if (base == 10 && p == first)
				goto syntax;
			p++;
			if (digit_in_base(*p, base) < 0)
				goto syntax;
		} else {
			break;
		}
	}
	if (p == first)
		goto syntax;
	while (is_space(*p))
		p++;
	if (*p)
		goto syntax;
	if (neg) {
		if (acc > limit)
			goto range;
		*out = acc == limit ? min : -(int64_t)acc;
	} else {
		if (acc > (uint64_t)max)
			goto range;
		*out = (int64_t)acc;
	}
	return 0;
range:
	return fail(err, "22003", "value \"%s\" is out of range for type %s", z, int_name(t));
syntax:
	return fail(err, "22P02", "invalid input syntax for type %s: \"%s\"", int_name(t), z);
}

/* oidin (uint32in_subr, PostgreSQL 17): strtoul in base 0, so 0x.. is hex
 * and a leading 0 octal; a negative value wraps as it does in C. */
static int parse_oid(const char *z, const char *tname, int64_t *out, value_error *err)
{
	char *end;
	errno = 0;
	unsigned long cvt = strtoul(z, &end, 0);
	if ((errno && errno != ERANGE) || end == z)
		return fail(err, "22P02", "invalid input syntax for type %s: \"%s\"", tname, z);
	if (errno == ERANGE)
		return fail(err, "22003", "value \"%s\" is out of range for type %s", z, tname);
	while (is_space(*end))
		end++;
	if (*end)
		return fail(err, "22P02", "invalid input syntax for type %s: \"%s\"", tname, z);
	uint32_t r = (uint32_t)cvt;
	if (cvt != (unsigned long)r && cvt != (unsigned long)(long)(int32_t)r)
		return fail(err, "22003", "value \"%s\" is out of range for type %s", z, tname);
	*out = r;
	return 0;
}

/* float4in / float8in (src/backend/utils/adt/float.c): spaces, strtof or
 * strtod (which take NaN, Infinity, inf and hex floats), spaces. An
 * overflow, or an underflow to zero, is out of range; a denormal is not. */
static int parse_float(const char *z, pg_oid t, double *out, value_error *err)
{
	const char *tname = t == OID_FLOAT4 ? "real" : "double precision";
	const char *num = z;
	while (is_space(*num))
		num++;
	if (!*num)
		return fail(err, "22P02", "invalid input syntax for type %s: \"%s\"", tname, z);
	char *end;
	errno = 0;
	double v = t == OID_FLOAT4 ? (double)c_strtof(num, &end) : c_strtod(num, &end);
	if (end == num)
		return fail(err, "22P02", "invalid input syntax for type %s: \"%s\"", tname, z);
	if (errno == ERANGE && (v == 0 || isinf(v)))
		return fail(err, "22003", "\"%.*s\" is out of range for type %s", (int)(end - num), num,
			    tname);
	while (is_space(*end))
		end++;
	if (*end)
		return fail(err, "22P02", "invalid input syntax for type %s: \"%s\"", tname, z);
	*out = v;
	return 0;
}

/* numeric_in (src/backend/utils/adt/numeric.c, PostgreSQL 17): NaN,
 * [sign]Infinity/inf, [sign] 0x/0o/0b integers, or [sign] digits with an
 * optional point and exponent, '_' between digits; spaces around. The
 * decimal is then rounded once to the nearest double. */
static int parse_numeric(arena *a, const char *z, double *out, value_error *err)
{
	const char *p = z;
	while (is_space(*p))
		p++;
	const char *start = p;
	bool neg = false, special = false;
	double v = 0;
	if (prefix_ci(p, "nan")) {
		v = NAN;
		p += 3;
		special = true;
	} else {
		if (*p == '+' || *p == '-')
			neg = *p++ == '-';
		if (prefix_ci(p, "infinity")) {
			v = INFINITY;
			p += 8;
			special = true;
		} else if (prefix_ci(p, "inf")) {
			v = INFINITY;
			p += 3;
			special = true;
		}
	}
	if (!special && p[0] == '0' && (lower(p[1]) == 'x' || lower(p[1]) == 'o' || lower(p[1]) == 'b')) {
		unsigned base = lower(p[1]) == 'x' ? 16 : lower(p[1]) == 'o' ? 8 : 2;
		p += 2;
		const char *first = p;
		for (;;) {
			int dg = digit_in_base(*p, base);
			if (dg >= 0) {
				v = v * base + dg;
				p++;
			} else if (*p == '_' && digit_in_base(p[1], base) >= 0) {
				p++;
			} else {
				break;
			}
		}
		if (p == first)
			goto syntax;
	} else if (!special) {
		/* A copy without the underscores for strtod. */
		char *clean = arena_alloc(a, strlen(start) + 1);
		if (!clean)
			return oom(err);
		size_t n = 0, digits = 0;
		bool point = false;
		for (;;) {
			if (is_digit(*p)) {
				clean[n++] = *p++;
				digits++;
			} else if (*p == '_' && n > 0 && is_digit(clean[n - 1]) && is_digit(p[1])) {
				p++;
			} else if (*p == '.' && !point) {
				clean[n++] = *p++;
				point = true;
			} else {
				break;
			}
		}
		if (digits == 0)
			goto syntax;
		if (*p == 'e' || *p == 'E') {
			clean[n++] = *p++;
			if (*p == '+' || *p == '-')
				clean[n++] = *p++;
			if (!is_digit(*p))
				goto syntax;
			while (is_digit(*p))
				clean[n++] = *p++;
		}
		clean[n] = 0;
		v = c_strtod(clean, NULL);
	}
	while (is_space(*p))
		p++;
	if (*p)
		goto syntax;
	if (!special && isinf(v))
		return fail(err, "22003", "value overflows numeric format");
	*out = neg ? -v : v;
	if (*out == 0)
		*out = 0; /* numeric has no negative zero */
	return 0;
syntax:
	return fail(err, "22P02", "invalid input syntax for type numeric: \"%s\"", z);
}

/* boolin (parse_bool_with_len): spaces trimmed, then a case-insensitive
 * prefix of true/false/yes/no (at least one letter), on/off (at least two),
 * or exactly 1/0. */
static int parse_bool(const char *s, size_t len, bool *out)
{
	while (len && is_space(*s)) {
		s++;
		len--;
	}
	while (len && is_space(s[len - 1]))
		len--;
	if (len == 0)
		return -1;
	static const struct {
		const char *word;
		size_t min;
		bool v;
	} words[] = {{"true", 1, true}, {"false", 1, false}, {"yes", 1, true},
		     {"no", 1, false},	{"on", 2, true},     {"off", 2, false}};
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t wl = strlen(words[w].word);
		if (len >= words[w].min && len <= wl && lower(s[0]) == words[w].word[0]) {
			bool ok = true;
			for (size_t i = 0; i < len; i++)
				ok = ok && lower(s[i]) == words[w].word[i];
			if (ok) {
				*out = words[w].v;
				return 0;
			}
		}
	}
	if (len == 1 && (s[0] == '1' || s[0] == '0')) {
		*out = s[0] == '1';
		return 0;
	}
	return -1;
}

/* ---- timestamps ---- */

#define USECS_PER_SEC INT64_C(1000000)
#define USECS_PER_DAY INT64_C(86400000000)
/* PostgreSQL's valid range: 4714-11-24 BC to 294276-12-31 (MIN_TIMESTAMP,
 * END_TIMESTAMP in datatype/timestamp.h), apart from +-infinity. */
#define TIMESTAMP_MIN INT64_C(-211813488000000000)
#define TIMESTAMP_END INT64_C(9223371331200000000)
#define DAYS_1970_TO_2000 10957

/* Days from 2000-01-01 to y-m-d in the proleptic Gregorian calendar (year 0
 * is 1 BC), counting 400-year eras of 146097 days from March 1st so that
 * the leap day falls at the end of a year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - DAYS_1970_TO_2000;
}

static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + DAYS_1970_TO_2000 + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* Reads 1..max decimal digits into *v. */
static bool read_digits(const char **p, int min, int max, int64_t *v)
{
	int n = 0;
	*v = 0;
	while (n < max && is_digit(**p)) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n >= min && !is_digit(**p);
}

static const char *time_name(pg_oid t)
{
	return t == OID_TIMESTAMP ? "timestamp" : "timestamp with time zone";
}

/* AdjustTimestampForTypmod: rounds to typmod fractional digits, halves away
 * from zero. */
static int64_t round_timestamp(int64_t ts, int32_t typmod)
{
	if (typmod < 0 || typmod >= 6 || ts == INT64_MIN || ts == INT64_MAX)
		return ts;
	int64_t scale = 1;
	for (int i = typmod; i < 6; i++)
		scale *= 10;
	if (ts >= 0)
		return (ts + scale / 2) / scale * scale;
	return -((-ts + scale / 2) / scale * scale);
}

/* The timestamp input OmenDB takes (a subset of PostgreSQL's DecodeDateTime
 * with DateStyle ISO and TimeZone UTC): 'YYYY-MM-DD', then optionally ' ' or
 * 'T' and 'HH:MM[:SS[.ffffff]]', then optionally a zone: Z, UTC, GMT or
 * +-HH[[:]MM[[:]SS]] (ignored for timestamp without time zone); and the
 * special words epoch, infinity, -infinity, now, today, tomorrow, yesterday.
 * Years need four or more digits; BC, zone names and other date orders are
 * refused as invalid syntax. */
static int parse_timestamp(const char *z, pg_oid t, int32_t typmod, int64_t *out, value_error *err)
{
	const char *p = z, *e = z + strlen(z);
	while (is_space(*p))
		p++;
	while (e > p && is_space(e[-1]))
		e--;
	size_t wl = (size_t)(e - p);
	if (equal_ci(p, wl, "infinity")) {
		*out = INT64_MAX;
		return 0;
	}
	if (equal_ci(p, wl, "-infinity")) {
		*out = INT64_MIN;
		return 0;
	}
	if (equal_ci(p, wl, "epoch")) {
		*out = -DAYS_1970_TO_2000 * USECS_PER_DAY;
		return 0;
	}
	if (equal_ci(p, wl, "now") || equal_ci(p, wl, "today") || equal_ci(p, wl, "tomorrow") ||
	    equal_ci(p, wl, "yesterday")) {
		/* PostgreSQL uses the transaction's start; the clock now is as
		 * close as a value can get. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t now = ((int64_t)ts.tv_sec - DAYS_1970_TO_2000 * INT64_C(86400)) * USECS_PER_SEC +
			      ts.tv_nsec / 1000;
		if (lower(p[0]) == 'n') {
			*out = round_timestamp(now, typmod);
			return 0;
		}
		int64_t day = now >= 0 ? now / USECS_PER_DAY : -((-now + USECS_PER_DAY - 1) / USECS_PER_DAY);
		day += lower(p[0]) == 't' && lower(p[2]) == 'm' ? 1 : lower(p[0]) == 'y' ? -1 : 0;
		*out = day * USECS_PER_DAY;
		return 0;
	}

	int64_t y, mo, d, h = 0, mi = 0, s = 0, fsec = 0, tz = 0;
	if (!read_digits(&p, 4, 9, &y) || *p++ != '-' || !read_digits(&p, 1, 2, &mo) || *p++ != '-' ||
	    !read_digits(&p, 1, 2, &d))
		goto syntax;
	bool has_time = false;
	if (*p == 'T' || *p == 't') {
		p++;
		has_time = true;
	} else if (is_space(*p)) {
		while (is_space(*p))
			p++;
		has_time = is_digit(*p);
	}
	if (has_time) {
		if (!read_digits(&p, 1, 2, &h) || *p++ != ':' || !read_digits(&p, 1, 2, &mi))
			goto syntax;
		if (*p == ':') {
			p++;
			if (!read_digits(&p, 1, 2, &s))
				goto syntax;
			if (*p == '.') {
				/* ParseFractionalSecond: strtod of the fraction, rint to
				 * microseconds. */
				const char *f = p;
				p++;
				while (is_digit(*p))
					p++;
				char frac[64] = "0";
				size_t fl =
				    (size_t)(p - f) < sizeof frac - 2 ? (size_t)(p - f) : sizeof frac - 2;
				memcpy(frac + 1, f, fl);
				frac[fl + 1] = 0;
				fsec = (int64_t)rint(c_strtod(frac, NULL) * 1000000.0);
			}
		}
	}
	while (is_space(*p))
		p++;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (prefix_ci(p, "utc") || prefix_ci(p, "gmt")) {
		p += 3;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int64_t th, tm = 0, tsec = 0;
		while (is_space(*p))
			p++;
		const char *digits = p;
		while (is_digit(*p))
			p++;
		size_t nd = (size_t)(p - digits);
		p = digits;
		if (nd == 4) { /* +HHMM */
			th = (digits[0] - '0') * 10 + (digits[1] - '0');
			tm = (digits[2] - '0') * 10 + (digits[3] - '0');
			p = digits + 4;
		} else if (nd == 1 || nd == 2) {
			read_digits(&p, 1, 2, &th);
			if (*p == ':') {
				p++;
				if (!read_digits(&p, 1, 2, &tm))
					goto syntax;
				if (*p == ':') {
					p++;
					if (!read_digits(&p, 1, 2, &tsec))
						goto syntax;
				}
			}
		} else {
			goto syntax;
		}
		if (th > 15 || tm > 59 || tsec > 59)
			return fail(err, "22009", "time zone displacement out of range: \"%s\"", z);
		tz = sign * (th * 3600 + tm * 60 + tsec);
	}
	while (is_space(*p))
		p++;
	if (*p)
		goto syntax;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (int)mo) || h > 24 || mi > 59 ||
	    s > 60 || (h == 24 && (mi || s || fsec)))
		return fail(err, "22008", "date/time field value out of range: \"%s\"", z);
	if (t == OID_TIMESTAMP)
		tz = 0;
	int64_t days = days_from_civil(y, (int)mo, (int)d);
	/* Years up to 9 digits keep this far from int64 overflow; the range
	 * check below refuses what PostgreSQL cannot store. */
	if (days > TIMESTAMP_END / USECS_PER_DAY + 1)
		return fail(err, "22008", "timestamp out of range: \"%s\"", z);
	int64_t ts = days * USECS_PER_DAY + ((h * 60 + mi) * 60 + s - tz) * USECS_PER_SEC + fsec;
	ts = round_timestamp(ts, typmod);
	if (ts < TIMESTAMP_MIN || ts >= TIMESTAMP_END)
		return fail(err, "22008", "timestamp out of range: \"%s\"", z);
	*out = ts;
	return 0;
syntax:
	return fail(err, "22007", "invalid input syntax for type %s: \"%s\"", time_name(t), z);
}

/* EncodeDateTime with DateStyle ISO: "2024-01-02 03:04:05.123+00", the
 * fraction without trailing zeros, "+00" only with time zone (the session
 * is UTC), years below 1 as "YYYY ... BC". buf holds 48 bytes. */
static size_t format_timestamp(int64_t ts, pg_oid t, char *buf)
{
	if (ts == INT64_MAX)
		return (size_t)snprintf(buf, 48, "infinity");
	if (ts == INT64_MIN)
		return (size_t)snprintf(buf, 48, "-infinity");
	int64_t days = ts / USECS_PER_DAY, rem = ts % USECS_PER_DAY;
	if (rem < 0) {
		rem += USECS_PER_DAY;
		days--;
	}
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int64_t secs = rem / USECS_PER_SEC, us = rem % USECS_PER_SEC;
	bool bc = y <= 0;
	int n = snprintf(buf, 48, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)(bc ? 1 - y : y), m, d,
			 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	if (us) {
		char f[8];
		snprintf(f, sizeof f, "%06d", (int)us);
		int fl = 6;
		while (f[fl - 1] == '0')
			fl--;
		n += snprintf(buf + n, (size_t)(48 - n), ".%.*s", fl, f);
	}
	if (t == OID_TIMESTAMPTZ)
		n += snprintf(buf + n, (size_t)(48 - n), "+00");
	if (bc)
		n += snprintf(buf + n, (size_t)(48 - n), " BC");
	return (size_t)n;
}

/* ---- json, bit strings, bytea, "char" ---- */

/* Deeper documents are refused (PostgreSQL's limit is its stack depth). */
#define JSON_DEPTH_MAX 1000

static bool json_delim(char c)
{
	return c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':' ||
	       c == ']' || c == '}' || c == '[' || c == '{' || c == '"';
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int d = digit_in_base(p[i], 16);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* One JSON string at *pp (on its '"'), as PostgreSQL's json_lex_string
 * checks it: -1 when malformed. jsonb also refuses unpaired surrogates,
 * which json keeps as text, and \u0000: -2 with err filled (22P05). */
static int json_string(const char **pp, bool jsonb, value_error *err)
{
	const char *p = *pp + 1;
	for (;;) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			p++;
			continue;
		}
		p++;
		if (*p == 'u') {
			int cp = hex4(p + 1);
			if (cp < 0)
				return -1;
			p += 5;
			if (!jsonb)
				continue;
			if (cp == 0)
				return fail(err, "22P05", "unsupported Unicode escape sequence") - 1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				int lo = p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return -1;
				p += 6;
			}
		} else if (*p && strchr("\"\\/bfnrt", *p)) {
			p++;
		} else {
			return -1;
		}
	}
	*pp = p + 1;
	return 0;
}

/* One number or literal at *pp, by RFC 8259's grammar; the token must end
 * at a delimiter ("1x", "01", "1." and "TRUE" are invalid tokens). */
static int json_scalar(const char **pp)
{
	const char *p = *pp;
	if (strncmp(p, "true", 4) == 0)
		p += 4;
	else if (strncmp(p, "false", 5) == 0)
		p += 5;
	else if (strncmp(p, "null", 4) == 0)
		p += 4;
	else {
		if (*p == '-')
			p++;
		if (*p == '0')
			p++;
		else if (*p >= '1' && *p <= '9')
			while (is_digit(*p))
				p++;
		else
			return -1;
		if (*p == '.') {
			p++;
			if (!is_digit(*p))
				return -1;
			while (is_digit(*p))
				p++;
		}
		if (*p == 'e' || *p == 'E') {
			p++;
			if (*p == '+' || *p == '-')
				p++;
			if (!is_digit(*p))
				return -1;
			while (is_digit(*p))
				p++;
		}
	}
	if (!json_delim(*p))
		return -1;
	*pp = p;
	return 0;
}

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* json_in / jsonb_in validation of the NUL-terminated z: one JSON value
 * with optional whitespace around, walked with an explicit stack so that
 * hostile nesting cannot exhaust the C stack. */
static int check_json(const char *z, bool jsonb, value_error *err)
{
	char stack[JSON_DEPTH_MAX];
	int depth = 0, rc = 0;
	const char *p = json_ws(z);
	for (;;) {
		/* A value. */
		if (*p == '{' || *p == '[') {
			char open = *p;
			if (depth == JSON_DEPTH_MAX)
				return fail(err, "54001", "stack depth limit exceeded");
			p = json_ws(p + 1);
			if (*p == (open == '{' ? '}' : ']')) {
				p++;
			} else {
				stack[depth++] = open;
				if (open == '{') {
					if (*p != '"')
						goto syntax;
					if ((rc = json_string(&p, jsonb, err)) != 0)
						goto bad;
					p = json_ws(p);
					if (*p++ != ':')
						goto syntax;
				}
				p = json_ws(p);
				continue;
			}
		} else if (*p == '"') {
			if ((rc = json_string(&p, jsonb, err)) != 0)
				goto bad;
		} else if (json_scalar(&p)) {
			goto syntax;
		}
		/* After a value: close containers, or go on to the next member. */
		for (;;) {
			p = json_ws(p);
			if (depth == 0) {
				if (*p)
					goto syntax;
				return 0;
			}
			char open = stack[depth - 1];
			if (*p == (open == '{' ? '}' : ']')) {
				p++;
				depth--;
				continue;
			}
			if (*p++ != ',')
				goto syntax;
			p = json_ws(p);
			if (open == '{') {
				if (*p != '"')
					goto syntax;
				if ((rc = json_string(&p, jsonb, err)) != 0)
					goto bad;
				p = json_ws(p);
				if (*p++ != ':')
					goto syntax;
				p = json_ws(p);
			}
			break;
		}
	}
bad:
	if (rc == -2)
		return -1;
syntax:
	return fail(err, "22P02", "invalid input syntax for type json");
}

/* bit_in / varbit_in: '0'/'1' digits, or a leading b/B (binary) or x/X
 * (hex, four bits a digit); stored as '0'/'1' text. */
static int parse_bits(arena *a, pg_oid t, const char *z, size_t len, value *out, value_error *err)
{
	const char *p = z;
	bool hex = false;
	if (len && (p[0] == 'b' || p[0] == 'B')) {
		p++;
		len--;
	} else if (len && (p[0] == 'x' || p[0] == 'X')) {
		p++;
		len--;
		hex = true;
	}
	if (len > (size_t)INT32_MAX / 4)
		return fail(err, "54000", "bit string length exceeds the maximum allowed (%d)",
			    INT32_MAX / 4);
	char *s = arena_alloc(a, (hex ? 4 * len : len) + 1);
	if (!s)
		return oom(err);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (hex) {
			int d = digit_in_base(p[i], 16);
			if (d < 0)
				return fail(err, "22P02", "\"%.*s\" is not a valid hexadecimal digit",
					    char_len(p + i, len - i), p + i);
			for (int b = 3; b >= 0; b--)
				s[n++] = (char)('0' + (d >> b & 1));
		} else {
			if (p[i] != '0' && p[i] != '1')
				return fail(err, "22P02", "\"%.*s\" is not a valid binary digit",
					    char_len(p + i, len - i), p + i);
			s[n++] = p[i];
		}
	}
	s[n] = 0;
	*out = value_text(t, s, n);
	return 0;
}

/* byteain: "\x" then hex pairs (whitespace between pairs allowed), or the
 * escape format where "\\" is a backslash and "\ooo" an octal byte. */
static int parse_bytea(arena *a, const char *z, size_t len, value *out, value_error *err)
{
	char *b = arena_alloc(a, len + 1);
	if (!b)
		return oom(err);
	size_t n = 0;
	if (len >= 2 && z[0] == '\\' && z[1] == 'x') {
		for (size_t i = 2; i < len;) {
			if (z[i] == ' ' || z[i] == '\n' || z[i] == '\t' || z[i] == '\r') {
				i++;
				continue;
			}
			int hi = digit_in_base(z[i], 16);
			if (hi < 0)
				return fail(err, "22023", "invalid hexadecimal digit: \"%.*s\"", 1, z + i);
			if (i + 1 >= len)
				return fail(err, "22023", "invalid hexadecimal data: odd number of digits");
			int lo = digit_in_base(z[i + 1], 16);
			if (lo < 0)
				return fail(err, "22023", "invalid hexadecimal digit: \"%.*s\"", 1,
					    z + i + 1);
			b[n++] = (char)(hi << 4 | lo);
			i += 2;
		}
	} else {
		for (size_t i = 0; i < len;) {
			if (z[i] != '\\') {
				b[n++] = z[i++];
			} else if (i + 1 < len && z[i + 1] == '\\') {
				b[n++] = '\\';
				i += 2;
			} else if (i + 3 < len && z[i + 1] >= '0' && z[i + 1] <= '3' && z[i + 2] >= '0' &&
				   z[i + 2] <= '7' && z[i + 3] >= '0' && z[i + 3] <= '7') {
				b[n++] =
				    (char)((z[i + 1] - '0') << 6 | (z[i + 2] - '0') << 3 | (z[i + 3] - '0'));
				i += 4;
			} else {
				return fail(err, "22P02", "invalid input syntax for type bytea");
			}
		}
	}
	b[n] = 0;
	*out = value_text(OID_BYTEA, b, n);
	return 0;
}

/* charin: "\ooo" is that byte, else the first byte (none for ''). */
static int parse_char(arena *a, const char *z, size_t len, value *out, value_error *err)
{
	char c[2] = {0, 0};
	size_t n = len ? 1 : 0;
	if (len == 4 && z[0] == '\\' && z[1] >= '0' && z[1] <= '7' && z[2] >= '0' && z[2] <= '7' &&
	    z[3] >= '0' && z[3] <= '7')
		c[0] = (char)((z[1] - '0') << 6 | (z[2] - '0') << 3 | (z[3] - '0'));
	else if (len)
		c[0] = z[0];
	return make_string(a, OID_CHAR, c, n, out, err);
}

/* ---- type names (regtype input) ---- */

#define IDENT_MAX 63 /* NAMEDATALEN - 1: longer identifiers are truncated */

typedef struct ident {
	char text[IDENT_MAX + 1];
	bool quoted;
} ident;

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c & 0x80);
}

/* One SQL identifier at p: unquoted (downcased) or "quoted" ("" is a quote).
 * NULL when there is none. */
static const char *read_ident(const char *p, ident *id)
{
	size_t n = 0;
	id->quoted = *p == '"';
	if (id->quoted) {
		p++;
		for (;;) {
			if (!*p)
				return NULL;
			if (*p == '"') {
				if (p[1] != '"')
					break;
				p++;
			}
			if (n < IDENT_MAX)
				id->text[n++] = *p;
			p++;
		}
		p++;
		if (n == 0)
			return NULL;
	} else {
		if (!ident_start(*p))
			return NULL;
		while (ident_start(*p) || is_digit(*p) || *p == '$') {
			if (n < IDENT_MAX)
				id->text[n++] = lower(*p);
			p++;
		}
	}
	id->text[n] = 0;
	return p;
}

static const char *skip_ws(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* Reads the next word if it is the unquoted keyword kw. */
static bool next_keyword(const char **pp, const char *kw)
{
	const char *p = skip_ws(*pp);
	ident id;
	const char *q = read_ident(p, &id);
	if (!q || id.quoted || strcmp(id.text, kw) != 0)
		return false;
	*pp = q;
	return true;
}

/* An optional "(n[, n...])" type modifier; *first gets the first number
 * (-1 without one). */
static bool read_typmods(const char **pp, long *first)
{
	const char *p = skip_ws(*pp);
	*first = -1;
	if (*p != '(')
		return true;
	p = skip_ws(p + 1);
	for (;;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			return false;
		if (*first < 0)
			*first = v < 0 ? 0 : v;
		p = skip_ws(end);
		if (*p == ')')
			break;
		if (*p++ != ',')
			return false;
		p = skip_ws(p);
	}
	*pp = p + 1;
	return true;
}

static pg_oid type_by_typname(const char *name, int schema /* 0 any, 1 pg_catalog, 2 public */)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].typname, name) == 0 &&
		    (schema == 0 || (schema == 2) == types[i].public_type))
			return types[i].oid;
	return 0;
}

/* regtypein (parseTypeString): an oid in digits, "-" for none, or a type
 * name as SQL writes it: SQL's spellings (integer, double precision,
 * character varying(10), timestamp with time zone...), catalog names
 * (int4, _int4) optionally qualified by pg_catalog (or public for
 * pgvector's), and [] for arrays. 42704 when no such type exists here. */
static int parse_type_name(const char *z, pg_oid *out, value_error *err)
{
	if (is_digit(z[0]) && strspn(z, "0123456789") == strlen(z)) {
		int64_t v;
		if (parse_oid(z, "oid", &v, err))
			return -1;
		*out = (pg_oid)v;
		return 0;
	}
	if (strcmp(z, "-") == 0) {
		*out = 0;
		return 0;
	}
	ident w, w2;
	const char *p = read_ident(skip_ws(z), &w);
	if (!p)
		goto syntax;
	pg_oid t = 0;
	char shown[2 * IDENT_MAX + 8];
	snprintf(shown, sizeof shown, "%s", w.text);
	const char *q = skip_ws(p);
	long mod = -1;
	if (*q == '.') {
		p = read_ident(skip_ws(q + 1), &w2);
		if (!p || *skip_ws(p) == '.')
			goto syntax;
		snprintf(shown, sizeof shown, "%s.%s", w.text, w2.text);
		if (strcmp(w.text, "pg_catalog") == 0)
			t = type_by_typname(w2.text, 1);
		else if (strcmp(w.text, "public") == 0)
			t = type_by_typname(w2.text, 2);
		if (!read_typmods(&p, &mod))
			goto syntax;
	} else if (w.quoted) {
		t = type_by_typname(w.text, 0);
		if (!read_typmods(&p, &mod))
			goto syntax;
	} else {
		/* SQL's own type spellings (gram.y's SimpleTypename), keywords
		 * only when unquoted and unqualified. */
		const char *k = w.text;
		if (strcmp(k, "double") == 0) {
			if (!next_keyword(&p, "precision"))
				goto syntax;
			t = OID_FLOAT8;
		} else if (strcmp(k, "character") == 0 || strcmp(k, "char") == 0) {
			t = next_keyword(&p, "varying") ? OID_VARCHAR : OID_BPCHAR;
		} else if (strcmp(k, "bit") == 0) {
			t = next_keyword(&p, "varying") ? OID_VARBIT : OID_BIT;
		} else if (strcmp(k, "timestamp") == 0) {
			if (!read_typmods(&p, &mod))
				goto syntax;
			t = OID_TIMESTAMP;
			if (next_keyword(&p, "with")) {
				t = OID_TIMESTAMPTZ;
				if (!next_keyword(&p, "time") || !next_keyword(&p, "zone"))
					goto syntax;
			} else if (next_keyword(&p, "without")) {
				if (!next_keyword(&p, "time") || !next_keyword(&p, "zone"))
					goto syntax;
			}
		} else if (strcmp(k, "int") == 0 || strcmp(k, "integer") == 0) {
			t = OID_INT4;
		} else if (strcmp(k, "smallint") == 0) {
			t = OID_INT2;
		} else if (strcmp(k, "bigint") == 0) {
			t = OID_INT8;
		} else if (strcmp(k, "real") == 0) {
			t = OID_FLOAT4;
		} else if (strcmp(k, "float") == 0) {
			if (!read_typmods(&p, &mod))
				goto syntax;
			if (mod == 0 || mod > 53)
				return fail(err, "22023", "precision for type float must be %s",
					    mod == 0 ? "at least 1 bit" : "less than 54 bits");
			t = mod > 0 && mod <= 24 ? OID_FLOAT4 : OID_FLOAT8;
		} else if (strcmp(k, "decimal") == 0 || strcmp(k, "dec") == 0 || strcmp(k, "numeric") == 0) {
			t = OID_NUMERIC;
		} else if (strcmp(k, "boolean") == 0) {
			t = OID_BOOL;
		} else {
			t = type_by_typname(k, 0);
		}
		if (!read_typmods(&p, &mod))
			goto syntax;
	}
	/* Array bounds: any number of [] or [n] make the array type. */
	bool array = false;
	for (;;) {
		q = skip_ws(p);
		if (*q != '[')
			break;
		q = skip_ws(q + 1);
		while (is_digit(*q))
			q++;
		q = skip_ws(q);
		if (*q != ']')
			goto syntax;
		p = q + 1;
		array = true;
	}
	if (*skip_ws(p))
		goto syntax;
	if (array && t)
		t = value_array_of(t);
	if (!t)
		return fail(err, "42704", "type \"%s%s\" does not exist", shown, array ? "[]" : "");
	*out = t;
	return 0;
syntax:
	return fail(err, "42601", "invalid type name \"%s\"", z);
}

/* ---- type modifiers ---- */

static int floor_div4(int v)
{
	return v >= 0 ? v / 4 : -((-v + 3) / 4);
}

/* apply_typmod for numeric(p,s) (numeric.c): rounds half away from zero to
 * s fractional digits (s may be negative since PostgreSQL 15), then the
 * value must stay below 10^(p-s). Rounding works on the shortest decimal
 * digits, so 1.005 rounds to 1.01 as the literal does in PostgreSQL. */
static int numeric_typmod(double *x, int32_t typmod, value_error *err)
{
	if (typmod < 4 || isnan(*x))
		return 0;
	int32_t tm = typmod - 4;
	int precision = tm >> 16 & 0xffff;
	int scale = ((tm & 0x7ff) ^ 1024) - 1024;
	if (isinf(*x))
		return fail(err, "22003", "numeric field overflow");
	if (*x == 0)
		return 0;
	char d[24], r[32];
	int e, nd = shortest_digits(fabs(*x), d, &e);
	int keep = e + scale + 1; /* digits at or above 10^-scale */
	int rn = 0, re = e;
	if (keep >= nd) {
		memcpy(r, d, (size_t)nd);
		rn = nd;
	} else if (keep == 0 && d[0] >= '5') {
		r[0] = '1';
		rn = 1;
		re = -scale;
	} else if (keep > 0) {
		memcpy(r, d, (size_t)keep);
		rn = keep;
		if (d[keep] >= '5') {
			int i = rn - 1;
			while (i >= 0 && r[i] == '9')
				r[i--] = '0';
			if (i >= 0) {
				r[i]++;
			} else {
				r[0] = '1';
				memset(r + 1, '0', (size_t)rn - 1);
				re++;
			}
		}
	}
	if (rn == 0) {
		*x = 0;
		return 0;
	}
	if (re >= precision - scale)
		return fail(err, "22003", "numeric field overflow");
	char t[48];
	snprintf(t, sizeof t, "%s%.*se%d", *x < 0 ? "-" : "", rn, r, re - rn + 1);
	*x = c_strtod(t, NULL);
	return 0;
}

/* varchar(n) / bpchar(n) (varchar.c): n characters; longer is an error
 * unless only spaces are cut or the cast is explicit; bpchar pads with
 * spaces. */
static int string_typmod(arena *a, value *v, int32_t typmod, bool explicit, value_error *err)
{
	if (typmod < 4 || (v->type != OID_VARCHAR && v->type != OID_BPCHAR))
		return 0;
	size_t n = (size_t)(typmod - 4);
	size_t chars = utf8_chars(v->u.s.ptr, v->u.s.len);
	if (chars > n) {
		size_t cut = utf8_prefix(v->u.s.ptr, v->u.s.len, n);
		for (size_t i = cut; i < v->u.s.len && !explicit; i++)
			if (v->u.s.ptr[i] != ' ')
				return fail(err, "22001", "value too long for type %s(%zu)",
					    v->type == OID_VARCHAR ? "character varying" : "character", n);
		v->u.s.ptr = arena_strndup(a, v->u.s.ptr, cut);
		if (!v->u.s.ptr)
			return oom(err);
		v->u.s.len = cut;
		chars = n;
	}
	if (v->type == OID_BPCHAR && chars < n) {
		size_t len = v->u.s.len + (n - chars);
		char *p = arena_alloc(a, len + 1);
		if (!p)
			return oom(err);
		memcpy(p, v->u.s.ptr, v->u.s.len);
		memset(p + v->u.s.len, ' ', len - v->u.s.len);
		p[len] = 0;
		v->u.s.ptr = p;
		v->u.s.len = len;
	}
	return 0;
}

/* bit(n): exactly n bits, varbit(n): at most n (varbit.c bit(), varbit());
 * an explicit cast truncates or, for bit(n), pads with zeros. */
static int bit_typmod(arena *a, value *v, int32_t typmod, bool explicit, value_error *err)
{
	if (typmod < 0)
		return 0;
	size_t n = (size_t)typmod, len = v->u.s.len;
	if (v->type == OID_BIT && len != n && !explicit)
		return fail(err, "22026", "bit string length %zu does not match type bit(%zu)", len, n);
	if (v->type == OID_VARBIT && len > n && !explicit)
		return fail(err, "22026", "bit string too long for type bit varying(%zu)", n);
	if (len == n || (v->type == OID_VARBIT && len < n))
		return 0;
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return oom(err);
	memcpy(p, v->u.s.ptr, len < n ? len : n);
	if (len < n)
		memset(p + len, '0', n - len);
	p[n] = 0;
	v->u.s.ptr = p;
	v->u.s.len = n;
	return 0;
}

static int vector_typmod(const value *v, int32_t typmod, value_error *err)
{
	if (typmod >= 0 && (uint32_t)typmod != v->u.vec.dim)
		return fail(err, "22000", "expected %d dimensions, not %u", typmod, v->u.vec.dim);
	return 0;
}

/* Applies typmod to a non-null value of its own type, as the type's length
 * coercion function does (explicit or not). */
static int apply_typmod(arena *a, value *v, int32_t typmod, bool explicit, value_error *err)
{
	if (typmod < 0)
		return 0;
	switch (v->type) {
	case OID_VECTOR:
		return vector_typmod(v, typmod, err);
	case OID_VARCHAR:
	case OID_BPCHAR:
		return string_typmod(a, v, typmod, explicit, err);
	case OID_NUMERIC:
		return numeric_typmod(&v->u.f, typmod, err);
	case OID_BIT:
	case OID_VARBIT:
		return bit_typmod(a, v, typmod, explicit, err);
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		v->u.i = round_timestamp(v->u.i, typmod);
		if (v->u.i != INT64_MAX && v->u.i != INT64_MIN &&
		    (v->u.i < TIMESTAMP_MIN || v->u.i >= TIMESTAMP_END))
			return fail(err, "22008", "timestamp out of range");
		return 0;
	default:
		if (value_array_elem(v->type)) {
			/* An array's typmod applies to its elements. */
			for (uint32_t i = 0; i < v->u.arr.n; i++)
				if (!v->u.arr.items[i].isnull &&
				    apply_typmod(a, &v->u.arr.items[i], typmod, explicit, err))
					return -1;
		}
		return 0;
	}
}

/* ---- vectors ---- */

/* pgvector vector_in through common/vector.h, with pgvector's messages. */
static int parse_vector(arena *a, const char *z, size_t len, int32_t typmod, value *out, value_error *err)
{
	size_t commas = 0;
	for (size_t i = 0; i < len; i++)
		commas += z[i] == ',';
	uint32_t cap = commas + 1 < VECTOR_MAX_DIM ? (uint32_t)commas + 1 : VECTOR_MAX_DIM;
	float *x = arena_alloc(a, (size_t)cap * sizeof *x);
	if (!x)
		return oom(err);
	uint32_t dim;
	switch (vector_parse_text(z, len, x, cap, &dim)) {
	case OMEN_OK:
		break;
	case OMEN_EDIM:
		if (dim == 0)
			return fail(err, "22000", "vector must have at least 1 dimension");
		return fail(err, "54000", "vector cannot have more than %d dimensions", VECTOR_MAX_DIM);
	case OMEN_ERANGE: {
		/* The literal is the (dim+1)-th element: earlier ones hold no
		 * comma, and it ends where strtod stops. */
		const char *p = strchr(z, '[') + 1;
		for (uint32_t i = 0; i < dim; i++)
			p = strchr(p, ',') + 1;
		while (is_space(*p))
			p++;
		char *end;
		c_strtod(p, &end);
		return fail(err, "22003", "\"%.*s\" is out of range for type vector", (int)(end - p), p);
	}
	case OMEN_ENONFINITE:
		return fail(err, "22000",
			    isnan(x[dim]) ? "NaN not allowed in vector"
					  : "infinite value not allowed in vector");
	case OMEN_ENOMEM:
		return oom(err);
	default: {
		/* pgvector's details for the two shapes it names. */
		const char *p = z, *close = strrchr(z, ']');
		while (is_space(*p))
			p++;
		const char *detail = NULL;
		if (*p != '[')
			detail = "Vector contents must start with \"[\".";
		else if (close) {
			const char *q = close + 1;
			while (is_space(*q))
				q++;
			if (*q)
				detail = "Junk after closing right brace.";
		}
		if (detail)
			return fail(err, "22P02", "invalid input syntax for type vector: \"%s\"\nDETAIL:  %s",
				    z, detail);
		return fail(err, "22P02", "invalid input syntax for type vector: \"%s\"", z);
	}
	}
	*out = (value){.type = OID_VECTOR, .u.vec = {x, dim}};
	return vector_typmod(out, typmod, err);
}

/* pgvector vector_recv, checks in its order. */
static int vector_from_binary(arena *a, int32_t typmod, const uint8_t *p, size_t len, value *out,
			      value_error *err)
{
	if (len < 4)
		return insufficient(err);
	int16_t dim = (int16_t)get16(p), unused = (int16_t)get16(p + 2);
	if (dim < 1)
		return fail(err, "22000", "vector must have at least 1 dimension");
	if (dim > VECTOR_MAX_DIM)
		return fail(err, "54000", "vector cannot have more than %d dimensions", VECTOR_MAX_DIM);
	if (typmod >= 0 && typmod != dim)
		return fail(err, "22000", "expected %d dimensions, not %d", typmod, dim);
	if (unused != 0)
		return fail(err, "22000", "expected unused to be 0, not %d", unused);
	if (len < 4 + 4 * (size_t)dim)
		return insufficient(err);
	if (len > 4 + 4 * (size_t)dim)
		return bad_binary(err);
	float *x = arena_alloc(a, (size_t)dim * sizeof *x);
	if (!x)
		return oom(err);
	uint32_t n;
	if (vector_parse_binary(p, len, x, (uint32_t)dim, &n) != OMEN_OK)
		return fail(err, "22000",
			    isnan(x[n]) ? "NaN not allowed in vector"
					: "infinite value not allowed in vector");
	*out = (value){.type = OID_VECTOR, .u.vec = {x, n}};
	return 0;
}

/* ---- arrays ---- */

static int malformed(value_error *err, const char *z)
{
	return fail(err, "22P02", "malformed array literal: \"%s\"", z);
}

/* array_in for one dimension with lower bound 1 (arrayfuncs.c): optional
 * "[1:n]=" decoration, '{', elements separated by ',', '}'. An element is
 * "quoted" (backslash escapes) or bare (backslash escapes, surrounding
 * whitespace dropped, NULL in any case is a null); each goes through the
 * element type's input with the array's typmod. */
static int array_from_text(arena *a, pg_oid t, int32_t typmod, const char *z, size_t len, value *out,
			   value_error *err)
{
	pg_oid et = value_array_elem(t);
	const char *p = skip_ws(z);
	long lb = 1, ub = -1;
	bool dims = false;
	if (*p == '[') {
		char *end;
		long first = strtol(p + 1, &end, 10);
		if (end == p + 1)
			return malformed(err, z);
		p = skip_ws(end);
		ub = first;
		if (*p == ':') {
			lb = first;
			ub = strtol(p + 1, &end, 10);
			if (end == p + 1)
				return malformed(err, z);
			p = skip_ws(end);
		}
		if (*p++ != ']')
			return malformed(err, z);
		p = skip_ws(p);
		if (*p == '[')
			return fail(err, "0A000", "multidimensional arrays are not supported");
		if (*p++ != '=')
			return malformed(err, z);
		p = skip_ws(p);
		if (lb != 1)
			return fail(err, "0A000", "array lower bounds other than 1 are not supported");
		dims = true;
	}
	if (*p != '{')
		return malformed(err, z);
	p++;
	size_t cap = 1;
	for (const char *c = p; *c; c++)
		cap += *c == ',';
	value *items = arena_calloc(a, cap, sizeof *items);
	char *buf = arena_alloc(a, len + 1);
	if (!items || !buf)
		return oom(err);
	uint32_t n = 0;
	p = skip_ws(p);
	if (*p == '}') {
		p++;
	} else {
		for (;;) {
			p = skip_ws(p);
			if (*p == '{')
				return fail(err, "0A000", "multidimensional arrays are not supported");
			size_t bl = 0, keep = 0;
			bool quoted = *p == '"', escaped = false;
			if (quoted) {
				for (p++; *p != '"'; p++) {
					if (*p == '\\')
						p++;
					if (!*p)
						return malformed(err, z);
					buf[bl++] = *p;
				}
				p = skip_ws(p + 1);
				keep = bl;
			} else {
				for (; *p != ',' && *p != '}'; p++) {
					if (!*p || *p == '"' || *p == '{')
						return malformed(err, z);
					if (*p == '\\') {
						if (!*++p)
							return malformed(err, z);
						escaped = true;
						buf[bl++] = *p;
						keep = bl;
						continue;
					}
					buf[bl++] = *p;
					if (!is_space(*p))
						keep = bl;
				}
				if (keep == 0 && !escaped)
					return malformed(err, z);
			}
			bl = keep;
			buf[bl] = 0;
			if (*p != ',' && *p != '}')
				return malformed(err, z);
			if (!quoted && !escaped && equal_ci(buf, bl, "null"))
				items[n] = value_null(et);
			else if (value_from_text(a, et, typmod, buf, bl, &items[n], err))
				return -1;
			n++;
			if (*p++ == '}')
				break;
		}
	}
	if (*skip_ws(p))
		return malformed(err, z);
	if (dims && ub - lb + 1 != (long)n)
		return malformed(err, z);
	*out = (value){.type = t, .u.arr = {items, n, et}};
	return 0;
}

/* array_out: an element is quoted when empty, "NULL" in any case, or
 * holding a quote, backslash, brace, comma or white space. */
static bool needs_quotes(const char *s, size_t len)
{
	if (len == 0 || equal_ci(s, len, "null"))
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '"' || s[i] == '\\' || s[i] == '{' || s[i] == '}' || s[i] == ',' ||
		    is_space(s[i]))
			return true;
	return false;
}

static int array_to_text(arena *a, const value *v, char **out, size_t *len, value_error *err)
{
	uint32_t n = v->u.arr.n;
	char **txt = arena_calloc(a, n ? n : 1, sizeof *txt);
	size_t *tl = arena_calloc(a, n ? n : 1, sizeof *tl);
	if (!txt || !tl)
		return oom(err);
	size_t total = 3;
	for (uint32_t i = 0; i < n; i++) {
		if (v->u.arr.items[i].isnull) {
			txt[i] = "NULL";
			tl[i] = 4;
		} else if (value_to_text(a, &v->u.arr.items[i], &txt[i], &tl[i], err)) {
			return -1;
		}
		total += 2 * tl[i] + 3;
	}
	char *buf = arena_alloc(a, total);
	if (!buf)
		return oom(err);
	char *p = buf;
	*p++ = '{';
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		bool q = !v->u.arr.items[i].isnull && needs_quotes(txt[i], tl[i]);
		if (q)
			*p++ = '"';
		for (size_t k = 0; k < tl[i]; k++) {
			if (q && (txt[i][k] == '"' || txt[i][k] == '\\'))
				*p++ = '\\';
			*p++ = txt[i][k];
		}
		if (q)
			*p++ = '"';
	}
	*p++ = '}';
	*p = 0;
	*out = buf;
	*len = (size_t)(p - buf);
	return 0;
}

/* array_recv: int32 ndim, int32 has-nulls flag, element type oid, per
 * dimension int32 length and lower bound, then per element an int32 length
 * (-1 for NULL) and the element's binary form. */
static int array_from_binary(arena *a, pg_oid t, int32_t typmod, const uint8_t *p, size_t len, value *out,
			     value_error *err)
{
	pg_oid et = value_array_elem(t);
	if (len < 12)
		return insufficient(err);
	int32_t ndim = (int32_t)get32(p), flags = (int32_t)get32(p + 4);
	pg_oid elem = get32(p + 8);
	if (ndim < 0 || ndim > 6)
		return fail(err, "22P03", "invalid number of dimensions: %d", ndim);
	if (flags != 0 && flags != 1)
		return fail(err, "22P03", "invalid array flags");
	if (elem != et)
		return fail(err, "42804",
			    "binary data has array element type %u (%s) instead of expected %u (%s)", elem,
			    value_type_name(elem), et, value_type_name(et));
	if (ndim > 1)
		return fail(err, "0A000", "multidimensional arrays are not supported");
	size_t off = 12;
	uint32_t n = 0;
	if (ndim == 1) {
		if (len < 20)
			return insufficient(err);
		int32_t dim = (int32_t)get32(p + 12), lb = (int32_t)get32(p + 16);
		off = 20;
		if (dim < 0)
			return fail(err, "22P03", "invalid array dimensions");
		if (dim > 0 && lb != 1)
			return fail(err, "0A000", "array lower bounds other than 1 are not supported");
		/* Each element needs at least its length word. */
		if ((size_t)dim > (len - off) / 4)
			return insufficient(err);
		n = (uint32_t)dim;
	}
	value *items = arena_calloc(a, n ? n : 1, sizeof *items);
	if (!items)
		return oom(err);
	for (uint32_t i = 0; i < n; i++) {
		if (len - off < 4)
			return insufficient(err);
		int32_t el = (int32_t)get32(p + off);
		off += 4;
		if (el == -1) {
			items[i] = value_null(et);
			continue;
		}
		if (el < -1 || (size_t)el > len - off)
			return fail(err, "22P03", "insufficient data left in message");
		if (value_from_binary(a, et, typmod, p + off, (size_t)el, &items[i], err))
			return -1;
		off += (size_t)el;
	}
	if (off != len)
		return bad_binary(err);
	*out = (value){.type = t, .u.arr = {items, n, et}};
	return 0;
}

static int array_to_binary(arena *a, const value *v, uint8_t **out, size_t *len, value_error *err)
{
	uint32_t n = v->u.arr.n;
	uint8_t **bin = arena_calloc(a, n ? n : 1, sizeof *bin);
	size_t *bl = arena_calloc(a, n ? n : 1, sizeof *bl);
	if (!bin || !bl)
		return oom(err);
	size_t total = n ? 20 : 12;
	bool nulls = false;
	for (uint32_t i = 0; i < n; i++) {
		if (v->u.arr.items[i].isnull)
			nulls = true;
		else if (value_to_binary(a, &v->u.arr.items[i], &bin[i], &bl[i], err))
			return -1;
		if (bl[i] > INT32_MAX)
			return fail(err, "54000", "array element too large");
		total += 4 + bl[i];
	}
	uint8_t *buf = arena_alloc(a, total);
	if (!buf)
		return oom(err);
	put32(buf, n ? 1 : 0);
	put32(buf + 4, nulls);
	put32(buf + 8, v->u.arr.elem ? v->u.arr.elem : value_array_elem(v->type));
	size_t off = 12;
	if (n) {
		put32(buf + 12, n);
		put32(buf + 16, 1);
		off = 20;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (v->u.arr.items[i].isnull) {
			put32(buf + off, UINT32_MAX);
			off += 4;
			continue;
		}
		put32(buf + off, (uint32_t)bl[i]);
		off += 4;
		if (bl[i])
			memcpy(buf + off, bin[i], bl[i]);
		off += bl[i];
	}
	*out = buf;
	*len = off;
	return 0;
}

/* ---- numeric binary format ---- */

#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_NAN 0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000

/* numeric_send: int16 ndigits, int16 weight, uint16 sign, int16 dscale,
 * then base-10000 digits, most significant first; the first digit is
 * worth 10000^weight. */
static int numeric_to_binary(arena *a, double x, uint8_t **out, size_t *len, value_error *err)
{
	uint16_t sign = NUMERIC_POS, groups[8];
	int weight = 0, dscale = 0, ng = 0;
	if (isnan(x)) {
		sign = NUMERIC_NAN;
	} else if (isinf(x)) {
		sign = x > 0 ? NUMERIC_PINF : NUMERIC_NINF;
	} else if (x != 0) {
		char d[24];
		int e, nd = shortest_digits(fabs(x), d, &e);
		int last = e - nd + 1; /* the power of ten of the last digit */
		sign = x < 0 ? NUMERIC_NEG : NUMERIC_POS;
		dscale = last < 0 ? -last : 0;
		weight = floor_div4(e);
		ng = weight - floor_div4(last) + 1;
		for (int g = 0; g < ng; g++) {
			int lo = 4 * (weight - g), val = 0;
			for (int k = 3; k >= 0; k--) {
				int i = e - (lo + k); /* the index of the digit at 10^(lo+k) */
				val = val * 10 + (i >= 0 && i < nd ? d[i] - '0' : 0);
			}
			groups[g] = (uint16_t)val;
		}
	}
	uint8_t *b = arena_alloc(a, 8 + 2 * (size_t)ng);
	if (!b)
		return oom(err);
	put16(b, (uint16_t)ng);
	put16(b + 2, (uint16_t)(int16_t)weight);
	put16(b + 4, sign);
	put16(b + 6, (uint16_t)dscale);
	for (int g = 0; g < ng; g++)
		put16(b + 8 + 2 * g, groups[g]);
	*out = b;
	*len = 8 + 2 * (size_t)ng;
	return 0;
}

/* numeric_recv, with its checks; the digits are then read as a decimal. */
static int numeric_from_binary(arena *a, int32_t typmod, const uint8_t *p, size_t len, double *out,
			       value_error *err)
{
	if (len < 8)
		return insufficient(err);
	uint16_t ng = get16(p), sign = get16(p + 4), dscale = get16(p + 6);
	int16_t weight = (int16_t)get16(p + 2);
	if (sign != NUMERIC_POS && sign != NUMERIC_NEG && sign != NUMERIC_NAN && sign != NUMERIC_PINF &&
	    sign != NUMERIC_NINF)
		return fail(err, "22P03", "invalid sign in external \"numeric\" value");
	if (dscale & 0xC000)
		return fail(err, "22P03", "invalid scale in external \"numeric\" value");
	if (len < 8 + 2 * (size_t)ng)
		return insufficient(err);
	if (len > 8 + 2 * (size_t)ng)
		return bad_binary(err);
	char *s = arena_alloc(a, 4 * (size_t)ng + 24);
	if (!s)
		return oom(err);
	size_t n = (size_t)sprintf(s, "%s0.", sign == NUMERIC_NEG ? "-" : "");
	for (size_t g = 0; g < ng; g++) {
		uint16_t dg = get16(p + 8 + 2 * g);
		if (dg >= 10000)
			return fail(err, "22P03", "invalid digit in external \"numeric\" value");
		n += (size_t)sprintf(s + n, "%04u", dg);
	}
	sprintf(s + n, "0e%d", 4 * (weight + 1));
	double v = sign == NUMERIC_NAN	  ? NAN
		   : sign == NUMERIC_PINF ? INFINITY
		   : sign == NUMERIC_NINF ? -INFINITY
					  : c_strtod(s, NULL);
	if (isinf(v) && (sign == NUMERIC_POS || sign == NUMERIC_NEG))
		return fail(err, "22003", "value overflows numeric format");
	if (v == 0)
		v = 0;
	if (numeric_typmod(&v, typmod, err))
		return -1;
	*out = v;
	return 0;
}

/* ---- text and binary input/output ---- */

int value_from_text(arena *a, pg_oid t, int32_t typmod, const char *s, size_t len, value *out,
		    value_error *err)
{
	if (check_utf8(s, len, err))
		return -1;
	char *z = arena_strndup(a, s, len);
	if (!z)
		return oom(err);
	*out = (value){.type = t};
	switch (t) {
	case OID_BOOL:
		if (parse_bool(z, len, &out->u.b))
			return fail(err, "22P02", "invalid input syntax for type boolean: \"%s\"", z);
		return 0;
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		return parse_int(z, t, &out->u.i, err);
	case OID_OID:
		return parse_oid(z, "oid", &out->u.i, err);
	case OID_REGTYPE: {
		pg_oid o = 0;
		if (parse_type_name(z, &o, err))
			return -1;
		out->u.i = o;
		return 0;
	}
	case OID_REGCLASS:
	case OID_REGPROC:
		/* By number or "-"; names need the catalog, which the caller has. */
		if (strcmp(z, "-") == 0)
			return 0;
		if (is_digit(z[0]) && strspn(z, "0123456789") == len)
			return parse_oid(z, "oid", &out->u.i, err);
		return fail(err, "0A000", "%s input by name needs the catalog", value_type_name(t));
	case OID_FLOAT4:
	case OID_FLOAT8:
		return parse_float(z, t, &out->u.f, err);
	case OID_NUMERIC:
		if (parse_numeric(a, z, &out->u.f, err))
			return -1;
		return numeric_typmod(&out->u.f, typmod, err);
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_BPCHAR:
	case OID_UNKNOWN:
		*out = value_text(t, z, len);
		return string_typmod(a, out, typmod, false, err);
	case OID_NAME:
		*out = value_text(t, z, utf8_clip(z, len, IDENT_MAX));
		z[out->u.s.len] = 0;
		return 0;
	case OID_CHAR:
		return parse_char(a, z, len, out, err);
	case OID_BYTEA:
		return parse_bytea(a, z, len, out, err);
	case OID_JSON:
	case OID_JSONB:
		if (check_json(z, t == OID_JSONB, err))
			return -1;
		*out = value_text(t, z, len);
		return 0;
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		return parse_timestamp(z, t, typmod, &out->u.i, err);
	case OID_BIT:
	case OID_VARBIT:
		if (parse_bits(a, t, z, len, out, err))
			return -1;
		return bit_typmod(a, out, typmod, false, err);
	case OID_VECTOR:
		return parse_vector(a, z, len, typmod, out, err);
	case OID_VOID:
		return 0;
	case OID_RECORD:
		return fail(err, "0A000", "input of anonymous composite types is not implemented");
	default:
		if (value_array_elem(t))
			return array_from_text(a, t, typmod, z, len, out, err);
		return fail(err, "0A000", "no text input for type %s", value_type_name(t));
	}
}

/* The exact length n of a fixed-size binary value: shorter is an
 * insufficient message, longer an incorrect format, as PostgreSQL's
 * pq_getmsg* calls and its end-of-parameter check report them. */
static int fixed_len(size_t len, size_t n, value_error *err)
{
	if (len < n)
		return insufficient(err);
	if (len > n)
		return bad_binary(err);
	return 0;
}

int value_from_binary(arena *a, pg_oid t, int32_t typmod, const uint8_t *p, size_t len, value *out,
		      value_error *err)
{
	*out = (value){.type = t};
	switch (t) {
	case OID_BOOL:
		if (fixed_len(len, 1, err))
			return -1;
		out->u.b = p[0] != 0;
		return 0;
	case OID_INT2:
		if (fixed_len(len, 2, err))
			return -1;
		out->u.i = (int16_t)get16(p);
		return 0;
	case OID_INT4:
		if (fixed_len(len, 4, err))
			return -1;
		out->u.i = (int32_t)get32(p);
		return 0;
	case OID_INT8:
		if (fixed_len(len, 8, err))
			return -1;
		out->u.i = (int64_t)get64(p);
		return 0;
	case OID_OID:
	case OID_REGTYPE:
	case OID_REGCLASS:
	case OID_REGPROC:
		if (fixed_len(len, 4, err))
			return -1;
		out->u.i = get32(p);
		return 0;
	case OID_FLOAT4: {
		if (fixed_len(len, 4, err))
			return -1;
		uint32_t bits = get32(p);
		float f;
		memcpy(&f, &bits, sizeof f);
		out->u.f = f;
		return 0;
	}
	case OID_FLOAT8: {
		if (fixed_len(len, 8, err))
			return -1;
		uint64_t bits = get64(p);
		memcpy(&out->u.f, &bits, sizeof out->u.f);
		return 0;
	}
	case OID_NUMERIC:
		return numeric_from_binary(a, typmod, p, len, &out->u.f, err);
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_BPCHAR:
	case OID_UNKNOWN:
	case OID_JSON:
		if (check_utf8((const char *)p, len, err) ||
		    make_string(a, t, (const char *)p, len, out, err))
			return -1;
		if (t == OID_JSON && check_json(out->u.s.ptr, false, err))
			return -1;
		return string_typmod(a, out, typmod, false, err);
	case OID_NAME:
		if (check_utf8((const char *)p, len, err))
			return -1;
		if (len > IDENT_MAX)
			return fail(err, "42622", "identifier too long");
		return make_string(a, t, (const char *)p, len, out, err);
	case OID_CHAR:
		if (fixed_len(len, 1, err))
			return -1;
		return make_string(a, t, (const char *)p, p[0] ? 1 : 0, out, err);
	case OID_BYTEA:
		return make_string(a, t, (const char *)p, len, out, err);
	case OID_JSONB:
		if (len < 1)
			return insufficient(err);
		if (p[0] != 1)
			return fail(err, "22P03", "unsupported jsonb version number %d", p[0]);
		if (check_utf8((const char *)p + 1, len - 1, err) ||
		    make_string(a, t, (const char *)p + 1, len - 1, out, err))
			return -1;
		return check_json(out->u.s.ptr, true, err);
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		if (fixed_len(len, 8, err))
			return -1;
		out->u.i = (int64_t)get64(p);
		if (out->u.i != INT64_MAX && out->u.i != INT64_MIN &&
		    (out->u.i < TIMESTAMP_MIN || out->u.i >= TIMESTAMP_END))
			return fail(err, "22008", "timestamp out of range");
		return apply_typmod(a, out, typmod, false, err);
	case OID_BIT:
	case OID_VARBIT: {
		if (len < 4)
			return insufficient(err);
		int32_t bits = (int32_t)get32(p);
		if (bits < 0)
			return fail(err, "22P03", "invalid length in external bit string");
		if (fixed_len(len - 4, ((size_t)bits + 7) / 8, err))
			return -1;
		char *s = arena_alloc(a, (size_t)bits + 1);
		if (!s)
			return oom(err);
		for (int32_t i = 0; i < bits; i++)
			s[i] = (char)('0' + (p[4 + i / 8] >> (7 - i % 8) & 1));
		s[bits] = 0;
		*out = value_text(t, s, (size_t)bits);
		return bit_typmod(a, out, typmod, false, err);
	}
	case OID_VECTOR:
		return vector_from_binary(a, typmod, p, len, out, err);
	case OID_VOID:
		return fixed_len(len, 0, err);
	case OID_RECORD:
		return fail(err, "0A000", "input of anonymous composite types is not implemented");
	default:
		if (value_array_elem(t))
			return array_from_binary(a, t, typmod, p, len, out, err);
		return fail(err, "0A000", "no binary input for type %s", value_type_name(t));
	}
}

static int set_text(arena *a, const char *s, size_t n, char **out, size_t *len, value_error *err)
{
	*out = arena_strndup(a, s, n);
	if (!*out)
		return oom(err);
	*len = n;
	return 0;
}

int value_to_text(arena *a, const value *v, char **out, size_t *len, value_error *err)
{
	char buf[64];
	if (v->isnull)
		return fail(err, "22004", "null value has no text form");
	switch (v->type) {
	case OID_BOOL:
		return set_text(a, v->u.b ? "t" : "f", 1, out, len, err);
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		return set_text(a, buf, (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v->u.i), out,
				len, err);
	case OID_REGTYPE:
		if (v->u.i == 0)
			return set_text(a, "-", 1, out, len, err);
		if (type_find((pg_oid)v->u.i)) {
			const char *name = value_type_name((pg_oid)v->u.i);
			return set_text(a, name, strlen(name), out, len, err);
		}
		return set_text(a, buf, (size_t)snprintf(buf, sizeof buf, "%u", (pg_oid)v->u.i), out, len,
				err);
	case OID_REGPROC:
		if (v->u.i == 0)
			return set_text(a, "-", 1, out, len, err);
		return set_text(a, buf, (size_t)snprintf(buf, sizeof buf, "%u", (pg_oid)v->u.i), out, len,
				err);
	case OID_OID:
	case OID_REGCLASS:
		return set_text(a, buf, (size_t)snprintf(buf, sizeof buf, "%u", (pg_oid)v->u.i), out, len,
				err);
	case OID_FLOAT4:
		return set_text(a, buf, vector_format_float((float)v->u.f, buf), out, len, err);
	case OID_FLOAT8:
		return set_text(a, buf, format_float8(v->u.f, buf), out, len, err);
	case OID_NUMERIC:
		return format_numeric(a, v->u.f, out, len, err);
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_BPCHAR:
	case OID_NAME:
	case OID_UNKNOWN:
	case OID_JSON:
	case OID_JSONB:
	case OID_BIT:
	case OID_VARBIT:
		return set_text(a, v->u.s.ptr, v->u.s.len, out, len, err);
	case OID_CHAR: {
		/* charout: a byte with the high bit set as \ooo, NUL as ''. */
		unsigned char c = v->u.s.len ? (unsigned char)v->u.s.ptr[0] : 0;
		if (c & 0x80)
			return set_text(a, buf, (size_t)snprintf(buf, sizeof buf, "\\%03o", c), out, len,
					err);
		return set_text(a, (const char *)&c, c ? 1 : 0, out, len, err);
	}
	case OID_BYTEA: {
		/* byteaout with bytea_output = hex. */
		char *s = arena_alloc(a, 2 * v->u.s.len + 3);
		if (!s)
			return oom(err);
		s[0] = '\\';
		s[1] = 'x';
		for (size_t i = 0; i < v->u.s.len; i++)
			snprintf(s + 2 + 2 * i, 3, "%02x", (unsigned char)v->u.s.ptr[i]);
		s[2 + 2 * v->u.s.len] = 0;
		*out = s;
		*len = 2 + 2 * v->u.s.len;
		return 0;
	}
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		return set_text(a, buf, format_timestamp(v->u.i, v->type, buf), out, len, err);
	case OID_VECTOR: {
		char *s = arena_alloc(a, vector_text_max(v->u.vec.dim));
		if (!s)
			return oom(err);
		*len = vector_format_text(v->u.vec.x, v->u.vec.dim, s);
		*out = s;
		return 0;
	}
	case OID_VOID:
		return set_text(a, "", 0, out, len, err);
	default:
		if (value_array_elem(v->type))
			return array_to_text(a, v, out, len, err);
		return fail(err, "0A000", "no text output for type %s", value_type_name(v->type));
	}
}

static int set_binary(arena *a, const void *p, size_t n, uint8_t **out, size_t *len, value_error *err)
{
	*out = arena_alloc(a, n ? n : 1);
	if (!*out)
		return oom(err);
	if (n)
		memcpy(*out, p, n);
	*len = n;
	return 0;
}

int value_to_binary(arena *a, const value *v, uint8_t **out, size_t *len, value_error *err)
{
	uint8_t b[8] = {0};
	if (v->isnull)
		return fail(err, "22004", "null value has no binary form");
	switch (v->type) {
	case OID_BOOL:
		b[0] = v->u.b;
		return set_binary(a, b, 1, out, len, err);
	case OID_INT2:
		put16(b, (uint16_t)v->u.i);
		return set_binary(a, b, 2, out, len, err);
	case OID_INT4:
	case OID_OID:
	case OID_REGTYPE:
	case OID_REGCLASS:
	case OID_REGPROC:
		put32(b, (uint32_t)v->u.i);
		return set_binary(a, b, 4, out, len, err);
	case OID_INT8:
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		put64(b, (uint64_t)v->u.i);
		return set_binary(a, b, 8, out, len, err);
	case OID_FLOAT4: {
		float f = (float)v->u.f;
		uint32_t bits;
		memcpy(&bits, &f, sizeof bits);
		put32(b, bits);
		return set_binary(a, b, 4, out, len, err);
	}
	case OID_FLOAT8: {
		uint64_t bits;
		memcpy(&bits, &v->u.f, sizeof bits);
		put64(b, bits);
		return set_binary(a, b, 8, out, len, err);
	}
	case OID_NUMERIC:
		return numeric_to_binary(a, v->u.f, out, len, err);
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_BPCHAR:
	case OID_NAME:
	case OID_UNKNOWN:
	case OID_JSON:
	case OID_BYTEA:
		return set_binary(a, v->u.s.ptr, v->u.s.len, out, len, err);
	case OID_CHAR:
		b[0] = v->u.s.len ? (uint8_t)v->u.s.ptr[0] : 0;
		return set_binary(a, b, 1, out, len, err);
	case OID_JSONB: {
		/* jsonb_send: version 1, then the text. */
		uint8_t *p = arena_alloc(a, v->u.s.len + 1);
		if (!p)
			return oom(err);
		p[0] = 1;
		if (v->u.s.len)
			memcpy(p + 1, v->u.s.ptr, v->u.s.len);
		*out = p;
		*len = v->u.s.len + 1;
		return 0;
	}
	case OID_BIT:
	case OID_VARBIT: {
		/* bit_send: int32 length in bits, then the bits, most significant
		 * first, zero-padded to a byte. */
		if (v->u.s.len > INT32_MAX)
			return fail(err, "54000", "bit string too long");
		size_t nb = (v->u.s.len + 7) / 8;
		uint8_t *p = arena_calloc(a, 4 + nb, 1);
		if (!p)
			return oom(err);
		put32(p, (uint32_t)v->u.s.len);
		for (size_t i = 0; i < v->u.s.len; i++)
			if (v->u.s.ptr[i] == '1')
				p[4 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
		*out = p;
		*len = 4 + nb;
		return 0;
	}
	case OID_VECTOR: {
		if (v->u.vec.dim > VECTOR_MAX_DIM)
			return fail(err, "54000", "vector cannot have more than %d dimensions",
				    VECTOR_MAX_DIM);
		uint8_t *p = arena_alloc(a, 4 + 4 * (size_t)v->u.vec.dim);
		if (!p)
			return oom(err);
		*len = vector_format_binary(v->u.vec.x, v->u.vec.dim, p);
		*out = p;
		return 0;
	}
	case OID_VOID:
		return set_binary(a, b, 0, out, len, err);
	default:
		if (value_array_elem(v->type))
			return array_to_binary(a, v, out, len, err);
		return fail(err, "0A000", "no binary output for type %s", value_type_name(v->type));
	}
}

/* ---- casts ---- */

enum { CAST_NONE, CAST_IMPLICIT, CAST_ASSIGN, CAST_EXPLICIT };

static int int_rank(pg_oid t)
{
	return t == OID_INT2 ? 1 : t == OID_INT4 ? 2 : 3;
}

static bool is_array_type(pg_oid t)
{
	return value_array_elem(t) != 0;
}

/* The context in which PostgreSQL (pg_cast, plus its automatic I/O
 * conversions to and from the string types) and pgvector allow a cast. */
static int cast_context(pg_oid s, pg_oid t)
{
	if (s == t || s == OID_UNKNOWN)
		return CAST_IMPLICIT;
	if (t == OID_UNKNOWN || s == OID_VOID || s == OID_RECORD || t == OID_VOID || t == OID_RECORD)
		return CAST_NONE;
	if (is_string_type(s) && is_string_type(t))
		return CAST_IMPLICIT;
	if (is_int_type(s) && is_int_type(t))
		return int_rank(s) < int_rank(t) ? CAST_IMPLICIT : CAST_ASSIGN;
	if (is_int_type(s) && (is_float_type(t) || t == OID_NUMERIC))
		return CAST_IMPLICIT;
	if (s == OID_FLOAT4 && t == OID_FLOAT8)
		return CAST_IMPLICIT;
	if (s == OID_FLOAT8 && t == OID_FLOAT4)
		return CAST_ASSIGN;
	if (is_float_type(s) && (is_int_type(t) || t == OID_NUMERIC))
		return CAST_ASSIGN;
	if (s == OID_NUMERIC && is_float_type(t))
		return CAST_IMPLICIT;
	if (s == OID_NUMERIC && is_int_type(t))
		return CAST_ASSIGN;
	if (is_int_type(s) && is_oid_type(t))
		return CAST_IMPLICIT;
	if (is_oid_type(s) && (t == OID_INT4 || t == OID_INT8))
		return CAST_ASSIGN;
	if (is_oid_type(s) && is_oid_type(t))
		return CAST_IMPLICIT;
	if ((s == OID_INT4 && t == OID_BOOL) || (s == OID_BOOL && t == OID_INT4))
		return CAST_EXPLICIT;
	if (s == OID_TIMESTAMP && t == OID_TIMESTAMPTZ)
		return CAST_IMPLICIT;
	if (s == OID_TIMESTAMPTZ && t == OID_TIMESTAMP)
		return CAST_ASSIGN;
	if ((s == OID_JSON && t == OID_JSONB) || (s == OID_JSONB && t == OID_JSON))
		return CAST_ASSIGN;
	if (s == OID_JSONB && (t == OID_BOOL || is_number_type(t)))
		return CAST_EXPLICIT;
	if (is_bit_type(s) && is_bit_type(t))
		return CAST_IMPLICIT;
	/* pgvector's casts (sql/vector.sql). */
	if (t == OID_VECTOR &&
	    (s == OID_INT4_ARRAY || s == OID_FLOAT4_ARRAY || s == OID_FLOAT8_ARRAY || s == OID_NUMERIC_ARRAY))
		return CAST_ASSIGN;
	if (s == OID_VECTOR && t == OID_FLOAT4_ARRAY)
		return CAST_IMPLICIT;
	/* Arrays convert element by element when the elements do. */
	if (is_array_type(s) && is_array_type(t))
		return cast_context(value_array_elem(s), value_array_elem(t));
	/* I/O conversion: anything to a string type by assignment, a string
	 * type to anything explicitly. */
	if (is_string_type(t))
		return CAST_ASSIGN;
	if (is_string_type(s))
		return CAST_EXPLICIT;
	return CAST_NONE;
}

static int range_error(pg_oid t, value_error *err)
{
	return fail(err, "22003", "%s out of range", int_name(t));
}

static bool int_fits(int64_t v, pg_oid t)
{
	return t == OID_INT2   ? v >= INT16_MIN && v <= INT16_MAX
	       : t == OID_INT4 ? v >= INT32_MIN && v <= INT32_MAX
			       : true;
}

/* The casts among int2/int4/int8, float4/float8 and numeric (int.c,
 * int8.c, float.c, numeric.c). */
static int number_cast(arena *a, const value *v, pg_oid t, int32_t typmod, value *out, value_error *err)
{
	pg_oid s = v->type;
	if (is_int_type(t)) {
		int64_t r;
		if (is_int_type(s)) {
			r = v->u.i;
		} else {
			double f = v->u.f;
			if (s == OID_NUMERIC && isnan(f))
				return fail(err, "0A000", "cannot convert NaN to %s", int_name(t));
			if (s == OID_NUMERIC && isinf(f))
				return fail(err, "0A000", "cannot convert infinity to %s", int_name(t));
			/* numeric rounds half away from zero, float to even (rint). */
			f = s == OID_NUMERIC ? round(f) : rint(f);
			if (isnan(f) || !(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
				return range_error(t, err);
			r = (int64_t)f;
		}
		if (!int_fits(r, t))
			return range_error(t, err);
		*out = value_int(t, r);
		return 0;
	}
	double f = is_int_type(s) ? (double)v->u.i : v->u.f;
	if (t == OID_FLOAT4) {
		float r = is_int_type(s) ? (float)v->u.i : (float)f;
		if (s == OID_NUMERIC && ((isinf(r) && !isinf(f)) || (r == 0 && f != 0))) {
			/* numeric_float4 goes through float4in. */
			char *txt;
			size_t tl;
			if (format_numeric(a, f, &txt, &tl, err))
				return -1;
			return fail(err, "22003", "\"%s\" is out of range for type real", txt);
		}
		if (isinf(r) && !isinf(f))
			return fail(err, "22003", "value out of range: overflow");
		if (r == 0 && f != 0)
			return fail(err, "22003", "value out of range: underflow");
		*out = value_float(t, r);
		return 0;
	}
	if (t == OID_FLOAT8) {
		*out = value_float(t, f);
		return 0;
	}
	/* To numeric: float8_numeric and float4_numeric keep DBL_DIG (15) and
	 * FLT_DIG (6) significant digits. */
	if (is_float_type(s) && !isnan(f) && !isinf(f)) {
		char buf[64];
		snprintf(buf, sizeof buf, "%.*e", s == OID_FLOAT4 ? FLT_DIG - 1 : DBL_DIG - 1, f);
		f = c_strtod(buf, NULL);
	}
	if (f == 0)
		f = 0;
	*out = value_float(OID_NUMERIC, f);
	return numeric_typmod(&out->u.f, typmod, err);
}

static const char *jsonb_kind(const char *p)
{
	switch (*p) {
	case '{':
		return "object";
	case '[':
		return "array";
	case '"':
		return "string";
	case 't':
	case 'f':
		return "boolean";
	case 'n':
		return "null";
	default:
		return "numeric";
	}
}

/* jsonb_bool, jsonb_numeric, jsonb_int4...: a scalar of the right kind. */
static int jsonb_cast(arena *a, const value *v, pg_oid t, int32_t typmod, value *out, value_error *err)
{
	char *z = arena_strndup(a, v->u.s.ptr, v->u.s.len);
	if (!z)
		return oom(err);
	const char *p = json_ws(z);
	const char *kind = jsonb_kind(p);
	if (t == OID_BOOL && strcmp(kind, "boolean") == 0) {
		*out = value_bool(*p == 't');
		return 0;
	}
	if (t != OID_BOOL && strcmp(kind, "numeric") == 0) {
		value n = {.type = OID_NUMERIC};
		if (parse_numeric(a, z, &n.u.f, err))
			return -1;
		return number_cast(a, &n, t, typmod, out, err);
	}
	return fail(err, "22023", "cannot cast jsonb %s to type %s", kind, value_type_name(t));
}

/* pgvector array_to_vector: no NULLs, 1..16000 elements, the typmod, then
 * each element as a float4 that must be finite. */
static int array_to_vector(arena *a, const value *v, int32_t typmod, value *out, value_error *err)
{
	uint32_t n = v->u.arr.n;
	for (uint32_t i = 0; i < n; i++)
		if (v->u.arr.items[i].isnull)
			return fail(err, "22004", "array must not contain nulls");
	if (n < 1)
		return fail(err, "22000", "vector must have at least 1 dimension");
	if (n > VECTOR_MAX_DIM)
		return fail(err, "54000", "vector cannot have more than %d dimensions", VECTOR_MAX_DIM);
	if (typmod >= 0 && (uint32_t)typmod != n)
		return fail(err, "22000", "expected %d dimensions, not %u", typmod, n);
	float *x = arena_alloc(a, (size_t)n * sizeof *x);
	if (!x)
		return oom(err);
	for (uint32_t i = 0; i < n; i++) {
		const value *e = &v->u.arr.items[i];
		if (e->type == OID_NUMERIC) {
			value f;
			if (number_cast(a, e, OID_FLOAT4, -1, &f, err))
				return -1;
			x[i] = (float)f.u.f;
		} else {
			x[i] = e->type == OID_INT4 ? (float)e->u.i : (float)e->u.f;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			return fail(err, "22000", "NaN not allowed in vector");
		if (isinf(x[i]))
			return fail(err, "22000", "infinite value not allowed in vector");
	}
	*out = (value){.type = OID_VECTOR, .u.vec = {x, n}};
	return 0;
}

/* A string value converted to string type t: bpchar loses its trailing
 * spaces (rtrim1), name is clipped to 63 bytes, "char" keeps one byte. */
static int string_cast(arena *a, pg_oid s, const char *p, size_t len, pg_oid t, int32_t typmod, bool explicit,
		       value *out, value_error *err)
{
	if (s == OID_BPCHAR && t != OID_BPCHAR)
		while (len && p[len - 1] == ' ')
			len--;
	if (t == OID_CHAR)
		return parse_char(a, p, len, out, err);
	if (t == OID_NAME)
		len = utf8_clip(p, len, IDENT_MAX);
	if (make_string(a, t, p, len, out, err))
		return -1;
	return string_typmod(a, out, typmod, explicit, err);
}

static int do_cast(arena *a, const value *v, pg_oid t, int32_t typmod, bool explicit, value *out,
		   value_error *err)
{
	pg_oid s = v->type;
	if (s == t) {
		*out = *v;
		return apply_typmod(a, out, typmod, explicit, err);
	}
	if (s == OID_UNKNOWN) {
		if (value_from_text(a, t, -1, v->u.s.ptr, v->u.s.len, out, err))
			return -1;
		return apply_typmod(a, out, typmod, explicit, err);
	}
	if (is_string_type(s) && is_string_type(t)) {
		if (s == OID_CHAR) {
			char *txt;
			size_t tl;
			if (value_to_text(a, v, &txt, &tl, err))
				return -1;
			return string_cast(a, OID_TEXT, txt, tl, t, typmod, explicit, out, err);
		}
		return string_cast(a, s, v->u.s.ptr, v->u.s.len, t, typmod, explicit, out, err);
	}
	if (is_number_type(s) && is_number_type(t))
		return number_cast(a, v, t, typmod, out, err);
	if (is_int_type(s) && is_oid_type(t)) {
		/* int4 and int2 reinterpret as oid (-1 is 4294967295); int8
		 * checks the range (i8tooid). */
		if (s == OID_INT8 && (v->u.i < 0 || v->u.i > UINT32_MAX))
			return fail(err, "22003", "OID out of range");
		*out = value_int(t, (uint32_t)v->u.i);
		return 0;
	}
	if (is_oid_type(s) && is_oid_type(t)) {
		*out = value_int(t, v->u.i);
		return 0;
	}
	if (is_oid_type(s) && is_int_type(t)) {
		*out = value_int(t, t == OID_INT4 ? (int32_t)(uint32_t)v->u.i : v->u.i);
		return 0;
	}
	if (s == OID_INT4 && t == OID_BOOL) {
		*out = value_bool(v->u.i != 0);
		return 0;
	}
	if (s == OID_BOOL && t == OID_INT4) {
		*out = value_int(t, v->u.b);
		return 0;
	}
	if (is_time_type(s) && is_time_type(t)) {
		*out = value_int(t, v->u.i);
		return apply_typmod(a, out, typmod, explicit, err);
	}
	if (s == OID_JSON && t == OID_JSONB) {
		/* Through jsonb_in: stricter about \u escapes. */
		return value_from_text(a, t, -1, v->u.s.ptr, v->u.s.len, out, err);
	}
	if (s == OID_JSONB && t == OID_JSON)
		return make_string(a, t, v->u.s.ptr, v->u.s.len, out, err);
	if (s == OID_JSONB && (t == OID_BOOL || is_number_type(t)))
		return jsonb_cast(a, v, t, typmod, out, err);
	if (is_bit_type(s) && is_bit_type(t)) {
		*out = *v;
		out->type = t;
		return bit_typmod(a, out, typmod, explicit, err);
	}
	if (t == OID_VECTOR && is_array_type(s))
		return array_to_vector(a, v, typmod, out, err);
	if (s == OID_VECTOR && t == OID_FLOAT4_ARRAY) {
		/* pgvector vector_to_float4. */
		value *items = arena_calloc(a, v->u.vec.dim ? v->u.vec.dim : 1, sizeof *items);
		if (!items)
			return oom(err);
		for (uint32_t i = 0; i < v->u.vec.dim; i++)
			items[i] = value_float(OID_FLOAT4, v->u.vec.x[i]);
		*out = (value){.type = t, .u.arr = {items, v->u.vec.dim, OID_FLOAT4}};
		return 0;
	}
	if (is_array_type(s) && is_array_type(t)) {
		pg_oid te = value_array_elem(t);
		value *items = arena_calloc(a, v->u.arr.n ? v->u.arr.n : 1, sizeof *items);
		if (!items)
			return oom(err);
		for (uint32_t i = 0; i < v->u.arr.n; i++)
			if (value_cast(a, &v->u.arr.items[i], te, typmod, explicit, &items[i], err))
				return -1;
		*out = (value){.type = t, .u.arr = {items, v->u.arr.n, te}};
		return 0;
	}
	if (is_string_type(t)) {
		/* Output function, except bool's cast to text ("true", booltext). */
		char *txt;
		size_t tl;
		if (s == OID_BOOL) {
			txt = v->u.b ? "true" : "false";
			tl = strlen(txt);
		} else if (value_to_text(a, v, &txt, &tl, err)) {
			return -1;
		}
		return string_cast(a, OID_TEXT, txt, tl, t, typmod, explicit, out, err);
	}
	/* A string type through t's input function. */
	if (value_from_text(a, t, -1, v->u.s.ptr, v->u.s.len, out, err))
		return -1;
	return apply_typmod(a, out, typmod, explicit, err);
}

int value_cast(arena *a, const value *v, pg_oid t, int32_t typmod, bool explicit, value *out,
	       value_error *err)
{
	int ctx = cast_context(v->type, t);
	if (ctx == CAST_NONE || (!explicit && ctx == CAST_EXPLICIT))
		return fail(err, "42846", "cannot cast type %s to %s", value_type_name(v->type),
			    value_type_name(t));
	if (v->isnull) {
		*out = value_null(t);
		return 0;
	}
	return do_cast(a, v, t, typmod, explicit, out, err);
}

/* ---- comparison ---- */

enum {
	FAM_NONE,
	FAM_NUMBER,
	FAM_STRING,
	FAM_BOOL,
	FAM_TIME,
	FAM_VECTOR,
	FAM_JSONB,
	FAM_BIT,
	FAM_BYTEA,
	FAM_ARRAY
};

static int family(pg_oid t)
{
	if (is_number_type(t) || is_oid_type(t))
		return FAM_NUMBER;
	if (is_string_type(t) || t == OID_UNKNOWN)
		return FAM_STRING;
	if (t == OID_BOOL)
		return FAM_BOOL;
	if (is_time_type(t))
		return FAM_TIME;
	if (t == OID_VECTOR)
		return FAM_VECTOR;
	if (t == OID_JSONB)
		return FAM_JSONB;
	if (is_bit_type(t))
		return FAM_BIT;
	if (t == OID_BYTEA)
		return FAM_BYTEA;
	if (is_array_type(t))
		return FAM_ARRAY;
	return FAM_NONE;
}

static int sign3(int64_t x, int64_t y)
{
	return x < y ? -1 : x > y;
}

/* float8_cmp_internal: NaN equals NaN and sorts above everything. */
static int cmp_double(double x, double y)
{
	if (isnan(x))
		return isnan(y) ? 0 : 1;
	if (isnan(y))
		return -1;
	return x < y ? -1 : x > y;
}

/* An integer against a numeric exactly, as int8 converted to numeric
 * compares. */
static int cmp_int_exact(int64_t i, double f)
{
	if (isnan(f) || f >= 9223372036854775808.0)
		return -1;
	if (f < -9223372036854775808.0)
		return 1;
	double tr = trunc(f);
	int c = sign3(i, (int64_t)tr);
	if (c)
		return c;
	return f > tr ? -1 : f < tr ? 1 : 0;
}

static int cmp_numbers(const value *a, const value *b)
{
	bool ai = !is_float_type(a->type) && a->type != OID_NUMERIC;
	bool bi = !is_float_type(b->type) && b->type != OID_NUMERIC;
	if (ai && bi) {
		int64_t x = a->u.i, y = b->u.i;
		/* int2/int4 meet an oid as an oid (a binary-coercible cast). */
		if (is_oid_type(a->type) && (b->type == OID_INT2 || b->type == OID_INT4))
			y = (uint32_t)y;
		if (is_oid_type(b->type) && (a->type == OID_INT2 || a->type == OID_INT4))
			x = (uint32_t)x;
		return sign3(x, y);
	}
	if (!ai && !bi)
		return cmp_double(a->u.f, b->u.f);
	/* An integer meets a float as float8, a numeric exactly. */
	if (ai)
		return b->type == OID_NUMERIC ? cmp_int_exact(a->u.i, b->u.f)
					      : cmp_double((double)a->u.i, b->u.f);
	return a->type == OID_NUMERIC ? -cmp_int_exact(b->u.i, a->u.f) : cmp_double(a->u.f, (double)b->u.i);
}

static int cmp_bytes(const char *x, size_t xl, const char *y, size_t yl)
{
	size_t n = xl < yl ? xl : yl;
	int c = n ? memcmp(x, y, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return xl < yl ? -1 : xl > yl;
}

static int cmp_strings(const value *a, const value *b)
{
	size_t al = a->u.s.len, bl = b->u.s.len;
	/* bpchar compares without its padding (bpcharcmp, rtrim to text). */
	if (a->type == OID_BPCHAR)
		while (al && a->u.s.ptr[al - 1] == ' ')
			al--;
	if (b->type == OID_BPCHAR)
		while (bl && b->u.s.ptr[bl - 1] == ' ')
			bl--;
	return cmp_bytes(a->u.s.ptr, al, b->u.s.ptr, bl);
}

int value_compare(const value *a, const value *b, int *cmp, value_error *err)
{
	int fa = family(a->type), fb = family(b->type);
	if (fa == FAM_ARRAY && fb == FAM_ARRAY &&
	    family(value_array_elem(a->type)) != family(value_array_elem(b->type)))
		fb = FAM_NONE;
	if (fa == FAM_NONE || fa != fb) {
		if (a->type == OID_JSON || b->type == OID_JSON)
			return fail(err, "42883", "could not identify an equality operator for type json");
		return fail(err, "42883", "cannot compare %s with %s", value_type_name(a->type),
			    value_type_name(b->type));
	}
	switch (fa) {
	case FAM_NUMBER:
		*cmp = cmp_numbers(a, b);
		return 0;
	case FAM_STRING:
		*cmp = cmp_strings(a, b);
		return 0;
	case FAM_BOOL:
		*cmp = sign3(a->u.b, b->u.b);
		return 0;
	case FAM_TIME:
		*cmp = sign3(a->u.i, b->u.i);
		return 0;
	case FAM_VECTOR:
		*cmp = vector_compare(a->u.vec.x, a->u.vec.dim, b->u.vec.x, b->u.vec.dim);
		return 0;
	case FAM_JSONB:
	case FAM_BIT:
	case FAM_BYTEA:
		/* '0'/'1' text orders as bit_cmp orders packed bits. */
		*cmp = cmp_bytes(a->u.s.ptr, a->u.s.len, b->u.s.ptr, b->u.s.len);
		return 0;
	default: {
		/* array_cmp: element by element (NULL last), then the length. */
		uint32_t n = a->u.arr.n < b->u.arr.n ? a->u.arr.n : b->u.arr.n;
		for (uint32_t i = 0; i < n; i++) {
			const value *x = &a->u.arr.items[i], *y = &b->u.arr.items[i];
			int c;
			if (x->isnull || y->isnull)
				c = x->isnull - y->isnull;
			else if (value_compare(x, y, &c, err))
				return -1;
			if (c) {
				*cmp = c;
				return 0;
			}
		}
		*cmp = sign3(a->u.arr.n, b->u.arr.n);
		return 0;
	}
	}
}
