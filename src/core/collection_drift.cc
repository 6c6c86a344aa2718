// Collection drift: feeding the DriftMonitor with accepted writes, and keeping
// its state in the collection's store (metadata key "drift").
#include <spdlog/spdlog.h>

#include "core/collection.h"
#include "storage/collection_store.h"

namespace sextant {

namespace {
constexpr const char* kDriftKey = "drift";
// Statistics are saved at most this often while writes go on (and at close):
// a crash loses at most this much of the windows, never the reference or the
// config, which are saved when they change.
constexpr auto kDriftSaveInterval = std::chrono::seconds(5);
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

Status Collection::SaveDrift() {
  std::lock_guard<std::mutex> lock(drift_save_mu_);
  drift_saved_at_ = std::chrono::steady_clock::now();
  return store_->PutMeta(kDriftKey, drift_->Encode());
}

void Collection::ObserveDrift(const std::vector<float>& rows, const std::vector<float>& norms) {
  drift_->Observe(MatrixView(rows.data(), norms.size(), config_.dim), norms);
  {
    std::lock_guard<std::mutex> lock(drift_save_mu_);
    if (std::chrono::steady_clock::now() - drift_saved_at_ < kDriftSaveInterval) return;
    drift_saved_at_ = std::chrono::steady_clock::now();  // one saver at a time
  }
  Status s = SaveDrift();
  if (!s.ok()) spdlog::warn("collection {}: could not save drift statistics: {}", name_, s.ToString());
}

DriftReport Collection::Drift(const DriftMonitor::Query& query) const { return drift_->Report(query); }

Status Collection::UpdateDriftConfig(const std::function<Status(DriftConfig*)>& edit) {
  DriftConfig next = drift_->config();
  RETURN_IF_ERROR(edit(&next));
  RETURN_IF_ERROR(drift_->UpdateConfig(next));
  return SaveDrift();
}

Status Collection::PinDriftBaseline() {
  RETURN_IF_ERROR(drift_->PinBaseline());
  return SaveDrift();
}

Status Collection::ResetDriftBaseline() {
  drift_->ResetBaseline();
  return SaveDrift();
}

void Collection::NoteNonFiniteRejected(uint64_t n) { drift_->NoteNonFinite(n); }

}  // namespace sextant
