// `sextant snapshot create|restore`: snapshots of a data directory that no
// server has open (offline; a running server holds the directory's locks and
// the command says so).
#pragma once

#include <string>

namespace sextant::cli {

struct SnapshotOptions {
  std::string data_dir = "./data";
  std::string collection;  // empty with `full`
  bool full = false;       // full-storage snapshot
  std::string file;        // restore: the snapshot; create: where to copy it (optional)
  std::string checksum;    // restore: expected SHA-256 (optional)
};

int RunSnapshotCreate(const SnapshotOptions& options);
int RunSnapshotRestore(const SnapshotOptions& options);

}  // namespace sextant::cli
