// ReadEpochs: frees memory that lock-free readers may still be reading once
// they have finished with it (epoch-based reclamation, with shared_ptr counts
// as the epochs' reader counts).
//
// A reader holds a Pin for as long as it may use a pointer it loaded from a
// shared structure. A writer first unlinks the memory (new readers can no
// longer load a pointer to it), then Retire()s it: the release runs once every
// reader that pinned before the call has let go of its pin. Epochs are
// chained oldest to newest, so an epoch's releases never run before an older
// epoch's readers are done.
//
// Used for the per-offset id table (Collection::offset_info_): overwrites and
// deletes leave whole chunks of it dead, which would otherwise stay allocated
// for as long as the server runs.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace sextant {

class ReadEpochs {
 public:
  using Pin = std::shared_ptr<const void>;

  ReadEpochs() : current_(std::make_shared<Epoch>()) {}
  ReadEpochs(const ReadEpochs&) = delete;
  ReadEpochs& operator=(const ReadEpochs&) = delete;

  Pin Enter() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

  // REQUIRES: what `release` frees is unreachable to readers that pin after this call.
  void Retire(std::function<void()> release) {
    auto next = std::make_shared<Epoch>();
    std::lock_guard<std::mutex> lock(mu_);
    current_->releases.push_back(std::move(release));
    current_->next = next;
    current_ = std::move(next);
  }

 private:
  struct Epoch {
    ~Epoch() {
      for (auto& release : releases) release();
      // Then `next`: the newer epochs, which this one's readers kept alive.
    }
    std::vector<std::function<void()>> releases;  // written under mu_ while current
    std::shared_ptr<Epoch> next;
  };

  mutable std::mutex mu_;
  std::shared_ptr<Epoch> current_;  // GUARDED_BY(mu_)
};

}  // namespace sextant
