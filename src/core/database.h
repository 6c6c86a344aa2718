// Database: the collections of one data directory, by name.
//
// Layout: <data_dir>/collections/<name>@<generation>/ holds one collection (its
// RocksDB store under store/). The generation suffix lets a collection be
// deleted and created again under the same name while the old one still closes;
// if a crash leaves two directories of one name (a restore that replaced a
// collection), the higher generation is the collection and the other goes.
// <data_dir>/snapshots/<collection>/ holds a collection's snapshots,
// <data_dir>/snapshots/ itself the full-storage ones (core/snapshots.h says
// what is in them); <data_dir>/tmp/ is scratch space, emptied at open.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/collection.h"
#include "core/collection_config.h"
#include "core/drift_worker.h"
#include "core/optimizer.h"
#include "storage/directory_lock.h"

namespace sextant {

// Marks a collection directory a restore has not finished (removed at open).
extern const char* const kRestoringMarker;

// A snapshot file as Qdrant's API lists it.
struct SnapshotDescription {
  std::string name;           // file name, "<collection>-<YYYY-MM-DD-HH-MM-SS>.snapshot"
  int64_t creation_time = 0;  // seconds since the epoch (UTC)
  uint64_t size = 0;          // bytes
  std::string checksum;       // SHA-256 of the file, hex
};

struct DatabaseOptions {
  std::string data_dir = "./data";  // created if missing
  size_t build_threads = 1;         // threads per index build
  std::shared_ptr<StorageFaults> faults = nullptr;  // test hook: storage fault injection
};

// Thread safety: every method may be called concurrently.
class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~Database();

  // Qdrant's name rules: 1..255 chars, no path separators, no control chars.
  static Status ValidateName(const std::string& name);

  Status CreateCollection(const std::string& name, const CollectionConfig& config);
  // Returns false when no such collection existed (not an error, as in Qdrant).
  Result<bool> DeleteCollection(const std::string& name);
  Result<std::shared_ptr<Collection>> GetCollection(const std::string& name) const;
  std::vector<std::string> ListCollections() const;
  size_t OptimizerQueueLength() const { return optimizer_->QueueLength(); }

  // Collection snapshots (database_snapshots.cc). Create is consistent while
  // writes go on (Collection::Checkpoint) and atomic: a crash leaves no
  // partial file under the listed name.
  Result<SnapshotDescription> CreateSnapshot(const std::string& collection);
  Result<std::vector<SnapshotDescription>> ListSnapshots(const std::string& collection) const;
  // The file to download. NotFound for an unknown collection or snapshot,
  // InvalidArgument for a name that is not a snapshot file name.
  Result<std::string> SnapshotPath(const std::string& collection, const std::string& snapshot) const;
  Status DeleteSnapshot(const std::string& collection, const std::string& snapshot);
  // Restores the snapshot archive at `path` as collection `name`, creating it
  // or replacing the one of that name. Verifies `checksum` (SHA-256 of the
  // file, if given), every member's size and hash, and that the result opens
  // as a collection, all before anything is replaced: a damaged, truncated or
  // foreign file is InvalidArgument with the reason, and the collection of
  // that name stays as it was. A crash at any point leaves either the old
  // collection or the complete new one.
  Status RecoverSnapshot(const std::string& name, const std::string& path,
                         const std::optional<std::string>& checksum);
  // `path` made canonical, if it is a file inside the snapshots directory
  // (recover from a file:// location accepts nothing else); InvalidArgument
  // otherwise.
  Result<std::string> LocalSnapshotFile(const std::string& path) const;
  // A fresh path under the scratch directory, for uploads.
  std::string ScratchPath(const std::string& suffix);

  // Full-storage snapshots: one archive holding a snapshot of every collection.
  Result<SnapshotDescription> CreateFullSnapshot();
  Result<std::vector<SnapshotDescription>> ListFullSnapshots() const;
  Result<std::string> FullSnapshotPath(const std::string& snapshot) const;
  Status DeleteFullSnapshot(const std::string& snapshot);
  // Restores every collection a full snapshot holds (replacing those of the
  // same names; others stay). Each is verified before it replaces anything.
  Status RecoverFullSnapshot(const std::string& path);

 private:
  Database(const DatabaseOptions& options, std::unique_ptr<DirectoryLock> lock);
  Status LoadCollections();
  Collection::Env CollectionEnv() const;
  std::string snapshots_root() const { return options_.data_dir + "/snapshots"; }
  std::string tmp_dir() const { return options_.data_dir + "/tmp"; }
  // Writes a collection snapshot archive to `path`.
  Status WriteCollectionSnapshot(Collection& collection, const std::string& path);
  // Archives of `dir` as <base>-<time>.snapshot, a name not taken yet.
  Result<SnapshotDescription> NewSnapshot(const std::string& dir, const std::string& base,
                                          const std::function<Status(const std::string& path)>& write);

  std::unique_ptr<DirectoryLock> lock_;  // first: released after everything else
  const DatabaseOptions options_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<DriftWorker> drift_worker_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Collection>> collections_;  // GUARDED_BY(mu_)
  uint64_t next_generation_ = 1;                                    // GUARDED_BY(mu_)
  std::mutex create_mu_;  // one create/delete/restore at a time (they touch directories)
  std::mutex snapshot_names_mu_;  // picking a free snapshot file name
  std::set<std::string> reserved_snapshot_names_;  // being written; GUARDED_BY(snapshot_names_mu_)
  std::atomic<uint64_t> next_scratch_{0};
};

}  // namespace sextant
