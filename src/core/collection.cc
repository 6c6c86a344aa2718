// Collection: creating, opening, info and lifetime. Writes are in
// collection_write.cc, reads in collection_read.cc, indexing in
// collection_optimize.cc, recovery at open in collection_recovery.cc.
#include "core/collection.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "core/optimizer.h"
#include "index/index_factory.h"
#include "storage/coding.h"
#include "storage/collection_store.h"
#include "storage/segment_file.h"

namespace sextant {

namespace fs = std::filesystem;

namespace {
constexpr const char* kConfigKey = "config";
constexpr const char* kNameKey = "name";
}  // namespace

Collection::Collection(std::string dir, std::string name, CollectionConfig config, Env env,
                       std::unique_ptr<CollectionStore> store)
    : dir_(std::move(dir)),
      name_(std::move(name)),
      config_(std::move(config)),
      env_(env),
      store_(std::move(store)) {
  growing_ = NewGrowingSegment();
  segments_.push_back(growing_);
}

Collection::~Collection() {
  if (!dropped_ && drift_) FlushDriftQueue();  // what the worker did not get to
  if (!dropped_ && drift_ && drift_->dirty()) {
    Status s = SaveDrift();
    if (!s.ok()) spdlog::warn("collection {}: could not save drift statistics: {}", name_, s.ToString());
  }
  store_.reset();  // close RocksDB before its directory can go
  if (dropped_) {
    // The DELETED marker makes the next open finish this if it fails.
    Status s = RemoveDirectory(dir_);
    if (!s.ok()) spdlog::warn("could not remove {}: {}", dir_, s.ToString());
  }
}

Result<std::shared_ptr<Collection>> Collection::Create(const std::string& dir,
                                                       const std::string& name,
                                                       const CollectionConfig& config,
                                                       const Env& env) {
  RETURN_IF_ERROR(config.Validate());
  std::error_code ec;
  if (fs::exists(dir, ec)) return Status::AlreadyExists("directory exists: " + dir);
  fs::create_directories(dir + "/segments", ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message());
  StoreOptions options;
  options.faults = env.faults;
  ASSIGN_OR_RETURN(auto store, CollectionStore::Open(dir + "/store", options));
  store->SetSynced(config.write_policy == WritePolicy::kSynced);
  // The config is written last: a directory without it is an unfinished create,
  // which Database::Open removes.
  RETURN_IF_ERROR(store->PutMeta(kNameKey, name));
  RETURN_IF_ERROR(store->PutMeta(kConfigKey, config.Encode()));
  std::shared_ptr<Collection> c(new Collection(dir, name, config, env, std::move(store)));
  RETURN_IF_ERROR(c->LoadDrift());
  return c;
}

Result<std::shared_ptr<Collection>> Collection::Open(const std::string& dir, const Env& env,
                                                     const std::string* rename_to) {
  StoreOptions options;
  options.create_if_missing = false;
  options.faults = env.faults;
  // A store has a CURRENT file once RocksDB has created it: without one, a
  // create stopped before the store existed (Database::Open removes such a
  // directory).
  std::error_code ec;
  if (!fs::exists(dir + "/store/CURRENT", ec) && !ec) return Status::NotFound("no collection store in " + dir);
  ASSIGN_OR_RETURN(auto store, CollectionStore::Open(dir + "/store", options));
  ASSIGN_OR_RETURN(auto name, store->GetMeta(kNameKey));
  ASSIGN_OR_RETURN(auto encoded, store->GetMeta(kConfigKey));
  if (!name || !encoded) return Status::NotFound("no collection config in " + dir);
  if (rename_to != nullptr && *rename_to != *name) {
    RETURN_IF_ERROR(store->PutMeta(kNameKey, *rename_to));
    name = *rename_to;
  }
  ASSIGN_OR_RETURN(CollectionConfig config, CollectionConfig::Decode(*encoded));
  store->SetSynced(config.write_policy == WritePolicy::kSynced);
  std::shared_ptr<Collection> c(new Collection(dir, *name, config, env, std::move(store)));
  RETURN_IF_ERROR(c->Recover());
  RETURN_IF_ERROR(c->LoadDrift());
  // Work a restart cut short: a frozen segment, or a rebuild after a config
  // update (the config is the new one, the loaded segments the old ones).
  if (c->Info().status == CollectionInfo::Status::kYellow) c->Schedule();
  return c;
}

std::shared_ptr<Segment> Collection::NewGrowingSegment() {
  auto index = MakeIndex(IndexSpec::Flat(), config_.dim, config_.metric, 0);
  // MakeIndex(Flat) only fails on dim 0, which Validate() rules out.
  return std::make_shared<Segment>(next_segment_id_++, Segment::State::kGrowing,
                                   std::move(index).value());
}

std::vector<std::shared_ptr<Segment>> Collection::SegmentsSnapshot() const {
  std::shared_lock<std::shared_mutex> lock(segments_mu_);
  return segments_;
}

size_t Collection::Count() const {
  std::shared_lock<std::shared_mutex> lock(ids_mu_);
  return id_to_offset_.size();
}

CollectionConfig Collection::config() const {
  std::shared_lock<std::shared_mutex> lock(config_mu_);
  return config_;
}

Status Collection::UpdateConfig(const std::function<Status(CollectionConfig*)>& edit) {
  std::lock_guard<std::mutex> update(config_update_mu_);
  CollectionConfig next = config();
  RETURN_IF_ERROR(edit(&next));
  if (next.dim != config_.dim || next.metric != config_.metric || next.write_policy != config_.write_policy) {
    return Status::InvalidArgument("the vector size, distance and write policy of a collection cannot change");
  }
  RETURN_IF_ERROR(next.Validate());
  RETURN_IF_ERROR(store_->PutMeta(kConfigKey, next.Encode()));
  {
    // Field by field: the fields that never change are read without the lock.
    std::unique_lock<std::shared_mutex> lock(config_mu_);
    config_.index = next.index;
    config_.hnsw = next.hnsw;
    config_.ivf = next.ivf;
    config_.quantization = next.quantization;
    config_.optimizer = next.optimizer;
    config_.on_disk_payload = next.on_disk_payload;
  }
  Schedule();  // rebuild what the new config builds otherwise
  return Status::OK();
}

StoreSizes Collection::GetStoreSizes() const {
  const CollectionStore::Sizes s = store_->GetSizes();
  return StoreSizes{s.sst_bytes, s.memtable_bytes, s.live_data_bytes};
}

CollectionInfo Collection::Info() const {
  CollectionInfo info;
  info.config = config();
  info.points_count = Count();
  const IndexSpec target = SegmentIndexSpec(info.config, env_.build_threads);
  for (const auto& s : SegmentsSnapshot()) {
    ++info.segments_count;
    if (s->state() == Segment::State::kIndexed) info.indexed_vectors_count += s->index().size();
    // Yellow while a segment waits for its index or for a rebuild.
    if (s->state() == Segment::State::kFrozen ||
        (s->state() == Segment::State::kIndexed && !s->spec().BuildsSameAs(target))) {
      info.status = CollectionInfo::Status::kYellow;
    }
  }
  std::shared_lock<std::shared_mutex> schema(schema_mu_);
  std::shared_lock<std::shared_mutex> payload(payload_mu_);
  for (const auto& [field, entry] : field_indexes_) {
    if (!entry.index) continue;  // the first index on the field is still being built
    info.payload_schema.push_back({field, PayloadSchemaName(entry.index->schema()), entry.index->Points(live_)});
  }
  return info;
}

Status Collection::MarkDropped() {
  std::lock_guard<std::mutex> lock(write_mu_);  // no new write may start
  std::lock_guard<std::mutex> apply_lock(apply_mu_);  // none is half-applied
  std::FILE* f = std::fopen((dir_ + "/DELETED").c_str(), "w");
  if (f == nullptr) return Status::IOError("cannot mark " + dir_ + " deleted");
  const bool ok = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok) return Status::IOError("cannot sync deletion marker in " + dir_);
  RETURN_IF_ERROR(SyncDirectory(dir_));  // the marker's name too, not only its bytes
  dropped_ = true;
  return Status::OK();
}

void Collection::Schedule() {
  if (env_.optimizer != nullptr) env_.optimizer->Schedule(weak_from_this());
}

}  // namespace sextant
