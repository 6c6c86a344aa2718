#include "core/drift/drift_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <string_view>

#include <xxhash.h>

#include "core/drift/drift_encoding.h"
#include "core/drift/random_features.h"
#include "index/distance.h"

namespace sextant {

namespace {

constexpr double kShareFloor = 1e-4;        // PSI: empty bins count as this share
constexpr double kOutlierSigmas = 6;        // norm outliers: this many reference std away
constexpr double kMinNormStdShare = 0.01;   // ... with std at least this share of the mean norm
constexpr size_t kBandwidthSample = 500;    // reference points for the median distance
constexpr size_t kKMeansIterations = 12;
constexpr uint8_t kEncodingVersion = 1;

bool Sampled(uint64_t stream_index, size_t every) { return every <= 1 || stream_index % every == 0; }

// The bin of x: how many edges are <= x (values on an edge go up).
size_t BinOf(const float* edges, size_t n_edges, float x) {
  return static_cast<size_t>(std::upper_bound(edges, edges + n_edges, x) - edges);
}

// Inner quantile edges of `values` (reordered): the value at rank k*n/bins,
// each found by partitioning what lies above the previous one (the same
// values a full sort would give; O(n) a bin, cheaper than sorting for the
// default 10 bins).
std::vector<float> QuantileEdges(std::span<float> values, size_t bins) {
  std::vector<float> edges;
  auto from = values.begin();
  for (size_t k = 1; k < bins; ++k) {
    const auto at = values.begin() + static_cast<std::ptrdiff_t>(k * values.size() / bins);
    std::nth_element(from, at, values.end());
    edges.push_back(*at);
    from = at;
  }
  return edges;
}

std::vector<double> Shares(std::span<const float> values, const float* edges, size_t bins) {
  std::vector<double> share(bins, 0);
  for (float v : values) share[BinOf(edges, bins - 1, v)] += 1;
  for (double& s : share) s /= static_cast<double>(values.size());
  return share;
}

void DeriveEdgesByRank(DriftReference* ref) {
  const size_t d = ref->dim, inner = ref->params.bins - 1;
  ref->edges_by_rank.resize(inner * d);
  for (size_t x = 0; x < d; ++x) {
    for (size_t k = 0; k < inner; ++k) ref->edges_by_rank[k * d + x] = ref->edges[x * inner + k];
  }
}

// Counts each dimension of v into its bin (counts is dim x bins). The bin is
// how many of the dimension's edges are <= the value, as BinOf finds by
// binary search; here 16 dimensions at a time are compared with each rank's
// edges, branch-free, with their counters in vector registers.
void CountBins(const DriftReference& ref, const float* v, uint64_t* counts) {
  constexpr size_t kBlock = 16;
  const size_t d = ref.dim, bins = ref.params.bins, inner = bins - 1;
  size_t x0 = 0;
  for (; x0 + kBlock <= d; x0 += kBlock) {
    uint32_t bin[kBlock] = {};
    for (size_t k = 0; k < inner; ++k) {
      const float* e = &ref.edges_by_rank[k * d + x0];
      for (size_t j = 0; j < kBlock; ++j) bin[j] += v[x0 + j] >= e[j];
    }
    for (size_t j = 0; j < kBlock; ++j) ++counts[(x0 + j) * bins + bin[j]];
  }
  for (; x0 < d; ++x0) ++counts[x0 * bins + BinOf(&ref.edges[x0 * inner], inner, v[x0])];
}

uint64_t HashVector(const float* x, size_t dim) { return XXH3_64bits(x, dim * sizeof(float)); }

// k-means++ seeding, then Lloyd iterations (an empty cluster keeps its centroid).
void KMeans(MatrixView points, size_t k, std::mt19937_64& rng, std::vector<float>* out) {
  const size_t d = points.dim(), n = points.rows();
  const DistanceFn l2 = ActiveKernels().l2_sqr;
  std::vector<float>& c = *out;
  c.assign(k * d, 0);
  std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
  size_t first = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  std::copy(points.row(first), points.row(first) + d, c.begin());
  for (size_t j = 1; j < k; ++j) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      nearest[i] = std::min(nearest[i], double{l2(points.row(i), &c[(j - 1) * d], d)});
      total += nearest[i];
    }
    size_t pick = 0;
    if (total > 0) {
      double r = std::uniform_real_distribution<double>(0, total)(rng);
      for (pick = 0; pick + 1 < n && r >= nearest[pick]; ++pick) r -= nearest[pick];
    } else {
      pick = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
    }
    std::copy(points.row(pick), points.row(pick) + d, c.begin() + j * d);
  }
  std::vector<double> sums(k * d);
  std::vector<size_t> counts(k);
  for (size_t it = 0; it < kKMeansIterations; ++it) {
    std::fill(sums.begin(), sums.end(), 0);
    std::fill(counts.begin(), counts.end(), 0);
    for (size_t i = 0; i < n; ++i) {
      size_t best = 0;
      float best_d = l2(points.row(i), &c[0], d);
      for (size_t j = 1; j < k; ++j) {
        const float dist = l2(points.row(i), &c[j * d], d);
        if (dist < best_d) best_d = dist, best = j;
      }
      ++counts[best];
      for (size_t x = 0; x < d; ++x) sums[best * d + x] += points.row(i)[x];
    }
    for (size_t j = 0; j < k; ++j) {
      if (counts[j] == 0) continue;
      for (size_t x = 0; x < d; ++x) c[j * d + x] = static_cast<float>(sums[j * d + x] / counts[j]);
    }
  }
}

}  // namespace

Result<DriftReference> BuildDriftReference(MatrixView vectors, std::span<const float> norms,
                                           uint64_t stream_index, const DriftParams& params) {
  const size_t n = vectors.rows(), d = vectors.dim();
  if (n < 2 || norms.size() != n || d == 0) return Status::InvalidArgument("a drift reference needs 2 or more points");
  if (params.bins < 2 || params.clusters < 1 || params.sample_every < 1) {
    return Status::InvalidArgument("bad drift parameters");
  }
  DriftReference ref;
  ref.params = params;
  ref.dim = d;
  ref.count = n;
  ref.mean.assign(d, 0);
  ref.variance.assign(d, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t x = 0; x < d; ++x) ref.mean[x] += vectors.row(i)[x];
  }
  for (double& m : ref.mean) m /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t x = 0; x < d; ++x) {
      const double dev = vectors.row(i)[x] - ref.mean[x];
      ref.variance[x] += dev * dev;
    }
  }
  double total_variance = 0;
  for (double& v : ref.variance) total_variance += (v /= static_cast<double>(n));
  ref.spread = std::sqrt(total_variance);

  const size_t bins = params.bins;
  ref.edges.reserve(d * (bins - 1));
  ref.bin_share.reserve(d * bins);
  // Columns, transposed in one pass over the rows (not one strided pass per
  // dimension).
  std::vector<float> columns(d * n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t x = 0; x < d; ++x) columns[x * n + i] = vectors.row(i)[x];
  }
  for (size_t x = 0; x < d; ++x) {
    const std::span<float> column(&columns[x * n], n);
    const std::vector<float> edges = QuantileEdges(column, bins);
    const std::vector<double> share = Shares(column, edges.data(), bins);
    ref.edges.insert(ref.edges.end(), edges.begin(), edges.end());
    ref.bin_share.insert(ref.bin_share.end(), share.begin(), share.end());
  }

  double norm_sum = 0, norm_sq = 0;
  for (float v : norms) norm_sum += v, norm_sq += double{v} * v;
  DeriveEdgesByRank(&ref);
  ref.norm_mean = norm_sum / n;
  ref.norm_std = std::sqrt(std::max(0.0, norm_sq / n - ref.norm_mean * ref.norm_mean));
  std::vector<float> sorted_norms(norms.begin(), norms.end());
  ref.norm_edges = QuantileEdges(sorted_norms, bins);
  ref.norm_bin_share = Shares(sorted_norms, ref.norm_edges.data(), bins);

  // RBF bandwidth: the median distance between reference points.
  const DistanceFn l2 = ActiveKernels().l2_sqr;
  const size_t m = std::min(n, kBandwidthSample);
  std::vector<float> distances;
  distances.reserve(m * (m - 1) / 2);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = i + 1; j < m; ++j) distances.push_back(std::sqrt(l2(vectors.row(i), vectors.row(j), d)));
  }
  std::nth_element(distances.begin(), distances.begin() + distances.size() / 2, distances.end());
  ref.bandwidth = distances[distances.size() / 2] > 0 ? distances[distances.size() / 2] : 1.0f;

  std::mt19937_64 rng(params.seed);
  std::normal_distribution<float> gauss(0.0f, 1.0f / ref.bandwidth);
  std::uniform_real_distribution<float> phase(0.0f, 2.0f * std::numbers::pi_v<float>);
  ref.rff_w.resize(params.rff_features * d);
  for (float& w : ref.rff_w) w = gauss(rng);
  ref.rff_b.resize(params.rff_features);
  for (float& b : ref.rff_b) b = phase(rng);

  const size_t k = std::min(params.clusters, n);
  KMeans(vectors, k, rng, &ref.centroids);

  // Reference shares of the sampled metrics, on the reference's sampled points.
  ref.rff_mean.assign(params.rff_features, 0);
  ref.cluster_share.assign(k, 0);
  std::vector<const float*> sampled;
  for (size_t i = 0; i < n; ++i) {
    if (!Sampled(stream_index + i, params.sample_every)) continue;
    sampled.push_back(vectors.row(i));
    ref.cluster_share[NearestCentroid(ref, vectors.row(i))] += 1;
  }
  AddRandomFeatures(ref.rff_w, ref.rff_b, d, sampled.data(), sampled.size(), ref.rff_mean.data());
  const double shares = static_cast<double>(std::max<size_t>(sampled.size(), 1));
  for (double& v : ref.rff_mean) v /= shares;
  for (double& v : ref.cluster_share) v /= shares;
  return ref;
}

size_t NearestCentroid(const DriftReference& ref, const float* x) {
  const size_t d = ref.dim, k = ref.cluster_share.size();
  const DistanceFn l2 = ActiveKernels().l2_sqr;
  size_t best = 0;
  float best_d = l2(x, &ref.centroids[0], d);
  for (size_t j = 1; j < k; ++j) {
    const float dist = l2(x, &ref.centroids[j * d], d);
    if (dist < best_d) best_d = dist, best = j;
  }
  return best;
}

DriftWindow::DriftWindow(const DriftReference& ref)
    : sum_(ref.dim, 0),
      bin_count_(ref.dim * ref.params.bins, 0),
      norm_bin_count_(ref.params.bins, 0),
      rff_sum_(ref.rff_b.size(), 0),
      cluster_count_(ref.cluster_share.size(), 0) {}

bool DriftWindow::Matches(const DriftReference& ref) const {
  return sum_.size() == ref.dim && bin_count_.size() == ref.dim * ref.params.bins &&
         norm_bin_count_.size() == ref.params.bins && rff_sum_.size() == ref.rff_b.size() &&
         cluster_count_.size() == ref.cluster_share.size();
}

void DriftWindow::Add(const DriftReference& ref, MatrixView vectors, std::span<const float> norms,
                      uint64_t stream_index, FingerprintSet* seen) {
  const size_t d = ref.dim, bins = ref.params.bins;
  const double norm_scale = std::max(ref.norm_std, kMinNormStdShare * ref.norm_mean);
  std::vector<const float*> sampled;
  for (size_t i = 0; i < vectors.rows(); ++i) {
    const float* v = vectors.row(i);
    ++count_;
    CountBins(ref, v, bin_count_.data());
    for (size_t x = 0; x < d; ++x) sum_[x] += v[x];
    const float norm = norms[i];
    norm_sum_ += norm;
    ++norm_bin_count_[BinOf(ref.norm_edges.data(), bins - 1, norm)];
    if (norm == 0) {
      ++zero_vectors_;
    } else if (std::abs(norm - ref.norm_mean) > kOutlierSigmas * norm_scale) {
      ++norm_outliers_;
    }
    if (seen != nullptr && !seen->Insert(HashVector(v, d))) ++duplicates_;
    if (Sampled(stream_index + i, ref.params.sample_every)) {
      sampled.push_back(v);
      ++cluster_count_[NearestCentroid(ref, v)];
    }
  }
  sampled_ += sampled.size();
  AddRandomFeatures(ref.rff_w, ref.rff_b, d, sampled.data(), sampled.size(), rff_sum_.data());
}

void DriftWindow::Merge(const DriftWindow& o) {
  if (sum_.empty()) {
    *this = o;
    return;
  }
  count_ += o.count_;
  sampled_ += o.sampled_;
  for (size_t i = 0; i < sum_.size() && i < o.sum_.size(); ++i) sum_[i] += o.sum_[i];
  for (size_t i = 0; i < bin_count_.size() && i < o.bin_count_.size(); ++i) bin_count_[i] += o.bin_count_[i];
  norm_sum_ += o.norm_sum_;
  for (size_t i = 0; i < norm_bin_count_.size() && i < o.norm_bin_count_.size(); ++i) {
    norm_bin_count_[i] += o.norm_bin_count_[i];
  }
  for (size_t i = 0; i < rff_sum_.size() && i < o.rff_sum_.size(); ++i) rff_sum_[i] += o.rff_sum_[i];
  for (size_t i = 0; i < cluster_count_.size() && i < o.cluster_count_.size(); ++i) {
    cluster_count_[i] += o.cluster_count_[i];
  }
  zero_vectors_ += o.zero_vectors_;
  norm_outliers_ += o.norm_outliers_;
  duplicates_ += o.duplicates_;
}

std::string DriftWindow::Encode() const {
  DriftWriter w;
  w.out().push_back(static_cast<char>(kEncodingVersion));
  w.U64(count_);
  w.U64(sampled_);
  w.Vec(sum_);
  w.Vec(bin_count_);
  w.F64(norm_sum_);
  w.Vec(norm_bin_count_);
  w.Vec(rff_sum_);
  w.Vec(cluster_count_);
  w.U64(zero_vectors_);
  w.U64(norm_outliers_);
  w.U64(duplicates_);
  return std::move(w.out());
}

Result<DriftWindow> DriftWindow::Decode(std::string_view in) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kEncodingVersion) {
    return Status::Corruption("drift window: unknown encoding");
  }
  DriftReader r(in.substr(1));
  DriftWindow w;
  if (!r.U64(&w.count_) || !r.U64(&w.sampled_) || !r.Vec(&w.sum_) || !r.Vec(&w.bin_count_) ||
      !r.F64(&w.norm_sum_) || !r.Vec(&w.norm_bin_count_) || !r.Vec(&w.rff_sum_) || !r.Vec(&w.cluster_count_) ||
      !r.U64(&w.zero_vectors_) || !r.U64(&w.norm_outliers_) || !r.U64(&w.duplicates_) || !r.done()) {
    return Status::Corruption("drift window: truncated or damaged");
  }
  return w;
}

double Psi(std::span<const double> share, std::span<const double> reference) {
  double psi = 0;
  for (size_t k = 0; k < share.size() && k < reference.size(); ++k) {
    const double c = std::max(share[k], kShareFloor), r = std::max(reference[k], kShareFloor);
    psi += (c - r) * std::log(c / r);
  }
  return psi;
}

double JensenShannon(std::span<const double> p, std::span<const double> q) {
  double js = 0;
  for (size_t k = 0; k < p.size() && k < q.size(); ++k) {
    const double m = (p[k] + q[k]) / 2;
    if (p[k] > 0) js += 0.5 * p[k] * std::log2(p[k] / m);
    if (q[k] > 0) js += 0.5 * q[k] * std::log2(q[k] / m);
  }
  return std::max(0.0, js);
}

DriftMetrics ComputeDriftMetrics(const DriftReference& ref, const DriftWindow& w, double psi_threshold) {
  DriftMetrics m;
  m.count = w.count_;
  m.zero_vectors = w.zero_vectors_;
  m.norm_outliers = w.norm_outliers_;
  m.duplicates = w.duplicates_;
  if (w.count_ == 0 || w.sum_.size() != ref.dim) return m;
  const double n = static_cast<double>(w.count_);
  const size_t d = ref.dim, bins = ref.params.bins;

  double diff_sq = 0, dot = 0, cur_sq = 0, ref_sq = 0;
  for (size_t x = 0; x < d; ++x) {
    const double cur = w.sum_[x] / n;
    diff_sq += (cur - ref.mean[x]) * (cur - ref.mean[x]);
    dot += cur * ref.mean[x];
    cur_sq += cur * cur;
    ref_sq += ref.mean[x] * ref.mean[x];
  }
  m.mean_euclid = ref.spread > 0 ? std::sqrt(diff_sq) / ref.spread : 0;
  m.mean_cosine = cur_sq > 0 && ref_sq > 0 ? 1 - dot / std::sqrt(cur_sq * ref_sq) : 0;

  std::vector<double> share(bins);
  size_t drifted = 0;
  double psi_sum = 0;
  for (size_t x = 0; x < d; ++x) {
    for (size_t k = 0; k < bins; ++k) share[k] = static_cast<double>(w.bin_count_[x * bins + k]) / n;
    const double psi = Psi(share, std::span<const double>(&ref.bin_share[x * bins], bins));
    psi_sum += psi;
    drifted += psi > psi_threshold;
  }
  m.drifted_share = static_cast<double>(drifted) / static_cast<double>(d);
  m.mean_psi = psi_sum / static_cast<double>(d);

  const double norm_mean = w.norm_sum_ / n;
  const double norm_scale = std::max(ref.norm_std, kMinNormStdShare * ref.norm_mean);
  m.norm_shift = norm_scale > 0 ? std::abs(norm_mean - ref.norm_mean) / norm_scale : 0;
  for (size_t k = 0; k < bins; ++k) share[k] = static_cast<double>(w.norm_bin_count_[k]) / n;
  m.norm_psi = Psi(share, ref.norm_bin_share);

  if (w.sampled_ > 0) {
    const double s = static_cast<double>(w.sampled_);
    for (size_t f = 0; f < ref.rff_mean.size(); ++f) {
      const double delta = w.rff_sum_[f] / s - ref.rff_mean[f];
      m.mmd += delta * delta;
    }
    std::vector<double> clusters(ref.cluster_share.size());
    for (size_t k = 0; k < clusters.size(); ++k) clusters[k] = static_cast<double>(w.cluster_count_[k]) / s;
    m.cluster_js = JensenShannon(clusters, ref.cluster_share);
  }
  return m;
}

std::string EncodeDriftReference(const DriftReference& ref) {
  DriftWriter w;
  w.out().push_back(static_cast<char>(kEncodingVersion));
  w.U64(ref.params.bins);
  w.U64(ref.params.rff_features);
  w.U64(ref.params.clusters);
  w.U64(ref.params.sample_every);
  w.U64(ref.params.seed);
  w.U64(ref.dim);
  w.U64(ref.count);
  w.Vec(ref.mean);
  w.Vec(ref.variance);
  w.F64(ref.spread);
  w.Vec(ref.edges);
  w.Vec(ref.bin_share);
  w.F64(ref.norm_mean);
  w.F64(ref.norm_std);
  w.Vec(ref.norm_edges);
  w.Vec(ref.norm_bin_share);
  w.F32(ref.bandwidth);
  w.Vec(ref.rff_w);
  w.Vec(ref.rff_b);
  w.Vec(ref.rff_mean);
  w.Vec(ref.centroids);
  w.Vec(ref.cluster_share);
  return std::move(w.out());
}

Result<DriftReference> DecodeDriftReference(std::string_view in) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kEncodingVersion) {
    return Status::Corruption("drift reference: unknown encoding");
  }
  DriftReader r(in.substr(1));
  DriftReference ref;
  uint64_t bins = 0, features = 0, clusters = 0, every = 0, dim = 0;
  bool ok = r.U64(&bins) && r.U64(&features) && r.U64(&clusters) && r.U64(&every) && r.U64(&ref.params.seed) &&
            r.U64(&dim) && r.U64(&ref.count) && r.Vec(&ref.mean) && r.Vec(&ref.variance) && r.F64(&ref.spread) &&
            r.Vec(&ref.edges) && r.Vec(&ref.bin_share) && r.F64(&ref.norm_mean) && r.F64(&ref.norm_std) &&
            r.Vec(&ref.norm_edges) && r.Vec(&ref.norm_bin_share) && r.F32(&ref.bandwidth) && r.Vec(&ref.rff_w) &&
            r.Vec(&ref.rff_b) && r.Vec(&ref.rff_mean) && r.Vec(&ref.centroids) && r.Vec(&ref.cluster_share) &&
            r.done();
  ref.params.bins = bins, ref.params.rff_features = features, ref.params.clusters = clusters;
  ref.params.sample_every = every, ref.dim = dim;
  // Every size must agree, or a use would read out of bounds.
  ok = ok && bins >= 2 && every >= 1 && dim > 0 && ref.mean.size() == dim && ref.variance.size() == dim &&
       ref.edges.size() == dim * (bins - 1) && ref.bin_share.size() == dim * bins &&
       ref.norm_edges.size() == bins - 1 && ref.norm_bin_share.size() == bins && ref.rff_b.size() == features &&
       ref.rff_w.size() == features * dim && ref.rff_mean.size() == features && !ref.cluster_share.empty() &&
       ref.centroids.size() == ref.cluster_share.size() * dim;
  if (!ok) return Status::Corruption("drift reference: truncated or damaged");
  DeriveEdgesByRank(&ref);
  return ref;
}

}  // namespace sextant
