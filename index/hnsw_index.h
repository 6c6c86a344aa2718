// HnswIndex: an HNSW graph built by hnswlib, searched by our own walk.
//
// With spec.codes == kSq8 (Qdrant's scalar int8 quantization) the walk
// compares one-byte-a-dimension codes kept beside the graph instead of the
// floats, with integer SIMD (AVX-512 VNNI or AVX2), then re-ranks the best
// k*oversampling by their float distance.
//
// hnswlib (0.6.2 in Debian) builds the graph, with our SIMD kernels behind its
// space interface. Searching is ours (hnsw_search.cc): the same algorithm as
// hnswlib's searchKnn, calling the kernels directly and testing an OffsetFilter
// while it walks (hnswlib 0.6.2 has no filter hook). Labels are offsets.
#pragma once

#include <memory>

#include "index/index.h"

namespace sextant {

// Thread safety: Add() may be called by one caller at a time (it parallelises
// internally over spec.build_threads); Search() must not run concurrently with
// Add(). Collections guarantee this: a sealed segment's index is complete before
// any search sees it, and extending it works on a CloneWithCapacity() copy.
class HnswIndex final : public Index {
 public:
  // REQUIRES: spec.kind == kHnsw, spec.m >= 2.
  static Result<std::unique_ptr<HnswIndex>> Create(size_t dim, Metric metric, const IndexSpec& spec,
                                                   size_t capacity);
  ~HnswIndex() override;

  Status Add(std::span<const Offset> offsets, MatrixView rows) override;
  Result<std::vector<Hit>> Search(VectorView query, const SearchParams& params) const override;
  std::vector<Hit> SearchAmong(VectorView query, std::span<const Offset> candidates, size_t k,
                               const OffsetFilter* filter) const override;
  Result<std::unique_ptr<Index>> CloneWithCapacity(size_t capacity) const override;
  const float* Vector(Offset offset) const override;
  void ForEachOffset(const std::function<void(Offset)>& fn) const override;
  Status Save(ByteWriter& out) const override;
  // Reads what Save() wrote with the same dim, metric and spec.m; checks every
  // link, level and label before the graph can be searched.
  static Result<std::unique_ptr<HnswIndex>> Load(size_t dim, Metric metric, const IndexSpec& spec,
                                                 ByteReader& in);
  size_t size() const override;
  size_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }
  size_t MemoryBytes() const override;
  bool is_exact() const override { return false; }

  // Codes::kSq8: candidates re-ranked by float distance per hit wanted when a
  // search gives no oversampling (see docs/API.md for the measurements).
  static constexpr double kInt8Oversampling = 2.0;

  struct Graph;  // hnswlib state; defined in hnsw_index.cc

 private:
  HnswIndex(size_t dim, Metric metric, const IndexSpec& spec);
  std::vector<Hit> SearchExact(const float* query, const SearchParams& params) const;
  const size_t dim_;
  const Metric metric_;
  const IndexSpec spec_;
  std::unique_ptr<Graph> graph_;
};

}  // namespace sextant
