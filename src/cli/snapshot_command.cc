#include "cli/snapshot_command.h"

#include <cstdio>
#include <filesystem>

#include "core/database.h"

namespace sextant::cli {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "sextant snapshot: %s\n", s.message().c_str());
  return 1;
}

Result<std::unique_ptr<Database>> OpenData(const std::string& dir) {
  if (!std::filesystem::exists(dir + "/collections")) {
    return Status::NotFound(dir + " is not a sextant data directory");
  }
  DatabaseOptions options;
  options.data_dir = dir;
  auto db = Database::Open(options);
  if (!db.ok()) {
    return db.status().WithContext("cannot open " + dir + " (is a server running on it? stop it first, or use the "
                                   "HTTP snapshot endpoints)");
  }
  return db;
}

}  // namespace

int RunSnapshotCreate(const SnapshotOptions& o) {
  if (o.full == !o.collection.empty()) return Fail(Status::InvalidArgument("give either --collection or --full"));
  auto db = OpenData(o.data_dir);
  if (!db.ok()) return Fail(db.status());
  auto created = o.full ? (*db)->CreateFullSnapshot() : (*db)->CreateSnapshot(o.collection);
  if (!created.ok()) return Fail(created.status());
  auto path = o.full ? (*db)->FullSnapshotPath(created->name) : (*db)->SnapshotPath(o.collection, created->name);
  if (!path.ok()) return Fail(path.status());
  std::string out = *path;
  if (!o.file.empty()) {
    std::error_code ec;
    std::filesystem::copy_file(*path, o.file, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return Fail(Status::IOError("copy to " + o.file + ": " + ec.message()));
    out = o.file;
  }
  std::printf("%s\nsize %llu bytes, sha256 %s\n", out.c_str(), static_cast<unsigned long long>(created->size),
              created->checksum.c_str());
  return 0;
}

int RunSnapshotRestore(const SnapshotOptions& o) {
  if (o.full == !o.collection.empty()) return Fail(Status::InvalidArgument("give either --collection or --full"));
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir + "/collections", ec);
  auto db = OpenData(o.data_dir);
  if (!db.ok()) return Fail(db.status());
  const std::optional<std::string> checksum = o.checksum.empty() ? std::nullopt : std::optional(o.checksum);
  Status s = o.full ? (*db)->RecoverFullSnapshot(o.file) : (*db)->RecoverSnapshot(o.collection, o.file, checksum);
  if (!s.ok()) return Fail(s);
  std::printf("restored %s into %s\n", o.file.c_str(), o.data_dir.c_str());
  return 0;
}

}  // namespace sextant::cli
