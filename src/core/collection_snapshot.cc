// Collection::Checkpoint: the files of a consistent copy of the collection, for
// snapshots (core/snapshots.h puts them into an archive).
//
// Consistency: under manifest_mu_ no segment file is written, replaced or
// removed and the segment manifest does not change (an index build in
// progress goes on; only its save waits), so the RocksDB checkpoint
// (which holds the manifest record and the op log from its replay_from on) and
// the files the manifest lists are one state. Writes go on meanwhile: the
// checkpoint holds every write appended before it, and the op-log tail of
// those the listed files do not hold is replayed when the copy opens.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

#include "core/collection.h"
#include "core/segment_persistence.h"
#include "storage/collection_store.h"
#include "storage/segment_file.h"

namespace sextant {

namespace fs = std::filesystem;

namespace {

// A hard link (segment files are never modified once written, only replaced
// by new names), or a copy across file systems.
Status LinkOrCopy(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return Status::OK();
  const int link_errno = errno;
  std::error_code ec;
  fs::copy_file(from, to, ec);
  if (ec) {
    return Status::IOError("cannot link (" + std::string(std::strerror(link_errno)) + ") or copy " + from +
                           ": " + ec.message());
  }
  return Status::OK();
}
}  // namespace

Result<CollectionCheckpoint> Collection::Checkpoint(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) return Status::AlreadyExists("checkpoint directory exists: " + dir);
  fs::create_directories(dir + "/segments", ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message());
  // The drift statistics as of now go with the copy (not as of the last
  // periodic save). A failure only costs the copy some statistics.
  if (Status s = FlushAndSaveDrift(); !s.ok()) spdlog::warn("collection {}: drift statistics not saved: {}", name_, s.ToString());
  CollectionCheckpoint out;
  out.config = config();
  std::lock_guard<std::mutex> lock(manifest_mu_);
  out.min_seq = last_seq();  // every write appended so far is in the checkpoint
  RETURN_IF_ERROR(store_->Checkpoint(dir + "/store"));
  ASSIGN_OR_RETURN(SegmentManifest manifest, StoredManifest());
  for (const SegmentFileRecord& file : manifest.files) {
    RETURN_IF_ERROR(LinkOrCopy(segments_dir() + "/" + file.name, dir + "/segments/" + file.name));
    out.segment_files.push_back(file.name);
  }
  return out;
}

}  // namespace sextant
