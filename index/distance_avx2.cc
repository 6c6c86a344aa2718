// AVX2+FMA distance kernels. Built with -mavx2 -mfma (and nothing wider); only
// reached through Avx2Kernels(), which checks the CPU first (distance.cc).
//
// Everything except the exported table lives in an anonymous namespace and this
// file includes no library header with inline functions: an inline function
// compiled here may contain AVX instructions, and if it had external linkage the
// linker could pick this copy for callers in ordinary code, which would then
// crash on a CPU without AVX2.
#include "index/distance_dispatch.h"

#if SEXTANT_DISTANCE_X86

#if !defined(__AVX2__) || !defined(__FMA__)
#error "index/distance_avx2.cc must be compiled with -mavx2 -mfma"
#endif

#include <immintrin.h>

namespace sextant {
namespace {

// Each Op folds one 8-float block of a and b into an accumulator.
struct L2SqrOp {
  static __m256 Acc(__m256 acc, __m256 a, __m256 b) {
    const __m256 d = _mm256_sub_ps(a, b);
    return _mm256_fmadd_ps(d, d, acc);
  }
};

struct DotOp {
  static __m256 Acc(__m256 acc, __m256 a, __m256 b) { return _mm256_fmadd_ps(a, b, acc); }
};

struct L1Op {
  static __m256 Acc(__m256 acc, __m256 a, __m256 b) {
    // |x| by clearing the sign bit.
    const __m256 sign = _mm256_set1_ps(-0.0f);
    return _mm256_add_ps(acc, _mm256_andnot_ps(sign, _mm256_sub_ps(a, b)));
  }
};

float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));  // lanes 0+2, 1+3
  s = _mm_add_ss(s, _mm_movehdup_ps(s));   // lane 0 + lane 1
  return _mm_cvtss_f32(s);
}

// Loading 8 ints starting at kTailMask + 8 - n gives a mask of n leading -1s.
alignas(64) constexpr int kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

template <class Op>
float Kernel(const float* a, const float* b, size_t dim) {
  // Four accumulators hide the FMA latency (4 cycles, 2 per cycle): with one,
  // the loop would wait on its own sum instead of on the loads.
  __m256 s0 = _mm256_setzero_ps();
  __m256 s1 = _mm256_setzero_ps();
  __m256 s2 = _mm256_setzero_ps();
  __m256 s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    s0 = Op::Acc(s0, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    s1 = Op::Acc(s1, _mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    s2 = Op::Acc(s2, _mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
    s3 = Op::Acc(s3, _mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
  }
  // Up to three whole blocks remain; give each its own accumulator so they do
  // not form a chain either.
  const size_t rest = dim - i;
  if (rest >= 8) {
    s0 = Op::Acc(s0, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    if (rest >= 16) {
      s1 = Op::Acc(s1, _mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
      if (rest >= 24) {
        s2 = Op::Acc(s2, _mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
      }
    }
    i += rest & ~size_t{7};
  }
  // The last 1..7 floats: a masked load reads nothing past the end (no fault even
  // at a page boundary) and fills zeros, which add 0 under every Op.
  const size_t tail = rest & 7;
  if (tail != 0) {
    const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - tail));
    s3 = Op::Acc(s3, _mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask));
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

float L2SqrAvx2(const float* a, const float* b, size_t dim) { return Kernel<L2SqrOp>(a, b, dim); }
float DotAvx2(const float* a, const float* b, size_t dim) { return Kernel<DotOp>(a, b, dim); }
float L1Avx2(const float* a, const float* b, size_t dim) { return Kernel<L1Op>(a, b, dim); }

}  // namespace

// Constant-initialised: linking it in executes nothing.
constinit const DistanceKernels kAvx2Kernels = {L2SqrAvx2, DotAvx2, L1Avx2, "avx2",
    AsSpaceDistance<L2SqrAvx2>, AsSpaceOneMinusDot<DotAvx2>,
    AsSpaceDistance<L1Avx2>};

}  // namespace sextant

#endif  // SEXTANT_DISTANCE_X86
