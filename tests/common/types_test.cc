#include <catch2/catch.hpp>

#include "common/status.h"
#include "common/types.h"

namespace sextant {

TEST_CASE("PointId parses every UUID form Qdrant accepts and prints it canonically", "[common]") {
  const std::string canonical = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";
  for (const std::string& text : {canonical, std::string("5C56C793-69F3-4FBF-87E6-C4BF54C28C26"),
                                 std::string("5c56c79369f34fbf87e6c4bf54c28c26"),
                                 "{" + canonical + "}", "urn:uuid:" + canonical}) {
    auto id = PointId::ParseUuid(text);
    REQUIRE(id.has_value());
    CHECK(id->ToString() == canonical);
  }
}

TEST_CASE("PointId rejects malformed UUIDs", "[common]") {
  for (const char* text : {"", "1", "5c56c793-69f3-4fbf-87e6-c4bf54c28c2", "5c56c79369f3-4fbf-87e6-c4bf54c28c26x",
                           "zc56c793-69f3-4fbf-87e6-c4bf54c28c26", "5c56c793_69f3_4fbf_87e6_c4bf54c28c26"}) {
    CHECK_FALSE(PointId::ParseUuid(text).has_value());
  }
}

TEST_CASE("Integer ids sort before UUIDs, each in their own order", "[common]") {
  const PointId small = PointId::Num(1), big = PointId::Num(UINT64_MAX);
  const PointId u1 = *PointId::ParseUuid("00000000-0000-0000-0000-000000000001");
  const PointId u2 = *PointId::ParseUuid("ffffffff-0000-0000-0000-000000000000");
  CHECK(small < big);
  CHECK(big < u1);
  CHECK(u1 < u2);
  CHECK(PointId::Num(7) == PointId::Num(7));
  CHECK(PointIdHash{}(u1) != PointIdHash{}(u2));
}

TEST_CASE("Scores follow Qdrant's convention per metric", "[common]") {
  CHECK(ScoreFromDistance(Metric::kCosine, 0.25f) == Approx(0.75f));
  CHECK(ScoreFromDistance(Metric::kDot, -1.0f) == Approx(2.0f));
  CHECK(ScoreFromDistance(Metric::kEuclid, 9.0f) == Approx(3.0f));
  CHECK(ScoreFromDistance(Metric::kManhattan, 4.0f) == Approx(4.0f));
  CHECK(HigherIsCloser(Metric::kCosine));
  CHECK_FALSE(HigherIsCloser(Metric::kEuclid));
  CHECK(ParseMetric("Euclid") == Metric::kEuclid);
  CHECK_FALSE(ParseMetric("L2").has_value());
}

TEST_CASE("Result carries a value or the Status that explains its absence", "[common]") {
  Result<int> ok = 3;
  REQUIRE(ok.ok());
  CHECK(*ok == 3);
  Result<int> bad = Status::NotFound("x");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kNotFound);
  CHECK(Status::IOError("disk").WithContext("write").message() == "write: disk");
}

}  // namespace sextant
