// Optimizer: the background worker that indexes frozen segments.
//
// Collections ask for attention with Schedule(); one worker thread calls
// Collection::OptimizeStep() until it reports there is nothing left. Index builds
// themselves use `build_threads` threads inside hnswlib.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace sextant {

class Collection;

class Optimizer {
 public:
  Optimizer();
  ~Optimizer();  // finishes the step in progress, drops the rest
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  void Schedule(std::weak_ptr<Collection> collection);
  // Number of collections waiting or being worked on.
  size_t QueueLength() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::weak_ptr<Collection>> queue_;  // GUARDED_BY(mu_)
  size_t busy_ = 0;                               // GUARDED_BY(mu_)
  bool stop_ = false;                             // GUARDED_BY(mu_)
  std::thread worker_;
};

}  // namespace sextant
