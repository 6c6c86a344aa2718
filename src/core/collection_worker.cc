#include "core/collection_worker.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/thread_priority.h"
#include "core/collection.h"

namespace sextant {

CollectionWorker::CollectionWorker(std::string name, int nice, Step step)
    : name_(std::move(name)), step_(std::move(step)), worker_([this, nice] { Run(nice); }) {}

CollectionWorker::~CollectionWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void CollectionWorker::Schedule(std::weak_ptr<Collection> collection) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Once in line is enough: the step that serves it sees all its work. (One
    // being worked on is queued again: its step may have looked already.)
    if (QueuedLocked(collection)) return;
    queue_.push_back(std::move(collection));
  }
  cv_.notify_one();
}

// By owner, without lock(): a temporary owner could end up running a dropped
// collection's destructor under mu_.
bool CollectionWorker::QueuedLocked(const std::weak_ptr<Collection>& collection) const {
  return std::any_of(queue_.begin(), queue_.end(), [&](const std::weak_ptr<Collection>& queued) {
    return !queued.owner_before(collection) && !collection.owner_before(queued);
  });
}

size_t CollectionWorker::QueueLength() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + busy_;
}

void CollectionWorker::Run(int nice) {
  if (const std::string error = LowerThreadPriority(nice); !error.empty()) {
    spdlog::warn("{}: cannot lower its CPU priority: {}", name_, error);
  }
  while (true) {
    std::shared_ptr<Collection> collection;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      collection = queue_.front().lock();
      queue_.pop_front();
      if (!collection) continue;
      ++busy_;
    }
    bool more = false;
    try {
      more = step_(*collection);
    } catch (const std::exception& e) {
      // A bug, but the thread (and the other collections) survive it.
      spdlog::error("{}: collection {}: {}", name_, collection->name(), e.what());
    }
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
    if (more && !stop_ && !QueuedLocked(collection)) queue_.push_back(collection);
  }
}

}  // namespace sextant
