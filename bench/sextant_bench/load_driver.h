// Runs a query set from N concurrent clients and measures it: the same driver
// for in-process engines (threads calling Search) and for HTTP (one keep-alive
// connection per client), so their QPS and percentiles mean the same thing.
#pragma once

#include <cstddef>
#include <functional>

#include "common/status.h"
#include "sextant_bench/vectors.h"

namespace sextant::bench {

struct LoadOptions {
  size_t clients = 1;         // concurrent clients, each running one query at a time
  double min_seconds = 1.0;   // repeat the query set until at least this long has passed
  size_t max_passes = 1000;   // ... but at most this many passes over it
};

struct LoadResult {
  NeighborLists results;  // ids each query returned in the first pass
  double qps = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  size_t queries = 0;     // queries timed, over all passes
};

// search(client, query, &ids) runs query number `query` on client `client`
// (0 <= client < clients; a client is only ever used by one thread) and fills
// the returned ids, nearest first. A non-OK status stops the run and is
// returned. The first pass over the queries also warms caches; it is timed
// like the others.
using SearchFn = std::function<Status(size_t client, size_t query, std::vector<int64_t>* ids)>;
Result<LoadResult> RunLoad(size_t num_queries, const LoadOptions& options, const SearchFn& search);

// The p-quantile (0..1) of unsorted values (nearest rank); 0 when empty.
double Percentile(std::vector<double> values, double p);

}  // namespace sextant::bench
