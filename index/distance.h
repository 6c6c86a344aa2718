// Distance kernels with runtime ISA dispatch.
//
// Each kernel exists as a scalar reference (distance.cc) and, where the CPU has
// it, AVX2+FMA (distance_avx2.cc) and AVX-512 (distance_avx512.cc) versions. The
// build never uses -march=native: the SIMD files get per-file flags (see the SIMD
// FILE REGISTRY in index/CMakeLists.txt) and are only called after a CPUID check.
// ActiveKernels() picks the best table once, after checking it against the
// scalar reference on a known input, and never changes it afterwards.
#pragma once

#include <cstddef>

namespace sextant {

// REQUIRES: a and b point to `dim` floats each; no alignment requirement.
using DistanceFn = float (*)(const float* a, const float* b, size_t dim);

// The same kernels with the signature of hnswlib's DISTFUNC (`param` points to
// the dimension as a size_t), so the graph code calls them directly, with no
// adapter in between. `one_minus_dot` is 1 - dot: the ordering distance of
// Cosine and Dot (see common/types.h).
using SpaceDistanceFn = float (*)(const void* a, const void* b, const void* dim);

struct DistanceKernels {
  DistanceFn l2_sqr;  // sum((a[i]-b[i])^2)
  DistanceFn dot;     // sum(a[i]*b[i])
  DistanceFn l1;      // sum(|a[i]-b[i]|)
  const char* isa;    // "scalar", "avx2", "avx512"
  SpaceDistanceFn space_l2_sqr;
  SpaceDistanceFn space_one_minus_dot;
  SpaceDistanceFn space_l1;
};

// The scalar reference: plain loops, the oracle of every kernel test.
const DistanceKernels& ScalarKernels();
// nullptr when the running CPU lacks the ISA (or it was not compiled in).
const DistanceKernels* Avx2Kernels();
const DistanceKernels* Avx512Kernels();

// The best table for this CPU, chosen on the first call (thread-safe): AVX-512
// where it does not slow the core down, else AVX2, else scalar (see
// DefaultIsaCap in distance.cc). The environment variable
// SEXTANT_ISA=scalar|avx2|avx512 sets the cap instead, for tests and
// benchmarks; an ISA the CPU lacks falls back to the next lower one.
const DistanceKernels& ActiveKernels();

// True on CPUs where ActiveKernels() takes AVX2 even though AVX-512 is there.
bool DefaultPrefersAvx2();

}  // namespace sextant
