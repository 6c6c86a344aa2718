#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/segment_file.h"
#include "support/temp_dir.h"

namespace sextant {

namespace {

std::string Body(size_t size) {
  std::string body(size, '\0');
  for (size_t i = 0; i < size; ++i) body[i] = static_cast<char>(i * 131 + 7);
  return body;
}

Result<SegmentFileInfo> WriteFile(const std::string& dir, const std::string& name, const std::string& body) {
  ASSIGN_OR_RETURN(auto writer, SegmentFileWriter::Create(dir, name));
  // Mixed small and large writes, as an index writes itself.
  RETURN_IF_ERROR(writer->Write(body.data(), std::min<size_t>(body.size(), 10)));
  if (body.size() > 10) RETURN_IF_ERROR(writer->Write(body.data() + 10, body.size() - 10));
  return writer->Commit();
}

// Reads the whole body back; the Status is Finish()'s.
Status ReadBack(const std::string& path, std::string* body) {
  ASSIGN_OR_RETURN(auto reader, SegmentFileReader::Open(path));
  body->assign(reader->info().size - 40, '\0');
  // One small read, then the rest in one large read.
  const size_t first = std::min<size_t>(body->size(), 3);
  RETURN_IF_ERROR(reader->Read(body->data(), first));
  RETURN_IF_ERROR(reader->Read(body->data() + first, body->size() - first));
  return reader->Finish();
}

void FlipByte(const std::string& path, size_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c ^= 0x10;
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("A segment file reads back exactly what was written, checksum verified", "[storage][segment_file]") {
  testing::TempDir dir;
  for (size_t size : {size_t{0}, size_t{5}, size_t{1000}, size_t{3} << 20}) {
    const std::string body = Body(size);
    auto info = WriteFile(dir.path(), "seg", body);
    REQUIRE(info.ok());
    CHECK(info->size == size + 40);
    CHECK(std::filesystem::file_size(dir.Sub("seg")) == size + 40);
    CHECK_FALSE(std::filesystem::exists(dir.Sub("seg.tmp")));
    std::string back;
    REQUIRE(ReadBack(dir.Sub("seg"), &back).ok());
    CHECK(back == body);
  }
}

TEST_CASE("A damaged segment file is detected, never accepted", "[storage][segment_file]") {
  testing::TempDir dir;
  const std::string body = Body(100000);
  REQUIRE(WriteFile(dir.path(), "seg", body).ok());
  const std::string path = dir.Sub("seg");
  std::string back;

  SECTION("one flipped bit anywhere in the body") {
    for (size_t at : {size_t{16}, size_t{5000}, size_t{100015}}) {
      FlipByte(path, at);
      const Status s = ReadBack(path, &back);
      CHECK(s.code() == Status::Code::kCorruption);
      FlipByte(path, at);  // restore
    }
    CHECK(ReadBack(path, &back).ok());
  }
  SECTION("a flipped bit in the magic, the size or the checksum") {
    for (size_t at : {size_t{0}, size_t{100016}, size_t{100024}, size_t{100035}}) {
      FlipByte(path, at);
      CHECK_FALSE(ReadBack(path, &back).ok());
      FlipByte(path, at);
    }
  }
  SECTION("truncated (a torn write)") {
    for (uint64_t size : {uint64_t{0}, uint64_t{10}, uint64_t{50000}, uint64_t{100039}}) {
      std::filesystem::resize_file(path, size);
      CHECK(ReadBack(path, &back).code() == Status::Code::kCorruption);
    }
  }
  SECTION("missing") {
    std::filesystem::remove(path);
    CHECK(ReadBack(path, &back).code() == Status::Code::kNotFound);
  }
  SECTION("a reader that stops early does not pass Finish") {
    auto reader = SegmentFileReader::Open(path);
    REQUIRE(reader.ok());
    char some[100];
    REQUIRE((*reader)->Read(some, sizeof(some)).ok());
    CHECK((*reader)->Finish().code() == Status::Code::kCorruption);
  }
  SECTION("a reader that reads past the body fails") {
    auto reader = SegmentFileReader::Open(path);
    REQUIRE(reader.ok());
    std::string all(100001, '\0');
    CHECK_FALSE((*reader)->Read(all.data(), all.size()).ok());
  }
}

TEST_CASE("An uncommitted segment file leaves nothing behind", "[storage][segment_file]") {
  testing::TempDir dir;
  {
    auto writer = SegmentFileWriter::Create(dir.path(), "seg");
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Write("abc", 3).ok());
    CHECK(std::filesystem::exists(dir.Sub("seg.tmp")));
  }
  CHECK_FALSE(std::filesystem::exists(dir.Sub("seg.tmp")));
  CHECK_FALSE(std::filesystem::exists(dir.Sub("seg")));
}

}  // namespace sextant

namespace sextant {

TEST_CASE("RemoveDirectory removes a tree and what an interrupted removal left", "[storage]") {
  namespace fs = std::filesystem;
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("c@1");
  fs::create_directories(dir + "/store/sub");
  std::ofstream(dir + "/store/sub/file") << "x";
  std::ofstream(dir + "/DELETED") << "";
  // A crash in an earlier removal of the same directory left this.
  fs::create_directories(dir + kRemovingSuffix + std::string("/store"));
  REQUIRE(RemoveDirectory(dir).ok());
  CHECK_FALSE(fs::exists(dir));
  CHECK_FALSE(fs::exists(dir + kRemovingSuffix));
  CHECK(RemoveDirectory(dir).ok());  // already gone: nothing to do
}

}  // namespace sextant
