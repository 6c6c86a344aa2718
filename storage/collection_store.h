// CollectionStore: one collection's RocksDB database.
//
// Layout (keys are bytewise-ordered; "mstore_format" holds the format version,
// currently 3 (2 is upgraded at open); a store of another version is refused,
// never guessed at):
//   "m" + name          -> metadata ("name", "config", "seq" = fixed64 last
//                          write, "next_offset" = fixed32, "store_format")
//   "o" + seq (8, BE)   -> op-log record (format in storage/op_log.h)
//   "p" + id            -> point record: fixed32 offset, fixed32 dim,
//                          dim x float32 (LE), payload as minified JSON text
//                          (possibly empty = no payload)
//   "x" + id            -> fixed32 offset, fixed64 seq of the write that put
//                          it there: the id map, small enough to scan at
//                          open without reading vectors
//   id = kind (0 = integer, 1 = UUID) + 8 or 16 bytes big-endian, so integer
//   ids sort first, as Qdrant orders them.
//
// Writes: Append() puts one write (op record + point records + id map + meta)
// into one WriteBatch without waiting for the disk; Sync() then waits until it
// is durable. Callers serialise Append() (it defines the order of writes) and
// call Sync() outside their lock, so concurrent writers share one fsync (group
// commit): the first waiter syncs the WAL for everyone appended so far.
// Readers only ever see synced writes: they read through a RocksDB snapshot
// that Sync() publishes once the writes it covers are on disk.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "storage/op_log.h"

namespace sextant {

struct StoredPoint {
  PointId id;
  Offset offset = kNoOffset;
  std::vector<float> vector;
  std::string payload;  // minified JSON object, or empty
};

// Test hook: while `disk_full` is set, every write to the store's files fails
// as a full disk makes it fail (ENOSPC), so tests can check that writes get a
// clear error and reads keep working.
struct StorageFaults {
  std::atomic<bool> disk_full{false};
};

struct StoreOptions {
  bool create_if_missing = true;
  std::shared_ptr<StorageFaults> faults;  // null outside tests
};

// One write: its op-log record and its effects, applied atomically.
struct WriteOp {
  SeqNo seq = 0;
  Offset next_offset = 0;  // the first offset not assigned once this write is in
  std::span<const PointWrite> upserts = {};
  std::span<const PointId> deletes = {};
};

// Identifies an appended write for Sync() (RocksDB's sequence number after it).
using WriteTicket = uint64_t;

// Thread safety: every method may be called concurrently, except that Append()
// calls must be serialised by the caller.
class CollectionStore {
 public:
  static Result<std::unique_ptr<CollectionStore>> Open(const std::string& dir,
                                                       const StoreOptions& options);
  virtual ~CollectionStore() = default;

  // Metadata writes are synced and visible at once (they are rare).
  virtual Status PutMeta(std::string_view name, std::string_view value) = 0;
  virtual Result<std::optional<std::string>> GetMeta(std::string_view name) = 0;

  // Whether Sync() fsyncs the WAL (the default) or only publishes the writes,
  // which then survive a crash of the process but not of the machine. Set it
  // before the first Append(); it is a collection's write policy.
  virtual void SetSynced(bool synced) = 0;

  // REQUIRES: op.upserts or op.deletes is empty (one op-log record per write).
  virtual Result<WriteTicket> Append(const WriteOp& op) = 0;
  // Returns when every write up to `ticket` is durable and visible to readers.
  // After a failed sync the store refuses all further writes (the WAL's state
  // on disk is unknown); reads keep working.
  virtual Status Sync(WriteTicket ticket) = 0;

  virtual Result<std::optional<StoredPoint>> Get(const PointId& id) = 0;
  // As Get for each id, batched (RocksDB's MultiGet): one result per id, in
  // the order given, all from one consistent view.
  virtual Result<std::vector<std::optional<StoredPoint>>> GetMany(std::span<const PointId> ids) = 0;
  // Every stored point in id order; stops at the first non-ok Status it returns.
  virtual Status ForEachPoint(const std::function<Status(StoredPoint&&)>& fn) = 0;
  // Every stored point's id, offset and payload (minified JSON or empty), in id
  // order, without copying vectors; the views die when fn returns.
  virtual Status ForEachPayload(
      const std::function<Status(const PointId&, Offset, std::string_view payload)>& fn) = 0;
  // The id map: every live point's id, offset and the sequence number of the
  // write that stored it, in id order, without reading vectors or payloads.
  virtual Status ForEachIdOffset(const std::function<Status(const PointId&, Offset, SeqNo)>& fn) = 0;
  // Op-log records with seq > after, in order. Reads the latest state, synced
  // or not: for recovery at open, when no writer runs.
  virtual Status ForEachOp(SeqNo after, const std::function<Status(OpRecord&&)>& fn) = 0;
  // Deletes the op-log records with seq < before (synced, atomic: a crash
  // leaves either all of them or none).
  virtual Status TrimOpLog(SeqNo before) = 0;
  // RocksDB's sizes, from its properties (cheap: no file is read).
  struct Sizes {
    uint64_t sst_bytes = 0;        // rocksdb.total-sst-files-size
    uint64_t memtable_bytes = 0;   // rocksdb.cur-size-all-mem-tables
    uint64_t live_data_bytes = 0;  // rocksdb.estimate-live-data-size
  };
  virtual Sizes GetSizes() = 0;
  // A consistent copy of the store as of now in `dir` (which must not exist):
  // RocksDB's checkpoint, hard links to the immutable files where the file
  // system allows and a copy of the rest, including every write appended and
  // synced so far. Opening `dir` gives that state. For snapshots.
  virtual Status Checkpoint(const std::string& dir) = 0;
};

}  // namespace sextant
