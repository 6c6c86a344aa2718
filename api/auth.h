// API keys, as Qdrant has them: a read-write key (`api_key`) and a read-only
// key (`read_only_api_key`), sent in the `api-key` header or as
// `Authorization: Bearer <key>`. With no key configured, everything is open.
// Health probes are always open (Router::AddOpen).
#pragma once

#include <string>
#include <string_view>

namespace sextant::api {

struct ApiKeys {
  std::string read_write;  // empty: no keys at all (read_only is then ignored)
  std::string read_only;   // empty: no read-only key
  bool enabled() const { return !read_write.empty(); }
};

// Equality that takes the same time whatever the position of the first
// difference (the length still shows: keys are not secret in length).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The outcome of checking a request's key against the configured ones.
enum class Access { kAllowed, kMissing, kInvalid, kReadOnly };
// `presented`: the key the client sent ("" when none); `write`: whether the
// route changes anything.
Access CheckAccess(const ApiKeys& keys, std::string_view presented, bool write);

}  // namespace sextant::api
