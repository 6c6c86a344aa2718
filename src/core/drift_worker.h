// DriftWorker: the background thread that feeds collections' drift monitors.
//
// A write is acknowledged once it is durable; its drift statistics (about a
// microsecond a 128-d point, core/drift/) are computed afterwards on this
// thread, so the writer does not wait for them. Collections queue their
// accepted batches and ask for attention with Schedule(); the worker calls
// Collection::DrainDriftQueue() until the queue is empty. A report flushes the
// queue first (Collection::Drift), so what it shows includes every write that
// was acknowledged before it.
//
// It runs at a lower CPU priority (nice +5) than request threads: statistics
// come after serving. The queues are bounded, so a starved worker slows
// writers down rather than growing memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace sextant {

class Collection;

class DriftWorker {
 public:
  static constexpr int kDefaultNice = 5;
  explicit DriftWorker(int nice = kDefaultNice);
  ~DriftWorker();  // finishes the batch in progress; collections drain the rest when they close
  DriftWorker(const DriftWorker&) = delete;
  DriftWorker& operator=(const DriftWorker&) = delete;

  void Schedule(std::weak_ptr<Collection> collection);

 private:
  void Run(int nice);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::weak_ptr<Collection>> queue_;  // GUARDED_BY(mu_)
  bool stop_ = false;                             // GUARDED_BY(mu_)
  std::thread worker_;
};

}  // namespace sextant
