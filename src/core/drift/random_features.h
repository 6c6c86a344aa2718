// Random Fourier features for the MMD estimate (see drift_stats.h):
// phi_f(x) = sqrt(2 / F) * cos(w_f . x + b_f), f < F.
//
// This is the costliest step of the drift monitor, so it is batched: the
// projections of a block of points come from one BLAS sgemm, and the cosines
// from a branch-free polynomial the compiler vectorises (glibc's cos, one call
// per value, was a quarter of the monitor's time).
#pragma once

#include <cstddef>
#include <span>

namespace sextant {

// cos(x), within 1e-12 of std::cos for |x| < 1e6 (arguments here are
// projections of embeddings: a few units, hundreds for scaled garbage).
// Beyond that, and for inf or NaN, the value is some number in [-1, 1].
double PolynomialCos(double x);

// Adds phi(x) of each point to `sums` (F values). `w` is F x dim (row-major),
// `b` has F values, `points` holds `n` pointers to `dim` floats each.
void AddRandomFeatures(std::span<const float> w, std::span<const float> b, size_t dim, const float* const* points,
                       size_t n, double* sums);

}  // namespace sextant
