// hnswlib_driver: the hnswlib side of bench/engine. Builds Debian's header-only
// hnswlib on a dataset with the engine's parameters and prints the same JSON
// lines (build, then one search line per ef) with "engine":"hnswlib".
#include <getopt.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <hnswlib/hnswlib.h>

#include "dataset.h"
// common/error.h is a C header without C++ guards.
extern "C" {
#include "error.h"
}

namespace
{

struct options {
	std::string base, query, gt, hdf5, metric, dataset_name;
	size_t m = 16, ef_construction = 64, threads = 1, k = 10, queries = 0, repeat = 3;
	bool turns = false; // wait for a stdin line before each timed pass (bench/engine)
	std::vector<size_t> efs{10, 20, 40, 80, 160, 320};
};

double now_s()
{
	using clock = std::chrono::steady_clock;
	return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// Resident set size from /proc/self/statm, as bench/engine and faiss_driver
// read it, so index_mb means the same for all three engines.
double rss_mb()
{
	FILE *f = std::fopen("/proc/self/statm", "r");
	if (f == nullptr)
		return 0;
	unsigned long size = 0, resident = 0;
	int got = std::fscanf(f, "%lu %lu", &size, &resident);
	std::fclose(f);
	if (got != 2)
		return 0;
	return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

double peak_rss_mb()
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0; // kilobytes on Linux
}

// JSON string literal body; dataset names are file names, so escaping
// quotes, backslashes and control characters is enough.
std::string json_escape(const std::string &s)
{
	std::string out;
	for (char c : s) {
		if (c == '"' || c == '\\') {
			out += '\\';
			out += c;
		} else if ((unsigned char)c < 0x20) {
			char buf[8];
			std::snprintf(buf, sizeof(buf), "\\u%04x", (unsigned)c);
			out += buf;
		} else {
			out += c;
		}
	}
	return out;
}

bool parse_size(const char *s, size_t &out)
{
	char *end;
	errno = 0;
	unsigned long long v = std::strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return false;
	out = (size_t)v;
	return true;
}

bool parse_efs(const char *s, std::vector<size_t> &out)
{
	out.clear();
	std::string list(s);
	size_t pos = 0;
	while (pos <= list.size()) {
		size_t comma = list.find(',', pos);
		if (comma == std::string::npos)
			comma = list.size();
		size_t v;
		if (!parse_size(list.substr(pos, comma - pos).c_str(), v) || v == 0)
			return false;
		out.push_back(v);
		pos = comma + 1;
	}
	return !out.empty();
}

void usage()
{
	std::fprintf(stderr, "usage: hnswlib_driver (--base F --query F --gt F | --hdf5 F) [--m 16]\n"
			     "       [--ef-construction 64] [--ef 10,20,...] [--threads 1] [--k 10]\n"
			     "       [--metric l2|ip|cosine] [--queries N] [--repeat 3] [--dataset-name S]\n"
			     "       [--turns]\n");
}

bool parse_args(int argc, char **argv, options &o)
{
	enum { BASE = 1, QUERY, GT, HDF5, M, EFC, EF, THREADS, K, METRIC, QUERIES, REPEAT, NAME, TURNS };
	static const struct option opts[] = {
	    {"base", required_argument, nullptr, BASE},
	    {"query", required_argument, nullptr, QUERY},
	    {"gt", required_argument, nullptr, GT},
	    {"hdf5", required_argument, nullptr, HDF5},
	    {"m", required_argument, nullptr, M},
	    {"ef-construction", required_argument, nullptr, EFC},
	    {"ef", required_argument, nullptr, EF},
	    {"threads", required_argument, nullptr, THREADS},
	    {"k", required_argument, nullptr, K},
	    {"metric", required_argument, nullptr, METRIC},
	    {"queries", required_argument, nullptr, QUERIES},
	    {"repeat", required_argument, nullptr, REPEAT},
	    {"dataset-name", required_argument, nullptr, NAME},
	    {"turns", no_argument, nullptr, TURNS},
	    {nullptr, 0, nullptr, 0},
	};
	bool ok = true;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, nullptr)) != -1) {
		switch (c) {
		case BASE:
			o.base = optarg;
			break;
		case QUERY:
			o.query = optarg;
			break;
		case GT:
			o.gt = optarg;
			break;
		case HDF5:
			o.hdf5 = optarg;
			break;
		case M:
			ok = ok && parse_size(optarg, o.m);
			break;
		case EFC:
			ok = ok && parse_size(optarg, o.ef_construction);
			break;
		case EF:
			ok = ok && parse_efs(optarg, o.efs);
			break;
		case THREADS:
			ok = ok && parse_size(optarg, o.threads);
			break;
		case K:
			ok = ok && parse_size(optarg, o.k);
			break;
		case METRIC:
			o.metric = optarg;
			break;
		case QUERIES:
			ok = ok && parse_size(optarg, o.queries);
			break;
		case TURNS:
			o.turns = true;
			break;
		case REPEAT:
			ok = ok && parse_size(optarg, o.repeat);
			break;
		case NAME:
			o.dataset_name = optarg;
			break;
		default:
			ok = false;
		}
	}
	bool files = !o.base.empty() && !o.query.empty() && !o.gt.empty();
	if (!ok || optind != argc || files == !o.hdf5.empty() || o.m < 2 || o.k == 0 || o.repeat == 0 ||
	    o.threads == 0 || o.threads > 1024)
		return false;
	return true;
}

void normalise_rows(dataset_fmat &mat)
{
	for (size_t i = 0; i < mat.rows; i++) {
		float *v = mat.data + i * mat.dim;
		double ss = 0;
		for (size_t j = 0; j < mat.dim; j++)
			ss += (double)v[j] * v[j];
		if (ss > 0) {
			float inv = (float)(1.0 / std::sqrt(ss));
			for (size_t j = 0; j < mat.dim; j++)
				v[j] *= inv;
		}
	}
}

// The median of a sorted list; the mean of the middle two for an even count.
double median(const std::vector<double> &sorted)
{
	size_t n = sorted.size();
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

double percentile(const std::vector<double> &sorted, double p)
{
	// Nearest-rank definition, as bench/engine computes it.
	size_t rank = (size_t)std::ceil(p * (double)sorted.size());
	return sorted[rank == 0 ? 0 : rank - 1];
}

int run(const options &o)
{
	dataset_set set;
	int rc = o.hdf5.empty()
		     ? dataset_load_files(o.base.c_str(), o.query.c_str(), o.gt.c_str(), o.queries, &set)
		     : dataset_load_hdf5(o.hdf5.c_str(), o.queries, &set);
	if (rc != OMEN_OK) {
		std::fprintf(stderr, "hnswlib_driver: loading dataset: %s (%s)\n", error_message(rc),
			     rc == OMEN_EIO ? std::strerror(errno) : error_name(rc));
		return 1;
	}
	std::string metric = !o.metric.empty() ? o.metric : set.metric[0] ? set.metric : "l2";
	if (o.k > set.gt.dim) {
		std::fprintf(stderr, "hnswlib_driver: k %zu exceeds ground truth depth %zu\n", o.k,
			     set.gt.dim);
		dataset_set_free(&set);
		return 1;
	}
	const size_t n = set.base.rows, dim = set.base.dim, nq = set.queries.rows;

	double rss0 = rss_mb();
	hnswlib::SpaceInterface<float> *space;
	if (metric == "l2") {
		space = new hnswlib::L2Space(dim);
	} else if (metric == "ip" || metric == "cosine") {
		// hnswlib has no cosine space: normalised vectors under inner
		// product rank exactly as cosine does.
		if (metric == "cosine") {
			normalise_rows(set.base);
			normalise_rows(set.queries);
		}
		space = new hnswlib::InnerProductSpace(dim);
	} else {
		std::fprintf(stderr, "hnswlib_driver: hnswlib has no %s space\n", metric.c_str());
		dataset_set_free(&set);
		return 1;
	}

	double t0 = now_s();
	auto *index = new hnswlib::HierarchicalNSW<float>(space, n, o.m, o.ef_construction, 100);
	// The first point becomes the entry point; inserting it alone keeps the
	// workers from racing to create the graph.
	index->addPoint(set.base.data, 0);
	std::atomic<size_t> next{1};
	std::atomic<bool> failed{false};
	auto worker = [&]() {
		try {
			for (size_t i; (i = next.fetch_add(1)) < n;)
				index->addPoint(set.base.data + i * dim, i);
		} catch (const std::exception &e) {
			std::fprintf(stderr, "hnswlib_driver: addPoint: %s\n", e.what());
			failed = true;
		}
	};
	std::vector<std::thread> workers;
	for (size_t t = 0; t < o.threads; t++)
		workers.emplace_back(worker);
	for (auto &w : workers)
		w.join();
	double build_s = now_s() - t0;
	if (failed) {
		dataset_set_free(&set);
		return 1;
	}
	double index_mb = rss_mb() - rss0;

	std::printf("{\"engine\":\"hnswlib\",\"phase\":\"build\",\"dataset\":\"%s\",\"metric\":\"%s\","
		    "\"n\":%zu,\"dim\":%zu,\"m\":%zu,\"ef_construction\":%zu,\"threads\":%zu,"
		    "\"build_s\":%.3f,\"vectors_per_s\":%.1f,\"index_mb\":%.1f,\"peak_rss_mb\":%.1f}\n",
		    json_escape(o.dataset_name).c_str(), metric.c_str(), n, dim, o.m, o.ef_construction,
		    o.threads, build_s, (double)n / build_s, index_mb, peak_rss_mb());
	std::fflush(stdout);

	std::vector<double> lat;
	std::vector<double> qps;
	std::vector<int32_t> found(o.k);
	char turn[64];
	for (size_t ef : o.efs) {
		index->setEf(ef);
		lat.clear();
		qps.clear();
		size_t hits = 0;
		for (size_t r = 0; r < o.repeat; r++) {
			if (o.turns && std::fgets(turn, sizeof(turn), stdin) == nullptr) {
				std::fprintf(stderr, "hnswlib_driver: stdin closed before a turn\n");
				return 1;
			}
			double busy = 0;
			for (size_t q = 0; q < nq; q++) {
				double q0 = now_s();
				auto res = index->searchKnn(set.queries.data + q * dim, o.k);
				double t = now_s() - q0;
				lat.push_back(t);
				busy += t;
				if (r != 0)
					continue;
				// Recall is the same every repeat: count it once,
				// outside the timed call.
				size_t got = 0;
				while (!res.empty()) {
					found[got++] = (int32_t)res.top().second;
					res.pop();
				}
				const int32_t *truth = set.gt.data + q * set.gt.dim;
				for (size_t i = 0; i < got; i++)
					hits += std::find(truth, truth + o.k, found[i]) != truth + o.k;
			}
			// Time inside the search calls only, as all three
			// engines measure it.
			qps.push_back((double)nq / busy);
			if (o.turns) {
				std::printf("{\"phase\":\"turn\"}\n");
				std::fflush(stdout);
			}
		}
		std::sort(lat.begin(), lat.end());
		std::sort(qps.begin(), qps.end());
		std::printf("{\"engine\":\"hnswlib\",\"phase\":\"search\",\"dataset\":\"%s\",\"ef\":%zu,"
			    "\"k\":%zu,\"queries\":%zu,\"repeat\":%zu,\"recall\":%.4f,\"qps\":%.1f,"
			    "\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
			    json_escape(o.dataset_name).c_str(), ef, o.k, nq, o.repeat,
			    (double)hits / (double)(nq * o.k), median(qps), percentile(lat, 0.50) * 1e6,
			    percentile(lat, 0.99) * 1e6);
		std::fflush(stdout);
	}
	delete index;
	delete space;
	dataset_set_free(&set);
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	options o;
	if (!parse_args(argc, argv, o)) {
		usage();
		return 2;
	}
	return run(o);
}
