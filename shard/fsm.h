/* The replica's state machine: tables, rows and HNSW indexes, persisted in
 * RocksDB and mirrored in memory. fsm_apply applies committed Raft commands
 * (one RocksDB WriteBatch each: rows, graph changes and the applied index);
 * readers (shard/read.c) search it concurrently under the read lock. */
#ifndef OMEN_FSM_H
#define OMEN_FSM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "distance.h"
#include "hnsw.h"
#include "shard.pb-c.h"
#include "store.h"

#define FSM_MAX_KEY 1024
#define FSM_MAX_COLUMNS 1600
#define FSM_MAX_DIM 16000
#define FSM_MAX_BATCH_ROWS 100000

/* A queued change for an index that is being built (applied by the builder
 * once it has caught up with its snapshot). vec is NULL for a delete. */
struct fsm_pending {
	uint64_t label;
	float *vec;
};

struct fsm_index {
	Omendb__IndexDef *def; /* unpacked, owned */
	uint32_t table, column, dim;
	distance_metric metric;
	_Atomic int state;	   /* OMENDB__INDEX_STATE__INDEX_{BUILDING,READY} */
	hnsw *_Atomic h;	   /* set when READY */
	pthread_mutex_t mu;	   /* orders applies against the builder's hand-over */
	struct fsm_pending *queue; /* under mu, while BUILDING */
	size_t nqueue, qcap;
	uint32_t *dirty; /* touched slots since the last persist (single writer) */
	bool *dirty_rec; /* per entry: the node record changed too */
	size_t ndirty, dcap;
	bool dirty_oom;
	pthread_t builder;
	bool builder_running;
	_Atomic bool cancel;
	_Atomic uint64_t build_done, build_total;
	double build_seconds, load_seconds;
	struct fsm *fsm;
	struct fsm_table *tab; /* outlives the index */
};

struct fsm_table {
	Omendb__TableDef *def; /* unpacked, owned */
	uint32_t id;
	uint64_t next_rowid;
	_Atomic uint64_t rows;
	struct fsm_index **index; /* one slot per column, NULL if none */
};

typedef struct fsm {
	char dir[512]; /* the replica's data directory; RocksDB lives in dir/db */
	uint32_t group;
	store *db;
	/* Readers hold it shared; DDL, snapshot installs and checkpoints hold it
	 * exclusive. Writer-preferring, so DDL is not starved by searches. */
	pthread_rwlock_t lock;
	struct fsm_table **tables;
	size_t ntables, tcap;
	Omendb__Catalog *catalog; /* group 0 only; NULL = empty */
	_Atomic uint64_t applied;
	_Atomic uint64_t catalog_version; /* highest catalog version of any DDL applied */
	unsigned build_threads;
} fsm;

/* What applying one command did; the leader's apply callback answers the
 * client with it. */
typedef struct fsm_result {
	Omendb__Status status;
	char message[256];
	uint64_t applied_index;
	uint32_t inserted, updated, deleted, skipped;
	uint64_t catalog_version;
	uint32_t table_id;
	uint64_t first_id;
	uint8_t conflict_key[FSM_MAX_KEY];
	size_t conflict_len;
	bool members_changed; /* a SET_MEMBER command was applied */
} fsm_result;

/* Opens dir/db (creating it), loads tables and index graphs, and restarts
 * builds that a crash interrupted. err explains a failure. */
int fsm_open(const char *dir, uint32_t group, unsigned build_threads, fsm **out, char *err, size_t errlen);
/* Stops builders and closes the database. */
void fsm_close(fsm *f);

/* Applies the command encoded in buf, committed at Raft index `index`.
 * An index at or below the applied one is skipped (a replay after restart).
 * A command that is invalid against the current state is not an error: it
 * is recorded in res and the index still advances, so every replica makes
 * the same decision. Returns OMEN_EIO when RocksDB cannot write: the caller
 * must stop, since memory and disk no longer agree. */
int fsm_apply(fsm *f, uint64_t index, const uint8_t *buf, size_t len, fsm_result *res);

/* Checks a command before it is proposed, so bad input never reaches the
 * log; apply checks again against the state at commit time. */
void fsm_check_command(fsm *f, const Omendb__Command *cmd, fsm_result *res);

/* Table lookup; call under the read (or write) lock. */
struct fsm_table *fsm_table_find(fsm *f, uint32_t id);

void fsm_read_lock(fsm *f);
void fsm_read_unlock(fsm *f);

/* A RocksDB checkpoint in dir with the applied index it holds, taken with
 * applies held off. */
int fsm_checkpoint(fsm *f, const char *dir, uint64_t *applied, char *err, size_t errlen);

/* Replaces the whole state with the database in new_db (a checkpoint
 * fetched from a peer): stops builders, swaps directories, reloads. */
int fsm_install(fsm *f, const char *new_db, char *err, size_t errlen);

/* Makes everything applied so far durable (Raft snapshot time). */
int fsm_sync(fsm *f);

/* Row value layout in RocksDB: u64 row id, then the packed Row. */
Omendb__Row *fsm_row_decode(const uint8_t *val, size_t len, uint64_t *rowid);

/* The members recorded by SET_MEMBER commands: *out is a malloc'd array
 * of unpacked members (free each with omendb__member__free_unpacked). */
int fsm_members(fsm *f, Omendb__Member ***out, size_t *n);

/* Maps the wire metric to the kernel's. */
distance_metric fsm_metric(Omendb__Metric m);

#endif
