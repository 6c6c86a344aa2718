// Internal to the distance kernels: the per-ISA tables, each defined in a file
// built with that ISA's flags (distance_avx2.cc, distance_avx512.cc).
//
// The tables are plain constant-initialised data, so merely linking them runs no
// SIMD instruction. Only distance.cc may name them, and only after its CPUID
// check; everything else goes through Avx2Kernels()/Avx512Kernels() or
// ActiveKernels() (index/distance.h).
#pragma once

#include "index/distance.h"

// The SIMD files exist only for x86. Elsewhere distance.cc does not reference
// the tables and Avx2Kernels()/Avx512Kernels() return nullptr.
#if defined(__x86_64__) || defined(__i386__)
#define SEXTANT_DISTANCE_X86 1
#else
#define SEXTANT_DISTANCE_X86 0
#endif

namespace sextant {

// hnswlib's DISTFUNC signature (SpaceDistanceFn) for a kernel. Templates over
// the kernel, so each kernel file instantiates its own copy, built with that
// file's flags and calling its kernel directly (the kernels have internal
// linkage, so no two files ever share an instantiation).
template <DistanceFn kKernel>
float AsSpaceDistance(const void* a, const void* b, const void* dim) {
  return kKernel(static_cast<const float*>(a), static_cast<const float*>(b),
                 *static_cast<const size_t*>(dim));
}
template <DistanceFn kDot>
float AsSpaceOneMinusDot(const void* a, const void* b, const void* dim) {
  return 1.0f - AsSpaceDistance<kDot>(a, b, dim);
}

#if SEXTANT_DISTANCE_X86
// Built with -mavx2 -mfma: needs a CPU with AVX2 and FMA.
extern const DistanceKernels kAvx2Kernels;
// Built with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma: needs all of
// those, since the compiler may use any of them anywhere in that file.
extern const DistanceKernels kAvx512Kernels;
#endif

}  // namespace sextant
