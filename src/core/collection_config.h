// CollectionConfig: what a collection is, fixed when it is created.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/types.h"
#include "index/index.h"

namespace sextant {

struct HnswConfig {
  // Defaults chosen on real data (glove100, 100k, cosine; see README "Defaults"):
  // m=16/ef_construct=100 (Qdrant's) reaches only ~0.90 recall@10 there.
  size_t m = 32;               // links per node (2*m on the base layer)
  size_t ef_construct = 200;   // beam width while building
  size_t ef = 128;             // default search beam width (params.hnsw_ef overrides)
  size_t full_scan_threshold = 10000;  // KB; Qdrant's field, kept for compatibility
  bool operator==(const HnswConfig&) const = default;
};

// Which index a collection's sealed segments get.
enum class IndexKind { kHnsw, kIvf };
const char* IndexKindName(IndexKind kind);

// What an IVF segment scans in its inverted lists (our extension, `ivf_config`).
enum class IvfQuantizer {
  kFlat,  // the float vectors: exact distances within the probed lists
  kSq8,   // one byte per dimension (per-dimension range), rescored with floats
  kPq,    // product quantization codes (FAISS codebooks, on residuals), rescored
};
const char* IvfQuantizerName(IvfQuantizer q);
std::optional<IvfQuantizer> ParseIvfQuantizer(std::string_view name);

struct IvfConfig {
  // Lists per segment; 0 = chosen per segment when it is trained:
  // min(4*sqrt(n), n/39) (FAISS's advice: 39+ training points per list).
  size_t nlist = 0;
  // Lists a search scans (params.ivf_nprobe overrides); 0 = nlist/8 of each
  // segment, which gives recall@10 >= 0.95 on glove100 and siftsmall.
  size_t nprobe = 0;
  IvfQuantizer quantizer = IvfQuantizer::kFlat;
  // PQ sub-quantizers (must divide the dimension); 0 = the divisor of the
  // dimension nearest to dim/4 (4 dimensions, one byte per code).
  size_t pq_m = 0;
  bool operator==(const IvfConfig&) const = default;
};

// Qdrant's `quantization_config.scalar` (type int8): HNSW segments walk one
// byte per dimension and rescore the candidates with the float vectors.
struct ScalarQuantization {
  double quantile = 0.99;  // share of each dimension's values inside the code range
  bool always_ram = true;  // reported only: codes always live in memory
  bool operator==(const ScalarQuantization&) const = default;
};

struct OptimizerConfig {
  // A growing segment is sealed and indexed once its vectors take this many KB
  // (Qdrant's unit). 0 disables indexing: every segment stays exact.
  size_t indexing_threshold_kb = 10000;
  // Sealed segments are extended up to this size (KB of vectors), then a new one starts.
  size_t max_segment_size_kb = 400000;
  size_t flush_interval_sec = 5;  // reported only (writes are synced)
  size_t default_segment_number = 0;  // reported only
  // Rows per point after which a growing segment is sealed, from the KB figure.
  size_t IndexingThresholdPoints(size_t dim) const;
  size_t MaxSegmentPoints(size_t dim) const;
};

// When a write is acknowledged (an extension in `wal_config.write_policy`).
enum class WritePolicy {
  kSynced,  // after fsync of the WAL: survives power loss (default); concurrent
            // writers share fsyncs
  kAsync,   // after the write reached the OS: survives a crash of the server
            // process (kill -9), not of the machine
};
const char* WritePolicyName(WritePolicy p);
std::optional<WritePolicy> ParseWritePolicy(std::string_view name);

struct CollectionConfig {
  size_t dim = 0;
  Metric metric = Metric::kCosine;
  IndexKind index = IndexKind::kHnsw;
  HnswConfig hnsw;
  IvfConfig ivf;  // used when index == kIvf
  std::optional<ScalarQuantization> quantization;  // HNSW segments only
  OptimizerConfig optimizer;
  bool on_disk_payload = true;  // reported only: payloads always live in RocksDB
  WritePolicy write_policy = WritePolicy::kSynced;

  Status Validate() const;
  // Text form persisted in the collection's store ("key=value" lines). Unknown
  // keys are ignored when decoding, so newer versions can add fields.
  std::string Encode() const;
  static Result<CollectionConfig> Decode(std::string_view text);
};

// How a sealed segment of a collection with this config is built.
IndexSpec SegmentIndexSpec(const CollectionConfig& config, size_t build_threads);

}  // namespace sextant
