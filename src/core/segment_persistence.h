// Saving and loading sealed segments, and the manifest that lists them.
//
// The manifest is one metadata record in the collection's store ("segments"):
// the segment files that hold indexed points, and `replay_from`, the first
// op-log sequence number a restart must replay (everything before it is in the
// listed files, or was deleted). Files not in the manifest are leftovers of a
// crash and are removed when the collection opens.
//
// Manifest format 1: u32 version, u64 replay_from, u64 next_file_number,
// u32 file count, then per file u32 name length, name, u64 size, u64 checksum.
//
// A segment file's body (inside storage/segment_file.h's framing), format 2:
// u32 version, u32 index kind (1 hnsw, 2 ivf), u32 dim, u32 metric name
// length + name, u64 m, u64 ef_construct, u64 seed, u32 codes (index/index.h
// Codes), f32 quantile, u64 nlist, u64 pq_m, u64 first_seq, u64 last_seq (the
// writes whose points it holds), u64 vector count, then the index
// (Index::Save). Little-endian. Format 1 (still read) is format 2 without the
// codes..pq_m fields: an HNSW segment of floats.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "core/collection_config.h"
#include "core/segment.h"
#include "index/index.h"

namespace sextant {

struct SegmentManifest {
  SeqNo replay_from = 1;
  uint64_t next_file_number = 1;
  std::vector<SegmentFileRecord> files;

  std::string Encode() const;
  static Result<SegmentManifest> Decode(std::string_view data);
};

// The file name of segment file number `n` ("seg-000042.idx").
std::string SegmentFileName(uint64_t n);

// Writes `index` to `dir`/`name` atomically (temp file, fsync, rename).
Result<SegmentFileRecord> SaveSegmentFile(const std::string& dir, const std::string& name,
                                          const Index& index, const IndexSpec& spec, SeqNo first_seq,
                                          SeqNo last_seq);

struct LoadedSegment {
  std::unique_ptr<Index> index;
  IndexSpec spec;  // how it was built, from the file
  SeqNo first_seq = 0;
  SeqNo last_seq = 0;
};

// Reads and verifies a segment file: size and checksum as the manifest records
// them, framing checksum, header against the collection's config, and the
// index's own consistency checks. Corruption (or NotFound) when any fails.
Result<LoadedSegment> LoadSegmentFile(const std::string& dir, const SegmentFileRecord& record,
                                      const CollectionConfig& config, size_t build_threads);

}  // namespace sextant
