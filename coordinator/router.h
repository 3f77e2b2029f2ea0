/* The coordinator's view of the cluster: a cached catalog (read from group
 * 0, refreshed on demand and when a shard answers STALE_CATALOG), a cached
 * leader per group (updated from NOT_LEADER answers), pooled RPC clients
 * per replica, and parallel fan-out of one request per group with a
 * per-group deadline. Thread-safe: every session thread shares one router. */
#ifndef OMEN_ROUTER_H
#define OMEN_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shard.pb-c.h"

typedef struct router router;

typedef struct router_options {
	const char *const *catalog; /* group 0 replicas' RPC addresses ("host:port") */
	size_t ncatalog;
	int timeout_ms;	/* one call's deadline, 0 = 5000 */
	int retry_ms;	/* how long a call keeps retrying NOT_LEADER / UNAVAILABLE /
			   transport errors before failing, 0 = 10000 */
} router_options;

/* Copies the options; does not contact the cluster. OMEN_EINVAL, OMEN_ENOMEM. */
int router_open(const router_options *o, router **out);
/* Waits for calls in flight to end. NULL is a no-op. */
void router_close(router *r);

/* A reference-counted catalog snapshot: valid until released, whatever
 * refreshes happen meanwhile. */
typedef struct router_catalog {
	const Omendb__Catalog *cat;
} router_catalog;

/* The cached catalog, fetched from group 0 (leader read) first if there is
 * none yet or refresh is set. OMEN_ETIMEDOUT / OMEN_EIO when group 0 cannot
 * answer. On OMEN_OK *out holds a reference: release it. */
int router_catalog_get(router *r, bool refresh, const router_catalog **out);
void router_catalog_release(router *r, const router_catalog *c);

/* Sends op to group 0's leader (following NOT_LEADER, retrying UNAVAILABLE
 * until retry_ms) and refreshes the cached catalog after success. On a
 * shard-level refusal returns OMEN_OK with *status and msg (msglen bytes,
 * NUL-terminated) set from the answer; *status is OMEN__STATUS__STATUS_OK on
 * success and result (may be NULL) gets the WriteResult. Transport failures
 * after all retries: OMEN_ETIMEDOUT / OMEN_EIO. */
int router_catalog_op(router *r, Omendb__CatalogOp *op, Omendb__Status *status, Omendb__WriteResult *result,
		      char *msg, size_t msglen);

/* Sends req to group's leader (read_level LEADER or LINEARIZABLE, or any
 * command) or to any replica (READ_ANY: the last one that answered, else
 * round-robin), setting req->group_id and the header's request id and
 * catalog_version (from the cached catalog). Follows NOT_LEADER hints and
 * retries UNAVAILABLE, NOT_LEADER without a hint, and transport errors
 * until retry_ms; every other answer (OK or not) is returned: *resp is the
 * caller's, free it with omendb__response__free_unpacked(*resp, NULL).
 * OMEN_ENOTFOUND for a group the catalog does not know, OMEN_ETIMEDOUT /
 * OMEN_EIO when no replica answered in time. */
int router_call(router *r, uint32_t group, Omendb__Request *req, Omendb__Response **resp);

/* router_call for n requests at once, in parallel (reqs[i] to groups[i]);
 * returns when all have answered or failed. codes[i] is router_call's code,
 * resps[i] its answer (caller's) or NULL. deadline_ms bounds the whole
 * fan-out (0 = retry_ms). Returns OMEN_OK when every call was made, even if
 * some failed (see codes); OMEN_ENOMEM otherwise. */
int router_fanout(router *r, size_t n, const uint32_t *groups, Omendb__Request *const *reqs, int deadline_ms,
		  Omendb__Response **resps, int *codes);

/* The data groups in the catalog's shard map, ascending, without
 * duplicates (at most cap); returns how many. */
size_t router_groups(const Omendb__Catalog *cat, uint32_t *groups, size_t cap);

/* The group a primary key lives in: bucket = hash64(key) mod the shard
 * map's length (a power of two); returns 0 (no data group) when the map is
 * empty. The hash is fixed forever (FNV-1a 64 then a murmur3 finaliser):
 * changing it would move every row. */
uint32_t router_key_group(const Omendb__Catalog *cat, const uint8_t *key, size_t len);

/* Counters for the metrics endpoint. */
typedef struct router_stats {
	uint64_t calls, retries, not_leader, stale_catalog, timeouts, catalog_refreshes;
} router_stats;
void router_get_stats(router *r, router_stats *out);

#endif
