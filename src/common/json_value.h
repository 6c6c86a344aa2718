// JsonValue: an owned JSON tree for payloads.
//
// Payloads are stored as minified JSON text (storage/collection_store.h). The
// filter evaluator, the payload indexes and the payload operations (set, delete
// keys) read them as a tree; this is that tree. Object members keep their order
// so that a payload written back after an edit keeps the client's key order.
// Numbers keep their kind: an integer (fits int64) is not a float, because
// Qdrant's `match` is type-strict (1 != 1.0 != "1").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace sextant {

class JsonValue {
 public:
  using Array = std::vector<JsonValue>;
  using Member = std::pair<std::string, JsonValue>;
  using Object = std::vector<Member>;
  // kUint: an integer above INT64_MAX (kept exact; never equal to a match value).
  enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject, kUint };

  JsonValue() = default;  // null
  static JsonValue Bool(bool b) { return JsonValue(b); }
  static JsonValue Int(int64_t i) { return JsonValue(i); }
  static JsonValue Double(double d) { return JsonValue(d); }
  static JsonValue Uint(uint64_t u) { return JsonValue(u); }
  static JsonValue String(std::string s) { return JsonValue(std::move(s)); }
  static JsonValue MakeArray(Array a = {}) { return JsonValue(std::move(a)); }
  static JsonValue MakeObject(Object o = {}) { return JsonValue(std::move(o)); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_uint() const { return type() == Type::kUint; }
  bool is_number() const { return is_int() || is_double() || is_uint(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  uint64_t as_uint() const { return std::get<uint64_t>(v_); }
  // Any kind of number as a double (what ranges compare).
  double as_number() const {
    if (is_int()) return static_cast<double>(as_int());
    if (is_uint()) return static_cast<double>(as_uint());
    return as_double();
  }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Object member lookup (the last one if a key repeats, as JSON parsers keep);
  // nullptr if this is not an object or has no such key.
  const JsonValue* Find(std::string_view key) const;
  JsonValue* Find(std::string_view key);
  // Sets (replacing) or appends a member. REQUIRES: is_object().
  void Set(std::string key, JsonValue value);
  // Removes every member with this key; false if there was none. REQUIRES: is_object().
  bool Erase(std::string_view key);

  bool operator==(const JsonValue& o) const { return v_ == o.v_; }

 private:
  explicit JsonValue(bool b) : v_(b) {}
  explicit JsonValue(int64_t i) : v_(i) {}
  explicit JsonValue(double d) : v_(d) {}
  explicit JsonValue(std::string s) : v_(std::move(s)) {}
  explicit JsonValue(Array a) : v_(std::move(a)) {}
  explicit JsonValue(Object o) : v_(std::move(o)) {}
  explicit JsonValue(uint64_t u) : v_(u) {}
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object, uint64_t> v_;
};

// Parses JSON text. Integers beyond int64 are kept as kUint. InvalidArgument on
// malformed text.
Result<JsonValue> ParseJson(std::string_view text);
// Minified JSON text; doubles in the shortest form that reads back exactly.
std::string ToJson(const JsonValue& value);
// Appends `value` as a quoted, escaped JSON string (ToJson and the API's
// JsonWriter both write strings with it).
void AppendJsonString(std::string* out, std::string_view value);

}  // namespace sextant
