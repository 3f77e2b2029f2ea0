#include "cluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

#ifndef OMEN_SHARD_BIN
#error "OMEN_SHARD_BIN must name the omendb-shard binary (tests/CMakeLists.txt defines it)"
#endif

#define MAX_ARGS 64
#define CLIENT_TIMEOUT_MS 5000
#define STATUS_TIMEOUT_MS 2000
#define POLL_MS 25
#define TERMINATE_TIMEOUT_MS 10000
#define PAUSE_TIMEOUT_MS 5000
#define DUMP_LINES 40
#define DUMP_BYTES (64 * 1024)
#define PID_SLOTS 256
#define LOG_LEVEL_SIZE 16

struct replica {
	pid_t pid; /* 0 when not running */
	bool paused;
	char raft_address[32];
	char rpc_address[32];
	char *data_dir;
	char *log_path;
	char *argv[MAX_ARGS]; /* NULL-terminated, built before any fork */
	rpc_client *client;   /* CLIENT_TIMEOUT_MS, handed to tests */
	rpc_client *status;   /* STATUS_TIMEOUT_MS, for status polls */
};

struct cluster {
	cluster_options opts; /* log_level points at log_level below */
	char log_level[LOG_LEVEL_SIZE];
	char *bin;
	char *dir;    /* NULL until mkdtemp succeeded or the given one was copied */
	bool own_dir; /* a temporary directory, removed by cluster_destroy */
	pid_t owner;  /* the process that started it: a fork of the test is not */
	unsigned n;
	struct replica r[CLUSTER_MAX_REPLICAS];
	cluster *next; /* in live_clusters */
};

/* Clusters not yet destroyed, for the exit handler. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static cluster *live_clusters;

/* Every replica process not yet reaped, in a form a signal handler can read:
 * pid is 0 or a replica, owner the process that spawned it (0 while the slot
 * is being filled or emptied). Forks of the test inherit the table, so the
 * handler kills only the replicas its own process spawned. */
static struct {
	_Atomic pid_t pid;
	_Atomic pid_t owner;
} live_pids[PID_SLOTS];

static const int fatal_signals[] = {SIGINT, SIGTERM, SIGABRT};
#define FATAL_SIGNALS (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction old_actions[FATAL_SIGNALS];
static bool handler_installed[FATAL_SIGNALS];
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

/* Ports handed out by this process, so that none is handed out twice. */
static pthread_mutex_t ports_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t ports_used[65536 / 64];

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void pid_register(pid_t pid)
{
	for (unsigned s = 0; s < PID_SLOTS; s++) {
		pid_t empty = 0;
		if (atomic_compare_exchange_strong(&live_pids[s].pid, &empty, pid)) {
			atomic_store(&live_pids[s].owner, getpid());
			return;
		}
	}
	/* Table full: PR_SET_PDEATHSIG still kills it when the test dies. */
}

static void pid_forget(pid_t pid)
{
	for (unsigned s = 0; s < PID_SLOTS; s++) {
		if (atomic_load(&live_pids[s].pid) == pid && atomic_load(&live_pids[s].owner) == getpid()) {
			atomic_store(&live_pids[s].owner, 0);
			atomic_store(&live_pids[s].pid, 0);
			return;
		}
	}
}

/* Async-signal-safe. A replica leads its own process group (see exec_child),
 * so killing the group also takes anything it started. */
static void kill_live_pids(void)
{
	pid_t self = getpid();
	for (unsigned s = 0; s < PID_SLOTS; s++) {
		pid_t p = atomic_load(&live_pids[s].pid);
		if (p > 0 && atomic_load(&live_pids[s].owner) == self) {
			kill(-p, SIGKILL);
			kill(p, SIGKILL);
		}
	}
}

static void on_fatal_signal(int sig)
{
	int saved_errno = errno;
	kill_live_pids();
	for (unsigned k = 0; k < FATAL_SIGNALS; k++) {
		if (fatal_signals[k] == sig) {
			/* Blocked while we run: delivered to the old action on return. */
			sigaction(sig, &old_actions[k], NULL);
			raise(sig);
		}
	}
	errno = saved_errno;
}

/* At exit: the clusters this process started (a fork of the test inherits
 * the list and exits through here too). */
static void destroy_live_clusters(void)
{
	pid_t self = getpid();
	for (;;) {
		pthread_mutex_lock(&live_lock);
		cluster *c = live_clusters;
		while (c && c->owner != self)
			c = c->next;
		pthread_mutex_unlock(&live_lock);
		if (!c)
			return;
		cluster_destroy(c);
	}
}

static void install_handlers(void)
{
	atexit(destroy_live_clusters);
	for (unsigned k = 0; k < FATAL_SIGNALS; k++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		if (sigaction(fatal_signals[k], NULL, &old_actions[k]) != 0)
			continue;
		/* An ignored signal cannot end the test; keep it ignored. */
		if (old_actions[k].sa_handler == SIG_IGN)
			continue;
		handler_installed[k] = sigaction(fatal_signals[k], &sa, NULL) == 0;
	}
}

/* Binds 127.0.0.1:0 and reads back the port the kernel chose. The sockets
 * stay open until all count ports are chosen, so one call cannot see a port
 * twice; ports_used keeps later calls from reusing one whose replica is
 * down (killed, awaiting restart). */
int cluster_pick_ports(unsigned count, unsigned short *ports)
{
	enum { MAX_TRIES = 128 };
	int fds[MAX_TRIES];
	unsigned nfds = 0, got = 0;
	int rc = OMEN_OK;
	pthread_mutex_lock(&ports_lock);
	while (got < count) {
		if (nfds == MAX_TRIES) {
			rc = OMEN_EIO;
			break;
		}
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			rc = OMEN_EIO;
			break;
		}
		fds[nfds++] = fd;
		struct sockaddr_in sa;
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t len = sizeof sa;
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
		    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
			rc = OMEN_EIO;
			break;
		}
		unsigned short port = ntohs(sa.sin_port);
		if (ports_used[port / 64] & (1ull << (port % 64)))
			continue;
		ports_used[port / 64] |= 1ull << (port % 64);
		ports[got++] = port;
	}
	pthread_mutex_unlock(&ports_lock);
	for (unsigned k = 0; k < nfds; k++)
		close(fds[k]);
	return rc;
}

/* Ports the caller chose: never handed out by cluster_pick_ports. */
static void mark_ports_used(unsigned count, const unsigned short *ports)
{
	pthread_mutex_lock(&ports_lock);
	for (unsigned k = 0; k < count; k++)
		ports_used[ports[k] / 64] |= 1ull << (ports[k] % 64);
	pthread_mutex_unlock(&ports_lock);
}

/* Builds an argv with a sticky failure flag, checked once at the end. */
struct args {
	char **v;
	unsigned n;
	bool failed;
};

__attribute__((format(printf, 2, 3))) static void arg(struct args *a, const char *fmt, ...)
{
	if (a->failed)
		return;
	if (a->n + 1 >= MAX_ARGS) {
		a->failed = true;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int len = vasprintf(&a->v[a->n], fmt, ap);
	va_end(ap);
	if (len < 0) {
		a->v[a->n] = NULL;
		a->failed = true;
		return;
	}
	a->n++;
}

static void arg_uint(struct args *a, const char *flag, unsigned value)
{
	if (value == 0)
		return;
	arg(a, "%s", flag);
	arg(a, "%u", value);
}

/* Replica i's command line; --peer for replicas 0..i if join, else for
 * all the initial members. */
static int build_argv(cluster *c, unsigned i, bool join)
{
	struct replica *r = &c->r[i];
	struct args a = {.v = r->argv};
	arg(&a, "%s", c->bin);
	arg(&a, "--group");
	arg(&a, "%u", c->opts.group);
	arg(&a, "--id");
	arg(&a, "%u", i + 1);
	arg(&a, "--data");
	arg(&a, "%s", r->data_dir);
	arg(&a, "--raft-address");
	arg(&a, "%s", r->raft_address);
	arg(&a, "--rpc-address");
	arg(&a, "%s", r->rpc_address);
	unsigned peers = join ? i + 1 : c->opts.replicas;
	for (unsigned p = 0; p < peers; p++) {
		arg(&a, "--peer");
		arg(&a, "%u@%s@%s", p + 1, c->r[p].raft_address, c->r[p].rpc_address);
	}
	if (join)
		arg(&a, "--join");
	arg_uint(&a, "--workers", c->opts.workers);
	arg_uint(&a, "--snapshot-threshold", c->opts.snapshot_threshold);
	arg_uint(&a, "--snapshot-trailing", c->opts.snapshot_trailing);
	arg_uint(&a, "--election-timeout-ms", c->opts.election_timeout_ms);
	arg_uint(&a, "--heartbeat-ms", c->opts.heartbeat_ms);
	arg(&a, "--log-level");
	arg(&a, "%s", c->log_level);
	r->argv[a.n] = NULL;
	return a.failed ? OMEN_ENOMEM : OMEN_OK;
}

/* Addresses, paths and clients of replica i; creates its data directory. */
static int init_replica(cluster *c, unsigned i, unsigned short raft_port, unsigned short rpc_port)
{
	struct replica *r = &c->r[i];
	snprintf(r->raft_address, sizeof r->raft_address, "127.0.0.1:%u", (unsigned)raft_port);
	snprintf(r->rpc_address, sizeof r->rpc_address, "127.0.0.1:%u", (unsigned)rpc_port);
	int len = c->own_dir ? asprintf(&r->data_dir, "%s/r%u", c->dir, i)
			     : asprintf(&r->data_dir, "%s/g%ur%u", c->dir, c->opts.group, i + 1);
	if (len < 0) {
		r->data_dir = NULL;
		return OMEN_ENOMEM;
	}
	len = c->own_dir ? asprintf(&r->log_path, "%s/r%u.log", c->dir, i)
			 : asprintf(&r->log_path, "%s/logs/g%ur%u.log", c->dir, c->opts.group, i + 1);
	if (len < 0) {
		r->log_path = NULL;
		return OMEN_ENOMEM;
	}
	/* A caller's directory may hold the data of an earlier run: reuse it. */
	if (mkdir(r->data_dir, 0700) != 0 && (c->own_dir || errno != EEXIST)) {
		fprintf(stderr, "cluster: mkdir %s: %s\n", r->data_dir, strerror(errno));
		return OMEN_EIO;
	}
	int rc = rpc_client_open(r->rpc_address, CLIENT_TIMEOUT_MS, &r->client);
	if (rc == OMEN_OK)
		rc = rpc_client_open(r->rpc_address, STATUS_TIMEOUT_MS, &r->status);
	return rc;
}

static void free_replica(struct replica *r)
{
	for (unsigned k = 0; k < MAX_ARGS && r->argv[k]; k++)
		free(r->argv[k]);
	free(r->data_dir);
	free(r->log_path);
	rpc_client_close(r->client);
	rpc_client_close(r->status);
	memset(r, 0, sizeof *r);
}

/* The child's side of spawn_child: only async-signal-safe calls until
 * execve. log_fd < 0 keeps the caller's stdio and process group. */
static _Noreturn void exec_child(const char *path, char *const argv[], char *const envp[], int log_fd,
				 int null_fd, pid_t parent)
{
	/* Its own process group: a ^C in the terminal reaches the test, whose
	 * handler kills the replicas, and a kill of the group takes everything
	 * the replica started. */
	if (log_fd >= 0)
		setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (unsigned k = 0; k < FATAL_SIGNALS; k++)
		if (handler_installed[k])
			sigaction(fatal_signals[k], &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (log_fd >= 0 && (dup2(null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
			    dup2(log_fd, STDERR_FILENO) < 0))
		_exit(127);
	/* Whatever the test holds open (sockets, files) is none of the child's. */
	close_range(3, ~0u, 0);
	execve(path, argv, envp);
	static const char msg[] = "cluster: execve failed: ";
	ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
	w = write(STDERR_FILENO, path, strlen(path));
	w = write(STDERR_FILENO, "\n", 1);
	(void)w;
	_exit(127);
}

/* Forks and execs path with argv and envp; with a log_path, as described
 * for cluster_process_start, and banner marks in the log where this run
 * starts (restarts append to it). */
static int spawn_child(const char *path, char *const argv[], char *const envp[], const char *log_path,
		       const char *banner, pid_t *out)
{
	int log_fd = -1, null_fd = -1;
	if (log_path) {
		log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			fprintf(stderr, "cluster: open %s: %s\n", log_path, strerror(errno));
			return OMEN_EIO;
		}
		null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null_fd < 0) {
			close(log_fd);
			return OMEN_EIO;
		}
		dprintf(log_fd, "==== cluster: starting %s ====\n", banner);
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		exec_child(path, argv, envp, log_fd, null_fd, parent);
	int fork_errno = errno;
	if (log_path) {
		close(null_fd);
		close(log_fd);
	}
	if (pid < 0) {
		fprintf(stderr, "cluster: fork: %s\n", strerror(fork_errno));
		return OMEN_EIO;
	}
	/* Also from this side, so the group exists before we may signal it (it
	 * fails harmlessly once the child has exec'd). */
	if (log_path)
		setpgid(pid, pid);
	pid_register(pid);
	*out = pid;
	return OMEN_OK;
}

static int spawn(cluster *c, unsigned i)
{
	struct replica *r = &c->r[i];
	char banner[64];
	snprintf(banner, sizeof banner, "replica %u (raft id %u)", i, i + 1);
	pid_t pid;
	int rc = spawn_child(r->argv[0], r->argv, environ, r->log_path, banner, &pid);
	if (rc != OMEN_OK)
		return rc;
	r->pid = pid;
	r->paused = false;
	return OMEN_OK;
}

static void forget_process(struct replica *r)
{
	pid_forget(r->pid);
	r->pid = 0;
	r->paused = false;
}

/* 128 + signal for a signal, as shells report it. */
static int decode_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

static void report_exit(const cluster *c, unsigned i, int status)
{
	const struct replica *r = &c->r[i];
	if (WIFSIGNALED(status))
		fprintf(stderr, "cluster: replica %u (pid %d) was killed by signal %d; log: %s\n", i,
			(int)r->pid, WTERMSIG(status), r->log_path);
	else
		fprintf(stderr, "cluster: replica %u (pid %d) exited with status %d; log: %s\n", i,
			(int)r->pid, decode_exit(status), r->log_path);
}

static void kill_and_reap(struct replica *r)
{
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
		;
	forget_process(r);
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "cluster: remove %s: %s\n", path, strerror(errno));
	return 0;
}

void cluster_destroy(cluster *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&live_lock);
	for (cluster **p = &live_clusters; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	for (unsigned i = 0; i < CLUSTER_MAX_REPLICAS; i++) {
		if (c->r[i].pid > 0)
			kill_and_reap(&c->r[i]);
		free_replica(&c->r[i]);
	}
	if (c->dir && c->own_dir) {
		const char *keep = getenv("OMEN_KEEP_TMP");
		if (keep && *keep)
			fprintf(stderr, "cluster: kept %s\n", c->dir);
		else
			nftw(c->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	free(c->dir);
	free(c->bin);
	free(c);
}

static int make_temp_dir(cluster *c)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (asprintf(&dir, "%s/omendb-cluster-XXXXXX", tmp) < 0)
		return OMEN_ENOMEM;
	if (!mkdtemp(dir)) {
		fprintf(stderr, "cluster: mkdtemp %s: %s\n", dir, strerror(errno));
		free(dir);
		return OMEN_EIO;
	}
	c->dir = dir;
	c->own_dir = true;
	return OMEN_OK;
}

/* The caller's directory, which must exist; its logs/ is created. */
static int use_dir(cluster *c, const char *dir)
{
	c->dir = strdup(dir);
	char *logs;
	if (!c->dir || asprintf(&logs, "%s/logs", dir) < 0)
		return OMEN_ENOMEM;
	int rc = OMEN_OK;
	if (mkdir(logs, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "cluster: mkdir %s: %s\n", logs, strerror(errno));
		rc = OMEN_EIO;
	}
	free(logs);
	return rc;
}

int cluster_start(const cluster_options *o, cluster **out)
{
	if (!o || o->replicas < 1 || o->replicas > CLUSTER_MAX_REPLICAS)
		return OMEN_EINVAL;
	for (unsigned k = 0; o->ports && k < 2 * o->replicas; k++)
		if (o->ports[k] == 0)
			return OMEN_EINVAL;
	const char *level = o->log_level ? o->log_level : "info";
	if (strlen(level) >= LOG_LEVEL_SIZE)
		return OMEN_EINVAL;
	const char *bin = o->bin;
	if (!bin)
		bin = getenv("OMEN_SHARD_BIN");
	if (!bin || !*bin)
		bin = OMEN_SHARD_BIN;
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "cluster: %s is not executable (%s); set OMEN_SHARD_BIN\n", bin,
			strerror(errno));
		return OMEN_EINVAL;
	}
	pthread_once(&handlers_once, install_handlers);

	cluster *c = calloc(1, sizeof *c);
	if (!c)
		return OMEN_ENOMEM;
	c->owner = getpid();
	c->opts = *o;
	snprintf(c->log_level, sizeof c->log_level, "%s", level);
	c->opts.log_level = c->log_level;
	c->opts.bin = NULL; /* these three are used here only */
	c->opts.dir = NULL;
	c->opts.ports = NULL;
	pthread_mutex_lock(&live_lock);
	c->next = live_clusters;
	live_clusters = c;
	pthread_mutex_unlock(&live_lock);

	int rc = OMEN_ENOMEM;
	c->bin = strdup(bin);
	if (!c->bin)
		goto err;
	rc = o->dir ? use_dir(c, o->dir) : make_temp_dir(c);
	if (rc != OMEN_OK)
		goto err;

	unsigned short ports[2 * CLUSTER_MAX_REPLICAS];
	if (o->ports) {
		memcpy(ports, o->ports, 2 * o->replicas * sizeof ports[0]);
		mark_ports_used(2 * o->replicas, ports);
	} else {
		rc = cluster_pick_ports(2 * o->replicas, ports);
		if (rc != OMEN_OK)
			goto err;
	}
	c->n = o->replicas;
	for (unsigned i = 0; i < c->n; i++) {
		rc = init_replica(c, i, ports[2 * i], ports[2 * i + 1]);
		if (rc != OMEN_OK)
			goto err;
	}
	for (unsigned i = 0; i < c->n; i++) {
		rc = build_argv(c, i, false);
		if (rc != OMEN_OK)
			goto err;
	}
	for (unsigned i = 0; i < c->n; i++) {
		rc = spawn(c, i);
		if (rc != OMEN_OK)
			goto err;
	}
	*out = c;
	return OMEN_OK;
err:
	cluster_destroy(c);
	return rc;
}

unsigned cluster_size(const cluster *c)
{
	return c->n;
}

int cluster_add(cluster *c, unsigned *index)
{
	if (c->n >= CLUSTER_MAX_REPLICAS)
		return OMEN_EFULL;
	unsigned i = c->n;
	unsigned short ports[2];
	int rc = cluster_pick_ports(2, ports);
	if (rc == OMEN_OK)
		rc = init_replica(c, i, ports[0], ports[1]);
	if (rc == OMEN_OK)
		rc = build_argv(c, i, true);
	if (rc == OMEN_OK)
		rc = spawn(c, i);
	if (rc != OMEN_OK) {
		struct replica *r = &c->r[i];
		if (r->log_path)
			remove(r->log_path);
		if (r->data_dir)
			rmdir(r->data_dir);
		free_replica(r);
		return rc;
	}
	c->n++;
	if (index)
		*index = i;
	return OMEN_OK;
}

bool cluster_running(cluster *c, unsigned i)
{
	if (i >= c->n || c->r[i].pid == 0)
		return false;
	struct replica *r = &c->r[i];
	int status;
	pid_t w = waitpid(r->pid, &status, WNOHANG);
	if (w == 0 || (w < 0 && errno == EINTR))
		return true;
	if (w == r->pid)
		report_exit(c, i, status);
	else
		fprintf(stderr, "cluster: replica %u (pid %d) is gone: %s; log: %s\n", i, (int)r->pid,
			strerror(errno), r->log_path);
	forget_process(r);
	return false;
}

int cluster_kill(cluster *c, unsigned i)
{
	if (i >= c->n || c->r[i].pid == 0)
		return OMEN_EINVAL;
	kill_and_reap(&c->r[i]);
	return OMEN_OK;
}

int cluster_terminate(cluster *c, unsigned i, int *exit_code)
{
	if (!cluster_running(c, i))
		return OMEN_EINVAL;
	struct replica *r = &c->r[i];
	kill(r->pid, SIGTERM);
	if (r->paused)
		kill(-r->pid, SIGCONT);
	r->paused = false;
	int64_t deadline = now_ms() + TERMINATE_TIMEOUT_MS;
	for (;;) {
		int status;
		pid_t w = waitpid(r->pid, &status, WNOHANG);
		if (w == r->pid) {
			if (exit_code)
				*exit_code = decode_exit(status);
			forget_process(r);
			return OMEN_OK;
		}
		if (w < 0 && errno != EINTR) {
			forget_process(r);
			return OMEN_EIO;
		}
		if (now_ms() >= deadline)
			break;
		sleep_ms(POLL_MS);
	}
	fprintf(stderr, "cluster: replica %u (pid %d) did not exit within %d ms of SIGTERM; killing it\n", i,
		(int)r->pid, TERMINATE_TIMEOUT_MS);
	kill_and_reap(r);
	return OMEN_ETIMEDOUT;
}

int cluster_pause(cluster *c, unsigned i)
{
	if (!cluster_running(c, i))
		return OMEN_EINVAL;
	struct replica *r = &c->r[i];
	if (r->paused)
		return OMEN_OK;
	if (kill(-r->pid, SIGSTOP) != 0)
		return OMEN_EIO;
	r->paused = true;
	/* SIGSTOP takes effect asynchronously; the stop report says it has. */
	int64_t deadline = now_ms() + PAUSE_TIMEOUT_MS;
	for (;;) {
		int status;
		pid_t w = waitpid(r->pid, &status, WNOHANG | WUNTRACED);
		if (w == r->pid && WIFSTOPPED(status))
			return OMEN_OK;
		if (w == r->pid) {
			report_exit(c, i, status);
			forget_process(r);
			return OMEN_ECLOSED;
		}
		if (w < 0 && errno != EINTR) {
			forget_process(r);
			return OMEN_EIO;
		}
		if (now_ms() >= deadline)
			return OMEN_ETIMEDOUT;
		sleep_ms(1);
	}
}

int cluster_resume(cluster *c, unsigned i)
{
	if (!cluster_running(c, i))
		return OMEN_EINVAL;
	struct replica *r = &c->r[i];
	if (!r->paused)
		return OMEN_OK;
	if (kill(-r->pid, SIGCONT) != 0)
		return OMEN_EIO;
	r->paused = false;
	return OMEN_OK;
}

int cluster_restart(cluster *c, unsigned i)
{
	if (i >= c->n || cluster_running(c, i))
		return OMEN_EINVAL;
	return spawn(c, i);
}

int cluster_status(cluster *c, unsigned i, Omendb__Response **resp)
{
	if (i >= c->n)
		return OMEN_EINVAL;
	if (!cluster_running(c, i))
		return OMEN_ECLOSED;
	Omendb__StatusRequest body = OMENDB__STATUS_REQUEST__INIT;
	Omendb__Request req = OMENDB__REQUEST__INIT;
	req.group_id = c->opts.group;
	req.body_case = OMENDB__REQUEST__BODY_STATUS;
	req.status = &body;
	Omendb__Response *r;
	int rc = rpc_call(c->r[i].status, &req, &r);
	if (rc != OMEN_OK)
		return rc;
	if (r->status != OMENDB__STATUS__STATUS_OK || r->body_case != OMENDB__RESPONSE__BODY_STATUS_INFO ||
	    !r->status_info) {
		omendb__response__free_unpacked(r, NULL);
		return OMEN_EFORMAT;
	}
	*resp = r;
	return OMEN_OK;
}

/* One replica's answer in a polling round. */
struct probe {
	bool polled; /* running and not paused */
	int rc;
	Omendb__Role role;
	uint64_t term;
	bool ready;
	uint64_t leader_id;
	uint64_t applied;
	uint64_t last;
};

/* Status of every running, unpaused replica; returns how many were asked. */
static unsigned poll_all(cluster *c, struct probe *p)
{
	unsigned polled = 0;
	for (unsigned i = 0; i < c->n; i++) {
		memset(&p[i], 0, sizeof p[i]);
		if (!cluster_running(c, i) || c->r[i].paused)
			continue;
		p[i].polled = true;
		polled++;
		Omendb__Response *resp;
		p[i].rc = cluster_status(c, i, &resp);
		if (p[i].rc != OMEN_OK)
			continue;
		const Omendb__StatusResponse *s = resp->status_info;
		p[i].role = s->role;
		p[i].term = s->term;
		p[i].ready = s->leader_ready;
		p[i].leader_id = s->leader_id;
		p[i].applied = s->applied_index;
		p[i].last = s->last_index;
		omendb__response__free_unpacked(resp, NULL);
	}
	return polled;
}

static void print_probes(const cluster *c, const struct probe *p)
{
	for (unsigned i = 0; i < c->n; i++) {
		const struct replica *r = &c->r[i];
		if (r->pid == 0) {
			fprintf(stderr, "  replica %u: not running\n", i);
		} else if (r->paused) {
			fprintf(stderr, "  replica %u: paused\n", i);
		} else if (!p[i].polled) {
			fprintf(stderr, "  replica %u: not asked\n", i);
		} else if (p[i].rc != OMEN_OK) {
			fprintf(stderr, "  replica %u: no status: %s\n", i, error_name(p[i].rc));
		} else {
			const ProtobufCEnumValue *v =
			    protobuf_c_enum_descriptor_get_value(&omendb__role__descriptor, (int)p[i].role);
			fprintf(stderr,
				"  replica %u: %s term %llu leader_id %llu ready %d applied %llu last %llu\n",
				i, v ? v->name : "ROLE_?", (unsigned long long)p[i].term,
				(unsigned long long)p[i].leader_id, p[i].ready,
				(unsigned long long)p[i].applied, (unsigned long long)p[i].last);
		}
	}
}

/* A ready leader whose term no other leader's term reaches; -1 if none. */
static int settled_leader(const cluster *c, const struct probe *p)
{
	int best = -1;
	for (unsigned i = 0; i < c->n; i++) {
		if (p[i].polled && p[i].rc == OMEN_OK && p[i].role == OMENDB__ROLE__ROLE_LEADER &&
		    p[i].ready && (best < 0 || p[i].term > p[best].term))
			best = (int)i;
	}
	if (best < 0)
		return -1;
	for (unsigned i = 0; i < c->n; i++) {
		if ((int)i != best && p[i].polled && p[i].rc == OMEN_OK &&
		    p[i].role == OMENDB__ROLE__ROLE_LEADER && p[i].term >= p[best].term)
			return -1;
	}
	return best;
}

int cluster_wait_leader(cluster *c, int timeout_ms, unsigned *leader)
{
	struct probe p[CLUSTER_MAX_REPLICAS];
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		if (poll_all(c, p) == 0)
			return OMEN_ECLOSED;
		int best = settled_leader(c, p);
		if (best >= 0) {
			if (leader)
				*leader = (unsigned)best;
			return OMEN_OK;
		}
		if (now_ms() >= deadline)
			break;
		sleep_ms(POLL_MS);
	}
	fprintf(stderr, "cluster: no settled leader within %d ms:\n", timeout_ms);
	print_probes(c, p);
	return OMEN_ETIMEDOUT;
}

int cluster_wait_applied(cluster *c, uint64_t index, int timeout_ms)
{
	struct probe p[CLUSTER_MAX_REPLICAS];
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		if (poll_all(c, p) == 0)
			return OMEN_ECLOSED;
		bool all = true;
		for (unsigned i = 0; i < c->n; i++)
			if (p[i].polled && (p[i].rc != OMEN_OK || p[i].applied < index))
				all = false;
		if (all)
			return OMEN_OK;
		if (now_ms() >= deadline)
			break;
		sleep_ms(POLL_MS);
	}
	fprintf(stderr, "cluster: not every replica applied index %llu within %d ms:\n",
		(unsigned long long)index, timeout_ms);
	print_probes(c, p);
	return OMEN_ETIMEDOUT;
}

rpc_client *cluster_client(cluster *c, unsigned i)
{
	return i < c->n ? c->r[i].client : NULL;
}

const char *cluster_rpc_address(const cluster *c, unsigned i)
{
	return i < c->n ? c->r[i].rpc_address : NULL;
}

const char *cluster_raft_address(const cluster *c, unsigned i)
{
	return i < c->n ? c->r[i].raft_address : NULL;
}

const char *cluster_data_dir(const cluster *c, unsigned i)
{
	return i < c->n ? c->r[i].data_dir : NULL;
}

const char *cluster_log_path(const cluster *c, unsigned i)
{
	return i < c->n ? c->r[i].log_path : NULL;
}

pid_t cluster_pid(const cluster *c, unsigned i)
{
	return i < c->n ? c->r[i].pid : 0;
}

/* The last `lines` lines within the last DUMP_BYTES of the file. */
static void print_tail(const char *path, unsigned lines, char *buf)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "(cannot open %s: %s)\n", path, strerror(errno));
		return;
	}
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	long from = size > DUMP_BYTES ? size - DUMP_BYTES : 0;
	size_t n = fseek(f, from, SEEK_SET) == 0 ? fread(buf, 1, DUMP_BYTES, f) : 0;
	fclose(f);
	size_t end = n > 0 && buf[n - 1] == '\n' ? n - 1 : n;
	size_t start = end;
	unsigned seen = 0;
	while (start > 0 && !(buf[start - 1] == '\n' && ++seen == lines))
		start--;
	fwrite(buf + start, 1, n - start, stderr);
	if (n > start && buf[n - 1] != '\n')
		fputc('\n', stderr);
}

void cluster_log_tail(const char *path, unsigned lines)
{
	char *buf = malloc(DUMP_BYTES);
	if (!buf)
		return;
	print_tail(path, lines, buf);
	free(buf);
	fflush(stderr);
}

void cluster_dump_logs(const cluster *c)
{
	char *buf = malloc(DUMP_BYTES);
	if (!buf)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		const struct replica *r = &c->r[i];
		const char *state = r->pid == 0 ? "not running" : r->paused ? "paused" : "running";
		fprintf(stderr, "==== replica %u (raft id %u, %s) %s: last %d lines ====\n", i, i + 1, state,
			r->log_path, DUMP_LINES);
		print_tail(r->log_path, DUMP_LINES, buf);
	}
	free(buf);
	fflush(stderr);
}

void cluster_terminate_all(cluster *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct replica *r = &c->r[i];
		if (!cluster_running(c, i))
			continue;
		kill(r->pid, SIGTERM);
		if (r->paused)
			kill(-r->pid, SIGCONT);
		r->paused = false;
	}
}

int cluster_reap_all(cluster *c, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		bool left = false;
		for (unsigned i = 0; i < c->n; i++) {
			struct replica *r = &c->r[i];
			if (r->pid == 0)
				continue;
			pid_t w = waitpid(r->pid, NULL, WNOHANG);
			if (w == r->pid || (w < 0 && errno != EINTR))
				forget_process(r);
			else
				left = true;
		}
		if (!left)
			return OMEN_OK;
		if (now_ms() >= deadline)
			break;
		sleep_ms(POLL_MS);
	}
	for (unsigned i = 0; i < c->n; i++) {
		struct replica *r = &c->r[i];
		if (r->pid == 0)
			continue;
		fprintf(stderr, "cluster: replica %u (pid %d) did not exit within %d ms; killing it\n", i,
			(int)r->pid, timeout_ms);
		kill_and_reap(r);
	}
	return OMEN_ETIMEDOUT;
}

struct cluster_process {
	pid_t pid; /* 0 once reaped */
	bool own_group;
	int exit_code; /* once reaped */
	char *log_path;
};

/* The file execve should run for name: name itself if it has a slash, else
 * the first executable regular file called name in a directory of PATH (an
 * empty entry is the current directory, as for a shell). */
static int find_program(const char *name, char **out)
{
	if (strchr(name, '/')) {
		if (access(name, X_OK) != 0)
			return OMEN_ENOTFOUND;
		*out = strdup(name);
		return *out ? OMEN_OK : OMEN_ENOMEM;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *colon = strchr(p, ':');
		int dirlen = (int)(colon ? (size_t)(colon - p) : strlen(p));
		char *file;
		if (asprintf(&file, "%.*s%s%s", dirlen, p, dirlen ? "/" : "", name) < 0)
			return OMEN_ENOMEM;
		struct stat st;
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0) {
			*out = file;
			return OMEN_OK;
		}
		free(file);
		if (!colon)
			return OMEN_ENOTFOUND;
		p = colon;
	}
}

/* environ with env's entries replacing those of the same name; the array
 * is malloc'd, the strings are environ's and env's. */
static char **merge_environment(char *const env[])
{
	size_t n = 0, extra = 0;
	while (environ && environ[n])
		n++;
	while (env && env[extra])
		extra++;
	char **out = malloc((n + extra + 1) * sizeof *out);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t name_len = strcspn(environ[i], "=");
		bool replaced = false;
		for (size_t j = 0; j < extra && !replaced; j++)
			replaced = strncmp(env[j], environ[i], name_len) == 0 && env[j][name_len] == '=';
		if (!replaced)
			out[k++] = environ[i];
	}
	for (size_t j = 0; j < extra; j++)
		out[k++] = env[j];
	out[k] = NULL;
	return out;
}

int cluster_process_start(char *const argv[], char *const env[], const char *log_path, cluster_process **out)
{
	if (!argv || !argv[0] || !argv[0][0])
		return OMEN_EINVAL;
	cluster_process *p = calloc(1, sizeof *p);
	if (!p)
		return OMEN_ENOMEM;
	char *path = NULL;
	char **envp = NULL;
	int rc = find_program(argv[0], &path);
	if (rc != OMEN_OK)
		goto err;
	rc = OMEN_ENOMEM;
	envp = merge_environment(env);
	if (!envp || (log_path && !(p->log_path = strdup(log_path))))
		goto err;
	pthread_once(&handlers_once, install_handlers);
	p->own_group = log_path != NULL;
	rc = spawn_child(path, argv, envp, log_path, argv[0], &p->pid);
	if (rc != OMEN_OK)
		goto err;
	free(envp);
	free(path);
	*out = p;
	return OMEN_OK;
err:
	free(envp);
	free(path);
	free(p->log_path);
	free(p);
	return rc;
}

bool cluster_process_running(cluster_process *p, int *exit_code)
{
	if (p->pid != 0) {
		int status;
		pid_t w = waitpid(p->pid, &status, WNOHANG);
		if (w == 0 || (w < 0 && errno == EINTR))
			return true;
		p->exit_code = w == p->pid ? decode_exit(status) : -1;
		pid_forget(p->pid);
		p->pid = 0;
	}
	if (exit_code)
		*exit_code = p->exit_code;
	return false;
}

int cluster_process_signal(cluster_process *p, int sig)
{
	if (!cluster_process_running(p, NULL))
		return OMEN_EINVAL;
	if (p->own_group)
		kill(-p->pid, sig);
	return kill(p->pid, sig) == 0 ? OMEN_OK : OMEN_EIO;
}

int cluster_process_reap(cluster_process *p, int timeout_ms, int *exit_code)
{
	int64_t deadline = now_ms() + timeout_ms;
	while (cluster_process_running(p, exit_code)) {
		if (now_ms() >= deadline) {
			if (p->own_group)
				kill(-p->pid, SIGKILL);
			kill(p->pid, SIGKILL);
			int status;
			pid_t w;
			while ((w = waitpid(p->pid, &status, 0)) < 0 && errno == EINTR)
				;
			p->exit_code = w == p->pid ? decode_exit(status) : -1;
			pid_forget(p->pid);
			p->pid = 0;
			if (exit_code)
				*exit_code = p->exit_code;
			return OMEN_ETIMEDOUT;
		}
		sleep_ms(POLL_MS);
	}
	return OMEN_OK;
}

pid_t cluster_process_pid(const cluster_process *p)
{
	return p->pid;
}

const char *cluster_process_log_path(const cluster_process *p)
{
	return p->log_path;
}

void cluster_process_destroy(cluster_process *p)
{
	if (!p)
		return;
	if (cluster_process_running(p, NULL))
		cluster_process_reap(p, 0, NULL);
	free(p->log_path);
	free(p);
}
