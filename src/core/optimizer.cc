#include "core/optimizer.h"

#include <spdlog/spdlog.h>

#include "common/thread_priority.h"
#include "core/collection.h"

namespace sextant {

Optimizer::Optimizer(int nice) : worker_([this, nice] { Run(nice); }) {}

Optimizer::~Optimizer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void Optimizer::Schedule(std::weak_ptr<Collection> collection) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(collection));
  }
  cv_.notify_one();
}

size_t Optimizer::QueueLength() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + busy_;
}

void Optimizer::Run(int nice) {
  if (const std::string error = LowerThreadPriority(nice); !error.empty()) {
    spdlog::warn("optimizer: cannot lower its CPU priority: {}", error);
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
    // One step at a time, re-queued behind other collections so that one big
    // collection does not starve the rest.
    bool more = false;
    Status s = collection->OptimizeStep(&more);
    if (!s.ok()) spdlog::error("optimizer: collection {}: {}", collection->name(), s.ToString());
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
    if (more && s.ok() && !stop_) queue_.push_back(collection);
  }
}

}  // namespace sextant
