// BenchmarkRunner: where search benchmarks run, so that they never starve
// live traffic. At most one runs at a time (per runner; the server has one),
// on a thread of its own at the lowest CPU priority (nice 19), never on a
// thread that serves requests; it can be cancelled by collection name, and
// all at once when the server stops.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "core/search_benchmark.h"

namespace sextant {

class BenchmarkRunner {
 public:
  BenchmarkRunner() = default;
  BenchmarkRunner(const BenchmarkRunner&) = delete;
  BenchmarkRunner& operator=(const BenchmarkRunner&) = delete;
  // REQUIRES: no Run in progress (the server has stopped serving).
  ~BenchmarkRunner() = default;

  // Runs RunSearchBenchmark on `collection` on a new low-priority thread and
  // waits for its report. Busy (without running anything) when another
  // benchmark is running or the runner is stopped. While it waits,
  // `still_wanted` (if set) is asked every 100 ms; once it says false the
  // benchmark is cancelled and the call returns NotFound (the collection was
  // deleted meanwhile). The collection stays alive until the thread ends,
  // whatever happens to it meanwhile.
  Result<BenchmarkReport> Run(std::shared_ptr<const Collection> collection, BenchmarkRequest request,
                              const std::function<bool()>& still_wanted = nullptr);

  // Cancels the benchmark running on the collection named `name`: its Run
  // returns the report so far, with `cancelled` set. NotFound when none runs.
  Status Cancel(const std::string& name);
  // Cancels whatever runs and refuses new runs (the server is stopping).
  void Stop();
  // Whether a benchmark is running now.
  bool running() const;

 private:
  struct Slot {
    std::string collection;
    std::atomic<bool> cancel{false};
  };

  mutable std::mutex mu_;
  std::shared_ptr<Slot> running_;  // GUARDED_BY(mu_); null when idle
  bool stopped_ = false;           // GUARDED_BY(mu_)
};

}  // namespace sextant
