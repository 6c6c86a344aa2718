// Readers for the real datasets in ../shared/data (see its README): fvecs,
// ivecs, and recall counted by distance, since exact ties exist.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sextant::testing {

// Where ../shared/data is: $SEXTANT_SHARED_DATA, else the path CMake baked in.
inline std::string SharedDataDir() {
  if (const char* env = std::getenv("SEXTANT_SHARED_DATA")) return env;
  return SEXTANT_SHARED_DATA_DIR;
}

struct Matrix {
  size_t rows = 0;
  size_t dim = 0;
  std::vector<float> data;
  const float* row(size_t i) const { return data.data() + i * dim; }
};

// Reads a TEXMEX file: per row int32 d then d values of T (float or int32).
template <typename T>
inline std::vector<std::vector<T>> ReadVecs(const std::string& path, size_t max_rows = SIZE_MAX) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::vector<T>> rows;
  int32_t d = 0;
  while (rows.size() < max_rows && in.read(reinterpret_cast<char*>(&d), 4)) {
    std::vector<T> row(d);
    in.read(reinterpret_cast<char*>(row.data()), d * sizeof(T));
    rows.push_back(std::move(row));
  }
  return rows;
}

inline Matrix ReadFvecs(const std::string& path, size_t max_rows = SIZE_MAX) {
  auto rows = ReadVecs<float>(path, max_rows);
  Matrix m;
  m.rows = rows.size();
  m.dim = rows.empty() ? 0 : rows[0].size();
  m.data.reserve(m.rows * m.dim);
  for (auto& r : rows) m.data.insert(m.data.end(), r.begin(), r.end());
  return m;
}

// Recall@k counted by distance: a returned id is a hit when its true distance
// is within the k-th ground-truth distance (relative tolerance 1e-5).
// `distance_of(id)` gives the true distance of a returned id in the same units
// as `gt_dist` (squared L2 or 1 - cos).
template <typename DistanceOf>
inline size_t HitsByDistance(const std::vector<int64_t>& returned, const std::vector<float>& gt_dist,
                             size_t k, DistanceOf distance_of) {
  const double bound = gt_dist[k - 1];
  const double tol = 1e-5 * std::max(1.0, std::abs(bound)) + 1e-6;
  size_t hits = 0;
  for (size_t i = 0; i < returned.size() && i < k; ++i) {
    if (distance_of(returned[i]) <= bound + tol) ++hits;
  }
  return hits;
}

// True distances in float64, in ground-truth units: squared L2 (the L2 sets)
// and 1 - cos (the cosine sets).
inline double SquaredL2(const float* a, const float* b, size_t dim) {
  double s = 0;
  for (size_t i = 0; i < dim; ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return s;
}

inline double CosineDistance(const float* a, const float* b, size_t dim) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < dim; ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  return 1.0 - dot / std::sqrt(na * nb);
}

}  // namespace sextant::testing
