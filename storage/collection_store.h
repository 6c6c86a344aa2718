// CollectionStore: one collection's RocksDB database.
//
// Layout (keys are bytewise-ordered; never change without a format version):
//   "m" + name                      -> metadata value ("name", "config", "seq")
//   "p" + kind(1) + id(8 or 16, BE) -> point record, kind 0 = integer id,
//                                      1 = UUID (so integer ids sort first,
//                                      as Qdrant orders them)
// Point record: fixed32 dim, dim x float32 (LE), then the payload as minified
// JSON text (possibly empty = no payload).
//
// Every Write() is one RocksDB WriteBatch, synced before it returns when the
// store was opened with sync = true; concurrent writers share fsyncs through
// RocksDB's write-group leader (group commit).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"

namespace sextant {

struct StoredPoint {
  PointId id;
  std::vector<float> vector;
  std::string payload;  // minified JSON object, or empty
};

// A borrowed point for writing.
struct PointWrite {
  PointId id;
  VectorView vector;
  std::string_view payload;
};

struct StoreOptions {
  bool sync = true;             // fsync the WAL before Write() returns
  bool create_if_missing = true;
};

// Thread safety: every method may be called concurrently.
class CollectionStore {
 public:
  static Result<std::unique_ptr<CollectionStore>> Open(const std::string& dir,
                                                       const StoreOptions& options);
  virtual ~CollectionStore() = default;

  virtual Status PutMeta(std::string_view name, std::string_view value) = 0;
  virtual Result<std::optional<std::string>> GetMeta(std::string_view name) = 0;

  // Upserts and deletes in one atomic, durable batch, which also records `seq`
  // as the last applied operation (meta "seq", fixed64).
  virtual Status Write(std::span<const PointWrite> upserts, std::span<const PointId> deletes,
                       SeqNo seq) = 0;
  virtual Result<std::optional<StoredPoint>> Get(const PointId& id) = 0;
  // Every stored point in id order; stops at the first non-ok Status it returns.
  virtual Status ForEachPoint(const std::function<Status(StoredPoint&&)>& fn) = 0;
  // Bytes on disk (SST + WAL), approximate.
  virtual uint64_t DiskBytes() = 0;
};

}  // namespace sextant
