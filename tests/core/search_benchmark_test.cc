// Search benchmarks (core/search_benchmark.h) and where they run
// (core/benchmark_runner.h): recall against the exact search, the bounds, the
// time budget, cancellation, one at a time, and a collection dropped mid-run.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <thread>

#include "core/benchmark_runner.h"
#include "core/database.h"
#include "core/search_benchmark.h"
#include "support/random_vectors.h"
#include "support/small_config.h"
#include "support/temp_dir.h"

namespace sextant {

namespace {

constexpr size_t kDim = 32;
constexpr size_t kPoints = 6000;

// A database with collection "c": kPoints random points {"i": id}, indexed in
// HNSW segments of 800 points (32 floats = 128 bytes; 100 KB per segment).
struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Database> db;
  std::shared_ptr<Collection> c;

  Fixture() {
    DatabaseOptions options;
    options.data_dir = dir.path();
    options.build_threads = 2;
    db = std::move(Database::Open(options)).value();
    REQUIRE(db->CreateCollection("c", testing::SmallConfig(kDim, Metric::kEuclid, 100)).ok());
    c = db->GetCollection("c").value();
    const auto data = testing::RandomVectors(kPoints, kDim, 5);
    std::vector<PointInput> points;
    for (size_t i = 0; i < kPoints; ++i) {
      points.push_back(PointInput{PointId::Num(i), std::vector<float>(data.begin() + i * kDim, data.begin() + (i + 1) * kDim),
                                  "{\"i\":" + std::to_string(i) + "}"});
    }
    REQUIRE(c->Upsert(std::move(points)).ok());
    c->TEST_WaitForIndexing();
  }
};

BenchmarkRequest Sampled(size_t queries, size_t limit) {
  BenchmarkRequest r;
  r.queries = queries;
  r.limit = limit;
  r.seed = 11;
  return r;
}

// Long enough that a test can act while it runs (seconds, not milliseconds):
// the widest beam and the largest k, on every query allowed.
BenchmarkRequest Long() {
  BenchmarkRequest r = Sampled(kMaxBenchmarkQueries, kMaxBenchmarkLimit);
  r.params.hnsw_ef = 20000;
  r.timeout = std::chrono::seconds(600);
  return r;
}

std::shared_ptr<const Filter> IdBelow(double bound) {
  auto f = std::make_shared<Filter>();
  f->must.push_back(Condition{FieldCondition{*ParseFieldPath("i"), NumberRange{.gt = std::nullopt, .gte = std::nullopt, .lt = bound, .lte = std::nullopt}}});
  return f;
}

void WaitUntilRunning(const BenchmarkRunner& runner) {
  while (!runner.running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace

TEST_CASE("Benchmark with exact params measures recall 1 and sane latencies", "[core][benchmark]") {
  Fixture f;
  BenchmarkRequest r = Sampled(50, 10);
  r.params.exact = true;
  const std::atomic<bool> cancel{false};
  auto report = RunSearchBenchmark(*f.c, r, cancel);
  REQUIRE(report.ok());
  CHECK(report->queries == 50);
  CHECK(report->limit == 10);
  CHECK(report->recall == 1.0);
  CHECK(report->recall_min == 1.0);
  CHECK(report->latency_p50_ms >= 0);
  CHECK(report->latency_p50_ms <= report->latency_p95_ms);
  CHECK(report->latency_p95_ms <= report->latency_p99_ms);
  CHECK(report->latency_mean_ms > 0);
  CHECK(report->exact_latency_mean_ms > 0);
  CHECK(report->params.hnsw_ef == 128);  // the collection's default, resolved
  CHECK_FALSE(report->cancelled);
  CHECK_FALSE(report->truncated);
  CHECK(report->elapsed_s > 0);
}

TEST_CASE("Benchmark recall does not fall as hnsw_ef grows and reaches about 1", "[core][benchmark]") {
  Fixture f;
  REQUIRE(f.c->Info().indexed_vectors_count > 0);
  const std::atomic<bool> cancel{false};
  std::vector<double> recalls;
  for (size_t ef : {10, 40, 500}) {
    BenchmarkRequest r = Sampled(100, 10);
    r.params.hnsw_ef = ef;
    auto report = RunSearchBenchmark(*f.c, r, cancel);
    REQUIRE(report.ok());
    CHECK(report->params.hnsw_ef == ef);
    CHECK(report->recall >= 0.0);
    CHECK(report->recall <= 1.0);
    CHECK(report->recall_min <= report->recall);
    recalls.push_back(report->recall);
  }
  WARN("recall at ef 10, 40, 500: " << recalls[0] << ", " << recalls[1] << ", " << recalls[2]);
  CHECK(recalls[0] <= recalls[1] + 0.01);
  CHECK(recalls[1] <= recalls[2] + 0.01);
  CHECK(recalls[2] >= 0.99);
}

TEST_CASE("Benchmark with given query vectors runs each and checks them", "[core][benchmark]") {
  Fixture f;
  const auto data = testing::RandomVectors(20, kDim, 77);
  BenchmarkRequest r;
  for (size_t i = 0; i < 20; ++i) r.vectors.emplace_back(data.begin() + i * kDim, data.begin() + (i + 1) * kDim);
  r.params.exact = true;
  const std::atomic<bool> cancel{false};
  auto report = RunSearchBenchmark(*f.c, r, cancel);
  REQUIRE(report.ok());
  CHECK(report->queries == 20);
  CHECK(report->recall == 1.0);

  r.vectors[3].pop_back();
  auto wrong_dim = RunSearchBenchmark(*f.c, r, cancel);
  REQUIRE(wrong_dim.status().code() == Status::Code::kInvalidArgument);
  CHECK(wrong_dim.status().message().find("vectors[3]") != std::string::npos);
  r.vectors[3].push_back(std::nanf(""));
  CHECK(RunSearchBenchmark(*f.c, r, cancel).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Benchmark ground truth applies the search's filter", "[core][benchmark]") {
  Fixture f;
  const std::atomic<bool> cancel{false};
  BenchmarkRequest r = Sampled(40, 10);
  r.filter = IdBelow(1500);
  r.params.exact = true;
  auto exact = RunSearchBenchmark(*f.c, r, cancel);
  REQUIRE(exact.ok());
  CHECK(exact->queries == 40);
  CHECK(exact->recall == 1.0);
  r.params.exact = false;
  auto ann = RunSearchBenchmark(*f.c, r, cancel);
  REQUIRE(ann.ok());
  CHECK(ann->recall >= 0.9);
  CHECK(ann->recall <= 1.0);
  // A filter nothing matches: nothing to miss.
  r.filter = IdBelow(-1);
  auto none = RunSearchBenchmark(*f.c, r, cancel);
  REQUIRE(none.ok());
  CHECK(none->queries == 40);
  CHECK(none->recall == 1.0);
}

TEST_CASE("Benchmark bounds on queries limit and timeout and an empty collection are refused", "[core][benchmark]") {
  Fixture f;
  const std::atomic<bool> cancel{false};
  const auto refused = [&](const BenchmarkRequest& r) {
    return RunSearchBenchmark(*f.c, r, cancel).status().code() == Status::Code::kInvalidArgument;
  };
  CHECK(refused(Sampled(0, 10)));
  CHECK(refused(Sampled(kMaxBenchmarkQueries + 1, 10)));
  CHECK(refused(Sampled(10, 0)));
  CHECK(refused(Sampled(10, kMaxBenchmarkLimit + 1)));
  BenchmarkRequest r = Sampled(10, 10);
  r.timeout = std::chrono::seconds(0);
  CHECK(refused(r));
  r.timeout = std::chrono::seconds(601);
  CHECK(refused(r));
  r.timeout = std::chrono::seconds(600);
  CHECK(RunSearchBenchmark(*f.c, r, cancel).ok());
  CHECK(RunSearchBenchmark(*f.c, Sampled(kMaxBenchmarkQueries, kMaxBenchmarkLimit), cancel).ok());

  REQUIRE(f.db->CreateCollection("empty", testing::SmallConfig(kDim, Metric::kEuclid, 100)).ok());
  auto empty = RunSearchBenchmark(*f.db->GetCollection("empty").value(), Sampled(10, 10), cancel);
  REQUIRE(empty.status().code() == Status::Code::kInvalidArgument);
  CHECK(empty.status().message().find("no points to sample") != std::string::npos);
}

TEST_CASE("Benchmark stops at its time budget or when cancelled with what it measured", "[core][benchmark]") {
  Fixture f;
  BenchmarkRequest r = Sampled(100, 10);
  r.timeout = std::chrono::microseconds(1);
  const std::atomic<bool> go{false};
  auto late = RunSearchBenchmark(*f.c, r, go);
  REQUIRE(late.ok());
  CHECK(late->truncated);
  CHECK_FALSE(late->cancelled);
  CHECK(late->queries < 100);

  const std::atomic<bool> cancelled{true};
  auto stopped = RunSearchBenchmark(*f.c, Sampled(100, 10), cancelled);
  REQUIRE(stopped.ok());
  CHECK(stopped->cancelled);
  CHECK_FALSE(stopped->truncated);
  CHECK(stopped->queries == 0);
  CHECK(std::isnan(stopped->recall));  // no query ran: no figure
}

TEST_CASE("BenchmarkRunner runs one at a time and is cancelled from another thread", "[core][benchmark]") {
  Fixture f;
  BenchmarkRunner runner;
  CHECK(runner.Cancel("c").code() == Status::Code::kNotFound);  // none running

  auto first = std::async(std::launch::async, [&] { return runner.Run(f.c, Long()); });
  WaitUntilRunning(runner);
  auto second = runner.Run(f.c, Sampled(10, 10));
  CHECK(second.status().code() == Status::Code::kBusy);
  CHECK(runner.Cancel("other").code() == Status::Code::kNotFound);
  // Live searches go on meanwhile.
  QueryOptions q;
  q.vector.assign(kDim, 0.5f);
  CHECK(f.c->Query(q).ok());
  REQUIRE(runner.Cancel("c").ok());
  auto report = first.get();
  REQUIRE(report.ok());
  CHECK(report->cancelled);
  CHECK(report->queries < kMaxBenchmarkQueries);
  CHECK_FALSE(runner.running());
  // The slot is free again.
  CHECK(runner.Run(f.c, Sampled(5, 10)).ok());

  // A stopped runner cancels what runs and refuses new runs.
  auto third = std::async(std::launch::async, [&] { return runner.Run(f.c, Long()); });
  WaitUntilRunning(runner);
  runner.Stop();
  auto last = third.get();
  REQUIRE(last.ok());
  CHECK(last->cancelled);
  CHECK(runner.Run(f.c, Sampled(5, 10)).status().code() == Status::Code::kBusy);
}

TEST_CASE("BenchmarkRunner ends the benchmark of a collection dropped mid-run safely", "[core][benchmark]") {
  Fixture f;
  BenchmarkRunner runner;
  Database& db = *f.db;
  const Collection* benchmarked = f.c.get();
  auto still_there = [&db, benchmarked] {
    auto now = db.GetCollection("c");
    return now.ok() && now->get() == benchmarked;
  };
  auto run = std::async(std::launch::async,
                        [&, c = std::move(f.c)]() mutable { return runner.Run(std::move(c), Long(), still_there); });
  WaitUntilRunning(runner);
  REQUIRE(db.DeleteCollection("c").ok());
  auto report = run.get();
  CHECK(report.status().code() == Status::Code::kNotFound);
  CHECK_FALSE(runner.running());
}

}  // namespace sextant
