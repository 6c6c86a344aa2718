#include "cli/serve_settings.h"

#include <CLI/CLI.hpp>
#include <algorithm>

namespace sextant::cli {

void AddServeOptions(CLI::App* serve, ServeSettings* s) {
  serve->add_option("--config", s->config_file,
                    "TOML config file (flags and SEXTANT_* environment variables override it)")
      ->envname("SEXTANT_CONFIG")->check(CLI::ExistingFile);
  serve->add_option("--host", s->host, "Address to listen on")->envname("SEXTANT_HOST")->capture_default_str();
  serve->add_option("--port", s->port, "Port to listen on (0 = any free port)")
      ->envname("SEXTANT_PORT")->capture_default_str();
  serve->add_option("--data-dir", s->data_dir, "Where collections are stored")
      ->envname("SEXTANT_DATA_DIR")->capture_default_str();
  serve->add_option("--threads", s->threads, "Request and indexing threads (0 = one per core)")
      ->envname("SEXTANT_THREADS")->check(CLI::Range(0, 1024))->capture_default_str();
  serve->add_option("--body-limit-mb", s->body_limit_mb, "Largest request body accepted, in MiB")
      ->envname("SEXTANT_BODY_LIMIT_MB")->check(CLI::Range(1, 4096))->capture_default_str();
  serve->add_option("--log-level", s->log_level, "trace|debug|info|warn|error|critical|off")
      ->envname("SEXTANT_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  serve->add_option("--log-format", s->log_format, "text, or json (one JSON object a line)")
      ->envname("SEXTANT_LOG_FORMAT")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  serve->add_option("--slow-query-ms", s->slow_query_ms,
                    "Log requests that take at least this many milliseconds (0 = off)")
      ->envname("SEXTANT_SLOW_QUERY_MS")->check(CLI::NonNegativeNumber)->capture_default_str();
  // Keys are best given through the environment or the file: flags show in `ps`.
  serve->add_option("--api-key", s->api_key, "Read-write API key (api-key header or Authorization: Bearer)")
      ->envname("SEXTANT_API_KEY");
  serve->add_option("--read-only-api-key", s->read_only_api_key, "Read-only API key (needs --api-key)")
      ->envname("SEXTANT_READ_ONLY_API_KEY");
  serve->add_option("--tls-cert", s->tls_cert_file, "PEM certificate chain: serve HTTPS (needs --tls-key)")
      ->envname("SEXTANT_TLS_CERT")->check(CLI::ExistingFile);
  serve->add_option("--tls-key", s->tls_key_file, "PEM private key of --tls-cert")
      ->envname("SEXTANT_TLS_KEY")->check(CLI::ExistingFile);
}

Status ApplyConfigFile(CLI::App* serve, const std::string& path) {
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::Error& e) {
    return Status::InvalidArgument("config file " + path + ": " + e.what());
  }
  for (const CLI::ConfigItem& item : items) {
    if (!item.parents.empty() || item.name == "++" || item.name == "--") {
      return Status::InvalidArgument("config file " + path + ": sections are not supported ([" +
                                     (item.parents.empty() ? item.name : item.parents.front()) +
                                     "]); put every setting at the top level");
    }
    std::string flag = item.name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    CLI::Option* option = flag == "config" ? nullptr : serve->get_option_no_throw("--" + flag);
    if (option == nullptr) {
      return Status::InvalidArgument("config file " + path + ": unknown setting '" + item.name +
                                     "' (see `sextant serve --help`)");
    }
    if (option->count() > 0) continue;  // a flag or an environment variable said otherwise
    try {
      option->add_result(item.inputs);
      option->run_callback();
    } catch (const CLI::Error& e) {
      return Status::InvalidArgument("config file " + path + ": " + item.name + ": " + e.what());
    }
  }
  return Status::OK();
}

Status CheckServeSettings(const ServeSettings& s) {
  if (s.api_key.empty() && !s.read_only_api_key.empty()) {
    // A read-only key alone would leave writes open to anyone.
    return Status::InvalidArgument("read_only_api_key needs api_key (SEXTANT_API_KEY) too");
  }
  if (s.tls_cert_file.empty() != s.tls_key_file.empty()) {
    return Status::InvalidArgument("TLS needs both tls_cert and tls_key");
  }
  return Status::OK();
}

}  // namespace sextant::cli
