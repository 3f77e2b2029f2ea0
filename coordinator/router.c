/* The coordinator's cluster client (router.h): catalog cache, leader cache,
 * pooled RPC clients and parallel fan-out.
 *
 * Threads and locks. Callers run on their own threads (sessions); a fan-out
 * also uses ROUTER_WORKERS worker threads started by router_open, which take
 * jobs from one FIFO queue. The thread that called router_fanout works on
 * its own jobs still queued too, so a fan-out progresses even when every
 * worker is busy with other sessions' calls, and no call waits longer than
 * its deadline for a worker. Four mutexes, never two held at once: `lock`
 * (group states, calls in flight), `pool_lock` (idle clients), `cat_lock`
 * (the catalog snapshot and its refresh), `q_lock` (the job queue and each
 * fan-out's pending count). No RPC is made with a lock held.
 *
 * Deadlines. Every call has an absolute deadline (retry_ms, or the
 * fan-out's); one attempt waits at most min(timeout_ms, time left), rounded
 * down to a power of two milliseconds so that clients are pooled per
 * (address, timeout) in a few classes, never an attempt per distinct time.
 * A paused replica therefore costs one attempt's timeout, after which the
 * call moves on to the next replica.
 *
 * Counters (router_stats): calls = router_call, router_catalog_op and each
 * fan-out entry; retries = attempts after a call's first; not_leader and
 * stale_catalog = such answers; timeouts = attempts that got no answer in
 * time; catalog_refreshes = catalog reads sent to group 0. */
#include "router.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "rpc.h"

/* Fan-out worker threads: enough for the groups of a typical cluster to be
 * asked at once by a few sessions; the calling thread helps (see above). */
#define ROUTER_WORKERS 8
#define ADDR_MAX 256	      /* bytes of a "host:port", NUL included */
#define POOL_IDLE_MAX 16      /* idle clients kept per (address, timeout) */
#define POOL_ENTRIES_MAX 1024 /* (address, timeout) pairs pooled; others are not */
#define BACKOFF_MIN_MS 20
#define BACKOFF_MAX_MS 200
#define ATTEMPT_MIN_MS 16    /* no attempt with less time than this left */
#define HINTS_MAX 3	     /* NOT_LEADER hints followed in a row without a pause */
#define UNAVAILABLE_ROTATE 4 /* UNAVAILABLE answers in a row before trying another replica */
#define FAILED_MAX 8	     /* addresses remembered as unreachable during one call */
#define MAX_BUCKETS 65536    /* shard/catalog.h's CATALOG_MAX_BUCKETS */

struct snapshot {
	router_catalog pub;	/* first: router_catalog_release casts back */
	Omendb__Response *resp; /* owns pub.cat */
	atomic_uint refs;
};

struct group_state {
	uint32_t group;
	char leader[ADDR_MAX];	 /* "" = unknown */
	char last_any[ADDR_MAX]; /* the replica that last answered a READ_ANY call */
	unsigned rr;		 /* next replica to try when neither is known */
};

struct pool_entry {
	char address[ADDR_MAX];
	int timeout_ms;
	unsigned nidle;
	rpc_client *idle[POOL_IDLE_MAX];
};

struct fanout {
	const uint32_t *groups;
	Omendb__Request *const *reqs;
	Omendb__Response **resps;
	int *codes;
	int64_t deadline;
	size_t pending; /* under q_lock */
	pthread_cond_t done;
};

struct job {
	struct fanout *f;
	size_t i;
	struct job *next;
};

struct router {
	char **catalog; /* group 0's addresses, copied */
	size_t ncatalog;
	int timeout_ms, retry_ms;
	atomic_uint_fast64_t next_request_id;
	atomic_uint_fast64_t calls, retries, not_leader, stale_catalog, timeouts, catalog_refreshes;

	pthread_mutex_t lock;
	pthread_cond_t idle;	    /* active dropped to 0 */
	struct group_state *groups; /* sorted by group */
	size_t ngroups, capgroups;
	unsigned active;
	bool closing;

	pthread_mutex_t pool_lock;
	struct pool_entry *pool;
	size_t npool, cappool;

	pthread_mutex_t cat_lock;
	pthread_cond_t cat_cond; /* CLOCK_MONOTONIC: a refresh ended */
	struct snapshot *cat;	 /* the router's reference; NULL until the first read */
	bool refreshing;
	uint64_t gen_started, gen_done; /* refreshes started and finished */
	int refresh_rc;			/* the last refresh's outcome */
	uint64_t min_version;		/* a version known to exist (a catalog op's result) */

	pthread_mutex_t q_lock;
	pthread_cond_t q_cond;
	struct job *q_head, *q_tail;
	bool stop;
	pthread_t workers[ROUTER_WORKERS];
	unsigned nworkers;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static struct timespec abs_time(int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
	return ts;
}

static void stat_add(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static bool copy_address(char *dst, const char *src)
{
	size_t len = src ? strlen(src) : 0;
	if (len == 0 || len >= ADDR_MAX)
		return false;
	memcpy(dst, src, len + 1);
	return true;
}

/* ---- calls in flight ---- */

static int enter(router *r)
{
	pthread_mutex_lock(&r->lock);
	bool closing = r->closing;
	if (!closing)
		r->active++;
	pthread_mutex_unlock(&r->lock);
	return closing ? OMEN_ECLOSED : OMEN_OK;
}

static void leave(router *r)
{
	pthread_mutex_lock(&r->lock);
	if (--r->active == 0)
		pthread_cond_broadcast(&r->idle);
	pthread_mutex_unlock(&r->lock);
}

/* ---- the client pool ---- */

static struct pool_entry *pool_find(router *r, const char *address, int timeout_ms)
{
	for (size_t i = 0; i < r->npool; i++)
		if (r->pool[i].timeout_ms == timeout_ms && strcmp(r->pool[i].address, address) == 0)
			return &r->pool[i];
	return NULL;
}

/* An idle client to address with this timeout, or a new one (which dials
 * lazily). OMEN_EINVAL for an address that is not host:port. */
static int pool_get(router *r, const char *address, int timeout_ms, rpc_client **out)
{
	pthread_mutex_lock(&r->pool_lock);
	struct pool_entry *e = pool_find(r, address, timeout_ms);
	if (e && e->nidle) {
		*out = e->idle[--e->nidle];
		pthread_mutex_unlock(&r->pool_lock);
		return OMEN_OK;
	}
	pthread_mutex_unlock(&r->pool_lock);
	return rpc_client_open(address, timeout_ms, out);
}

/* Back to the pool, unless the call failed in transport: such a client may
 * hold a half-finished REQ exchange, so it is closed, and the next call
 * dials afresh. */
static void pool_put(router *r, rpc_client *c, int timeout_ms, bool healthy)
{
	if (healthy) {
		pthread_mutex_lock(&r->pool_lock);
		const char *address = rpc_client_address(c);
		struct pool_entry *e = pool_find(r, address, timeout_ms);
		if (!e && r->npool < POOL_ENTRIES_MAX && strlen(address) < ADDR_MAX) {
			if (r->npool == r->cappool) {
				size_t cap = r->cappool ? 2 * r->cappool : 16;
				struct pool_entry *p = realloc(r->pool, cap * sizeof *p);
				if (p) {
					r->pool = p;
					r->cappool = cap;
				}
			}
			if (r->npool < r->cappool) {
				e = &r->pool[r->npool++];
				memset(e, 0, sizeof *e);
				strcpy(e->address, address);
				e->timeout_ms = timeout_ms;
			}
		}
		if (e && e->nidle < POOL_IDLE_MAX) {
			e->idle[e->nidle++] = c;
			c = NULL;
		}
		pthread_mutex_unlock(&r->pool_lock);
	}
	rpc_client_close(c);
}

/* ---- group states (leader cache) ---- */

/* The state of group, created if new; r->lock held. NULL without memory. */
static struct group_state *group_state(router *r, uint32_t group)
{
	size_t lo = 0, hi = r->ngroups;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->groups[mid].group < group)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->ngroups && r->groups[lo].group == group)
		return &r->groups[lo];
	if (r->ngroups == r->capgroups) {
		size_t cap = r->capgroups ? 2 * r->capgroups : 8;
		struct group_state *g = realloc(r->groups, cap * sizeof *g);
		if (!g)
			return NULL;
		r->groups = g;
		r->capgroups = cap;
	}
	memmove(&r->groups[lo + 1], &r->groups[lo], (r->ngroups - lo) * sizeof *r->groups);
	r->ngroups++;
	struct group_state *s = &r->groups[lo];
	memset(s, 0, sizeof *s);
	s->group = group;
	return s;
}

/* The replicas' RPC addresses of group: group 0's from the options, the
 * others' from the catalog. */
static size_t replicas_of(const router *r, uint32_t group, const struct snapshot *snap,
			  const char *const **catalog_list, Omendb__Member *const **members)
{
	*catalog_list = NULL;
	*members = NULL;
	if (group == 0) {
		*catalog_list = (const char *const *)r->catalog;
		return r->ncatalog;
	}
	const Omendb__Catalog *cat = snap ? snap->pub.cat : NULL;
	for (size_t i = 0; cat && i < cat->n_groups; i++) {
		if (cat->groups[i]->group_id == group) {
			*members = cat->groups[i]->replicas;
			return cat->groups[i]->n_replicas;
		}
	}
	return 0;
}

/* Where the next attempt goes: the known leader (or, for READ_ANY, the
 * replica that answered last), else the next replica in turn. */
static int pick_target(router *r, uint32_t group, const struct snapshot *snap, bool leader_only, char *addr)
{
	const char *const *list;
	Omendb__Member *const *members;
	size_t n = replicas_of(r, group, snap, &list, &members);
	/* Checked first, so that no state is kept for groups that do not exist. */
	if (n == 0)
		return OMEN_ENOTFOUND;
	pthread_mutex_lock(&r->lock);
	struct group_state *s = group_state(r, group);
	int rc = OMEN_OK;
	if (!s) {
		rc = OMEN_ENOMEM;
	} else if (leader_only && s->leader[0]) {
		strcpy(addr, s->leader);
	} else if (!leader_only && s->last_any[0]) {
		strcpy(addr, s->last_any);
	} else {
		size_t i = s->rr % n;
		const char *a = list ? list[i] : members[i]->rpc_address;
		/* An address too long to be real is skipped as unreachable. */
		if (!copy_address(addr, a))
			addr[0] = '\0';
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

enum outcome { UNREACHABLE, NO_LEADER_HERE, IS_LEADER, ANSWERED_ANY };

/* Updates group's leader cache after an attempt at addr. */
static void note_outcome(router *r, uint32_t group, const char *addr, enum outcome what)
{
	pthread_mutex_lock(&r->lock);
	struct group_state *s = group_state(r, group);
	if (s) {
		switch (what) {
		case UNREACHABLE:
		case NO_LEADER_HERE:
			if (strcmp(s->leader, addr) == 0)
				s->leader[0] = '\0';
			if (what == UNREACHABLE && strcmp(s->last_any, addr) == 0)
				s->last_any[0] = '\0';
			s->rr++;
			break;
		case IS_LEADER:
			copy_address(s->leader, addr);
			break;
		case ANSWERED_ANY:
			copy_address(s->last_any, addr);
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static void set_leader_hint(router *r, uint32_t group, const char *addr)
{
	pthread_mutex_lock(&r->lock);
	struct group_state *s = group_state(r, group);
	if (s)
		copy_address(s->leader, addr);
	pthread_mutex_unlock(&r->lock);
}

/* ---- the catalog snapshot ---- */

static void snapshot_unref(struct snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		omendb__response__free_unpacked(s->resp, NULL);
		free(s);
	}
}

/* A reference to the cached snapshot without any refresh; NULL if none. */
static struct snapshot *catalog_peek(router *r)
{
	pthread_mutex_lock(&r->cat_lock);
	struct snapshot *s = r->cat;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&r->cat_lock);
	return s;
}

/* The checks the router's own use of a catalog from the network needs:
 * a shard map whose length is a power of two within the catalog's limit
 * (router_key_group masks with it). Everything else is read defensively. */
static bool catalog_usable(const Omendb__Catalog *c)
{
	if (!c->shard_map)
		return true;
	size_t n = c->shard_map->n_bucket_group;
	return n == 0 || (n <= MAX_BUCKETS && (n & (n - 1)) == 0);
}

static int route(router *r, uint32_t group, const Omendb__Request *req, int64_t deadline,
		 Omendb__Response **out);

/* One catalog read from group 0's leader. */
static int catalog_fetch(router *r, int64_t deadline, struct snapshot **out)
{
	Omendb__CatalogRead cr = OMENDB__CATALOG_READ__INIT;
	Omendb__Request req = OMENDB__REQUEST__INIT;
	req.read_level = OMENDB__READ_LEVEL__READ_LEADER;
	req.body_case = OMENDB__REQUEST__BODY_CATALOG_READ;
	req.catalog_read = &cr;
	Omendb__Response *resp = NULL;
	stat_add(&r->catalog_refreshes);
	int rc = route(r, 0, &req, deadline, &resp);
	if (rc != OMEN_OK)
		return rc;
	if (resp->status != OMENDB__STATUS__STATUS_OK || resp->body_case != OMENDB__RESPONSE__BODY_CATALOG ||
	    !catalog_usable(resp->catalog)) {
		/* UNAVAILABLE until the deadline, or an answer that is no catalog. */
		bool busy = resp->status == OMENDB__STATUS__STATUS_UNAVAILABLE ||
			    resp->status == OMENDB__STATUS__STATUS_NOT_LEADER;
		omendb__response__free_unpacked(resp, NULL);
		return busy ? OMEN_ETIMEDOUT : OMEN_EIO;
	}
	struct snapshot *s = malloc(sizeof *s);
	if (!s) {
		omendb__response__free_unpacked(resp, NULL);
		return OMEN_ENOMEM;
	}
	s->pub.cat = resp->catalog;
	s->resp = resp;
	atomic_init(&s->refs, 1);
	*out = s;
	return OMEN_OK;
}

/* A reference to a catalog snapshot. Without force, the cached one if it is
 * at version need or later; else, and
 * with force, the result of a refresh that starts after this call began:
 * refreshes coalesce, one RPC at a time, and every caller waiting for the
 * next one shares it. Waits until deadline at most. A failed refresh
 * leaves the cache as it was; callers without force then get the cached
 * snapshot if there is one, since an older catalog beats none. */
static int catalog_acquire(router *r, bool force, uint64_t need, int64_t deadline, struct snapshot **out)
{
	pthread_mutex_lock(&r->cat_lock);
	uint64_t target = 0;
	int rc = OMEN_OK;
	for (;;) {
		struct snapshot *s = r->cat;
		if (!force && s && s->pub.cat->version >= need)
			break;
		if (target == 0)
			target = r->gen_started + 1;
		if (r->gen_done >= target) {
			if (!s || (force && r->refresh_rc != OMEN_OK))
				rc = r->refresh_rc;
			break;
		}
		if (!r->refreshing) {
			r->refreshing = true;
			r->gen_started++;
			pthread_mutex_unlock(&r->cat_lock);
			struct snapshot *fresh = NULL;
			int frc = catalog_fetch(r, deadline, &fresh);
			pthread_mutex_lock(&r->cat_lock);
			if (frc == OMEN_OK) {
				/* A deposed leader may serve an older catalog: keep the newer. */
				if (r->cat && r->cat->pub.cat->version > fresh->pub.cat->version) {
					snapshot_unref(fresh);
				} else {
					snapshot_unref(r->cat);
					r->cat = fresh;
				}
			}
			r->refresh_rc = frc;
			r->gen_done = r->gen_started;
			r->refreshing = false;
			pthread_cond_broadcast(&r->cat_cond);
			continue;
		}
		struct timespec until = abs_time(deadline);
		if (pthread_cond_timedwait(&r->cat_cond, &r->cat_lock, &until) == ETIMEDOUT &&
		    now_ms() >= deadline) {
			rc = OMEN_ETIMEDOUT;
			break;
		}
	}
	if (rc == OMEN_OK) {
		atomic_fetch_add(&r->cat->refs, 1);
		*out = r->cat;
	}
	pthread_mutex_unlock(&r->cat_lock);
	return rc;
}

/* ---- one call, with retries ---- */

static bool needs_leader(const Omendb__Request *req)
{
	return req->read_level != OMENDB__READ_LEVEL__READ_ANY ||
	       req->body_case == OMENDB__REQUEST__BODY_COMMAND ||
	       req->body_case == OMENDB__REQUEST__BODY_MEMBERSHIP;
}

/* One attempt's timeout: timeout_ms, or the time left rounded down to a
 * power of two (so few pooled client classes exist). */
static int attempt_timeout(int timeout_ms, int64_t left)
{
	if (left >= timeout_ms)
		return timeout_ms;
	int t = ATTEMPT_MIN_MS;
	while ((int64_t)t * 2 <= left)
		t *= 2;
	return t;
}

static bool was_failed(char failed[][ADDR_MAX], unsigned nfailed, const char *addr)
{
	for (unsigned i = 0; i < nfailed && i < FAILED_MAX; i++)
		if (strcmp(failed[i], addr) == 0)
			return true;
	return false;
}

/* Sends req to group until an answer that is final or the deadline (see
 * router_call). On OMEN_OK *out is the caller's. */
static int route(router *r, uint32_t group, const Omendb__Request *req, int64_t deadline,
		 Omendb__Response **out)
{
	struct snapshot *snap = NULL;
	int rc;
	if (group == 0) {
		snap = catalog_peek(r);
	} else if ((rc = catalog_acquire(r, false, 0, deadline, &snap)) != OMEN_OK) {
		return rc;
	}
	/* A shallow copy carries the group and header, so that the caller's
	 * request is only read and one may serve several groups at once. */
	Omendb__Request copy = *req;
	Omendb__RpcHeader hdr = OMENDB__RPC_HEADER__INIT;
	copy.header = &hdr;
	copy.group_id = group;
	hdr.request_id = atomic_fetch_add(&r->next_request_id, 1);
	bool leader_only = needs_leader(req);
	bool stale_retried = false;
	char addr[ADDR_MAX];
	char failed[FAILED_MAX][ADDR_MAX];
	unsigned nfailed = 0, hints = 0, unavailable = 0;
	int64_t backoff = BACKOFF_MIN_MS;
	int last_rc = OMEN_ETIMEDOUT;
	Omendb__Response *last = NULL; /* the latest answer, returned at the deadline */
	rc = OMEN_OK;
	for (unsigned attempt = 0;; attempt++) {
		int64_t left = deadline - now_ms();
		if (left < ATTEMPT_MIN_MS) {
			rc = last ? OMEN_OK : last_rc;
			break;
		}
		rc = pick_target(r, group, snap, leader_only, addr);
		if (rc != OMEN_OK)
			break;
		if (attempt > 0)
			stat_add(&r->retries);
		hdr.catalog_version = snap ? snap->pub.cat->version : 0;
		int timeout = attempt_timeout(r->timeout_ms, left);
		rpc_client *c = NULL;
		Omendb__Response *resp = NULL;
		/* An address that is not host:port (a hostile hint, a bad
		 * catalog entry) counts as unreachable. */
		int crc = addr[0] ? pool_get(r, addr, timeout, &c) : OMEN_EIO;
		if (crc == OMEN_EINVAL)
			crc = OMEN_EIO;
		if (crc == OMEN_OK) {
			crc = rpc_call(c, &copy, &resp);
			pool_put(r, c, timeout, crc == OMEN_OK);
		}
		/* Out of memory, or a request too large to send: no retry helps. */
		if (crc == OMEN_ENOMEM || crc == OMEN_EINVAL) {
			rc = crc;
			break;
		}
		bool pause = true;
		if (crc != OMEN_OK) {
			/* No answer (or none that decodes): next replica. */
			if (crc == OMEN_ETIMEDOUT)
				stat_add(&r->timeouts);
			last_rc = crc == OMEN_ETIMEDOUT ? OMEN_ETIMEDOUT : OMEN_EIO;
			if (addr[0] && nfailed < FAILED_MAX)
				strcpy(failed[nfailed++], addr);
			note_outcome(r, group, addr, UNREACHABLE);
			hints = 0;
			unavailable = 0;
		} else if (resp->status == OMENDB__STATUS__STATUS_NOT_LEADER) {
			stat_add(&r->not_leader);
			const char *hint = resp->leader_rpc_address;
			note_outcome(r, group, addr, NO_LEADER_HERE);
			/* Follow a hint at once, but not to a replica that just failed
			 * nor round a loop of stale hints for ever. */
			if (hint && hint[0] && strlen(hint) < ADDR_MAX && strcmp(hint, addr) != 0 &&
			    !was_failed(failed, nfailed, hint) && hints < HINTS_MAX) {
				set_leader_hint(r, group, hint);
				hints++;
				pause = false;
			} else {
				hints = 0;
			}
			unavailable = 0;
		} else if (resp->status == OMENDB__STATUS__STATUS_UNAVAILABLE) {
			/* A new leader before its barrier, or no quorum: wait there,
			 * unless it keeps refusing. */
			if (++unavailable >= UNAVAILABLE_ROTATE) {
				note_outcome(r, group, addr, NO_LEADER_HERE);
				unavailable = 0;
			} else if (leader_only) {
				note_outcome(r, group, addr, IS_LEADER);
			}
			hints = 0;
		} else if (resp->status == OMENDB__STATUS__STATUS_STALE_CATALOG && group != 0 &&
			   !stale_retried) {
			/* Refresh once (to at least the version the shard names) and
			 * try once more with it; a second STALE_CATALOG is returned. */
			stat_add(&r->stale_catalog);
			stale_retried = true;
			uint64_t need = resp->header ? resp->header->catalog_version : 0;
			bool force = need == 0 || need <= hdr.catalog_version;
			struct snapshot *fresh = NULL;
			if (catalog_acquire(r, force, need, deadline, &fresh) != OMEN_OK) {
				rc = OMEN_OK;
				snapshot_unref(snap);
				snap = NULL;
				omendb__response__free_unpacked(last, NULL);
				last = resp;
				break;
			}
			snapshot_unref(snap);
			snap = fresh;
			pause = false;
		} else {
			note_outcome(r, group, addr, leader_only ? IS_LEADER : ANSWERED_ANY);
			omendb__response__free_unpacked(last, NULL);
			last = resp;
			rc = OMEN_OK;
			break;
		}
		if (resp) {
			omendb__response__free_unpacked(last, NULL);
			last = resp;
		}
		if (pause) {
			int64_t wait = deadline - now_ms() - ATTEMPT_MIN_MS;
			sleep_ms(backoff < wait ? backoff : wait > 0 ? wait : 0);
			backoff = backoff * 2 < BACKOFF_MAX_MS ? backoff * 2 : BACKOFF_MAX_MS;
		}
	}
	snapshot_unref(snap);
	if (rc == OMEN_OK && last) {
		*out = last;
		return OMEN_OK;
	}
	omendb__response__free_unpacked(last, NULL);
	return rc == OMEN_OK ? OMEN_EIO : rc;
}

/* ---- fan-out workers ---- */

static void run_job(router *r, struct fanout *f, size_t i)
{
	f->resps[i] = NULL;
	f->codes[i] = route(r, f->groups[i], f->reqs[i], f->deadline, &f->resps[i]);
	if (f->codes[i] != OMEN_OK)
		f->resps[i] = NULL;
}

/* q_lock held. */
static void job_done(struct fanout *f)
{
	if (--f->pending == 0)
		pthread_cond_signal(&f->done);
}

static void *worker_main(void *arg)
{
	router *r = arg;
	pthread_mutex_lock(&r->q_lock);
	for (;;) {
		while (!r->q_head && !r->stop)
			pthread_cond_wait(&r->q_cond, &r->q_lock);
		if (!r->q_head)
			break;
		struct job *j = r->q_head;
		r->q_head = j->next;
		if (!r->q_head)
			r->q_tail = NULL;
		pthread_mutex_unlock(&r->q_lock);
		run_job(r, j->f, j->i);
		pthread_mutex_lock(&r->q_lock);
		job_done(j->f);
	}
	pthread_mutex_unlock(&r->q_lock);
	return NULL;
}

/* Takes a job of f off the queue, if one is still there; q_lock held. */
static struct job *take_own_job(router *r, struct fanout *f)
{
	struct job *prev = NULL;
	for (struct job *j = r->q_head; j; prev = j, j = j->next) {
		if (j->f != f)
			continue;
		if (prev)
			prev->next = j->next;
		else
			r->q_head = j->next;
		if (r->q_tail == j)
			r->q_tail = prev;
		return j;
	}
	return NULL;
}

/* ---- the API ---- */

static void free_catalog_list(char **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

int router_open(const router_options *o, router **out)
{
	char url[ADDR_MAX + 8];
	if (!o || !out || !o->catalog || o->ncatalog == 0 || o->timeout_ms < 0 || o->retry_ms < 0)
		return OMEN_EINVAL;
	for (size_t i = 0; i < o->ncatalog; i++)
		if (!o->catalog[i] || strlen(o->catalog[i]) >= ADDR_MAX ||
		    rpc_url(o->catalog[i], url, sizeof url) != OMEN_OK)
			return OMEN_EINVAL;
	router *r = calloc(1, sizeof *r);
	if (!r)
		return OMEN_ENOMEM;
	r->timeout_ms = o->timeout_ms ? o->timeout_ms : 5000;
	r->retry_ms = o->retry_ms ? o->retry_ms : 10000;
	atomic_init(&r->next_request_id, 1);
	r->catalog = calloc(o->ncatalog, sizeof *r->catalog);
	if (!r->catalog)
		goto err_after_alloc;
	for (r->ncatalog = 0; r->ncatalog < o->ncatalog; r->ncatalog++)
		if (!(r->catalog[r->ncatalog] = strdup(o->catalog[r->ncatalog])))
			goto err_after_catalog;
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca) != 0)
		goto err_after_catalog;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int cat_cond_rc = pthread_cond_init(&r->cat_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (cat_cond_rc != 0)
		goto err_after_catalog;
	if (pthread_cond_init(&r->idle, NULL) != 0)
		goto err_after_cat_cond;
	if (pthread_cond_init(&r->q_cond, NULL) != 0)
		goto err_after_idle;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->pool_lock, NULL);
	pthread_mutex_init(&r->cat_lock, NULL);
	pthread_mutex_init(&r->q_lock, NULL);
	for (; r->nworkers < ROUTER_WORKERS; r->nworkers++)
		if (pthread_create(&r->workers[r->nworkers], NULL, worker_main, r) != 0)
			goto err_after_workers;
	*out = r;
	return OMEN_OK;

err_after_workers:
	pthread_mutex_lock(&r->q_lock);
	r->stop = true;
	pthread_cond_broadcast(&r->q_cond);
	pthread_mutex_unlock(&r->q_lock);
	for (unsigned i = 0; i < r->nworkers; i++)
		pthread_join(r->workers[i], NULL);
	pthread_mutex_destroy(&r->q_lock);
	pthread_mutex_destroy(&r->cat_lock);
	pthread_mutex_destroy(&r->pool_lock);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->q_cond);
err_after_idle:
	pthread_cond_destroy(&r->idle);
err_after_cat_cond:
	pthread_cond_destroy(&r->cat_cond);
err_after_catalog:
	free_catalog_list(r->catalog, r->ncatalog);
err_after_alloc:
	free(r);
	return OMEN_ENOMEM;
}

void router_close(router *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->closing = true;
	while (r->active > 0)
		pthread_cond_wait(&r->idle, &r->lock);
	pthread_mutex_unlock(&r->lock);
	pthread_mutex_lock(&r->q_lock);
	r->stop = true;
	pthread_cond_broadcast(&r->q_cond);
	pthread_mutex_unlock(&r->q_lock);
	for (unsigned i = 0; i < r->nworkers; i++)
		pthread_join(r->workers[i], NULL);
	for (size_t i = 0; i < r->npool; i++)
		for (unsigned k = 0; k < r->pool[i].nidle; k++)
			rpc_client_close(r->pool[i].idle[k]);
	free(r->pool);
	free(r->groups);
	snapshot_unref(r->cat);
	free_catalog_list(r->catalog, r->ncatalog);
	pthread_mutex_destroy(&r->q_lock);
	pthread_mutex_destroy(&r->cat_lock);
	pthread_mutex_destroy(&r->pool_lock);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->q_cond);
	pthread_cond_destroy(&r->idle);
	pthread_cond_destroy(&r->cat_cond);
	free(r);
}

int router_catalog_get(router *r, bool refresh, const router_catalog **out)
{
	int rc = enter(r);
	if (rc != OMEN_OK)
		return rc;
	/* Not older than the last catalog op's result, so that a caller sees
	 * its own DDL even if the refresh after it failed. Calls to data
	 * groups take any catalog: they must not wait for group 0. */
	pthread_mutex_lock(&r->cat_lock);
	uint64_t need = r->min_version;
	pthread_mutex_unlock(&r->cat_lock);
	struct snapshot *s = NULL;
	rc = catalog_acquire(r, refresh, need, now_ms() + r->retry_ms, &s);
	if (rc == OMEN_OK)
		*out = &s->pub;
	leave(r);
	return rc;
}

void router_catalog_release(router *r, const router_catalog *c)
{
	(void)r;
	snapshot_unref((struct snapshot *)c);
}

int router_catalog_op(router *r, Omendb__CatalogOp *op, Omendb__Status *status, Omendb__WriteResult *result,
		      char *msg, size_t msglen)
{
	int rc = enter(r);
	if (rc != OMEN_OK)
		return rc;
	stat_add(&r->calls);
	int64_t deadline = now_ms() + r->retry_ms;
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_CATALOG;
	cmd.catalog = op;
	Omendb__Request req = OMENDB__REQUEST__INIT;
	req.body_case = OMENDB__REQUEST__BODY_COMMAND;
	req.command = &cmd;
	Omendb__Response *resp = NULL;
	rc = route(r, 0, &req, deadline, &resp);
	if (rc != OMEN_OK) {
		leave(r);
		return rc;
	}
	*status = resp->status;
	if (msg && msglen) {
		const char *m = resp->message ? resp->message : "";
		size_t len = strlen(m);
		if (len >= msglen)
			len = msglen - 1;
		memcpy(msg, m, len);
		msg[len] = '\0';
	}
	uint64_t version = 0;
	if (resp->body_case == OMENDB__RESPONSE__BODY_WRITE) {
		const Omendb__WriteResult *w = resp->write;
		version = w->catalog_version;
		if (result) {
			result->applied_index = w->applied_index;
			result->inserted = w->inserted;
			result->updated = w->updated;
			result->deleted = w->deleted;
			result->skipped = w->skipped;
			result->catalog_version = w->catalog_version;
			result->table_id = w->table_id;
			result->first_id = w->first_id;
		}
	}
	bool ok = resp->status == OMENDB__STATUS__STATUS_OK;
	omendb__response__free_unpacked(resp, NULL);
	if (ok) {
		/* Later router_catalog_get calls must see this op: if this refresh
		 * fails, min_version makes the next one try again. */
		pthread_mutex_lock(&r->cat_lock);
		if (version > r->min_version)
			r->min_version = version;
		pthread_mutex_unlock(&r->cat_lock);
		struct snapshot *s = NULL;
		if (catalog_acquire(r, version == 0, version, deadline, &s) == OMEN_OK)
			snapshot_unref(s);
	}
	leave(r);
	return OMEN_OK;
}

int router_call(router *r, uint32_t group, Omendb__Request *req, Omendb__Response **resp)
{
	int rc = enter(r);
	if (rc != OMEN_OK)
		return rc;
	stat_add(&r->calls);
	rc = route(r, group, req, now_ms() + r->retry_ms, resp);
	leave(r);
	return rc;
}

int router_fanout(router *r, size_t n, const uint32_t *groups, Omendb__Request *const *reqs, int deadline_ms,
		  Omendb__Response **resps, int *codes)
{
	for (size_t i = 0; i < n; i++) {
		resps[i] = NULL;
		codes[i] = OMEN_ECLOSED;
	}
	if (n == 0)
		return OMEN_OK;
	if (enter(r) != OMEN_OK)
		return OMEN_OK;
	struct fanout f = {groups,
			   reqs,
			   resps,
			   codes,
			   now_ms() + (deadline_ms > 0 ? deadline_ms : r->retry_ms),
			   n,
			   PTHREAD_COND_INITIALIZER};
	for (size_t i = 0; i < n; i++)
		stat_add(&r->calls);
	if (n == 1) {
		run_job(r, &f, 0);
		leave(r);
		return OMEN_OK;
	}
	struct job *jobs = calloc(n, sizeof *jobs);
	if (!jobs) {
		leave(r);
		return OMEN_ENOMEM;
	}
	pthread_mutex_lock(&r->q_lock);
	for (size_t i = 0; i < n; i++) {
		jobs[i] = (struct job){&f, i, NULL};
		if (r->q_tail)
			r->q_tail->next = &jobs[i];
		else
			r->q_head = &jobs[i];
		r->q_tail = &jobs[i];
	}
	pthread_cond_broadcast(&r->q_cond);
	while (f.pending > 0) {
		struct job *j = take_own_job(r, &f);
		if (!j) {
			pthread_cond_wait(&f.done, &r->q_lock);
			continue;
		}
		pthread_mutex_unlock(&r->q_lock);
		run_job(r, &f, j->i);
		pthread_mutex_lock(&r->q_lock);
		job_done(&f);
	}
	pthread_mutex_unlock(&r->q_lock);
	pthread_cond_destroy(&f.done);
	free(jobs);
	leave(r);
	return OMEN_OK;
}

size_t router_groups(const Omendb__Catalog *cat, uint32_t *groups, size_t cap)
{
	size_t n = 0;
	if (!cat || !cat->shard_map || cap == 0)
		return 0;
	const Omendb__ShardMap *m = cat->shard_map;
	for (size_t b = 0; b < m->n_bucket_group; b++) {
		uint32_t g = m->bucket_group[b];
		if (b > 0 && g == m->bucket_group[b - 1])
			continue;
		/* Insertion into the sorted set, keeping the cap smallest. */
		size_t i = 0, hi = n;
		while (i < hi) {
			size_t mid = (i + hi) / 2;
			if (groups[mid] < g)
				i = mid + 1;
			else
				hi = mid;
		}
		if ((i < n && groups[i] == g) || i == cap)
			continue;
		size_t end = n < cap ? n : cap - 1;
		memmove(&groups[i + 1], &groups[i], (end - i) * sizeof *groups);
		groups[i] = g;
		if (n < cap)
			n++;
	}
	return n;
}

/* FNV-1a 64 (Fowler, Noll, Vo) over the key, then MurmurHash3's fmix64
 * finaliser so that every input bit reaches the low bits the bucket mask
 * keeps. Fixed forever: the bucket of every stored row depends on it. */
static uint64_t key_hash(const uint8_t *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint32_t router_key_group(const Omendb__Catalog *cat, const uint8_t *key, size_t len)
{
	if (!cat || !cat->shard_map || cat->shard_map->n_bucket_group == 0)
		return 0;
	const Omendb__ShardMap *m = cat->shard_map;
	/* The length is a power of two (catalog_usable); masking keeps any
	 * other length in range too. */
	return m->bucket_group[key_hash(key, len) & (m->n_bucket_group - 1)];
}

void router_get_stats(router *r, router_stats *out)
{
	out->calls = atomic_load(&r->calls);
	out->retries = atomic_load(&r->retries);
	out->not_leader = atomic_load(&r->not_leader);
	out->stale_catalog = atomic_load(&r->stale_catalog);
	out->timeouts = atomic_load(&r->timeouts);
	out->catalog_refreshes = atomic_load(&r->catalog_refreshes);
}
