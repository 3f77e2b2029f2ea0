#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rpc.h"

const char config_usage[] =
    "usage: omendb-shard --group G --id N --data DIR --raft-address HOST:PORT --rpc-address HOST:PORT\n"
    "                    --peer ID@RAFT_HOST:PORT@RPC_HOST:PORT ... [options]\n"
    "  --group G                 shard group (0 = the catalog group)\n"
    "  --id N                    this replica's raft id (>= 1), one of the --peer ids\n"
    "  --data DIR                data directory (RocksDB in DIR/db, raft log in DIR/raft)\n"
    "  --raft-address HOST:PORT  raft traffic (TCP), as listed for this id in --peer\n"
    "  --rpc-address HOST:PORT   nng RPC socket for coordinators and peers\n"
    "  --peer ID@RAFT@RPC        a member of the initial configuration (repeat; include this one)\n"
    "  --join                    do not bootstrap: wait to be added to a running group\n"
    "  --workers N               RPC worker threads (default 16)\n"
    "  --build-threads N         threads per index build (default 2)\n"
    "  --snapshot-threshold N    raft entries between snapshots (default 1024)\n"
    "  --snapshot-trailing N     entries kept after a snapshot (default 128)\n"
    "  --election-timeout-ms N   raft election timeout (default 1000)\n"
    "  --heartbeat-ms N          raft heartbeat (default 100)\n"
    "  --write-timeout-ms N      how long a write waits for commit (default 10000)\n"
    "  --log-level L             debug, info, warn or error (default info)\n";

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	if (!s || !*s || *s == '-')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool valid_address(const char *a)
{
	char url[300];
	return a && strlen(a) < 128 && rpc_url(a, url, sizeof url) == OMEN_OK;
}

static int parse_peer(const char *s, struct node_member *m, char *err, size_t errlen)
{
	char buf[400];
	if (strlen(s) >= sizeof buf)
		goto bad;
	strcpy(buf, s);
	char *a = strchr(buf, '@');
	char *b = a ? strchr(a + 1, '@') : NULL;
	if (!a || !b)
		goto bad;
	*a++ = '\0';
	*b++ = '\0';
	unsigned long long id;
	if (!parse_uint(buf, UINT64_MAX, &id) || id == 0 || !valid_address(a) || !valid_address(b))
		goto bad;
	m->id = id;
	snprintf(m->raft_address, sizeof m->raft_address, "%s", a);
	snprintf(m->rpc_address, sizeof m->rpc_address, "%s", b);
	return OMEN_OK;
bad:
	snprintf(err, errlen, "--peer %s: expected ID@HOST:PORT@HOST:PORT with ID >= 1", s);
	return OMEN_EINVAL;
}

int config_parse(int argc, char **argv, shard_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->workers = 16;
	cfg->build_threads = 2;
	cfg->write_timeout_ms = 10000;
	cfg->log_level = LOG_INFO;
	bool have_group = false;
	node_config *n = &cfg->node;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			cfg->help = true;
			return OMEN_OK;
		}
		if (strcmp(opt, "--join") == 0) {
			n->join = true;
			continue;
		}
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!val) {
			snprintf(err, errlen, "%s needs a value", opt);
			return OMEN_EINVAL;
		}
		i++;
		unsigned long long v = 0;
		bool ok = true;
		if (strcmp(opt, "--group") == 0) {
			ok = parse_uint(val, INT32_MAX, &v);
			n->group = (uint32_t)v;
			have_group = ok;
		} else if (strcmp(opt, "--id") == 0) {
			ok = parse_uint(val, UINT64_MAX, &v) && v > 0;
			n->id = v;
		} else if (strcmp(opt, "--data") == 0) {
			ok = val[0] != '\0' && strlen(val) < 400;
			n->data_dir = val;
		} else if (strcmp(opt, "--raft-address") == 0) {
			ok = valid_address(val);
			n->raft_address = val;
		} else if (strcmp(opt, "--rpc-address") == 0) {
			ok = valid_address(val);
			n->rpc_address = val;
		} else if (strcmp(opt, "--peer") == 0) {
			if (n->npeers == NODE_MAX_MEMBERS) {
				snprintf(err, errlen, "at most %d peers", NODE_MAX_MEMBERS);
				return OMEN_EINVAL;
			}
			if (parse_peer(val, &n->peers[n->npeers], err, errlen) != OMEN_OK)
				return OMEN_EINVAL;
			for (unsigned j = 0; j < n->npeers; j++) {
				if (n->peers[j].id == n->peers[n->npeers].id) {
					snprintf(err, errlen, "--peer: id %llu appears twice",
						 (unsigned long long)n->peers[j].id);
					return OMEN_EINVAL;
				}
			}
			n->npeers++;
		} else if (strcmp(opt, "--workers") == 0) {
			ok = parse_uint(val, 256, &v) && v > 0;
			cfg->workers = (unsigned)v;
		} else if (strcmp(opt, "--build-threads") == 0) {
			ok = parse_uint(val, 256, &v) && v > 0;
			cfg->build_threads = (unsigned)v;
		} else if (strcmp(opt, "--snapshot-threshold") == 0) {
			ok = parse_uint(val, 100000000, &v) && v >= 2;
			n->snapshot_threshold = (unsigned)v;
		} else if (strcmp(opt, "--snapshot-trailing") == 0) {
			ok = parse_uint(val, 100000000, &v);
			n->snapshot_trailing = (unsigned)v;
		} else if (strcmp(opt, "--election-timeout-ms") == 0) {
			ok = parse_uint(val, 600000, &v) && v >= 50;
			n->election_timeout_ms = (unsigned)v;
		} else if (strcmp(opt, "--heartbeat-ms") == 0) {
			ok = parse_uint(val, 60000, &v) && v >= 10;
			n->heartbeat_ms = (unsigned)v;
		} else if (strcmp(opt, "--write-timeout-ms") == 0) {
			ok = parse_uint(val, 3600000, &v) && v >= 100;
			cfg->write_timeout_ms = (int)v;
		} else if (strcmp(opt, "--log-level") == 0) {
			ok = log_parse_level(val, &cfg->log_level);
		} else {
			snprintf(err, errlen, "unknown option %s", opt);
			return OMEN_EINVAL;
		}
		if (!ok) {
			snprintf(err, errlen, "%s: bad value \"%s\"", opt, val);
			return OMEN_EINVAL;
		}
	}
	const char *missing = !have_group	 ? "--group"
			      : !n->id		 ? "--id"
			      : !n->data_dir	 ? "--data"
			      : !n->raft_address ? "--raft-address"
			      : !n->rpc_address	 ? "--rpc-address"
			      : !n->npeers	 ? "--peer"
						 : NULL;
	if (missing) {
		snprintf(err, errlen, "%s is required", missing);
		return OMEN_EINVAL;
	}
	bool self = false;
	for (unsigned j = 0; j < n->npeers; j++) {
		if (n->peers[j].id != n->id)
			continue;
		self = true;
		if (strcmp(n->peers[j].raft_address, n->raft_address) != 0 ||
		    strcmp(n->peers[j].rpc_address, n->rpc_address) != 0) {
			snprintf(err, errlen,
				 "--peer for id %llu does not match --raft-address/--rpc-address",
				 (unsigned long long)n->id);
			return OMEN_EINVAL;
		}
	}
	if (!self && !n->join) {
		snprintf(err, errlen, "--id %llu is not among the --peer ids (use --join to be added later)",
			 (unsigned long long)n->id);
		return OMEN_EINVAL;
	}
	if (n->snapshot_trailing && n->snapshot_threshold && n->snapshot_trailing >= n->snapshot_threshold) {
		snprintf(err, errlen, "--snapshot-trailing must be below --snapshot-threshold");
		return OMEN_EINVAL;
	}
	return OMEN_OK;
}
