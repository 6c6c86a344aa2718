#include "core/segment_persistence.h"

#include <cinttypes>
#include <cstdio>

#include "index/index_factory.h"
#include "storage/coding.h"
#include "storage/segment_file.h"

namespace sextant {

namespace {

constexpr uint32_t kManifestVersion = 1;
// Version 1 (HNSW only, no codes) is still read.
constexpr uint32_t kSegmentHeaderVersion = 2;

class ManifestReader {
 public:
  explicit ManifestReader(std::string_view data) : data_(data) {}
  bool U32(uint32_t* v) {
    if (data_.size() < 4) return false;
    *v = DecodeFixed32(data_.data());
    data_.remove_prefix(4);
    return true;
  }
  bool U64(uint64_t* v) {
    if (data_.size() < 8) return false;
    *v = DecodeFixed64(data_.data());
    data_.remove_prefix(8);
    return true;
  }
  bool Bytes(size_t n, std::string* out) {
    if (data_.size() < n) return false;
    out->assign(data_.substr(0, n));
    data_.remove_prefix(n);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

uint32_t KindCode(IndexSpec::Kind kind) {
  switch (kind) {
    case IndexSpec::Kind::kFlat: return 0;
    case IndexSpec::Kind::kHnsw: return 1;
    case IndexSpec::Kind::kIvf: return 2;
  }
  return 0;
}

}  // namespace

std::string SegmentManifest::Encode() const {
  std::string out;
  PutFixed32(&out, kManifestVersion);
  PutFixed64(&out, replay_from);
  PutFixed64(&out, next_file_number);
  PutFixed32(&out, static_cast<uint32_t>(files.size()));
  for (const SegmentFileRecord& f : files) {
    PutFixed32(&out, static_cast<uint32_t>(f.name.size()));
    out.append(f.name);
    PutFixed64(&out, f.size);
    PutFixed64(&out, f.checksum);
  }
  return out;
}

Result<SegmentManifest> SegmentManifest::Decode(std::string_view data) {
  ManifestReader r(data);
  SegmentManifest m;
  uint32_t version = 0, count = 0;
  if (!r.U32(&version)) return Status::Corruption("segment manifest truncated");
  if (version != kManifestVersion) {
    return Status::Corruption("segment manifest format " + std::to_string(version) + " unknown");
  }
  if (!r.U64(&m.replay_from) || !r.U64(&m.next_file_number) || !r.U32(&count)) {
    return Status::Corruption("segment manifest truncated");
  }
  for (uint32_t i = 0; i < count; ++i) {
    SegmentFileRecord f;
    uint32_t len = 0;
    if (!r.U32(&len) || len > 255 || !r.Bytes(len, &f.name) || !r.U64(&f.size) || !r.U64(&f.checksum)) {
      return Status::Corruption("segment manifest truncated");
    }
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name[0] == '.') {
      return Status::Corruption("segment manifest names an invalid file");
    }
    m.files.push_back(std::move(f));
  }
  if (!r.done()) return Status::Corruption("segment manifest has trailing bytes");
  return m;
}

std::string SegmentFileName(uint64_t n) {
  char name[32];
  std::snprintf(name, sizeof(name), "seg-%06" PRIu64 ".idx", n);
  return name;
}

Result<SegmentFileRecord> SaveSegmentFile(const std::string& dir, const std::string& name,
                                          const Index& index, const IndexSpec& spec, SeqNo first_seq,
                                          SeqNo last_seq) {
  ASSIGN_OR_RETURN(auto writer, SegmentFileWriter::Create(dir, name));
  const std::string metric = MetricName(index.metric());
  RETURN_IF_ERROR(WriteValue(*writer, kSegmentHeaderVersion));
  RETURN_IF_ERROR(WriteValue(*writer, KindCode(spec.kind)));
  RETURN_IF_ERROR(WriteValue(*writer, static_cast<uint32_t>(index.dim())));
  RETURN_IF_ERROR(WriteValue(*writer, static_cast<uint32_t>(metric.size())));
  RETURN_IF_ERROR(writer->Write(metric.data(), metric.size()));
  RETURN_IF_ERROR(WriteValue(*writer, uint64_t{spec.m}));
  RETURN_IF_ERROR(WriteValue(*writer, uint64_t{spec.ef_construct}));
  RETURN_IF_ERROR(WriteValue(*writer, uint64_t{spec.seed}));
  RETURN_IF_ERROR(WriteValue(*writer, static_cast<uint32_t>(spec.codes)));
  RETURN_IF_ERROR(WriteValue(*writer, spec.quantile));
  RETURN_IF_ERROR(WriteValue(*writer, uint64_t{spec.nlist}));
  RETURN_IF_ERROR(WriteValue(*writer, uint64_t{spec.pq_m}));
  RETURN_IF_ERROR(WriteValue(*writer, uint64_t{first_seq}));
  RETURN_IF_ERROR(WriteValue(*writer, uint64_t{last_seq}));
  RETURN_IF_ERROR(WriteValue(*writer, uint64_t{index.size()}));
  RETURN_IF_ERROR(index.Save(*writer));
  ASSIGN_OR_RETURN(SegmentFileInfo info, writer->Commit());
  return SegmentFileRecord{name, info.size, info.checksum};
}

Result<LoadedSegment> LoadSegmentFile(const std::string& dir, const SegmentFileRecord& record,
                                      const CollectionConfig& config, size_t build_threads) {
  const std::string path = dir + "/" + record.name;
  ASSIGN_OR_RETURN(auto reader, SegmentFileReader::Open(path));
  if (reader->info().size != record.size || reader->info().checksum != record.checksum) {
    return Status::Corruption("segment file " + path + " is not the one the manifest lists");
  }
  uint32_t version = 0, kind = 0, dim = 0, metric_len = 0, codes = 0;
  uint64_t m = 0, ef_construct = 0, seed = 0, nlist = 0, pq_m = 0, count = 0;
  float quantile = 0.99f;
  LoadedSegment loaded;
  RETURN_IF_ERROR(ReadValue(*reader, &version));
  if (version != 1 && version != kSegmentHeaderVersion) {
    return Status::Corruption(path + ": unknown segment header format");
  }
  RETURN_IF_ERROR(ReadValue(*reader, &kind));
  RETURN_IF_ERROR(ReadValue(*reader, &dim));
  RETURN_IF_ERROR(ReadValue(*reader, &metric_len));
  if (metric_len > 32) return Status::Corruption(path + ": bad metric name");
  std::string metric(metric_len, '\0');
  RETURN_IF_ERROR(reader->Read(metric.data(), metric_len));
  RETURN_IF_ERROR(ReadValue(*reader, &m));
  RETURN_IF_ERROR(ReadValue(*reader, &ef_construct));
  RETURN_IF_ERROR(ReadValue(*reader, &seed));
  if (version >= 2) {
    RETURN_IF_ERROR(ReadValue(*reader, &codes));
    RETURN_IF_ERROR(ReadValue(*reader, &quantile));
    RETURN_IF_ERROR(ReadValue(*reader, &nlist));
    RETURN_IF_ERROR(ReadValue(*reader, &pq_m));
  }
  RETURN_IF_ERROR(ReadValue(*reader, &loaded.first_seq));
  RETURN_IF_ERROR(ReadValue(*reader, &loaded.last_seq));
  RETURN_IF_ERROR(ReadValue(*reader, &count));
  if (dim != config.dim || metric != MetricName(config.metric)) {
    return Status::Corruption(path + ": segment of another dimension or metric than the collection");
  }
  // The file says how its index was built: a segment built before a config
  // change loads as it was, and the optimizer rebuilds it (OptimizeStep).
  IndexSpec spec;
  if (kind == KindCode(IndexSpec::Kind::kHnsw)) {
    spec.kind = IndexSpec::Kind::kHnsw;
    if (codes != static_cast<uint32_t>(Codes::kNone) && codes != static_cast<uint32_t>(Codes::kSq8)) {
      return Status::Corruption(path + ": hnsw segment with unknown codes");
    }
  } else if (kind == KindCode(IndexSpec::Kind::kIvf)) {
    spec.kind = IndexSpec::Kind::kIvf;
    if (codes > static_cast<uint32_t>(Codes::kPq)) return Status::Corruption(path + ": ivf segment with unknown codes");
  } else {
    return Status::Corruption(path + ": unknown segment index kind");
  }
  if (m < 2 || m > 512 || nlist > 65536 || (pq_m != 0 && dim % pq_m != 0) ||
      !(quantile >= 0.5f && quantile <= 1.0f) ||
      (codes != static_cast<uint32_t>(Codes::kNone) && config.metric == Metric::kManhattan)) {
    return Status::Corruption(path + ": segment index parameters out of range");
  }
  spec.m = m;
  spec.ef_construct = ef_construct;
  spec.seed = seed;
  spec.codes = static_cast<Codes>(codes);
  spec.quantile = quantile;
  spec.nlist = nlist;
  spec.pq_m = pq_m;
  spec.ef_search = config.hnsw.ef;
  spec.nprobe = 0;  // searches pass the collection's (SegmentIndexSpec)
  spec.build_threads = build_threads;  // used when the segment is extended
  auto index = LoadIndex(spec, config.dim, config.metric, *reader);
  if (!index.ok() && index.status().code() == Status::Code::kInvalidArgument) {
    // The header named an index this collection cannot have: damage.
    return Status::Corruption(path + ": " + index.status().ToString());
  }
  ASSIGN_OR_RETURN(loaded.index, std::move(index));
  // Nothing read is used unless the whole file checks out.
  RETURN_IF_ERROR(reader->Finish());
  if (loaded.index->size() != count) return Status::Corruption(path + ": vector count differs from header");
  loaded.spec = spec;
  return loaded;
}

}  // namespace sextant
