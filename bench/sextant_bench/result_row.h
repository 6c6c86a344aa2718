// One measured point of a sweep: an engine with one parameter value. The CSV
// and JSON reports have one row / object per ResultRow (report_writer.h).
#pragma once

#include <cmath>
#include <string>

namespace sextant::bench {

// "Not applicable" (e.g. upload time in process): written as an empty CSV
// cell and a JSON null.
inline constexpr double kNotApplicable = NAN;

struct ResultRow {
  std::string engine;        // sextant-hnsw, sextant-ivf, sextant-exact, hnswlib, faiss-ivf
  std::string mode;          // inprocess | http
  std::string dataset;
  std::string metric;        // l2 | cosine | dot | manhattan
  size_t k = 10;
  std::string quantization;  // off | sq8 | pq
  std::string param;         // ef | nprobe | exact
  double value = 0;          // the parameter's value
  double recall = 0;         // recall@k, ties counted by distance
  double qps = 0;            // queries per second, all clients together
  double p50_ms = 0;         // latency percentiles of single queries
  double p95_ms = 0;
  double p99_ms = 0;
  double build_s = kNotApplicable;    // index build (in process) or upload-to-green (http)
  double upload_s = kNotApplicable;   // http: until the upload returned (durable, searchable)
  double memory_mb = kNotApplicable;  // index bytes (in process) or server RSS (http), MiB
  size_t clients = 1;        // concurrent search threads / keep-alive connections
  size_t queries = 0;        // queries timed (every query at least once; repeats included)
};

}  // namespace sextant::bench
