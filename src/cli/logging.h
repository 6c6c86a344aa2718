// Logging for `sextant serve`: spdlog's default logger with the configured
// level, as text for people or as one JSON object a line for log shippers.
#pragma once

#include <string>

#include "common/status.h"

namespace sextant::cli {

// `level`: trace|debug|info|warn|error|critical|off; `format`: text|json.
// JSON lines look like
//   {"time":"2026-11-22T18:00:00.123+00:00","level":"info","thread":123,"msg":"..."}
// with the message escaped, and the time in UTC.
Status ConfigureLogging(const std::string& level, const std::string& format);

}  // namespace sextant::cli
