/* Snapshot transfer over nng (Raft snapshots carry only a description): a
 * replica that must install a snapshot opens a RocksDB checkpoint on a peer
 * and copies its files in chunks; the peer serves sessions from its data
 * directory and deletes them when closed or idle. */
#ifndef OMEN_SNAPXFER_H
#define OMEN_SNAPXFER_H

#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

#define SNAPXFER_CHUNK (1u << 20)
#define SNAPXFER_MAX_CHUNK (4u << 20)

typedef struct snapxfer snapxfer;

/* Sessions live in data_dir/checkpoints (emptied here). */
int snapxfer_create(fsm *f, const char *data_dir, snapxfer **out);
void snapxfer_destroy(snapxfer *x);

/* RPC handlers (any worker thread): fill resp's status and body. */
void snapxfer_open(snapxfer *x, const Omendb__SnapshotOpen *q, Omendb__Response *resp);
void snapxfer_read(snapxfer *x, const Omendb__SnapshotRead *q, Omendb__Response *resp);
void snapxfer_close(snapxfer *x, const Omendb__SnapshotClose *q, Omendb__Response *resp);

/* Copies a checkpoint holding at least min_applied from the first peer
 * (rpc addresses) that has one, into out_dir (replaced). */
int snapxfer_fetch(const char *const *peers, size_t npeers, uint32_t group, uint64_t min_applied,
		   const char *out_dir, char *err, size_t errlen);

#endif
