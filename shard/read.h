/* Reads served from a replica's own state, never through Raft: k-NN search
 * (the HNSW index, or an exact scan of RocksDB before an index exists or
 * when asked), fetch by key, ordered scans, and per-table status. Each call
 * takes the state machine's read lock and fills one Response. */
#ifndef OMEN_READ_H
#define OMEN_READ_H

#include "fsm.h"

/* Each fills resp->status/message and on success one body; everything
 * attached to resp is malloc'd, so omendb__response__free_unpacked(resp,
 * NULL) releases it (resp itself must then be malloc'd too). */
void read_search(fsm *f, const Omendb__SearchRequest *q, Omendb__Response *resp);
void read_fetch(fsm *f, const Omendb__FetchRequest *q, Omendb__Response *resp);
void read_scan(fsm *f, const Omendb__ScanRequest *q, Omendb__Response *resp);
/* Fills st->tables. */
int read_tables_status(fsm *f, Omendb__StatusResponse *st);

/* Sets status and a formatted, malloc'd message. */
void read_error(Omendb__Response *resp, Omendb__Status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
