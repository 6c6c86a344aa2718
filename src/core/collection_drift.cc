// Collection drift: feeding the DriftMonitor with accepted writes (through the
// DriftWorker's queue, see core/drift_worker.h), and keeping its state in the
// collection's store (metadata key "drift").
#include <spdlog/spdlog.h>

#include "core/collection.h"
#include "core/drift_worker.h"
#include "storage/collection_store.h"

namespace sextant {

namespace {
constexpr const char* kDriftKey = "drift";
// Statistics are saved at most this often while writes go on (and at close):
// a crash loses at most this much of the windows, never the reference or the
// config, which are saved when they change.
constexpr auto kDriftSaveInterval = std::chrono::seconds(5);
// Accepted batches waiting for the drift worker, at most (vectors and norms):
// past this, writers wait for it.
constexpr size_t kDriftQueueBytes = size_t{64} << 20;
}  // namespace

Status Collection::LoadDrift() {
  ASSIGN_OR_RETURN(auto saved, store_->GetMeta(kDriftKey));
  if (saved) {
    auto monitor = DriftMonitor::Decode(config_.dim, *saved);
    if (monitor.ok()) {
      drift_ = std::move(*monitor);
      return Status::OK();
    }
    // Statistics are not data: start over rather than refuse the collection.
    spdlog::error("collection {}: drift statistics unreadable ({}); starting over", name_,
                  monitor.status().ToString());
  }
  drift_ = std::make_unique<DriftMonitor>(config_.dim, DefaultDriftConfig(config_.dim));
  return Status::OK();
}

Status Collection::FlushAndSaveDrift() {
  FlushDriftQueue();
  return SaveDrift();
}

Status Collection::SaveDrift() {
  std::lock_guard<std::mutex> lock(drift_save_mu_);
  drift_saved_at_ = std::chrono::steady_clock::now();
  return store_->PutMeta(kDriftKey, drift_->Encode());
}

void Collection::ObserveDrift(std::vector<float> rows, std::vector<float> norms) {
  if (env_.drift_worker == nullptr) {
    FeedDrift(rows, norms);
    MaybeSaveDrift();
    return;
  }
  const size_t bytes = (rows.size() + norms.size()) * sizeof(float);
  bool schedule = false;
  {
    std::unique_lock<std::mutex> lock(drift_queue_mu_);
    // A batch bigger than the bound goes in once the queue is empty.
    drift_queue_cv_.wait(lock, [&] { return drift_queue_bytes_ == 0 || drift_queue_bytes_ + bytes <= kDriftQueueBytes; });
    drift_queue_bytes_ += bytes;
    drift_queue_.push_back(DriftBatch{++drift_queued_seq_, std::move(rows), std::move(norms)});
    if (!drift_scheduled_) drift_scheduled_ = schedule = true;
  }
  if (schedule) env_.drift_worker->Schedule(weak_from_this());
}

bool Collection::DrainDriftQueue() {
  // A slice: the batches queued when it starts, so that one busy collection
  // neither holds the worker from the others nor goes unsaved while its
  // writers keep the queue full.
  uint64_t target = 0;
  {
    std::lock_guard<std::mutex> lock(drift_queue_mu_);
    target = drift_queued_seq_;
  }
  if (!dropped_) {
    while (FeedOneDriftBatch(target)) {
    }
    MaybeSaveDrift();
  } else {
    std::lock_guard<std::mutex> lock(drift_queue_mu_);
    for (const DriftBatch& b : drift_queue_) drift_queue_bytes_ -= (b.rows.size() + b.norms.size()) * sizeof(float);
    drift_queue_.clear();
    drift_queue_cv_.notify_all();
  }
  std::lock_guard<std::mutex> lock(drift_queue_mu_);
  // Checked and cleared in one critical section: no batch is left behind.
  // More queued meanwhile: the worker comes back, behind the other collections.
  if (!drift_queue_.empty()) return true;
  drift_scheduled_ = false;
  return false;
}

bool Collection::FeedOneDriftBatch(uint64_t up_to) {
  // Feeders take turns: batches reach the monitor in the order they were queued.
  std::lock_guard<std::mutex> feeding(drift_feed_mu_);
  DriftBatch batch;
  {
    std::lock_guard<std::mutex> lock(drift_queue_mu_);
    if (drift_queue_.empty() || drift_queue_.front().seq > up_to) return false;
    batch = std::move(drift_queue_.front());
    drift_queue_.pop_front();
  }
  try {
    FeedDrift(batch.rows, batch.norms);
  } catch (const std::exception& e) {
    // Statistics are not data: a batch that cannot be fed is skipped.
    spdlog::error("collection {}: drift statistics skipped {} points: {}", name_, batch.norms.size(), e.what());
  }
  std::lock_guard<std::mutex> lock(drift_queue_mu_);
  drift_fed_seq_ = batch.seq;
  drift_queue_bytes_ -= (batch.rows.size() + batch.norms.size()) * sizeof(float);
  drift_queue_cv_.notify_all();
  return true;
}

void Collection::FlushDriftQueue() {
  uint64_t target = 0;
  {
    std::lock_guard<std::mutex> lock(drift_queue_mu_);
    target = drift_queued_seq_;
    if (drift_fed_seq_ >= target) return;
  }
  // Feeds what was queued before now (not what writers add meanwhile); a
  // batch another thread is feeding is done once drift_feed_mu_ is free.
  while (FeedOneDriftBatch(target)) {
  }
}

void Collection::FeedDrift(const std::vector<float>& rows, const std::vector<float>& norms) {
  drift_->Observe(MatrixView(rows.data(), norms.size(), config_.dim), norms);
}

void Collection::MaybeSaveDrift() {
  {
    std::lock_guard<std::mutex> lock(drift_save_mu_);
    if (std::chrono::steady_clock::now() - drift_saved_at_ < kDriftSaveInterval) return;
    drift_saved_at_ = std::chrono::steady_clock::now();  // one saver at a time
  }
  Status s = SaveDrift();
  if (!s.ok()) spdlog::warn("collection {}: could not save drift statistics: {}", name_, s.ToString());
}

DriftReport Collection::Drift(const DriftMonitor::Query& query, bool flush) {
  if (flush) FlushDriftQueue();  // every acknowledged write is in the report
  return drift_->Report(query);
}

Status Collection::UpdateDriftConfig(const std::function<Status(DriftConfig*)>& edit) {
  std::lock_guard<std::mutex> editing(drift_config_mu_);  // concurrent partial edits: none is lost
  FlushDriftQueue();  // the old config sees what was written under it
  DriftConfig next = drift_->config();
  RETURN_IF_ERROR(edit(&next));
  RETURN_IF_ERROR(drift_->UpdateConfig(next));
  return SaveDrift();
}

Status Collection::PinDriftBaseline() {
  FlushDriftQueue();  // the pinned window ends at the last acknowledged write
  RETURN_IF_ERROR(drift_->PinBaseline());
  return SaveDrift();
}

Status Collection::ResetDriftBaseline() {
  FlushDriftQueue();
  drift_->ResetBaseline();
  return SaveDrift();
}

void Collection::NoteNonFiniteRejected(uint64_t n) { drift_->NoteNonFinite(n); }

}  // namespace sextant
