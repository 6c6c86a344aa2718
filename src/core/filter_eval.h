// The plain filter evaluator: does one point (id + payload) satisfy a filter?
// It defines the semantics (core/filter.h); payload indexes must agree with it
// on every input (tests/core/filter_property_test.cc checks they do). Used
// for conditions no payload index serves, and to re-check a point whose
// payload may have changed since its filter was resolved.
#pragma once

#include <vector>

#include "common/json_value.h"
#include "core/filter.h"

namespace sextant {

// The values at `path` in `root`: objects are entered by key, arrays by []
// (every element) or [n]; a resulting value that is an array stands for its
// elements (one level), as Qdrant matches arrays by any element.
void ResolvePath(const JsonValue& root, const FieldPath& path, std::vector<const JsonValue*>* out);

bool Matches(const Filter& filter, const PointId& id, const JsonValue& payload);
bool Matches(const Condition& condition, const PointId& id, const JsonValue& payload);
bool Matches(const FieldCondition& condition, const JsonValue& payload);

}  // namespace sextant
