// Setting up a collection on a running server for the HTTP sweep: create it
// with the engine's configuration, upload the base vectors (ids = row
// numbers), and wait until it is indexed; plus the server's memory.
#pragma once

#include <string>

#include "common/status.h"
#include "common/types.h"
#include "sextant_bench/http_connection.h"
#include "sextant_bench/vectors.h"

namespace sextant::bench {

struct CollectionSetup {
  std::string name;
  std::string engine;                // sextant-hnsw | sextant-ivf | sextant-exact
  std::string quantization = "off";  // off | sq8 (hnsw, ivf) | pq (ivf)
  Metric metric = Metric::kEuclid;
  size_t dim = 0;
  size_t m = 16, ef_construct = 200;
  size_t nlist = 0;                   // 0 = the server's automatic nlist
  long indexing_threshold_kb = -1;    // -1 = the server's default
};

// The PUT /collections/{name} body for `setup` (sextant-exact: indexing off,
// every search exact). InvalidArgument for a quantization the engine lacks.
Result<std::string> CreateBody(const CollectionSetup& setup);

struct UploadTimes {
  double upload_s = 0;  // until the upload returned: every point durable and searchable
  double green_s = 0;   // from then until GET /collections/{name} says green (indexed)
};

enum class UploadPath {
  kBulk,    // one POST /points/bulk?format=f32 body (raw float32)
  kPoints,  // PUT /points?wait=true, 1,000 points a request, from `clients` connections
};

// Creates the collection, uploads `base` (ids = row numbers), waits until it is
// green, holds every point and, when `base` is above the indexing threshold,
// has indexed vectors (at most `green_timeout_s`). Request bodies are built
// before the clock. AlreadyExists when the server has a collection of that
// name: sextant-bench never deletes what it did not create.
Result<UploadTimes> CreateAndUpload(const std::string& url, const std::string& api_key,
                                    const CollectionSetup& setup, const Vectors& base, UploadPath path,
                                    size_t clients, double green_timeout_s);

// DELETE /collections/{name}; OK when it is gone (or was never there).
Status DeleteCollection(const std::string& url, const std::string& api_key, const std::string& name);

// Resident memory of the server in MiB: `process_resident_memory_bytes` from
// GET /metrics when the server exports it, else NaN (the report leaves it empty).
double ServerMemoryMiB(HttpConnection& http);

}  // namespace sextant::bench
