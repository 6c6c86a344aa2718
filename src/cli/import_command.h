// `sextant import`: uploads vector files to a running server through the bulk
// endpoint (POST /collections/{c}/points/bulk), in durable requests of
// `batch` points, with progress, resumable after an interruption.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sextant::cli {

struct ImportOptions {
  std::string url = "http://127.0.0.1:6333";
  std::string collection;
  std::vector<std::string> files;  // .fvecs .bvecs .npy (ids start_id + row), .ndjson/.jsonl (own ids)
  std::string payloads;            // JSONL, line i = payload of vector row i over all files
  uint64_t start_id = 0;
  size_t batch = 10000;            // points per request
  std::string distance;            // create the collection with it if missing
  std::string state_path;          // resume state; default .sextant-import-<collection>.state
  bool restart = false;            // ignore a saved state
};

// Returns the process exit code: 0 when everything is stored; 1 with a
// message on stderr otherwise (what was stored stays, and a rerun resumes).
int RunImport(const ImportOptions& options);

}  // namespace sextant::cli
