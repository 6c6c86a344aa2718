// The settings of `sextant serve`, from three sources in this order of
// precedence: command-line flags, then environment variables (SEXTANT_*),
// then a TOML config file (--config / SEXTANT_CONFIG), then the defaults
// below. README.md has the table of every setting; keep it in step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace CLI {
class App;
}

namespace sextant::cli {

struct ServeSettings {
  std::string config_file;  // the TOML file, if any
  std::string host = "127.0.0.1";
  uint16_t port = 6333;
  std::string data_dir = "./data";
  size_t threads = 0;  // 0 = one per core
  size_t body_limit_mb = 32;
  std::string log_level = "info";
  std::string log_format = "text";  // text | json (one JSON object a line)
  // Requests whose handler takes at least this long are logged (warn); 0 = off.
  double slow_query_ms = 1000;
  std::string api_key;            // read-write key; empty: no keys
  std::string read_only_api_key;  // needs api_key
  std::string tls_cert_file;      // PEM certificate chain; with tls_key_file: HTTPS only
  std::string tls_key_file;       // PEM private key
};

// Declares every setting on `serve` as a flag with its environment variable.
void AddServeOptions(CLI::App* serve, ServeSettings* settings);

// After `serve` has parsed flags and environment: reads the TOML file at
// `path` (top-level `key = value` lines; keys are the flag names with `_` or
// `-`, e.g. `data_dir = "/var/lib/sextant"`) and applies each value whose
// setting no flag or environment variable gave. Unknown keys, sections and
// bad values are errors (a typo must not silently fall back to a default).
Status ApplyConfigFile(CLI::App* serve, const std::string& path);

// Settings that only make sense together, checked once all sources are in.
Status CheckServeSettings(const ServeSettings& settings);

}  // namespace sextant::cli
