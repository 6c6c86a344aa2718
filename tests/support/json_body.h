// Helpers for end-to-end tests: JSON bodies out, simdjson in.
#pragma once

#include <simdjson.h>

#include <charconv>
#include <string>
#include <vector>

namespace sextant::testing {

// The value at a JSON pointer ("/result/name") of a response: a string's
// text, anything else minified; "" when there is none.
inline std::string JsonAt(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  auto e = doc.at_pointer(pointer);
  if (e.error()) return "";
  if (e.is_string()) return std::string(std::string_view(e.get_string().value()));
  return simdjson::minify(e.value());
}

inline void AppendFloats(std::string* out, const float* v, size_t dim) {
  out->push_back('[');
  char buf[32];
  for (size_t i = 0; i < dim; ++i) {
    if (i) out->push_back(',');
    auto r = std::to_chars(buf, buf + sizeof(buf), v[i]);
    out->append(buf, r.ptr);
  }
  out->push_back(']');
}

// {"batch":{"ids":[first..],"vectors":[...]}} for rows [begin, end).
inline std::string BatchBody(const float* data, size_t dim, size_t begin, size_t end) {
  std::string body = "{\"batch\":{\"ids\":[";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) body.push_back(',');
    body.append(std::to_string(i));  // not `"," + s`: GCC 12's spurious -Wrestrict
  }
  body += "],\"vectors\":[";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) body.push_back(',');
    AppendFloats(&body, data + i * dim, dim);
  }
  body += "]}}";
  return body;
}

// The ids of each result list in a search/batch response.
inline std::vector<std::vector<int64_t>> BatchResultIds(const std::string& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(response);
  std::vector<std::vector<int64_t>> out;
  for (simdjson::dom::element list : doc["result"].get_array()) {
    std::vector<int64_t> ids;
    for (simdjson::dom::element p : list.get_array()) ids.push_back(int64_t(p["id"].get_uint64()));
    out.push_back(std::move(ids));
  }
  return out;
}

}  // namespace sextant::testing
