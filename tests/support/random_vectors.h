// Deterministic random vectors for tests (fixed seeds).
#pragma once

#include <random>
#include <vector>

namespace sextant::testing {

inline std::vector<float> RandomVectors(size_t n, size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n * dim);
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace sextant::testing
