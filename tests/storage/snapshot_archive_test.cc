#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "storage/snapshot_archive.h"
#include "support/temp_dir.h"

namespace sextant {

namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// A tar written by hand (libarchive), for archives our writer refuses to make.
void WriteRawTar(const std::string& path, const std::vector<std::pair<std::string, std::string>>& files,
                 const std::string& symlink = "") {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  for (const auto& [name, data] : files) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  if (!symlink.empty()) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, symlink.c_str());
    archive_entry_set_filetype(e, AE_IFLNK);
    archive_entry_set_symlink(e, "/etc/passwd");
    archive_write_header(a, e);
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

struct Fixture {
  testing::TempDir tmp;
  std::string archive = tmp.Sub("snap.tar");
  std::map<std::string, std::string> contents = {
      {"store/CURRENT", "MANIFEST-000001\n"},
      {"store/000007.sst", RandomBytes(3 << 20, 1)},
      {"segments/seg-000001.idx", RandomBytes(100000, 2)},
      {"empty", ""},
  };
  std::map<std::string, std::string> meta = {{"format", "1"}, {"collection", "c@1"}, {"config", "dim=4 metric=Cosine"}};

  Fixture() {
    std::vector<SnapshotMember> members;
    for (const auto& [name, data] : contents) {
      WriteAll(tmp.Sub("src/" + name), data);
      members.push_back({name, tmp.Sub("src/" + name)});
    }
    auto info = WriteSnapshotArchive(archive, members, meta);
    REQUIRE(info.ok());
    CHECK(info->size == fs::file_size(archive));
    CHECK(info->sha256 == *Sha256OfFile(archive));
    CHECK(info->sha256.size() == 64);
  }
  Status Extract(const std::string& path) { return ExtractSnapshotArchive(path, tmp.Sub("out")).status(); }
};

}  // namespace

TEST_CASE("A snapshot archive extracts to exactly what was written", "[storage][snapshot]") {
  Fixture f;
  auto meta = ExtractSnapshotArchive(f.archive, f.tmp.Sub("out"));
  REQUIRE(meta.ok());
  CHECK(*meta == f.meta);
  for (const auto& [name, data] : f.contents) CHECK(ReadAll(f.tmp.Sub("out/" + name)) == data);
  CHECK_FALSE(fs::exists(f.archive + ".tmp"));
  CHECK(*Sha256OfFile(f.tmp.Sub("src/empty")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("Damaged, truncated, empty and foreign archives are refused with a reason", "[storage][snapshot]") {
  Fixture f;
  const std::string bytes = ReadAll(f.archive);
  SECTION("one flipped byte inside a member") {
    std::string damaged = bytes;
    const size_t at = damaged.find(f.contents["store/000007.sst"].substr(1000, 64));
    REQUIRE(at != std::string::npos);
    damaged[at] ^= 0x5a;
    WriteAll(f.tmp.Sub("bad.tar"), damaged);
    const Status s = f.Extract(f.tmp.Sub("bad.tar"));
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(s.message().find("store/000007.sst does not match its checksum") != std::string::npos);
  }
  SECTION("one flipped byte in a tar header") {
    std::string damaged = bytes;
    damaged[148] ^= 0x01;  // the first header's checksum field
    WriteAll(f.tmp.Sub("bad.tar"), damaged);
    CHECK(f.Extract(f.tmp.Sub("bad.tar")).code() == Status::Code::kCorruption);
  }
  SECTION("truncated anywhere, even in the end-of-archive mark") {
    const size_t in_manifest = bytes.find("sextant-snapshot 1") + 10;
    for (size_t cut : {size_t{100}, size_t{512}, bytes.size() / 2, in_manifest, bytes.size() - 512,
                       bytes.size() - 1}) {
      WriteAll(f.tmp.Sub("cut.tar"), bytes.substr(0, cut));
      CHECK(f.Extract(f.tmp.Sub("cut.tar")).code() == Status::Code::kCorruption);
    }
  }
  SECTION("empty") {
    WriteAll(f.tmp.Sub("empty.tar"), "");
    CHECK(f.Extract(f.tmp.Sub("empty.tar")).code() == Status::Code::kCorruption);
  }
  SECTION("foreign: random bytes, text, a tar without our manifest") {
    WriteAll(f.tmp.Sub("random"), RandomBytes(5000, 3));
    CHECK(f.Extract(f.tmp.Sub("random")).code() == Status::Code::kCorruption);
    WriteAll(f.tmp.Sub("text"), "hello, this is not a tar file\n");
    CHECK(f.Extract(f.tmp.Sub("text")).code() == Status::Code::kCorruption);
    WriteRawTar(f.tmp.Sub("plain.tar"), {{"a", "1"}, {"b", "2"}});
    const Status s = f.Extract(f.tmp.Sub("plain.tar"));
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(s.message().find("no manifest") != std::string::npos);
  }
}

TEST_CASE("Any one flipped byte of an archive is refused", "[storage][snapshot]") {
  // Small members, so that every byte can be tried: headers, data, padding,
  // the manifest and the end-of-archive mark.
  testing::TempDir tmp;
  WriteAll(tmp.Sub("src/a"), "1");
  WriteAll(tmp.Sub("src/b"), RandomBytes(700, 4));
  WriteAll(tmp.Sub("src/c"), "");
  auto info = WriteSnapshotArchive(tmp.Sub("s.tar"), {{"a", tmp.Sub("src/a")}, {"dir/b", tmp.Sub("src/b")},
                                                      {"c", tmp.Sub("src/c")}},
                                   {{"kind", "collection"}, {"seq", "42"}});
  REQUIRE(info.ok());
  const std::string bytes = ReadAll(tmp.Sub("s.tar"));
  REQUIRE(bytes.size() % 512 == 0);
  size_t accepted = 0;
  for (size_t at = 0; at < bytes.size(); ++at) {
    std::string damaged = bytes;
    damaged[at] ^= static_cast<char>(1 << (at % 8));
    WriteAll(tmp.Sub("bad.tar"), damaged);
    fs::remove_all(tmp.Sub("out"));
    if (ExtractSnapshotArchive(tmp.Sub("bad.tar"), tmp.Sub("out")).ok()) {
      ++accepted;
      UNSCOPED_INFO("accepted a flip at byte " << at);
    }
  }
  CHECK(accepted == 0);
}

TEST_CASE("Archives that would escape the directory, or lie in their manifest, are refused", "[storage][snapshot]") {
  testing::TempDir tmp;
  const std::string manifest_header = "sextant-snapshot 1\n";
  const std::string sha_of_1 = "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b";
  auto extract = [&](const std::string& path) { return ExtractSnapshotArchive(path, tmp.Sub("out")).status(); };
  // A manifest text with the end line a writer adds (its own SHA-256).
  auto sealed = [&](const std::string& text) {
    WriteAll(tmp.Sub("manifest-text"), text);
    return text + "end " + *Sha256OfFile(tmp.Sub("manifest-text")) + "\n";
  };
  SECTION("path traversal and absolute names") {
    for (const std::string name : {"../evil", "a/../../evil", "/etc/evil", "a//b"}) {
      WriteRawTar(tmp.Sub("t.tar"), {{name, "1"}, {"MANIFEST", sealed(manifest_header + "file " + sha_of_1 + " 1 x\n")}});
      CHECK(extract(tmp.Sub("t.tar")).code() == Status::Code::kCorruption);
    }
    CHECK_FALSE(fs::exists(tmp.Sub("evil")));
  }
  SECTION("a symlink") {
    WriteRawTar(tmp.Sub("t.tar"), {{"MANIFEST", sealed(manifest_header)}}, "link");
    CHECK(extract(tmp.Sub("t.tar")).code() == Status::Code::kCorruption);
  }
  SECTION("a manifest whose end line does not match it, or that has none") {
    std::string text = sealed(manifest_header + "meta kind collection\n");
    text[text.find("collection")] = 'C';
    WriteRawTar(tmp.Sub("t.tar"), {{"MANIFEST", text}});
    CHECK(extract(tmp.Sub("t.tar")).message().find("checksum does not match") != std::string::npos);
    WriteRawTar(tmp.Sub("t.tar"), {{"MANIFEST", manifest_header}});
    CHECK(extract(tmp.Sub("t.tar")).message().find("no end line") != std::string::npos);
  }
  SECTION("a member the manifest does not list, one it lists that is missing, a wrong size") {
    WriteRawTar(tmp.Sub("t.tar"), {{"a", "1"}, {"MANIFEST", sealed(manifest_header)}});
    CHECK(extract(tmp.Sub("t.tar")).code() == Status::Code::kCorruption);
    WriteRawTar(tmp.Sub("t.tar"), {{"MANIFEST", sealed(manifest_header + "file " + sha_of_1 + " 1 a\n")}});
    CHECK(extract(tmp.Sub("t.tar")).message().find("missing a") != std::string::npos);
    WriteRawTar(tmp.Sub("t.tar"), {{"a", "1"}, {"MANIFEST", sealed(manifest_header + "file " + sha_of_1 + " 2 a\n")}});
    CHECK(extract(tmp.Sub("t.tar")).code() == Status::Code::kCorruption);
  }
  SECTION("a manifest of another format, or two manifests") {
    WriteRawTar(tmp.Sub("t.tar"), {{"MANIFEST", sealed("sextant-snapshot 2\n")}});
    CHECK(extract(tmp.Sub("t.tar")).message().find("unknown format") != std::string::npos);
    WriteRawTar(tmp.Sub("t.tar"), {{"MANIFEST", sealed(manifest_header)}, {"MANIFEST", sealed(manifest_header)}});
    CHECK(extract(tmp.Sub("t.tar")).code() == Status::Code::kCorruption);
  }
  SECTION("the writer refuses unsafe names and metadata") {
    WriteAll(tmp.Sub("f"), "x");
    for (const std::string name : {"../f", "/f", "a//f", "MANIFEST", "", "a/./f", "sp ace"}) {
      CHECK(WriteSnapshotArchive(tmp.Sub("w.tar"), {{name, tmp.Sub("f")}}, {}).status().code() ==
            Status::Code::kInvalidArgument);
    }
    CHECK(WriteSnapshotArchive(tmp.Sub("w.tar"), {}, {{"k", "two\nlines"}}).status().code() ==
          Status::Code::kInvalidArgument);
    CHECK_FALSE(fs::exists(tmp.Sub("w.tar")));
  }
}

TEST_CASE("Snapshot member names", "[storage][snapshot]") {
  CHECK(IsSafeSnapshotMemberName("store/000001.sst"));
  CHECK(IsSafeSnapshotMemberName("c@1/segments/seg-000001.idx"));
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "../a", "a/..", "/a", "a/", "a//b", "a\\b",
                                                         "a b", "MANIFEST", std::string(256, 'a')}) {
    CHECK_FALSE(IsSafeSnapshotMemberName(bad));
  }
}

}  // namespace sextant
