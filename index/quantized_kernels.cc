// Scalar reference quantized kernels, CPU detection and the one-time choice of
// the active table.
//
// This file is built WITHOUT any ISA flag: it runs before we know what the CPU
// supports, so it must be safe on any x86-64. It only jumps into the SIMD tables
// after __builtin_cpu_supports() said yes.
#include "index/quantized_kernels_dispatch.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#if defined(__x86_64__) || defined(__i386__)
#define SEXTANT_QUANTIZED_X86 1
#else
#define SEXTANT_QUANTIZED_X86 0
#endif

namespace sextant {

void PqAdcBatchInterleaved(const float* tables, const uint8_t* codes, size_t n, size_t m, float* out) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint8_t* c0 = codes + i * m;
    const uint8_t* c1 = c0 + m;
    const uint8_t* c2 = c1 + m;
    const uint8_t* c3 = c2 + m;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t j = 0;
    for (; j + 4 <= m; j += 4) {
      uint32_t w0, w1, w2, w3;  // code bytes j..j+3, little-endian
      std::memcpy(&w0, c0 + j, 4);
      std::memcpy(&w1, c1 + j, 4);
      std::memcpy(&w2, c2 + j, 4);
      std::memcpy(&w3, c3 + j, 4);
      const float* t = tables + j * 256;
      for (int k = 0; k < 4; ++k, t += 256) {
        s0 += t[(w0 >> (8 * k)) & 0xff];
        s1 += t[(w1 >> (8 * k)) & 0xff];
        s2 += t[(w2 >> (8 * k)) & 0xff];
        s3 += t[(w3 >> (8 * k)) & 0xff];
      }
    }
    for (; j < m; ++j) {
      const float* t = tables + j * 256;
      s0 += t[c0[j]];
      s1 += t[c1[j]];
      s2 += t[c2[j]];
      s3 += t[c3[j]];
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  // The last 0..3 codes one by one.
  for (; i < n; ++i) {
    const uint8_t* code = codes + i * m;
    float s = 0.0f;
    for (size_t j = 0; j < m; ++j) s += tables[j * 256 + code[j]];
    out[i] = s;
  }
}

namespace {

// The SQ8 decode and one term of each kernel.
float Sq8L2Term(float q, uint8_t c, float lo, float step) {
  const float d = q - (lo + step * static_cast<float>(c));
  return d * d;
}
float Sq8WeightedTerm(float w, uint8_t c) { return w * static_cast<float>(c); }

// Four accumulators, as in distance.cc: an obvious loop, but not one long
// dependency chain.
float Sq8L2SqrScalar(const float* query, const uint8_t* code, const float* lo, const float* step,
                     size_t dim) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    s0 += Sq8L2Term(query[i], code[i], lo[i], step[i]);
    s1 += Sq8L2Term(query[i + 1], code[i + 1], lo[i + 1], step[i + 1]);
    s2 += Sq8L2Term(query[i + 2], code[i + 2], lo[i + 2], step[i + 2]);
    s3 += Sq8L2Term(query[i + 3], code[i + 3], lo[i + 3], step[i + 3]);
  }
  for (; i < dim; ++i) s0 += Sq8L2Term(query[i], code[i], lo[i], step[i]);
  return (s0 + s1) + (s2 + s3);
}

float Sq8WeightedSumScalar(const float* weights, const uint8_t* code, size_t dim) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    s0 += Sq8WeightedTerm(weights[i], code[i]);
    s1 += Sq8WeightedTerm(weights[i + 1], code[i + 1]);
    s2 += Sq8WeightedTerm(weights[i + 2], code[i + 2]);
    s3 += Sq8WeightedTerm(weights[i + 3], code[i + 3]);
  }
  for (; i < dim; ++i) s0 += Sq8WeightedTerm(weights[i], code[i]);
  return (s0 + s1) + (s2 + s3);
}

int32_t DotU8S8Scalar(const uint8_t* code, const int8_t* query, size_t dim) {
  int32_t s = 0;
  for (size_t i = 0; i < dim; ++i) s += static_cast<int32_t>(code[i]) * query[i];
  return s;
}

void PqAdcBatchScalar(const float* tables, const uint8_t* codes, size_t n, size_t m, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* code = codes + i * m;
    float s = 0.0f;
    for (size_t j = 0; j < m; ++j) s += tables[j * 256 + code[j]];
    out[i] = s;
  }
}

void PqTablesScalar(const float* target, const float* books, const float* norms, size_t m, size_t dsub,
                    float* tables) {
  for (size_t j = 0; j < m; ++j) {
    float* row = tables + j * 256;
    for (size_t k = 0; k < 256; ++k) row[k] = 0.0f;
    for (size_t t = 0; t < dsub; ++t) {
      const float x = target[j * dsub + t];
      const float* column = books + (j * dsub + t) * 256;
      for (size_t k = 0; k < 256; ++k) row[k] += x * column[k];
    }
    if (norms != nullptr) {
      for (size_t k = 0; k < 256; ++k) row[k] = norms[j * 256 + k] - 2.0f * row[k];
    }
  }
}

constexpr QuantizedKernels kScalarQuantizedKernels = {Sq8L2SqrScalar, Sq8WeightedSumScalar,
                                                      DotU8S8Scalar, PqAdcBatchScalar, PqTablesScalar,
                                                      "scalar"};

// Ordered from least to most capable; the numeric order is what the
// SEXTANT_ISA cap compares. Same names and meaning as in distance.cc.
enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// Unset or unrecognised means no cap. distance.cc caps Cascade Lake at AVX2
// because 512-bit FP code lowers its clock; the VNNI table never uses a zmm
// register, so that reason does not apply here. A typo is reported (by
// distance.cc too, when the float kernels are chosen) and ignored: it must not
// silently slow every search down to scalar.
Isa IsaCapFromEnv() {
  const char* env = std::getenv("SEXTANT_ISA");
  if (env == nullptr || *env == '\0') return Isa::kAvx512;
  if (std::strcmp(env, "scalar") == 0) return Isa::kScalar;
  if (std::strcmp(env, "avx2") == 0) return Isa::kAvx2;
  if (std::strcmp(env, "avx512") == 0) return Isa::kAvx512;
  std::fprintf(stderr,
               "sextant: quantized kernels ignore unknown SEXTANT_ISA=\"%s\" (expected scalar, "
               "avx2 or avx512)\n",
               env);
  return Isa::kAvx512;
}

// A SIMD table is only trusted after it reproduces the scalar reference on fixed
// inputs; this catches a miscompiled or mis-dispatched kernel (a wrong tail
// mask, a sign- instead of zero-extended code byte, a saturating multiply) at
// startup instead of as silently wrong search results. The inputs are chosen so
// that every product and partial sum is exact in float, so a correct kernel
// matches bit for bit whatever its summation order, and dropping or doubling
// any one term shows.
bool SelfCheck(const QuantizedKernels& k) {
  if (k.sq8_l2_sqr == nullptr || k.sq8_weighted_sum == nullptr || k.dot_u8s8 == nullptr ||
      k.pq_adc_batch == nullptr || k.pq_tables == nullptr || k.isa == nullptr) {
    return false;
  }
  const QuantizedKernels& ref = kScalarQuantizedKernels;
  // One element past the end so the kernels see pointers offset by one
  // element, as they do in practice.
  constexpr size_t kMaxDim = 133;
  float query[kMaxDim + 1], lo[kMaxDim + 1], step[kMaxDim + 1], weights[kMaxDim + 1];
  uint8_t code[kMaxDim + 1];
  int8_t squery[kMaxDim + 1];
  uint8_t worst_code[kMaxDim + 1];
  int8_t worst_query[kMaxDim + 1];
  for (size_t i = 0; i <= kMaxDim; ++i) {
    code[i] = static_cast<uint8_t>(i * 97 % 256);  // distinct bytes, half of them >= 128
    lo[i] = static_cast<float>(static_cast<int>(i * 7 % 13) - 6) / 8.0f;
    step[i] = static_cast<float>(static_cast<int>(i * 5 % 9) - 4) / 8.0f;
    // query = decoded value + a never-zero offset in +-1/8..+-6/8 (all exact),
    // so each d^2 is nonzero and small and the sum stays exact.
    const float offset = static_cast<float>(static_cast<int>(i % 6) + 1) / 8.0f;
    query[i] = lo[i] + step[i] * static_cast<float>(code[i]) + ((i & 1) ? offset : -offset);
    weights[i] = static_cast<float>(static_cast<int>(i * 3 % 11) - 5) / 8.0f;
    squery[i] = static_cast<int8_t>(static_cast<int>(i * 89 % 255) - 127);  // -127..127
    // 255 * -127, twice in a row, is what a saturating pairwise multiply-add
    // (vpmaddubsw) gets wrong.
    worst_code[i] = 255;
    worst_query[i] = -127;
  }
  constexpr size_t kDims[] = {1, 31, 33, 100, kMaxDim};
  for (const size_t dim : kDims) {
    if (k.sq8_l2_sqr(query + 1, code + 1, lo + 1, step + 1, dim) !=
            ref.sq8_l2_sqr(query + 1, code + 1, lo + 1, step + 1, dim) ||
        k.sq8_weighted_sum(weights + 1, code + 1, dim) !=
            ref.sq8_weighted_sum(weights + 1, code + 1, dim) ||
        k.dot_u8s8(code + 1, squery + 1, dim) != ref.dot_u8s8(code + 1, squery + 1, dim) ||
        k.dot_u8s8(worst_code + 1, worst_query + 1, dim) != -32385 * static_cast<int32_t>(dim)) {
      return false;
    }
  }
  // PQ: m below, at and above 4 (the SIMD tables read code bytes four at a
  // time), and n not a multiple of the four codes they score side by side.
  constexpr size_t kMaxM = 9, kN = 13;
  float tables[kMaxM * 256 + 1];
  uint8_t codes[kN * kMaxM + 1];
  for (size_t i = 0; i < kMaxM * 256 + 1; ++i) {
    tables[i] = static_cast<float>(static_cast<int>(i * 37 % 61) - 30) / 8.0f;
  }
  for (size_t i = 0; i < kN * kMaxM + 1; ++i) codes[i] = static_cast<uint8_t>(i * 151 % 256);
  constexpr size_t kMs[] = {1, 3, 4, kMaxM};
  for (const size_t m : kMs) {
    float got[kN], want[kN];
    k.pq_adc_batch(tables + 1, codes + 1, kN, m, got);
    ref.pq_adc_batch(tables + 1, codes + 1, kN, m, want);
    if (std::memcmp(got, want, sizeof(got)) != 0) return false;
  }
  // PQ tables: eighths again, so every product and sum is exact; both forms.
  constexpr size_t kTableM = 3, kDsub = 4;
  static float books[kTableM * kDsub * 256], norms[kTableM * 256], target[kTableM * kDsub];
  for (size_t i = 0; i < kTableM * kDsub * 256; ++i) books[i] = static_cast<float>(static_cast<int>(i * 29 % 17) - 8) / 8.0f;
  for (size_t i = 0; i < kTableM * 256; ++i) norms[i] = static_cast<float>(i % 23) / 8.0f;
  for (size_t i = 0; i < kTableM * kDsub; ++i) target[i] = static_cast<float>(static_cast<int>(i * 5 % 7) - 3) / 8.0f;
  static float got_tables[kTableM * 256], want_tables[kTableM * 256];
  for (const float* n : {static_cast<const float*>(nullptr), static_cast<const float*>(norms)}) {
    k.pq_tables(target, books, n, kTableM, kDsub, got_tables);
    ref.pq_tables(target, books, n, kTableM, kDsub, want_tables);
    if (std::memcmp(got_tables, want_tables, sizeof(got_tables)) != 0) return false;
  }
  return true;
}

const QuantizedKernels& ChooseQuantizedKernels() {
  const Isa cap = IsaCapFromEnv();
  // Best first; each candidate is nullptr when the CPU lacks it.
  const struct {
    Isa isa;
    const QuantizedKernels* kernels;
  } candidates[] = {{Isa::kAvx512, Avx512VnniQuantizedKernels()},
                    {Isa::kAvx2, Avx2QuantizedKernels()}};
  for (const auto& c : candidates) {
    if (c.isa > cap || c.kernels == nullptr) continue;
    if (SelfCheck(*c.kernels)) return *c.kernels;
    std::fprintf(stderr,
                 "sextant: %s quantized kernels disagree with the scalar reference; not using "
                 "them\n",
                 c.kernels->isa);
  }
  return kScalarQuantizedKernels;
}

}  // namespace

const QuantizedKernels& ScalarQuantizedKernels() { return kScalarQuantizedKernels; }

const QuantizedKernels* Avx2QuantizedKernels() {
#if SEXTANT_QUANTIZED_X86
  // Must cover every -m flag quantized_kernels_avx2.cc is built with.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return &kAvx2QuantizedKernels;
  }
#endif
  return nullptr;
}

const QuantizedKernels* Avx512VnniQuantizedKernels() {
#if SEXTANT_QUANTIZED_X86
  // Must cover every -m flag quantized_kernels_avx512.cc is built with. libgcc
  // also checks (XGETBV) that the OS saves the ZMM/opmask state before
  // reporting avx512*.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return &kAvx512VnniQuantizedKernels;
  }
#endif
  return nullptr;
}

const QuantizedKernels& ActiveQuantizedKernels() {
  // A function-local static: initialised exactly once, thread-safely, and the
  // choice never changes afterwards (callers may cache the function pointers).
  static const QuantizedKernels& active = ChooseQuantizedKernels();
  return active;
}

}  // namespace sextant
