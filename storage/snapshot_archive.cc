// The only file that includes libarchive and OpenSSL.
#include "storage/snapshot_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "storage/segment_file.h"

namespace sextant {

namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = size_t{1} << 20;
constexpr size_t kMaxManifestBytes = size_t{16} << 20;

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
      hex.push_back(kHex[digest[i] >> 4]);
      hex.push_back(kHex[digest[i] & 15]);
    }
    return hex;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

std::string ArchiveError(archive* a) {
  const char* e = archive_error_string(a);
  return e != nullptr ? e : "unknown archive error";
}

// Adds one member from `data` (the manifest) or from the file at `path`.
Status WriteMember(archive* a, const std::string& name, const std::string* data, const std::string& path,
                   std::string* sha256, uint64_t* size) {
  uint64_t bytes = 0;
  std::unique_ptr<Fd> in;
  if (data != nullptr) {
    bytes = data->size();
  } else {
    in = std::make_unique<Fd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st{};
    if (in->fd < 0 || ::fstat(in->fd, &st) != 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
    bytes = static_cast<uint64_t>(st.st_size);
  }
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(bytes));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) return Status::IOError("tar header: " + ArchiveError(a));
  Sha256 hash;
  if (data != nullptr) {
    hash.Update(data->data(), data->size());
    if (archive_write_data(a, data->data(), data->size()) != static_cast<la_ssize_t>(data->size())) {
      return Status::IOError("tar write: " + ArchiveError(a));
    }
  } else {
    std::vector<char> buffer(kChunk);
    uint64_t done = 0;
    while (done < bytes) {
      const ssize_t n = ::read(in->fd, buffer.data(), std::min<uint64_t>(kChunk, bytes - done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::IOError(path + " changed size while it was archived");
      hash.Update(buffer.data(), static_cast<size_t>(n));
      if (archive_write_data(a, buffer.data(), static_cast<size_t>(n)) != n) {
        return Status::IOError("tar write: " + ArchiveError(a));
      }
      done += static_cast<uint64_t>(n);
    }
  }
  *sha256 = hash.HexDigest();
  *size = bytes;
  return Status::OK();
}

struct ManifestEntry {
  std::string sha256;
  uint64_t size = 0;
};

struct Manifest {
  std::map<std::string, std::string> meta;
  std::map<std::string, ManifestEntry> files;
};

Result<Manifest> ParseManifest(const std::string& full_text) {
  // The last line is "end <SHA-256 of everything before it>".
  constexpr size_t kEndLine = 4 + 64 + 1;
  if (full_text.size() < kEndLine || full_text.back() != '\n' ||
      full_text.compare(full_text.size() - kEndLine, 4, "end ") != 0) {
    return Status::Corruption("snapshot manifest: no end line (truncated or foreign)");
  }
  const std::string text = full_text.substr(0, full_text.size() - kEndLine);
  Sha256 hash;
  hash.Update(text.data(), text.size());
  if (full_text.compare(full_text.size() - kEndLine + 4, 64, hash.HexDigest()) != 0) {
    return Status::Corruption("snapshot manifest: its checksum does not match (damaged)");
  }
  Manifest m;
  std::istringstream lines(text);
  std::string line;
  if (!std::getline(lines, line) || line != "sextant-snapshot " + std::to_string(kSnapshotFormat)) {
    return Status::Corruption("snapshot manifest of an unknown format (\"" + line.substr(0, 40) + "\")");
  }
  while (std::getline(lines, line)) {
    if (line.rfind("meta ", 0) == 0) {
      const size_t space = line.find(' ', 5);
      if (space == std::string::npos) return Status::Corruption("snapshot manifest: bad meta line");
      m.meta[line.substr(5, space - 5)] = line.substr(space + 1);
    } else if (line.rfind("file ", 0) == 0) {
      std::istringstream fields(line.substr(5));
      ManifestEntry e;
      std::string name;
      if (!(fields >> e.sha256 >> e.size) || !std::getline(fields >> std::ws, name) || e.sha256.size() != 64 ||
          !IsSafeSnapshotMemberName(name) || !m.files.emplace(name, e).second) {
        return Status::Corruption("snapshot manifest: bad file line");
      }
    } else if (!line.empty()) {
      return Status::Corruption("snapshot manifest: unknown line");
    }
  }
  return m;
}

// A tar header's size field: octal text, or base-256 (high bit set) for
// sizes of 8 GiB and more.
std::optional<uint64_t> TarSize(const unsigned char* field) {
  uint64_t size = 0;
  if (field[0] & 0x80) {
    if ((field[0] & 0x7f) != 0) return std::nullopt;
    for (int i = 1; i < 12; ++i) {
      if (size >> 56) return std::nullopt;
      size = (size << 8) | field[i];
    }
    return size;
  }
  int i = 0;
  while (i < 12 && field[i] == ' ') ++i;
  bool digits = false;
  for (; i < 12 && field[i] >= '0' && field[i] <= '7'; ++i) {
    size = size * 8 + static_cast<uint64_t>(field[i] - '0');
    digits = true;
  }
  for (; i < 12; ++i) {
    if (field[i] != ' ' && field[i] != 0) return std::nullopt;
  }
  if (!digits) return std::nullopt;
  return size;
}

bool AllZero(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// Walks the tar blocks: every header's size field readable, the padding after
// each member's data zero, the end-of-archive mark (two zero blocks) present,
// nothing but zeros after it.
Status VerifyTarLayout(const std::string& path) {
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(in.fd, &st) != 0) return Status::IOError("stat " + path + ": " + std::strerror(errno));
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (file_size == 0) return Status::Corruption("not a snapshot archive: the file is empty");
  unsigned char block[512];
  auto read_at = [&](uint64_t offset, size_t n) {
    return ::pread(in.fd, block, n, static_cast<off_t>(offset)) == static_cast<ssize_t>(n);
  };
  const auto read_error = [&] { return Status::IOError("read " + path + ": " + std::strerror(errno)); };
  uint64_t offset = 0;
  while (true) {
    if (offset + 512 > file_size) return Status::Corruption("truncated archive: no end-of-archive mark");
    if (!read_at(offset, 512)) return read_error();
    if (AllZero(block, 512)) {
      if (offset + 1024 > file_size) return Status::Corruption("truncated archive: the end-of-archive mark is cut");
      break;
    }
    auto size = TarSize(block + 124);
    // The header checksum (which libarchive verifies) catches a change of any
    // other header byte; its own field must then be exactly "dddddd\0 ", as
    // tar writes it, or a flip that reads as the same number ('0' to ' ',
    // '\0' to ' ') would pass.
    bool checksum_field = block[154] == 0 && block[155] == ' ';
    for (int i = 148; i < 154; ++i) checksum_field = checksum_field && block[i] >= '0' && block[i] <= '7';
    if (!size || !checksum_field) return Status::Corruption("damaged tar header at byte " + std::to_string(offset));
    const uint64_t padded = (*size + 511) / 512 * 512;
    if (*size > file_size || offset + 512 + padded > file_size) {
      return Status::Corruption("truncated archive: the member at byte " + std::to_string(offset) +
                                " runs past the end of the file");
    }
    const uint64_t pad = padded - *size;
    if (pad != 0) {
      if (!read_at(offset + 512 + *size, static_cast<size_t>(pad))) return read_error();
      if (!AllZero(block, static_cast<size_t>(pad))) {
        return Status::Corruption("damaged archive: non-zero padding after the member at byte " +
                                  std::to_string(offset));
      }
    }
    offset += 512 + padded;
  }
  // The end mark is two zero blocks; nothing else may follow.
  for (offset += 512; offset < file_size; offset += 512) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(512, file_size - offset));
    if (!read_at(offset, n)) return read_error();
    if (!AllZero(block, n)) {
      return Status::Corruption("damaged archive: data after the end-of-archive mark at byte " +
                                std::to_string(offset));
    }
  }
  return Status::OK();
}

}  // namespace

bool IsSafeSnapshotMemberName(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t slash = std::min(name.find('/', start), name.size());
    const std::string segment = name.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-' || c == '@';
      if (!ok) return false;
    }
    start = slash + 1;
  }
  return name != kSnapshotManifestName;
}

Result<std::string> Sha256OfFile(const std::string& path) {
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
  Sha256 hash;
  std::vector<char> buffer(kChunk);
  while (true) {
    const ssize_t n = ::read(in.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    hash.Update(buffer.data(), static_cast<size_t>(n));
  }
  return hash.HexDigest();
}

Result<SnapshotArchiveInfo> WriteSnapshotArchive(const std::string& path, const std::vector<SnapshotMember>& members,
                                                 const std::map<std::string, std::string>& meta) {
  std::string manifest = "sextant-snapshot " + std::to_string(kSnapshotFormat) + "\n";
  for (const auto& [key, value] : meta) {
    if (key.empty() || key.find_first_of(" \n") != std::string::npos || value.find('\n') != std::string::npos) {
      return Status::InvalidArgument("snapshot metadata " + key + " cannot be written on one line");
    }
    manifest += "meta " + key + " " + value + "\n";
  }
  std::set<std::string> names;
  for (const SnapshotMember& m : members) {
    if (!IsSafeSnapshotMemberName(m.name) || !names.insert(m.name).second) {
      return Status::InvalidArgument("invalid or repeated snapshot member name " + m.name);
    }
  }
  const std::string tmp = path + ".tmp";
  {
    std::unique_ptr<archive, ArchiveWriteFree> a(archive_write_new());
    // No padding after the end-of-archive blocks: every byte of the file is
    // then checked on extraction (VerifyTarLayout).
    if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK ||
        archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK) {
      return Status::IOError("create " + tmp + ": " + ArchiveError(a.get()));
    }
    for (const SnapshotMember& m : members) {
      std::string sha;
      uint64_t size = 0;
      Status s = WriteMember(a.get(), m.name, nullptr, m.path, &sha, &size);
      if (!s.ok()) {
        std::remove(tmp.c_str());
        return s;
      }
      manifest += "file " + sha + " " + std::to_string(size) + " " + m.name + "\n";
    }
    // The manifest's own checksum, so that no byte of it can change unseen.
    Sha256 manifest_hash;
    manifest_hash.Update(manifest.data(), manifest.size());
    manifest += "end " + manifest_hash.HexDigest() + "\n";
    std::string sha;
    uint64_t size = 0;
    Status s = WriteMember(a.get(), kSnapshotManifestName, &manifest, "", &sha, &size);
    if (s.ok() && archive_write_close(a.get()) != ARCHIVE_OK) s = Status::IOError("tar close: " + ArchiveError(a.get()));
    if (!s.ok()) {
      std::remove(tmp.c_str());
      return s;
    }
  }
  Status synced = SyncFile(tmp);
  if (synced.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    synced = Status::IOError("rename " + tmp + ": " + std::strerror(errno));
  }
  if (!synced.ok()) {
    std::remove(tmp.c_str());
    return synced;
  }
  RETURN_IF_ERROR(SyncDirectory(fs::path(path).parent_path().string()));
  SnapshotArchiveInfo info;
  std::error_code ec;
  info.size = fs::file_size(path, ec);
  if (ec) return Status::IOError("stat " + path + ": " + ec.message());
  ASSIGN_OR_RETURN(info.sha256, Sha256OfFile(path));
  return info;
}

Result<std::map<std::string, std::string>> ExtractSnapshotArchive(const std::string& path, const std::string& dir) {
  // libarchive skips the padding after each member and whatever follows the
  // end-of-archive block without reading it; the manifest's hashes cover the
  // members' contents and the tar header checksums the headers, so this
  // covers the rest: one flipped byte anywhere is refused.
  RETURN_IF_ERROR(VerifyTarLayout(path));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message());
  std::unique_ptr<archive, ArchiveReadFree> a(archive_read_new());
  archive_read_support_format_tar(a.get());  // tar only: anything else is foreign
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return Status::Corruption("not a snapshot archive: " + ArchiveError(a.get()));
  }
  std::map<std::string, ManifestEntry> extracted;
  std::optional<std::string> manifest_text;
  std::vector<char> buffer(kChunk);
  while (true) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return Status::Corruption("snapshot archive damaged: " + ArchiveError(a.get()));
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    if (archive_entry_filetype(entry) != AE_IFREG) {
      return Status::Corruption("snapshot archive holds something other than a file: " + name);
    }
    const bool is_manifest = name == kSnapshotManifestName;
    if (is_manifest ? manifest_text.has_value() : (!IsSafeSnapshotMemberName(name) || extracted.count(name) > 0)) {
      return Status::Corruption("snapshot archive member with an unsafe or repeated name: " + name.substr(0, 100));
    }
    Sha256 hash;
    uint64_t size = 0;
    std::unique_ptr<Fd> out;
    std::string target;
    if (!is_manifest) {
      target = dir + "/" + name;
      fs::create_directories(fs::path(target).parent_path(), ec);
      if (ec) return Status::IOError("create " + target + ": " + ec.message());
      out = std::make_unique<Fd>(::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (out->fd < 0) return Status::IOError("create " + target + ": " + std::strerror(errno));
    } else {
      manifest_text.emplace();
    }
    while (true) {
      const la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n < 0) return Status::Corruption("snapshot archive damaged: " + ArchiveError(a.get()));
      if (n == 0) break;
      hash.Update(buffer.data(), static_cast<size_t>(n));
      size += static_cast<uint64_t>(n);
      if (is_manifest) {
        if (manifest_text->size() + static_cast<size_t>(n) > kMaxManifestBytes) {
          return Status::Corruption("snapshot manifest too large");
        }
        manifest_text->append(buffer.data(), static_cast<size_t>(n));
        continue;
      }
      for (la_ssize_t done = 0; done < n;) {
        const ssize_t w = ::write(out->fd, buffer.data() + done, static_cast<size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return Status::IOError("write " + target + ": " + std::strerror(errno));
        done += w;
      }
    }
    if (!is_manifest) {
      if (::fsync(out->fd) != 0) return Status::IOError("fsync " + target + ": " + std::strerror(errno));
      extracted[name] = ManifestEntry{hash.HexDigest(), size};
    }
  }
  if (!manifest_text) return Status::Corruption("not a snapshot archive: no manifest (empty or foreign file)");
  ASSIGN_OR_RETURN(Manifest manifest, ParseManifest(*manifest_text));
  for (const auto& [name, want] : manifest.files) {
    auto it = extracted.find(name);
    if (it == extracted.end()) return Status::Corruption("snapshot archive is missing " + name);
    if (it->second.size != want.size || it->second.sha256 != want.sha256) {
      return Status::Corruption("snapshot member " + name + " does not match its checksum");
    }
  }
  if (extracted.size() != manifest.files.size()) {
    return Status::Corruption("snapshot archive holds files its manifest does not list");
  }
  return manifest.meta;
}

}  // namespace sextant
