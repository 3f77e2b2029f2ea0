#include "json.h"

#include <stdint.h>
#include <string.h>

/* The kinds of JSON value, told apart by their first byte. */
typedef enum json_kind { J_OBJECT, J_ARRAY, J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL } json_kind;

/* A value's text inside a document that has already been validated. */
typedef struct json_span {
	const char *p;
	size_t n;
} json_span;

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && is_ws(s[i]))
		i++;
	return i;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The four hex digits of a \u escape at s[i..i+4), or -1. */
static long hex4(const char *s, size_t len, size_t i)
{
	if (len - i < 4)
		return -1;
	long v = 0;
	for (size_t k = 0; k < 4; k++) {
		int d = hex_digit(s[i + k]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* RFC 8259 section 7: the escape starting at s[*i] == '\\'. A UTF-16
 * surrogate must come as a high-low pair of \u escapes (PostgreSQL refuses
 * a lone one too); the pair yields one code point. *i ends past the escape. */
static int decode_escape(const char *s, size_t len, size_t *i, uint32_t *cp)
{
	size_t k = *i + 1;
	if (k >= len)
		return -1;
	switch (s[k]) {
	case '"':
	case '\\':
	case '/':
		*cp = (unsigned char)s[k];
		break;
	case 'b':
		*cp = '\b';
		break;
	case 'f':
		*cp = '\f';
		break;
	case 'n':
		*cp = '\n';
		break;
	case 'r':
		*cp = '\r';
		break;
	case 't':
		*cp = '\t';
		break;
	case 'u': {
		long hi = hex4(s, len, k + 1);
		if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
			return -1;
		k += 4;
		if (hi >= 0xD800 && hi <= 0xDBFF) {
			if (len - k < 3 || s[k + 1] != '\\' || s[k + 2] != 'u')
				return -1;
			long lo = hex4(s, len, k + 3);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			k += 6;
			*cp = 0x10000u + (((uint32_t)hi - 0xD800u) << 10) + ((uint32_t)lo - 0xDC00u);
		} else {
			*cp = (uint32_t)hi;
		}
		break;
	}
	default:
		return -1;
	}
	*i = k + 1;
	return 0;
}

/* The length of the well-formed UTF-8 sequence (RFC 3629 section 4: no
 * overlong forms, no surrogates, nothing past U+10FFFF) at s[0..len), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return n;
}

/* RFC 8259 section 7: the string starting at s[*i] == '"'; control
 * characters must be escaped and the bytes must be UTF-8 (section 8.1). */
static int scan_string(const char *s, size_t len, size_t *i)
{
	size_t k = *i + 1;
	while (k < len) {
		unsigned char c = (unsigned char)s[k];
		if (c == '"') {
			*i = k + 1;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			uint32_t cp;
			if (decode_escape(s, len, &k, &cp) < 0)
				return -1;
		} else {
			size_t n = utf8_seq((const unsigned char *)s + k, len - k);
			if (n == 0)
				return -1;
			k += n;
		}
	}
	return -1;
}

static size_t scan_digits(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(const char *s, size_t len, size_t *i)
{
	size_t k = *i;
	if (k < len && s[k] == '-')
		k++;
	if (k >= len || s[k] < '0' || s[k] > '9')
		return -1;
	if (s[k] == '0')
		k++;
	else
		k = scan_digits(s, len, k);
	if (k < len && s[k] == '.') {
		size_t d = scan_digits(s, len, k + 1);
		if (d == k + 1)
			return -1;
		k = d;
	}
	if (k < len && (s[k] == 'e' || s[k] == 'E')) {
		k++;
		if (k < len && (s[k] == '+' || s[k] == '-'))
			k++;
		size_t d = scan_digits(s, len, k);
		if (d == k)
			return -1;
		k = d;
	}
	*i = k;
	return 0;
}

static int scan_literal(const char *s, size_t len, size_t *i, const char *word, size_t n)
{
	if (len - *i < n || memcmp(s + *i, word, n) != 0)
		return -1;
	*i += n;
	return 0;
}

/* A member name and its colon: s[*i] must open the name. */
static int scan_key(const char *s, size_t len, size_t *i)
{
	if (*i >= len || s[*i] != '"' || scan_string(s, len, i) < 0)
		return -1;
	*i = skip_ws(s, len, *i);
	if (*i >= len || s[*i] != ':')
		return -1;
	(*i)++;
	return 0;
}

/* RFC 8259 sections 2-5: one value at s[*i] (leading whitespace skipped),
 * nested at most max_depth containers deep. The open containers are kept on
 * an explicit stack, so hostile nesting costs no C stack. *i ends just past
 * the value. */
static int scan_value(const char *s, size_t len, size_t *i, int max_depth)
{
	char stack[JSON_MAX_DEPTH]; /* the closing bracket of each open container */
	int depth = 0;
	size_t k = *i;

	if (max_depth > JSON_MAX_DEPTH)
		max_depth = JSON_MAX_DEPTH;
	for (;;) {
		/* A value is expected at k. */
		k = skip_ws(s, len, k);
		if (k >= len)
			return -1;
		char c = s[k];
		if (c == '{' || c == '[') {
			if (depth >= max_depth)
				return -1;
			char close = c == '{' ? '}' : ']';
			stack[depth++] = close;
			k = skip_ws(s, len, k + 1);
			if (k < len && s[k] == close) {
				k++;
				depth--;
			} else if (c == '{') {
				if (scan_key(s, len, &k) < 0)
					return -1;
				continue;
			} else {
				continue;
			}
		} else if (c == '"') {
			if (scan_string(s, len, &k) < 0)
				return -1;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if (scan_number(s, len, &k) < 0)
				return -1;
		} else if (c == 't') {
			if (scan_literal(s, len, &k, "true", 4) < 0)
				return -1;
		} else if (c == 'f') {
			if (scan_literal(s, len, &k, "false", 5) < 0)
				return -1;
		} else if (c == 'n') {
			if (scan_literal(s, len, &k, "null", 4) < 0)
				return -1;
		} else {
			return -1;
		}

		/* A value ended at k: close containers or move to the next member. */
		for (;;) {
			if (depth == 0) {
				*i = k;
				return 0;
			}
			k = skip_ws(s, len, k);
			if (k >= len)
				return -1;
			if (s[k] == stack[depth - 1]) {
				k++;
				depth--;
				continue;
			}
			if (s[k] != ',')
				return -1;
			k = skip_ws(s, len, k + 1);
			if (stack[depth - 1] == '}' && scan_key(s, len, &k) < 0)
				return -1;
			break;
		}
	}
}

int json_validate(const char *s, size_t len)
{
	size_t i = 0;
	if (scan_value(s, len, &i, JSON_MAX_DEPTH) < 0)
		return -1;
	return skip_ws(s, len, i) == len ? 0 : -1;
}

/* The trimmed value of a valid document. */
static json_span root_span(const char *s, size_t len)
{
	size_t b = skip_ws(s, len, 0), e = b;
	scan_value(s, len, &e, JSON_MAX_DEPTH);
	return (json_span){s + b, e - b};
}

static json_kind kind_of(json_span v)
{
	switch (v.p[0]) {
	case '{':
		return J_OBJECT;
	case '[':
		return J_ARRAY;
	case '"':
		return J_STRING;
	case 't':
		return J_TRUE;
	case 'f':
		return J_FALSE;
	case 'n':
		return J_NULL;
	default:
		return J_NUMBER;
	}
}

/* Walks the members of a valid object or the elements of a valid array. */
typedef struct json_iter {
	json_span c;
	size_t i;
} json_iter;

static json_iter iter_start(json_span container)
{
	return (json_iter){container, 1};
}

/* The next member (key is the name's string literal, quotes included) or
 * element (key untouched); false after the last. */
static bool iter_next(json_iter *it, json_span *key, json_span *val)
{
	const char *s = it->c.p;
	size_t len = it->c.n;
	size_t k = skip_ws(s, len, it->i);
	if (s[k] == ',')
		k = skip_ws(s, len, k + 1);
	if (s[k] == '}' || s[k] == ']')
		return false;
	if (s[0] == '{') {
		size_t kb = k;
		scan_string(s, len, &k);
		*key = (json_span){s + kb, k - kb};
		k = skip_ws(s, len, k) + 1; /* the colon */
		k = skip_ws(s, len, k);
	}
	size_t vb = k;
	scan_value(s, len, &k, JSON_MAX_DEPTH);
	*val = (json_span){s + vb, k - vb};
	it->i = k;
	return true;
}

/* Code point to UTF-8 (RFC 3629); out has room for 4 bytes. */
static size_t utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Unescapes a valid string literal one character at a time: the bytes of
 * the character at *i go to out (up to 4); 0 at the closing quote. */
static size_t str_next(json_span str, size_t *i, char out[4])
{
	const char *s = str.p;
	if (s[*i] == '"')
		return 0;
	if (s[*i] == '\\') {
		uint32_t cp = 0;
		decode_escape(s, str.n, i, &cp);
		return utf8_put(cp, out);
	}
	size_t n = utf8_seq((const unsigned char *)s + *i, str.n - *i);
	memcpy(out, s + *i, n);
	*i += n;
	return n;
}

/* A string literal's unescaped text equals key[0..key_len). */
static bool str_equals_raw(json_span str, const char *key, size_t key_len)
{
	size_t i = 1, off = 0;
	char ch[4];
	size_t n;
	while ((n = str_next(str, &i, ch)) > 0) {
		if (key_len - off < n || memcmp(key + off, ch, n) != 0)
			return false;
		off += n;
	}
	return off == key_len;
}

/* Two string literals have the same unescaped text. */
static bool str_equals(json_span a, json_span b)
{
	size_t ia = 1, ib = 1;
	for (;;) {
		char ca[4], cb[4];
		size_t na = str_next(a, &ia, ca), nb = str_next(b, &ib, cb);
		if (na != nb || memcmp(ca, cb, na) != 0)
			return false;
		if (na == 0)
			return true;
	}
}

/* A valid number as sign, significant digits and decimal exponent:
 * value = 0.d1d2d3... x 10^exp, with no leading or trailing zero digit
 * (zero has no digits). The digits are read in place, skipping the point. */
typedef struct json_num {
	bool neg;
	const char *ip, *fp; /* integer and fraction digits */
	size_t ni, nf;
	size_t first, last; /* significant digit range in the joined digits */
	long long exp;
} json_num;

/* Exponents are clamped here: PostgreSQL's numeric refuses anything near it,
 * so only numbers no jsonb could hold might compare wrongly. */
#define JSON_EXP_CLAMP 1000000000000000LL

static char num_digit(const json_num *x, size_t k)
{
	return k < x->ni ? x->ip[k] : x->fp[k - x->ni];
}

static json_num num_parse(json_span v)
{
	json_num x = {0};
	size_t i = 0, n = v.n;
	const char *s = v.p;
	if (s[i] == '-') {
		x.neg = true;
		i++;
	}
	x.ip = s + i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	x.ni = (size_t)(s + i - x.ip);
	x.fp = s + i;
	if (i < n && s[i] == '.') {
		x.fp = s + ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		x.nf = (size_t)(s + i - x.fp);
	}
	long long e = 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		bool eneg = false;
		i++;
		if (s[i] == '+' || s[i] == '-')
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (e < JSON_EXP_CLAMP)
				e = e * 10 + (s[i] - '0');
		if (eneg)
			e = -e;
	}
	size_t total = x.ni + x.nf;
	x.first = 0;
	while (x.first < total && num_digit(&x, x.first) == '0')
		x.first++;
	x.last = total;
	while (x.last > x.first && num_digit(&x, x.last - 1) == '0')
		x.last--;
	/* 0.d1d2... x 10^exp: the point sits after the integer digits, moved
	 * left by the leading zeros that were dropped. */
	x.exp = e + (long long)x.ni - (long long)x.first;
	if (x.first == x.last)
		x.neg = false; /* -0 = 0 */
	return x;
}

/* Numeric equality as PostgreSQL's numeric has it (1 = 1.0 = 10e-1). */
static bool num_equals(json_span a, json_span b)
{
	json_num x = num_parse(a), y = num_parse(b);
	size_t nx = x.last - x.first, ny = y.last - y.first;
	if (nx != ny || x.neg != y.neg)
		return false;
	if (nx == 0)
		return true;
	if (x.exp != y.exp)
		return false;
	for (size_t k = 0; k < nx; k++)
		if (num_digit(&x, x.first + k) != num_digit(&y, y.first + k))
			return false;
	return true;
}

/* The value of the last member named key (a string literal) in obj: jsonb
 * keeps the last of duplicate keys. */
static bool find_member(json_span obj, json_span key, json_span *val)
{
	json_iter it = iter_start(obj);
	json_span k, v;
	bool found = false;
	while (iter_next(&it, &k, &v))
		if (str_equals(k, key)) {
			*val = v;
			found = true;
		}
	return found;
}

/* Whether another member after position it names the same key: that later
 * member is the one jsonb keeps. */
static bool key_repeats(json_iter it, json_span key)
{
	json_span k, v;
	while (iter_next(&it, &k, &v))
		if (str_equals(k, key))
			return true;
	return false;
}

/* PostgreSQL's JsonbDeepContains (docs "jsonb Containment and Existence").
 * top: a and b are whole documents, where an array contains a bare scalar.
 * Recursion is bounded by the validated nesting depth (JSON_MAX_DEPTH).
 * The cost is O(|a| * |b|) per level: no tree or key index is built. */
static bool contains(json_span a, json_span b, bool top)
{
	json_kind ka = kind_of(a), kb = kind_of(b);
	json_iter it;
	json_span k, v, x, y;

	if (top && ka == J_ARRAY && kb != J_ARRAY && kb != J_OBJECT) {
		it = iter_start(a);
		while (iter_next(&it, &k, &x))
			if (contains(x, b, false))
				return true;
		return false;
	}
	if (ka != kb)
		return false;
	switch (ka) {
	case J_OBJECT:
		it = iter_start(b);
		while (iter_next(&it, &k, &v)) {
			if (key_repeats(it, k))
				continue;
			if (!find_member(a, k, &x) || !contains(x, v, false))
				return false;
		}
		return true;
	case J_ARRAY:
		it = iter_start(b);
		while (iter_next(&it, &k, &y)) {
			json_iter ia = iter_start(a);
			bool found = false;
			while (!found && iter_next(&ia, &k, &x))
				found = contains(x, y, false);
			if (!found)
				return false;
		}
		return true;
	case J_STRING:
		return str_equals(a, b);
	case J_NUMBER:
		return num_equals(a, b);
	default:
		return true; /* true, false, null: the kind is the value */
	}
}

int json_get(const char *s, size_t len, const char *key, size_t key_len, long index, const char **out,
	     size_t *out_len)
{
	if (json_validate(s, len) < 0)
		return -1;
	json_span root = root_span(s, len);
	json_iter it = iter_start(root);
	json_span k, v;
	bool found = false;

	if (key) {
		if (kind_of(root) != J_OBJECT)
			return 0;
		json_span match = {0};
		while (iter_next(&it, &k, &v))
			if (str_equals_raw(k, key, key_len)) {
				match = v;
				found = true;
			}
		v = match;
	} else {
		if (kind_of(root) != J_ARRAY)
			return 0;
		unsigned long want;
		if (index < 0) {
			unsigned long count = 0, back = (unsigned long)(-(index + 1)) + 1;
			while (iter_next(&it, &k, &v))
				count++;
			if (back > count)
				return 0;
			want = count - back;
			it = iter_start(root);
		} else {
			want = (unsigned long)index;
		}
		for (unsigned long n = 0; !found && iter_next(&it, &k, &v); n++)
			found = n == want;
	}
	if (!found)
		return 0;
	*out = v.p;
	*out_len = v.n;
	return 1;
}

int json_as_text(const char *s, size_t len, char *buf, size_t cap, const char **out, size_t *out_len,
		 bool *is_null)
{
	if (json_validate(s, len) < 0)
		return -1;
	json_span v = root_span(s, len);
	*is_null = false;
	switch (kind_of(v)) {
	case J_NULL:
		*is_null = true;
		*out = NULL;
		*out_len = 0;
		return 1;
	case J_STRING: {
		size_t i = 1, off = 0, n;
		char ch[4];
		while ((n = str_next(v, &i, ch)) > 0) {
			/* text cannot hold NUL: PostgreSQL refuses \u0000 here */
			if (cap - off < n || (n == 1 && ch[0] == '\0'))
				return -1;
			memcpy(buf + off, ch, n);
			off += n;
		}
		*out = buf;
		*out_len = off;
		return 1;
	}
	default:
		/* The stored text as it is; jsonb would print its normalised form
		 * (single spaces after ':' and ','), json its input text. */
		*out = v.p;
		*out_len = v.n;
		return 1;
	}
}

int json_contains(const char *a, size_t alen, const char *b, size_t blen)
{
	if (json_validate(a, alen) < 0 || json_validate(b, blen) < 0)
		return -1;
	return contains(root_span(a, alen), root_span(b, blen), true) ? 1 : 0;
}
