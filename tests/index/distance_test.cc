// Tests of the distance kernels: the scalar reference against hand-computed and
// double-precision values, every SIMD table against the scalar reference, and
// the dispatcher's choice.
#include "index/distance.h"

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

// Sizes around every SIMD boundary (8- and 16-wide blocks, 32/64-float unrolled
// loops, masked tails of every kind) plus typical embedding sizes.
constexpr size_t kAwkwardDims[] = {0,  1,  2,  3,  7,   8,   15,  16,  17,   31,
                                   33, 63, 64, 65, 100, 128, 384, 768, 1023, 1536};

enum class Kind { kL2Sqr, kDot, kL1 };
constexpr Kind kKinds[] = {Kind::kL2Sqr, Kind::kDot, Kind::kL1};

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kL2Sqr: return "l2_sqr";
    case Kind::kDot: return "dot";
    case Kind::kL1: return "l1";
  }
  return "?";
}

DistanceFn Fn(const DistanceKernels& k, Kind kind) {
  switch (kind) {
    case Kind::kL2Sqr: return k.l2_sqr;
    case Kind::kDot: return k.dot;
    case Kind::kL1: return k.l1;
  }
  return nullptr;
}

// The exact value (in double) and the sum of the absolute values of the terms.
// The latter is the scale of the rounding error of any summation order: for
// l2_sqr and l1 it equals the result, but a dot product can cancel to near zero
// while its rounding error stays proportional to the terms.
struct Exact {
  double value = 0;
  double magnitude = 0;
};

Exact ExactDistance(Kind kind, const float* a, const float* b, size_t dim) {
  Exact e;
  for (size_t i = 0; i < dim; ++i) {
    const double x = a[i], y = b[i];
    double term = 0;
    switch (kind) {
      case Kind::kL2Sqr: term = (x - y) * (x - y); break;
      case Kind::kDot: term = x * y; break;
      case Kind::kL1: term = std::fabs(x - y); break;
    }
    e.value += term;
    e.magnitude += std::fabs(term);
  }
  return e;
}

// ~1e-4 relative to the terms' magnitude, plus a small absolute floor so a
// result of (nearly) zero does not demand an exact match.
double Tolerance(const Exact& e) { return 1e-4 * e.magnitude + 1e-6; }

// Two inputs of `dim` floats that start one float past an aligned buffer start,
// so no SIMD load is aligned. Each buffer has exactly dim + 1 floats, so an
// overrun is a heap overflow that AddressSanitizer reports.
struct Inputs {
  std::vector<float> a_buf, b_buf;
  const float* a() const { return a_buf.data() + 1; }
  const float* b() const { return b_buf.data() + 1; }
};

Inputs RandomInputs(size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Inputs in;
  in.a_buf.resize(dim + 1);
  in.b_buf.resize(dim + 1);
  for (float& x : in.a_buf) x = dist(rng);
  for (float& x : in.b_buf) x = dist(rng);
  return in;
}

void ExpectAgreesWithScalar(const DistanceKernels& simd) {
  const DistanceKernels& scalar = ScalarKernels();
  for (const size_t dim : kAwkwardDims) {
    const Inputs in = RandomInputs(dim, static_cast<uint32_t>(1000 + dim));
    for (const Kind kind : kKinds) {
      CAPTURE(simd.isa, KindName(kind), dim);
      const Exact exact = ExactDistance(kind, in.a(), in.b(), dim);
      const double want = Fn(scalar, kind)(in.a(), in.b(), dim);
      const double got = Fn(simd, kind)(in.a(), in.b(), dim);
      CAPTURE(want, got, exact.value);
      CHECK(std::fabs(got - want) <= Tolerance(exact));
    }
  }
}

// Places `dim` floats so that they end exactly at a PROT_NONE page: a kernel
// that reads even one float past the end (say an unmasked tail load) crashes.
class GuardedVector {
 public:
  explicit GuardedVector(size_t dim) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_ = ((dim * sizeof(float) + page_ - 1) / page_ + 1) * page_;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    base_ = static_cast<char*>(p);
    REQUIRE(mprotect(base_ + size_ - page_, page_, PROT_NONE) == 0);
    data_ = reinterpret_cast<float*>(base_ + size_ - page_) - dim;
  }
  ~GuardedVector() { munmap(base_, size_); }
  GuardedVector(const GuardedVector&) = delete;
  GuardedVector& operator=(const GuardedVector&) = delete;
  float* data() { return data_; }

 private:
  size_t page_ = 0;
  size_t size_ = 0;
  char* base_ = nullptr;
  float* data_ = nullptr;
};

std::vector<const DistanceKernels*> AvailableTables() {
  std::vector<const DistanceKernels*> tables = {&ScalarKernels()};
  if (const DistanceKernels* k = Avx2Kernels()) tables.push_back(k);
  if (const DistanceKernels* k = Avx512Kernels()) tables.push_back(k);
  return tables;
}

}  // namespace

TEST_CASE("Scalar kernels match hand-computed values on a tiny case", "[index][distance]") {
  const DistanceKernels& k = ScalarKernels();
  CHECK(std::string(k.isa) == "scalar");
  // a - b = {-3, 0, 4, -1, 2}; powers of two and small integers, so exact.
  const float a[] = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f};
  const float b[] = {4.0f, 2.0f, -1.0f, 0.0f, -1.5f};
  CHECK(k.l2_sqr(a, b, 5) == 9.0f + 0.0f + 16.0f + 1.0f + 4.0f);
  CHECK(k.dot(a, b, 5) == 4.0f + 4.0f - 3.0f + 0.0f - 0.75f);
  CHECK(k.l1(a, b, 5) == 3.0f + 0.0f + 4.0f + 1.0f + 2.0f);
  // Prefixes exercise the scalar remainder loop on its own.
  CHECK(k.l2_sqr(a, b, 3) == 25.0f);
  CHECK(k.dot(a, b, 3) == 5.0f);
  CHECK(k.l1(a, b, 3) == 7.0f);
}

TEST_CASE("Every kernel table returns zero for empty vectors and identical inputs",
          "[index][distance]") {
  for (const DistanceKernels* k : AvailableTables()) {
    CAPTURE(k->isa);
    const float x[] = {1.0f, -2.0f, 3.0f};
    CHECK(k->l2_sqr(x, x, 0) == 0.0f);
    CHECK(k->dot(x, x, 0) == 0.0f);
    CHECK(k->l1(x, x, 0) == 0.0f);
    const Inputs in = RandomInputs(100, 7);
    CHECK(k->l2_sqr(in.a(), in.a(), 100) == 0.0f);
    CHECK(k->l1(in.a(), in.a(), 100) == 0.0f);
  }
}

TEST_CASE("Every table's hnswlib-signature entries equal its kernels (1 - dot for dot)",
          "[index][distance]") {
  for (const DistanceKernels* k : AvailableTables()) {
    CAPTURE(k->isa);
    for (size_t dim : {1, 17, 100, 128}) {
      CAPTURE(dim);
      const Inputs in = RandomInputs(dim, 11);
      CHECK(k->space_l2_sqr(in.a(), in.b(), &dim) == k->l2_sqr(in.a(), in.b(), dim));
      CHECK(k->space_one_minus_dot(in.a(), in.b(), &dim) == 1.0f - k->dot(in.a(), in.b(), dim));
      CHECK(k->space_l1(in.a(), in.b(), &dim) == k->l1(in.a(), in.b(), dim));
    }
  }
}

TEST_CASE("The scalar reference agrees with a double-precision computation",
          "[index][distance]") {
  // The scalar kernels are the oracle of the SIMD tests, so check them first.
  const DistanceKernels& k = ScalarKernels();
  for (const size_t dim : kAwkwardDims) {
    const Inputs in = RandomInputs(dim, static_cast<uint32_t>(2000 + dim));
    for (const Kind kind : kKinds) {
      CAPTURE(KindName(kind), dim);
      const Exact exact = ExactDistance(kind, in.a(), in.b(), dim);
      const double got = Fn(k, kind)(in.a(), in.b(), dim);
      CAPTURE(got, exact.value);
      CHECK(std::fabs(got - exact.value) <= Tolerance(exact));
    }
  }
}

TEST_CASE("AVX2 kernels agree with the scalar reference on awkward sizes", "[index][distance]") {
  const DistanceKernels* k = Avx2Kernels();
  if (k == nullptr) {
    WARN("CPU lacks AVX2+FMA; AVX2 kernels not tested");
    return;
  }
  CHECK(std::string(k->isa) == "avx2");
  ExpectAgreesWithScalar(*k);
}

TEST_CASE("AVX-512 kernels agree with the scalar reference on awkward sizes",
          "[index][distance]") {
  const DistanceKernels* k = Avx512Kernels();
  if (k == nullptr) {
    WARN("CPU lacks AVX-512 F/DQ/BW/VL; AVX-512 kernels not tested");
    return;
  }
  CHECK(std::string(k->isa) == "avx512");
  ExpectAgreesWithScalar(*k);
}

TEST_CASE("SIMD kernels agree with the scalar reference at every start offset",
          "[index][distance]") {
  // The main tests misalign by one float; here a and b start at each offset
  // within a 64-byte line, independently, including cache-line splits.
  const DistanceKernels& scalar = ScalarKernels();
  constexpr size_t kDim = 100;
  const Inputs in = RandomInputs(kDim + 16, 11);
  for (const DistanceKernels* k : AvailableTables()) {
    for (size_t oa = 0; oa < 16; ++oa) {
      for (size_t ob = 0; ob < 16; ob += 5) {
        const float* a = in.a_buf.data() + oa;
        const float* b = in.b_buf.data() + ob;
        for (const Kind kind : kKinds) {
          CAPTURE(k->isa, KindName(kind), oa, ob);
          const Exact exact = ExactDistance(kind, a, b, kDim);
          CHECK(std::fabs(Fn(*k, kind)(a, b, kDim) - Fn(scalar, kind)(a, b, kDim)) <=
                Tolerance(exact));
        }
      }
    }
  }
}

TEST_CASE("Kernels read nothing past the end of their inputs", "[index][distance]") {
  // Vectors end exactly at an unreadable page; masked tails must not touch it.
  for (const size_t dim : kAwkwardDims) {
    GuardedVector a(dim), b(dim);
    const Inputs in = RandomInputs(dim, static_cast<uint32_t>(3000 + dim));
    if (dim > 0) {
      std::memcpy(a.data(), in.a(), dim * sizeof(float));
      std::memcpy(b.data(), in.b(), dim * sizeof(float));
    }
    for (const DistanceKernels* k : AvailableTables()) {
      for (const Kind kind : kKinds) {
        CAPTURE(k->isa, KindName(kind), dim);
        const Exact exact = ExactDistance(kind, in.a(), in.b(), dim);
        CHECK(std::fabs(Fn(*k, kind)(a.data(), b.data(), dim) - exact.value) <=
              Tolerance(exact));
      }
    }
  }
}

TEST_CASE("ActiveKernels picks the best available table once", "[index][distance]") {
  const DistanceKernels& active = ActiveKernels();
  const std::string isa = active.isa;
  CHECK((isa == "scalar" || isa == "avx2" || isa == "avx512"));
  CHECK(&ActiveKernels() == &active);  // chosen once, never changes
  REQUIRE(active.l2_sqr != nullptr);
  REQUIRE(active.dot != nullptr);
  REQUIRE(active.l1 != nullptr);
  const float a[] = {1.0f, 2.0f, 3.0f};
  const float b[] = {2.0f, 0.0f, 3.0f};
  CHECK(active.l2_sqr(a, b, 3) == 5.0f);
  CHECK(active.dot(a, b, 3) == 11.0f);
  CHECK(active.l1(a, b, 3) == 3.0f);
  // SEXTANT_ISA caps the choice, and the static makes that untestable within one
  // process; without it the best table the CPU has must win (its self-check
  // passing is what the agreement tests above establish), except that CPUs whose
  // clock drops under AVX-512 get AVX2.
  if (std::getenv("SEXTANT_ISA") == nullptr) {
    const bool avx512 = Avx512Kernels() != nullptr && !DefaultPrefersAvx2();
    const char* best = avx512 ? "avx512" : Avx2Kernels() ? "avx2" : "scalar";
    CHECK(isa == best);
  }
}

}  // namespace sextant
