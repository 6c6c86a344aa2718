#include "api/json/json_reader.h"

#include <cmath>
#include <limits>

#include "api/json/json_writer.h"

namespace sextant::api {

namespace {

simdjson::dom::parser& BodyParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

simdjson::dom::parser& PayloadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

std::string TypeName(JsonElement e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return "an integer";
    case simdjson::dom::element_type::DOUBLE: return "a number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "unknown";
}

Status TypeError(std::string_view what, const char* expected, JsonElement got) {
  return FormatError(std::string(what) + ": expected " + expected + ", got " + TypeName(got));
}

}  // namespace

Status FormatError(const std::string& what) {
  return Status::InvalidArgument("Format error in JSON body: " + what);
}

Result<JsonElement> ParseBody(const std::string& body, bool empty_is_object) {
  static const std::string kEmpty = "{}";
  const std::string& text =
      (empty_is_object && body.find_first_not_of(" \t\r\n") == std::string::npos) ? kEmpty : body;
  JsonElement root;
  auto error = BodyParser().parse(text).get(root);
  if (error) return FormatError(simdjson::error_message(error));
  if (!root.is_object()) return FormatError("expected a JSON object, got " + TypeName(root));
  return root;
}

Result<JsonElement> ParseDocument(std::string_view text, bool padded) {
  JsonElement root;
  auto error = BodyParser().parse(text.data(), text.size(), !padded).get(root);
  if (error) return FormatError(simdjson::error_message(error));
  return root;
}

std::optional<JsonElement> Field(JsonElement object, std::string_view key) {
  JsonElement value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  if (value.is_null()) return std::nullopt;
  return value;
}

Result<bool> ReadBool(JsonElement e, std::string_view what) {
  if (!e.is_bool()) return TypeError(what, "a boolean", e);
  return e.get_bool().value();
}

Result<uint64_t> ReadUint(JsonElement e, std::string_view what) {
  if (e.is_uint64()) return e.get_uint64().value();
  if (e.is_int64()) {
    return FormatError(std::string(what) + ": expected a non-negative integer, got " +
                       std::to_string(e.get_int64().value()));
  }
  return TypeError(what, "a non-negative integer", e);
}

Result<double> ReadNumber(JsonElement e, std::string_view what) {
  if (!e.is_number()) return TypeError(what, "a number", e);
  return e.get_double().value();
}

Result<std::string_view> ReadString(JsonElement e, std::string_view what) {
  if (!e.is_string()) return TypeError(what, "a string", e);
  return e.get_string().value();
}

Result<std::vector<float>> ReadVector(JsonElement e, std::string_view what) {
  if (!e.is_array()) return TypeError(what, "an array of numbers", e);
  simdjson::dom::array arr = AsArray(e);
  std::vector<float> v;
  v.reserve(arr.size());
  for (JsonElement x : arr) {
    if (!x.is_number()) return TypeError(std::string(what) + " element", "a number", x);
    v.push_back(static_cast<float>(x.get_double().value()));
  }
  return v;
}

Result<PointId> ReadPointId(JsonElement e) {
  if (e.is_uint64()) return PointId::Num(e.get_uint64().value());
  if (e.is_string()) {
    const std::string_view text = e.get_string().value();
    if (auto id = PointId::ParseUuid(text)) return *id;
    return Status::InvalidArgument("Format error in JSON body: value " + std::string(text) +
                                   " is not a valid point ID, valid values are either an "
                                   "unsigned integer or a UUID");
  }
  return Status::InvalidArgument("Format error in JSON body: value " + Minify(e) +
                                 " is not a valid point ID, valid values are either an unsigned "
                                 "integer or a UUID");
}

Result<std::vector<PointId>> ReadPointIds(JsonElement e, std::string_view what) {
  if (!e.is_array()) return TypeError(what, "an array of point ids", e);
  std::vector<PointId> ids;
  for (JsonElement x : AsArray(e)) {
    ASSIGN_OR_RETURN(PointId id, ReadPointId(x));
    ids.push_back(id);
  }
  return ids;
}

namespace {

Result<std::vector<std::string>> ReadStringList(JsonElement e, std::string_view what) {
  if (!e.is_array()) return TypeError(what, "an array of strings", e);
  std::vector<std::string> out;
  for (JsonElement x : AsArray(e)) {
    ASSIGN_OR_RETURN(std::string_view s, ReadString(x, what));
    out.emplace_back(s);
  }
  return out;
}

}  // namespace

Result<PayloadSelector> ReadPayloadSelector(JsonElement e) {
  PayloadSelector sel;
  if (e.is_bool()) {
    sel.mode = e.get_bool().value() ? PayloadSelector::Mode::kAll : PayloadSelector::Mode::kNone;
    return sel;
  }
  if (e.is_array()) {
    sel.mode = PayloadSelector::Mode::kInclude;
    ASSIGN_OR_RETURN(sel.keys, ReadStringList(e, "with_payload"));
    return sel;
  }
  if (e.is_object()) {
    size_t fields = 0;
    for (auto [key, value] : AsObject(e)) {
      ++fields;
      if (key == "include") {
        sel.mode = PayloadSelector::Mode::kInclude;
      } else if (key == "exclude") {
        sel.mode = PayloadSelector::Mode::kExclude;
      } else {
        return FormatError("with_payload: unknown field `" + std::string(key) + "`");
      }
      ASSIGN_OR_RETURN(sel.keys, ReadStringList(value, "with_payload." + std::string(key)));
    }
    if (fields != 1) return FormatError("with_payload: expected exactly one of include/exclude");
    return sel;
  }
  return TypeError("with_payload", "a boolean, a list of keys or {include|exclude}", e);
}

Result<bool> ReadWithVector(JsonElement e) {
  if (e.is_bool()) return e.get_bool().value();
  if (e.is_array()) {
    // Named vectors: our only vector is the unnamed default ("").
    for (JsonElement x : AsArray(e)) {
      ASSIGN_OR_RETURN(std::string_view name, ReadString(x, "with_vector"));
      if (!name.empty()) return Status::InvalidArgument("Wrong input: Not existing vector name error: " + std::string(name));
    }
    return AsArray(e).size() > 0;
  }
  return TypeError("with_vector", "a boolean or a list of vector names", e);
}

namespace {

// Writes the members of `object` selected by `paths` (dotted, relative to it).
void WriteSelected(JsonWriter& w, simdjson::dom::object object,
                   const std::vector<std::string_view>& paths, bool include) {
  w.BeginObject();
  for (auto [key, value] : object) {
    bool whole = false;
    std::vector<std::string_view> rest;
    for (std::string_view p : paths) {
      if (p == key) {
        whole = true;
      } else if (p.size() > key.size() && p.substr(0, key.size()) == key && p[key.size()] == '.') {
        rest.push_back(p.substr(key.size() + 1));
      }
    }
    if (include) {
      if (whole) {
        w.Key(key).Raw(Minify(value));
      } else if (!rest.empty() && value.is_object()) {
        w.Key(key);
        WriteSelected(w, AsObject(value), rest, true);
      }
    } else {
      if (whole) continue;
      w.Key(key);
      if (!rest.empty() && value.is_object()) {
        WriteSelected(w, AsObject(value), rest, false);
      } else {
        w.Raw(Minify(value));
      }
    }
  }
  w.EndObject();
}

}  // namespace

std::string SelectPayload(std::string_view payload_json, const PayloadSelector& selector) {
  if (selector.mode == PayloadSelector::Mode::kAll) return std::string(payload_json);
  JsonElement root;
  if (PayloadParser().parse(payload_json.data(), payload_json.size()).get(root) ||
      !root.is_object()) {
    return "{}";  // stored payloads are validated objects; cannot happen
  }
  std::vector<std::string_view> paths(selector.keys.begin(), selector.keys.end());
  JsonWriter w;
  WriteSelected(w, AsObject(root), paths,
                selector.mode == PayloadSelector::Mode::kInclude);
  return w.Take();
}

std::string Minify(JsonElement e) { return simdjson::minify(e); }

}  // namespace sextant::api
