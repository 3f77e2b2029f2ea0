#include "pgwire.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- reading --- */

void pgw_reader_init(pgw_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
}

size_t pgw_remaining(const pgw_reader *r)
{
	return r->len - r->off;
}

/* The next n bytes, or NULL (and nothing consumed) when fewer remain. */
static const uint8_t *take(pgw_reader *r, size_t n)
{
	if (n > r->len - r->off)
		return NULL;
	const uint8_t *at = r->p + r->off;
	r->off += n;
	return at;
}

bool pgw_get_u8(pgw_reader *r, uint8_t *out)
{
	const uint8_t *q = take(r, 1);
	if (!q)
		return false;
	*out = q[0];
	return true;
}

bool pgw_get_i16(pgw_reader *r, int16_t *out)
{
	const uint8_t *q = take(r, 2);
	if (!q)
		return false;
	*out = (int16_t)(uint16_t)((unsigned)q[0] << 8 | q[1]);
	return true;
}

bool pgw_get_u32(pgw_reader *r, uint32_t *out)
{
	const uint8_t *q = take(r, 4);
	if (!q)
		return false;
	*out = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	return true;
}

bool pgw_get_i32(pgw_reader *r, int32_t *out)
{
	uint32_t u;
	if (!pgw_get_u32(r, &u))
		return false;
	*out = (int32_t)u;
	return true;
}

bool pgw_get_cstr(pgw_reader *r, const char **out, size_t *len)
{
	size_t left = r->len - r->off;
	if (left == 0)
		return false;
	const uint8_t *start = r->p + r->off;
	const uint8_t *nul = memchr(start, 0, left);
	if (!nul)
		return false;
	*out = (const char *)start;
	*len = (size_t)(nul - start);
	r->off += *len + 1;
	return true;
}

bool pgw_get_bytes(pgw_reader *r, size_t n, const uint8_t **out)
{
	if (n > r->len - r->off)
		return false;
	/* r->p may be NULL for an empty reader: no arithmetic on it then. */
	*out = n == 0 && !r->p ? r->p : take(r, n);
	return true;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* Startup packets (protocol docs, "Message Formats": StartupMessage,
 * CancelRequest, SSLRequest, GSSENCRequest). The checks are those of
 * PostgreSQL's ProcessStartupPacket. */
bool pgw_parse_startup(const void *body, size_t len, pgw_startup *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!body || len < 4) {
		set_err(err, errlen, "packet shorter than its protocol code");
		return false;
	}
	if (len > PGWIRE_MAX_STARTUP) {
		set_err(err, errlen, "packet too long");
		return false;
	}
	pgw_reader r;
	pgw_reader_init(&r, body, len);
	pgw_get_u32(&r, &out->code);
	if (out->code == PGWIRE_CANCEL_REQUEST) {
		if (len != 12) {
			set_err(err, errlen, "cancel request of the wrong length");
			return false;
		}
		pgw_get_i32(&r, &out->cancel_pid);
		pgw_get_i32(&r, &out->cancel_key);
		return true;
	}
	if (out->code == PGWIRE_SSL_REQUEST || out->code == PGWIRE_GSSENC_REQUEST) {
		if (len != 4) {
			set_err(err, errlen, "encryption request with extra bytes");
			return false;
		}
		return true;
	}
	/* Other major versions lay the packet out differently: the caller
	 * refuses them by their code, so there is nothing to parse. */
	if (out->code >> 16 != 3)
		return true;
	for (;;) {
		const char *name, *value;
		size_t nl, vl;
		if (!pgw_get_cstr(&r, &name, &nl)) {
			set_err(err, errlen, "parameter list without its terminator");
			return false;
		}
		if (nl == 0)
			break;
		if (!pgw_get_cstr(&r, &value, &vl)) {
			set_err(err, errlen, "parameter without a value");
			return false;
		}
		if (out->nparams == sizeof out->names / sizeof out->names[0]) {
			set_err(err, errlen, "too many parameters");
			return false;
		}
		out->names[out->nparams] = name;
		out->values[out->nparams] = value;
		out->nparams++;
	}
	if (pgw_remaining(&r) != 0) {
		set_err(err, errlen, "bytes after the parameter list's terminator");
		return false;
	}
	return true;
}

const char *pgw_startup_param(const pgw_startup *s, const char *name)
{
	for (size_t i = 0; i < s->nparams; i++)
		if (strcmp(s->names[i], name) == 0)
			return s->values[i];
	return NULL;
}

/* --- writing --- */

void pgw_buf_free(pgw_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = b->msg_start = 0;
	b->open = b->failed = false;
}

void pgw_buf_reset(pgw_buf *b)
{
	b->len = b->msg_start = 0;
	b->open = b->failed = false;
}

/* Room for n more bytes; false (and failed set) when it cannot be had. */
static bool reserve(pgw_buf *b, size_t n)
{
	if (b->failed)
		return false;
	if (n > SIZE_MAX - b->len || (b->limit && b->len + n > b->limit)) {
		b->failed = true;
		return false;
	}
	size_t need = b->len + n;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->limit && cap > b->limit)
		cap = b->limit;
	uint8_t *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void pgw_put_bytes(pgw_buf *b, const void *p, size_t n)
{
	if (!reserve(b, n) || n == 0)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void pgw_put_u8(pgw_buf *b, uint8_t v)
{
	pgw_put_bytes(b, &v, 1);
}

void pgw_put_i16(pgw_buf *b, int16_t v)
{
	uint16_t u = (uint16_t)v;
	uint8_t q[2] = {(uint8_t)(u >> 8), (uint8_t)u};
	pgw_put_bytes(b, q, 2);
}

static void be32_store(uint8_t *q, uint32_t u)
{
	q[0] = (uint8_t)(u >> 24);
	q[1] = (uint8_t)(u >> 16);
	q[2] = (uint8_t)(u >> 8);
	q[3] = (uint8_t)u;
}

void pgw_put_i32(pgw_buf *b, int32_t v)
{
	uint8_t q[4];
	be32_store(q, (uint32_t)v);
	pgw_put_bytes(b, q, 4);
}

void pgw_put_cstr(pgw_buf *b, const char *s)
{
	pgw_put_bytes(b, s, strlen(s) + 1);
}

void pgw_begin(pgw_buf *b, char type)
{
	if (b->failed)
		return;
	if (b->open) { /* our own bug: the previous message was never ended */
		b->failed = true;
		return;
	}
	b->msg_start = b->len;
	pgw_put_u8(b, (uint8_t)type);
	pgw_put_i32(b, 0);
	b->open = !b->failed;
}

/* Fills in the int32 length at `at`: the bytes from there to the end. */
static void patch_length(pgw_buf *b, size_t at)
{
	size_t n = b->len - at;
	if (n > INT32_MAX) {
		b->failed = true;
		return;
	}
	be32_store(b->data + at, (uint32_t)n);
}

void pgw_end(pgw_buf *b)
{
	if (b->failed)
		return;
	if (!b->open) {
		b->failed = true;
		return;
	}
	b->open = false;
	patch_length(b, b->msg_start + 1); /* the length counts itself, not the type byte */
}

/* AuthenticationOk, AuthenticationCleartextPassword and the SASL ones: 'R'
 * with the int32 request code first. */
static void auth_message(pgw_buf *b, int32_t code, const void *data, size_t n)
{
	pgw_begin(b, 'R');
	pgw_put_i32(b, code);
	pgw_put_bytes(b, data, n);
	pgw_end(b);
}

void pgw_auth_ok(pgw_buf *b)
{
	auth_message(b, 0, NULL, 0);
}

void pgw_auth_cleartext(pgw_buf *b)
{
	auth_message(b, 3, NULL, 0);
}

/* AuthenticationSASL: the mechanism names, each NUL-terminated, then an
 * empty name ends the list. */
void pgw_auth_sasl(pgw_buf *b, const char *mechanism)
{
	pgw_begin(b, 'R');
	pgw_put_i32(b, 10);
	pgw_put_cstr(b, mechanism);
	pgw_put_u8(b, 0);
	pgw_end(b);
}

void pgw_auth_sasl_continue(pgw_buf *b, const void *data, size_t n)
{
	auth_message(b, 11, data, n);
}

void pgw_auth_sasl_final(pgw_buf *b, const void *data, size_t n)
{
	auth_message(b, 12, data, n);
}

void pgw_parameter_status(pgw_buf *b, const char *name, const char *value)
{
	pgw_begin(b, 'S');
	pgw_put_cstr(b, name);
	pgw_put_cstr(b, value);
	pgw_end(b);
}

void pgw_backend_key(pgw_buf *b, int32_t pid, int32_t key)
{
	pgw_begin(b, 'K');
	pgw_put_i32(b, pid);
	pgw_put_i32(b, key);
	pgw_end(b);
}

void pgw_ready(pgw_buf *b, char status)
{
	pgw_begin(b, 'Z');
	pgw_put_u8(b, (uint8_t)status);
	pgw_end(b);
}

void pgw_command_complete(pgw_buf *b, const char *tag)
{
	pgw_begin(b, 'C');
	pgw_put_cstr(b, tag);
	pgw_end(b);
}

/* The messages that are only a type byte and the length 4. */
static void empty_message(pgw_buf *b, char type)
{
	pgw_begin(b, type);
	pgw_end(b);
}

void pgw_empty_query(pgw_buf *b)
{
	empty_message(b, 'I');
}

void pgw_parse_complete(pgw_buf *b)
{
	empty_message(b, '1');
}

void pgw_bind_complete(pgw_buf *b)
{
	empty_message(b, '2');
}

void pgw_close_complete(pgw_buf *b)
{
	empty_message(b, '3');
}

void pgw_no_data(pgw_buf *b)
{
	empty_message(b, 'n');
}

void pgw_portal_suspended(pgw_buf *b)
{
	empty_message(b, 's');
}

/* ParameterDescription: the count travels as an unsigned int16, as
 * PostgreSQL sends it. */
void pgw_parameter_description(pgw_buf *b, const uint32_t *oids, size_t n)
{
	if (n > PGWIRE_MAX_PARAMS) {
		b->failed = true;
		return;
	}
	pgw_begin(b, 't');
	pgw_put_i16(b, (int16_t)(uint16_t)n);
	for (size_t i = 0; i < n; i++)
		pgw_put_i32(b, (int32_t)oids[i]);
	pgw_end(b);
}

void pgw_row_description(pgw_buf *b, const pgw_field *f, size_t n)
{
	/* DataRow carries the count as int16: keep both messages in step. */
	if (n > INT16_MAX) {
		b->failed = true;
		return;
	}
	pgw_begin(b, 'T');
	pgw_put_i16(b, (int16_t)n);
	for (size_t i = 0; i < n; i++) {
		pgw_put_cstr(b, f[i].name);
		pgw_put_i32(b, (int32_t)f[i].table_oid);
		pgw_put_i16(b, f[i].column);
		pgw_put_i32(b, (int32_t)f[i].type_oid);
		pgw_put_i16(b, f[i].type_len);
		pgw_put_i32(b, f[i].typmod);
		pgw_put_i16(b, f[i].format);
	}
	pgw_end(b);
}

void pgw_data_row_begin(pgw_buf *b, int16_t ncols)
{
	pgw_begin(b, 'D');
	pgw_put_i16(b, ncols);
}

void pgw_data_row_cell(pgw_buf *b, const void *p, int32_t len)
{
	if (len < -1 || (len > 0 && !p)) {
		b->failed = true;
		return;
	}
	pgw_put_i32(b, len);
	if (len > 0)
		pgw_put_bytes(b, p, (size_t)len);
}

void pgw_data_row_end(pgw_buf *b)
{
	pgw_end(b);
}

static void error_field(pgw_buf *b, char code, const char *value)
{
	if (!value)
		return;
	pgw_put_u8(b, (uint8_t)code);
	pgw_put_cstr(b, value);
}

/* ErrorResponse / NoticeResponse (protocol docs, "Error and Notice Message
 * Fields"): typed fields, then a zero byte. */
void pgw_error(pgw_buf *b, char type, const char *severity, const char *sqlstate, const char *message,
	       const char *detail, const char *hint, int position)
{
	pgw_error_named(b, type, severity, sqlstate, message, detail, hint, position, NULL);
}

void pgw_error_named(pgw_buf *b, char type, const char *severity, const char *sqlstate, const char *message,
		     const char *detail, const char *hint, int position, const pgw_error_names *names)
{
	pgw_begin(b, type);
	error_field(b, 'S', severity);
	error_field(b, 'V', severity);
	error_field(b, 'C', sqlstate);
	error_field(b, 'M', message);
	error_field(b, 'D', detail);
	error_field(b, 'H', hint);
	if (position > 0) {
		char pos[16];
		snprintf(pos, sizeof pos, "%d", position);
		error_field(b, 'P', pos);
	}
	if (names) {
		const char *const f[] = {names->schema, names->table, names->column, names->constraint};
		const char code[] = {'s', 't', 'c', 'n'};
		for (int i = 0; i < 4; i++)
			if (f[i] && f[i][0])
				error_field(b, code[i], f[i]);
	}
	pgw_put_u8(b, 0);
	pgw_end(b);
}

void pgw_copy_in_response(pgw_buf *b, int8_t format, int16_t ncols)
{
	if (ncols < 0) {
		b->failed = true;
		return;
	}
	pgw_begin(b, 'G');
	pgw_put_u8(b, (uint8_t)format);
	pgw_put_i16(b, ncols);
	for (int i = 0; i < ncols; i++)
		pgw_put_i16(b, format);
	pgw_end(b);
}

/* StartupMessage: no type byte, so its length word opens the packet. */
void pgw_startup_message(pgw_buf *b, const char *const *names, const char *const *values, size_t n)
{
	if (b->failed)
		return;
	size_t start = b->len;
	pgw_put_i32(b, 0);
	pgw_put_i32(b, (int32_t)PGWIRE_PROTOCOL_3_0);
	for (size_t i = 0; i < n; i++) {
		pgw_put_cstr(b, names[i]);
		pgw_put_cstr(b, values[i]);
	}
	pgw_put_u8(b, 0);
	if (!b->failed)
		patch_length(b, start);
}
