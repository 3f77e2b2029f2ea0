/* A load test through libpq: OMEN_LOAD_CONNECTIONS (32) connections for
 * OMEN_LOAD_SECONDS (60) seconds, each running a mix of top-10 searches
 * (some with a filter) and writes by key (INSERT of new keys, UPSERT of
 * preloaded keys, DELETE of keys the connection inserted) on a preloaded
 * 5,000-row table with an HNSW index. Every statement must succeed and every
 * search must return 10 rows. The coordinator's RSS is sampled every second;
 * from the end of the warm-up (10 s) to the end it may grow by 20% at most.
 * Prints throughput and p50/p99 latencies of searches and writes.
 * Runs under omendb-local (PGHOST, PGPORT, PGUSER, PGDATABASE). The
 * coordinator is OMENDB_COORDINATOR_PID when the launcher exports it, else
 * the process listening on PGPORT. */
#include <arpa/inet.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pgdata.h"
#include "test.h"

#define DIM 32
#define ROWS 5000
#define K 10
#define WARMUP_S 10
#define MAX_RSS_GROWTH 0.20
#define MAX_THREADS 256
#define KEY_BASE 1000000 /* thread t inserts keys (t + 1) * KEY_BASE + n */

/* Under AddressSanitizer (this build dir builds the coordinator with the
 * same flags) freed memory sits in ASan's quarantine (256 MiB by default),
 * so RSS grows whatever the code does: the figures are printed, not checked;
 * LeakSanitizer checks leaks at the coordinator's exit instead. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_CHECKED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_CHECKED 0
#endif
#endif
#ifndef RSS_CHECKED
#define RSS_CHECKED 1
#endif

static pgdata data;
static int seconds = 60, nthreads = 32;
static atomic_bool stop;
static atomic_long ops_done, errors;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------- latencies ---------- */

typedef struct lat {
	double *ms;
	size_t n, cap;
} lat;

static void lat_add(lat *l, double ms)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		double *p = realloc(l->ms, cap * sizeof *p);
		if (!p)
			return;
		l->ms = p;
		l->cap = cap;
	}
	l->ms[l->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double lat_pct(const lat *l, double p)
{
	if (!l->n)
		return 0;
	size_t i = (size_t)(p / 100.0 * (double)l->n);
	return l->ms[i < l->n ? i : l->n - 1];
}

/* ---------- the coordinator's memory ---------- */

/* The inode of the socket listening on TCP port (IPv4 or IPv6), or 0. */
static unsigned long listen_inode(unsigned port)
{
	const char *files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
	for (int f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "r");
		if (!fp)
			continue;
		char line[512];
		unsigned long found = 0;
		while (!found && fgets(line, sizeof line, fp)) {
			char local[64];
			unsigned st;
			unsigned long inode;
			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, " %*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
				continue;
			char *colon = strrchr(local, ':');
			if (st == 0x0A && colon && strtoul(colon + 1, NULL, 16) == port)
				found = inode;
		}
		fclose(fp);
		if (found)
			return found;
	}
	return 0;
}

/* The pid owning socket inode, by reading every /proc/PID/fd link, or 0. */
static long pid_of_inode(unsigned long inode)
{
	char want[64];
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	DIR *proc = opendir("/proc");
	if (!proc)
		return 0;
	long pid = 0;
	struct dirent *e;
	while (!pid && (e = readdir(proc))) {
		char *end;
		long p = strtol(e->d_name, &end, 10);
		if (*end || p <= 0)
			continue;
		char dir[64];
		snprintf(dir, sizeof dir, "/proc/%ld/fd", p);
		DIR *fds = opendir(dir);
		if (!fds)
			continue;
		struct dirent *fe;
		while (!pid && (fe = readdir(fds))) {
			char path[512], link[128];
			snprintf(path, sizeof path, "%s/%s", dir, fe->d_name);
			ssize_t n = readlink(path, link, sizeof link - 1);
			if (n > 0) {
				link[n] = 0;
				if (strcmp(link, want) == 0)
					pid = p;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return pid;
}

static long coordinator_pid(void)
{
	const char *env = getenv("OMENDB_COORDINATOR_PID");
	if (env && *env)
		return atol(env);
	const char *port = getenv("PGPORT");
	unsigned long inode = port ? listen_inode((unsigned)atoi(port)) : 0;
	return inode ? pid_of_inode(inode) : 0;
}

/* The command name of pid (/proc/PID/comm) into out. */
static void comm_of(long pid, char *out, size_t cap)
{
	char path[64];
	snprintf(out, cap, "?");
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return;
	if (fgets(out, (int)cap, fp))
		out[strcspn(out, "\n")] = 0;
	fclose(fp);
}

/* VmRSS of pid in KiB, or -1. */
static long rss_kib(long pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -1;
	long kib = -1;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(fp);
	return kib;
}

/* ---------- setup ---------- */

static PGconn *connect_db(void)
{
	PGconn *c = PQconnectdb("");
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

static bool exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

/* The table, ROWS rows through COPY (text), and the index. */
static bool preload(PGconn *c)
{
	if (!exec_ok(c, "CREATE EXTENSION IF NOT EXISTS vector") ||
	    !exec_ok(c, "CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(32))"))
		return false;
	PGresult *r = PQexec(c, "COPY items (id, category, embedding) FROM STDIN");
	bool copying = PQresultStatus(r) == PGRES_COPY_IN;
	PQclear(r);
	if (!copying)
		return false;
	char *line = malloc(64 + pgdata_text_max(DIM));
	if (!line)
		return false;
	for (uint32_t i = 0; i < data.rows; i++) {
		int n = sprintf(line, "%u\t%d\t", i + 1, data.categories[i]);
		size_t m = (size_t)n + pgdata_vector_text(data.vectors + (size_t)i * DIM, DIM, line + n);
		line[m++] = '\n';
		if (PQputCopyData(c, line, (int)m) != 1)
			break;
	}
	free(line);
	PQputCopyEnd(c, NULL);
	bool ok = true;
	while ((r = PQgetResult(c))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "COPY: %s", PQresultErrorMessage(r));
			ok = false;
		}
		PQclear(r);
	}
	return ok && exec_ok(c, "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)");
}

/* ---------- the workers ---------- */

typedef struct worker {
	int id;
	pthread_t thread;
	lat search, write;
	long ops;
} worker;

static void fail_op(worker *w, const char *what, PGresult *r)
{
	long n = atomic_fetch_add(&errors, 1);
	if (n < 10)
		fprintf(stderr, "connection %d: %s: %s%s", w->id, what, r ? PQresultErrorMessage(r) : "",
			r ? "" : "\n");
}

static bool prepare_all(PGconn *c)
{
	static const char *const stmts[][2] = {
	    {"search", "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10"},
	    {"search_f", "SELECT id FROM items WHERE category = $2 ORDER BY embedding <-> $1 LIMIT 10"},
	    {"insert", "INSERT INTO items (id, category, embedding) VALUES ($1, $2, $3)"},
	    {"upsert",
	     "INSERT INTO items (id, category, embedding) VALUES ($1, $2, $3) "
	     "ON CONFLICT (id) DO UPDATE SET category = EXCLUDED.category, embedding = EXCLUDED.embedding"},
	    {"delete", "DELETE FROM items WHERE id = $1"},
	};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
		PGresult *r = PQprepare(c, stmts[i][0], stmts[i][1], 0, NULL);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			fprintf(stderr, "prepare %s: %s", stmts[i][0], PQresultErrorMessage(r));
		PQclear(r);
		if (!ok)
			return false;
	}
	return true;
}

static void *work(void *arg)
{
	worker *w = arg;
	PGconn *c = connect_db();
	if (!c || !prepare_all(c)) {
		fail_op(w, "setup", NULL);
		PQfinish(c);
		return NULL;
	}
	uint64_t rng = 0xfeed0000u + (uint64_t)w->id;
	int64_t next_key = (int64_t)(w->id + 1) * KEY_BASE, oldest_live = next_key;
	float v[DIM];
	unsigned char vec[4 + 4 * DIM];
	char key[24], cat[16];
	while (!atomic_load(&stop)) {
		unsigned pick = (unsigned)(pgdata_next(&rng) % 100);
		pgdata_random_vector(&rng, v, DIM);
		pgdata_vector_binary(v, DIM, vec);
		snprintf(cat, sizeof cat, "%d", (int)(pgdata_next(&rng) % PGDATA_CATEGORIES));
		const char *name;
		bool is_search = pick < 65;
		if (pick < 50)
			name = "search";
		else if (pick < 65)
			name = "search_f";
		else if (pick < 80) {
			name = "upsert";
			snprintf(key, sizeof key, "%d", 1 + (int)(pgdata_next(&rng) % ROWS));
		} else if (pick < 92 || oldest_live == next_key) {
			name = "insert";
			snprintf(key, sizeof key, "%lld", (long long)next_key++);
		} else {
			name = "delete";
			snprintf(key, sizeof key, "%lld", (long long)oldest_live++);
		}
		const char *values[3];
		int lengths[3] = {0, 0, 0}, formats[3] = {0, 0, 0}, n;
		if (is_search) {
			values[0] = (const char *)vec;
			lengths[0] = sizeof vec;
			formats[0] = 1;
			values[1] = cat;
			n = name[6] ? 2 : 1;
		} else {
			values[0] = key;
			values[1] = cat;
			values[2] = (const char *)vec;
			lengths[2] = sizeof vec;
			formats[2] = 1;
			n = strcmp(name, "delete") == 0 ? 1 : 3;
		}
		double t0 = now_s();
		PGresult *r = PQexecPrepared(c, name, n, values, lengths, formats, 1);
		double ms = (now_s() - t0) * 1000;
		ExecStatusType st = PQresultStatus(r);
		if (is_search) {
			if (st != PGRES_TUPLES_OK)
				fail_op(w, name, r);
			else if (PQntuples(r) != K) {
				fprintf(stderr, "connection %d: %s returned %d rows\n", w->id, name,
					PQntuples(r));
				fail_op(w, name, NULL);
			}
			lat_add(&w->search, ms);
		} else {
			if (st != PGRES_COMMAND_OK)
				fail_op(w, name, r);
			else if (strcmp(PQcmdTuples(r), "1") != 0) {
				fprintf(stderr, "connection %d: %s %s touched %s rows\n", w->id, name, key,
					PQcmdTuples(r));
				fail_op(w, name, NULL);
			}
			lat_add(&w->write, ms);
		}
		PQclear(r);
		w->ops++;
		atomic_fetch_add(&ops_done, 1);
	}
	PQfinish(c);
	return NULL;
}

/* ---------- the run ---------- */

static long rss_start = -1, rss_warm = -1, rss_end = -1, rss_max = -1;
static bool ran;

static void mixed_load_runs_without_errors(void)
{
	PGconn *c = connect_db();
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(preload(c));
	PQfinish(c);
	long pid = coordinator_pid();
	if (pid <= 0)
		fprintf(
		    stderr,
		    "the coordinator's pid: neither OMENDB_COORDINATOR_PID nor a listener on PGPORT found\n");
	CHECK(pid > 0);
	rss_start = pid > 0 ? rss_kib(pid) : -1;

	static worker w[MAX_THREADS];
	double t0 = now_s();
	int started = 0;
	for (int i = 0; i < nthreads; i++) {
		w[i].id = i;
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) == 0)
			started++;
	}
	CHECK_EQ_INT(started, nthreads);
	long last_ops = 0;
	for (int s = 1; s <= seconds; s++) {
		double wake = t0 + s;
		while (now_s() < wake)
			usleep(20000);
		long rss = pid > 0 ? rss_kib(pid) : -1;
		if (rss > rss_max)
			rss_max = rss;
		if (s == WARMUP_S)
			rss_warm = rss;
		if (s % 10 == 0 || s == seconds) {
			long ops = atomic_load(&ops_done);
			printf("  %3d s: %6.0f ops/s, errors %ld, coordinator RSS %.1f MiB\n", s,
			       (double)(ops - last_ops) / (s % 10 ? s % 10 : 10), atomic_load(&errors),
			       (double)rss / 1024);
			fflush(stdout);
			last_ops = ops;
		}
	}
	atomic_store(&stop, true);
	for (int i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	double elapsed = now_s() - t0;
	rss_end = pid > 0 ? rss_kib(pid) : -1;
	ran = true;

	lat search = {0}, write = {0};
	for (int i = 0; i < started; i++) {
		for (size_t j = 0; j < w[i].search.n; j++)
			lat_add(&search, w[i].search.ms[j]);
		for (size_t j = 0; j < w[i].write.n; j++)
			lat_add(&write, w[i].write.ms[j]);
		free(w[i].search.ms);
		free(w[i].write.ms);
	}
	qsort(search.ms, search.n, sizeof(double), cmp_double);
	qsort(write.ms, write.n, sizeof(double), cmp_double);
	long total = atomic_load(&ops_done);
	printf("load: %d connections, %.1f s: %ld operations, %.0f ops/s, %ld errors\n", nthreads, elapsed,
	       total, (double)total / elapsed, atomic_load(&errors));
	printf("  searches %zu: p50 %.2f ms, p99 %.2f ms\n", search.n, lat_pct(&search, 50),
	       lat_pct(&search, 99));
	printf("  writes   %zu: p50 %.2f ms, p99 %.2f ms\n", write.n, lat_pct(&write, 50),
	       lat_pct(&write, 99));
	char comm[32];
	comm_of(pid, comm, sizeof comm);
	printf("  %s (pid %ld) RSS: start %.1f MiB, after %d s warm-up %.1f MiB, end %.1f MiB, max "
	       "%.1f MiB\n",
	       comm, pid, (double)rss_start / 1024, WARMUP_S, (double)rss_warm / 1024, (double)rss_end / 1024,
	       (double)rss_max / 1024);
	free(search.ms);
	free(write.ms);
	CHECK(total > 0);
	CHECK_EQ_INT(atomic_load(&errors), 0);
}

static void coordinator_rss_grows_less_than_20_percent_after_warm_up(void)
{
	CHECK(ran);
	CHECK(rss_warm > 0 && rss_end > 0);
	if (!RSS_CHECKED) {
		printf("     (AddressSanitizer build: RSS growth not checked, its quarantine keeps freed "
		       "memory)\n");
		return;
	}
	if (rss_warm > 0 && (double)rss_end > (double)rss_warm * (1 + MAX_RSS_GROWTH))
		fprintf(stderr, "coordinator RSS grew from %ld KiB to %ld KiB (+%.0f%%)\n", rss_warm, rss_end,
			100.0 * (double)(rss_end - rss_warm) / (double)rss_warm);
	CHECK((double)rss_end <= (double)rss_warm * (1 + MAX_RSS_GROWTH));
}

int main(int argc, char **argv)
{
	const char *s = getenv("OMEN_LOAD_SECONDS"), *n = getenv("OMEN_LOAD_CONNECTIONS");
	if (s && *s)
		seconds = atoi(s);
	if (n && *n)
		nthreads = atoi(n);
	if (seconds <= WARMUP_S || nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "OMEN_LOAD_SECONDS must exceed %d and OMEN_LOAD_CONNECTIONS be 1..%d\n",
			WARMUP_S, MAX_THREADS);
		return 2;
	}
	if (pgdata_init(&data, 11, ROWS, DIM) != 0)
		return 1;
	static const test_case tests[] = {TEST(mixed_load_runs_without_errors),
					  TEST(coordinator_rss_grows_less_than_20_percent_after_warm_up)};
	int rc = test_run(tests, 2, argc, argv);
	pgdata_free(&data);
	return rc;
}
