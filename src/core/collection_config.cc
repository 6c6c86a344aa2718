#include "core/collection_config.h"

#include <charconv>
#include <string_view>

namespace sextant {

namespace {

constexpr size_t kMaxDim = 65536;

size_t KbToPoints(size_t kb, size_t dim) {
  const size_t bytes_per_point = std::max<size_t>(dim * sizeof(float), 1);
  return std::max<size_t>(kb * 1024 / bytes_per_point, 1);
}

}  // namespace

const char* IndexKindName(IndexKind kind) { return kind == IndexKind::kHnsw ? "hnsw" : "ivf"; }

const char* IvfQuantizerName(IvfQuantizer q) {
  switch (q) {
    case IvfQuantizer::kFlat: return "flat";
    case IvfQuantizer::kSq8: return "sq8";
    case IvfQuantizer::kPq: return "pq";
  }
  return "flat";
}

std::optional<IvfQuantizer> ParseIvfQuantizer(std::string_view name) {
  if (name == "flat") return IvfQuantizer::kFlat;
  if (name == "sq8") return IvfQuantizer::kSq8;
  if (name == "pq") return IvfQuantizer::kPq;
  return std::nullopt;
}

const char* WritePolicyName(WritePolicy p) { return p == WritePolicy::kSynced ? "synced" : "async"; }

std::optional<WritePolicy> ParseWritePolicy(std::string_view name) {
  if (name == "synced") return WritePolicy::kSynced;
  if (name == "async") return WritePolicy::kAsync;
  return std::nullopt;
}

size_t OptimizerConfig::IndexingThresholdPoints(size_t dim) const {
  return indexing_threshold_kb == 0 ? SIZE_MAX : KbToPoints(indexing_threshold_kb, dim);
}

size_t OptimizerConfig::MaxSegmentPoints(size_t dim) const {
  return KbToPoints(max_segment_size_kb, dim);
}

Status CollectionConfig::Validate() const {
  if (dim == 0 || dim > kMaxDim) {
    return Status::InvalidArgument("vector size must be between 1 and " + std::to_string(kMaxDim));
  }
  if (hnsw.m < 2 || hnsw.m > 512) return Status::InvalidArgument("hnsw_config.m must be between 2 and 512");
  if (hnsw.ef_construct < 4 || hnsw.ef_construct > 4096) {
    return Status::InvalidArgument("hnsw_config.ef_construct must be between 4 and 4096");
  }
  if (hnsw.ef == 0 || hnsw.ef > 65536) return Status::InvalidArgument("hnsw ef must be between 1 and 65536");
  if (ivf.nlist > 65536) return Status::InvalidArgument("ivf_config.nlist must be at most 65536");
  if (ivf.nprobe > 65536) return Status::InvalidArgument("ivf_config.nprobe must be at most 65536");
  if (ivf.pq_m != 0 && (ivf.pq_m > dim || dim % ivf.pq_m != 0)) {
    return Status::InvalidArgument("ivf_config.pq_m must divide the vector size (" + std::to_string(dim) + ")");
  }
  // The byte codes approximate dot products and squared L2 distances; there is
  // no L1 form of them.
  if (metric == Metric::kManhattan) {
    if (index == IndexKind::kIvf && ivf.quantizer != IvfQuantizer::kFlat) {
      return Status::InvalidArgument("ivf_config.quantizer sq8 and pq support Cosine, Dot and Euclid only");
    }
    if (quantization) return Status::InvalidArgument("quantization_config supports Cosine, Dot and Euclid only");
  }
  if (quantization && !(quantization->quantile >= 0.5f && quantization->quantile <= 1.0f)) {
    return Status::InvalidArgument("quantization_config.scalar.quantile must be between 0.5 and 1");
  }
  if (optimizer.max_segment_size_kb == 0) {
    return Status::InvalidArgument("optimizers_config.max_segment_size must be positive");
  }
  return Status::OK();
}

std::string CollectionConfig::Encode() const {
  std::string out;
  auto put = [&](const char* key, const std::string& v) { out += std::string(key) + "=" + v + "\n"; };
  put("format", "1");
  put("dim", std::to_string(dim));
  put("metric", MetricName(metric));
  put("hnsw.m", std::to_string(hnsw.m));
  put("hnsw.ef_construct", std::to_string(hnsw.ef_construct));
  put("hnsw.ef", std::to_string(hnsw.ef));
  put("hnsw.full_scan_threshold", std::to_string(hnsw.full_scan_threshold));
  put("index", IndexKindName(index));
  put("ivf.nlist", std::to_string(ivf.nlist));
  put("ivf.nprobe", std::to_string(ivf.nprobe));
  put("ivf.quantizer", IvfQuantizerName(ivf.quantizer));
  put("ivf.pq_m", std::to_string(ivf.pq_m));
  if (quantization) {
    put("quantization", "int8");
    char text[32];
    // Shortest text that reads back as the same value (std::to_string rounds
    // to 6 decimals, and a changed quantile would rebuild every segment).
    const auto end = std::to_chars(text, text + sizeof(text), quantization->quantile).ptr;
    put("quantization.quantile", std::string(text, end));
    put("quantization.always_ram", quantization->always_ram ? "1" : "0");
  }
  put("optimizer.indexing_threshold_kb", std::to_string(optimizer.indexing_threshold_kb));
  put("optimizer.max_segment_size_kb", std::to_string(optimizer.max_segment_size_kb));
  put("on_disk_payload", on_disk_payload ? "1" : "0");
  put("write_policy", WritePolicyName(write_policy));
  return out;
}

Result<CollectionConfig> CollectionConfig::Decode(std::string_view text) {
  CollectionConfig c;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    size_t n = 0;
    const bool numeric =
        std::from_chars(value.data(), value.data() + value.size(), n).ec == std::errc();
    if (key == "metric") {
      auto m = ParseMetric(value);
      if (!m) return Status::Corruption("bad metric in stored config");
      c.metric = *m;
    } else if (key == "index") {
      if (value != "hnsw" && value != "ivf") return Status::Corruption("bad index kind in stored config");
      c.index = value == "hnsw" ? IndexKind::kHnsw : IndexKind::kIvf;
    } else if (key == "ivf.quantizer") {
      auto q = ParseIvfQuantizer(value);
      if (!q) return Status::Corruption("bad ivf quantizer in stored config");
      c.ivf.quantizer = *q;
    } else if (key == "quantization") {
      if (value != "int8") return Status::Corruption("bad quantization in stored config");
      if (!c.quantization) c.quantization.emplace();
    } else if (key == "quantization.quantile") {
      double q = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), q).ec != std::errc()) {
        return Status::Corruption("bad quantile in stored config");
      }
      if (!c.quantization) c.quantization.emplace();
      c.quantization->quantile = q;
    } else if (key == "quantization.always_ram") {
      if (!c.quantization) c.quantization.emplace();
      c.quantization->always_ram = value == "1";
    } else if (key == "on_disk_payload") {
      c.on_disk_payload = value == "1";
    } else if (key == "write_policy") {
      auto p = ParseWritePolicy(value);
      if (!p) return Status::Corruption("bad write policy in stored config");
      c.write_policy = *p;
    } else if (!numeric) {
      continue;
    } else if (key == "dim") {
      c.dim = n;
    } else if (key == "hnsw.m") {
      c.hnsw.m = n;
    } else if (key == "hnsw.ef_construct") {
      c.hnsw.ef_construct = n;
    } else if (key == "hnsw.ef") {
      c.hnsw.ef = n;
    } else if (key == "hnsw.full_scan_threshold") {
      c.hnsw.full_scan_threshold = n;
    } else if (key == "ivf.nlist") {
      c.ivf.nlist = n;
    } else if (key == "ivf.nprobe") {
      c.ivf.nprobe = n;
    } else if (key == "ivf.pq_m") {
      c.ivf.pq_m = n;
    } else if (key == "optimizer.indexing_threshold_kb") {
      c.optimizer.indexing_threshold_kb = n;
    } else if (key == "optimizer.max_segment_size_kb") {
      c.optimizer.max_segment_size_kb = n;
    }
  }
  RETURN_IF_ERROR(c.Validate().WithContext("stored config"));
  return c;
}

// How the collection's config says a sealed segment is built.
IndexSpec SegmentIndexSpec(const CollectionConfig& config, size_t build_threads) {
  IndexSpec spec;
  spec.build_threads = build_threads;
  if (config.index == IndexKind::kIvf) {
    spec.kind = IndexSpec::Kind::kIvf;
    spec.nlist = config.ivf.nlist;
    // Not baked into the index: every search passes the config's nprobe
    // (0: the segment's nlist/8), so an update applies to old segments too.
    spec.nprobe = 0;
    spec.pq_m = config.ivf.pq_m;
    switch (config.ivf.quantizer) {
      case IvfQuantizer::kFlat: spec.codes = Codes::kNone; break;
      case IvfQuantizer::kSq8: spec.codes = Codes::kSq8; break;
      case IvfQuantizer::kPq: spec.codes = Codes::kPq; break;
    }
  } else {
    spec.kind = IndexSpec::Kind::kHnsw;
    spec.m = config.hnsw.m;
    spec.ef_construct = config.hnsw.ef_construct;
    spec.ef_search = config.hnsw.ef;
    if (config.quantization) {
      spec.codes = Codes::kSq8;
      spec.quantile = static_cast<float>(config.quantization->quantile);
    }
  }
  return spec;
}

}  // namespace sextant
