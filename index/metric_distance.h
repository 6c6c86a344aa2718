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
      case Metric::kDot: fn_ = k.space_one_minus_dot; break;
      case Metric::kEuclid: fn_ = k.space_l2_sqr; break;
      case Metric::kManhattan: fn_ = k.space_l1; break;
    }
  }
  float operator()(const float* a, const float* b) const { return fn_(a, b, &dim_); }
  // The same distance with hnswlib's DISTFUNC signature: call it as
  // space_kernel()(a, b, dim_ptr()). Hot loops hoist both out.
  SpaceDistanceFn space_kernel() const { return fn_; }
  const size_t* dim_ptr() const { return &dim_; }
  size_t dim() const { return dim_; }

 private:
  SpaceDistanceFn fn_ = nullptr;
  size_t dim_;
};

}  // namespace sextant
