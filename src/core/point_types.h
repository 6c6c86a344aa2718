// What the collection takes and gives: points, queries, records, info.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json_value.h"
#include "common/types.h"
#include "core/collection_config.h"
#include "core/filter.h"
#include "core/filter_planner.h"

namespace sextant {

// A point to upsert. The vector is validated (dimension, finite) by the caller
// and again by the collection.
struct PointInput {
  PointId id;
  std::vector<float> vector;
  std::string payload;  // minified JSON object, or empty for none
};

// Maximal marginal relevance (what LangChain's MMR search sends).
struct MmrOptions {
  float diversity = 0.5f;        // 0 = pure relevance, 1 = pure diversity
  size_t candidates_limit = 0;   // 0 = the query's limit
};

struct QueryOptions {
  std::vector<float> vector;
  size_t limit = 10;
  size_t offset = 0;
  std::optional<float> score_threshold;  // in score units (see ScoreFromDistance)
  bool with_payload = false;
  bool with_vector = false;
  size_t hnsw_ef = 0;   // 0 = the collection's default
  size_t ivf_nprobe = 0;  // IVF lists to scan; 0 = the collection's default
  // Qdrant's params.quantization, for quantized segments (SearchParams).
  bool ignore_quantization = false;
  bool rescore = true;
  double oversampling = 0;  // 0 = the index's default
  bool exact = false;   // scan every vector instead of walking indexes
  std::optional<MmrOptions> mmr;
  std::shared_ptr<const Filter> filter;  // null or empty: every point
  std::optional<PointId> exclude;        // never return this point (query by a point's id)
  // Benchmarks and tests: force one plan for every indexed segment instead of
  // the planner's choice (kWalk keeps the planner's widened ef unless
  // hnsw_ef is given).
  std::optional<SegmentPlan::Kind> force_plan;
};

// Which points a payload operation or a delete applies to: the listed ids, or
// every point the filter matches.
struct PointSelector {
  std::vector<PointId> ids;
  std::shared_ptr<const Filter> filter;  // set: select by filter instead of ids
};

// Qdrant's payload operations.
struct PayloadOp {
  enum class Kind {
    kSet,        // merge `payload`'s keys into the payload (at `key` if given)
    kOverwrite,  // replace the whole payload with `payload`
    kDeleteKeys, // remove each of `keys`
    kClear,      // payload becomes {}
  };
  Kind kind = Kind::kSet;
  JsonValue payload = JsonValue::MakeObject();
  std::optional<FieldPath> key;
  std::vector<FieldPath> keys;
};

struct ScoredPoint {
  PointId id;
  uint64_t version = 0;  // operation that last wrote the point
  float score = 0;
  std::optional<std::string> payload;        // minified JSON when asked for
  std::optional<std::vector<float>> vector;  // when asked for
};

struct Record {
  PointId id;
  std::optional<std::string> payload;
  std::optional<std::vector<float>> vector;
};

struct ScrollPage {
  std::vector<Record> points;
  std::optional<PointId> next_page_offset;
};

// A collection store's RocksDB sizes, from its properties.
struct StoreSizes {
  uint64_t sst_bytes = 0;
  uint64_t memtable_bytes = 0;
  uint64_t live_data_bytes = 0;
};

struct CollectionInfo {
  enum class Status { kGreen, kYellow };
  Status status = Status::kGreen;   // yellow while segments wait to be indexed
  size_t points_count = 0;
  size_t indexed_vectors_count = 0;
  size_t segments_count = 0;
  CollectionConfig config;
  struct PayloadIndexInfo {
    std::string field;
    std::string data_type;  // PayloadSchemaName
    uint64_t points = 0;    // live points with a value of that type
  };
  std::vector<PayloadIndexInfo> payload_schema;  // by field name
};

}  // namespace sextant
