/* omendb-local: a whole OmenDB cluster on one machine (the catalog group,
 * the data groups and one coordinator) in one directory, for `make run` and
 * for tests that run a driver script against a fresh cluster
 * (`omendb-local -- CMD ARGS...`). README.md in this folder describes it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "error.h"
#include "fsutil.h"
#include "shardtest.h"

#ifndef OMEN_SHARD_BIN
#error "OMEN_SHARD_BIN must name the omendb-shard binary (deploy/local/CMakeLists.txt defines it)"
#endif
#ifndef OMEN_COORDINATOR_BIN
#error "OMEN_COORDINATOR_BIN must name the omendb-coordinator binary (deploy/local/CMakeLists.txt defines it)"
#endif

#define DEFAULT_DIR "omendb-data"
#define DEFAULT_PORT 5433
#define MAX_GROUPS 64 /* data groups; group 0, the catalog, comes on top */
#define MAX_USERS 16
#define BUCKETS 4096 /* shard map length: DESIGN.md "Data flow" */
#define LEADER_TIMEOUT_MS 30000
#define CATALOG_TIMEOUT_MS 20000
#define LISTEN_TIMEOUT_MS 30000
#define STOP_TIMEOUT_MS 10000
#define TICK_MS 200
#define TAIL_LINES 20
#define CONF_NAME "cluster.conf"
#define EXIT_USAGE 2
#define EXIT_FAILED 1

static const char usage[] =
    "usage: omendb-local [options] [-- CMD [ARGS...]]\n"
    "Starts an OmenDB cluster on 127.0.0.1: the catalog group, the data groups and a coordinator.\n"
    "Without CMD it runs until ^C (SIGINT) or SIGTERM. With CMD it runs CMD once the cluster is up,\n"
    "with PGHOST, PGPORT, PGUSER, PGDATABASE, OMENDB_DIR and OMENDB_COORDINATOR_PID set, then stops the "
    "cluster and exits\n"
    "with CMD's status.\n"
    "  --dir DIR              data and logs (default ./" DEFAULT_DIR "; with CMD a fresh temporary\n"
    "                         directory, removed afterwards unless CMD failed or OMEN_KEEP_TMP=1).\n"
    "                         Starting again with the same DIR restarts the same cluster.\n"
    "  --port N               PostgreSQL port of the coordinator (default 5433, or any free port\n"
    "                         with CMD; 0 = any free port)\n"
    "  --groups N             data groups, 1..64 (default 2; fixed when DIR is created)\n"
    "  --replicas N           replicas per group, catalog group included, 1..7 (default 3; fixed\n"
    "                         when DIR is created)\n"
    "  --auth METHOD          coordinator authentication: trust or scram-sha-256 (default trust)\n"
    "  --user NAME:PASSWORD   a coordinator user (repeat); the first one is CMD's PGUSER/PGPASSWORD\n"
    "  --log-level LEVEL      replicas' and coordinator's log level (debug, info, warn, error)\n"
    "  --shard-bin PATH       omendb-shard to run (default " OMEN_SHARD_BIN ")\n"
    "  --coordinator-bin PATH omendb-coordinator to run (default " OMEN_COORDINATOR_BIN ")\n"
    "  --quiet                print only errors and unexpected exits\n"
    "Exit status: 0 after a stop by signal, CMD's status with CMD, 1 when the cluster fails,\n"
    "2 for bad options.\n";

struct options {
	const char *dir;   /* NULL: the default */
	long port;	   /* -1: the default */
	unsigned groups;   /* 0: the default (or DIR's) */
	unsigned replicas; /* 0: the default (or DIR's) */
	const char *auth;
	const char *users[MAX_USERS];
	unsigned nusers;
	const char *log_level; /* NULL: the binaries' default */
	const char *shard_bin;
	const char *coordinator_bin;
	bool quiet;
	char **cmd; /* after --, NULL-terminated; NULL without CMD */
};

/* What DIR/cluster.conf records: the shape of the cluster and every
 * replica's ports, which raft stored in its log at bootstrap, so that a
 * restart must reuse them. Group 0 is the catalog, 1..groups hold data;
 * replica i of a group (0-based) has raft id i + 1. */
struct layout {
	unsigned groups;
	unsigned replicas;
	unsigned short ports[MAX_GROUPS + 1][2 * CLUSTER_MAX_REPLICAS]; /* raft, rpc of replica 0, ... */
};

/* Everything running, for supervision and shutdown. */
struct run {
	const struct options *o;
	const struct layout *l;
	const char *dir; /* absolute */
	cluster *groups[MAX_GROUPS + 1];
	bool up[MAX_GROUPS + 1][CLUSTER_MAX_REPLICAS]; /* running as of the last check */
	cluster_process *coordinator;
	char *coordinator_log;
	bool coordinator_reported; /* its unexpected exit */
	unsigned short port;
	cluster_process *cmd;
};

static bool quiet;
/* SIGINT, SIGTERM and SIGHUP stay blocked in every thread and are taken with
 * sigtimedwait: a stop request is then handled between two steps, never in
 * the middle of one. stop_signal is the first one taken, 0 before. */
static sigset_t stop_signals;
static int stop_signal;

static bool stop_requested(void)
{
	if (stop_signal == 0) {
		struct timespec zero = {0, 0};
		int sig = sigtimedwait(&stop_signals, NULL, &zero);
		if (sig > 0)
			stop_signal = sig;
	}
	return stop_signal != 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int remaining_ms(double deadline)
{
	double left = deadline - now_s();
	return left > 0 ? (int)(left * 1000) + 1 : 0;
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("omendb-local: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

__attribute__((format(printf, 1, 2))) static void complain(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("omendb-local: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static bool parse_unsigned(const char *s, unsigned long max, unsigned long *out)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* OMEN_OK, or OMEN_EINVAL after a message on stderr. */
static int parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	o->port = -1;
	o->auth = "trust";
	o->shard_bin = OMEN_SHARD_BIN;
	o->coordinator_bin = OMEN_COORDINATOR_BIN;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--") == 0) {
			if (i + 1 == argc) {
				complain("-- needs a command");
				return OMEN_EINVAL;
			}
			o->cmd = &argv[i + 1];
			return OMEN_OK;
		}
		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
		if (strcmp(opt, "--quiet") == 0) {
			o->quiet = true;
			continue;
		}
		static const char *const with_value[] = {"--dir",	"--port",      "--groups",
							 "--replicas",	"--auth",      "--user",
							 "--log-level", "--shard-bin", "--coordinator-bin"};
		bool known = false;
		for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
			known = known || strcmp(opt, with_value[k]) == 0;
		if (!known) {
			complain("unknown option %s (--help lists the options)", opt);
			return OMEN_EINVAL;
		}
		const char *val = i + 1 < argc ? argv[++i] : NULL;
		if (!val) {
			complain("%s needs a value (--help lists the options)", opt);
			return OMEN_EINVAL;
		}
		unsigned long v = 0;
		bool ok = true;
		if (strcmp(opt, "--dir") == 0) {
			ok = *val != '\0' && strlen(val) < PATH_MAX / 2;
			o->dir = val;
		} else if (strcmp(opt, "--port") == 0) {
			ok = parse_unsigned(val, 65535, &v);
			o->port = (long)v;
		} else if (strcmp(opt, "--groups") == 0) {
			ok = parse_unsigned(val, MAX_GROUPS, &v) && v >= 1;
			o->groups = (unsigned)v;
		} else if (strcmp(opt, "--replicas") == 0) {
			ok = parse_unsigned(val, CLUSTER_MAX_REPLICAS, &v) && v >= 1;
			o->replicas = (unsigned)v;
		} else if (strcmp(opt, "--auth") == 0) {
			ok = *val != '\0';
			o->auth = val;
		} else if (strcmp(opt, "--user") == 0) {
			const char *colon = strchr(val, ':');
			if (o->nusers == MAX_USERS) {
				complain("at most %d --user options", MAX_USERS);
				return OMEN_EINVAL;
			}
			ok = colon && colon > val;
			o->users[o->nusers++] = val;
		} else if (strcmp(opt, "--log-level") == 0) {
			ok = *val != '\0';
			o->log_level = val;
		} else if (strcmp(opt, "--shard-bin") == 0) {
			ok = *val != '\0';
			o->shard_bin = val;
		} else { /* --coordinator-bin, the last of with_value */
			ok = *val != '\0';
			o->coordinator_bin = val;
		}
		if (!ok) {
			complain("bad value for %s: %s", opt, val);
			return OMEN_EINVAL;
		}
	}
	return OMEN_OK;
}

/* ---- DIR/cluster.conf ---- */

static bool parse_address(const char *s, unsigned short *port)
{
	static const char prefix[] = "127.0.0.1:";
	unsigned long v;
	if (strncmp(s, prefix, sizeof prefix - 1) != 0 || !parse_unsigned(s + sizeof prefix - 1, 65535, &v) ||
	    v == 0)
		return false;
	*port = (unsigned short)v;
	return true;
}

/* Reads path into l. OMEN_ENOTFOUND if it does not exist; OMEN_EFORMAT
 * (after a message naming the line) if it is not a complete layout. */
static int layout_read(const char *path, struct layout *l)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return OMEN_ENOTFOUND;
		complain("cannot read %s: %s", path, strerror(errno));
		return OMEN_EIO;
	}
	memset(l, 0, sizeof *l);
	bool seen[MAX_GROUPS + 1][CLUSTER_MAX_REPLICAS] = {{false}};
	unsigned nseen = 0, lineno = 0;
	char line[256];
	int rc = OMEN_OK;
	while (rc == OMEN_OK && fgets(line, sizeof line, f)) {
		lineno++;
		char key[16], a[64], b[64];
		unsigned g = 0, id = 0, n = 0;
		int end = 0;
		if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = OMEN_EFORMAT;
		} else if (sscanf(line, "%15s", key) != 1) {
			rc = OMEN_EFORMAT;
		} else if (strcmp(key, "groups") == 0) {
			if (sscanf(line, "groups %u %n", &n, &end) != 1 || line[end] || n < 1 ||
			    n > MAX_GROUPS || l->groups)
				rc = OMEN_EFORMAT;
			l->groups = n;
		} else if (strcmp(key, "replicas") == 0) {
			if (sscanf(line, "replicas %u %n", &n, &end) != 1 || line[end] || n < 1 ||
			    n > CLUSTER_MAX_REPLICAS || l->replicas)
				rc = OMEN_EFORMAT;
			l->replicas = n;
		} else if (strcmp(key, "replica") == 0) {
			if (!l->groups || !l->replicas ||
			    sscanf(line, "replica %u %u %63s %63s %n", &g, &id, a, b, &end) != 4 ||
			    line[end] || g > l->groups || id < 1 || id > l->replicas || seen[g][id - 1] ||
			    !parse_address(a, &l->ports[g][2 * (id - 1)]) ||
			    !parse_address(b, &l->ports[g][2 * (id - 1) + 1])) {
				rc = OMEN_EFORMAT;
			} else {
				seen[g][id - 1] = true;
				nseen++;
			}
		} else {
			rc = OMEN_EFORMAT;
		}
	}
	fclose(f);
	if (rc != OMEN_OK) {
		complain("%s:%u: not a line of an omendb-local layout", path, lineno);
		return rc;
	}
	if (!l->groups || !l->replicas || nseen != (l->groups + 1) * l->replicas) {
		complain("%s: incomplete: it needs groups, replicas and one replica line per replica", path);
		return OMEN_EFORMAT;
	}
	return OMEN_OK;
}

/* Writes l to path atomically (a temporary file renamed over it). */
static int layout_write(const char *dir, const char *path, const struct layout *l)
{
	char *tmp;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return OMEN_ENOMEM;
	FILE *f = fopen(tmp, "w");
	if (!f) {
		complain("cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		return OMEN_EIO;
	}
	fprintf(f, "# omendb-local: the cluster in this directory, written when it was created and read\n"
		   "# by every later start, because raft recorded these addresses. Group 0 is the\n"
		   "# catalog. replica GROUP RAFT_ID RAFT_ADDRESS RPC_ADDRESS; data in gGROUPrRAFT_ID/.\n");
	fprintf(f, "groups %u\nreplicas %u\n", l->groups, l->replicas);
	for (unsigned g = 0; g <= l->groups; g++)
		for (unsigned i = 0; i < l->replicas; i++)
			fprintf(f, "replica %u %u 127.0.0.1:%u 127.0.0.1:%u\n", g, i + 1,
				(unsigned)l->ports[g][2 * i], (unsigned)l->ports[g][2 * i + 1]);
	bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok) {
		complain("cannot write %s: %s", path, strerror(errno));
		remove(tmp);
	}
	free(tmp);
	return ok ? fsutil_sync_dir(dir) : OMEN_EIO;
}

/* ---- the directory ---- */

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Creates DIR if needed, makes its path absolute in *abs (malloc'd) and
 * locks it against a second launcher: the lock is held by *lock_fd until
 * exit. */
static int open_dir(const char *dir, char **abs, int *lock_fd)
{
	if (fsutil_mkdirs(dir) != OMEN_OK) {
		complain("cannot create %s: %s", dir, strerror(errno));
		return OMEN_EIO;
	}
	*abs = realpath(dir, NULL);
	if (!*abs) {
		complain("%s: %s", dir, strerror(errno));
		return OMEN_EIO;
	}
	*lock_fd = open(*abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			complain("%s is in use by another omendb-local", *abs);
		else
			complain("cannot lock %s: %s", *abs, strerror(errno));
		return OMEN_EIO;
	}
	return OMEN_OK;
}

/* DIR's layout: the recorded one, or on first start (no cluster.conf in an
 * empty directory) a new one on free ports, recorded before anything
 * starts. OMEN_EINVAL when the options ask for another shape than DIR's. */
static int load_layout(const struct options *o, const char *dir, struct layout *l, bool *created)
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, CONF_NAME) < 0)
		return OMEN_ENOMEM;
	int rc = layout_read(path, l);
	if (rc == OMEN_OK) {
		*created = false;
		if ((o->groups && o->groups != l->groups) || (o->replicas && o->replicas != l->replicas)) {
			complain(
			    "%s holds a cluster of %u data groups of %u replicas; --groups and --replicas "
			    "cannot change it (use another --dir)",
			    dir, l->groups, l->replicas);
			rc = OMEN_EINVAL;
		}
	} else if (rc == OMEN_ENOTFOUND && !dir_is_empty(dir)) {
		complain("%s is not empty and has no %s: not an omendb-local directory (use another --dir)",
			 dir, CONF_NAME);
		rc = OMEN_EINVAL;
	} else if (rc == OMEN_ENOTFOUND) {
		memset(l, 0, sizeof *l);
		l->groups = o->groups ? o->groups : 2;
		l->replicas = o->replicas ? o->replicas : 3;
		rc = OMEN_OK;
		for (unsigned g = 0; rc == OMEN_OK && g <= l->groups; g++)
			rc = cluster_pick_ports(2 * l->replicas, l->ports[g]);
		if (rc != OMEN_OK)
			complain("no free ports on 127.0.0.1");
		else
			rc = layout_write(dir, path, l);
		*created = true;
	}
	free(path);
	return rc;
}

/* ---- ports ---- */

static int tcp_socket_to(unsigned short port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa->sin_port = htons(port);
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

/* True if a server could listen on 127.0.0.1:port (SO_REUSEADDR, as
 * servers bind, so a closed connection in TIME_WAIT does not count). */
static bool port_is_free(unsigned short port)
{
	struct sockaddr_in sa;
	int fd = tcp_socket_to(port, &sa);
	if (fd < 0)
		return false;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static bool port_accepts(unsigned short port)
{
	struct sockaddr_in sa;
	int fd = tcp_socket_to(port, &sa);
	if (fd < 0)
		return false;
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static bool executable(const char *path, const char *flag)
{
	if (access(path, X_OK) == 0)
		return true;
	complain("%s: %s (build it with `make build`, or name another with %s PATH)", path, strerror(errno),
		 flag);
	return false;
}

/* ---- the groups ---- */

static void replica_name(char *buf, size_t size, unsigned g, unsigned i)
{
	snprintf(buf, size, "g%ur%u", g, i + 1);
}

static int start_groups(struct run *r)
{
	const struct layout *l = r->l;
	double started[MAX_GROUPS + 1];
	for (unsigned g = 0; g <= l->groups; g++) {
		say("starting group %u (%s%u replicas)", g, g == 0 ? "catalog, " : "", l->replicas);
		cluster_options co = {
		    .group = g,
		    .replicas = l->replicas,
		    .log_level = r->o->log_level,
		    .bin = r->o->shard_bin,
		    .dir = r->dir,
		    .ports = l->ports[g],
		};
		started[g] = now_s();
		int rc = cluster_start(&co, &r->groups[g]);
		if (rc != OMEN_OK) {
			complain("cannot start group %u: %s", g, error_message(rc));
			return rc;
		}
		for (unsigned i = 0; i < l->replicas; i++)
			r->up[g][i] = true;
	}
	/* The groups elect their leaders in parallel; wait for each in turn. */
	for (unsigned g = 0; g <= l->groups && !stop_requested(); g++) {
		unsigned leader;
		int rc = cluster_wait_leader(r->groups[g], LEADER_TIMEOUT_MS, &leader);
		if (rc != OMEN_OK) {
			complain("group %u elected no leader within %d s; its logs:", g,
				 LEADER_TIMEOUT_MS / 1000);
			cluster_dump_logs(r->groups[g]);
			return rc;
		}
		char name[32];
		replica_name(name, sizeof name, g, leader);
		say("group %u: leader %s elected in %.1f s", g, name, now_s() - started[g]);
	}
	return OMEN_OK;
}

/* The catalog as group 0's leader has it. On OMEN_OK *resp is the caller's
 * (omendb__response__free_unpacked) and (*resp)->catalog is set. */
static int read_catalog(cluster *c0, Omendb__Response **resp)
{
	double deadline = now_s() + CATALOG_TIMEOUT_MS / 1000.0;
	const char *why = "no answer";
	while (now_s() < deadline) {
		unsigned leader;
		if (cluster_wait_leader(c0, remaining_ms(deadline), &leader) != OMEN_OK)
			break;
		Omendb__CatalogRead cr = OMENDB__CATALOG_READ__INIT;
		Omendb__Request req = OMENDB__REQUEST__INIT;
		req.group_id = 0;
		req.body_case = OMENDB__REQUEST__BODY_CATALOG_READ;
		req.catalog_read = &cr;
		Omendb__Response *r = NULL;
		int rc = rpc_call(cluster_client(c0, leader), &req, &r);
		if (rc == OMEN_OK && r->status == OMENDB__STATUS__STATUS_OK &&
		    r->body_case == OMENDB__RESPONSE__BODY_CATALOG && r->catalog) {
			*resp = r;
			return OMEN_OK;
		}
		why = rc != OMEN_OK ? error_message(rc) : "an unexpected answer";
		if (r)
			omendb__response__free_unpacked(r, NULL);
		usleep(50000);
	}
	complain("cannot read the catalog from group 0: %s", why);
	return OMEN_ETIMEDOUT;
}

/* True if the catalog lists group g with exactly the layout's replicas. */
static bool catalog_has_group(const Omendb__Catalog *cat, const struct layout *l, unsigned g)
{
	for (size_t k = 0; k < cat->n_groups; k++) {
		const Omendb__GroupInfo *gi = cat->groups[k];
		if (gi->group_id != g)
			continue;
		if (gi->n_replicas != l->replicas)
			return false;
		for (unsigned i = 0; i < l->replicas; i++) {
			const Omendb__Member *m = gi->replicas[i];
			char raft[32], rpc[32];
			snprintf(raft, sizeof raft, "127.0.0.1:%u", (unsigned)l->ports[g][2 * i]);
			snprintf(rpc, sizeof rpc, "127.0.0.1:%u", (unsigned)l->ports[g][2 * i + 1]);
			if (m->id != i + 1 || strcmp(m->raft_address, raft) != 0 ||
			    strcmp(m->rpc_address, rpc) != 0)
				return false;
		}
		return true;
	}
	return false;
}

/* One catalog op through group 0's leader; OMEN_OK once it is applied. */
static int catalog_op(cluster *c0, Omendb__CatalogOp *op, const char *what)
{
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_CATALOG;
	cmd.catalog = op;
	Omendb__Response *resp = NULL;
	int status = st_command(c0, 0, &cmd, CATALOG_TIMEOUT_MS, &resp);
	if (status == OMENDB__STATUS__STATUS_OK) {
		omendb__response__free_unpacked(resp, NULL);
		return OMEN_OK;
	}
	complain("catalog: %s failed: %s", what,
		 resp && resp->message && *resp->message ? resp->message : "no answer from group 0's leader");
	if (resp)
		omendb__response__free_unpacked(resp, NULL);
	return OMEN_EIO;
}

/* Registers every group whose entry the catalog lacks (or has with other
 * replicas) and, when the catalog has no shard map, one that spreads
 * BUCKETS buckets round-robin over the data groups. A restart finds all of
 * it there and registers nothing. */
static int register_groups(struct run *r)
{
	const struct layout *l = r->l;
	Omendb__Response *resp;
	int rc = read_catalog(r->groups[0], &resp);
	if (rc != OMEN_OK)
		return rc;
	const Omendb__Catalog *cat = resp->catalog;
	bool have_map = cat->shard_map && cat->shard_map->n_bucket_group > 0;
	unsigned registered = 0;
	for (unsigned g = 0; rc == OMEN_OK && g <= l->groups; g++) {
		if (catalog_has_group(cat, l, g))
			continue;
		Omendb__Member members[CLUSTER_MAX_REPLICAS];
		Omendb__Member *pm[CLUSTER_MAX_REPLICAS];
		char addr[CLUSTER_MAX_REPLICAS][2][32];
		for (unsigned i = 0; i < l->replicas; i++) {
			omendb__member__init(&members[i]);
			snprintf(addr[i][0], sizeof addr[i][0], "127.0.0.1:%u", (unsigned)l->ports[g][2 * i]);
			snprintf(addr[i][1], sizeof addr[i][1], "127.0.0.1:%u",
				 (unsigned)l->ports[g][2 * i + 1]);
			members[i].id = i + 1;
			members[i].raft_address = addr[i][0];
			members[i].rpc_address = addr[i][1];
			pm[i] = &members[i];
		}
		Omendb__GroupInfo gi = OMENDB__GROUP_INFO__INIT;
		gi.group_id = g;
		gi.replicas = pm;
		gi.n_replicas = l->replicas;
		Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
		op.op_case = OMENDB__CATALOG_OP__OP_REGISTER_GROUP;
		op.register_group = &gi;
		char what[48];
		snprintf(what, sizeof what, "register_group %u", g);
		rc = catalog_op(r->groups[0], &op, what);
		registered++;
	}
	if (rc == OMEN_OK && !have_map) {
		uint32_t *buckets = malloc(BUCKETS * sizeof *buckets);
		if (!buckets) {
			rc = OMEN_ENOMEM;
		} else {
			for (unsigned b = 0; b < BUCKETS; b++)
				buckets[b] = 1 + b % l->groups;
			Omendb__ShardMap map = OMENDB__SHARD_MAP__INIT;
			map.bucket_group = buckets;
			map.n_bucket_group = BUCKETS;
			Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
			op.op_case = OMENDB__CATALOG_OP__OP_SET_SHARD_MAP;
			op.set_shard_map = &map;
			rc = catalog_op(r->groups[0], &op, "set_shard_map");
			free(buckets);
		}
	}
	if (rc == OMEN_OK && registered == 0 && have_map)
		say("catalog: groups 0..%u and the shard map are registered already (version %llu)",
		    l->groups, (unsigned long long)cat->version);
	else if (rc == OMEN_OK)
		say("catalog: registered %u group%s%s", registered, registered == 1 ? "" : "s",
		    have_map ? "" : " and a 4096-bucket shard map over the data groups");
	omendb__response__free_unpacked(resp, NULL);
	return rc;
}

/* ---- the coordinator ---- */

static int start_coordinator(struct run *r)
{
	const struct options *o = r->o;
	const struct layout *l = r->l;
	char listen[32], catalog[CLUSTER_MAX_REPLICAS * 24];
	snprintf(listen, sizeof listen, "127.0.0.1:%u", (unsigned)r->port);
	size_t off = 0;
	for (unsigned i = 0; i < l->replicas; i++)
		off += (size_t)snprintf(catalog + off, sizeof catalog - off, "%s%s", i ? "," : "",
					cluster_rpc_address(r->groups[0], i));
	char *argv[16 + 2 * MAX_USERS];
	unsigned n = 0;
	argv[n++] = (char *)o->coordinator_bin;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--catalog";
	argv[n++] = catalog;
	argv[n++] = "--auth";
	argv[n++] = (char *)o->auth;
	for (unsigned u = 0; u < o->nusers; u++) {
		argv[n++] = "--user";
		argv[n++] = (char *)o->users[u];
	}
	if (o->log_level) {
		argv[n++] = "--log-level";
		argv[n++] = (char *)o->log_level;
	}
	argv[n] = NULL;
	if (asprintf(&r->coordinator_log, "%s/logs/coordinator.log", r->dir) < 0) {
		r->coordinator_log = NULL;
		return OMEN_ENOMEM;
	}
	say("starting the coordinator on %s", listen);
	double started = now_s();
	int rc = cluster_process_start(argv, NULL, r->coordinator_log, &r->coordinator);
	if (rc != OMEN_OK) {
		complain("cannot start %s: %s", o->coordinator_bin, error_message(rc));
		return rc;
	}
	int code;
	while (!port_accepts(r->port) && !stop_requested()) {
		if (!cluster_process_running(r->coordinator, &code)) {
			complain(
			    "the coordinator exited with status %d before accepting connections; last lines "
			    "of %s:",
			    code, r->coordinator_log);
			cluster_log_tail(r->coordinator_log, TAIL_LINES);
			return OMEN_ECLOSED;
		}
		if (now_s() - started > LISTEN_TIMEOUT_MS / 1000.0) {
			complain(
			    "the coordinator does not accept connections on %s after %d s; last lines of %s:",
			    listen, LISTEN_TIMEOUT_MS / 1000, r->coordinator_log);
			cluster_log_tail(r->coordinator_log, TAIL_LINES);
			return OMEN_ETIMEDOUT;
		}
		usleep(50000);
	}
	say("the coordinator accepts connections after %.1f s", now_s() - started);
	return OMEN_OK;
}

static void print_summary(const struct run *r)
{
	const struct layout *l = r->l;
	printf(
	    "OmenDB is running: %u data groups and the catalog group, %u replicas each, one coordinator.\n",
	    l->groups, l->replicas);
	printf("  %-12s pid %-7d postgres 127.0.0.1:%u  log %s\n", "coordinator",
	       (int)cluster_process_pid(r->coordinator), (unsigned)r->port, r->coordinator_log);
	for (unsigned g = 0; g <= l->groups; g++) {
		for (unsigned i = 0; i < l->replicas; i++) {
			char name[32];
			replica_name(name, sizeof name, g, i);
			printf("  %-12s pid %-7d rpc %s raft %s  log %s\n", name,
			       (int)cluster_pid(r->groups[g], i), cluster_rpc_address(r->groups[g], i),
			       cluster_raft_address(r->groups[g], i), cluster_log_path(r->groups[g], i));
		}
	}
	printf("Data: %s (layout in %s/%s)\n", r->dir, r->dir, CONF_NAME);
	printf("Connect: psql -h 127.0.0.1 -p %u -U %.*s omendb\n", (unsigned)r->port,
	       r->o->nusers ? (int)strcspn(r->o->users[0], ":") : 6,
	       r->o->nusers ? r->o->users[0] : "omendb");
	printf("Stop: ^C\n");
	fflush(stdout);
}

/* ---- CMD ---- */

static int start_command(struct run *r)
{
	const struct options *o = r->o;
	char port[16], *env[9];
	unsigned n = 0;
	snprintf(port, sizeof port, "%u", (unsigned)r->port);
	char *bufs[6] = {NULL};
	int user_len = o->nusers ? (int)strcspn(o->users[0], ":") : 6;
	const char *user = o->nusers ? o->users[0] : "omendb";
	bool ok =
	    asprintf(&bufs[0], "PGPORT=%s", port) >= 0 &&
	    asprintf(&bufs[1], "PGUSER=%.*s", user_len, user) >= 0 &&
	    asprintf(&bufs[2], "OMENDB_DIR=%s", r->dir) >= 0 &&
	    (!o->nusers || asprintf(&bufs[3], "PGPASSWORD=%s", o->users[0] + user_len + 1) >= 0) &&
	    asprintf(&bufs[4], "OMENDB_COORDINATOR_PID=%ld", (long)cluster_process_pid(r->coordinator)) >= 0;
	int rc = OMEN_ENOMEM;
	if (ok) {
		env[n++] = "PGHOST=127.0.0.1";
		env[n++] = "PGDATABASE=omendb";
		for (unsigned k = 0; k < 5; k++)
			if (bufs[k])
				env[n++] = bufs[k];
		env[n] = NULL;
		say("running %s", o->cmd[0]);
		rc = cluster_process_start(o->cmd, env, NULL, &r->cmd);
		if (rc != OMEN_OK)
			complain("cannot run %s: %s", o->cmd[0], error_message(rc));
	}
	for (unsigned k = 0; k < 5; k++)
		free(bufs[k]);
	return rc;
}

/* ---- supervision and shutdown ---- */

/* Reports children that exited on their own. Returns false when the
 * coordinator is gone without CMD (the cluster is of no use then). */
static bool check_children(struct run *r)
{
	const struct layout *l = r->l;
	for (unsigned g = 0; g <= l->groups; g++) {
		bool lost = false;
		unsigned running = 0;
		for (unsigned i = 0; i < l->replicas; i++) {
			if (r->up[g][i] && !cluster_running(r->groups[g], i)) {
				char name[32];
				replica_name(name, sizeof name, g, i);
				complain("replica %s exited unexpectedly; last lines of %s:", name,
					 cluster_log_path(r->groups[g], i));
				cluster_log_tail(cluster_log_path(r->groups[g], i), TAIL_LINES);
				r->up[g][i] = false;
				lost = true;
			}
			running += r->up[g][i];
		}
		if (lost && 2 * running <= l->replicas)
			complain(
			    "group %u has lost its quorum (%u of %u replicas running): it cannot elect a "
			    "leader or commit writes",
			    g, running, l->replicas);
		else if (lost)
			complain("group %u keeps its quorum (%u of %u replicas running)", g, running,
				 l->replicas);
	}
	int code;
	if (r->coordinator && !r->coordinator_reported && !cluster_process_running(r->coordinator, &code)) {
		complain("the coordinator exited unexpectedly with status %d; last lines of %s:", code,
			 r->coordinator_log);
		cluster_log_tail(r->coordinator_log, TAIL_LINES);
		r->coordinator_reported = true;
		return r->cmd != NULL;
	}
	return true;
}

/* SIGTERM to every child at once, then up to STOP_TIMEOUT_MS for all of
 * them to exit, then SIGKILL. *cmd_code gets CMD's exit status. */
static void stop_all(struct run *r, int *cmd_code)
{
	double started = now_s();
	if (!stop_signal)
		say("stopping the cluster");
	if (r->cmd)
		cluster_process_signal(r->cmd, SIGTERM);
	if (r->coordinator)
		cluster_process_signal(r->coordinator, SIGTERM);
	for (unsigned g = 0; g <= r->l->groups; g++)
		if (r->groups[g])
			cluster_terminate_all(r->groups[g]);
	double deadline = started + STOP_TIMEOUT_MS / 1000.0;
	if (r->cmd && cluster_process_reap(r->cmd, remaining_ms(deadline), cmd_code) != OMEN_OK)
		complain("%s did not exit within %d s of SIGTERM: killed", r->o->cmd[0],
			 STOP_TIMEOUT_MS / 1000);
	if (r->coordinator && cluster_process_reap(r->coordinator, remaining_ms(deadline), NULL) != OMEN_OK)
		complain("the coordinator did not exit within %d s of SIGTERM: killed",
			 STOP_TIMEOUT_MS / 1000);
	for (unsigned g = 0; g <= r->l->groups; g++)
		if (r->groups[g])
			cluster_reap_all(r->groups[g], remaining_ms(deadline));
	say("stopped in %.1f s", now_s() - started);
}

static void free_run(struct run *r)
{
	cluster_process_destroy(r->cmd);
	cluster_process_destroy(r->coordinator);
	for (unsigned g = 0; g <= MAX_GROUPS; g++)
		cluster_destroy(r->groups[g]);
	free(r->coordinator_log);
}

/* Waits for a signal, CMD's exit or a failure; returns the exit status. */
static int supervise(struct run *r)
{
	for (;;) {
		struct timespec tick = {.tv_sec = 0, .tv_nsec = TICK_MS * 1000000L};
		int sig = stop_signal ? stop_signal : sigtimedwait(&stop_signals, NULL, &tick);
		if (sig > 0) {
			stop_signal = sig;
			say("%s: stopping", strsignal(sig));
			int code = 128 + sig;
			stop_all(r, &code);
			return r->o->cmd ? code : 0;
		}
		if (!check_children(r)) {
			stop_all(r, NULL);
			return EXIT_FAILED;
		}
		int code;
		if (r->cmd && !cluster_process_running(r->cmd, &code)) {
			say("%s exited with status %d", r->o->cmd[0], code);
			stop_all(r, NULL);
			return code;
		}
	}
}

int main(int argc, char **argv)
{
	/* Before any thread exists (nng starts some), so that every thread
	 * leaves these to sigtimedwait in supervise: a ^C becomes an orderly
	 * stop, never an interrupted start. Children get an empty mask. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);

	struct options o;
	if (parse_options(argc, argv, &o) != OMEN_OK)
		return EXIT_USAGE;
	quiet = o.quiet;
	if (!executable(o.shard_bin, "--shard-bin") || !executable(o.coordinator_bin, "--coordinator-bin"))
		return EXIT_FAILED;

	char *temp_dir = NULL;
	if (o.cmd && !o.dir) {
		const char *tmp = getenv("TMPDIR");
		if (asprintf(&temp_dir, "%s/omendb-local-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
			return EXIT_FAILED;
		if (!mkdtemp(temp_dir)) {
			complain("mkdtemp %s: %s", temp_dir, strerror(errno));
			free(temp_dir);
			return EXIT_FAILED;
		}
	}
	long port = o.port >= 0 ? o.port : o.cmd ? 0 : DEFAULT_PORT;

	struct run r;
	memset(&r, 0, sizeof r);
	r.o = &o;
	struct layout l;
	r.l = &l;
	char *dir = NULL;
	int lock_fd = -1, status = EXIT_FAILED;
	bool created;
	int rc = open_dir(temp_dir ? temp_dir : o.dir ? o.dir : DEFAULT_DIR, &dir, &lock_fd);
	if (rc == OMEN_OK)
		rc = load_layout(&o, dir, &l, &created);
	if (rc != OMEN_OK) {
		status = rc == OMEN_EINVAL ? EXIT_USAGE : EXIT_FAILED;
		goto out;
	}
	r.dir = dir;
	say("%s cluster in %s", created ? "creating a" : "restarting the", dir);
	if (port == 0) {
		unsigned short p;
		if (cluster_pick_ports(1, &p) != OMEN_OK) {
			complain("no free port on 127.0.0.1");
			goto out;
		}
		port = p;
	} else if (!port_is_free((unsigned short)port)) {
		complain("127.0.0.1:%ld is in use; choose another PostgreSQL port with --port N (0 = any "
			 "free one)",
			 port);
		goto out;
	}
	r.port = (unsigned short)port;

	rc = start_groups(&r);
	if (rc == OMEN_OK && !stop_requested())
		rc = register_groups(&r);
	if (rc == OMEN_OK && !stop_requested())
		rc = start_coordinator(&r);
	if (rc == OMEN_OK && !stop_requested() && o.cmd) {
		rc = start_command(&r);
		if (rc != OMEN_OK)
			status = rc == OMEN_ENOTFOUND ? 127 : 126; /* as a shell reports it */
	}
	if (rc != OMEN_OK) {
		stop_all(&r, NULL);
		goto out;
	}
	if (!o.cmd && !quiet && !stop_requested())
		print_summary(&r);
	/* A stop requested while starting is taken here too. */
	status = supervise(&r);
out:
	free_run(&r);
	if (temp_dir) {
		const char *keep = getenv("OMEN_KEEP_TMP");
		if (status != 0 || (keep && *keep))
			complain("kept %s (logs in %s/logs)", temp_dir, temp_dir);
		else
			fsutil_remove_tree(temp_dir);
	}
	if (lock_fd >= 0)
		close(lock_fd);
	free(dir);
	free(temp_dir);
	return status;
}
