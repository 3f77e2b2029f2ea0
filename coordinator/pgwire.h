/* PostgreSQL frontend/backend protocol 3.0 (PostgreSQL docs, "Frontend/
 * Backend Protocol", "Message Formats") as bytes: a bounds-checked reader
 * over one received message whose getters return false instead of reading
 * past the end, and a message builder with a sticky failure flag checked
 * once before sending. No sockets here. */
#ifndef OMEN_PGWIRE_H
#define OMEN_PGWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PGWIRE_PROTOCOL_3_0 196608u	/* 3 << 16 */
#define PGWIRE_SSL_REQUEST 80877103u	/* 1234 << 16 | 5679 */
#define PGWIRE_GSSENC_REQUEST 80877104u /* 1234 << 16 | 5680 */
#define PGWIRE_CANCEL_REQUEST 80877102u /* 1234 << 16 | 5678 */
#define PGWIRE_MAX_STARTUP 10000u	/* PostgreSQL's MAX_STARTUP_PACKET_LENGTH */
#define PGWIRE_MAX_MESSAGE (1u << 30)	/* PostgreSQL's PQ_LARGE_MESSAGE_LIMIT - 1 */
#define PGWIRE_MAX_PARAMS 65535u

/* --- reading --- */
typedef struct pgw_reader {
	const uint8_t *p;
	size_t len, off;
} pgw_reader;

void pgw_reader_init(pgw_reader *r, const void *p, size_t len);
size_t pgw_remaining(const pgw_reader *r);
bool pgw_get_u8(pgw_reader *r, uint8_t *out);
bool pgw_get_i16(pgw_reader *r, int16_t *out); /* network order */
bool pgw_get_i32(pgw_reader *r, int32_t *out);
bool pgw_get_u32(pgw_reader *r, uint32_t *out);
/* A NUL-terminated string inside the message: *out points into the buffer
 * (valid while it is), *len excludes the NUL. False when no NUL remains. */
bool pgw_get_cstr(pgw_reader *r, const char **out, size_t *len);
/* n raw bytes, pointing into the buffer. */
bool pgw_get_bytes(pgw_reader *r, size_t n, const uint8_t **out);

/* The startup packet's body (after its length word), at most
 * PGWIRE_MAX_STARTUP bytes. */
typedef struct pgw_startup {
	uint32_t code; /* protocol version or one of the request codes */
	/* PGWIRE_CANCEL_REQUEST: */
	int32_t cancel_pid, cancel_key;
	/* protocol 3.0: name/value pairs (pointers into the packet) */
	const char *names[64], *values[64];
	size_t nparams;
} pgw_startup;

/* Parses a startup packet body. false (with a message in err, errlen bytes
 * NUL-terminated) for a malformed packet: missing terminators, more than 64
 * parameters, a parameter without a value, a cancel request of the wrong
 * length. The protocol version is not judged here: parameters are parsed
 * for major version 3 only, other codes come back with none. */
bool pgw_parse_startup(const void *body, size_t len, pgw_startup *out, char *err, size_t errlen);
/* The value of a startup parameter ("user", "database", "options"...), or NULL. */
const char *pgw_startup_param(const pgw_startup *s, const char *name);

/* --- writing --- */
typedef struct pgw_buf {
	uint8_t *data;
	size_t len, cap;
	size_t msg_start; /* offset of the open message's type byte */
	bool open;	  /* a message is being built */
	bool failed;	  /* an allocation failed or limit exceeded; sticky */
	size_t limit;	  /* 0 = none: otherwise growing past it fails */
} pgw_buf;

/* A zeroed pgw_buf is ready to use. */
void pgw_buf_free(pgw_buf *b);
/* Forgets the contents (keeps the memory, clears failed). */
void pgw_buf_reset(pgw_buf *b);
/* Starts a message of the given type byte; its length is filled in by
 * pgw_end. */
void pgw_begin(pgw_buf *b, char type);
void pgw_end(pgw_buf *b);
void pgw_put_u8(pgw_buf *b, uint8_t v);
void pgw_put_i16(pgw_buf *b, int16_t v);
void pgw_put_i32(pgw_buf *b, int32_t v);
void pgw_put_bytes(pgw_buf *b, const void *p, size_t n);
void pgw_put_cstr(pgw_buf *b, const char *s); /* with its NUL */

/* Whole backend messages: */
void pgw_auth_ok(pgw_buf *b);					     /* R 0 */
void pgw_auth_sasl(pgw_buf *b, const char *mechanism);		     /* R 10 */
void pgw_auth_sasl_continue(pgw_buf *b, const void *data, size_t n); /* R 11 */
void pgw_auth_sasl_final(pgw_buf *b, const void *data, size_t n);    /* R 12 */
void pgw_auth_cleartext(pgw_buf *b);				     /* R 3 */
void pgw_parameter_status(pgw_buf *b, const char *name, const char *value);
void pgw_backend_key(pgw_buf *b, int32_t pid, int32_t key);
void pgw_ready(pgw_buf *b, char status); /* 'I', 'T' or 'E' */
void pgw_command_complete(pgw_buf *b, const char *tag);
void pgw_empty_query(pgw_buf *b);
void pgw_parse_complete(pgw_buf *b);
void pgw_bind_complete(pgw_buf *b);
void pgw_close_complete(pgw_buf *b);
void pgw_no_data(pgw_buf *b);
void pgw_portal_suspended(pgw_buf *b);
void pgw_parameter_description(pgw_buf *b, const uint32_t *oids, size_t n);
/* RowDescription: one field per column. */
typedef struct pgw_field {
	const char *name;
	uint32_t table_oid;
	int16_t column;
	uint32_t type_oid;
	int16_t type_len;
	int32_t typmod;
	int16_t format; /* 0 text, 1 binary */
} pgw_field;
void pgw_row_description(pgw_buf *b, const pgw_field *f, size_t n);
/* DataRow: begin with the column count, then one cell each (NULL: len -1). */
void pgw_data_row_begin(pgw_buf *b, int16_t ncols);
void pgw_data_row_cell(pgw_buf *b, const void *p, int32_t len);
void pgw_data_row_end(pgw_buf *b);
/* ErrorResponse ('E') or NoticeResponse ('N'): severity ("ERROR", "FATAL",
 * "WARNING", "NOTICE"), SQLSTATE, message; detail, hint may be NULL;
 * position 0 = none. */
void pgw_error(pgw_buf *b, char type, const char *severity, const char *sqlstate, const char *message,
	       const char *detail, const char *hint, int position);
/* pgw_error with the fields that name a database object ('s' schema, 't'
 * table, 'c' column, 'n' constraint); NULL or empty ones are left out. */
typedef struct pgw_error_names {
	const char *schema, *table, *column, *constraint;
} pgw_error_names;
void pgw_error_named(pgw_buf *b, char type, const char *severity, const char *sqlstate, const char *message,
		     const char *detail, const char *hint, int position, const pgw_error_names *names);
void pgw_copy_in_response(pgw_buf *b, int8_t format, int16_t ncols); /* 'G', all columns in format */

/* --- frontend messages (the client side, for tests and the launcher) --- */
void pgw_startup_message(pgw_buf *b, const char *const *names, const char *const *values, size_t n);

#endif
