/* Hostile input on the PostgreSQL port, written byte by byte on a raw TCP
 * socket (no libpq, which would refuse to send most of it): malformed startup
 * packets, broken or oversized messages, garbage SASL exchanges and SQL that
 * must fail with the SQLSTATE PostgreSQL 15 with pgvector 0.8 gives. After
 * every case a fresh connection must still answer SELECT 1.
 * Runs under omendb-local (PGHOST, PGPORT, PGUSER, PGDATABASE; PGPASSWORD
 * when the cluster uses scram-sha-256, which the login then performs). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "test.h"

#define READ_TIMEOUT_S 10
#define MAX_BODY (64u << 20) /* larger answers are a failure of this test */

/* Protocol codes of the startup phase (PostgreSQL docs, "Message Formats"). */
#define PROTO_3_0 196608
#define CODE_CANCEL 80877102
#define CODE_SSL 80877103
#define CODE_GSSENC 80877104

/* ---------- building packets ---------- */

/* A growing byte buffer; a failed allocation sets failed, checked once when
 * the packet is sent. */
typedef struct pkt {
	unsigned char *b;
	size_t len, cap, msg_start;
	bool failed;
} pkt;

static void pkt_reserve(pkt *p, size_t n)
{
	if (p->failed || p->len + n <= p->cap)
		return;
	size_t cap = p->cap ? p->cap : 256;
	while (cap < p->len + n)
		cap *= 2;
	unsigned char *b = realloc(p->b, cap);
	if (!b) {
		p->failed = true;
		return;
	}
	p->b = b;
	p->cap = cap;
}

static void pkt_bytes(pkt *p, const void *src, size_t n)
{
	pkt_reserve(p, n);
	if (p->failed)
		return;
	memcpy(p->b + p->len, src, n);
	p->len += n;
}

static void pkt_byte(pkt *p, unsigned char c)
{
	pkt_bytes(p, &c, 1);
}

static void pkt_i16(pkt *p, uint16_t v)
{
	unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
	pkt_bytes(p, b, 2);
}

static void pkt_i32(pkt *p, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			      (unsigned char)v};
	pkt_bytes(p, b, 4);
}

/* A C string with its NUL, as the protocol's String. */
static void pkt_str(pkt *p, const char *s)
{
	pkt_bytes(p, s, strlen(s) + 1);
}

/* Starts a typed message (type byte, then a length patched by pkt_end), or
 * with type 0 an untyped startup-phase packet. */
static void pkt_begin(pkt *p, char type)
{
	if (type)
		pkt_byte(p, (unsigned char)type);
	p->msg_start = p->len;
	pkt_i32(p, 0);
}

static void pkt_end(pkt *p)
{
	if (p->failed)
		return;
	uint32_t n = (uint32_t)(p->len - p->msg_start);
	unsigned char *l = p->b + p->msg_start;
	l[0] = (unsigned char)(n >> 24);
	l[1] = (unsigned char)(n >> 16);
	l[2] = (unsigned char)(n >> 8);
	l[3] = (unsigned char)n;
}

/* ---------- the socket ---------- */

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

/* A TCP connection to PGHOST:PGPORT with a read timeout, or -1. */
static int tcp_connect(void)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
	int rc = getaddrinfo(env_or("PGHOST", "127.0.0.1"), env_or("PGPORT", "5432"), &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "connect to %s:%s: %s\n", env_or("PGHOST", "127.0.0.1"),
			env_or("PGPORT", "5432"), strerror(errno));
		return -1;
	}
	struct timeval tv = {.tv_sec = READ_TIMEOUT_S};
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* Sends and empties the packet. A peer that already closed is not an error
 * here (the reply, or its absence, is what the cases check). */
static bool send_pkt(int fd, pkt *p)
{
	bool ok = !p->failed;
	for (size_t off = 0; ok && off < p->len;) {
		ssize_t n = send(fd, p->b + off, p->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	p->len = 0;
	p->failed = false;
	return ok;
}

static void send_raw(int fd, const void *b, size_t n)
{
	pkt p = {0};
	pkt_bytes(&p, b, n);
	send_pkt(fd, &p);
	free(p.b);
}

enum { READ_OK = 1, READ_EOF = 0, READ_TIMEOUT = -1, READ_ERROR = -2 };

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = recv(fd, (char *)buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return READ_TIMEOUT;
		if (r < 0)
			return errno == ECONNRESET ? READ_EOF : READ_ERROR;
		if (r == 0)
			return READ_EOF;
		got += (size_t)r;
	}
	return READ_OK;
}

/* One backend message: type, body (malloc'd, NUL-terminated for
 * convenience) and body length. */
typedef struct msg {
	char type;
	unsigned char *body;
	uint32_t len;
} msg;

static int read_msg(int fd, msg *m)
{
	unsigned char h[5];
	free(m->body);
	m->body = NULL;
	m->len = 0;
	int rc = read_full(fd, h, 5);
	if (rc != READ_OK)
		return rc;
	uint32_t len = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
	if (len < 4 || len - 4 > MAX_BODY) {
		fprintf(stderr, "server sent message '%c' with length %u\n", h[0], len);
		return READ_ERROR;
	}
	m->type = (char)h[0];
	m->len = len - 4;
	m->body = malloc(m->len + 1);
	if (!m->body)
		return READ_ERROR;
	m->body[m->len] = 0;
	return m->len ? read_full(fd, m->body, m->len) : READ_OK;
}

static uint32_t get_u32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Field f ('C' SQLSTATE, 'M' message...) of an ErrorResponse or
 * NoticeResponse, copied into out ("" when absent). */
static void error_field(const msg *m, char f, char *out, size_t cap)
{
	out[0] = 0;
	for (uint32_t i = 0; i < m->len && m->body[i];) {
		char code = (char)m->body[i++];
		const char *val = (const char *)m->body + i;
		size_t n = strnlen(val, m->len - i);
		if (code == f) {
			snprintf(out, cap, "%.*s", (int)n, val);
			return;
		}
		i += (uint32_t)n + 1;
	}
}

/* ---------- what came back ---------- */

/* What a run of messages up to ReadyForQuery (or the end of the
 * connection) held. */
typedef struct reply {
	char sqlstate[6];  /* of the first ErrorResponse, "" if none */
	char message[256]; /* its message */
	int errors;	   /* ErrorResponses seen */
	int rows;	   /* DataRows */
	char value[64];	   /* first column of the first DataRow */
	char ready;	   /* ReadyForQuery's status, 0 if none came */
	bool closed;	   /* the server closed the connection */
	bool timed_out;	   /* nothing for READ_TIMEOUT_S seconds */
	bool negotiated;   /* a NegotiateProtocolVersion came */
} reply;

static void note(reply *r, const msg *m)
{
	if (m->type == 'E') {
		if (!r->errors++) {
			error_field(m, 'C', r->sqlstate, sizeof r->sqlstate);
			error_field(m, 'M', r->message, sizeof r->message);
		}
	} else if (m->type == 'D') {
		if (!r->rows++ && m->len >= 6) {
			uint32_t n = get_u32(m->body + 2);
			if (n != 0xffffffffu && n <= m->len - 6)
				snprintf(r->value, sizeof r->value, "%.*s", (int)n,
					 (const char *)m->body + 6);
		}
	} else if (m->type == 'v') {
		r->negotiated = true;
	}
}

/* Reads until ReadyForQuery, the end of the connection or the timeout. */
static reply until_ready(int fd)
{
	reply r = {0};
	msg m = {0};
	for (;;) {
		int rc = read_msg(fd, &m);
		if (rc != READ_OK) {
			r.closed = rc == READ_EOF;
			r.timed_out = rc == READ_TIMEOUT;
			break;
		}
		note(&r, &m);
		if (m.type == 'Z') {
			r.ready = m.len ? (char)m.body[0] : '?';
			break;
		}
	}
	free(m.body);
	return r;
}

/* Reads until the server closes the connection; a timeout means it kept
 * the connection open. */
static reply until_closed(int fd)
{
	reply r = {0};
	msg m = {0};
	for (;;) {
		int rc = read_msg(fd, &m);
		if (rc != READ_OK) {
			r.closed = rc == READ_EOF;
			r.timed_out = rc == READ_TIMEOUT;
			break;
		}
		note(&r, &m);
	}
	free(m.body);
	return r;
}

/* ---------- SCRAM-SHA-256 (RFC 5802, RFC 7677) for the login ---------- */

static bool scram_mode(void)
{
	return getenv("PGPASSWORD") && *getenv("PGPASSWORD");
}

static void b64_encode(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* Decodes base64 into out (cap bytes); returns the length or -1. */
static int b64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
	if (n % 4 || n / 4 * 3 > cap)
		return -1;
	int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (len < 0)
		return -1;
	for (size_t i = n; i > 0 && in[i - 1] == '='; i--)
		len--;
	return len;
}

/* The value of attribute a ("r", "s", "i") in a SCRAM message, copied. */
static bool scram_attr(const char *s, char a, char *out, size_t cap)
{
	for (const char *p = s; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (p[0] == a && p[1] == '=') {
			size_t n = strcspn(p + 2, ",");
			if (n >= cap)
				return false;
			memcpy(out, p + 2, n);
			out[n] = 0;
			return true;
		}
	}
	return false;
}

static void send_sasl_initial(int fd, const char *mech, const char *data, int32_t claimed_len)
{
	pkt p = {0};
	pkt_begin(&p, 'p');
	pkt_str(&p, mech);
	pkt_i32(&p, (uint32_t)claimed_len);
	pkt_bytes(&p, data, strlen(data));
	pkt_end(&p);
	send_pkt(fd, &p);
	free(p.b);
}

/* The client side of SCRAM-SHA-256 after AuthenticationSASL, with password;
 * returns what followed the final client message (up to ReadyForQuery). */
static reply scram_exchange(int fd, const char *password)
{
	reply r = {0};
	unsigned char nonce_raw[18];
	char nonce[32], first_bare[64];
	if (RAND_bytes(nonce_raw, sizeof nonce_raw) != 1) {
		snprintf(r.message, sizeof r.message, "RAND_bytes failed");
		return r;
	}
	b64_encode(nonce_raw, sizeof nonce_raw, nonce);
	snprintf(first_bare, sizeof first_bare, "n=,r=%s", nonce);
	char first[80];
	snprintf(first, sizeof first, "n,,%s", first_bare);
	send_sasl_initial(fd, "SCRAM-SHA-256", first, (int32_t)strlen(first));

	msg m = {0};
	int rc = read_msg(fd, &m);
	if (rc != READ_OK || m.type != 'R' || m.len < 4 || get_u32(m.body) != 11) {
		if (rc == READ_OK)
			note(&r, &m);
		r.closed = rc == READ_EOF;
		free(m.body);
		return r;
	}
	char server_first[512], snonce[256], salt64[128], iters[16];
	snprintf(server_first, sizeof server_first, "%.*s", (int)(m.len - 4), (const char *)m.body + 4);
	free(m.body);
	m.body = NULL;
	unsigned char salt[96];
	int salt_len;
	if (!scram_attr(server_first, 'r', snonce, sizeof snonce) ||
	    strncmp(snonce, nonce, strlen(nonce)) != 0 ||
	    !scram_attr(server_first, 's', salt64, sizeof salt64) ||
	    !scram_attr(server_first, 'i', iters, sizeof iters) ||
	    (salt_len = b64_decode(salt64, strlen(salt64), salt, sizeof salt)) < 0 || atoi(iters) < 1) {
		snprintf(r.message, sizeof r.message, "bad server-first-message: %.120s", server_first);
		return r;
	}
	unsigned char salted[32], client_key[32], stored_key[32], signature[32], proof[32];
	unsigned int n = 32;
	PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, salt_len, atoi(iters), EVP_sha256(), 32,
			  salted);
	HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, client_key, &n);
	SHA256(client_key, 32, stored_key);
	char final_wo_proof[320], auth_msg[1024];
	snprintf(final_wo_proof, sizeof final_wo_proof, "c=biws,r=%s", snonce);
	snprintf(auth_msg, sizeof auth_msg, "%s,%s,%s", first_bare, server_first, final_wo_proof);
	HMAC(EVP_sha256(), stored_key, 32, (const unsigned char *)auth_msg, strlen(auth_msg), signature, &n);
	for (int i = 0; i < 32; i++)
		proof[i] = client_key[i] ^ signature[i];
	char proof64[48], final[400];
	b64_encode(proof, 32, proof64);
	snprintf(final, sizeof final, "%s,p=%s", final_wo_proof, proof64);
	pkt p = {0};
	pkt_begin(&p, 'p');
	pkt_bytes(&p, final, strlen(final));
	pkt_end(&p);
	send_pkt(fd, &p);
	free(p.b);
	return until_ready(fd);
}

/* ---------- logging in and querying ---------- */

static void send_startup(int fd, uint32_t version, const char *user, const char *database)
{
	pkt p = {0};
	pkt_begin(&p, 0);
	pkt_i32(&p, version);
	if (user) {
		pkt_str(&p, "user");
		pkt_str(&p, user);
	}
	if (database) {
		pkt_str(&p, "database");
		pkt_str(&p, database);
	}
	pkt_str(&p, "application_name");
	pkt_str(&p, "test_badinput_pg");
	pkt_byte(&p, 0);
	pkt_end(&p);
	send_pkt(fd, &p);
	free(p.b);
}

/* After a startup packet: authentication (trust, or SCRAM with PGPASSWORD)
 * and everything up to ReadyForQuery. */
static reply finish_login(int fd)
{
	msg m = {0};
	reply r = {0};
	int rc = read_msg(fd, &m);
	while (rc == READ_OK && m.type == 'v') {
		r.negotiated = true;
		rc = read_msg(fd, &m);
	}
	if (rc != READ_OK) {
		r.closed = rc == READ_EOF;
		r.timed_out = rc == READ_TIMEOUT;
	} else if (m.type == 'R' && m.len >= 4 && get_u32(m.body) == 10) {
		if (!scram_mode()) {
			snprintf(r.message, sizeof r.message,
				 "server asks for SASL but PGPASSWORD is not set");
		} else {
			bool negotiated = r.negotiated;
			r = scram_exchange(fd, getenv("PGPASSWORD"));
			r.negotiated = negotiated;
		}
	} else if (m.type == 'R' && m.len >= 4 && get_u32(m.body) == 0) {
		bool negotiated = r.negotiated;
		r = until_ready(fd);
		r.negotiated = negotiated;
	} else {
		note(&r, &m);
		if (m.type != 'E')
			snprintf(r.message, sizeof r.message, "unexpected message '%c' at login", m.type);
	}
	free(m.body);
	return r;
}

/* A connection logged in as PGUSER to PGDATABASE, or -1 (reported). */
static int login(void)
{
	int fd = tcp_connect();
	if (fd < 0)
		return -1;
	send_startup(fd, PROTO_3_0, env_or("PGUSER", "omendb"), env_or("PGDATABASE", "omendb"));
	reply r = finish_login(fd);
	if (r.ready != 'I') {
		fprintf(stderr, "login failed: %s %s%s\n", r.sqlstate, r.message,
			r.closed ? " (closed)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

static void send_query(int fd, const char *sql)
{
	pkt p = {0};
	pkt_begin(&p, 'Q');
	pkt_str(&p, sql);
	pkt_end(&p);
	send_pkt(fd, &p);
	free(p.b);
}

static reply query(int fd, const char *sql)
{
	send_query(fd, sql);
	return until_ready(fd);
}

/* The server still serves: a new connection logs in and SELECT 1 answers 1. */
static bool server_alive(void)
{
	int fd = login();
	if (fd < 0)
		return false;
	reply r = query(fd, "SELECT 1");
	close(fd);
	if (r.errors || strcmp(r.value, "1") != 0 || r.ready != 'I') {
		fprintf(stderr, "SELECT 1 on a fresh connection: %s %s value '%s'\n", r.sqlstate, r.message,
			r.value);
		return false;
	}
	return true;
}

/* A SQL statement on a fresh connection fails with sqlstate, and the same
 * connection then runs SELECT 1. */
static void expect_sql_error(const char *sql, const char *sqlstate)
{
	int fd = login();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	reply r = query(fd, sql);
	if (strcmp(r.sqlstate, sqlstate) != 0)
		fprintf(stderr, "  %.80s...: got SQLSTATE '%s' (%s), want %s\n", sql, r.sqlstate, r.message,
			sqlstate);
	CHECK(strcmp(r.sqlstate, sqlstate) == 0);
	CHECK_EQ_INT(r.ready, 'I');
	r = query(fd, "SELECT 1");
	CHECK(r.errors == 0 && strcmp(r.value, "1") == 0);
	close(fd);
	CHECK(server_alive());
}

/* The server closes the connection within the timeout; an ErrorResponse
 * before that is optional (PostgreSQL only logs some of these), but when
 * one comes it carries sqlstate. */
static void expect_closed(int fd, const char *sqlstate, bool error_required)
{
	reply r = until_closed(fd);
	close(fd);
	if (r.timed_out)
		fprintf(stderr, "  connection still open after %d s\n", READ_TIMEOUT_S);
	CHECK(r.closed);
	if (error_required || r.errors) {
		if (strcmp(r.sqlstate, sqlstate) != 0)
			fprintf(stderr, "  got SQLSTATE '%s' (%s), want %s\n", r.sqlstate, r.message,
				sqlstate);
		CHECK(strcmp(r.sqlstate, sqlstate) == 0);
	}
	CHECK(server_alive());
}

/* ---------- setup ---------- */

static void server_answers_select_1(void)
{
	CHECK(server_alive());
	int fd = login();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ_INT(query(fd, "CREATE EXTENSION IF NOT EXISTS vector").errors, 0);
	CHECK_EQ_INT(
	    query(fd, "CREATE TABLE bad (id bigint PRIMARY KEY, category integer, v vector(3))").errors, 0);
	CHECK_EQ_INT(query(fd, "INSERT INTO bad VALUES (1, 1, '[1,2,3]')").errors, 0);
	close(fd);
}

/* ---------- the startup packet ---------- */

static void startup_shorter_than_8_bytes_closes(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	const unsigned char p[] = {0, 0, 0, 4};
	send_raw(fd, p, sizeof p);
	expect_closed(fd, "08P01", false);
}

/* PostgreSQL refuses a startup body over 10,000 bytes (MAX_STARTUP_PACKET_
 * LENGTH, the length word excluded): 20,000 is beyond it for any reading. */
static void startup_longer_than_10000_bytes_closes(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	pkt p = {0};
	pkt_i32(&p, 20000);
	pkt_i32(&p, PROTO_3_0);
	send_pkt(fd, &p);
	free(p.b);
	expect_closed(fd, "08P01", false);
}

/* PostgreSQL answers a 2.0 client in 2.0's own error format ('E' and a
 * NUL-terminated text, no length word); a 3.0 ErrorResponse is fine too, and
 * then it carries 0A000. Either way the connection closes. */
static void startup_protocol_2_is_refused_0A000(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	send_startup(fd, 2u << 16, env_or("PGUSER", "omendb"), env_or("PGDATABASE", "omendb"));
	unsigned char buf[4096];
	size_t n = 0;
	int rc = READ_ERROR;
	while (n < sizeof buf - 1 && (rc = read_full(fd, buf + n, 1)) == READ_OK)
		n++;
	close(fd);
	CHECK(n < sizeof buf - 1 && rc == READ_EOF);
	CHECK(n > 0 && buf[0] == 'E');
	uint32_t len = n >= 5 ? get_u32(buf + 1) : 0;
	if (n >= 5 && len + 1 == n) {
		msg m = {.type = 'E', .body = buf + 5, .len = len - 4};
		char state[6];
		error_field(&m, 'C', state, sizeof state);
		if (strcmp(state, "0A000") != 0)
			fprintf(stderr, "  got SQLSTATE '%s', want 0A000\n", state);
		CHECK(strcmp(state, "0A000") == 0);
	}
	CHECK(server_alive());
}

static void startup_protocol_4_is_refused_0A000(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	send_startup(fd, 4u << 16, env_or("PGUSER", "omendb"), env_or("PGDATABASE", "omendb"));
	expect_closed(fd, "0A000", true);
}

/* A newer minor version is answered with NegotiateProtocolVersion and the
 * session goes on in 3.0 (protocol docs, "Protocol versions"). */
static void startup_protocol_3_5_is_negotiated_down(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	send_startup(fd, 3u << 16 | 5, env_or("PGUSER", "omendb"), env_or("PGDATABASE", "omendb"));
	reply r = finish_login(fd);
	CHECK(r.negotiated);
	CHECK_EQ_INT(r.ready, 'I');
	if (r.ready == 'I') {
		r = query(fd, "SELECT 1");
		CHECK(strcmp(r.value, "1") == 0);
	}
	close(fd);
	CHECK(server_alive());
}

static void startup_without_terminator_is_refused_08P01(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	pkt p = {0};
	pkt_begin(&p, 0);
	pkt_i32(&p, PROTO_3_0);
	pkt_str(&p, "user");
	pkt_str(&p, env_or("PGUSER", "omendb"));
	pkt_end(&p);
	send_pkt(fd, &p);
	free(p.b);
	expect_closed(fd, "08P01", true);
}

static void startup_parameter_without_value_is_refused_08P01(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	pkt p = {0};
	pkt_begin(&p, 0);
	pkt_i32(&p, PROTO_3_0);
	pkt_str(&p, "user");
	pkt_str(&p, env_or("PGUSER", "omendb"));
	pkt_str(&p, "database");
	pkt_end(&p);
	send_pkt(fd, &p);
	free(p.b);
	expect_closed(fd, "08P01", true);
}

static void startup_without_user_is_refused_28000(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	send_startup(fd, PROTO_3_0, NULL, env_or("PGDATABASE", "omendb"));
	expect_closed(fd, "28000", true);
}

static void send_request_code(int fd, uint32_t code)
{
	pkt p = {0};
	pkt_i32(&p, 8);
	pkt_i32(&p, code);
	send_pkt(fd, &p);
	free(p.b);
}

/* SSLRequest and GSSENCRequest get a single 'N', then a startup packet on
 * the same connection logs in. (A PostgreSQL built with GSSAPI answers 'G'
 * to GSSENCRequest; OmenDB has no GSSAPI and must say 'N'.) */
static void encryption_request_answered_n(uint32_t code)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	send_request_code(fd, code);
	char c = 0;
	CHECK_EQ_INT(read_full(fd, &c, 1), READ_OK);
	CHECK_EQ_INT(c, 'N');
	send_startup(fd, PROTO_3_0, env_or("PGUSER", "omendb"), env_or("PGDATABASE", "omendb"));
	reply r = finish_login(fd);
	CHECK_EQ_INT(r.ready, 'I');
	if (r.ready == 'I')
		CHECK(strcmp(query(fd, "SELECT 1").value, "1") == 0);
	close(fd);
	CHECK(server_alive());
}

static void ssl_request_is_answered_n_then_startup_works(void)
{
	encryption_request_answered_n(CODE_SSL);
}

static void gssenc_request_is_answered_n_then_startup_works(void)
{
	encryption_request_answered_n(CODE_GSSENC);
}

/* A CancelRequest for no known backend: no answer, the connection closes. */
static void cancel_request_with_unknown_key_closes_silently(void)
{
	int fd = tcp_connect();
	CHECK(fd >= 0);
	pkt p = {0};
	pkt_i32(&p, 16);
	pkt_i32(&p, CODE_CANCEL);
	pkt_i32(&p, 0x7eadbeef);
	pkt_i32(&p, 0x12345678);
	send_pkt(fd, &p);
	free(p.b);
	reply r = until_closed(fd);
	close(fd);
	CHECK(r.closed);
	CHECK_EQ_INT(r.errors, 0);
	CHECK(server_alive());
}

/* ---------- messages after login ---------- */

static void message_length_below_4_closes(void)
{
	int fd = login();
	CHECK(fd >= 0);
	const unsigned char m[] = {'Q', 0, 0, 0, 3};
	send_raw(fd, m, sizeof m);
	expect_closed(fd, "08P01", false);
}

/* The length claims 2 GiB and a few bytes follow: the server must refuse at
 * once rather than wait for (or allocate) the rest. */
static void message_claiming_2_gib_closes(void)
{
	int fd = login();
	CHECK(fd >= 0);
	const unsigned char m[] = {'Q', 0x7f, 0xff, 0xff, 0xff, 'S', 'E', 'L', 'E', 'C', 'T'};
	send_raw(fd, m, sizeof m);
	expect_closed(fd, "08P01", false);
}

static void unknown_message_type_z_closes_08P01(void)
{
	int fd = login();
	CHECK(fd >= 0);
	const unsigned char m[] = {'Z', 0, 0, 0, 4};
	send_raw(fd, m, sizeof m);
	expect_closed(fd, "08P01", true);
}

/* A Query whose string has no NUL inside the message. PostgreSQL answers
 * 08P01 and stays (an ERROR, not FATAL); closing is allowed too. */
static void query_without_terminating_nul_fails_08P01(void)
{
	int fd = login();
	CHECK(fd >= 0);
	const unsigned char m[] = {'Q', 0, 0, 0, 12, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1'};
	send_raw(fd, m, sizeof m);
	reply r = until_ready(fd);
	close(fd);
	CHECK(strcmp(r.sqlstate, "08P01") == 0);
	CHECK(r.ready == 'I' || r.closed);
	CHECK(server_alive());
}

static void truncated_message_then_hangup_leaves_server_up(void)
{
	int fd = login();
	CHECK(fd >= 0);
	const unsigned char m[] = {'Q', 0, 0, 1, 0, 'S', 'E', 'L'};
	send_raw(fd, m, sizeof m);
	close(fd);
	CHECK(server_alive());
}

static void add_parse(pkt *p, const char *name, const char *sql)
{
	pkt_begin(p, 'P');
	pkt_str(p, name);
	pkt_str(p, sql);
	pkt_i16(p, 0);
	pkt_end(p);
}

static void add_bind(pkt *p, const char *portal, const char *stmt)
{
	pkt_begin(p, 'B');
	pkt_str(p, portal);
	pkt_str(p, stmt);
	pkt_i16(p, 0);
	pkt_i16(p, 0);
	pkt_i16(p, 0);
	pkt_end(p);
}

static void add_execute(pkt *p, const char *portal)
{
	pkt_begin(p, 'E');
	pkt_str(p, portal);
	pkt_i32(p, 0);
	pkt_end(p);
}

static void add_sync(pkt *p)
{
	pkt_begin(p, 'S');
	pkt_end(p);
}

/* An extended-protocol batch that must fail with sqlstate exactly once (the
 * messages after the error are skipped up to Sync), then the connection runs
 * an unnamed Parse/Bind/Execute of SELECT 1. */
static void expect_extended_error(pkt *batch, const char *sqlstate)
{
	int fd = login();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	add_sync(batch);
	send_pkt(fd, batch);
	reply r = until_ready(fd);
	if (strcmp(r.sqlstate, sqlstate) != 0)
		fprintf(stderr, "  got SQLSTATE '%s' (%s), want %s\n", r.sqlstate, r.message, sqlstate);
	CHECK(strcmp(r.sqlstate, sqlstate) == 0);
	CHECK_EQ_INT(r.errors, 1);
	CHECK_EQ_INT(r.ready, 'I');
	add_parse(batch, "", "SELECT 1");
	add_bind(batch, "", "");
	add_execute(batch, "");
	add_sync(batch);
	send_pkt(fd, batch);
	r = until_ready(fd);
	CHECK_EQ_INT(r.errors, 0);
	CHECK(strcmp(r.value, "1") == 0);
	close(fd);
	free(batch->b);
	CHECK(server_alive());
}

static void bind_of_unknown_statement_fails_26000(void)
{
	pkt p = {0};
	add_bind(&p, "", "nosuch");
	add_execute(&p, "");
	expect_extended_error(&p, "26000");
}

/* DEALLOCATE of a statement drops its portals: executing one afterwards is
 * 34000, not a read of freed memory. */
static void deallocate_drops_the_statements_portals_34000(void)
{
	pkt p = {0};
	add_parse(&p, "s1", "SELECT 1");
	add_bind(&p, "p1", "s1");
	add_parse(&p, "", "DEALLOCATE s1");
	add_bind(&p, "", "");
	add_execute(&p, "");
	add_execute(&p, "p1");
	expect_extended_error(&p, "34000");
}

/* Two result formats for three columns: 08P01 before any row is encoded. */
static void result_formats_not_matching_columns_fail_08P01(void)
{
	pkt p = {0};
	add_parse(&p, "", "SELECT 1, 2, 3");
	pkt_begin(&p, 'B');
	pkt_str(&p, "");
	pkt_str(&p, "");
	pkt_i16(&p, 0);
	pkt_i16(&p, 0);
	pkt_i16(&p, 2);
	pkt_i16(&p, 1);
	pkt_i16(&p, 1);
	pkt_end(&p);
	add_execute(&p, "");
	expect_extended_error(&p, "08P01");
}

static void execute_of_unknown_portal_fails_34000(void)
{
	pkt p = {0};
	add_execute(&p, "nosuch");
	expect_extended_error(&p, "34000");
}

static void parse_syntax_error_fails_42601_and_skips_to_sync(void)
{
	pkt p = {0};
	add_parse(&p, "", "SELEC 1");
	add_bind(&p, "", "");
	add_execute(&p, "");
	expect_extended_error(&p, "42601");
}

/* Not hostile, but only raw bytes show it: an error in Parse is sent when
 * the client asks for it with Flush, before any Sync (asyncpg prepares with
 * Parse, Describe, Flush and waits). PostgreSQL flushes every ErrorResponse
 * at once (elog.c, send_message_to_frontend). */
static void parse_error_is_sent_at_flush_before_sync(void)
{
	int fd = login();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	pkt p = {0};
	add_parse(&p, "s1", "SELECT * FROM nosuch");
	pkt_begin(&p, 'D');
	pkt_byte(&p, 'S');
	pkt_str(&p, "s1");
	pkt_end(&p);
	pkt_begin(&p, 'H');
	pkt_end(&p);
	send_pkt(fd, &p);
	msg m = {0};
	reply r = {0};
	int rc = read_msg(fd, &m);
	if (rc == READ_TIMEOUT)
		fprintf(stderr, "  no answer to Parse + Describe + Flush within %d s\n", READ_TIMEOUT_S);
	CHECK_EQ_INT(rc, READ_OK);
	if (rc == READ_OK)
		note(&r, &m);
	free(m.body);
	CHECK(strcmp(r.sqlstate, "42P01") == 0);
	add_sync(&p);
	send_pkt(fd, &p);
	free(p.b);
	r = until_ready(fd);
	CHECK_EQ_INT(r.ready, 'I');
	close(fd);
	CHECK(server_alive());
}

/* A Bind whose parameter claims more bytes than the message holds. */
static void bind_parameter_longer_than_message_fails_08P01(void)
{
	int fd = login();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	pkt p = {0};
	add_parse(&p, "s1", "SELECT $1::integer");
	pkt_begin(&p, 'B');
	pkt_str(&p, "");
	pkt_str(&p, "s1");
	pkt_i16(&p, 0);
	pkt_i16(&p, 1);
	pkt_i32(&p, 1000);
	pkt_bytes(&p, "12", 2);
	pkt_end(&p);
	add_execute(&p, "");
	add_sync(&p);
	send_pkt(fd, &p);
	free(p.b);
	reply r = until_ready(fd);
	close(fd);
	if (strcmp(r.sqlstate, "08P01") != 0)
		fprintf(stderr, "  got SQLSTATE '%s' (%s), want 08P01\n", r.sqlstate, r.message);
	CHECK(strcmp(r.sqlstate, "08P01") == 0);
	CHECK(r.ready == 'I' || r.closed);
	CHECK(server_alive());
}

/* ---------- SASL (only when the cluster runs scram-sha-256) ---------- */

/* A connection whose startup got AuthenticationSASL, or -1. */
static int sasl_started(void)
{
	int fd = tcp_connect();
	if (fd < 0)
		return -1;
	send_startup(fd, PROTO_3_0, env_or("PGUSER", "omendb"), env_or("PGDATABASE", "omendb"));
	msg m = {0};
	int rc = read_msg(fd, &m);
	bool sasl = rc == READ_OK && m.type == 'R' && m.len >= 4 && get_u32(m.body) == 10 &&
		    memmem(m.body + 4, m.len - 4, "SCRAM-SHA-256", 14);
	free(m.body);
	if (!sasl) {
		fprintf(stderr, "  no AuthenticationSASL offering SCRAM-SHA-256\n");
		close(fd);
		return -1;
	}
	return fd;
}

static bool skip_without_scram(void)
{
	if (scram_mode())
		return false;
	printf("     (trust authentication: no SASL exchange to attack; run with --auth scram-sha-256)\n");
	return true;
}

static void sasl_initial_response_with_garbage_fails_08P01(void)
{
	if (skip_without_scram())
		return;
	int fd = sasl_started();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	send_sasl_initial(fd, "SCRAM-SHA-256", "\x01garbage,,,=", 12);
	expect_closed(fd, "08P01", true);
}

static void sasl_unknown_mechanism_fails_08P01(void)
{
	if (skip_without_scram())
		return;
	int fd = sasl_started();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	send_sasl_initial(fd, "ROT13-PLUS", "n,,n=,r=abc", 11);
	expect_closed(fd, "08P01", true);
}

static void sasl_response_longer_than_message_fails_08P01(void)
{
	if (skip_without_scram())
		return;
	int fd = sasl_started();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	send_sasl_initial(fd, "SCRAM-SHA-256", "n,,n=,r=abc", 100000);
	expect_closed(fd, "08P01", true);
}

static void sasl_wrong_password_fails_28P01(void)
{
	if (skip_without_scram())
		return;
	int fd = sasl_started();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	reply r = scram_exchange(fd, "not-the-password");
	if (strcmp(r.sqlstate, "28P01") != 0)
		fprintf(stderr, "  got SQLSTATE '%s' (%s), want 28P01\n", r.sqlstate, r.message);
	CHECK(strcmp(r.sqlstate, "28P01") == 0);
	CHECK(r.ready == 0);
	close(fd);
	CHECK(server_alive());
}

/* ---------- SQL ---------- */

static void query_with_100000_nested_parentheses_fails_54001(void)
{
	enum { DEPTH = 100000 };
	char *sql = malloc(2 * DEPTH + 16);
	CHECK(sql != NULL);
	if (!sql)
		return;
	size_t n = (size_t)sprintf(sql, "SELECT ");
	memset(sql + n, '(', DEPTH);
	n += DEPTH;
	sql[n++] = '1';
	memset(sql + n, ')', DEPTH);
	n += DEPTH;
	sql[n] = 0;
	/* PostgreSQL's own parser answers 42601 "memory exhausted"; OmenDB
	 * refuses nesting past 1,000 levels before parsing (statement_too_complex,
	 * docs/sql.md), which keeps libpg_query's protobuf output within the
	 * thread's stack. */
	expect_sql_error(sql, "54001");
	free(sql);
}

static void insert_of_17000_dimension_vector_fails_54000(void)
{
	enum { DIM = 17000 };
	char *sql = malloc(2 * DIM + 64);
	CHECK(sql != NULL);
	if (!sql)
		return;
	size_t n = (size_t)sprintf(sql, "INSERT INTO bad VALUES (2, 1, '[");
	for (int i = 0; i < DIM; i++) {
		sql[n++] = '1';
		sql[n++] = i + 1 < DIM ? ',' : ']';
	}
	strcpy(sql + n, "')");
	/* vector_in: "vector cannot have more than 16000 dimensions". */
	expect_sql_error(sql, "54000");
	free(sql);
}

static void malformed_vector_text_fails_22P02(void)
{
	expect_sql_error("INSERT INTO bad VALUES (3, 1, '[1,2')", "22P02");
}

static void nan_in_vector_fails_22000(void)
{
	expect_sql_error("INSERT INTO bad VALUES (4, 1, '[1,nan,3]')", "22000");
}

static void wrong_dimension_fails_22000(void)
{
	expect_sql_error("INSERT INTO bad VALUES (5, 1, '[1,2]')", "22000");
}

static void unknown_table_fails_42P01(void)
{
	expect_sql_error("SELECT * FROM nosuch", "42P01");
}

static void unknown_column_fails_42703(void)
{
	expect_sql_error("SELECT id FROM bad ORDER BY nosuch <-> '[1,2,3]' LIMIT 1", "42703");
}

/* Refused by PostgreSQL as well: FOR UPDATE with an aggregate. */
static void unsupported_statement_fails_0A000(void)
{
	expect_sql_error("SELECT count(*) FROM bad FOR UPDATE", "0A000");
}

static void refused_rows_left_nothing_behind(void)
{
	int fd = login();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	reply r = query(fd, "SELECT count(*) FROM bad");
	CHECK_EQ_INT(r.errors, 0);
	CHECK(strcmp(r.value, "1") == 0);
	close(fd);
}

TEST_MAIN(TEST(server_answers_select_1), TEST(startup_shorter_than_8_bytes_closes),
	  TEST(startup_longer_than_10000_bytes_closes), TEST(startup_protocol_2_is_refused_0A000),
	  TEST(startup_protocol_4_is_refused_0A000), TEST(startup_protocol_3_5_is_negotiated_down),
	  TEST(startup_without_terminator_is_refused_08P01),
	  TEST(startup_parameter_without_value_is_refused_08P01), TEST(startup_without_user_is_refused_28000),
	  TEST(ssl_request_is_answered_n_then_startup_works),
	  TEST(gssenc_request_is_answered_n_then_startup_works),
	  TEST(cancel_request_with_unknown_key_closes_silently), TEST(message_length_below_4_closes),
	  TEST(message_claiming_2_gib_closes), TEST(unknown_message_type_z_closes_08P01),
	  TEST(query_without_terminating_nul_fails_08P01),
	  TEST(truncated_message_then_hangup_leaves_server_up), TEST(bind_of_unknown_statement_fails_26000),
	  TEST(deallocate_drops_the_statements_portals_34000),
	  TEST(result_formats_not_matching_columns_fail_08P01), TEST(execute_of_unknown_portal_fails_34000),
	  TEST(parse_syntax_error_fails_42601_and_skips_to_sync),
	  TEST(parse_error_is_sent_at_flush_before_sync),
	  TEST(bind_parameter_longer_than_message_fails_08P01),
	  TEST(sasl_initial_response_with_garbage_fails_08P01), TEST(sasl_unknown_mechanism_fails_08P01),
	  TEST(sasl_response_longer_than_message_fails_08P01), TEST(sasl_wrong_password_fails_28P01),
	  TEST(query_with_100000_nested_parentheses_fails_54001),
	  TEST(insert_of_17000_dimension_vector_fails_54000), TEST(malformed_vector_text_fails_22P02),
	  TEST(nan_in_vector_fails_22000), TEST(wrong_dimension_fails_22000), TEST(unknown_table_fails_42P01),
	  TEST(unknown_column_fails_42703), TEST(unsupported_statement_fails_0A000),
	  TEST(refused_rows_left_nothing_behind))
