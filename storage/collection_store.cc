// The only file that includes RocksDB. Its errors become Status here.
#include "storage/collection_store.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "storage/coding.h"

namespace sextant {

namespace {

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  // A file the store's own records list is missing: the store is damaged (a
  // snapshot restored without one, say), not the disk failing.
  if (s.IsCorruption() || s.IsPathNotFound()) return Status::Corruption(msg);
  if (s.IsIOError() || s.IsNoSpace()) return Status::IOError(msg);
  if (s.IsBusy() || s.IsTryAgain()) return Status::Busy(msg);
  return Status::Internal(msg);
}

// 3: op-log records of format 2 (storage/op_log.h). A format-2 store (format
// 1 op-log records only) is read and marked 3 at open, so that an older
// sextant refuses it up front rather than at the first new op-log record.
constexpr char kStoreFormat[] = "3";
constexpr char kPreviousStoreFormat[] = "2";
constexpr char kStoreFormatKey[] = "mstore_format";

std::string IdKey(char prefix, const PointId& id) {
  std::string key(1, prefix);
  PutPointId(&key, id);
  return key;
}

std::optional<PointId> DecodeIdKey(char prefix, std::string_view key) {
  if (key.empty() || key[0] != prefix) return std::nullopt;
  key.remove_prefix(1);
  PointId id;
  if (!GetPointId(&key, &id) || !key.empty()) return std::nullopt;
  return id;
}

std::string EncodePoint(const PointWrite& p) {
  std::string value;
  value.reserve(8 + p.vector.size() * 4 + p.payload.size());
  PutFixed32(&value, p.offset);
  PutFixed32(&value, static_cast<uint32_t>(p.vector.size()));
  // x86-64 is little-endian, which is the on-disk order.
  value.append(reinterpret_cast<const char*>(p.vector.data()), p.vector.size() * sizeof(float));
  value.append(p.payload);
  return value;
}

Result<StoredPoint> DecodePoint(const PointId& id, std::string_view value) {
  if (value.size() < 8) return Status::Corruption("point record too short");
  const uint32_t dim = DecodeFixed32(value.data() + 4);
  if (value.size() < 8 + size_t{dim} * 4) return Status::Corruption("point record truncated");
  StoredPoint p;
  p.id = id;
  p.offset = DecodeFixed32(value.data());
  p.vector.resize(dim);
  std::memcpy(p.vector.data(), value.data() + 8, size_t{dim} * 4);
  p.payload.assign(value.substr(8 + size_t{dim} * 4));
  return p;
}

// Appends rather than `"m" + std::string(name)`, which trips GCC 12's spurious
// -Wrestrict (GCC PR 105329).
std::string MetaKey(std::string_view name) {
  std::string key = "m";
  key.append(name);
  return key;
}

std::string_view View(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// StorageFaults behind RocksDB's file system: writes and syncs of every file
// opened for writing fail with "no space" while the flag is set.
class FaultyWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::shared_ptr<StorageFaults> faults)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(std::move(faults)) {}
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return Full();
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return Full();
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return Full();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return Full();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  static rocksdb::IOStatus Full() { return rocksdb::IOStatus::NoSpace("injected: no space left on device"); }
  std::shared_ptr<StorageFaults> faults_;
};

class FaultyFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base, std::shared_ptr<StorageFaults> faults)
      : FileSystemWrapper(base), faults_(std::move(faults)) {}
  const char* Name() const override { return "SextantFaultyFileSystem"; }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = FileSystemWrapper::NewWritableFile(name, options, &file, dbg);
    if (s.ok()) *result = std::make_unique<FaultyWritableFile>(std::move(file), faults_);
    return s;
  }

 private:
  std::shared_ptr<StorageFaults> faults_;
};

// One write interleaves point keys of two kinds ("p" + id, "x" + id). By
// default the memtable keeps one insert position, which each change of kind
// throws away: a full skip-list search per key, most of a bulk write's CPU.
// With this, the memtable keeps an insert position per kind, so a run of
// ascending ids costs a few comparisons a key. Only the two point kinds are in
// its domain: RocksDB 7.8 uses the same position table for range deletions
// (the op-log trim), whose skip list is another one, and fails an assertion
// (or worse) if a hinted kind is range-deleted.
class PointKeyKind final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "sextant.PointKeyKind"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return rocksdb::Slice(key.data(), 1); }
  bool InDomain(const rocksdb::Slice& key) const override {
    return !key.empty() && (key[0] == 'p' || key[0] == 'x');
  }
};

class RocksCollectionStore final : public CollectionStore {
 public:
  RocksCollectionStore(std::unique_ptr<rocksdb::Env> env, std::unique_ptr<rocksdb::DB> db)
      : env_(std::move(env)), db_(std::move(db)) {
    append_options_.sync = false;  // Sync() makes writes durable, for many at once
    Publish(TakeSnapshot());
  }

  ~RocksCollectionStore() override {
    view_.reset();  // snapshots must be released before the DB closes
    // A clean close writes the memtables out, so that the next open does not
    // replay the WAL (seconds for a large collection). Best effort: the WAL
    // holds everything anyway.
    rocksdb::FlushOptions flush;
    flush.allow_write_stall = true;
    db_->Flush(flush).PermitUncheckedError();
  }

  Status PutMeta(std::string_view name, std::string_view value) override {
    rocksdb::WriteOptions wo;
    wo.sync = true;  // metadata is rare and must never be lost
    return FromRocks(db_->Put(wo, MetaKey(name), rocksdb::Slice(value.data(), value.size())), "put meta");
  }

  Result<std::optional<std::string>> GetMeta(std::string_view name) override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), MetaKey(name), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    RETURN_IF_ERROR(FromRocks(s, "get meta"));
    return std::optional<std::string>(std::move(value));
  }

  Result<WriteTicket> Append(const WriteOp& op) override {
    {
      std::lock_guard<std::mutex> lock(sync_mu_);
      if (!sync_error_.ok()) return sync_error_;
    }
    // One record per write: the op-log format has one type per record.
    if (!op.upserts.empty() && !op.deletes.empty()) {
      return Status::InvalidArgument("a write either upserts or deletes, not both");
    }
    rocksdb::WriteBatch batch;
    auto put = [&batch](const std::string& key, const std::string& value) {
      return FromRocks(batch.Put(key, value), "batch put");
    };
    std::string seq_value, next_offset_value;
    PutFixed64(&seq_value, op.seq);
    PutFixed32(&next_offset_value, op.next_offset);
    RETURN_IF_ERROR(put("mseq", seq_value));
    RETURN_IF_ERROR(put("mnext_offset", next_offset_value));
    if (!op.upserts.empty()) RETURN_IF_ERROR(put(OpLogKey(op.seq), EncodeUpsertOp(op.upserts)));
    if (!op.deletes.empty()) RETURN_IF_ERROR(put(OpLogKey(op.seq), EncodeDeleteOp(op.deletes)));
    for (const PointId& id : op.deletes) {
      RETURN_IF_ERROR(FromRocks(batch.Delete(IdKey('p', id)), "batch delete"));
      RETURN_IF_ERROR(FromRocks(batch.Delete(IdKey('x', id)), "batch delete"));
    }
    for (const PointWrite& p : op.upserts) {
      std::string id_map;
      PutFixed32(&id_map, p.offset);
      PutFixed64(&id_map, op.seq);
      RETURN_IF_ERROR(put(IdKey('p', p.id), EncodePoint(p)));
      RETURN_IF_ERROR(put(IdKey('x', p.id), id_map));
    }
    RETURN_IF_ERROR(FromRocks(db_->Write(append_options_, &batch), "write"));
    return db_->GetLatestSequenceNumber();
  }

  void SetSynced(bool synced) override { synced_ = synced; }

  Status Sync(WriteTicket ticket) override {
    std::unique_lock<std::mutex> lock(sync_mu_);
    while (true) {
      if (!sync_error_.ok()) return sync_error_;
      if (durable_ >= ticket) return Status::OK();
      if (!syncing_) break;
      sync_cv_.wait(lock);  // a leader is syncing; it may cover this ticket too
    }
    // Lead one sync for every write appended so far. The snapshot is taken
    // first, so it holds exactly the writes the fsync below makes durable.
    syncing_ = true;
    lock.unlock();
    std::shared_ptr<const rocksdb::Snapshot> snapshot = TakeSnapshot();
    const WriteTicket covered = snapshot->GetSequenceNumber();
    const Status s = synced_.load() ? FromRocks(db_->SyncWAL(), "sync WAL") : Status::OK();
    if (s.ok()) Publish(std::move(snapshot));
    lock.lock();
    syncing_ = false;
    if (s.ok()) {
      durable_ = std::max(durable_, covered);
    } else {
      sync_error_ = Status::IOError("writes refused after a failed WAL sync (restart to recover): " +
                                    s.message());
    }
    sync_cv_.notify_all();
    if (!s.ok()) return s;
    return durable_ >= ticket ? Status::OK() : Status::Internal("sync did not cover the write");
  }

  Result<std::optional<StoredPoint>> Get(const PointId& id) override {
    const ReadView view = CurrentView();
    std::string value;
    auto s = db_->Get(view.options, IdKey('p', id), &value);
    if (s.IsNotFound()) return std::optional<StoredPoint>();
    RETURN_IF_ERROR(FromRocks(s, "get point"));
    ASSIGN_OR_RETURN(StoredPoint p, DecodePoint(id, value));
    return std::optional<StoredPoint>(std::move(p));
  }

  Result<std::vector<std::optional<StoredPoint>>> GetMany(std::span<const PointId> ids) override {
    const ReadView view = CurrentView();
    std::vector<std::string> keys;
    keys.reserve(ids.size());
    for (const PointId& id : ids) keys.push_back(IdKey('p', id));
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(ids.size());
    std::vector<rocksdb::Status> statuses(ids.size());
    db_->MultiGet(view.options, db_->DefaultColumnFamily(), ids.size(), slices.data(), values.data(),
                  statuses.data());
    std::vector<std::optional<StoredPoint>> points(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      RETURN_IF_ERROR(FromRocks(statuses[i], "get point"));
      ASSIGN_OR_RETURN(points[i], DecodePoint(ids[i], View(values[i])));
    }
    return points;
  }

  Status ForEachPoint(const std::function<Status(StoredPoint&&)>& fn) override {
    const ReadView view = CurrentView();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(view.options));
    for (it->Seek("p"); it->Valid() && it->key().starts_with("p"); it->Next()) {
      auto id = DecodeIdKey('p', View(it->key()));
      if (!id) return Status::Corruption("bad point key");
      ASSIGN_OR_RETURN(StoredPoint p, DecodePoint(*id, View(it->value())));
      RETURN_IF_ERROR(fn(std::move(p)));
    }
    return FromRocks(it->status(), "iterate points");
  }

  Status ForEachPayload(
      const std::function<Status(const PointId&, Offset, std::string_view)>& fn) override {
    const ReadView view = CurrentView();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(view.options));
    for (it->Seek("p"); it->Valid() && it->key().starts_with("p"); it->Next()) {
      auto id = DecodeIdKey('p', View(it->key()));
      if (!id) return Status::Corruption("bad point key");
      const std::string_view value = View(it->value());
      if (value.size() < 8) return Status::Corruption("point record too short");
      const size_t vector_end = 8 + size_t{DecodeFixed32(value.data() + 4)} * 4;
      if (value.size() < vector_end) return Status::Corruption("point record truncated");
      RETURN_IF_ERROR(fn(*id, DecodeFixed32(value.data()), value.substr(vector_end)));
    }
    return FromRocks(it->status(), "iterate payloads");
  }

  Status ForEachIdOffset(const std::function<Status(const PointId&, Offset, SeqNo)>& fn) override {
    const ReadView view = CurrentView();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(view.options));
    for (it->Seek("x"); it->Valid() && it->key().starts_with("x"); it->Next()) {
      auto id = DecodeIdKey('x', View(it->key()));
      if (!id || it->value().size() != 12) return Status::Corruption("bad id-map record");
      RETURN_IF_ERROR(fn(*id, DecodeFixed32(it->value().data()), DecodeFixed64(it->value().data() + 4)));
    }
    return FromRocks(it->status(), "iterate id map");
  }

  Status TrimOpLog(SeqNo before) override {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    // Not published to readers: that snapshot could hold other writers'
    // appended but not yet synced writes. ForEachOp reads the latest state.
    return FromRocks(db_->DeleteRange(wo, db_->DefaultColumnFamily(), OpLogKey(0), OpLogKey(before)),
                     "trim op log");
  }

  Status ForEachOp(SeqNo after, const std::function<Status(OpRecord&&)>& fn) override {
    // The latest state, not the published view: the op log is read at open
    // (no writer runs) and must reflect trims at once.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(OpLogKey(after + 1)); it->Valid() && it->key().starts_with("o"); it->Next()) {
      SeqNo seq = 0;
      if (!DecodeOpLogKey(View(it->key()), &seq)) return Status::Corruption("bad op-log key");
      ASSIGN_OR_RETURN(OpRecord op, DecodeOp(seq, View(it->value())));
      RETURN_IF_ERROR(fn(std::move(op)));
    }
    return FromRocks(it->status(), "iterate op log");
  }

  Sizes GetSizes() override {
    Sizes s;
    db_->GetIntProperty("rocksdb.total-sst-files-size", &s.sst_bytes);
    db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &s.memtable_bytes);
    db_->GetIntProperty("rocksdb.estimate-live-data-size", &s.live_data_bytes);
    return s;
  }

  Status Checkpoint(const std::string& dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // log_size_for_flush 0: flush the memtables first, so the checkpoint is
    // SST files plus an empty WAL rather than a copy of a long WAL.
    return FromRocks(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0), "checkpoint");
  }

 private:
  std::shared_ptr<const rocksdb::Snapshot> TakeSnapshot() {
    rocksdb::DB* db = db_.get();
    return std::shared_ptr<const rocksdb::Snapshot>(db->GetSnapshot(),
                                                    [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  }
  void Publish(std::shared_ptr<const rocksdb::Snapshot> snapshot) {
    std::lock_guard<std::mutex> lock(view_mu_);
    // Leaders may finish out of order; never move the view backwards.
    if (!view_ || snapshot->GetSequenceNumber() > view_->GetSequenceNumber()) view_ = std::move(snapshot);
  }
  // What readers see: the published snapshot, held for as long as they read.
  struct ReadView {
    std::shared_ptr<const rocksdb::Snapshot> snapshot;
    rocksdb::ReadOptions options;
  };
  ReadView CurrentView() const {
    ReadView view;
    {
      std::lock_guard<std::mutex> lock(view_mu_);
      view.snapshot = view_;
    }
    view.options.snapshot = view.snapshot.get();
    return view;
  }

  std::unique_ptr<rocksdb::Env> env_;  // null unless faults are injected; outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<bool> synced_{true};
  rocksdb::WriteOptions append_options_;

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool syncing_ = false;           // GUARDED_BY(sync_mu_)
  WriteTicket durable_ = 0;        // GUARDED_BY(sync_mu_)
  Status sync_error_;              // GUARDED_BY(sync_mu_); sticky

  mutable std::mutex view_mu_;
  std::shared_ptr<const rocksdb::Snapshot> view_;  // GUARDED_BY(view_mu_)
};

}  // namespace

Result<std::unique_ptr<CollectionStore>> CollectionStore::Open(const std::string& dir,
                                                               const StoreOptions& options) {
  rocksdb::Options opts;
  opts.create_if_missing = options.create_if_missing;
  // Small per-collection footprint: many collections may be open at once.
  opts.write_buffer_size = 32 << 20;
  opts.max_open_files = 256;
  opts.keep_log_file_num = 3;
  opts.memtable_insert_with_hint_prefix_extractor = std::make_shared<PointKeyKind>();
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::unique_ptr<rocksdb::Env> env;
  if (options.faults) {
    env = rocksdb::NewCompositeEnv(
        std::make_shared<FaultyFileSystem>(rocksdb::FileSystem::Default(), options.faults));
    opts.env = env.get();
  }
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(opts, dir, &raw), "open rocksdb"));
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string format;
  auto s = db->Get(rocksdb::ReadOptions(), kStoreFormatKey, &format);
  if (s.IsNotFound()) {
    // A new store gets the current format; an old one without it is refused.
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    it->SeekToFirst();
    if (it->Valid()) return Status::Corruption("store in " + dir + " has no format version (written by an older sextant)");
  } else {
    RETURN_IF_ERROR(FromRocks(s, "read store format"));
    if (format != kStoreFormat && format != kPreviousStoreFormat) {
      return Status::Corruption("store in " + dir + " has format " + format + "; this sextant reads format " +
                                kStoreFormat);
    }
  }
  if (format != kStoreFormat) {  // a new store, or one of the previous format upgraded
    rocksdb::WriteOptions wo;
    wo.sync = true;
    RETURN_IF_ERROR(FromRocks(db->Put(wo, kStoreFormatKey, kStoreFormat), "write store format"));
  }
  return std::unique_ptr<CollectionStore>(std::make_unique<RocksCollectionStore>(std::move(env), std::move(db)));
}

}  // namespace sextant
