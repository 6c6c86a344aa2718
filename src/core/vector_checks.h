// Checks and transforms on incoming vectors, shared by writes and queries.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "common/status.h"

namespace sextant {

// Qdrant's wording, which clients show to users.
inline Status CheckVector(const std::vector<float>& v, size_t dim) {
  if (v.size() != dim) {
    return Status::InvalidArgument("Wrong input: Vector dimension error: expected dim: " +
                                   std::to_string(dim) + ", got " + std::to_string(v.size()));
  }
  for (float x : v) {
    if (!std::isfinite(x)) {
      return Status::InvalidArgument("Wrong input: vector contains NaN or infinite values");
    }
  }
  return Status::OK();
}

inline double SquaredNorm(const std::vector<float>& v) {
  double norm = 0;
  for (float x : v) norm += double{x} * x;
  return norm;
}

// Scales to unit L2 norm (Cosine collections store and search unit vectors).
// A zero vector stays zero: it has no direction, and every cosine with it is 0.
inline void NormalizeInPlace(std::vector<float>& v) {
  const double norm = SquaredNorm(v);
  if (norm <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& x : v) x *= inv;
}

}  // namespace sextant
