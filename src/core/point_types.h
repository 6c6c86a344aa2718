// What the collection takes and gives: points, queries, records, info.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/types.h"
#include "core/collection_config.h"

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
  bool exact = false;   // scan every vector instead of walking indexes
  std::optional<MmrOptions> mmr;
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

struct CollectionInfo {
  enum class Status { kGreen, kYellow };
  Status status = Status::kGreen;   // yellow while segments wait to be indexed
  size_t points_count = 0;
  size_t indexed_vectors_count = 0;
  size_t segments_count = 0;
  CollectionConfig config;
};

}  // namespace sextant
