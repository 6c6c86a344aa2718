#include "sextant_bench/inprocess_runner.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "sextant_bench/engine.h"
#include "sextant_bench/ground_truth.h"

namespace sextant::bench {

namespace {

// Cosine engines compare normalised vectors by dot product (ours, hnswlib's
// InnerProductSpace, FAISS's METRIC_INNER_PRODUCT); recall is still counted on
// the raw vectors, where cosine distance is the same.
Vectors Normalised(const Vectors& v) {
  Vectors out = v;
  for (size_t r = 0; r < out.rows; ++r) {
    float* row = out.row(r);
    double norm = 0;
    for (size_t i = 0; i < out.dim; ++i) norm += double(row[i]) * row[i];
    const float inv = norm > 0 ? float(1.0 / std::sqrt(norm)) : 0.0f;
    for (size_t i = 0; i < out.dim; ++i) row[i] *= inv;
  }
  return out;
}

}  // namespace

Result<std::vector<ResultRow>> RunInProcess(const SweepData& data, const SweepOptions& options, const RowSink& sink) {
  const Dataset& d = *data.dataset;
  const bool cosine = d.metric == Metric::kCosine;
  const Vectors base = cosine ? Normalised(d.base) : Vectors{};
  const Vectors queries = cosine ? Normalised(d.queries) : Vectors{};
  const Vectors& search_base = cosine ? base : d.base;
  const Vectors& search_queries = cosine ? queries : d.queries;

  std::vector<ResultRow> rows;
  for (const std::string& name : options.engines) {
    for (const std::string& quantization : options.quantizations) {
      EngineSpec spec{.name = name,
                      .quantization = quantization,
                      .metric = d.metric,
                      .m = options.m,
                      .ef_construct = options.ef_construct,
                      .nlist = options.nlist,
                      .build_threads = options.build_threads};
      auto engine = MakeEngine(spec, d.base.dim, d.base.rows);
      if (!engine.ok()) {
        std::fprintf(stderr, "skipped %s quantization=%s: %s\n", name.c_str(), quantization.c_str(),
                     engine.status().message().c_str());
        continue;
      }
      std::fprintf(stderr, "building %s (quantization %s, %zu threads)...\n", name.c_str(), quantization.c_str(),
                   options.build_threads);
      const auto t0 = std::chrono::steady_clock::now();
      RETURN_IF_ERROR((*engine)->Build(search_base).WithContext(name + " build"));
      const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "%s: built in %.2f s, %.1f MiB\n", name.c_str(), build_s,
                   double((*engine)->MemoryBytes()) / (1024.0 * 1024.0));
      const bool ivf = std::string((*engine)->param()) == "nprobe";
      for (size_t value : ivf ? options.nprobes : options.efs) {
        if (ivf && value > (*engine)->lists()) {
          std::fprintf(stderr, "skipped %s nprobe=%zu: only %zu lists\n", name.c_str(), value, (*engine)->lists());
          continue;
        }
        (*engine)->SetParam(value);
        const Engine& e = **engine;
        ASSIGN_OR_RETURN(LoadResult load,
                         RunLoad(search_queries.rows, options.load, [&](size_t, size_t q, std::vector<int64_t>* ids) {
                           return e.Search(search_queries.row(q), options.k, ids);
                         }));
        ResultRow row;
        row.engine = name;
        row.mode = "inprocess";
        row.dataset = d.name;
        row.metric = ShortMetricName(d.metric);
        row.k = options.k;
        row.quantization = quantization;
        row.param = e.param();
        row.value = double(value);
        row.recall = RecallByDistance(load.results, d.base, d.queries, d.metric, data.kth_distance, options.k);
        row.qps = load.qps;
        row.p50_ms = load.p50_ms;
        row.p95_ms = load.p95_ms;
        row.p99_ms = load.p99_ms;
        row.build_s = build_s;
        row.memory_mb = double(e.MemoryBytes()) / (1024.0 * 1024.0);
        row.clients = options.load.clients;
        row.queries = load.queries;
        sink(row);
        rows.push_back(row);
      }
    }
  }
  return rows;
}

}  // namespace sextant::bench
