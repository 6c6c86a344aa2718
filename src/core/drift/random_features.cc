#include "core/drift/random_features.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

namespace sextant {

namespace {

// OpenBLAS runs an sgemm on its thread pool when m * n * k is above 262144
// (interface/gemm.c); blocks stay under half of that so the projection runs
// on the calling thread and never wakes (or spins) the pool. A single point
// is over it only when features x dim is (more than 4096 dims at the
// default 64 features); such a call may use the pool.
constexpr size_t kSingleThreadedGemm = 131072;

// Rounds to the nearest integer without SSE4.1's roundpd: adding 1.5 * 2^52
// leaves no fraction bits. Exact for |x| < 2^51 (arguments are clamped below that).
inline double RoundToInt(double x) {
  constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52
  return (x + kShifter) - kShifter;
}

constexpr double kArgLimit = 1e15;  // beyond this, x has no fraction of a turn left

// A finite argument within +-kArgLimit (NaN becomes 0). Kept out of the
// cosine loop: its branches would keep that loop from being vectorised.
inline double ClampArg(double x) { return x > -kArgLimit && x < kArgLimit ? x : (x > 0 ? kArgLimit : x < 0 ? -kArgLimit : 0); }

// cos(x) for |x| <= kArgLimit, branch-free. r = x mod 2 pi lies in
// [-pi, pi] (just beyond it near 1e15, where kLow * k rounds); then cos(r / 4)
// by its Taylor series to y^12 (|y| <= pi/4 + 0.04: truncation < 1e-12) and
// two double-angle steps, cos 2a = 2 cos^2 a - 1.
inline double CosKernel(double x) {
  // 2 pi in two parts (Cody-Waite): k * kHigh is exact for |k| < 2^45, so the
  // reduction loses nothing to rounding of k * 2 pi.
  constexpr double kTwoPi = 2 * std::numbers::pi;
  constexpr double kHigh = 6.28125;  // 201 / 32: 8 significant bits
  constexpr double kLow = 1.9353071795864769252867665590057684e-3;  // 2 pi - kHigh, from 2 pi's digits
  const double k = RoundToInt(x * (1 / kTwoPi));
  const double r = (x - k * kHigh) - k * kLow;
  const double y = r * 0.25, y2 = y * y;
  double c = 1.0 / 479001600;  // 1/12!
  c = c * y2 - 1.0 / 3628800;
  c = c * y2 + 1.0 / 40320;
  c = c * y2 - 1.0 / 720;
  c = c * y2 + 1.0 / 24;
  c = c * y2 - 0.5;
  c = c * y2 + 1;
  c = 2 * c * c - 1;
  return 2 * c * c - 1;
}

}  // namespace

double PolynomialCos(double x) { return CosKernel(ClampArg(x)); }

void AddRandomFeatures(std::span<const float> w, std::span<const float> b, size_t dim, const float* const* points,
                       size_t n, double* sums) {
  const size_t features = b.size();
  if (n == 0 || features == 0 || dim == 0) return;
  const size_t block = std::clamp<size_t>(kSingleThreadedGemm / (features * dim), 1, 64);
  const double scale = std::sqrt(2.0 / static_cast<double>(features));
  std::vector<float> rows(block * dim), proj(block * features);
  std::vector<double> args(block * features);
  for (size_t first = 0; first < n; first += block) {
    const size_t m = std::min(block, n - first);
    for (size_t i = 0; i < m; ++i) std::memcpy(&rows[i * dim], points[first + i], dim * sizeof(float));
    // proj (m x F) = rows (m x dim) * w^T
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(features),
                static_cast<int>(dim), 1.0f, rows.data(), static_cast<int>(dim), w.data(), static_cast<int>(dim),
                0.0f, proj.data(), static_cast<int>(features));
    for (size_t i = 0; i < m; ++i) {
      for (size_t f = 0; f < features; ++f) args[i * features + f] = ClampArg(double{proj[i * features + f]} + b[f]);
    }
    const size_t count = m * features;
    for (size_t j = 0; j < count; ++j) args[j] = CosKernel(args[j]);
    for (size_t i = 0; i < m; ++i) {
      for (size_t f = 0; f < features; ++f) sums[f] += scale * args[i * features + f];
    }
  }
}

}  // namespace sextant
