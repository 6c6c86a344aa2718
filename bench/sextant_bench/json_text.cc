#include "sextant_bench/json_text.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace sextant::bench {

void AppendJsonFloats(std::string* out, const float* values, size_t n) {
  out->push_back('[');
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    if (i) out->push_back(',');
    auto r = std::to_chars(buf, buf + sizeof(buf), values[i]);
    out->append(buf, r.ptr);
  }
  out->push_back(']');
}

void AppendJsonString(std::string* out, const std::string& text) {
  out->push_back('"');
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, r.ptr);
}

std::string JsonStringAt(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) return "";
  std::string_view value;
  if (doc.at_pointer(pointer).get_string().get(value) != simdjson::SUCCESS) return "";
  return std::string(value);
}

std::optional<uint64_t> JsonUintAt(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) return std::nullopt;
  uint64_t value = 0;
  if (doc.at_pointer(pointer).get_uint64().get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

struct SearchResultParser::Impl {
  simdjson::dom::parser parser;
};

SearchResultParser::SearchResultParser() : impl_(std::make_unique<Impl>()) {}
SearchResultParser::~SearchResultParser() = default;

Status SearchResultParser::Ids(const std::string& response, std::vector<int64_t>* ids) {
  simdjson::dom::element doc;
  simdjson::dom::array result;
  if (impl_->parser.parse(response).get(doc) != simdjson::SUCCESS || doc["result"].get_array().get(result) != simdjson::SUCCESS) {
    return Status::Corruption("not a search response: " + response.substr(0, 200));
  }
  for (simdjson::dom::element point : result) {
    uint64_t id = 0;
    if (point["id"].get_uint64().get(id) != simdjson::SUCCESS) {
      return Status::Corruption("a result without an integer id: " + response.substr(0, 200));
    }
    ids->push_back(int64_t(id));
  }
  return Status::OK();
}

}  // namespace sextant::bench
