// The composition root: command line and environment -> Database -> HTTP server.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <thread>

#include "api/handlers/handlers.h"
#include "api/router.h"
#include "api/server.h"
#include "cli/import_command.h"
#include "cli/snapshot_command.h"
#include "core/database.h"

namespace {

constexpr const char* kVersion = "0.1.0";

struct ServeFlags {
  std::string host = "127.0.0.1";
  uint16_t port = 6333;
  std::string data_dir = "./data";
  size_t threads = 0;  // 0 = one per core
  size_t body_limit_mb = 32;
  std::string log_level = "info";
  std::string api_key;            // read-write key; empty: no keys
  std::string read_only_api_key;  // needs api_key
};

int Serve(const ServeFlags& flags) {
  spdlog::set_level(spdlog::level::from_str(flags.log_level));
  if (flags.api_key.empty() && !flags.read_only_api_key.empty()) {
    // A read-only key alone would leave writes open to anyone: refuse to start.
    spdlog::critical("--read-only-api-key needs --api-key (SEXTANT_API_KEY) too");
    return 2;
  }
  const size_t threads =
      flags.threads != 0 ? flags.threads : std::max(1u, std::thread::hardware_concurrency());
  sextant::DatabaseOptions db_options;
  db_options.data_dir = flags.data_dir;
  db_options.build_threads = threads;
  auto db = sextant::Database::Open(db_options);
  if (!db.ok()) {
    spdlog::critical("cannot open data dir {}: {}", flags.data_dir, db.status().ToString());
    return 1;
  }
  sextant::api::Router router;
  sextant::api::RegisterAllRoutes(router, **db, kVersion);
  router.SetApiKeys(sextant::api::ApiKeys{flags.api_key, flags.read_only_api_key});
  sextant::api::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.compute_threads = threads;
  options.io_threads = 1;
  options.body_limit = flags.body_limit_mb << 20;
  sextant::api::HttpServer server(options, router);
  if (auto s = server.Start(); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return 1;
  }
  spdlog::info("sextant {} listening on {}:{} (data in {}, {} threads)", kVersion, flags.host,
               server.port(), flags.data_dir, threads);
  server.Run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sextant - vector search engine (Qdrant-compatible REST API)"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);

  ServeFlags flags;
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP server");
  serve->add_option("--host", flags.host, "Address to listen on")->envname("SEXTANT_HOST")->capture_default_str();
  serve->add_option("--port", flags.port, "Port to listen on (0 = any free port)")
      ->envname("SEXTANT_PORT")->capture_default_str();
  serve->add_option("--data-dir", flags.data_dir, "Where collections are stored")
      ->envname("SEXTANT_DATA_DIR")->capture_default_str();
  serve->add_option("--threads", flags.threads, "Request and indexing threads (0 = one per core)")
      ->envname("SEXTANT_THREADS")->capture_default_str();
  serve->add_option("--body-limit-mb", flags.body_limit_mb, "Largest request body accepted, in MiB")
      ->envname("SEXTANT_BODY_LIMIT_MB")->check(CLI::Range(1, 4096))->capture_default_str();
  serve->add_option("--log-level", flags.log_level, "trace|debug|info|warn|error")
      ->envname("SEXTANT_LOG_LEVEL")->capture_default_str();
  // Keys are best given through the environment: flags show in `ps`.
  serve->add_option("--api-key", flags.api_key, "Read-write API key (api-key header or Authorization: Bearer)")
      ->envname("SEXTANT_API_KEY");
  serve->add_option("--read-only-api-key", flags.read_only_api_key, "Read-only API key (needs --api-key)")
      ->envname("SEXTANT_READ_ONLY_API_KEY");

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
  if (serve->parsed()) return Serve(flags);
  if (import->parsed()) return sextant::cli::RunImport(import_options);
  if (create->parsed()) return sextant::cli::RunSnapshotCreate(create_options);
  if (restore->parsed()) return sextant::cli::RunSnapshotRestore(restore_options);
  return 0;
}
