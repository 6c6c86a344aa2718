// Database: the collections of one data directory, by name.
//
// Layout: <data_dir>/collections/<name>@<generation>/ holds one collection (its
// RocksDB store under store/). The generation suffix lets a collection be
// deleted and created again under the same name while the old one still closes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/collection.h"
#include "core/collection_config.h"
#include "core/optimizer.h"

namespace sextant {

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

 private:
  explicit Database(const DatabaseOptions& options);
  Status LoadCollections();
  Collection::Env CollectionEnv() const;

  const DatabaseOptions options_;
  std::unique_ptr<Optimizer> optimizer_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Collection>> collections_;  // GUARDED_BY(mu_)
  uint64_t next_generation_ = 1;                                    // GUARDED_BY(mu_)
  std::mutex create_mu_;  // one create/delete at a time (they touch directories)
};

}  // namespace sextant
