// Drift statistics on real data (../shared/data): the streaming metrics equal
// straightforward batch computations on the same windows; a stream from the
// reference's distribution raises no alarm; another distribution, garbage
// vectors and a permuted space are caught.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>

#include "core/collection.h"
#include "core/drift/drift_monitor.h"
#include "core/drift/drift_stats.h"
#include "core/drift_worker.h"
#include "core/vector_checks.h"
#include "support/datasets.h"
#include "support/small_config.h"
#include "support/temp_dir.h"

namespace sextant {

namespace {

// Vectors as a Cosine collection stores them (unit length) and their norms as sent.
struct Points {
  size_t dim = 0;
  std::vector<float> rows;
  std::vector<float> norms;
  size_t size() const { return norms.size(); }
  MatrixView view(size_t begin, size_t end) const { return MatrixView(&rows[begin * dim], end - begin, dim); }
  std::span<const float> norm_span(size_t begin, size_t end) const {
    return std::span<const float>(norms).subspan(begin, end - begin);
  }
  void Add(const float* v, float scale = 1) {
    std::vector<float> x(v, v + dim);
    for (float& f : x) f *= scale;
    double sq = 0;
    for (float f : x) sq += double{f} * f;
    norms.push_back(static_cast<float>(std::sqrt(sq)));
    NormalizeInPlace(x);
    rows.insert(rows.end(), x.begin(), x.end());
  }
};

const testing::Matrix& Glove() {
  static const testing::Matrix m = testing::ReadFvecs(testing::SharedDataDir() + "/glove100/base.fvecs");
  return m;
}
const testing::Matrix& Wordnet() {
  static const testing::Matrix m = testing::ReadFvecs(testing::SharedDataDir() + "/wordnet-glove/base.fvecs");
  return m;
}

std::vector<size_t> Shuffled(size_t n, uint32_t seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

Points Take(const testing::Matrix& m, const std::vector<size_t>& order, size_t begin, size_t end) {
  Points p;
  p.dim = m.dim;
  for (size_t i = begin; i < end; ++i) p.Add(m.row(order[i]));
  return p;
}

}  // namespace

TEST_CASE("Streaming drift metrics equal batch computations on the same windows", "[core][drift]") {
  const auto order = Shuffled(Glove().rows, 7);
  const Points ref_points = Take(Glove(), order, 0, 5000);
  DriftParams params;
  params.sample_every = 3;
  auto built = BuildDriftReference(ref_points.view(0, 5000), ref_points.norm_span(0, 5000), 0, params);
  REQUIRE(built.ok());
  const DriftReference& ref = *built;
  const size_t d = ref.dim, bins = params.bins;

  // A window half glove, half wordnet, streamed in uneven chunks from stream
  // position 5000, and the same points as two windows merged.
  Points w = Take(Glove(), order, 5000, 5700);
  const auto wn = Shuffled(Wordnet().rows, 8);
  for (size_t i = 0; i < 700; ++i) w.Add(Wordnet().row(wn[i]));
  DriftWindow streamed(ref), first(ref), second(ref);
  for (size_t begin = 0, step = 1; begin < w.size(); begin += step, step = step * 3 % 257 + 1) {
    const size_t end = std::min(w.size(), begin + step);
    streamed.Add(ref, w.view(begin, end), w.norm_span(begin, end), 5000 + begin);
  }
  first.Add(ref, w.view(0, 600), w.norm_span(0, 600), 5000);
  second.Add(ref, w.view(600, w.size()), w.norm_span(600, w.size()), 5600);
  first.Merge(second);
  const DriftMetrics s = ComputeDriftMetrics(ref, streamed, 0.1);
  const DriftMetrics merged = ComputeDriftMetrics(ref, first, 0.1);

  // The batch computations, straight from the definitions.
  const size_t n = w.size();
  std::vector<double> mean(d, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t x = 0; x < d; ++x) mean[x] += w.rows[i * d + x] / static_cast<double>(n);
  }
  double diff = 0, dot = 0, a = 0, b = 0;
  for (size_t x = 0; x < d; ++x) {
    diff += (mean[x] - ref.mean[x]) * (mean[x] - ref.mean[x]);
    dot += mean[x] * ref.mean[x], a += mean[x] * mean[x], b += ref.mean[x] * ref.mean[x];
  }
  double ref_var = 0;
  {
    std::vector<double> ref_mean(d, 0);
    for (size_t i = 0; i < 5000; ++i) {
      for (size_t x = 0; x < d; ++x) ref_mean[x] += ref_points.rows[i * d + x] / 5000.0;
    }
    for (size_t i = 0; i < 5000; ++i) {
      for (size_t x = 0; x < d; ++x) {
        const double dev = ref_points.rows[i * d + x] - ref_mean[x];
        ref_var += dev * dev / 5000.0;
      }
    }
  }
  const double mean_euclid = std::sqrt(diff) / std::sqrt(ref_var);
  const double mean_cosine = 1 - dot / std::sqrt(a * b);
  size_t drifted = 0;
  double psi_sum = 0;
  for (size_t x = 0; x < d; ++x) {
    std::vector<double> share(bins, 0);
    for (size_t i = 0; i < n; ++i) {
      const float* edges = &ref.edges[x * (bins - 1)];
      share[std::upper_bound(edges, edges + bins - 1, w.rows[i * d + x]) - edges] += 1.0 / n;
    }
    double psi = 0;
    for (size_t k = 0; k < bins; ++k) {
      const double c = std::max(share[k], 1e-4), r = std::max(ref.bin_share[x * bins + k], 1e-4);
      psi += (c - r) * std::log(c / r);
    }
    psi_sum += psi;
    drifted += psi > 0.1;
  }
  double norm_mean = 0;
  for (float v : w.norms) norm_mean += v / static_cast<double>(n);
  const double norm_shift = std::abs(norm_mean - ref.norm_mean) / std::max(ref.norm_std, 0.01 * ref.norm_mean);
  // Sampled metrics: every third point of the stream, by stream position.
  std::vector<double> phi_mean(ref.rff_b.size(), 0), clusters(ref.cluster_share.size(), 0);
  size_t sampled = 0;
  for (size_t i = 0; i < n; ++i) {
    if ((5000 + i) % 3 != 0) continue;
    ++sampled;
    const float* v = &w.rows[i * d];
    for (size_t f = 0; f < phi_mean.size(); ++f) {
      double proj = ref.rff_b[f];
      for (size_t x = 0; x < d; ++x) proj += double{ref.rff_w[f * d + x]} * v[x];
      phi_mean[f] += std::sqrt(2.0 / phi_mean.size()) * std::cos(proj);
    }
    size_t best = 0;
    double best_d = INFINITY;
    for (size_t k = 0; k < clusters.size(); ++k) {
      double dist = 0;
      for (size_t x = 0; x < d; ++x) dist += (v[x] - ref.centroids[k * d + x]) * (v[x] - ref.centroids[k * d + x]);
      if (dist < best_d) best_d = dist, best = k;
    }
    clusters[best] += 1;
  }
  double mmd = 0;
  for (size_t f = 0; f < phi_mean.size(); ++f) {
    const double delta = phi_mean[f] / sampled - ref.rff_mean[f];
    mmd += delta * delta;
  }
  double js = 0;
  for (size_t k = 0; k < clusters.size(); ++k) {
    const double p = clusters[k] / sampled, q = ref.cluster_share[k], m = (p + q) / 2;
    if (p > 0) js += 0.5 * p * std::log2(p / m);
    if (q > 0) js += 0.5 * q * std::log2(q / m);
  }

  for (const DriftMetrics* m : {&s, &merged}) {
    CHECK(m->count == n);
    CHECK(m->mean_euclid == Approx(mean_euclid).epsilon(1e-6));
    CHECK(m->mean_cosine == Approx(mean_cosine).epsilon(1e-6));
    CHECK(m->drifted_share == Approx(static_cast<double>(drifted) / d));
    CHECK(m->mean_psi == Approx(psi_sum / d).epsilon(1e-9));
    CHECK(m->norm_shift == Approx(norm_shift).epsilon(1e-6));
    CHECK(m->mmd == Approx(mmd).epsilon(1e-4));
    CHECK(m->cluster_js == Approx(js).epsilon(1e-9));
  }
  CHECK(streamed.sampled() == sampled);
  // The window and the reference come back from their encodings unchanged.
  auto ref_again = DecodeDriftReference(EncodeDriftReference(ref));
  REQUIRE(ref_again.ok());
  auto w_again = DriftWindow::Decode(streamed.Encode());
  REQUIRE(w_again.ok());
  const DriftMetrics again = ComputeDriftMetrics(*ref_again, *w_again, 0.1);
  CHECK(again.mean_euclid == s.mean_euclid);
  CHECK(again.mmd == s.mmd);
  CHECK(again.cluster_js == s.cluster_js);
  const std::string encoded = streamed.Encode();
  for (size_t len = 0; len < encoded.size(); len += 7) CHECK_FALSE(DriftWindow::Decode(encoded.substr(0, len)).ok());
}

namespace {

// A monitor over a 20k-word glove100 reference, as a collection would feed it.
struct Monitored {
  DriftMonitor monitor;
  std::vector<size_t> order;
  explicit Monitored(uint32_t seed) : monitor(100, Config()), order(Shuffled(Glove().rows, seed)) {
    const Points ref = Take(Glove(), order, 0, 20000);
    for (size_t b = 0; b < ref.size(); b += 1000) monitor.Observe(ref.view(b, b + 1000), ref.norm_span(b, b + 1000));
  }
  static DriftConfig Config() {
    DriftConfig c = DefaultDriftConfig(100);
    c.enabled = true;
    c.reference_size = 20000;
    c.window_points = 1000;
    return c;
  }
  // Feeds one window's points; returns the status after it.
  DriftStatus Feed(const Points& p) {
    for (size_t b = 0; b < p.size(); b += 250) {
      const size_t e = std::min(p.size(), b + 250);
      monitor.Observe(p.view(b, e), p.norm_span(b, e));
    }
    return monitor.status();
  }
  // The latest closed count window.
  DriftWindowReport Latest() const {
    for (const DriftWindowReport& r : monitor.Report({.window = "count", .limit = 2}).windows) {
      if (!r.open) return r;
    }
    return {};
  }
};

std::string Describe(const DriftWindowReport& r) {
  const DriftMetrics& m = r.metrics;
  return std::string(DriftStatusName(r.status)) + " euclid=" + std::to_string(m.mean_euclid) +
         " cos=" + std::to_string(m.mean_cosine) + " share=" + std::to_string(m.drifted_share) +
         " mmd=" + std::to_string(m.mmd) + " norm=" + std::to_string(m.norm_shift) +
         " norm_psi=" + std::to_string(m.norm_psi) + " js=" + std::to_string(m.cluster_js) +
         " zero=" + std::to_string(m.zero_vectors) + " outliers=" + std::to_string(m.norm_outliers);
}

}  // namespace

TEST_CASE("More words from the reference's distribution raise no alarm, over many windows and seeds",
          "[core][drift]") {
  for (uint32_t seed : {1u, 2u, 3u}) {
    Monitored m(seed);
    for (size_t w = 0; w < 30; ++w) {
      const size_t begin = 20000 + w * 1000;
      const DriftStatus status = m.Feed(Take(Glove(), m.order, begin, begin + 1000));
      INFO("seed " << seed << " window " << w << ": " << Describe(m.Latest()));
      CHECK(status == DriftStatus::kOk);
    }
  }
}

TEST_CASE("Definitions instead of words drift within one window", "[core][drift]") {
  Monitored m(4);
  REQUIRE(m.Feed(Take(Glove(), m.order, 20000, 21000)) == DriftStatus::kOk);
  const auto wn = Shuffled(Wordnet().rows, 5);
  const DriftStatus status = m.Feed(Take(Wordnet(), wn, 0, 1000));
  INFO(Describe(m.Latest()));
  CHECK(status == DriftStatus::kDrift);
}

TEST_CASE("Zero vectors and scaled vectors are caught by the anomaly counts and the norm metrics", "[core][drift]") {
  Monitored m(6);
  SECTION("10% zero vectors") {
    Points p = Take(Glove(), m.order, 20000, 21000);
    for (size_t i = 0; i < 1000; i += 10) {
      std::fill(&p.rows[i * 100], &p.rows[(i + 1) * 100], 0.0f);
      p.norms[i] = 0;
    }
    const DriftStatus status = m.Feed(p);
    const DriftWindowReport r = m.Latest();
    INFO(Describe(r));
    CHECK(r.metrics.zero_vectors == 100);
    CHECK(status == DriftStatus::kDrift);
    CHECK(std::find(r.tripped.begin(), r.tripped.end(), "zero_vectors") != r.tripped.end());
  }
  SECTION("vectors scaled x10") {
    Points p;
    p.dim = 100;
    for (size_t i = 20000; i < 21000; ++i) p.Add(Glove().row(m.order[i]), 10.0f);
    const DriftStatus status = m.Feed(p);
    const DriftWindowReport r = m.Latest();
    INFO(Describe(r));
    CHECK(r.metrics.norm_shift > 4);
    CHECK(r.metrics.norm_outliers > 500);
    CHECK(status == DriftStatus::kDrift);
    CHECK(std::find(r.tripped.begin(), r.tripped.end(), "norm_shift") != r.tripped.end());
  }
}

TEST_CASE("A stream in another dimension order (another model's space) drifts", "[core][drift]") {
  Monitored m(9);
  std::vector<size_t> perm = Shuffled(100, 10);
  Points p;
  p.dim = 100;
  for (size_t i = 20000; i < 21000; ++i) {
    std::vector<float> v(100);
    for (size_t x = 0; x < 100; ++x) v[x] = Glove().row(m.order[i])[perm[x]];
    p.Add(v.data());
  }
  const DriftStatus status = m.Feed(p);
  INFO(Describe(m.Latest()));
  CHECK(status == DriftStatus::kDrift);
}

TEST_CASE("The drift state survives an encode and decode, reference and history", "[core][drift]") {
  Monitored m(11);
  for (size_t w = 0; w < 3; ++w) m.Feed(Take(Glove(), m.order, 20000 + w * 1000, 21000 + w * 1000));
  m.Feed(Take(Glove(), m.order, 23000, 23400));  // an open window too
  const DriftReport before = m.monitor.Report({.window = "count", .limit = 10});
  auto restored = DriftMonitor::Decode(100, m.monitor.Encode());
  REQUIRE(restored.ok());
  const DriftReport after = (*restored)->Report({.window = "count", .limit = 10});
  CHECK(after.reference_ready);
  CHECK(after.reference_points == 20000);
  CHECK(after.observed == before.observed);
  REQUIRE(after.windows.size() == before.windows.size());
  for (size_t i = 0; i < after.windows.size(); ++i) {
    CHECK(after.windows[i].metrics.count == before.windows[i].metrics.count);
    CHECK(after.windows[i].metrics.mmd == before.windows[i].metrics.mmd);
    CHECK(after.windows[i].metrics.mean_euclid == before.windows[i].metrics.mean_euclid);
  }
  // Damage is refused, never half-read.
  const std::string encoded = m.monitor.Encode();
  for (size_t len = 0; len < encoded.size(); len += encoded.size() / 97 + 1) {
    CHECK_FALSE(DriftMonitor::Decode(100, encoded.substr(0, len)).ok());
  }
}

TEST_CASE("A collection watches its writes; a restart keeps the reference and the history", "[core][drift]") {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("c");
  const auto order = Shuffled(Glove().rows, 12);
  auto points = [&](size_t begin, size_t end) {
    std::vector<PointInput> out;
    for (size_t i = begin; i < end; ++i) {
      out.push_back(PointInput{PointId::Num(i), std::vector<float>(Glove().row(order[i]), Glove().row(order[i]) + 100), ""});
    }
    return out;
  };
  DriftReport before;
  {
    auto c = Collection::Create(dir, "c", testing::SmallConfig(100, Metric::kCosine, 0), Collection::Env{});
    REQUIRE(c.ok());
    REQUIRE((*c)->UpdateDriftConfig([](DriftConfig* config) {
      config->enabled = true;
      config->reference_size = 2000;
      config->window_points = 500;
      return Status::OK();
    }).ok());
    for (size_t b = 0; b < 4200; b += 300) REQUIRE((*c)->Upsert(points(b, std::min<size_t>(4200, b + 300))).ok());
    // A NaN is refused, and counted.
    std::vector<PointInput> bad = points(9000, 9001);
    bad[0].vector[3] = NAN;
    CHECK_FALSE((*c)->Upsert(std::move(bad)).ok());
    before = (*c)->Drift({.window = "count", .limit = 10});
    CHECK(before.reference_ready);
    CHECK(before.reference_points == 2000);
    CHECK(before.observed == 4200);
    CHECK(before.non_finite_rejected == 1);
    REQUIRE(before.windows.size() == 5);  // 4 closed of 500, one open of 200
    CHECK(before.windows[0].open);
    CHECK(before.windows[0].metrics.count == 200);
    // (Small windows: the thresholds are set for windows of 1,000 points or more.)
    CHECK(before.status != DriftStatus::kDrift);
  }
  auto c = Collection::Open(dir, Collection::Env{});
  REQUIRE(c.ok());
  const DriftReport after = (*c)->Drift({.window = "count", .limit = 10});
  CHECK(after.reference_ready);
  CHECK(after.reference_points == 2000);
  CHECK(after.config.window_points == 500);
  CHECK(after.observed == 4200);
  CHECK(after.non_finite_rejected == 1);
  REQUIRE(after.windows.size() == before.windows.size());
  for (size_t i = 0; i < after.windows.size(); ++i) {
    CHECK(after.windows[i].metrics.count == before.windows[i].metrics.count);
    CHECK(after.windows[i].metrics.mean_euclid == before.windows[i].metrics.mean_euclid);
  }
  // Pinning makes the recent points the reference (those since the restart:
  // the recent points are not saved) and starts the windows over.
  CHECK((*c)->PinDriftBaseline().code() == Status::Code::kInvalidArgument);
  REQUIRE((*c)->Upsert(points(4200, 4500)).ok());
  REQUIRE((*c)->PinDriftBaseline().ok());
  const DriftReport pinned = (*c)->Drift({.window = "count", .limit = 10});
  CHECK(pinned.pinned);
  CHECK(pinned.reference_points == 300);
  CHECK(pinned.windows.empty());
  REQUIRE((*c)->ResetDriftBaseline().ok());
  const DriftReport reset = (*c)->Drift({.window = "count", .limit = 10});
  CHECK_FALSE(reset.reference_ready);
  CHECK(reset.reference_points == 0);
}

}  // namespace sextant

namespace sextant {

TEST_CASE("With a drift worker, a report sees every acknowledged write and a close feeds the rest", "[core][drift]") {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("c");
  auto batch = [&](size_t begin, size_t end) {
    std::vector<PointInput> out;
    for (size_t i = begin; i < end; ++i) {
      out.push_back(PointInput{PointId::Num(i), std::vector<float>(Glove().row(i), Glove().row(i) + 100), ""});
    }
    return out;
  };
  {
    // The worker outlives the collection (declared first): it may hold the
    // last reference, and then closes it itself before its join returns.
    DriftWorker worker;
    Collection::Env env;
    env.drift_worker = &worker;
    auto c = Collection::Create(dir, "c", testing::SmallConfig(100, Metric::kCosine, 0), env);
    REQUIRE(c.ok());
    REQUIRE((*c)->UpdateDriftConfig([](DriftConfig* config) {
      config->enabled = true;
      config->reference_size = 1000;
      config->window_points = 500;
      return Status::OK();
    }).ok());
    for (size_t b = 0; b < 3000; b += 100) REQUIRE((*c)->Upsert(batch(b, b + 100)).ok());
    CHECK((*c)->Drift({.window = "count", .limit = 10}).observed == 3000);
    // Queued and closed at once: the close feeds what the worker has not.
    for (size_t b = 3000; b < 6000; b += 100) REQUIRE((*c)->Upsert(batch(b, b + 100)).ok());
  }
  auto c = Collection::Open(dir, Collection::Env{});
  REQUIRE(c.ok());
  const DriftReport report = (*c)->Drift({.window = "count", .limit = 100});
  CHECK(report.observed == 6000);
  REQUIRE(report.windows.size() == 10);  // 5000 points after the reference, in windows of 500
  for (const auto& w : report.windows) CHECK(w.metrics.count == 500);
}

}  // namespace sextant

namespace sextant {

TEST_CASE("Minutes, hours and days close by the clock and survive an encode and decode", "[core][drift]") {
  const auto order = Shuffled(Glove().rows, 21);
  const Points points = Take(Glove(), order, 0, 350);
  DriftConfig config = DefaultDriftConfig(100);
  config.reference_size = 200;
  config.window_points = 100;
  DriftMonitor monitor(100, config);
  const int64_t day = 1800000000 - 1800000000 % 86400;  // a day's start: minutes and hours align
  auto at = [](int64_t unix) { return DriftMonitor::Clock::from_time_t(static_cast<std::time_t>(unix)); };
  monitor.Observe(points.view(0, 200), points.norm_span(0, 200), at(day));
  monitor.Observe(points.view(200, 250), points.norm_span(200, 250), at(day + 10));     // minute 0, hour 0
  monitor.Observe(points.view(250, 300), points.norm_span(250, 300), at(day + 70));     // minute 1, hour 0
  monitor.Observe(points.view(300, 350), points.norm_span(300, 350), at(day + 3610));  // minute 60, hour 1

  auto check = [&](const DriftMonitor& m) {
    const DriftReport minutes = m.Report({.window = "minute", .limit = 10}, at(day + 3620));
    REQUIRE(minutes.windows.size() == 3);
    CHECK(minutes.windows[0].open);
    CHECK(minutes.windows[0].start_unix == day + 3600);
    CHECK_FALSE(minutes.windows[1].open);
    CHECK(minutes.windows[1].start_unix == day + 60);
    CHECK(minutes.windows[2].start_unix == day);
    for (const auto& w : minutes.windows) CHECK(w.metrics.count == 50);
    const DriftReport hours = m.Report({.window = "hour", .limit = 10}, at(day + 3620));
    REQUIRE(hours.windows.size() == 2);
    CHECK(hours.windows[0].metrics.count == 50);
    CHECK(hours.windows[1].metrics.count == 100);
    const DriftReport days = m.Report({.window = "day", .limit = 10}, at(day + 3620));
    REQUIRE(days.windows.size() == 1);
    CHECK(days.windows[0].metrics.count == 150);
    // Once the minute is over, the last one shows as closed.
    CHECK_FALSE(m.Report({.window = "minute", .limit = 1}, at(day + 3700)).windows[0].open);
    // The closed hour's metrics equal those of its window computed afresh.
    const DriftReport counts = m.Report({.window = "count", .limit = 10}, at(day + 3620));
    REQUIRE(counts.windows.size() == 2);  // 150 points: one closed window of 100, one open of 50
    CHECK(counts.windows[1].metrics.count == 100);
    CHECK(counts.windows[1].metrics.mean_cosine == Approx(hours.windows[1].metrics.mean_cosine));
  };
  check(monitor);
  auto decoded = DriftMonitor::Decode(100, monitor.Encode());
  REQUIRE(decoded.ok());
  check(**decoded);
}

}  // namespace sextant

namespace sextant {

TEST_CASE("Drift under concurrent writers, reports, config edits and pins counts every write once",
          "[core][drift][concurrency]") {
  testing::TempDir tmp;
  DriftWorker worker;
  Collection::Env env;
  env.drift_worker = &worker;
  auto created = Collection::Create(tmp.Sub("c"), "c", testing::SmallConfig(100, Metric::kCosine, 0), env);
  REQUIRE(created.ok());
  std::shared_ptr<Collection> c = *created;
  REQUIRE(c->UpdateDriftConfig([](DriftConfig* config) {
    config->reference_size = 500;
    config->window_points = 200;
    return Status::OK();
  }).ok());
  constexpr size_t kWriters = 3, kBatches = 20, kBatch = 50;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (size_t b = 0; b < kBatches; ++b) {
        std::vector<PointInput> points;
        for (size_t i = 0; i < kBatch; ++i) {
          const size_t id = (t * kBatches + b) * kBatch + i;
          points.push_back(PointInput{PointId::Num(id), std::vector<float>(Glove().row(id), Glove().row(id) + 100), ""});
        }
        if (!c->Upsert(std::move(points)).ok()) failed = true;
      }
    });
  }
  // Readers and editors meanwhile (Catch2 assertions stay on this thread).
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      (void)c->Drift({.window = "count", .limit = 5});
      if (!c->UpdateDriftConfig([](DriftConfig* config) {
             config->min_points = config->min_points == 100 ? 50 : 100;  // keeps the windows
             return Status::OK();
           }).ok()) {
        failed = true;
      }
    }
  });
  for (auto& t : threads) t.join();
  CHECK_FALSE(failed);
  const DriftReport report = c->Drift({.window = "count", .limit = 100});
  CHECK(report.observed == kWriters * kBatches * kBatch);
  uint64_t windowed = 0;
  for (const auto& w : report.windows) windowed += w.metrics.count;
  CHECK(windowed == report.observed - 500);  // every point after the reference, in one window
}

}  // namespace sextant
