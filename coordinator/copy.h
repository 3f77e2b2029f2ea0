/* COPY FROM STDIN's data formats as PostgreSQL reads them (docs "COPY", File
 * Formats): text (delimiter, \N nulls, backslash escapes), CSV (quote,
 * escape, header) and binary (signature, flags, header extension, tuples of
 * length-prefixed fields, -1 trailer). The stream arrives in CopyData
 * chunks of any size; complete rows come out one at a time as fields. */
#ifndef OMEN_COPY_H
#define OMEN_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql.h"

typedef struct copy_parser copy_parser;

/* One row's fields: ncols of them; field[i] NULL for SQL NULL. For text and
 * CSV each field is de-escaped text (len bytes, NUL-terminated); for binary
 * the raw field bytes (not NUL-terminated). Valid only during the callback.
 * Return 0 to go on, -1 to stop (the callback has set err). */
typedef int (*copy_row_fn)(void *arg, const char *const *field, const size_t *len, size_t ncols,
			   sql_error *err);

/* The longest row accepted (PostgreSQL's 1 GiB allocation limit): the raw
 * bytes of a text or CSV line, or a whole binary tuple. */
#define COPY_MAX_ROW ((size_t)1 << 30)

/* opts: format, delimiter, null string, header, quote, escape (sql.h
 * sql_copy), read only during the call (the parser copies what it keeps);
 * a delimiter, quote or escape of '\0' and a NULL null_string take the
 * format's default. ncols: the columns each row must have. Returns 0 with
 * *out (freed by copy_parser_close), OMEN_ENOMEM, or OMEN_EINVAL for options
 * PostgreSQL refuses (a delimiter that is a newline, a non-ASCII byte, in
 * text format a backslash, period, lower-case letter or digit, in CSV the
 * quote; a NULL string holding a newline or the delimiter, or in CSV the
 * quote; HEADER with binary; an unknown format). */
int copy_parser_open(const sql_copy *opts, size_t ncols, copy_parser **out);
void copy_parser_close(copy_parser *p);

/* Lowers the row cap below COPY_MAX_ROW (tests, or a tighter memory budget). */
void copy_parser_set_max_row(copy_parser *p, size_t max_row);

/* Feeds the next chunk (len may be 0; data is not kept after the call);
 * calls fn for each complete row. Errors (return -1, err set):
 * 22P04 bad_copy_file_format (wrong field count: "extra data after last
 * expected column" / "missing data for column N", N 1-based; a newline
 * style that changes; "\." not alone on its line; bad binary signature,
 * flags or lengths; data after the binary trailer; unterminated CSV quote
 * at the end), 22021 for a text or CSV field that is not UTF-8 (or holds a
 * NUL byte), 54000 for a row longer than the cap, 53200 out of memory, or
 * the callback's error. The line number of the failing row is in the
 * message ("COPY line 7: ...", counted as PostgreSQL does: the header is
 * line 1, a CSV quoted newline adds one); binary header errors have none.
 * After an error every later call returns it again. Data after the "\."
 * end marker is ignored until copy_finish, as PostgreSQL does. */
int copy_feed(copy_parser *p, const void *data, size_t len, copy_row_fn fn, void *arg, sql_error *err);
/* End of data (CopyDone): the last row without a newline, "\." end marker
 * handling (also accepted as the very last line without a newline, where
 * PostgreSQL would complain), binary truncation checks. A binary stream
 * may end at a tuple boundary without the trailer, as PostgreSQL allows. */
int copy_finish(copy_parser *p, copy_row_fn fn, void *arg, sql_error *err);

#endif
