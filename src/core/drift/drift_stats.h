// Drift statistics: a reference profile of embeddings, mergeable window
// accumulators, and the metrics of a window against the reference.
//
// Every metric is defined on the window's points exactly as a batch
// computation over the same points would define it (tests compare the two):
//   mean_euclid    ||mean(W) - mean(R)|| / spread(R), spread = sqrt(sum of the
//                  per-dimension variances of R): the RMS distance of a
//                  reference point to its centroid.
//   mean_cosine    1 - cos(mean(W), mean(R)).
//   drifted_share  share of dimensions whose PSI over the reference's
//                  quantile bins (`bins` equal-mass bins per dimension) is
//                  above psi_threshold; also the mean PSI.
//   mmd            MMD^2 with an RBF kernel, estimated with `rff_features`
//                  random Fourier features: ||mean phi(W) - mean phi(R)||^2,
//                  bandwidth = median pairwise distance of (up to 500)
//                  reference points. On sampled points only (see below).
//   norm_shift     |mean norm(W) - mean norm(R)| / std norm(R), and the PSI of
//                  the norms over the reference's norm quantile bins. Norms are
//                  of the vectors as sent (before a Cosine collection
//                  normalises them).
//   cluster_js     Jensen-Shannon divergence (base 2, in [0, 1]) between the
//                  shares of points nearest each of `clusters` k-means
//                  centroids of the reference. On sampled points only.
//   anomalies      zero vectors, norm outliers (|z| > 6 against the reference
//                  norms), exact duplicates of a vector seen earlier in the
//                  window (the caller keeps the set of what it has seen).
// "Sampled": the costly metrics (mmd, cluster_js: O(d x features) and
// O(d x clusters) a point) use every `sample_every`-th point of the stream.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "core/drift/fingerprint_set.h"

namespace sextant {

struct DriftParams {
  size_t bins = 10;           // quantile bins per dimension and for norms
  size_t rff_features = 64;   // random Fourier features for MMD
  size_t clusters = 16;       // k-means clusters of the reference
  size_t sample_every = 4;    // costly metrics on every n-th point
  uint64_t seed = 0x5e97a47;  // RFF and k-means; fixed so that restarts agree
};

// The reference profile, fixed once built.
struct DriftReference {
  DriftParams params;
  size_t dim = 0;
  uint64_t count = 0;
  std::vector<double> mean;      // dim
  std::vector<double> variance;  // dim (population)
  double spread = 0;             // sqrt(sum of variance)
  std::vector<float> edges;      // dim x (bins - 1) inner quantile edges, ascending
  std::vector<float> edges_by_rank;  // the same, (bins - 1) x dim (derived, for binning a point at once)
  std::vector<double> bin_share; // dim x bins: share of reference values per bin
  double norm_mean = 0, norm_std = 0;
  std::vector<float> norm_edges;       // bins - 1
  std::vector<double> norm_bin_share;  // bins
  float bandwidth = 1;                 // RBF bandwidth (sigma)
  std::vector<float> rff_w;            // rff_features x dim, N(0, 1/sigma^2)
  std::vector<float> rff_b;            // rff_features, U[0, 2 pi)
  std::vector<double> rff_mean;        // rff_features: mean phi over sampled reference points
  std::vector<float> centroids;        // clusters x dim
  std::vector<double> cluster_share;   // clusters: over sampled reference points
};

// Builds the reference from its points (row-major `vectors`, with the norm of
// each as sent). REQUIRES: at least 2 points. `stream_index` is the position
// of the first point in the collection's stream (for sampling).
Result<DriftReference> BuildDriftReference(MatrixView vectors, std::span<const float> norms,
                                           uint64_t stream_index, const DriftParams& params);

// The index of the reference centroid nearest to x (L2).
size_t NearestCentroid(const DriftReference& ref, const float* x);

struct DriftMetrics {
  uint64_t count = 0;
  double mean_euclid = 0;
  double mean_cosine = 0;
  double drifted_share = 0;
  double mean_psi = 0;
  double mmd = 0;
  double norm_shift = 0;
  double norm_psi = 0;
  double cluster_js = 0;
  uint64_t zero_vectors = 0, norm_outliers = 0, duplicates = 0;
};

// Mergeable statistics of a set of points, against one reference (whose bins,
// features and centroids it uses).
class DriftWindow {
 public:
  DriftWindow() = default;
  explicit DriftWindow(const DriftReference& ref);

  // Adds points; `stream_index` is the position of the first in the stream.
  // Duplicates are counted against `seen` (hashes of earlier vectors, which
  // Add extends; bounded by the caller), or not at all when it is null.
  void Add(const DriftReference& ref, MatrixView vectors, std::span<const float> norms, uint64_t stream_index,
           FingerprintSet* seen = nullptr);
  // Adds another window's statistics (same reference).
  void Merge(const DriftWindow& other);

  // Whether its sizes are those of `ref` (a decoded window must match).
  bool Matches(const DriftReference& ref) const;
  uint64_t count() const { return count_; }
  uint64_t sampled() const { return sampled_; }
  uint64_t zero_vectors() const { return zero_vectors_; }
  uint64_t norm_outliers() const { return norm_outliers_; }
  uint64_t duplicates() const { return duplicates_; }

  // Persistence.
  std::string Encode() const;
  static Result<DriftWindow> Decode(std::string_view in);

 private:
  friend DriftMetrics ComputeDriftMetrics(const DriftReference& ref, const DriftWindow& w, double psi_threshold);
  uint64_t count_ = 0;
  uint64_t sampled_ = 0;
  std::vector<double> sum_;         // dim
  std::vector<uint64_t> bin_count_; // dim x bins
  double norm_sum_ = 0;
  std::vector<uint64_t> norm_bin_count_;
  std::vector<double> rff_sum_;     // rff_features
  std::vector<uint64_t> cluster_count_;
  uint64_t zero_vectors_ = 0, norm_outliers_ = 0, duplicates_ = 0;
};

DriftMetrics ComputeDriftMetrics(const DriftReference& ref, const DriftWindow& w, double psi_threshold);

// The PSI of `share` against `reference` (both sum to 1), with a small floor
// so that empty bins stay finite.
double Psi(std::span<const double> share, std::span<const double> reference);
// Jensen-Shannon divergence, base 2.
double JensenShannon(std::span<const double> p, std::span<const double> q);

// Encoding of the reference, for persistence.
std::string EncodeDriftReference(const DriftReference& ref);
Result<DriftReference> DecodeDriftReference(std::string_view in);

}  // namespace sextant
