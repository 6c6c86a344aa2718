// The in-memory shapes every part of sextant-bench shares: a row-major float
// matrix (base vectors, queries) and per-query neighbour id lists (ground truth,
// search results).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sextant::bench {

// rows x dim float32, row-major. Byte vectors (.bvecs, |u1 .npy) are widened
// to float on reading, so every engine sees the same values.
struct Vectors {
  size_t rows = 0;
  size_t dim = 0;
  std::vector<float> data;  // rows * dim values
  const float* row(size_t i) const { return data.data() + i * dim; }
  float* row(size_t i) { return data.data() + i * dim; }
  // Keeps the first `n` rows (no-op when there are fewer).
  void Truncate(size_t n) {
    if (n >= rows) return;
    rows = n;
    data.resize(rows * dim);
  }
};

// One list of base row numbers per query, nearest first.
using NeighborLists = std::vector<std::vector<int64_t>>;

}  // namespace sextant::bench
