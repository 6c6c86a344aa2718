#include "core/drift_worker.h"

#include <spdlog/spdlog.h>

#include "common/thread_priority.h"
#include "core/collection.h"

namespace sextant {

DriftWorker::DriftWorker(int nice) : worker_([this, nice] { Run(nice); }) {}

DriftWorker::~DriftWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void DriftWorker::Schedule(std::weak_ptr<Collection> collection) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(collection));
  }
  cv_.notify_one();
}

void DriftWorker::Run(int nice) {
  if (const std::string error = LowerThreadPriority(nice); !error.empty()) {
    spdlog::warn("drift worker: cannot lower its CPU priority: {}", error);
  }
  while (true) {
    std::shared_ptr<Collection> collection;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      collection = queue_.front().lock();
      queue_.pop_front();
    }
    if (!collection) continue;
    try {
      collection->DrainDriftQueue();
    } catch (const std::exception& e) {
      spdlog::error("drift worker: collection {}: {}", collection->name(), e.what());
    }
  }
}

}  // namespace sextant
