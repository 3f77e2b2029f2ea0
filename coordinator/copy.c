#include "copy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* The line ending a text or CSV stream uses, fixed by its first line as in
 * PostgreSQL's CopyReadLineText. */
typedef enum copy_eol { EOL_UNKNOWN, EOL_NL, EOL_CR, EOL_CRNL } copy_eol;

/* Where the binary reader is (docs "COPY", Binary Format). */
typedef enum copy_bin { BIN_SIGNATURE, BIN_FLAGS, BIN_EXT_LENGTH, BIN_EXT, BIN_TUPLES } copy_bin;

/* scan_line's answers. */
enum { LINE_MORE, LINE_FOUND, LINE_LAST };

static const char copy_signature[11] = "PGCOPY\n\377\r\n\0";

struct copy_parser {
	sql_copy_format format;
	char delim, quote, escape;
	char *null_str;
	size_t null_len;
	bool skip_header;
	size_t ncols;
	size_t max_row;

	/* Unconsumed input is buf[pos..len). */
	char *buf;
	size_t pos, len, cap;

	/* Text and CSV: the line being read starts at pos; scanned bytes of it
	 * have been looked at already, with the quote state they left. */
	bool line_open;
	size_t scanned;
	bool in_quote, last_was_esc;
	bool saw_marker; /* text: an unescaped \. in the line */
	copy_eol eol;
	unsigned long long lineno; /* the row being read, for messages */

	char *attr; /* the current row's de-escaped fields */
	size_t attr_cap;
	const char **field;
	size_t *flen;

	copy_bin bin;
	uint32_t ext_left;
	size_t tup_off;	  /* bytes of the current tuple parsed, 0 before its count */
	size_t tup_field; /* its next field */
	size_t *foff;	  /* its fields' offsets from pos, SIZE_MAX for NULL */

	bool done; /* end marker or trailer seen */
	bool failed;
	sql_error error; /* the first error, repeated by later calls */
};

static int fail(copy_parser *p, sql_error *err, const char *sqlstate, bool with_line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(copy_parser *p, sql_error *err, const char *sqlstate, bool with_line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	memcpy(err->sqlstate, sqlstate, 5);
	err->sqlstate[5] = 0;
	if (with_line)
		snprintf(err->message, sizeof err->message, "COPY line %llu: %s", p->lineno, msg);
	else
		snprintf(err->message, sizeof err->message, "%s", msg);
	err->position = 0;
	p->failed = true;
	p->error = *err;
	return -1;
}

static int too_long(copy_parser *p, sql_error *err)
{
	return fail(p, err, "54000", true, "row is longer than %zu bytes", p->max_row);
}

static bool is_newline(char c)
{
	return c == '\n' || c == '\r';
}

/* The checks of PostgreSQL's ProcessCopyOptions that keep a stream
 * unambiguous to parse. */
static bool options_valid(const copy_parser *p, bool header)
{
	if (p->format == SQL_COPY_BINARY)
		return !header;
	if (is_newline(p->delim) || (unsigned char)p->delim >= 0x80 ||
	    memchr(p->null_str, '\n', p->null_len) || memchr(p->null_str, '\r', p->null_len) ||
	    memchr(p->null_str, p->delim, p->null_len))
		return false;
	if (p->format == SQL_COPY_TEXT)
		return strchr("\\.abcdefghijklmnopqrstuvwxyz0123456789", p->delim) == NULL;
	return p->delim != p->quote && !is_newline(p->quote) && !is_newline(p->escape) &&
	       (unsigned char)p->quote < 0x80 && (unsigned char)p->escape < 0x80 &&
	       !memchr(p->null_str, p->quote, p->null_len);
}

int copy_parser_open(const sql_copy *opts, size_t ncols, copy_parser **out)
{
	if (opts->format != SQL_COPY_TEXT && opts->format != SQL_COPY_CSV && opts->format != SQL_COPY_BINARY)
		return OMEN_EINVAL;
	copy_parser *p = calloc(1, sizeof *p);
	if (!p)
		return OMEN_ENOMEM;
	bool csv = opts->format == SQL_COPY_CSV;
	p->format = opts->format;
	p->delim = opts->delimiter ? opts->delimiter : csv ? ',' : '\t';
	p->quote = opts->quote ? opts->quote : '"';
	p->escape = opts->escape ? opts->escape : p->quote;
	const char *null_str = opts->null_string ? opts->null_string : csv ? "" : "\\N";
	p->null_len = strlen(null_str);
	p->null_str = malloc(p->null_len + 1);
	p->skip_header = opts->header;
	p->ncols = ncols;
	p->max_row = COPY_MAX_ROW;
	p->field = calloc(ncols ? ncols : 1, sizeof *p->field);
	p->flen = calloc(ncols ? ncols : 1, sizeof *p->flen);
	p->foff = calloc(ncols ? ncols : 1, sizeof *p->foff);
	p->lineno = p->format == SQL_COPY_BINARY ? 1 : 0;
	p->cap = 8192;
	p->buf = malloc(p->cap);
	if (!p->null_str || !p->field || !p->flen || !p->foff || !p->buf) {
		copy_parser_close(p);
		return OMEN_ENOMEM;
	}
	memcpy(p->null_str, null_str, p->null_len + 1);
	if (!options_valid(p, opts->header)) {
		copy_parser_close(p);
		return OMEN_EINVAL;
	}
	*out = p;
	return 0;
}

void copy_parser_close(copy_parser *p)
{
	if (!p)
		return;
	free(p->null_str);
	free(p->buf);
	free(p->attr);
	free(p->field);
	free(p->flen);
	free(p->foff);
	free(p);
}

void copy_parser_set_max_row(copy_parser *p, size_t max_row)
{
	p->max_row = max_row < COPY_MAX_ROW ? max_row : COPY_MAX_ROW;
}

/* Moves the unconsumed bytes to the front and adds data after them. */
static int append(copy_parser *p, const void *data, size_t n, sql_error *err)
{
	if (n == 0)
		return 0;
	if (p->pos > 0) {
		memmove(p->buf, p->buf + p->pos, p->len - p->pos);
		p->len -= p->pos;
		p->pos = 0;
	}
	if (n > p->cap - p->len) {
		if (n > SIZE_MAX / 2 - p->len)
			return fail(p, err, "53200", false, "out of memory");
		size_t cap = p->cap;
		while (cap < p->len + n)
			cap *= 2;
		char *nb = realloc(p->buf, cap);
		if (!nb)
			return fail(p, err, "53200", false, "out of memory");
		p->buf = nb;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, data, n);
	p->len += n;
	return 0;
}

static int emit(copy_parser *p, copy_row_fn fn, void *arg, sql_error *err)
{
	if (fn(arg, p->field, p->flen, p->ncols, err) < 0) {
		p->failed = true;
		p->error = *err;
		return -1;
	}
	return 0;
}

/* A line ending that differs from the first line's (CopyReadLineText's
 * errors); a lone "\." before it gets PostgreSQL's end-marker message. */
static int eol_error(copy_parser *p, const char *line, size_t n, bool cr, sql_error *err)
{
	bool csv = p->format == SQL_COPY_CSV;
	if (n == 2 && line[0] == '\\' && line[1] == '.')
		return fail(p, err, "22P04", true,
			    "end-of-copy marker does not match previous newline style");
	if (cr)
		return fail(p, err, "22P04", true, "%s carriage return found in data",
			    csv ? "unquoted" : "literal");
	return fail(p, err, "22P04", true, "%s newline found in data", csv ? "unquoted" : "literal");
}

static int line_end(size_t line_len, size_t next, size_t *out_len, size_t *out_next)
{
	*out_len = line_len;
	*out_next = next;
	return LINE_FOUND;
}

/* Finds the end of the line at pos (PostgreSQL's CopyReadLineText): a
 * newline outside CSV quotes, not escaped by a text-format backslash. A
 * byte that needs the next one to be understood ('\r' before a possible
 * '\n', a backslash) waits for more input unless final. Returns LINE_FOUND
 * (the line is *line_len bytes, the next starts *next bytes on), LINE_LAST
 * (final: the rest of the data is the last line), LINE_MORE, or -1. */
static int scan_line(copy_parser *p, bool final, size_t *line_len, size_t *next, sql_error *err)
{
	const char *b = p->buf + p->pos;
	size_t n = p->len - p->pos;
	bool csv = p->format == SQL_COPY_CSV;
	bool has_esc = csv && p->escape != p->quote;

	if (n == 0)
		return LINE_MORE;
	if (!p->line_open) {
		p->line_open = true;
		p->lineno++;
		p->scanned = 0;
		p->in_quote = p->last_was_esc = p->saw_marker = false;
	}
	size_t i = p->scanned;
	while (i < n) {
		/* Checked byte by byte, so that the first error found is the
		 * same however the input was cut into chunks. */
		if (i > p->max_row)
			return too_long(p, err);
		char c = b[i];
		if (csv) {
			/* An escape counts only inside quotes and right before a
			 * quote, and not as the second of an escape-escape pair.
			 * Quote and escape are never newlines (options_valid), so
			 * re-scanning a '\r' that waits below changes no state. */
			if (p->in_quote && has_esc && c == p->escape)
				p->last_was_esc = !p->last_was_esc;
			if (c == p->quote && !p->last_was_esc)
				p->in_quote = !p->in_quote;
			if (!has_esc || c != p->escape)
				p->last_was_esc = false;
			if (p->in_quote) {
				if (c == (p->eol == EOL_CR || p->eol == EOL_CRNL ? '\r' : '\n'))
					p->lineno++;
				i++;
				continue;
			}
		}
		if (c == '\r') {
			if (p->eol == EOL_UNKNOWN || p->eol == EOL_CRNL) {
				if (i + 1 == n && !final)
					break;
				if (i + 1 < n && b[i + 1] == '\n') {
					p->eol = EOL_CRNL;
					return line_end(i, i + 2, line_len, next);
				}
				if (p->eol == EOL_CRNL)
					return eol_error(p, b, i, true, err);
				p->eol = EOL_CR;
			} else if (p->eol == EOL_NL) {
				return eol_error(p, b, i, true, err);
			}
			return line_end(i, i + 1, line_len, next);
		}
		if (c == '\n') {
			if (p->eol == EOL_CR || p->eol == EOL_CRNL)
				return eol_error(p, b, i, false, err);
			p->eol = EOL_NL;
			return line_end(i, i + 1, line_len, next);
		}
		if (c == '\\' && !csv) {
			/* The backslash takes the next byte with it, even a
			 * newline; a backslash just before the end is data. */
			if (i + 1 == n) {
				if (!final)
					break;
				i++;
				continue;
			}
			if (b[i + 1] == '.')
				p->saw_marker = true;
			i += 2;
			continue;
		}
		i++;
	}
	p->scanned = i;
	if (i > p->max_row)
		return too_long(p, err);
	if (!final)
		return LINE_MORE;
	*line_len = n;
	*next = n;
	return LINE_LAST;
}

static int ensure_attr(copy_parser *p, size_t need, sql_error *err)
{
	if (need <= p->attr_cap)
		return 0;
	char *a = realloc(p->attr, need);
	if (!a)
		return fail(p, err, "53200", false, "out of memory");
	p->attr = a;
	p->attr_cap = need;
	return 0;
}

/* Checks a field as PostgreSQL's pg_verifymbstr does for UTF8, which also
 * refuses NUL: the error shows the bytes of the bad character. */
static int check_utf8(copy_parser *p, const char *s, size_t n, sql_error *err)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = u[i];
		size_t len = 0;
		unsigned char lo = 0x80, hi = 0xBF;
		if (c >= 0x01 && c < 0x80)
			len = 1;
		else if (c >= 0xC2 && c <= 0xDF)
			len = 2;
		else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		}
		bool ok = len > 0 && n - i >= len;
		if (ok && len > 1)
			ok = u[i + 1] >= lo && u[i + 1] <= hi;
		for (size_t k = 2; ok && k < len; k++)
			ok = u[i + k] >= 0x80 && u[i + k] <= 0xBF;
		if (!ok) {
			/* pg_utf_mblen: the length the lead byte announces */
			size_t show = 1;
			if ((c & 0xE0) == 0xC0)
				show = 2;
			else if ((c & 0xF0) == 0xE0)
				show = 3;
			else if ((c & 0xF8) == 0xF0)
				show = 4;
			char hex[32] = "";
			for (size_t k = 0, off = 0; k < show && i + k < n; k++)
				off += (size_t)snprintf(hex + off, sizeof hex - off, "%s0x%02x", k ? " " : "",
							u[i + k]);
			return fail(p, err, "22021", true, "invalid byte sequence for encoding \"UTF8\": %s",
				    hex);
		}
		i += len;
	}
	return 0;
}

static int octal_digit(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
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

/* Ends field f: NULL when its raw text is the NULL string (compared before
 * de-escaping, as PostgreSQL does; CSV: only when unquoted), else
 * NUL-terminated and checked. *out moves past the stored field. */
static int end_field(copy_parser *p, size_t f, const char *raw, size_t raw_len, bool quoted, char *start,
		     char **out, sql_error *err)
{
	if (!quoted && raw_len == p->null_len && memcmp(raw, p->null_str, raw_len) == 0) {
		p->field[f] = NULL;
		p->flen[f] = 0;
		*out = start;
		return 0;
	}
	p->field[f] = start;
	p->flen[f] = (size_t)(*out - start);
	*(*out)++ = '\0';
	return check_utf8(p, start, p->flen[f], err);
}

/* Text format fields (CopyReadAttributesText): split at the delimiter,
 * backslash escapes \b \f \n \r \t \v, \digits (octal), \xhex, and any
 * other character taken literally. Returns the field count or -1. */
static long text_fields(copy_parser *p, const char *line, size_t n, sql_error *err)
{
	char *out = p->attr;
	size_t i = 0, f = 0;
	for (;;) {
		if (f == p->ncols)
			return fail(p, err, "22P04", true, "extra data after last expected column");
		size_t start = i, end;
		bool delim = false;
		char *fstart = out;
		for (;;) {
			end = i;
			if (i >= n)
				break;
			char c = line[i++];
			if (c == p->delim) {
				delim = true;
				break;
			}
			if (c == '\\') {
				if (i >= n)
					break;
				c = line[i++];
				int v;
				switch (c) {
				case 'b':
					c = '\b';
					break;
				case 'f':
					c = '\f';
					break;
				case 'n':
					c = '\n';
					break;
				case 'r':
					c = '\r';
					break;
				case 't':
					c = '\t';
					break;
				case 'v':
					c = '\v';
					break;
				case 'x':
					if (i < n && (v = hex_digit(line[i])) >= 0) {
						i++;
						if (i < n && hex_digit(line[i]) >= 0)
							v = v * 16 + hex_digit(line[i++]);
						c = (char)v;
					}
					break;
				default:
					if ((v = octal_digit(c)) >= 0) {
						for (int k = 0; k < 2 && i < n && octal_digit(line[i]) >= 0;
						     k++)
							v = v * 8 + octal_digit(line[i++]);
						c = (char)(v & 0xFF);
					}
					break;
				}
			}
			*out++ = c;
		}
		if (end_field(p, f, line + start, end - start, false, fstart, &out, err) < 0)
			return -1;
		f++;
		if (!delim)
			return (long)f;
	}
}

/* CSV fields (CopyReadAttributesCSV): quoted parts may hold delimiters and
 * newlines; inside quotes the escape character escapes a quote or itself. */
static long csv_fields(copy_parser *p, const char *line, size_t n, sql_error *err)
{
	char *out = p->attr;
	size_t i = 0, f = 0;
	for (;;) {
		if (f == p->ncols)
			return fail(p, err, "22P04", true, "extra data after last expected column");
		size_t start = i, end;
		bool delim = false, quoted = false, in_quote = false;
		char *fstart = out;
		for (;;) {
			end = i;
			if (i >= n) {
				if (in_quote)
					return fail(p, err, "22P04", true, "unterminated CSV quoted field");
				break;
			}
			char c = line[i++];
			if (in_quote) {
				if (c == p->escape && i < n &&
				    (line[i] == p->escape || line[i] == p->quote)) {
					*out++ = line[i++];
					continue;
				}
				if (c == p->quote) {
					in_quote = false;
					continue;
				}
			} else if (c == p->delim) {
				delim = true;
				break;
			} else if (c == p->quote) {
				quoted = in_quote = true;
				continue;
			}
			*out++ = c;
		}
		if (end_field(p, f, line + start, end - start, quoted, fstart, &out, err) < 0)
			return -1;
		f++;
		if (!delim)
			return (long)f;
	}
}

/* One line's row: fields, then PostgreSQL's field-count checks. */
static int line_row(copy_parser *p, const char *line, size_t n, copy_row_fn fn, void *arg, sql_error *err)
{
	if (p->ncols == 0) {
		/* a table without columns takes empty lines only */
		if (n != 0)
			return fail(p, err, "22P04", true, "extra data after last expected column");
		return emit(p, fn, arg, err);
	}
	/* De-escaping never lengthens a field, and each field but the last
	 * gives its delimiter's byte to the NUL. */
	if (ensure_attr(p, n + 1, err) < 0)
		return -1;
	long nf = p->format == SQL_COPY_CSV ? csv_fields(p, line, n, err) : text_fields(p, line, n, err);
	if (nf < 0)
		return -1;
	if ((size_t)nf < p->ncols)
		return fail(p, err, "22P04", true, "missing data for column %zu", (size_t)nf + 1);
	return emit(p, fn, arg, err);
}

/* Text and CSV: every complete line in the buffer (all of it when final). */
static int feed_lines(copy_parser *p, bool final, copy_row_fn fn, void *arg, sql_error *err)
{
	while (!p->done) {
		size_t n = 0, next = 0;
		int r = scan_line(p, final, &n, &next, err);
		if (r < 0)
			return -1;
		if (r == LINE_MORE)
			return 0;
		const char *line = p->buf + p->pos;
		p->line_open = false;
		if (n == 2 && line[0] == '\\' && line[1] == '.') {
			/* End of data; PostgreSQL drops what follows until CopyDone. */
			p->done = true;
			p->pos = p->len;
			return 0;
		}
		if (p->saw_marker)
			return fail(p, err, "22P04", true, "end-of-copy marker is not alone on its line");
		if (p->skip_header)
			p->skip_header = false;
		else if (line_row(p, line, n, fn, arg, err) < 0)
			return -1;
		p->pos += next;
	}
	return 0;
}

static uint32_t get32(const char *b)
{
	const unsigned char *u = (const unsigned char *)b;
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* One binary tuple at pos (CopyFromBinaryOneRow): int16 field count, then
 * per field an int32 length (-1 for NULL) and the bytes; a count of -1 is
 * the trailer. A tuple that is still arriving is taken up where it stopped
 * (tup_off, tup_field), so a wide tuple fed a byte at a time costs no
 * re-parsing. Returns 1 after a row, 0 when more input is needed (or after
 * the trailer), -1. */
static int bin_tuple(copy_parser *p, bool final, copy_row_fn fn, void *arg, sql_error *err)
{
	const char *b = p->buf + p->pos;
	size_t n = p->len - p->pos;

	if (p->tup_off == 0) {
		if (n < 2)
			goto more;
		int16_t count = (int16_t)(((unsigned char)b[0] << 8) | (unsigned char)b[1]);
		if (count == -1) {
			/* PostgreSQL waits for CopyDone here and refuses anything else. */
			p->done = true;
			p->pos += 2;
			if (p->pos < p->len)
				return fail(p, err, "22P04", true, "received copy data after EOF marker");
			return 0;
		}
		if (count < 0 || (size_t)count != p->ncols)
			return fail(p, err, "22P04", true, "row field count is %d, expected %zu", count,
				    p->ncols);
		p->tup_off = 2;
		p->tup_field = 0;
	}
	for (; p->tup_field < p->ncols; p->tup_field++) {
		size_t f = p->tup_field, off = p->tup_off;
		if (n - off < 4)
			goto more;
		int32_t flen = (int32_t)get32(b + off);
		if (flen < -1)
			return fail(p, err, "22P04", true, "invalid field size");
		size_t size = flen < 0 ? 0 : (size_t)flen;
		if (off + 4 + size > p->max_row)
			return too_long(p, err);
		if (n - off - 4 < size)
			goto more;
		p->foff[f] = flen < 0 ? SIZE_MAX : off + 4;
		p->flen[f] = size;
		p->tup_off = off + 4 + size;
	}
	for (size_t f = 0; f < p->ncols; f++)
		p->field[f] = p->foff[f] == SIZE_MAX ? NULL : b + p->foff[f];
	if (emit(p, fn, arg, err) < 0)
		return -1;
	p->pos += p->tup_off;
	p->tup_off = 0;
	p->lineno++;
	return 1;
more:
	if (final) {
		/* A stream may stop between tuples: PostgreSQL takes the end
		 * of data for a missing trailer. */
		if (n == 0)
			return 0;
		return fail(p, err, "22P04", true, "unexpected EOF in COPY data");
	}
	if (n > p->max_row)
		return too_long(p, err);
	return 0;
}

/* Binary format (docs "COPY", Binary Format; ReceiveCopyBinaryHeader): the
 * 11-byte signature, int32 flags (bit 16: OIDs, refused; other high bits
 * are critical flags we do not know), int32 extension length and the
 * extension, skipped, then tuples. */
static int feed_binary(copy_parser *p, bool final, copy_row_fn fn, void *arg, sql_error *err)
{
	while (!p->done) {
		const char *b = p->buf + p->pos;
		size_t n = p->len - p->pos;
		switch (p->bin) {
		case BIN_SIGNATURE:
			if (memcmp(b, copy_signature, n < 11 ? n : 11) != 0 || (n < 11 && final))
				return fail(p, err, "22P04", false, "COPY file signature not recognized");
			if (n < 11)
				return 0;
			p->pos += 11;
			p->bin = BIN_FLAGS;
			break;
		case BIN_FLAGS: {
			if (n < 4) {
				if (final)
					return fail(p, err, "22P04", false,
						    "invalid COPY file header (missing flags)");
				return 0;
			}
			uint32_t flags = get32(b);
			if (flags & (1u << 16))
				return fail(p, err, "22P04", false, "invalid COPY file header (WITH OIDS)");
			if (flags >> 16)
				return fail(p, err, "22P04", false,
					    "unrecognized critical flags in COPY file header");
			p->pos += 4;
			p->bin = BIN_EXT_LENGTH;
			break;
		}
		case BIN_EXT_LENGTH:
			if (n < 4 || get32(b) > INT32_MAX) {
				if (n < 4 && !final)
					return 0;
				return fail(p, err, "22P04", false,
					    "invalid COPY file header (missing length)");
			}
			p->ext_left = get32(b);
			p->pos += 4;
			p->bin = BIN_EXT;
			break;
		case BIN_EXT: {
			size_t k = n < p->ext_left ? n : p->ext_left;
			p->pos += k;
			p->ext_left -= (uint32_t)k;
			if (p->ext_left > 0) {
				if (final)
					return fail(p, err, "22P04", false,
						    "invalid COPY file header (wrong length)");
				return 0;
			}
			p->bin = BIN_TUPLES;
			break;
		}
		case BIN_TUPLES: {
			int r = bin_tuple(p, final, fn, arg, err);
			if (r <= 0)
				return r;
			break;
		}
		}
	}
	return 0;
}

static int replay(const copy_parser *p, sql_error *err)
{
	*err = p->error;
	return -1;
}

int copy_feed(copy_parser *p, const void *data, size_t len, copy_row_fn fn, void *arg, sql_error *err)
{
	if (p->failed)
		return replay(p, err);
	if (p->done) {
		if (p->format == SQL_COPY_BINARY && len > 0)
			return fail(p, err, "22P04", true, "received copy data after EOF marker");
		return 0;
	}
	if (append(p, data, len, err) < 0)
		return -1;
	if (p->format == SQL_COPY_BINARY)
		return feed_binary(p, false, fn, arg, err);
	return feed_lines(p, false, fn, arg, err);
}

int copy_finish(copy_parser *p, copy_row_fn fn, void *arg, sql_error *err)
{
	if (p->failed)
		return replay(p, err);
	int r = 0;
	if (!p->done)
		r = p->format == SQL_COPY_BINARY ? feed_binary(p, true, fn, arg, err)
						 : feed_lines(p, true, fn, arg, err);
	p->done = true;
	return r;
}
