// Internal to the quantized kernels: the per-ISA tables, each defined in a file
// built with that ISA's flags (quantized_kernels_avx2.cc,
// quantized_kernels_avx512.cc), and the one kernel they share.
//
// The tables are constant-initialised data, so linking them runs nothing. Only
// quantized_kernels.cc names them, after its CPUID check; everything else goes
// through ActiveQuantizedKernels() (index/quantized_kernels.h).
#pragma once

#include "index/quantized_kernels.h"

namespace sextant {

extern const QuantizedKernels kAvx2QuantizedKernels;        // quantized_kernels_avx2.cc
extern const QuantizedKernels kAvx512VnniQuantizedKernels;  // quantized_kernels_avx512.cc

// The PQ scan of both SIMD tables, defined in quantized_kernels.cc (plain ISA:
// it is not SIMD). A SIMD gather ran at 0.73-0.76x the speed of the plain
// scalar loop on this Cascade Lake (~1.8 ns a looked-up float against ~1.3 ns,
// quantized_kernels_bench), so it was dropped. What helps is ILP: the plain loop
// waits on one chain of dependent adds per code; this one runs four codes side
// by side (four independent chains) and reads code bytes four at a time, about
// 2x the plain loop. Each code still adds its terms in order of j, so the
// results are bit-identical to the scalar reference.
void PqAdcBatchInterleaved(const float* tables, const uint8_t* codes, size_t n, size_t m, float* out);

// The PQ table kernel of both SIMD tables, defined in quantized_kernels_avx2.cc
// (AVX2+FMA, which every CPU with the VNNI table has): 256-float rows of FMAs.
void PqTablesAvx2(const float* target, const float* books, const float* norms, size_t m, size_t dsub,
                  float* tables);

}  // namespace sextant
