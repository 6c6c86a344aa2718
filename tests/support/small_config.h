// SmallConfig: a collection config for core tests (m=16, ef_construct=100, a
// given indexing threshold), so tests build small graphs quickly.
#pragma once

#include "core/collection_config.h"

namespace sextant::testing {

inline CollectionConfig SmallConfig(size_t dim, Metric metric, size_t threshold_kb) {
  CollectionConfig c;
  c.dim = dim;
  c.metric = metric;
  c.hnsw.m = 16;
  c.hnsw.ef_construct = 100;
  c.optimizer.indexing_threshold_kb = threshold_kb;
  return c;
}

}  // namespace sextant::testing
