// The composition root: flags, environment and config file -> Database -> HTTP server.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "api/handlers/handlers.h"
#include "api/router.h"
#include "api/server.h"
#include "cli/import_command.h"
#include "cli/logging.h"
#include "cli/serve_settings.h"
#include "cli/snapshot_command.h"
#include "common/malloc_arenas.h"
#include "core/database.h"

namespace {

constexpr const char* kVersion = "0.1.0";

int Serve(const sextant::cli::ServeSettings& settings) {
  if (auto s = sextant::cli::ConfigureLogging(settings.log_level, settings.log_format); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 2;
  }
  if (auto s = sextant::cli::CheckServeSettings(settings); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 2;
  }
  const size_t threads =
      settings.threads != 0 ? settings.threads : std::max(1u, std::thread::hardware_concurrency());
  if (auto error = sextant::LimitMallocArenas(std::max<size_t>(2, threads)); !error.empty()) {
    spdlog::warn("{}", error);
  }
  sextant::DatabaseOptions db_options;
  db_options.data_dir = settings.data_dir;
  db_options.build_threads = threads;
  auto db = sextant::Database::Open(db_options);
  if (!db.ok()) {
    spdlog::critical("cannot open data dir {}: {}", settings.data_dir, db.status().ToString());
    return 1;
  }
  sextant::api::Router router;
  sextant::api::RegisterAllRoutes(router, **db, kVersion);
  router.SetApiKeys(sextant::api::ApiKeys{settings.api_key, settings.read_only_api_key});
  router.SetSlowQueryThreshold(std::chrono::duration<double, std::milli>(settings.slow_query_ms));
  sextant::api::ServerOptions options;
  options.host = settings.host;
  options.port = settings.port;
  options.compute_threads = threads;
  options.io_threads = 1;
  options.body_limit = settings.body_limit_mb << 20;
  options.tls_cert_file = settings.tls_cert_file;
  options.tls_key_file = settings.tls_key_file;
  sextant::api::HttpServer server(options, router);
  if (auto s = server.Start(); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return 1;
  }
  spdlog::info("sextant {} listening on {}://{}:{} (data in {}, {} threads{})", kVersion,
               options.tls_cert_file.empty() ? "http" : "https", settings.host, server.port(),
               settings.data_dir, threads, settings.api_key.empty() ? "" : ", API keys required");
  server.Run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sextant - vector search engine (Qdrant-compatible REST API)"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);

  sextant::cli::ServeSettings settings;
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP server");
  sextant::cli::AddServeOptions(serve, &settings);

  sextant::cli::ImportOptions import_options;
  CLI::App* import = app.add_subcommand(
      "import", "Upload vector files to a running server (fvecs, bvecs, npy: ids start-id + row; NDJSON lines "
                "{\"id\",\"vector\",\"payload\"}); resumes where an interrupted run stopped");
  import->add_option("--collection", import_options.collection, "Collection to upload into")->required();
  import->add_option("files", import_options.files, "Files to upload, in order")->required()->check(CLI::ExistingFile);
  import->add_option("--url", import_options.url, "Server")->envname("SEXTANT_URL")->capture_default_str();
  import->add_option("--payloads", import_options.payloads, "JSONL file: line i is the payload of vector row i")
      ->check(CLI::ExistingFile);
  import->add_option("--start-id", import_options.start_id, "Id of the first vector row")->capture_default_str();
  import->add_option("--batch", import_options.batch, "Points per request (each one durable)")
      ->check(CLI::Range(1, 1000000))->capture_default_str();
  import->add_option("--distance", import_options.distance,
                     "Create the collection with this distance (Cosine, Euclid, Dot, Manhattan) if it is missing");
  import->add_option("--state", import_options.state_path,
                     "Resume state file (default .sextant-import-<collection>.state)");
  import->add_flag("--restart", import_options.restart, "Ignore the resume state and upload everything again");

  CLI::App* snapshot = app.add_subcommand("snapshot", "Create or restore snapshots of a data directory (offline)");
  snapshot->require_subcommand(1);
  sextant::cli::SnapshotOptions create_options, restore_options;
  CLI::App* create = snapshot->add_subcommand("create", "Snapshot a collection (or everything, --full)");
  create->add_option("--data-dir", create_options.data_dir, "Data directory")->capture_default_str();
  create->add_option("--collection", create_options.collection, "Collection to snapshot");
  create->add_flag("--full", create_options.full, "Snapshot every collection");
  create->add_option("--output", create_options.file, "Also copy the snapshot file here");
  CLI::App* restore = snapshot->add_subcommand("restore", "Restore a snapshot file (replaces a collection of the name)");
  restore->add_option("--data-dir", restore_options.data_dir, "Data directory")->capture_default_str();
  restore->add_option("--collection", restore_options.collection, "Collection to restore into");
  restore->add_flag("--full", restore_options.full, "The file is a full-storage snapshot");
  restore->add_option("--checksum", restore_options.checksum, "Expected SHA-256 of the file");
  restore->add_option("file", restore_options.file, "Snapshot file")->required()->check(CLI::ExistingFile);

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) {
    if (!settings.config_file.empty()) {
      if (auto s = sextant::cli::ApplyConfigFile(serve, settings.config_file); !s.ok()) {
        std::fprintf(stderr, "sextant serve: %s\n", s.message().c_str());
        return 2;
      }
    }
    return Serve(settings);
  }
  if (import->parsed()) return sextant::cli::RunImport(import_options);
  if (create->parsed()) return sextant::cli::RunSnapshotCreate(create_options);
  if (restore->parsed()) return sextant::cli::RunSnapshotRestore(restore_options);
  return 0;
}
