// Nanoseconds per call of the quantized kernels (index/quantized_kernels.h), for
// every table this CPU has, next to the float l2_sqr and dot of ActiveKernels()
// on the same dims, with their ratios. All cases are interleaved in one run
// (each round runs every case once, starting at a different case each round)
// and each keeps its best round, so that noise from other tenants, which only
// adds time, hits all alike.
//
//   quantized_kernels_bench [rounds=30]
//
// Inputs stay in L1/L2 (16 vectors a dim, cycled), so this measures the
// kernels, not memory. pq_adc_batch scores n = 1024 codes of m = dim / 4 bytes
// per call; its float reference is 1024 calls of l2_sqr.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "index/distance.h"
#include "index/quantized_kernels.h"

using namespace sextant;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kDims[] = {100, 128, 768};
constexpr size_t kVectors = 16;  // cycled, so consecutive calls see different data
constexpr size_t kPqCodes = 1024;

// Keeps the compiler from dropping the calls.
volatile float g_sink = 0.0f;

// The data of one dim, shared by all cases of that dim.
struct DimData {
  size_t dim = 0, m = 0;
  std::vector<float> query, lo, step, weights, floats;  // floats: kVectors x dim
  std::vector<uint8_t> codes;                           // kVectors x dim
  std::vector<int8_t> squery;
  std::vector<float> tables;      // m x 256
  std::vector<uint8_t> pq_codes;  // kPqCodes x m
  std::vector<float> out;         // kPqCodes
};

DimData MakeData(size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::uniform_int_distribution<int> byte(0, 255), sbyte(-127, 127);
  DimData d;
  d.dim = dim;
  d.m = dim / 4;
  auto fill = [&](std::vector<float>& v, size_t n) {
    v.resize(n);
    for (float& x : v) x = unit(rng);
  };
  fill(d.query, dim);
  fill(d.lo, dim);
  fill(d.step, dim);
  fill(d.weights, dim);
  fill(d.floats, kVectors * dim);
  fill(d.tables, d.m * 256);
  d.codes.resize(kVectors * dim);
  for (uint8_t& c : d.codes) c = static_cast<uint8_t>(byte(rng));
  d.squery.resize(dim);
  for (int8_t& q : d.squery) q = static_cast<int8_t>(sbyte(rng));
  d.pq_codes.resize(kPqCodes * d.m);
  for (uint8_t& c : d.pq_codes) c = static_cast<uint8_t>(byte(rng));
  d.out.resize(kPqCodes);
  return d;
}

// One measured thing: runs `calls` calls and returns a value to sink.
struct Case {
  size_t dim;
  std::string kernel;  // row
  std::string isa;     // column: a quantized table's isa, or "float"
  std::function<float(size_t calls)> run;
  size_t calls = 0;  // per round, calibrated to ~50 us
  double best_ns = 1e300;
};

double RunNs(Case& c, size_t calls) {
  const auto t0 = Clock::now();
  g_sink = g_sink + c.run(calls);
  const auto t1 = Clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count();
}

void AddCases(std::vector<Case>& cases, DimData& d, const QuantizedKernels& k) {
  const size_t dim = d.dim;
  const std::string isa = k.isa;
  cases.push_back({dim, "sq8_l2_sqr", isa, [&d, &k](size_t calls) {
                     float s = 0.0f;
                     for (size_t c = 0; c < calls; ++c) {
                       s += k.sq8_l2_sqr(d.query.data(), d.codes.data() + (c % kVectors) * d.dim,
                                         d.lo.data(), d.step.data(), d.dim);
                     }
                     return s;
                   }});
  cases.push_back({dim, "sq8_weighted_sum", isa, [&d, &k](size_t calls) {
                     float s = 0.0f;
                     for (size_t c = 0; c < calls; ++c) {
                       s += k.sq8_weighted_sum(d.weights.data(),
                                               d.codes.data() + (c % kVectors) * d.dim, d.dim);
                     }
                     return s;
                   }});
  cases.push_back({dim, "dot_u8s8", isa, [&d, &k](size_t calls) {
                     int32_t s = 0;
                     for (size_t c = 0; c < calls; ++c) {
                       s += k.dot_u8s8(d.codes.data() + (c % kVectors) * d.dim, d.squery.data(),
                                       d.dim);
                     }
                     return static_cast<float>(s);
                   }});
  cases.push_back({dim, "pq_adc_batch", isa, [&d, &k](size_t calls) {
                     float s = 0.0f;
                     for (size_t c = 0; c < calls; ++c) {
                       k.pq_adc_batch(d.tables.data(), d.pq_codes.data(), kPqCodes, d.m,
                                      d.out.data());
                       s += d.out[c % kPqCodes];
                     }
                     return s;
                   }});
}

void AddFloatCases(std::vector<Case>& cases, DimData& d, const DistanceKernels& k) {
  const auto repeat = [&d](DistanceFn fn, size_t per_call) {
    return [&d, fn, per_call](size_t calls) {
      float s = 0.0f;
      for (size_t c = 0; c < calls * per_call; ++c) {
        s += fn(d.query.data(), d.floats.data() + (c % kVectors) * d.dim, d.dim);
      }
      return s;
    };
  };
  // Float references for each quantized row: l2_sqr for the SQ8 distance,
  // dot for the weighted sum and the int8 dot, 1024 x l2_sqr for PQ.
  cases.push_back({d.dim, "sq8_l2_sqr", "float", repeat(k.l2_sqr, 1)});
  cases.push_back({d.dim, "sq8_weighted_sum", "float", repeat(k.dot, 1)});
  cases.push_back({d.dim, "dot_u8s8", "float", repeat(k.dot, 1)});
  cases.push_back({d.dim, "pq_adc_batch", "float", repeat(k.l2_sqr, kPqCodes)});
}

const Case* Find(const std::vector<Case>& cases, size_t dim, const std::string& kernel,
                 const std::string& isa) {
  for (const Case& c : cases) {
    if (c.dim == dim && c.kernel == kernel && c.isa == isa) return &c;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rounds = argc > 1 ? std::stoul(argv[1]) : 30;
  std::vector<const QuantizedKernels*> tables = {&ScalarQuantizedKernels()};
  if (const QuantizedKernels* k = Avx2QuantizedKernels()) tables.push_back(k);
  if (const QuantizedKernels* k = Avx512VnniQuantizedKernels()) tables.push_back(k);
  const DistanceKernels& fk = ActiveKernels();
  std::printf("quantized tables:");
  for (const QuantizedKernels* k : tables) std::printf(" %s", k->isa);
  std::printf(" (active: %s); float reference: ActiveKernels() = %s; %zu rounds\n",
              ActiveQuantizedKernels().isa, fk.isa, rounds);

  std::vector<DimData> data;
  data.reserve(std::size(kDims));
  for (const size_t dim : kDims) data.push_back(MakeData(dim, static_cast<uint32_t>(dim)));
  std::vector<Case> cases;
  for (DimData& d : data) {
    AddFloatCases(cases, d, fk);
    for (const QuantizedKernels* k : tables) AddCases(cases, d, *k);
  }

  // Calibrate each case to ~50 us a round (also warms caches and clocks).
  for (Case& c : cases) {
    c.calls = 1;
    while (RunNs(c, c.calls) < 50e3 && c.calls < (size_t{1} << 24)) c.calls *= 2;
  }
  for (size_t r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < cases.size(); ++i) {
      Case& c = cases[(i + r * 7) % cases.size()];
      c.best_ns = std::min(c.best_ns, RunNs(c, c.calls) / static_cast<double>(c.calls));
    }
  }

  // ns per call for each column, then each table's time over the float
  // reference and over the scalar table.
  std::printf("\n%-5s %-17s %10s", "dim", "kernel", "float ns");
  for (const QuantizedKernels* k : tables)
    std::printf(" %13s", (std::string(k->isa) + " ns").c_str());
  for (const QuantizedKernels* k : tables)
    std::printf(" %13s", (std::string(k->isa) + "/flt").c_str());
  for (size_t t = 1; t < tables.size(); ++t) {
    std::printf(" %13s", (std::string("scalar/") + tables[t]->isa).c_str());
  }
  std::printf("\n");
  for (const size_t dim : kDims) {
    for (const char* kernel : {"sq8_l2_sqr", "sq8_weighted_sum", "dot_u8s8", "pq_adc_batch"}) {
      const double flt = Find(cases, dim, kernel, "float")->best_ns;
      std::vector<double> ns;
      for (const QuantizedKernels* k : tables)
        ns.push_back(Find(cases, dim, kernel, k->isa)->best_ns);
      std::printf("%-5zu %-17s %10.1f", dim, kernel, flt);
      for (const double x : ns) std::printf(" %13.1f", x);
      for (const double x : ns) std::printf(" %13.2f", x / flt);
      for (size_t t = 1; t < ns.size(); ++t) std::printf(" %13.2f", ns[0] / ns[t]);
      std::printf("\n");
    }
  }
  std::printf(
      "\nfloat ns: l2_sqr for sq8_l2_sqr, dot for sq8_weighted_sum and dot_u8s8, 1024 x l2_sqr "
      "for pq_adc_batch (n = 1024, m = dim / 4).\n<isa>/flt: that table's time over the float "
      "reference (< 1 = faster). scalar/<isa>: speed-up over the scalar table.\n");
  return 0;
}
