#include "core/drift/drift_monitor.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

#include "storage/coding.h"

namespace sextant {

namespace {

constexpr uint8_t kStateVersion = 1;
// Duplicates are looked for among at most this many earlier vectors of a window.
constexpr size_t kDuplicateMemory = size_t{1} << 16;
// The ring of recent points holds at most this many bytes of vectors.
constexpr size_t kMaxRecentBytes = size_t{64} << 20;

int64_t UnixSeconds(DriftMonitor::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void PutBlob(std::string* out, std::string_view blob) {
  PutFixed64(out, blob.size());
  out->append(blob);
}

bool GetU64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = DecodeFixed64(in->data());
  in->remove_prefix(8);
  return true;
}

bool GetBlob(std::string_view* in, std::string_view* blob) {
  uint64_t n = 0;
  if (!GetU64(in, &n) || n > in->size()) return false;
  *blob = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

void PutDouble(std::string* out, double v) { PutFixed64(out, std::bit_cast<uint64_t>(v)); }
bool GetDouble(std::string_view* in, double* v) {
  uint64_t bits;
  if (!GetU64(in, &bits)) return false;
  *v = std::bit_cast<double>(bits);
  return true;
}

// The config, field by field (a new field goes at the end with a new state version).
std::string EncodeConfig(const DriftConfig& c) {
  std::string out;
  PutFixed64(&out, c.enabled);
  PutFixed64(&out, c.reference_size);
  PutFixed64(&out, c.window_points);
  PutFixed64(&out, c.history);
  PutFixed64(&out, static_cast<uint64_t>(c.bucket_seconds));
  PutFixed64(&out, c.time_history);
  PutFixed64(&out, c.min_points);
  const DriftThresholds& t = c.thresholds;
  for (const DriftThreshold* th : {&t.mean_euclid, &t.mean_cosine, &t.drifted_share, &t.mmd, &t.norm_shift,
                                   &t.norm_psi, &t.cluster_js, &t.zero_vectors, &t.norm_outliers, &t.duplicates}) {
    PutDouble(&out, th->warning);
    PutDouble(&out, th->drift);
  }
  PutDouble(&out, t.psi_threshold);
  PutFixed64(&out, c.params.bins);
  PutFixed64(&out, c.params.rff_features);
  PutFixed64(&out, c.params.clusters);
  PutFixed64(&out, c.params.sample_every);
  PutFixed64(&out, c.params.seed);
  return out;
}

bool DecodeConfig(std::string_view in, DriftConfig* c) {
  uint64_t v[7];
  for (uint64_t& x : v) {
    if (!GetU64(&in, &x)) return false;
  }
  c->enabled = v[0] != 0;
  c->reference_size = v[1];
  c->window_points = v[2];
  c->history = v[3];
  c->bucket_seconds = static_cast<int64_t>(v[4]);
  c->time_history = v[5];
  c->min_points = v[6];
  DriftThresholds& t = c->thresholds;
  for (DriftThreshold* th : {&t.mean_euclid, &t.mean_cosine, &t.drifted_share, &t.mmd, &t.norm_shift, &t.norm_psi,
                             &t.cluster_js, &t.zero_vectors, &t.norm_outliers, &t.duplicates}) {
    if (!GetDouble(&in, &th->warning) || !GetDouble(&in, &th->drift)) return false;
  }
  if (!GetDouble(&in, &t.psi_threshold)) return false;
  uint64_t p[5];
  for (uint64_t& x : p) {
    if (!GetU64(&in, &x)) return false;
  }
  c->params.bins = p[0];
  c->params.rff_features = p[1];
  c->params.clusters = p[2];
  c->params.sample_every = p[3];
  c->params.seed = p[4];
  return in.empty();
}

struct Rated {
  DriftStatus status = DriftStatus::kOk;
  std::vector<std::string> tripped;
  void Check(const char* name, double value, const DriftThreshold& t) {
    const DriftStatus s = value > t.drift ? DriftStatus::kDrift
                          : value > t.warning ? DriftStatus::kWarning
                                              : DriftStatus::kOk;
    if (s == DriftStatus::kOk || s < status) return;
    if (s > status) tripped.clear(), status = s;
    tripped.push_back(name);
  }
};

}  // namespace

const char* DriftStatusName(DriftStatus s) {
  switch (s) {
    case DriftStatus::kOk: return "ok";
    case DriftStatus::kWarning: return "warning";
    case DriftStatus::kDrift: return "drift";
  }
  return "ok";
}

Status DriftConfig::Validate(size_t dim) const {
  auto bad = [](const std::string& what) { return Status::InvalidArgument("Bad request: drift config: " + what); };
  if (reference_size < 2) return bad("reference_size must be at least 2");
  if (reference_size * dim * sizeof(float) > kMaxRecentBytes) {
    return bad("reference_size x vector size must stay within " + std::to_string(kMaxRecentBytes >> 20) + " MiB");
  }
  if (window_points < 1) return bad("window_points must be at least 1");
  if (history < 1 || history > 100000) return bad("history must be in [1, 100000]");
  if (bucket_seconds < 1) return bad("bucket_seconds must be at least 1");
  if (time_history < 1 || time_history > 100000) return bad("time_history must be in [1, 100000]");
  if (params.bins < 2 || params.bins > 1000) return bad("bins must be in [2, 1000]");
  if (params.rff_features < 1 || params.rff_features > 4096) return bad("rff_features must be in [1, 4096]");
  if (params.clusters < 1 || params.clusters > 4096) return bad("clusters must be in [1, 4096]");
  if (params.sample_every < 1) return bad("sample_every must be at least 1");
  return Status::OK();
}

DriftConfig DefaultDriftConfig(size_t dim) {
  DriftConfig config;
  // Off by default until its cost on the write path is within budget: the
  // monitor alone takes ~2.5 us a 128-d point today (bench/collection_write
  // BENCH_DRIFT_ONLY=1), a third of the in-process write rate.
  config.enabled = false;
  config.reference_size = std::max<size_t>(2, std::min(config.reference_size, kMaxRecentBytes / (dim * sizeof(float))));
  return config;
}

DriftMonitor::DriftMonitor(size_t dim, DriftConfig config) : dim_(dim), config_(std::move(config)) {
  ResetBaselineLocked();  // no other thread yet
}

void DriftMonitor::NoteNonFinite(uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  non_finite_ += n;
  dirty_ = true;
}

void DriftMonitor::RememberLocked(MatrixView vectors, std::span<const float> norms) {
  const size_t capacity = config_.reference_size;
  for (size_t i = 0; i < vectors.rows(); ++i) {
    std::copy(vectors.row(i), vectors.row(i) + dim_, recent_.begin() + recent_next_ * dim_);
    recent_norms_[recent_next_] = norms[i];
    recent_next_ = (recent_next_ + 1) % capacity;
    recent_count_ = std::min(recent_count_ + 1, capacity);
  }
}

void DriftMonitor::Observe(MatrixView vectors, std::span<const float> norms, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_.enabled || vectors.rows() == 0 || vectors.dim() != dim_) return;
  dirty_ = true;
  size_t done = 0;
  if (!reference_) {
    // Collecting the default reference: these points are it, not a window's.
    done = std::min(vectors.rows(), config_.reference_size - recent_count_);
    RememberLocked(MatrixView(vectors.data(), done, dim_), norms.subspan(0, done));
    observed_ += done;
    if (recent_count_ == config_.reference_size && !BuildReferenceLocked(UnixSeconds(now)).ok()) return;
  }
  if (done == vectors.rows() || !reference_) return;
  const MatrixView rest(vectors.row(done), vectors.rows() - done, dim_);
  const auto rest_norms = norms.subspan(done);
  RememberLocked(rest, rest_norms);
  AddToWindowsLocked(rest, rest_norms, observed_, UnixSeconds(now));
  observed_ += rest.rows();
}

void DriftMonitor::AddToWindowsLocked(MatrixView vectors, std::span<const float> norms, uint64_t first_index,
                                      int64_t now) {
  const int64_t bucket = now - ((now % config_.bucket_seconds) + config_.bucket_seconds) % config_.bucket_seconds;
  auto [slot, inserted] = buckets_.try_emplace(bucket);
  if (inserted) slot->second = DriftWindow(*reference_);
  // Each point is looked at once: its statistics go into a part, which is
  // merged into the count window and the time bucket. A part ends where a
  // count window does.
  size_t i = 0;
  while (i < vectors.rows()) {
    const size_t room = config_.window_points - current_.stats.count();
    const size_t n = std::min(room, vectors.rows() - i);
    if (window_hashes_.size() >= kDuplicateMemory) window_hashes_.clear();
    DriftWindow part(*reference_);
    part.Add(*reference_, MatrixView(vectors.row(i), n, dim_), norms.subspan(i, n), first_index + i, &window_hashes_);
    current_.stats.Merge(part);
    slot->second.Merge(part);
    current_.end = now;
    i += n;
    if (current_.stats.count() >= config_.window_points) {
      closed_.push_back(std::move(current_));
      while (closed_.size() > config_.history) closed_.pop_front();
      current_ = TimedWindow{now, now, DriftWindow(*reference_)};
      window_hashes_.clear();
    }
  }
  while (buckets_.size() > config_.time_history) buckets_.erase(buckets_.begin());
}

Status DriftMonitor::BuildReferenceLocked(int64_t now) {
  // The ring's points, oldest first.
  const size_t capacity = config_.reference_size;
  const size_t first = recent_count_ < capacity ? 0 : recent_next_;
  std::vector<float> rows(recent_count_ * dim_);
  std::vector<float> norms(recent_count_);
  for (size_t i = 0; i < recent_count_; ++i) {
    const size_t slot = (first + i) % capacity;
    std::copy(&recent_[slot * dim_], &recent_[(slot + 1) * dim_], &rows[i * dim_]);
    norms[i] = recent_norms_[slot];
  }
  auto ref = BuildDriftReference(MatrixView(rows.data(), recent_count_, dim_), norms, 0, config_.params);
  if (!ref.ok()) return ref.status();
  reference_ = std::move(*ref);
  reference_built_ = now;
  ResetWindowsLocked();
  current_.start = current_.end = now;
  return Status::OK();
}

void DriftMonitor::ResetWindowsLocked() {
  closed_.clear();
  buckets_.clear();
  window_hashes_.clear();
  current_ = TimedWindow{};
  if (reference_) current_.stats = DriftWindow(*reference_);
}

Status DriftMonitor::PinBaseline(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (recent_count_ < 2) {
    return Status::InvalidArgument("Bad request: no recent points to pin as the drift baseline");
  }
  RETURN_IF_ERROR(BuildReferenceLocked(UnixSeconds(now)));
  pinned_ = true;
  dirty_ = true;
  return Status::OK();
}

void DriftMonitor::ResetBaseline() {
  std::lock_guard<std::mutex> lock(mu_);
  ResetBaselineLocked();
}

void DriftMonitor::ResetBaselineLocked() {
  reference_.reset();
  pinned_ = false;
  reference_built_ = 0;
  recent_.assign(config_.reference_size * dim_, 0);
  recent_norms_.assign(config_.reference_size, 0);
  recent_next_ = recent_count_ = 0;
  ResetWindowsLocked();
  dirty_ = true;
}

Status DriftMonitor::UpdateConfig(const DriftConfig& config) {
  RETURN_IF_ERROR(config.Validate(dim_));
  std::lock_guard<std::mutex> lock(mu_);
  const DriftParams& a = config_.params;
  const DriftParams& b = config.params;
  const bool reset_reference = config.reference_size != config_.reference_size || a.bins != b.bins ||
                               a.rff_features != b.rff_features || a.clusters != b.clusters ||
                               a.sample_every != b.sample_every || a.seed != b.seed;
  const bool reset_windows =
      config.window_points != config_.window_points || config.bucket_seconds != config_.bucket_seconds;
  config_ = config;
  dirty_ = true;
  if (reset_reference) {
    ResetBaselineLocked();  // a new reference shape: collect the default reference again
  } else if (reset_windows) {
    ResetWindowsLocked();
  }
  return Status::OK();
}

DriftConfig DriftMonitor::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

bool DriftMonitor::enabled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_.enabled;
}

DriftWindowReport DriftMonitor::Rate(const TimedWindow& w, bool open) const {
  DriftWindowReport r;
  r.start_unix = w.start;
  r.end_unix = w.end;
  r.open = open;
  const DriftThresholds& t = config_.thresholds;
  r.metrics = ComputeDriftMetrics(*reference_, w.stats, t.psi_threshold);
  const DriftMetrics& m = r.metrics;
  if (m.count == 0) return r;
  const double n = static_cast<double>(m.count);
  Rated rated;
  rated.Check("mean_euclid", m.mean_euclid, t.mean_euclid);
  rated.Check("mean_cosine", m.mean_cosine, t.mean_cosine);
  rated.Check("drifted_share", m.drifted_share, t.drifted_share);
  if (w.stats.sampled() > 0) {
    rated.Check("mmd", m.mmd, t.mmd);
    rated.Check("cluster_js", m.cluster_js, t.cluster_js);
  }
  rated.Check("norm_shift", m.norm_shift, t.norm_shift);
  rated.Check("norm_psi", m.norm_psi, t.norm_psi);
  rated.Check("zero_vectors", static_cast<double>(m.zero_vectors) / n, t.zero_vectors);
  rated.Check("norm_outliers", static_cast<double>(m.norm_outliers) / n, t.norm_outliers);
  rated.Check("duplicates", static_cast<double>(m.duplicates) / n, t.duplicates);
  r.status = rated.status;
  r.tripped = std::move(rated.tripped);
  return r;
}

DriftReport DriftMonitor::Report(const Query& query, Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  DriftReport report;
  report.enabled = config_.enabled;
  report.config = config_;
  report.reference_ready = reference_.has_value();
  report.pinned = pinned_;
  report.reference_points = reference_ ? reference_->count : recent_count_;
  report.reference_built_unix = reference_built_;
  if (reference_) {
    report.reference_spread = reference_->spread;
    report.reference_norm_mean = reference_->norm_mean;
    report.reference_norm_std = reference_->norm_std;
  }
  report.non_finite_rejected = non_finite_;
  report.observed = observed_;
  if (!reference_) return report;

  // Status: the latest closed count window, and the open one once it has enough points.
  auto worst = [&](const DriftWindowReport& r) {
    if (r.status > report.status) report.status = r.status, report.tripped = r.tripped;
  };
  if (!closed_.empty()) worst(Rate(closed_.back(), false));
  if (current_.stats.count() >= config_.min_points) worst(Rate(current_, true));

  if (query.window == "count") {
    if (current_.stats.count() > 0 && report.windows.size() < query.limit) {
      report.windows.push_back(Rate(current_, true));
    }
    for (auto it = closed_.rbegin(); it != closed_.rend() && report.windows.size() < query.limit; ++it) {
      report.windows.push_back(Rate(*it, false));
    }
    return report;
  }
  // Time windows of `seconds`, aligned to it, merged from buckets (newest first).
  const int64_t span = std::max<int64_t>(query.seconds, config_.bucket_seconds);
  std::map<int64_t, TimedWindow, std::greater<>> merged;
  for (auto it = buckets_.rbegin(); it != buckets_.rend(); ++it) {
    const int64_t start = it->first - ((it->first % span) + span) % span;
    if (merged.size() >= query.limit && !merged.contains(start)) break;
    TimedWindow& w = merged[start];
    if (w.stats.count() == 0) w.start = start, w.end = start + span;
    w.stats.Merge(it->second);
  }
  const int64_t now_s = UnixSeconds(now);
  for (const auto& [start, w] : merged) report.windows.push_back(Rate(w, start + span > now_s));
  return report;
}

DriftStatus DriftMonitor::status() const { return Report(Query{.limit = 0}).status; }

bool DriftMonitor::dirty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dirty_;
}

std::string DriftMonitor::Encode() {
  std::lock_guard<std::mutex> lock(mu_);
  dirty_ = false;
  std::string out(1, static_cast<char>(kStateVersion));
  PutBlob(&out, EncodeConfig(config_));
  PutFixed64(&out, pinned_);
  PutFixed64(&out, static_cast<uint64_t>(reference_built_));
  PutFixed64(&out, observed_);
  PutFixed64(&out, non_finite_);
  PutBlob(&out, reference_ ? EncodeDriftReference(*reference_) : std::string());
  // The points collected for the default reference (after it is built, the
  // ring only serves a later pin and is not kept: a pin after a restart uses
  // the points since).
  const size_t kept = reference_ ? 0 : recent_count_;
  PutFixed64(&out, kept);
  out.append(reinterpret_cast<const char*>(recent_.data()), kept * dim_ * sizeof(float));
  out.append(reinterpret_cast<const char*>(recent_norms_.data()), kept * sizeof(float));
  auto put_window = [&out](const TimedWindow& w) {
    PutFixed64(&out, static_cast<uint64_t>(w.start));
    PutFixed64(&out, static_cast<uint64_t>(w.end));
    PutBlob(&out, w.stats.Encode());
  };
  put_window(current_);
  PutFixed64(&out, closed_.size());
  for (const TimedWindow& w : closed_) put_window(w);
  PutFixed64(&out, buckets_.size());
  for (const auto& [start, stats] : buckets_) put_window(TimedWindow{start, start, stats});
  return out;
}

Result<std::unique_ptr<DriftMonitor>> DriftMonitor::Decode(size_t dim, std::string_view in) {
  auto corrupt = [] { return Status::Corruption("drift state: truncated or damaged"); };
  if (in.empty() || static_cast<uint8_t>(in[0]) != kStateVersion) return Status::Corruption("drift state: unknown version");
  in.remove_prefix(1);
  std::string_view blob;
  DriftConfig config;
  if (!GetBlob(&in, &blob) || !DecodeConfig(blob, &config) || !config.Validate(dim).ok()) return corrupt();
  auto m = std::make_unique<DriftMonitor>(dim, config);
  uint64_t pinned = 0, built = 0, kept = 0;
  if (!GetU64(&in, &pinned) || !GetU64(&in, &built) || !GetU64(&in, &m->observed_) || !GetU64(&in, &m->non_finite_) ||
      !GetBlob(&in, &blob)) {
    return corrupt();
  }
  m->pinned_ = pinned != 0;
  m->reference_built_ = static_cast<int64_t>(built);
  if (!blob.empty()) {
    ASSIGN_OR_RETURN(DriftReference ref, DecodeDriftReference(blob));
    if (ref.dim != dim) return corrupt();
    m->reference_ = std::move(ref);
  }
  if (!GetU64(&in, &kept) || kept > config.reference_size || in.size() < kept * (dim + 1) * sizeof(float)) {
    return corrupt();
  }
  std::memcpy(m->recent_.data(), in.data(), kept * dim * sizeof(float));
  in.remove_prefix(kept * dim * sizeof(float));
  std::memcpy(m->recent_norms_.data(), in.data(), kept * sizeof(float));
  in.remove_prefix(kept * sizeof(float));
  m->recent_count_ = kept;
  m->recent_next_ = kept % config.reference_size;
  auto get_window = [&](TimedWindow* w) -> bool {
    uint64_t start = 0, end = 0;
    if (!GetU64(&in, &start) || !GetU64(&in, &end) || !GetBlob(&in, &blob)) return false;
    auto stats = DriftWindow::Decode(blob);
    if (!stats.ok()) return false;
    // Its sizes must be the reference's, or adding to it would overrun.
    if (stats->count() == 0 && m->reference_) *stats = DriftWindow(*m->reference_);
    if (stats->count() > 0 && (!m->reference_ || !stats->Matches(*m->reference_))) return false;
    *w = TimedWindow{static_cast<int64_t>(start), static_cast<int64_t>(end), std::move(*stats)};
    return true;
  };
  uint64_t n = 0;
  if (!get_window(&m->current_) || !GetU64(&in, &n) || n > config.history) return corrupt();
  for (uint64_t i = 0; i < n; ++i) {
    TimedWindow w;
    if (!get_window(&w)) return corrupt();
    m->closed_.push_back(std::move(w));
  }
  if (!GetU64(&in, &n) || n > config.time_history) return corrupt();
  for (uint64_t i = 0; i < n; ++i) {
    TimedWindow w;
    if (!get_window(&w)) return corrupt();
    m->buckets_[w.start] = std::move(w.stats);
  }
  if (!in.empty()) return corrupt();
  m->dirty_ = false;
  return m;
}

}  // namespace sextant
