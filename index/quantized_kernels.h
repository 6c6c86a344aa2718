// Distance kernels over quantized vectors, with runtime ISA dispatch.
//
// Same layout as the float kernels (index/distance.h): a scalar reference
// (quantized_kernels.cc), an AVX2+FMA table (quantized_kernels_avx2.cc) and an
// AVX-512 VNNI table (quantized_kernels_avx512.cc), each SIMD file built with its
// own flags (the SIMD FILE REGISTRY in index/CMakeLists.txt) and only called
// after a CPUID check. ActiveQuantizedKernels() picks the best table once, after
// checking it against the scalar reference on fixed inputs.
//
// None of the kernels requires any alignment; none reads past the `dim` (or
// n * m) elements it is given.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sextant {

struct QuantizedKernels {
  // SQ8: one unsigned byte per dimension, decoded as x[i] = lo[i] + step[i] * code[i].
  // Returns sum_i (query[i] - x[i])^2.
  // REQUIRES: query, lo, step point to `dim` floats each; code to `dim` bytes.
  float (*sq8_l2_sqr)(const float* query, const uint8_t* code, const float* lo, const float* step,
                      size_t dim);
  // Returns sum_i weights[i] * code[i]. For the SQ8 dot product, callers
  // precompute weights[i] = query[i] * step[i] and add sum_i query[i] * lo[i].
  float (*sq8_weighted_sum)(const float* weights, const uint8_t* code, size_t dim);
  // Exact sum_i code[i] * query[i] with code unsigned (0..255) and query signed.
  // REQUIRES: every query[i] in -127..127 and dim <= 65536; then no SIMD step
  // saturates and the sum fits in int32 (|sum| <= 65536 * 255 * 127 < 2^31).
  int32_t (*dot_u8s8)(const uint8_t* code, const int8_t* query, size_t dim);
  // PQ asymmetric distance for n codes of m bytes each, stored contiguously
  // (code i at codes + i * m): out[i] = sum_{j<m} tables[j * 256 + codes[i * m + j]],
  // summed in order of j. `tables` holds m x 256 floats (one row per
  // sub-quantizer), `out` n floats. Every table gives bit-identical results.
  void (*pq_adc_batch)(const float* tables, const uint8_t* codes, size_t n, size_t m, float* out);
  // PQ distance tables for a query (or its residual): with `books` holding
  // each sub-quantizer's 256 codewords dimension-major (books[(j*dsub + t)*256
  // + k] = coordinate t of codeword k of sub-vector j),
  //   dot_j_k = sum_t target[j*dsub + t] * books[(j*dsub + t)*256 + k]
  // and tables[j*256 + k] = dot_j_k, or norms[j*256 + k] - 2*dot_j_k when
  // `norms` is not null (the squared-L2 table up to a constant).
  void (*pq_tables)(const float* target, const float* books, const float* norms, size_t m, size_t dsub,
                    float* tables);
  const char* isa;  // "scalar", "avx2", "avx512vnni"
};

// The scalar reference: plain loops, the oracle of every kernel test.
const QuantizedKernels& ScalarQuantizedKernels();
// nullptr when the running CPU lacks AVX2 + FMA.
const QuantizedKernels* Avx2QuantizedKernels();
// nullptr when the running CPU lacks AVX-512 F/BW/VL/VNNI (or AVX2, FMA). This
// table uses 256-bit registers only, so it does not lower the clock the way
// 512-bit code does on Skylake-SP/Cascade Lake.
const QuantizedKernels* Avx512VnniQuantizedKernels();

// The best table for this CPU, chosen on the first call (thread-safe) and never
// changed afterwards: AVX-512 VNNI, else AVX2, else scalar, each only after it
// reproduced the scalar reference on fixed inputs. Unlike ActiveKernels(), the
// default takes the VNNI table on Cascade Lake too (it never touches a 512-bit
// register). SEXTANT_ISA=scalar|avx2|avx512 caps the choice as it does for
// ActiveKernels(); avx512 allows the VNNI table.
const QuantizedKernels& ActiveQuantizedKernels();

}  // namespace sextant
