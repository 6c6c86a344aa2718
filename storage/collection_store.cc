// The only file that includes RocksDB. Its errors become Status here.
#include "storage/collection_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>

#include "storage/coding.h"

namespace sextant {

namespace {

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsIOError() || s.IsNoSpace()) return Status::IOError(msg);
  if (s.IsBusy() || s.IsTryAgain()) return Status::Busy(msg);
  return Status::Internal(msg);
}

std::string PointKey(const PointId& id) {
  std::string key = "p";
  if (id.is_num()) {
    key.push_back('\0');
    PutBigEndian64(&key, id.num());
  } else {
    key.push_back('\1');
    PutBigEndian64(&key, id.uuid_hi());
    PutBigEndian64(&key, id.uuid_lo());
  }
  return key;
}

std::optional<PointId> DecodePointKey(std::string_view key) {
  if (key.size() == 10 && key[0] == 'p' && key[1] == '\0') {
    return PointId::Num(DecodeBigEndian64(key.data() + 2));
  }
  if (key.size() == 18 && key[0] == 'p' && key[1] == '\1') {
    return PointId::Uuid(DecodeBigEndian64(key.data() + 2), DecodeBigEndian64(key.data() + 10));
  }
  return std::nullopt;
}

std::string EncodePoint(const PointWrite& p) {
  std::string value;
  value.reserve(4 + p.vector.size() * 4 + p.payload.size());
  PutFixed32(&value, static_cast<uint32_t>(p.vector.size()));
  // x86-64 is little-endian, which is the on-disk order.
  value.append(reinterpret_cast<const char*>(p.vector.data()), p.vector.size() * sizeof(float));
  value.append(p.payload);
  return value;
}

Result<StoredPoint> DecodePoint(const PointId& id, std::string_view value) {
  if (value.size() < 4) return Status::Corruption("point record too short");
  const uint32_t dim = DecodeFixed32(value.data());
  if (value.size() < 4 + size_t{dim} * 4) return Status::Corruption("point record truncated");
  StoredPoint p;
  p.id = id;
  p.vector.resize(dim);
  std::memcpy(p.vector.data(), value.data() + 4, size_t{dim} * 4);
  p.payload.assign(value.substr(4 + size_t{dim} * 4));
  return p;
}

class RocksCollectionStore final : public CollectionStore {
 public:
  RocksCollectionStore(std::unique_ptr<rocksdb::DB> db, bool sync) : db_(std::move(db)) {
    write_options_.sync = sync;
  }

  Status PutMeta(std::string_view name, std::string_view value) override {
    rocksdb::WriteOptions wo;
    wo.sync = true;  // metadata is rare and must never be lost
    return FromRocks(db_->Put(wo, "m" + std::string(name), rocksdb::Slice(value.data(), value.size())),
                     "put meta");
  }

  Result<std::optional<std::string>> GetMeta(std::string_view name) override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), "m" + std::string(name), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    RETURN_IF_ERROR(FromRocks(s, "get meta"));
    return std::optional<std::string>(std::move(value));
  }

  Status Write(std::span<const PointWrite> upserts, std::span<const PointId> deletes,
               SeqNo seq) override {
    rocksdb::WriteBatch batch;
    std::string seq_value;
    PutFixed64(&seq_value, seq);
    RETURN_IF_ERROR(FromRocks(batch.Put("mseq", seq_value), "batch seq"));
    for (const PointId& id : deletes) {
      RETURN_IF_ERROR(FromRocks(batch.Delete(PointKey(id)), "batch delete"));
    }
    for (const PointWrite& p : upserts) {
      RETURN_IF_ERROR(FromRocks(batch.Put(PointKey(p.id), EncodePoint(p)), "batch put"));
    }
    return FromRocks(db_->Write(write_options_, &batch), "write");
  }

  Result<std::optional<StoredPoint>> Get(const PointId& id) override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), PointKey(id), &value);
    if (s.IsNotFound()) return std::optional<StoredPoint>();
    RETURN_IF_ERROR(FromRocks(s, "get point"));
    ASSIGN_OR_RETURN(StoredPoint p, DecodePoint(id, value));
    return std::optional<StoredPoint>(std::move(p));
  }

  Status ForEachPoint(const std::function<Status(StoredPoint&&)>& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek("p"); it->Valid() && it->key().starts_with("p"); it->Next()) {
      auto id = DecodePointKey(std::string_view(it->key().data(), it->key().size()));
      if (!id) return Status::Corruption("bad point key");
      ASSIGN_OR_RETURN(StoredPoint p,
                       DecodePoint(*id, std::string_view(it->value().data(), it->value().size())));
      RETURN_IF_ERROR(fn(std::move(p)));
    }
    return FromRocks(it->status(), "iterate points");
  }

  uint64_t DiskBytes() override {
    uint64_t sst = 0;
    db_->GetIntProperty("rocksdb.total-sst-files-size", &sst);
    return sst;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_options_;
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
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(opts, dir, &raw), "open rocksdb"));
  return std::unique_ptr<CollectionStore>(
      std::make_unique<RocksCollectionStore>(std::unique_ptr<rocksdb::DB>(raw), options.sync));
}

}  // namespace sextant
