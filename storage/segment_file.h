// Segment files: one sealed segment's index, written once, checksummed, and
// committed atomically.
//
// File layout (format 1):
//   "SEXTSEG1"          8 bytes, magic
//   u32 version (=1), u32 reserved (=0)
//   body                whatever the writer wrote (core/segment_persistence.cc
//                       puts a segment header first, then the index)
//   u64 body size
//   u64 XXH3-64 of every byte before it (magic, version, body, body size)
//   "SEXTEND1"          8 bytes, end magic
// All integers little-endian.
//
// A writer writes "<name>.tmp", fsyncs it, renames it to "<name>" and fsyncs the
// directory: a crash leaves either no file, a stray .tmp (never read), or the
// whole file. A reader checks the trailer before reading, hashes the body as it
// hands it out, and Finish() fails unless every byte was read and the hash
// matches: callers must not use what they read before Finish() succeeds, so a
// torn or bit-flipped file is never loaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/byte_stream.h"
#include "common/status.h"

namespace sextant {

struct SegmentFileInfo {
  uint64_t size = 0;      // bytes on disk
  uint64_t checksum = 0;  // the trailer's XXH3-64
};

class SegmentFileWriter final : public ByteWriter {
 public:
  // Creates `dir`/`name`.tmp (replacing a stale one).
  static Result<std::unique_ptr<SegmentFileWriter>> Create(const std::string& dir, const std::string& name);
  ~SegmentFileWriter() override;  // removes the .tmp file unless committed

  Status Write(const void* data, size_t size) override;
  // Writes the trailer, fsyncs, renames into place and fsyncs the directory.
  Result<SegmentFileInfo> Commit();

 private:
  struct State;
  explicit SegmentFileWriter(std::unique_ptr<State> state);
  Status Flush();
  std::unique_ptr<State> state_;
};

class SegmentFileReader final : public ByteReader {
 public:
  // Checks size, magic, version and trailer; fails with Corruption if any is wrong.
  static Result<std::unique_ptr<SegmentFileReader>> Open(const std::string& path);
  ~SegmentFileReader() override;

  Status Read(void* data, size_t size) override;
  uint64_t remaining() const override;
  // OK only if the whole body was read and its checksum matches the trailer.
  Status Finish();
  const SegmentFileInfo& info() const;

 private:
  struct State;
  explicit SegmentFileReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// fsyncs a directory, so that renames and removals in it are durable.
Status SyncDirectory(const std::string& dir);
// fsyncs a file's contents (one written by other means than this header's).
Status SyncFile(const std::string& path);

// Removes a directory tree so that a crash cannot leave part of it under its
// name: renames it to `dir` + kRemovingSuffix (durably), then removes that.
// Whoever lists the parent at startup removes what a crash left under the
// suffix. Not an error if `dir` does not exist.
inline constexpr const char* kRemovingSuffix = ".removing";
Status RemoveDirectory(const std::string& dir);

}  // namespace sextant
