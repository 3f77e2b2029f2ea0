/* omendb-shard's command line: parsed and checked before anything starts,
 * so a bad configuration exits with a message and status 2. */
#ifndef OMEN_SHARD_CONFIG_H
#define OMEN_SHARD_CONFIG_H

#include <stdbool.h>

#include "log.h"
#include "node.h"

typedef struct shard_config {
	node_config node;
	unsigned workers;
	unsigned build_threads;
	int write_timeout_ms;
	enum log_level log_level;
	bool help;
} shard_config;

/* Fills cfg from argv (pointers into argv stay referenced). OMEN_EINVAL
 * with a message in err for anything missing, malformed or inconsistent. */
int config_parse(int argc, char **argv, shard_config *cfg, char *err, size_t errlen);
extern const char config_usage[];

#endif
