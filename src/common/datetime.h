// RFC 3339 datetimes, as Qdrant's datetime ranges and datetime payload indexes
// read them: "2023-02-08T10:49:00Z", with fractional seconds and a numeric
// offset ("+01:00"), a space instead of "T", no zone (read as UTC), or a date
// alone ("2023-02-08", midnight UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sextant {

// Microseconds since 1970-01-01T00:00:00Z, or nullopt if `text` is not such a
// datetime (including impossible dates like February 30th).
std::optional<int64_t> ParseDatetime(std::string_view text);

}  // namespace sextant
