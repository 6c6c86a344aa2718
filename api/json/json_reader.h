// Reading request bodies with simdjson (the only JSON parser we use). Every
// helper answers a Status in Qdrant's words for malformed or mistyped input.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"

namespace sextant::api {

using JsonElement = simdjson::dom::element;

// By-value views of an element known to be an array / object. Use these, not
// `e.get_array().value()` in a range-for: that binds to a temporary that dies
// before the loop body runs.
inline simdjson::dom::array AsArray(JsonElement e) {
  simdjson::dom::array a = e.get_array().value();
  return a;
}
inline simdjson::dom::object AsObject(JsonElement e) {
  simdjson::dom::object o = e.get_object().value();
  return o;
}

// "Format error in JSON body: <what>" (HTTP 400).
Status FormatError(const std::string& what);

// Parses a request body with this thread's parser. The element stays valid
// until the same thread parses another body. An empty body reads as {} where
// `empty_is_object` (Qdrant accepts e.g. count and scroll without a body).
// REQUIRES for the result: the root is an object (else FormatError).
Result<JsonElement> ParseBody(const std::string& body, bool empty_is_object = true);

// Parses any JSON value with this thread's parser (as ParseBody). `padded`:
// at least 64 readable bytes follow `text` (api/body/line_reader.h), so it is
// parsed in place without a copy.
Result<JsonElement> ParseDocument(std::string_view text, bool padded);

// The field's value, or nullopt when it is absent or null.
std::optional<JsonElement> Field(JsonElement object, std::string_view key);

Result<bool> ReadBool(JsonElement e, std::string_view what);
Result<uint64_t> ReadUint(JsonElement e, std::string_view what);
Result<double> ReadNumber(JsonElement e, std::string_view what);
Result<std::string_view> ReadString(JsonElement e, std::string_view what);
// An array of numbers; values beyond float range become infinite and are then
// rejected by the collection's vector checks.
Result<std::vector<float>> ReadVector(JsonElement e, std::string_view what);
// An unsigned integer or a UUID string.
Result<PointId> ReadPointId(JsonElement e);
Result<std::vector<PointId>> ReadPointIds(JsonElement e, std::string_view what);

// Which payload keys a response includes: Qdrant's WithPayloadInterface
// (true | false | ["a","b.c"] | {"include":[…]} | {"exclude":[…]}).
struct PayloadSelector {
  enum class Mode { kNone, kAll, kInclude, kExclude };
  Mode mode = Mode::kNone;
  std::vector<std::string> keys;  // dotted paths
  bool wanted() const { return mode != Mode::kNone; }
};
Result<PayloadSelector> ReadPayloadSelector(JsonElement e);
// Qdrant's WithVector: true | false | ["name", …]; we have one unnamed vector.
Result<bool> ReadWithVector(JsonElement e);

// Applies a selector to a stored payload (a minified JSON object).
std::string SelectPayload(std::string_view payload_json, const PayloadSelector& selector);

// Compact JSON text of an element.
std::string Minify(JsonElement e);

}  // namespace sextant::api
