// Payload indexes: per field, the offsets holding each value, as CRoaring
// bitmaps, with ordered maps for ranges.
//
// An index answers the field conditions of its type exactly as the plain
// evaluator (core/filter_eval.h) would, over the offsets it was given; other
// conditions on the field (is_empty, values_count, ...) are left to the
// evaluator. Offsets are never removed: an updated or deleted point's old
// offset stays in the bitmaps and the caller intersects with the live set.
// A restart rebuilds indexes from the stored payloads, which compacts them.
//
// Thread safety: none; the collection guards each index with its payload lock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/json_value.h"
#include "common/status.h"
#include "common/types.h"
#include "core/bitmap.h"
#include "core/filter.h"

namespace sextant {

// Qdrant's field_schema types (the ones we index).
enum class PayloadSchema { kKeyword, kInteger, kFloat, kBool, kDatetime, kUuid };
const char* PayloadSchemaName(PayloadSchema schema);
std::optional<PayloadSchema> ParsePayloadSchema(std::string_view name);

class FieldIndex {
 public:
  FieldIndex(FieldPath path, PayloadSchema schema) : path_(std::move(path)), schema_(schema) {}

  const FieldPath& path() const { return path_; }
  PayloadSchema schema() const { return schema_; }

  // Indexes the values of `payload` at this field for `offset`.
  void Add(Offset offset, const JsonValue& payload);

  // InvalidArgument if the condition's value type cannot apply to this field's
  // index (matching an integer against a keyword index, a datetime range on a
  // float index, a string that is no UUID on a uuid index, ...).
  Status Check(const FieldCondition& condition) const;
  // Whether Query() answers this condition (match and range kinds, not text).
  static bool Serves(const FieldCondition& condition) {
    return !std::holds_alternative<ValuesCount>(condition.test) &&
           !std::holds_alternative<MatchText>(condition.test) &&
           !std::holds_alternative<IsEmpty>(condition.test) && !std::holds_alternative<IsNull>(condition.test);
  }
  // The offsets (live or not) matching the condition, or nullopt when this
  // index does not answer that kind of condition. REQUIRES: Check() passed.
  std::optional<Bitmap> Query(const FieldCondition& condition) const;

  // Points in `live` with at least one value of the index's type.
  uint64_t Points(const Bitmap& live) const { return all_.and_cardinality(live); }

 private:
  std::optional<Bitmap> QueryMatch(const MatchValue& m) const;
  Bitmap Union(const auto& map_range) const;

  const FieldPath path_;
  const PayloadSchema schema_;
  std::unordered_map<std::string, Bitmap> strings_;  // keyword, uuid
  std::map<int64_t, Bitmap> ints_;                   // integer: integer values
  std::map<double, Bitmap> numbers_;                 // integer, float: every number
  std::map<int64_t, Bitmap> datetimes_;              // datetime: microseconds
  Bitmap true_, false_;                              // bool
  Bitmap all_;    // offsets with a value of the index's type
  Bitmap other_;  // offsets with a non-null value of another type (`except` matches those)
};

}  // namespace sextant
