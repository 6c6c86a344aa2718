// AVX-512 VNNI quantized kernels on 256-bit registers. Built with -mavx2 -mfma
// -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mprefer-vector-width=256; only
// reached through Avx512VnniQuantizedKernels(), which checks the CPU for all of
// those first (quantized_kernels.cc).
//
// Only ymm registers (the AVX512VL forms), never zmm: on Skylake-SP and Cascade
// Lake 512-bit instructions lower the clock of the whole core, while 256-bit
// ones run at the AVX2 clock. What this file takes from AVX-512 is vpdpbusd
// (VNNI) and mask registers for the tails; -mprefer-vector-width=256 keeps the
// compiler's own vectorisation at 256 bits too.
//
// Everything except the exported table lives in an anonymous namespace and this
// file includes no library header with inline functions: an inline function
// compiled here may contain AVX-512 instructions, and if it had external linkage
// the linker could pick this copy for callers in ordinary code, which would then
// crash on a CPU without AVX-512.
#include "index/quantized_kernels_dispatch.h"

#if defined(__x86_64__) || defined(__i386__)

#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__AVX512F__) || !defined(__AVX512BW__) || \
    !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "index/quantized_kernels_avx512.cc needs its flags (see SIMD FILE REGISTRY, index/)"
#endif

#include <immintrin.h>

namespace sextant {


namespace {

float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));  // lanes 0+2, 1+3
  s = _mm_add_ss(s, _mm_movehdup_ps(s));   // lane 0 + lane 1
  return _mm_cvtss_f32(s);
}

int32_t HorizontalSum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));                       // lanes 0+2, 1+3
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 1, 1, 1)));  // lane 0 + lane 1
  return _mm_cvtsi128_si32(s);
}

// Eight code bytes (the first n of them when masked), zero-extended (codes are
// unsigned) and converted to float. Masked-off bytes are neither read (no fault
// even at a page boundary) nor nonzero.
__m256 LoadCodes(const uint8_t* p) {
  return _mm256_cvtepi32_ps(
      _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}
__m256 LoadCodes(__mmask8 mask, const uint8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask, p)));
}

// The loop of both SQ8 kernels, as in quantized_kernels_avx2.cc: 32
// dimensions a step into four accumulators (hiding the FMA latency), then up
// to three 8-wide blocks, each into its own accumulator, then one masked block
// whose masked-off lanes are zero in every input and so add 0.
// block(s, i) folds dimensions i..i+7 into s; tail(s, i, mask) the masked rest.
template <class Block, class Tail>
float Reduce(size_t dim, Block block, Tail tail) {
  __m256 s0 = _mm256_setzero_ps();
  __m256 s1 = _mm256_setzero_ps();
  __m256 s2 = _mm256_setzero_ps();
  __m256 s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    s0 = block(s0, i);
    s1 = block(s1, i + 8);
    s2 = block(s2, i + 16);
    s3 = block(s3, i + 24);
  }
  const size_t rest = dim - i;
  if (rest >= 8) {
    s0 = block(s0, i);
    if (rest >= 16) {
      s1 = block(s1, i + 8);
      if (rest >= 24) s2 = block(s2, i + 16);
    }
    i += rest & ~size_t{7};
  }
  const unsigned n = static_cast<unsigned>(rest & 7);
  if (n != 0) s3 = tail(s3, i, static_cast<__mmask8>((1u << n) - 1));
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

float Sq8L2SqrAvx512(const float* query, const uint8_t* code, const float* lo, const float* step,
                     size_t dim) {
  const auto acc = [](__m256 s, __m256 q, __m256 c, __m256 l, __m256 st) {
    const __m256 d = _mm256_sub_ps(q, _mm256_fmadd_ps(st, c, l));
    return _mm256_fmadd_ps(d, d, s);
  };
  return Reduce(
      dim,
      [&](__m256 s, size_t i) {
        return acc(s, _mm256_loadu_ps(query + i), LoadCodes(code + i), _mm256_loadu_ps(lo + i),
                   _mm256_loadu_ps(step + i));
      },
      [&](__m256 s, size_t i, __mmask8 mask) {
        return acc(s, _mm256_maskz_loadu_ps(mask, query + i), LoadCodes(mask, code + i),
                   _mm256_maskz_loadu_ps(mask, lo + i), _mm256_maskz_loadu_ps(mask, step + i));
      });
}

float Sq8WeightedSumAvx512(const float* weights, const uint8_t* code, size_t dim) {
  return Reduce(
      dim,
      [&](__m256 s, size_t i) { return _mm256_fmadd_ps(_mm256_loadu_ps(weights + i), LoadCodes(code + i), s); },
      [&](__m256 s, size_t i, __mmask8 mask) {
        return _mm256_fmadd_ps(_mm256_maskz_loadu_ps(mask, weights + i), LoadCodes(mask, code + i), s);
      });
}

// vpdpbusd multiplies unsigned bytes (its first source: the codes) by signed
// bytes (the query), adds each group of four products into an int32 lane, with
// no intermediate saturation: exact. 32 bytes per instruction; four
// accumulators hide its 5-cycle latency.
int32_t DotU8S8Avx512(const uint8_t* code, const int8_t* query, size_t dim) {
  const auto load = [](const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
  };
  __m256i s0 = _mm256_setzero_si256();
  __m256i s1 = _mm256_setzero_si256();
  __m256i s2 = _mm256_setzero_si256();
  __m256i s3 = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 128 <= dim; i += 128) {
    s0 = _mm256_dpbusd_epi32(s0, load(code + i), load(query + i));
    s1 = _mm256_dpbusd_epi32(s1, load(code + i + 32), load(query + i + 32));
    s2 = _mm256_dpbusd_epi32(s2, load(code + i + 64), load(query + i + 64));
    s3 = _mm256_dpbusd_epi32(s3, load(code + i + 96), load(query + i + 96));
  }
  const size_t rest = dim - i;
  if (rest >= 32) {
    s0 = _mm256_dpbusd_epi32(s0, load(code + i), load(query + i));
    if (rest >= 64) {
      s1 = _mm256_dpbusd_epi32(s1, load(code + i + 32), load(query + i + 32));
      if (rest >= 96) s2 = _mm256_dpbusd_epi32(s2, load(code + i + 64), load(query + i + 64));
    }
    i += rest & ~size_t{31};
  }
  // The last 1..31 bytes: masked-off bytes are not read and are zero, and
  // 0 * anything adds 0.
  const unsigned tail = static_cast<unsigned>(rest & 31);
  if (tail != 0) {
    const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << tail) - 1);
    s3 = _mm256_dpbusd_epi32(s3, _mm256_maskz_loadu_epi8(mask, code + i),
                             _mm256_maskz_loadu_epi8(mask, query + i));
  }
  return HorizontalSum(_mm256_add_epi32(_mm256_add_epi32(s0, s1), _mm256_add_epi32(s2, s3)));
}

}  // namespace

// Constant-initialised: linking it in executes nothing.
constinit const QuantizedKernels kAvx512VnniQuantizedKernels = {
    Sq8L2SqrAvx512, Sq8WeightedSumAvx512, DotU8S8Avx512, PqAdcBatchInterleaved, PqTablesAvx2, "avx512vnni"};

}  // namespace sextant

#endif  // x86
