// AVX2+FMA quantized kernels. Built with -mavx2 -mfma (and nothing wider); only
// reached through Avx2QuantizedKernels(), which checks the CPU first
// (quantized_kernels.cc).
//
// Everything except the exported table lives in an anonymous namespace and this
// file includes no library header with inline functions: an inline function
// compiled here may contain AVX instructions, and if it had external linkage the
// linker could pick this copy for callers in ordinary code, which would then
// crash on a CPU without AVX2.
#include "index/quantized_kernels_dispatch.h"

#if defined(__x86_64__) || defined(__i386__)

#if !defined(__AVX2__) || !defined(__FMA__)
#error "index/quantized_kernels_avx2.cc must be compiled with -mavx2 -mfma"
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

// Loading 8 ints starting at kTailMask + 8 - n gives a mask of n leading -1s.
alignas(64) constexpr int kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

// Eight code bytes, zero-extended (codes are unsigned) and converted to float.
__m256 LoadCodes(const uint8_t* p) {
  return _mm256_cvtepi32_ps(
      _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// The first n (1..7) code bytes, the other lanes 0. AVX2 has no byte-masked
// load, so the bytes are gathered one by one: never a byte past the end.
__m256 LoadCodesTail(const uint8_t* p, size_t n) {
  uint64_t bytes = 0;
  for (size_t k = 0; k < n; ++k) bytes |= uint64_t{p[k]} << (8 * k);
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_set_epi64x(0, static_cast<long long>(bytes))));
}

// The loop of both SQ8 kernels: 32 dimensions a step into four accumulators
// (hiding the FMA latency), then up to three 8-wide blocks, each into its own
// accumulator, then a masked tail whose masked-off lanes are zero in every
// input and so add 0. Same shape as the float kernels in distance_avx2.cc.
// block(s, i) folds dimensions i..i+7 into s; tail(s, i, mask, n) the last n.
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
  const size_t n = rest & 7;
  if (n != 0) {
    const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - n));
    s3 = tail(s3, i, mask, n);
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

float Sq8L2SqrAvx2(const float* query, const uint8_t* code, const float* lo, const float* step,
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
      [&](__m256 s, size_t i, __m256i mask, size_t n) {
        return acc(s, _mm256_maskload_ps(query + i, mask), LoadCodesTail(code + i, n),
                   _mm256_maskload_ps(lo + i, mask), _mm256_maskload_ps(step + i, mask));
      });
}

float Sq8WeightedSumAvx2(const float* weights, const uint8_t* code, size_t dim) {
  return Reduce(
      dim,
      [&](__m256 s, size_t i) { return _mm256_fmadd_ps(_mm256_loadu_ps(weights + i), LoadCodes(code + i), s); },
      [&](__m256 s, size_t i, __m256i mask, size_t n) {
        return _mm256_fmadd_ps(_mm256_maskload_ps(weights + i, mask), LoadCodesTail(code + i, n), s);
      });
}

// Both operands widened to int16 (code zero-, query sign-extended), then
// vpmaddwd: each int32 lane gets two products of at most 255 * 128, so nothing
// saturates (vpmaddubsw would: it adds two such products in int16).
int32_t DotU8S8Avx2(const uint8_t* code, const int8_t* query, size_t dim) {
  const auto block = [&](__m256i s, size_t i) {
    const __m256i c =
        _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(code + i)));
    const __m256i q =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(query + i)));
    return _mm256_add_epi32(s, _mm256_madd_epi16(c, q));
  };
  __m256i s0 = _mm256_setzero_si256();
  __m256i s1 = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    s0 = block(s0, i);
    s1 = block(s1, i + 16);
  }
  if (dim - i >= 16) {
    s0 = block(s0, i);
    i += 16;
  }
  int32_t sum = HorizontalSum(_mm256_add_epi32(s0, s1));
  // At most 15 bytes left; exact integers, so the order does not matter.
  for (; i < dim; ++i) sum += static_cast<int32_t>(code[i]) * query[i];
  return sum;
}

}  // namespace

void PqTablesAvx2(const float* target, const float* books, const float* norms, size_t m, size_t dsub,
                  float* tables) {
  // One 256-float row per sub-vector, held in 32 registers' worth of stores:
  // each dimension of the sub-vector adds x * (that coordinate of all 256
  // codewords), one FMA per 8 codewords.
  for (size_t j = 0; j < m; ++j) {
    float* row = tables + j * 256;
    for (size_t k = 0; k < 256; k += 8) _mm256_storeu_ps(row + k, _mm256_setzero_ps());
    for (size_t t = 0; t < dsub; ++t) {
      const __m256 x = _mm256_set1_ps(target[j * dsub + t]);
      const float* column = books + (j * dsub + t) * 256;
      for (size_t k = 0; k < 256; k += 8) {
        _mm256_storeu_ps(row + k, _mm256_fmadd_ps(x, _mm256_loadu_ps(column + k), _mm256_loadu_ps(row + k)));
      }
    }
    if (norms != nullptr) {
      const __m256 minus_two = _mm256_set1_ps(-2.0f);
      for (size_t k = 0; k < 256; k += 8) {
        _mm256_storeu_ps(row + k, _mm256_fmadd_ps(minus_two, _mm256_loadu_ps(row + k),
                                                  _mm256_loadu_ps(norms + j * 256 + k)));
      }
    }
  }
}

// Constant-initialised: linking it in executes nothing.
constinit const QuantizedKernels kAvx2QuantizedKernels = {Sq8L2SqrAvx2, Sq8WeightedSumAvx2,
                                                          DotU8S8Avx2, PqAdcBatchInterleaved, PqTablesAvx2,
                                                          "avx2"};

}  // namespace sextant

#endif  // x86
