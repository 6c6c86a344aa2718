// Tests of the quantized kernels: the scalar reference against double and int64
// computations, every SIMD table against the scalar reference (awkward sizes,
// misaligned pointers, extreme inputs, inputs ending at an unreadable page), and
// the dispatcher's choice.
#include "index/quantized_kernels.h"

#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sextant {
namespace {

std::vector<const QuantizedKernels*> AvailableTables() {
  std::vector<const QuantizedKernels*> tables = {&ScalarQuantizedKernels()};
  if (const QuantizedKernels* k = Avx2QuantizedKernels()) tables.push_back(k);
  if (const QuantizedKernels* k = Avx512VnniQuantizedKernels()) tables.push_back(k);
  return tables;
}

// 1..300 covers every tail of the 8-, 16-, 32- and 128-wide steps and their
// unrolled loops several times over; 768 and 1536 are typical embedding sizes.
std::vector<size_t> TestDims() {
  std::vector<size_t> dims;
  for (size_t d = 1; d <= 300; ++d) dims.push_back(d);
  dims.push_back(768);
  dims.push_back(1536);
  return dims;
}

// SQ8 and int8 inputs of `dim` elements, each starting one element past its
// buffer's start, so no SIMD load is aligned. Each buffer has exactly dim + 1
// elements, so an overrun is a heap overflow that AddressSanitizer reports.
struct Sq8Inputs {
  std::vector<float> query_buf, lo_buf, step_buf, weights_buf;
  std::vector<uint8_t> code_buf;
  std::vector<int8_t> squery_buf;
  const float* query() const { return query_buf.data() + 1; }
  const float* lo() const { return lo_buf.data() + 1; }
  const float* step() const { return step_buf.data() + 1; }
  const float* weights() const { return weights_buf.data() + 1; }
  const uint8_t* code() const { return code_buf.data() + 1; }
  const int8_t* squery() const { return squery_buf.data() + 1; }
  float* query() { return query_buf.data() + 1; }
  float* lo() { return lo_buf.data() + 1; }
  float* step() { return step_buf.data() + 1; }
  float* weights() { return weights_buf.data() + 1; }
  uint8_t* code() { return code_buf.data() + 1; }
  int8_t* squery() { return squery_buf.data() + 1; }
};

Sq8Inputs RandomSq8Inputs(size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> sbyte(-127, 127);
  Sq8Inputs in;
  in.query_buf.resize(dim + 1);
  in.lo_buf.resize(dim + 1);
  in.step_buf.resize(dim + 1);
  in.weights_buf.resize(dim + 1);
  in.code_buf.resize(dim + 1);
  in.squery_buf.resize(dim + 1);
  for (size_t i = 0; i <= dim; ++i) {
    // A realistic SQ8 setup: per-dimension range [lo, lo + 255 * step], the
    // query somewhere around it.
    in.lo_buf[i] = unit(rng);
    in.step_buf[i] = (unit(rng) + 1.0f) / 255.0f;
    in.query_buf[i] = in.lo_buf[i] + 255.0f * in.step_buf[i] * (unit(rng) + 1.0f) / 2.0f;
    in.weights_buf[i] = unit(rng);
    in.code_buf[i] = static_cast<uint8_t>(byte(rng));
    in.squery_buf[i] = static_cast<int8_t>(sbyte(rng));
  }
  return in;
}

// The exact value (in double) and a scale of the rounding error of any
// summation order: the sum of the absolute values of the terms, where for
// sq8_l2_sqr a term's scale is that of its operands, since q - (lo + step * c)
// can cancel while the rounding of lo + step * c does not.
struct Exact {
  double value = 0;
  double magnitude = 0;
};

Exact ExactSq8L2Sqr(const float* q, const uint8_t* c, const float* lo, const float* step,
                    size_t dim) {
  Exact e;
  for (size_t i = 0; i < dim; ++i) {
    const double x = double(lo[i]) + double(step[i]) * c[i];
    const double d = q[i] - x;
    const double scale = std::fabs(q[i]) + std::fabs(lo[i]) + std::fabs(double(step[i]) * c[i]);
    e.value += d * d;
    e.magnitude += scale * scale;
  }
  return e;
}

Exact ExactWeightedSum(const float* w, const uint8_t* c, size_t dim) {
  Exact e;
  for (size_t i = 0; i < dim; ++i) {
    e.value += double(w[i]) * c[i];
    e.magnitude += std::fabs(double(w[i]) * c[i]);
  }
  return e;
}

int64_t ExactDot(const uint8_t* c, const int8_t* q, size_t dim) {
  int64_t s = 0;
  for (size_t i = 0; i < dim; ++i) s += int64_t{c[i]} * q[i];
  return s;
}

// ~1e-4 relative to the terms' magnitude, plus a small absolute floor so a
// result of (nearly) zero does not demand an exact match.
double Tolerance(const Exact& e) { return 1e-4 * e.magnitude + 1e-6; }

// Every kernel of `k` against the scalar reference on `in`: float kernels
// within the tolerance, dot_u8s8 exactly.
void ExpectSq8AgreesWithScalar(const QuantizedKernels& k, const Sq8Inputs& in, size_t dim) {
  const QuantizedKernels& ref = ScalarQuantizedKernels();
  CAPTURE(k.isa, dim);
  {
    const Exact exact = ExactSq8L2Sqr(in.query(), in.code(), in.lo(), in.step(), dim);
    const double want = ref.sq8_l2_sqr(in.query(), in.code(), in.lo(), in.step(), dim);
    const double got = k.sq8_l2_sqr(in.query(), in.code(), in.lo(), in.step(), dim);
    CAPTURE("sq8_l2_sqr", want, got, exact.value);
    CHECK(std::fabs(got - want) <= Tolerance(exact));
  }
  {
    const Exact exact = ExactWeightedSum(in.weights(), in.code(), dim);
    const double want = ref.sq8_weighted_sum(in.weights(), in.code(), dim);
    const double got = k.sq8_weighted_sum(in.weights(), in.code(), dim);
    CAPTURE("sq8_weighted_sum", want, got, exact.value);
    CHECK(std::fabs(got - want) <= Tolerance(exact));
  }
  CHECK(k.dot_u8s8(in.code(), in.squery(), dim) == ref.dot_u8s8(in.code(), in.squery(), dim));
}

// Places `bytes` bytes so that they end exactly at a PROT_NONE page: a kernel
// that reads even one byte past the end (say an unmasked tail load) crashes.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_ = ((bytes + page - 1) / page + 1) * page;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    base_ = static_cast<char*>(p);
    REQUIRE(mprotect(base_ + size_ - page, page, PROT_NONE) == 0);
    data_ = base_ + size_ - page - bytes;
  }
  ~GuardedBuffer() { munmap(base_, size_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  template <class T>
  T* As() {
    return reinterpret_cast<T*>(data_);
  }

 private:
  size_t size_ = 0;
  char* base_ = nullptr;
  char* data_ = nullptr;
};

template <class T>
T* CopyTo(GuardedBuffer& buf, const T* src, size_t n) {
  T* dst = buf.As<T>();
  if (n > 0) std::memcpy(dst, src, n * sizeof(T));
  return dst;
}

struct PqInputs {
  std::vector<float> tables_buf;
  std::vector<uint8_t> codes_buf;
  const float* tables() const { return tables_buf.data() + 1; }
  const uint8_t* codes() const { return codes_buf.data() + 1; }
};

PqInputs RandomPqInputs(size_t n, size_t m, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(0.0f, 4.0f);  // squared sub-distances
  std::uniform_int_distribution<int> byte(0, 255);
  PqInputs in;
  in.tables_buf.resize(m * 256 + 1);
  in.codes_buf.resize(n * m + 1);
  for (float& x : in.tables_buf) x = dist(rng);
  for (uint8_t& c : in.codes_buf) c = static_cast<uint8_t>(byte(rng));
  return in;
}

}  // namespace

TEST_CASE("Scalar quantized kernels agree with double and int64 computations",
          "[index][quantized]") {
  // The scalar kernels are the oracle of the SIMD tests, so check them first.
  const QuantizedKernels& k = ScalarQuantizedKernels();
  CHECK(std::string(k.isa) == "scalar");
  for (const size_t dim : TestDims()) {
    const Sq8Inputs in = RandomSq8Inputs(dim, static_cast<uint32_t>(100 + dim));
    CAPTURE(dim);
    const Exact l2 = ExactSq8L2Sqr(in.query(), in.code(), in.lo(), in.step(), dim);
    CHECK(std::fabs(k.sq8_l2_sqr(in.query(), in.code(), in.lo(), in.step(), dim) - l2.value) <=
          Tolerance(l2));
    const Exact ws = ExactWeightedSum(in.weights(), in.code(), dim);
    CHECK(std::fabs(k.sq8_weighted_sum(in.weights(), in.code(), dim) - ws.value) <= Tolerance(ws));
    CHECK(k.dot_u8s8(in.code(), in.squery(), dim) == ExactDot(in.code(), in.squery(), dim));
  }
  // A hand-computed case: codes {0, 1, 255}.
  const float q[] = {1.0f, 2.0f, 3.0f};
  const uint8_t c[] = {0, 1, 255};
  const float lo[] = {0.5f, -1.0f, 0.0f};
  const float step[] = {2.0f, 1.0f, 0.125f};  // decoded {0.5, 0, 31.875}
  CHECK(k.sq8_l2_sqr(q, c, lo, step, 3) == 0.25f + 4.0f + 28.875f * 28.875f);
  CHECK(k.sq8_weighted_sum(step, c, 3) == 0.0f + 1.0f + 31.875f);
  const int8_t sq[] = {5, -127, -127};
  CHECK(k.dot_u8s8(c, sq, 3) == -127 - 255 * 127);
  std::vector<float> tables(2 * 256, 0.0f);
  tables[3] = 1.5f;
  tables[256 + 7] = 0.25f;
  const uint8_t codes[] = {3, 7, 0, 0};
  float out[2];
  k.pq_adc_batch(tables.data(), codes, 2, 2, out);
  CHECK(out[0] == 1.75f);  // tables[0][3] + tables[1][7]
  CHECK(out[1] == 0.0f);
}

TEST_CASE("Every quantized table returns zero for empty inputs", "[index][quantized]") {
  const Sq8Inputs in = RandomSq8Inputs(4, 1);
  for (const QuantizedKernels* k : AvailableTables()) {
    CAPTURE(k->isa);
    CHECK(k->sq8_l2_sqr(in.query(), in.code(), in.lo(), in.step(), 0) == 0.0f);
    CHECK(k->sq8_weighted_sum(in.weights(), in.code(), 0) == 0.0f);
    CHECK(k->dot_u8s8(in.code(), in.squery(), 0) == 0);
    float out[1] = {-1.0f};
    k->pq_adc_batch(in.weights(), in.code(), 0, 4, out);  // n = 0: writes nothing
    CHECK(out[0] == -1.0f);
  }
}

TEST_CASE("SIMD quantized tables agree with the scalar reference on dims 1..300, 768, 1536",
          "[index][quantized]") {
  const std::vector<const QuantizedKernels*> tables = AvailableTables();
  if (tables.size() == 1) WARN("CPU lacks AVX2+FMA; only the scalar table is tested");
  if (Avx512VnniQuantizedKernels() == nullptr)
    WARN("CPU lacks AVX-512 VNNI; its table is not tested");
  for (const size_t dim : TestDims()) {
    const Sq8Inputs in = RandomSq8Inputs(dim, static_cast<uint32_t>(1000 + dim));
    for (const QuantizedKernels* k : tables) ExpectSq8AgreesWithScalar(*k, in, dim);
  }
}

TEST_CASE("SIMD quantized tables agree with the scalar reference on extreme inputs",
          "[index][quantized]") {
  // Code bytes at both ends of the range (255 must be read as 255, not -1),
  // int8 queries at +-127 (255 * -127 twice in a row saturates a pairwise
  // int16 multiply-add), large and negative float parameters.
  struct Pattern {
    const char* name;
    uint8_t (*code)(size_t i);
    int8_t (*squery)(size_t i);
    float scale;
  };
  const Pattern patterns[] = {
      {"255 x -127", [](size_t) -> uint8_t { return 255; }, [](size_t) -> int8_t { return -127; },
       1e3f},
      {"255 x 127", [](size_t) -> uint8_t { return 255; }, [](size_t) -> int8_t { return 127; },
       1e-3f},
      {"0 x -127", [](size_t) -> uint8_t { return 0; }, [](size_t) -> int8_t { return -127; },
       1.0f},
      {"alternating", [](size_t i) -> uint8_t { return i & 1 ? 255 : 128; },
       [](size_t i) -> int8_t { return i % 3 == 0 ? 127 : -127; }, 1e4f},
  };
  for (const Pattern& p : patterns) {
    for (const size_t dim :
         {size_t{1}, size_t{15}, size_t{16}, size_t{31}, size_t{32}, size_t{33}, size_t{100},
          size_t{127}, size_t{128}, size_t{129}, size_t{255}, size_t{768}, size_t{1536}}) {
      Sq8Inputs in = RandomSq8Inputs(dim, static_cast<uint32_t>(dim));
      for (size_t i = 0; i < dim; ++i) {
        in.code()[i] = p.code(i);
        in.squery()[i] = p.squery(i);
        in.lo()[i] = -p.scale;
        in.step()[i] = p.scale / 100.0f;
        in.query()[i] = (i & 1) ? p.scale : -p.scale;
        in.weights()[i] = (i % 3 == 0) ? -p.scale : p.scale;
      }
      CAPTURE(p.name);
      CHECK(ScalarQuantizedKernels().dot_u8s8(in.code(), in.squery(), dim) ==
            ExactDot(in.code(), in.squery(), dim));
      for (const QuantizedKernels* k : AvailableTables()) ExpectSq8AgreesWithScalar(*k, in, dim);
    }
  }
}

TEST_CASE("dot_u8s8 is exact at dim 65536 with worst-case inputs", "[index][quantized]") {
  constexpr size_t kDim = 65536;
  const std::vector<uint8_t> code(kDim, 255);
  const std::vector<int8_t> minus(kDim, -127), plus(kDim, 127);
  std::vector<int8_t> mixed(kDim);
  for (size_t i = 0; i < kDim; ++i) mixed[i] = (i / 3) & 1 ? 127 : -127;
  for (const QuantizedKernels* k : AvailableTables()) {
    CAPTURE(k->isa);
    CHECK(k->dot_u8s8(code.data(), minus.data(), kDim) == -2122383360);  // -65536 * 255 * 127
    CHECK(k->dot_u8s8(code.data(), plus.data(), kDim) == 2122383360);
    CHECK(int64_t{k->dot_u8s8(code.data(), mixed.data(), kDim)} ==
          ExactDot(code.data(), mixed.data(), kDim));
    // Tails behind a long worst-case run.
    for (const size_t dim : {kDim - 1, kDim - 31, kDim - 100}) {
      CAPTURE(dim);
      CHECK(int64_t{k->dot_u8s8(code.data() + 1, minus.data() + 1, dim)} ==
            -int64_t{32385} * static_cast<int64_t>(dim));
    }
  }
}

TEST_CASE("SIMD quantized tables agree with the scalar reference at every start offset",
          "[index][quantized]") {
  // The main tests misalign by one element; here code and query start at each
  // byte offset within a 64-byte line, including cache-line splits.
  constexpr size_t kDim = 100;
  const Sq8Inputs in = RandomSq8Inputs(kDim + 64, 5);
  const QuantizedKernels& ref = ScalarQuantizedKernels();
  for (const QuantizedKernels* k : AvailableTables()) {
    for (size_t off = 0; off < 64; ++off) {
      CAPTURE(k->isa, off);
      const uint8_t* c = in.code_buf.data() + off;
      const int8_t* q = in.squery_buf.data() + (off * 7) % 64;
      CHECK(k->dot_u8s8(c, q, kDim) == ref.dot_u8s8(c, q, kDim));
      const float* w = in.weights_buf.data() + off % 16;
      const Exact ws = ExactWeightedSum(w, c, kDim);
      CHECK(std::fabs(k->sq8_weighted_sum(w, c, kDim) - ref.sq8_weighted_sum(w, c, kDim)) <=
            Tolerance(ws));
    }
  }
}

TEST_CASE("pq_adc_batch of every table agrees with the scalar reference", "[index][quantized]") {
  // The SIMD tables score four codes side by side and read code bytes four at
  // a time: m below, at and off multiples of 4, n below, at and past multiples
  // of 4 and 8. Every table sums each code's terms in order of j, so the
  // results are bit-identical, not merely close (quantized_kernels.h).
  const QuantizedKernels& ref = ScalarQuantizedKernels();
  for (const size_t m : {1, 2, 3, 4, 8, 16, 25, 32, 50, 64}) {
    for (const size_t n : {1, 7, 8, 9, 100}) {
      const PqInputs in = RandomPqInputs(n, m, static_cast<uint32_t>(m * 1000 + n));
      std::vector<float> want(n);
      ref.pq_adc_batch(in.tables(), in.codes(), n, m, want.data());
      for (size_t i = 0; i < n; ++i) {
        double exact = 0;
        for (size_t j = 0; j < m; ++j) exact += in.tables()[j * 256 + in.codes()[i * m + j]];
        CHECK(std::fabs(want[i] - exact) <= 1e-5 * exact + 1e-6);
      }
      for (const QuantizedKernels* k : AvailableTables()) {
        CAPTURE(k->isa, m, n);
        std::vector<float> got(n + 1, -1.0f);
        k->pq_adc_batch(in.tables(), in.codes(), n, m, got.data());
        CHECK(got.back() == -1.0f);  // nothing written past out[n - 1]
        got.pop_back();
        CHECK(got == want);
      }
    }
  }
}

TEST_CASE("Quantized kernels read nothing past the end of their inputs", "[index][quantized]") {
  // Every input ends exactly at an unreadable page; tails must not touch it.
  for (const size_t dim :
       {size_t{1}, size_t{3}, size_t{7}, size_t{8}, size_t{9}, size_t{15}, size_t{17}, size_t{31},
        size_t{33}, size_t{100}, size_t{129}, size_t{255}}) {
    const Sq8Inputs in = RandomSq8Inputs(dim, static_cast<uint32_t>(3000 + dim));
    GuardedBuffer gq(dim * 4), glo(dim * 4), gstep(dim * 4), gw(dim * 4), gc(dim), gs(dim);
    const float* q = CopyTo(gq, in.query(), dim);
    const float* lo = CopyTo(glo, in.lo(), dim);
    const float* step = CopyTo(gstep, in.step(), dim);
    const float* w = CopyTo(gw, in.weights(), dim);
    const uint8_t* c = CopyTo(gc, in.code(), dim);
    const int8_t* s = CopyTo(gs, in.squery(), dim);
    for (const QuantizedKernels* k : AvailableTables()) {
      CAPTURE(k->isa, dim);
      const Exact l2 = ExactSq8L2Sqr(q, c, lo, step, dim);
      CHECK(std::fabs(k->sq8_l2_sqr(q, c, lo, step, dim) - l2.value) <= Tolerance(l2));
      const Exact ws = ExactWeightedSum(w, c, dim);
      CHECK(std::fabs(k->sq8_weighted_sum(w, c, dim) - ws.value) <= Tolerance(ws));
      CHECK(k->dot_u8s8(c, s, dim) == ExactDot(c, s, dim));
    }
  }
  for (const size_t m : {1, 2, 3, 5, 25}) {
    for (const size_t n : {1, 8, 9, 15}) {
      const PqInputs in = RandomPqInputs(n, m, static_cast<uint32_t>(m + n));
      GuardedBuffer gt(m * 256 * 4), gc(n * m);
      const float* tables = CopyTo(gt, in.tables(), m * 256);
      const uint8_t* codes = CopyTo(gc, in.codes(), n * m);
      std::vector<float> want(n), got(n);
      ScalarQuantizedKernels().pq_adc_batch(tables, codes, n, m, want.data());
      for (const QuantizedKernels* k : AvailableTables()) {
        CAPTURE(k->isa, m, n);
        k->pq_adc_batch(tables, codes, n, m, got.data());
        CHECK(got == want);
      }
    }
  }
}

TEST_CASE("ActiveQuantizedKernels picks the best table once, under the SEXTANT_ISA cap",
          "[index][quantized]") {
  const QuantizedKernels& active = ActiveQuantizedKernels();
  const std::string isa = active.isa;
  CHECK((isa == "scalar" || isa == "avx2" || isa == "avx512vnni"));
  CHECK(&ActiveQuantizedKernels() == &active);  // chosen once, never changes
  const uint8_t c[] = {255, 1, 2};
  const int8_t q[] = {-127, 127, -1};
  CHECK(active.dot_u8s8(c, q, 3) == -255 * 127 + 127 - 2);
  // The choice is made once per process, so this checks whichever cap the
  // test runs under (run it with SEXTANT_ISA=scalar, avx2, avx512 or unset).
  // Without a cap the best table the CPU has wins (its self-check passing is
  // what the agreement tests above establish): the VNNI table uses only ymm
  // registers, so unlike ActiveKernels() it is taken on Cascade Lake too.
  const char* env = std::getenv("SEXTANT_ISA");
  const std::string cap = env != nullptr ? env : "";
  const char* want = "scalar";
  if (cap == "avx2") {
    if (Avx2QuantizedKernels() != nullptr) want = "avx2";
  } else if (cap != "scalar") {
    want = Avx512VnniQuantizedKernels() != nullptr ? "avx512vnni"
           : Avx2QuantizedKernels() != nullptr     ? "avx2"
                                                   : "scalar";
  }
  CAPTURE(cap);
  CHECK(isa == want);
}

}  // namespace sextant

namespace sextant {

TEST_CASE("pq_tables of every table agrees with a double computation", "[index][quantized]") {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  for (const size_t m : {1, 3, 25, 32}) {
    for (const size_t dsub : {1, 2, 4, 8}) {
      std::vector<float> books(m * dsub * 256), norms(m * 256), target(m * dsub);
      for (float& x : books) x = value(rng);
      for (float& x : norms) x = std::fabs(value(rng));
      for (float& x : target) x = value(rng);
      for (const QuantizedKernels* k : AvailableTables()) {
        for (const bool l2 : {false, true}) {
          CAPTURE(k->isa, m, dsub, l2);
          std::vector<float> got(m * 256 + 1, -7.0f);
          k->pq_tables(target.data(), books.data(), l2 ? norms.data() : nullptr, m, dsub, got.data());
          CHECK(got.back() == -7.0f);  // nothing written past the tables
          for (size_t j = 0; j < m; ++j) {
            for (size_t c = 0; c < 256; ++c) {
              double dot = 0;
              for (size_t t = 0; t < dsub; ++t) dot += double(target[j * dsub + t]) * books[(j * dsub + t) * 256 + c];
              const double want = l2 ? norms[j * 256 + c] - 2 * dot : dot;
              CHECK(std::fabs(got[j * 256 + c] - want) <= 1e-4 * (1 + std::fabs(want)));
            }
          }
        }
      }
    }
  }
}

}  // namespace sextant
