// What both runners (in process, HTTP) share: the sweep's parameters and the
// data it is measured against.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sextant_bench/dataset.h"
#include "sextant_bench/load_driver.h"
#include "sextant_bench/result_row.h"

namespace sextant::bench {

struct SweepOptions {
  std::vector<std::string> engines;        // see KnownEngines(); http adds sextant-exact
  std::vector<std::string> quantizations = {"off"};  // off | sq8 | pq, each engine with each
  std::vector<size_t> efs = {16, 32, 64, 128, 256};   // HNSW engines
  std::vector<size_t> nprobes = {1, 2, 4, 8, 16, 32, 64};  // IVF engines (values above nlist skipped)
  size_t k = 10;
  size_t m = 16;              // HNSW links per node, every engine
  size_t ef_construct = 200;  // HNSW build beam, every engine
  size_t nlist = 0;           // IVF lists; 0 = automatic (ours; FAISS gets the same)
  size_t build_threads = 1;
  LoadOptions load;
};

// The dataset and its ground truth, as the runners measure recall against.
struct SweepData {
  const Dataset* dataset = nullptr;
  std::vector<double> kth_distance;  // per query: the k-th true distance (ground_truth.h)
};

// Called with each row as soon as it is measured (progress on the console).
using RowSink = std::function<void(const ResultRow&)>;

}  // namespace sextant::bench
