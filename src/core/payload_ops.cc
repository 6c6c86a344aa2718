#include "core/payload_ops.h"

namespace sextant {

namespace {

// The values reached by steps[0, n) from root. With `create` (set_payload's
// `key`), a missing key is created, and a value of the wrong kind on the way
// is replaced: by an object where the next step is a key or the payload is
// merged there, by an array where the next step indexes one. Elements beyond
// an array's end are not created (no padding: a[1000000] would allocate it).
std::vector<JsonValue*> Reach(JsonValue* root, const std::vector<PathStep>& steps, size_t n, bool create) {
  std::vector<JsonValue*> current{root};
  std::vector<JsonValue*> next;
  for (size_t i = 0; i < n; ++i) {
    const PathStep& step = steps[i];
    const bool need_object = i + 1 == n || steps[i + 1].kind == PathStep::Kind::kKey;
    auto shape = [&](JsonValue* v) {
      if (!create) return;
      if (need_object && !v->is_object()) *v = JsonValue::MakeObject();
      if (!need_object && !v->is_array()) *v = JsonValue::MakeArray();
    };
    next.clear();
    for (JsonValue* v : current) {
      switch (step.kind) {
        case PathStep::Kind::kKey: {
          if (!v->is_object()) break;
          JsonValue* child = v->Find(step.key);
          if (child == nullptr && create) {
            v->Set(step.key, JsonValue());
            child = v->Find(step.key);
          }
          if (child == nullptr) break;
          shape(child);
          next.push_back(child);
          break;
        }
        case PathStep::Kind::kAllElements:
          if (v->is_array()) {
            for (JsonValue& e : v->as_array()) next.push_back(&e);  // elements of another kind: left alone
          }
          break;
        case PathStep::Kind::kElement:
          if (v->is_array() && step.index < v->as_array().size()) {
            JsonValue* e = &v->as_array()[step.index];
            shape(e);
            next.push_back(e);
          }
          break;
      }
    }
    current.swap(next);
  }
  return current;
}

void Merge(const JsonValue& from, JsonValue* into) {
  if (!into->is_object()) return;
  for (const auto& [key, value] : from.as_object()) into->Set(key, value);
}

void DeletePath(const FieldPath& path, JsonValue* payload) {
  if (path.steps.empty()) return;
  const PathStep& last = path.steps.back();
  for (JsonValue* parent : Reach(payload, path.steps, path.steps.size() - 1, false)) {
    switch (last.kind) {
      case PathStep::Kind::kKey:
        if (parent->is_object()) parent->Erase(last.key);
        break;
      case PathStep::Kind::kAllElements:
        if (parent->is_array()) parent->as_array().clear();
        break;
      case PathStep::Kind::kElement:
        if (parent->is_array() && last.index < parent->as_array().size()) {
          parent->as_array().erase(parent->as_array().begin() + static_cast<ptrdiff_t>(last.index));
        }
        break;
    }
  }
}

}  // namespace

void ApplyPayloadOp(const PayloadOp& op, JsonValue* payload) {
  switch (op.kind) {
    case PayloadOp::Kind::kSet:
      if (op.key) {
        for (JsonValue* target : Reach(payload, op.key->steps, op.key->steps.size(), true)) Merge(op.payload, target);
      } else {
        Merge(op.payload, payload);
      }
      return;
    case PayloadOp::Kind::kOverwrite:
      *payload = op.payload;
      return;
    case PayloadOp::Kind::kDeleteKeys:
      for (const FieldPath& key : op.keys) DeletePath(key, payload);
      return;
    case PayloadOp::Kind::kClear:
      *payload = JsonValue::MakeObject();
      return;
  }
}

}  // namespace sextant
