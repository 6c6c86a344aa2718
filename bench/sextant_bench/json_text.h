// The little JSON sextant-bench writes and reads: float arrays out (shortest
// round-trip form), values and search-result ids in (simdjson).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace sextant::bench {

// Appends [v0,v1,...] with each float in its shortest round-trip form.
void AppendJsonFloats(std::string* out, const float* values, size_t n);

// Appends `text` as a JSON string literal (quoted, escaped).
void AppendJsonString(std::string* out, const std::string& text);

// A number as JSON: shortest round-trip form; NaN and infinity as null.
std::string JsonNumber(double value);

// The string at a JSON pointer ("/result/status"); "" when absent, not a
// string, or the text is not JSON.
std::string JsonStringAt(const std::string& json, const char* pointer);

// The unsigned integer at a JSON pointer; nullopt when absent or not one.
std::optional<uint64_t> JsonUintAt(const std::string& json, const char* pointer);

// Parses reusable per thread: the ids of a search response's "result" list
// (POST /points/search), in order. Corruption if the response is not that.
class SearchResultParser {
 public:
  SearchResultParser();
  ~SearchResultParser();
  Status Ids(const std::string& response, std::vector<int64_t>* ids);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::bench
