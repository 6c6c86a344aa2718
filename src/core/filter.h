// Filter: Qdrant's filter language as a tree (api/json/filter_reader.cc builds
// it from a request; core/filter_eval.h evaluates it on one payload;
// core/filter_resolver.h turns it into the set of matching offsets).
//
//   {"must": [...], "should": [...], "must_not": [...],
//    "min_should": {"conditions": [...], "min_count": n}}
//
// Semantics (Qdrant's condition_checker): a key is a path ("a.b", "tags[]",
// "a[].b", "a[2]") that resolves to a list of values; a value that is an array
// stands for its elements. A field condition holds if any value satisfies it,
// except where noted on the condition. An empty filter matches every point;
// an empty `should` imposes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/types.h"

namespace sextant {

// One step of a key path.
struct PathStep {
  enum class Kind { kKey, kAllElements, kElement };
  Kind kind = Kind::kKey;
  std::string key;   // kKey
  size_t index = 0;  // kElement
};
struct FieldPath {
  std::string text;  // as the client wrote it (payload index names, messages)
  std::vector<PathStep> steps;
};
// Parses "a.b[].c[0]"; nullopt if it is not a valid path.
std::optional<FieldPath> ParseFieldPath(std::string_view text);

// match.value: type-strict (the string "1" is not the integer 1; floats can
// only be matched by range).
using MatchScalar = std::variant<std::string, int64_t, bool>;
struct MatchValue {
  MatchScalar value;
};
// match.any: one of these strings or integers (not both kinds).
struct MatchAny {
  std::vector<std::string> strings;
  std::vector<int64_t> ints;
};
// match.except: a value of the field that is none of these. A missing field,
// an empty array or null does not match; a value of another type does.
struct MatchExcept {
  std::vector<std::string> strings;
  std::vector<int64_t> ints;
};
// match.text: a string value containing this text (Qdrant's behaviour for a
// field without a full-text index).
struct MatchText {
  std::string text;
};
// range over numbers (integers and floats alike).
struct NumberRange {
  std::optional<double> gt = std::nullopt, gte = std::nullopt, lt = std::nullopt, lte = std::nullopt;
  bool Contains(double v) const {
    return (!gt || v > *gt) && (!gte || v >= *gte) && (!lt || v < *lt) && (!lte || v <= *lte);
  }
};
// range with RFC 3339 bounds, over payload strings that are datetimes;
// microseconds since the epoch (common/datetime.h).
struct DatetimeRange {
  std::optional<int64_t> gt = std::nullopt, gte = std::nullopt, lt = std::nullopt, lte = std::nullopt;
  bool Contains(int64_t v) const {
    return (!gt || v > *gt) && (!gte || v >= *gte) && (!lt || v < *lt) && (!lte || v <= *lte);
  }
};
// values_count: the number of (non-null) values at the key.
struct ValuesCount {
  std::optional<uint64_t> gt = std::nullopt, gte = std::nullopt, lt = std::nullopt, lte = std::nullopt;
  bool Contains(uint64_t v) const {
    return (!gt || v > *gt) && (!gte || v >= *gte) && (!lt || v < *lt) && (!lte || v <= *lte);
  }
};
// is_empty: missing, null, [] (no non-null value). is_null: some value is null
// (a missing field is not null).
struct IsEmpty {};
struct IsNull {};

struct FieldCondition {
  using Test = std::variant<MatchValue, MatchAny, MatchExcept, MatchText, NumberRange, DatetimeRange,
                            ValuesCount, IsEmpty, IsNull>;
  FieldPath key;
  Test test;
};

struct Filter;
struct HasId {
  std::vector<PointId> ids;
};
// nested: the sub-filter must hold for one element of the array at `key`
// (each element an object), all its conditions on that same element.
struct Nested {
  FieldPath key;
  std::shared_ptr<const Filter> filter;
};

struct Condition {
  std::variant<FieldCondition, HasId, Nested, std::shared_ptr<const Filter>> c;
};

struct MinShould {
  std::vector<Condition> conditions;
  size_t min_count = 0;
};

struct Filter {
  std::vector<Condition> must;
  std::vector<Condition> should;
  std::vector<Condition> must_not;
  std::optional<MinShould> min_should;
  bool empty() const { return must.empty() && should.empty() && must_not.empty() && !min_should; }
};

// Deepest nesting of filters a request may send (a filter inside a condition
// inside a filter is one level more). Deeper input is refused, not recursed.
inline constexpr size_t kMaxFilterDepth = 32;
// Most conditions one filter may hold, all levels together (each is a bitmap
// operation or a payload check per point).
inline constexpr size_t kMaxFilterConditions = 1000;

}  // namespace sextant
