/* engine: the engine benchmark. Builds OmenDB's HNSW index (common/hnsw.h) on a
 * dataset, measures build speed, memory, recall and single-thread query speed
 * per ef, then runs hnswlib and FAISS on the same data with the same
 * parameters and compares QPS at equal recall. One JSON object per line on
 * stdout; progress and a summary table on stderr. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dataset.h"
#include "distance.h"
#include "error.h"
#include "hnsw.h"

#define MAX_EFS 64
#define MAX_PEERS 2

extern char **environ;

typedef struct options {
	const char *base, *query, *gt, *hdf5, *metric, *dataset_name;
	unsigned m, ef_construction, threads, k, repeat;
	hnsw_storage storage; /* OmenDB's only; the peers keep float32 */
	size_t queries;	      /* 0 = all */
	unsigned efs[MAX_EFS];
	size_t n_efs;
	const char *peers[MAX_PEERS];
	size_t n_peers;
} options;

/* One engine's measurements, ours or a peer's (parsed from its JSON). */
typedef struct curve_point {
	unsigned ef;
	double recall, qps;
} curve_point;

typedef struct engine_result {
	const char *name;
	bool have_build;
	double build_s, vectors_per_s, index_mb;
	curve_point pts[MAX_EFS];
	size_t n_pts;
} engine_result;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Resident set size from /proc/self/statm; both peers read it the same way,
 * so index_mb (its growth across the build) compares like with like. */
static double rss_mb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	unsigned long size, resident;
	int got = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	if (got != 2)
		return 0;
	return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static double peak_rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

/* Writes s as a JSON string literal. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array (the drivers use the same). */
static double percentile(const double *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p * (double)n);
	return sorted[rank == 0 ? 0 : rank - 1];
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* --- Building and searching our index --- */

typedef struct progress {
	pthread_mutex_t lock;
	double start;
	int last_pct;
} progress;

static void progress_report(void *arg, size_t done, size_t total)
{
	progress *pr = arg;
	pthread_mutex_lock(&pr->lock);
	int pct = total ? (int)(done * 100 / total) : 100;
	if (pct >= pr->last_pct + 2 || (done == total && pct != pr->last_pct)) {
		pr->last_pct = pct;
		double t = now_s() - pr->start;
		fprintf(stderr, "engine: build %3d%% (%zu/%zu) %.1fs, %.0f vectors/s\n", pct, done, total, t,
			t > 0 ? (double)done / t : 0.0);
	}
	pthread_mutex_unlock(&pr->lock);
}

static int report(const char *what, int rc)
{
	fprintf(stderr, "engine: %s: %s (%s)\n", what, error_message(rc),
		rc == OMEN_EIO ? strerror(errno) : error_name(rc));
	return rc;
}

/* Builds, prints the build line and one search line per ef, and fills res.
 * Returns an OMEN_ code. */
/* A peer process in --turns mode (see peer_start). */
typedef struct peer_proc {
	const char *name;
	pid_t pid;
	FILE *to, *from;
	engine_result *res;
	bool ok;
} peer_proc;

static bool peer_start(const options *o, const char *peer, const char *metric, engine_result *res,
		       peer_proc *p);
static void peer_turn(peer_proc *p);

/* Builds and measures OmenDB; once built, starts the peers and alternates
 * every timed pass with theirs. */
static int run_omendb(const options *o, const dataset_set *set, distance_metric metric, engine_result *res,
		      peer_proc *peers, engine_result *peer_res)
{
	const size_t n = set->base.rows, nq = set->queries.rows;
	const uint32_t dim = (uint32_t)set->base.dim;
	uint64_t *labels = malloc(n * sizeof(*labels));
	hnsw_result *found = malloc(o->k * sizeof(*found));
	double *lat = malloc(nq * o->repeat * sizeof(*lat));
	double *qps = malloc(o->repeat * sizeof(*qps));
	hnsw *h = NULL;
	int rc = OMEN_ENOMEM;
	if (labels == NULL || found == NULL || lat == NULL || qps == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		labels[i] = i;

	hnsw_params p;
	hnsw_params_default(&p, dim, metric);
	p.m = o->m;
	p.ef_construction = o->ef_construction;
	p.storage = o->storage;
	const double rss0 = rss_mb();
	progress pr = {.start = now_s(), .last_pct = 0};
	pthread_mutex_init(&pr.lock, NULL);
	rc = hnsw_create(&p, &h);
	if (rc != OMEN_OK) {
		report("creating the index", rc);
		goto out_progress;
	}
	rc = hnsw_insert_batch(h, n, labels, set->base.data, dim, o->threads, progress_report, &pr);
	res->build_s = now_s() - pr.start;
	if (rc != OMEN_OK) {
		report("building the index", rc);
		goto out_progress;
	}
	res->index_mb = rss_mb() - rss0;
	res->vectors_per_s = (double)n / res->build_s;
	res->have_build = true;

	printf("{\"engine\":\"omendb\",\"phase\":\"build\",\"dataset\":");
	json_string(stdout, o->dataset_name);
	printf(",\"metric\":\"%s\",\"storage\":\"%s\",\"n\":%zu,\"dim\":%u,\"m\":%u,\"ef_construction\":%u,"
	       "\"threads\":%u,\"build_s\":%.3f,\"vectors_per_s\":%.1f,\"index_mb\":%.1f,"
	       "\"alloc_mb\":%.1f,\"peak_rss_mb\":%.1f}\n",
	       distance_metric_name(metric), o->storage == HNSW_STORAGE_FLOAT16 ? "float16" : "float32", n,
	       dim, o->m, o->ef_construction, o->threads, res->build_s, res->vectors_per_s, res->index_mb,
	       (double)hnsw_memory_bytes(h) / (1024.0 * 1024.0), peak_rss_mb());
	fflush(stdout);

	for (size_t i = 0; i < o->n_peers; i++) {
		peer_res[i].name = o->peers[i];
		peer_start(o, o->peers[i], distance_metric_name(metric), &peer_res[i], &peers[i]);
	}

	for (size_t e = 0; e < o->n_efs; e++) {
		size_t hits = 0, n_lat = 0;
		for (unsigned r = 0; r < o->repeat; r++) {
			double busy = 0;
			for (size_t q = 0; q < nq; q++) {
				uint32_t got;
				double t0 = now_s();
				rc = hnsw_search(h, set->queries.data + q * dim, dim, o->k, o->efs[e], NULL,
						 NULL, found, &got);
				double t = now_s() - t0;
				if (rc != OMEN_OK) {
					report("searching", rc);
					goto out_progress;
				}
				lat[n_lat++] = t;
				busy += t;
				if (r != 0)
					continue;
				/* Recall is the same every repeat: counted once,
				 * outside the timed call. */
				const int32_t *truth = set->gt.data + q * set->gt.dim;
				for (uint32_t i = 0; i < got; i++) {
					for (unsigned j = 0; j < o->k; j++) {
						if ((uint64_t)truth[j] == found[i].label) {
							hits++;
							break;
						}
					}
				}
			}
			qps[r] = (double)nq / busy;
			for (size_t i = 0; i < o->n_peers; i++)
				peer_turn(&peers[i]);
		}
		qsort(lat, n_lat, sizeof(*lat), cmp_double);
		curve_point *pt = &res->pts[res->n_pts++];
		pt->ef = o->efs[e];
		/* Rounded as printed, so ours and the peers' (parsed from their
		 * printed lines) are compared at the same precision. */
		pt->recall = round((double)hits / (double)(nq * o->k) * 1e4) / 1e4;
		pt->qps = median(qps, o->repeat);
		printf("{\"engine\":\"omendb\",\"phase\":\"search\",\"dataset\":");
		json_string(stdout, o->dataset_name);
		printf(",\"ef\":%u,\"k\":%u,\"queries\":%zu,\"repeat\":%u,\"recall\":%.4f,"
		       "\"qps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
		       pt->ef, o->k, nq, o->repeat, pt->recall, pt->qps, percentile(lat, n_lat, 0.50) * 1e6,
		       percentile(lat, n_lat, 0.99) * 1e6);
		fflush(stdout);
	}
	rc = OMEN_OK;
out_progress:
	pthread_mutex_destroy(&pr.lock);
out:
	hnsw_destroy(h);
	free(qps);
	free(lat);
	free(found);
	free(labels);
	return rc;
}

/* --- Reading the peers' JSON lines ---
 * The peers are our own drivers and print flat objects of strings and
 * numbers, but their output is still parsed defensively: a line we cannot
 * read is echoed and otherwise ignored. */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* p points at an opening quote; returns the character after the closing
 * one, or NULL if the string does not end. */
static const char *skip_string(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\') {
			if (*++p == '\0')
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

/* The value of key in a flat JSON object, or NULL. */
static const char *json_find(const char *line, const char *key)
{
	const size_t key_len = strlen(key);
	const char *p = skip_ws(line);
	if (*p++ != '{')
		return NULL;
	for (;;) {
		p = skip_ws(p);
		if (*p != '"')
			return NULL;
		const char *k = p + 1;
		p = skip_string(p);
		if (p == NULL)
			return NULL;
		const size_t len = (size_t)(p - 1 - k);
		p = skip_ws(p);
		if (*p++ != ':')
			return NULL;
		p = skip_ws(p);
		if (len == key_len && memcmp(k, key, len) == 0)
			return p;
		if (*p == '"') {
			p = skip_string(p);
			if (p == NULL)
				return NULL;
		} else {
			while (*p && *p != ',' && *p != '}')
				p++;
		}
		p = skip_ws(p);
		if (*p++ != ',')
			return NULL;
	}
}

static bool json_number(const char *line, const char *key, double *out)
{
	const char *v = json_find(line, key);
	if (v == NULL)
		return false;
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || errno != 0 || !isfinite(d))
		return false;
	end = (char *)skip_ws(end);
	if (*end != ',' && *end != '}')
		return false;
	*out = d;
	return true;
}

static bool json_string_is(const char *line, const char *key, const char *want)
{
	const char *v = json_find(line, key);
	size_t n = strlen(want);
	return v != NULL && v[0] == '"' && strncmp(v + 1, want, n) == 0 && v[1 + n] == '"';
}

static void peer_take_line(const char *line, engine_result *res)
{
	double ef, recall, qps;
	if (json_string_is(line, "phase", "build")) {
		res->have_build = json_number(line, "build_s", &res->build_s) &&
				  json_number(line, "vectors_per_s", &res->vectors_per_s) &&
				  json_number(line, "index_mb", &res->index_mb);
	} else if (json_string_is(line, "phase", "search") && res->n_pts < MAX_EFS &&
		   json_number(line, "ef", &ef) && json_number(line, "recall", &recall) &&
		   json_number(line, "qps", &qps) && ef >= 1 && ef <= HNSW_MAX_EF_SEARCH) {
		res->pts[res->n_pts++] = (curve_point){(unsigned)ef, recall, qps};
	}
}

/* --- Running a peer --- */

static char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (len <= 0)
		return NULL;
	buf[len] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	return strdup(buf);
}

/* Runs one peer driver with our parameters, echoes its stdout, and collects
 * its results. Returns true when it exited 0 and reported a build and
 * every ef. */
/* A peer runs in --turns mode: it loads and builds on its own (we wait, so
 * builds never overlap), then runs each timed pass (one ef, one repeat) when
 * we write a line to it. Our passes and every peer's alternate, so a slow
 * minute on this shared machine hits all engines alike instead of whichever
 * happened to be running. */

/* Echoes and parses the peer's lines until its build line (until_turn
 * false) or the end of a pass (true); false if its output ends first. */
static bool peer_read(peer_proc *p, bool until_turn)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool found = false;
	while (!found && (len = getline(&line, &cap, p->from)) > 0) {
		if (json_string_is(line, "phase", "turn")) {
			found = until_turn;
			continue;
		}
		fwrite(line, 1, (size_t)len, stdout);
		if (line[len - 1] != '\n')
			fputc('\n', stdout);
		fflush(stdout);
		peer_take_line(line, p->res);
		if (!until_turn && p->res->have_build)
			found = true;
	}
	free(line);
	return found;
}

static bool peer_start(const options *o, const char *peer, const char *metric, engine_result *res,
		       peer_proc *p)
{
	char driver[PATH_MAX + 32];
	char *argv[40];
	size_t argc = 0;
	if (strcmp(peer, "hnswlib") == 0) {
		char *dir = self_dir();
		if (dir == NULL) {
			fprintf(stderr, "engine: cannot find my own directory\n");
			return false;
		}
		snprintf(driver, sizeof(driver), "%s/hnswlib_driver", dir);
		free(dir);
		argv[argc++] = driver;
	} else {
		argv[argc++] = (char *)OMEN_BENCH_PYTHON;
		argv[argc++] = (char *)OMEN_BENCH_FAISS_DRIVER;
	}
	char m[16], efc[16], threads[16], k[16], queries[32], repeat[16], efs[MAX_EFS * 6];
	snprintf(m, sizeof(m), "%u", o->m);
	snprintf(efc, sizeof(efc), "%u", o->ef_construction);
	snprintf(threads, sizeof(threads), "%u", o->threads);
	snprintf(k, sizeof(k), "%u", o->k);
	snprintf(queries, sizeof(queries), "%zu", o->queries);
	snprintf(repeat, sizeof(repeat), "%u", o->repeat);
	size_t off = 0;
	for (size_t i = 0; i < o->n_efs; i++)
		off += (size_t)snprintf(efs + off, sizeof(efs) - off, "%s%u", i ? "," : "", o->efs[i]);
#define ARG(flag, value)                                                                                     \
	do {                                                                                                 \
		argv[argc++] = (char *)(flag);                                                               \
		argv[argc++] = (char *)(value);                                                              \
	} while (0)
	if (o->hdf5 != NULL) {
		ARG("--hdf5", o->hdf5);
	} else {
		ARG("--base", o->base);
		ARG("--query", o->query);
		ARG("--gt", o->gt);
	}
	ARG("--m", m);
	ARG("--ef-construction", efc);
	ARG("--ef", efs);
	ARG("--threads", threads);
	ARG("--k", k);
	ARG("--metric", metric);
	ARG("--queries", queries);
	ARG("--repeat", repeat);
	ARG("--dataset-name", o->dataset_name);
#undef ARG

	argv[argc++] = (char *)"--turns";
	argv[argc] = NULL;

	*p = (peer_proc){.name = peer, .res = res};
	int out[2], in[2];
	if (pipe(out) != 0) {
		fprintf(stderr, "engine: pipe: %s\n", strerror(errno));
		return false;
	}
	if (pipe(in) != 0) {
		fprintf(stderr, "engine: pipe: %s\n", strerror(errno));
		close(out[0]);
		close(out[1]);
		return false;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	posix_spawn_file_actions_addclose(&fa, out[1]);
	posix_spawn_file_actions_addclose(&fa, in[0]);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	fprintf(stderr, "engine: starting peer %s (it loads and builds; we wait)\n", peer);
	fflush(stdout);
	int err = posix_spawn(&p->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(in[0]);
	if (err != 0) {
		fprintf(stderr, "engine: cannot start %s (%s): %s\n", peer, argv[0], strerror(err));
		close(out[0]);
		close(in[1]);
		p->pid = 0;
		return false;
	}
	p->from = fdopen(out[0], "r");
	p->to = fdopen(in[1], "w");
	if (p->from == NULL || p->to == NULL) {
		fprintf(stderr, "engine: fdopen: %s\n", strerror(errno));
		if (p->from == NULL)
			close(out[0]);
		if (p->to == NULL)
			close(in[1]);
		p->ok = false;
		return false;
	}
	p->ok = peer_read(p, false);
	if (!p->ok)
		fprintf(stderr, "engine: peer %s ended before its build line\n", peer);
	return p->ok;
}

static void peer_turn(peer_proc *p)
{
	if (!p->ok)
		return;
	if (fputs("go\n", p->to) == EOF || fflush(p->to) != 0 || !peer_read(p, true)) {
		fprintf(stderr, "engine: peer %s stopped during its passes\n", p->name);
		p->ok = false;
	}
}

/* Reads what is left, reaps the peer, and checks it printed everything. */
static bool peer_finish(const options *o, peer_proc *p)
{
	if (p->pid == 0)
		return false;
	if (p->to)
		fclose(p->to);
	if (p->from) {
		peer_read(p, true);
		fclose(p->from);
	}
	int status;
	while (waitpid(p->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "engine: waitpid %s: %s\n", p->name, strerror(errno));
			return false;
		}
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "engine: peer %s killed by signal %d\n", p->name, WTERMSIG(status));
		return false;
	}
	if (WEXITSTATUS(status) != 0) {
		fprintf(stderr, "engine: peer %s exited with status %d\n", p->name, WEXITSTATUS(status));
		return false;
	}
	if (!p->ok || !p->res->have_build || p->res->n_pts != o->n_efs) {
		fprintf(stderr, "engine: peer %s printed %s and %zu of %zu search lines\n", p->name,
			p->res->have_build ? "a build line" : "no build line", p->res->n_pts, o->n_efs);
		return false;
	}
	return true;
}

/* --- Comparing at equal recall --- */

static int cmp_point(const void *a, const void *b)
{
	return cmp_unsigned(&((const curve_point *)a)->ef, &((const curve_point *)b)->ef);
}

/* QPS at recall r, interpolated linearly between the two adjacent ef points
 * (in ef order) whose recalls bracket r. If the smallest ef already reaches
 * r, its QPS is the answer: the curve was not measured below it. False when
 * no ef reaches r. */
static bool qps_at_recall(const engine_result *e, double r, double *qps)
{
	if (e->n_pts == 0)
		return false;
	if (e->pts[0].recall >= r) {
		*qps = e->pts[0].qps;
		return true;
	}
	for (size_t i = 0; i + 1 < e->n_pts; i++) {
		const curve_point *a = &e->pts[i], *b = &e->pts[i + 1];
		if (a->recall < r && b->recall >= r) {
			*qps = a->qps + (b->qps - a->qps) * (r - a->recall) / (b->recall - a->recall);
			return true;
		}
	}
	return false;
}

/* A JSON number, or null when there is none to give. */
static void json_number_or_null(const char *key, bool have, double v, const char *fmt)
{
	printf(",\"%s\":", key);
	if (have && isfinite(v))
		printf(fmt, v);
	else
		printf("null");
}

static void print_ratios(const options *o, const engine_result *ours, const engine_result *peer)
{
	for (int pct = 90; pct <= 99; pct++) {
		const double r = pct / 100.0;
		double peer_qps, our_qps = 0;
		if (!qps_at_recall(peer, r, &peer_qps))
			continue;
		const bool have_ours = qps_at_recall(ours, r, &our_qps);
		printf("{\"phase\":\"ratio\",\"peer\":\"%s\",\"dataset\":", peer->name);
		json_string(stdout, o->dataset_name);
		printf(",\"recall\":%.2f", r);
		json_number_or_null("omendb_qps", have_ours, our_qps, "%.1f");
		json_number_or_null("peer_qps", true, peer_qps, "%.1f");
		json_number_or_null("qps_ratio", have_ours && peer_qps > 0, our_qps / peer_qps, "%.3f");
		printf("}\n");
	}
	printf("{\"phase\":\"ratio\",\"peer\":\"%s\",\"dataset\":", peer->name);
	json_string(stdout, o->dataset_name);
	json_number_or_null("build_ratio", peer->vectors_per_s > 0, ours->vectors_per_s / peer->vectors_per_s,
			    "%.3f");
	json_number_or_null("memory_ratio", peer->index_mb > 0, ours->index_mb / peer->index_mb, "%.3f");
	printf("}\n");
	fflush(stdout);
}

static void print_table(const options *o, size_t n, size_t dim, const char *metric, const engine_result *res,
			size_t n_res)
{
	fprintf(stderr, "\n%s: n=%zu dim=%zu metric=%s m=%u ef_construction=%u threads=%u k=%u\n",
		o->dataset_name, n, dim, metric, o->m, o->ef_construction, o->threads, o->k);
	fprintf(stderr, "%-8s %10s %12s %10s\n", "engine", "build_s", "vectors/s", "index_MB");
	for (size_t i = 0; i < n_res; i++) {
		if (res[i].have_build)
			fprintf(stderr, "%-8s %10.2f %12.0f %10.1f\n", res[i].name, res[i].build_s,
				res[i].vectors_per_s, res[i].index_mb);
	}
	fprintf(stderr, "\n%5s", "ef");
	for (size_t i = 0; i < n_res; i++)
		fprintf(stderr, "  %8s recall/QPS", res[i].name);
	fputc('\n', stderr);
	for (size_t e = 0; e < o->n_efs; e++) {
		fprintf(stderr, "%5u", o->efs[e]);
		for (size_t i = 0; i < n_res; i++) {
			if (e < res[i].n_pts)
				fprintf(stderr, "  %8.4f %10.0f", res[i].pts[e].recall, res[i].pts[e].qps);
			else
				fprintf(stderr, "  %8s %10s", "-", "-");
		}
		fputc('\n', stderr);
	}
	if (n_res < 2)
		return;
	fprintf(stderr, "\n%6s %12s", "recall", "omendb QPS");
	for (size_t i = 1; i < n_res; i++)
		fprintf(stderr, " %10s QPS  ratio", res[i].name);
	fputc('\n', stderr);
	for (int pct = 90; pct <= 99; pct += 1) {
		const double r = pct / 100.0;
		double ours;
		bool have_ours = qps_at_recall(&res[0], r, &ours);
		fprintf(stderr, "%6.2f ", r);
		if (have_ours)
			fprintf(stderr, "%12.0f", ours);
		else
			fprintf(stderr, "%12s", "-");
		for (size_t i = 1; i < n_res; i++) {
			double q;
			if (!qps_at_recall(&res[i], r, &q))
				fprintf(stderr, " %14s %6s", "-", "-");
			else if (have_ours)
				fprintf(stderr, " %14.0f %6.2f", q, ours / q);
			else
				fprintf(stderr, " %14.0f %6s", q, "-");
		}
		fputc('\n', stderr);
	}
}

/* --- Command line --- */

static void usage(FILE *f)
{
	fprintf(f, "usage: engine (--base F --query F --gt F | --hdf5 F) [--m 16]\n"
		   "              [--ef-construction 64] [--ef 10,20,40,80,160,320] [--threads T]\n"
		   "              [--k 10] [--metric l2|ip|cosine|l1] [--queries N] [--repeat 3]\n"
		   "              [--peers hnswlib,faiss|none] [--dataset-name NAME]\n"
		   "              [--storage float32|float16]\n"
		   "See bench/README.md for the output.\n");
}

static bool parse_unsigned(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	if (!parse_unsigned(s, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_efs(const char *s, options *o)
{
	char *copy = strdup(s), *save = NULL;
	bool ok = copy != NULL;
	o->n_efs = 0;
	for (char *tok = ok ? strtok_r(copy, ",", &save) : NULL; tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned ef;
		ok = o->n_efs < MAX_EFS && parse_uint(tok, HNSW_MAX_EF_SEARCH, &ef) && ef > 0;
		if (ok)
			o->efs[o->n_efs++] = ef;
	}
	free(copy);
	if (!ok || o->n_efs == 0)
		return false;
	/* Ascending and distinct: the recall curve is walked in ef order. */
	qsort(o->efs, o->n_efs, sizeof(o->efs[0]), cmp_unsigned);
	size_t w = 1;
	for (size_t i = 1; i < o->n_efs; i++) {
		if (o->efs[i] != o->efs[w - 1])
			o->efs[w++] = o->efs[i];
	}
	o->n_efs = w;
	return true;
}

static bool parse_peers(const char *s, options *o)
{
	o->n_peers = 0;
	if (strcmp(s, "none") == 0)
		return true;
	bool hnswlib = false, faiss = false;
	char *copy = strdup(s), *save = NULL;
	bool ok = copy != NULL;
	for (char *tok = ok ? strtok_r(copy, ",", &save) : NULL; tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "hnswlib") == 0 && !hnswlib) {
			o->peers[o->n_peers++] = "hnswlib";
			hnswlib = true;
		} else if (strcmp(tok, "faiss") == 0 && !faiss) {
			o->peers[o->n_peers++] = "faiss";
			faiss = true;
		} else {
			ok = false;
		}
	}
	free(copy);
	return ok && o->n_peers > 0;
}

/* "sift.base.fvecs" -> "sift", "glove-100-angular.hdf5" -> "glove-100-angular". */
static char *default_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *name = strdup(slash ? slash + 1 : path);
	if (name == NULL)
		return NULL;
	static const char *const suffixes[] = {".base.fvecs", ".base.bvecs", "_base.fvecs", "_base.bvecs",
					       ".fvecs",      ".bvecs",	     ".hdf5",	    ".h5"};
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t sl = strlen(suffixes[i]);
		if (len > sl && strcmp(name + len - sl, suffixes[i]) == 0) {
			name[len - sl] = '\0';
			break;
		}
	}
	return name;
}

static bool parse_args(int argc, char **argv, options *o)
{
	enum {
		BASE = 1,
		QUERY,
		GT,
		HDF5,
		M,
		EFC,
		EF,
		THREADS,
		K,
		METRIC,
		QUERIES,
		REPEAT,
		PEERS,
		NAME,
		STORAGE,
		HELP
	};
	static const struct option opts[] = {
	    {"base", required_argument, NULL, BASE},
	    {"query", required_argument, NULL, QUERY},
	    {"gt", required_argument, NULL, GT},
	    {"hdf5", required_argument, NULL, HDF5},
	    {"m", required_argument, NULL, M},
	    {"ef-construction", required_argument, NULL, EFC},
	    {"ef", required_argument, NULL, EF},
	    {"threads", required_argument, NULL, THREADS},
	    {"k", required_argument, NULL, K},
	    {"metric", required_argument, NULL, METRIC},
	    {"queries", required_argument, NULL, QUERIES},
	    {"repeat", required_argument, NULL, REPEAT},
	    {"peers", required_argument, NULL, PEERS},
	    {"dataset-name", required_argument, NULL, NAME},
	    {"storage", required_argument, NULL, STORAGE},
	    {"help", no_argument, NULL, HELP},
	    {NULL, 0, NULL, 0},
	};
	*o = (options){
	    .m = HNSW_DEFAULT_M, .ef_construction = HNSW_DEFAULT_EF_CONSTRUCTION, .k = 10, .repeat = 3};
	bool ok = parse_efs("10,20,40,80,160,320", o) && parse_peers("hnswlib,faiss", o);
	unsigned long queries = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case BASE:
			o->base = optarg;
			break;
		case QUERY:
			o->query = optarg;
			break;
		case GT:
			o->gt = optarg;
			break;
		case HDF5:
			o->hdf5 = optarg;
			break;
		case M:
			ok = ok && parse_uint(optarg, HNSW_MAX_M, &o->m);
			break;
		case EFC:
			ok = ok && parse_uint(optarg, HNSW_MAX_EF_CONSTRUCTION, &o->ef_construction);
			break;
		case EF:
			ok = ok && parse_efs(optarg, o);
			break;
		case THREADS:
			ok = ok && parse_uint(optarg, 1024, &o->threads);
			break;
		case K:
			ok = ok && parse_uint(optarg, 10000, &o->k) && o->k > 0;
			break;
		case METRIC:
			o->metric = optarg;
			break;
		case QUERIES:
			ok = ok && parse_unsigned(optarg, INT32_MAX, &queries);
			break;
		case REPEAT:
			ok = ok && parse_uint(optarg, 1000, &o->repeat) && o->repeat > 0;
			break;
		case PEERS:
			ok = ok && parse_peers(optarg, o);
			break;
		case NAME:
			o->dataset_name = optarg;
			break;
		case STORAGE:
			if (strcmp(optarg, "float32") == 0)
				o->storage = HNSW_STORAGE_FLOAT32;
			else if (strcmp(optarg, "float16") == 0)
				o->storage = HNSW_STORAGE_FLOAT16;
			else
				ok = false;
			break;
		case HELP:
			usage(stdout);
			exit(0);
		default:
			ok = false;
		}
	}
	o->queries = queries;
	const bool files = o->base && o->query && o->gt;
	const bool any_file = o->base || o->query || o->gt;
	return ok && optind == argc && (files ? !o->hdf5 : (o->hdf5 && !any_file));
}

int main(int argc, char **argv)
{
	options o;
	if (!parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	char *name = NULL;
	if (o.dataset_name == NULL) {
		name = default_name(o.hdf5 ? o.hdf5 : o.base);
		o.dataset_name = name ? name : "";
	}
	if (o.threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		o.threads = cpus > 0 ? (unsigned)cpus : 1;
	}

	dataset_set set;
	int rc = o.hdf5 ? dataset_load_hdf5(o.hdf5, o.queries, &set)
			: dataset_load_files(o.base, o.query, o.gt, o.queries, &set);
	if (rc != OMEN_OK) {
		report("loading the dataset", rc);
		free(name);
		return 1;
	}
	/* --metric wins, then what the file says, then L2 (TEXMEX sets). */
	const char *asked = o.metric ? o.metric : set.metric[0] ? set.metric : "l2";
	distance_metric metric = DISTANCE_L2;
	if (!distance_metric_parse(asked, &metric)) {
		fprintf(stderr, "engine: unknown metric %s\n", asked);
		rc = OMEN_EINVAL;
	} else if (o.k > set.gt.dim) {
		fprintf(stderr, "engine: k %u exceeds the ground truth's %zu neighbours\n", o.k, set.gt.dim);
		rc = OMEN_EINVAL;
	} else if (set.base.dim > HNSW_MAX_DIM) {
		fprintf(stderr, "engine: dimension %zu exceeds %d\n", set.base.dim, HNSW_MAX_DIM);
		rc = OMEN_EDIM;
	}
	if (rc != OMEN_OK) {
		dataset_set_free(&set);
		free(name);
		return 2;
	}
	/* A static name: set.metric goes away with the dataset. */
	const char *metric_name = distance_metric_name(metric);
	fprintf(stderr, "engine: %s: %zu base vectors, %zu queries, dim %zu, metric %s\n", o.dataset_name,
		set.base.rows, set.queries.rows, set.base.dim, metric_name);

	engine_result res[1 + MAX_PEERS];
	peer_proc peers[MAX_PEERS];
	memset(res, 0, sizeof(res));
	memset(peers, 0, sizeof(peers));
	res[0].name = "omendb";
	rc = run_omendb(&o, &set, metric, &res[0], peers, &res[1]);
	const size_t n = set.base.rows, dim = set.base.dim;
	dataset_set_free(&set);
	int status = rc == OMEN_OK ? 0 : 1;
	size_t n_res = 1;
	for (size_t i = 0; i < o.n_peers; i++) {
		if (!peer_finish(&o, &peers[i])) {
			fprintf(stderr, "engine: peer %s failed\n", o.peers[i]);
			if (status == 0)
				status = 3;
			continue;
		}
		if (rc != OMEN_OK)
			continue;
		/* Keep the successful peers' results packed after ours. */
		if (n_res != i + 1)
			res[n_res] = res[i + 1];
		engine_result *peer = &res[n_res++];
		qsort(peer->pts, peer->n_pts, sizeof(peer->pts[0]), cmp_point);
		print_ratios(&o, &res[0], peer);
	}
	if (rc != OMEN_OK) {
		free(name);
		return 1;
	}
	print_table(&o, n, dim, metric_name, res, n_res);
	free(name);
	return status;
}
