// DriftMonitor: one collection's drift statistics (core/drift/drift_stats.h
// defines the metrics).
//
// The reference is the first `reference_size` accepted points, or a baseline
// the user pins (the most recent `reference_size` points). Every accepted
// point then goes into the current count window (closed every
// `window_points` points) and the current minute, hour and day (closed when
// the clock passes their end). Only open windows keep full statistics; a
// closed window keeps its metrics (a few numbers), so `history` count windows
// and `time_history` windows of each span cost little memory and little to
// save, whatever the dimension.
//
// Status (ok / warning / drift) comes from the latest closed count window (or
// the open one once it holds `min_points`), each metric against its warning
// and drift thresholds (as they are when asked); the metrics that tripped the
// status are named.
//
// Thread safety: every method may be called concurrently (one mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "core/drift/drift_stats.h"

namespace sextant {

// A metric's two thresholds: above `warning` it warns, above `drift` it drifts.
struct DriftThreshold {
  double warning = 0;
  double drift = 0;
};

struct DriftThresholds {
  DriftThreshold mean_euclid{0.15, 0.3};
  DriftThreshold mean_cosine{0.1, 0.2};
  DriftThreshold drifted_share{0.1, 0.2};
  DriftThreshold mmd{0.015, 0.03};
  DriftThreshold norm_shift{2, 4};
  DriftThreshold norm_psi{0.1, 0.25};
  DriftThreshold cluster_js{0.08, 0.15};
  // Shares of the window's points.
  DriftThreshold zero_vectors{0.001, 0.05};
  DriftThreshold norm_outliers{0.01, 0.05};
  DriftThreshold duplicates{0.1, 1.1};  // never drift: real data can repeat itself
  double psi_threshold = 0.1;           // a dimension drifted: its PSI above this
};

struct DriftConfig {
  bool enabled = true;
  size_t reference_size = 10000;
  size_t window_points = 1000;
  size_t history = 100;        // closed count windows kept
  size_t time_history = 1440;  // closed minutes, hours and days kept (each)
  size_t min_points = 100;
  DriftThresholds thresholds;
  DriftParams params;

  Status Validate(size_t dim) const;
};

// A collection's defaults (drift on), with reference_size lowered
// where the vectors are so large that its points would take more than 64 MiB.
DriftConfig DefaultDriftConfig(size_t dim);

enum class DriftStatus { kOk, kWarning, kDrift };
const char* DriftStatusName(DriftStatus s);

// One window's metrics and when it ran.
struct DriftWindowReport {
  int64_t start_unix = 0;  // seconds
  int64_t end_unix = 0;
  bool open = false;       // still taking points
  DriftMetrics metrics;
  DriftStatus status = DriftStatus::kOk;
  std::vector<std::string> tripped;  // metrics at that status
};

struct DriftReport {
  bool enabled = true;
  DriftConfig config;
  // Reference
  bool reference_ready = false;
  bool pinned = false;
  uint64_t reference_points = 0;  // collected so far, or its size once built
  int64_t reference_built_unix = 0;
  double reference_spread = 0, reference_norm_mean = 0, reference_norm_std = 0;
  uint64_t non_finite_rejected = 0;
  uint64_t observed = 0;  // points seen since the monitor began
  DriftStatus status = DriftStatus::kOk;
  std::vector<std::string> tripped;
  std::vector<DriftWindowReport> windows;  // newest first
};

class DriftMonitor {
 public:
  using Clock = std::chrono::system_clock;

  DriftMonitor(size_t dim, DriftConfig config);

  // Accepted points (row-major, as stored) with their norms as sent.
  void Observe(MatrixView vectors, std::span<const float> norms, Clock::time_point now = Clock::now());
  // Points refused for NaN or infinite values.
  void NoteNonFinite(uint64_t n);

  // `window`: "count", "minute", "hour" or "day"; newest first, the open one
  // (if it has points) first.
  struct Query {
    std::string window = "count";
    size_t limit = 20;
  };
  DriftReport Report(const Query& query, Clock::time_point now = Clock::now()) const;
  DriftStatus status() const;

  // Makes the most recent points (up to reference_size; at least 2) the
  // reference; windows start over.
  Status PinBaseline(Clock::time_point now = Clock::now());
  // Back to the default reference: the first reference_size points from now on.
  void ResetBaseline();
  Status UpdateConfig(const DriftConfig& config);
  DriftConfig config() const;
  bool enabled() const;

  // Whether there is anything new to save, and the saved state.
  bool dirty() const;
  std::string Encode();  // clears dirty
  static Result<std::unique_ptr<DriftMonitor>> Decode(size_t dim, std::string_view in);

 private:
  // An open window: full statistics, to which points are added.
  struct OpenWindow {
    int64_t start = 0, end = 0;  // unix seconds (end: the last point's, or the span's end)
    DriftWindow stats;
  };
  // A closed window: its metrics only.
  struct ClosedWindow {
    int64_t start = 0, end = 0;
    uint64_t sampled = 0;
    DriftMetrics metrics;
  };
  // The minute, the hour and the day.
  static constexpr int kSpans = 3;
  static constexpr int64_t kSpanSeconds[kSpans] = {60, 3600, 86400};

  void AddToWindowsLocked(MatrixView vectors, std::span<const float> norms, uint64_t first_index, int64_t now);
  // Closes the time windows whose span has ended by `now`.
  void RollTimeWindowsLocked(int64_t now);
  ClosedWindow CloseLocked(const OpenWindow& w) const;
  void RememberLocked(MatrixView vectors, std::span<const float> norms);
  Status BuildReferenceLocked(int64_t now);
  DriftWindowReport Rate(int64_t start, int64_t end, bool open, uint64_t sampled, const DriftMetrics& m) const;
  void ResetWindowsLocked();
  void ResetBaselineLocked();

  const size_t dim_;
  mutable std::mutex mu_;
  DriftConfig config_;
  std::optional<DriftReference> reference_;
  bool pinned_ = false;
  int64_t reference_built_ = 0;
  // Recent points (a ring of reference_size): the default reference while it
  // is being collected, the candidates of a pinned baseline afterwards.
  std::vector<float> recent_;
  std::vector<float> recent_norms_;
  size_t recent_next_ = 0, recent_count_ = 0;
  uint64_t observed_ = 0;
  uint64_t non_finite_ = 0;
  OpenWindow current_;                       // the count window
  std::deque<ClosedWindow> closed_;          // count windows, newest last
  OpenWindow open_span_[kSpans];             // the current minute, hour, day (stats empty until a point)
  std::deque<ClosedWindow> closed_span_[kSpans];  // newest last
  FingerprintSet window_hashes_;  // of the current count window's vectors (duplicates)
  bool dirty_ = false;
};

}  // namespace sextant
