// The vector index interface. An index knows vectors and offsets, never points,
// payloads or storage. Callers build indexes through MakeIndex (index_factory.h).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/byte_stream.h"
#include "common/status.h"
#include "common/types.h"

namespace sextant {

// One search result: an offset and its internal distance (lower is closer; see
// ScoreFromDistance in common/types.h for how the API turns it into a score).
struct Hit {
  Offset offset;
  float distance;
  bool operator<(const Hit& o) const {
    return distance < o.distance || (distance == o.distance && offset < o.offset);
  }
};

// A predicate over offsets, tested during the search (never after it): an index
// never returns an offset the filter rejects, and still returns k hits when k
// accepted offsets exist (exactly for FlatIndex, approximately for HNSW).
// Thread safety: Accepts() is called concurrently from searches.
class OffsetFilter {
 public:
  virtual ~OffsetFilter() = default;
  virtual bool Accepts(Offset offset) const = 0;
};

// What a quantized index compares while it searches, instead of the floats.
enum class Codes {
  kNone,  // the float vectors
  kSq8,   // one byte per dimension over a per-dimension range (HNSW: walked
          // with integer SIMD; IVF: scanned), candidates rescored with floats
  kPq,    // IVF only: product-quantization codes of residuals, rescored
};

// How an index is built. Chosen per collection.
struct IndexSpec {
  enum class Kind { kFlat, kHnsw, kIvf };
  Kind kind = Kind::kHnsw;
  size_t m = 32;              // HNSW links per node (2*m on the base layer)
  size_t ef_construct = 200;  // HNSW beam width while building
  size_t ef_search = 128;     // HNSW default beam width when a search gives none
  size_t build_threads = 1;   // threads Add() may use
  uint64_t seed = 100;        // level generator / k-means seed: same seed + order = same index
  Codes codes = Codes::kNone;
  float quantile = 0.99f;     // kSq8: share of each dimension's values inside its range
  size_t nlist = 0;           // IVF lists; 0 = from the points at training (IvfIndex)
  size_t nprobe = 0;          // IVF lists a search scans by default; 0 = nlist/8
  size_t pq_m = 0;            // kPq sub-quantizers (divides dim); 0 = about dim/4

  static IndexSpec Flat() { return IndexSpec{.kind = Kind::kFlat}; }
  // Whether an index built with `other` is built the way this spec builds one
  // (the fields that change the index; not search defaults or threads).
  bool BuildsSameAs(const IndexSpec& other) const;
};

// Per-search parameters.
struct SearchParams {
  size_t k = 10;                         // hits wanted; fewer if fewer are accepted
  size_t ef = 0;                         // HNSW beam width; 0 = the index's default
  size_t nprobe = 0;                     // IVF lists to scan; 0 = the index's default
  // Filtered IVF searches: the share of points the filter accepts (the index
  // probes more lists the fewer match, as an HNSW walk widens its beam).
  double selectivity = 1.0;
  const OffsetFilter* filter = nullptr;  // not owned; null = every offset matches
  bool exact = false;                    // compare with every vector (no graph walk)
  // Quantized indexes (Qdrant's params.quantization): `ignore` searches the
  // floats; otherwise `rescore` re-ranks the k*oversampling best candidates by
  // their float distance (0 = the index's default oversampling).
  bool ignore_codes = false;
  bool rescore = true;
  double oversampling = 0;
};

// An exact or approximate nearest-neighbour index over dense offsets.
// Thread safety: Search() and Vector() may run concurrently with each other and,
// where the implementation says so, with one writer calling Add().
class Index {
 public:
  virtual ~Index() = default;

  // REQUIRES: rows.dim() == dim(); offsets.size() == rows.rows(); no offset is
  // present yet. For Cosine the caller passes normalised rows.
  virtual Status Add(std::span<const Offset> offsets, MatrixView rows) = 0;

  // Nearest first; ties broken by the smaller offset where the index is exact.
  virtual Result<std::vector<Hit>> Search(VectorView query, const SearchParams& params) const = 0;

  // Exact: the k nearest of `candidates` that this index holds and `filter`
  // (may be null) accepts; offsets it does not hold are skipped. For filtered
  // searches where few points match (cost proportional to the candidates).
  virtual std::vector<Hit> SearchAmong(VectorView query, std::span<const Offset> candidates, size_t k,
                                       const OffsetFilter* filter) const = 0;

  // An independent copy that can hold `capacity` vectors and accepts Add() of
  // new offsets, leaving this index untouched (used to extend a sealed segment
  // while searches keep reading the original).
  virtual Result<std::unique_ptr<Index>> CloneWithCapacity(size_t capacity) const = 0;

  // The stored vector of `offset`, or nullptr if this index does not hold it.
  // The pointer stays valid for the lifetime of the index.
  virtual const float* Vector(Offset offset) const = 0;
  // Calls fn for every offset the index holds, in no particular order.
  virtual void ForEachOffset(const std::function<void(Offset)>& fn) const = 0;

  // Writes everything the index holds (vectors, offsets, graph) so that
  // LoadIndex (index_factory.h) with the same spec, dim and metric gives an index
  // that answers every search identically. The caller frames and checksums the
  // bytes (storage/segment_file.h). REQUIRES: no concurrent Add().
  virtual Status Save(ByteWriter& out) const = 0;

  virtual size_t size() const = 0;
  virtual size_t dim() const = 0;
  virtual Metric metric() const = 0;
  // Bytes held in memory (vectors + graph), for collection info and benchmarks.
  virtual size_t MemoryBytes() const = 0;
  virtual bool is_exact() const = 0;
};

}  // namespace sextant
