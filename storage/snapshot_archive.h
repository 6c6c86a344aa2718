// Snapshot archives: one tar file (libarchive) holding a set of files and a
// manifest that names every one of them with its size and SHA-256, plus
// key=value metadata (format version, collection config, op-log sequence...:
// the caller's).
//
// Manifest member "MANIFEST" (the last member), text lines:
//   sextant-snapshot 1
//   meta <key> <value>            (value to the end of the line; no newline in it)
//   file <sha256 hex> <size> <name>
//   end <sha256 hex of every manifest byte before this line>
// The tar has no padding after its end-of-archive mark, so extraction checks
// every byte of the file: members by their hashes, the manifest by its end
// line, headers by their tar checksums, padding and the end mark for zeros.
//
// Writing is atomic (temp file, fsync, rename, fsync of the directory).
// Extracting verifies as it goes and fails, with a reason, on anything that is
// not exactly what a writer of this format produces: a truncated or corrupted
// archive, a member the manifest does not list or lists with another size or
// hash, a listed member missing, an unsafe name (absolute, "..", empty
// segments), a link or device, a second manifest, a manifest of another
// format. Callers extract into a fresh directory and use nothing of it unless
// extraction returned OK.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace sextant {

struct SnapshotMember {
  std::string name;  // path inside the archive: relative, '/'-separated
  std::string path;  // the file to read it from
};

struct SnapshotArchiveInfo {
  uint64_t size = 0;    // bytes of the archive file
  std::string sha256;   // of the whole archive file (hex), what listings report
};

inline constexpr const char* kSnapshotManifestName = "MANIFEST";
inline constexpr int kSnapshotFormat = 1;

// Writes `members` and the manifest with `meta` to `path`. InvalidArgument for
// an unsafe member name, a key with spaces or a value with a newline.
Result<SnapshotArchiveInfo> WriteSnapshotArchive(const std::string& path, const std::vector<SnapshotMember>& members,
                                                 const std::map<std::string, std::string>& meta);

// Verifies `path` and extracts its members below `dir` (created if missing).
// Returns the manifest's metadata. Corruption (with what is wrong) for a
// damaged or foreign archive.
Result<std::map<std::string, std::string>> ExtractSnapshotArchive(const std::string& path, const std::string& dir);

// SHA-256 of a file's bytes, lowercase hex.
Result<std::string> Sha256OfFile(const std::string& path);

// True for names a snapshot may hold: relative, segments of [A-Za-z0-9._@-]
// that are not "." or "..", at most 255 bytes.
bool IsSafeSnapshotMemberName(const std::string& name);

}  // namespace sextant
