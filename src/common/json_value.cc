#include "common/json_value.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

namespace sextant {

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const Object& members = as_object();
  for (auto it = members.rbegin(); it != members.rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

JsonValue* JsonValue::Find(std::string_view key) {
  return const_cast<JsonValue*>(static_cast<const JsonValue*>(this)->Find(key));
}

void JsonValue::Set(std::string key, JsonValue value) {
  Erase(key);
  as_object().emplace_back(std::move(key), std::move(value));
}

bool JsonValue::Erase(std::string_view key) {
  Object& members = as_object();
  const size_t before = members.size();
  std::erase_if(members, [&](const Member& m) { return m.first == key; });
  return members.size() != before;
}

namespace {

JsonValue FromDom(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return JsonValue();
    case simdjson::dom::element_type::BOOL:
      return JsonValue::Bool(e.get_bool().value());
    case simdjson::dom::element_type::INT64:
      return JsonValue::Int(e.get_int64().value());
    case simdjson::dom::element_type::UINT64:  // above int64 (Qdrant's i64 has no room: never matched)
      return JsonValue::Uint(e.get_uint64().value());
    case simdjson::dom::element_type::DOUBLE:
      return JsonValue::Double(e.get_double().value());
    case simdjson::dom::element_type::STRING:
      return JsonValue::String(std::string(e.get_string().value()));
    case simdjson::dom::element_type::ARRAY: {
      JsonValue::Array out;
      simdjson::dom::array a = e.get_array().value();
      out.reserve(a.size());
      for (simdjson::dom::element x : a) out.push_back(FromDom(x));
      return JsonValue::MakeArray(std::move(out));
    }
    case simdjson::dom::element_type::OBJECT: {
      JsonValue::Object out;
      simdjson::dom::object o = e.get_object().value();
      out.reserve(o.size());
      for (auto [key, value] : o) out.emplace_back(std::string(key), FromDom(value));
      return JsonValue::MakeObject(std::move(out));
    }
  }
  return JsonValue();
}

void Append(std::string* out, const JsonValue& v) {
  char buf[32];
  switch (v.type()) {
    case JsonValue::Type::kNull: out->append("null"); return;
    case JsonValue::Type::kBool: out->append(v.as_bool() ? "true" : "false"); return;
    case JsonValue::Type::kInt: {
      auto r = std::to_chars(buf, buf + sizeof(buf), v.as_int());
      out->append(buf, r.ptr);
      return;
    }
    case JsonValue::Type::kUint: {
      auto r = std::to_chars(buf, buf + sizeof(buf), v.as_uint());
      out->append(buf, r.ptr);
      return;
    }
    case JsonValue::Type::kDouble: {
      const double d = v.as_double();
      if (!std::isfinite(d)) { out->append("null"); return; }  // JSON has no inf/nan
      auto r = std::to_chars(buf, buf + sizeof(buf), d);
      std::string_view text(buf, r.ptr - buf);
      out->append(text);
      // Keep it a float when read back ("1" would come back an integer).
      if (text.find_first_of(".eE") == std::string_view::npos) out->append(".0");
      return;
    }
    case JsonValue::Type::kString: AppendJsonString(out, v.as_string()); return;
    case JsonValue::Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const JsonValue& x : v.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        Append(out, x);
      }
      out->push_back(']');
      return;
    }
    case JsonValue::Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : v.as_object()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(out, key);
        out->push_back(':');
        Append(out, value);
      }
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view value) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : value) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

Result<JsonValue> ParseJson(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text.data(), text.size()).get(root); err) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  return FromDom(root);
}

std::string ToJson(const JsonValue& value) {
  std::string out;
  Append(&out, value);
  return out;
}

}  // namespace sextant
