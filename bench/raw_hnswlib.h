// The anchor: hnswlib used as its README shows (InnerProductSpace / L2Space,
// addPoint, searchKnn), behind a tiny interface so the benchmark's own TU does
// not need hnswlib's compile-time SIMD flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sextant::bench {

class RawHnswlib {
 public:
  // inner_product: hnswlib's InnerProductSpace (1 - dot); else L2Space.
  RawHnswlib(size_t dim, size_t capacity, size_t m, size_t ef_construct, bool inner_product);
  ~RawHnswlib();
  void Add(const float* rows, size_t n, size_t threads);
  void SetEf(size_t ef);
  // Labels of the k nearest, nearest first.
  std::vector<uint64_t> Search(const float* query, size_t k) const;
  // Bytes of the graph as hnswlib lays it out: level 0 (links, vector, label)
  // per element added, plus the upper-level link lists.
  size_t MemoryBytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sextant::bench
