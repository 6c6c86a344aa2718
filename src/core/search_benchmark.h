// Search benchmarks (POST /collections/{collection_name}/benchmark): how good
// and how fast a collection's approximate search is with given parameters,
// measured on the collection's own data, so users can tune hnsw_ef, IVF nprobe
// and quantization without leaving the API.
//
// Each query runs twice: the approximate search exactly as /points/search runs
// it (Collection::Query with the request's params and filter), timed, and the
// collection's exact search with the same filter, the ground truth. Recall is
// counted by distance, because exact ties exist: an approximate hit counts
// when its score is at least as good as the worst exact hit's (within a
// relative 1e-5). Sampled query points are stored points, so each is its own
// nearest neighbour in both searches; that is fine for comparing parameters.
//
// No HTTP here: api/handlers/benchmark.cc parses and writes; BenchmarkRunner
// (core/benchmark_runner.h) decides which thread runs it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"
#include "core/collection_config.h"
#include "core/filter.h"

namespace sextant {

class Collection;

// Bounds of one benchmark; past them the request is refused (InvalidArgument).
inline constexpr size_t kMaxBenchmarkQueries = 1000;
inline constexpr size_t kMaxBenchmarkLimit = 1000;
inline constexpr double kMaxBenchmarkTimeoutSeconds = 600;

// The search parameters under test: the fields of /points/search's `params`.
struct BenchmarkSearchParams {
  size_t hnsw_ef = 0;          // 0 = the collection's default
  size_t ivf_nprobe = 0;       // 0 = the collection's default
  bool exact = false;          // scan every vector: recall is then 1
  bool ignore_quantization = false;
  bool rescore = true;
  double oversampling = 0;     // 0 = the index's default
};

struct BenchmarkRequest {
  // Given query vectors; when empty, `queries` stored points' vectors are
  // sampled uniformly at random (seeded by `seed`) as the queries.
  std::vector<std::vector<float>> vectors;
  size_t queries = 100;  // 1..kMaxBenchmarkQueries; ignored when `vectors` is set
  uint64_t seed = 0;     // the same seed on the same points samples the same queries
  size_t limit = 10;     // k of recall@k, 1..kMaxBenchmarkLimit
  std::shared_ptr<const Filter> filter;  // null or empty: every point
  BenchmarkSearchParams params;
  // Time budget: past it the benchmark stops and reports what it measured
  // (truncated). Sampling counts. (0, kMaxBenchmarkTimeoutSeconds].
  std::chrono::duration<double> timeout{60.0};
};

// What a benchmark measured. Figures over no query (cancelled or out of time
// before the first) are NaN.
struct BenchmarkReport {
  size_t queries = 0;     // queries run to the end (approximate and exact)
  size_t limit = 0;
  double recall = 0;      // mean recall@limit over the queries
  double recall_min = 0;  // the worst query's
  // Latency of the approximate search, milliseconds (percentiles by nearest rank).
  double latency_p50_ms = 0;
  double latency_p95_ms = 0;
  double latency_p99_ms = 0;
  double latency_mean_ms = 0;
  double exact_latency_mean_ms = 0;  // of the exact search, milliseconds
  // The parameters in effect: defaults resolved from the collection config
  // (ivf_nprobe 0 when the collection's is "nlist/8 per segment"). A
  // filtered search may widen the beam for selective filters, as searches do.
  IndexKind index = IndexKind::kHnsw;
  BenchmarkSearchParams params;
  bool cancelled = false;  // stopped by Cancel
  bool truncated = false;  // stopped by the time budget
  double elapsed_s = 0;    // the whole run, sampling included
};

// Checks the request's bounds and, against the collection's config, its
// query vectors (dimension, finite values). InvalidArgument with the reason.
Status ValidateBenchmarkRequest(const BenchmarkRequest& request, const CollectionConfig& config);

// Runs the benchmark on the calling thread (BenchmarkRunner puts it on a
// low-priority one), yielding the CPU between queries. Stops early, with a
// report of what it measured, when `cancel` becomes true (cancelled) or the
// time budget runs out (truncated). InvalidArgument for a bad request or a
// collection with no point to sample.
// Thread safety: the collection may take writes, be searched and be dropped
// meanwhile (the caller holds it).
Result<BenchmarkReport> RunSearchBenchmark(const Collection& collection, const BenchmarkRequest& request,
                                           const std::atomic<bool>& cancel);

}  // namespace sextant
