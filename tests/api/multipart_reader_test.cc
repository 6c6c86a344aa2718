#include <catch2/catch.hpp>

#include <random>

#include "api/body/multipart_reader.h"

namespace sextant::api {

namespace {

struct ReadPart {
  MultipartPart part;
  std::string data;
};

// Every part of `body`, read with at most `max_read` bytes per body read and
// `piece` bytes per part read.
Result<std::vector<ReadPart>> ReadAll(const std::string& body, const std::string& boundary, size_t max_read,
                                      size_t piece) {
  StringBodyReader reader(body, max_read);
  MultipartReader parts(reader, boundary);
  std::vector<ReadPart> out;
  while (true) {
    ASSIGN_OR_RETURN(auto part, parts.NextPart());
    if (!part) return out;
    ReadPart p{*part, ""};
    std::string buf(piece, '\0');
    while (true) {
      ASSIGN_OR_RETURN(size_t n, parts.Read(buf.data(), buf.size()));
      if (n == 0) break;
      p.data.append(buf.data(), n);
    }
    out.push_back(std::move(p));
  }
}

}  // namespace

TEST_CASE("Multipart bodies are split into their parts whatever the read sizes", "[api][multipart]") {
  std::mt19937 rng(7);
  std::string binary(5000, '\0');
  for (char& c : binary) c = static_cast<char>(rng());
  // Data that looks like the boundary, without being it.
  const std::string tricky = "\r\n--bound\r\n--boundar\r\n-boundary";
  const std::string body = "preamble to ignore\r\n--boundary\r\n"
                           "Content-Disposition: form-data; name=\"snapshot\"; filename=\"a b.snapshot\"\r\n"
                           "Content-Type: application/octet-stream\r\n\r\n" +
                           binary + "\r\n--boundary  \r\n" +
                           "content-disposition: form-data; name=second\r\n\r\n" + tricky + "\r\n--boundary\r\n" +
                           "Content-Disposition: form-data; name=\"empty\"\r\n\r\n" + "\r\n--boundary--\r\nepilogue";
  for (size_t max_read : {size_t{1}, size_t{3}, size_t{17}, size_t{4096}, SIZE_MAX}) {
    for (size_t piece : {size_t{1}, size_t{100}, size_t{1 << 20}}) {
      INFO("max_read " << max_read << " piece " << piece);
      auto parts = ReadAll(body, "boundary", max_read, piece);
      REQUIRE(parts.ok());
      REQUIRE(parts->size() == 3);
      CHECK((*parts)[0].part.name == "snapshot");
      CHECK((*parts)[0].part.filename == "a b.snapshot");
      CHECK((*parts)[0].part.content_type == "application/octet-stream");
      CHECK((*parts)[0].data == binary);
      CHECK((*parts)[1].part.name == "second");
      CHECK((*parts)[1].data == tricky);
      CHECK((*parts)[2].part.name == "empty");
      CHECK((*parts)[2].data.empty());
    }
  }
}

TEST_CASE("Malformed multipart bodies are refused", "[api][multipart]") {
  const std::string head = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n";
  for (const std::string& body : std::vector<std::string>{"", "no boundary at all", head + "data without an end",
                                 "--b\r\nContent-Disposition: form-data; name=x\r\nno empty line",
                                 "--b\r\n" + std::string(20000, 'h'), head + "data\r\n--b"}) {
    INFO(body.substr(0, 60));
    CHECK(ReadAll(body, "b", SIZE_MAX, 64).status().code() == Status::Code::kInvalidArgument);
  }
  CHECK(MultipartReader::BoundaryOf("multipart/form-data; boundary=abc").value() == "abc");
  CHECK(MultipartReader::BoundaryOf("multipart/form-data; boundary=\"a b\"").value() == "a b");
  CHECK(MultipartReader::BoundaryOf("Multipart/Form-Data;charset=utf-8;Boundary=x1").value() == "x1");
  CHECK(!MultipartReader::BoundaryOf("application/json").ok());
  CHECK(!MultipartReader::BoundaryOf("multipart/form-data").ok());
}

}  // namespace sextant::api
