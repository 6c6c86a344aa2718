#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>

#include "index/flat_index.h"
#include "index/index_factory.h"
#include "support/datasets.h"
#include "support/random_vectors.h"

namespace sextant {

namespace {

std::unique_ptr<Index> Build(const IndexSpec& spec, const std::vector<float>& data, size_t dim,
                             Metric metric) {
  const size_t n = data.size() / dim;
  auto index = MakeIndex(spec, dim, metric, n);
  REQUIRE(index.ok());
  std::vector<Offset> offsets(n);
  std::iota(offsets.begin(), offsets.end(), 0);
  REQUIRE((*index)->Add(offsets, MatrixView(data.data(), n, dim)).ok());
  return std::move(index).value();
}

double Recall(const Index& ann, const Index& exact, const std::vector<float>& queries, size_t dim,
              size_t k, const OffsetFilter* filter = nullptr) {
  size_t hits = 0, total = 0;
  for (size_t q = 0; q < queries.size() / dim; ++q) {
    VectorView v(queries.data() + q * dim, dim);
    auto truth = exact.Search(v, SearchParams{.k = k, .filter = filter});
    auto got = ann.Search(v, SearchParams{.k = k, .ef = 64, .filter = filter});
    REQUIRE(truth.ok());
    REQUIRE(got.ok());
    // Count by distance: ties with the k-th true distance are hits.
    const float bound = truth->back().distance + 1e-5f;
    for (const Hit& h : *got) hits += h.distance <= bound;
    total += truth->size();
  }
  return double(hits) / double(total);
}

class MultipleOf3 final : public OffsetFilter {
 public:
  bool Accepts(Offset o) const override { return o % 3 == 0; }
};

}  // namespace

TEST_CASE("HnswIndex finds what FlatIndex finds", "[index][hnsw]") {
  const size_t n = 4000, dim = 24;
  auto data = testing::RandomVectors(n, dim, 7);
  auto queries = testing::RandomVectors(100, dim, 8);
  for (Metric metric : {Metric::kEuclid, Metric::kDot, Metric::kManhattan}) {
    auto flat = Build(IndexSpec::Flat(), data, dim, metric);
    auto hnsw = Build(IndexSpec{.m = 16, .ef_construct = 100}, data, dim, metric);
    CHECK(Recall(*hnsw, *flat, queries, dim, 10) >= 0.95);
  }
}

TEST_CASE("HnswIndex tests the filter while walking and keeps its recall", "[index][hnsw]") {
  const size_t n = 4000, dim = 16;
  auto data = testing::RandomVectors(n, dim, 9);
  auto queries = testing::RandomVectors(50, dim, 10);
  auto flat = Build(IndexSpec::Flat(), data, dim, Metric::kEuclid);
  auto hnsw = Build(IndexSpec{.m = 16, .ef_construct = 100}, data, dim, Metric::kEuclid);
  MultipleOf3 filter;
  CHECK(Recall(*hnsw, *flat, queries, dim, 10, &filter) >= 0.95);
  auto hits = hnsw->Search({queries.data(), dim}, SearchParams{.k = 10, .filter = &filter});
  REQUIRE(hits.ok());
  CHECK(hits->size() == 10);
  for (const Hit& h : *hits) CHECK(h.offset % 3 == 0);
}

TEST_CASE("HnswIndex exact search equals FlatIndex", "[index][hnsw]") {
  const size_t n = 1000, dim = 8;
  auto data = testing::RandomVectors(n, dim, 11);
  auto flat = Build(IndexSpec::Flat(), data, dim, Metric::kEuclid);
  auto hnsw = Build(IndexSpec{.m = 8, .ef_construct = 50}, data, dim, Metric::kEuclid);
  auto a = flat->Search({data.data() + 5 * dim, dim}, SearchParams{.k = 20});
  auto b = hnsw->Search({data.data() + 5 * dim, dim}, SearchParams{.k = 20, .exact = true});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->size() == b->size());
  for (size_t i = 0; i < a->size(); ++i) CHECK((*a)[i].offset == (*b)[i].offset);
}

TEST_CASE("A cloned HnswIndex takes new points and leaves the original untouched", "[index][hnsw]") {
  const size_t n = 3000, dim = 12;
  auto data = testing::RandomVectors(2 * n, dim, 12);
  std::vector<float> first(data.begin(), data.begin() + n * dim);
  auto original = Build(IndexSpec{.m = 16, .ef_construct = 100}, first, dim, Metric::kEuclid);
  auto clone = original->CloneWithCapacity(2 * n);
  REQUIRE(clone.ok());
  std::vector<Offset> offsets(n);
  std::iota(offsets.begin(), offsets.end(), static_cast<Offset>(n));
  REQUIRE((*clone)->Add(offsets, MatrixView(data.data() + n * dim, n, dim)).ok());
  CHECK(original->size() == n);
  CHECK((*clone)->size() == 2 * n);
  CHECK((*clone)->Vector(static_cast<Offset>(n + 5))[0] == data[(n + 5) * dim]);
  CHECK((*clone)->Vector(7)[0] == data[7 * dim]);

  auto flat = Build(IndexSpec::Flat(), data, dim, Metric::kEuclid);
  auto queries = testing::RandomVectors(50, dim, 13);
  CHECK(Recall(**clone, *flat, queries, dim, 10) >= 0.95);
  // The original still answers from its own points only.
  auto hits = original->Search({data.data() + (n + 1) * dim, dim}, SearchParams{.k = 5});
  REQUIRE(hits.ok());
  for (const Hit& h : *hits) CHECK(h.offset < n);
}

TEST_CASE("HnswIndex keeps every vector with its offset across renumbering and growth", "[index][hnsw]") {
  // Add() renumbers nodes for locality and moves the graph to huge-page memory
  // when it grows past capacity. Sparse, shuffled offsets and two batches that
  // both outgrow the capacity (20k x 32-d is past the 2 MiB huge-page size)
  // make sure no vector, label or link is left behind.
  const size_t n = 20000, dim = 32;
  auto data = testing::RandomVectors(n, dim, 21);
  std::vector<Offset> offsets(n);
  for (size_t i = 0; i < n; ++i) offsets[i] = static_cast<Offset>(((i * 7919) % n) * 3 + 11);
  auto made = MakeIndex(IndexSpec{.m = 16, .ef_construct = 100, .build_threads = 2}, dim, Metric::kEuclid, 1000);
  REQUIRE(made.ok());
  Index& index = **made;
  const size_t half = n / 2;
  REQUIRE(index.Add(std::span(offsets).first(half), MatrixView(data.data(), half, dim)).ok());
  REQUIRE(index.Add(std::span(offsets).subspan(half), MatrixView(data.data() + half * dim, n - half, dim)).ok());
  REQUIRE(index.size() == n);

  size_t vector_mismatches = 0, self_found = 0;
  for (size_t i = 0; i < n; ++i) {
    const float* stored = index.Vector(offsets[i]);
    if (stored == nullptr || !std::equal(stored, stored + dim, data.data() + i * dim)) ++vector_mismatches;
    if (i % 10 == 0) {
      auto hits = index.Search({data.data() + i * dim, dim}, SearchParams{.k = 1, .ef = 64});
      REQUIRE(hits.ok());
      self_found += !hits->empty() && (*hits)[0].offset == offsets[i] && (*hits)[0].distance == 0.0f;
    }
  }
  CHECK(vector_mismatches == 0);
  CHECK(self_found >= n / 10 * 99 / 100);
  CHECK(index.Vector(1) == nullptr);  // an offset never added
}

TEST_CASE("MakeIndex refuses impossible specs", "[index]") {
  CHECK(MakeIndex(IndexSpec{.m = 1}, 8, Metric::kDot, 10).status().code() == Status::Code::kInvalidArgument);
  CHECK(MakeIndex(IndexSpec::Flat(), 0, Metric::kDot, 10).status().code() == Status::Code::kInvalidArgument);
}

}  // namespace sextant

namespace sextant {

namespace {

std::string Saved(const Index& index) {
  StringWriter out;
  REQUIRE(index.Save(out).ok());
  return out.out;
}

}  // namespace

TEST_CASE("A saved HnswIndex loads back and answers every search identically", "[index][hnsw][persistence]") {
  const size_t dim = 24, n = 3000;
  auto data = testing::RandomVectors(n, dim, 5);
  IndexSpec spec;
  spec.m = 12;
  spec.ef_construct = 80;
  auto index = Build(spec, data, dim, Metric::kCosine);
  StringReader in(Saved(*index));
  auto loaded = LoadIndex(spec, dim, Metric::kCosine, in);
  REQUIRE(loaded.ok());
  CHECK(in.remaining() == 0);
  REQUIRE((*loaded)->size() == n);
  auto queries = testing::RandomVectors(100, dim, 6);
  for (size_t q = 0; q < 100; ++q) {
    VectorView v(queries.data() + q * dim, dim);
    auto a = index->Search(v, SearchParams{.k = 10, .ef = 40});
    auto b = (*loaded)->Search(v, SearchParams{.k = 10, .ef = 40});
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(a->size() == b->size());
    for (size_t i = 0; i < a->size(); ++i) {
      CHECK((*a)[i].offset == (*b)[i].offset);
      CHECK((*a)[i].distance == (*b)[i].distance);
    }
  }
  for (Offset o = 0; o < n; ++o) {
    REQUIRE((*loaded)->Vector(o) != nullptr);
    REQUIRE(std::equal(index->Vector(o), index->Vector(o) + dim, (*loaded)->Vector(o)));
  }
  // A loaded index can be extended like a built one.
  auto grown = (*loaded)->CloneWithCapacity(n + 10);
  REQUIRE(grown.ok());
  auto more = testing::RandomVectors(10, dim, 7);
  std::vector<Offset> offsets(10);
  std::iota(offsets.begin(), offsets.end(), Offset(n));
  REQUIRE((*grown)->Add(offsets, MatrixView(more.data(), 10, dim)).ok());
  CHECK((*grown)->size() == n + 10);
}

TEST_CASE("Loading a damaged HnswIndex fails cleanly instead of building a bad graph", "[index][hnsw][persistence]") {
  const size_t dim = 8, n = 500;
  auto data = testing::RandomVectors(n, dim, 8);
  IndexSpec spec;
  spec.m = 8;
  spec.ef_construct = 40;
  const std::string bytes = Saved(*Build(spec, data, dim, Metric::kEuclid));

  SECTION("truncated anywhere") {
    for (size_t cut : {size_t{0}, size_t{3}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
      StringReader in(bytes.substr(0, cut));
      CHECK_FALSE(LoadIndex(spec, dim, Metric::kEuclid, in).ok());
    }
  }
  SECTION("another m or dimension") {
    IndexSpec other = spec;
    other.m = 16;
    StringReader a(bytes), b(bytes);
    CHECK(LoadIndex(other, dim, Metric::kEuclid, a).status().code() == Status::Code::kCorruption);
    CHECK_FALSE(LoadIndex(spec, dim + 1, Metric::kEuclid, b).ok());
  }
  SECTION("a link to a node that does not exist") {
    // Header: u32 version, u64 count, 6 x u64 layout, u32 entry, i32 max level;
    // then node 0's level-0 list: u32 count (low 16 bits), neighbours.
    std::string damaged = bytes;
    const size_t node0 = 4 + 8 + 6 * 8 + 4 + 4;
    const uint32_t bogus = 1u << 30;
    std::memcpy(damaged.data() + node0 + 4, &bogus, 4);
    StringReader in(damaged);
    CHECK(LoadIndex(spec, dim, Metric::kEuclid, in).status().code() == Status::Code::kCorruption);
  }
  SECTION("a node count larger than the data (fails before allocating for it)") {
    std::string damaged = bytes;
    const uint64_t bogus = uint64_t{1} << 31;
    std::memcpy(damaged.data() + 4, &bogus, 8);
    StringReader in(damaged);
    CHECK(LoadIndex(spec, dim, Metric::kEuclid, in).status().code() == Status::Code::kCorruption);
  }
  SECTION("an entry point out of range") {
    std::string damaged = bytes;
    const uint32_t bogus = n + 5;
    std::memcpy(damaged.data() + 4 + 8 + 6 * 8, &bogus, 4);
    StringReader in(damaged);
    CHECK(LoadIndex(spec, dim, Metric::kEuclid, in).status().code() == Status::Code::kCorruption);
  }
}

TEST_CASE("A saved FlatIndex loads back with every row", "[index][persistence]") {
  const size_t dim = 5, n = 2100;
  auto data = testing::RandomVectors(n, dim, 9);
  auto index = Build(IndexSpec::Flat(), data, dim, Metric::kDot);
  StringReader in(Saved(*index));
  auto loaded = LoadIndex(IndexSpec::Flat(), dim, Metric::kDot, in);
  REQUIRE(loaded.ok());
  REQUIRE((*loaded)->size() == n);
  for (Offset o = 0; o < n; ++o) REQUIRE(std::equal(index->Vector(o), index->Vector(o) + dim, (*loaded)->Vector(o)));
}

}  // namespace sextant

namespace sextant {

namespace {

// siftsmall (10,000 x 128 real vectors) and its queries; `cosine` normalises.
std::pair<std::vector<float>, std::vector<float>> SiftRows(bool cosine) {
  const std::string dir = testing::SharedDataDir() + "/siftsmall";
  auto base = testing::ReadFvecs(dir + "/base.fvecs");
  auto queries = testing::ReadFvecs(dir + "/query.fvecs");
  if (cosine) {
    for (auto* m : {&base, &queries}) {
      for (size_t r = 0; r < m->rows; ++r) {
        double s = 0;
        for (size_t i = 0; i < m->dim; ++i) s += double(m->data[r * m->dim + i]) * m->data[r * m->dim + i];
        for (size_t i = 0; i < m->dim; ++i) m->data[r * m->dim + i] /= static_cast<float>(std::sqrt(s));
      }
    }
  }
  return {std::move(base.data), std::move(queries.data)};
}

// Recall@10 by true distance (searches without rescoring report code distances).
double TrueRecall(const Index& ann, const Index& exact, const std::vector<float>& queries, size_t dim,
                  const SearchParams& params) {
  size_t hits = 0, total = 0;
  for (size_t q = 0; q < queries.size() / dim; ++q) {
    VectorView v(queries.data() + q * dim, dim);
    auto truth = exact.Search(v, SearchParams{.k = 10});
    SearchParams p = params;
    p.k = 10;
    auto got = ann.Search(v, p);
    REQUIRE(truth.ok());
    REQUIRE(got.ok());
    const float bound = truth->back().distance + 1e-5f * std::max(1.0f, std::fabs(truth->back().distance));
    for (const Hit& h : *got) hits += exact.SearchAmong(v, std::vector<Offset>{h.offset}, 1, nullptr)[0].distance <= bound;
    total += truth->size();
  }
  return double(hits) / double(total);
}

}  // namespace

TEST_CASE("int8 HNSW walks codes and rescores with floats: recall as the float walk", "[index][hnsw][int8]") {
  for (Metric metric : {Metric::kEuclid, Metric::kCosine}) {
    const auto [base, queries] = SiftRows(metric == Metric::kCosine);
    const size_t dim = 128;
    auto flat = Build(IndexSpec::Flat(), base, dim, metric);
    // One build thread: the float and the int8 index are then the same graph
    // (same seed, same order), so walking the floats of either gives one answer.
    IndexSpec spec{.m = 16, .ef_construct = 100, .build_threads = 1};
    auto floats = Build(spec, base, dim, metric);
    spec.codes = Codes::kSq8;
    auto int8 = Build(spec, base, dim, metric);
    const double float_recall = TrueRecall(*floats, *flat, queries, dim, SearchParams{.ef = 64});
    const double int8_recall = TrueRecall(*int8, *flat, queries, dim, SearchParams{.ef = 64});
    const double raw_codes = TrueRecall(*int8, *flat, queries, dim, SearchParams{.ef = 64, .rescore = false});
    const double ignored = TrueRecall(*int8, *flat, queries, dim, SearchParams{.ef = 64, .ignore_codes = true});
    INFO("metric " << MetricName(metric) << ": float " << float_recall << ", int8+rescore " << int8_recall
                   << ", int8 only " << raw_codes << ", ignore " << ignored);
    CHECK(int8_recall >= 0.95);
    CHECK(int8_recall >= float_recall - 0.01);
    CHECK(raw_codes <= int8_recall);
    CHECK(ignored == float_recall);  // the same graph, walked over the floats
    // The codes are a quarter of the floats, kept beside them.
    CHECK(int8->MemoryBytes() >= floats->MemoryBytes() + base.size());

    // Filters hold on the int8 walk as on the float one.
    const MultipleOf3 filter;
    auto hits = int8->Search(VectorView(queries.data(), dim), SearchParams{.k = 10, .ef = 64, .filter = &filter});
    REQUIRE(hits.ok());
    CHECK(hits->size() == 10);
    for (const Hit& h : *hits) CHECK(h.offset % 3 == 0);

    // Saved and loaded: the same codes, the same answers.
    StringWriter out;
    REQUIRE(int8->Save(out).ok());
    StringReader in(out.out);
    auto loaded = LoadIndex(spec, dim, metric, in);
    REQUIRE(loaded.ok());
    for (size_t q = 0; q < 20; ++q) {
      VectorView v(queries.data() + q * dim, dim);
      auto a = int8->Search(v, SearchParams{.k = 10, .ef = 64});
      auto b = (*loaded)->Search(v, SearchParams{.k = 10, .ef = 64, .rescore = true});
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      REQUIRE(a->size() == b->size());
      for (size_t i = 0; i < a->size(); ++i) CHECK((*a)[i].offset == (*b)[i].offset);
    }
  }
}

TEST_CASE("int8 HNSW refuses Manhattan and PQ codes", "[index][hnsw][int8]") {
  IndexSpec spec;
  spec.codes = Codes::kSq8;
  CHECK(MakeIndex(spec, 8, Metric::kManhattan, 10).status().code() == Status::Code::kInvalidArgument);
  spec.codes = Codes::kPq;
  CHECK(MakeIndex(spec, 8, Metric::kEuclid, 10).status().code() == Status::Code::kInvalidArgument);
}

}  // namespace sextant
