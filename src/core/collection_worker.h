// CollectionWorker: one background thread that serves collections in turn.
//
// Collections ask for attention with Schedule(); the worker runs one step on
// the first in line and, when the step says there is more, queues it again
// behind the others, so that one busy collection does not starve the rest.
// The thread runs `nice` above the process's nice value: background work takes
// the cores only when requests do not want them.
//
// Two workers exist: the Optimizer (index builds) and the DriftWorker (drift
// statistics).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace sextant {

class Collection;

class CollectionWorker {
 public:
  // One step of work on a collection; true when it has more to do.
  using Step = std::function<bool(Collection&)>;
  CollectionWorker(std::string name, int nice, Step step);
  ~CollectionWorker();  // finishes the step in progress, drops the rest
  CollectionWorker(const CollectionWorker&) = delete;
  CollectionWorker& operator=(const CollectionWorker&) = delete;

  // Queues the collection unless it is already waiting.
  void Schedule(std::weak_ptr<Collection> collection);
  // Number of collections waiting or being worked on.
  size_t QueueLength() const;

 private:
  void Run(int nice);
  bool QueuedLocked(const std::weak_ptr<Collection>& collection) const;  // REQUIRES: mu_ held

  const std::string name_;
  const Step step_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::weak_ptr<Collection>> queue_;  // GUARDED_BY(mu_)
  size_t busy_ = 0;                               // GUARDED_BY(mu_)
  bool stop_ = false;                             // GUARDED_BY(mu_)
  std::thread worker_;                            // last: starts once the rest is set
};

}  // namespace sextant
