// The anchor for IVF: FAISS's IndexIVFFlat / IndexIVFScalarQuantizer (8 bit) /
// IndexIVFPQ used as its tutorial shows, one query per search call, one
// thread, behind a tiny interface (FAISS's headers stay out of the bench TU).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sextant::bench {

class RawFaissIvf {
 public:
  enum class Codes { kFlat, kSq8, kPq };
  // inner_product: METRIC_INNER_PRODUCT (normalised data: cosine); else L2.
  // refine > 1: FAISS's own rescoring (IndexRefineFlat over the IVF index,
  // k_factor = refine: the k*refine best by code re-ranked with the floats).
  RawFaissIvf(size_t dim, size_t nlist, Codes codes, size_t pq_m, bool inner_product, float refine = 1);
  ~RawFaissIvf();
  void Train(const float* rows, size_t n, size_t threads);
  void Add(const float* rows, size_t n);
  void SetNprobe(size_t nprobe);
  // Labels of the k nearest (by the codes, or rescored when refine > 1).
  std::vector<int64_t> Search(const float* query, size_t k) const;
  // Bytes of the inverted lists (codes + 8-byte ids) and the coarse quantizer.
  size_t MemoryBytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sextant::bench
