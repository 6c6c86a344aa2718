#include "core/benchmark_runner.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <optional>
#include <system_error>
#include <thread>

#include "common/thread_priority.h"
#include "core/collection.h"

namespace sextant {

Result<BenchmarkReport> BenchmarkRunner::Run(std::shared_ptr<const Collection> collection, BenchmarkRequest request,
                                             const std::function<bool()>& still_wanted) {
  auto slot = std::make_shared<Slot>();
  slot->collection = collection->name();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Status::Busy("the server is shutting down");
    if (running_) {
      return Status::Busy("a benchmark is already running (on collection `" + running_->collection +
                          "`); one runs at a time: retry when it ends, or cancel it with DELETE "
                          "/collections/" + running_->collection + "/benchmark");
    }
    running_ = slot;
  }

  // The thread ends before Run returns (joined below), so it may borrow these.
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;                             // GUARDED_BY(done_mu)
  std::optional<Result<BenchmarkReport>> result;  // GUARDED_BY(done_mu)
  std::thread worker;
  try {
    worker = std::thread([&, collection = std::move(collection)]() mutable {
      // Nice 19: the benchmark gets the cores only when requests do not want them.
      if (std::string error = LowerThreadPriority(19); !error.empty()) {
        spdlog::debug("benchmark: cannot lower the thread's priority: {}", error);
      }
      Result<BenchmarkReport> r = RunSearchBenchmark(*collection, request, slot->cancel);
      collection.reset();  // a collection dropped meanwhile goes now, not with the caller
      std::lock_guard<std::mutex> lock(done_mu);
      result.emplace(std::move(r));
      done = true;
      done_cv.notify_all();
    });
  } catch (const std::system_error& e) {
    std::lock_guard<std::mutex> lock(mu_);
    running_.reset();
    return Status::Internal(std::string("cannot start the benchmark thread: ") + e.what());
  }

  bool gone = false;
  {
    std::unique_lock<std::mutex> lock(done_mu);
    while (!done_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; })) {
      if (gone || !still_wanted) continue;
      lock.unlock();
      gone = !still_wanted();
      if (gone) slot->cancel = true;
      lock.lock();
    }
  }
  worker.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.reset();
  }
  if (gone) {
    return Status::NotFound("Collection `" + slot->collection + "` was deleted during the benchmark");
  }
  return std::move(*result);
}

Status BenchmarkRunner::Cancel(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!running_ || running_->collection != name) {
    return Status::NotFound("No benchmark is running on collection `" + name + "`");
  }
  running_->cancel = true;
  return Status::OK();
}

void BenchmarkRunner::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  if (running_) running_->cancel = true;
}

bool BenchmarkRunner::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_ != nullptr;
}

}  // namespace sextant
