#include "api/auth.h"

namespace sextant::api {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Every byte is compared; `volatile` keeps the compiler from stopping early.
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

Access CheckAccess(const ApiKeys& keys, std::string_view presented, bool write) {
  if (!keys.enabled()) return Access::kAllowed;
  if (presented.empty()) return Access::kMissing;
  // Both comparisons always run, so the time does not tell which key matched.
  const bool read_write = ConstantTimeEquals(presented, keys.read_write);
  const bool read_only = !keys.read_only.empty() && ConstantTimeEquals(presented, keys.read_only);
  if (read_write) return Access::kAllowed;
  if (read_only) return write ? Access::kReadOnly : Access::kAllowed;
  return Access::kInvalid;
}

}  // namespace sextant::api
