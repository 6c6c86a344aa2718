// The HTTP sweep: against a running server, per engine x quantization, create
// a collection, upload the base vectors (timing the upload and the wait until
// green and indexed), run the queries at every ef (params.hnsw_ef) or nprobe
// (params.ivf_nprobe) from `load.clients` keep-alive connections, add one row
// with params.exact, then delete the collection.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "sextant_bench/http_collection.h"
#include "sextant_bench/sweep.h"

namespace sextant::bench {

struct HttpOptions {
  std::string url;      // http://host[:port] of the running server
  std::string api_key;  // sent as the `api-key` header when not empty
  // Which collections to sweep: sextant-hnsw (params.hnsw_ef), sextant-ivf
  // (ivf_config, params.ivf_nprobe). Each with every quantization it has.
  std::vector<std::string> engines = {"sextant-hnsw"};
  bool exact_row = true;  // one "sextant-exact" row (params.exact) on the first collection
  bool keep = false;      // leave the collections on the server
  // Collections are named <prefix>_<hnsw|ivf>_<quantization>.
  std::string collection_prefix = "sextant_bench";
  // The collection's optimizers_config.indexing_threshold (KB); -1 = a tenth
  // of the base vectors' size, at most the server's default of 10,000 KB, so
  // that small sets are indexed too (below the threshold a segment stays exact).
  long indexing_threshold_kb = -1;
  UploadPath upload = UploadPath::kBulk;
  double green_timeout_s = 3600;  // give up waiting for green after this long
};

// The engines RunOverHttp knows.
const std::vector<std::string>& HttpEngines();

// One row per (engine, quantization, parameter value), plus the exact row.
// build_s is the time from the start of the upload until the collection was
// green and indexed, upload_s until the upload returned, memory_mb the
// server's resident memory after indexing (empty unless /metrics exports
// process_resident_memory_bytes). Errors: the server unreachable or refusing
// a request; AlreadyExists when a collection of the name exists.
Result<std::vector<ResultRow>> RunOverHttp(const SweepData& data, const SweepOptions& options,
                                           const HttpOptions& http, const RowSink& sink);

}  // namespace sextant::bench
