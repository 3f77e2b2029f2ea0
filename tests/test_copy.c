/* COPY FROM STDIN's formats as PostgreSQL parses them: text (escapes, \N,
 * newline styles, the \. marker), CSV (quotes, escapes, quoted newlines,
 * header) and binary (signature, flags, extension, tuples, trailer), the
 * field-count and format errors with their line numbers, and the row cap.
 * Every case is fed whole, byte by byte and cut at every split point (two
 * and three chunks), and must give the same rows and error each time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "error.h"
#include "test.h"

static sql_copy text_opts(void)
{
	sql_copy o = {0};
	o.format = SQL_COPY_TEXT;
	o.delimiter = '\t';
	o.null_string = "\\N";
	return o;
}

static sql_copy csv_opts(void)
{
	sql_copy o = {0};
	o.format = SQL_COPY_CSV;
	o.delimiter = ',';
	o.null_string = "";
	o.quote = '"';
	o.escape = '"';
	return o;
}

static sql_copy bin_opts(void)
{
	sql_copy o = {0};
	o.format = SQL_COPY_BINARY;
	return o;
}

/* The rows a parse produced, as text: fields joined by ',', NULL as N,
 * values in brackets with control bytes, backslash and non-ASCII as \xNN,
 * each row ended by ';'. Then the error, if any: "SQLSTATE message". */
typedef struct outcome {
	char rows[8192];
	size_t n;
	int nrows;
	int stop_at; /* the callback fails on this row (1-based), 0 never */
	bool text;   /* fields must be NUL-terminated */
	char error[600];
} outcome;

static void put(outcome *o, const char *s, size_t n)
{
	if (n > sizeof o->rows - 1 - o->n)
		n = sizeof o->rows - 1 - o->n;
	memcpy(o->rows + o->n, s, n);
	o->n += n;
	o->rows[o->n] = 0;
}

static int collect(void *arg, const char *const *field, const size_t *len, size_t ncols, sql_error *err)
{
	outcome *o = arg;
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			put(o, ",", 1);
		if (!field[i]) {
			put(o, "N", 1);
			continue;
		}
		if (o->text)
			CHECK(field[i][len[i]] == '\0');
		put(o, "[", 1);
		for (size_t k = 0; k < len[i]; k++) {
			unsigned char c = (unsigned char)field[i][k];
			if (c < 0x20 || c >= 0x7f || c == '\\') {
				char hex[8];
				snprintf(hex, sizeof hex, "\\x%02x", c);
				put(o, hex, 4);
			} else {
				put(o, (const char *)&c, 1);
			}
		}
		put(o, "]", 1);
	}
	put(o, ";", 1);
	o->nrows++;
	if (o->stop_at && o->nrows == o->stop_at) {
		snprintf(err->sqlstate, sizeof err->sqlstate, "XX000");
		snprintf(err->message, sizeof err->message, "stop at row %d", o->nrows);
		return -1;
	}
	return 0;
}

static void set_error(outcome *o, const sql_error *err)
{
	snprintf(o->error, sizeof o->error, "%s %s", err->sqlstate, err->message);
}

/* Parses in[0..n) fed in the chunks that end at cuts[0..ncuts), then the
 * rest, then finishes. Each chunk is a fresh allocation of its exact size,
 * so reading past a chunk or keeping a pointer into it is caught by ASan. */
static void run(const sql_copy *opts, size_t ncols, size_t max_row, const char *in, size_t n,
		const size_t *cuts, size_t ncuts, outcome *o)
{
	memset(o, 0, sizeof *o);
	o->text = opts->format != SQL_COPY_BINARY;
	copy_parser *p;
	if (copy_parser_open(opts, ncols, &p) != 0) {
		snprintf(o->error, sizeof o->error, "open failed");
		return;
	}
	if (max_row)
		copy_parser_set_max_row(p, max_row);
	sql_error err;
	size_t from = 0;
	for (size_t c = 0; c <= ncuts; c++) {
		size_t to = c < ncuts ? cuts[c] : n;
		char *chunk = malloc(to - from ? to - from : 1);
		if (!chunk)
			abort();
		memcpy(chunk, in + from, to - from);
		int rc = copy_feed(p, chunk, to - from, collect, o, &err);
		free(chunk);
		if (rc < 0) {
			set_error(o, &err);
			copy_parser_close(p);
			return;
		}
		from = to;
	}
	if (copy_finish(p, collect, o, &err) < 0)
		set_error(o, &err);
	copy_parser_close(p);
}

static bool same(const outcome *a, const outcome *b, const char *how)
{
	if (strcmp(a->rows, b->rows) == 0 && strcmp(a->error, b->error) == 0)
		return true;
	fprintf(stderr, "  chunking %s: rows '%s' error '%s' (whole: rows '%s' error '%s')\n", how, b->rows,
		b->error, a->rows, a->error);
	return false;
}

/* Every chunking of in gives what feeding it whole gave. */
static void check_chunkings(const sql_copy *opts, size_t ncols, size_t max_row, const char *in, size_t n,
			    const outcome *whole)
{
	outcome other;
	size_t *cuts = malloc((n ? n : 1) * sizeof *cuts);
	if (!cuts)
		abort();
	for (size_t i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	run(opts, ncols, max_row, in, n, cuts, n ? n - 1 : 0, &other);
	CHECK(same(whole, &other, "byte by byte"));
	bool ok = true;
	for (size_t i = 0; i <= n && ok; i++) {
		size_t c1[1] = {i};
		run(opts, ncols, max_row, in, n, c1, 1, &other);
		ok = same(whole, &other, "in two");
		for (size_t j = i; j <= n && ok && n <= 96; j++) {
			size_t c2[2] = {i, j};
			run(opts, ncols, max_row, in, n, c2, 2, &other);
			ok = same(whole, &other, "in three");
		}
	}
	CHECK(ok);
	free(cuts);
}

/* in fed whole must give rows and error ("" for none); every other
 * chunking must give the same. */
static void expect_cap(const sql_copy *opts, size_t ncols, size_t max_row, const char *in, size_t n,
		       const char *rows, const char *error)
{
	outcome whole;
	run(opts, ncols, max_row, in, n, NULL, 0, &whole);
	if (strcmp(whole.rows, rows) != 0 || strcmp(whole.error, error) != 0) {
		fprintf(stderr, "  got rows '%s' error '%s'\n  want rows '%s' error '%s'\n", whole.rows,
			whole.error, rows, error);
		CHECK(strcmp(whole.rows, rows) == 0);
		CHECK(strcmp(whole.error, error) == 0);
		return;
	}
	check_chunkings(opts, ncols, max_row, in, n, &whole);
}

static void expect(const sql_copy *opts, size_t ncols, const char *in, const char *rows, const char *error)
{
	expect_cap(opts, ncols, 0, in, strlen(in), rows, error);
}

static void test_text_rows_and_nulls(void)
{
	sql_copy o = text_opts();
	expect(&o, 3, "1\tfoo\t\\N\n2\tbar baz\t\n", "[1],[foo],N;[2],[bar baz],[];", "");
	/* an empty line is one empty field, not NULL */
	expect(&o, 1, "\n\n", "[];[];", "");
}

static void test_text_backslash_escapes(void)
{
	sql_copy o = text_opts();
	expect(&o, 1, "\\b\\f\\n\\r\\t\\v\\\\\n", "[\\x08\\x0c\\x0a\\x0d\\x09\\x0b\\x5c];", "");
	/* octal: up to three digits; hex: one or two digits, else a literal x */
	expect(&o, 1, "\\101\\1012\\7\\x41\\x4g\\xg\n", "[AA2\\x07A\\x04gxg];", "");
	/* any other character stands for itself, the delimiter included */
	expect(&o, 1, "\\q\\.x\\\tb\n", "", "22P04 COPY line 1: end-of-copy marker is not alone on its line");
	expect(&o, 1, "\\q\\\tb\\N\n", "[q\\x09bN];", "");
	/* octal and hex escapes that spell UTF-8 */
	expect(&o, 1, "caf\\303\\251 \\xe2\\x82\\xac\n", "[caf\\xc3\\xa9 \\xe2\\x82\\xac];", "");
}

static void test_text_escaped_newline_is_data(void)
{
	sql_copy o = text_opts();
	expect(&o, 2, "a\\\nb\tc\n", "[a\\x0ab],[c];", "");
}

static void test_text_null_compared_before_unescaping(void)
{
	sql_copy o = text_opts();
	expect(&o, 2, "\\N\t\\\\N\n", "N,[\\x5cN];", "");
	o.null_string = "NULL";
	expect(&o, 3, "NULL\t\\NULL\t\\N\n", "N,[NULL],[N];", "");
	o.null_string = "";
	expect(&o, 2, "\tx\n", "N,[x];", "");
}

static void test_text_custom_delimiter(void)
{
	sql_copy o = text_opts();
	o.delimiter = '|';
	expect(&o, 2, "a|b\\|c\tx\n", "[a],[b|c\\x09x];", "");
}

static void test_text_newline_styles(void)
{
	sql_copy o = text_opts();
	expect(&o, 2, "1\ta\r\n2\tb\r\n", "[1],[a];[2],[b];", "");
	expect(&o, 1, "1\r2\r3", "[1];[2];[3];", "");
	expect(&o, 1, "1\r\n2\n", "[1];", "22P04 COPY line 2: literal newline found in data");
	expect(&o, 1, "1\n2\r\n", "[1];", "22P04 COPY line 2: literal carriage return found in data");
	expect(&o, 1, "1\r2\r\n", "[1];[2];", "22P04 COPY line 3: literal newline found in data");
	/* a carriage return inside data must be escaped */
	expect(&o, 1, "1\r\n2\r3\r\n", "[1];", "22P04 COPY line 2: literal carriage return found in data");
}

static void test_text_last_line_without_newline(void)
{
	sql_copy o = text_opts();
	expect(&o, 2, "1\ta\n2\tb", "[1],[a];[2],[b];", "");
	/* a backslash just before the end of data is dropped, as in PostgreSQL */
	expect(&o, 1, "ab\\", "[ab];", "");
}

static void test_text_end_marker(void)
{
	sql_copy o = text_opts();
	expect(&o, 1, "1\n\\.\ngarbage\t\t\n\\.\n", "[1];", "");
	expect(&o, 1, "1\r\n\\.\r\nmore", "[1];", "");
	expect(&o, 1, "\\.\n", "", "");
	/* as the very last line, without a newline */
	expect(&o, 1, "1\n\\.", "[1];", "");
	/* an escaped backslash before a period is data */
	expect(&o, 1, "\\\\.\n", "[\\x5c.];", "");
}

static void test_text_end_marker_must_be_alone(void)
{
	sql_copy o = text_opts();
	expect(&o, 1, "1\\.\n", "", "22P04 COPY line 1: end-of-copy marker is not alone on its line");
	expect(&o, 1, "1\n\\.x\n", "[1];", "22P04 COPY line 2: end-of-copy marker is not alone on its line");
	expect(&o, 1, "1\n\\.\r\n", "[1];",
	       "22P04 COPY line 2: end-of-copy marker does not match previous newline style");
	expect(&o, 1, "1\r\n\\.\n", "[1];",
	       "22P04 COPY line 2: end-of-copy marker does not match previous newline style");
}

static void test_text_header_skipped(void)
{
	sql_copy o = text_opts();
	o.header = true;
	expect(&o, 2, "id\tname\n1\tx\n", "[1],[x];", "");
	/* the header is line 1 */
	expect(&o, 2, "id\tname\n1\tx\n2\n", "[1],[x];", "22P04 COPY line 3: missing data for column 2");
	expect(&o, 2, "id\tname", "", "");
}

static void test_text_field_count_errors(void)
{
	sql_copy o = text_opts();
	expect(&o, 1, "1\t2\n", "", "22P04 COPY line 1: extra data after last expected column");
	expect(&o, 3, "1\n", "", "22P04 COPY line 1: missing data for column 2");
	expect(&o, 1, "1\n2\n3\t4\n", "[1];[2];", "22P04 COPY line 3: extra data after last expected column");
	expect(&o, 2, "1\t2\n3", "[1],[2];", "22P04 COPY line 2: missing data for column 2");
}

static void test_text_zero_columns(void)
{
	sql_copy o = text_opts();
	expect(&o, 0, "\n\n", ";;", "");
	expect(&o, 0, "\nx\n", ";", "22P04 COPY line 2: extra data after last expected column");
}

static void test_text_fields_must_be_utf8(void)
{
	sql_copy o = text_opts();
	expect(&o, 1, "a\xff\n", "", "22021 COPY line 1: invalid byte sequence for encoding \"UTF8\": 0xff");
	expect(&o, 1, "ok\n\\377\n", "[ok];",
	       "22021 COPY line 2: invalid byte sequence for encoding \"UTF8\": 0xff");
	expect(&o, 1, "\\0\n", "", "22021 COPY line 1: invalid byte sequence for encoding \"UTF8\": 0x00");
	expect(&o, 1, "\xe2\x82x\n", "",
	       "22021 COPY line 1: invalid byte sequence for encoding \"UTF8\": 0xe2 0x82 0x78");
	/* a NULL is not checked: its raw text is the NULL string */
	expect(&o, 2, "\\N\t\xc3\xa9\n", "N,[\\xc3\\xa9];", "");
}

static void test_csv_rows_and_nulls(void)
{
	sql_copy o = csv_opts();
	/* unquoted empty is NULL, quoted empty is the empty string */
	expect(&o, 3, "1,foo,\n2,\"\",\"a,b\"\n", "[1],[foo],N;[2],[],[a,b];", "");
	expect(&o, 1, "\n", "N;", "");
	/* spaces are data */
	expect(&o, 2, " a , \"b\" \n", "[ a ],[ b ];", "");
	o.null_string = "NA";
	expect(&o, 2, "NA,\"NA\"\n", "N,[NA];", "");
}

static void test_csv_quotes(void)
{
	sql_copy o = csv_opts();
	expect(&o, 1, "\"a\"\"b\"\n", "[a\"b];", "");
	/* quotes may open and close anywhere in a field */
	expect(&o, 1, "ab\"c,d\"e\n", "[abc,de];", "");
	expect(&o, 2, "\"\"\"\",\"\"\"\"\"\"\n", "[\"],[\"\"];", "");
	/* backslashes are data in CSV */
	expect(&o, 1, "a\\b\\N\n", "[a\\x5cb\\x5cN];", "");
}

static void test_csv_quoted_newlines(void)
{
	sql_copy o = csv_opts();
	expect(&o, 2, "1,\"line1\nline2\"\n2,\"x\r\ny\"\n", "[1],[line1\\x0aline2];[2],[x\\x0d\\x0ay];", "");
	/* CRLF file: a quoted newline is data, an unquoted one is refused */
	expect(&o, 1, "\"a\nb\"\r\nc\r\n", "[a\\x0ab];[c];", "");
	expect(&o, 1, "a\r\nb\nc\r\n", "[a];", "22P04 COPY line 2: unquoted newline found in data");
	expect(&o, 1, "a\nb\r\n", "[a];", "22P04 COPY line 2: unquoted carriage return found in data");
}

static void test_csv_line_numbers_count_quoted_newlines(void)
{
	sql_copy o = csv_opts();
	expect(&o, 1, "\"a\nb\"\n1,2\n", "[a\\x0ab];",
	       "22P04 COPY line 3: extra data after last expected column");
}

static void test_csv_custom_escape(void)
{
	sql_copy o = csv_opts();
	o.escape = '\\';
	expect(&o, 1, "\"a\\\"b\\\\c\"\n", "[a\"b\\x5cc];", "");
	/* outside quotes the escape is data; before other bytes it is too */
	expect(&o, 1, "a\\b\n", "[a\\x5cb];", "");
	expect(&o, 1, "\"a\\b\"\n", "[a\\x5cb];", "");
	/* an escaped quote does not close the field, so the comma is data */
	expect(&o, 1, "\"x\\\",y\"\n", "[x\",y];", "");
	/* the doubled quote still closes and reopens */
	expect(&o, 1, "\"a\"\"b\"\n", "[ab];", "");
}

static void test_csv_delimiter_and_quote_options(void)
{
	sql_copy o = csv_opts();
	o.delimiter = ';';
	o.quote = '\'';
	o.escape = '\'';
	expect(&o, 2, "'a;b';'it''s'\n", "[a;b],[it's];", "");
}

static void test_csv_header_skipped(void)
{
	sql_copy o = csv_opts();
	o.header = true;
	expect(&o, 2, "\"h\n1\",h2\n1,2\n", "[1],[2];", "");
	expect(&o, 2, "a,b\n1\n", "", "22P04 COPY line 2: missing data for column 2");
}

static void test_csv_end_marker(void)
{
	sql_copy o = csv_opts();
	expect(&o, 1, "1\n\\.\n2\n", "[1];", "");
	expect(&o, 1, "1\n\\.", "[1];", "");
	/* quoted, or with more on its line, \. is data in CSV */
	expect(&o, 1, "\"\\.\"\n", "[\\x5c.];", "");
	expect(&o, 1, "\\.x\nx\\.\n", "[\\x5c.x];[x\\x5c.];", "");
	expect(&o, 1, "1\n\\.\r\n", "[1];",
	       "22P04 COPY line 2: end-of-copy marker does not match previous newline style");
}

static void test_csv_unterminated_quote(void)
{
	sql_copy o = csv_opts();
	/* the quoted newline counts, as in PostgreSQL */
	expect(&o, 2, "0,0\n1,\"abc\n", "[0],[0];", "22P04 COPY line 3: unterminated CSV quoted field");
	expect(&o, 2, "0,0\n1,\"abc", "[0],[0];", "22P04 COPY line 2: unterminated CSV quoted field");
}

static void test_csv_field_count_errors(void)
{
	sql_copy o = csv_opts();
	expect(&o, 2, "1,2,3\n", "", "22P04 COPY line 1: extra data after last expected column");
	expect(&o, 3, "1,\"2,3\"\n", "", "22P04 COPY line 1: missing data for column 3");
	expect(&o, 1, "\"\xc3\"\n", "",
	       "22021 COPY line 1: invalid byte sequence for encoding \"UTF8\": 0xc3");
}

/* Binary stream builder (docs "COPY", Binary Format). */
typedef struct bin {
	char b[4096];
	size_t n;
} bin;

static void b_bytes(bin *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void b_i16(bin *b, int v)
{
	unsigned char x[2] = {(unsigned char)((unsigned)v >> 8), (unsigned char)v};
	b_bytes(b, x, 2);
}

static void b_i32(bin *b, int64_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char x[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8),
			      (unsigned char)u};
	b_bytes(b, x, 4);
}

static void b_header(bin *b, uint32_t flags, const char *ext, size_t ext_len)
{
	b_bytes(b, "PGCOPY\n\377\r\n\0", 11);
	b_i32(b, flags);
	b_i32(b, (int64_t)ext_len);
	b_bytes(b, ext, ext_len);
}

static void b_field(bin *b, const char *v, size_t n)
{
	b_i32(b, (int64_t)n);
	b_bytes(b, v, n);
}

static void expect_bin(const bin *b, size_t ncols, const char *rows, const char *error)
{
	sql_copy o = bin_opts();
	expect_cap(&o, ncols, 0, b->b, b->n, rows, error);
}

static void test_binary_rows(void)
{
	bin b = {0};
	b_header(&b, 0, "", 0);
	b_i16(&b, 2);
	b_field(&b, "\0\0\0\1", 4);
	b_i32(&b, -1);
	b_i16(&b, 2);
	b_field(&b, "\0\0\0\2", 4);
	b_field(&b, "", 0); /* empty, not NULL */
	b_i16(&b, -1);
	expect_bin(&b, 2, "[\\x00\\x00\\x00\\x01],N;[\\x00\\x00\\x00\\x02],[];", "");
}

static void test_binary_header_extension_skipped(void)
{
	bin b = {0};
	b_header(&b, 0xFFFF, "\1\2\3\4\5", 5); /* low flag bits are not critical */
	b_i16(&b, 1);
	b_field(&b, "abc", 3);
	b_i16(&b, -1);
	expect_bin(&b, 1, "[abc];", "");
}

static void test_binary_trailer_may_be_missing(void)
{
	bin b = {0};
	b_header(&b, 0, "", 0);
	b_i16(&b, 1);
	b_field(&b, "x", 1);
	expect_bin(&b, 1, "[x];", "");
	bin h = {0};
	b_header(&h, 0, "", 0);
	expect_bin(&h, 1, "", "");
}

static void test_binary_data_after_trailer_refused(void)
{
	bin b = {0};
	b_header(&b, 0, "", 0);
	b_i16(&b, 1);
	b_field(&b, "x", 1);
	b_i16(&b, -1);
	b_bytes(&b, "z", 1);
	expect_bin(&b, 1, "[x];", "22P04 COPY line 2: received copy data after EOF marker");
	/* a second trailer is data after the first */
	b.n--;
	b_i16(&b, -1);
	expect_bin(&b, 1, "[x];", "22P04 COPY line 2: received copy data after EOF marker");
}

static void test_binary_bad_signature(void)
{
	bin b = {0};
	b_bytes(&b, "PGCOPY\n\377\r\n\1", 11);
	b_i32(&b, 0);
	b_i32(&b, 0);
	expect_bin(&b, 1, "", "22P04 COPY file signature not recognized");
	bin t = {0};
	b_bytes(&t, "1\t2\n", 4);
	expect_bin(&t, 2, "", "22P04 COPY file signature not recognized");
	bin e = {0};
	expect_bin(&e, 1, "", "22P04 COPY file signature not recognized");
	/* a wrong first byte fails at once, before the rest arrives */
	copy_parser *p;
	sql_copy o = bin_opts();
	sql_error err;
	outcome out = {0};
	CHECK_EQ_INT(copy_parser_open(&o, 1, &p), 0);
	CHECK_EQ_INT(copy_feed(p, "X", 1, collect, &out, &err), -1);
	CHECK(strcmp(err.sqlstate, "22P04") == 0);
	copy_parser_close(p);
}

static void test_binary_header_errors(void)
{
	bin b = {0};
	b_header(&b, 1u << 16, "", 0);
	expect_bin(&b, 1, "", "22P04 invalid COPY file header (WITH OIDS)");
	b.n = 0;
	b_header(&b, 1u << 17, "", 0);
	expect_bin(&b, 1, "", "22P04 unrecognized critical flags in COPY file header");
	b.n = 0;
	b_bytes(&b, "PGCOPY\n\377\r\n\0\0\0", 13);
	expect_bin(&b, 1, "", "22P04 invalid COPY file header (missing flags)");
	b.n = 0;
	b_bytes(&b, "PGCOPY\n\377\r\n\0", 11);
	b_i32(&b, 0);
	b_i32(&b, -1);
	expect_bin(&b, 1, "", "22P04 invalid COPY file header (missing length)");
	b.n = 0;
	b_bytes(&b, "PGCOPY\n\377\r\n\0", 11);
	b_i32(&b, 0);
	b_i32(&b, 10);
	b_bytes(&b, "abc", 3);
	expect_bin(&b, 1, "", "22P04 invalid COPY file header (wrong length)");
}

static void test_binary_field_count_must_match(void)
{
	bin b = {0};
	b_header(&b, 0, "", 0);
	b_i16(&b, 1);
	b_field(&b, "a", 1);
	b_i16(&b, 3);
	expect_bin(&b, 1, "[a];", "22P04 COPY line 2: row field count is 3, expected 1");
	b.n -= 2;
	b_i16(&b, -2);
	expect_bin(&b, 1, "[a];", "22P04 COPY line 2: row field count is -2, expected 1");
}

static void test_binary_bad_field_size(void)
{
	bin b = {0};
	b_header(&b, 0, "", 0);
	b_i16(&b, 1);
	b_i32(&b, -2);
	expect_bin(&b, 1, "", "22P04 COPY line 1: invalid field size");
}

static void test_binary_truncated_tuple(void)
{
	bin b = {0};
	b_header(&b, 0, "", 0);
	b_i16(&b, 2);
	b_field(&b, "abcd", 4);
	b_i32(&b, 8);
	b_bytes(&b, "xyz", 3);
	expect_bin(&b, 2, "", "22P04 COPY line 1: unexpected EOF in COPY data");
	b.n -= 7; /* cut before the second field's length */
	expect_bin(&b, 2, "", "22P04 COPY line 1: unexpected EOF in COPY data");
	b.n = 19;	      /* the header */
	b_bytes(&b, "\0", 1); /* half a field count */
	expect_bin(&b, 2, "", "22P04 COPY line 1: unexpected EOF in COPY data");
}

static void test_row_cap_text(void)
{
	sql_copy o = text_opts();
	expect_cap(&o, 1, 8, "12345678\n", 9, "[12345678];", "");
	expect_cap(&o, 1, 8, "1\n123456789\n", 12, "[1];", "54000 COPY line 2: row is longer than 8 bytes");
	sql_copy c = csv_opts();
	expect_cap(&c, 1, 8, "\"1234\n5678\"\n", 12, "", "54000 COPY line 2: row is longer than 8 bytes");
}

static void test_row_cap_hit_before_the_line_ends(void)
{
	/* an endless line fails once it passes the cap, not at its end */
	sql_copy o = text_opts();
	copy_parser *p;
	sql_error err;
	outcome out = {0};
	CHECK_EQ_INT(copy_parser_open(&o, 1, &p), 0);
	copy_parser_set_max_row(p, 16);
	CHECK_EQ_INT(copy_feed(p, "0123456789", 10, collect, &out, &err), 0);
	CHECK_EQ_INT(copy_feed(p, "0123456789", 10, collect, &out, &err), -1);
	CHECK(strcmp(err.sqlstate, "54000") == 0);
	copy_parser_close(p);
}

static void test_row_cap_binary(void)
{
	bin b = {0};
	b_header(&b, 0, "", 0);
	b_i16(&b, 2);
	b_field(&b, "12345", 5);
	b_field(&b, "12345", 5);
	sql_copy o = bin_opts();
	/* the tuple is 2 + 9 + 9 bytes */
	expect_cap(&o, 2, 20, b.b, b.n, "[12345],[12345];", "");
	expect_cap(&o, 2, 19, b.b, b.n, "", "54000 COPY line 1: row is longer than 19 bytes");
}

static void test_row_cap_default_is_one_gib(void)
{
	/* a declared field length past 1 GiB fails at once, without waiting
	 * for (or buffering) its bytes, whatever cap was asked for */
	int64_t sizes[] = {(int64_t)COPY_MAX_ROW, INT32_MAX};
	for (size_t i = 0; i < 2; i++) {
		bin b = {0};
		b_header(&b, 0, "", 0);
		b_i16(&b, 1);
		b_i32(&b, sizes[i]);
		b_bytes(&b, "abc", 3);
		sql_copy o = bin_opts();
		copy_parser *p;
		sql_error err;
		outcome out = {0};
		CHECK_EQ_INT(copy_parser_open(&o, 1, &p), 0);
		copy_parser_set_max_row(p, SIZE_MAX);
		CHECK_EQ_INT(copy_feed(p, b.b, b.n, collect, &out, &err), -1);
		CHECK(strcmp(err.sqlstate, "54000") == 0);
		copy_parser_close(p);
	}
	/* just under the cap, the parser waits for the bytes */
	bin b = {0};
	b_header(&b, 0, "", 0);
	b_i16(&b, 1);
	b_i32(&b, (int64_t)COPY_MAX_ROW - 6);
	sql_copy o = bin_opts();
	copy_parser *p;
	sql_error err;
	outcome out = {0};
	CHECK_EQ_INT(copy_parser_open(&o, 1, &p), 0);
	CHECK_EQ_INT(copy_feed(p, b.b, b.n, collect, &out, &err), 0);
	CHECK_EQ_INT(copy_finish(p, collect, &out, &err), -1);
	CHECK(strcmp(err.message, "COPY line 1: unexpected EOF in COPY data") == 0);
	copy_parser_close(p);
}

/* A small deterministic generator (xorshift) for the random inputs. */
static uint32_t rnd(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

static void test_random_text_and_csv_chunk_invariant(void)
{
	/* the bytes the text and CSV grammars care about, and a few others */
	static const char alphabet[] = "\t,\"\\.\n\r\nNab0x7\xc3\xa9";
	uint32_t state = 12345;
	char in[24];
	for (int round = 0; round < 400; round++) {
		size_t n = rnd(&state) % sizeof in;
		for (size_t i = 0; i < n; i++)
			in[i] = alphabet[rnd(&state) % (sizeof alphabet - 1)];
		sql_copy o = round % 2 ? csv_opts() : text_opts();
		o.header = round % 5 == 0;
		size_t ncols = rnd(&state) % 3;
		outcome whole;
		run(&o, ncols, round % 7 == 0 ? 6 : 0, in, n, NULL, 0, &whole);
		check_chunkings(&o, ncols, round % 7 == 0 ? 6 : 0, in, n, &whole);
	}
}

static void test_random_binary_chunk_invariant(void)
{
	/* a valid stream with bytes overwritten at random, then cut short */
	bin good = {0};
	b_header(&good, 0, "xy", 2);
	b_i16(&good, 2);
	b_field(&good, "abc", 3);
	b_i32(&good, -1);
	b_i16(&good, 2);
	b_field(&good, "", 0);
	b_field(&good, "z", 1);
	b_i16(&good, -1);
	uint32_t state = 777;
	sql_copy o = bin_opts();
	for (int round = 0; round < 300; round++) {
		bin b = good;
		for (int k = 0; k < 2; k++) {
			size_t at = rnd(&state) % b.n;
			static const char bytes[] = {0, 1, 2, 3, (char)0xff, (char)0x7f, (char)0x80};
			b.b[at] = bytes[rnd(&state) % sizeof bytes];
		}
		b.n -= rnd(&state) % 4;
		outcome whole;
		run(&o, 2, round % 3 == 0 ? 16 : 0, b.b, b.n, NULL, 0, &whole);
		check_chunkings(&o, 2, round % 3 == 0 ? 16 : 0, b.b, b.n, &whole);
	}
}

static void test_callback_error_stops_and_sticks(void)
{
	sql_copy o = text_opts();
	copy_parser *p;
	sql_error err;
	outcome out = {0};
	out.text = true;
	out.stop_at = 2;
	CHECK_EQ_INT(copy_parser_open(&o, 1, &p), 0);
	CHECK_EQ_INT(copy_feed(p, "a\nb\nc\n", 6, collect, &out, &err), -1);
	CHECK(strcmp(err.sqlstate, "XX000") == 0 && strcmp(err.message, "stop at row 2") == 0);
	CHECK_EQ_INT(out.nrows, 2);
	memset(&err, 0, sizeof err);
	CHECK_EQ_INT(copy_feed(p, "d\n", 2, collect, &out, &err), -1);
	CHECK(strcmp(err.message, "stop at row 2") == 0);
	memset(&err, 0, sizeof err);
	CHECK_EQ_INT(copy_finish(p, collect, &out, &err), -1);
	CHECK(strcmp(err.message, "stop at row 2") == 0);
	CHECK_EQ_INT(out.nrows, 2);
	copy_parser_close(p);
}

static void test_errors_stick(void)
{
	sql_copy o = text_opts();
	copy_parser *p;
	sql_error err;
	outcome out = {0};
	out.text = true;
	CHECK_EQ_INT(copy_parser_open(&o, 1, &p), 0);
	CHECK_EQ_INT(copy_feed(p, "a\tb\n", 4, collect, &out, &err), -1);
	CHECK_EQ_INT(copy_feed(p, "ok\n", 3, collect, &out, &err), -1);
	CHECK(strcmp(err.message, "COPY line 1: extra data after last expected column") == 0);
	CHECK_EQ_INT(out.nrows, 0);
	copy_parser_close(p);
}

static void test_defaults_fill_zero_options(void)
{
	sql_copy o = {0};
	o.format = SQL_COPY_TEXT;
	expect(&o, 2, "a\t\\N\n", "[a],N;", "");
	o.format = SQL_COPY_CSV;
	expect(&o, 2, "\"a,b\",\n", "[a,b],N;", "");
}

static void test_open_refuses_ambiguous_options(void)
{
	copy_parser *p = NULL;
	sql_copy o = text_opts();
	const char bad_text_delims[] = {'\\', '\n', '\r', 'a', '.', '7', (char)0xC3};
	for (size_t i = 0; i < sizeof bad_text_delims; i++) {
		o.delimiter = bad_text_delims[i];
		CHECK_EQ_INT(copy_parser_open(&o, 1, &p), OMEN_EINVAL);
	}
	o = text_opts();
	o.null_string = "a\nb";
	CHECK_EQ_INT(copy_parser_open(&o, 1, &p), OMEN_EINVAL);
	o.null_string = "a\tb";
	CHECK_EQ_INT(copy_parser_open(&o, 1, &p), OMEN_EINVAL);
	sql_copy c = csv_opts();
	c.delimiter = '"';
	CHECK_EQ_INT(copy_parser_open(&c, 1, &p), OMEN_EINVAL);
	c = csv_opts();
	c.null_string = "\"";
	CHECK_EQ_INT(copy_parser_open(&c, 1, &p), OMEN_EINVAL);
	c = csv_opts();
	c.quote = '\n';
	CHECK_EQ_INT(copy_parser_open(&c, 1, &p), OMEN_EINVAL);
	sql_copy b = bin_opts();
	b.header = true;
	CHECK_EQ_INT(copy_parser_open(&b, 1, &p), OMEN_EINVAL);
	/* CSV may use a letter as delimiter; text may use a capital */
	c = csv_opts();
	c.delimiter = 'a';
	CHECK_EQ_INT(copy_parser_open(&c, 1, &p), 0);
	copy_parser_close(p);
	o = text_opts();
	o.delimiter = 'X';
	CHECK_EQ_INT(copy_parser_open(&o, 1, &p), 0);
	copy_parser_close(p);
}

TEST_MAIN(TEST(test_text_rows_and_nulls), TEST(test_text_backslash_escapes),
	  TEST(test_text_escaped_newline_is_data), TEST(test_text_null_compared_before_unescaping),
	  TEST(test_text_custom_delimiter), TEST(test_text_newline_styles),
	  TEST(test_text_last_line_without_newline), TEST(test_text_end_marker),
	  TEST(test_text_end_marker_must_be_alone), TEST(test_text_header_skipped),
	  TEST(test_text_field_count_errors), TEST(test_text_zero_columns),
	  TEST(test_text_fields_must_be_utf8), TEST(test_csv_rows_and_nulls), TEST(test_csv_quotes),
	  TEST(test_csv_quoted_newlines), TEST(test_csv_line_numbers_count_quoted_newlines),
	  TEST(test_csv_custom_escape), TEST(test_csv_delimiter_and_quote_options),
	  TEST(test_csv_header_skipped), TEST(test_csv_end_marker), TEST(test_csv_unterminated_quote),
	  TEST(test_csv_field_count_errors), TEST(test_binary_rows),
	  TEST(test_binary_header_extension_skipped), TEST(test_binary_trailer_may_be_missing),
	  TEST(test_binary_data_after_trailer_refused), TEST(test_binary_bad_signature),
	  TEST(test_binary_header_errors), TEST(test_binary_field_count_must_match),
	  TEST(test_binary_bad_field_size), TEST(test_binary_truncated_tuple), TEST(test_row_cap_text),
	  TEST(test_row_cap_hit_before_the_line_ends), TEST(test_row_cap_binary),
	  TEST(test_row_cap_default_is_one_gib), TEST(test_random_text_and_csv_chunk_invariant),
	  TEST(test_random_binary_chunk_invariant), TEST(test_callback_error_stops_and_sticks),
	  TEST(test_errors_stick), TEST(test_defaults_fill_zero_options),
	  TEST(test_open_refuses_ambiguous_options))
