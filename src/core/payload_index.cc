#include "core/payload_index.h"

#include <vector>

#include "common/datetime.h"
#include "core/filter_eval.h"

namespace sextant {

const char* PayloadSchemaName(PayloadSchema schema) {
  switch (schema) {
    case PayloadSchema::kKeyword: return "keyword";
    case PayloadSchema::kInteger: return "integer";
    case PayloadSchema::kFloat: return "float";
    case PayloadSchema::kBool: return "bool";
    case PayloadSchema::kDatetime: return "datetime";
    case PayloadSchema::kUuid: return "uuid";
  }
  return "?";
}

std::optional<PayloadSchema> ParsePayloadSchema(std::string_view name) {
  for (PayloadSchema s : {PayloadSchema::kKeyword, PayloadSchema::kInteger, PayloadSchema::kFloat,
                          PayloadSchema::kBool, PayloadSchema::kDatetime, PayloadSchema::kUuid}) {
    if (name == PayloadSchemaName(s)) return s;
  }
  return std::nullopt;
}

namespace {
bool IsUuid(const std::string& s) { return PointId::ParseUuid(s).has_value(); }
}  // namespace

void FieldIndex::Add(Offset offset, const JsonValue& payload) {
  std::vector<const JsonValue*> values;
  ResolvePath(payload, path_, &values);
  for (const JsonValue* v : values) {
    if (v->is_null()) continue;
    bool taken = false;
    switch (schema_) {
      case PayloadSchema::kKeyword:
        if (v->is_string()) { strings_[v->as_string()].add(offset); taken = true; }
        break;
      case PayloadSchema::kUuid:
        if (v->is_string() && IsUuid(v->as_string())) { strings_[v->as_string()].add(offset); taken = true; }
        break;
      case PayloadSchema::kInteger:
        // Integers serve match; every number serves range, as the evaluator's
        // range reads floats too.
        if (v->is_number()) numbers_[v->as_number()].add(offset);
        if (v->is_int()) { ints_[v->as_int()].add(offset); taken = true; }
        break;
      case PayloadSchema::kFloat:
        if (v->is_number()) { numbers_[v->as_number()].add(offset); taken = true; }
        break;
      case PayloadSchema::kBool:
        if (v->is_bool()) { (v->as_bool() ? true_ : false_).add(offset); taken = true; }
        break;
      case PayloadSchema::kDatetime:
        if (v->is_string()) {
          if (auto t = ParseDatetime(v->as_string())) { datetimes_[*t].add(offset); taken = true; }
        }
        break;
    }
    (taken ? all_ : other_).add(offset);
  }
}

Status FieldIndex::Check(const FieldCondition& condition) const {
  auto wrong = [&](const std::string& what) {
    return Status::InvalidArgument("Bad request: field `" + path_.text + "` has a " +
                                   PayloadSchemaName(schema_) + " index, which cannot serve " + what);
  };
  const bool strings = schema_ == PayloadSchema::kKeyword || schema_ == PayloadSchema::kUuid;
  auto check_uuid = [&](const std::string& s) -> Status {
    if (schema_ == PayloadSchema::kUuid && !IsUuid(s)) {
      return Status::InvalidArgument("Bad request: field `" + path_.text + "` has a uuid index and `" + s +
                                     "` is not a UUID");
    }
    return Status::OK();
  };
  if (const auto* m = std::get_if<MatchValue>(&condition.test)) {
    if (const auto* s = std::get_if<std::string>(&m->value)) {
      if (!strings) return wrong("a match on a string value");
      return check_uuid(*s);
    }
    if (std::holds_alternative<int64_t>(m->value)) {
      if (schema_ != PayloadSchema::kInteger) return wrong("a match on an integer value");
      return Status::OK();
    }
    if (schema_ != PayloadSchema::kBool) return wrong("a match on a bool value");
    return Status::OK();
  }
  auto check_list = [&](const std::vector<std::string>& s, const std::vector<int64_t>& i,
                        const char* what) -> Status {
    if (!s.empty()) {
      if (!strings) return wrong(std::string(what) + " of strings");
      for (const auto& x : s) RETURN_IF_ERROR(check_uuid(x));
    }
    if (!i.empty() && schema_ != PayloadSchema::kInteger) return wrong(std::string(what) + " of integers");
    if (s.empty() && i.empty() && !strings && schema_ != PayloadSchema::kInteger) {
      return wrong(what);
    }
    return Status::OK();
  };
  if (const auto* m = std::get_if<MatchAny>(&condition.test)) return check_list(m->strings, m->ints, "match.any");
  if (const auto* m = std::get_if<MatchExcept>(&condition.test)) {
    return check_list(m->strings, m->ints, "match.except");
  }
  if (std::holds_alternative<NumberRange>(condition.test)) {
    if (schema_ != PayloadSchema::kInteger && schema_ != PayloadSchema::kFloat) return wrong("a numeric range");
    return Status::OK();
  }
  if (std::holds_alternative<DatetimeRange>(condition.test)) {
    if (schema_ != PayloadSchema::kDatetime) return wrong("a datetime range");
    return Status::OK();
  }
  return Status::OK();  // values_count, is_empty, is_null: any field
}

Bitmap FieldIndex::Union(const auto& range) const {
  std::vector<const Bitmap*> parts;
  for (auto it = range.first; it != range.second; ++it) parts.push_back(&it->second);
  if (parts.empty()) return Bitmap();
  if (parts.size() == 1) return *parts[0];
  return Bitmap::fastunion(parts.size(), parts.data());
}

namespace {

// The [lo, hi) iterators of the keys within r's bounds.
template <typename Map, typename Range>
auto Bounds(const Map& map, const Range& r) {
  using It = typename Map::const_iterator;
  auto later = [&](It a, It b) { return a == map.end() || (b != map.end() && b->first < a->first) ? a : b; };
  auto earlier = [&](It a, It b) { return later(a, b) == a ? b : a; };
  It lo = map.begin();
  It hi = map.end();
  if (r.gte) lo = later(lo, map.lower_bound(*r.gte));
  if (r.gt) lo = later(lo, map.upper_bound(*r.gt));
  if (r.lte) hi = earlier(hi, map.upper_bound(*r.lte));
  if (r.lt) hi = earlier(hi, map.lower_bound(*r.lt));
  if (later(lo, hi) == lo) hi = lo;  // empty: lo at or after hi
  return std::make_pair(lo, hi);
}

}  // namespace

std::optional<Bitmap> FieldIndex::Query(const FieldCondition& condition) const {
  if (const auto* m = std::get_if<MatchValue>(&condition.test)) {
    if (const auto* s = std::get_if<std::string>(&m->value)) {
      auto it = strings_.find(*s);
      return it == strings_.end() ? Bitmap() : it->second;
    }
    if (const auto* i = std::get_if<int64_t>(&m->value)) {
      auto it = ints_.find(*i);
      return it == ints_.end() ? Bitmap() : it->second;
    }
    return std::get<bool>(m->value) ? true_ : false_;
  }
  if (const auto* m = std::get_if<MatchAny>(&condition.test)) {
    std::vector<const Bitmap*> parts;
    for (const auto& s : m->strings) {
      if (auto it = strings_.find(s); it != strings_.end()) parts.push_back(&it->second);
    }
    for (int64_t i : m->ints) {
      if (auto it = ints_.find(i); it != ints_.end()) parts.push_back(&it->second);
    }
    if (parts.empty()) return Bitmap();
    return Bitmap::fastunion(parts.size(), parts.data());
  }
  if (const auto* m = std::get_if<MatchExcept>(&condition.test)) {
    std::vector<const Bitmap*> parts{&other_};
    if (!m->ints.empty()) {
      for (const auto& [value, bitmap] : ints_) {
        if (std::find(m->ints.begin(), m->ints.end(), value) == m->ints.end()) parts.push_back(&bitmap);
      }
      // other_ holds every non-null value that is no integer.
    } else {
      for (const auto& [value, bitmap] : strings_) {
        if (std::find(m->strings.begin(), m->strings.end(), value) == m->strings.end()) parts.push_back(&bitmap);
      }
      // An integer index with an empty except list: every integer matches.
      for (const auto& [value, bitmap] : ints_) parts.push_back(&bitmap);
    }
    return Bitmap::fastunion(parts.size(), parts.data());
  }
  if (const auto* r = std::get_if<NumberRange>(&condition.test)) return Union(Bounds(numbers_, *r));
  if (const auto* r = std::get_if<DatetimeRange>(&condition.test)) return Union(Bounds(datetimes_, *r));
  return std::nullopt;
}

}  // namespace sextant
