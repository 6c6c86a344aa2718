// FlatIndex: exact search by scanning every vector with the SIMD kernels.
// It is the growing segment's storage, the index of small sealed segments, and
// the oracle of every ANN test.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "index/index.h"
#include "index/metric_distance.h"

namespace sextant {

// Thread safety: one writer calling Add() may run concurrently with any number of
// Search()/Vector() callers: rows live in fixed-size chunks that never move, and
// the row count is published with release/acquire ordering.
class FlatIndex final : public Index {
 public:
  // `capacity` bounds the rows this index can ever hold (Add fails beyond it).
  FlatIndex(size_t dim, Metric metric, size_t capacity = kDefaultCapacity);
  ~FlatIndex() override;

  static constexpr size_t kChunkRows = 1024;
  static constexpr size_t kDefaultCapacity = size_t{1} << 22;

  // REQUIRES (in addition to Index::Add): offsets strictly increasing across
  // all calls (Vector() relies on it for a binary search).
  Status Add(std::span<const Offset> offsets, MatrixView rows) override;
  Result<std::vector<Hit>> Search(VectorView query, const SearchParams& params) const override;
  std::vector<Hit> SearchAmong(VectorView query, std::span<const Offset> candidates, size_t k,
                               const OffsetFilter* filter) const override;
  Result<std::unique_ptr<Index>> CloneWithCapacity(size_t capacity) const override;
  const float* Vector(Offset offset) const override;
  void ForEachOffset(const std::function<void(Offset)>& fn) const override;
  Status Save(ByteWriter& out) const override;
  // Reads what Save() wrote; fails on anything inconsistent.
  static Result<std::unique_ptr<FlatIndex>> Load(size_t dim, Metric metric, ByteReader& in);
  size_t size() const override { return count_.load(std::memory_order_acquire); }
  size_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }
  size_t MemoryBytes() const override;
  bool is_exact() const override { return true; }

  // Row access for builders (optimizer copies rows into an HNSW index).
  // REQUIRES: row < size().
  const float* Row(size_t row) const;
  Offset OffsetAt(size_t row) const;

 private:
  struct Chunk {
    explicit Chunk(size_t dim) : vectors(dim * kChunkRows), offsets(kChunkRows) {}
    std::vector<float> vectors;
    std::vector<Offset> offsets;
  };

  const size_t dim_;
  const Metric metric_;
  const size_t capacity_;
  const MetricDistance distance_;
  std::vector<std::atomic<Chunk*>> chunks_;  // owned; allocated by the writer
  std::atomic<size_t> count_{0};
};

}  // namespace sextant
