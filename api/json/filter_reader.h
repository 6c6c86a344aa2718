// Reading Qdrant's Filter from a request body (core/filter.h). Strict, as
// Qdrant's deserializer is: unknown keys, unknown conditions, values of the
// wrong type, malformed ranges and datetimes, and nesting deeper than
// kMaxFilterDepth are refused with a 400 that names what is wrong.
#pragma once

#include <memory>

#include "api/json/json_reader.h"
#include "common/status.h"
#include "core/filter.h"

namespace sextant::api {

// A filter value; nullptr for {} (every point matches).
Result<std::shared_ptr<const Filter>> ReadFilter(JsonElement e);
// The body's `filter` field, if present and not null.
Result<std::shared_ptr<const Filter>> ReadFilterField(JsonElement body);

}  // namespace sextant::api
