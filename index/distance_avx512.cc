// AVX-512 distance kernels. Built with -mavx512f -mavx512dq -mavx512bw
// -mavx512vl -mfma; only reached through Avx512Kernels(), which checks the CPU
// for all of those first (distance.cc).
//
// Everything except the exported table lives in an anonymous namespace and this
// file includes no library header with inline functions: an inline function
// compiled here may contain AVX-512 instructions, and if it had external linkage
// the linker could pick this copy for callers in ordinary code, which would then
// crash on a CPU without AVX-512.
#include "index/distance_dispatch.h"

#if SEXTANT_DISTANCE_X86

#if !defined(__AVX512F__) || !defined(__AVX512DQ__) || !defined(__AVX512BW__) || \
    !defined(__AVX512VL__) || !defined(__FMA__)
#error "index/distance_avx512.cc needs -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma"
#endif

#include <immintrin.h>

namespace sextant {
namespace {

// Each Op folds one 16-float block of a and b into an accumulator.
struct L2SqrOp {
  static __m512 Acc(__m512 acc, __m512 a, __m512 b) {
    const __m512 d = _mm512_sub_ps(a, b);
    return _mm512_fmadd_ps(d, d, acc);
  }
};

struct DotOp {
  static __m512 Acc(__m512 acc, __m512 a, __m512 b) { return _mm512_fmadd_ps(a, b, acc); }
};

struct L1Op {
  static __m512 Acc(__m512 acc, __m512 a, __m512 b) {
    return _mm512_add_ps(acc, _mm512_abs_ps(_mm512_sub_ps(a, b)));  // clears the sign bit
  }
};

float HorizontalSum(__m512 v) {
  // 512 -> 256 -> 128 -> scalar by halving. The low half is taken with
  // extractf32x8(v, 0), not _mm512_castps512_ps256 or _mm512_reduce_add_ps: in
  // GCC 12 those expand through _mm256_undefined_pd and trip a spurious
  // -Wuninitialized (GCC PR 105593); the extract of lane 0 costs the same.
  const __m256 h = _mm256_add_ps(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <class Op>
float Kernel(const float* a, const float* b, size_t dim) {
  // Four accumulators hide the FMA latency; the loop is then bound by its two
  // loads per block, which is as fast as this gets without prefetching.
  __m512 s0 = _mm512_setzero_ps();
  __m512 s1 = _mm512_setzero_ps();
  __m512 s2 = _mm512_setzero_ps();
  __m512 s3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    s0 = Op::Acc(s0, _mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    s1 = Op::Acc(s1, _mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    s2 = Op::Acc(s2, _mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
    s3 = Op::Acc(s3, _mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
  }
  // Up to three whole blocks remain; give each its own accumulator so they do
  // not form a chain either.
  const size_t rest = dim - i;
  if (rest >= 16) {
    s0 = Op::Acc(s0, _mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    if (rest >= 32) {
      s1 = Op::Acc(s1, _mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
      if (rest >= 48) {
        s2 = Op::Acc(s2, _mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
      }
    }
    i += rest & ~size_t{15};
  }
  // The last 1..15 floats: masked-off lanes are neither read (no fault even at a
  // page boundary) nor nonzero, and zeros add 0 under every Op.
  const unsigned tail = static_cast<unsigned>(rest & 15);
  if (tail != 0) {
    const __mmask16 mask = static_cast<__mmask16>((1u << tail) - 1);
    s3 = Op::Acc(s3, _mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i));
  }
  return HorizontalSum(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

float L2SqrAvx512(const float* a, const float* b, size_t dim) { return Kernel<L2SqrOp>(a, b, dim); }
float DotAvx512(const float* a, const float* b, size_t dim) { return Kernel<DotOp>(a, b, dim); }
float L1Avx512(const float* a, const float* b, size_t dim) { return Kernel<L1Op>(a, b, dim); }

}  // namespace

// Constant-initialised: linking it in executes nothing.
constinit const DistanceKernels kAvx512Kernels = {L2SqrAvx512, DotAvx512, L1Avx512, "avx512",
    AsSpaceDistance<L2SqrAvx512>, AsSpaceOneMinusDot<DotAvx512>,
    AsSpaceDistance<L1Avx512>};

}  // namespace sextant

#endif  // SEXTANT_DISTANCE_X86
