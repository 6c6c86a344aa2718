#include "storage/segment_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace sextant {

namespace {

constexpr char kMagic[8] = {'S', 'E', 'X', 'T', 'S', 'E', 'G', '1'};
constexpr char kEndMagic[8] = {'S', 'E', 'X', 'T', 'E', 'N', 'D', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 16;   // magic + version + reserved
constexpr size_t kTrailerSize = 24;  // body size + checksum + end magic
constexpr size_t kBufferSize = size_t{1} << 20;

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::OK();
}

Status ReadAll(int fd, char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::read(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("read", path);
    }
    if (n == 0) return Status::Corruption("segment file " + path + " is shorter than its trailer says");
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::OK();
}

struct HashState {
  HashState() : state(XXH3_createState()) {
    if (state != nullptr) XXH3_64bits_reset(state);
  }
  ~HashState() { XXH3_freeState(state); }
  HashState(const HashState&) = delete;
  HashState& operator=(const HashState&) = delete;
  void Update(const void* data, size_t size) { XXH3_64bits_update(state, data, size); }
  uint64_t Digest() const { return XXH3_64bits_digest(state); }
  XXH3_state_t* state;
};

}  // namespace

namespace {

Status SyncPath(const std::string& path, int flags, const std::string& what) {
  const int fd = ::open(path.c_str(), flags | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + what, path);
  const int rc = ::fsync(fd);
  const Status s = rc == 0 ? Status::OK() : Errno("fsync " + what, path);
  ::close(fd);
  return s;
}

}  // namespace

Status SyncDirectory(const std::string& dir) { return SyncPath(dir, O_DIRECTORY, "directory"); }

Status SyncFile(const std::string& path) { return SyncPath(path, 0, "file"); }

Status RemoveDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path from(dir);
  const fs::path to = from.string() + kRemovingSuffix;
  std::error_code ec;
  const bool exists = fs::exists(from, ec);
  if (ec) return Status::IOError("stat " + from.string() + ": " + ec.message());
  if (!exists) return Status::OK();
  fs::remove_all(to, ec);  // an earlier removal that a crash interrupted
  if (ec) return Status::IOError("remove " + to.string() + ": " + ec.message());
  fs::rename(from, to, ec);
  if (ec) return Status::IOError("rename " + from.string() + ": " + ec.message());
  RETURN_IF_ERROR(SyncDirectory(from.parent_path().string()));
  fs::remove_all(to, ec);
  if (ec) return Status::IOError("remove " + to.string() + ": " + ec.message());
  return Status::OK();
}

// ---------------------------------------------------------------- writer

struct SegmentFileWriter::State {
  std::string dir, path, tmp_path;
  int fd = -1;
  bool committed = false;
  std::vector<char> buffer;
  uint64_t body_size = 0;
  HashState hash;
};

SegmentFileWriter::SegmentFileWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

SegmentFileWriter::~SegmentFileWriter() {
  if (state_->fd >= 0) ::close(state_->fd);
  if (!state_->committed) ::unlink(state_->tmp_path.c_str());
}

Result<std::unique_ptr<SegmentFileWriter>> SegmentFileWriter::Create(const std::string& dir,
                                                                     const std::string& name) {
  auto state = std::make_unique<State>();
  if (state->hash.state == nullptr) return Status::Internal("out of memory for a hash state");
  state->dir = dir;
  state->path = dir + "/" + name;
  state->tmp_path = state->path + ".tmp";
  state->fd = ::open(state->tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (state->fd < 0) return Errno("create", state->tmp_path);
  state->buffer.reserve(kBufferSize);
  std::unique_ptr<SegmentFileWriter> writer(new SegmentFileWriter(std::move(state)));
  char header[kHeaderSize] = {};
  std::memcpy(header, kMagic, 8);
  std::memcpy(header + 8, &kVersion, 4);
  writer->state_->hash.Update(header, kHeaderSize);
  writer->state_->buffer.insert(writer->state_->buffer.end(), header, header + kHeaderSize);
  return writer;
}

Status SegmentFileWriter::Flush() {
  State& s = *state_;
  RETURN_IF_ERROR(WriteAll(s.fd, s.buffer.data(), s.buffer.size(), s.tmp_path));
  s.buffer.clear();
  return Status::OK();
}

Status SegmentFileWriter::Write(const void* data, size_t size) {
  State& s = *state_;
  if (s.committed) return Status::Internal("write after commit");
  s.hash.Update(data, size);
  s.body_size += size;
  if (s.buffer.size() + size <= kBufferSize) {
    const char* p = static_cast<const char*>(data);
    s.buffer.insert(s.buffer.end(), p, p + size);
    return Status::OK();
  }
  RETURN_IF_ERROR(Flush());
  return WriteAll(s.fd, static_cast<const char*>(data), size, s.tmp_path);
}

Result<SegmentFileInfo> SegmentFileWriter::Commit() {
  State& s = *state_;
  if (s.committed) return Status::Internal("segment file committed twice");
  char trailer[kTrailerSize];
  std::memcpy(trailer, &s.body_size, 8);
  s.hash.Update(trailer, 8);
  const uint64_t checksum = s.hash.Digest();
  std::memcpy(trailer + 8, &checksum, 8);
  std::memcpy(trailer + 16, kEndMagic, 8);
  const char* p = trailer;
  s.buffer.insert(s.buffer.end(), p, p + kTrailerSize);
  RETURN_IF_ERROR(Flush());
  if (::fsync(s.fd) != 0) return Errno("fsync", s.tmp_path);
  const int fd = s.fd;
  s.fd = -1;
  if (::close(fd) != 0) return Errno("close", s.tmp_path);
  if (::rename(s.tmp_path.c_str(), s.path.c_str()) != 0) return Errno("rename", s.tmp_path);
  s.committed = true;
  RETURN_IF_ERROR(SyncDirectory(s.dir));
  return SegmentFileInfo{kHeaderSize + s.body_size + kTrailerSize, checksum};
}

// ---------------------------------------------------------------- reader

struct SegmentFileReader::State {
  std::string path;
  int fd = -1;
  SegmentFileInfo info;
  uint64_t body_size = 0;
  uint64_t body_read = 0;  // bytes handed out or buffered
  std::vector<char> buffer;
  size_t buffer_pos = 0;
  HashState hash;
};

SegmentFileReader::SegmentFileReader(std::unique_ptr<State> state) : state_(std::move(state)) {}

SegmentFileReader::~SegmentFileReader() {
  if (state_->fd >= 0) ::close(state_->fd);
}

const SegmentFileInfo& SegmentFileReader::info() const { return state_->info; }

Result<std::unique_ptr<SegmentFileReader>> SegmentFileReader::Open(const std::string& path) {
  auto state = std::make_unique<State>();
  if (state->hash.state == nullptr) return Status::Internal("out of memory for a hash state");
  state->path = path;
  state->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (state->fd < 0) {
    if (errno == ENOENT) return Status::NotFound("segment file " + path + " is missing");
    return Errno("open", path);
  }
  std::unique_ptr<SegmentFileReader> reader(new SegmentFileReader(std::move(state)));
  State& s = *reader->state_;
  struct stat st;
  if (::fstat(s.fd, &st) != 0) return Errno("stat", path);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kHeaderSize + kTrailerSize) return Status::Corruption("segment file " + path + " is truncated");
  char header[kHeaderSize];
  RETURN_IF_ERROR(ReadAll(s.fd, header, kHeaderSize, path));
  uint32_t version = 0;
  std::memcpy(&version, header + 8, 4);
  if (std::memcmp(header, kMagic, 8) != 0) return Status::Corruption(path + " is not a segment file");
  if (version != kVersion) {
    return Status::Corruption("segment file " + path + " has format " + std::to_string(version) +
                              "; this sextant reads format " + std::to_string(kVersion));
  }
  char trailer[kTrailerSize];
  if (::pread(s.fd, trailer, kTrailerSize, static_cast<off_t>(size - kTrailerSize)) !=
      static_cast<ssize_t>(kTrailerSize)) {
    return Errno("read trailer of", path);
  }
  if (std::memcmp(trailer + 16, kEndMagic, 8) != 0) {
    return Status::Corruption("segment file " + path + " has no end marker (torn write?)");
  }
  std::memcpy(&s.body_size, trailer, 8);
  std::memcpy(&s.info.checksum, trailer + 8, 8);
  s.info.size = size;
  if (s.body_size != size - kHeaderSize - kTrailerSize) {
    return Status::Corruption("segment file " + path + " has the wrong size for its trailer");
  }
  s.hash.Update(header, kHeaderSize);
  s.buffer.reserve(kBufferSize);
  return reader;
}

Status SegmentFileReader::Read(void* data, size_t size) {
  State& s = *state_;
  char* out = static_cast<char*>(data);
  while (size > 0) {
    if (s.buffer_pos == s.buffer.size()) {
      const uint64_t left = s.body_size - s.body_read;
      if (left == 0) return Status::Corruption("segment file " + s.path + " ends too early for its contents");
      if (size >= kBufferSize) {
        // Large reads (the vectors and graph) go straight to their destination.
        const size_t n = static_cast<size_t>(std::min<uint64_t>(size, left));
        RETURN_IF_ERROR(ReadAll(s.fd, out, n, s.path));
        s.hash.Update(out, n);
        s.body_read += n;
        out += n;
        size -= n;
        continue;
      }
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kBufferSize, left));
      s.buffer.resize(n);
      RETURN_IF_ERROR(ReadAll(s.fd, s.buffer.data(), n, s.path));
      s.hash.Update(s.buffer.data(), n);
      s.body_read += n;
      s.buffer_pos = 0;
    }
    const size_t n = std::min(size, s.buffer.size() - s.buffer_pos);
    std::memcpy(out, s.buffer.data() + s.buffer_pos, n);
    s.buffer_pos += n;
    out += n;
    size -= n;
  }
  return Status::OK();
}

uint64_t SegmentFileReader::remaining() const {
  const State& s = *state_;
  return (s.body_size - s.body_read) + (s.buffer.size() - s.buffer_pos);
}

Status SegmentFileReader::Finish() {
  State& s = *state_;
  if (s.buffer_pos != s.buffer.size() || s.body_read != s.body_size) {
    return Status::Corruption("segment file " + s.path + " has bytes its contents do not account for");
  }
  s.hash.Update(&s.body_size, 8);
  if (s.hash.Digest() != s.info.checksum) {
    return Status::Corruption("segment file " + s.path + " fails its checksum");
  }
  return Status::OK();
}

}  // namespace sextant
