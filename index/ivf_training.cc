// The only file (with the benchmarks' raw baseline) that includes FAISS. Its
// exceptions stop here.
#include "index/ivf_training.h"

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/impl/ProductQuantizer.h>
#include <omp.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace sextant {

namespace {

// FAISS parallelises with OpenMP; the thread count is the calling thread's
// setting, so a build uses `threads` without changing anyone else's.
class OmpThreads {
 public:
  explicit OmpThreads(size_t threads) : saved_(omp_get_max_threads()) {
    omp_set_num_threads(static_cast<int>(std::max<size_t>(threads, 1)));
  }
  ~OmpThreads() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

int SeedOf(uint64_t seed) { return static_cast<int>(seed & 0x7fffffff); }

// The nearest centroid by direct loops, for the few-dimensional sub-vectors
// of PQ training. FAISS's flat index computes distances as blocked matrix
// products, which for 4-dimensional sub-vectors spends its time writing
// 16 MB distance blocks instead of computing: training the codebooks of
// 10,000 siftsmall vectors took 6 s that way, under 0.5 s with this.
class DirectAssigner final : public faiss::IndexFlatL2 {
 public:
  explicit DirectAssigner(idx_t dim) : faiss::IndexFlatL2(dim) {}
  void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
              const faiss::SearchParameters* params = nullptr) const override {
    if (k != 1 || ntotal == 0) {
      faiss::IndexFlatL2::search(n, x, k, distances, labels, params);
      return;
    }
    // ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2: the x.c of every centroid at
    // once over centroids laid out dimension-major, which vectorises across
    // centroids (the sub-vectors are too short to vectorise along).
    const size_t dim = static_cast<size_t>(d), count = static_cast<size_t>(ntotal);
    const float* centroids = get_xb();
    std::vector<float> by_dim(dim * count), norms(count, 0.0f);
    for (size_t c = 0; c < count; ++c) {
      for (size_t t = 0; t < dim; ++t) {
        by_dim[t * count + c] = centroids[c * dim + t];
        norms[c] += centroids[c * dim + t] * centroids[c * dim + t];
      }
    }
#pragma omp parallel if (n > 1000)
    {
      std::vector<float> scores(count);
#pragma omp for
      for (idx_t i = 0; i < n; ++i) {
        const float* row = x + i * dim;
        for (size_t c = 0; c < count; ++c) scores[c] = norms[c];
        for (size_t t = 0; t < dim; ++t) {
          const float w = -2.0f * row[t];
          const float* column = by_dim.data() + t * count;
          for (size_t c = 0; c < count; ++c) scores[c] += w * column[c];
        }
        size_t best = 0;
        for (size_t c = 1; c < count; ++c) {
          if (scores[c] < scores[best]) best = c;
        }
        float row_norm = 0.0f;
        for (size_t t = 0; t < dim; ++t) row_norm += row[t] * row[t];
        distances[i] = std::max(0.0f, scores[best] + row_norm);
        labels[i] = static_cast<idx_t>(best);
      }
    }
  }
};

}  // namespace

Result<std::vector<float>> TrainCentroids(MatrixView rows, size_t nlist, bool spherical, bool inner_product,
                                          uint64_t seed, size_t threads) {
  if (nlist == 0 || rows.rows() < nlist) return Status::InvalidArgument("fewer training rows than lists");
  OmpThreads omp(threads);
  try {
    faiss::ClusteringParameters cp;
    cp.niter = 10;  // FAISS's IVF default; 20 measured no better recall on glove100
    cp.spherical = spherical;
    cp.seed = SeedOf(seed);
    cp.max_points_per_centroid = 256;
    // Small segments train with few points per list on purpose (see
    // IvfIndex::ListsFor); FAISS would only warn.
    cp.min_points_per_centroid = 1;
    faiss::Clustering clustering(static_cast<int>(rows.dim()), nlist, cp);
    faiss::IndexFlat assigner(static_cast<faiss::Index::idx_t>(rows.dim()),
                              inner_product ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2);
    clustering.train(static_cast<faiss::Index::idx_t>(rows.rows()), rows.data(), assigner);
    return std::move(clustering.centroids);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("faiss k-means: ") + e.what());
  }
}

Result<std::vector<uint32_t>> AssignToCentroids(MatrixView rows, const std::vector<float>& centroids,
                                                size_t nlist, bool inner_product, size_t threads) {
  OmpThreads omp(threads);
  try {
    const auto dim = static_cast<faiss::Index::idx_t>(rows.dim());
    faiss::IndexFlat quantizer(dim, inner_product ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2);
    quantizer.add(static_cast<faiss::Index::idx_t>(nlist), centroids.data());
    std::vector<uint32_t> out(rows.rows());
    // In blocks: FAISS's search keeps n x k results plus BLAS scratch.
    constexpr size_t kBlock = 16384;
    std::vector<float> distances(kBlock);
    std::vector<faiss::Index::idx_t> labels(kBlock);
    for (size_t begin = 0; begin < rows.rows(); begin += kBlock) {
      const size_t n = std::min(kBlock, rows.rows() - begin);
      quantizer.search(static_cast<faiss::Index::idx_t>(n), rows.row(begin), 1, distances.data(), labels.data());
      for (size_t i = 0; i < n; ++i) {
        // FAISS returns -1 only when a row has no finite distance to any
        // centroid (vectors are finite here); any list is then as good.
        out[begin + i] = labels[i] < 0 ? 0 : static_cast<uint32_t>(labels[i]);
      }
    }
    return out;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("faiss assignment: ") + e.what());
  }
}

Result<std::vector<float>> TrainPqCodebooks(MatrixView rows, size_t m, uint64_t seed, size_t threads) {
  if (m == 0 || rows.dim() % m != 0) return Status::InvalidArgument("pq_m must divide the dimension");
  OmpThreads omp(threads);
  try {
    faiss::ProductQuantizer pq(rows.dim(), m, 8);
    DirectAssigner assigner(static_cast<faiss::Index::idx_t>(rows.dim() / m));
    pq.assign_index = &assigner;
    pq.cp.seed = SeedOf(seed);
    pq.cp.niter = 20;
    pq.cp.min_points_per_centroid = 1;
    pq.train(static_cast<faiss::Index::idx_t>(rows.rows()), rows.data());
    return std::move(pq.centroids);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("faiss pq training: ") + e.what());
  }
}

Status EncodePq(MatrixView rows, size_t m, const std::vector<float>& codebooks, std::vector<uint8_t>* codes) {
  try {
    faiss::ProductQuantizer pq(rows.dim(), m, 8);
    pq.centroids = codebooks;
    pq.sync_transposed_centroids();
    const size_t before = codes->size();
    codes->resize(before + rows.rows() * m);
    pq.compute_codes(rows.data(), codes->data() + before, rows.rows());
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("faiss pq encoding: ") + e.what());
  }
}

}  // namespace sextant
