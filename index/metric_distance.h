// MetricDistance: the internal ordering distance of a Metric (lower is closer)
// over the dispatched SIMD kernels. See common/types.h for the conventions.
#pragma once

#include <cstddef>

#include "common/types.h"
#include "index/distance.h"

namespace sextant {

class MetricDistance {
 public:
  MetricDistance(Metric metric, size_t dim) : dim_(dim) {
    const DistanceKernels& k = ActiveKernels();
    switch (metric) {
      case Metric::kCosine:
      case Metric::kDot: fn_ = k.dot; space_fn_ = k.space_one_minus_dot; one_minus_ = true; break;
      case Metric::kEuclid: fn_ = k.l2_sqr; space_fn_ = k.space_l2_sqr; break;
      case Metric::kManhattan: fn_ = k.l1; space_fn_ = k.space_l1; break;
    }
  }
  float operator()(const float* a, const float* b) const {
    const float r = fn_(a, b, dim_);
    return one_minus_ ? 1.0f - r : r;
  }
  DistanceFn kernel() const { return fn_; }
  // The ordering distance itself (1 - dot included) with hnswlib's signature;
  // its third argument must point to dim().
  SpaceDistanceFn space_kernel() const { return space_fn_; }
  const size_t* dim_ptr() const { return &dim_; }
  bool one_minus() const { return one_minus_; }
  size_t dim() const { return dim_; }

 private:
  DistanceFn fn_ = nullptr;
  SpaceDistanceFn space_fn_ = nullptr;
  bool one_minus_ = false;
  size_t dim_;
};

}  // namespace sextant
