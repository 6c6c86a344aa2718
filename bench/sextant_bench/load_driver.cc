#include "sextant_bench/load_driver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

namespace sextant::bench {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = size_t(std::ceil(p * double(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

Result<LoadResult> RunLoad(size_t num_queries, const LoadOptions& options, const SearchFn& search) {
  LoadResult out;
  out.results.resize(num_queries);
  const size_t clients = std::max<size_t>(options.clients, 1);
  // Work items are (pass, query) numbered pass * num_queries + query; a client
  // takes the next one until the time is up and the current pass is done, so
  // every pass is complete and every query weighs the same.
  std::atomic<size_t> next{0};
  std::atomic<size_t> end{num_queries * std::max<size_t>(options.max_passes, 1)};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  Status error;
  std::vector<std::vector<double>> latencies(clients);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.min_seconds));
  auto client_loop = [&](size_t c) {
    std::vector<int64_t> ids;
    for (size_t item; (item = next++) < end.load() && !failed;) {
      const size_t q = item % num_queries;
      ids.clear();
      const auto a = Clock::now();
      Status s = search(c, q, &ids);
      const auto b = Clock::now();
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!failed.exchange(true)) error = s;
        return;
      }
      latencies[c].push_back(std::chrono::duration<double, std::milli>(b - a).count());
      if (item < num_queries) out.results[q] = ids;
      // Past the deadline: finish the pass this item belongs to, then stop.
      if (b >= deadline) {
        const size_t pass_end = (item / num_queries + 1) * num_queries;
        size_t current = end.load();
        while (pass_end < current && !end.compare_exchange_weak(current, pass_end)) {
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t c = 1; c < clients; ++c) threads.emplace_back(client_loop, c);
  client_loop(0);
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) return error;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  out.queries = all.size();
  out.qps = seconds > 0 ? double(all.size()) / seconds : 0;
  out.p50_ms = Percentile(all, 0.50);
  out.p95_ms = Percentile(all, 0.95);
  out.p99_ms = Percentile(all, 0.99);
  return out;
}

}  // namespace sextant::bench
