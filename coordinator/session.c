#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "copy.h"
#include "log.h"
#include "pgwire.h"
#include "sql.h"

#define SESSION_MAX_SETTINGS 128
#define SESSION_MAX_PREPARED 10000
#define SESSION_COPY_BATCH 2000 /* rows per write during COPY */

typedef struct setting {
	char *name, *value;
} setting;

typedef struct prepared {
	char *name;
	arena a;
	char *query;
	sql_stmt *stmt; /* NULL: empty query */
	pg_oid *param_types;
	size_t nparams;
	struct prepared *next;
} prepared;

typedef struct portal {
	char *name;
	prepared *ps;
	arena a;
	value *params;
	int16_t *formats; /* result formats */
	size_t nformats;
	bool ran;
	exec_result res;
	size_t pos;
	struct portal *next;
} portal;

typedef struct session {
	int fd;
	const session_config *cfg;
	int32_t pid, key;
	_Atomic bool *cancel;
	uint8_t *in;
	size_t in_len, in_off, in_cap;
	pgw_buf out;
	arena a; /* the current message's statement arena */
	exec_settings settings;
	setting settings_kv[SESSION_MAX_SETTINGS];
	size_t nsettings;
	prepared *prepared;
	size_t nprepared;
	portal *portals;
	char txn;	   /* 'I', 'T', 'E' */
	bool wrote_in_txn; /* a write ran since BEGIN */
	bool skip_to_sync; /* extended protocol: an error discards until Sync */
	bool closing;
	prepared *running; /* the statement an Execute runs (DEALLOCATE leaves it) */
	size_t nportals;
	char user[64];
	char database[64];
	char ts_buf[32];
	char pid_buf[16];
} session;

/* --- I/O --- */

static bool send_all(session *s, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(s->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static bool flush(session *s)
{
	if (s->out.failed) {
		log_warn("connection %d: reply too large or out of memory", s->pid);
		pgw_buf_reset(&s->out);
		pgw_error(&s->out, 'E', "ERROR", "54000", "the reply does not fit in memory", NULL, NULL, 0);
		if (s->out.failed)
			return false;
	}
	bool ok = send_all(s, s->out.data, s->out.len);
	pgw_buf_reset(&s->out);
	if (!ok)
		s->closing = true;
	return ok;
}

/* Reads until at least n bytes are buffered; false on EOF or error. */
static bool fill(session *s, size_t n)
{
	if (s->in_off > 0 && s->in_len - s->in_off < n) {
		memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
		s->in_len -= s->in_off;
		s->in_off = 0;
	}
	if (n > s->in_cap) {
		size_t cap = s->in_cap ? s->in_cap : 8192;
		while (cap < n)
			cap *= 2;
		uint8_t *p = realloc(s->in, cap);
		if (!p)
			return false;
		s->in = p;
		s->in_cap = cap;
	}
	while (s->in_len - s->in_off < n) {
		ssize_t r = recv(s->fd, s->in + s->in_len, s->in_cap - s->in_len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		s->in_len += (size_t)r;
	}
	return true;
}

static int32_t be32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static void send_error_named(session *s, const char *severity, const char *state, const char *msg,
			     int position, const pgw_error_names *names);

static void send_error(session *s, const char *severity, const char *state, const char *msg, int position)
{
	send_error_named(s, severity, state, msg, position, NULL);
}

static void send_error_named(session *s, const char *severity, const char *state, const char *msg,
			     int position, const pgw_error_names *names)
{
	/* A message with a second line "DETAIL:  ..." carries its detail. */
	const char *nl = strchr(msg, '\n');
	if (nl) {
		char head[512];
		size_t n = (size_t)(nl - msg) < sizeof head - 1 ? (size_t)(nl - msg) : sizeof head - 1;
		memcpy(head, msg, n);
		head[n] = 0;
		const char *detail = nl + 1, *hint = NULL;
		if (strncmp(detail, "DETAIL:  ", 9) == 0) {
			detail += 9;
		} else if (strncmp(detail, "HINT:  ", 7) == 0) {
			hint = detail + 7;
			detail = NULL;
		}
		pgw_error_named(&s->out, 'E', severity, state, head, detail, hint, position, names);
	} else {
		pgw_error_named(&s->out, 'E', severity, state, msg, NULL, NULL, position, names);
	}
}

/* A protocol violation: FATAL, then the connection closes. */
static void fatal(session *s, const char *state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fatal(session *s, const char *state, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_info("connection %d: %s", s->pid, msg);
	pgw_error(&s->out, 'E', "FATAL", state, msg, NULL, NULL, 0);
	flush(s);
	s->closing = true;
}

/* One message: type and body (pointing into the input buffer, valid until
 * the next read). false when the connection ended or broke the protocol. */
static bool read_message(session *s, uint8_t *type, const uint8_t **body, size_t *len)
{
	if (!fill(s, 5))
		return false;
	*type = s->in[s->in_off];
	int32_t l = be32(s->in + s->in_off + 1);
	if (l < 4 || (size_t)l - 4 > s->cfg->max_message) {
		fatal(s, "08P01", "invalid message length %d", l);
		return false;
	}
	if (!fill(s, 1 + (size_t)l)) {
		if (s->in_len - s->in_off < 1 + (size_t)l)
			return false;
	}
	*body = s->in + s->in_off + 5;
	*len = (size_t)l - 4;
	s->in_off += 1 + (size_t)l;
	return true;
}

/* --- settings --- */

static const char *get_setting(session *s, const char *name)
{
	for (size_t i = 0; i < s->nsettings; i++)
		if (strcasecmp(s->settings_kv[i].name, name) == 0)
			return s->settings_kv[i].value;
	return NULL;
}

static bool put_setting(session *s, const char *name, const char *val)
{
	for (size_t i = 0; i < s->nsettings; i++)
		if (strcasecmp(s->settings_kv[i].name, name) == 0) {
			char *v = strdup(val);
			if (!v)
				return false;
			free(s->settings_kv[i].value);
			s->settings_kv[i].value = v;
			return true;
		}
	if (s->nsettings == SESSION_MAX_SETTINGS)
		return false;
	char *n = strdup(name), *v = strdup(val);
	if (!n || !v) {
		free(n);
		free(v);
		return false;
	}
	for (char *p = n; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	s->settings_kv[s->nsettings].name = n;
	s->settings_kv[s->nsettings++].value = v;
	return true;
}

/* The settings PostgreSQL reports with ParameterStatus. */
static bool is_reported(const char *name)
{
	static const char *const r[] = {"application_name",
					"client_encoding",
					"datestyle",
					"intervalstyle",
					"timezone",
					"standard_conforming_strings",
					"integer_datetimes",
					"server_version",
					"server_encoding",
					"is_superuser",
					"session_authorization"};
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
		if (strcasecmp(r[i], name) == 0)
			return true;
	return false;
}

static const char *reported_name(const char *name)
{
	if (strcasecmp(name, "datestyle") == 0)
		return "DateStyle";
	if (strcasecmp(name, "timezone") == 0)
		return "TimeZone";
	if (strcasecmp(name, "intervalstyle") == 0)
		return "IntervalStyle";
	return name;
}

typedef struct default_setting {
	const char *name, *value;
} default_setting;

static const default_setting defaults[] = {
    {"server_version", "15.0"},
    {"server_version_num", "150000"},
    {"server_encoding", "UTF8"},
    {"client_encoding", "UTF8"},
    {"datestyle", "ISO, MDY"},
    {"intervalstyle", "postgres"},
    {"timezone", "UTC"},
    {"integer_datetimes", "on"},
    {"standard_conforming_strings", "on"},
    {"is_superuser", "on"},
    {"application_name", ""},
    {"search_path", "\"$user\", public"},
    {"extra_float_digits", "1"},
    {"statement_timeout", "0"},
    {"lock_timeout", "0"},
    {"idle_in_transaction_session_timeout", "0"},
    {"default_transaction_isolation", "read committed"},
    {"transaction_isolation", "read committed"},
    {"default_transaction_read_only", "off"},
    {"transaction_read_only", "off"},
    {"max_identifier_length", "63"},
    {"bytea_output", "hex"},
    {"client_min_messages", "notice"},
    {"max_index_keys", "32"},
    {"hnsw.ef_search", "40"},
    {"hnsw.iterative_scan", "off"},
    {"hnsw.max_scan_tuples", "20000"},
    {"omendb.read_consistency", "leader"},
    {"omendb.partial_results", "off"},
    {"omendb.group_timeout", "5000"},
    {"jit", "off"},
    {"lc_messages", "C"},
    {"lc_collate", "C"},
    {"lc_ctype", "C"},
    {"lc_monetary", "C"},
    {"lc_numeric", "C"},
    {"lc_time", "C"},
    {"synchronous_commit", "on"},
    {"work_mem", "4MB"},
    {"maintenance_work_mem", "64MB"},
    {"max_parallel_workers_per_gather", "0"},
    {"row_security", "on"},
    {"geqo", "on"},
    {"enable_seqscan", "on"},
    {"enable_indexscan", "on"},
};

static const char *default_of(const char *name)
{
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (strcasecmp(defaults[i].name, name) == 0)
			return defaults[i].value;
	return NULL;
}

static const char *setting_for_eval(void *arg, const char *name)
{
	session *s = arg;
	if (strcmp(name, "omendb.statement_timestamp") == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		/* microseconds since 2000-01-01 UTC */
		int64_t us = ((int64_t)ts.tv_sec - 946684800) * 1000000 + ts.tv_nsec / 1000;
		snprintf(s->ts_buf, sizeof s->ts_buf, "%" PRId64, us);
		return s->ts_buf;
	}
	if (strcmp(name, "omendb.backend_pid") == 0) {
		snprintf(s->pid_buf, sizeof s->pid_buf, "%d", s->pid);
		return s->pid_buf;
	}
	if (strcmp(name, "session_authorization") == 0 || strcmp(name, "user") == 0)
		return s->user;
	if (strcmp(name, "database") == 0)
		return s->database;
	const char *v = get_setting(s, name);
	return v ? v : default_of(name);
}

/* Checks and applies a setting OmenDB interprets; others are stored as
 * given. Returns 0, or -1 with err. */
static int apply_setting(session *s, const char *name, const char *v, sql_error *err)
{
	if (strcasecmp(name, "hnsw.ef_search") == 0) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*v == 0 || *end || n < 1 || n > 1000) {
			if (*v && !*end)
				eval_error(err, "22023", -1,
					   "%s is outside the valid range for parameter \"hnsw.ef_search\" "
					   "(1 .. 1000)",
					   v);
			else
				eval_error(err, "22023", -1,
					   "invalid value for parameter \"hnsw.ef_search\": \"%s\"", v);
			return -1;
		}
		s->settings.ef_search = (uint32_t)n;
	} else if (strcasecmp(name, "hnsw.iterative_scan") == 0) {
		if (strcasecmp(v, "off") && strcasecmp(v, "relaxed_order") && strcasecmp(v, "strict_order")) {
			eval_error(err, "22023", -1,
				   "invalid value for parameter \"hnsw.iterative_scan\": \"%s\"\nHINT:  "
				   "Available values: off, relaxed_order, strict_order.",
				   v);
			return -1;
		}
	} else if (strcasecmp(name, "omendb.read_consistency") == 0) {
		if (strcasecmp(v, "leader") == 0)
			s->settings.read_level = OMENDB__READ_LEVEL__READ_LEADER;
		else if (strcasecmp(v, "linearizable") == 0)
			s->settings.read_level = OMENDB__READ_LEVEL__READ_LINEARIZABLE;
		else if (strcasecmp(v, "any") == 0)
			s->settings.read_level = OMENDB__READ_LEVEL__READ_ANY;
		else {
			eval_error(err, "22023", -1,
				   "invalid value for parameter \"omendb.read_consistency\": \"%s\"\nHINT:  "
				   "Available values: leader, linearizable, any.",
				   v);
			return -1;
		}
	} else if (strcasecmp(name, "omendb.partial_results") == 0) {
		if (!strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcmp(v, "1"))
			s->settings.partial_results = true;
		else if (!strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcmp(v, "0"))
			s->settings.partial_results = false;
		else {
			eval_error(err, "22023", -1,
				   "parameter \"omendb.partial_results\" requires a Boolean value");
			return -1;
		}
	} else if (strcasecmp(name, "omendb.group_timeout") == 0) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*v == 0 || *end || n < 10 || n > 3600000) {
			eval_error(
			    err, "22023", -1,
			    "invalid value for parameter \"omendb.group_timeout\": \"%s\" (10 to 3600000 ms)",
			    v);
			return -1;
		}
		s->settings.group_timeout_ms = (int)n;
	} else if (strcasecmp(name, "client_encoding") == 0) {
		if (strcasecmp(v, "UTF8") && strcasecmp(v, "UTF-8") && strcasecmp(v, "unicode")) {
			eval_error(err, "22023", -1,
				   "invalid value for parameter \"client_encoding\": \"%s\"\nDETAIL:  OmenDB "
				   "speaks UTF8 only.",
				   v);
			return -1;
		}
		v = "UTF8";
	} else if (strcasecmp(name, "standard_conforming_strings") == 0) {
		if (strcasecmp(v, "on") && strcasecmp(v, "true")) {
			eval_error(err, "0A000", -1, "standard_conforming_strings can only be on");
			return -1;
		}
	} else if (strcasecmp(name, "server_version") == 0 || strcasecmp(name, "server_encoding") == 0 ||
		   strcasecmp(name, "integer_datetimes") == 0 ||
		   strcasecmp(name, "server_version_num") == 0 ||
		   strcasecmp(name, "max_identifier_length") == 0) {
		eval_error(err, "55P02", -1, "parameter \"%s\" cannot be changed", name);
		return -1;
	} else if (!default_of(name) && !strchr(name, '.') &&
		   strcasecmp(name, "session_authorization") != 0) {
		eval_error(err, "42704", -1, "unrecognized configuration parameter \"%s\"", name);
		return -1;
	}
	if (!put_setting(s, name, v)) {
		eval_error(err, "53200", -1, "out of memory");
		return -1;
	}
	if (is_reported(name))
		pgw_parameter_status(&s->out, reported_name(name), v);
	return 0;
}

static void reset_setting(session *s, const char *name)
{
	const char *d = default_of(name);
	sql_error ignore;
	if (d)
		apply_setting(s, name, d, &ignore);
	else
		for (size_t i = 0; i < s->nsettings; i++)
			if (strcasecmp(s->settings_kv[i].name, name) == 0) {
				free(s->settings_kv[i].name);
				free(s->settings_kv[i].value);
				s->settings_kv[i] = s->settings_kv[--s->nsettings];
				break;
			}
}

static void reset_all(session *s)
{
	for (size_t i = 0; i < s->nsettings; i++) {
		free(s->settings_kv[i].name);
		free(s->settings_kv[i].value);
	}
	s->nsettings = 0;
	s->settings.ef_search = 40;
	s->settings.read_level = OMENDB__READ_LEVEL__READ_LEADER;
	s->settings.partial_results = false;
	s->settings.group_timeout_ms = 5000;
}

static void drop_prepared(session *s, const char *name);

/* --- results --- */

static void send_row_description(session *s, const exec_result *r, const int16_t *formats, size_t nformats)
{
	pgw_field *f = arena_calloc(&s->a, r->ncols + 1, sizeof *f);
	if (!f) {
		s->out.failed = true;
		return;
	}
	for (size_t i = 0; i < r->ncols; i++) {
		f[i].name = r->cols[i].name;
		f[i].table_oid = r->cols[i].table_oid;
		f[i].column = r->cols[i].attnum;
		f[i].type_oid = r->cols[i].type;
		f[i].type_len = value_type_len(r->cols[i].type);
		f[i].typmod = r->cols[i].typmod;
		f[i].format = nformats == 0 ? 0 : nformats == 1 ? formats[0] : formats[i];
	}
	pgw_row_description(&s->out, f, r->ncols);
}

/* Sends rows [from, to); false when a value could not be encoded (an
 * ErrorResponse was queued instead). */
static bool send_rows(session *s, const exec_result *r, size_t from, size_t to, const int16_t *formats,
		      size_t nformats)
{
	for (size_t i = from; i < to; i++) {
		pgw_data_row_begin(&s->out, (int16_t)r->ncols);
		for (size_t c = 0; c < r->ncols; c++) {
			const value *v = &r->rows[i][c];
			if (v->isnull) {
				pgw_data_row_cell(&s->out, NULL, -1);
				continue;
			}
			int16_t fmt = nformats == 0 ? 0 : nformats == 1 ? formats[0] : formats[c];
			value_error ve;
			int rc;
			if (fmt == 1) {
				uint8_t *p;
				size_t n;
				rc = value_to_binary(&s->a, v, &p, &n, &ve);
				if (rc == 0)
					pgw_data_row_cell(&s->out, p, (int32_t)n);
			} else {
				char *p;
				size_t n;
				rc = value_to_text(&s->a, v, &p, &n, &ve);
				if (rc == 0)
					pgw_data_row_cell(&s->out, p, (int32_t)n);
			}
			if (rc) {
				/* Drop the half-built DataRow: its column count would lie. */
				s->out.len = s->out.msg_start;
				s->out.open = false;
				send_error(s, "ERROR", ve.sqlstate, ve.message, 0);
				return false;
			}
		}
		pgw_data_row_end(&s->out);
		/* Large answers go out as they are built. */
		if (s->out.len > (1u << 20) && !flush(s))
			return false;
	}
	return true;
}

static void on_notice(void *arg, const char *severity, const char *state, const char *message)
{
	session *s = arg;
	pgw_error(&s->out, 'N', severity, state, message, NULL, NULL, 0);
	flush(s);
}

static void exec_init(session *s, exec_session *es)
{
	memset(es, 0, sizeof *es);
	es->shared = s->cfg->shared;
	es->a = &s->a;
	es->settings = &s->settings;
	es->notice = on_notice;
	es->notice_arg = s;
	es->setting = setting_for_eval;
	es->setting_arg = s;
	es->cancel = s->cancel;
}

static void fail_statement(session *s, const sql_error *err)
{
	pgw_error_names names = {err->table[0] ? "public" : NULL, err->table, err->column, err->constraint};
	send_error_named(s, "ERROR", err->sqlstate, err->message, err->position, &names);
	if (s->txn == 'T')
		s->txn = 'E';
}

static bool is_write(const sql_stmt *st)
{
	return st->kind == SQL_STMT_INSERT || st->kind == SQL_STMT_UPDATE || st->kind == SQL_STMT_DELETE ||
	       st->kind == SQL_STMT_COPY_FROM || st->kind == SQL_STMT_CREATE_TABLE ||
	       st->kind == SQL_STMT_DROP_TABLE || st->kind == SQL_STMT_CREATE_INDEX ||
	       st->kind == SQL_STMT_DROP_INDEX;
}

static char *text_of_expr(session *s, const sql_expr *e, sql_error *err)
{
	exec_session es;
	exec_init(s, &es);
	eval_ctx ec = {0};
	ec.a = &s->a;
	ec.setting = setting_for_eval;
	ec.setting_arg = s;
	value v;
	if (e->kind == SQL_COLUMN && e->qualifier == NULL) {
		/* SET x = some_word: an identifier is its name. */
		return arena_strdup(&s->a, e->name);
	}
	if (eval_expr(&ec, e, &v, err))
		return NULL;
	if (v.isnull)
		return arena_strdup(&s->a, "");
	char *p;
	size_t n;
	value_error ve;
	if (value_to_text(&s->a, &v, &p, &n, &ve)) {
		eval_error(err, ve.sqlstate, -1, "%s", ve.message);
		return NULL;
	}
	return p;
}

/* The statements the session answers itself. Returns 1 when handled, 0 when
 * exec should run it, -1 on error (err set). */
static int session_statement(session *s, const sql_stmt *st, exec_result *out, sql_error *err)
{
	memset(out, 0, sizeof *out);
	switch (st->kind) {
	case SQL_STMT_BEGIN:
		if (s->txn != 'I')
			pgw_error(&s->out, 'N', "WARNING", "25001",
				  "there is already a transaction in progress", NULL, NULL, 0);
		s->txn = 'T';
		s->wrote_in_txn = false;
		snprintf(out->tag, sizeof out->tag, "BEGIN");
		return 1;
	case SQL_STMT_COMMIT:
		if (s->txn == 'I')
			pgw_error(&s->out, 'N', "WARNING", "25P01", "there is no transaction in progress",
				  NULL, NULL, 0);
		snprintf(out->tag, sizeof out->tag, s->txn == 'E' ? "ROLLBACK" : "COMMIT");
		s->txn = 'I';
		return 1;
	case SQL_STMT_ROLLBACK:
		if (s->txn == 'I')
			pgw_error(&s->out, 'N', "WARNING", "25P01", "there is no transaction in progress",
				  NULL, NULL, 0);
		else if (s->wrote_in_txn)
			pgw_error(&s->out, 'N', "WARNING", "01000",
				  "OmenDB applies each statement when it runs: the writes since BEGIN were "
				  "not undone",
				  NULL, NULL, 0);
		s->txn = 'I';
		snprintf(out->tag, sizeof out->tag, "ROLLBACK");
		return 1;
	case SQL_STMT_SET: {
		const sql_set *set = &st->u.set;
		if (set->is_default) {
			reset_setting(s, set->name);
		} else {
			char *v = arena_strdup(&s->a, "");
			for (size_t i = 0; v && i < set->nvalues; i++) {
				char *t = text_of_expr(s, set->values[i], err);
				if (!t)
					return -1;
				v = arena_printf(&s->a, "%s%s%s", v, i ? ", " : "", t);
			}
			if (!v) {
				eval_error(err, "53200", -1, "out of memory");
				return -1;
			}
			if (apply_setting(s, set->name, v, err))
				return -1;
		}
		snprintf(out->tag, sizeof out->tag, "SET");
		return 1;
	}
	case SQL_STMT_RESET:
		if (strcmp(st->u.name, "all") == 0)
			reset_all(s);
		else
			reset_setting(s, st->u.name);
		snprintf(out->tag, sizeof out->tag, "RESET");
		return 1;
	case SQL_STMT_SHOW: {
		const char *name = st->u.name;
		bool all = strcmp(name, "all") == 0;
		size_t n = all ? sizeof defaults / sizeof defaults[0] : 1;
		out->cols = arena_calloc(&s->a, all ? 3 : 1, sizeof *out->cols);
		out->rows = arena_calloc(&s->a, n, sizeof *out->rows);
		if (!out->cols || !out->rows) {
			eval_error(err, "53200", -1, "out of memory");
			return -1;
		}
		out->returns_rows = true;
		if (all) {
			const char *names[] = {"name", "setting", "description"};
			for (int i = 0; i < 3; i++) {
				out->cols[i].name = names[i];
				out->cols[i].type = OID_TEXT;
				out->cols[i].typmod = -1;
			}
			out->ncols = 3;
			for (size_t i = 0; i < n; i++) {
				value *row = arena_calloc(&s->a, 3, sizeof *row);
				if (!row)
					return -1;
				const char *v = setting_for_eval(s, defaults[i].name);
				row[0] =
				    value_text(OID_TEXT, (char *)defaults[i].name, strlen(defaults[i].name));
				/* A copy: a suspended portal outlives SETs that free v. */
				char *copy = arena_strdup(&s->a, v);
				if (!copy)
					return -1;
				row[1] = value_text(OID_TEXT, copy, strlen(copy));
				row[2] = value_text(OID_TEXT, (char *)"", 0);
				out->rows[out->nrows++] = row;
			}
			snprintf(out->tag, sizeof out->tag, "SHOW");
			return 1;
		}
		const char *v = setting_for_eval(s, name);
		if (!v) {
			eval_error(err, "42704", -1, "unrecognized configuration parameter \"%s\"", name);
			return -1;
		}
		out->cols[0].name = name;
		out->cols[0].type = OID_TEXT;
		out->cols[0].typmod = -1;
		out->ncols = 1;
		value *row = arena_calloc(&s->a, 1, sizeof *row);
		if (!row)
			return -1;
		char *copy = arena_strdup(&s->a, v);
		if (!copy)
			return -1;
		row[0] = value_text(OID_TEXT, copy, strlen(copy));
		out->rows[out->nrows++] = row;
		snprintf(out->tag, sizeof out->tag, "SHOW");
		return 1;
	}
	case SQL_STMT_DISCARD:
		reset_all(s);
		snprintf(out->tag, sizeof out->tag, "DISCARD ALL");
		return 1;
	case SQL_STMT_DEALLOCATE: {
		/* drop_prepared also drops the statement's portals. The unnamed
		 * statement and the one running now are not SQL-level prepared
		 * statements to deallocate. */
		bool found = st->u.name == NULL;
		for (prepared *p = s->prepared, *next; p; p = next) {
			next = p->next;
			if (p == s->running || p->name[0] == 0)
				continue;
			if (st->u.name == NULL || strcmp(p->name, st->u.name) == 0) {
				found = true;
				drop_prepared(s, p->name);
				if (st->u.name)
					break;
			}
		}
		if (!found) {
			eval_error(err, "26000", -1, "prepared statement \"%s\" does not exist", st->u.name);
			return -1;
		}
		snprintf(out->tag, sizeof out->tag, st->u.name ? "DEALLOCATE" : "DEALLOCATE ALL");
		return 1;
	}
	case SQL_STMT_EMPTY:
		return 1;
	case SQL_STMT_NOOP:
		snprintf(out->tag, sizeof out->tag, "%s", st->u.name);
		return 1;
	default:
		return 0;
	}
}

static bool blocked_by_failed_txn(session *s, const sql_stmt *st, sql_error *err)
{
	if (s->txn != 'E' || st->kind == SQL_STMT_COMMIT || st->kind == SQL_STMT_ROLLBACK)
		return false;
	eval_error(err, "25P02", -1,
		   "current transaction is aborted, commands ignored until end of transaction block");
	return true;
}

/* --- COPY FROM STDIN --- */

typedef struct copy_state {
	session *s;
	exec_copy *cp;
	exec_session es;
	value **rows;
	size_t n;
	uint64_t count;
	sql_copy_format format;
	arena a; /* the rows of one batch; the statement's arena holds the COPY itself */
} copy_state;

static int copy_flush(copy_state *c, sql_error *err)
{
	if (c->n == 0)
		return 0;
	int rc = exec_copy_rows(c->cp, &c->es, c->rows, c->n, &c->count, err);
	c->n = 0;
	arena_reset(&c->a);
	c->rows = arena_calloc(&c->a, SESSION_COPY_BATCH, sizeof *c->rows);
	if (rc == 0 && !c->rows) {
		eval_error(err, "53200", -1, "out of memory");
		return -1;
	}
	return rc;
}

static int copy_row(void *arg, const char *const *field, const size_t *len, size_t ncols, sql_error *err)
{
	copy_state *c = arg;
	const exec_column *cols = exec_copy_columns(c->cp);
	value *row = arena_calloc(&c->a, ncols + 1, sizeof *row);
	if (!row) {
		eval_error(err, "53200", -1, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < ncols; i++) {
		value_error ve;
		int rc;
		if (field[i] == NULL) {
			row[i] = value_null(cols[i].type);
			continue;
		}
		if (c->format == SQL_COPY_BINARY)
			rc = value_from_binary(&c->a, cols[i].type, cols[i].typmod, (const uint8_t *)field[i],
					       len[i], &row[i], &ve);
		else
			rc = value_from_text(&c->a, cols[i].type, cols[i].typmod, field[i], len[i], &row[i],
					     &ve);
		if (rc) {
			eval_error(err, ve.sqlstate, -1, "%s, column %s", ve.message, cols[i].name);
			return -1;
		}
	}
	c->rows[c->n++] = row;
	if (c->n == SESSION_COPY_BATCH)
		return copy_flush(c, err);
	return 0;
}

/* Runs a COPY FROM STDIN: CopyInResponse, then CopyData until CopyDone or
 * CopyFail. Returns false when the connection must close. */
static bool run_copy(session *s, const sql_copy *opts, exec_result *out, sql_error *err, bool *failed)
{
	*failed = false;
	copy_state c = {0};
	c.s = s;
	c.format = opts->format;
	c.a.limit = s->cfg->statement_memory;
	exec_init(s, &c.es);
	c.es.a = &c.a;
	if (exec_copy_begin(&c.es, opts, &c.cp, err)) {
		arena_destroy(&c.a);
		*failed = true;
		return true;
	}
	copy_parser *p = NULL;
	if (copy_parser_open(opts, exec_copy_ncols(c.cp), &p) != 0) {
		exec_copy_end(c.cp);
		arena_destroy(&c.a);
		eval_error(err, "53200", -1, "out of memory");
		*failed = true;
		return true;
	}
	pgw_copy_in_response(&s->out, opts->format == SQL_COPY_BINARY ? 1 : 0,
			     (int16_t)exec_copy_ncols(c.cp));
	if (!flush(s)) {
		copy_parser_close(p);
		exec_copy_end(c.cp);
		arena_destroy(&c.a);
		return false;
	}
	c.rows = arena_calloc(&c.a, SESSION_COPY_BATCH, sizeof *c.rows);
	bool ok = c.rows != NULL, alive = true;
	if (!ok)
		eval_error(err, "53200", -1, "out of memory");
	for (;;) {
		uint8_t type;
		const uint8_t *body;
		size_t len;
		if (!read_message(s, &type, &body, &len)) {
			alive = false;
			break;
		}
		if (type == 'd') {
			if (ok && copy_feed(p, body, len, copy_row, &c, err))
				ok = false;
		} else if (type == 'c') {
			if (ok && copy_finish(p, copy_row, &c, err))
				ok = false;
			if (ok && copy_flush(&c, err))
				ok = false;
			break;
		} else if (type == 'f') {
			if (ok) {
				pgw_reader r;
				const char *msg;
				size_t ml;
				pgw_reader_init(&r, body, len);
				eval_error(err, "57014", -1, "COPY from stdin failed: %s",
					   pgw_get_cstr(&r, &msg, &ml) ? msg : "no reason given");
				ok = false;
			}
			break;
		} else if (type == 'H' || type == 'S') {
			continue; /* allowed during COPY, ignored (protocol docs) */
		} else {
			fatal(s, "08P01", "unexpected message type 0x%02x during COPY from stdin", type);
			alive = false;
			break;
		}
	}
	copy_parser_close(p);
	exec_copy_end(c.cp);
	arena_destroy(&c.a);
	if (!alive)
		return false;
	if (!ok) {
		*failed = true;
		return true;
	}
	snprintf(out->tag, sizeof out->tag, "COPY %" PRIu64, c.count);
	return true;
}

/* --- simple query --- */

static void simple_query(session *s, const char *query)
{
	arena_reset(&s->a);
	/* The text lives in the input buffer, which COPY's reads move. */
	query = arena_strdup(&s->a, query);
	if (!query) {
		send_error(s, "ERROR", "53200", "out of memory", 0);
		return;
	}
	sql_stmt *stmts;
	size_t n;
	sql_error err = {0};
	if (sql_parse(&s->a, query, &stmts, &n, &err)) {
		fail_statement(s, &err);
		return;
	}
	if (n == 0 || (n == 1 && stmts[0].kind == SQL_STMT_EMPTY)) {
		pgw_empty_query(&s->out);
		return;
	}
	for (size_t i = 0; i < n && !s->closing; i++) {
		const sql_stmt *st = &stmts[i];
		exec_result res;
		if (blocked_by_failed_txn(s, st, &err)) {
			fail_statement(s, &err);
			return;
		}
		int h = session_statement(s, st, &res, &err);
		if (h == 0 && st->kind == SQL_STMT_COPY_FROM) {
			bool failed;
			if (!run_copy(s, &st->u.copy, &res, &err, &failed))
				return;
			if (failed) {
				fail_statement(s, &err);
				return;
			}
			h = 1;
		} else if (h == 0) {
			exec_session es;
			exec_init(s, &es);
			es.query = query;
			h = exec_run(&es, st, NULL, 0, &res, &err) ? -1 : 1;
		}
		if (h < 0) {
			fail_statement(s, &err);
			return;
		}
		if (is_write(st) && s->txn != 'I')
			s->wrote_in_txn = true;
		if (st->kind == SQL_STMT_EMPTY)
			continue;
		if (res.returns_rows) {
			send_row_description(s, &res, NULL, 0);
			if (!send_rows(s, &res, 0, res.nrows, NULL, 0)) {
				if (s->txn == 'T')
					s->txn = 'E';
				return;
			}
		}
		pgw_command_complete(&s->out, res.tag);
	}
}

/* --- extended query --- */

static prepared *find_prepared(session *s, const char *name)
{
	for (prepared *p = s->prepared; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static portal *find_portal(session *s, const char *name)
{
	for (portal *p = s->portals; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static void drop_portal(session *s, const char *name)
{
	for (portal **pp = &s->portals; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0) {
			portal *p = *pp;
			*pp = p->next;
			arena_destroy(&p->a);
			free(p->name);
			free(p);
			s->nportals--;
			return;
		}
}

static void drop_prepared(session *s, const char *name)
{
	for (prepared **pp = &s->prepared; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0) {
			prepared *p = *pp;
			*pp = p->next;
			/* Portals of this statement go with it. */
			for (portal **q = &s->portals; *q;) {
				if ((*q)->ps == p) {
					portal *dead = *q;
					*q = dead->next;
					arena_destroy(&dead->a);
					free(dead->name);
					free(dead);
					s->nportals--;
				} else {
					q = &(*q)->next;
				}
			}
			arena_destroy(&p->a);
			free(p->name);
			free(p);
			s->nprepared--;
			return;
		}
}

static void ext_error(session *s, const sql_error *err)
{
	fail_statement(s, err);
	s->skip_to_sync = true;
}

static void ext_protocol_error(session *s, const char *msg)
{
	sql_error err = {0};
	eval_error(&err, "08P01", -1, "%s", msg);
	ext_error(s, &err);
}

/* Statements whose parameters and result columns exec describes. */
static bool runs_in_exec(const sql_stmt *st)
{
	switch (st->kind) {
	case SQL_STMT_SELECT:
	case SQL_STMT_INSERT:
	case SQL_STMT_UPDATE:
	case SQL_STMT_DELETE:
	case SQL_STMT_EXPLAIN:
		return true;
	default:
		return false;
	}
}

/* Parse: name, query, parameter type oids. */
static void msg_parse(session *s, const uint8_t *body, size_t len)
{
	pgw_reader r;
	pgw_reader_init(&r, body, len);
	const char *name, *query;
	size_t nl, ql;
	int16_t ntypes;
	if (!pgw_get_cstr(&r, &name, &nl) || !pgw_get_cstr(&r, &query, &ql) || !pgw_get_i16(&r, &ntypes) ||
	    ntypes < 0 || pgw_remaining(&r) != (size_t)ntypes * 4) {
		ext_protocol_error(s, "malformed Parse message");
		return;
	}
	if (name[0] && find_prepared(s, name)) {
		sql_error err = {0};
		eval_error(&err, "42P05", -1, "prepared statement \"%s\" already exists", name);
		ext_error(s, &err);
		return;
	}
	if (s->nprepared >= SESSION_MAX_PREPARED && name[0]) {
		sql_error err = {0};
		eval_error(&err, "54000", -1, "too many prepared statements (at most %d)",
			   SESSION_MAX_PREPARED);
		ext_error(s, &err);
		return;
	}
	prepared *p = calloc(1, sizeof *p);
	if (!p || !(p->name = strdup(name))) {
		free(p);
		ext_protocol_error(s, "out of memory");
		return;
	}
	p->a.limit = s->cfg->statement_memory;
	sql_error err = {0};
	sql_stmt *stmts = NULL;
	size_t n = 0;
	p->query = arena_strndup(&p->a, query, ql);
	int rc = p->query ? sql_parse(&p->a, p->query, &stmts, &n, &err) : -1;
	if (!p->query)
		eval_error(&err, "53200", -1, "out of memory");
	if (rc == 0 && n > 1) {
		eval_error(&err, "42601", -1, "cannot insert multiple commands into a prepared statement");
		rc = -1;
	}
	if (rc == 0) {
		p->stmt = n == 1 && stmts[0].kind != SQL_STMT_EMPTY ? &stmts[0] : NULL;
		int maxp = p->stmt ? sql_max_param(p->stmt) : 0;
		/* $n inside parts the translation skips (WITH, UNION) count too. */
		int maxt = sql_max_param_text(p->query);
		if (maxt > maxp)
			maxp = maxt;
		p->nparams = (size_t)(maxp > ntypes ? maxp : ntypes);
		p->param_types = arena_calloc(&p->a, p->nparams + 1, sizeof *p->param_types);
		if (!p->param_types) {
			eval_error(&err, "53200", -1, "out of memory");
			rc = -1;
		}
		for (int16_t i = 0; rc == 0 && i < ntypes; i++) {
			uint32_t oid;
			pgw_get_u32(&r, &oid);
			p->param_types[i] = oid;
		}
	}
	if (rc == 0 && p->stmt) {
		/* Infer the parameters' types now, as PostgreSQL does at Parse. */
		exec_session es;
		exec_result desc;
		arena_reset(&s->a);
		exec_init(s, &es);
		es.query = p->query;
		if (runs_in_exec(p->stmt) &&
		    exec_describe(&es, p->stmt, p->param_types, p->nparams, &desc, &err))
			rc = -1;
	}
	if (rc) {
		arena_destroy(&p->a);
		free(p->name);
		free(p);
		ext_error(s, &err);
		return;
	}
	if (name[0] == 0)
		drop_prepared(s, "");
	p->next = s->prepared;
	s->prepared = p;
	s->nprepared++;
	pgw_parse_complete(&s->out);
}

/* Bind: portal, statement, parameter formats, values, result formats. */
static void msg_bind(session *s, const uint8_t *body, size_t len)
{
	pgw_reader r;
	pgw_reader_init(&r, body, len);
	const char *pname, *sname;
	size_t pl, sl;
	int16_t nfmt, nparams, nres;
	if (!pgw_get_cstr(&r, &pname, &pl) || !pgw_get_cstr(&r, &sname, &sl) || !pgw_get_i16(&r, &nfmt) ||
	    nfmt < 0) {
		ext_protocol_error(s, "malformed Bind message");
		return;
	}
	int16_t *fmts = nfmt ? calloc((size_t)nfmt, sizeof *fmts) : NULL;
	if (nfmt && !fmts) {
		ext_protocol_error(s, "out of memory");
		return;
	}
	for (int16_t i = 0; i < nfmt; i++)
		if (!pgw_get_i16(&r, &fmts[i]) || fmts[i] < 0 || fmts[i] > 1) {
			free(fmts);
			ext_protocol_error(s, "malformed Bind message: bad parameter format");
			return;
		}
	prepared *ps = find_prepared(s, sname);
	if (!ps) {
		free(fmts);
		sql_error err = {0};
		eval_error(&err, "26000", -1, "prepared statement \"%s\" does not exist", sname);
		ext_error(s, &err);
		return;
	}
	if (!pgw_get_i16(&r, &nparams) || nparams < 0 || (size_t)nparams != ps->nparams ||
	    (nfmt > 1 && nfmt != nparams)) {
		free(fmts);
		sql_error err = {0};
		eval_error(&err, "08P01", -1,
			   "bind message supplies %d parameters, but prepared statement \"%s\" requires %zu",
			   nparams, sname, ps->nparams);
		ext_error(s, &err);
		return;
	}
	if (s->nportals >= SESSION_MAX_PREPARED) {
		free(fmts);
		sql_error err = {0};
		eval_error(&err, "54000", -1, "too many open portals (at most %d)", SESSION_MAX_PREPARED);
		ext_error(s, &err);
		return;
	}
	if (pname[0] && find_portal(s, pname)) {
		free(fmts);
		sql_error err = {0};
		eval_error(&err, "42P03", -1, "cursor \"%s\" already exists", pname);
		ext_error(s, &err);
		return;
	}
	drop_portal(s, "");
	portal *po = calloc(1, sizeof *po);
	if (!po || !(po->name = strdup(pname))) {
		free(po);
		free(fmts);
		ext_protocol_error(s, "out of memory");
		return;
	}
	po->ps = ps;
	po->a.limit = s->cfg->statement_memory;
	po->params = arena_calloc(&po->a, (size_t)nparams + 1, sizeof *po->params);
	sql_error err = {0};
	int rc = po->params ? 0 : -1;
	if (rc)
		eval_error(&err, "53200", -1, "out of memory");
	for (int16_t i = 0; rc == 0 && i < nparams; i++) {
		int32_t vl;
		const uint8_t *vp;
		if (!pgw_get_i32(&r, &vl) || vl < -1 || (vl >= 0 && !pgw_get_bytes(&r, (size_t)vl, &vp))) {
			eval_error(&err, "08P01", -1, "malformed Bind message: parameter %d", i + 1);
			rc = -1;
			break;
		}
		pg_oid t = ps->param_types[i] ? ps->param_types[i] : OID_TEXT;
		if (vl == -1) {
			po->params[i] = value_null(t);
			continue;
		}
		int16_t f = nfmt == 0 ? 0 : nfmt == 1 ? fmts[0] : fmts[i];
		value_error ve;
		if (f == 1)
			rc = value_from_binary(&po->a, t, -1, vp, (size_t)vl, &po->params[i], &ve);
		else
			rc =
			    value_from_text(&po->a, t, -1, (const char *)vp, (size_t)vl, &po->params[i], &ve);
		if (rc)
			eval_error(&err, ve.sqlstate, -1, "%s (parameter $%d)", ve.message, i + 1);
	}
	free(fmts);
	if (rc == 0 && (!pgw_get_i16(&r, &nres) || nres < 0)) {
		eval_error(&err, "08P01", -1, "malformed Bind message: result formats");
		rc = -1;
	}
	if (rc == 0 && nres > 0) {
		po->formats = arena_calloc(&po->a, (size_t)nres, sizeof *po->formats);
		po->nformats = (size_t)nres;
		for (int16_t i = 0; po->formats && i < nres && rc == 0; i++)
			if (!pgw_get_i16(&r, &po->formats[i]) || po->formats[i] < 0 || po->formats[i] > 1) {
				eval_error(&err, "08P01", -1, "malformed Bind message: bad result format");
				rc = -1;
			}
		if (!po->formats && rc == 0) {
			eval_error(&err, "53200", -1, "out of memory");
			rc = -1;
		}
	}
	if (rc) {
		arena_destroy(&po->a);
		free(po->name);
		free(po);
		ext_error(s, &err);
		return;
	}
	po->next = s->portals;
	s->portals = po;
	s->nportals++;
	pgw_bind_complete(&s->out);
}

/* Bind gives no result format, one for all columns, or one per column;
 * any other count is a protocol violation (false, the error is queued). */
static bool formats_fit(session *s, const exec_result *r, size_t nformats)
{
	if (!r->returns_rows || nformats <= 1 || nformats == r->ncols)
		return true;
	sql_error err = {0};
	eval_error(&err, "08P01", -1, "bind message has %zu result formats but query has %zu columns",
		   nformats, r->ncols);
	ext_error(s, &err);
	return false;
}

static void describe_columns(session *s, prepared *ps, const int16_t *formats, size_t nformats, bool params)
{
	exec_result desc;
	memset(&desc, 0, sizeof desc);
	sql_error err = {0};
	arena_reset(&s->a);
	if (params) {
		uint32_t *oids = arena_calloc(&s->a, ps->nparams + 1, sizeof *oids);
		for (size_t i = 0; oids && i < ps->nparams; i++)
			oids[i] = ps->param_types[i] ? ps->param_types[i] : OID_TEXT;
		pgw_parameter_description(&s->out, oids, ps->nparams);
	}
	if (ps->stmt && ps->stmt->kind == SQL_STMT_SHOW) {
		desc.returns_rows = true;
		desc.ncols = strcmp(ps->stmt->u.name, "all") == 0 ? 3 : 1;
		desc.cols = arena_calloc(&s->a, 3, sizeof *desc.cols);
		const char *names[] = {"name", "setting", "description"};
		for (size_t i = 0; desc.cols && i < desc.ncols; i++) {
			desc.cols[i].name = desc.ncols == 1 ? ps->stmt->u.name : names[i];
			desc.cols[i].type = OID_TEXT;
			desc.cols[i].typmod = -1;
		}
	} else if (ps->stmt && runs_in_exec(ps->stmt)) {
		exec_session es;
		exec_init(s, &es);
		es.query = ps->query;
		pg_oid *types = arena_calloc(&s->a, ps->nparams + 1, sizeof *types);
		if (types)
			memcpy(types, ps->param_types, ps->nparams * sizeof *types);
		if (!types || exec_describe(&es, ps->stmt, types, ps->nparams, &desc, &err)) {
			if (!types)
				eval_error(&err, "53200", -1, "out of memory");
			ext_error(s, &err);
			return;
		}
	}
	if (!formats_fit(s, &desc, nformats))
		return;
	if (desc.returns_rows)
		send_row_description(s, &desc, formats, nformats);
	else
		pgw_no_data(&s->out);
}

static void msg_describe(session *s, const uint8_t *body, size_t len)
{
	pgw_reader r;
	pgw_reader_init(&r, body, len);
	uint8_t kind;
	const char *name;
	size_t nl;
	if (!pgw_get_u8(&r, &kind) || !pgw_get_cstr(&r, &name, &nl) || (kind != 'S' && kind != 'P')) {
		ext_protocol_error(s, "malformed Describe message");
		return;
	}
	if (kind == 'S') {
		prepared *ps = find_prepared(s, name);
		if (!ps) {
			sql_error err = {0};
			eval_error(&err, "26000", -1, "prepared statement \"%s\" does not exist", name);
			ext_error(s, &err);
			return;
		}
		describe_columns(s, ps, NULL, 0, true);
		return;
	}
	portal *po = find_portal(s, name);
	if (!po) {
		sql_error err = {0};
		eval_error(&err, "34000", -1, "portal \"%s\" does not exist", name);
		ext_error(s, &err);
		return;
	}
	if (po->ran) {
		if (!formats_fit(s, &po->res, po->nformats))
			return;
		if (po->res.returns_rows)
			send_row_description(s, &po->res, po->formats, po->nformats);
		else
			pgw_no_data(&s->out);
		return;
	}
	describe_columns(s, po->ps, po->formats, po->nformats, false);
}

static void msg_execute(session *s, const uint8_t *body, size_t len)
{
	pgw_reader r;
	pgw_reader_init(&r, body, len);
	const char *name;
	size_t nl;
	int32_t max_rows;
	if (!pgw_get_cstr(&r, &name, &nl) || !pgw_get_i32(&r, &max_rows)) {
		ext_protocol_error(s, "malformed Execute message");
		return;
	}
	portal *po = find_portal(s, name);
	if (!po) {
		sql_error err = {0};
		eval_error(&err, "34000", -1, "portal \"%s\" does not exist", name);
		ext_error(s, &err);
		return;
	}
	const sql_stmt *st = po->ps->stmt;
	if (!st) {
		pgw_empty_query(&s->out);
		return;
	}
	if (!po->ran) {
		sql_error err = {0};
		if (blocked_by_failed_txn(s, st, &err)) {
			ext_error(s, &err);
			return;
		}
		/* The portal's rows outlive this message: run in its arena. */
		arena saved = s->a;
		s->a = po->a;
		s->running = po->ps;
		int h = session_statement(s, st, &po->res, &err);
		if (h == 0 && st->kind == SQL_STMT_COPY_FROM) {
			bool failed;
			bool alive = run_copy(s, &st->u.copy, &po->res, &err, &failed);
			po->a = s->a;
			s->a = saved;
			s->running = NULL;
			if (!alive)
				return;
			if (failed) {
				ext_error(s, &err);
				return;
			}
			h = 1;
		} else {
			if (h == 0) {
				exec_session es;
				exec_init(s, &es);
				es.query = po->ps->query;
				h = exec_run(&es, st, po->params, po->ps->nparams, &po->res, &err) ? -1 : 1;
			}
			po->a = s->a;
			s->a = saved;
			s->running = NULL;
		}
		if (h < 0) {
			ext_error(s, &err);
			return;
		}
		if (is_write(st) && s->txn != 'I')
			s->wrote_in_txn = true;
		po->ran = true;
		po->pos = 0;
	}
	if (!formats_fit(s, &po->res, po->nformats))
		return;
	size_t end = po->res.nrows;
	if (max_rows > 0 && po->pos + (size_t)max_rows < end)
		end = po->pos + (size_t)max_rows;
	if (po->res.returns_rows) {
		arena_reset(&s->a);
		if (!send_rows(s, &po->res, po->pos, end, po->formats, po->nformats)) {
			s->skip_to_sync = true;
			if (s->txn == 'T')
				s->txn = 'E';
			return;
		}
	}
	po->pos = end;
	if (po->res.returns_rows && end < po->res.nrows)
		pgw_portal_suspended(&s->out);
	else
		pgw_command_complete(&s->out, po->res.tag);
}

static void msg_close(session *s, const uint8_t *body, size_t len)
{
	pgw_reader r;
	pgw_reader_init(&r, body, len);
	uint8_t kind;
	const char *name;
	size_t nl;
	if (!pgw_get_u8(&r, &kind) || !pgw_get_cstr(&r, &name, &nl) || (kind != 'S' && kind != 'P')) {
		ext_protocol_error(s, "malformed Close message");
		return;
	}
	/* Closing what does not exist is not an error (protocol docs). */
	if (kind == 'S')
		drop_prepared(s, name);
	else
		drop_portal(s, name);
	pgw_close_complete(&s->out);
}

/* --- startup and authentication --- */

static bool read_startup(session *s, pgw_startup *st, uint8_t **packet)
{
	for (;;) {
		if (!fill(s, 4))
			return false;
		int32_t l = be32(s->in + s->in_off);
		if (l < 8 || l > (int32_t)PGWIRE_MAX_STARTUP) {
			fatal(s, "08P01", "invalid length of startup packet");
			return false;
		}
		if (!fill(s, (size_t)l))
			return false;
		free(*packet);
		*packet = malloc((size_t)l);
		if (!*packet)
			return false;
		memcpy(*packet, s->in + s->in_off + 4, (size_t)l - 4);
		s->in_off += (size_t)l;
		char err[128];
		if (!pgw_parse_startup(*packet, (size_t)l - 4, st, err, sizeof err)) {
			fatal(s, "08P01", "invalid startup packet: %s", err);
			return false;
		}
		if (st->code == PGWIRE_SSL_REQUEST || st->code == PGWIRE_GSSENC_REQUEST) {
			/* No TLS yet: 'N', and the client goes on in plain text. */
			if (!send_all(s, (const uint8_t *)"N", 1))
				return false;
			continue;
		}
		if (st->code == PGWIRE_CANCEL_REQUEST) {
			if (s->cfg->cancel)
				s->cfg->cancel(s->cfg->cancel_arg, st->cancel_pid, st->cancel_key);
			return false;
		}
		if (st->code >> 16 != 3) {
			fatal(s, "0A000", "unsupported frontend protocol %u.%u: server supports 3.0",
			      st->code >> 16, st->code & 0xffff);
			return false;
		}
		return true;
	}
}

/* SCRAM-SHA-256 (RFC 7677) in SASL messages (protocol docs, "SASL
 * Authentication"). */
static bool authenticate_scram(session *s)
{
	const scram_secret *secret = NULL;
	scram_secret mock;
	for (size_t i = 0; i < s->cfg->nusers; i++)
		if (strcmp(s->cfg->users[i].name, s->user) == 0)
			secret = &s->cfg->users[i].secret;
	if (!secret) {
		scram_mock_secret(s->user, s->cfg->mock_key, &mock);
		secret = &mock;
	}
	bool known = secret != &mock;
	pgw_auth_sasl(&s->out, "SCRAM-SHA-256");
	if (!flush(s))
		return false;
	uint8_t type;
	const uint8_t *body;
	size_t len;
	if (!read_message(s, &type, &body, &len))
		return false;
	pgw_reader r;
	pgw_reader_init(&r, body, len);
	const char *mech;
	size_t ml;
	int32_t dl;
	const uint8_t *data;
	if (type != 'p' || !pgw_get_cstr(&r, &mech, &ml) || !pgw_get_i32(&r, &dl) || dl < 0 ||
	    !pgw_get_bytes(&r, (size_t)dl, &data)) {
		fatal(s, "08P01", "expected SASLInitialResponse");
		return false;
	}
	if (strcmp(mech, "SCRAM-SHA-256") != 0) {
		fatal(s, "08P01", "client selected an invalid SASL authentication mechanism");
		return false;
	}
	scram_server sc;
	char reply[SCRAM_OUT_MAX];
	size_t rl;
	int rc = scram_server_first(&sc, secret, (const char *)data, (size_t)dl, reply, sizeof reply, &rl);
	if (rc != SCRAM_OK) {
		log_info("connection %d: SCRAM: %s", s->pid, sc.why ? sc.why : "failed");
		fatal(s, "08P01", "malformed SCRAM message");
		return false;
	}
	pgw_auth_sasl_continue(&s->out, reply, rl);
	if (!flush(s) || !read_message(s, &type, &body, &len))
		return false;
	if (type != 'p') {
		fatal(s, "08P01", "expected SASLResponse");
		return false;
	}
	rc = scram_server_final(&sc, (const char *)body, len, reply, sizeof reply, &rl);
	if (rc == SCRAM_OK && known) {
		pgw_auth_sasl_final(&s->out, reply, rl);
		return true;
	}
	log_info("connection %d: SCRAM: %s", s->pid, sc.why ? sc.why : known ? "failed" : "unknown user");
	if (rc == SCRAM_OK || rc == SCRAM_EAUTH)
		fatal(s, "28P01", "password authentication failed for user \"%s\"", s->user);
	else
		fatal(s, "08P01", "malformed SCRAM message");
	return false;
}

static bool startup(session *s)
{
	pgw_startup st;
	uint8_t *packet = NULL;
	if (!read_startup(s, &st, &packet)) {
		free(packet);
		return false;
	}
	const char *user = pgw_startup_param(&st, "user");
	const char *db = pgw_startup_param(&st, "database");
	if (!user || !user[0]) {
		free(packet);
		fatal(s, "28000", "no PostgreSQL user name specified in startup packet");
		return false;
	}
	snprintf(s->user, sizeof s->user, "%s", user);
	snprintf(s->database, sizeof s->database, "%s", db && db[0] ? db : user);
	for (size_t i = 0; i < st.nparams; i++) {
		const char *n = st.names[i];
		if (strcmp(n, "user") == 0 || strcmp(n, "database") == 0 || strcmp(n, "replication") == 0 ||
		    strncmp(n, "_pq_.", 5) == 0)
			continue;
		if (strcmp(n, "options") == 0)
			continue; /* command-line options: not supported, ignored */
		sql_error err = {0};
		if (apply_setting(s, n, st.values[i], &err))
			log_info("connection %d: startup parameter %s ignored: %s", s->pid, n, err.message);
	}
	/* A newer 3.x minor version or _pq_ options: NegotiateProtocolVersion,
	 * and the session goes on in 3.0 (protocol docs, "Protocol versions").
	 * ParameterStatus from the startup parameters waits for authentication. */
	pgw_buf_reset(&s->out);
	size_t unknown = 0;
	for (size_t i = 0; i < st.nparams; i++)
		unknown += strncmp(st.names[i], "_pq_.", 5) == 0;
	if ((st.code & 0xffff) != 0 || unknown) {
		pgw_begin(&s->out, 'v');
		pgw_put_i32(&s->out, 0);
		pgw_put_i32(&s->out, (int32_t)unknown);
		for (size_t i = 0; i < st.nparams; i++)
			if (strncmp(st.names[i], "_pq_.", 5) == 0)
				pgw_put_cstr(&s->out, st.names[i]);
		pgw_end(&s->out);
	}
	free(packet);
	if (s->cfg->scram && !authenticate_scram(s))
		return false;
	pgw_auth_ok(&s->out);
	static const char *const report[] = {"application_name",
					     "client_encoding",
					     "datestyle",
					     "integer_datetimes",
					     "intervalstyle",
					     "is_superuser",
					     "server_encoding",
					     "server_version",
					     "session_authorization",
					     "standard_conforming_strings",
					     "timezone"};
	for (size_t i = 0; i < sizeof report / sizeof report[0]; i++)
		pgw_parameter_status(&s->out, reported_name(report[i]), setting_for_eval(s, report[i]));
	pgw_backend_key(&s->out, s->pid, s->key);
	pgw_ready(&s->out, 'I');
	log_info("connection %d: user %s database %s", s->pid, s->user, s->database);
	return flush(s);
}

static void session_free(session *s)
{
	while (s->prepared)
		drop_prepared(s, s->prepared->name);
	while (s->portals)
		drop_portal(s, s->portals->name);
	for (size_t i = 0; i < s->nsettings; i++) {
		free(s->settings_kv[i].name);
		free(s->settings_kv[i].value);
	}
	arena_destroy(&s->a);
	pgw_buf_free(&s->out);
	free(s->in);
}

void session_run(const session_config *cfg, int fd, int32_t pid, int32_t key, _Atomic bool *cancel)
{
	session *s = calloc(1, sizeof *s);
	if (!s) {
		close(fd);
		return;
	}
	s->fd = fd;
	s->cfg = cfg;
	s->pid = pid;
	s->key = key;
	s->cancel = cancel;
	s->txn = 'I';
	s->a.limit = cfg->statement_memory;
	reset_all(s);
	if (!startup(s))
		goto done;
	while (!s->closing) {
		uint8_t type;
		const uint8_t *body;
		size_t len;
		if (!read_message(s, &type, &body, &len))
			break;
		atomic_store(cancel, false);
		/* After an error the extended protocol skips to Sync; a Flush
		 * still sends the error. */
		if (s->skip_to_sync && type != 'S' && type != 'X') {
			if (type == 'H')
				flush(s);
			continue;
		}
		switch (type) {
		case 'Q': {
			pgw_reader r;
			const char *q;
			size_t ql;
			pgw_reader_init(&r, body, len);
			if (!pgw_get_cstr(&r, &q, &ql) || pgw_remaining(&r) != 0) {
				fatal(s, "08P01", "malformed Query message");
				break;
			}
			simple_query(s, q);
			if (!s->closing) {
				pgw_ready(&s->out, s->txn);
				flush(s);
			}
			break;
		}
		case 'P':
			msg_parse(s, body, len);
			break;
		case 'B':
			msg_bind(s, body, len);
			break;
		case 'D':
			msg_describe(s, body, len);
			break;
		case 'E':
			msg_execute(s, body, len);
			break;
		case 'C':
			msg_close(s, body, len);
			break;
		case 'H':
			flush(s);
			break;
		case 'S':
			s->skip_to_sync = false;
			drop_portal(s, "");
			/* Portals end with their transaction, as in PostgreSQL. */
			if (s->txn == 'I')
				while (s->portals)
					drop_portal(s, s->portals->name);
			pgw_ready(&s->out, s->txn);
			flush(s);
			break;
		case 'X':
			s->closing = true;
			break;
		case 'd':
		case 'c':
		case 'f':
			break; /* CopyData/Done/Fail outside COPY: ignored, as PostgreSQL does */
		case 'F':
			pgw_error(&s->out, 'E', "ERROR", "0A000",
				  "the function call message is not supported", NULL, NULL, 0);
			pgw_ready(&s->out, s->txn);
			flush(s);
			break;
		default:
			fatal(s, "08P01", "invalid frontend message type %d", type);
			break;
		}
		if (s->out.len > (64u << 10))
			flush(s);
	}
done:
	log_debug("connection %d: closed", pid);
	session_free(s);
	free(s);
	close(fd);
}
