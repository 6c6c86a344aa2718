// Shared pieces of the handlers: the JSON handler wrapper (timing, envelope,
// error mapping) and writers for points and records.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "api/http_types.h"
#include "api/json/filter_reader.h"
#include "api/json/json_reader.h"
#include "api/json/json_writer.h"
#include "api/router.h"
#include "common/status.h"
#include "core/point_types.h"

namespace sextant::api {

// Wraps a function returning the `result` JSON into a Handler that times it and
// answers the envelope, or the error envelope through error_mapping.
Handler JsonHandler(std::function<Result<std::string>(const HttpRequest&)> fn);

// Writes a point id as Qdrant does: a number or a UUID string.
void WritePointId(JsonWriter& w, const PointId& id);
void WriteVector(JsonWriter& w, const std::vector<float>& v);
void WriteScoredPoint(JsonWriter& w, const ScoredPoint& p, const PayloadSelector& payload);
void WriteRecord(JsonWriter& w, const Record& r, const PayloadSelector& payload);

// A point's vector: a list, or {"": list} (Qdrant's map of named vectors
// with the default name).
Result<std::vector<float>> ReadPointVector(JsonElement e, std::string_view what);
// A point's payload: an object (minified), or empty when absent.
Result<std::string> ReadPayload(std::optional<JsonElement> e, std::string_view what);

// A point object {"id", "vector", "payload"} (Qdrant's PointStruct), as
// upserts and NDJSON bulk lines send it. REQUIRES: `p` is an object.
Result<PointInput> ReadPointStruct(JsonElement p);

// `wait` query parameter: true | false (default false, as Qdrant's server).
Result<bool> ReadWaitParam(const HttpRequest& request);
// {"operation_id": seq, "status": "completed" | "acknowledged"}
std::string UpdateResultJson(SeqNo seq, bool wait);

// The points a write applies to: `points` (ids) or `filter`, one of the two.
Result<PointSelector> ReadPointSelector(JsonElement body);

}  // namespace sextant::api
