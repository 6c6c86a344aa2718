// The write path alone, in process: N synthetic vectors (dim-d, Euclid, no
// payload) upserted in batches of B points through Collection::Upsert with
// the synced write policy and no optimizer (segments are sealed but not
// indexed), so what is timed is validation, the RocksDB write batch, the
// fsync and the apply to memory. The anchor, in the same run on the same
// disk: raw RocksDB (same options as our store) writing the same vectors, one
// key per point, one WriteBatch per batch plus a WAL sync: the least any
// durable RocksDB-backed write path can cost. Rounds alternate ours / anchor.
//
//   collection_write [points=1000000] [dim=128] [batch=8192] [rounds=2]
//   BENCH_DRIFT=1: drift statistics on (to measure what they cost);
//   BENCH_ONLY_OURS=1: no anchor; BENCH_DRIFT_ONLY=1: the drift monitor alone.
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "core/collection.h"
#include "core/drift/drift_monitor.h"
#include "core/drift_worker.h"
#include "support/random_vectors.h"

using namespace sextant;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double Ours(const std::string& dir, const std::vector<float>& data, size_t n, size_t dim, size_t batch) {
  CollectionConfig config;
  config.dim = dim;
  config.metric = Metric::kEuclid;
  Collection::Env env;  // no optimizer: nothing is indexed while we time
  DriftWorker drift_worker;  // as in the server: statistics off the writer's thread
  env.drift_worker = &drift_worker;
  auto created = Collection::Create(dir, "bench", config, env);
  if (!created.ok()) {
    std::fprintf(stderr, "create: %s\n", created.status().ToString().c_str());
    std::exit(1);
  }
  auto c = *created;
  if (std::getenv("BENCH_DRIFT") != nullptr) {
    if (!c->UpdateDriftConfig([](DriftConfig* d) {
           d->enabled = true;
           return Status::OK();
         }).ok()) {
      std::exit(1);
    }
  }
  const auto t0 = Clock::now();
  for (size_t b = 0; b < n; b += batch) {
    std::vector<PointInput> points;
    const size_t end = std::min(n, b + batch);
    points.reserve(end - b);
    for (size_t i = b; i < end; ++i) {
      points.push_back(PointInput{PointId::Num(i), std::vector<float>(&data[i * dim], &data[(i + 1) * dim]), {}});
    }
    auto s = c->Upsert(std::move(points));
    if (!s.ok()) {
      std::fprintf(stderr, "upsert: %s\n", s.status().ToString().c_str());
      std::exit(1);
    }
  }
  // With drift on, the clock stops once the statistics have seen every point
  // too (a report flushes the queue): the cost is not deferred past the timing.
  if (std::getenv("BENCH_DRIFT") != nullptr && c->Drift(DriftMonitor::Query{}).observed != n) {
    std::fprintf(stderr, "drift saw fewer points than written\n");
    std::exit(1);
  }
  const double secs = Seconds(t0, Clock::now());
  if (c->Count() != n) {
    std::fprintf(stderr, "count %zu != %zu\n", c->Count(), n);
    std::exit(1);
  }
  return secs;
}

double RawRocks(const std::string& dir, const std::vector<float>& data, size_t n, size_t dim, size_t batch) {
  rocksdb::Options opts;  // as storage/collection_store.cc opens a store
  opts.create_if_missing = true;
  opts.write_buffer_size = 32 << 20;
  opts.max_open_files = 256;
  opts.keep_log_file_num = 3;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(opts, dir, &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  const auto t0 = Clock::now();
  for (size_t b = 0; b < n; b += batch) {
    rocksdb::WriteBatch wb;
    for (size_t i = b; i < std::min(n, b + batch); ++i) {
      char key[9] = {'p'};
      const uint64_t be = __builtin_bswap64(i);
      std::memcpy(key + 1, &be, 8);
      wb.Put(rocksdb::Slice(key, 9),
             rocksdb::Slice(reinterpret_cast<const char*>(&data[i * dim]), dim * sizeof(float)));
    }
    if (!db->Write(rocksdb::WriteOptions(), &wb).ok() || !db->SyncWAL().ok()) std::exit(1);
  }
  return Seconds(t0, Clock::now());
}

}  // namespace

// The drift monitor alone on the same points (default config): ns a point.
double DriftOnly(const std::vector<float>& data, size_t n, size_t dim, size_t batch) {
  DriftConfig config = DefaultDriftConfig(dim);
  config.enabled = true;
  DriftMonitor monitor(dim, config);
  std::vector<float> norms(n);
  for (size_t i = 0; i < n; ++i) {
    double sq = 0;
    for (size_t x = 0; x < dim; ++x) sq += double{data[i * dim + x]} * data[i * dim + x];
    norms[i] = static_cast<float>(std::sqrt(sq));
  }
  // The reference (the first reference_size points) is built before the
  // clock starts: what is timed is the steady state every later write pays.
  const size_t warm = std::min(n, config.reference_size);
  const auto w0 = Clock::now();
  monitor.Observe(MatrixView(data.data(), warm, dim), std::span<const float>(norms.data(), warm));
  std::printf("reference of %zu points built in %.0f ms\n", warm, Seconds(w0, Clock::now()) * 1e3);
  const auto t0 = Clock::now();
  for (size_t b = warm; b < n; b += batch) {
    const size_t rows = std::min(n, b + batch) - b;
    monitor.Observe(MatrixView(&data[b * dim], rows, dim), std::span<const float>(&norms[b], rows));
  }
  return Seconds(t0, Clock::now()) * 1e9 / static_cast<double>(std::max<size_t>(n - warm, 1));
}

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const size_t dim = argc > 2 ? std::stoul(argv[2]) : 128;
  const size_t batch = argc > 3 ? std::stoul(argv[3]) : 8192;
  const int rounds = argc > 4 ? std::stoi(argv[4]) : 2;
  spdlog::set_level(spdlog::level::warn);
  const std::vector<float> data = testing::RandomVectors(n, dim, 7);
  const auto root = std::filesystem::temp_directory_path() / ("sextant-write-bench-" + std::to_string(getpid()));
  std::printf("%zu points x %zu dims, %zu a batch, synced\n", n, dim, batch);
  if (std::getenv("BENCH_DRIFT_ONLY") != nullptr) {
    std::printf("drift monitor alone: %.0f ns a point\n", DriftOnly(data, n, dim, batch));
    return 0;
  }
  for (int r = 0; r < rounds; ++r) {
    for (int side = 0; side < 2; ++side) {
      const bool ours = (side + r) % 2 == 0;
      if (std::getenv("BENCH_ONLY_OURS") != nullptr && !ours) continue;
      std::filesystem::remove_all(root / (ours ? "c" : "r"));
      std::filesystem::create_directories(root);
      const double secs = ours ? Ours((root / "c").string(), data, n, dim, batch)
                               : RawRocks((root / "r").string(), data, n, dim, batch);
      std::printf("round %d %-10s %7.2f s %10.0f points/s\n", r, ours ? "sextant" : "raw-rocksdb", secs, n / secs);
      std::fflush(stdout);
    }
  }
  if (std::getenv("BENCH_KEEP") == nullptr) std::filesystem::remove_all(root);
  return 0;
}
