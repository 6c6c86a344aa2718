// The drift monitor's hand-written pieces against their plain definitions:
// the polynomial cosine, the batched random features, the fingerprint set.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <unordered_set>

#include "core/drift/fingerprint_set.h"
#include "core/drift/random_features.h"

namespace sextant {

TEST_CASE("PolynomialCos matches std::cos and stays finite on any input", "[core][drift]") {
  std::mt19937_64 rng(3);
  double worst = 0;
  for (double range : {1.0, 10.0, 1000.0, 1e6}) {
    std::uniform_real_distribution<double> x(-range, range);
    for (int i = 0; i < 20000; ++i) {
      const double v = x(rng);
      worst = std::max(worst, std::abs(PolynomialCos(v) - std::cos(v)));
    }
  }
  INFO("worst " << worst);
  CHECK(worst < 1e-12);
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, M_PI, -M_PI, 2 * M_PI, 1e15, -1e15, 1e300, -1e300, inf, -inf, std::nan("")}) {
    const double c = PolynomialCos(v);
    CHECK(std::isfinite(c));
    CHECK(std::abs(c) <= 1 + 1e-12);
  }
}

TEST_CASE("AddRandomFeatures sums sqrt(2/F) cos(w.x + b) over the points", "[core][drift]") {
  // Dimensions that make blocks of one point and of several, with a tail.
  for (size_t dim : {3, 100, 2500}) {
    const size_t features = 64, n = 70;
    std::mt19937_64 rng(dim);
    std::normal_distribution<float> g(0, 0.3f);
    std::vector<float> w(features * dim), b(features), points(n * dim);
    for (float& v : w) v = g(rng);
    for (float& v : b) v = std::abs(g(rng)) * 6;
    for (float& v : points) v = g(rng);
    std::vector<const float*> rows;
    for (size_t i = 0; i < n; ++i) rows.push_back(&points[i * dim]);
    std::vector<double> sums(features, 0), expected(features, 0);
    AddRandomFeatures(w, b, dim, rows.data(), n, sums.data());
    for (size_t i = 0; i < n; ++i) {
      for (size_t f = 0; f < features; ++f) {
        double proj = b[f];
        for (size_t x = 0; x < dim; ++x) proj += double{w[f * dim + x]} * points[i * dim + x];
        expected[f] += std::sqrt(2.0 / features) * std::cos(proj);
      }
    }
    for (size_t f = 0; f < features; ++f) CHECK(sums[f] == Approx(expected[f]).margin(1e-4));
  }
}

TEST_CASE("FingerprintSet behaves as a set across growth and clears", "[core][drift]") {
  FingerprintSet set;
  std::unordered_set<uint64_t> reference;
  std::mt19937_64 rng(5);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 50000; ++i) {
      // Small values repeat; 0 (the free-slot mark) is one of them.
      const uint64_t h = i % 3 == 0 ? rng() % 1000 : rng();
      CHECK(set.Insert(h) == reference.insert(h == 0 ? 1 : h).second);
    }
    CHECK(set.size() == reference.size());
    set.Clear();
    reference.clear();
    CHECK(set.size() == 0);
  }
}

}  // namespace sextant
