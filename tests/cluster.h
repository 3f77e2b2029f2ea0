/* Test harness for integration tests: starts the replicas of one shard group as
 * real omendb-shard processes on 127.0.0.1, each with its own data directory
 * and log file in a fresh temporary directory, and kills, pauses and restarts
 * them to inject faults.
 *
 * Replica index i (0-based) has raft id i + 1. Functions taking an index
 * return OMEN_EINVAL when it is out of range. One cluster is not thread-safe:
 * drive it from one thread, the one that called cluster_start and that
 * outlives the replicas (a replica is killed when the thread that forked it
 * ends, PR_SET_PDEATHSIG). A cluster left at exit() is destroyed as by
 * cluster_destroy; on SIGINT, SIGTERM or SIGABRT its replicas are killed and
 * its temporary directory stays (a caller that keeps SIGINT and SIGTERM
 * blocked in every thread and takes them with sigwait stops the replicas
 * itself, gracefully: see cluster_terminate_all). Linux only.
 *
 * The binary is cluster_options.bin, else OMEN_SHARD_BIN from the
 * environment, else the path compiled in. OMEN_KEEP_TMP=1 in the environment
 * keeps the temporary directory. A cluster can also live in a directory the
 * caller chose, on ports it chose (the local launcher, deploy/local, restarts
 * a cluster that way), and cluster_process_* runs one more program (a
 * coordinator, a driver test) with the same care: its own log, killed with
 * the thread that spawned it. */
#ifndef OMEN_CLUSTER_H
#define OMEN_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "rpc.h"

#define CLUSTER_MAX_REPLICAS 7

typedef struct cluster cluster;

/* Zero fields mean the binary's default. */
typedef struct cluster_options {
	unsigned group;		      /* shard group id (0 = catalog group) */
	unsigned replicas;	      /* initial members, 1..CLUSTER_MAX_REPLICAS */
	unsigned snapshot_threshold;  /* --snapshot-threshold */
	unsigned snapshot_trailing;   /* --snapshot-trailing */
	unsigned workers;	      /* --workers */
	unsigned election_timeout_ms; /* --election-timeout-ms */
	unsigned heartbeat_ms;	      /* --heartbeat-ms */
	const char *log_level;	      /* NULL = "info"; copied */
	const char *bin;	      /* NULL = OMEN_SHARD_BIN or the compiled-in path; copied */
	/* NULL: a fresh temporary directory holding replica i's data in r<i>
	 * and its log in r<i>.log, removed by cluster_destroy. Else an existing
	 * directory that the cluster never removes: data in DIR/g<group>r<i+1>
	 * (reused if present, so a stopped cluster can be started again) and
	 * logs in DIR/logs/g<group>r<i+1>.log (DIR/logs is created). Copied. */
	const char *dir;
	/* NULL: free ports. Else 2 * replicas ports, raft then rpc for replica
	 * 0, then replica 1...; read during cluster_start only. */
	const unsigned short *ports;
} cluster_options;

/* Creates the temporary directory (or uses dir), picks two free ports per
 * replica (or uses ports) and spawns every replica with --peer for all of
 * them; does not wait for a leader. On success *out is the caller's, freed
 * with cluster_destroy. OMEN_EINVAL for bad options or a binary that is not
 * executable, OMEN_EIO when a directory, a port, a log file or fork fails,
 * OMEN_ENOMEM. Nothing is left behind on failure but, in a given dir, the
 * directories created there. */
int cluster_start(const cluster_options *o, cluster **out);

/* SIGKILLs every replica still running, reaps it, closes the clients and
 * removes the temporary directory (unless OMEN_KEEP_TMP is set: then its
 * path is printed on stderr; a directory given in the options is always
 * kept). NULL is a no-op. */
void cluster_destroy(cluster *c);

/* Replicas spawned so far, running or not: valid indexes are 0..size-1. */
unsigned cluster_size(const cluster *c);

/* Spawns one more replica with --join (a new raft id, fresh ports and data
 * directory, --peer for every replica including itself) and stores its index
 * in *index. It joins the group only once a MembershipChange ADD for it is
 * committed. OMEN_EFULL past CLUSTER_MAX_REPLICAS. */
int cluster_add(cluster *c, unsigned *index);

/* SIGKILL (to the replica's process group) and reap. OMEN_EINVAL if it is not
 * running. */
int cluster_kill(cluster *c, unsigned i);

/* SIGTERM (and SIGCONT if paused), then waits up to 10 s for the exit. On
 * success *exit_code (may be NULL) is the exit status, or 128 + the signal
 * number if a signal ended it. OMEN_ETIMEDOUT if it did not exit in time: it
 * is SIGKILLed and reaped. OMEN_EINVAL if it is not running. */
int cluster_terminate(cluster *c, unsigned i, int *exit_code);

/* SIGSTOP / SIGCONT. cluster_pause returns once the process is stopped.
 * Pausing a paused replica and resuming a running one do nothing. OMEN_EINVAL
 * if it is not running. */
int cluster_pause(cluster *c, unsigned i);
int cluster_resume(cluster *c, unsigned i);

/* Spawns the replica again with the same flags, ports and data directory;
 * its log file is appended to. OMEN_EINVAL if it is still running (kill or
 * terminate it first). */
int cluster_restart(cluster *c, unsigned i);

/* True if replica i was spawned, not killed or terminated, and has not
 * exited (paused counts as running). An exit nobody asked for is reported
 * on stderr with the log path, once. */
bool cluster_running(cluster *c, unsigned i);

/* A status RPC to replica i (group set from the options; the call times out
 * after 2 s). On success the replica answered STATUS_OK with a status_info
 * body, and *resp is the caller's: free it with
 * omendb__response__free_unpacked(*resp, NULL). OMEN_ECLOSED if the replica
 * is not running, OMEN_EFORMAT for any other answer, else rpc_call's code
 * (OMEN_ETIMEDOUT from a paused replica). */
int cluster_status(cluster *c, unsigned i, Omendb__Response **resp);

/* Polls the running, unpaused replicas until one reports ROLE_LEADER with
 * leader_ready and no other reports ROLE_LEADER in the same or a higher
 * term; its index goes to *leader (may be NULL). OMEN_ETIMEDOUT after
 * timeout_ms (each replica's last answer is then printed on stderr),
 * OMEN_ECLOSED if no replica is running and unpaused. */
int cluster_wait_leader(cluster *c, int timeout_ms, unsigned *leader);

/* Polls until every running, unpaused replica reports applied_index >=
 * index. OMEN_ETIMEDOUT after timeout_ms (the laggards are printed on
 * stderr), OMEN_ECLOSED if no replica is running and unpaused. */
int cluster_wait_applied(cluster *c, uint64_t index, int timeout_ms);

/* A client to replica i with a 5 s timeout, owned by the cluster: valid
 * until cluster_destroy, across kills and restarts (it redials). Not for
 * concurrent use; threads should open their own with cluster_rpc_address. */
rpc_client *cluster_client(cluster *c, unsigned i);

/* Strings owned by the cluster, valid until cluster_destroy; NULL for an
 * index out of range. Addresses are "127.0.0.1:port". */
const char *cluster_rpc_address(const cluster *c, unsigned i);
const char *cluster_raft_address(const cluster *c, unsigned i);
const char *cluster_data_dir(const cluster *c, unsigned i);
const char *cluster_log_path(const cluster *c, unsigned i); /* stdout + stderr */

/* Replica i's pid, 0 when it is not running (as of the last check) or the
 * index is out of range. */
pid_t cluster_pid(const cluster *c, unsigned i);

/* Prints the last 40 lines of every replica's log on stderr, for a failing
 * test to show what the replicas were doing. */
void cluster_dump_logs(const cluster *c);

/* Prints the last `lines` lines (at most 64 KiB) of the file at path on
 * stderr, or why it cannot be read. */
void cluster_log_tail(const char *path, unsigned lines);

/* Picks count distinct free TCP ports on 127.0.0.1 that this process has not
 * handed out before (nor been given in cluster_options.ports), for a caller
 * that must know the ports before starting anything. OMEN_EIO if the
 * kernel has none to give. */
int cluster_pick_ports(unsigned count, unsigned short *ports);

/* Stopping a whole group gracefully, in two steps so that several groups
 * and processes can be stopped in parallel: cluster_terminate_all sends
 * SIGTERM (and SIGCONT to a paused replica) to every running replica and
 * returns at once; cluster_reap_all waits up to timeout_ms for all of them,
 * then SIGKILLs and reaps the rest, and returns OMEN_ETIMEDOUT if it had to.
 * These exits are not reported as unexpected. */
void cluster_terminate_all(cluster *c);
int cluster_reap_all(cluster *c, int timeout_ms);

/* One more process: a program that is no replica, spawned as replicas are
 * (killed when the spawning thread ends, PR_SET_PDEATHSIG; killed by the
 * fatal-signal handler; no file descriptor of the caller's but 0-2). */
typedef struct cluster_process cluster_process;

/* Spawns argv[0] (a path, or a name looked up in PATH as a shell does) with
 * argv and the caller's environment plus env (NULL-terminated "NAME=VALUE"
 * strings that override it; NULL for none). With a log_path, stdin is
 * /dev/null, stdout and stderr are appended to the file, and the process
 * leads its own process group, as a replica does (a ^C in the terminal
 * reaches the caller only). With log_path NULL it shares the caller's stdin,
 * stdout, stderr and process group, like a command a shell runs in the
 * foreground. Nothing is kept of the arguments. On success *out is the
 * caller's, freed with cluster_process_destroy. OMEN_EINVAL for an empty
 * argv, OMEN_ENOTFOUND when argv[0] is no executable file, OMEN_EIO when
 * the log file or fork fails, OMEN_ENOMEM. */
int cluster_process_start(char *const argv[], char *const env[], const char *log_path, cluster_process **out);

/* False once the process has exited: the first such call reaps it, and
 * then and on every later call *exit_code (may be NULL) is its exit status,
 * or 128 + the signal number if a signal ended it (-1 if someone else
 * reaped it). */
bool cluster_process_running(cluster_process *p, int *exit_code);

/* Sends sig to the process (and to its process group if it leads one).
 * OMEN_EINVAL once it has exited. */
int cluster_process_signal(cluster_process *p, int sig);

/* Waits up to timeout_ms for the process to exit, then SIGKILLs and reaps
 * it; *exit_code (may be NULL) as in cluster_process_running. OMEN_ETIMEDOUT
 * if it had to be killed. */
int cluster_process_reap(cluster_process *p, int timeout_ms, int *exit_code);

/* The pid, 0 once reaped. */
pid_t cluster_process_pid(const cluster_process *p);

/* Owned by p; NULL for a process without a log file. */
const char *cluster_process_log_path(const cluster_process *p);

/* SIGKILLs the process if it still runs, reaps it and frees p. NULL is a
 * no-op. */
void cluster_process_destroy(cluster_process *p);

#endif
