// Vocabulary types shared by every layer: point ids, internal offsets, sequence
// numbers, metrics and borrowed views of vectors.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sextant {

// Dense per-collection index of one stored point version. A point that is
// updated gets a new offset; the old one becomes a tombstone.
using Offset = uint32_t;
inline constexpr Offset kInvalidOffset = UINT32_MAX;

// Sequence number of an accepted write operation (op log, issue "durability").
using SeqNo = uint64_t;

// A point id as Qdrant has it: an unsigned 64-bit integer or a UUID.
// Ordering follows Qdrant's: every integer id sorts before every UUID.
class PointId {
 public:
  PointId() = default;
  static PointId Num(uint64_t n) { return PointId(Kind::kNum, 0, n); }
  static PointId Uuid(uint64_t hi, uint64_t lo) { return PointId(Kind::kUuid, hi, lo); }
  // Accepts the forms the Rust uuid crate parses: hyphenated, 32 hex digits,
  // braced {…} and urn:uuid:…; case-insensitive.
  static std::optional<PointId> ParseUuid(std::string_view text);

  bool is_num() const { return kind_ == Kind::kNum; }
  uint64_t num() const { return lo_; }
  uint64_t uuid_hi() const { return hi_; }
  uint64_t uuid_lo() const { return lo_; }
  // Integer ids as digits, UUIDs canonical lowercase hyphenated.
  std::string ToString() const;

  auto operator<=>(const PointId&) const = default;
  bool operator==(const PointId&) const = default;

 private:
  // Values persisted in keys (storage/point_store.cc): never renumber.
  enum class Kind : uint8_t { kNum = 0, kUuid = 1 };
  PointId(Kind k, uint64_t hi, uint64_t lo) : kind_(k), hi_(hi), lo_(lo) {}
  Kind kind_ = Kind::kNum;
  uint64_t hi_ = 0;
  uint64_t lo_ = 0;
};

struct PointIdHash {
  size_t operator()(const PointId& id) const {
    uint64_t h = id.uuid_hi() * 0x9E3779B97F4A7C15ull ^ id.uuid_lo() ^ (id.is_num() ? 0 : 0x5bd1e995);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return static_cast<size_t>(h ^ (h >> 32));
  }
};

// Distance functions, named as in Qdrant's API. Persisted by name.
enum class Metric { kCosine, kEuclid, kDot, kManhattan };
std::optional<Metric> ParseMetric(std::string_view name);
const char* MetricName(Metric m);

// Indexes order by an internal distance where lower is closer:
//   Cosine, Dot: 1 - dot (Cosine vectors are normalised at insert)
//   Euclid:      squared L2
//   Manhattan:   L1
// The API's score (Qdrant's convention) is derived from it by ScoreFromDistance:
// cosine and dot higher-is-closer; Euclid the true L2 distance and Manhattan the
// L1 distance, lower-is-closer.
float ScoreFromDistance(Metric m, float distance);
float DistanceFromScore(Metric m, float score);
// True when a larger score means closer (Cosine, Dot).
inline bool HigherIsCloser(Metric m) { return m == Metric::kCosine || m == Metric::kDot; }

// A borrowed dense vector.
using VectorView = std::span<const float>;

// A borrowed row-major matrix of `rows` vectors of `dim` floats.
class MatrixView {
 public:
  MatrixView(const float* data, size_t rows, size_t dim) : data_(data), rows_(rows), dim_(dim) {}
  size_t rows() const { return rows_; }
  size_t dim() const { return dim_; }
  const float* row(size_t i) const { return data_ + i * dim_; }
  const float* data() const { return data_; }

 private:
  const float* data_;
  size_t rows_;
  size_t dim_;
};

}  // namespace sextant
