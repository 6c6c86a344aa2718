#include "core/database.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <filesystem>
#include <system_error>

#include "storage/directory_lock.h"
#include "storage/segment_file.h"

namespace sextant {

namespace fs = std::filesystem;

const char* const kRestoringMarker = "RESTORING";

Database::Database(const DatabaseOptions& options, std::unique_ptr<DirectoryLock> lock)
    : lock_(std::move(lock)),
      options_(options),
      optimizer_(std::make_unique<Optimizer>()),
      drift_worker_(std::make_unique<DriftWorker>()) {}

Database::~Database() {
  // Stop background work before the collections it works on go away.
  optimizer_.reset();
  drift_worker_.reset();  // collections feed what is left of their queues as they close
  std::unique_lock<std::shared_mutex> lock(mu_);
  collections_.clear();
}

Collection::Env Database::CollectionEnv() const {
  Collection::Env env;
  env.optimizer = optimizer_.get();
  env.drift_worker = drift_worker_.get();
  env.build_threads = options_.build_threads;
  env.faults = options_.faults;
  return env;
}

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  std::error_code ec;
  fs::create_directories(fs::path(options.data_dir) / "collections", ec);
  if (!ec) fs::create_directories(fs::path(options.data_dir) / "snapshots", ec);
  if (ec) return Status::IOError("cannot create data dir " + options.data_dir + ": " + ec.message());
  // Before anything is cleaned up: what looks like a leftover may be another
  // process's work in progress.
  ASSIGN_OR_RETURN(auto lock, DirectoryLock::Acquire(options.data_dir));
  // Scratch space of unfinished snapshots, restores and uploads.
  fs::remove_all(fs::path(options.data_dir) / "tmp", ec);
  if (!ec) fs::create_directories(fs::path(options.data_dir) / "tmp", ec);
  if (ec) return Status::IOError("cannot clear " + options.data_dir + "/tmp: " + ec.message());
  // Snapshot files (and checksum sidecars) are written as `<name>.tmp` and
  // renamed when complete: a `.tmp` is what a crash left of one. Best effort.
  std::error_code list_ec;
  for (auto it = fs::recursive_directory_iterator(fs::path(options.data_dir) / "snapshots",
                                                  fs::directory_options::skip_permission_denied, list_ec);
       !list_ec && it != fs::recursive_directory_iterator(); it.increment(list_ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec) && it->path().extension() == ".tmp") {
      fs::remove(it->path(), file_ec);
      if (file_ec) spdlog::warn("could not remove {}: {}", it->path().string(), file_ec.message());
    }
  }
  if (list_ec) spdlog::warn("could not list {}/snapshots: {}", options.data_dir, list_ec.message());
  std::unique_ptr<Database> db(new Database(options, std::move(lock)));
  RETURN_IF_ERROR(db->LoadCollections());
  return db;
}

Status Database::LoadCollections() {
  const fs::path root = fs::path(options_.data_dir) / "collections";
  std::error_code ec;
  struct Loaded {
    uint64_t generation;
    fs::path dir;
  };
  std::map<std::string, Loaded> loaded;  // the directory each name was loaded from
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory()) continue;
    const std::string dirname = entry.path().filename().string();
    // Leftovers are never loaded; failing to remove one is not worth failing the start.
    auto remove_leftover = [](const fs::path& dir) {
      Status s = RemoveDirectory(dir.string());
      if (!s.ok()) spdlog::warn("could not remove {}: {}", dir.string(), s.ToString());
    };
    if (dirname.ends_with(kRemovingSuffix)) {  // a removal that a crash interrupted
      std::error_code remove_ec;
      fs::remove_all(entry.path(), remove_ec);
      continue;
    }
    const size_t at = dirname.rfind('@');
    uint64_t generation = 0;
    if (at == std::string::npos ||
        std::from_chars(dirname.data() + at + 1, dirname.data() + dirname.size(), generation).ec !=
            std::errc()) {
      continue;  // not ours
    }
    next_generation_ = std::max(next_generation_, generation + 1);
    if (fs::exists(entry.path() / "DELETED")) {
      remove_leftover(entry.path());  // a delete that a crash interrupted
      continue;
    }
    if (fs::exists(entry.path() / kRestoringMarker)) {
      spdlog::warn("removing unfinished restore {}", entry.path().string());
      remove_leftover(entry.path());
      continue;
    }
    auto c = Collection::Open(entry.path().string(), CollectionEnv());
    if (!c.ok()) {
      if (c.status().code() == Status::Code::kNotFound) {
        spdlog::warn("removing unfinished collection directory {}", entry.path().string());
        remove_leftover(entry.path());
        continue;
      }
      return c.status().WithContext("open " + entry.path().string());
    }
    const std::string& name = (*c)->name();
    auto seen = loaded.find(name);
    if (seen != loaded.end()) {
      // A restore replaced this collection and a crash came before the old
      // directory was marked: the newer generation is the collection.
      std::shared_ptr<Collection> older = *c;
      fs::path older_dir = entry.path();
      if (generation > seen->second.generation) {
        older = collections_[name];
        older_dir = seen->second.dir;
        collections_[name] = *c;
        seen->second = Loaded{generation, entry.path()};
      }
      spdlog::warn("collection {}: {} was replaced by a restore; removing it", name, older_dir.string());
      RETURN_IF_ERROR(older->MarkDropped());
      continue;
    }
    loaded[name] = Loaded{generation, entry.path()};
    collections_[name] = *c;
  }
  if (ec) return Status::IOError("list " + root.string() + ": " + ec.message());
  return Status::OK();
}

Status Database::ValidateName(const std::string& name) {
  if (name.empty() || name.size() > 255) {
    return Status::InvalidArgument("Collection name must be between 1 and 255 characters");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == '/' || c == '\\' || c == '@' || c == '*' || c == '?' || c == '"' ||
        c == '<' || c == '>' || c == '|' || c == ':' || c == 0x7f) {
      return Status::InvalidArgument("Collection name contains a forbidden character");
    }
  }
  if (name == "." || name == "..") return Status::InvalidArgument("Collection name is reserved");
  return Status::OK();
}

Status Database::CreateCollection(const std::string& name, const CollectionConfig& config) {
  RETURN_IF_ERROR(ValidateName(name));
  RETURN_IF_ERROR(config.Validate());
  std::lock_guard<std::mutex> create_lock(create_mu_);
  uint64_t generation;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (collections_.count(name)) {
      return Status::AlreadyExists("Wrong input: Collection `" + name + "` already exists!");
    }
    generation = next_generation_++;
  }
  const fs::path dir =
      fs::path(options_.data_dir) / "collections" / (name + "@" + std::to_string(generation));
  ASSIGN_OR_RETURN(auto collection, Collection::Create(dir.string(), name, config, CollectionEnv()));
  std::unique_lock<std::shared_mutex> lock(mu_);
  collections_[name] = std::move(collection);
  return Status::OK();
}

Result<bool> Database::DeleteCollection(const std::string& name) {
  std::lock_guard<std::mutex> create_lock(create_mu_);
  std::shared_ptr<Collection> victim;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = collections_.find(name);
    if (it == collections_.end()) return false;
    victim = it->second;
  }
  // Mark first: if the marker cannot be written the collection stays as it was.
  RETURN_IF_ERROR(victim->MarkDropped());
  std::unique_lock<std::shared_mutex> lock(mu_);
  collections_.erase(name);
  return true;
}

Result<std::shared_ptr<Collection>> Database::GetCollection(const std::string& name) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = collections_.find(name);
  if (it == collections_.end()) {
    return Status::NotFound("Not found: Collection `" + name + "` doesn't exist!");
  }
  return it->second;
}

std::vector<std::string> Database::ListCollections() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, _] : collections_) names.push_back(name);
  return names;
}

}  // namespace sextant
