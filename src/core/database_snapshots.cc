// Database: collection and full-storage snapshots.
//
// A collection snapshot is a snapshot archive (storage/snapshot_archive.h)
// whose members are a Collection::Checkpoint, store/... (RocksDB checkpoint)
// and segments/... (saved index files), with the metadata
//   kind collection, collection <name>, seq <op-log sequence it holds at
//   least>, config.<key> <value> (CollectionConfig::Encode's lines).
// A full-storage snapshot holds one collection snapshot per collection,
// collections/<i>.snapshot, with kind full, count <n>, collection.<i> <name>.
// Next to each snapshot file, <file>.checksum holds its SHA-256 (as Qdrant
// keeps it), so listing does not read every archive again.
#include <spdlog/spdlog.h>
#include <sys/stat.h>


#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "core/database.h"
#include "storage/segment_file.h"
#include "storage/snapshot_archive.h"

namespace sextant {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSnapshotSuffix = ".snapshot";
constexpr const char* kChecksumSuffix = ".checksum";

// Removes a scratch directory when it goes out of scope.
struct ScratchGuard {
  std::string path;
  ~ScratchGuard() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string TimeText(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d-%H-%M-%S", &tm);
  return text;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What a snapshot file name may be: ours end in ".snapshot"; nothing that
// could leave the directory or name a hidden or scratch file.
Status ValidateSnapshotName(const std::string& name) {
  if (name.empty() || name.size() > 255 || name[0] == '.' || !EndsWith(name, kSnapshotSuffix) ||
      name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return Status::InvalidArgument("Bad request: `" + name + "` is not a snapshot name");
  }
  return Status::OK();
}

Status WriteChecksumFile(const std::string& path, const std::string& checksum) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << checksum << "\n";
    if (!out.flush()) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("rename " + tmp + ": " + ec.message());
  return Status::OK();
}

Result<SnapshotDescription> Describe(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::NotFound("Not found: Snapshot " + name + " not found");
  }
  SnapshotDescription d;
  d.name = name;
  d.size = static_cast<uint64_t>(st.st_size);
  d.creation_time = st.st_mtime;
  std::ifstream sidecar(path + kChecksumSuffix);
  if (!(sidecar >> d.checksum) || d.checksum.size() != 64) {
    ASSIGN_OR_RETURN(d.checksum, Sha256OfFile(path));  // lost sidecar: compute (and keep) it again
    (void)WriteChecksumFile(path + kChecksumSuffix, d.checksum);
  }
  return d;
}

Result<std::vector<SnapshotDescription>> ListIn(const std::string& dir) {
  std::vector<SnapshotDescription> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !ValidateSnapshotName(name).ok()) continue;
    auto d = Describe(dir, name);
    if (d.ok()) out.push_back(std::move(*d));  // a file deleted meanwhile is no error
  }
  if (ec) return Status::IOError("list " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const SnapshotDescription& a, const SnapshotDescription& b) { return a.name < b.name; });
  return out;
}

// A snapshot file and its checksum sidecar.
Status RemoveSnapshotFile(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return Status::IOError("remove " + path + ": " + ec.message());
  fs::remove(path + kChecksumSuffix, ec);
  return Status::OK();
}

// Every regular file below `root`, as archive members named by relative path.
Result<std::vector<SnapshotMember>> MembersOf(const std::string& root) {
  std::vector<SnapshotMember> members;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    members.push_back({fs::relative(it->path(), root).generic_string(), it->path().string()});
  }
  if (ec) return Status::IOError("list " + root + ": " + ec.message());
  std::sort(members.begin(), members.end(),
            [](const SnapshotMember& a, const SnapshotMember& b) { return a.name < b.name; });
  return members;
}

// An archive that fails verification is the caller's bad input (4xx), not a
// server fault.
Status AsBadSnapshot(const Status& s) {
  if (s.code() == Status::Code::kCorruption || s.code() == Status::Code::kInvalidArgument) {
    return Status::InvalidArgument("Bad snapshot: " + s.message());
  }
  return s;
}

}  // namespace

std::string Database::ScratchPath(const std::string& suffix) {
  return tmp_dir() + "/" + std::to_string(next_scratch_++) + "-" + suffix;
}

Status Database::WriteCollectionSnapshot(Collection& collection, const std::string& path) {
  ScratchGuard staging{ScratchPath("checkpoint")};
  ASSIGN_OR_RETURN(CollectionCheckpoint checkpoint, collection.Checkpoint(staging.path));
  ASSIGN_OR_RETURN(auto members, MembersOf(staging.path));
  std::map<std::string, std::string> meta;
  meta["kind"] = "collection";
  meta["collection"] = collection.name();
  meta["seq"] = std::to_string(checkpoint.min_seq);
  std::istringstream config(checkpoint.config.Encode());
  for (std::string line; std::getline(config, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) meta["config." + line.substr(0, eq)] = line.substr(eq + 1);
  }
  return WriteSnapshotArchive(path, members, meta).status();
}

Result<SnapshotDescription> Database::NewSnapshot(const std::string& dir, const std::string& base,
                                                  const std::function<Status(const std::string&)>& write) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message());
  std::string name;
  {
    std::lock_guard<std::mutex> lock(snapshot_names_mu_);
    // File names are at most 255 bytes; a long collection name is cut.
    const std::string stem = base.substr(0, 200) + "-" + TimeText(std::time(nullptr));
    for (int n = 0;; ++n) {
      name = stem + (n == 0 ? "" : "-" + std::to_string(n)) + kSnapshotSuffix;
      const std::string key = dir + "/" + name;
      if (!reserved_snapshot_names_.count(key) && !fs::exists(key, ec)) break;
    }
    reserved_snapshot_names_.insert(dir + "/" + name);
  }
  const std::string path = dir + "/" + name;
  Status written = write(path);
  {
    std::lock_guard<std::mutex> lock(snapshot_names_mu_);
    reserved_snapshot_names_.erase(path);
  }
  RETURN_IF_ERROR(written);
  ASSIGN_OR_RETURN(std::string checksum, Sha256OfFile(path));
  RETURN_IF_ERROR(WriteChecksumFile(path + kChecksumSuffix, checksum));
  return Describe(dir, name);
}

Result<SnapshotDescription> Database::CreateSnapshot(const std::string& collection) {
  ASSIGN_OR_RETURN(auto c, GetCollection(collection));
  return NewSnapshot(snapshots_root() + "/" + collection, collection,
                     [&](const std::string& path) { return WriteCollectionSnapshot(*c, path); });
}

Result<std::vector<SnapshotDescription>> Database::ListSnapshots(const std::string& collection) const {
  RETURN_IF_ERROR(GetCollection(collection).status());
  return ListIn(snapshots_root() + "/" + collection);
}

Result<std::string> Database::SnapshotPath(const std::string& collection, const std::string& snapshot) const {
  RETURN_IF_ERROR(GetCollection(collection).status());
  RETURN_IF_ERROR(ValidateSnapshotName(snapshot));
  const std::string dir = snapshots_root() + "/" + collection;
  RETURN_IF_ERROR(Describe(dir, snapshot).status());
  return dir + "/" + snapshot;
}

Status Database::DeleteSnapshot(const std::string& collection, const std::string& snapshot) {
  ASSIGN_OR_RETURN(std::string path, SnapshotPath(collection, snapshot));
  return RemoveSnapshotFile(path);
}

Result<std::string> Database::LocalSnapshotFile(const std::string& path) const {
  std::error_code ec;
  const fs::path file = fs::canonical(path, ec);
  if (ec) return Status::NotFound("Not found: snapshot file " + path + " (" + ec.message() + ")");
  const fs::path root = fs::canonical(snapshots_root(), ec);
  if (ec) return Status::IOError("snapshots directory: " + ec.message());
  const std::string f = file.string();
  const std::string r = root.string() + "/";
  if (f.compare(0, r.size(), r) != 0) {
    return Status::InvalidArgument("Bad request: snapshot location " + path +
                                   " is outside the snapshots directory " + root.string());
  }
  if (!fs::is_regular_file(file, ec)) return Status::InvalidArgument("Bad request: " + path + " is not a file");
  return f;
}

Status Database::RecoverSnapshot(const std::string& name, const std::string& path,
                                 const std::optional<std::string>& checksum) {
  RETURN_IF_ERROR(ValidateName(name));
  if (checksum) {
    ASSIGN_OR_RETURN(std::string actual, Sha256OfFile(path));
    std::string expected = *checksum;
    std::transform(expected.begin(), expected.end(), expected.begin(), ::tolower);
    if (actual != expected) {
      return Status::InvalidArgument("Bad snapshot: checksum mismatch: expected " + *checksum + ", the file's is " +
                                     actual);
    }
  }
  // Verify and unpack beside the collections, so the final move is a rename.
  ScratchGuard staging{ScratchPath("restore")};
  auto meta = ExtractSnapshotArchive(path, staging.path);
  if (!meta.ok()) return AsBadSnapshot(meta.status());
  auto kind = meta->find("kind");
  if (kind == meta->end() || kind->second != "collection") {
    return Status::InvalidArgument("Bad snapshot: not a collection snapshot (kind " +
                                   (kind == meta->end() ? std::string("missing") : kind->second) + ")");
  }
  // Only a collection's own files: nothing that would mean something else
  // next to them (a DELETED or RESTORING marker, say).
  std::error_code list_ec;
  for (const auto& entry : fs::directory_iterator(staging.path, list_ec)) {
    const std::string top = entry.path().filename().string();
    if ((top != "store" && top != "segments") || !entry.is_directory()) {
      return Status::InvalidArgument("Bad snapshot: unexpected member " + top + " (a collection snapshot holds store/ "
                                     "and segments/ only)");
    }
  }
  if (list_ec) return Status::IOError("list " + staging.path + ": " + list_ec.message());
  {
    std::ofstream marker(staging.path + "/" + kRestoringMarker);
    if (!(marker << "restore\n").flush()) return Status::IOError("cannot write restore marker");
  }
  // Durable before the move: the marker and every extracted directory entry
  // (the files themselves were synced as they were extracted).
  RETURN_IF_ERROR(SyncFile(staging.path + "/" + kRestoringMarker));
  for (const char* sub : {"/store", "/segments"}) {
    if (fs::exists(staging.path + sub)) RETURN_IF_ERROR(SyncDirectory(staging.path + sub));
  }
  RETURN_IF_ERROR(SyncDirectory(staging.path));

  std::lock_guard<std::mutex> create_lock(create_mu_);
  uint64_t generation;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    generation = next_generation_++;
  }
  const std::string collections_dir = options_.data_dir + "/collections";
  const std::string dir = collections_dir + "/" + name + "@" + std::to_string(generation);
  std::error_code ec;
  fs::rename(staging.path, dir, ec);
  if (ec) return Status::IOError("move restored collection into place: " + ec.message());
  // Until the restore commits. Removed through a rename, so that a crash in
  // the middle cannot leave a newer generation without its RESTORING marker.
  struct Undo {
    std::string dir;
    ~Undo() {
      if (dir.empty()) return;
      Status s = RemoveDirectory(dir);
      if (!s.ok()) spdlog::warn("could not remove failed restore {}: {}", dir, s.ToString());
    }
  } undo{dir};
  RETURN_IF_ERROR(SyncDirectory(collections_dir));
  auto restored = Collection::Open(dir, CollectionEnv(), &name);
  if (!restored.ok()) {
    if (restored.status().code() == Status::Code::kIOError) return restored.status();
    return Status::InvalidArgument("Bad snapshot: it does not open as a collection: " + restored.status().message());
  }
  // The commit point: without the marker the directory is the collection.
  fs::remove(dir + "/" + kRestoringMarker, ec);
  if (ec) return Status::IOError("remove restore marker: " + ec.message());
  RETURN_IF_ERROR(SyncDirectory(dir));
  undo.dir.clear();
  std::shared_ptr<Collection> replaced;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    auto& slot = collections_[name];
    replaced = std::move(slot);
    slot = std::move(*restored);
  }
  if (replaced) {
    // If this fails the next open removes the older generation anyway.
    Status dropped = replaced->MarkDropped();
    if (!dropped.ok()) spdlog::warn("collection {}: replaced, but {}", name, dropped.ToString());
  }
  spdlog::info("collection {} restored from {}", name, path);
  return Status::OK();
}

Result<SnapshotDescription> Database::CreateFullSnapshot() {
  return NewSnapshot(snapshots_root(), "full-snapshot", [&](const std::string& path) -> Status {
    ScratchGuard staging{ScratchPath("full")};
    std::error_code ec;
    fs::create_directories(staging.path + "/collections", ec);
    if (ec) return Status::IOError("create " + staging.path + ": " + ec.message());
    std::map<std::string, std::string> meta{{"kind", "full"}};
    std::vector<SnapshotMember> members;
    size_t count = 0;
    for (const std::string& name : ListCollections()) {
      auto c = GetCollection(name);
      if (!c.ok()) continue;  // deleted meanwhile
      const std::string member = "collections/" + std::to_string(count) + kSnapshotSuffix;
      RETURN_IF_ERROR(WriteCollectionSnapshot(**c, staging.path + "/" + member));
      members.push_back({member, staging.path + "/" + member});
      meta["collection." + std::to_string(count)] = name;
      ++count;
    }
    meta["count"] = std::to_string(count);
    return WriteSnapshotArchive(path, members, meta).status();
  });
}

Result<std::vector<SnapshotDescription>> Database::ListFullSnapshots() const { return ListIn(snapshots_root()); }

Result<std::string> Database::FullSnapshotPath(const std::string& snapshot) const {
  RETURN_IF_ERROR(ValidateSnapshotName(snapshot));
  RETURN_IF_ERROR(Describe(snapshots_root(), snapshot).status());
  return snapshots_root() + "/" + snapshot;
}

Status Database::DeleteFullSnapshot(const std::string& snapshot) {
  ASSIGN_OR_RETURN(std::string path, FullSnapshotPath(snapshot));
  return RemoveSnapshotFile(path);
}

Status Database::RecoverFullSnapshot(const std::string& path) {
  ScratchGuard staging{ScratchPath("full-restore")};
  auto meta = ExtractSnapshotArchive(path, staging.path);
  if (!meta.ok()) return AsBadSnapshot(meta.status());
  if ((*meta)["kind"] != "full") return Status::InvalidArgument("Bad snapshot: not a full-storage snapshot");
  size_t count = 0;
  try {
    count = std::stoul((*meta)["count"]);
  } catch (const std::exception&) {
    return Status::InvalidArgument("Bad snapshot: no collection count");
  }
  for (size_t i = 0; i < count; ++i) {
    const std::string name = (*meta)["collection." + std::to_string(i)];
    const std::string member = staging.path + "/collections/" + std::to_string(i) + kSnapshotSuffix;
    RETURN_IF_ERROR(RecoverSnapshot(name, member, std::nullopt).WithContext("collection " + name));
  }
  return Status::OK();
}

}  // namespace sextant
