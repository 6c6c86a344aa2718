// Scalar reference kernels, CPU detection and the one-time choice of the active
// kernel table.
//
// This file is built WITHOUT any ISA flag: it runs before we know what the CPU
// supports, so it must be safe on any x86-64. It only jumps into the SIMD tables
// after __builtin_cpu_supports() said yes.
#include "index/distance.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "index/distance_dispatch.h"

#if SEXTANT_DISTANCE_X86
#include <cpuid.h>  // only macros and static inline functions: safe in this plain-ISA file
#endif

namespace sextant {
namespace {

// Four independent accumulators: the oracle stays an obvious loop, yet it is not
// one long dependency chain (and it sums in the same spirit as the SIMD kernels,
// which keeps their rounding differences small).
float L2SqrScalar(const float* a, const float* b, size_t dim) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    const float d0 = a[i] - b[i];
    const float d1 = a[i + 1] - b[i + 1];
    const float d2 = a[i + 2] - b[i + 2];
    const float d3 = a[i + 3] - b[i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; ++i) {
    const float d = a[i] - b[i];
    s0 += d * d;
  }
  return (s0 + s1) + (s2 + s3);
}

float DotScalar(const float* a, const float* b, size_t dim) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < dim; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

float L1Scalar(const float* a, const float* b, size_t dim) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    s0 += std::fabs(a[i] - b[i]);
    s1 += std::fabs(a[i + 1] - b[i + 1]);
    s2 += std::fabs(a[i + 2] - b[i + 2]);
    s3 += std::fabs(a[i + 3] - b[i + 3]);
  }
  for (; i < dim; ++i) s0 += std::fabs(a[i] - b[i]);
  return (s0 + s1) + (s2 + s3);
}

constexpr DistanceKernels kScalarKernels = {L2SqrScalar, DotScalar, L1Scalar, "scalar",
                                            AsSpaceDistance<L2SqrScalar>,
                                            AsSpaceOneMinusDot<DotScalar>,
                                            AsSpaceDistance<L1Scalar>};

// Ordered from least to most capable; the numeric order is what the
// SEXTANT_ISA cap compares.
enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// See DefaultPrefersAvx2 below for why some AVX-512 CPUs get AVX2.
Isa DefaultIsaCap() { return DefaultPrefersAvx2() ? Isa::kAvx2 : Isa::kAvx512; }

// The default cap (above) when the variable is unset or unrecognised; a typo
// must not silently slow every search down to scalar. SEXTANT_ISA=avx512 forces
// AVX-512 even where the default would not pick it.
Isa IsaCapFromEnv() {
  const char* env = std::getenv("SEXTANT_ISA");
  if (env == nullptr || *env == '\0') return DefaultIsaCap();
  if (std::strcmp(env, "scalar") == 0) return Isa::kScalar;
  if (std::strcmp(env, "avx2") == 0) return Isa::kAvx2;
  if (std::strcmp(env, "avx512") == 0) return Isa::kAvx512;
  std::fprintf(stderr,
               "sextant: ignoring unknown SEXTANT_ISA=\"%s\" (expected scalar, avx2 or "
               "avx512)\n",
               env);
  return DefaultIsaCap();
}

bool Close(float got, float want) {
  // Both are finite sums of like-signed or small terms here (see SelfCheck), so a
  // plain relative test with a tiny absolute floor is enough.
  return std::fabs(got - want) <= 1e-4f * std::fabs(want) + 1e-6f;
}

// A SIMD table is only trusted after it reproduces the scalar reference on a
// fixed input. This catches a miscompiled or mis-dispatched kernel (e.g. a wrong
// tail mask) at startup instead of as silently wrong search results. The dims
// cover a 1-element vector, main loop + several tail lengths for both widths.
bool SelfCheck(const DistanceKernels& k) {
  if (k.l2_sqr == nullptr || k.dot == nullptr || k.l1 == nullptr || k.isa == nullptr) {
    return false;
  }
  constexpr size_t kMaxDim = 133;
  float a[kMaxDim + 1];
  float b[kMaxDim + 1];
  // Small multiples of 1/8: every product and partial sum is exact in float, so
  // any correct kernel matches regardless of summation order. Start at +1 so the
  // kernels see unaligned pointers, as they do in practice.
  for (size_t i = 0; i <= kMaxDim; ++i) {
    a[i] = static_cast<float>(static_cast<int>(i * 7 % 13) - 6) / 8.0f;
    b[i] = static_cast<float>(static_cast<int>(i * 5 % 11) - 5) / 8.0f;
  }
  const float* pa = a + 1;
  const float* pb = b + 1;
  constexpr size_t kDims[] = {1, 37, kMaxDim};
  for (const size_t dim : kDims) {
    if (!Close(k.l2_sqr(pa, pb, dim), kScalarKernels.l2_sqr(pa, pb, dim)) ||
        !Close(k.dot(pa, pb, dim), kScalarKernels.dot(pa, pb, dim)) ||
        !Close(k.l1(pa, pb, dim), kScalarKernels.l1(pa, pb, dim))) {
      return false;
    }
  }
  return true;
}

const DistanceKernels& ChooseKernels() {
  const Isa cap = IsaCapFromEnv();
  // Best first; each candidate is nullptr when the CPU lacks it.
  const struct {
    Isa isa;
    const DistanceKernels* kernels;
  } candidates[] = {{Isa::kAvx512, Avx512Kernels()}, {Isa::kAvx2, Avx2Kernels()}};
  for (const auto& c : candidates) {
    if (c.isa > cap || c.kernels == nullptr) continue;
    if (SelfCheck(*c.kernels)) return *c.kernels;
    std::fprintf(stderr,
                 "sextant: %s distance kernels disagree with the scalar reference; not "
                 "using them\n",
                 c.kernels->isa);
  }
  return kScalarKernels;
}

}  // namespace

const DistanceKernels& ScalarKernels() { return kScalarKernels; }

// Intel's first AVX-512 server cores (Skylake-SP, Cascade Lake, Cooper Lake:
// family 6, model 0x55) lower the clock of the whole core while 512-bit FP
// instructions run, and a graph search calls a short kernel between cache
// misses, so it pays the slower clock without gaining the width: on a Cascade
// Lake here, HNSW search on glove100 ran about 15% faster with the AVX2 kernels
// (bench/hnsw_vs_hnswlib with SEXTANT_ISA=avx2 vs avx512). GCC's own tuning for
// these cores prefers 256-bit vectors for the same reason. Later cores (Ice
// Lake and after, AMD Zen 4) do not throttle like this and get AVX-512.
bool DefaultPrefersAvx2() {
#if SEXTANT_DISTANCE_X86
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
    const unsigned family = (eax >> 8) & 0xf;
    const unsigned model = ((eax >> 4) & 0xf) | (((eax >> 16) & 0xf) << 4);
    __get_cpuid(0, &eax, &ebx, &ecx, &edx);
    const bool intel = ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e;  // "GenuineIntel"
    return intel && family == 6 && model == 0x55;
  }
#endif
  return false;
}

const DistanceKernels* Avx2Kernels() {
#if SEXTANT_DISTANCE_X86
  // Must cover every -m flag distance_avx2.cc is built with.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &kAvx2Kernels;
#endif
  return nullptr;
}

const DistanceKernels* Avx512Kernels() {
#if SEXTANT_DISTANCE_X86
  // Must cover every -m flag distance_avx512.cc is built with. libgcc also checks
  // (XGETBV) that the OS saves the ZMM/opmask state before reporting avx512*.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return &kAvx512Kernels;
  }
#endif
  return nullptr;
}

const DistanceKernels& ActiveKernels() {
  // A function-local static: initialised exactly once, thread-safely, and the
  // choice never changes afterwards (callers cache the function pointers).
  static const DistanceKernels& active = ChooseKernels();
  return active;
}

}  // namespace sextant
