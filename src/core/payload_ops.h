// Qdrant's payload operations on one payload (set with an optional nested key,
// overwrite, delete keys, clear). The collection applies them to each selected
// point as a new version of the point (core/collection_payload.cc).
#pragma once

#include "common/json_value.h"
#include "core/point_types.h"

namespace sextant {

// REQUIRES: payload->is_object(), op.payload.is_object().
void ApplyPayloadOp(const PayloadOp& op, JsonValue* payload);

}  // namespace sextant
