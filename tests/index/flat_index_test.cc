#include <catch2/catch.hpp>

#include <numeric>
#include <thread>

#include "index/flat_index.h"
#include "support/random_vectors.h"

namespace sextant {

namespace {

class EvenOnly final : public OffsetFilter {
 public:
  bool Accepts(Offset o) const override { return o % 2 == 0; }
};

}  // namespace

TEST_CASE("FlatIndex returns the exact nearest neighbours in order", "[index][flat]") {
  const size_t n = 3000, dim = 17;
  auto data = testing::RandomVectors(n, dim, 1);
  FlatIndex index(dim, Metric::kEuclid);
  std::vector<Offset> offsets(n);
  std::iota(offsets.begin(), offsets.end(), 100);
  REQUIRE(index.Add(offsets, MatrixView(data.data(), n, dim)).ok());
  REQUIRE(index.size() == n);

  const float* q = data.data() + 42 * dim;
  auto hits = index.Search({q, dim}, SearchParams{.k = 5});
  REQUIRE(hits.ok());
  REQUIRE(hits->size() == 5);
  CHECK((*hits)[0].offset == 142);
  CHECK((*hits)[0].distance == Approx(0.0f).margin(1e-6));
  for (size_t i = 1; i < hits->size(); ++i) CHECK((*hits)[i - 1].distance <= (*hits)[i].distance);

  // Brute force in double agrees on the 5th distance.
  std::vector<double> all;
  for (size_t r = 0; r < n; ++r) {
    double d = 0;
    for (size_t j = 0; j < dim; ++j) d += (double(data[r * dim + j]) - q[j]) * (double(data[r * dim + j]) - q[j]);
    all.push_back(d);
  }
  std::sort(all.begin(), all.end());
  CHECK((*hits)[4].distance == Approx(all[4]).epsilon(1e-4));
}

TEST_CASE("FlatIndex never returns what the filter rejects and still fills k", "[index][flat]") {
  const size_t n = 500, dim = 8;
  auto data = testing::RandomVectors(n, dim, 2);
  FlatIndex index(dim, Metric::kDot);
  std::vector<Offset> offsets(n);
  std::iota(offsets.begin(), offsets.end(), 0);
  REQUIRE(index.Add(offsets, MatrixView(data.data(), n, dim)).ok());
  EvenOnly even;
  auto hits = index.Search({data.data(), dim}, SearchParams{.k = 20, .filter = &even});
  REQUIRE(hits.ok());
  REQUIRE(hits->size() == 20);
  for (const Hit& h : *hits) CHECK(h.offset % 2 == 0);
}

TEST_CASE("FlatIndex finds each stored vector by offset and refuses a wrong dimension", "[index][flat]") {
  const size_t n = 2500, dim = 3;
  auto data = testing::RandomVectors(n, dim, 3);
  FlatIndex index(dim, Metric::kCosine);
  std::vector<Offset> offsets(n);
  for (size_t i = 0; i < n; ++i) offsets[i] = static_cast<Offset>(i * 3);
  REQUIRE(index.Add(offsets, MatrixView(data.data(), n, dim)).ok());
  CHECK(index.Vector(3 * 2000)[1] == data[2000 * dim + 1]);
  CHECK(index.Vector(1) == nullptr);
  CHECK(index.Add(offsets, MatrixView(data.data(), n, dim + 1)).code() == Status::Code::kInvalidArgument);
  auto bad = index.Search({data.data(), dim + 1}, SearchParams{});
  CHECK(bad.status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("FlatIndex serves searches while one writer appends", "[index][flat][concurrency]") {
  const size_t dim = 16, batches = 200, per_batch = 50;
  auto data = testing::RandomVectors(batches * per_batch, dim, 4);
  FlatIndex index(dim, Metric::kEuclid);
  std::atomic<bool> done{false};
  std::atomic<int> write_failures{0};  // Catch2 assertions are not thread-safe
  std::thread writer([&] {
    for (size_t b = 0; b < batches; ++b) {
      std::vector<Offset> offsets(per_batch);
      std::iota(offsets.begin(), offsets.end(), static_cast<Offset>(b * per_batch));
      if (!index.Add(offsets, MatrixView(data.data() + b * per_batch * dim, per_batch, dim)).ok()) ++write_failures;
    }
    done = true;
  });
  size_t searches = 0;
  while (!done || searches < 10) {
    auto hits = index.Search({data.data(), dim}, SearchParams{.k = 3});
    REQUIRE(hits.ok());
    if (!hits->empty()) CHECK((*hits)[0].offset == 0);
    ++searches;
  }
  writer.join();
  CHECK(write_failures == 0);
  CHECK(index.size() == batches * per_batch);
}

}  // namespace sextant
