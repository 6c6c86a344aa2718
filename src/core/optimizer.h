// Optimizer: the background worker that indexes frozen segments.
//
// Collections ask for attention with Schedule(); one worker thread calls
// Collection::OptimizeStep() until it reports there is nothing left. Index builds
// themselves use `build_threads` threads inside hnswlib.
//
// The worker (and the build threads it starts, which inherit it) runs at a
// lower CPU priority (`nice` above the process's nice value, default 10): on a small machine an index
// build would otherwise take half the cores from the uploads and searches it
// is meant to serve. It still gets the CPU whenever nothing else wants it.
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
  static constexpr int kDefaultNice = 10;
  explicit Optimizer(int nice = kDefaultNice);
  ~Optimizer();  // finishes the step in progress, drops the rest
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  void Schedule(std::weak_ptr<Collection> collection);
  // Number of collections waiting or being worked on.
  size_t QueueLength() const;

 private:
  void Run(int nice);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::weak_ptr<Collection>> queue_;  // GUARDED_BY(mu_)
  size_t busy_ = 0;                               // GUARDED_BY(mu_)
  bool stop_ = false;                             // GUARDED_BY(mu_)
  std::thread worker_;
};

}  // namespace sextant
