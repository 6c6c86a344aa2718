#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <set>

#include "index/flat_index.h"
#include "index/index_factory.h"
#include "index/ivf_index.h"
#include "support/datasets.h"
#include "support/random_vectors.h"

namespace sextant {

namespace {

struct Data {
  size_t dim = 0;
  std::vector<float> base, queries;
};

// siftsmall: 10,000 x 128 real vectors (clustered, unlike random ones, so IVF
// recall means something), 100 queries.
const Data& Siftsmall() {
  static const Data data = [] {
    const std::string dir = testing::SharedDataDir() + "/siftsmall";
    auto base = testing::ReadFvecs(dir + "/base.fvecs");
    auto queries = testing::ReadFvecs(dir + "/query.fvecs");
    return Data{base.dim, std::move(base.data), std::move(queries.data)};
  }();
  return data;
}

std::vector<float> Normalised(std::vector<float> v, size_t dim) {
  for (size_t r = 0; r < v.size() / dim; ++r) {
    double s = 0;
    for (size_t i = 0; i < dim; ++i) s += double(v[r * dim + i]) * v[r * dim + i];
    const float inv = static_cast<float>(1.0 / std::sqrt(s));
    for (size_t i = 0; i < dim; ++i) v[r * dim + i] *= inv;
  }
  return v;
}

std::unique_ptr<Index> Build(const IndexSpec& spec, const std::vector<float>& data, size_t dim, Metric metric,
                             size_t chunk = SIZE_MAX) {
  const size_t n = data.size() / dim;
  auto index = MakeIndex(spec, dim, metric, n);
  REQUIRE(index.ok());
  std::vector<Offset> offsets(n);
  std::iota(offsets.begin(), offsets.end(), 0);
  for (size_t begin = 0; begin < n; begin += chunk) {
    const size_t count = std::min(chunk, n - begin);
    REQUIRE((*index)->Add(std::span(offsets).subspan(begin, count), MatrixView(data.data() + begin * dim, count, dim)).ok());
  }
  return std::move(index).value();
}

double Recall(const Index& ann, const Index& exact, const std::vector<float>& queries, size_t dim, size_t k,
              SearchParams params = {}) {
  size_t hits = 0, total = 0;
  for (size_t q = 0; q < queries.size() / dim; ++q) {
    VectorView v(queries.data() + q * dim, dim);
    SearchParams truth_params{.k = k, .filter = params.filter};
    auto truth = exact.Search(v, truth_params);
    params.k = k;
    auto got = ann.Search(v, params);
    REQUIRE(truth.ok());
    REQUIRE(got.ok());
    if (truth->empty()) continue;
    const float bound = truth->back().distance + 1e-4f * std::max(1.0f, std::fabs(truth->back().distance));
    for (const Hit& h : *got) {
      if (params.filter != nullptr) REQUIRE(params.filter->Accepts(h.offset));
      // Count by the true distance (coded searches without rescoring report
      // approximate ones).
      auto true_distance = exact.SearchAmong(v, std::vector<Offset>{h.offset}, 1, nullptr);
      REQUIRE(true_distance.size() == 1);
      hits += true_distance[0].distance <= bound;
    }
    total += truth->size();
  }
  return double(hits) / double(total);
}

IndexSpec Ivf(Codes codes = Codes::kNone) {
  IndexSpec spec;
  spec.kind = IndexSpec::Kind::kIvf;
  spec.codes = codes;
  spec.build_threads = 2;
  return spec;
}

// siftsmall indexes, built once per kind and metric for every test below
// (PQ training takes seconds). Cosine gets the normalised vectors.
const Index& SiftIndex(Codes codes, Metric metric = Metric::kEuclid) {
  static std::map<std::pair<int, int>, std::unique_ptr<Index>> cache;
  auto& slot = cache[{int(codes), int(metric)}];
  if (!slot) {
    const Data& d = Siftsmall();
    slot = Build(Ivf(codes),
                 metric == Metric::kCosine ? Normalised(d.base, d.dim) : d.base, d.dim, metric);
  }
  return *slot;
}

class MultipleOf5 final : public OffsetFilter {
 public:
  bool Accepts(Offset o) const override { return o % 5 == 0; }
};

std::string Saved(const Index& index) {
  StringWriter out;
  REQUIRE(index.Save(out).ok());
  return out.out;
}

}  // namespace

TEST_CASE("IVF-Flat, SQ8 and PQ reach their recall at the default nprobe", "[index][ivf]") {
  const Data& d = Siftsmall();
  auto flat = Build(IndexSpec::Flat(), d.base, d.dim, Metric::kEuclid);
  struct Case {
    Codes codes;
    double min_recall;
  };
  for (const Case& c : {Case{Codes::kNone, 0.95}, Case{Codes::kSq8, 0.95}, Case{Codes::kPq, 0.90}}) {
    const Index* ivf = &SiftIndex(c.codes);
    const auto& typed = static_cast<const IvfIndex&>(*ivf);
    CHECK(typed.trained());
    CHECK(typed.nlist() == 256);  // min(4*sqrt(10000), 10000/39)
    CHECK(typed.default_nprobe() == 32);
    const double recall = Recall(*ivf, *flat, d.queries, d.dim, 10);
    INFO("codes " << int(c.codes) << " recall " << recall);
    CHECK(recall >= c.min_recall);
    if (c.codes != Codes::kNone) {
      // The codes are what the scan reads: 1 byte a dimension, or 4 dims a byte.
      CHECK(typed.ScannedBytesPerVector() == (c.codes == Codes::kSq8 ? d.dim : d.dim / 4));
      // Rescoring is what lifts recall; without it the code distances rank.
      SearchParams no_rescore{.rescore = false};
      CHECK(Recall(*ivf, *flat, d.queries, d.dim, 10, no_rescore) <= recall);
      // Ignoring the codes scans the floats of the same lists: IVF-Flat.
      SearchParams ignore{.ignore_codes = true};
      CHECK(Recall(*ivf, *flat, d.queries, d.dim, 10, ignore) >= 0.95);
    }
  }
}

TEST_CASE("IVF on Cosine: spherical centroids and inner-product scans", "[index][ivf]") {
  const Data& d = Siftsmall();
  const auto base = Normalised(d.base, d.dim);
  const auto queries = Normalised(d.queries, d.dim);
  auto flat = Build(IndexSpec::Flat(), base, d.dim, Metric::kCosine);
  for (Codes codes : {Codes::kNone, Codes::kSq8, Codes::kPq}) {
    const Index* ivf = &SiftIndex(codes, Metric::kCosine);
    const double recall = Recall(*ivf, *flat, queries, d.dim, 10);
    INFO("codes " << int(codes) << " recall " << recall);
    CHECK(recall >= (codes == Codes::kPq ? 0.90 : 0.95));
  }
}

TEST_CASE("More probes, more recall; all lists is exact", "[index][ivf]") {
  const Data& d = Siftsmall();
  auto flat = Build(IndexSpec::Flat(), d.base, d.dim, Metric::kEuclid);
  const Index* ivf = &SiftIndex(Codes::kNone);
  const double r1 = Recall(*ivf, *flat, d.queries, d.dim, 10, SearchParams{.nprobe = 1});
  const double r8 = Recall(*ivf, *flat, d.queries, d.dim, 10, SearchParams{.nprobe = 8});
  const double all = Recall(*ivf, *flat, d.queries, d.dim, 10, SearchParams{.nprobe = 100000});
  CHECK(r1 < r8);
  CHECK(all == 1.0);
}

TEST_CASE("An IVF index too small for its lists searches exactly until it can train", "[index][ivf]") {
  const size_t dim = 16;
  auto data = testing::RandomVectors(2000, dim, 3);
  IndexSpec spec = Ivf();
  spec.nlist = 40;  // needs 39 * 40 = 1560 points
  auto index = MakeIndex(spec, dim, Metric::kEuclid, 0);
  REQUIRE(index.ok());
  auto& ivf = static_cast<IvfIndex&>(**index);
  std::vector<Offset> offsets(2000);
  std::iota(offsets.begin(), offsets.end(), 0);
  REQUIRE(ivf.Add(std::span(offsets).first(1000), MatrixView(data.data(), 1000, dim)).ok());
  CHECK_FALSE(ivf.trained());
  CHECK(ivf.is_exact());
  auto flat = Build(IndexSpec::Flat(), std::vector<float>(data.begin(), data.begin() + 1000 * dim), dim,
                    Metric::kEuclid);
  auto queries = testing::RandomVectors(20, dim, 4);
  CHECK(Recall(ivf, *flat, queries, dim, 10) == 1.0);
  REQUIRE(ivf.Add(std::span(offsets).subspan(1000), MatrixView(data.data() + 1000 * dim, 1000, dim)).ok());
  CHECK(ivf.trained());
  CHECK(ivf.nlist() == 40);
  CHECK(ivf.size() == 2000);
  for (Offset o : {Offset{0}, Offset{999}, Offset{1000}, Offset{1999}}) {
    REQUIRE(ivf.Vector(o) != nullptr);
    CHECK(std::memcmp(ivf.Vector(o), data.data() + o * dim, dim * sizeof(float)) == 0);
  }
}

TEST_CASE("An IVF index that doubles is trained again with more lists", "[index][ivf]") {
  const Data& d = Siftsmall();
  auto flat = Build(IndexSpec::Flat(), d.base, d.dim, Metric::kEuclid);
  // 1,000 at a time: trains at 1,000 (25 lists), again at 2,000, 4,000, 8,000.
  auto ivf = Build(Ivf(), d.base, d.dim, Metric::kEuclid, 1000);
  const auto& typed = static_cast<const IvfIndex&>(*ivf);
  CHECK(typed.size() == 10000);
  CHECK(typed.nlist() == 205);  // min(4*sqrt(8000), 8000/39): trained at 8,000
  std::set<Offset> seen;
  ivf->ForEachOffset([&](Offset o) { seen.insert(o); });
  CHECK(seen.size() == 10000);
  CHECK(Recall(*ivf, *flat, d.queries, d.dim, 10) >= 0.95);
}

TEST_CASE("Filtered IVF search returns only accepted offsets, k of them", "[index][ivf]") {
  const Data& d = Siftsmall();
  auto flat = Build(IndexSpec::Flat(), d.base, d.dim, Metric::kEuclid);
  const MultipleOf5 filter;
  for (Codes codes : {Codes::kNone, Codes::kSq8, Codes::kPq}) {
    const Index* ivf = &SiftIndex(codes);
    SearchParams params{.selectivity = 0.2, .filter = &filter};
    const double recall = Recall(*ivf, *flat, d.queries, d.dim, 10, params);
    INFO("codes " << int(codes) << " filtered recall " << recall);
    CHECK(recall >= (codes == Codes::kPq ? 0.90 : 0.95));
    // A filter accepting a handful: the search probes past nprobe until it
    // holds k (or has seen every list).
    class Few final : public OffsetFilter {
     public:
      bool Accepts(Offset o) const override { return o % 1000 == 7; }
    } few;
    auto hits = ivf->Search(VectorView(d.queries.data(), d.dim), SearchParams{.k = 10, .nprobe = 1, .filter = &few});
    REQUIRE(hits.ok());
    CHECK(hits->size() == 10);
    for (const Hit& h : *hits) CHECK(h.offset % 1000 == 7);
  }
}

TEST_CASE("IVF SearchAmong and exact search equal FlatIndex", "[index][ivf]") {
  const Data& d = Siftsmall();
  auto flat = Build(IndexSpec::Flat(), d.base, d.dim, Metric::kEuclid);
  const Index* ivf = &SiftIndex(Codes::kSq8);
  const VectorView q(d.queries.data(), d.dim);
  std::vector<Offset> candidates;
  for (Offset o = 3; o < 10000; o += 37) candidates.push_back(o);
  auto a = ivf->SearchAmong(q, candidates, 10, nullptr);
  auto b = flat->SearchAmong(q, candidates, 10, nullptr);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].offset == b[i].offset);
  auto exact = ivf->Search(q, SearchParams{.k = 10, .exact = true});
  auto truth = flat->Search(q, SearchParams{.k = 10});
  REQUIRE(exact.ok());
  REQUIRE(truth.ok());
  for (size_t i = 0; i < truth->size(); ++i) CHECK((*exact)[i].offset == (*truth)[i].offset);
}

TEST_CASE("A cloned IVF index takes new points and leaves the original untouched", "[index][ivf]") {
  const Data& d = Siftsmall();
  std::vector<float> first(d.base.begin(), d.base.begin() + 6000 * d.dim);
  auto ivf = Build(Ivf(Codes::kPq), first, d.dim, Metric::kEuclid);
  auto clone = ivf->CloneWithCapacity(10000);
  REQUIRE(clone.ok());
  std::vector<Offset> more(4000);
  std::iota(more.begin(), more.end(), 6000);
  REQUIRE((*clone)->Add(more, MatrixView(d.base.data() + 6000 * d.dim, 4000, d.dim)).ok());
  CHECK(ivf->size() == 6000);
  CHECK(ivf->Vector(7000) == nullptr);
  CHECK((*clone)->size() == 10000);
  REQUIRE((*clone)->Vector(7000) != nullptr);
  auto flat = Build(IndexSpec::Flat(), d.base, d.dim, Metric::kEuclid);
  CHECK(Recall(**clone, *flat, d.queries, d.dim, 10) >= 0.90);
}

TEST_CASE("A saved IVF index loads back and answers every search identically", "[index][ivf][persistence]") {
  const Data& d = Siftsmall();
  for (Codes codes : {Codes::kNone, Codes::kSq8, Codes::kPq}) {
    const Index* ivf = &SiftIndex(codes);
    StringReader in(Saved(*ivf));
    auto loaded = LoadIndex(Ivf(codes), d.dim, Metric::kEuclid, in);
    REQUIRE(loaded.ok());
    CHECK((*loaded)->size() == ivf->size());
    for (size_t q = 0; q < 20; ++q) {
      const VectorView v(d.queries.data() + q * d.dim, d.dim);
      auto a = ivf->Search(v, SearchParams{.k = 10});
      auto b = (*loaded)->Search(v, SearchParams{.k = 10});
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      REQUIRE(a->size() == b->size());
      for (size_t i = 0; i < a->size(); ++i) {
        CHECK((*a)[i].offset == (*b)[i].offset);
        CHECK((*a)[i].distance == (*b)[i].distance);
      }
    }
  }
  SECTION("an untrained one too") {
    auto small = Build(Ivf(), std::vector<float>(d.base.begin(), d.base.begin() + 100 * d.dim), d.dim,
                       Metric::kEuclid);
    StringReader in(Saved(*small));
    auto loaded = LoadIndex(Ivf(), d.dim, Metric::kEuclid, in);
    REQUIRE(loaded.ok());
    CHECK((*loaded)->size() == 100);
    CHECK((*loaded)->is_exact());
  }
}

TEST_CASE("Loading a damaged IVF index fails cleanly", "[index][ivf][persistence]") {
  const size_t dim = 8;
  auto data = testing::RandomVectors(2000, dim, 5);
  const std::string bytes = Saved(*Build(Ivf(Codes::kSq8), data, dim, Metric::kEuclid));
  SECTION("truncated anywhere") {
    for (size_t cut : {size_t{0}, size_t{3}, size_t{20}, size_t{45}, bytes.size() / 2, bytes.size() - 1}) {
      StringReader in(bytes.substr(0, cut));
      CHECK(LoadIndex(Ivf(Codes::kSq8), dim, Metric::kEuclid, in).status().code() == Status::Code::kCorruption);
    }
  }
  SECTION("other codes than the spec says") {
    StringReader in(bytes);
    CHECK(LoadIndex(Ivf(Codes::kNone), dim, Metric::kEuclid, in).status().code() == Status::Code::kCorruption);
  }
  SECTION("a list count or list size beyond the data") {
    // Header: u32 version, u32 codes, u64 lists, u64 pq_m, u64 count, u64 trained, u8 trained.
    for (size_t at : {size_t{8}, size_t{24}}) {
      std::string damaged = bytes;
      const uint64_t bogus = uint64_t{1} << 40;
      std::memcpy(damaged.data() + at, &bogus, 8);
      StringReader in(damaged);
      CHECK(LoadIndex(Ivf(Codes::kSq8), dim, Metric::kEuclid, in).status().code() == Status::Code::kCorruption);
    }
  }
  SECTION("a repeated offset") {
    // Any two offsets made equal: find offset 1's bytes after the header and
    // write 0 there... simpler: save an index that holds offset 0 twice is
    // impossible through Add, so damage the first list's first two offsets.
    const size_t header = 4 + 4 + 8 + 8 + 8 + 8 + 1;
    const size_t lists = 51;  // min(4*sqrt(2000), 2000/39)
    const size_t list0 = header + (lists * dim + 2 * dim) * sizeof(float);
    uint64_t n0 = 0;
    std::memcpy(&n0, bytes.data() + list0, 8);
    REQUIRE(n0 >= 2);
    std::string damaged = bytes;
    std::memcpy(damaged.data() + list0 + 8 + 4, damaged.data() + list0 + 8, 4);
    StringReader in(damaged);
    CHECK(LoadIndex(Ivf(Codes::kSq8), dim, Metric::kEuclid, in).status().code() == Status::Code::kCorruption);
  }
}

}  // namespace sextant
