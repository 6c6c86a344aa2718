// IvfIndex: an inverted-file index. k-means centroids split the vectors into
// lists; a search ranks the centroids and scans the `nprobe` nearest lists.
//
// FAISS trains it (k-means, PQ codebooks: ivf_training.h); the lists are ours
// and scanned with our kernels (index/distance.h, index/quantized_kernels.h),
// testing an OffsetFilter on every entry before its distance is computed.
// What a list scan compares is spec.codes:
//   kNone — the float vectors (IVF-Flat): exact distances inside the lists;
//   kSq8  — one byte per dimension over a per-dimension range;
//   kPq   — PQ codes of the residual (vector minus its centroid), pq_m bytes.
// The coded kinds keep the float vectors too (rescoring, Vector(), rebuilds):
// the k*oversampling best candidates by code distance are re-ranked by their
// float distance.
//
// Training happens inside Add(): an index with fewer points than its lists
// need (MinTrainingPoints) keeps them in one list and searches exactly
// (is_exact() is true) until an Add() brings enough; an index that has grown
// to twice the points it was trained on is trained again on all of them, so
// that extending a segment keeps its lists balanced.
#pragma once

#include <memory>
#include <vector>

#include "index/index.h"
#include "index/metric_distance.h"
#include "index/sq8_codes.h"

namespace sextant {

// Thread safety: as HnswIndex. Add() must not run concurrently with anything;
// searches may run concurrently with each other.
class IvfIndex final : public Index {
 public:
  // REQUIRES: spec.kind == kIvf; spec.codes != kPq or pq_m divides dim (0: auto).
  static Result<std::unique_ptr<IvfIndex>> Create(size_t dim, Metric metric, const IndexSpec& spec);
  ~IvfIndex() override;

  Status Add(std::span<const Offset> offsets, MatrixView rows) override;
  Result<std::vector<Hit>> Search(VectorView query, const SearchParams& params) const override;
  std::vector<Hit> SearchAmong(VectorView query, std::span<const Offset> candidates, size_t k,
                               const OffsetFilter* filter) const override;
  Result<std::unique_ptr<Index>> CloneWithCapacity(size_t capacity) const override;
  const float* Vector(Offset offset) const override;
  void ForEachOffset(const std::function<void(Offset)>& fn) const override;
  Status Save(ByteWriter& out) const override;
  // Reads what Save() wrote for the same dim, metric and spec.codes; checks
  // every count, offset and size before anything is searched.
  static Result<std::unique_ptr<IvfIndex>> Load(size_t dim, Metric metric, const IndexSpec& spec,
                                                ByteReader& in);
  size_t size() const override { return count_; }
  size_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }
  size_t MemoryBytes() const override;
  bool is_exact() const override { return !trained(); }

  bool trained() const { return !centroids_.empty(); }
  size_t nlist() const { return trained() ? lists_.size() : 0; }
  // The lists a search scans by default: spec.nprobe, else nlist/8.
  size_t default_nprobe() const;
  // Bytes a list scan reads per vector (floats for kNone, else the code).
  size_t ScannedBytesPerVector() const;

  // The lists an index of `n` points gets with this spec (spec.nlist, or
  // min(4*sqrt(n), n/39)), and the points it needs before it trains (39 per
  // list, and at least 16 lists' worth when nlist is automatic).
  static size_t ListsFor(const IndexSpec& spec, size_t n);
  static size_t MinTrainingPoints(const IndexSpec& spec);
  // spec.pq_m, or the divisor of dim nearest to dim/4.
  static size_t PqSubquantizers(const IndexSpec& spec, size_t dim);

  // Default oversampling of the coded kinds when a search gives none:
  // measured on glove100 (recall@10 after rescoring; see docs/API.md).
  static constexpr double kSq8Oversampling = 2.0;
  static constexpr double kPqOversampling = 4.0;

 private:
  struct List {
    std::vector<Offset> offsets;
    std::vector<float> vectors;  // offsets.size() x dim
    std::vector<uint8_t> codes;  // offsets.size() x code_size_ (coded kinds)
  };
  struct Location {
    Offset offset;
    uint32_t list;
    uint32_t pos;
  };

  IvfIndex(size_t dim, Metric metric, const IndexSpec& spec);
  // Trains on every vector held plus `offsets`/`rows` and refills the lists.
  Status Rebuild(std::span<const Offset> offsets, MatrixView rows);
  // Appends to the lists of a trained index.
  Status AddTrained(std::span<const Offset> offsets, MatrixView rows);
  Status EncodeInto(List& list, const float* row, uint32_t list_id);
  void RebuildLocations();
  // kPq: derives pq_books_by_dim_ and pq_norms_ from the codebooks.
  void PreparePqTables();
  // tables[j*256 + k] = target_j . y_jk (dot), else |y_jk|^2 - 2 target_j . y_jk.
  void FillPqTables(const float* target, bool dot, std::vector<float>* tables) const;
  const Location* Find(Offset offset) const;
  std::vector<Hit> SearchExact(const float* query, const SearchParams& params) const;
  // Coarse distance to centroid c (lower is closer): -dot for Cosine/Dot,
  // squared L2 otherwise, the metric the points were assigned by.
  float CoarseDistance(const float* query, size_t c) const;
  bool inner_product() const { return metric_ == Metric::kCosine || metric_ == Metric::kDot; }

  const size_t dim_;
  const Metric metric_;
  const IndexSpec spec_;
  const MetricDistance distance_;
  size_t code_size_ = 0;             // bytes per code (0 for kNone)
  size_t pq_m_ = 0;                  // kPq
  std::vector<float> centroids_;     // nlist x dim; empty while untrained
  std::vector<List> lists_;          // one list while untrained
  Sq8Ranges sq8_;                    // kSq8
  std::vector<float> pq_codebooks_;  // kPq: pq_m x 256 x (dim / pq_m)
  std::vector<float> pq_books_by_dim_;  // the same, per sub-vector dimension-major (dsub x 256)
  std::vector<float> pq_norms_;         // |y|^2 of every codebook entry (pq_m x 256)
  std::vector<Location> locations_;  // sorted by offset
  size_t count_ = 0;
  size_t trained_size_ = 0;          // points when last trained
};

}  // namespace sextant
