#include "core/drift/drift_monitor.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <utility>

#include "core/drift/drift_encoding.h"

namespace sextant {

namespace {

constexpr uint8_t kStateVersion = 2;  // 2: closed windows keep their metrics only
// Duplicates are looked for among at most this many earlier vectors of a window.
constexpr size_t kDuplicateMemory = size_t{1} << 16;
// The ring of recent points holds at most this many bytes of vectors.
constexpr size_t kMaxRecentBytes = size_t{64} << 20;
// One open window's statistics, the random features and the centroids: at
// most this many bytes each (five open windows and a reference exist at once).
constexpr size_t kMaxPartBytes = size_t{16} << 20;
constexpr size_t kMaxHistory = 100000;

int64_t UnixSeconds(DriftMonitor::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Every threshold, in the order they are encoded.
template <typename Thresholds>
auto ThresholdList(Thresholds& t) {
  return std::array{&t.mean_euclid, &t.mean_cosine, &t.drifted_share, &t.mmd,           &t.norm_shift,
                    &t.norm_psi,    &t.cluster_js,  &t.zero_vectors,  &t.norm_outliers, &t.duplicates};
}

// The config, field by field (a new field goes at the end with a new state version).
std::string EncodeConfig(const DriftConfig& c) {
  DriftWriter w;
  for (uint64_t v : {uint64_t{c.enabled}, uint64_t{c.reference_size}, uint64_t{c.window_points},
                     uint64_t{c.history}, uint64_t{c.time_history}, uint64_t{c.min_points}}) {
    w.U64(v);
  }
  for (const DriftThreshold* th : ThresholdList(c.thresholds)) {
    w.F64(th->warning);
    w.F64(th->drift);
  }
  w.F64(c.thresholds.psi_threshold);
  for (uint64_t v : {uint64_t{c.params.bins}, uint64_t{c.params.rff_features}, uint64_t{c.params.clusters},
                     uint64_t{c.params.sample_every}, c.params.seed}) {
    w.U64(v);
  }
  return std::move(w.out());
}

bool DecodeConfig(std::string_view in, DriftConfig* c) {
  DriftReader r(in);
  uint64_t v[6];
  for (uint64_t& x : v) {
    if (!r.U64(&x)) return false;
  }
  c->enabled = v[0] != 0;
  c->reference_size = v[1];
  c->window_points = v[2];
  c->history = v[3];
  c->time_history = v[4];
  c->min_points = v[5];
  for (DriftThreshold* th : ThresholdList(c->thresholds)) {
    if (!r.F64(&th->warning) || !r.F64(&th->drift)) return false;
  }
  if (!r.F64(&c->thresholds.psi_threshold)) return false;
  uint64_t p[5];
  for (uint64_t& x : p) {
    if (!r.U64(&x)) return false;
  }
  c->params.bins = p[0];
  c->params.rff_features = p[1];
  c->params.clusters = p[2];
  c->params.sample_every = p[3];
  c->params.seed = p[4];
  return r.done();
}

void PutMetrics(DriftWriter& w, uint64_t sampled, const DriftMetrics& m) {
  for (uint64_t v : {m.count, sampled, m.zero_vectors, m.norm_outliers, m.duplicates}) w.U64(v);
  for (double v : {m.mean_euclid, m.mean_cosine, m.drifted_share, m.mean_psi, m.mmd, m.norm_shift, m.norm_psi,
                   m.cluster_js}) {
    w.F64(v);
  }
}

bool GetMetrics(DriftReader& r, uint64_t* sampled, DriftMetrics* m) {
  for (uint64_t* v : {&m->count, sampled, &m->zero_vectors, &m->norm_outliers, &m->duplicates}) {
    if (!r.U64(v)) return false;
  }
  for (double* v : {&m->mean_euclid, &m->mean_cosine, &m->drifted_share, &m->mean_psi, &m->mmd, &m->norm_shift,
                    &m->norm_psi, &m->cluster_js}) {
    if (!r.F64(v)) return false;
  }
  return true;
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
  // Sizes are compared by division: a product of client-given numbers can wrap.
  auto fits = [dim](size_t count, size_t bytes_each, size_t budget) {
    return dim == 0 || count <= budget / (dim * bytes_each);
  };
  if (reference_size < 2) return bad("reference_size must be at least 2");
  if (!fits(reference_size, sizeof(float), kMaxRecentBytes)) {
    return bad("reference_size x vector size must stay within " + std::to_string(kMaxRecentBytes >> 20) + " MiB");
  }
  if (window_points < 1) return bad("window_points must be at least 1");
  if (history < 1 || history > kMaxHistory) return bad("history must be in [1, 100000]");
  if (time_history < 1 || time_history > kMaxHistory) return bad("time_history must be in [1, 100000]");
  if (params.bins < 2 || params.bins > 1000) return bad("bins must be in [2, 1000]");
  if (params.rff_features < 1 || params.rff_features > 4096) return bad("rff_features must be in [1, 4096]");
  if (params.clusters < 1 || params.clusters > 4096) return bad("clusters must be in [1, 4096]");
  if (!fits(params.bins, sizeof(uint64_t), kMaxPartBytes) || !fits(params.rff_features, sizeof(float), kMaxPartBytes) ||
      !fits(params.clusters, sizeof(float), kMaxPartBytes)) {
    return bad("bins, rff_features and clusters x vector size must each stay within " +
               std::to_string(kMaxPartBytes >> 20) + " MiB");
  }
  if (params.sample_every < 1) return bad("sample_every must be at least 1");
  if (min_points < 1) return bad("min_points must be at least 1");
  const std::pair<const char*, DriftThreshold> named[] = {
      {"mean_euclid", thresholds.mean_euclid},     {"mean_cosine", thresholds.mean_cosine},
      {"drifted_share", thresholds.drifted_share}, {"mmd", thresholds.mmd},
      {"norm_shift", thresholds.norm_shift},       {"norm_psi", thresholds.norm_psi},
      {"cluster_js", thresholds.cluster_js},       {"zero_vectors", thresholds.zero_vectors},
      {"norm_outliers", thresholds.norm_outliers}, {"duplicates", thresholds.duplicates}};
  for (const auto& [name, t] : named) {
    if (!(t.warning >= 0 && t.warning <= t.drift && std::isfinite(t.drift))) {
      return bad(std::string("threshold ") + name + ": need 0 <= warning <= drift, both finite");
    }
  }
  if (!(thresholds.psi_threshold >= 0 && std::isfinite(thresholds.psi_threshold))) {
    return bad("psi_threshold must be a finite number >= 0");
  }
  return Status::OK();
}

DriftConfig DefaultDriftConfig(size_t dim) {
  DriftConfig config;
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
  RollTimeWindowsLocked(now);
  for (OpenWindow& w : open_span_) {
    if (w.stats.count() == 0) w.stats = DriftWindow(*reference_);
  }
  // Each point is looked at once: its statistics go into a part, which is
  // merged into the count window and the time windows. A part ends where a
  // count window does.
  size_t i = 0;
  while (i < vectors.rows()) {
    const size_t room = config_.window_points - current_.stats.count();
    const size_t n = std::min(room, vectors.rows() - i);
    if (window_hashes_.size() >= kDuplicateMemory) window_hashes_.Clear();
    DriftWindow part(*reference_);
    part.Add(*reference_, MatrixView(vectors.row(i), n, dim_), norms.subspan(i, n), first_index + i, &window_hashes_);
    current_.stats.Merge(part);
    for (OpenWindow& w : open_span_) w.stats.Merge(part);
    current_.end = now;
    i += n;
    if (current_.stats.count() >= config_.window_points) {
      closed_.push_back(CloseLocked(current_));
      while (closed_.size() > config_.history) closed_.pop_front();
      current_ = OpenWindow{now, now, DriftWindow(*reference_)};
      window_hashes_.Clear();
    }
  }
}

void DriftMonitor::RollTimeWindowsLocked(int64_t now) {
  for (int s = 0; s < kSpans; ++s) {
    const int64_t span = kSpanSeconds[s];
    const int64_t start = now - ((now % span) + span) % span;
    OpenWindow& w = open_span_[s];
    if (w.start == start) continue;
    if (w.stats.count() > 0) {
      closed_span_[s].push_back(CloseLocked(w));
      while (closed_span_[s].size() > config_.time_history) closed_span_[s].pop_front();
    }
    w = OpenWindow{start, start + span, DriftWindow()};
  }
}

DriftMonitor::ClosedWindow DriftMonitor::CloseLocked(const OpenWindow& w) const {
  return ClosedWindow{w.start, w.end, w.stats.sampled(),
                      ComputeDriftMetrics(*reference_, w.stats, config_.thresholds.psi_threshold)};
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
  window_hashes_.Clear();
  current_ = OpenWindow{};
  if (reference_) current_.stats = DriftWindow(*reference_);
  for (int s = 0; s < kSpans; ++s) {
    open_span_[s] = OpenWindow{};
    closed_span_[s].clear();
  }
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
  const bool reset_windows = config.window_points != config_.window_points;
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

DriftWindowReport DriftMonitor::Rate(int64_t start, int64_t end, bool open, uint64_t sampled,
                                     const DriftMetrics& m) const {
  DriftWindowReport r;
  r.start_unix = start;
  r.end_unix = end;
  r.open = open;
  r.metrics = m;
  if (m.count == 0) return r;
  const DriftThresholds& t = config_.thresholds;
  const double n = static_cast<double>(m.count);
  Rated rated;
  rated.Check("mean_euclid", m.mean_euclid, t.mean_euclid);
  rated.Check("mean_cosine", m.mean_cosine, t.mean_cosine);
  rated.Check("drifted_share", m.drifted_share, t.drifted_share);
  if (sampled > 0) {
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

  auto rate_open = [&](const OpenWindow& w, bool open) {
    return Rate(w.start, w.end, open, w.stats.sampled(),
                ComputeDriftMetrics(*reference_, w.stats, config_.thresholds.psi_threshold));
  };
  auto rate_closed = [&](const ClosedWindow& w) { return Rate(w.start, w.end, false, w.sampled, w.metrics); };
  // Status: the latest closed count window, and the open one once it has enough points.
  auto worst = [&](const DriftWindowReport& r) {
    if (r.status > report.status) report.status = r.status, report.tripped = r.tripped;
  };
  if (!closed_.empty()) worst(rate_closed(closed_.back()));
  if (current_.stats.count() >= config_.min_points) worst(rate_open(current_, true));

  const std::deque<ClosedWindow>* closed = &closed_;
  const OpenWindow* open = &current_;
  bool open_now = true;
  if (query.window != "count") {
    const int s = query.window == "minute" ? 0 : query.window == "hour" ? 1 : 2;
    closed = &closed_span_[s];
    open = &open_span_[s];
    open_now = open->end > UnixSeconds(now);  // no point since its span ended: closed, not yet rolled
  }
  if (open->stats.count() > 0 && report.windows.size() < query.limit) report.windows.push_back(rate_open(*open, open_now));
  for (auto it = closed->rbegin(); it != closed->rend() && report.windows.size() < query.limit; ++it) {
    report.windows.push_back(rate_closed(*it));
  }
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
  DriftWriter w;
  w.out().push_back(static_cast<char>(kStateVersion));
  w.Blob(EncodeConfig(config_));
  w.U64(pinned_);
  w.U64(static_cast<uint64_t>(reference_built_));
  w.U64(observed_);
  w.U64(non_finite_);
  w.Blob(reference_ ? EncodeDriftReference(*reference_) : std::string());
  // The points collected for the default reference (after it is built, the
  // ring only serves a later pin and is not kept: a pin after a restart uses
  // the points since).
  const size_t kept = reference_ ? 0 : recent_count_;
  w.U64(kept);
  w.Floats(recent_.data(), kept * dim_);
  w.Floats(recent_norms_.data(), kept);
  auto put_open = [&w](const OpenWindow& t) {
    w.U64(static_cast<uint64_t>(t.start));
    w.U64(static_cast<uint64_t>(t.end));
    w.Blob(t.stats.Encode());
  };
  auto put_closed = [&w](const std::deque<ClosedWindow>& list) {
    w.U64(list.size());
    for (const ClosedWindow& t : list) {
      w.U64(static_cast<uint64_t>(t.start));
      w.U64(static_cast<uint64_t>(t.end));
      PutMetrics(w, t.sampled, t.metrics);
    }
  };
  put_open(current_);
  put_closed(closed_);
  for (int s = 0; s < kSpans; ++s) {
    put_open(open_span_[s]);
    put_closed(closed_span_[s]);
  }
  return std::move(w.out());
}

Result<std::unique_ptr<DriftMonitor>> DriftMonitor::Decode(size_t dim, std::string_view in) {
  auto corrupt = [] { return Status::Corruption("drift state: truncated or damaged"); };
  if (in.empty() || static_cast<uint8_t>(in[0]) != kStateVersion) return Status::Corruption("drift state: unknown version");
  DriftReader r(in.substr(1));
  std::string_view blob;
  DriftConfig config;
  if (!r.Blob(&blob) || !DecodeConfig(blob, &config) || !config.Validate(dim).ok()) return corrupt();
  auto m = std::make_unique<DriftMonitor>(dim, config);
  uint64_t pinned = 0, built = 0, kept = 0;
  if (!r.U64(&pinned) || !r.U64(&built) || !r.U64(&m->observed_) || !r.U64(&m->non_finite_) || !r.Blob(&blob)) {
    return corrupt();
  }
  m->pinned_ = pinned != 0;
  m->reference_built_ = static_cast<int64_t>(built);
  if (!blob.empty()) {
    ASSIGN_OR_RETURN(DriftReference ref, DecodeDriftReference(blob));
    if (ref.dim != dim) return corrupt();
    m->reference_ = std::move(ref);
  }
  if (!r.U64(&kept) || kept > config.reference_size || !r.Floats(m->recent_.data(), kept * dim) ||
      !r.Floats(m->recent_norms_.data(), kept)) {
    return corrupt();
  }
  m->recent_count_ = kept;
  m->recent_next_ = kept % config.reference_size;
  auto get_open = [&](OpenWindow* w) -> bool {
    uint64_t start = 0, end = 0;
    if (!r.U64(&start) || !r.U64(&end) || !r.Blob(&blob)) return false;
    auto stats = DriftWindow::Decode(blob);
    if (!stats.ok()) return false;
    // Its sizes must be the reference's, or adding to it would overrun.
    if (stats->count() > 0 && (!m->reference_ || !stats->Matches(*m->reference_))) return false;
    if (stats->count() == 0) *stats = m->reference_ ? DriftWindow(*m->reference_) : DriftWindow();
    *w = OpenWindow{static_cast<int64_t>(start), static_cast<int64_t>(end), std::move(*stats)};
    return true;
  };
  auto get_closed = [&](std::deque<ClosedWindow>* list, size_t max) -> bool {
    uint64_t n = 0;
    if (!r.U64(&n) || n > max) return false;
    for (uint64_t i = 0; i < n; ++i) {
      ClosedWindow w;
      uint64_t start = 0, end = 0;
      if (!r.U64(&start) || !r.U64(&end) || !GetMetrics(r, &w.sampled, &w.metrics)) return false;
      w.start = static_cast<int64_t>(start);
      w.end = static_cast<int64_t>(end);
      list->push_back(w);
    }
    return true;
  };
  if (!get_open(&m->current_) || !get_closed(&m->closed_, config.history)) return corrupt();
  for (int s = 0; s < kSpans; ++s) {
    if (!get_open(&m->open_span_[s]) || !get_closed(&m->closed_span_[s], config.time_history)) return corrupt();
  }
  if (!r.done()) return corrupt();
  m->dirty_ = false;
  return m;
}

}  // namespace sextant
